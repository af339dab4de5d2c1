"""Witness commands: ``armsctl witness serve`` and the offline ``armsctl ledger cosign``.

A witness needs only its key, the log's verifier key, its state file and what the log sends it
(checkpoints and consistency proofs), never the log's database. Heavy imports wait until a
command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from armsctl.cli._common import err_console
from armsctl.cli._options import CommandGroup

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from armsctl.ledger.note import VerifierKey

__all__ = ["cosign_offline", "register"]

witness_app = CommandGroup(help="Run a witness that cosigns a log's checkpoints (tlog-witness).")


def _log_keys(values: list[str]) -> list[VerifierKey]:
    from armsctl.cli.ledger import _verifier
    from armsctl.errors import ParameterError
    from armsctl.ledger.note import ALG_ED25519

    keys = [_verifier(v) for v in values]
    for key in keys:
        if key.alg != ALG_ED25519:
            raise ParameterError(f"--log-key {key.name}: a log key is a signed-note key (0x01)")
    return keys


def cosign_offline(
    checkpoint: Path,
    *,
    proof: Path | None,
    state: Path,
    key: Path,
    log_key: str,
    at: int,
    prover: Callable[[int, int], Sequence[bytes]] | None = None,
) -> str:
    """Cosign ``checkpoint`` as a witness without the log's database; return the cosigned note.

    The old size comes from the state file (0 when the witness never cosigned this log: trust
    on first use); the proof file must be a consistency proof from exactly that size. The state
    is saved atomically, and only when the checkpoint is cosigned. The output carries the
    checkpoint's other signatures and one line by this witness (an earlier one is replaced).
    ``prover(old, size)``, if given, supplies the proof when no proof file is (``--db``).

    Raises:
        InputError: a malformed file, or a proof from another size than the witness holds.
        WitnessRefusal: the witness will not cosign (bad log signature, fork, rollback).
    """
    from armsctl.cli.ledger import _proof_document, _read_text, _signer
    from armsctl.errors import InputError, IntegrityError, Problem
    from armsctl.ledger.checkpoint import Checkpoint, open_checkpoint
    from armsctl.ledger.note import parse_note
    from armsctl.ledger.witness import (
        AddCheckpoint,
        WitnessRefusal,
        WitnessState,
        add_checkpoint,
        parse_consistency,
        replace_cosignature,
    )
    from armsctl.store.witness_state import WitnessStateFile

    keys = _log_keys([log_key])
    signer = _signer(key)
    store = WitnessStateFile(state)
    note = _read_text(checkpoint, "checkpoint")
    try:
        head = Checkpoint.parse(parse_note(note)[0])
    except IntegrityError as exc:
        raise InputError([Problem(str(checkpoint), "", str(exc))]) from None
    hashes: tuple[bytes, ...] = ()
    claimed: int | None = None
    if proof is not None:
        try:
            doc = _proof_document(proof, "a consistency proof", typed=False)
            claimed, hashes, proof_size = parse_consistency(doc)
        except IntegrityError as exc:
            raise InputError([Problem(str(proof), "", f"not a consistency proof: {exc}")]) from None
        if proof_size is not None and proof_size != head.size:
            raise InputError(
                [
                    Problem(
                        str(proof), "", f"proves size {proof_size}, the checkpoint is {head.size}"
                    )
                ]
            )

    def decide(current: WitnessState) -> tuple[WitnessState, str]:
        old = current.size_of(head.origin)
        try:
            open_checkpoint(note, keys[0])
        except IntegrityError as exc:
            raise WitnessRefusal(403, f"{checkpoint}: {exc}") from None
        if head.size < old:
            raise WitnessRefusal(
                409,
                f"rollback: checkpoint of size {head.size} is older than size {old}, "
                "which this witness already cosigned",
            )
        if claimed is not None and claimed != old:
            raise InputError(
                [
                    Problem(
                        str(proof),
                        "",
                        f"is a proof from size {claimed}; this witness last "
                        f"cosigned size {old}: give `ledger prove --from-size {old}`",
                    )
                ]
            )
        proven = hashes
        if claimed is None and 0 < old < head.size and prover is not None:
            proven = tuple(prover(old, head.size))
        elif claimed is None and 0 < old < head.size:
            raise InputError(
                f"--proof: this witness last cosigned size {old}; a consistency proof from "
                f"{old} to {head.size} is needed (`ledger prove --from-size {old}`)"
            )
        done = add_checkpoint(
            current, AddCheckpoint(old, proven, note), log_keys=keys, signer=signer, at=at
        )
        if done.first_use:
            err_console.print(
                f"note: no state for {head.origin}: trusting size {head.size} on first use "
                f"(recorded in {state})",
                highlight=False,
            )
        return done.state, replace_cosignature(note, done.line)

    return store.update(decide)


def witness_serve(
    key: Path = typer.Option(..., "--key", help="The witness's private key file."),
    log_key: list[str] = typer.Option(
        ..., "--log-key", help="A log's verifier key or .pub file (repeatable)."
    ),
    state: Path = typer.Option(..., "--state", help="Witness memory (JSON), created if absent."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8100, "--port", help="TCP port."),
) -> None:
    """Serve c2sp.org/tlog-witness POST /add-checkpoint for the given logs."""
    from armsctl.cli.ledger import _signer

    # The keys first: a refused key costs no import of the server (uvicorn, the API).
    signer = _signer(key)
    log_keys = _log_keys(log_key)

    import uvicorn

    from armsctl.api.witness import create_witness_app
    from armsctl.store.witness_state import WitnessStateFile

    app = create_witness_app(signer=signer, log_keys=log_keys, state=WitnessStateFile(state))
    err_console.print(
        f"witness {signer.name}: cosignature key {signer.as_cosigner().verifier()}",
        highlight=False,
    )
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=True)


def register(app: typer.Typer) -> None:
    """Add the ``witness`` command group."""
    app.add_typer(witness_app, name="witness")
    witness_app.command("serve")(witness_serve)
