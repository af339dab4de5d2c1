"""Use-cases: one function per use-case, one transaction each, shared by the API and the CLI.

Every state-changing use-case appends an entry to the log in the same transaction as its rows:
sealed with the server's key (operator-attested) or, for declarations and notifications that
carry ``signed_entry``, the party's own signed entry (``armsctl.service.entries``). Use-cases
take time (``at=``) and randomness (``rng=``) as parameters and an ``allow`` callback for authorisation decisions made by ``armsctl.access.authz``.

The shells import what they need from this package; ``_base``, ``_json`` and ``_paging`` are its
private implementation modules (an import-linter contract keeps them private).
"""

from armsctl.errors import AccessDenied, ConflictError
from armsctl.service._base import (
    Actor,
    Allow,
    Database,
    Page,
    Resource,
    allow_all,
    audit,
    iso,
    slice_page,
)
from armsctl.service._json import MAX_SAFE, json_problem
from armsctl.service._paging import Listing

__all__ = [
    "MAX_SAFE",
    "AccessDenied",
    "Actor",
    "Allow",
    "ConflictError",
    "Database",
    "Listing",
    "Page",
    "Resource",
    "allow_all",
    "audit",
    "iso",
    "json_problem",
    "slice_page",
]
