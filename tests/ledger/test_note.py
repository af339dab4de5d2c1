"""C2SP signed notes, key strings, checkpoints and cosignatures, byte for byte."""

from __future__ import annotations

import base64

import pytest

from armsctl.errors import IntegrityError
from armsctl.ledger.checkpoint import Checkpoint, Witness, open_checkpoint, sign_checkpoint
from armsctl.ledger.merkle import consistency_proof, root
from armsctl.ledger.note import (
    ALG_COSIGNATURE_V1,
    SignerKey,
    VerifierKey,
    add_signatures,
    open_note,
    parse_note,
    sign_note,
)

EM = "\u2014"
# golang.org/x/mod/sumdb/note: the package documentation's example key, text and signature.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT
    + "\n"
    + f"{EM} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
# c2sp.org/signed-note: the specification's example verifier key and note.
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n"
    f"{EM} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)
# c2sp.org/tlog-checkpoint and tlog-cosignature: the specifications' example checkpoint.
SPEC_CHECKPOINT_TEXT = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
SPEC_COSIGNED = (
    SPEC_CHECKPOINT_TEXT
    + "\n"
    + f"{EM} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    + f"{EM} witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)
# transparency-dev/formats note tests: a native cosignature/v1 (type 0x04) verifier key and one
# whose base64 contains '+'.
COSIG_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
PLUS_VKEY = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"


def test_go_signer_key_reproduces_its_verifier_key_and_signature() -> None:
    signer = SignerKey.parse(GO_SKEY)
    assert str(signer) == GO_SKEY
    assert str(signer.verifier()) == GO_VKEY
    assert sign_note(GO_TEXT, [signer]) == GO_NOTE


def test_go_note_opens_with_its_verifier_key() -> None:
    opened = open_note(GO_NOTE.encode(), [VerifierKey.parse(GO_VKEY)])
    assert opened.text == GO_TEXT
    assert [s.name for s in opened.verified] == ["PeterNeumann"]


def test_spec_example_note_opens_and_reserialises() -> None:
    key = VerifierKey.parse(SPEC_VKEY)
    assert key.key_id.hex() == "530d903a"
    assert str(key) == SPEC_VKEY
    opened = open_note(SPEC_NOTE, [key])
    assert opened.text == "This is an example message.\n"
    assert opened.text + "\n" + "".join(s.line() for s in opened.verified) == SPEC_NOTE


@pytest.mark.parametrize("vkey", [COSIG_VKEY, PLUS_VKEY, GO_VKEY, SPEC_VKEY])
def test_verifier_keys_of_other_implementations_round_trip(vkey: str) -> None:
    assert str(VerifierKey.parse(vkey)) == vkey


def test_cosignature_key_type_is_0x04() -> None:
    assert VerifierKey.parse(COSIG_VKEY).alg == ALG_COSIGNATURE_V1


def test_spec_cosigned_checkpoint_parses_with_its_timestamp() -> None:
    text, sigs = parse_note(SPEC_COSIGNED)
    assert text == SPEC_CHECKPOINT_TEXT
    witness = sigs[1]
    assert witness.name == "witness.example.com/w1"
    assert int.from_bytes(witness.signature[:8], "big") == 1679315147  # the spec's "time" line
    assert len(witness.signature) == 72
    checkpoint = Checkpoint.parse(text)
    assert (checkpoint.origin, checkpoint.size) == ("example.com/behind-the-sofa", 20852163)
    assert checkpoint.text() == SPEC_CHECKPOINT_TEXT


@pytest.mark.parametrize(
    "bad",
    [
        GO_VKEY[:-1],
        GO_VKEY.replace("c74f20a3", "c74f20a4"),
        GO_VKEY.replace("c74f20a3", "c74f20a"),
        GO_VKEY.replace("+A", "+Z", 1),
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW!!",
        "PeterNeumann+zzzzzzzz+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "",
    ],
)
def test_mangled_verifier_keys_are_refused(bad: str) -> None:
    with pytest.raises(IntegrityError):
        VerifierKey.parse(bad)


@pytest.mark.parametrize("cut", range(1, len(GO_SKEY)))
def test_truncated_signer_keys_are_refused(cut: int) -> None:
    with pytest.raises(IntegrityError):
        SignerKey.parse(GO_SKEY[:cut])


def _go_key() -> VerifierKey:
    return VerifierKey.parse(GO_VKEY)


@pytest.mark.parametrize("cut", range(len(GO_NOTE)))
def test_every_truncation_of_a_note_is_refused(cut: int) -> None:
    with pytest.raises(IntegrityError):
        open_note(GO_NOTE[:cut], [_go_key()])


@pytest.mark.parametrize("position", range(0, len(GO_NOTE.encode()), 3))
def test_any_changed_byte_is_refused(position: int) -> None:
    raw = bytearray(GO_NOTE.encode())
    raw[position] ^= 0x01
    with pytest.raises(IntegrityError):
        open_note(bytes(raw), [_go_key()])


def test_wrong_key_is_refused_and_unknown_signatures_ignored() -> None:
    other = SignerKey.generate("PeterNeumann", seed=b"\x07" * 32)
    with pytest.raises(IntegrityError, match="not signed by any trusted key"):
        open_note(GO_NOTE, [other.verifier()])
    extra = SignerKey.generate("someone.else", seed=b"\x08" * 32)
    both = add_signatures(GO_NOTE, [extra.signature_line(GO_TEXT)])
    opened = open_note(both, [_go_key()])
    assert [s.name for s in opened.unverified] == ["someone.else"]


