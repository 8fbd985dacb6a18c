"""The two databases views run on, opened as SQLAlchemy engines.

``open_sqlite`` opens the desk's views database: SQLite encrypted at rest with SQLCipher 4,
keyed with a raw 256-bit key, so a powered-off desk shows nothing but random pages.
``open_postgres`` opens a PostgreSQL database for a multi-user server. Both check the
database at once, so a wrong key or an unreachable server is one plain sentence when the
engine is opened, not a driver traceback at the first query.

The key travels only inside the ``creator`` callable that SQLAlchemy calls for each new
connection: it is never in a URL, so never in ``repr(engine)``, a log line or an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import quote

import sqlcipher3
from sqlalchemy import URL, Engine, create_engine, exc, make_url, text
from sqlalchemy.pool import QueuePool

from amanat.errors import HomeError, KeyError_, NotFound, UsageError

__all__ = ["KEY_BYTES", "dialect_name", "open_postgres", "open_sqlite"]

KEY_BYTES = 32

_SQLITE_NOTADB = 26  # sqlite3.h: "file is not a database", what a wrong key also gives


def open_sqlite(path: Path, key: bytes, *, create: bool) -> Engine:
    """An engine on the SQLCipher database at ``path``, keyed with ``key`` (32 bytes).

    With ``create`` a missing file is made (mode 0600); without it, a missing file is
    ``NotFound``. A wrong key, or a file that is not a views database, is ``KeyError_``.
    """
    if len(key) != KEY_BYTES:
        raise KeyError_(
            "The views database key must be %(count)s bytes, not %(size)s.",
            count=KEY_BYTES,
            size=len(key),
        )
    path = path.absolute()  # pooled connections must not follow a later chdir
    if not path.exists():
        if not create:
            raise NotFound(
                "The views database %(path)s does not exist; rebuild the views from the vault.",
                path=path,
            )
        try:
            path.touch(mode=0o600)
        except OSError as e:
            raise HomeError(
                "The views database %(path)s cannot be created: %(reason)s.",
                path=path,
                reason=e.strerror,
            ) from e
    # mode=rw: a pooled connection made after the file was deleted fails instead of
    # quietly starting an empty database.
    uri = f"file:{quote(str(path))}?mode=rw"

    def connect() -> sqlcipher3.Connection:
        conn = sqlcipher3.connect(uri, uri=True, check_same_thread=False)
        try:
            _key_and_check(conn, key, path)
        except BaseException:
            conn.close()
            raise
        return conn

    engine = create_engine(
        URL.create("sqlite+pysqlite", database=str(path)),  # for repr only; no key in it
        module=sqlcipher3,
        creator=connect,
        poolclass=QueuePool,
    )
    _check(engine)
    return engine


def _key_and_check(conn: sqlcipher3.Connection, key: bytes, path: Path) -> None:
    try:
        # SQLCipher logs a failed HMAC check to stderr by default; a wrong key is
        # already reported as one sentence, so its log is noise.
        conn.execute("PRAGMA cipher_log_level = NONE")
        # OFF: ON (mlock and wipe every allocation) made a GROUP BY over 200,000 rows
        # 2.3 times slower here, and it cannot keep the decrypted rows that Python holds
        # out of swap anyway; docs/threat-model.md asks for encrypted swap instead.
        conn.execute("PRAGMA cipher_memory_security = OFF")
        # A raw key (x'...') skips SQLCipher's 256,000-round PBKDF2 on every connection;
        # the key is already the output of a KDF.
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        # 16 KiB pages (SQLCipher's default is 4 KiB): a quarter of the per-page HMACs and
        # B-tree splits; bulk inserts 16% faster (200,000 rows, 2026-11-28). A file made
        # with other pages does not open, and the desk then rebuilds its views.
        conn.execute("PRAGMA cipher_page_size = 16384")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()  # checks the key
    except sqlcipher3.DatabaseError as e:
        if getattr(e, "sqlite_errorcode", None) == _SQLITE_NOTADB:
            raise KeyError_(
                "The views database %(path)s cannot be opened with this key; it was made with "
                "another key or is not a views database (views can be rebuilt from the vault).",
                path=path,
            ) from None
        raise HomeError(
            "The views database %(path)s cannot be opened: %(reason)s.", path=path, reason=str(e)
        ) from None
    conn.execute("PRAGMA temp_store = MEMORY")  # no temporary files on disk at all
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")  # on a new file, this writes page 1
    # 64 MiB of page cache (the default is 2 MiB): a rebuild writes into a dozen
    # indexes at once, and every page evicted must be encrypted and read back.
    conn.execute("PRAGMA cache_size = -65536")


def open_postgres(url: str) -> Engine:
    """An engine on the PostgreSQL database at ``url`` (``postgresql+psycopg://...``)."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise UsageError(
            "The views database URL does not parse; "
            "write it as postgresql+psycopg://USER@HOST:PORT/DATABASE."
        ) from None
    if parsed.drivername != "postgresql+psycopg":
        raise UsageError(
            "The views database URL must start with postgresql+psycopg://, not %(driver)s://.",
            driver=parsed.drivername,
        )
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"
    engine = create_engine(parsed, pool_pre_ping=True)
    try:
        _check(engine)
    except exc.OperationalError as e:
        engine.dispose()
        raise _postgres_error(e, where) from None
    return engine


def _postgres_error(e: exc.OperationalError, where: str) -> UsageError:
    # psycopg gives no SQLSTATE for a failed connection (a missing database or role, a
    # refused port), so the server's own reason is passed on: libpq's text names host
    # and port, never the password.
    reason = " ".join(str(e.orig).rsplit("failed: ", 1)[-1].split()).rstrip(".")
    return UsageError(
        "The views database at %(where)s cannot be opened (%(reason)s); check that PostgreSQL "
        "runs there and the views database URL in the settings.",
        where=where,
        reason=reason,
    )


def _check(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def dialect_name(engine: Engine) -> Literal["sqlite", "postgresql"]:
    """Which of the two databases ``engine`` runs on, for the few places SQL differs."""
    name = engine.dialect.name
    if name not in ("sqlite", "postgresql"):
        raise UsageError("Views run on SQLite or PostgreSQL, not %(name)s.", name=name)
    return "sqlite" if name == "sqlite" else "postgresql"
