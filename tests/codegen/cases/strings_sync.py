# generated from src/vinyl_async/strings.py by codegen — do not edit

"""Module docstring naming vinyl_sync.backends.sqlite3 and tests.sync_.models."""

ENGINES = {
    "postgresql": "vinyl_sync.backends.postgresql",
    "mysql": "vinyl_sync.backends.mysql",
}
APPS = ["tests.sync_.models", "django.contrib.contenttypes"]
UNTOUCHED = ["vinyl_async_settings", "my_vinyl_async", "vinyl_asyncx", "asyncore is a word"]


def message(name: str) -> str:
    """Say where *name* comes from (vinyl_sync)."""
    return f"{name} is not supported by vinyl_sync (see vinyl_sync.conf)" + b"vinyl_sync".decode()
