"""Request bodies (``XCreate``); the response bodies beside them are in ``armsctl.api.public``.

Bounds on every field keep hostile input out of the store: codes and names are short and
printable, numbers fit in canonical JSON (|n| < 2**53), lists are capped, and every free-form
JSON field (notification and observation bodies, findings, item records) is bounded in depth
and size and must canonicalise under RFC 8785 (``armsctl.service``), so a value that
could be stored but never written back out is refused with a 422 naming the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from armsctl.service import MAX_SAFE, json_problem

__all__ = [
    "AggregateCreate",
    "Code",
    "FindingsCreate",
    "FreeObject",
    "InspectionCreate",
    "ItemIn",
    "ItemsCreate",
    "NotificationCreate",
    "ObservationCreate",
    "PartyBootstrap",
    "PartyCreate",
    "RecordingHistory",
    "RevealCreate",
    "Salt",
    "ScheduleCreate",
    "SealedIn",
    "SealedRow",
    "Signed",
    "SignedEntry",
    "TokenCreate",
    "TreatyLoad",
    "UserCreate",
]

Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
Text = Annotated[str, Field(max_length=2000, pattern=r"^[^\x00]*$")]
#: A count: a JSON integer only (``true`` or ``"5"`` is not a count), within JavaScript's safe range.
Count = Annotated[int, Field(strict=True, ge=0, le=MAX_SAFE)]


def _bounded(value: Any) -> Any:
    found = json_problem(value)
    if found is not None:
        path, message = found
        raise ValueError(f"{path}: {message}" if path else message)
    return value


#: A free-form JSON object: bounded depth and size, canonical-JSON numbers and strings.
FreeObject = Annotated[dict[str, Any], AfterValidator(_bounded)]
ItemText = Annotated[str, Field(strict=True, min_length=1, max_length=200, pattern=r"^[^\x00]+$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TreatyLoad(_In):
    """Load one of the treaties bundled with the server (operator only).

    Only bundled ids are accepted: a treaty document is never uploaded, so every server reads
    the same validated text.
    """

    id: Slug = Field(description="A bundled treaty id, e.g. new-start.")


class PartyCreate(_In):
    """A party of a treaty: its code, name and the keys it signs and receives with.

    ``key`` verifies the entries the party seals; ``encryption_key``, when given, is what the
    server seals the party's item rows and confidential records to.
    """

    code: Code
    name: Text
    key: Annotated[str, Field(max_length=300, pattern=r"^[^\x00\s]+$")] = Field(
        description="The party's Ed25519 verifier key (C2SP note key string)."
    )
    encryption_key: Annotated[str, Field(max_length=100, pattern=r"^[^\x00\s]+$")] | None = Field(
        None,
        description=(
            "The party's X25519 public key (x25519:<base64>): every item row, notification "
            "body and inspection record the server keeps for the party is sealed to it."
        ),
    )


class UserCreate(_In):
    """A new user: ``party`` and ``inspector`` users name their treaty and party, others neither.

    A party's own users add the users of that party; the operator adds only users of no party
    (observers and operators).
    """

    name: Name
    role: Literal["party", "inspector", "observer", "operator"]
    treaty: Slug | None = None
    party: Code | None = None


class PartyBootstrap(PartyCreate):
    """Register a party (operator only), optionally with its first party user and that user's token.

    The token in the response is shown once; after this bootstrap the party issues its own.
    """

    first_user: Name | None = Field(
        None, description="Create the party's first party user and its token (bootstrap)."
    )
    token_days: int = Field(90, ge=1, le=3650)


class TokenCreate(_In):
    """A new API token for a user, valid for ``days`` days (1 to 3650); the secret is shown once."""

    days: int = Field(90, ge=1, le=3650)


#: Base64 of a party-sealed log entry (``armsctl.service.entries``); bounded by the body limit.
SignedEntry = Annotated[
    str | None,
    Field(
        max_length=2_000_000,
        pattern=r"^[A-Za-z0-9+/]+={0,2}$",
        description="Base64 of the canonical log entry the party sealed with its registered "
        "key over exactly what this request logs; without it the server seals the entry "
        "(operator-attested) unless it requires party signatures.",
    ),
]


#: A 32-byte salt in hex: the one a party-signed entry's commitment was computed with.
Salt = Annotated[
    str | None,
    Field(
        pattern=r"^[0-9a-f]{64}$",
        description="32-byte salt (hex) of the content commitment the log carries; required "
        "with signed_entry (the party chose it), else drawn by the server.",
    ),
]


#: Record history: a date the treaty would refuse is accepted, and the entry says so.
RecordingHistory = Annotated[
    bool,
    Field(
        description="Record history: accept a date the treaty would refuse (before "
        "signature, after expiry or withdrawal, further ahead than allowed); logged in the entry.",
    ),
]


class Signed(_In):
    """A body that may carry the party's own signed log entry."""

    signed_entry: SignedEntry = None


class AggregateCreate(_In):
    """An aggregate declaration: figures per limit or component as of one date.

    A party declares once per date (a second one for the same date is a 409); ``party``
    defaults to the caller's own.
    """

    party: Code | None = Field(None, description="Default: the caller's party.")
    as_of: dt.date
    figures: dict[Annotated[str, Field(max_length=200)], Count] = Field(max_length=2000)
    status: Literal["provided", "not-provided"] = "provided"
    note: Text = ""
    signed_entry: SignedEntry = None
    recording_history: RecordingHistory = False


