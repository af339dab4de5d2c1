"""Scenario files: the bundled scenarios and scenario TOML files read from disk.

The exercise package's one boundary with files, so that :mod:`armsctl.exercise.scenario`
validates text it is given and the engine plays data, never a path.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from armsctl.errors import NotFoundError
from armsctl.exercise.scenario import Scenario, parse_scenario
from armsctl.exercise.world import check_scenario

__all__ = ["bundled_scenario_ids", "load_scenario"]

_DATA = "armsctl.exercise.scenarios"


def bundled_scenario_ids() -> list[str]:
    """Ids of the scenarios shipped with armsctl, sorted."""
    files = resources.files(_DATA)
    return sorted(p.name.removesuffix(".toml") for p in files.iterdir() if p.name.endswith(".toml"))


def load_scenario(id_or_path: str | Path) -> Scenario:
    """A bundled scenario by id, or a scenario file by path, checked against its treaty."""
    path = Path(id_or_path)
    if path.suffix == ".toml" or path.is_file():
        if not path.is_file():
            raise NotFoundError(f"{path}: no such scenario file")
        where = str(path)
        return check_scenario(
            parse_scenario(path.read_text(encoding="utf-8"), where=where), where=where
        )
    name = str(id_or_path)
    if name not in bundled_scenario_ids():
        known = ", ".join(bundled_scenario_ids())
        raise NotFoundError(f"unknown scenario {name!r} (bundled: {known}; or give a .toml path)")
    text = resources.files(_DATA).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return check_scenario(parse_scenario(text, where=f"{name}.toml"), where=f"{name}.toml")
