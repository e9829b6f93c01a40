"""A Starlette service on vinyl_async, without settings.py: see app.py."""
