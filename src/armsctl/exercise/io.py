"""Scenario files, the public records scenarios play, and saved exercise records.

The exercise package's one boundary with files, so that :mod:`armsctl.exercise.scenario`
validates text it is given and the engine plays data, never a path: a scenario played from a
treaty's bundled public record carries the record's declarations, read here once by the
inventory reader.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from armsctl.errors import InputError, NotFoundError, Problem
from armsctl.exercise.scenario import Scenario, check_treaty, parse_scenario, scenario_from_mapping
from armsctl.exercise.world import played_record
from armsctl.treaty.loader import bundled_ids

if TYPE_CHECKING:
    from armsctl.exercise.engine import Exercise
    from armsctl.inventory.model import DeclarationSet

__all__ = [
    "build_debrief",
    "bundled_scenario_ids",
    "check_scenario",
    "load_scenario",
    "public_record",
    "resume",
]

_DATA = "armsctl.exercise.scenarios"


def bundled_scenario_ids() -> list[str]:
    """Ids of the scenarios shipped with armsctl, sorted."""
    return bundled_ids(_DATA)


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


@functools.cache
def public_record(ref: str) -> DeclarationSet:
    """The bundled public record of treaty ``ref``, read once by the declaration reader."""
    from armsctl.inventory import read_declarations
    from armsctl.treaty import load_treaty, public_record_path

    treaty = load_treaty(ref)
    path = public_record_path(treaty)
    if path is None:
        raise InputError(f"treaty {ref!r} ships no public record")
    return read_declarations([path], treaty)


def check_scenario(scenario: Scenario, *, where: str) -> Scenario:
    """Check a structurally valid scenario against the bundled treaty and record it names.

    Loads the treaty (an unknown id is a problem at ``treaty.ref``) and hands it, with the
    record's data dates, to the pure :func:`armsctl.exercise.scenario.check_treaty`; a
    scenario played from a record comes back carrying the record's declarations.
    """
    ref = scenario.treaty.ref
    if ref is None:
        return scenario
    from armsctl.treaty import load_treaty

    try:
        treaty = load_treaty(ref)
    except NotFoundError as exc:
        raise InputError([Problem(where, "treaty.ref", str(exc))]) from None
    check_treaty(
        scenario,
        treaty,
        where=where,
        record_dates=lambda: [d for d, _ in played_record(scenario, public_record(ref)).turns],
    )
    if scenario.record is None:
        return scenario
    return scenario.with_record(played_record(scenario, public_record(ref)))


def resume(record: dict[str, Any], *, where: str = "record") -> Exercise:
    """Rebuild a saved exercise, checking that replaying it reproduces its recorded events.

    The record's scenario is checked against its treaty (and given its public record) before
    it is replayed by :func:`armsctl.exercise.engine.resume`.
    """
    from armsctl.exercise.engine import resume as resume_saved
    from armsctl.exercise.engine import saved_exercise

    saved = saved_exercise(record, where=where)
    at = f"{where}:scenario"
    scenario = check_scenario(scenario_from_mapping(saved.scenario, where=at), where=at)
    return resume_saved(saved, scenario, where=where)


def build_debrief(
    record: dict[str, Any], *, seeds: int = 50, where: str = "record"
) -> dict[str, Any]:
    """The debrief document (JSON-ready) of a saved exercise record."""
    from armsctl.exercise.debrief import debrief_exercise

    return debrief_exercise(resume(record, where=where), seeds=seeds)
