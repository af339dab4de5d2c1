"""``armsctl zk prove`` / ``armsctl zk verify``: a committed total within a treaty limit.

``prove`` reads the party's per-site counts, commits to each with a fresh blinding, proves in
zero knowledge that the total is within the treaty's maximum, and writes two files: the public
proof (commitments, proof, context) and the private openings (counts and blindings, mode 0600,
never overwritten). ``verify`` checks a proof against the treaty the verifier holds: the
maximum always comes from that treaty, and ``--party`` / ``--date`` / ``--limit`` pin the rest
(without them the proof's own claim is used, and the output says so).

Exit codes: 0 verified (or proven), 1 the proof fails (the check that failed is named) or the
total is above the limit, 2 bad input (a malformed, truncated or non-canonical document).
Experimental: the protocol (docs/zk.md) has not been independently reviewed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from armsctl.cli._common import EXIT_VIOLATION, OutputFormat, fail, out_console, print_json
from armsctl.cli._options import CommandGroup, Format

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["demo_step", "register"]

zk_app = CommandGroup(
    help="Zero-knowledge proofs that a committed total is within a limit (experimental)."
)


def _located(path: Path, exc: Exception) -> Exception:
    """Name the file in each problem of an error raised by the pure core."""
    from armsctl.errors import InputError, Problem

    if isinstance(exc, InputError):
        return InputError([Problem(str(path), p.location, p.message) for p in exc.problems])
    return exc


def _counts(path: Path) -> list[tuple[str, int]]:
    """Read ``{"sites": [{"label": ..., "count": ...}, ...]}``."""
    from armsctl.errors import InputError, Problem
    from armsctl.textio import read_json

    data = read_json(path)
    rows = data.get("sites") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise InputError([Problem(str(path), "sites", "expected a non-empty list of sites")])
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or set(row) != {"label", "count"}:
            raise InputError(
                [Problem(str(path), f"sites[{i}]", "expected an object with label and count")]
            )
        label, count = row["label"], row["count"]
        if not isinstance(label, str) or not label:
            raise InputError([Problem(str(path), f"sites[{i}].label", "expected a string")])
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InputError(
                [Problem(str(path), f"sites[{i}].count", "expected a non-negative integer")]
            )
        out.append((label, count))
    return out


def _write_public(path: Path, text: str) -> None:
    """Write a file whole or not at all (a temporary file renamed into place)."""
    from armsctl.errors import InputError, Problem

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError([Problem(str(path), "", f"cannot write: {exc}")]) from None


def prove_cmd(
    counts: Path = typer.Argument(
        ..., help='Counts file (JSON): {"sites": [{"label": "base-01", "count": 400}, ...]}.'
    ),
    treaty: str = typer.Option(..., "--treaty", help="Bundled treaty id or treaty file."),
    limit: str = typer.Option(..., "--limit", help="Limit id, e.g. deployed-warheads."),
    party: str = typer.Option(..., "--party", help="The proving party's code."),
    date: str = typer.Option(..., "--date", help="The date the counts are as of (YYYY-MM-DD)."),
    bits: int = typer.Option(16, "--bits", help="Range width k: proves max - total in [0, 2^k)."),
    proof_out: Path = typer.Option(..., "--proof", help="Where the public proof goes (JSON)."),
    openings_out: Path = typer.Option(
        ..., "--openings", help="Where the secret openings go (created 0600; never overwritten)."
    ),
    output: Format = OutputFormat.table,
) -> None:
    """Commit per-site counts and prove their total is within the limit, keeping them secret."""
    import json

    from armsctl.cli.ledger import _write_private
    from armsctl.errors import InputError, Problem
    from armsctl.treaty import load_treaty
    from armsctl.zk import LimitExceeded, Openings, commit_sites, prove
    from armsctl.zk.limits import context_for

    context = context_for(
        load_treaty(treaty), limit=limit, party=party, as_of=date, bits=bits, check_dates=True
    )
    sites = _counts(counts)
    if openings_out.exists():
        raise InputError([Problem(str(openings_out), "", "already exists; not overwriting")])
    try:
        openings = commit_sites(sites)
        proof = prove(context, openings)
    except LimitExceeded as exc:
        fail(str(exc), code=EXIT_VIOLATION)
    except InputError as exc:
        raise _located(counts, exc) from None
    _write_private(openings_out, json.dumps(Openings(context, openings).to_json(), indent=1) + "\n")
    text = json.dumps(proof.to_json(), indent=1) + "\n"
    _write_public(proof_out, text)
    result = {
        "proven": True,
        "context": context.to_json(),
        "sites": len(openings),
        "proof": str(proof_out),
        "proof_bytes": len(text.encode()),
        "openings": str(openings_out),
    }
    if output is OutputFormat.json:
        print_json(result)
        return
    out_console.print(
        f"Proven: {party}'s {limit} total as of {context.as_of} is within {context.maximum:,} "
        f"({len(openings)} site commitments, {bits}-bit range; the counts stay secret).",
        highlight=False,
    )
    out_console.print(f"Public proof: {proof_out} ({result['proof_bytes']:,} bytes)")
    out_console.print(f"Secret openings (keep private, mode 0600): {openings_out}")


def _document(path: Path) -> Any:
    """The proof document: a file written by ``zk prove``, or an API response holding one."""
    from armsctl.textio import read_json

    data = read_json(path)
    if isinstance(data, dict) and "format" not in data and isinstance(data.get("proof"), dict):
        return data["proof"]
    return data


def verify_cmd(
    proof_file: Path = typer.Argument(..., help="A proof from `zk prove` or the API."),
    treaty: str | None = typer.Option(
        None,
        "--treaty",
        help="Treaty id or file whose limit gives the maximum (default: the bundled treaty "
        "the proof names).",
    ),
    limit: str | None = typer.Option(None, "--limit", help="Expected limit id."),
    party: str | None = typer.Option(None, "--party", help="Expected party."),
    date: str | None = typer.Option(None, "--date", help="Expected as-of date."),
    bits: int | None = typer.Option(None, "--bits", help="Expected range width."),
    output: Format = OutputFormat.table,
) -> None:
    """Check a proof that a committed total is within a limit (exit 1 if it fails)."""
    from armsctl.errors import InputError, Problem
    from armsctl.treaty import load_treaty
    from armsctl.zk import RangeProof, verify
    from armsctl.zk.limits import context_for

    try:
        proof = RangeProof.from_json(_document(proof_file))
    except InputError as exc:
        raise _located(proof_file, exc) from None
    claimed = proof.context
    assumed = [
        name
        for name, given in (("limit", limit), ("party", party), ("date", date), ("bits", bits))
        if given is None
    ]
    try:
        expected = context_for(
            load_treaty(treaty or claimed.treaty),
            limit=limit or claimed.limit,
            party=party or claimed.party,
            as_of=date or claimed.as_of,
            bits=bits or claimed.bits,
        )
    except InputError as exc:  # a value taken from the proof: name the proof's field
        option = str(exc).split(":", 1)[0]
        field = {"--limit": "limit", "--party": "party", "--date": "as_of", "--bits": "bits"}
        if option in field and option.removeprefix("--") in assumed:
            message = str(exc).replace(option, f"proof.context.{field[option]}", 1)
            raise InputError([Problem(str(proof_file), "", message)]) from None
        raise
    result = verify(proof, expected)
    if output is OutputFormat.json:
        print_json({**result.to_json(), "expected": expected.to_json(), "from_proof": assumed})
    else:
        for check in result.checks:
            mark = "[green]ok[/]" if check.ok else "[bold red]FAIL[/]"
            out_console.print(f"{mark}  {check.name}: {check.detail}", highlight=False)
        if assumed:
            out_console.print(
                f"Taken from the proof itself (pin them with options): {', '.join(assumed)}",
                highlight=False,
            )
        failed = result.failed
        if failed is None:
            out_console.print(
                f"[green]Verified[/]: {expected.party}'s committed {expected.limit} total as of "
                f"{expected.as_of} is within {expected.maximum:,} ({expected.treaty}).",
                highlight=False,
            )
        else:
            out_console.print(f"[bold red]Not verified[/]: the {failed.name} check failed.")
    if not result.ok:
        raise typer.Exit(EXIT_VIOLATION)


def publish_cmd(
    proof_file: Path = typer.Argument(..., help="A proof written by `zk prove`."),
    key: Path | None = typer.Option(
        None, "--key", help="The party's private key file: the log entry is signed here."
    ),
    server: str = typer.Option(
        "http://127.0.0.1:8000", "--server", envvar="ARMSCTL_SERVER", help="Server base URL."
    ),
    token: str = typer.Option(
        ..., "--token", envvar="ARMSCTL_TOKEN", help="Bearer token (better: $ARMSCTL_TOKEN)."
    ),
    output: Format = OutputFormat.table,
) -> None:
    """Publish a proof on a server as the token's party (party-signed with --key)."""
    from armsctl.errors import InputError
    from armsctl.zk import RangeProof

    document = _document(proof_file)
    try:
        proof = RangeProof.from_json(document)
    except InputError as exc:
        raise _located(proof_file, exc) from None
    # The proof first: a refused file costs no import of the client or the use-cases.
    from armsctl.cli.server import _call, _sign_as_party

    public = proof.to_json()
    treaty = proof.context.treaty
    body: dict[str, Any] = {"proof": public}
    if key is not None:
        from armsctl.service.zk import zk_proof_entry  # the entry a party signs

        body["signed_entry"] = _sign_as_party(
            server,
            token,
            key,
            proof.context.party,
            lambda code, now: zk_proof_entry(treaty=treaty, party=code, document=public, at=now),
        )
    made = _call("POST", server, token, f"/treaties/{treaty}/zk-proofs", body)
    if output is OutputFormat.json:
        print_json(made)
        return
    out_console.print(
        f"Published proof {made['id']}: {made['party']}'s {made['limit']} total as of "
        f"{made['as_of']} within {made['maximum']:,}; log entry {made['log_index']} "
        f"({'signed with ' + str(key) if key else 'sealed by the server'}).",
        highlight=False,
        soft_wrap=True,  # one sentence: the terminal wraps it, a pipe keeps it whole
    )


