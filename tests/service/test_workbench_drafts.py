"""Workbench drafts: private to the party's users until shared; an unreadable draft looks absent."""

from __future__ import annotations

from typing import Any

import pytest
from _svc import NOW, Env

from armsctl.errors import InputError, NotFoundError
from armsctl.service import AccessDenied
from armsctl.service import workbench_drafts as wb

FORM = {"sets": "deployed-warheads=-10%", "baselines": "", "years": "2030", "cheat": "0"}
EVERYONE = ("usa", "rus", "usa-insp", "rus-insp", "obs", "op")


def _save(env: Env, user: str, name: str, **kw: Any) -> wb.SavedDraft:
    return wb.save_draft(
        env.db,
        env.actors[user],
        treaty="new-start",
        name=name,
        form=kw.pop("form", FORM),
        allow=env.allow(user, "workbench.draft.save"),
        at=NOW,
        **kw,
    )


def _share(env: Env, user: str, draft: int, visibility: str, *parties: str) -> wb.SavedDraft:
    return wb.share_draft(
        env.db,
        env.actors[user],
        draft,
        visibility=visibility,
        parties=list(parties),
        allow=env.allow(user, "workbench.draft.share"),
        at=NOW,
    )


def _get(env: Env, user: str, draft: int) -> wb.SavedDraft:
    return wb.get_draft(
        env.db, env.actors[user], draft, allow=env.allow(user, "workbench.draft.read")
    )


def _listed(env: Env, user: str) -> set[int]:
    drafts = wb.list_drafts(
        env.db, env.actors[user], treaty="new-start", allow=env.allow(user, "workbench.draft.read")
    )
    return {d.id for d in drafts}


def _readers(env: Env, draft: int) -> set[str]:
    out = set()
    for user in EVERYONE:
        try:
            _get(env, user, draft)
        except NotFoundError:
            assert draft not in _listed(env, user)
            continue
        assert draft in _listed(env, user)
        out.add(user)
    return out


def test_a_saved_draft_is_private_to_its_partys_users(env: Env) -> None:
    draft = _save(env, "usa", "cut ten percent")
    assert draft.visibility == "private" and draft.mine and draft.form == FORM
    assert _readers(env, draft.id) == {"usa"}


def test_a_draft_the_user_may_not_read_is_indistinguishable_from_none(env: Env) -> None:
    draft = _save(env, "usa", "secret position")
    with pytest.raises(NotFoundError) as hidden:
        _get(env, "rus", draft.id)
    with pytest.raises(NotFoundError) as absent:
        _get(env, "rus", 99999)
    assert str(hidden.value).replace(str(draft.id), "N") == str(absent.value).replace("99999", "N")
    assert "secret position" not in str(hidden.value)


def test_sharing_with_a_party_lets_its_users_read_but_not_whom_else_it_is_shared_with(
    env: Env,
) -> None:
    draft = _save(env, "usa", "offer to RUS")
    shared = _share(env, "usa", draft.id, "parties", "rus")
    assert shared.shared_with == ["RUS"]
    assert _readers(env, draft.id) == {"usa", "rus"}
    seen = _get(env, "rus", draft.id)
    assert seen.shared_with == [] and not seen.mine


def test_a_public_draft_is_read_by_every_signed_in_user(env: Env) -> None:
    draft = _save(env, "rus", "public proposal")
    _share(env, "rus", draft.id, "public")
    assert _readers(env, draft.id) == set(EVERYONE)
    _share(env, "rus", draft.id, "private")
    assert _readers(env, draft.id) == {"rus"}


def test_only_the_owning_party_shares_its_draft(env: Env) -> None:
    draft = _save(env, "usa", "shared, not given away")
    _share(env, "usa", draft.id, "parties", "RUS")
    with pytest.raises(AccessDenied):
        _share(env, "rus", draft.id, "public")
    with pytest.raises(NotFoundError):
        _share(env, "obs", draft.id, "public")  # the observer cannot even see it


def test_sharing_names_known_parties_and_a_known_visibility(env: Env) -> None:
    draft = _save(env, "usa", "to share")
    with pytest.raises(InputError, match="GBR is not a party of new-start"):
        _share(env, "usa", draft.id, "parties", "GBR")
    with pytest.raises(InputError, match="name at least one party"):
        _share(env, "usa", draft.id, "parties")
    with pytest.raises(InputError, match="'friends' is not one of"):
        _share(env, "usa", draft.id, "friends")


@pytest.mark.parametrize("user", ["usa-insp", "obs", "op"])
def test_only_a_partys_users_save_drafts(env: Env, user: str) -> None:
    with pytest.raises(AccessDenied):
        _save(env, user, "not mine to save")


def test_a_party_overwrites_its_own_draft_but_not_another_partys(env: Env) -> None:
    draft = _save(env, "usa", "first")
    again = _save(env, "usa", "second", draft_id=draft.id, form={**FORM, "years": "2031"})
    assert again.id == draft.id and again.name == "second"
    assert again.form["years"] == "2031"
    _share(env, "usa", draft.id, "public")
    with pytest.raises(NotFoundError, match="of yours"):
        _save(env, "rus", "taken over", draft_id=draft.id)
    assert _get(env, "usa", draft.id).name == "second"


def test_a_draft_needs_a_name_and_text_fields_of_bounded_size(env: Env) -> None:
    with pytest.raises(InputError, match="draft name"):
        _save(env, "usa", "   ")
    with pytest.raises(InputError, match="draft years"):
        _save(env, "usa", "too long", form={**FORM, "years": "1" * 5000})
    with pytest.raises(InputError, match="draft sets"):
        _save(env, "usa", "not text", form={**FORM, "sets": 5})
