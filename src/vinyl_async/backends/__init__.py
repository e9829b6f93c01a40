"""Django ENGINE modules for vinyl: ``vinyl_async.backends.postgresql`` / ``.mysql`` / ``.sqlite3``.

Each is a thin subclass of Django's own backend, so ``manage.py migrate``, ``M.objects``
and vinyl all work on the same ``DATABASES`` alias. The standard Django ENGINE values
work with vinyl too; these exist so a project can name vinyl in its settings, and (for
MySQL) so PyMySQL stands in for mysqlclient before Django's backend loads.
"""
