"""The local commands read the settings that open the database as the server reads them.

``KeySettings.from_env`` (no pydantic-settings) and ``Settings`` (every setting, through
pydantic-settings) read the same variables, in any case, with the same defaults, and refuse
the same environments: a production environment without a key file, an unknown environment.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import typer
from pydantic import ValidationError
from typer.testing import CliRunner

from armsctl.cli.server import register
from armsctl.errors import ParameterError
from armsctl.settings import ENV_PREFIX, KeySettings, Settings

SHARED = [f.name for f in dataclasses.fields(KeySettings)]

ENVIRONMENTS = [
    {},
    {"ARMSCTL_DATABASE_URL": "sqlite:///elsewhere.db", "ARMSCTL_LOG_NAME": "example.org/log"},
    {"ARMSCTL_ENVIRONMENT": "production", "ARMSCTL_LOG_KEY_FILE": "/keys/log.key"},
    {"armsctl_environment": "production", "Armsctl_Log_Key_File": "log.key"},
    {"ARMSCTL_DATABASE_URL": "postgresql+psycopg://db/armsctl", "ARMSCTL_LOG_KEY_FILE": ""},
    {"ARMSCTL_LOG_NAME": "", "ARMSCTL_MAX_PAGE": "20"},
]
REFUSED = [
    {"ARMSCTL_ENVIRONMENT": "production"},
    {"ARMSCTL_ENVIRONMENT": "staging"},
    {"ARMSCTL_ENVIRONMENT": "Production", "ARMSCTL_LOG_KEY_FILE": "log.key"},
    {"ARMSCTL_ENVIRONMENT": ""},
]


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A process environment without any ARMSCTL_ variable of the machine's."""
    import os

    for name in list(os.environ):
        if name.upper().startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    return monkeypatch


def _set(environ: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for name, value in values.items():
        environ.setenv(name, value)


def test_both_readers_have_the_same_names_and_defaults(environ: pytest.MonkeyPatch) -> None:
    assert Settings.model_config["env_prefix"] == ENV_PREFIX
    assert Settings.model_config.get("case_sensitive", False) is False
    for field in dataclasses.fields(KeySettings):
        assert Settings.model_fields[field.name].default == field.default, field.name
    assert KeySettings() == KeySettings(**{n: getattr(Settings(), n) for n in SHARED})


@pytest.mark.parametrize("values", ENVIRONMENTS)
@pytest.mark.parametrize("url", [None, "sqlite:////srv/armsctl/server.db"])
def test_both_readers_read_the_same_values(
    environ: pytest.MonkeyPatch, values: dict[str, str], url: str | None
) -> None:
    _set(environ, values)
    given = {} if url is None else {"database_url": url}
    full, light = Settings(**given), KeySettings.from_env(**given)  # type: ignore[arg-type]
    assert {n: getattr(light, n) for n in SHARED} == {n: getattr(full, n) for n in SHARED}
    assert light.key_path() == full.key_path()


@pytest.mark.parametrize("values", REFUSED)
def test_both_readers_refuse_the_same_environments(
    environ: pytest.MonkeyPatch, values: dict[str, str]
) -> None:
    _set(environ, values)
    with pytest.raises(ValidationError) as full:
        Settings()
    with pytest.raises(ParameterError) as light:
        KeySettings.from_env()
    if "LOG_KEY_FILE" not in values and values.get("ARMSCTL_ENVIRONMENT") == "production":
        assert str(light.value) in str(full.value)


def test_the_reader_takes_a_given_environment_over_the_process_one(
    environ: pytest.MonkeyPatch,
) -> None:
    _set(environ, {"ARMSCTL_LOG_NAME": "process.example/log"})
    assert KeySettings.from_env(environ={"ARMSCTL_LOG_NAME": "given/log"}).log_name == "given/log"
    assert KeySettings.from_env().log_name == "process.example/log"


def test_a_refused_environment_stops_a_local_command_before_it_opens_the_database(
    environ: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Test root."""

    register(app)
    _set(environ, {"ARMSCTL_ENVIRONMENT": "production"})
    db = tmp_path / "server.db"
    result = CliRunner().invoke(app, ["users", "list", "--db", str(db)])
    assert result.exit_code == 2
    assert "production needs ARMSCTL_LOG_KEY_FILE" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("key_file", "problem"),
    [
        ("", "is a folder, not a key file"),
        ("{tmp}", "is a folder, not a key file"),
        ("{tmp}/not-a-key", "a signer key reads PRIVATE+KEY+"),
    ],
)
def test_a_log_key_file_that_is_no_key_is_one_error_line(
    environ: pytest.MonkeyPatch, tmp_path: Path, key_file: str, problem: str
) -> None:
    (tmp_path / "not-a-key").write_text("hello\n", encoding="utf-8")
    environ.chdir(tmp_path)
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Test root."""

    register(app)
    _set(environ, {"ARMSCTL_LOG_KEY_FILE": key_file.format(tmp=tmp_path)})
    result = CliRunner().invoke(app, ["users", "list", "--db", str(tmp_path / "server.db")])
    assert result.exit_code == 2, result.output
    assert "log key file" in result.output and problem in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-key"]
