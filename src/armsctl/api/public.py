"""Response bodies (``XPublic`` beside the request's ``XCreate``, and ``Page[T]`` for lists).

Each model mirrors, key for key and in the same order, what its use-case in ``armsctl.service``
returns; a use-case that returns a record defines it and this module imports it back, so one
definition serves the API, the web and the command line. Declaring it changes nothing a client
receives: a key the
use-case leaves out (``sealed_site`` of an inspection whose site is in clear, ``consistency`` of a
bundle without one, ``user`` and ``token`` of a party registered without a first user) has a
default and stays out, because every route serialises with ``exclude_unset``
(``armsctl.api.routing``). A key added by a use-case but not declared here is still served
(``extra="allow"``), never dropped; ``tests/api/test_response_models.py`` fails on one, so the
OpenAPI document catches up.

Times are RFC 3339 text and dates ISO 8601 text, exactly as the use-cases write them.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import Field

from armsctl.service.accounts import (
    IssuedTokenPublic,
    PartyBootstrapPublic,
    PartyPublic,
    RevokedTokenPublic,
    TokenPublic,
    TreatyLoadPublic,
    TreatyPublic,
    UserPublic,
)
from armsctl.service.declarations import (
    DeclarationFilePublic,
    DeclarationItemPublic,
    DeclarationPublic,
    SealedItemsKey,
)
from armsctl.service.entries import SealedPublic
from armsctl.service.inspections import (
    InspectionPublic,
    QuotaPublic,
    RevealCreatePublic,
    RevealPublic,
)
from armsctl.service.log import (
    AuditEventPublic,
    CheckpointPublic,
    LogAuditPublic,
    LogEntryPublic,
    LogStatusPublic,
)
from armsctl.service.notifications import NotificationPublic
from armsctl.service.observations import ObservationPublic
from armsctl.service.records import Number, Record, Time
from armsctl.service.zk import ZkProofPublic

__all__ = [
    "ActivityPublic",
    "AuditEventPublic",
    "CheckpointPublic",
    "ComplianceLimitPublic",
    "CompliancePartyPublic",
    "CompliancePublic",
    "ConsistencyPublic",
    "DeclarationFilePublic",
    "DeclarationItemPublic",
    "DeclarationPublic",
    "ExplanationPublic",
    "GroupCompliancePublic",
    "HealthPublic",
    "InspectionPublic",
    "InspectionsSummaryPublic",
    "IssuedTokenPublic",
    "LogAuditPublic",
    "LogEntryPublic",
    "LogHeadPublic",
    "LogStatusPublic",
    "MePublic",
    "NotificationPublic",
    "ObservationPublic",
    "Page",
    "PageInfo",
    "PartyBootstrapPublic",
    "PartyPublic",
    "ProofBundlePublic",
    "QuotaPublic",
    "RevealCreatePublic",
    "RevealPublic",
    "RevokedTokenPublic",
    "SealedItemsKey",
    "SealedPublic",
    "TokenPublic",
    "TransparencyPublic",
    "TreatyLoadPublic",
    "TreatyPublic",
    "UserPublic",
    "ZkProofPublic",
]

T = TypeVar("T")

_Out = Record


class PageInfo(_Out):
    """Where a page sits in a list: ``total`` counts every row before paging.

    ``next_offset`` is where the next page starts (``null`` on the last page).
    """

    total: int
    limit: int
    offset: int
    next_offset: int | None


class Page(_Out, Generic[T]):
    """One page of a list endpoint: the rows, then ``total``, ``limit``, ``offset``, ``next_offset``.

    ``total`` counts every row before paging; ``next_offset`` is where the next page starts
    (``null`` on the last page), so a caller can never take a cut list for the whole.
    """

    results: list[T]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class HealthPublic(_Out):
    """Liveness."""

    status: str = Field(examples=["ok"])


class MePublic(_Out):
    """The caller: user name, role, and the party and treaty it acts for (if any)."""

    name: str
    role: str
    party: str | None
    treaty: str | None


class ConsistencyPublic(_Out):
    """A consistency proof from an older tree size (hashes in base64)."""

    old_size: int
    proof: list[str]


class ProofBundlePublic(_Out):
    """An ``armsctl/proof-bundle/v1`` document (hashes in base64)."""

    type: str
    entry: str
    index: int
    size: int
    inclusion: list[str]
    checkpoint: str
    consistency: ConsistencyPublic | None = Field(None, description="Present with from_size.")


class ExplanationPublic(_Out):
    """One component's contribution to a limit's value: ``weight * value``."""

    measure: str
    weight: Number
    value: int
    provenance: str


class ComplianceLimitPublic(_Out):
    """One limit's result (the ``check --format json`` contract)."""

    id: str
    value: int | None
    max: int
    margin: int | None
    in_force: bool
    status: str
    title: str
    effective: str
    article: str
    basis: str
    provenance: str
    unverified: bool
    note: str
    parties: list[str]
    missing: list[str]
    lower_bound: bool
    step: str
    exact: Number | None
    limit_provenance: str
    limit_unverified: bool
    explanation: list[ExplanationPublic]


class CompliancePartyPublic(_Out):
    """One party's results from its latest declaration on or before the date."""

    party: str
    declaration_as_of: str | None
    status: str
    limits: list[ComplianceLimitPublic]
    declaration_kind: str | None
    stale: bool
    not_provided: str | None
    flags: list[str]
    unverified: list[str]
    withdrawn_on: str | None
    suspended_on: str | None


class GroupCompliancePublic(_Out):
    """A limit shared by a group of parties: ``covers`` is who was counted."""

    group: str
    members: list[str]
    status: str
    covers: list[str]
    withdrawn: list[str]
    limits: list[ComplianceLimitPublic]


class ActivityPublic(_Out):
    """A treaty rule applied to one reported activity."""

    rule: str
    title: str
    article: str
    party: str
    uid: str
    event: str
    time: str
    status: str
    reason: str
    notification: str | None
    unverified: bool


class CompliancePublic(_Out):
    """Every limit for every party at a date (the ``check --format json`` document)."""

    treaty: str
    at: str
    status: str
    parties: list[CompliancePartyPublic]
    interpretation: str | None
    treaty_in_force: bool
    groups: list[GroupCompliancePublic]
    notes: list[str]
    activities: list[ActivityPublic]


class InspectionsSummaryPublic(_Out):
    """How many inspections the treaty has, and this year's quotas."""

    total: int
    quotas: list[QuotaPublic]


class LogHeadPublic(_Out):
    """The log's size and latest signed checkpoint."""

    size: int
    checkpoint: str | None


class TransparencyPublic(_Out):
    """What the parties release; ``declarations_page`` pages ``declarations``."""

    treaty: str
    generated_at: Time
    parties: list[PartyPublic]
    declarations: list[DeclarationPublic]
    declarations_page: PageInfo
    compliance: CompliancePublic
    inspections: InspectionsSummaryPublic
    log: LogHeadPublic
