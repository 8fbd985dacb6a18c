"""``amanat serve`` and ``amanat user add``: the staff web application and its accounts."""

from __future__ import annotations

import argparse
import gc
import getpass
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from amanat.bootstrap import open_desk, open_home
from amanat.cli.output import print_result
from amanat.cli.prompts import ask_passphrase
from amanat.cli.words import tr
from amanat.desk import Desk, Station
from amanat.errors import UsageError
from amanat.settings import Settings
from amanat.web.staff import create_app
from amanat.web.staff.accounts import AccountStore
from amanat.web.staff.app import accounts_path
from amanat.web.staff.workers import Cluster, HandoffServer, run_processes

__all__ = ["COMMANDS"]


def _password(file: str | None) -> str:
    if file:
        try:
            return Path(file).read_text("utf-8").rstrip("\r\n")
        except FileNotFoundError:
            raise UsageError("Password file not found: %(file)s", file=file) from None
    if not sys.stdin.isatty():
        raise UsageError("Give the new account's password with --password-file FILE.")
    password = getpass.getpass(tr("Password for the new account: "))
    if getpass.getpass(tr("Type it again: ")) != password:
        raise UsageError("The two passwords differ; no account was added.")
    return password


@contextmanager
def _open(args: argparse.Namespace, settings: Settings) -> Iterator[Desk | Station]:
    """The home's desk, unlocked with the passphrase; or, on a station, the station,
    which needs none (it holds no decryption key)."""
    home = open_home(args.home, settings)
    if "desk" in home.roles or "station" not in home.roles:
        with open_desk(home, ask_passphrase(settings, args.passphrase_file), settings) as desk:
            yield desk
    else:
        with Station(home) as station:
            yield station


def user_add(args: argparse.Namespace, settings: Settings) -> int:
    password = _password(args.password_file)
    with _open(args, settings) as desk:
        sealer = desk.secret_box("staff totp") if isinstance(desk, Desk) else None
        store = AccountStore(accounts_path(desk), sealer=sealer, clock=time.time)
        enrolment = store.add(args.name, args.role, password)
    result = {"account": args.name, "role": args.role}
    lines = [tr("Added %(name)s (%(role)s).", name=args.name, role=args.role)]
    if enrolment is not None:
        result |= {"totp_secret": enrolment.secret, "totp_uri": enrolment.uri}
        lines += [
            tr("Enrol the second factor now; this is shown once:"),
            "  " + tr("secret: %(secret)s", secret=enrolment.secret),
            f"  URI:    {enrolment.uri}",
        ]
    print_result(args, result, "\n".join(lines))
    return 0


def _uvicorn(app: object) -> uvicorn.Config:
    # httptools and uvloop when installed (uvicorn's "auto"); no access log: addresses
    # hold person ids, and the audit trail records who saw what. No proxy headers: the
    # app listens itself, and a client's X-Forwarded-For is not to be believed.
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        server_header=False,
    )


def serve(args: argparse.Namespace, settings: Settings) -> int:
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise UsageError("Give --workers 1 or more.")
    with _open(args, settings) as desk:
        if isinstance(desk, Desk):
            desk.update_views()
        else:
            workers = 1  # a station only takes intakes, which one process serves
        where = f"http://{args.host}:{args.port}/"
        if workers == 1:
            app = create_app(desk, settings)
            print(tr("Amanat staff app at %(address)s (Ctrl-C stops it).", address=where),
                  flush=True)  # fmt: skip
            # The lifespan seals the pending audit events when uvicorn stops.
            uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
            return 0
        assert isinstance(desk, Desk)
        opened: Desk = desk
        cluster = Cluster.make()
        opened.engine.dispose()  # no pooled connection crosses a fork

        def run(primary: bool, sockets: list[socket.socket]) -> None:
            opened.engine.dispose(close=False)  # the parent's connections are not ours
            app = create_app(opened, settings, cluster=cluster, primary=primary)
            gc.freeze()  # what the app holds for good is never scanned again
            gc.set_threshold(20_000, 20, 20)
            if primary:
                uvicorn.Server(_uvicorn(app)).run(sockets=sockets)
            else:  # a worker: its connections come from the parent (Dispatcher)
                HandoffServer(_uvicorn(app), sockets[0]).run()

        said = tr(
            "Amanat staff app at %(address)s in %(count)d processes (Ctrl-C stops it).",
            address=where,
            count=workers,
        )
        print(said, flush=True)
        return run_processes(args.host, args.port, workers, run, cluster)


COMMANDS = {"serve": serve, "user add": user_add}
