"""Every server setting, read from ``ARMSCTL_*`` variables by pydantic-settings.

Read as ``armsctl.settings.Settings``: this module is imported when that name is first read.
The names, defaults and refusals of the settings that open the database and its log key are
``armsctl.settings``'s, which ``KeySettings`` reads the same way without pydantic-settings.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from armsctl.settings import (
    DEFAULT_DATABASE_URL,
    DEFAULT_ENVIRONMENT,
    DEFAULT_LOG_NAME,
    ENV_PREFIX,
    Environment,
    insecure,
    key_path,
)

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Server settings; every field can be set as ``ARMSCTL_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    database_url: str = Field(DEFAULT_DATABASE_URL, description="SQLAlchemy URL of the store.")
    environment: Environment = Field(
        DEFAULT_ENVIRONMENT, description="production refuses insecure defaults."
    )
    log_key_file: Path | None = Field(
        None, description="The log's Ed25519 private key (C2SP signer key string)."
    )
    log_name: str = Field(DEFAULT_LOG_NAME, description="Origin line of new checkpoints.")
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
        problem = insecure(self.environment, self.log_key_file)
        if problem is not None:
            raise ValueError(problem)
        return self

    def key_path(self) -> Path:
        """Where the log key lives (``armsctl.settings.key_path``)."""
        return key_path(self.database_url, self.log_key_file)
