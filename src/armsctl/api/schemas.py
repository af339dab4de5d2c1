"""Request and response bodies, split by direction (``XCreate`` in, ``XPublic``/``Page`` out).

Bounds on every field keep hostile input out of the store: codes and names are short and
printable, numbers fit in canonical JSON (|n| < 2**53), lists are capped.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

__all__ = [
    "AggregateCreate",
    "Code",
    "FindingsCreate",
    "InspectionCreate",
    "ItemsCreate",
    "NotificationCreate",
    "ObservationCreate",
    "PageOut",
    "PartyCreate",
    "RevealCreate",
    "ScheduleCreate",
    "TokenCreate",
    "TreatyLoad",
    "UserCreate",
]

MAX_SAFE = 2**53 - 1
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
Text = Annotated[str, Field(max_length=2000, pattern=r"^[^\x00]*$")]
Count = Annotated[int, Field(ge=0, le=MAX_SAFE)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TreatyLoad(_In):
    id: Slug = Field(description="A bundled treaty id, e.g. new-start.")


class PartyCreate(_In):
    code: Code
    name: Text
    key: Annotated[str, Field(max_length=300, pattern=r"^[^\x00\s]+$")] = Field(
        description="The party's Ed25519 verifier key (C2SP note key string)."
    )


class UserCreate(_In):
    name: Name
    role: Literal["party", "inspector", "observer", "operator"]
    treaty: Slug | None = None
    party: Code | None = None


class TokenCreate(_In):
    days: int = Field(90, ge=1, le=3650)


class AggregateCreate(_In):
    party: Code | None = Field(None, description="Default: the caller's party.")
    as_of: dt.date
    figures: dict[Annotated[str, Field(max_length=200)], Count] = Field(max_length=2000)
    status: Literal["provided", "not-provided"] = "provided"
    note: Text = ""


class ItemsCreate(_In):
    party: Code | None = None
    as_of: dt.date
    items: list[dict[str, Any]] = Field(min_length=1, max_length=100_000)
    note: Text = ""


class NotificationCreate(_In):
    recipient: Code | None = Field(None, description="None: every other party.")
    kind: Slug
    body: dict[str, Any] = Field(default_factory=dict)


class InspectionCreate(_In):
    inspected_party: Code
    type: Slug
    site: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]+$")]
    inspectors: list[Name] = Field(default_factory=list, max_length=50)
    year: int | None = Field(None, ge=1900, le=2200)


class ScheduleCreate(_In):
    arrival: AwareDatetime


class RevealCreate(_In):
    declaration_id: int = Field(ge=1, le=MAX_SAFE)


class FindingsCreate(_In):
    findings: list[dict[str, Any]] = Field(max_length=1000)


class ObservationCreate(_In):
    subject: Code | None = None
    source: Literal["drone", "in-situ", "open-source", "satellite", "other"]
    observed_at: AwareDatetime
    body: dict[str, Any] = Field(default_factory=dict)


class PageOut(BaseModel):
    """One page of a list endpoint; ``total`` counts every row before paging."""

    results: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
