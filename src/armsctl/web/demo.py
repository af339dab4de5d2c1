"""Seed a server's store for the dashboard demo and the browser tests.

``seed_demo`` loads New START, registers both parties, submits the bundled public record of data
exchanges through the same use-cases the API uses, adds a synthetic item-level declaration
(real item lists are confidential), a few notifications, observations and an inspection,
publishes a zero-knowledge proof that RUS's (synthetic) deployed-warheads total is within 1,550,
creates one user per role, signs a checkpoint and returns the users' API tokens.

Each party registers an X25519 encryption key (``keys/USA.x25519.key``, ``keys/RUS.x25519.key``)
and the store keeps everything confidential sealed to the parties entitled to it: USA's
synthetic items (sealed in USA's client, as ``armsctl client submit --seal-to`` sends them), the
notification bodies, the inspection's site. The database file holds none of them in clear. Everything a party authors is
signed with that party's key, as a party's own client would
(the keys are generated here and written to ``workdir/keys``, mode 0600, so that ``armsctl
client ... --key`` works against the demo). The browser forms sign with the key file the user
picks (acknowledgements, notifications, inspection steps), and the declaration upload takes the
signed request a party's client writes (``armsctl client submit ... --key K --out FILE``); so
that a plain declaration file can still be uploaded in the demo, the demo server runs with party
signatures *not required* (``require_party_signatures=False``) and says so: see
``DEMO_SETTINGS_NOTE``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from armsctl.service import Actor, Database, allow_all
from armsctl.settings import Settings, load_signer

if TYPE_CHECKING:
    from armsctl.service.zk import ZkProofPublic

__all__ = ["DEMO_SETTINGS_NOTE", "DEMO_USERS", "seed_demo"]

#: What the demo tells its user about the one security default it turns off.
DEMO_SETTINGS_NOTE = (
    "demo only: party signatures are NOT required on this server, so that a plain declaration "
    "file can be uploaded on the web; the web forms sign in the browser with the party's key "
    "file (keys/NAME.key), the upload also takes a signed request (armsctl client submit ... "
    "--key NAME.key --out FILE), the seeded entries are party-signed, and a real server "
    "requires signatures"
)

TREATY = "new-start"
#: (user name, role, party) for each demo user.
DEMO_USERS: tuple[tuple[str, str, str | None], ...] = (
    ("usa-office", "party", "USA"),
    ("rus-office", "party", "RUS"),
    ("inspector-1", "inspector", "USA"),
    ("observer", "observer", None),
    ("operator", "operator", None),
)
ITEM_DATES = (dt.date(2024, 3, 1), dt.date(2024, 9, 1))


def _database(engine_or_settings: Any, workdir: Path) -> Database:
    if isinstance(engine_or_settings, Database):
        return engine_or_settings
    if isinstance(engine_or_settings, Settings):
        settings = engine_or_settings
    elif isinstance(engine_or_settings, str):
        settings = Settings(database_url=engine_or_settings)
    else:  # a SQLAlchemy engine
        settings = Settings(database_url=engine_or_settings.url.render_as_string(False))
    return Database(settings.database_url, load_signer(settings))


def _write_key(path: Path, text: str) -> None:
    """Write a private key readable by its owner only (replacing a stale demo key)."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _record(treaty: Any) -> list[Any]:
    from armsctl.inventory.io import read_declarations
    from armsctl.treaty import public_record_path

    path = public_record_path(treaty)
    assert path is not None
    return read_declarations([path], treaty).declarations


def _publish_zk_demo(
    db: Database, actor: Actor, now: dt.datetime, rng: Callable[[int], bytes], signer: Any
) -> ZkProofPublic:
    """RUS proves its synthetic per-site warhead counts total at most 1,550 and publishes it.

    The proof is signed by RUS and labelled synthetic (``DEMO_NOTE``) in its log entry, so the
    API, the log and the portal all say the figures behind it are invented.
    """
    from armsctl.service.zk import publish_proof, zk_proof_entry
    from armsctl.zk import commit_sites, prove
    from armsctl.zk.demo import DEMO_AS_OF, DEMO_LIMIT, DEMO_NOTE, DEMO_PARTY, DEMO_SITES
    from armsctl.zk.limits import context_for

    with db.read() as session:
        doc = db.treaty(session, TREATY)
    context = context_for(doc, limit=DEMO_LIMIT, party=DEMO_PARTY, as_of=DEMO_AS_OF)
    document = prove(context, commit_sites(DEMO_SITES, rng), rng).to_json()
    signed = zk_proof_entry(
        treaty=TREATY, party=DEMO_PARTY, document=document, at=now, note=DEMO_NOTE
    ).seal_b64(signer)
    return publish_proof(
        db,
        actor,
        treaty=TREATY,
        document=document,
        allow=allow_all,
        at=now,
        signed_entry=signed,
        require_signature=True,
        note=DEMO_NOTE,
    )


