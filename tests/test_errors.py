"""errors.py draws the whole exception tree and holds the one table the shells map errors by.

The drawing in the module docstring is a specification: every ``ArmsctlError`` subclass in the
package appears in it under its real parent, with its module when it lives elsewhere, and
each ``(exit N, HTTP S)`` note is what ``outcome`` answers for that class. The CLI, the API and
the web all read ``outcome``; their own tests check the codes and pages they produce.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import armsctl
from armsctl import errors
from armsctl.errors import (
    EXIT_FINDING,
    EXIT_INPUT,
    OUTCOMES,
    AccessDenied,
    ArmsctlError,
    ConflictError,
    InputError,
    IntegrityError,
    NotFoundError,
    ParameterError,
    VerificationError,
    outcome,
)

NODE = re.compile(r"((?:[│ ]   )*)(?:[├└]── )?([A-Z][A-Za-z]+)\b(.*)")
NOTE = re.compile(r"\(exit (\d), HTTP (\d{3})\)")
WHERE = re.compile(r"\(([a-z_]+\.[a-z_.]+)\)")


def _drawn() -> dict[str, tuple[str | None, str]]:
    """Each drawn class: its drawn parent and the rest of its first line."""
    doc = errors.__doc__ or ""
    block = doc.split("::\n", 1)[1].split("\n\n", 1)[0]
    parents: list[str] = []
    drawn: dict[str, tuple[str | None, str]] = {}
    for line in block.splitlines():
        match = NODE.match(line.removeprefix("    "))
        if match is None:
            continue
        depth = len(match[1]) // 4 + (1 if "──" in line else 0)
        parents = parents[:depth]
        drawn[match[2]] = (parents[-1] if parents else None, match[3])
        parents.append(match[2])
    return drawn


def _all_errors() -> dict[str, type[ArmsctlError]]:
    for module in pkgutil.walk_packages(armsctl.__path__, "armsctl."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    found: dict[str, type[ArmsctlError]] = {}
    todo: list[type[ArmsctlError]] = [ArmsctlError]
    while todo:
        cls = todo.pop()
        if cls.__module__.startswith("armsctl."):
            found[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    return found


def test_the_drawing_names_every_error_under_its_parent_and_module() -> None:
    drawn, classes = _drawn(), _all_errors()
    assert sorted(drawn) == sorted(classes)
    for name, (parent, note) in drawn.items():
        cls = classes[name]
        if parent is None:
            assert cls is ArmsctlError
        else:
            assert cls.__bases__ == (classes[parent],), name
        where = WHERE.search(note)
        expected = "armsctl.errors" if where is None else f"armsctl.{where[1]}"
        assert cls.__module__ == expected, name


def test_the_drawn_codes_are_the_tables() -> None:
    classes = _all_errors()
    noted = {name: NOTE.search(note) for name, (_parent, note) in _drawn().items()}
    for name, note in noted.items():
        if note is not None:
            kind = outcome(classes[name])
            assert (kind.exit_code, kind.http_status) == (int(note[1]), int(note[2])), name
    listed = {name for name, note in noted.items() if note is not None}
    assert {cls.__name__ for cls in OUTCOMES} <= listed


@pytest.mark.parametrize(
    ("error", "exit_code", "status"),
    [
        (InputError("bad"), EXIT_INPUT, 422),
        (ParameterError("--quota must be positive"), EXIT_INPUT, 422),
        (NotFoundError("no such treaty"), EXIT_INPUT, 404),
        (ConflictError("quota spent"), EXIT_INPUT, 409),
        (AccessDenied("not your party"), EXIT_INPUT, 403),
        (IntegrityError("not base64"), EXIT_INPUT, 422),
        (VerificationError("unknown key"), EXIT_FINDING, 422),
        (ArmsctlError("anything else"), EXIT_INPUT, 422),
    ],
)
def test_outcome_takes_the_nearest_listed_class(
    error: ArmsctlError, exit_code: int, status: int
) -> None:
    kind = outcome(error)
    assert (kind.exit_code, kind.http_status) == (exit_code, status)
    assert kind.title


def test_an_error_without_a_row_behaves_as_its_parent() -> None:
    from armsctl.ledger.witness import WitnessRefusal
    from armsctl.notifications.model import TransitionError

    assert outcome(TransitionError("acknowledged twice")) == OUTCOMES[InputError]
    assert outcome(WitnessRefusal(409, "stale")) == OUTCOMES[IntegrityError]


def test_outcome_refuses_what_is_not_an_armsctl_error() -> None:
    with pytest.raises(TypeError):
        outcome(ValueError)  # type: ignore[arg-type]


def test_a_reader_refuses_an_input_listing_at_most_max_problems_of_its_own_kind() -> None:
    from armsctl.errors import MAX_PROBLEMS, DeclarationError, Problem

    many = [Problem("f.csv", f"line {n}", "bad") for n in range(2, MAX_PROBLEMS + 12)]
    with pytest.raises(DeclarationError) as refused:
        DeclarationError.raise_if_any(many)
    assert refused.value.problems == many[:MAX_PROBLEMS]
    DeclarationError.raise_if_any([])  # nothing found, nothing raised
