"""Zero-knowledge proofs: a party publishes only its own, verified against the server's treaty;
anyone reads them, and no count is in what is stored or logged.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from _svc import NOW, Env

from armsctl.errors import InputError, NotFoundError
from armsctl.service import AccessDenied, Listing
from armsctl.service import zk as svc_zk
from armsctl.service.log import log_entry
from armsctl.zk import Context, commit_sites, prove


def _proof(party: str, *counts: int, as_of: str = "2025-12-01", **kw: Any) -> Any:
    context = Context("new-start", "deployed-warheads", 1550, as_of, party, 16)
    if kw:
        context = Context(**{**context.to_json(), **kw})
    sites = [(f"site-{i}", c) for i, c in enumerate(counts or (700, 800))]
    return prove(context, commit_sites(sites)).to_json()


def _numbers(value: Any) -> Any:
    """Every number in a JSON document (hex strings are not numbers)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, int):
        yield value


def _publish(env: Env, user: str, document: Any) -> svc_zk.ZkProofPublic:
    return svc_zk.publish_proof(
        env.db,
        env.actors[user],
        treaty="new-start",
        document=document,
        allow=env.allow(user, "zk.publish"),
        at=NOW,
    )


def test_a_party_publishes_its_proof_and_the_log_holds_the_public_document(env: Env) -> None:
    doc = _proof("RUS", 1011, 503, as_of="2025-12-02")
    made = _publish(env, "rus", doc)
    assert (made.party, made.limit, made.maximum, made.sites) == (
        "RUS",
        "deployed-warheads",
        1550,
        2,
    )
    assert svc_zk.get_proof(env.db, proof_id=made.id).proof == doc
    entry = log_entry(env.db, index=made.log_index).entry
    assert json.loads(entry)["body"]["document"] == doc
    numbers = set(_numbers(json.loads(entry)))
    assert not numbers & {1011, 503, 1514}
    assert "blinding" not in entry and '"value"' not in entry


@pytest.mark.parametrize("user", ["usa", "usa-insp", "obs", "op"])
def test_no_one_publishes_a_proof_for_another_party(env: Env, user: str) -> None:
    before = svc_zk.list_proofs(env.db, Listing("new-start")).total
    with pytest.raises(AccessDenied):
        _publish(env, user, _proof("RUS"))
    assert svc_zk.list_proofs(env.db, Listing("new-start")).total == before


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda d: d["sites"].pop(), "does not verify"),
        (lambda d: d["context"].update(maximum=1600), "maximum is 1600, expected 1550"),
        (lambda d: d["context"].update(limit="tanks"), "has no limit 'tanks'"),
        (lambda d: d.update(format="other"), "proof.format"),
        (lambda d: d["context"].update(treaty="start-i"), "proof.context.treaty"),
    ],
)
def test_a_proof_that_is_malformed_or_does_not_verify_is_refused_naming_why(
    env: Env, edit: Any, says: str
) -> None:
    doc = copy.deepcopy(_proof("USA"))
    edit(doc)
    with pytest.raises(InputError, match=says):
        _publish(env, "usa", doc)


def test_proofs_are_listed_by_party_and_an_unknown_one_is_not_found(env: Env) -> None:
    made = _publish(env, "usa", _proof("USA", 10, 20, as_of="2025-12-03"))
    usa = svc_zk.list_proofs(env.db, Listing("new-start", party="USA"))
    assert made.id in {r.id for r in usa.results}
    assert all(r.party == "USA" for r in usa.results)
    with pytest.raises(NotFoundError, match="no zero-knowledge proof 99999"):
        svc_zk.get_proof(env.db, proof_id=99999)
