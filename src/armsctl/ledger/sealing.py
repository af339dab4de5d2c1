"""Item records encrypted to their owning party: the server stores what it cannot read.

A party's item-level declaration is secret even from the server's operator (and from anyone
who can read the database file). The party's client therefore encrypts each opening row (the
item, its salt and position) to the party's own X25519 key before sending it:

- one fresh 32-byte *data key* per declaration, wrapped with HPKE (RFC 9180, base mode,
  DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305; pyca/cryptography) to the
  party's public key, with ``info`` the declaration's context;
- each row sealed with ChaCha20-Poly1305 under the data key, nonce the row's position (12 bytes,
  big-endian; positions are unique within a declaration and the key is never reused), and as
  associated data the canonical JSON of ``{"scheme", "party", "treaty", "date", "position"}``:
  a ciphertext moved to another party, treaty, date or position does not open.

One KEM operation per declaration keeps 100,000 rows cheap (one AEAD call each).

Every plaintext is **padded** before it is sealed (``pad``: ``0x80`` then zero bytes, to the
next power of two, at least ``ROW_FLOOR`` bytes for a row and ``VALUE_FLOOR`` for a value or
the private part), so that a stored ciphertext's length says no more than the binary order of
magnitude of its content, and nothing at all below the floor: not how many items a reveal
holds, how many findings a report has, how long a body or a facility name is. Where even the
binary order of magnitude is confidential, the floor is set from public data alone: a reveal
is padded to what a reveal of the whole declaration would take (``reveal_floor``, from the
declaration's public item count, up to ``REVEAL_ITEMS_CAP`` items), the facility salts to a
full facility tree's worth (``facility_salts_floor``, from its public size). ``unpad`` strips
any length, so these open with the same code (Python and ``sealed-open.mjs``). Records sealed
before padding (schemes ``.../v1``) still open; new ones are ``.../v2``.

Only the holder of the private key opens the rows; a lost key loses the items (keep a backup, see
docs/confidentiality.md). The functions are pure except for HPKE's own ephemeral key, which
pyca/cryptography draws from the operating system.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from armsctl.errors import IntegrityError
from armsctl.ledger.envelope import canonical

__all__ = [
    "ROW_FLOOR",
    "SEALING_SCHEME",
    "VALUE_FLOOR",
    "VALUE_SCHEME",
    "SealingKey",
    "SealingPublicKey",
    "canonical_row",
    "facility_salts_floor",
    "open_private",
    "open_rows",
    "open_value",
    "pad",
    "padded_length",
    "reader_view",
    "reveal_floor",
    "seal_rows",
    "seal_value",
    "sealed_size_is_padded",
    "unpad",
]

#: Rows sealed before padding: still opened, never written.
_ITEMS_V1 = (
    "armsctl/sealed-items/v1: hpke(x25519, hkdf-sha256, chacha20-poly1305) data key; "
    "chacha20-poly1305 per row, nonce = position, aad = rfc8785(context)"
)
SEALING_SCHEME = (
    "armsctl/sealed-items/v2: hpke(x25519, hkdf-sha256, chacha20-poly1305) data key; "
    "chacha20-poly1305 per row, nonce = position, aad = rfc8785(context); "
    "plaintext padded 0x80 0x00* to a power of two, at least 256 bytes (row) or 1024 (private)"
)
_PUBLIC_PREFIX = "x25519:"
_PRIVATE_PREFIX = "x25519-private:"


def _suite() -> Any:
    from cryptography.hazmat.primitives import hpke

    return hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, what: str) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        raise IntegrityError(f"{what} is not valid base64") from None


@dataclass(frozen=True, slots=True)
class SealingPublicKey:
    """A party's X25519 public key, ``x25519:<base64 32 bytes>``: what rows are sealed to."""

    raw: bytes

    @classmethod
    def parse(cls, text: str) -> SealingPublicKey:
        """Read the text form.

        Raises:
            IntegrityError: if it is not ``x25519:`` and 32 bytes of base64.
        """
        text = text.strip()
        if not text.startswith(_PUBLIC_PREFIX):
            raise IntegrityError(f"an encryption key reads {_PUBLIC_PREFIX}<base64 32 bytes>")
        raw = _unb64(text.removeprefix(_PUBLIC_PREFIX), "the encryption key")
        if len(raw) != 32:
            raise IntegrityError("an encryption key is 32 bytes")
        return cls(raw)

    def __str__(self) -> str:
        return _PUBLIC_PREFIX + _b64(self.raw)


