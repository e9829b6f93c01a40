"""Django's own tests/test_sqlite.py (of the Django version under test), run through vinyl_sync.

runtests.py puts Django's tests/ directory first on sys.path, so its settings module is
importable; only the test runner changes (see vinyl_conformance.py).
"""

from test_sqlite import *  # noqa: F403

TEST_RUNNER = "vinyl_conformance.ConformanceRunner"
