"""vinyl's benchmark harness: ``python -m benchmarks [--quick]`` (see ``__main__``).

One run measures raw psycopg (async and sync), Django's sync ORM, Django's async API
(run the way ASGIHandler runs it), vinyl_async and vinyl_sync on the same PostgreSQL
tables and data, and writes RESULTS.md, results.json and results.png.
"""