@dataclass(frozen=True, slots=True)
class SealingKey:
    """A party's X25519 private key, ``x25519-private:<base64>``; keep it in a 0600 file."""

    raw: bytes

    @classmethod
    def generate(cls, seed: bytes) -> SealingKey:
        """A key from 32 random bytes (``os.urandom(32)``)."""
        if len(seed) != 32:
            raise IntegrityError("an encryption key seed is 32 bytes")
        return cls(bytes(seed))

    @classmethod
    def parse(cls, text: str) -> SealingKey:
        """Read the text form.

        Raises:
            IntegrityError: if it is not ``x25519-private:`` and 32 bytes of base64.
        """
        text = text.strip()
        if not text.startswith(_PRIVATE_PREFIX):
            raise IntegrityError(
                f"a private encryption key reads {_PRIVATE_PREFIX}<base64 32 bytes>"
            )
        raw = _unb64(text.removeprefix(_PRIVATE_PREFIX), "the private encryption key")
        if len(raw) != 32:
            raise IntegrityError("a private encryption key is 32 bytes")
        return cls(raw)

    def public(self) -> SealingPublicKey:
        """The public key rows are sealed to."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

        key = X25519PrivateKey.from_private_bytes(self.raw).public_key()
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return SealingPublicKey(raw)

    def __str__(self) -> str:
        return _PRIVATE_PREFIX + _b64(self.raw)


#: The smallest padded row (an item row is about 150 to 250 bytes: most rows are this size).
ROW_FLOOR = 256
#: The smallest padded value or private part: a site, an arrival time, a short body or a
#: short list of findings all seal to the same length.
VALUE_FLOOR = 1024


def padded_length(size: int, floor: int) -> int:
    """The length a plaintext of ``size`` bytes is padded to: a power of two, at least ``floor``.

    One byte more than ``size`` is needed for the ``0x80`` marker. Powers of two are the
    coarsest buckets whose overhead stays under 2x: a stored length then gives away only
    ``log2`` of the size's order of magnitude (a reveal of 20 items and one of 30 look alike),
    and every record below the floor looks alike. ``floor`` is a power of two.
    """
    need = size + 1
    return max(floor, 1 << (need - 1).bit_length())


#: A bound on what one revealed item takes in a reveal (its record, salt and index), before
#: its inclusion proof; an item record is about 150 to 250 bytes.
REVEAL_ITEM_BYTES = 512
#: A bound on one hash of an inclusion proof in a reveal (base64 of 32 bytes, quoted).
_PROOF_HASH_BYTES = 48
#: A bound on what a reveal holds besides its items (the declaration's public part, the
#: facility count opening).
_REVEAL_BASE_BYTES = 4096
#: The most items a reveal is padded for: a site holding more seals to a power of two above
#: (the stored length then tells its binary order of magnitude, nothing finer).
REVEAL_ITEMS_CAP = 1024
#: A bound on one facility's entry in the sealed facility salts (its name and 64 hex digits).
FACILITY_SALT_BYTES = 160


def _power_of_two_at_least(size: int) -> int:
    return 1 << max(0, size - 1).bit_length()


def reveal_floor(declared: object) -> int:
    """The padded length of a sealed reveal out of a declaration of ``declared`` items.

    A reveal's content is the site's items; its length, padded to a power of two of its own
    size, would tell a reader of the database file how many items the site holds (the count
    the log no longer says). It is padded instead to the size a reveal of every declared
    item would take (``declared`` is public: the log's commitment says it), up to
    ``REVEAL_ITEMS_CAP`` items: every site of a declaration then seals to one length, unless
    it holds more than the cap (or unusually long records). Anything but a count (an older
    reveal's document without one) gets ``VALUE_FLOOR``.
    """
    if not isinstance(declared, int) or isinstance(declared, bool) or declared < 1:
        return VALUE_FLOOR
    depth = max(1, declared - 1).bit_length()
    bound = _REVEAL_BASE_BYTES + min(declared, REVEAL_ITEMS_CAP) * (
        REVEAL_ITEM_BYTES + _PROOF_HASH_BYTES * depth
    )
    return max(VALUE_FLOOR, _power_of_two_at_least(bound))


def facility_salts_floor(public: Mapping[str, Any]) -> int:
    """The padded length of a declaration's sealed facility salts, from its public commitment.

    The salts are one per facility, and how many facilities a party has is what the padded
    facility tree (``facilities.size`` in the public commitment, a power of two) hides; the
    sealed salts are padded to what a full tree's worth would take, so their length says no
    more than the public size does. A commitment without a facility tree (``.../v1``) gets
    ``VALUE_FLOOR``.
    """
    tree = public.get("facilities")
    size = tree.get("size") if isinstance(tree, Mapping) else None
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        return VALUE_FLOOR
    return max(VALUE_FLOOR, _power_of_two_at_least(size * FACILITY_SALT_BYTES))


def sealed_size_is_padded(ciphertext_size: int, floor: int) -> bool:
    """Whether a ChaCha20-Poly1305 ciphertext is as long as a padded plaintext (plus its tag).

    What the server can check of a row a client sealed: that its length is one of the buckets.
    """
    plain = ciphertext_size - 16
    return plain >= floor and plain & (plain - 1) == 0


def pad(plain: bytes, floor: int) -> bytes:
    """``plain`` followed by ``0x80`` and zeros up to ``padded_length`` (ISO/IEC 7816-4)."""
    return plain + b"\x80" + bytes(padded_length(len(plain), floor) - len(plain) - 1)


def unpad(padded: bytes) -> bytes:
    """Strip ``pad``'s padding: the zeros at the end, then the ``0x80`` before them.

    Unambiguous for what is sealed here: RFC 8785 JSON never holds a raw zero byte.

    Raises:
        IntegrityError: if there is no ``0x80`` marker after the content.
    """
    body = padded.rstrip(b"\x00")
    if not body or body[-1] != 0x80:
        raise IntegrityError("the sealed plaintext is not padded as the scheme says")
    return body[:-1]


_SAFE_INTEGER = 2**53


def _flat_json(value: Any) -> bool:
    """Whether ``json.dumps`` writes ``value`` exactly as RFC 8785 does.

    True for a dict of BMP-only string keys (so code-point order is UTF-16 order) whose values
    are strings, booleans, ``None`` or integers in the I-JSON range, possibly nested in one
    more such dict: the shape of an item row. Floats and anything else take the slow path.
    """
    if not isinstance(value, dict):
        return False
    for key, item in value.items():
        if not isinstance(key, str) or any(ord(c) > 0xFFFF for c in key):
            return False
        if isinstance(item, dict):
            if not _flat_json(item):
                return False
        elif isinstance(item, int):
            if not -_SAFE_INTEGER < item < _SAFE_INTEGER:
                return False
        elif item is not None and not isinstance(item, str):
            return False
    return True


def canonical_row(value: Any) -> bytes:
    """RFC 8785 bytes of an opening row, fast for the common flat shape.

    ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` produces the same
    bytes as RFC 8785 for the values ``_flat_json`` accepts (same escapes, same integer form,
    same key order); everything else, and any string that is not valid Unicode, goes through
    ``envelope.canonical``. Sealing 100,000 rows spends most of its time here.
    """
    import json

    if _flat_json(value):
        try:
            return json.dumps(
                value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode("utf-8")
        except (UnicodeEncodeError, ValueError):
            pass
    return canonical(value)


class _AadMaker:
    """The per-row associated data ``rfc8785({**context, "position": n})``, built by splicing.

    The context's canonical form is fixed for a declaration, so it is computed once with a
    placeholder position and each row's integer is put in its place (same bytes as computing
    ``canonical`` per row, at a fraction of the cost).
    """

    def __init__(self, context: Mapping[str, Any]) -> None:
        marker = "\u0000position-marker\u0000"
        whole = canonical({**context, "position": marker}).decode("utf-8")
        quoted = canonical(marker).decode("utf-8")
        head, _, tail = whole.partition(quoted)
        self._head, self._tail = head.encode("utf-8"), tail.encode("utf-8")

    def __call__(self, position: int) -> bytes:
        if position < 0:
            return self._head + b'"' + _PRIVATE_POSITION.encode() + b'"' + self._tail
        return self._head + str(position).encode("ascii") + self._tail


def _context(party: str, treaty: str, date: str, scheme: str = SEALING_SCHEME) -> dict[str, Any]:
    return {"scheme": scheme, "party": party, "treaty": treaty, "date": date}


def _aad(context: Mapping[str, Any], position: int) -> bytes:
    label: int | str = _PRIVATE_POSITION if position < 0 else position
    return canonical({**context, "position": label})


def _nonce(position: int) -> bytes:
    return position.to_bytes(12, "big")


#: Nonce and position label of the sealed private part (facility salts): no row uses them.
_PRIVATE_NONCE = b"\xff" * 12
_PRIVATE_POSITION = "private"


def seal_rows(
    rows: Sequence[Mapping[str, Any]],
    *,
    to: SealingPublicKey,
    party: str,
    treaty: str,
    date: str,
    rng: Callable[[int], bytes],
    private: Mapping[str, Any] | None = None,
    private_floor: int = VALUE_FLOOR,
) -> dict[str, Any]:
    """Seal opening rows (``{"index", "salt", "item"}``) to the party's key.

    Args:
        rows: The opening rows, each with its position as ``index``.
        to: The party's own public key.
        party: The declaring party (bound into every row).
        treaty: The treaty id (bound into every row).
        date: The declaration's as-of date (bound into every row).
        rng: Random bytes for the data key (``os.urandom``).
        private: The rest of the opening to keep sealed too (the facility salts), if any.
        private_floor: What ``private`` is padded to at least: ``facility_salts_floor`` of
            the public facility tree size, so that its length does not count the facilities.

    Returns:
        ``{"scheme", "wrapped_key", "rows": [{"index", "ciphertext"}], "private"}`` (base64),
        rows in the order given; ``private`` is ``None`` when none was given.
    """
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    context = _context(party, treaty, date)
    data_key = bytes(rng(32))
    wrapped = _suite().encrypt(
        data_key, X25519PublicKey.from_public_bytes(to.raw), info=canonical(context)
    )
    aead = ChaCha20Poly1305(data_key)
    aad = _AadMaker(context)
    sealed = []
    for row in rows:
        position = int(row["index"])
        plaintext = canonical_row({"salt": row["salt"], "item": dict(row["item"])})
        sealed.append(
            {
                "index": position,
                "ciphertext": _b64(
                    aead.encrypt(_nonce(position), pad(plaintext, ROW_FLOOR), aad(position))
                ),
            }
        )
    extra = (
        _b64(
            aead.encrypt(
                _PRIVATE_NONCE, pad(canonical(dict(private)), private_floor), _aad(context, -1)
            )
        )
        if private is not None
        else None
    )
    return {
        "scheme": SEALING_SCHEME,
        "wrapped_key": _b64(wrapped),
        "rows": sealed,
        "private": extra,
    }


def open_rows(
    sealed: Mapping[str, Any], *, key: SealingKey, party: str, treaty: str, date: str
) -> list[dict[str, Any]]:
    """Open sealed rows back into opening rows ``{"index", "salt", "item"}``.

    Raises:
        IntegrityError: if the document is malformed, the key is not the one the rows were
            sealed to, or a row was sealed for another party, treaty, date or position.
    """
    import json

    from cryptography.exceptions import InvalidTag

    aead, context = _data_key(sealed, key=key, party=party, treaty=treaty, date=date)
    out = []
    rows = sealed.get("rows")
    if not isinstance(rows, list):
        raise IntegrityError("the sealed items have no list of rows")
    for n, row in enumerate(rows):
        position = row.get("index") if isinstance(row, Mapping) else None
        if not isinstance(position, int) or isinstance(position, bool) or position < 0:
            raise IntegrityError(f"sealed row {n} has no valid position")
        ciphertext = _unb64(row.get("ciphertext"), f"sealed row {n}")
        try:
            plain = aead.decrypt(_nonce(position), ciphertext, _aad(context, position))
        except InvalidTag:
            raise IntegrityError(
                f"sealed row {n} does not open at position {position} (moved or altered)"
            ) from None
        doc = json.loads(_strip(plain, context["scheme"]))
        out.append({"index": position, "salt": doc["salt"], "item": doc["item"]})
    return out


def open_private(
    sealed: Mapping[str, Any], *, key: SealingKey, party: str, treaty: str, date: str
) -> dict[str, Any]:
    """Open the sealed private part of an opening (the facility salts).

    Raises:
        IntegrityError: as ``open_rows``, or if there is no private part.
    """
    import json

    from cryptography.exceptions import InvalidTag

    aead, context = _data_key(sealed, key=key, party=party, treaty=treaty, date=date)
    if sealed.get("private") is None:
        raise IntegrityError("the sealed items carry no private part")
    try:
        plain = aead.decrypt(
            _PRIVATE_NONCE, _unb64(sealed["private"], "the private part"), _aad(context, -1)
        )
    except InvalidTag:
        raise IntegrityError("the sealed private part does not open (altered)") from None
    return dict(json.loads(_strip(plain, context["scheme"])))


def _strip(plain: bytes, scheme: str) -> bytes:
    """The content of an opened plaintext: unpadded for a padded scheme, as is for a v1 one."""
    return plain if scheme in (_ITEMS_V1, _VALUE_V1) else unpad(plain)


def _data_key(
    sealed: Mapping[str, Any], *, key: SealingKey, party: str, treaty: str, date: str
) -> tuple[Any, dict[str, Any]]:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    scheme = sealed.get("scheme")
    if scheme not in (SEALING_SCHEME, _ITEMS_V1):
        raise IntegrityError("the sealed items use an unknown scheme")
    context = _context(party, treaty, date, str(scheme))
    try:
        data_key = _suite().decrypt(
            _unb64(sealed.get("wrapped_key"), "the wrapped key"),
            X25519PrivateKey.from_private_bytes(key.raw),
            info=canonical(context),
        )
    except (InvalidTag, ValueError):
        raise IntegrityError(
            "the data key does not open: another party's key, or sealed for another "
            "party, treaty or date"
        ) from None
    return ChaCha20Poly1305(data_key), context


#: Values sealed before padding: still opened, never written.
_VALUE_V1 = (
    "armsctl/sealed-value/v1: hpke(x25519, hkdf-sha256, chacha20-poly1305) data key per "
    "reader, info = rfc8785(context + reader); chacha20-poly1305(rfc8785(value)), nonce 0, "
    "aad = rfc8785(context)"
)
VALUE_SCHEME = (
    "armsctl/sealed-value/v2: hpke(x25519, hkdf-sha256, chacha20-poly1305) data key per "
    "reader, info = rfc8785(context + reader); chacha20-poly1305(rfc8785(value) padded "
    "0x80 0x00* to a power of two, at least 1024 bytes), nonce 0, aad = rfc8785(context)"
)


def _value_context(context: Mapping[str, Any], scheme: str = VALUE_SCHEME) -> dict[str, Any]:
    return {"scheme": scheme, **dict(context)}


def seal_value(
    value: Any,
    *,
    to: Mapping[str, SealingPublicKey],
    context: Mapping[str, Any],
    rng: Callable[[int], bytes],
    floor: int = VALUE_FLOOR,
) -> dict[str, Any]:
    """Seal one confidential value (a notification body, a site, findings, a reveal) to readers.

    Each reader the treaty entitles (a party code) gets the fresh data key wrapped to its own
    X25519 key; the value is encrypted once. ``context`` (what the value is: its kind, treaty
    and row id) is bound as associated data, so a ciphertext moved to another row does not
    open. The data key is used once, so the nonce is constant. ``floor`` is what the value is
    padded to at least: a size derived from public data only (``reveal_floor``) when the
    value's own length would tell something confidential.

    Returns:
        ``{"scheme", "context", "keys": {reader: wrapped}, "ciphertext"}`` (base64).

    Raises:
        IntegrityError: if there is no reader.
    """
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    if not to:
        raise IntegrityError("a sealed value needs at least one reader")
    bound = _value_context(context)
    data_key = bytes(rng(32))
    keys = {
        reader: _b64(
            _suite().encrypt(
                data_key,
                X25519PublicKey.from_public_bytes(public.raw),
                info=canonical({**bound, "reader": reader}),
            )
        )
        for reader, public in sorted(to.items())
    }
    ciphertext = ChaCha20Poly1305(data_key).encrypt(
        bytes(12), pad(canonical(value), floor), canonical(bound)
    )
    return {
        "scheme": VALUE_SCHEME,
        "context": dict(context),
        "keys": keys,
        "ciphertext": _b64(ciphertext),
    }


def reader_view(sealed: Mapping[str, Any], reader: str | None) -> dict[str, Any] | None:
    """What one reader is served of a sealed value: its own wrapped key only (or none)."""
    keys = sealed.get("keys") or {}
    if reader is None or reader not in keys:
        return None
    return {**dict(sealed), "keys": {reader: keys[reader]}}


def open_value(
    sealed: Mapping[str, Any],
    *,
    reader: str,
    key: SealingKey,
    context: Mapping[str, Any] | None = None,
) -> Any:
    """Open a value sealed with ``seal_value`` as ``reader`` with its private key.

    ``context``, when given, must be the one the value was sealed under (a reader checking
    that the value is the row it asked for); otherwise the sealed document's own is used, and
    it is authenticated all the same.

    Raises:
        IntegrityError: if the document is malformed, ``reader`` has no key in it, the key is
            not the reader's, or the ciphertext was altered or moved to another context.
    """
    import json

    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    if not isinstance(sealed, Mapping) or sealed.get("scheme") not in (VALUE_SCHEME, _VALUE_V1):
        raise IntegrityError("the sealed value uses an unknown scheme")
    scheme = str(sealed["scheme"])
    own = sealed.get("context")
    if not isinstance(own, Mapping) or (context is not None and dict(context) != dict(own)):
        raise IntegrityError("the sealed value is for another context")
    keys = sealed.get("keys")
    if not isinstance(keys, Mapping) or reader not in keys:
        raise IntegrityError(f"the sealed value has no key for {reader}")
    bound = _value_context(own, scheme)
    try:
        data_key = _suite().decrypt(
            _unb64(keys[reader], "the wrapped key"),
            X25519PrivateKey.from_private_bytes(key.raw),
            info=canonical({**bound, "reader": reader}),
        )
        plain = ChaCha20Poly1305(data_key).decrypt(
            bytes(12), _unb64(sealed.get("ciphertext"), "the ciphertext"), canonical(bound)
        )
    except (InvalidTag, ValueError):
        raise IntegrityError(
            f"the sealed value does not open with this key as {reader} (another key, or altered)"
        ) from None
    return json.loads(_strip(plain, scheme))
