"""A per-user cache of validated treaties, so that a command does not rebuild the schema per run.

Validating a treaty file means building the pydantic validator of the whole schema first, which
costs more than everything else ``armsctl check`` does at start-up. A command line runs once and
exits, so it would pay that price on every call. This cache keeps each validated ``Treaty`` in a
directory of the user's own (the CLI passes ``$XDG_CACHE_HOME/armsctl`` or ``~/.cache/armsctl``,
see ``armsctl.cli.main``), under a key that covers everything the result depends on:

- the exact text of the treaty file (any change of the file is another key);
- armsctl's version, the schema module's own bytes, pydantic's and pydantic-core's versions and
  Python's version: a result is never trusted across versions, or after an edit of the schema.

Entries are pickles of the validated model, which is why the directory must be private: it is
created ``0700``, and it is read only while it is a real directory owned by the user with no
group or other permissions, and each entry only while it is a regular file owned by the user that
no one else may write. Anything else (a shared, foreign or symlinked directory, an entry that
does not load, a key that does not match) is a miss: the file is validated again, as without a
cache. Writes go to a temporary file renamed into place, so a reader never sees half an entry.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from armsctl.treaty.schema import Treaty

__all__ = ["MAX_ENTRIES", "TreatyCache"]

MAX_ENTRIES = 64
"""Entries kept: the oldest go when a write passes this (a few kilobytes each)."""
_SUFFIX = ".treaty.pickle"


def _fingerprint() -> bytes:
    """What a validated treaty depends on besides its text: the code and versions that made it."""
    import pydantic
    import pydantic_core

    from armsctl import __version__
    from armsctl.treaty import schema

    digest = hashlib.sha256(b"armsctl treaty cache 1\0")
    for part in (__version__, pydantic.VERSION, pydantic_core.__version__, sys.version):
        digest.update(part.encode() + b"\0")
    digest.update(Path(schema.__file__).read_bytes())
    return digest.digest()


class TreatyCache:
    """Validated treaties in a user-private directory, keyed by text and versions."""

    def __init__(self, directory: Path) -> None:
        """Use ``directory`` (created ``0700`` on the first write if it does not exist)."""
        self.directory = directory
        self._fingerprint: bytes | None = None

    def key(self, text: str) -> str:
        """The entry name for a treaty file's ``text`` under the running code and versions."""
        if self._fingerprint is None:
            self._fingerprint = _fingerprint()
        return hashlib.sha256(self._fingerprint + text.encode("utf-8")).hexdigest()

    def _private(self) -> bool:
        """Whether the directory is a real directory of this user's that no one else can use."""
        try:
            info = os.lstat(self.directory)
        except OSError:
            return False
        return (
            stat.S_ISDIR(info.st_mode)
            and info.st_uid == os.getuid()
            and not info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)
        )

    def get(self, text: str) -> Treaty | None:
        """The cached treaty for ``text``, or None (absent, unsafe or unreadable: a miss)."""
        from armsctl.treaty.schema import Treaty

        if not hasattr(os, "getuid") or not self._private():
            return None
        key = self.key(text)
        try:
            fd = os.open(self.directory / f"{key}{_SUFFIX}", os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if (
                not stat.S_ISREG(info.st_mode)
                or info.st_uid != os.getuid()
                or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
            ):
                return None
            try:
                stored_key, treaty = pickle.load(
                    handle
                )  # the directory and file were checked above
            except Exception:  # any damaged entry is a miss, never an error
                return None
        if stored_key != key or not isinstance(treaty, Treaty):
            return None
        return treaty

    def put(self, text: str, treaty: Treaty) -> None:
        """Keep ``treaty`` as the result for ``text``; failures are ignored (the cache is optional)."""
        if not hasattr(os, "getuid"):
            return
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self._private():
                return
            key = self.key(text)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")  # created 0600
            try:
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump((key, treaty), handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, self.directory / f"{key}{_SUFFIX}")
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            self._prune()
        except (OSError, pickle.PicklingError):
            return

    def _prune(self) -> None:
        """Drop the oldest entries beyond ``MAX_ENTRIES``."""
        entries = sorted(self.directory.glob(f"*{_SUFFIX}"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-MAX_ENTRIES]:
            old.unlink(missing_ok=True)
