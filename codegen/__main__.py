"""``python -m codegen [--check | --diff]``: regenerate vinyl_sync and tests/sync_.

Exit status: 0 done / up to date; 1 ``--check`` found generated files that differ from what
the source generates (the diff is printed); 2 the source cannot be transformed (every
problem is printed as ``file:line: message``; nothing is written) or ruff is unusable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .formatting import FormattingError
from .project import apply, compare, existing_outputs, expected_outputs, unified_diff
from .transform import CodegenError

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The repository is the parent of this package, wherever codegen is run from."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and print a diff if a generated file is stale",
    )
    mode.add_argument("--diff", action="store_true", help="print the diff, write nothing")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    args = parse_args(argv)
    root = root or REPO_ROOT
    try:
        expected = expected_outputs(root)
    except CodegenError as error:
        print(error, file=sys.stderr)
        print(f"codegen: {len(error.problems)} problem(s); nothing written", file=sys.stderr)
        return 2
    except FormattingError as error:
        print(f"codegen: {error}", file=sys.stderr)
        return 2
    changes = compare(expected, existing_outputs(root))
    if args.check or args.diff:
        sys.stdout.write(unified_diff(changes))
        if args.check and changes:
            print(
                f"codegen: {len(changes)} generated file(s) out of date; "
                "run `python -m codegen` (never edit generated files)",
                file=sys.stderr,
            )
            return 1
        return 0
    apply(root, changes)
    written = sum(change.new is not None for change in changes)
    deleted = len(changes) - written
    print(
        f"codegen: {written} written, {deleted} deleted, {len(expected) - written} unchanged",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
