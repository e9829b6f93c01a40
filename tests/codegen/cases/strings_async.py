"""Module docstring naming vinyl_async.backends.sqlite3 and tests.async_.models."""

ENGINES = {
    "postgresql": "vinyl_async.backends.postgresql",
    "mysql": 'vinyl_async.backends.mysql',
}
APPS = ["tests.async_.models", "django.contrib.contenttypes"]
UNTOUCHED = ["vinyl_async_settings", "my_vinyl_async", "vinyl_asyncx", "asyncore is a word"]


def message(name: str) -> str:
    """Say where *name* comes from (vinyl_async)."""
    return f"{name} is not supported by vinyl_async (see vinyl_async.conf)" + b"vinyl_async".decode()
