r"""C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, and their key strings.

A note is UTF-8 text ending in a newline, a blank line, then one line per signature::

    — <key name> base64(4-byte key id || signature)

Keys travel as the strings of Go's ``golang.org/x/mod/sumdb/note`` so that existing tooling
reads them: a verifier key is ``<name>+<hex id>+<base64(type || public key)>`` and a signer key
is ``PRIVATE+KEY+<name>+<hex id>+<base64(type || seed)>``. The key id is
``SHA-256(name || 0x0A || type || public key)[:4]``. Two signature types are supported: 0x01,
plain Ed25519 over the note text, and 0x04, the timestamped witness cosignature of
c2sp.org/tlog-cosignature (Ed25519 over ``cosignature/v1\ntime <t>\n`` followed by the text).

Opening a note follows the spec's rules: signatures by unknown keys are ignored, a signature
by a known key that fails rejects the whole note, and a note with no verified signature is
rejected. Every failure raises ``IntegrityError`` with a one-line reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from armsctl.errors import IntegrityError

__all__ = [
    "ALG_COSIGNATURE_V1",
    "ALG_ED25519",
    "MAX_SIGNATURES",
    "NoteSignature",
    "OpenedNote",
    "SignerKey",
    "VerifierKey",
    "add_signatures",
    "key_id",
    "open_note",
    "parse_note",
    "sign_note",
]

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
#: Notes with more signature lines are refused outright (the spec asks for at least 16).
MAX_SIGNATURES = 100
_EM_DASH = "\u2014"
_COSIG_HEADER = b"cosignature/v1\n"


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    """Return the 4-byte key id ``SHA-256(name || 0x0A || alg || public key)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:4]


