"""A small two-party world on a fresh database, shared by the API, service and store tests.

``fresh_database(url)`` migrates an empty database; on PostgreSQL each call makes its own schema
(``t_<random>``, reached through ``search_path`` in the URL) and ``drop`` removes it, so runs in
parallel on one server never collide.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from armsctl.ledger.escrow import reveal_items
from armsctl.ledger.note import SignerKey
from armsctl.ledger.sealing import SealingKey, open_private, open_rows, open_value
from armsctl.service import Database, accounts, allow_all, declarations, inspections, notifications
from armsctl.service._base import LOCAL
from armsctl.service.entries import (
    content_commitment,
    inspection_request_entry,
    inspection_step_entry,
    notification_entry,
    reveal_entry,
)
from armsctl.service.records import Record
from armsctl.store.engine import make_engine
from armsctl.store.schema import upgrade
from armsctl.treaty.loader import load_treaty

NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def postgres_for(kind: str, request: pytest.FixtureRequest) -> str | None:
    """The PostgreSQL URL for a ``postgres`` param (skips when none is configured)."""
    if kind == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return None


LOG_KEY = SignerKey.generate("test.armsctl/log", seed=bytes(range(32)))
PARTY_KEYS = {
    code: SignerKey.generate(code, seed=bytes([i + 1]) * 32)
    for i, code in enumerate(("USA", "RUS"))
}
#: Each party's X25519 encryption key: the store seals its items, bodies and records to it.
SEALING_KEYS = {
    code: SealingKey.generate(bytes([i + 11]) * 32) for i, code in enumerate(("USA", "RUS"))
}
SECRET_UIDS = ("SECRET-USA-0001", "SECRET-USA-0002", "SECRET-RUS-0001", "SECRET-RUS-0002")


def counter_rng(seed: int = 7) -> Callable[[int], bytes]:
    state = [seed]

    def rng(n: int) -> bytes:
        state[0] += 1
        return (state[0].to_bytes(8, "big") * (n // 8 + 1))[:n]

    return rng


@contextmanager
def fresh_url(kind: str, postgres_url: str | None, tmp_path: Any) -> Iterator[str]:
    """A URL to an empty database: a SQLite file, or a new PostgreSQL schema."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'armsctl-{uuid.uuid4().hex[:6]}.db'}"
        return
    assert postgres_url
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in postgres_url else "?"
    try:
        yield f"{postgres_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def fresh_database(url: str) -> Database:
    db = Database(url, LOG_KEY)
    upgrade(db.engine)
    return db


def items(party: str, facility: str, n: int, prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "uid": f"{prefix}-{i:04d}",
            "category": "icbm-launcher",
            "status": "deployed",
            "facility": facility,
            "warheads": 1,
        }
        for i in range(1, n + 1)
    ]


def signed_items(
    code: str, as_of: dt.date, records: list[dict[str, Any]], rng: Callable[[int], bytes]
) -> dict[str, Any]:
    """What a party's client sends with its items: the salts it drew and its signed entry."""
    submission = declarations.ClientItems(
        treaty=load_treaty("new-start"), party=code, as_of=as_of, items=records, at=NOW
    )
    return declarations.sign_items(PARTY_KEYS[code], submission, rng=rng)


def open_items(db: Database, declaration_id: int, code: str) -> dict[str, Any]:
    """The party's opening of its own declaration, as its client decrypts it."""
    decl = declarations.get_declaration(db, declaration_id=declaration_id)
    rows = declarations.read_items(
        db, LOCAL, declaration_id=declaration_id, allow=allow_all, limit=10**6, at=NOW
    ).results
    sealed = {
        **rows[0].to_json_dict()["sealed"],
        "rows": [{"index": r.index, "ciphertext": r.ciphertext} for r in rows],
    }
    context = {"party": code, "treaty": decl.treaty, "date": decl.as_of}
    key = SEALING_KEYS[code]
    return {
        "public": decl.commitment,
        "items": open_rows(sealed, key=key, **context),
        **open_private(sealed, key=key, **context),
    }


def opened(view: dict[str, Any] | Record, code: str) -> Any:
    """A party's copy of content sealed at rest, opened with its key: ``{"value", "salt"}``.

    ``view`` is the reader's copy as served: JSON, or the record a use-case returned.
    """
    served = view.to_json_dict() if isinstance(view, Record) else view
    return open_value(served, reader=code, key=SEALING_KEYS[code])


@dataclass
class World:
    """Users and tokens for every role, two parties, declarations and an inspection."""

    db: Database
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}


USERS = (
    ("op", "operator", None),
    ("usa", "party", "USA"),
    ("rus", "party", "RUS"),
    ("usa-insp", "inspector", "USA"),
    ("rus-insp", "inspector", "RUS"),
    ("obs", "observer", None),
)


