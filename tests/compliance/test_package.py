"""The package's API: every name of the engine's and the views' ``__all__``, imported lazily."""

from __future__ import annotations

import json
import subprocess
import sys

CODE = """
import json, sys
import armsctl.compliance as package
loaded = sorted(m for m in sys.modules if m.startswith("armsctl.compliance."))
package.history  # first read: only now is its module imported
print(json.dumps({"all": package.__all__, "before": loaded, "after": sorted(sys.modules)}))
"""


def test_the_package_exports_its_submodules_lists_and_imports_them_only_when_read() -> None:
    from armsctl.compliance import engine, views

    run = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    seen = json.loads(run.stdout)
    assert seen["before"] == []
    assert "armsctl.compliance.views" in seen["after"]
    assert sorted(seen["all"]) == sorted(["explain_items", *engine.__all__, *views.__all__])
