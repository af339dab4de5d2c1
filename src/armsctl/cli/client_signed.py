"""Signed request files for the web's upload forms, written by the party's own client.

``armsctl client submit ... --key K --out FILE`` (a declaration) and ``armsctl client inspect
reveal ... --key K --out FILE`` (a site reveal): the request is built and signed exactly as the
client would send it, and written to a file instead (``armsctl.service.signed_requests`` names
the format), so a party whose officer uses the web dashboard still signs with its own key, in
its own client. A file may hold items in clear (a declaration without ``--seal-to``; a reveal
always holds the site's items), so it is written readable by its owner only. The server refuses
a signature more than ``entries.MAX_SKEW`` (5 minutes) from its clock, and the command says so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from armsctl.cli._common import OutputFormat

__all__ = ["write_signed_request", "write_signed_reveal"]


def write_signed_request(
    out: Path,
    treaty: str,
    kind: str,
    body: dict[str, Any],
    key: Path | None,
    fmt: OutputFormat = OutputFormat.table,
) -> None:
    """Write the signed request ``body`` to ``out`` (mode 0600) and say what to do with it.

    With ``--format json`` the answer is ``{"written", "treaty", "kind", "upload_within_seconds"}``.

    Raises:
        InputError: naming ``--out`` without ``--key`` (an unsigned request has nothing to
            carry: the web upload takes the declaration file itself), or if ``out`` cannot be
            written.
    """
    from armsctl.service.signed_requests import signed_request_document

    _need_key(out, key is not None and "signed_entry" in body)
    _write(out, signed_request_document(treaty, kind, body))
    _say(
        fmt,
        {"written": str(out), "treaty": treaty, "kind": kind},
        f"signed {kind} declaration written to {out}: upload it on the web's Declarations page",
    )


def write_signed_reveal(
    client: Any, inspection: int, request: dict[str, Any], key: Path | None, out: Path
) -> None:
    """Sign the site reveal ``request`` as the inspected party and write it to ``out`` (0600).

    ``client`` is the command's ``Client`` (``cli.server``): it reads the inspection (its treaty,
    the inspected party and the site commitment the entry names) and signs the
    ``items-revealed`` entry with ``key``, as ``client inspect reveal`` would before sending.
    Nothing is sent. With ``--format json`` the answer is ``{"written", "treaty", "kind",
    "inspection", "upload_within_seconds"}``.

    Raises:
        InputError: naming ``--out`` without ``--key``, or if ``out`` cannot be written.
    """
    from armsctl.service.entries import reveal_entry
    from armsctl.service.signed_requests import REVEAL, signed_reveal_document

    _need_key(out, key is not None)
    row = client.get(f"/inspections/{inspection}")
    declaration = int(request["declaration_id"])
    client.sign(
        request,
        key,
        lambda code, now: reveal_entry(
            treaty=row["treaty"],
            party=code,
            inspection=inspection,
            declaration=declaration,
            site_commitment=str(row["site_commitment"]),
            at=now,
        ),
        party=row["inspected_party"],
    )
    _write(out, signed_reveal_document(str(row["treaty"]), inspection, request))
    _say(
        client.fmt,
        {"written": str(out), "treaty": row["treaty"], "kind": REVEAL, "inspection": inspection},
        f"signed site reveal of inspection {inspection} written to {out}: as a user of "
        f"{row['inspected_party']}, upload it on the web's Inspections page",
    )


def _need_key(out: Path, signed: bool) -> None:
    from armsctl.errors import InputError, Problem

    if not signed:
        raise InputError([Problem(str(out), "--out", "writes a signed request: give --key")])


def _write(out: Path, document: dict[str, Any]) -> None:
    """Write the document readable by its owner only (created 0600, never wider)."""
    from armsctl.errors import InputError, Problem

    text = json.dumps(document, ensure_ascii=False)
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        os.chmod(out, 0o600)
    except OSError as exc:
        raise InputError([Problem(str(out), "--out", f"cannot write: {exc}")]) from None


def _say(fmt: OutputFormat, written: dict[str, Any], done: str) -> None:
    """What was written, and that it must be uploaded within the clock-skew window."""
    from armsctl.cli._common import out_console, print_json
    from armsctl.service.entries import MAX_SKEW

    if fmt is OutputFormat.json:
        print_json({**written, "upload_within_seconds": int(MAX_SKEW.total_seconds())})
        return
    minutes = int(MAX_SKEW.total_seconds() // 60)
    out_console.print(
        f"{done} within {minutes} minutes (the server refuses a signature more than {minutes} "
        "minutes from its clock)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
