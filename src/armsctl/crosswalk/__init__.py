"""Crosswalks between reporting regimes: one item list, classified into each regime's categories.

The same holding is reported many times over: to the UN Register of Conventional Arms, in the Arms
Trade Treaty annual report, as CFE treaty-limited equipment, in the Vienna Document annual
exchange. Each regime's categories and thresholds (calibre, mass, range, traverse, crew) are data
files with a source and a ``verified`` flag per row; classification is a pure function, and what
a regime leaves out is given with its reason (an 82 mm mortar is UNROCA category III, at 75 mm and
above, but not CFE artillery, at 100 mm and above).
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from armsctl.errors import InputError
from armsctl.validation import validation_problems

__all__ = [
    "REGIMES",
    "Regime",
    "Row",
    "Threshold",
    "Vocabulary",
    "classify",
    "load_regime",
    "summarise",
    "vocabulary",
]

REGIMES = ("unroca", "att", "cfe", "vd2011")
_DATA = "armsctl.crosswalk.data"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(_Model):
    """A bound on one attribute: ``at_least``/``at_most`` inclusive, ``above``/``below`` not."""

    attribute: str
    at_least: float | None = None
    at_most: float | None = None
    above: float | None = None
    below: float | None = None

    def failure(self, value: float | None) -> str | None:
        """Why ``value`` fails this bound, or ``None`` when it passes."""
        if value is None:
            return f"{self.attribute} not given"
        checks = (
            ("at least", self.at_least, value >= (self.at_least or 0)),
            ("more than", self.above, value > (self.above or 0)),
            ("at most", self.at_most, value <= (self.at_most or 0)),
            ("below", self.below, value < (self.below or 0)),
        )
        for op, bound, ok in checks:
            if bound is not None and not ok:
                return f"{self.attribute} {_fmt(value)} is not {op} {_fmt(bound)}"
        return None


class Row(_Model):
    """One way an item falls into a regime's category: its kinds and every threshold it meets."""

    category: str
    title: str
    kinds: list[str] = Field(min_length=1)
    conditions: list[Threshold] = Field(default_factory=list)
    definition: str
    source: str
    verified: bool


class Regime(_Model):
    """A reporting regime's categories as rows; ``not_covered`` says what it leaves out."""

    id: str
    title: str
    not_covered: str = ""
    rows: list[Row] = Field(min_length=1)


class Vocabulary(_Model):
    """The item kinds and attribute columns the crosswalk data may use."""

    attributes: list[str]
    kinds: dict[str, str]


class _Checked(Regime):
    @model_validator(mode="after")
    def _known_terms(self) -> _Checked:
        vocab = vocabulary()
        problems = []
        for i, row in enumerate(self.rows):
            for kind in sorted(set(row.kinds) - set(vocab.kinds)):
                problems.append(f"rows[{i}].kinds: unknown kind {kind!r}")
            for j, cond in enumerate(row.conditions):
                if cond.attribute not in vocab.attributes:
                    problems.append(
                        f"rows[{i}].conditions[{j}].attribute: unknown attribute {cond.attribute!r}"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _read(name: str) -> dict[str, Any]:
    text = resources.files(_DATA).joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(text)


@functools.cache
def vocabulary() -> Vocabulary:
    """The shared kinds and attributes (``kinds.toml``)."""
    return Vocabulary.model_validate(_read("kinds.toml"))


@functools.cache
def load_regime(regime_id: str) -> Regime:
    """A bundled regime's crosswalk data, validated (kinds and attributes from the vocabulary)."""
    if regime_id not in REGIMES:
        raise InputError(f"unknown regime {regime_id!r} (known: {', '.join(REGIMES)})")
    raw = _read(f"{regime_id}.toml")
    try:
        return Regime.model_validate(_Checked.model_validate(raw).model_dump())
    except ValidationError as exc:  # a defect in the shipped data, reported like user input
        raise InputError(validation_problems(exc, raw, f"{regime_id}.toml")) from None


def _classify_one(item: Mapping[str, Any], regime: Regime) -> dict[str, Any]:
    kind = item["kind"]
    rows = [row for row in regime.rows if kind in row.kinds]
    if not rows:
        why = regime.not_covered or f"no {regime.title} category covers {kind!r}"
        return {"category": None, "counted": False, "reason": f"{kind} is not covered: {why}"}
    failures = []
    for row in rows:
        failed = [f for c in row.conditions if (f := c.failure(item.get(c.attribute)))]
        if not failed:
            return {"category": row.category, "counted": True}
        mark = "" if row.verified else " (unverified definition)"
        failures.append(f"not {row.title} ({row.category}): {'; '.join(failed)}{mark}")
    return {"category": None, "counted": False, "reason": " / ".join(failures)}


def classify(items: Sequence[Mapping[str, Any]], regimes: Sequence[str]) -> list[dict[str, Any]]:
    """Each item (``uid``, ``kind`` and attribute values) in each regime's categories.

    An item a regime counts gets ``{"category": ..., "counted": true}``; one it leaves out gets
    ``{"category": null, "counted": false, "reason": ...}`` naming the threshold it misses.
    """
    loaded = [load_regime(r) for r in regimes]
    return [
        {"uid": item["uid"], "regimes": {r.id: _classify_one(item, r) for r in loaded}}
        for item in items
    ]


def summarise(classified: list[dict[str, Any]], regimes: Sequence[str]) -> dict[str, Any]:
    """Per regime: items counted and excluded, counts per category, and unverified rules used."""
    out: dict[str, Any] = {}
    for regime_id in regimes:
        regime = load_regime(regime_id)
        by_category: dict[str, int] = {}
        counted = 0
        for entry in classified:
            result = entry["regimes"][regime_id]
            if result["counted"]:
                counted += 1
                by_category[result["category"]] = by_category.get(result["category"], 0) + 1
        used = sorted(by_category)
        out[regime_id] = {
            "title": regime.title,
            "counted": counted,
            "excluded": len(classified) - counted,
            "by_category": dict(sorted(by_category.items())),
            "unverified_categories": sorted(
                {r.category for r in regime.rows if not r.verified and r.category in used}
            ),
        }
    return out
