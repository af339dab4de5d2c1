"""Every role x every endpoint x own / other party's data: allowed, or 403 with a reason.

The expectations are written out here by hand (the specification), not derived from the table
in ``armsctl.access.authz``: a change to the table that is not also made here fails the test. The
world holds USA- and RUS-owned data; each row names the USA-owned resource, so RUS users are the
"other party" case. Every response body is searched for item-level records: a party's secret
uids appear only in its own responses, and an inspected site's items only to the inspectors
granted that inspection.
"""

from __future__ import annotations

from typing import Any

from _world import World
from fastapi.testclient import TestClient

USERS = ("usa", "rus", "usa-insp", "rus-insp", "obs", "op")
ALL = frozenset(USERS)
P = "/api/v1"
T = f"{P}/treaties/new-start"


def _usa_zk_proof() -> dict[str, Any]:
    from armsctl.zk import Context, commit_sites, prove

    context = Context("new-start", "deployed-warheads", 1550, "2025-09-01", "USA", 16)
    return prove(context, commit_sites([("site-a", 1), ("site-b", 2)])).to_json()


def _rows(w: World) -> list[tuple[str, str, Any, frozenset[str]]]:
    d_usa, d_rus = w.ids["decl-USA"], w.ids["decl-RUS"]
    insp = w.ids["insp-by-USA"]  # USA inspects RUS-base-1; usa-insp is granted
    note_to_usa = w.ids["note-from-RUS"]
    agg = {"party": "USA", "as_of": "2025-10-01", "figures": {"deployed-warheads": 1}}
    items = {
        "party": "USA",
        "as_of": "2025-11-01",
        "items": [
            {"uid": "X-1", "category": "icbm-launcher", "status": "deployed", "facility": "f"}
        ],
    }
    obs_body = {"subject": "RUS", "source": "satellite", "observed_at": "2026-01-01T00:00:00Z"}
    zk_proof = {"proof": _usa_zk_proof()}
    return [
        ("GET", f"{P}/me", None, ALL),
        ("GET", f"{P}/treaties", None, ALL),
        ("POST", f"{P}/treaties", {"id": "new-start"}, frozenset({"op"})),
        ("GET", f"{T}/parties", None, ALL),
        (
            "POST",
            f"{T}/parties",
            {"code": "USA", "name": "x", "key": "k+00000000+AA=="},
            frozenset({"op"}),
        ),
        ("GET", f"{P}/users", None, frozenset({"op", "usa", "rus"})),
        # The operator manages users of no party; a party manages its own users only.
        ("POST", f"{P}/users", {"name": "new-obs", "role": "observer"}, frozenset({"op"})),
        (
            "POST",
            f"{P}/users",
            {"name": "usa-insp-2", "role": "inspector", "treaty": "new-start", "party": "USA"},
            frozenset({"usa"}),
        ),
        ("POST", f"{P}/users/obs/tokens", {"days": 1}, frozenset({"op"})),
        # No operator-minted party tokens (it would read the party's items).
        ("POST", f"{P}/users/usa/tokens", {"days": 1}, frozenset({"usa"})),
        ("POST", f"{P}/users/usa-insp/tokens", {"days": 1}, frozenset({"usa"})),
        ("GET", f"{P}/tokens", None, frozenset({"op", "usa", "rus"})),
        ("DELETE", f"{P}/tokens/0000000000000000", None, frozenset({"op", "usa", "rus"})),
        ("POST", f"{T}/declarations", agg, frozenset({"usa"})),
        ("POST", f"{T}/declarations/items", items, frozenset({"usa"})),
        (
            "POST",
            f"{T}/declarations/file?format=json",
            [{"party": "USA", "as_of": "2025-12-01", "measure": "deployed-warheads", "value": 1}],
            frozenset({"usa"}),
        ),
        ("GET", f"{T}/declarations", None, ALL),
        ("GET", f"{P}/declarations/{d_usa}", None, ALL),
        ("GET", f"{P}/declarations/{d_usa}/items", None, frozenset({"usa"})),
        ("GET", f"{P}/declarations/{d_rus}/items", None, frozenset({"rus"})),
        (
            "POST",
            f"{T}/notifications",
            {"recipient": "RUS", "kind": "k"},
            frozenset({"usa", "rus"}),
        ),
        ("GET", f"{T}/notifications", None, frozenset({"usa", "rus"})),
        ("POST", f"{P}/notifications/{note_to_usa}/acknowledge", None, frozenset({"usa"})),
        (
            "POST",
            f"{T}/inspections",
            {"inspected_party": "RUS", "type": "type-two", "site": "RUS-base-2"},
            frozenset({"usa", "rus"}),
        ),
        ("GET", f"{T}/inspections", None, frozenset({"usa", "rus", "usa-insp", "rus-insp"})),
        ("GET", f"{P}/inspections/{insp}", None, frozenset({"usa", "rus", "usa-insp"})),
        (
            "POST",
            f"{P}/inspections/{insp}/schedule",
            {"arrival": "2026-02-01T00:00:00Z"},
            frozenset({"usa"}),
        ),
        ("POST", f"{P}/inspections/{insp}/start", None, frozenset({"rus"})),
        ("POST", f"{P}/inspections/{insp}/reveals", {"declaration_id": d_rus}, frozenset({"rus"})),
        ("GET", f"{P}/inspections/{insp}/reveals", None, frozenset({"rus", "usa-insp"})),
        ("GET", f"{T}/quotas", None, ALL),
        ("POST", f"{T}/observations", obs_body, ALL - {"op"}),
        ("GET", f"{T}/observations", None, ALL),
        ("GET", f"{T}/compliance?at=2025-12-31", None, ALL),
        ("GET", f"{T}/transparency", None, ALL),
        ("POST", f"{T}/zk-proofs", zk_proof, frozenset({"usa"})),
        ("GET", f"{T}/zk-proofs", None, ALL),
        ("GET", f"{P}/zk-proofs/1", None, ALL),
        ("GET", f"{P}/log", None, ALL),
        ("POST", f"{P}/log/checkpoints", None, frozenset({"op"})),
        ("GET", f"{P}/log/entries/0", None, ALL),
        ("GET", f"{P}/log/entries/0/proof", None, ALL),  # also without a token
        ("GET", f"{P}/log/audit", None, frozenset({"op"})),
        ("GET", f"{P}/audit-events", None, frozenset({"op"})),
        # Last: reporting ends the inspection, after which its inspectors lose their grant
        # (usa reports first, so usa-insp is then refused; test_inspection_flow covers it).
        ("POST", f"{P}/inspections/{insp}/report", {"findings": []}, frozenset({"usa"})),
        ("GET", f"{P}/inspections/{insp}/reveals", None, frozenset({"rus"})),
    ]


