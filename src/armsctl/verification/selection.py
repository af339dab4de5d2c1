"""Verifiable random selection: commit-reveal nonces, a public seed, a re-implementable draw.

Protocol (specified byte for byte in ``docs/verification.md``):

1. Each party draws a 32-byte nonce and publishes its commitment
   ``SHA-256("armsctl/selection/commit/v1" 0x00 party 0x00 nonce)`` in the log.
2. When every commitment is in, the current signed checkpoint (opaque bytes to this module) is
   fixed and each party reveals its nonce; anyone checks the reveals against the commitments.
3. The seed is ``SHA-256("armsctl/selection/seed/v1" ‖ field(checkpoint) ‖ field(party) ‖
   field(nonce) ...)`` over the parties in sorted order, each field prefixed by its length as an
   8-byte big-endian integer, so that no two inputs encode alike.
4. The selection is a partial Fisher-Yates shuffle of each group's candidates (sorted by their
   UTF-8 bytes), driven by ``HMAC-SHA-256(seed, "armsctl/selection/draw/v1" 0x00 group 0x00
   counter)`` with the first 8 bytes read as a big-endian integer and unbiased by rejection.

If a party refuses to reveal by the deadline, the *fallback* seed is derived the same way under the
label ``armsctl/selection/fallback/v1`` from the first checkpoint published after the deadline
(which no party can know when it decides to withhold), the revealed nonces, and the commitments of
the withholding parties. A withholding party can still choose between the normal and the fallback
outcome (the known one-bit bias of commit-reveal), but cannot steer either, and the refusal itself
is on the record.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from armsctl.errors import InputError, IntegrityError, ParameterError, Problem

__all__ = [
    "COMMIT_LABEL",
    "DRAW_LABEL",
    "FALLBACK_LABEL",
    "SEED_LABEL",
    "Selection",
    "commit",
    "derive_seed",
    "draw_indices",
    "new_nonce",
    "select",
    "select_from_log",
    "verify_nonce_reveal",
    "verify_selection",
]

COMMIT_LABEL = b"armsctl/selection/commit/v1"
SEED_LABEL = b"armsctl/selection/seed/v1"
FALLBACK_LABEL = b"armsctl/selection/fallback/v1"
DRAW_LABEL = b"armsctl/selection/draw/v1"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_TWO64 = 1 << 64


def new_nonce(entropy: bytes) -> str:
    """A nonce as lowercase hex, from 32 bytes of entropy the caller draws (``os.urandom(32)``).

    The entropy is passed in, never read here, so that the core stays deterministic.
    """
    if len(entropy) != 32:
        raise ParameterError(f"entropy must be 32 bytes, got {len(entropy)}")
    return entropy.hex()


def _nonce_bytes(nonce: str, *, where: str) -> bytes:
    if not isinstance(nonce, str) or not _HEX64.match(nonce):
        raise ParameterError(f"{where}: a nonce must be 64 lowercase hex digits (32 bytes)")
    return bytes.fromhex(nonce)


def _party_bytes(party: str) -> bytes:
    if not isinstance(party, str) or not party or "\x00" in party:
        raise ParameterError(f"party must be a non-empty name without NUL, got {party!r}")
    return party.encode("utf-8")


def commit(party: str, nonce: str) -> str:
    """The commitment a party publishes before revealing ``nonce`` (lowercase hex SHA-256).

    The party's name is bound in so that one party cannot copy another's commitment and later
    replay its reveal.
    """
    data = COMMIT_LABEL + b"\x00" + _party_bytes(party) + b"\x00"
    return hashlib.sha256(data + _nonce_bytes(nonce, where=party)).hexdigest()


def verify_nonce_reveal(party: str, commitment: str, unverified_nonce: str) -> bool:
    """Whether a revealed nonce opens the party's commitment (constant-time comparison).

    Named apart from ``armsctl.ledger.verify_reveal``, which checks revealed declaration items
    against their escrow commitments.
    """
    return hmac.compare_digest(commit(party, unverified_nonce), commitment.lower())


def _field(data: bytes) -> bytes:
    return len(data).to_bytes(8, "big") + data


def _as_bytes(checkpoint: bytes | str) -> bytes:
    return checkpoint.encode("utf-8") if isinstance(checkpoint, str) else bytes(checkpoint)


def derive_seed(
    checkpoint: bytes | str,
    nonces: Mapping[str, str],
    *,
    withheld: Mapping[str, str] | None = None,
) -> bytes:
    """The 32-byte seed from the checkpoint and the revealed nonces (sorted by party).

    With ``withheld`` (party -> commitment of each party that did not reveal) the fallback seed
    is derived instead; ``checkpoint`` must then be the first one after the reveal deadline.
    """
    label = FALLBACK_LABEL if withheld else SEED_LABEL
    h = hashlib.sha256(label)
    h.update(_field(_as_bytes(checkpoint)))
    for party in sorted(nonces):
        h.update(_field(_party_bytes(party)))
        h.update(_field(_nonce_bytes(nonces[party], where=party)))
    for party in sorted(withheld or {}):
        h.update(_field(_party_bytes(party)))
        h.update(_field(b"withheld:" + (withheld or {})[party].lower().encode("ascii")))
    return h.digest()


def draw_indices(seed: bytes, group: str, population: int, count: int) -> list[int]:
    """``count`` distinct indices of ``range(population)``, in draw order (the reference draw).

    Partial Fisher-Yates: for ``i = 0 .. count-1`` a uniform ``j`` in ``[i, population)`` is drawn
    and positions ``i`` and ``j`` swapped. Each uniform integer below ``r`` comes from successive
    blocks ``HMAC-SHA-256(seed, DRAW_LABEL 0x00 group 0x00 counter_be64)``, reading the first
    8 bytes as an unsigned big-endian ``x``, rejecting ``x >= 2^64 - (2^64 mod r)`` and returning
    ``x mod r``; the counter starts at 0 and rises by one per block, rejected or not.
    """
    if len(seed) != 32:
        raise ParameterError("seed must be 32 bytes")
    if count < 0 or count > population:
        raise ParameterError(f"count ({count}) must lie between 0 and the {population} candidates")
    prefix = DRAW_LABEL + b"\x00" + group.encode("utf-8") + b"\x00"
    order = list(range(population))
    counter = 0
    for i in range(count):
        r = population - i
        limit = _TWO64 - (_TWO64 % r)
        while True:
            block = hmac.new(seed, prefix + counter.to_bytes(8, "big"), hashlib.sha256).digest()
            counter += 1
            x = int.from_bytes(block[:8], "big")
            if x < limit:
                break
        j = i + x % r
        order[i], order[j] = order[j], order[i]
    return order[:count]


def select(seed: bytes, groups: Mapping[str, tuple[Sequence[str], int]]) -> dict[str, list[str]]:
    """Pick ``count`` candidates of every group: group -> (candidates, count).

    Candidates are sorted by their UTF-8 bytes first, so the order in which a file lists them
    does not matter; duplicates are refused.
    """
    out: dict[str, list[str]] = {}
    for group in sorted(groups):
        candidates, count = groups[group]
        ordered = sorted(set(candidates), key=lambda c: c.encode("utf-8"))
        if len(ordered) != len(candidates):
            raise ParameterError(f"candidates of group {group} repeat a name")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ParameterError(f"count of group {group} must be a whole number >= 0")
        if count > len(ordered):
            raise ParameterError(
                f"count of group {group} ({count}) exceeds its {len(ordered)} candidates"
            )
        out[group] = [ordered[i] for i in draw_indices(seed, group, len(ordered), count)]
    return out


@dataclass(frozen=True, slots=True)
class Selection:
    """A selection with everything needed to re-derive it."""

    mode: str
    seed: str
    selected: dict[str, list[str]]
    revealed: list[str]
    withheld: list[str]

    def to_dict(self) -> dict[str, Any]:
        """The selection as plain JSON: the mode and seed let anyone re-derive ``selected``."""
        return asdict(self)


def select_from_log(
    commitments: Mapping[str, str],
    reveals: Mapping[str, str],
    checkpoint: bytes | str,
    groups: Mapping[str, tuple[Sequence[str], int]],
    *,
    fallback_checkpoint: bytes | str | None = None,
) -> Selection:
    """Check every reveal against its commitment, derive the seed and select.

    Raises:
        IntegrityError: a reveal does not open its commitment, or a reveal comes from a party
            that never committed.
        InputError: a party has not revealed and no ``fallback_checkpoint`` is given.
    """
    problems = []
    for party, c in commitments.items():
        if not isinstance(c, str) or not _HEX64.match(c.lower()):
            problems.append(Problem("commitments", party, "must be 64 hex digits"))
    if problems:
        raise InputError(problems)
    for party in reveals:
        if party not in commitments:
            raise IntegrityError(f"{party} revealed a nonce without a commitment")
        _nonce_bytes(reveals[party], where=f"reveals.{party}")
        if not verify_nonce_reveal(party, commitments[party], reveals[party]):
            raise IntegrityError(f"{party}'s revealed nonce does not match its commitment")
    if not commitments:
        raise InputError([Problem("commitments", "", "no party committed")])
    withheld = {p: c for p, c in commitments.items() if p not in reveals}
    if withheld:
        if fallback_checkpoint is None:
            raise InputError(
                [
                    Problem(
                        "reveals",
                        p,
                        "not revealed; give the first checkpoint after the deadline "
                        "(--fallback-checkpoint) to apply the fallback",
                    )
                    for p in sorted(withheld)
                ]
            )
        seed = derive_seed(fallback_checkpoint, reveals, withheld=withheld)
        mode = "fallback"
    else:
        seed = derive_seed(checkpoint, reveals)
        mode = "normal"
    return Selection(
        mode=mode,
        seed=seed.hex(),
        selected=select(seed, groups),
        revealed=sorted(reveals),
        withheld=sorted(withheld),
    )


def verify_selection(
    claimed: Mapping[str, Any],
    commitments: Mapping[str, str],
    reveals: Mapping[str, str],
    checkpoint: bytes | str,
    groups: Mapping[str, tuple[Sequence[str], int]],
    *,
    fallback_checkpoint: bytes | str | None = None,
) -> Selection:
    """Re-derive a selection from the public inputs and compare it with a claimed one.

    Raises:
        IntegrityError: the seed, mode or selected names differ from the re-derivation.
    """
    again = select_from_log(
        commitments, reveals, checkpoint, groups, fallback_checkpoint=fallback_checkpoint
    )
    if claimed.get("mode", again.mode) != again.mode:
        raise IntegrityError(f"the claimed mode {claimed.get('mode')!r} should be {again.mode!r}")
    seed = str(claimed.get("seed", ""))
    if not hmac.compare_digest(seed.lower(), again.seed):
        raise IntegrityError("the claimed seed does not follow from the commitments and reveals")
    if claimed.get("selected") != again.selected:
        raise IntegrityError("the claimed selection differs from the one the seed gives")
    return again
