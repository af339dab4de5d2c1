"""The treaty's dates, applied by the use-cases that log a record (the rules: treaty.validity).

A refused date is a 422 naming the request field and the rule (the API's JSON error shape); a
request that sets ``recording_history`` is exempt, and the flag is logged in its entry
(``"recording_history": true`` in the body) so that every reader of the log sees that the
record was entered as history, not as an act under the treaty in force.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from armsctl.errors import DeclarationError, InputError, Problem
from armsctl.service.entries import Draft
from armsctl.treaty.schema import Treaty
from armsctl.treaty.validity import (
    DateRefusal,
    declaration_date_refusal,
    treaty_date_refusal,
)

__all__ = ["check_declaration_date", "check_treaty_date", "history_marked"]

HISTORY_HINT = " (to record history, send recording_history: true; it is logged)"


def _refuse(found: DateRefusal, cls: type[InputError]) -> InputError:
    return cls([Problem("", found.field, found.rule + HISTORY_HINT)])


def check_declaration_date(
    treaty: Treaty, party: str, as_of: dt.date, *, at: dt.datetime, recording_history: bool
) -> None:
    """Refuse a declaration dated where the treaty does not apply (unless recording history).

    Raises:
        DeclarationError: naming ``as_of`` and the rule.
    """
    if recording_history:
        return
    found = declaration_date_refusal(treaty, party, as_of, today=at.astimezone(dt.UTC).date())
    if found is not None:
        raise _refuse(found, DeclarationError)


def check_treaty_date(
    treaty: Treaty,
    *,
    at: dt.datetime,
    parties: tuple[str, ...],
    what: str,
    field: str = "at",
    recording_history: bool,
) -> None:
    """Refuse a record made at ``at`` outside the treaty's window for ``parties``.

    Raises:
        InputError: naming ``field`` and the rule.
    """
    if recording_history:
        return
    day = at.astimezone(dt.UTC).date()
    found = treaty_date_refusal(treaty, day, parties=parties, field=field, what=what)
    if found is not None:
        raise _refuse(found, InputError)


def history_marked(draft: Draft, recording_history: bool) -> Draft:
    """The entry with ``"recording_history": true`` in its body when the request says so.

    A party that signs its own entry for such a request signs this same body.
    """
    if not recording_history:
        return draft
    return dataclasses.replace(draft, body={**draft.body, "recording_history": True})
