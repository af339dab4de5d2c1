"""Slow views prepared at start-up, in the background, so the first request is not the slow one.

A fresh server used to pay on its first page view for what no request needs to wait for: the
statistics library behind the anomaly checks (about a second and a half to import), the
template compilation, and views built from every stored declaration (history, compliance,
anomaly flags). ``Preparation.start`` runs at the server's start-up: it pays the fixed costs
(imports, templates, ORM set-up) before the first connection is accepted and builds the views
in one background thread. Until it has finished, a page that needs a view not ready yet says so ("being
prepared") instead of making the request wait; the flags are then shown on the next load.
Afterwards views are computed on demand, as before (they are cached per store version).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from armsctl.service import Database
from armsctl.web._base import ViewCache

__all__ = ["Preparation", "anomaly_flags"]

log = logging.getLogger("armsctl.web")


class Preparation:
    """The start-up preparation of one app: a thread, and an event set when it is done."""

    def __init__(
        self,
        db: Database,
        cache: ViewCache,
        env: Any,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.db, self.cache, self.env, self.clock = db, cache, env, clock
        self.done = threading.Event()
        self._thread: threading.Thread | None = None
        #: What stopped the preparation, if anything (the views are then built on demand).
        self.failure: Exception | None = None

    def start(self) -> None:
        """The server's start-up: the fixed costs now, the views in a background thread.

        Imports and templates cost the same whatever the store holds, so they are paid before
        the server accepts its first connection (uvicorn waits for start-up handlers); the
        views grow with the store, so they are built behind the first requests.
        """
        self._warm()
        self._thread = threading.Thread(target=self._run, name="armsctl-prepare", daemon=True)
        self._thread.start()

    def _warm(self) -> None:
        try:
            import scipy.stats  # noqa: F401  (the monitoring page's CUSUM run lengths: slow import)
            from sqlalchemy.orm import configure_mappers

            configure_mappers()
            for name in self.env.list_templates(extensions=["html"]):
                self.env.get_template(name)
        except Exception:  # then they are paid on demand, as before
            log.exception("warming up at start-up failed")

    @property
    def preparing(self) -> bool:
        """Started (by the server's start-up) and not finished yet."""
        return self._thread is not None and not self.done.is_set()

    def _run(self) -> None:
        try:
            self._prepare()
        except Exception as exc:  # a view that fails here fails again, with its error, on demand
            self.failure = exc
            log.exception("preparing the views at start-up failed; they are built on demand")
        finally:
            self.done.set()

    def _prepare(self) -> None:
        from armsctl.web import views

        for treaty in views.treaty_ids(self.db, self.cache):
            treaty_id = treaty.id
            anomaly_flags(self.db, self.cache, treaty_id, self)
            views.compliance_view(
                self.db, self.cache, treaty=treaty_id, at=None, today=self.clock().date()
            )
            views.history_view(self.db, self.cache, treaty=treaty_id)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the preparation (tests); whether it has finished."""
        return self.done.wait(timeout)


def anomaly_flags(
    db: Database, cache: ViewCache, treaty: str, preparation: Preparation | None
) -> list[dict[str, Any]] | None:
    """The anomaly flags of a treaty's declarations, cached per declarations version.

    ``None`` while the start-up preparation is still running and the flags are not ready (the
    page says they are being prepared); computed on demand once it has finished.
    """
    from armsctl.service.dashboard import declarations_version
    from armsctl.web import views

    key = ("flags", treaty, declarations_version(db, treaty=treaty))
    found: list[dict[str, Any]] | None = cache.peek(key)
    if found is not None:
        return found
    on_thread = threading.current_thread().name == "armsctl-prepare"
    if preparation is not None and preparation.preparing and not on_thread:
        return None

    def compute() -> list[dict[str, Any]]:
        from armsctl.monitoring import detect

        return [f.to_dict() for f in detect(views.declarations_for(db, cache, treaty))]

    return cache.get(key, compute)  # type: ignore[no-any-return]
