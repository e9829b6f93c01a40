# generated from src/vinyl_async/backends/mysql/__init__.py by codegen — do not edit

"""Django ENGINE ``vinyl_sync.backends.mysql``: Django's MySQL/MariaDB backend, for vinyl.

Django loads ``<ENGINE>.base`` and instantiates its ``DatabaseWrapper``. Importing this
package registers PyMySQL as ``MySQLdb`` when mysqlclient is not installed (see
``_mysqldb``), so Django's backend loads with only PyMySQL/PyMySQL installed.
"""

from ._mysqldb import install_pymysql_as_mysqldb

install_pymysql_as_mysqldb()