def build_world(db: Database, *, with_inspection: bool = True) -> World:
    rng = counter_rng()
    world = World(db)
    accounts.load_treaty(db, "new-start", at=NOW)
    for code, key in PARTY_KEYS.items():
        accounts.register_party(
            db,
            treaty="new-start",
            code=code,
            name=code,
            key=str(key.verifier()),
            encryption_key=str(SEALING_KEYS[code].public()),
            at=NOW,
        )
    actors = {}
    for name, role, party in USERS:
        accounts.add_user(
            db,
            name=name,
            role=role,
            treaty="new-start" if party else None,
            party=party,
            at=NOW,
        )
        world.tokens[name] = accounts.issue_token(
            db, user=name, at=NOW, days=3650, rng=os.urandom
        ).token
        actors[name] = accounts.authenticate(db, world.tokens[name], at=NOW)
    for code, user in (("USA", "usa"), ("RUS", "rus")):
        records = [
            {
                "uid": f"SECRET-{code}-0001",
                "category": "icbm-launcher",
                "status": "deployed",
                "facility": f"{code}-base-1",
                "warheads": 1,
            },
            {
                "uid": f"SECRET-{code}-0002",
                "category": "heavy-bomber",
                "status": "deployed",
                "facility": f"{code}-base-2",
                "warheads": 1,
            },
        ]
        decl = declarations.submit_items(
            db,
            actors[user],
            treaty="new-start",
            party=code,
            as_of=dt.date(2025, 9, 1),
            items=records,
            allow=allow_all,
            rng=rng,
            at=NOW,
            require_signature=True,
            **signed_items(code, dt.date(2025, 9, 1), records, rng),
        )
        world.ids[f"decl-{code}"] = decl.id
        to = "RUS" if code == "USA" else "USA"
        body = {"text": f"private note from {code}"}
        salt = rng(32)
        note = notifications.submit_notification(
            db,
            actors[user],
            treaty="new-start",
            sender=code,
            recipient=to,
            kind="status-change",
            body=body,
            allow=allow_all,
            at=NOW,
            body_salt=salt.hex(),
            signed_entry=notification_entry(
                treaty="new-start",
                sender=code,
                recipient=to,
                kind="status-change",
                body=body,
                salt=salt,
                at=NOW,
            ).seal_b64(PARTY_KEYS[code]),
            require_signature=True,
        )
        world.ids[f"note-from-{code}"] = note.id
    if with_inspection:
        for inspecting, inspected, user, insp in (
            ("USA", "RUS", "usa", "usa-insp"),
            ("RUS", "USA", "rus", "rus-insp"),
        ):
            site = f"{inspected}-base-1"
            salt = salt_of_site = rng(32)
            commitment = inspections.site_commitment(salt, site)
            row = inspections.request_inspection(
                db,
                actors[user],
                treaty="new-start",
                inspecting=inspecting,
                inspected=inspected,
                quota_id="type-one",
                site=site,
                inspectors=[insp],
                allow=allow_all,
                at=NOW,
                site_salt=salt.hex(),
                signed_entry=inspection_request_entry(
                    treaty="new-start",
                    inspecting=inspecting,
                    inspected=inspected,
                    quota_id="type-one",
                    year=NOW.year,
                    site_commitment=commitment,
                    at=NOW,
                ).seal_b64(PARTY_KEYS[inspecting]),
                require_signature=True,
            )
            iid = row.id
            world.ids[f"insp-by-{inspecting}"] = iid

            def step(kind: str, state: str, party: str, **commitments: str) -> str:
                return inspection_step_entry(
                    kind=kind,
                    treaty="new-start",
                    party=party,
                    inspection=iid,  # noqa: B023 - used at once, in this iteration
                    state=state,
                    at=NOW,
                    **commitments,
                ).seal_b64(PARTY_KEYS[party])

            salt = rng(32)
            inspections.schedule_inspection(
                db,
                LOCAL,
                inspection_id=iid,
                arrival=NOW,
                allow=allow_all,
                at=NOW,
                arrival_salt=salt.hex(),
                signed_entry=step(
                    "inspection-notified",
                    "notified",
                    inspecting,
                    arrival_commitment=content_commitment(salt, NOW.isoformat()),
                ),
                require_signature=True,
            )
            inspections.start_inspection(
                db,
                LOCAL,
                inspection_id=iid,
                allow=allow_all,
                at=NOW,
                signed_entry=step("inspection-started", "in-progress", inspected),
                require_signature=True,
            )
            # The inspected party's client opens its sealed items and reveals the site.
            opening = open_items(db, world.ids[f"decl-{inspected}"], inspected)
            inspections.reveal_site(
                db,
                LOCAL,
                inspection_id=iid,
                declaration_id=world.ids[f"decl-{inspected}"],
                allow=allow_all,
                at=NOW,
                reveal=reveal_items(opening, facility=site),
                site_salt=salt_of_site.hex(),
                signed_entry=reveal_entry(
                    treaty="new-start",
                    party=inspected,
                    inspection=iid,
                    declaration=world.ids[f"decl-{inspected}"],
                    site_commitment=commitment,
                    at=NOW,
                ).seal_b64(PARTY_KEYS[inspected]),
                require_signature=True,
            )
    return world
