"""Typed server settings, read from ``ARMSCTL_*`` environment variables by a factory.

Nothing is read at import time: ``Settings()`` is built by the CLI or a test and handed to
``create_app``. Outside development the settings refuse an implicit log key: a production
server must be told which key seals its log.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from armsctl.errors import ParameterError
from armsctl.ledger.note import SignerKey

__all__ = ["Settings", "load_signer"]


class Settings(BaseSettings):
    """Server settings; every field can be set as ``ARMSCTL_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ARMSCTL_", extra="ignore")

    database_url: str = Field("sqlite:///armsctl.db", description="SQLAlchemy URL of the store.")
    environment: Literal["development", "production"] = Field(
        "development", description="production refuses insecure defaults."
    )
    log_key_file: Path | None = Field(
        None, description="The log's Ed25519 private key (C2SP signer key string)."
    )
    log_name: str = Field("armsctl.local/log", description="Origin line of new checkpoints.")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Largest request body accepted.")
    max_upload_bytes: int = Field(
        64 * 1_048_576,
        ge=1024,
        description="Largest declaration file accepted by the uploads (the web form and "
        "POST /treaties/{treaty}/declarations/file); every other body has max_body_bytes.",
    )
    max_page: int = Field(500, ge=1, description="Largest page a list endpoint returns.")
    token_days: int = Field(90, ge=1, le=3650, description="Default token lifetime.")
    token_cache_seconds: float = Field(
        2.0,
        ge=0,
        le=60,
        description="On PostgreSQL, the longest a verified token is trusted from memory before "
        "revocations are checked again, the bound while the worker's NOTIFY listener is not "
        "connected (with it, and on SQLite, a revocation is seen at once); 0: every request.",
    )
    witnesses: str = Field(
        "",
        description="Witnesses each new checkpoint is submitted to (c2sp.org/tlog-witness): "
        "entries '<url> <cosignature key or file>', separated by commas or newlines.",
    )
    witness_timeout: float = Field(5.0, gt=0, le=120, description="Seconds per witness call.")
    require_party_signatures: bool = Field(
        True,
        description="Refuse anything a party authors (declarations, notifications, "
        "acknowledgements, its observations, inspection requests, steps, reveals and reports) "
        "unless it carries the party's own signed log entry (signed_entry); off (the demo "
        "only), the server seals them (operator-attested).",
    )

    @model_validator(mode="after")
    def _secure_outside_development(self) -> Settings:
        if self.environment == "production" and self.log_key_file is None:
            raise ValueError("production needs ARMSCTL_LOG_KEY_FILE (the log's private key)")
        return self

    def key_path(self) -> Path:
        """Where the log key lives: the setting, else beside the SQLite file, else here."""
        if self.log_key_file is not None:
            return self.log_key_file
        if self.database_url.startswith("sqlite:///") and self.database_url != "sqlite:///:memory:":
            db = Path(self.database_url.removeprefix("sqlite:///"))
            return db.with_name(db.name + ".log.key")
        return Path("armsctl-log.key")


def load_signer(settings: Settings) -> SignerKey:
    """Read the log key; in development create it (mode 0600) the first time."""
    path = settings.key_path()
    if path.exists():
        return SignerKey.parse(path.read_text(encoding="utf-8"))
    if settings.environment != "development":
        raise ParameterError(f"log key file {path} does not exist")
    signer = SignerKey.generate(settings.log_name, seed=os.urandom(32))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return SignerKey.parse(path.read_text(encoding="utf-8"))
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(str(signer) + "\n")
    return signer
