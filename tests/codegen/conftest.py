"""The golden cases are inputs and outputs of codegen, not tests or importable modules."""

import sys
from pathlib import Path

collect_ignore_glob = ["cases/*"]

# ``codegen`` lives at the repository root, which plain ``pytest`` does not put on sys.path.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