def test_known_key_with_bad_signature_rejects_the_note() -> None:
    forger = SignerKey.generate("PeterNeumann", seed=b"\x09" * 32)
    line = forger.signature_line(GO_TEXT)
    # Give the forged signature the real key's id, so that the note names a known key.
    blob = base64.b64decode(line.split(" ")[2])
    forged = (
        f"{EM} PeterNeumann {base64.b64encode(bytes.fromhex('c74f20a3') + blob[4:]).decode()}\n"
    )
    with pytest.raises(IntegrityError, match="does not verify"):
        open_note(GO_TEXT + "\n" + forged, [_go_key()])


@pytest.mark.parametrize(
    "bad",
    [
        b"\xff\xfe not utf-8\n\n",
        "text\twith tab\n\n" + GO_NOTE.split("\n\n")[1],
        GO_TEXT + GO_NOTE.split("\n\n")[1],
        GO_TEXT + "\n" + "- PeterNeumann abc\n",
        GO_TEXT + "\n" + f"{EM} PeterNeumann\n",
        GO_TEXT + "\n" + f"{EM} PeterNeumann AAAA\n",
        GO_TEXT + "\n" + "".join(f"{EM} k{i} AAAAAAAA\n" for i in range(101)),
    ],
)
def test_malformed_notes_are_refused(bad: str | bytes) -> None:
    with pytest.raises(IntegrityError):
        open_note(bad, [_go_key()])


def test_sign_note_refuses_text_without_final_newline() -> None:
    with pytest.raises(IntegrityError):
        sign_note("no newline", [SignerKey.parse(GO_SKEY)])


# -- checkpoints ------------------------------------------------------------------------------


LOG = SignerKey.generate("example.org/log", seed=b"\x01" * 32)


def test_checkpoint_text_is_byte_exact() -> None:
    cp = Checkpoint("example.org/log", 3, bytes(range(32)))
    assert cp.text() == "example.org/log\n3\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    assert Checkpoint.parse(cp.text()) == cp
    with_ext = Checkpoint("o", 0, bytes(32), ("ext line",))
    assert Checkpoint.parse(with_ext.text()) == with_ext


@pytest.mark.parametrize(
    "text",
    [
        "o\n3\n",
        "o\n03\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "o\n-3\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "o\n+3\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "o\n3\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n",
        "o\n3\nnot base64!\n",
        "\n3\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
        "o\n3\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n",
        "o\n3\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "o\n\u0663\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
    ],
)
def test_malformed_checkpoint_texts_are_refused(text: str) -> None:
    with pytest.raises(IntegrityError):
        Checkpoint.parse(text)


def test_signed_checkpoint_round_trip_and_origin_binding() -> None:
    cp = Checkpoint("example.org/log", 5, root([b"a", b"b", b"c", b"d", b"e"]))
    note = sign_checkpoint(cp, LOG)
    assert open_checkpoint(note, LOG.verifier()) == cp
    with pytest.raises(IntegrityError, match="origin"):
        sign_checkpoint(Checkpoint("other.org/log", 5, cp.root), LOG)
    impostor = SignerKey.generate("example.org/log", seed=b"\x02" * 32)
    with pytest.raises(IntegrityError):
        open_checkpoint(note, impostor.verifier())


def _head(entries: list[bytes]) -> str:
    return sign_checkpoint(Checkpoint("example.org/log", len(entries), root(entries)), LOG)


def test_witness_cosigns_consistent_growth_and_clients_count_the_quorum() -> None:
    witnesses = [SignerKey.generate(f"w{i}.example", seed=bytes([10 + i]) * 32) for i in range(3)]
    entries = [b"e%d" % i for i in range(9)]
    states = [Witness(w, LOG.verifier()) for w in witnesses]
    note = _head(entries[:4])
    for w in states:
        note = w.cosign(note, [], at=1_700_000_000)
    keys = [w.verifier() for w in witnesses]
    assert open_checkpoint(note, LOG.verifier(), witnesses=keys, quorum=3).size == 4
    grown = _head(entries)
    proof = consistency_proof(entries, 4)
    cosigned = states[0].cosign(grown, proof, at=1_700_000_100)
    checkpoint = open_checkpoint(cosigned, LOG.verifier(), witnesses=keys, quorum=1)
    assert checkpoint.size == 9
    with pytest.raises(IntegrityError, match="needs 2"):
        open_checkpoint(cosigned, LOG.verifier(), witnesses=keys, quorum=2)
    # The cosignature is a tlog-cosignature/v1 line whose message binds the time.
    opened = open_note(cosigned, [keys[0].as_cosigner()])
    assert opened.timestamps == {"w0.example": 1_700_000_100}


def test_witness_catches_a_split_view() -> None:
    witness = Witness(SignerKey.generate("w.example", seed=b"\x05" * 32), LOG.verifier())
    honest = [b"e%d" % i for i in range(6)]
    witness.cosign(_head(honest[:4]), [], at=1)
    # The log shows this witness a history in which entry 2 reads differently.
    forked = [*honest[:2], b"rewritten", *honest[3:]]
    with pytest.raises(IntegrityError, match="split view"):
        witness.cosign(_head(forked), consistency_proof(forked, 4), at=2)
    with pytest.raises(IntegrityError, match="split view"):
        witness.cosign(_head(honest[:3]), [], at=3)
    same_size_fork = [*honest[:3], b"other"]
    with pytest.raises(IntegrityError, match="split view"):
        witness.cosign(_head(same_size_fork), [], at=4)
    # Its memory was not moved by the refused checkpoints.
    assert witness.seen["example.org/log"] == (4, root(honest[:4]))
    restored = Witness.from_state(witness.signer, LOG.verifier(), witness.state())
    assert restored.seen == witness.seen


def test_witness_state_must_be_well_formed() -> None:
    with pytest.raises(IntegrityError):
        Witness.from_state(LOG, LOG.verifier(), {"o": {"size": "x", "root": "AA=="}})
