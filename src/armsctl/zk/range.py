"""A committed total within a limit, proven in zero knowledge (experimental, not yet reviewed).

A party commits to one count per site (or category) with Pedersen commitments
``C_i = v_i·G + r_i·H`` on ristretto255 and publishes the commitments only. Anyone derives the
headroom commitment ``D = max·G − ΣC_i``, which opens to ``d = max − Σv_i`` with blinding
``−Σr_i``. The proof shows that ``d`` lies in ``[0, 2^k)`` without revealing it: ``d`` is split
into ``k`` bit commitments ``B_j`` whose weighted sum ``Σ 2^j·B_j`` must equal ``D``, and each
``B_j`` carries a Cramer-Damgård-Schoenmakers OR-proof that it commits to 0 or to 1. The
OR-proofs share one Fiat-Shamir challenge, the SHA-512 of a transcript that binds the domain
tag, the treaty, the limit id and maximum, the date, the party, ``k``, every site label and
commitment, ``D``, every bit commitment and every first message (``armsctl.zk.transcript``).
Requiring ``max < 2^k`` keeps the statement one-sided: it says ``Σv ≤ max`` and nothing about
how far below.

What it does not prove: that each site's count is non-negative (only the total is bound), or
that the commitments match the party's real holdings; inspections and the treaty's other
means do that. ``docs/zk.md`` specifies every byte, so that another implementation can check a
proof; the tests share vector files with the browser verifier.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from armsctl.errors import ArmsctlError, InputError
from armsctl.zk import group as g
from armsctl.zk.transcript import Transcript

__all__ = [
    "DOMAIN",
    "MAX_BITS",
    "MAX_SITES",
    "OPENINGS_FORMAT",
    "PROOF_FORMAT",
    "BitProof",
    "Check",
    "Context",
    "LimitExceeded",
    "Opening",
    "Openings",
    "RangeProof",
    "Verification",
    "commit_sites",
    "derived_commitment",
    "prove",
    "verify",
]

#: The format marker of a public proof document.
PROOF_FORMAT: Final = "armsctl-zk-range/1"
#: The format marker of the party's private openings document.
OPENINGS_FORMAT: Final = "armsctl-zk-openings/1"
#: The domain tag that starts every transcript.
DOMAIN: Final = b"armsctl/zk/range/v1"
#: The widest range a proof may cover, ``[0, 2^64)``.
MAX_BITS: Final = 64
#: The most site commitments one proof may cover.
MAX_SITES: Final = 10_000
_LABEL_MAX = 200


class LimitExceeded(ArmsctlError):
    """The committed total is above the limit: no proof exists, and the prover writes none."""


@dataclass(frozen=True, slots=True)
class Context:
    """What a proof is about; every field is bound into the challenge."""

    treaty: str
    limit: str
    maximum: int
    as_of: str
    party: str
    bits: int

    def to_json(self) -> dict[str, Any]:
        """The context as a JSON object: what ``from_json`` reads and ``docs/zk.md`` specifies.

        Its keys are the fields, in their order: a field added here is bound and published.
        """
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any, where: str) -> Context:
        """Read a context object, naming the first bad field.

        Raises:
            InputError: if a field is missing, of the wrong type or out of range.
        """
        obj = _object(data, where, ("treaty", "limit", "maximum", "as_of", "party", "bits"))
        texts = {k: _text(obj[k], f"{where}.{k}") for k in ("treaty", "limit", "as_of", "party")}
        try:
            canonical = dt.date.fromisoformat(texts["as_of"]).isoformat() == texts["as_of"]
        except ValueError:
            canonical = False
        if not canonical:  # one spelling only: "20230901" is refused, as the browser does
            raise InputError(f"{where}.as_of: not an ISO date (YYYY-MM-DD)")
        context = cls(
            treaty=texts["treaty"],
            limit=texts["limit"],
            maximum=_integer(obj["maximum"], f"{where}.maximum", 0, 2**MAX_BITS - 1),
            as_of=texts["as_of"],
            party=texts["party"],
            bits=_integer(obj["bits"], f"{where}.bits", 1, MAX_BITS),
        )
        context.check(f"{where}.bits")
        return context

    def check(self, where: str = "context.bits") -> None:
        """Refuse a context whose range could say more than ``total ≤ maximum``.

        Raises:
            InputError: if ``maximum`` is not below ``2^bits`` or the date is not ISO.
        """
        if not 1 <= self.bits <= MAX_BITS:
            raise InputError(f"{where}: must be 1 to {MAX_BITS}, got {self.bits}")
        if not 0 <= self.maximum < 2**self.bits:
            need = max(self.maximum.bit_length(), 1)
            raise InputError(
                f"{where}: the maximum {self.maximum} needs a range of at least {need} bits"
            )


@dataclass(frozen=True, slots=True)
class Opening:
    """One site's secret: its label, its count and the commitment's blinding scalar.

    ``commit_sites`` keeps the commitment it computed (``made``), so proving from fresh
    openings does not multiply again; an opening read from a file recomputes it. A wrong
    ``made`` only yields a proof that fails verification: the verifier never trusts it.
    """

    label: str
    value: int
    blinding: bytes
    made: bytes | None = field(default=None, compare=False, repr=False)

    def commitment(self) -> bytes:
        """``C = v·G + r·H`` (32 bytes): ``made`` if ``commit_sites`` kept it, else recomputed."""
        if self.made is not None:
            return self.made
        return g.commit(g.scalar(self.value), self.blinding)


@dataclass(frozen=True, slots=True)
class Openings:
    """The party's private file: the context and every site's opening (keep it secret)."""

    context: Context
    sites: tuple[Opening, ...]

    def to_json(self) -> dict[str, Any]:
        """The private openings document: counts and blindings in clear.

        Whoever holds it can open every commitment, so it is for the party's own storage only,
        never for publication beside the proof.
        """
        return {
            "format": OPENINGS_FORMAT,
            "context": self.context.to_json(),
            "sites": [
                {"label": o.label, "value": o.value, "blinding": o.blinding.hex()}
                for o in self.sites
            ],
        }

    @classmethod
    def from_json(cls, data: Any, where: str = "openings") -> Openings:
        """Read an openings document.

        Raises:
            InputError: naming the field that is malformed.
        """
        obj = _object(data, where, ("format", "context", "sites"))
        _format(obj["format"], OPENINGS_FORMAT, where)
        context = Context.from_json(obj["context"], f"{where}.context")
        rows = _list(obj["sites"], f"{where}.sites", MAX_SITES)
        sites = []
        for i, row in enumerate(rows):
            at = f"{where}.sites[{i}]"
            item = _object(row, at, ("label", "value", "blinding"))
            sites.append(
                Opening(
                    label=_label(item["label"], f"{at}.label"),
                    value=_integer(item["value"], f"{at}.value", 0, 2**MAX_BITS - 1),
                    blinding=g.decode_scalar(
                        _hex(item["blinding"], f"{at}.blinding"), f"{at}.blinding"
                    ),
                )
            )
        _unique_labels([s.label for s in sites], f"{where}.sites")
        return cls(context, tuple(sites))


@dataclass(frozen=True, slots=True)
class BitProof:
    """One bit: its commitment ``B_j`` and the OR-proof ``(A0, A1, c0, s0, s1)``."""

    commitment: bytes
    a0: bytes
    a1: bytes
    c0: bytes
    s0: bytes
    s1: bytes

    def to_json(self) -> dict[str, str]:
        """The bit's six 32-byte fields as lowercase hex, named as in ``docs/zk.md``."""
        return {k: getattr(self, k).hex() for k in _BIT_FIELDS}


