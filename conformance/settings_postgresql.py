"""Django's own tests/test_sqlite.py settings on PostgreSQL, run through vinyl_sync.

The server comes from $VINYL_TEST_POSTGRES (default postgresql://postgres@127.0.0.1:5432/test);
Django's runner creates its test_* databases itself.
"""

import os
import urllib.parse

from test_sqlite import *  # noqa: F403

_url = urllib.parse.urlsplit(
    os.environ.get("VINYL_TEST_POSTGRES") or "postgresql://postgres@127.0.0.1:5432/test"
)


def _alias(name):
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": urllib.parse.unquote(_url.username or "postgres"),
        "PASSWORD": urllib.parse.unquote(_url.password or ""),
        "HOST": _url.hostname or "127.0.0.1",
        "PORT": str(_url.port or 5432),
    }


DATABASES = {"default": _alias("vinyl_conformance"), "other": _alias("vinyl_conformance_other")}
TEST_RUNNER = "vinyl_conformance.ConformanceRunner"