def _check_name(name: str) -> None:
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise IntegrityError(f"invalid key name {name!r}: empty, or contains a space or '+'")


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise IntegrityError(f"{what} is not valid base64") from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A public key that checks note signatures: a name, a signature type and 32 key bytes."""

    name: str
    alg: int
    public_key: bytes
    key_id: bytes = field(init=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.alg not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise IntegrityError(f"unsupported signature type 0x{self.alg:02x}")
        if len(self.public_key) != 32:
            raise IntegrityError("an Ed25519 public key is 32 bytes")
        object.__setattr__(self, "key_id", key_id(self.name, self.alg, self.public_key))

    def __str__(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{_b64(bytes([self.alg]) + self.public_key)}"

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """Read ``<name>+<hex id>+<base64(type || key)>``, checking the id against the key.

        Raises:
            IntegrityError: on any malformed part or a key id that does not match.
        """
        text = text.strip()
        parts = text.split("+", 2)
        if len(parts) != 3:
            raise IntegrityError("a verifier key reads <name>+<hex id>+<base64 key>")
        name, hex_id, material = parts
        _check_name(name)
        if len(hex_id) != 8:
            raise IntegrityError("the key id of a verifier key is 8 hex digits")
        try:
            claimed = bytes.fromhex(hex_id)
        except ValueError:
            raise IntegrityError("the key id of a verifier key is 8 hex digits") from None
        raw = _b64decode(material, "the verifier key material")
        if len(raw) != 33:
            raise IntegrityError("the verifier key material is a type byte and 32 key bytes")
        key = cls(name, raw[0], raw[1:])
        if key.key_id != claimed:
            raise IntegrityError(f"verifier key {name}: key id {hex_id} does not match the key")
        return key

    def as_cosigner(self) -> VerifierKey:
        """Return the same Ed25519 key as a tlog-cosignature/v1 (type 0x04) verifier."""
        return VerifierKey(self.name, ALG_COSIGNATURE_V1, self.public_key)

    def _ed25519(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public_key)

    def verify(self, text: bytes, signature: bytes) -> int | None:
        """Check a signature (without its key id) over a note text.

        Returns:
            For a cosignature, its timestamp; for a plain signature, ``None``.

        Raises:
            IntegrityError: if the signature does not verify.
        """
        timestamp: int | None = None
        message = text
        if self.alg == ALG_COSIGNATURE_V1:
            if len(signature) != 8 + 64:
                raise IntegrityError(f"cosignature by {self.name} is not 72 bytes")
            (timestamp,) = struct.unpack(">Q", signature[:8])
            if timestamp >= 1 << 63:
                raise IntegrityError(f"cosignature by {self.name} has an impossible timestamp")
            message = _COSIG_HEADER + f"time {timestamp}\n".encode() + text
            signature = signature[8:]
        elif len(signature) != 64:
            raise IntegrityError(f"signature by {self.name} is not 64 bytes")
        try:
            self._ed25519().verify(signature, message)
        except InvalidSignature:
            raise IntegrityError(f"signature by {self.name} does not verify") from None
        return timestamp


@dataclass(frozen=True, slots=True)
class SignerKey:
    """A private Ed25519 signing key with its name; ``str()`` is the Go signer-key string.

    The string holds the secret: write it only to a file readable by its owner, never to a log
    or a database.
    """

    name: str
    seed: bytes = field(repr=False)
    alg: int = ALG_ED25519

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.seed) != 32:
            raise IntegrityError("an Ed25519 private key seed is 32 bytes")
        if self.alg not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise IntegrityError(f"unsupported signature type 0x{self.alg:02x}")

    def __str__(self) -> str:
        vid = self.verifier().key_id.hex()
        return f"PRIVATE+KEY+{self.name}+{vid}+{_b64(bytes([self.alg]) + self.seed)}"

    @classmethod
    def generate(cls, name: str, *, seed: bytes) -> SignerKey:
        """Build a key from 32 random bytes supplied by the caller (e.g. ``os.urandom(32)``)."""
        return cls(name, seed)

    @classmethod
    def parse(cls, text: str) -> SignerKey:
        """Read ``PRIVATE+KEY+<name>+<hex id>+<base64(type || seed)>``.

        Raises:
            IntegrityError: on any malformed part or a key id that does not match (the message
                never contains the secret).
        """
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise IntegrityError("a signer key reads PRIVATE+KEY+<name>+<hex id>+<base64 key>")
        _, _, name, hex_id, material = parts
        raw = _b64decode(material, "the signer key material")
        if len(raw) != 33:
            raise IntegrityError("the signer key material is a type byte and 32 seed bytes")
        key = cls(name, raw[1:], raw[0])
        if key.verifier().key_id.hex() != hex_id.lower():
            raise IntegrityError(f"signer key {name}: key id {hex_id} does not match the key")
        return key

    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    def verifier(self) -> VerifierKey:
        """Return the matching public verifier key."""
        return VerifierKey(self.name, self.alg, self._private().public_key().public_bytes_raw())

    def as_cosigner(self) -> SignerKey:
        """Return the same Ed25519 key as a tlog-cosignature/v1 (type 0x04) signer."""
        return SignerKey(self.name, self.seed, ALG_COSIGNATURE_V1)

    def sign_bytes(self, message: bytes) -> bytes:
        """Return a raw Ed25519 signature over ``message`` (for records other than notes)."""
        return self._private().sign(message)

    def signature_line(self, text: str, *, at: int | None = None) -> str:
        """Return this key's note signature line over ``text``.

        Args:
            text: The note text, ending in a newline.
            at: The POSIX time for a cosignature (type 0x04); ignored for plain signatures.
        """
        body = text.encode()
        if self.alg == ALG_COSIGNATURE_V1:
            if at is None or not 0 <= at < 1 << 63:
                raise IntegrityError("a cosignature needs a timestamp between 0 and 2^63-1")
            message = _COSIG_HEADER + f"time {at}\n".encode() + body
            sig = struct.pack(">Q", at) + self._private().sign(message)
        else:
            sig = self._private().sign(body)
        return f"{_EM_DASH} {self.name} {_b64(self.verifier().key_id + sig)}\n"


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One parsed signature line: key name, key id and the signature bytes after the id."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """Return the signature line exactly as it is serialised."""
        return f"{_EM_DASH} {self.name} {_b64(self.key_id + self.signature)}\n"


@dataclass(frozen=True, slots=True)
class OpenedNote:
    """A note whose text is vouched for by at least one trusted key."""

    text: str
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]
    timestamps: dict[str, int]


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise IntegrityError("note text must end with a newline")
    if any(ch < " " and ch != "\n" for ch in text):
        raise IntegrityError("note contains a control character")


def parse_note(unverified_note: str | bytes) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into its text and signature lines without verifying anything.

    Raises:
        IntegrityError: if the note is not valid UTF-8, has control characters, no blank line
            before the signatures, a malformed signature line, or too many signatures.
    """
    if isinstance(unverified_note, bytes | bytearray):
        try:
            msg = bytes(unverified_note).decode("utf-8")
        except UnicodeDecodeError:
            raise IntegrityError("note is not valid UTF-8") from None
    else:
        msg = unverified_note
    if any(ch < " " and ch != "\n" for ch in msg):
        raise IntegrityError("note contains a control character")
    if not msg.endswith("\n"):
        raise IntegrityError("note is truncated: it does not end with a newline")
    split = msg.rfind("\n\n")
    if split < 0:
        raise IntegrityError("note has no blank line before its signatures")
    text, sig_block = msg[: split + 1], msg[split + 2 :]
    lines = sig_block.split("\n")[:-1]
    if not lines:
        raise IntegrityError("note has no signatures")
    if len(lines) > MAX_SIGNATURES:
        raise IntegrityError(f"note has more than {MAX_SIGNATURES} signatures")
    sigs: list[NoteSignature] = []
    for line in lines:
        if not line.startswith(_EM_DASH + " "):
            raise IntegrityError("malformed signature line: it must start with '\u2014 '")
        fields = line[2:].split(" ")
        if len(fields) != 2:
            raise IntegrityError("malformed signature line: expected '\u2014 <name> <base64>'")
        name, blob64 = fields
        _check_name(name)
        blob = _b64decode(blob64, f"signature by {name}")
        if len(blob) < 5:
            raise IntegrityError(f"signature by {name} is too short")
        sigs.append(NoteSignature(name, blob[:4], blob[4:]))
    return text, sigs


