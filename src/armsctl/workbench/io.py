"""Workbench sources read from files: the baseline a ``--baseline PARTY=SOURCE`` names.

The workbench's one module that reads files (declaration files through
:mod:`armsctl.inventory.io`, commitment files as JSON, the treaty's bundled public record), so
that :mod:`armsctl.workbench.baselines` builds baselines from data only.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from armsctl.errors import InputError
from armsctl.treaty.schema import Treaty
from armsctl.workbench.baselines import (
    Baseline,
    baseline_from_commitment,
    baseline_from_declaration,
    baseline_from_estimates,
    commitment_public,
)
from armsctl.workbench.estimates import estimate

__all__ = ["resolve_baseline"]


def _commitment_file(treaty: Treaty, party: str, source: str) -> Baseline:
    path = Path(source.removeprefix("commitment:"))
    where = f"--baseline {party}={source}"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{where}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{where}: cannot read the file ({exc})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: line {exc.lineno}: not JSON ({exc.msg})") from None
    except (ValueError, RecursionError) as exc:  # a huge integer, or nesting past the limit
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise InputError(f"{where}: not JSON ({why})") from None
    return baseline_from_commitment(treaty, party, commitment_public(doc, where), source)


def resolve_baseline(treaty: Treaty, party: str, source: str) -> Baseline:
    """Read one ``SOURCE`` for ``party``: a record date, estimates, a commitment or a file.

    ``record@DATE``, ``estimate:ID[,ID...]``, ``commitment:FILE`` or a declaration file
    (``log:INDEX`` needs the log: the CLI reads it).

    Raises:
        InputError: a bad date, a treaty without a public record, no declaration on or before
            the date, a file for another treaty's categories, an estimate that does not fit.
        NotFoundError: an unknown estimate id.
    """
    if party not in treaty.parties.members and not treaty.parties.open:
        raise InputError(
            f"--baseline {party}: not a party to {treaty.id} "
            f"(members: {', '.join(treaty.parties.members)})"
        )
    if source.startswith("commitment:"):
        return _commitment_file(treaty, party, source)
    if source.startswith("estimate:"):
        ids = [s.strip() for s in source.removeprefix("estimate:").split(",") if s.strip()]
        if not ids:
            raise InputError(f"--baseline {party}={source}: name an estimate id")
        return baseline_from_estimates(treaty, party, [estimate(i) for i in ids])
    if source.startswith("record@"):
        from armsctl.treaty.loader import public_record_path

        raw = source.removeprefix("record@")
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise InputError(
                f"--baseline {party}={source}: bad date {raw!r} (expected YYYY-MM-DD)"
            ) from None
        path = public_record_path(treaty)
        if path is None:
            raise InputError(f"--baseline {party}={source}: {treaty.id} ships no public record")
        return _from_file(treaty, party, path, day, source)
    path = Path(source)
    if not path.exists():
        raise InputError(
            f"--baseline {party}={source}: no such file (or use record@DATE or estimate:ID)"
        )
    return _from_file(treaty, party, path, None, source)


def _from_file(
    treaty: Treaty, party: str, path: Path, day: dt.date | None, source: str
) -> Baseline:
    from armsctl.inventory import read_declarations

    decls = read_declarations([path], treaty)
    at = day or dt.date.max
    decl = decls.latest(party, at)
    if decl is None:
        when = f" on or before {day}" if day else ""
        missing = decls.latest(party, at, "not-provided")
        extra = f" (as of {missing.as_of}: not provided)" if missing else ""
        raise InputError(f"--baseline {party}={source}: no declaration by {party}{when}{extra}")
    baseline = baseline_from_declaration(treaty, decl, source)
    missing = decls.latest(party, at, "not-provided")
    if missing is not None and missing.as_of > decl.as_of:
        baseline.counting_notes.append(
            f"{party}'s declaration as of {missing.as_of} was not provided: the latest provided "
            f"one, as of {decl.as_of}, is used"
        )
    return baseline
