"""Use-cases: one function per use-case, one transaction each, shared by the API and the CLI.

Every state-changing use-case appends an entry to the log in the same transaction as its rows:
sealed with the server's key (operator-attested) or, for declarations and notifications that
carry ``signed_entry``, the party's own signed entry (``armsctl.service.entries``). Use-cases take time (``at=``) and randomness (``rng=``) as
parameters and an ``allow`` callback for authorisation decisions made by ``armsctl.api.authz``.
"""

from armsctl.service._base import (
    AccessDenied,
    Actor,
    ConflictError,
    Database,
    Page,
    Resource,
    allow_all,
)

__all__ = [
    "AccessDenied",
    "Actor",
    "ConflictError",
    "Database",
    "Page",
    "Resource",
    "allow_all",
]