_BIT_FIELDS = ("commitment", "a0", "a1", "c0", "s0", "s1")
_BIT_POINTS = ("commitment", "a0", "a1")


@dataclass(frozen=True, slots=True)
class RangeProof:
    """The public document: context, site commitments and the proof over their headroom."""

    context: Context
    labels: tuple[str, ...]
    commitments: tuple[bytes, ...]
    bits: tuple[BitProof, ...]

    def to_json(self) -> dict[str, Any]:
        """The public proof document: no count or blinding, only commitments and the OR-proofs.

        Safe to publish; ``from_json`` reads it back and ``verify`` checks it.
        """
        return {
            "format": PROOF_FORMAT,
            "context": self.context.to_json(),
            "sites": [
                {"label": label, "commitment": c.hex()}
                for label, c in zip(self.labels, self.commitments, strict=True)
            ],
            "bits": [b.to_json() for b in self.bits],
        }

    @classmethod
    def from_json(cls, data: Any, where: str = "proof") -> RangeProof:
        """Read a proof document, checking every encoding (points, scalars, sizes).

        Raises:
            InputError: naming the field that is malformed, truncated or not canonical.
        """
        obj = _object(data, where, ("format", "context", "sites", "bits"))
        _format(obj["format"], PROOF_FORMAT, where)
        context = Context.from_json(obj["context"], f"{where}.context")
        rows = _list(obj["sites"], f"{where}.sites", MAX_SITES)
        labels, commitments = [], []
        for i, row in enumerate(rows):
            at = f"{where}.sites[{i}]"
            item = _object(row, at, ("label", "commitment"))
            labels.append(_label(item["label"], f"{at}.label"))
            commitments.append(
                g.decode_point(_hex(item["commitment"], f"{at}.commitment"), f"{at}.commitment")
            )
        _unique_labels(labels, f"{where}.sites")
        bit_rows = _list(obj["bits"], f"{where}.bits", MAX_BITS)
        bits = []
        for j, row in enumerate(bit_rows):
            at = f"{where}.bits[{j}]"
            item = _object(row, at, _BIT_FIELDS)
            values = {}
            for name in _BIT_FIELDS:
                raw = _hex(item[name], f"{at}.{name}")
                decode = g.decode_point if name in _BIT_POINTS else g.decode_scalar
                values[name] = decode(raw, f"{at}.{name}")
            bits.append(BitProof(**values))
        return cls(context, tuple(labels), tuple(commitments), tuple(bits))


