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
from armsctl.service.records import Record
from armsctl.service.transparency import (
    ActivityPublic,
    ComplianceLimitPublic,
    CompliancePartyPublic,
    CompliancePublic,
    ExplanationPublic,
    GroupCompliancePublic,
    InspectionsSummaryPublic,
    LogHeadPublic,
    PageInfo,
    TransparencyPublic,
)
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