def demo_step(console: Console, workdir: Path) -> None:
    """The demo's step: RUS proves its synthetic deployed-warheads total is within 1,550.

    Writes ``workdir/zk/`` (counts, public proof, 0600 openings), verifies the proof as an
    outsider would, and shows that the same proof replayed for another party fails.
    """
    import dataclasses
    import json

    from armsctl.cli.ledger import _write_private
    from armsctl.treaty import load_treaty
    from armsctl.zk import Openings, commit_sites, prove, verify
    from armsctl.zk.demo import DEMO_AS_OF, DEMO_LIMIT, DEMO_PARTY, DEMO_SITES, DEMO_TREATY
    from armsctl.zk.limits import context_for

    folder = workdir / "zk"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in ("counts.json", "proof.json", "openings.json"):
        (folder / stale).unlink(missing_ok=True)
    sites = [{"label": label, "count": count} for label, count in DEMO_SITES]
    _write_private(folder / "counts.json", json.dumps({"sites": sites}, indent=1) + "\n")
    context = context_for(
        load_treaty(DEMO_TREATY), limit=DEMO_LIMIT, party=DEMO_PARTY, as_of=DEMO_AS_OF
    )
    openings = commit_sites(DEMO_SITES)
    proof = prove(context, openings)
    _write_private(folder / "openings.json", json.dumps(Openings(context, openings).to_json()))
    _write_public(folder / "proof.json", json.dumps(proof.to_json(), indent=1) + "\n")
    console.print(
        f"{DEMO_PARTY} published no figure for {DEMO_AS_OF} (data exchanges suspended). With "
        f"synthetic counts for {len(DEMO_SITES)} sites it publishes one Pedersen commitment per "
        f"site and proves the total is within {context.maximum:,} deployed warheads; the total "
        "itself stays secret.",
        highlight=False,
    )
    result = verify(proof, context)
    replay = verify(proof, dataclasses.replace(context, party="USA"))
    console.print(
        f"Anyone checks it: {'verified' if result.ok else 'NOT verified'} "
        f"({', '.join(c.name for c in result.checks)}). The same proof replayed as USA's: "
        f"{'verified' if replay.ok else 'fails (' + (replay.failed.name if replay.failed else '') + ')'}.",
        highlight=False,
    )
    console.print(
        f"Files in {folder}: proof.json (public), openings.json (secret, 0600). Check it yourself: "
        f"armsctl zk verify {folder / 'proof.json'} --party {DEMO_PARTY} --date {DEMO_AS_OF}",
        highlight=False,
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    """Add ``armsctl zk prove``, ``armsctl zk verify`` and ``armsctl zk publish``."""
    zk_app.command("prove")(prove_cmd)
    zk_app.command("verify")(verify_cmd)
    zk_app.command("publish")(publish_cmd)
    app.add_typer(zk_app, name="zk")
