"""``amanat serve`` and ``amanat user add``: the staff web application and its accounts."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from pathlib import Path

import uvicorn

from amanat.bootstrap import open_desk, open_home
from amanat.cli.output import print_result
from amanat.cli.prompts import ask_passphrase
from amanat.errors import UsageError
from amanat.settings import Settings
from amanat.web.staff import create_app
from amanat.web.staff.accounts import AccountStore
from amanat.web.staff.app import accounts_path

__all__ = ["COMMANDS"]


def _password(file: str | None) -> str:
    if file:
        try:
            return Path(file).read_text("utf-8").rstrip("\r\n")
        except FileNotFoundError:
            raise UsageError(f"Password file not found: {file}") from None
    if not sys.stdin.isatty():
        raise UsageError("Give the new account's password with --password-file FILE.")
    password = getpass.getpass("Password for the new account: ")
    if getpass.getpass("Type it again: ") != password:
        raise UsageError("The two passwords differ; no account was added.")
    return password


def user_add(args: argparse.Namespace, settings: Settings) -> int:
    password = _password(args.password_file)
    home = open_home(args.home, settings)
    with open_desk(home, ask_passphrase(settings, args.passphrase_file), settings) as desk:
        store = AccountStore(
            accounts_path(desk), sealer=desk.secret_box("staff totp"), clock=time.time
        )
        enrolment = store.add(args.name, args.role, password)
    result = {"account": args.name, "role": args.role}
    lines = [f"Added {args.name} ({args.role})."]
    if enrolment is not None:
        result |= {"totp_secret": enrolment.secret, "totp_uri": enrolment.uri}
        lines += [
            "Enrol the second factor now; this is shown once:",
            f"  secret: {enrolment.secret}",
            f"  URI:    {enrolment.uri}",
        ]
    print_result(args, result, "\n".join(lines))
    return 0


def serve(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home, settings)
    with open_desk(home, ask_passphrase(settings, args.passphrase_file), settings) as desk:
        desk.update_views()
        app = create_app(desk, settings)
        print(f"Amanat staff app at http://{args.host}:{args.port}/ (Ctrl-C stops it).")
        # The lifespan seals the pending audit events when uvicorn stops.
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


COMMANDS = {"serve": serve, "user add": user_add}