def open_note(unverified_note: str | bytes, keys: Iterable[VerifierKey]) -> OpenedNote:
    """Verify a signed note against trusted keys and return its text.

    Signatures by unknown keys are kept as ``unverified`` (the spec requires ignoring them).

    Raises:
        IntegrityError: on a malformed note, a failing signature by a known key, a key that
            signed twice, or when no trusted key signed the note.
    """
    text, sigs = parse_note(unverified_note)
    known = {(k.name, k.key_id): k for k in keys}
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    timestamps: dict[str, int] = {}
    seen: set[tuple[str, bytes]] = set()
    body = text.encode()
    for sig in sigs:
        key = known.get((sig.name, sig.key_id))
        if key is None:
            unverified.append(sig)
            continue
        if (sig.name, sig.key_id) in seen:
            raise IntegrityError(f"note carries two signatures by {sig.name}")
        seen.add((sig.name, sig.key_id))
        stamp = key.verify(body, sig.signature)
        if stamp is not None:
            timestamps[sig.name] = stamp
        verified.append(sig)
    if not verified:
        raise IntegrityError("note is not signed by any trusted key (wrong key?)")
    return OpenedNote(text, tuple(verified), tuple(unverified), timestamps)


def sign_note(text: str, signers: Sequence[SignerKey], *, at: int | None = None) -> str:
    """Sign a note text with each signer and return the whole signed note.

    Raises:
        IntegrityError: if the text does not end in a newline or contains control characters.
    """
    _check_text(text)
    if not signers:
        raise IntegrityError("a note needs at least one signer")
    return text + "\n" + "".join(s.signature_line(text, at=at) for s in signers)


def add_signatures(note: str, lines: Iterable[str]) -> str:
    """Append signature lines (e.g. witness cosignatures) to an already signed note."""
    parse_note(note)
    out = note + "".join(lines)
    parse_note(out)
    return out
