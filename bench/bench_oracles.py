"""The exactness checks at full size: the tests marked by ``ARMSCTL_ORACLE_FULL``.

``make test`` runs each oracle comparison (exhaustive search, exact rational arithmetic, Monte
Carlo) on a small sample of cases; this runs the same tests on thousands of cases. It reports
pass or fail, not a time: the point is the agreement, not the speed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = [
    "tests/verification/test_sampling.py",
    "tests/verification/test_games.py",
    "tests/verification/test_inference.py",
    "tests/monitoring/test_anomalies.py",
]

if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    if "--quick" in sys.argv[1:]:
        print("oracle checks: skipped in --quick (make test runs their small sizes)")
        sys.exit(0)
    env = {**os.environ, "ARMSCTL_ORACLE_FULL": "1"}
    paths = [t for t in TESTS if (root / t).exists()]
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths]
    sys.exit(subprocess.run(cmd, cwd=root, env=env, check=False).returncode)