#: Which users may ever see which secret uid in a response body.
MAY_SEE = {
    "SECRET-USA-0001": {"usa", "rus-insp"},  # USA-base-1, revealed to RUS's granted inspector
    "SECRET-USA-0002": {"usa"},
    "SECRET-RUS-0001": {"rus", "usa-insp"},
    "SECRET-RUS-0002": {"rus"},
}


def test_every_role_on_every_endpoint_is_allowed_or_refused_with_a_reason(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    wrong: list[str] = []
    leaks: list[str] = []
    for method, path, body, allowed in _rows(world):
        for user in USERS:
            response = client.request(method, path, json=body, headers=world.auth(user))
            text = response.text
            if user in allowed:
                if response.status_code in (401, 403) or response.status_code >= 500:
                    wrong.append(f"{user} {method} {path}: {response.status_code} {text[:120]}")
            else:
                doc = response.json()
                if response.status_code != 403 or doc["error"] != "forbidden" or not doc["detail"]:
                    wrong.append(
                        f"{user} {method} {path}: expected 403, got {response.status_code}"
                    )
            for uid, who in MAY_SEE.items():
                if uid in text and user not in who:
                    leaks.append(f"{uid} shown to {user} by {method} {path}")
            if user in ("obs", "op") and "SECRET-" in text:
                leaks.append(f"an item shown to {user} by {method} {path}")
    assert not wrong, "\n".join(wrong)
    assert not leaks, "\n".join(leaks)


def test_the_matrix_covers_every_route_of_the_api(world_client: tuple[World, TestClient]) -> None:
    world, client = world_client
    spec = client.get(f"{P}/openapi.json").json()
    routes = {
        (method.upper(), path)
        for path, ops in spec["paths"].items()
        for method in ops
        if path != f"{P}/health"
    }
    covered = set()
    for method, path, _, _ in _rows(world):
        template = path.split("?")[0]
        for m, p in routes:
            parts, tparts = p.split("/"), template.split("/")
            if (
                m == method
                and len(parts) == len(tparts)
                and all(a == b or a.startswith("{") for a, b in zip(parts, tparts, strict=True))
            ):
                covered.add((m, p))
    assert routes - covered == set()


def test_reads_of_confidential_data_and_refusals_are_audited(
    world_client: tuple[World, TestClient],
) -> None:
    world, client = world_client
    d_usa = world.ids["decl-USA"]
    assert (
        client.get(f"{P}/declarations/{d_usa}/items", headers=world.auth("usa")).status_code == 200
    )
    assert (
        client.get(f"{P}/declarations/{d_usa}/items", headers=world.auth("obs")).status_code == 403
    )
    events = client.get(f"{P}/audit-events?limit=20", headers=world.auth("op")).json()["results"]
    seen = {(e["user"], e["action"], e["outcome"]) for e in events}
    assert ("usa", "declaration.items.read", "read") in seen
    assert ("obs", "declaration.items.read", "denied") in seen
    assert all("armsctl_" not in str(e) for e in events)


#: Text that only the parties involved may see: facility names (inspected sites and item
#: facilities) and the text of a notification sent to the other party.
FACILITIES = ("USA-base-1", "USA-base-2", "RUS-base-1", "RUS-base-2")
NOTES = ("private note from USA", "private note from RUS")


def test_no_facility_name_or_notification_text_reaches_an_observer_or_the_operator(
    world_client: tuple[World, TestClient],
) -> None:
    """Every log entry and every list or read endpoint, searched for confidential text."""
    world, client = world_client
    size = client.get(f"{P}/log", headers=world.auth("obs")).json()["size"]
    paths = [f"{P}/log/entries/{i}" for i in range(size)]
    paths += [path for method, path, _, _ in _rows(world) if method == "GET"]
    paths += [f"{P}/log", f"{T}/declarations?limit=500", f"{T}/observations?limit=500"]
    leaks: list[str] = []
    for user in ("obs", "op", "usa-insp", "rus-insp"):
        for path in paths:
            text = client.get(path, headers=world.auth(user)).text
            hidden = NOTES + (FACILITIES if user in ("obs", "op") else ())
            leaks += [
                f"{needle!r} shown to {user} by {path}" for needle in hidden if needle in text
            ]
            # Inspectors see their granted site's items (reveals), never the other facilities.
            if user == "usa-insp":
                leaks += [
                    f"{f!r} shown to usa-insp by {path}"
                    for f in FACILITIES[:2] + FACILITIES[3:]
                    if f in text
                ]
    for path in paths[:size]:  # the log, whoever reads it, names no facility and no note text
        text = client.get(path, headers=world.auth("usa")).text
        leaks += [f"{n!r} in the log at {path}" for n in FACILITIES + NOTES if n in text]
    assert not leaks, "\n".join(leaks)
