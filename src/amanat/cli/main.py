"""``amanat``: the command line. Parses arguments, calls one command, maps errors.

Every error a user can meet is printed as one sentence on stderr with its exit code
(``amanat.errors``); a user never sees a traceback. ``docs/cli.md`` is generated from
the ``--help`` texts below (``python -m amanat.cli.docs``) and a test keeps it current.
They are written in English and translated when a help page is printed
(``amanat.cli.parsing``); ``scripts/i18n.py`` extracts them for the catalogues.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from amanat import __version__
from amanat.bootstrap import load_settings
from amanat.cli import words
from amanat.cli.parsing import EXAMPLE, Help, Parser, language_given
from amanat.cli.progress import stop_asked
from amanat.cli.words import sentence, tr
from amanat.errors import AmanatError, UsageError
from amanat.i18n import LOCALES, from_environment
from amanat.settings import Settings
from amanat.vault import seal

__all__ = ["build_parser", "main"]

# Each command's module is imported only when that command runs: the mirror commands
# bring boto3, 0.1 s of start-up that every `amanat seal` at the intake desk would
# otherwise pay (python -X importtime, 2026-11-28). What this module imports itself
# stays light too: the desk's layers load on first use (`amanat.imported_on_use`), or
# every command pays two seconds for them (tests/test_cli_startup.py).
_VAULT = "amanat.cli.commands:COMMANDS"
_MIRRORS = "amanat.cli.mirror_commands:MIRROR_COMMANDS"
_DEMO = "amanat.cli.demo:COMMANDS"
_RECORDS = "amanat.cli.records_commands:COMMANDS"
_IMPORT = "amanat.cli.import_commands:COMMANDS"
COMMAND_MODULES = {
    **dict.fromkeys(
        ["init", "station create", "station trust", "station update", "station revoke",
         "org export", "seal",
         "verify", "log", "open", "prove", "check-proof", "pull", "shares check"],
        _VAULT,
    ),
    **dict.fromkeys(
        ["mirror add", "mirror list", "mirror remove", "mirror set", "mirror verify", "sync",
         "status", "restore", "rekey", "drill", "panic"],
        _MIRRORS,
    ),
    "demo": _DEMO,
    **dict.fromkeys(
        ["id check", "persons", "person", "duplicates", "views update", "views rebuild",
         "export", "places find", "places add"],
        _RECORDS,
    ),
    "import": _IMPORT,
    **dict.fromkeys(["serve", "user add"], "amanat.cli.web_commands:COMMANDS"),
    "link": "amanat.cli.link_commands:COMMANDS",
    **dict.fromkeys(
        ["testimonies unlinked", "testimonies link"], "amanat.cli.testimony_commands:COMMANDS"
    ),
}  # fmt: skip

Command = Callable[[argparse.Namespace, Settings], int]


def load_command(name: str) -> Command:
    module, table = COMMAND_MODULES[name].split(":")
    command: Command = getattr(importlib.import_module(module), table)[name]
    return command


def _parser(
    sub: argparse._SubParsersAction[Parser],
    name: str,
    help_text: str,
    example: str,
) -> Parser:
    return sub.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=f"{EXAMPLE}\n  {example}",
        formatter_class=Help,
    )


def _home(p: argparse.ArgumentParser) -> None:
    p.add_argument("--home", help="the home folder (default: $AMANAT_HOME or ~/.amanat)")


def _json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON for scripts")


def _passphrase(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help="read the desk passphrase from FILE (else $AMANAT_PASSPHRASE, else asked)",
    )


def build_parser() -> argparse.ArgumentParser:
    top = Parser(
        prog="amanat",
        description="Amanat: a sealed, signed, mirrored testimony archive.",
        epilog=f"{EXAMPLE}\n  amanat demo",
        formatter_class=Help,
    )
    top.add_argument("--version", action="version", version=f"amanat {__version__}")
    top.add_argument(  # args.language: `places add` has a --lang of its own, args.lang
        "--lang",
        dest="language",
        choices=sorted(LOCALES),
        help="the language of what the command says (default: $AMANAT_LANG, else the "
        "terminal's language, else en)",
    )
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = _parser(
        sub,
        "demo",
        "Show Amanat at work in a scratch folder, then open the staff web app on it.",
        "amanat demo",
    )
    p.add_argument("--keep", metavar="DIR", help="build the demo in DIR and keep it")
    p.add_argument(
        "--no-serve",
        dest="serve",
        action="store_false",
        help="end after the story instead of starting the staff web app",
    )
    p.add_argument("--port", type=int, default=8080, help="the web app's port (8080)")
    _json(p)

    p = _parser(
        sub,
        "init",
        "Create an organisation, its first desk, and the trustees' shares.",
        "amanat init ~/atajurt-desk --name Atajurt --trustees 5 --threshold 3",
    )
    p.add_argument("home_dir", metavar="HOME", help="a new, empty folder for this desk")
    p.add_argument("--name", default="Amanat organisation", help="the organisation's name")
    p.add_argument("--trustees", type=int, default=5, help="how many trustees get a share (5)")
    p.add_argument("--threshold", type=int, default=3, help="how many shares restore (3)")
    p.add_argument("--shares-dir", metavar="DIR", help="where to write the shares (HOME-shares)")
    p.add_argument("--desk-name", default="desk-1", help="a name for this desk")
    _passphrase(p)
    _json(p)

    station = _parser(
        sub,
        "station",
        "Set up and trust intake stations.",
        "amanat station create ~/station --org org-export.json",
    )
    ssub = station.add_subparsers(dest="station_command", metavar="ACTION", required=True)
    p = _parser(
        ssub,
        "create",
        "Make a station home: it can seal but never read.",
        "amanat station create ~/station --org org-export.json --name office-1",
    )
    p.add_argument("home_dir", metavar="HOME", help="a new folder (or a desk home to add to)")
    p.add_argument("--org", required=True, metavar="FILE", help="the org-export.json of a desk")
    p.add_argument("--name", default="station", help="a name for this station")
    _json(p)
    p = _parser(
        ssub,
        "trust",
        "Trust a station's key (run at an admin desk).",
        "amanat station trust --home ~/desk ~/station/keys/station.pub",
    )
    _home(p)
    p.add_argument("key", metavar="KEY", help="the station key, or its station.pub file")
    p.add_argument("--name", default="station", help="a name for this station")
    p.add_argument("--station", metavar="HOME", help="also update this station home's keyring")
    _passphrase(p)
    _json(p)
    p = _parser(
        ssub,
        "revoke",
        "Revoke a seized or lost station's key (run at an admin desk).",
        "amanat station revoke --home ~/desk 3f2a9c01d4e5b6a7",
    )
    _home(p)
    p.add_argument("station", metavar="KEY_ID", help="the station's key id (amanat log shows it)")
    p.add_argument(
        "--keep-until",
        type=int,
        metavar="N",
        help="trust its first N records (default: what this desk has verified)",
    )
    _passphrase(p)
    _json(p)
    p = _parser(
        ssub,
        "update",
        "Give a station the organisation's newest keyring.",
        "amanat station update ~/station --org org-export.json",
    )
    p.add_argument("home_dir", metavar="HOME", help="the station home")
    p.add_argument("--org", required=True, metavar="FILE", help="the org-export.json of a desk")
    _json(p)

    org = _parser(sub, "org", "The organisation file.", "amanat org export --home ~/desk")
    osub = org.add_subparsers(dest="org_command", metavar="ACTION", required=True)
    p = _parser(
        osub,
        "export",
        "Write the public organisation file for stations and mirrors.",
        "amanat org export --home ~/desk --out org-export.json",
    )
    _home(p)
    p.add_argument("--out", metavar="FILE", help="where to write it (HOME/org-export.json)")
    _json(p)

    p = _parser(
        sub,
        "seal",
        "Seal files and a note as one entry (station).",
        "amanat seal --home ~/station testimony.mp4 id-card.jpg --note 'visit 12'",
    )
    _home(p)
    p.add_argument("files", nargs="*", metavar="FILE", help="files to seal (videos, photos…)")
    p.add_argument("--note", help="a short note, sealed with the files")
    p.add_argument("--data", metavar="JSON_FILE", help="questionnaire answers as a JSON object")
    p.add_argument("--type", default="files", choices=seal.ENTRY_TYPES, help="the entry type")
    _json(p)

    p = _parser(
        sub,
        "verify",
        "Check every signature, hash and checkpoint; needs no key.",
        "amanat verify --home ~/station",
    )
    _home(p)
    p.add_argument("--vault", metavar="DIR", help="verify this vault folder (a copy)")
    p.add_argument("--mirror", metavar="NAME", help="verify this mirror in place, without keys")
    p.add_argument(
        "--from",
        dest="from_url",
        metavar="ADDRESS",
        help="verify a mirror at this address (a folder, or s3://…), with no home and no key",
    )
    p.add_argument(
        "--credentials", metavar="FILE", help="with --from s3://…: the S3 credentials file"
    )
    _json(p)

    p = _parser(
        sub,
        "log",
        "List the log records (sequence, leaf hash, time, station).",
        "amanat log --home ~/desk --json",
    )
    _home(p)
    _json(p)

    p = _parser(
        sub,
        "open",
        "Decrypt an entry, and its files with --out (desk).",
        "amanat open --home ~/desk 3f2a9c01 --out ~/case-3f2a",
    )
    _home(p)
    p.add_argument("entry", metavar="ENTRY_ID", help="the entry id, or its first 8+ digits")
    p.add_argument("--out", metavar="DIR", help="write the entry's files into DIR")
    _passphrase(p)
    _json(p)

    p = _parser(
        sub,
        "prove",
        "Write a proof bundle for one entry, checkable offline.",
        "amanat prove --home ~/desk 3f2a9c01 --out proof.json",
    )
    _home(p)
    p.add_argument("entry", metavar="ENTRY_ID", help="the entry id, or its first 8+ digits")
    p.add_argument("--out", metavar="FILE", help="where to write it (proof-ID.json)")
    _json(p)

    p = _parser(
        sub,
        "check-proof",
        "Check a proof bundle, and sealed files against it.",
        "amanat check-proof proof.json --file blobs/ab/ab12…",
    )
    p.add_argument("bundle", metavar="PROOF", help="the proof bundle (JSON)")
    p.add_argument("--file", action="append", metavar="FILE", help="a sealed file to look up")
    _json(p)

    p = _parser(
        sub,
        "pull",
        "Copy another vault's records into this home, after verifying it.",
        "amanat pull --home ~/desk --from /media/usb/station/vault",
    )
    _home(p)
    p.add_argument("--from", dest="source", required=True, metavar="DIR", help="a vault folder")
    _json(p)

    shares = _parser(
        sub,
        "shares",
        "Trustee recovery shares.",
        "amanat shares check --org org-export.json --shares s1.txt s2.txt s3.txt",
    )
    shsub = shares.add_subparsers(dest="shares_command", metavar="ACTION", required=True)
    p = _parser(
        shsub,
        "check",
        "Check that shares rebuild this organisation's recovery key.",
        "amanat shares check --org org-export.json --shares s1.txt s2.txt s3.txt",
    )
    p.add_argument("--org", required=True, metavar="FILE", help="the org-export.json")
    p.add_argument("--shares", nargs="+", metavar="FILE", help="share files (else typed)")
    _json(p)
    mirror = _parser(
        sub,
        "mirror",
        "Mirrors in other places: a USB disk, a NAS, S3 buckets abroad.",
        "amanat mirror add --home ~/station usb /media/usb/amanat",
    )
    msub = mirror.add_subparsers(dest="mirror_command", metavar="ACTION", required=True)
    p = _parser(
        msub,
        "add",
        "Add a mirror (a folder, or s3://bucket/folder?endpoint=URL).",
        "amanat mirror add --home ~/station abroad 's3://our-bucket/amanat?endpoint="
        "https://s3.example.org' --credentials ~/.amanat-s3",
    )
    _home(p)
    p.add_argument("name", metavar="NAME", help="a short name: usb, nas, berlin…")
    p.add_argument("url", metavar="URL", help="a folder path, or s3://BUCKET/FOLDER?endpoint=URL")
    p.add_argument(
        "--credentials",
        metavar="FILE",
        help="an AWS-style credentials file (else the standard AWS configuration)",
    )
    p.add_argument("--quorum", type=int, help="how many mirrors must hold an entry (2)")
    _json(p)
    p = _parser(msub, "list", "List this home's mirrors.", "amanat mirror list --home ~/station")
    _home(p)
    _json(p)
    p = _parser(
        msub,
        "remove",
        "Forget a mirror (nothing on it is deleted).",
        "amanat mirror remove --home ~/station old-usb",
    )
    _home(p)
    p.add_argument("name", metavar="NAME", help="the mirror's name")
    _json(p)
    p = _parser(
        msub,
        "set",
        "Change the quorum, or let a station drop safe ciphertext.",
        "amanat mirror set --home ~/station --quorum 2 --drop-after-quorum yes",
    )
    _home(p)
    p.add_argument("--quorum", type=int, help="how many mirrors must hold an entry")
    p.add_argument(
        "--drop-after-quorum",
        choices=("yes", "no"),
        help="on a station: delete local ciphertext once the quorum holds it",
    )
    _json(p)
    p = _parser(
        msub,
        "verify",
        "Check a mirror in place, without keys.",
        "amanat mirror verify --home ~/desk abroad",
    )
    _home(p)
    p.add_argument("mirror", metavar="NAME", help="the mirror's name")
    _json(p)

    p = _parser(
        sub,
        "sync",
        "Push to and pull from the mirrors; catch and repair bad ones.",
        "amanat sync --home ~/station",
    )
    _home(p)
    p.add_argument("--mirror", metavar="NAME", help="only this mirror")
    p.add_argument("--deep", action="store_true", help="re-read and re-hash every object")
    _json(p)

    p = _parser(
        sub,
        "status",
        "Which entries are safe on enough mirrors (unsafe first).",
        "amanat status --home ~/station",
    )
    _home(p)
    _json(p)

    p = _parser(
        sub,
        "restore",
        "Rebuild a desk on a fresh machine from the surviving mirrors.",
        "amanat restore ~/new-desk --from 's3://our-bucket/amanat?endpoint=URL' "
        "--shares s1.txt s2.txt s3.txt",
    )
    p.add_argument("home_dir", metavar="HOME", help="a new, empty folder")
    p.add_argument(
        "--from",
        dest="source",
        required=True,
        action="append",
        metavar="URL",
        help="a surviving mirror; give --from again for each other mirror that was never "
        "in police hands (all are read, and the most complete history is kept)",
    )
    p.add_argument(
        "--credentials",
        action="append",
        metavar="FILE",
        help="credentials for an S3 mirror: one for each s3:// --from, in the same order",
    )
    p.add_argument("--shares", nargs="+", metavar="FILE", help="k trustee share files")
    p.add_argument(
        "--identity",
        metavar="FILE",
        help="or: a surviving desk's identity file (its passphrase is asked)",
    )
    _passphrase(p)
    _json(p)

    p = _parser(
        sub,
        "rekey",
        "Let a restored desk open old items that arrived after the restore.",
        "amanat rekey --home ~/new-desk --shares s1.txt s2.txt s3.txt",
    )
    _home(p)
    p.add_argument("--shares", nargs="+", metavar="FILE", help="k trustee share files")
    _passphrase(p)
    _json(p)

    p = _parser(
        sub, "drill", "Rehearse a raid end to end and report what would be lost.", "amanat drill"
    )
    p.add_argument("--testimonies", type=int, default=5, help="how many to seal (5)")
    p.add_argument("--mirror", metavar="URL", help="use this S3 mirror instead of a local one")
    p.add_argument("--credentials", metavar="FILE", help="credentials for --mirror")
    _json(p)

    p = _parser(
        sub,
        "panic",
        "Push what is unsafe, then destroy this home's keys and vault.",
        "amanat panic --home ~/station --yes",
    )
    _home(p)
    p.add_argument("--yes", action="store_true", help="really destroy this home")
    p.add_argument("--seconds", type=float, default=60, help="time allowed for pushing (60)")
    _json(p)
    _records_parsers(sub)
    _web_parsers(sub)
    _link_parsers(sub)
    return top


def _desk(p: argparse.ArgumentParser) -> None:
    _home(p)
    _passphrase(p)
    _json(p)


def _records_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    """The victims database: ID numbers, search, one person, views, import and export."""
    ident = _parser(sub, "id", "Check identity numbers.", "amanat id check 65010219800101001X")
    isub = ident.add_subparsers(dest="id_command", metavar="ACTION", required=True)
    p = _parser(
        isub,
        "check",
        "Check a PRC resident ID or Kazakh IIN and show what it encodes.",
        "amanat id check 650102198001010012",
    )
    p.add_argument("number", metavar="NUMBER", help="the number as written (spaces are fine)")
    p.add_argument(
        "--kind",
        choices=["auto", "cn", "kz"],
        default="auto",
        help="cn: PRC resident ID; kz: Kazakh IIN; auto: by length (default)",
    )
    _json(p)

    places = _parser(sub, "places", "Look up and add places.", "amanat places find Ghulja")
    psub = places.add_subparsers(dest="places_command", metavar="ACTION", required=True)
    p = _parser(
        psub,
        "find",
        "Find a prefecture, county or facility by name in any script, or by code.",
        "amanat places find 伊宁市",
    )
    p.add_argument("text", metavar="TEXT", help="a name (Chinese, pinyin, English) or code")
    p.add_argument("--limit", type=int, default=20, help="at most this many (20)")
    _json(p)
    p = _parser(
        psub,
        "add",
        "Add a place the gazetteer lacks (a village, a border post, a camp).",
        "amanat places add 'Қорғас бекеті' --lang kk --kind border_post --slug khorgos-post",
    )
    p.add_argument("name", metavar="NAME", help="the place's name")
    p.add_argument("--lang", default="und", help="the name's language code (kk, ug, ru, zh)")
    p.add_argument("--also", action="append", metavar="LANG=NAME", help="another name")
    p.add_argument(
        "--kind",
        default="other",
        choices=["prefecture", "county", "township", "village", "facility", "border_post", "other"],
        help="what kind of place (other)",
    )
    p.add_argument("--slug", help="a short Latin-letter id (else made from the name)")
    p.add_argument("--parent", metavar="CODE", help="the county or prefecture it lies in")
    p.add_argument("--lat", help="latitude, e.g. 44.21")
    p.add_argument("--lon", help="longitude, e.g. 80.41")
    _desk(p)

    p = _parser(
        sub,
        "persons",
        "Find persons in the desk's database.",
        "amanat persons --name Serik --status in_camp --county 654002",
    )
    p.add_argument(
        "--name",
        default="",
        help="part of a name, in any script; - to type it after the command starts "
        "(kept out of the shell's history)",
    )
    p.add_argument(
        "--id", dest="id_number", default="", help="an ID, IIN or passport number (- as --name)"
    )
    p.add_argument("--county", default="", help="a county or prefecture: code or name")
    p.add_argument("--status", default="", help="current status (detained, in_camp, ...)")
    p.add_argument("--ever", default="", metavar="STATUS", help="any event of this status")
    p.add_argument("--from", dest="date_from", default="", metavar="DATE", help="events from")
    p.add_argument("--to", dest="date_to", default="", metavar="DATE", help="events until")
    p.add_argument("--min-grade", type=int, default=0, help="evidence grade at least (0-4)")
    p.add_argument("--flagged", action="store_true", help="only records with conflicts")
    p.add_argument(
        "--un-ready",
        action="store_true",
        help="only records that hold all a case to the UN working group needs",
    )
    p.add_argument(
        "--not-submitted",
        action="store_true",
        help="only records whose case was never submitted to the UN working group",
    )
    p.add_argument(
        "--urgent",
        action="store_true",
        help="only persons detained or disappeared within the last three months and not "
        "released since: the UN working group's urgent action",
    )
    p.add_argument("--limit", type=int, default=50, help="rows per page (50)")
    p.add_argument("--page", type=int, default=1, help="which page (1)")
    _desk(p)

    p = _parser(
        sub,
        "person",
        "Show one person: timeline, provenance, testimonies.",
        "amanat person p_3f2a...",
    )
    p.add_argument("person_id", metavar="PERSON", help="the person's id (p_...)")
    _desk(p)

    p = _parser(
        sub,
        "duplicates",
        "Look for persons recorded twice; reviewers decide them in the staff app (Review).",
        "amanat duplicates --home ~/atajurt-desk",
    )
    p.add_argument("--limit", type=int, default=20, help="pairs to list (20)")
    _desk(p)

    views = _parser(sub, "views", "Keep the desk's views current.", "amanat views update")
    vsub = views.add_subparsers(dest="views_command", metavar="ACTION", required=True)
    p = _parser(vsub, "update", "Project new vault entries into the views.", "amanat views update")
    _desk(p)
    p = _parser(
        vsub,
        "rebuild",
        "Drop the views and project the whole vault again.",
        "amanat views rebuild",
    )
    _desk(p)

    p = _parser(
        sub,
        "export",
        "Write the whole database as CSV and JSON Lines, with a data dictionary.",
        "amanat export --out ~/export-2026-11",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder")
    _desk(p)

    p = _parser(
        sub,
        "import",
        "Import a spreadsheet of persons, or a folder of downloaded videos.",
        "amanat import list.xlsx --mapping list.mapping.yaml --dry-run",
    )
    p.description = (
        "Import a spreadsheet of persons, or a folder of downloaded videos.\n\n"
        "The first run on a spreadsheet writes a suggested mapping beside it and stops\n"
        "(exit 2): check it, then run again with --mapping. Every row ends up accepted,\n"
        "rejected (the report says why) or empty; the exit status is 0 when every row is\n"
        "accounted for, rejections included."
    )
    p.add_argument("source", metavar="FILE", help="a .csv or .xlsx file, or a folder of videos")
    p.add_argument("--mapping", metavar="MAP", help="the column mapping (YAML)")
    p.add_argument("--dry-run", action="store_true", help="check every row, seal nothing")
    p.add_argument(
        "--again",
        action="store_true",
        help="import a list that was imported before, byte for byte (its persons twice), or "
        "videos recorded before from the same address",
    )
    p.add_argument("--report", metavar="FILE", help="where to write the row report (CSV)")
    _desk(p)

    group = _parser(
        sub,
        "testimonies",
        "Link imported videos to the persons they are about, many at a time.",
        "amanat testimonies unlinked --out to-link.csv",
    )
    tsub = group.add_subparsers(dest="testimonies_command", metavar="ACTION", required=True)
    p = _parser(
        tsub,
        "unlinked",
        "Write the testimonies linked to no one as a list to fill in, each with the person "
        "its title names, if one.",
        "amanat testimonies unlinked --out to-link.xlsx",
    )
    p.add_argument(
        "--out", required=True, metavar="FILE", help="a new .csv or .xlsx file (never replaced)"
    )
    _desk(p)
    p = _parser(
        tsub,
        "link",
        "Link testimonies to persons from a list (columns `testimony`, `person`, `reason`).",
        "amanat testimonies link to-link.xlsx --dry-run",
    )
    p.description = (
        "Link testimonies to persons from a list (columns `testimony`, `person`, `reason`).\n\n"
        "The list `amanat testimonies unlinked` writes, with the column `person` filled\n"
        "in. Every row ends up `accepted` (linked), `unchanged` (no person given, or\n"
        "linked already) or `rejected` (the report says why); a list given again links\n"
        "nothing twice."
    )
    p.add_argument("file", metavar="FILE", help="the list, .csv or .xlsx")
    p.add_argument("--dry-run", action="store_true", help="check every row, seal nothing")
    p.add_argument(
        "--reason",
        default="",
        metavar="TEXT",
        help="the reason for every row whose own is empty",
    )
    p.add_argument("--report", metavar="FILE", help="where to write the row report")
    _desk(p)


def _web_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    """The staff web application and its accounts."""
    p = _parser(
        sub,
        "serve",
        "Start the staff web application on this desk.",
        "amanat serve --home ~/desk --port 8080",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on (8080)")
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="processes serving requests (default: one per CPU core; 1 on a station)",
    )
    _home(p)
    _passphrase(p)

    user = _parser(sub, "user", "Staff accounts.", "amanat user add aigerim --role researcher")
    usub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    p = _parser(
        usub,
        "add",
        "Add a staff account; prints its TOTP enrolment once.",
        "amanat user add aigerim --role researcher --home ~/desk",
    )
    p.add_argument("name", metavar="NAME", help="the account name (lower case, no spaces)")
    p.add_argument(
        "--role",
        required=True,
        choices=["intake", "researcher", "reviewer", "publisher", "admin"],
        help="what the account may do",
    )
    p.add_argument("--password-file", metavar="FILE", help="read the password from FILE")
    _desk(p)


def _link_parsers(sub: argparse._SubParsersAction[Parser]) -> None:
    """Linking a list of persons on its own, outside the vault."""
    p = _parser(
        sub,
        "link",
        "Find the rows of a list that are one person, without importing it.",
        "amanat link list.csv --mapping list.link.yaml --out clusters.csv --review review.csv\n"
        "  amanat link list.csv --mapping list.link.yaml --out clusters.csv "
        "--decisions review.csv --review review-2.csv\n"
        "  amanat link roster.csv --mapping roster.link.yaml --out on-desk.csv --desk "
        "--home ~/desk",
    )
    p.description = (
        "Find the rows of a list that are one person, without importing it.\n\n"
        "The first run without --mapping writes a suggested mapping beside the list and\n"
        "stops (exit 2): check it, then run again with --mapping and --out.\n"
        "Names are matched across scripts (Cyrillic, Latin, Arabic script, Chinese),\n"
        "resident IDs with one mistyped digit still match, birth years may be off.\n"
        "Every row is written to --out with a cluster (the first row of its person);\n"
        "doubtful pairs go to --review for a person to decide: write same, different\n"
        "or unsure in its decision column and give it back with --decisions.\n"
        "With --desk, the desk's persons are linked too: who on a roster is already\n"
        "recorded, without importing the roster.\n"
        "docs/guide/linkage.md explains the mapping and the outcomes."
    )
    p.add_argument("source", metavar="FILE", help="a .csv or .xlsx list of persons")
    p.add_argument(
        "--mapping",
        metavar="MAP",
        help="the column mapping (YAML); without it, a suggested one is written beside the "
        "list (list.link.yaml) to check, and nothing is linked",
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        help="where to write every row: a .csv (with the list's separator) or an .xlsx workbook",
    )
    p.add_argument(
        "--review", metavar="FILE", help="where to write the pairs to decide (.csv or .xlsx)"
    )
    p.add_argument(
        "--decisions",
        metavar="FILE",
        action="append",
        help="a review file with its decision column filled in: linked as decided "
        "(may be given more than once; the later file wins)",
    )
    p.add_argument(
        "--check-links",
        type=int,
        default=0,
        metavar="N",
        help="also write N automatic links, drawn at random, into the review file for a "
        "person to check; decided, they say how right the automatic links are, and raise "
        "the automatic threshold if fewer than 99 in 100 are (0)",
    )
    p.add_argument(
        "--auto-threshold", type=float, help="link automatically at this probability (0.97)"
    )
    p.add_argument(
        "--review-threshold", type=float, help="ask a person from this probability (0.5)"
    )
    p.add_argument("--memory", default="5GB", help="the most memory linking may use (5GB)")
    p.add_argument("--threads", type=int, default=2, help="threads, and processes keying names (2)")
    p.add_argument(
        "--spark",
        nargs="?",
        const="local",
        metavar="MASTER",
        help="link on Spark, for a list too large for one machine: a cluster's master "
        "(spark://host:7077), or none for Spark on this machine with --threads threads; "
        "needs amanat[spark] and Java 17",
    )
    p.add_argument(
        "--desk",
        action="store_true",
        help="also link the list against the persons on the desk (--home): a row that is "
        "one of them gets their id in the column desk_person; nothing is imported",
    )
    _home(p)
    _passphrase(p)
    _json(p)


def _stopped(command: str = "") -> int:
    if sys.stderr.isatty():
        print(file=sys.stderr)  # off the line a progress bar was drawing
    if command == "link":  # reads a list and writes files, seals nothing
        said = tr("stopped; nothing was written.")
    elif command == "duplicates":  # the queue is replaced only when a search ends
        said = tr("stopped; the review queue is as it was.")
    else:
        said = tr("stopped. Everything already acknowledged is safe.")
    print("amanat: " + said, file=sys.stderr)
    return 130


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # The language is chosen before the command line is parsed, since --help and a
    # mistyped command end there and are said in it too; then from what argparse read
    # (the same, but the command goes by argparse's reading).
    words.use(from_environment(os.environ, language_given(argv)))
    try:
        args = build_parser().parse_args(argv)
    except KeyboardInterrupt:  # Ctrl-C while the command line is read: nothing is done yet
        print("amanat: " + tr("stopped before it began; nothing was done."), file=sys.stderr)
        return 130
    words.use(from_environment(os.environ, args.language))
    name = args.command
    for group in (
        "station_command", "org_command", "shares_command", "mirror_command", "id_command",
        "views_command", "places_command", "user_command", "testimonies_command",
    ):  # fmt: skip
        if getattr(args, group, None):
            name = f"{name} {getattr(args, group)}"
    try:
        settings = load_settings(os.environ)
        if name == "verify" and (args.mirror or args.from_url):
            name = "mirror verify"
        return load_command(name)(args, settings)
    except AmanatError as exc:
        print(f"amanat: {sentence(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return _stopped(name)
    except BrokenPipeError:
        return 0
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:  # a path typed or pasted wrong, not quoted back
            print("amanat: " + tr("A file name or path given is too long for this system; "
                                  "give a shorter one."), file=sys.stderr)  # fmt: skip
            return UsageError.exit_code
        said = str(exc.strerror or exc) + (f" ({exc.filename})" if exc.filename else "")
        print("amanat: " + tr("the system said: %(what)s.", what=said), file=sys.stderr)
        return 1
    except Exception as exc:  # the last line of defence: no traceback, no personal data
        if stop_asked():  # a library turned the Ctrl-C into an error of its own
            return _stopped(name)
        print(
            "amanat: "
            + tr(
                "unexpected internal error (%(kind)s). Nothing acknowledged was lost. Please "
                "report this with the command you ran.",
                kind=type(exc).__name__,
            ),
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
