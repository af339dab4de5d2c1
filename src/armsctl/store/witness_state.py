"""A witness's state file: read strictly, replaced atomically, updated under a lock.

The file is JSON (``armsctl.ledger.witness.STATE_TYPE``). A missing file is an empty state, so a
new witness trusts its first checkpoint on first use. Saving writes a temporary file in the same
folder, flushes it to disk and renames it over the old one: a crash leaves the old state or the
new one, never a partial file. ``update`` holds a lock from reading to saving, so two requests
at once cannot roll the witness back (the race tlog-witness warns about).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from armsctl.errors import InputError, IntegrityError, Problem
from armsctl.ledger.witness import WitnessState
from armsctl.textio import parse_json

__all__ = ["WitnessStateFile"]

T = TypeVar("T")


class WitnessStateFile:
    """The state of one witness, kept in one JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def load(self) -> WitnessState:
        """Read the state; an absent file is the empty state.

        Raises:
            InputError: naming the file, and the line or field, when it is unreadable or
                malformed.
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return WitnessState()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError([Problem(str(self.path), "", f"cannot read state: {exc}")]) from None
        doc = parse_json(text, where=str(self.path))
        try:
            return WitnessState.from_json(doc)
        except IntegrityError as exc:
            raise InputError([Problem(str(self.path), "", str(exc))]) from None

    def save(self, state: WitnessState) -> None:
        """Replace the file with ``state`` atomically (temporary file, fsync, rename).

        Raises:
            InputError: if the folder cannot be written (the old file is left as it was).
        """
        folder = self.path.parent
        text = json.dumps(state.to_json(), indent=2) + "\n"
        tmp: str | None = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
            tmp = None
        except OSError as exc:
            raise InputError([Problem(str(self.path), "", f"cannot write state: {exc}")]) from None
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def update(self, decide: Callable[[WitnessState], tuple[WitnessState, T]]) -> T:
        """Read, decide and save under one lock; nothing is saved if ``decide`` raises."""
        with self._lock:
            state, result = decide(self.load())
            self.save(state)
            return result