@dataclass(frozen=True, slots=True)
class Check:
    """One verification step: its name, whether it passed, and what was found."""

    name: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        """The step as plain JSON, for the verification report."""
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome: ``ok`` only if every check passed; ``failed`` names the first that did not."""

    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """True when every check passed; ``verify`` records a step it could not run as failed."""
        return all(c.ok for c in self.checks)

    @property
    def failed(self) -> Check | None:
        """The first check that did not pass (the one to report), or ``None``."""
        return next((c for c in self.checks if not c.ok), None)

    def to_json(self) -> dict[str, Any]:
        """The outcome as plain JSON: ``verified``, the first failed check's name, every step."""
        failed = self.failed
        return {
            "verified": self.ok,
            "failed": None if failed is None else failed.name,
            "checks": [c.to_json() for c in self.checks],
        }


def commit_sites(
    counts: Sequence[tuple[str, int]], rng: Callable[[int], bytes] = os.urandom
) -> tuple[Opening, ...]:
    """Draw a fresh blinding for each site's count.

    Raises:
        InputError: if a label repeats or is empty, or a count is negative.
    """
    if not 1 <= len(counts) <= MAX_SITES:
        raise InputError(f"sites: between 1 and {MAX_SITES} sites, got {len(counts)}")
    for i, (label, value) in enumerate(counts):
        _label(label, f"sites[{i}].label")
        _integer(value, f"sites[{i}].count", 0, 2**MAX_BITS - 1)
    _unique_labels([label for label, _ in counts], "sites")
    blindings = [g.random_scalar(rng) for _ in counts]
    return tuple(
        Opening(label, value, r, g.commit(g.scalar(value), r))
        for (label, value), r in zip(counts, blindings, strict=True)
    )


def derived_commitment(maximum: int, commitments: Sequence[bytes]) -> bytes:
    """The headroom commitment ``D = maximum·G − ΣC_i`` that anyone computes."""
    total = g.IDENTITY
    for c in commitments:
        total = g.add(total, c)
    return g.sub(g.mul_base(g.scalar(maximum)), total)


def _transcript(
    context: Context,
    labels: Sequence[str],
    commitments: Sequence[bytes],
    derived: bytes,
    bits: Sequence[tuple[bytes, bytes, bytes]],
) -> bytes:
    t = Transcript(DOMAIN)
    t.append_text(b"treaty", context.treaty)
    t.append_text(b"limit", context.limit)
    t.append_u64(b"maximum", context.maximum)
    t.append_text(b"as-of", context.as_of)
    t.append_text(b"party", context.party)
    t.append_u64(b"bits", context.bits)
    t.append_u64(b"sites", len(commitments))
    for label, c in zip(labels, commitments, strict=True):
        t.append_text(b"site-label", label)
        t.append(b"site-commitment", c)
    t.append(b"derived", derived)
    for b, _, _ in bits:
        t.append(b"bit-commitment", b)
    for _, a0, a1 in bits:
        t.append(b"a0", a0)
        t.append(b"a1", a1)
    return t.challenge()