def seed_demo(
    engine_or_settings: Any,
    workdir: Path,
    *,
    at: dt.datetime | None = None,
    rng: Callable[[int], bytes] = os.urandom,
    items: int = 400,
) -> dict[str, Any]:
    """Fill an empty store with the demo data; return ``{"tokens": {user: token}, ...}``.

    Args:
        engine_or_settings: ``Settings``, a ``Database``, a database URL or a SQLAlchemy engine.
        workdir: Where the synthetic item file and the tokens file are written.
        at: Now (default: the clock).
        rng: Cryptographic random bytes for keys, salts and token secrets.
        items: How many synthetic items the item-level declaration holds per date.
    """
    from armsctl.inventory.io import write_items
    from armsctl.inventory.model import component_measure
    from armsctl.inventory.synthetic import generate_items
    from armsctl.ledger.note import SignerKey
    from armsctl.ledger.sealing import SealingKey
    from armsctl.service import accounts, declarations, inspections, notifications, observations
    from armsctl.service.log import sign_checkpoint
    from armsctl.store.schema import upgrade

    now = at or dt.datetime.now(dt.UTC)
    workdir.mkdir(parents=True, exist_ok=True)
    db = _database(engine_or_settings, workdir)
    upgrade(db.engine)
    accounts.load_treaty(db, TREATY, at=now)
    with db.read() as session:
        doc = db.treaty(session, TREATY)
    from armsctl.service.entries import (
        Draft,
        declaration_entry,
        inspection_request_entry,
        notification_entry,
    )
    from armsctl.service.treaty_dates import history_marked
    from armsctl.treaty.validity import treaty_date_refusal

    # New START expired on 2026-02-05: run later, the demo's notifications and inspection
    # request are entered as history (the flag is in their log entries), as the server requires.
    history = (
        treaty_date_refusal(doc, now.date(), parties=("USA", "RUS"), field="at", what="now")
        is not None
    )
    # Entered as history, the inspection takes a quota year the treaty had (its last).
    expiry = doc.expiry_on()
    quota_year = (
        min(now.year, (expiry - dt.timedelta(days=1)).year)
        if history and expiry is not None
        else now.year
    )

    signers: dict[str, SignerKey] = {}
    sealers: dict[str, SealingKey] = {}
    (workdir / "keys").mkdir(exist_ok=True)
    for code, name in (("USA", "United States of America"), ("RUS", "Russian Federation")):
        signers[code] = SignerKey.generate(f"{code.lower()}.new-start", seed=rng(32))
        _write_key(workdir / "keys" / f"{code}.key", str(signers[code]) + "\n")
        (workdir / "keys" / f"{code}.pub").write_text(
            str(signers[code].verifier()) + "\n", encoding="utf-8"
        )
        sealers[code] = SealingKey.generate(rng(32))
        _write_key(workdir / "keys" / f"{code}.x25519.key", str(sealers[code]) + "\n")
        (workdir / "keys" / f"{code}.x25519.pub").write_text(
            str(sealers[code].public()) + "\n", "utf-8"
        )
        key = signers[code].verifier()
        accounts.register_party(
            db,
            treaty=TREATY,
            code=code,
            name=name,
            key=str(key),
            encryption_key=str(sealers[code].public()),
            at=now,
        )
    actors: dict[str, Actor] = {}
    tokens: dict[str, str] = {}
    for user, role, party in DEMO_USERS:
        accounts.add_user(
            db, name=user, role=role, treaty=TREATY if party else None, party=party, at=now
        )
        token = accounts.issue_token(db, user=user, at=now, days=365, rng=rng).token
        tokens[user] = token
        actor = accounts.authenticate(db, token, at=now)
        assert actor is not None
        actors[user] = actor
    office = {"USA": actors["usa-office"], "RUS": actors["rus-office"]}

    def signed(entry: Draft, party: str) -> str:
        """``entry`` signed by ``party``'s key, as its client would; history when run late."""
        return history_marked(entry, history).seal_b64(signers[party])

    submitted = 0
    for decl in sorted(_record(doc), key=lambda d: (d.as_of, d.party)):
        figures = {k: int(v.value) for k, v in decl.limits.items()}
        figures.update({component_measure(k): int(v.value) for k, v in decl.components.items()})
        figures = {} if decl.status == "not-provided" else figures
        # The request and the entry its party signs must say the same: each is said once.
        aggregate: dict[str, Any] = {
            "treaty": TREATY,
            "party": decl.party,
            "as_of": decl.as_of,
            "figures": figures,
            "status": decl.status,
            "at": now,
        }
        declarations.submit_aggregate(
            db,
            office[decl.party],
            **aggregate,
            note=decl.note or "bundled public record",
            allow=allow_all,
            signed_entry=declaration_entry(**aggregate).seal_b64(signers[decl.party]),
            require_signature=True,
        )
        submitted += 1
    sealing = sealers["USA"]
    item_file = write_items(
        workdir / "usa-items.parquet",
        generate_items(2 * items, parties=("USA",), dates=ITEM_DATES, seed=7),
    )
    import pyarrow.parquet as pq

    rows = pq.read_table(item_file).to_pylist()
    for day in ITEM_DATES:
        chosen = [
            {k: v for k, v in r.items() if k not in ("party", "as_of")}
            for r in rows
            if r["as_of"] == day
        ]
        declarations.submit_sealed_items(
            db,
            office["USA"],
            treaty=TREATY,
            party="USA",
            as_of=day,
            note="synthetic item-level declaration (not real data), sealed to USA",
            allow=allow_all,
            at=now,
            require_signature=True,
            **declarations.seal_items(
                signers["USA"],
                sealing.public(),
                declarations.ClientItems(treaty=doc, party="USA", as_of=day, items=chosen, at=now),
                rng=rng,
            ),
        )
        submitted += 1
    sent = []
    for sender, recipient, kind, body in (
        ("USA", "RUS", "movement", {"uid": "U12", "from_facility": "F1", "to_facility": "F9"}),
        ("RUS", "USA", "change-in-data", {"uid": "R7", "category": "icbm-launcher"}),
        ("RUS", "USA", "conversion-elimination", {"uid": "R9", "procedure": "elimination"}),
        ("USA", None, "six-monthly-update", {"as_of": "2024-09-01"}),
    ):
        event = now - dt.timedelta(days=2 if kind != "conversion-elimination" else 9)
        message = {**body, "event_time": event.isoformat()}
        salt = rng(32)
        notice: dict[str, Any] = {
            "treaty": TREATY,
            "sender": sender,
            "recipient": recipient,
            "kind": kind,
            "body": message,
            "at": now,
        }
        sent.append(
            notifications.submit_notification(
                db,
                office[sender],
                **notice,
                allow=allow_all,
                body_salt=salt.hex(),
                signed_entry=signed(notification_entry(**notice, salt=salt), sender),
                require_signature=True,
                recording_history=history,
            )
        )
    for i, (site, category, declared, observed) in enumerate(
        (
            ("F3", "icbm-launcher", 10, 10),
            ("F3", "icbm-launcher", 10, 12),
            ("F7", "heavy-bomber", 6, 5),
            ("F9", "slbm-launcher", 24, 24),
        )
    ):
        observations.record_observation(
            db,
            actors["observer"],
            treaty=TREATY,
            subject="USA",
            source="satellite" if i % 2 == 0 else "open-source",
            observed_at=now - dt.timedelta(days=30 - 7 * i),
            body={"site": site, "category": category, "declared": declared, "observed": observed},
            allow=allow_all,
            at=now,
        )
    salt = rng(32)
    request: dict[str, Any] = {
        "treaty": TREATY,
        "inspecting": "RUS",
        "inspected": "USA",
        "quota_id": "type-one",
        "year": quota_year,
        "at": now,
    }
    inspection = inspections.request_inspection(
        db,
        office["RUS"],
        **request,
        site="F3",
        inspectors=[],
        allow=allow_all,
        site_salt=salt.hex(),
        signed_entry=signed(
            inspection_request_entry(
                **request, site_commitment=inspections.site_commitment(salt, "F3")
            ),
            "RUS",
        ),
        require_signature=True,
        recording_history=history,
    )
    zk_proof = _publish_zk_demo(db, office["RUS"], now, rng, signers["RUS"])
    checkpoint = sign_checkpoint(db)
    (workdir / "tokens.txt").write_text(
        "".join(f"{user}\t{token}\n" for user, token in tokens.items()), encoding="utf-8"
    )
    os.chmod(workdir / "tokens.txt", 0o600)
    digest = hashlib.sha256(checkpoint.checkpoint.encode()).hexdigest()[:16]
    return {
        "treaty": TREATY,
        "tokens": tokens,
        "declarations": submitted,
        "notifications": [n.id for n in sent],
        "inspection": inspection.id,
        "zk_proof": zk_proof.id,
        "log_size": checkpoint.size,
        "checkpoint_sha256": digest,
        "tokens_file": str(workdir / "tokens.txt"),
        "keys_dir": str(workdir / "keys"),
        "note": DEMO_SETTINGS_NOTE,
    }
