"""Drafts: a treaty file derived from another by changing limits, dates and quotas.

A draft is an ordinary treaty (same schema, validated by the same loader), so everything that
reads treaties reads drafts. Changes are given as ``LIMIT=MAX``, ``LIMIT.max=MAX``,
``LIMIT.effective=DATE`` and ``QUOTA=N``; each applied change is recorded as one line of the
draft's notes, so that a reader of the file sees what differs from the base.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from armsctl.errors import ParameterError
from armsctl.treaty.loader import parse_treaty
from armsctl.treaty.schema import Treaty

__all__ = [
    "Change",
    "apply_changes",
    "derive_draft",
    "draft_toml",
    "parse_quota",
    "parse_set",
]

_LIMIT_FIELDS = ("max", "maximum", "effective")


@dataclass(frozen=True, slots=True)
class Change:
    """One edit to a treaty: a limit's maximum or effective date, or a quota's yearly number."""

    kind: str  # "limit" or "quota"
    target: str
    field: str  # "maximum", "effective" or "per_year"
    value: int | dt.date

    def describe(self, old: object) -> str:
        """A one-line note: what changed, from what to what."""
        what = "inspection quota" if self.kind == "quota" else "limit"
        return f"{what} {self.target}.{self.field}: {old} -> {self.value}"


def parse_set(text: str) -> Change:
    """Read ``LIMIT=MAX``, ``LIMIT.max=MAX`` or ``LIMIT.effective=YYYY-MM-DD``.

    Raises:
        ParameterError: the text is not of that form, the maximum is negative or not a whole
            number, or the date is not a date.
    """
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key or not raw:
        raise ParameterError(f"--set {text!r}: expected LIMIT=MAX or LIMIT.effective=DATE")
    limit, _, field = key.partition(".")
    field = field or "max"
    if field not in _LIMIT_FIELDS:
        raise ParameterError(
            f"--set {text!r}: unknown field {field!r} (use LIMIT=MAX, LIMIT.max or LIMIT.effective)"
        )
    if field == "effective":
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise ParameterError(
                f"--set {text!r}: bad date {raw!r} (expected YYYY-MM-DD)"
            ) from None
        return Change("limit", limit, "effective", day)
    return Change("limit", limit, "maximum", _whole(f"--set {text!r}", raw, "maximum"))


def parse_quota(text: str) -> Change:
    """Read ``TYPE=N``: the named inspection quota becomes ``N`` inspections a year."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip() or not raw.strip():
        raise ParameterError(f"--quota {text!r}: expected TYPE=N")
    return Change("quota", key.strip(), "per_year", _whole(f"--quota {text!r}", raw, "N"))


def _whole(where: str, raw: str, name: str) -> int:
    try:
        value = int(raw.strip().replace(",", "").replace("_", ""))
    except ValueError:
        raise ParameterError(f"{where}: {name} {raw!r} is not a whole number") from None
    if value < 0:
        raise ParameterError(f"{where}: {name} must not be negative, got {value}")
    return value


def apply_changes(treaty: Treaty, changes: list[Change]) -> tuple[Treaty, list[str]]:
    """The treaty with the changes applied, validated again, and a note per change.

    Raises:
        ParameterError: a change names a limit or quota the treaty does not have.
        TreatyFileError: the changed treaty breaks the schema (e.g. an effective date that
            falls before entry into force is allowed, but an impossible one is not).
    """
    raw = treaty.model_dump(mode="python", exclude_none=True)
    limits = {x["id"]: x for x in raw.get("limits", [])}
    quotas = {q["id"]: q for q in raw.get("inspection_quotas", [])}
    notes: list[str] = []
    for change in changes:
        if change.kind == "limit":
            entry = limits.get(change.target)
            if entry is None:
                known = ", ".join(limits) or "none"
                raise ParameterError(
                    f"--set: unknown limit {change.target!r} in {treaty.id} (limits: {known})"
                )
        else:
            entry = quotas.get(change.target)
            if entry is None:
                known = ", ".join(quotas) or "none"
                raise ParameterError(
                    f"--quota: unknown inspection quota {change.target!r} in {treaty.id} "
                    f"(quotas: {known})"
                )
            old_rule = _quota_rule(entry)
            for key in ("per_party", "units_per_inspection", "max_per_year"):
                entry.pop(key, None)
            entry["per_year"] = change.value
            notes.append(change.describe(old_rule))
            continue
        notes.append(change.describe(entry[change.field]))
        entry[change.field] = change.value
    return _revalidate(raw, where=f"draft of {treaty.id}"), notes


def _quota_rule(entry: dict[str, Any]) -> str:
    if entry.get("per_year") is not None:
        return str(entry["per_year"])
    if entry.get("per_party"):
        return "per party " + ", ".join(f"{k}={v}" for k, v in entry["per_party"].items())
    return f"one per {entry.get('units_per_inspection')} units"


def _revalidate(raw: dict[str, Any], *, where: str) -> Treaty:
    import tomli_w

    return parse_treaty(tomli_w.dumps(_clean(raw)), where=where)


def _clean(value: Any) -> Any:
    """Drop empty containers and ``None`` so that the TOML holds only what was said."""
    if isinstance(value, dict):
        out = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def derive_draft(
    base: Treaty, changes: list[Change], *, draft_id: str | None = None
) -> tuple[Treaty, list[str]]:
    """A draft of ``base``: the changes applied, a new id and title, the changes in its notes.

    The draft keeps the base's public record reference, so ``record@DATE`` baselines still
    resolve to the bundled record of the base treaty.
    """
    changed, notes = apply_changes(base, changes)
    raw = changed.model_dump(mode="python", exclude_none=True)
    raw["id"] = draft_id or f"{base.id}-draft"
    raw["title"] = f"Draft derived from {base.short_title}: {base.title}"
    raw["short_title"] = f"{base.short_title} (draft)"
    lines = [f"Draft derived from the treaty {base.id!r}."]
    lines += [f"Changed: {n}" for n in notes] or ["Changed: nothing (a copy of the base)."]
    raw["notes"] = "\n".join(lines) + (
        "\n\nBase notes:\n" + base.notes.strip() if base.notes else ""
    )
    return _revalidate(raw, where=f"draft {raw['id']}"), notes


def draft_toml(draft: Treaty, notes: list[str]) -> str:
    """The draft as TOML text, with a header comment listing the changes."""
    import tomli_w

    header = [f"# {draft.short_title}: written by `armsctl workbench draft`."]
    header += [f"# changed: {n}" for n in notes] or ["# changed: nothing"]
    body = tomli_w.dumps(_clean(draft.model_dump(mode="python", exclude_none=True)))
    return "\n".join(header) + "\n\n" + body