def prove(
    context: Context,
    sites: Sequence[Opening],
    rng: Callable[[int], bytes] = os.urandom,
) -> RangeProof:
    """Prove that the committed total is at most ``context.maximum``.

    The prover is not constant-time (it branches on the secret bits): run it on the party's
    own machine, not on a server an adversary can time.

    Raises:
        LimitExceeded: if the total is above the maximum (no proof is made).
        InputError: if the context or the sites are invalid.
    """
    context.check()
    if not 1 <= len(sites) <= MAX_SITES:
        raise InputError(f"sites: between 1 and {MAX_SITES} sites, got {len(sites)}")
    _unique_labels([s.label for s in sites], "sites")
    total = sum(s.value for s in sites)
    if total > context.maximum:
        raise LimitExceeded(
            f"the committed total {total} is above the {context.limit} limit of "
            f"{context.maximum}: no proof exists, none was written"
        )
    headroom = context.maximum - total
    commitments = [s.commitment() for s in sites]
    rho = g.IDENTITY  # -Σ r_i, accumulated as a scalar
    for s in sites:
        rho = g.scalar_sub(rho, s.blinding)
    # D = maximum·G − ΣC_i = headroom·G + rho·H: the prover knows the openings, so one
    # commitment replaces n point additions (the same point, so the same bytes, as
    # ``derived_commitment`` computes from the commitments alone, as a verifier does).
    derived = g.commit(g.scalar(headroom), rho)
    k = context.bits
    blindings = [g.random_scalar(rng) for _ in range(k)]
    weighted = g.IDENTITY
    for j in range(1, k):
        weighted = g.scalar_add(weighted, g.scalar_mul(g.scalar(1 << j), blindings[j]))
    blindings[0] = g.scalar_sub(rho, weighted)
    firsts: list[tuple[bytes, bytes, bytes]] = []
    secrets: list[tuple[int, bytes, bytes, bytes]] = []  # (bit, nonce, fake c, fake s)
    for j in range(k):
        bit = (headroom >> j) & 1
        r_h = g.mul(blindings[j], g.GENERATOR_H)
        b = g.add(r_h, g.BASE) if bit else r_h  # bit·G + r·H
        nonce, fake_c, fake_s = (g.random_scalar(rng) for _ in range(3))
        real_a = g.mul(nonce, g.GENERATOR_H)
        # The simulated branch: a = s·H − c·P with P = b (bit 1) or b − G (bit 0), which the
        # prover, knowing r, computes as (s − c·r)·H ∓ c·G: the same point as before, with
        # one variable-base multiplication instead of two (the cheap base one for c·G).
        reduced = g.mul(g.scalar_sub(fake_s, g.scalar_mul(fake_c, blindings[j])), g.GENERATOR_H)
        fake_a = g.sub(reduced, g.mul_base(fake_c)) if bit else g.add(reduced, g.mul_base(fake_c))
        a0, a1 = (fake_a, real_a) if bit else (real_a, fake_a)
        firsts.append((b, a0, a1))
        secrets.append((bit, nonce, fake_c, fake_s))
    challenge = _transcript(context, [s.label for s in sites], commitments, derived, firsts)
    proofs = []
    for j, ((b, a0, a1), (bit, nonce, fake_c, fake_s)) in enumerate(
        zip(firsts, secrets, strict=True)
    ):
        real_c = g.scalar_sub(challenge, fake_c)
        real_s = g.scalar_add(nonce, g.scalar_mul(real_c, blindings[j]))
        if bit:
            proofs.append(BitProof(b, a0, a1, fake_c, fake_s, real_s))
        else:
            proofs.append(BitProof(b, a0, a1, real_c, real_s, fake_s))
    return RangeProof(context, tuple(s.label for s in sites), tuple(commitments), tuple(proofs))


