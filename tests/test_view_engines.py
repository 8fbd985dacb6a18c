"""The two databases views run on: SQLCipher on a desk, PostgreSQL on a server.

SQLCipher: given a views database made with one key, the file and its WAL and shared
memory files hold no plaintext; another key, or a file that is not a views database, is
one plain sentence that never shows the key. PostgreSQL: a real server (``local_pg``)
starts, keeps a table, stops, and leaves no folder behind. The ``view_engine`` fixture
runs the same Core code on both.
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    Text,
    exc,
    insert,
    select,
    text,
)

from amanat.errors import KeyError_, NotFound, UsageError
from amanat.views.engine import KEY_BYTES, dialect_name, open_postgres, open_sqlite
from amanat.views.local_pg import local_postgres, postgres_installed
from conftest import skip_unless_ci

# Cyrillic and Arabic as well as ASCII, so that the UTF-16 search means something.
CANARY = "amanat-canary Гульнара Абдуллаева شاهد 7f3a"

metadata = MetaData()
people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, index=True),
)
mentions = Table(
    "mentions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id"), nullable=False),
)


def _files(db: Path) -> list[Path]:
    return [p for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()]


def _leaks(db: Path, secret: str) -> list[str]:
    """Which of ``db``'s files hold ``secret`` in UTF-8 or UTF-16 (either byte order)."""
    needles = [secret.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be")]
    return [p.name for p in _files(db) if any(n in p.read_bytes() for n in needles)]


def _write_canary(engine: Engine) -> None:
    with engine.begin() as conn:
        metadata.create_all(conn)
        conn.execute(insert(people), [{"name": f"{CANARY} {i}"} for i in range(200)])
        conn.execute(insert(people).values(name=CANARY * 300))  # spills to overflow pages


def _key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def test_the_plaintext_search_finds_a_plain_sqlite_file(tmp_path: Path) -> None:
    """Given the canary in a plain SQLite file, then the search below finds it (a control)."""
    db = tmp_path / "plain.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x TEXT)")
        conn.execute("INSERT INTO t VALUES (?)", (CANARY,))
    conn.close()
    assert _leaks(db, CANARY) == ["plain.db"]


def test_a_sqlcipher_views_database_holds_no_plaintext(tmp_path: Path) -> None:
    """Given a views database made with key A, when the canary is written, then neither the
    file nor its -wal and -shm files hold it, while open or after closing, and the file
    does not even start with SQLite's header."""
    db = tmp_path / "views.db"
    key = _key()
    engine = open_sqlite(db, key, create=True)
    _write_canary(engine)
    assert Path(f"{db}-wal").exists(), "the WAL should hold the new pages while open"
    assert _leaks(db, CANARY) == []
    engine.dispose()
    assert _leaks(db, CANARY) == []
    assert not db.read_bytes().startswith(b"SQLite format 3")
    assert db.stat().st_mode & 0o077 == 0

    reopened = open_sqlite(db, key, create=False)
    with reopened.connect() as conn:
        names = conn.execute(select(people.c.name).order_by(people.c.id)).scalars().all()
    reopened.dispose()
    assert names[0] == f"{CANARY} 0" and len(names) == 201


