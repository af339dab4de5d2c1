"""The prime-order group ristretto255 (RFC 9496) and its scalars, through libsodium (``rbcl``).

Points and scalars travel as 32 bytes: a point in its canonical ristretto255 encoding, a
scalar as a little-endian integer below the group order ``L``. Every decoder refuses a
non-canonical or invalid encoding, so that one proof has exactly one byte form (no
malleability) and a corrupted input is named instead of silently mapped to another element.

Secret scalar arithmetic (blindings, nonces, responses) runs in libsodium's constant-time
scalar routines; the public checks may use Python integers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Final

import rbcl

from armsctl.errors import InputError

__all__ = [
    "BASE",
    "GENERATOR_H",
    "H_LABEL",
    "IDENTITY",
    "ORDER",
    "add",
    "commit",
    "decode_point",
    "decode_scalar",
    "double",
    "element_from_label",
    "mul",
    "mul_base",
    "neg",
    "random_scalar",
    "scalar",
    "scalar_add",
    "scalar_from_hash",
    "scalar_mul",
    "scalar_neg",
    "scalar_sub",
    "sub",
]

#: The order ℓ = 2^252 + 27742317777372353535851937790883648493 of ristretto255.
ORDER: Final = 2**252 + 27742317777372353535851937790883648493
#: The encoding of the identity element.
IDENTITY: Final = bytes(32)
#: The domain tag hashed to derive the second Pedersen generator H.
H_LABEL: Final = b"armsctl/zk/v1/pedersen-generator-H"


def scalar(value: int) -> bytes:
    """The 32-byte little-endian encoding of an integer reduced modulo ``ORDER``."""
    return (value % ORDER).to_bytes(32, "little")


def decode_scalar(data: bytes, field: str) -> bytes:
    """Check a scalar encoding: 32 bytes, canonical (below the group order).

    Raises:
        InputError: naming ``field`` if the bytes are the wrong length or not reduced.
    """
    if len(data) != 32:
        raise InputError(f"{field}: a scalar is 32 bytes, got {len(data)}")
    if int.from_bytes(data, "little") >= ORDER:
        raise InputError(f"{field}: the scalar is not reduced below the group order")
    return bytes(data)


def decode_point(data: bytes, field: str) -> bytes:
    """Check a point encoding: 32 bytes, a canonical ristretto255 element.

    Raises:
        InputError: naming ``field`` if the bytes are the wrong length or not a valid element.
    """
    if len(data) != 32:
        raise InputError(f"{field}: a point is 32 bytes, got {len(data)}")
    if not rbcl.crypto_core_ristretto255_is_valid_point(bytes(data)):
        raise InputError(f"{field}: not a canonical ristretto255 point encoding")
    return bytes(data)


def element_from_label(label: bytes) -> bytes:
    """Hash a label to a group element: ``from_hash(SHA-512(label))`` (RFC 9496 section 4.3.4).

    Nobody knows the discrete logarithm of the result with respect to the base point, which is
    what makes a Pedersen commitment binding.
    """
    return bytes(rbcl.crypto_core_ristretto255_from_hash(hashlib.sha512(label).digest()))


def random_scalar(rng: Callable[[int], bytes]) -> bytes:
    """A uniform scalar: 64 bytes from ``rng`` (``os.urandom`` in use) reduced modulo the order."""
    return scalar_from_hash(bytes(rng(64)))


def scalar_from_hash(digest: bytes) -> bytes:
    """Reduce 64 bytes (a SHA-512 digest) to a scalar."""
    return bytes(rbcl.crypto_core_ristretto255_scalar_reduce(digest))


def scalar_add(a: bytes, b: bytes) -> bytes:
    """``a + b`` modulo ``ORDER``, in constant time (safe on secret scalars)."""
    return bytes(rbcl.crypto_core_ristretto255_scalar_add(a, b))


def scalar_sub(a: bytes, b: bytes) -> bytes:
    """``a - b`` modulo ``ORDER``, in constant time (safe on secret scalars)."""
    return bytes(rbcl.crypto_core_ristretto255_scalar_sub(a, b))


def scalar_mul(a: bytes, b: bytes) -> bytes:
    """``a · b`` modulo ``ORDER``, in constant time (safe on secret scalars)."""
    return bytes(rbcl.crypto_core_ristretto255_scalar_mul(a, b))


def scalar_neg(a: bytes) -> bytes:
    """``-a`` modulo ``ORDER``, in constant time (safe on secret scalars)."""
    return bytes(rbcl.crypto_core_ristretto255_scalar_negate(a))


def add(p: bytes, q: bytes) -> bytes:
    """``P + Q`` on ristretto255; both must be valid encodings (``decode_point`` checks them)."""
    return bytes(rbcl.crypto_core_ristretto255_add(p, q))


def sub(p: bytes, q: bytes) -> bytes:
    """``P - Q`` on ristretto255; both must be valid encodings (``decode_point`` checks them)."""
    return bytes(rbcl.crypto_core_ristretto255_sub(p, q))


def neg(p: bytes) -> bytes:
    """``-P``, computed as ``IDENTITY - P``."""
    return sub(IDENTITY, p)


def double(p: bytes) -> bytes:
    """``2·P``, computed as ``P + P``."""
    return add(p, p)


def mul(k: bytes, p: bytes) -> bytes:
    """``k·P`` (zero allowed: it gives the identity)."""
    return bytes(rbcl.crypto_scalarmult_ristretto255_allow_scalar_zero(k, p))


def mul_base(k: bytes) -> bytes:
    """``k·G`` with G the ristretto255 base point."""
    return bytes(rbcl.crypto_scalarmult_ristretto255_base_allow_scalar_zero(k))


#: The ristretto255 base point G (the generator that carries the committed value).
BASE: Final = mul_base(scalar(1))
#: The second generator H (carries the blinding): ``element_from_label(H_LABEL)``.
GENERATOR_H: Final = element_from_label(H_LABEL)


def commit(value: bytes, blinding: bytes) -> bytes:
    """The Pedersen commitment ``value·G + blinding·H`` (both arguments scalar encodings)."""
    return add(mul_base(value), mul(blinding, GENERATOR_H))
