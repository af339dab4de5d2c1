"""Read treaty files: bundled ones by id, a user's own by path, with errors that name the key.

With ``ARMSCTL_CACHE_DIR`` set (the ``armsctl`` command sets it to the user's cache directory),
a validated treaty is kept there and found again by its exact text and the running versions, so
that a command does not rebuild the pydantic schema on every run (see ``armsctl.treaty._cache``).
The result is the same ``Treaty`` either way; invalid files are never cached.
"""

from __future__ import annotations

import functools
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from armsctl.errors import InputError, NotFoundError, Problem, TreatyFileError
from armsctl.textio import read_utf8
from armsctl.treaty._cache import TreatyCache

if TYPE_CHECKING:
    from armsctl.treaty.schema import Treaty

__all__ = [
    "CACHE_ENV",
    "bundled_ids",
    "bundled_treaty_ids",
    "load_treaty",
    "parse_treaty",
    "public_record_path",
]

_DATA = "armsctl.treaty.data"


def bundled_ids(package: str) -> list[str]:
    """Ids (file names without ``.toml``) of the TOML files shipped in ``package``, sorted.

    The bundled treaties here, and the exercise's bundled scenarios, are listed the same way.
    """
    files = resources.files(package)
    return sorted(p.name.removesuffix(".toml") for p in files.iterdir() if p.name.endswith(".toml"))


def bundled_treaty_ids() -> list[str]:
    """Ids of the treaties shipped with armsctl, sorted."""
    return bundled_ids(_DATA)


def load_treaty(id_or_path: str | Path) -> Treaty:
    """Load a bundled treaty by id, or a treaty file by path.

    A string that names an existing file is read as a path; otherwise it must be a bundled id.
    """
    path = Path(id_or_path)
    if path.suffix == ".toml" or path.is_file():
        if not path.is_file():
            raise NotFoundError(f"{path}: no such treaty file")
        try:
            text = read_utf8(path)
        except InputError as exc:
            raise TreatyFileError(exc.problems) from None
        return parse_treaty(text, where=str(path))
    return _bundled(str(id_or_path))


@functools.cache
def _bundled(treaty_id: str) -> Treaty:
    if treaty_id not in bundled_treaty_ids():
        known = ", ".join(bundled_treaty_ids())
        raise NotFoundError(
            f"unknown treaty {treaty_id!r} (bundled: {known}; or give a .toml path)"
        )
    text = resources.files(_DATA).joinpath(f"{treaty_id}.toml").read_text(encoding="utf-8")
    return parse_treaty(text, where=f"{treaty_id}.toml")


def public_record_path(treaty: Treaty) -> Path | None:
    """The bundled public declaration record of a treaty, if it ships one."""
    if treaty.public_record is None:
        return None
    resource = resources.files(_DATA).joinpath(treaty.public_record)
    return Path(str(resource))


CACHE_ENV = "ARMSCTL_CACHE_DIR"
"""The environment variable naming the directory of validated treaties (unset or empty: none)."""


@functools.cache
def _cache(directory: str) -> TreatyCache:
    return TreatyCache(Path(directory))


def parse_treaty(text: str, *, where: str = "<treaty>") -> Treaty:
    """Validate treaty TOML text, reporting every problem with its TOML key path."""
    directory = os.environ.get(CACHE_ENV)
    cache = _cache(directory) if directory else None
    if cache is not None and (cached := cache.get(text)) is not None:
        return cached
    treaty = _validate(text, where)
    if cache is not None:
        cache.put(text, treaty)
    return treaty


def _validate(text: str, where: str) -> Treaty:
    import tomllib

    from pydantic import ValidationError

    from armsctl.treaty.schema import Treaty
    from armsctl.validation import validation_problems

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TreatyFileError([Problem(where, "", f"not valid TOML: {exc}")]) from None
    try:
        return Treaty.model_validate(raw)
    except ValidationError as exc:
        raise TreatyFileError(validation_problems(exc, raw, where)) from None
