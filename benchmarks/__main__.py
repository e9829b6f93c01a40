"""``python -m benchmarks [--quick] [--rounds N] [--systems …] [--workloads …] [--out DIR]``.

Needs PostgreSQL (VINYL_BENCH_POSTGRES, default postgresql://postgres@127.0.0.1:5432/test),
the installed vinyl_async and vinyl_sync packages, psycopg[binary,pool], Django ≥ 5.1 and
matplotlib (for the chart). Creates bench_* tables, measures, drops them, then writes
RESULTS.md, results.json and results.png (into benchmarks/ unless --quick or --out).
Timings are reported, never asserted: the exit status is non-zero only if the harness
itself could not run.
"""

import sys

from .run import main

sys.exit(main())
