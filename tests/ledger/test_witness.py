"""The tlog-witness state machine: what a witness cosigns, what it refuses, and with which status."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armsctl.errors import IntegrityError
from armsctl.ledger.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from armsctl.ledger.merkle import consistency_proof, root
from armsctl.ledger.note import SignerKey, add_signatures, parse_note
from armsctl.ledger.witness import (
    SIZE_CONTENT_TYPE,
    STATE_TYPE,
    AddCheckpoint,
    WitnessRefusal,
    WitnessState,
    add_checkpoint,
    cosignature_lines,
    parse_consistency,
    parse_size_body,
    replace_cosignature,
    size_body,
)

LOG = SignerKey.generate("example.org/log", seed=b"\x01" * 32)
W1 = SignerKey.generate("w1.example", seed=b"\x02" * 32)
W2 = SignerKey.generate("w2.example", seed=b"\x03" * 32)
ENTRIES = [f"entry {i}".encode() for i in range(20)]
AT = 1_764_000_000


def signed(n: int, entries: list[bytes] = ENTRIES, key: SignerKey = LOG) -> str:
    return sign_checkpoint(Checkpoint(key.name, n, root(entries[:n])), key)


def submit(state: WitnessState, old: int, n: int, *, proof=None, note=None, signer=W1):  # type: ignore[no-untyped-def]
    proof = consistency_proof(ENTRIES[:n], old) if proof is None and old else (proof or [])
    request = AddCheckpoint(old, tuple(proof), note or signed(n))
    return add_checkpoint(state, request, log_keys=[LOG.verifier()], signer=signer, at=AT)


def refusal(state: WitnessState, old: int, n: int, **kw) -> WitnessRefusal:  # type: ignore[no-untyped-def]
    with pytest.raises(WitnessRefusal) as info:
        submit(state, old, n, **kw)
    return info.value


def test_first_checkpoint_is_trusted_on_first_use_and_recorded() -> None:
    done = submit(WitnessState(), 0, 5)
    assert done.first_use
    record = done.state.logs["example.org/log"]
    assert (record.size, record.first_size) == (5, 5)
    assert record.root == record.first_root == root(ENTRIES[:5])
    # the line is a cosignature/v1 by the witness's 0x04 key, with the given timestamp
    cosigned = replace_cosignature(signed(5), done.line)
    opened = open_checkpoint(cosigned, LOG.verifier(), witnesses=[W1.verifier()], quorum=1)
    assert opened.size == 5
    assert done.line.startswith("\u2014 w1.example ")


def test_growth_needs_a_proof_from_the_size_last_cosigned_and_keeps_the_first_use() -> None:
    state = submit(WitnessState(), 0, 5).state
    done = submit(state, 5, 12)
    assert not done.first_use
    record = done.state.logs["example.org/log"]
    assert (record.size, record.first_size) == (12, 5)
    # the same checkpoint again: same size, same root, empty proof
    assert submit(done.state, 12, 12).state.size_of("example.org/log") == 12


def test_stale_old_size_is_409_with_the_witness_size() -> None:
    state = submit(WitnessState(), 0, 5).state
    exc = refusal(state, 0, 8)
    assert (exc.status, exc.known_size) == (409, 5)
    exc = refusal(state, 3, 8)
    assert (exc.status, exc.known_size) == (409, 5)
    assert parse_size_body(size_body(5)) == 5


def test_inconsistent_proof_is_422() -> None:
    state = submit(WitnessState(), 0, 5).state
    assert refusal(state, 5, 8, proof=consistency_proof(ENTRIES[:8], 4)).status == 422
    assert refusal(state, 5, 8, proof=[b"\x00" * 32]).status == 422
    assert refusal(state, 5, 8, proof=[]).status == 422


def test_fork_is_refused_at_a_larger_and_at_the_same_size() -> None:
    state = submit(WitnessState(), 0, 5).state
    forked = [*ENTRIES[:3], b"forged", *ENTRIES[4:]]
    other = signed(8, forked)
    exc = refusal(state, 5, 8, note=other, proof=consistency_proof(forked[:8], 5))
    assert exc.status == 422 and "split view" in exc.message
    exc = refusal(state, 5, 5, note=signed(5, forked), proof=[])
    assert exc.status == 409 and exc.known_size is None and "split view" in exc.message


def test_signatures_and_origins() -> None:
    state = WitnessState()
    impostor = SignerKey.generate("example.org/log", seed=b"\x09" * 32)
    assert refusal(state, 0, 5, note=signed(5, key=impostor)).status == 403
    note = signed(5)
    text, sigs = parse_note(note)
    broken = sigs[0].signature[:-1] + bytes([sigs[0].signature[-1] ^ 1])
    tampered = text + "\n" + type(sigs[0])(sigs[0].name, sigs[0].key_id, broken).line()
    assert refusal(state, 0, 5, note=tampered).status == 403
    elsewhere = SignerKey.generate("other.example/log", seed=b"\x0a" * 32)
    assert refusal(state, 0, 5, note=signed(5, key=elsewhere)).status == 404


def test_old_size_above_the_checkpoint_and_proof_from_zero_are_400() -> None:
    state = submit(WitnessState(), 0, 5).state
    assert refusal(state, 6, 5, proof=[]).status == 400
    assert refusal(WitnessState(), 0, 5, proof=[b"\x00" * 32]).status == 400


def test_a_refusal_leaves_the_state_unchanged() -> None:
    state = submit(WitnessState(), 0, 5).state
    before = state.to_json()
    refusal(state, 5, 8, proof=[])
    assert state.to_json() == before


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"\xff\xfe", "UTF-8"),
        (b"old 5\n", "empty line"),
        (b"new 5\n\nx\n", "line 1"),
        (b"old 05\n\nx\n", "leading zeros"),
        (b"old -1\n\nx\n", "decimal"),
        (b"old 99999999999999999999\n\nx\n", "too large"),
        (b"old 1\nnot base64!\n\nx\n", "line 2"),
        (b"old 1\nAAAA\n\nx\n", "32-byte"),
        (b"old 0\n" + b"".join(b"A" * 43 + b"=\n" for _ in range(64)) + b"\nx\n", "63"),
        (b"old 0\n\nexample.org/log\n5\n", "blank line"),
    ],
)
def test_malformed_requests_are_400_with_one_line(body: bytes, says: str) -> None:
    with pytest.raises(WitnessRefusal) as info:
        AddCheckpoint.parse(body)
    assert info.value.status == 400
    assert says in info.value.message and "\n" not in info.value.message


def test_malformed_checkpoint_inside_a_request_is_400() -> None:
    note = "example.org/log\nfive\nAAAA\n\n" + signed(5).split("\n\n", 1)[1]
    exc = refusal(WitnessState(), 0, 5, note=note)
    assert exc.status == 400 and "malformed checkpoint" in exc.message


def test_request_body_round_trips_byte_for_byte() -> None:
    proof = consistency_proof(ENTRIES[:12], 5)
    request = AddCheckpoint(5, tuple(proof), signed(12))
    body = request.body()
    assert body.startswith(b"old 5\n" + base64.b64encode(proof[0]) + b"\n")
    assert b"\n\nexample.org/log\n12\n" in body
    assert AddCheckpoint.parse(body) == request


@pytest.mark.parametrize("body", [b"5", b"05\n", b"5\n6\n", b"\n", b"-1\n", "5\u00a0\n".encode()])
def test_malformed_size_answers(body: bytes) -> None:
    with pytest.raises(IntegrityError):
        parse_size_body(body)


def test_recosigning_replaces_the_witness_own_line_only() -> None:
    state = submit(WitnessState(), 0, 5).state
    first = submit(state, 5, 5)
    note = replace_cosignature(signed(5), first.line)
    note = replace_cosignature(note, submit(state, 5, 5, signer=W2).line)
    again = add_checkpoint(
        first.state,
        AddCheckpoint(5, (), note),
        log_keys=[LOG.verifier()],
        signer=W1,
        at=AT + 60,
    )
    renewed = replace_cosignature(note, again.line)
    names = [s.name for s in parse_note(renewed)[1]]
    assert names == ["example.org/log", "w2.example", "w1.example"]
    witnesses = [W1.verifier(), W2.verifier()]
    open_checkpoint(renewed, LOG.verifier(), witnesses=witnesses, quorum=2)


def test_a_note_already_carrying_two_lines_by_the_witness_ends_with_one() -> None:
    """The old failure: a second cosigning appended a second line, which verifiers refuse."""
    first = submit(WitnessState(), 0, 5)
    doubled = add_signatures(signed(5), [first.line, first.line])
    with pytest.raises(IntegrityError, match="two signatures"):
        open_checkpoint(doubled, LOG.verifier(), witnesses=[W1.verifier()])
    again = submit(first.state, 5, 5, note=doubled)
    fixed = replace_cosignature(doubled, again.line)
    assert [s.name for s in parse_note(fixed)[1]] == ["example.org/log", "w1.example"]
    open_checkpoint(fixed, LOG.verifier(), witnesses=[W1.verifier()], quorum=1)


def test_cosignature_answers_are_checked_against_the_configured_key() -> None:
    done = submit(WitnessState(), 0, 5)
    note = signed(5)
    assert cosignature_lines(done.line.encode(), note, W1.verifier()) == [done.line]
    with pytest.raises(IntegrityError):
        cosignature_lines(done.line.encode(), note, W2.verifier())  # someone else's line
    with pytest.raises(IntegrityError):
        cosignature_lines(done.line.encode(), signed(6), W1.verifier())  # another checkpoint
    with pytest.raises(IntegrityError):
        cosignature_lines(b"not a signature line\n", note, W1.verifier())


def test_state_round_trips_and_reads_the_older_form() -> None:
    state = submit(submit(WitnessState(), 0, 5).state, 5, 9).state
    doc = state.to_json()
    assert doc["type"] == STATE_TYPE
    assert WitnessState.from_json(doc) == state
    older = {"example.org/log": {"size": 9, "root": doc["logs"]["example.org/log"]["root"]}}
    assert WitnessState.from_json(older).size_of("example.org/log") == 9


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        ([], "not a JSON object"),
        ({"type": "x"}, "type"),
        ({"type": STATE_TYPE, "logs": []}, "'logs'"),
        ({"o": 5}, "log 'o' is not an object"),
        ({"o": {"size": -1, "root": "AA=="}}, "'size'"),
        ({"o": {"size": True, "root": "AA=="}}, "'size'"),
        ({"o": {"size": 1, "root": "AA=="}}, "32-byte"),
        ({"o": {"size": 1, "root": 7}}, "'root'"),
    ],
)
def test_malformed_state_names_the_field(doc: object, says: str) -> None:
    with pytest.raises(IntegrityError, match=says):
        WitnessState.from_json(doc)


def test_consistency_files_in_every_accepted_shape() -> None:
    proof = [base64.b64encode(p).decode() for p in consistency_proof(ENTRIES[:12], 5)]
    plain = {"old_size": 5, "proof": proof}
    typed = {"type": "armsctl/consistency-proof/v1", "size": 12, **plain}
    bundle = {"type": "armsctl/proof-bundle/v1", "size": 12, "consistency": plain}
    assert parse_consistency(plain)[:2] == (5, tuple(consistency_proof(ENTRIES[:12], 5)))
    assert parse_consistency(typed)[2] == 12
    assert parse_consistency(bundle)[2] == 12
    for bad, says in [
        ({"type": "armsctl/inclusion-proof/v1"}, "not a consistency proof"),
        ({"type": "armsctl/proof-bundle/v1", "size": 3}, "no 'consistency'"),
        ({"old_size": "5", "proof": []}, "'old_size'"),
        ({"old_size": 5, "proof": "AAAA"}, "'proof' is not a list"),
        ({"old_size": 5, "proof": ["AAAA"]}, r"'proof'\[0\]"),
    ]:
        with pytest.raises(IntegrityError, match=says):
            parse_consistency(bad)


@settings(deadline=None, max_examples=40)
@given(st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=8))
def test_an_honest_log_is_always_cosigned_in_order(sizes: list[int]) -> None:
    """Whatever sizes an honest log reaches, in growing order, the witness cosigns each one."""
    state = WitnessState()
    for n in sorted(sizes):
        state = submit(state, state.size_of("example.org/log"), n).state
    assert state.size_of("example.org/log") == max(sizes)


def test_size_content_type_is_the_protocol_one() -> None:
    assert SIZE_CONTENT_TYPE == "text/x.tlog.size"


@settings(deadline=None, max_examples=200)
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=600))
def test_any_body_is_cosigned_or_refused_with_a_status(noise: bytes, cut: int) -> None:
    """Hostile bytes, or a valid request with bytes spliced in, never raise anything else."""
    valid = AddCheckpoint(5, tuple(consistency_proof(ENTRIES[:9], 5)), signed(9)).body()
    state = submit(WitnessState(), 0, 5).state
    for body in (noise, valid[:cut] + noise + valid[cut:]):
        try:
            request = AddCheckpoint.parse(body)
            add_checkpoint(state, request, log_keys=[LOG.verifier()], signer=W1, at=AT)
        except WitnessRefusal as exc:
            assert exc.status in (400, 403, 404, 409, 422)
            assert "\n" not in exc.message
