"""Witnessing: each new checkpoint goes to the witnesses; only cosignatures that verify under a
witness's configured key are kept, and a failing witness costs only its own cosignature.

The witnesses here are in-process ``Poster`` functions deciding with the real
``ledger.witness.add_checkpoint`` (tests/api/test_witnessing.py serves them over HTTP).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from _svc import NOW, Env
from _world import LOG_KEY

from armsctl.errors import IntegrityError, ParameterError
from armsctl.ledger.note import SignerKey, VerifierKey, open_note
from armsctl.ledger.witness import (
    SIZE_CONTENT_TYPE,
    AddCheckpoint,
    WitnessRefusal,
    WitnessState,
    add_checkpoint,
    size_body,
)
from armsctl.service import Database, declarations
from armsctl.service import log as svc_log
from armsctl.service.witnessing import (
    Answer,
    Poster,
    WitnessEndpoint,
    Witnessing,
    parse_witnesses,
)

W1 = SignerKey.generate("w1.example", seed=b"\x11" * 32)
W2 = SignerKey.generate("w2.example", seed=b"\x12" * 32)
STAMP = 1_764_000_000


def cosigner(signer: SignerKey) -> VerifierKey:
    return signer.as_cosigner().verifier()


@dataclass
class FakeWitness:
    """A witness deciding like the real one, holding its state in memory."""

    signer: SignerKey
    state: WitnessState = field(default_factory=WitnessState)
    asked: list[int] = field(default_factory=list)

    def __call__(self, _url: str, body: bytes) -> Answer:
        request = AddCheckpoint.parse(body)
        self.asked.append(request.old_size)
        try:
            done = add_checkpoint(
                self.state, request, log_keys=[LOG_KEY.verifier()], signer=self.signer, at=STAMP
            )
        except WitnessRefusal as refusal:
            if refusal.known_size is not None:
                return Answer(409, SIZE_CONTENT_TYPE, size_body(refusal.known_size))
            return Answer(refusal.status, "text/plain", str(refusal).encode())
        self.state = done.state
        return Answer(200, "text/plain", done.line.encode())


def _route(**witnesses: Poster) -> Poster:
    """One poster for several witnesses, chosen by the URL's host."""

    def post(url: str, body: bytes) -> Answer:
        return witnesses[url.removeprefix("http://")](url, body)

    return post


@pytest.fixture
def witnessed(env: Env) -> Iterator[Env]:
    """The module's world; whatever witnesses a test configures are removed after it."""
    yield env
    env.db.witnessing = None


def _grow(env: Env, day: int) -> None:
    """One more log entry, so the next checkpoint is a new one."""
    declarations.submit_aggregate(
        env.db,
        env.actors["usa"],
        treaty="new-start",
        party="USA",
        as_of=NOW.date().replace(day=day),
        figures={"deployed-warheads": 1000 + day},
        allow=env.allow("usa", "declaration.submit"),
        at=NOW,
    )


def _verified_by(note: str, signer: SignerKey) -> bool:
    try:
        return bool(open_note(note, [cosigner(signer)]).verified)
    except IntegrityError:  # not cosigned by that key
        return False


def test_the_configuration_names_the_malformed_entry(witnessed: Env) -> None:
    good = f"http://w1.example {cosigner(W1)}"
    assert [e.url for e in parse_witnesses(f"{good},\nhttp://w2.example/ {cosigner(W2)}")] == [
        "http://w1.example",
        "http://w2.example",
    ]
    with pytest.raises(ParameterError, match="witness 2"):
        parse_witnesses(f"{good}, ftp://w2.example {cosigner(W2)}")
    with pytest.raises(ParameterError, match="witness 1"):
        parse_witnesses("http://w1.example")


def test_a_new_checkpoint_carries_the_cosignatures_of_every_witness_and_is_served(
    witnessed: Env,
) -> None:
    w1, w2 = FakeWitness(W1), FakeWitness(W2)
    witnessed.db.witnessing = Witnessing(
        [WitnessEndpoint("http://w1", cosigner(W1)), WitnessEndpoint("http://w2", cosigner(W2))],
        _route(w1=w1, w2=w2),
    )
    _grow(witnessed, 2)
    note = svc_log.sign_checkpoint(witnessed.db).checkpoint
    assert _verified_by(note, W1) and _verified_by(note, W2)
    assert svc_log.log_status(witnessed.db).checkpoint == note
    assert w1.asked == [0] and w2.asked == [0]


def test_a_witness_that_is_down_or_answers_garbage_costs_only_its_own_cosignature(
    witnessed: Env,
) -> None:
    def down(_url: str, _body: bytes) -> Answer:
        raise ConnectionError("refused")

    def garbage(_url: str, _body: bytes) -> Answer:
        return Answer(200, "text/plain", b"\xff\xfe not a cosignature")

    w1 = FakeWitness(W1)
    w2 = SignerKey.generate("w3.example", seed=b"\x13" * 32)
    witnessed.db.witnessing = Witnessing(
        [
            WitnessEndpoint("http://w1", cosigner(W1)),
            WitnessEndpoint("http://down", cosigner(W2)),
            WitnessEndpoint("http://garbage", cosigner(w2)),
        ],
        _route(w1=w1, down=down, garbage=garbage),
    )
    _grow(witnessed, 3)
    note = svc_log.sign_checkpoint(witnessed.db).checkpoint
    assert _verified_by(note, W1)
    assert not _verified_by(note, W2) and not _verified_by(note, w2)


def test_a_cosignature_by_another_key_than_the_configured_one_is_not_kept(
    witnessed: Env,
) -> None:
    impostor = FakeWitness(SignerKey.generate("w1.example", seed=b"\x66" * 32))
    witnessed.db.witnessing = Witnessing(
        [WitnessEndpoint("http://w1", cosigner(W1))],
        _route(w1=impostor),
    )
    _grow(witnessed, 4)
    signed = svc_log.sign_checkpoint(witnessed.db).checkpoint
    assert impostor.asked == [0]
    assert not _verified_by(signed, W1)
    assert not _verified_by(signed, impostor.signer)


def test_a_witness_that_holds_a_larger_size_is_asked_again_with_a_proof_from_it(
    witnessed: Env,
) -> None:
    w1 = FakeWitness(W1)
    endpoints = [WitnessEndpoint("http://w1", cosigner(W1))]
    witnessed.db.witnessing = Witnessing(endpoints, _route(w1=w1))
    _grow(witnessed, 5)
    first = svc_log.sign_checkpoint(witnessed.db).size
    # A restarted server no longer remembers what the witness holds: it starts from 0.
    witnessed.db.witnessing = Witnessing(endpoints, _route(w1=w1))
    _grow(witnessed, 6)
    note = svc_log.sign_checkpoint(witnessed.db).checkpoint
    assert w1.asked == [0, 0, first]
    assert _verified_by(note, W1)


def test_without_a_checkpoint_there_is_nothing_to_gather(empty_db: Database) -> None:
    w1 = FakeWitness(W1)
    witnessing = Witnessing([WitnessEndpoint("http://w1", cosigner(W1))], _route(w1=w1))
    assert witnessing.gather(empty_db) is None
    assert w1.asked == []
