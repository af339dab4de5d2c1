"""The actors of the service tests' world and the API's decision for each (see conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass

from _world import NOW, World

from armsctl.access.authz import allow_for
from armsctl.service import Actor, Allow, Database

__all__ = ["NOW", "Env"]


@dataclass
class Env:
    """A world and its actors by user name (``op``, ``usa``, ``rus``, ``usa-insp``, ...)."""

    world: World
    actors: dict[str, Actor]

    @property
    def db(self) -> Database:
        db: Database = self.world.db
        return db

    def id(self, name: str) -> int:
        return int(self.world.ids[name])

    def allow(self, user: str, action: str) -> Allow:
        """The decision the API makes for ``user`` doing ``action`` (role x action table)."""
        return allow_for(self.actors[user], action)

    def new_actor(self, name: str, role: str, party: str | None = None) -> Actor:
        """Add a user (by the local operator) and return it as the shells would see it."""
        import os

        from armsctl.service.accounts import add_user, authenticate, issue_token

        treaty = "new-start" if party else None
        add_user(self.db, name=name, role=role, treaty=treaty, party=party, at=NOW)
        token = issue_token(self.db, user=name, at=NOW, rng=os.urandom).token
        actor = authenticate(self.db, token, at=NOW)
        assert actor is not None
        self.actors[name] = actor
        return actor
