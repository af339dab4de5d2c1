"""The log server's side of witnessing: submit each new checkpoint, keep the cosignatures.

When the server signs a checkpoint it sends it to every configured witness with
c2sp.org/tlog-witness ``add-checkpoint``: the old size it believes the witness holds and a
consistency proof from that size, computed from the log. A witness that answers 409 with its
size gets the request again with a proof from that size. The cosignature lines that verify
under the witness's configured key are added to the checkpoint note (replacing that witness's
earlier line) and the note is stored as the log's newest checkpoint, so every reader of the
log's head gets it with its cosignatures.

A witness that is down, slow, refuses or answers garbage costs only its own cosignature: the
failure is logged and the checkpoint is served without it. The log never waits on a witness
to stay correct.

Configuration (``ARMSCTL_WITNESSES``): entries separated by commas or newlines, each
``<url> <cosignature key or file>``, e.g.
``http://127.0.0.1:8101 w1+5d09aa4a+BO4z...``; the URL is the witness's submission prefix.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from armsctl.errors import IntegrityError, ParameterError
from armsctl.ledger.note import ALG_COSIGNATURE_V1, VerifierKey, open_note, parse_note
from armsctl.ledger.witness import (
    MAX_PROOF_LINES,
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    cosignature_lines,
    parse_size_body,
    replace_cosignature,
)

if TYPE_CHECKING:
    from armsctl.service._base import Database

__all__ = [
    "Answer",
    "HttpPoster",
    "Poster",
    "WitnessEndpoint",
    "Witnessing",
    "http_poster",
    "parse_witnesses",
]

_log = logging.getLogger("armsctl.witnessing")
#: A witness may move the old size this many times (409) before the server gives up on it.
_MAX_CONFLICTS = 3
_MAX_ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class WitnessEndpoint:
    """One witness: its submission prefix and the cosignature key it must sign with."""

    url: str
    key: VerifierKey


@dataclass(frozen=True, slots=True)
class Answer:
    """A witness's HTTP answer: status, content type and body."""

    status: int
    content_type: str
    body: bytes


#: Sends an ``add-checkpoint`` body to a witness's URL and returns its answer.
Poster = Callable[[str, bytes], Answer]


def _key(value: str) -> VerifierKey:
    text = value
    if "+" not in value or Path(value).is_file():
        try:
            text = Path(value).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ParameterError(f"witness key file {value}: {exc}") from None
    key = VerifierKey.parse(text)
    return key if key.alg == ALG_COSIGNATURE_V1 else key.as_cosigner()


def parse_witnesses(text: str) -> tuple[WitnessEndpoint, ...]:
    """Read the witness configuration: ``<url> <key or file>`` entries, comma/newline separated.

    Raises:
        ParameterError: naming the entry that is malformed.
    """
    out: list[WitnessEndpoint] = []
    entries = [e.strip() for e in text.replace("\n", ",").split(",")]
    for n, entry in enumerate((e for e in entries if e), 1):
        parts = entry.split()
        if len(parts) != 2 or not parts[0].startswith(("http://", "https://")):
            raise ParameterError(f"witness {n}: expected '<http(s) url> <cosignature key>'")
        try:
            key = _key(parts[1])
        except IntegrityError as exc:
            raise ParameterError(f"witness {n}: {exc}") from None
        out.append(WitnessEndpoint(parts[0].rstrip("/"), key))
    return tuple(out)


class HttpPoster:
    """A ``Poster`` over HTTP(S): one keep-alive client, a timeout, a cap on answer size."""

    def __init__(self, timeout: float) -> None:
        import httpx

        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def __call__(self, url: str, body: bytes) -> Answer:
        """POST ``body`` to ``<url>/add-checkpoint`` (C2SP tlog-witness) and return the raw answer.

        Redirects are not followed, so a witness cannot send the checkpoint elsewhere.

        Raises:
            IntegrityError: if the answer is over 64 KiB (read no further).
            httpx.HTTPError: on a connection failure or timeout; the caller records it and the
                log keeps working.
        """
        headers = {"content-type": "text/plain"}
        with self._client.stream(
            "POST", f"{url}/add-checkpoint", content=body, headers=headers
        ) as response:
            data = b""
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > _MAX_ANSWER_BYTES:
                    raise IntegrityError("witness answer is too large")
            kind = response.headers.get("content-type", "").split(";")[0].strip()
            return Answer(response.status_code, kind, data)

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()


