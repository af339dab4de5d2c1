"""Use-cases: one function per use-case, one transaction each, shared by the API and the CLI.

Every state-changing use-case appends an entry sealed with the server's key to the log in the
same transaction as its rows. Use-cases take time (``at=``) and randomness (``rng=``) as
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
