"""Build the known-answer vectors of the sealing schemes (``sealing.json``).

Python's ``tests/ledger/test_sealing.py`` and the browser opener's test under Node
(``tests/web/js/sealing.test.mjs``) open the same records with the same key, so the two openers
must agree on every case, padding included. HPKE draws its ephemeral key from the operating
system, so a new run writes different ciphertexts for the same plaintexts: the file is written
once and kept, and the tests only read it. The ``.../v1`` cases are records written before
padding (by the v1 writer, which no longer exists); a run keeps them from the existing file.
Regenerate the v2 cases after a deliberate change with
``python tests/ledger/vectors/generate_sealing.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from armsctl.ledger.sealing import (
    ROW_FLOOR,
    VALUE_FLOOR,
    SealingKey,
    padded_length,
    seal_rows,
    seal_value,
)

HERE = Path(__file__).resolve().parent
TARGET = HERE / "sealing.json"
KEY = SealingKey.generate(hashlib.sha256(b"armsctl vectors sealing USA").digest())
CONTEXT = {"party": "USA", "treaty": "new-start", "date": "2026-02-05"}
ROWS = [
    {
        "index": i,
        "salt": hashlib.sha256(f"salt {i}".encode()).hexdigest(),
        "item": {
            "uid": f"USA-{i:03d}",
            "category": "icbm-launcher",
            "status": "deployed",
            "facility": "Minot",
        },
    }
    for i in range(3)
]
PRIVATE = {
    "facilities": {"Minot": hashlib.sha256(b"fac").hexdigest()},
    "pad_salt": hashlib.sha256(b"pad").hexdigest(),
}
VALUE = {"value": "RUS-base-1", "salt": hashlib.sha256(b"site").hexdigest()}
VALUE_CONTEXT = {"kind": "inspection-site", "treaty": "new-start", "inspection": 7}
SIZES = [0, 1, 100, 255, 256, 1023, 1024, 5000]


def build() -> dict[str, Any]:
    """The whole vector file: the v2 cases fresh, the v1 cases kept from the existing file."""
    old = json.loads(TARGET.read_text(encoding="utf-8")) if TARGET.exists() else {"cases": []}
    legacy = [c for c in old["cases"] if c["name"].endswith("-v1-unpadded")]
    items = seal_rows(ROWS, to=KEY.public(), **CONTEXT, rng=os.urandom, private=PRIVATE)
    value = seal_value(VALUE, to={"USA": KEY.public()}, context=VALUE_CONTEXT, rng=os.urandom)
    return {
        "about": __doc__.split("\n\n")[0].strip() if __doc__ else "",
        "key": str(KEY),
        "public": str(KEY.public()),
        "padding": [
            {"size": n, "floor": floor, "padded": padded_length(n, floor)}
            for floor in (ROW_FLOOR, VALUE_FLOOR)
            for n in SIZES
        ],
        "cases": [
            {
                "name": "items-v2",
                "kind": "items",
                "context": CONTEXT,
                "sealed": items,
                "rows": ROWS,
                "private": PRIVATE,
                "row_ciphertext_bytes": ROW_FLOOR + 16,
            },
            {
                "name": "value-v2",
                "kind": "value",
                "reader": "USA",
                "sealed": value,
                "plain": VALUE,
                "ciphertext_bytes": VALUE_FLOOR + 16,
            },
            *legacy,
        ],
    }


if __name__ == "__main__":
    TARGET.write_text(json.dumps(build(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
