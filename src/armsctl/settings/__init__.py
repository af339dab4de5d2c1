"""Server settings, read from ``ARMSCTL_*`` environment variables by a factory.

Nothing is read at import time: ``Settings()`` is built by the CLI or a test and handed to
``create_app``. Outside development the settings refuse an implicit log key: a production
server must be told which key seals its log.

Two readers of the same variables. ``Settings`` (``armsctl.settings.model``, imported when the
name is first read) is every server setting, read and checked by pydantic-settings, for the
server. ``KeySettings.from_env()`` reads only the four that open the database and its log key
(the database, the environment, the key file and the log's name), for the local commands
(``armsctl users list``, ``armsctl db upgrade``): pydantic-settings would cost each of them
more start-up time than all they do but SQLAlchemy. Both take the variables' names (the
prefix and the field's name, in any case), their defaults and their refusals from this module,
and the tests show that the two readers agree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from armsctl import lazy_exports
from armsctl.errors import IntegrityError, ParameterError
from armsctl.ledger.note import SignerKey
from armsctl.store.engine import DEFAULT_DATABASE

if TYPE_CHECKING:
    from armsctl.settings.model import Settings

__all__ = [
    "DEFAULT_DATABASE_URL",
    "DEFAULT_ENVIRONMENT",
    "DEFAULT_LOG_NAME",
    "ENVIRONMENTS",
    "ENV_PREFIX",
    "Environment",
    "KeySettings",
    "Settings",
    "insecure",
    "key_path",
    "load_signer",
]

#: Every setting ``NAME`` is the variable ``ARMSCTL_NAME`` (in any case, as pydantic-settings
#: reads it).
ENV_PREFIX = "ARMSCTL_"
Environment = Literal["development", "production"]
ENVIRONMENTS: tuple[str, ...] = get_args(Environment)
DEFAULT_ENVIRONMENT: Environment = "development"
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_DATABASE}"
DEFAULT_LOG_NAME = "armsctl.local/log"


def insecure(environment: str, log_key_file: Path | None) -> str | None:
    """Why these settings are refused outside development, or ``None``."""
    if environment == "production" and log_key_file is None:
        return f"production needs {ENV_PREFIX}LOG_KEY_FILE (the log's private key)"
    return None


def key_path(database_url: str, log_key_file: Path | None) -> Path:
    """Where the log key lives: the setting, else beside the SQLite file, else here."""
    if log_key_file is not None:
        return log_key_file
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        db = Path(database_url.removeprefix("sqlite:///"))
        return db.with_name(db.name + ".log.key")
    return Path("armsctl-log.key")


@dataclass(frozen=True, slots=True)
class KeySettings:
    """The settings that open the database and its log key: ``Settings``'s fields of these names.

    Built by ``from_env``, which reads them as ``Settings`` does (same variables, defaults and
    refusals) without pydantic-settings.
    """

    database_url: str = DEFAULT_DATABASE_URL
    environment: Environment = DEFAULT_ENVIRONMENT
    log_key_file: Path | None = None
    log_name: str = DEFAULT_LOG_NAME

    def __post_init__(self) -> None:
        if self.environment not in ENVIRONMENTS:
            allowed = " or ".join(repr(e) for e in ENVIRONMENTS)
            raise ParameterError(
                f"{ENV_PREFIX}ENVIRONMENT must be {allowed}, not {self.environment!r}"
            )
        problem = insecure(self.environment, self.log_key_file)
        if problem is not None:
            raise ParameterError(problem)

    @classmethod
    def from_env(
        cls, *, database_url: str | None = None, environ: Mapping[str, str] | None = None
    ) -> KeySettings:
        """Read the variables from ``environ`` (default: the process's); ``database_url`` wins.

        Raises:
            ParameterError: an environment that is not one of ``Environment``, or production
                without a key file.
        """
        # Names in any case, the last of two spellings winning, as pydantic-settings reads them.
        env = {k.lower(): v for k, v in (os.environ if environ is None else environ).items()}

        def var(name: str) -> str:
            return f"{ENV_PREFIX}{name}".lower()

        key_file = env.get(var("log_key_file"))
        return cls(
            database_url=env.get(var("database_url"), DEFAULT_DATABASE_URL)
            if database_url is None
            else database_url,
            environment=env.get(var("environment"), DEFAULT_ENVIRONMENT),  # type: ignore[arg-type]
            log_key_file=None if key_file is None else Path(key_file),
            log_name=env.get(var("log_name"), DEFAULT_LOG_NAME),
        )

    def key_path(self) -> Path:
        """Where the log key lives (``key_path``)."""
        return key_path(self.database_url, self.log_key_file)


def load_signer(settings: KeySettings | Settings) -> SignerKey:
    """Read the log key; in development create it (mode 0600) the first time.

    Raises:
        ParameterError: the key file is a folder (an empty ``LOG_KEY_FILE`` names this one),
            cannot be read, does not hold a signer key, or is missing outside development.
    """
    path = settings.key_path()
    if path.is_dir():
        raise ParameterError(f"log key file {str(path)!r} is a folder, not a key file")
    if path.exists():
        return _read_signer(path)
    if settings.environment != "development":
        raise ParameterError(f"log key file {path} does not exist")
    signer = SignerKey.generate(settings.log_name, seed=os.urandom(32))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return _read_signer(path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(str(signer) + "\n")
    return signer


def _read_signer(path: Path) -> SignerKey:
    """The signer key in ``path``, or one clear error naming the file."""
    try:
        return SignerKey.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, IntegrityError) as error:
        raise ParameterError(f"log key file {path}: {error}") from error


# ``Settings`` (pydantic-settings) is imported from its module when first read.
lazy_exports(__name__)