class ItemIn(BaseModel):
    """One item record: the four named strings, an optional zone, then scalar attributes.

    Attributes beyond the named ones (``warheads``, ...) are kept as sent, since the record is
    what the party commits to; each must be a string, a whole number, a finite number, a
    boolean or null.
    """

    model_config = ConfigDict(extra="allow")
    uid: ItemText
    category: ItemText
    status: ItemText
    facility: ItemText
    zone: ItemText | None = None

    @model_validator(mode="after")
    def _scalar_attributes(self) -> ItemIn:
        for key, value in (self.model_extra or {}).items():
            if len(key) > 200:
                raise ValueError("attribute names are at most 200 characters")
            if isinstance(value, (dict, list)):
                raise ValueError(f"{key}: must be a string, number, boolean or null")
            found = json_problem(value)
            if found is not None:
                raise ValueError(f"{key}: {found[1]}")
        return self


B64 = Annotated[str, Field(max_length=100_000, pattern=r"^[A-Za-z0-9+/]*={0,2}$")]


class SealedRow(_In):
    """One sealed item row: its position in the declaration and its ciphertext (base64)."""

    index: int = Field(ge=0, le=MAX_SAFE)
    ciphertext: B64


class SealedIn(_In):
    """Item rows sealed to the party's own key (``armsctl.ledger.sealing``)."""

    scheme: Annotated[str, Field(max_length=300)]
    wrapped_key: B64
    private: B64 | None = None
    rows: list[SealedRow] = Field(min_length=1, max_length=100_000)


class ItemsCreate(_In):
    """An item-level declaration: items in clear, or sealed by the party's client.

    Either ``items``, or ``sealed`` with the ``commitment`` and ``components`` the client
    computed (the server never sees those items in clear).
    """

    party: Code | None = None
    as_of: dt.date
    items: list[ItemIn] | None = Field(None, min_length=1, max_length=100_000)
    commitment: FreeObject | None = None
    components: dict[Annotated[str, Field(max_length=200)], Count] | None = Field(
        None, max_length=2000
    )
    sealed: SealedIn | None = None
    note: Text = ""
    salts: list[Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]] | None = Field(
        None,
        max_length=300_001,
        description="The 32-byte salts (hex) the party's own commitment drew, in the order "
        "armsctl.ledger.escrow.commit_items draws them; required with signed_entry.",
    )
    signed_entry: SignedEntry = None
    recording_history: RecordingHistory = False


class NotificationCreate(_In):
    """A notification to one party, or to every other party when ``recipient`` is omitted.

    The log keeps a salted commitment of ``body``, not the body itself; ``body_salt`` is the
    salt a party-signed entry committed with.
    """

    recipient: Code | None = Field(None, description="None: every other party.")
    kind: Slug
    body: FreeObject = Field(default_factory=dict)
    body_salt: Salt = None
    signed_entry: SignedEntry = None
    recording_history: RecordingHistory = False


class InspectionCreate(_In):
    """Request an inspection of a site of another party: one slot of the year's quota of ``type``.

    ``year`` defaults to the current year (this year or the next, unless recording history);
    a spent quota is a 409. The log carries the site's salted commitment, not its name.
    """

    inspected_party: Code
    type: Slug
    site: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]+$")]
    inspectors: list[Name] = Field(default_factory=list, max_length=50)
    year: int | None = Field(None, ge=1900, le=2200)
    site_salt: Salt = None
    signed_entry: SignedEntry = None
    recording_history: RecordingHistory = False


class ScheduleCreate(_In):
    """The arrival time the inspecting party notifies; it must carry a time zone."""

    arrival: AwareDatetime
    arrival_salt: Salt = None
    signed_entry: SignedEntry = None


class RevealCreate(_In):
    """The inspected party opens the declared items at the inspected site, from one declaration."""

    declaration_id: int = Field(ge=1, le=MAX_SAFE)
    reveal: FreeObject | None = Field(
        None, description="For items sealed to the party: the site's reveal, built by its client."
    )
    site_salt: Salt = Field(
        None,
        description=(
            "The salt of the site commitment (from the party's copy of the inspection): the "
            "site is sealed at rest, so the server checks the reveal's facility against it."
        ),
    )
    signed_entry: SignedEntry = None


class FindingsCreate(_In):
    """The inspection team's findings (at most 1000 JSON objects), filed once per inspection."""

    findings: Annotated[list[FreeObject], AfterValidator(_bounded)] = Field(max_length=1000)
    findings_salt: Salt = None
    signed_entry: SignedEntry = None


class ObservationCreate(_In):
    """An observation from one kind of source, about one party (``subject``) or none.

    ``observed_at`` must carry a time zone and may not lie in the future (beyond a small
    clock skew); the log keeps a salted commitment of ``body``.
    """

    subject: Code | None = None
    source: Literal["drone", "in-situ", "open-source", "satellite", "other"]
    observed_at: AwareDatetime
    body: FreeObject = Field(default_factory=dict)
    body_salt: Salt = None
    signed_entry: SignedEntry = None
