"""Views: opened entries projected into SQL tables, rebuildable from the vault at any time.

The tables are written once with SQLAlchemy Core and run on two databases: SQLite
encrypted with SQLCipher on a desk (``engine.open_sqlite``), and PostgreSQL for a
multi-user server (``engine.open_postgres``). ``local_pg`` starts a throwaway PostgreSQL
server so the tests run the same view code against both.
"""
