"""Drafts: a treaty file derived from another by changing limits, dates and quotas.

A draft is an ordinary treaty (same schema, validated by the same loader), so everything that
reads treaties reads drafts. Changes are given as ``LIMIT=MAX``, ``LIMIT.max=MAX``,
``LIMIT.effective=DATE``, ``LIMIT@DATE=MAX`` and ``QUOTA=N``; each applied change is recorded as
one line of the draft's notes, so that a reader of the file sees what differs from the base.

``LIMIT@DATE=MAX`` is a milestone: an intermediate maximum, written as a step of the limit's
``phases`` (the schema's phased limits), so that the compliance engine, which applies the
latest step on or before a date, judges the draft exactly as the workbench schedules it. A
milestone before the limit takes effect moves the start of the limit to that date and keeps the
old start as a step; a milestone later than the limit's final step becomes its new final step.
A milestone never raises a ceiling that an earlier step already lowered (that is a new final
maximum: ``LIMIT=MAX``). For a phased limit ``LIMIT=MAX`` sets the final step's maximum.
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
    field: str  # "maximum", "effective", "phase" (a milestone) or "per_year"
    value: int | dt.date
    at: dt.date | None = None  # a milestone's date

    def describe(self, old: object) -> str:
        """A one-line note: what changed, from what to what."""
        what = "inspection quota" if self.kind == "quota" else "limit"
        if self.field == "phase":
            return f"{what} {self.target} milestone {self.at}: {old} -> {self.value}"
        return f"{what} {self.target}.{self.field}: {old} -> {self.value}"


def parse_set(text: str) -> Change:
    """Read ``LIMIT=MAX``, ``LIMIT.max=MAX``, ``LIMIT.effective=YYYY-MM-DD`` or ``LIMIT@DATE=MAX``.

    Raises:
        ParameterError: the text is not of that form, the maximum is negative or not a whole
            number, or the date is not a date.
    """
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key or not raw:
        raise ParameterError(
            f"--set {text!r}: expected LIMIT=MAX, LIMIT.effective=DATE or LIMIT@DATE=MAX"
        )
    if "@" in key:
        limit, _, day_text = key.partition("@")
        try:
            day = dt.date.fromisoformat(day_text.strip())
        except ValueError:
            raise ParameterError(
                f"--set {text!r}: bad milestone date {day_text.strip()!r} (expected "
                "LIMIT@YYYY-MM-DD=MAX)"
            ) from None
        if not limit.strip():
            raise ParameterError(f"--set {text!r}: expected LIMIT@YYYY-MM-DD=MAX")
        value = _whole(f"--set {text!r}", raw, "maximum")
        return Change("limit", limit.strip(), "phase", value, at=day)
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
    # Milestones last: ``LIMIT=MAX`` and ``LIMIT.effective`` say where the limit ends up, the
    # milestones the steps on the way, whatever order they were typed in.
    ordered = [c for c in changes if c.field != "phase"] + [
        c for c in changes if c.field == "phase"
    ]
    for change in ordered:
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
        if change.field == "phase":
            assert change.at is not None and isinstance(change.value, int)
            notes.append(_add_milestone(raw, entry, change.at, change.value))
            continue
        if change.field == "maximum" and entry.get("phases"):
            last = entry["phases"][-1]
            old = last.get("maximum", f"{last.get('fraction')} of the baseline")
            notes.append(
                f"limit {change.target} final step {last['date']}: {old} -> {change.value}"
            )
            last.pop("fraction", None)
            last["maximum"] = change.value
            continue
        notes.append(change.describe(entry[change.field]))
        entry[change.field] = change.value
        if change.field == "effective":  # a date typed in replaces the rule it came from
            entry.pop("effective_rule", None)
    return _revalidate(raw, where=f"draft of {treaty.id}"), notes


def _steps(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The limit's steps: its start (``effective``) and then each phase, as phase-like dicts."""
    start: dict[str, Any] = {"date": entry["effective"], "article": entry["article"]}
    if entry.get("effective_rule"):
        start["date_rule"] = entry["effective_rule"]
    if entry.get("fraction") is not None:
        start["fraction"] = entry["fraction"]
    else:
        start["maximum"] = entry["maximum"]
    return [start, *entry.get("phases", [])]


def _ceiling_text(step: dict[str, Any]) -> str:
    if "maximum" in step:
        return str(step["maximum"])
    return f"{step.get('fraction')} of the baseline"


def _add_milestone(raw: dict[str, Any], entry: dict[str, Any], day: dt.date, value: int) -> str:
    """Write "at most ``value`` from ``day`` on" into the limit's steps; return the note.

    Raises:
        ParameterError: the milestone would raise a ceiling an earlier step lowered, or lower
            one below a later step's (the steps of a limit only tighten).
    """
    limit_id = entry["id"]
    steps = _steps(entry)
    dates = [s["date"] for s in steps]
    where = f"--set {limit_id}@{day}={value}"
    replaced = day in dates
    position = dates.index(day) if replaced else sum(1 for d in dates if d < day)
    old = _ceiling_text(steps[position]) if replaced else "(no step)"
    before = [s["maximum"] for s in steps[:position] if "maximum" in s]
    after = [s["maximum"] for s in steps[position + int(replaced) :] if "maximum" in s]
    if before and value > before[-1]:
        raise ParameterError(
            f"{where}: raises the maximum {before[-1]:,} already in force from an earlier step; "
            f"a limit's steps only tighten (to change the final maximum use {limit_id}=MAX)"
        )
    if after and value < max(after):
        raise ParameterError(
            f"{where}: is below the later step's maximum {max(after):,}; a limit's steps only "
            "tighten"
        )
    if replaced:
        kept = {k: v for k, v in steps[position].items() if k not in ("fraction", "maximum")}
        steps[position] = {**kept, "maximum": value}
    else:
        steps.insert(position, {"date": day, "maximum": value, "article": "draft milestone"})
        _shift_extensions(raw, limit_id, position)
    first, *phases = steps
    entry["effective"] = first["date"]
    if first.get("date_rule"):
        entry["effective_rule"] = first["date_rule"]
    else:
        entry.pop("effective_rule", None)
    entry.pop("fraction", None)
    if "fraction" in first:
        entry["fraction"] = first["fraction"]
    else:
        entry["maximum"] = first["maximum"]
    if not phases and "maximum" in first:
        entry.pop("phases", None)
    else:
        entry["phases"] = phases
        raw["schema_version"] = 2  # phased limits are a schema 2 feature
    return f"limit {limit_id} milestone {day}: {old} -> {value}"


def _shift_extensions(raw: dict[str, Any], limit_id: str, position: int) -> None:
    """Keep each party's deadline extensions on the step they moved, after a step is inserted.

    Steps are numbered with the start as ``None`` and phases from 0; inserting at ``position``
    (0 = before the start) renumbers the steps from there on.
    """
    for pd in raw.get("party_dates", []) or []:
        for ext in pd.get("extensions", []) or []:
            if ext.get("limit") != limit_id:
                continue
            step = 0 if ext.get("phase") is None else ext["phase"] + 1  # index into steps
            if step >= position:
                step += 1
            ext["phase"] = None if step == 0 else step - 1


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
