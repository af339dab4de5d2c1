"""The log served as C2SP tlog-tiles under ``/tlog/``: public, read-only, no token.

``/tlog/checkpoint`` changes with every checkpoint, so it is cached for seconds; a full tile
or full entry bundle never changes, so it is cached for a year as immutable; a partial one is
replaced by longer ones as the log grows, so it too is cached briefly. A malformed path is a
400, a tile beyond the tree of the latest checkpoint a 404, both with the JSON error shape.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from armsctl.access.deps import StateDep
from armsctl.api.errors import error_response
from armsctl.errors import ParameterError
from armsctl.service import tlog

__all__ = ["IMMUTABLE", "SHORT", "TLOG_PREFIX", "router"]

TLOG_PREFIX = "/tlog"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=5"

# Not in the /api/v1 OpenAPI document: these are static resources of the C2SP spec.
router = APIRouter(prefix=TLOG_PREFIX, tags=["tlog"], include_in_schema=False)


@router.get("/checkpoint", response_class=Response)
def checkpoint(state: StateDep) -> Response:
    """The latest signed checkpoint (c2sp.org/tlog-checkpoint), cosignatures included."""
    return Response(
        tlog.checkpoint(state.db),
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": SHORT},
    )


@router.get("/tile/{path:path}", response_class=Response)
def tile(path: str, state: StateDep) -> Response:
    """A hash tile ``tile/<L>/<N>[.p/<W>]`` or an entry bundle ``tile/entries/<N>[.p/<W>]``."""
    try:
        body = tlog.tile(state.db, f"tile/{path}")
    except ParameterError as exc:
        return error_response(400, str(exc), field="path")
    return Response(
        body.data,
        media_type="application/octet-stream",
        headers={"Cache-Control": IMMUTABLE if body.full else SHORT},
    )
