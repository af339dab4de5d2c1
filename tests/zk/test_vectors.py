"""The shared vector files: rebuilt exactly by the prover, and each case's result reached by the
Python verifier and by the browser verifier (run under Node)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from armsctl.errors import InputError
from armsctl.zk import Context, Openings, RangeProof, verify
from armsctl.zk import group as g

HERE = Path(__file__).parent
VECTORS = HERE / "vectors"
STATIC = Path(__file__).resolve().parents[2] / "src/armsctl/web/static"


def _make_vectors() -> Any:
    spec = importlib.util.spec_from_file_location("make_vectors", HERE / "make_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cases() -> list[dict[str, Any]]:
    return json.loads((VECTORS / "cases.json").read_text(encoding="utf-8"))


def test_vector_files_are_what_the_deterministic_prover_builds() -> None:
    for name, text in _make_vectors().files().items():
        assert (VECTORS / name).read_text(encoding="utf-8") == text, name


def test_generators_match_the_vector_file() -> None:
    gens = json.loads((VECTORS / "generators.json").read_text(encoding="utf-8"))
    assert gens["G"] == g.BASE.hex()
    assert gens["H"] == g.element_from_label(gens["H_label"].encode()).hex()
    c = gens["commitment"]
    assert g.commit(g.scalar(c["value"]), bytes.fromhex(c["blinding"])).hex() == c["commitment"]


def test_openings_in_the_vector_open_the_valid_proofs_commitments() -> None:
    data = json.loads((VECTORS / "proof.json").read_text(encoding="utf-8"))
    openings = Openings.from_json(data["openings"])
    valid = next(c for c in _cases() if c["name"] == "valid")
    assert [o.commitment().hex() for o in openings.sites] == [
        s["commitment"] for s in valid["proof"]["sites"]
    ]
    assert sum(o.value for o in openings.sites) == 1550


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["name"])
def test_python_verifier_reaches_each_cases_result(case: dict[str, Any]) -> None:
    expected = Context.from_json(case["expected"], "expected")
    want = case["result"]
    if want["failed"] == "malformed":
        with pytest.raises(InputError):
            RangeProof.from_json(case["proof"])
        return
    result = verify(RangeProof.from_json(case["proof"]), expected).to_json()
    assert (result["verified"], result["failed"]) == (want["verified"], want["failed"])


def test_javascript_verifier_reaches_each_cases_result() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("JAVASCRIPT VECTOR TESTS NOT RUN: node is missing (apt-get install nodejs)")
    run = subprocess.run(
        [node, str(HERE / "vectors.test.mjs"), str(STATIC / "zk-verify.mjs"), str(VECTORS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["H"] == g.GENERATOR_H.hex()
    assert report["cases"] == {c["name"]: c["result"] for c in _cases()}
