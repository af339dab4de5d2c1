"""The treaty cache gives exactly what validation gives, and trusts nothing it should not.

A cached treaty must equal the freshly validated one (same types, same values, same dump) for
every bundled treaty; any change of the file, of armsctl or of the schema is another key; an
entry in a directory others can reach, an entry others can write, a damaged entry or a
symlinked directory is a miss, and the file is validated as if there were no cache.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from armsctl.errors import TreatyFileError
from armsctl.treaty import Treaty, bundled_treaty_ids, parse_treaty
from armsctl.treaty import _cache as cache_module
from armsctl.treaty._cache import MAX_ENTRIES, TreatyCache
from armsctl.treaty.loader import CACHE_ENV

DATA = Path(__file__).resolve().parents[2] / "src" / "armsctl" / "treaty" / "data"
pytestmark = pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")


def _text(treaty_id: str) -> str:
    return (DATA / f"{treaty_id}.toml").read_text(encoding="utf-8")


def _entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.treaty.pickle"))


@pytest.fixture
def cache(tmp_path: Path) -> TreatyCache:
    return TreatyCache(tmp_path / "cache")


@pytest.mark.parametrize("treaty_id", bundled_treaty_ids())
def test_a_cached_treaty_equals_the_validated_one(cache: TreatyCache, treaty_id: str) -> None:
    text = _text(treaty_id)
    validated = parse_treaty(text, where=f"{treaty_id}.toml")
    cache.put(text, validated)
    cached = TreatyCache(cache.directory).get(text)  # a fresh reader: the bytes on disk
    assert cached is not None and cached is not validated
    assert cached == validated
    assert type(cached) is Treaty
    assert cached.model_dump(mode="json", by_alias=True) == validated.model_dump(
        mode="json", by_alias=True
    )
    assert repr(cached) == repr(validated)


def test_the_command_line_gives_the_same_answer_from_the_cache(tmp_path: Path) -> None:
    """``treaty show`` and ``check`` print the same bytes on a miss, on a hit and with no cache."""
    directory = tmp_path / "cache"
    outputs = []
    for setting in ("", str(directory), str(directory)):  # off, miss (writes), hit
        env = {**os.environ, CACHE_ENV: setting}
        run = [
            subprocess.run(
                [sys.executable, "-c", "from armsctl.cli import main; main()", *args],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            for args in (
                ["treaty", "show", "new-start", "--format", "json"],
                ["check", "new-start", "--at", "2018-02-05", "--format", "json"],
            )
        ]
        outputs.append([(r.returncode, r.stdout, r.stderr) for r in run])
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0][0][0] == 0 and outputs[0][1][0] == 0
    assert len(_entries(directory)) == 1


def test_parse_treaty_uses_the_directory_named_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    first = parse_treaty(_text("cwc"))
    assert len(_entries(tmp_path / "cache")) == 1
    second = parse_treaty(_text("cwc"))
    assert second == first and second is not first
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700
    assert _entries(tmp_path / "cache")[0].stat().st_mode & 0o777 == 0o600


def test_without_the_variable_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    parse_treaty(_text("cwc"))
    monkeypatch.setenv(CACHE_ENV, "")
    parse_treaty(_text("cwc"))
    assert list(tmp_path.iterdir()) == []


def test_any_change_of_the_file_is_another_entry(cache: TreatyCache) -> None:
    text = _text("new-start")
    cache.put(text, parse_treaty(text))
    changed = text.replace('title = "', 'title = "Edited ', 1)
    assert cache.get(changed) is None
    assert cache.key(changed) != cache.key(text)
    assert cache.key(text + "\n") != cache.key(text)


def test_another_version_or_schema_never_reads_an_entry(
    cache: TreatyCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _text("new-start")
    cache.put(text, parse_treaty(text))
    assert TreatyCache(cache.directory).get(text) is not None
    monkeypatch.setattr("armsctl.__version__", "99.0.0")
    assert TreatyCache(cache.directory).get(text) is None
    monkeypatch.undo()
    real = cache_module._fingerprint()
    monkeypatch.setattr(cache_module, "_fingerprint", lambda: real + b"another schema")
    assert TreatyCache(cache.directory).get(text) is None


def test_the_fingerprint_covers_the_schema_source_and_the_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pydantic

    from armsctl.treaty import schema

    before = cache_module._fingerprint()
    assert before == cache_module._fingerprint()
    edited = tmp_path / "schema.py"
    edited.write_bytes(Path(schema.__file__).read_bytes() + b"\n# an edit\n")
    monkeypatch.setattr(schema, "__file__", str(edited))
    assert cache_module._fingerprint() != before
    monkeypatch.undo()
    monkeypatch.setattr(pydantic, "VERSION", "0.0.1")
    assert cache_module._fingerprint() != before


def test_a_directory_others_can_reach_is_not_read(cache: TreatyCache) -> None:
    text = _text("cwc")
    cache.put(text, parse_treaty(text))
    for mode in (0o750, 0o705, 0o770, 0o777):
        cache.directory.chmod(mode)
        assert cache.get(text) is None, oct(mode)
    cache.directory.chmod(0o700)
    assert cache.get(text) is not None


def test_an_existing_shared_directory_is_left_alone(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    TreatyCache(shared).put(_text("cwc"), parse_treaty(_text("cwc")))
    assert list(shared.iterdir()) == []
    assert shared.stat().st_mode & 0o777 == 0o755


def test_an_entry_others_can_write_is_not_read(cache: TreatyCache) -> None:
    text = _text("cwc")
    cache.put(text, parse_treaty(text))
    (entry,) = _entries(cache.directory)
    entry.chmod(0o620)
    assert cache.get(text) is None
    entry.chmod(0o602)
    assert cache.get(text) is None
    entry.chmod(0o600)
    assert cache.get(text) is not None


def test_a_symlinked_directory_or_entry_is_not_followed(cache: TreatyCache, tmp_path: Path) -> None:
    text = _text("cwc")
    cache.put(text, parse_treaty(text))
    link = tmp_path / "link"
    link.symlink_to(cache.directory)
    assert TreatyCache(link).get(text) is None
    (entry,) = _entries(cache.directory)
    moved = tmp_path / "elsewhere.pickle"
    entry.rename(moved)
    entry.symlink_to(moved)
    assert cache.get(text) is None


def test_a_damaged_or_foreign_entry_is_a_miss(
    cache: TreatyCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _text("cwc")
    cache.put(text, parse_treaty(text))
    (entry,) = _entries(cache.directory)
    entry.write_bytes(b"not a pickle")
    assert cache.get(text) is None
    entry.write_bytes(pickle.dumps(("another key", parse_treaty(text))))
    assert cache.get(text) is None
    entry.write_bytes(pickle.dumps((cache.key(text), {"id": "cwc"})))
    assert cache.get(text) is None
    monkeypatch.setenv(CACHE_ENV, str(cache.directory))
    assert parse_treaty(text) == TreatyCache(cache.directory).get(text)  # validated and rewritten


def test_an_invalid_file_is_refused_and_never_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    bad = "unknown_key = 1\n" + _text("cwc")
    for _ in range(2):
        with pytest.raises(TreatyFileError, match="unknown key"):
            parse_treaty(bad, where="bad.toml")
    assert _entries(tmp_path / "cache") == []


def test_old_entries_go_beyond_the_bound(cache: TreatyCache) -> None:
    treaty = parse_treaty(_text("cwc"))
    for n in range(MAX_ENTRIES + 3):
        cache.put(_text("cwc") + f"\n# {n}\n", treaty)
    assert len(_entries(cache.directory)) == MAX_ENTRIES
