"""The witness's HTTP face: c2sp.org/tlog-witness ``POST /add-checkpoint``, nothing else.

Built by ``create_witness_app``; ``armsctl witness serve`` runs it with uvicorn. The witness
needs no database: only its key, the log keys it trusts and its state file. Answers are plain
text as the protocol prescribes: 200 with the cosignature line, 409 with ``text/x.tlog.size``
and the witness's size on a stale old size, and 400/403/404/409/413/422 with a one-line reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from armsctl.errors import InputError, IntegrityError
from armsctl.ledger.note import SignerKey, VerifierKey
from armsctl.ledger.witness import (
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    Cosigned,
    WitnessRefusal,
    WitnessState,
    add_checkpoint,
    size_body,
)
from armsctl.store.witness_state import WitnessStateFile

__all__ = ["MAX_REQUEST_BYTES", "create_witness_app"]

#: 63 proof lines and a checkpoint with 100 signatures fit well below this.
MAX_REQUEST_BYTES = 64 * 1024
_log = logging.getLogger("armsctl.witness")


def _now() -> int:
    return int(time.time())


def _refusal(exc: WitnessRefusal) -> Response:
    if exc.status == 409 and exc.known_size is not None:
        # exactly this type, no charset parameter: clients compare it verbatim
        return Response(size_body(exc.known_size), 409, headers={"content-type": SIZE_CONTENT_TYPE})
    return PlainTextResponse(exc.message + "\n", exc.status)


def create_witness_app(
    *,
    signer: SignerKey,
    log_keys: Sequence[VerifierKey],
    state: WitnessStateFile,
    clock: Callable[[], int] = _now,
) -> Starlette:
    """Build a witness for the logs whose keys are given.

    Args:
        signer: The witness's private key; it cosigns as tlog-cosignature/v1 (type 0x04).
        log_keys: The log verifier keys (type 0x01) it trusts, one per origin.
        state: Where the witness remembers what it cosigned.
        clock: Now, in POSIX seconds (tests pass a fixed clock).
    """
    state.load()  # a malformed state file stops the start, with its one-line reason
    keys = tuple(log_keys)

    def handle(body: bytes) -> Response:
        try:
            request = AddCheckpoint.parse(body)

            def decide(current: WitnessState) -> tuple[WitnessState, Cosigned]:
                done = add_checkpoint(current, request, log_keys=keys, signer=signer, at=clock())
                return done.state, done

            done = state.update(decide)
        except WitnessRefusal as exc:
            _log.info("add-checkpoint refused (%d): %s", exc.status, exc.message)
            return _refusal(exc)
        except IntegrityError as exc:  # pragma: no cover - every check above is a refusal
            return PlainTextResponse(f"{exc}\n", 400)
        except InputError as exc:  # the state file became unreadable or unwritable
            _log.error("witness state: %s", exc)
            return PlainTextResponse("witness state unavailable\n", 503)
        first = " (trusted on first use)" if done.first_use else ""
        _log.info("cosigned %s at size %d%s", done.checkpoint.origin, done.checkpoint.size, first)
        return PlainTextResponse(done.line)

    async def add(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_REQUEST_BYTES):
            return PlainTextResponse("request body too large\n", 413)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_REQUEST_BYTES:
                return PlainTextResponse("request body too large\n", 413)
        return await run_in_threadpool(handle, body)

    return Starlette(routes=[Route("/add-checkpoint", add, methods=["POST"])])