def test_another_key_is_one_clear_sentence(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Given a database made with key A, when it is opened with key B, then KeyError_ says
    so in one sentence naming neither key, and SQLCipher prints nothing to stderr."""
    db = tmp_path / "views.db"
    key_a, key_b = _key(), _key()
    _write_canary(open_sqlite(db, key_a, create=True))
    capfd.readouterr()
    with pytest.raises(KeyError_) as caught:
        open_sqlite(db, key_b, create=False)
    message = str(caught.value)
    assert message.startswith("The views database ")
    assert "cannot be opened with this key" in message
    for key in (key_a, key_b):
        for shown in (key.hex(), key.hex().upper(), repr(key)):
            assert shown not in message and shown not in repr(caught.value)
    assert caught.value.__cause__ is None
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(
    "content",
    [b"hello, I am a text file\n" * 100, os.urandom(8192), "sqlite"],
    ids=["text", "random", "plain-sqlite"],
)
def test_a_file_that_is_not_a_views_database_is_one_clear_sentence(
    tmp_path: Path, content: bytes | str
) -> None:
    """Given a text file, random bytes or an unencrypted SQLite file, when it is opened as
    the views database, then KeyError_ says it cannot be opened with this key."""
    db = tmp_path / "views.db"
    if content == "sqlite":
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE t (x TEXT)")
        conn.close()
    else:
        assert isinstance(content, bytes)
        db.write_bytes(content)
    with pytest.raises(KeyError_, match="cannot be opened with this key"):
        open_sqlite(db, _key(), create=False)


def test_a_missing_database_without_create_is_not_found(tmp_path: Path) -> None:
    """Given no file, when it is opened without create, then NotFound, and no file appears."""
    db = tmp_path / "views.db"
    with pytest.raises(NotFound, match="does not exist"):
        open_sqlite(db, _key(), create=False)
    assert not db.exists()


def test_a_key_of_the_wrong_length_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyError_, match="must be 32 bytes"):
        open_sqlite(tmp_path / "views.db", b"short", create=True)


def test_the_key_never_shows_in_the_engine_or_its_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Given an engine and SQLAlchemy's most talkative logs, then the key appears in no
    repr, URL or log line."""
    key = _key()
    with caplog.at_level(logging.DEBUG, logger="sqlalchemy"):
        engine = open_sqlite(tmp_path / "views.db", key, create=True)
        engine.echo = "debug"
        _write_canary(engine)
        engine.dispose()
    shown = " ".join([repr(engine), str(engine.url), repr(engine.pool), caplog.text])
    assert key.hex() not in shown and key.hex().upper() not in shown
    assert "PRAGMA key" not in shown


def test_the_sqlite_connection_settings(tmp_path: Path) -> None:
    """Given an open views database, then it runs SQLCipher 4 in WAL mode, with foreign
    keys enforced and temporary tables in memory, on every pooled connection."""
    engine = open_sqlite(tmp_path / "views.db", _key(), create=True)
    with engine.connect() as a, engine.connect() as b:
        for conn in (a, b):
            assert conn.execute(text("PRAGMA cipher_version")).scalar_one().startswith("4.")
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert conn.execute(text("PRAGMA temp_store")).scalar_one() == 2  # MEMORY
    engine.dispose()


def _require_postgres() -> None:
    if not postgres_installed():
        skip_unless_ci("PostgreSQL is not installed (Debian package postgresql)")


def test_a_local_postgres_server_starts_keeps_a_table_and_is_removed() -> None:
    """Given PostgreSQL installed, when a local server starts, then a table round-trips
    through open_postgres, and after the block the server is stopped and its folder gone."""
    _require_postgres()
    started = time.monotonic()
    with local_postgres(database="roundtrip") as server:
        startup = time.monotonic() - started
        assert server.url.startswith("postgresql+psycopg://amanat@127.0.0.1:")
        assert server.url.endswith("/roundtrip")
        engine = open_postgres(server.url)
        assert dialect_name(engine) == "postgresql"
        _write_canary(engine)
        with engine.connect() as conn:
            assert conn.execute(select(people.c.name).where(people.c.id == 1)).scalar_one() == (
                f"{CANARY} 0"
            )
            listen = conn.execute(text("SHOW listen_addresses")).scalar_one()
        engine.dispose()
        directory, process = server.directory, server.process
    assert listen == "127.0.0.1"
    assert process.poll() is not None
    assert not directory.exists()
    assert startup < 30


def test_an_unreachable_postgres_is_one_clear_sentence_without_the_password() -> None:
    """Given a URL with a password and nothing listening, then UsageError, password unseen."""
    with pytest.raises(UsageError, match="cannot be opened") as caught:
        open_postgres("postgresql+psycopg://amanat:s3cret-pw@127.0.0.1:1/views")
    assert "s3cret-pw" not in str(caught.value)
    assert caught.value.__cause__ is None


@pytest.mark.parametrize(
    "url", ["sqlite:///views.db", "postgresql://amanat@127.0.0.1/views", "not a url"]
)
def test_open_postgres_refuses_other_urls(url: str) -> None:
    with pytest.raises(UsageError, match="views database URL"):
        open_postgres(url)


def test_the_same_core_code_runs_on_both(view_engine: Engine) -> None:
    """Given a fresh views database of either kind, when the same Core tables are made and
    filled, then rows round-trip, a dangling foreign key is refused, and it starts empty."""
    with view_engine.connect() as conn:
        assert not view_engine.dialect.has_table(conn, "people")
    _write_canary(view_engine)
    with view_engine.connect() as conn:
        count = conn.execute(select(people.c.id).where(people.c.name.like("amanat-canary%")))
        assert len(count.all()) == 201
    with pytest.raises(exc.IntegrityError), view_engine.begin() as conn:
        conn.execute(insert(mentions).values(person_id=99999))
    assert dialect_name(view_engine) in ("sqlite", "postgresql")
