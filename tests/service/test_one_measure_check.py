"""One check of a declared measure: a file at the command line and the API say the same.

The file reader (``armsctl check -d``) and the declarations use-case (what ``POST
/declarations`` runs) both ask ``armsctl.inventory.measure_problem``, so a bad measure is named
by one message whichever way it arrives; only where it is placed differs (the file's line and
``measure`` column, or the request's ``figures`` key).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from _svc import NOW, Env
from typer.testing import CliRunner

from armsctl.cli.app import build_app
from armsctl.errors import DeclarationError
from armsctl.inventory import measure_problem
from armsctl.service import declarations as decl
from armsctl.treaty.schema import Treaty

BAD = [
    (
        "warheads",
        "unknown measure 'warheads' (a limit id, a declared figure, or "
        "category/status[/attribute][@zone])",
    ),
    ("bomber/deployed", "unknown category 'bomber'"),
    ("heavy-bomber/parked", "category 'heavy-bomber' has no status 'parked'"),
    ("heavy-bomber/deployed/payload", "category 'heavy-bomber' has no attribute 'payload'"),
    ("heavy-bomber/deployed@arctic", "unknown zone 'arctic'"),
    (
        "heavy-bomber/deployed[range-km>=600]",
        "unknown condition [range-km>=600] (the treaty's: none)",
    ),
]


def _from_the_api_side(env: Env, measure: str) -> list[str]:
    with pytest.raises(DeclarationError) as refused:
        decl.submit_aggregate(
            env.db,
            env.actors["usa"],
            treaty="new-start",
            party="USA",
            as_of=dt.date(2023, 6, 1),
            figures={measure: 5},
            allow=env.allow("usa", "declaration.submit"),
            at=NOW,
        )
    return [str(p) for p in refused.value.problems]


def _from_the_command_line(path: Path) -> list[str]:
    result = CliRunner().invoke(build_app(), ["check", "new-start", "-d", str(path)])
    assert result.exit_code == 2, result.output
    return [line.removeprefix("error: ") for line in result.stderr.splitlines()]


@pytest.mark.parametrize(("measure", "message"), BAD, ids=[m for m, _ in BAD])
def test_a_bad_measure_reads_the_same_from_a_file_and_from_the_api(
    env: Env,
    new_start: Treaty,
    write_csv: Callable[..., Path],
    measure: str,
    message: str,
) -> None:
    assert measure_problem(measure, new_start) == message
    path = write_csv([["party", "as_of", "measure", "value"], ["USA", "2023-06-01", measure, 5]])
    assert f"{path}:line 2: measure: {message}" in _from_the_command_line(path)
    assert _from_the_api_side(env, measure) == [f"figures:{measure}: {message}"]


def test_every_measure_the_treaty_has_passes_the_one_check(new_start: Treaty) -> None:
    good = [
        "deployed-warheads",
        "heavy-bomber/deployed",
        "icbm-launcher/non-deployed",
        "slbm-launcher/deployed/warheads",
    ]
    assert [measure_problem(m, new_start) for m in good] == [None] * len(good)
