"""``armsctl client submit ... --key K --out FILE``: a signed request for the web upload form.

The request is built and signed exactly as ``client submit`` would send it; it is written to a
file instead (``armsctl.service.signed_requests`` names the format), so a party whose officer
uses the web dashboard still signs with its own key, in its own client. The file may hold the
items in clear (without ``--seal-to``), so it is written readable by its owner only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from armsctl.cli._common import OutputFormat

__all__ = ["write_signed_request"]


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
    from armsctl.cli._common import out_console, print_json
    from armsctl.errors import InputError, Problem
    from armsctl.service.entries import MAX_SKEW
    from armsctl.service.signed_requests import signed_request_document

    if key is None or "signed_entry" not in body:
        raise InputError([Problem(str(out), "--out", "writes a signed request: give --key")])
    text = json.dumps(signed_request_document(treaty, kind, body), ensure_ascii=False)
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        os.chmod(out, 0o600)
    except OSError as exc:
        raise InputError([Problem(str(out), "--out", f"cannot write: {exc}")]) from None
    if fmt is OutputFormat.json:
        print_json(
            {
                "written": str(out),
                "treaty": treaty,
                "kind": kind,
                "upload_within_seconds": int(MAX_SKEW.total_seconds()),
            }
        )
        return
    minutes = int(MAX_SKEW.total_seconds() // 60)
    out_console.print(
        f"signed {kind} declaration written to {out}: upload it on the web's Declarations page "
        f"within {minutes} minutes (the server refuses a signature more than {minutes} minutes "
        "from its clock)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