def http_poster(timeout: float) -> HttpPoster:
    """Return a ``Poster`` over HTTP(S) with ``timeout`` seconds per call."""
    return HttpPoster(timeout)


def _cosigned_by(note: str, key: VerifierKey) -> bool:
    try:
        return bool(open_note(note, [key]).verified)
    except IntegrityError:
        return False


@dataclass
class Witnessing:
    """The server's witnesses and what it believes each one last cosigned."""

    endpoints: Sequence[WitnessEndpoint]
    post: Poster
    sizes: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def close(self) -> None:
        """Release the poster's connections, if it holds any."""
        close = getattr(self.post, "close", None)
        if callable(close):
            close()

    def _safe(self, db: Database, endpoint: WitnessEndpoint, note: str, size: int) -> list[str]:
        try:
            return self._one(db, endpoint, note, size)
        except Exception as exc:  # a witness's failure never breaks the log
            _log.warning("witness %s failed: %s", endpoint.url, exc)
            return []

    def _one(self, db: Database, endpoint: WitnessEndpoint, note: str, size: int) -> list[str]:
        """Ask one witness; return its verified cosignature lines, or [] after logging why."""
        old = self.sizes.get(endpoint.url, 0)
        for _attempt in range(_MAX_CONFLICTS + 1):
            if old > size:
                _log.warning(
                    "witness %s holds size %d, above this log's %d: not asking it",
                    endpoint.url,
                    old,
                    size,
                )
                return []
            with db.read() as session:
                proof = db.ledger.consistency_proof(session.connection(), old, size)
            if len(proof) > MAX_PROOF_LINES:  # pragma: no cover - a log of 2^63 entries
                return []
            answer = self.post(endpoint.url, AddCheckpoint(old, tuple(proof), note).body())
            if answer.status == 200:
                lines = cosignature_lines(answer.body, note, endpoint.key)
                self.sizes[endpoint.url] = size
                return lines
            if answer.status == 409 and answer.content_type == SIZE_CONTENT_TYPE:
                old = parse_size_body(answer.body)
                self.sizes[endpoint.url] = old
                continue
            reason = answer.body[:200].decode("utf-8", "replace").strip().splitlines()
            _log.warning(
                "witness %s refused size %d (old %d): %d %s",
                endpoint.url,
                size,
                old,
                answer.status,
                reason[0] if reason else "",
            )
            return []
        _log.warning("witness %s kept moving its size; gave up", endpoint.url)
        return []

    def gather(self, db: Database) -> str | None:
        """Submit the log's newest checkpoint to every witness that has not cosigned it.

        Returns:
            The newest stored checkpoint note after adding the cosignatures received, or
            ``None`` if the log has no checkpoint yet. Never raises for a witness's failure.
        """
        with self._lock:
            with db.read() as session:
                latest = db.ledger.latest_checkpoint(session.connection())
            if latest is None:
                return None
            seq, size, note = latest
            asked = [e for e in self.endpoints if not _cosigned_by(note, e.key)]
            cosigned = note
            if asked:  # all at once: a slow witness delays the others by nothing
                with ThreadPoolExecutor(max_workers=min(len(asked), 16)) as pool:
                    answers = list(pool.map(lambda e: self._safe(db, e, note, size), asked))
                for lines in answers:
                    for line in lines:
                        cosigned = replace_cosignature(cosigned, line)
            if cosigned == note:
                return note
            return self._store(db, seq, size, cosigned) or note

    @staticmethod
    def _store(db: Database, seq: int, size: int, note: str) -> str | None:
        """Store the cosigned note as the newest checkpoint, unless a newer one came first."""
        parse_note(note)
        try:
            with db.write() as (_session, conn):
                latest = db.ledger.latest_checkpoint(conn)
                if latest is None or latest[0] != seq:
                    _log.info("a newer checkpoint was signed meanwhile; cosignatures dropped")
                    return None
                conn.execute(
                    db.ledger.t.checkpoints.insert(), {"seq": seq + 1, "size": size, "note": note}
                )
        except Exception as exc:  # the log keeps working without them
            _log.warning("could not store cosignatures: %s", exc)
            return None
        return note
