"""A throwaway PostgreSQL server for tests: initdb into a fresh folder, start, stop, remove.

It listens on 127.0.0.1 only, on a free port, with its Unix socket inside its own
folder (never the system's /var/run/postgresql), trusts connections from 127.0.0.1 and
nothing else, and is gone with its folder when the block ends. PostgreSQL refuses to run
as root, and CI runs as root: there the server runs as the ``postgres`` system user that
Debian's package creates, and its folder is handed to that user.

Nothing here touches a real server; a multi-user deployment points ``open_postgres`` at
one that its admin runs.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg import sql

from amanat.errors import AmanatError, UsageError

__all__ = ["LocalPostgres", "local_postgres", "postgres_installed"]

SUPERUSER = "amanat"

# As in mirrors/local_s3.py: below Linux's ephemeral range (32768-60999), so an outgoing
# connection cannot take the port between the check and the server's bind.
_PORTS = range(20000, 32000)

# Safe only because the server and its data are thrown away: a crash loses the data,
# which a test never needs back. initdb --no-sync likewise.
_FAST = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "log_min_messages": "warning",
}

# The server's environment is built, not inherited: PGDATA, PGPORT, PGOPTIONS or a
# locale that is not installed, left in a developer's shell, would change or break it.
_ENV = {"PATH": os.defpath, "LC_ALL": "C", "TZ": "UTC"}


@dataclass(frozen=True)
class LocalPostgres:
    port: int
    database: str
    directory: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the database made at start."""
        return self.url_for(self.database)

    def url_for(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"


def postgres_installed() -> bool:
    return _programs() is not None


@contextlib.contextmanager
def local_postgres(
    *, database: str = "amanat", startup_seconds: float = 30
) -> Iterator[LocalPostgres]:
    """Run a fresh PostgreSQL server with one empty ``database`` until the block ends."""
    programs = _programs()
    if programs is None:
        raise UsageError(
            "PostgreSQL is not installed (Debian package postgresql); run scripts/setup --dev."
        )
    initdb, postgres = programs
    owner = _server_user()
    # In /tmp, not under a caller's folder: the postgres user must be able to reach it,
    # and the socket path must stay under the 107 bytes a Unix socket name may have.
    directory = Path(tempfile.mkdtemp(prefix="amanat-pg-"))
    try:
        if owner is not None:
            os.chown(directory, owner.pw_uid, owner.pw_gid)
        log = (directory / "postgres.log").open("wb")
        try:
            _initdb(initdb, directory, owner, log)
            for attempt in range(3):  # a port taken meanwhile: start again on a new one
                port = _free_port()
                process = _start(postgres, directory, port, owner, log)
                try:
                    _wait_ready(port, process, directory, startup_seconds)
                    break
                except AmanatError:
                    _stop(process)
                    if attempt == 2:
                        raise
            try:
                _create_database(port, database)
                yield LocalPostgres(port, database, directory, process)
            finally:
                _stop(process)
        finally:
            log.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _programs() -> tuple[Path, Path] | None:
    """initdb and postgres from one installation: PATH first, then Debian's folders."""
    found = shutil.which("initdb")
    if found is not None:
        folders = [Path(found).resolve().parent]
    else:
        # Debian keeps the server programs off PATH, one folder per major version.
        folders = sorted(
            Path("/usr/lib/postgresql").glob("*/bin"),
            key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
            reverse=True,
        )
    for folder in folders:
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            return folder / "initdb", folder / "postgres"
    return None


def _server_user() -> pwd.struct_passwd | None:
    """The user to run the server as: None for the current one, ``postgres`` for root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise UsageError(
            "PostgreSQL refuses to run as root and there is no postgres user to run it as; "
            "install the Debian package postgresql (scripts/setup --dev)."
        ) from None


def _as(owner: pwd.struct_passwd | None) -> dict[str, Any]:
    """Popen arguments that run a program as ``owner`` (setuid in the child, like runuser)."""
    if owner is None:
        return {}
    return {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}


def _initdb(initdb: Path, directory: Path, owner: pwd.struct_passwd | None, log: IO[bytes]) -> None:
    args = [
        str(initdb), "-D", str(directory / "data"), "-U", SUPERUSER, "--auth=trust",
        "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions",
    ]  # fmt: skip
    done = subprocess.run(
        args, stdout=log, stderr=subprocess.STDOUT, cwd=directory, env=_ENV, check=False,
        **_as(owner),
    )  # fmt: skip
    if done.returncode != 0:
        raise AmanatError("initdb failed: %(line)s", line=_last_line(directory))
    hba = directory / "data" / "pg_hba.conf"
    # Replaces initdb's file, which also trusts ::1 and the Unix socket.
    hba.write_text("host all all 127.0.0.1/32 trust\n", "utf-8")
    if owner is not None:
        os.chown(hba, owner.pw_uid, owner.pw_gid)


def _free_port() -> int:
    while True:
        port = secrets.choice(_PORTS)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def _start(
    postgres: Path, directory: Path, port: int, owner: pwd.struct_passwd | None, log: IO[bytes]
) -> subprocess.Popen[bytes]:
    args = [
        str(postgres), "-D", str(directory / "data"), "-p", str(port),
        "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={directory}",
    ]  # fmt: skip
    for name, value in _FAST.items():
        args += ["-c", f"{name}={value}"]
    return subprocess.Popen(
        args, stdout=log, stderr=subprocess.STDOUT, cwd=directory, env=_ENV,
        start_new_session=True, **_as(owner),
    )  # fmt: skip


def _connect(port: int, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(
        host="127.0.0.1", port=port, user=SUPERUSER, dbname=database,
        connect_timeout=2, autocommit=True,
    )  # fmt: skip


def _wait_ready(port: int, process: subprocess.Popen[bytes], directory: Path, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AmanatError(
                "The local PostgreSQL server stopped while starting: %(line)s",
                line=_last_line(directory),
            )
        try:
            with _connect(port):
                return
        except psycopg.OperationalError:
            time.sleep(0.05)
    raise AmanatError(
        "The local PostgreSQL server did not start within %(limit)s s.", limit=f"{limit:.0f}"
    )


def _last_line(directory: Path) -> str:
    """The server's last log line, for an error raised before its folder is removed."""
    lines = (directory / "postgres.log").read_text("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "(no log)"


def _create_database(port: int, database: str) -> None:
    with _connect(port) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def _stop(process: subprocess.Popen[bytes]) -> None:
    # SIGINT is PostgreSQL's "fast" shutdown: it ends open sessions instead of waiting
    # for them, as SIGTERM ("smart") would for an engine a test forgot to dispose.
    for sig, wait in ((signal.SIGINT, 10.0), (signal.SIGQUIT, 3.0)):
        process.send_signal(sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