def verify(proof: RangeProof, expected: Context) -> Verification:
    """Check a proof against the context the *verifier* expects (never the proof's own claim).

    The challenge is recomputed from ``expected``, so a proof made for another limit, date,
    party, treaty or bit length fails even if its context field was edited to match.

    Returns:
        Every check with its outcome: ``context``, ``shape``, ``bit-sum``, ``bit-proofs``.
    """
    checks = []
    differ = [
        f"{name} is {getattr(proof.context, name)!r}, expected {getattr(expected, name)!r}"
        for name in ("treaty", "limit", "maximum", "as_of", "party", "bits")
        if getattr(proof.context, name) != getattr(expected, name)
    ]
    checks.append(
        Check(
            "context",
            not differ,
            "; ".join(differ) if differ else "treaty, limit, maximum, date, party and bits match",
        )
    )
    try:
        expected.check()
        shape_ok = len(proof.bits) == expected.bits and len(proof.commitments) >= 1
        shape = f"{len(proof.commitments)} site commitments, {len(proof.bits)} bit proofs" + (
            "" if shape_ok else f" (expected {expected.bits} bit proofs)"
        )
    except InputError as exc:
        shape_ok, shape = False, str(exc)
    checks.append(Check("shape", shape_ok, shape))
    if not shape_ok:
        checks.append(Check("bit-sum", False, "not checked: the proof has the wrong shape"))
        checks.append(Check("bit-proofs", False, "not checked: the proof has the wrong shape"))
        return Verification(tuple(checks))
    derived = derived_commitment(expected.maximum, proof.commitments)
    weighted = g.IDENTITY  # Σ 2^j B_j by Horner's rule, from the top bit down
    for b in reversed(proof.bits):
        weighted = g.add(g.double(weighted), b.commitment)
    sum_ok = weighted == derived
    checks.append(
        Check(
            "bit-sum",
            sum_ok,
            "Σ 2^j·B_j equals D = maximum·G − ΣC_i"
            if sum_ok
            else "the bit commitments do not add up to the headroom commitment D",
        )
    )
    challenge = _transcript(
        expected,
        proof.labels,
        proof.commitments,
        derived,
        [(b.commitment, b.a0, b.a1) for b in proof.bits],
    )
    bad = None
    for j, b in enumerate(proof.bits):
        c1 = g.scalar_sub(challenge, b.c0)
        left0 = g.mul(b.s0, g.GENERATOR_H)
        right0 = g.add(b.a0, g.mul(b.c0, b.commitment))
        left1 = g.mul(b.s1, g.GENERATOR_H)
        right1 = g.add(b.a1, g.mul(c1, g.sub(b.commitment, g.BASE)))
        if left0 != right0 or left1 != right1:
            bad = j
            break
    checks.append(
        Check(
            "bit-proofs",
            bad is None,
            f"all {len(proof.bits)} OR-proofs hold under the transcript challenge"
            if bad is None
            else f"the OR-proof of bit {bad} does not hold under the transcript challenge",
        )
    )
    return Verification(tuple(checks))


# -- strict JSON readers -------------------------------------------------------------------


def _object(data: Any, where: str, keys: Sequence[str]) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected an object")
    missing = [k for k in keys if k not in data]
    if missing:
        raise InputError(f"{where}: missing {', '.join(missing)}")
    extra = sorted(set(data) - set(keys))
    if extra:
        raise InputError(f"{where}: unknown field {', '.join(map(str, extra))}")
    return data


def _format(value: Any, expected: str, where: str) -> None:
    if value != expected:
        raise InputError(f"{where}.format: expected {expected!r}, got {value!r}")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value or len(value) > _LABEL_MAX:
        raise InputError(f"{where}: expected a non-empty string of at most {_LABEL_MAX} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{where}: not valid Unicode (a lone surrogate)") from None
    return value


def _label(value: Any, where: str) -> str:
    return _text(value, where)


def _integer(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{where}: expected an integer")
    if not low <= value <= high:
        raise InputError(f"{where}: must be {low} to {high}, got {value}")
    return value


def _list(value: Any, where: str, most: int) -> list[Any]:
    if not isinstance(value, list) or not 1 <= len(value) <= most:
        raise InputError(f"{where}: expected a list of 1 to {most} entries")
    return value


def _hex(value: Any, where: str) -> bytes:
    if not isinstance(value, str) or len(value) != 64:
        raise InputError(f"{where}: expected 64 lowercase hex digits (32 bytes)")
    try:
        data = bytes.fromhex(value)
    except ValueError:
        raise InputError(f"{where}: not hex") from None
    if data.hex() != value:
        raise InputError(f"{where}: hex must be lowercase")
    return data


def _unique_labels(labels: Sequence[str], where: str) -> None:
    seen: set[str] = set()
    for i, label in enumerate(labels):
        if label in seen:
            raise InputError(f"{where}[{i}].label: {label!r} repeats")
        seen.add(label)
