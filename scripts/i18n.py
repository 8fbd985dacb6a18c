"""Keep Amanat's message catalogues in step (docs/guide/languages.md).

    .venv/bin/python scripts/i18n.py compile   .po -> .mo for every locale
    .venv/bin/python scripts/i18n.py extract   bring messages.pot and every .po to the
                                               messages of the code and the templates,
                                               then compile

Extraction adds the new messages and drops those the source no longer holds (their
translations with them: a changed wording is a new message); the seeded messages of
messages.pot (no place in the source: passed to gettext from a variable) stay until
removed by hand. Comments "part: public" / "part: intake" before a
message in the source become its part; a message without one that comes from the intake
wizard's files (PART_OF_PATH) belongs to the intake part. A message already in
messages.pot without a part takes the part its source gives.

Two kinds of source feed the catalogues: the staff web app (src/amanat/web, as
web/staff/babel.cfg says, and the first argument of each error class) and the rest of
the library: the command line (src/amanat/cli, with ``tr``, ``ntr``, ``N_``), the first
argument of each error class in every module (what a user can meet, at the command or
in the staff app), the few message functions of EXTRA_KEYWORDS, and the help texts of
cli/main.py (HELP_SOURCE: written in English for docs/cli.md, translated when a help
page is printed). The command's messages are in the cli part.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.extract import extract as extract_messages
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

SRC = Path(__file__).resolve().parent.parent / "src" / "amanat"
WEB = SRC / "web"
STAFF = WEB / "staff"
LOCALE_DIR = SRC / "locale"
POT = LOCALE_DIR / "messages.pot"
WIDTH = 100
# Every message of these files (paths as extraction names them, relative to WEB) is in
# the intake part unless a comment before it says otherwise: a Jinja2 comment marks only
# the first message after it, and the wizard's templates hold dozens on shared lines.
PART_OF_PATH = (
    ("staff/templates/intake/", "intake"),
    ("staff/intake.py", "intake"),
    ("cli/", "cli"),
    ("vault/", "cli"),
    ("mirrors/", "cli"),
    ("ingest/", "cli"),
    ("records/mapping_file.py", "cli"),
    ("linkage/", "cli"),
)

ERRORS = (
    "AmanatError", "UsageError", "HomeError", "RoleError", "KeyError_", "WrongPassphrase",
    "ShareError", "UntrustedKey", "NotFound", "InputError", "FormatError",
    "UnsupportedVersion", "IntegrityError", "BusyError", "MirrorError",
    # and those of the library's modules
    "UnverifiedNoteError", "InvalidSignatureError", "OriginMismatchError",
)  # fmt: skip
_FIRST: tuple[int] = (1,)
# Every error a user can meet is said in their language: the first argument of each
# error class, in every module of the library (a template with %(name)s, never an
# f-string: tests/test_i18n.py checks), and in the staff app's code.
# (``__init__``: an error class that writes its own sentence, ``super().__init__("…")``;
# ``require``: what a home of another role cannot do, ``home.require("desk", "…")``;
# ``_fail``: a mirror's or a mapping's sentence, given whole to the helper making it;
# ``N_``: a sentence kept in a table until it is raised; ``Words``: a phrase an error
# quotes, "the report", said in the error's language).
ERROR_KEYWORDS = dict.fromkeys((*ERRORS, "__init__", "_fail", "Words"), _FIRST) | {
    "require": (2,),
    "N_": None,
}
# the mapping files' errors: each sentence whole, given to their ``fail`` (the mapping's
# name filled in) or, for what the YAML reader refuses at a line, to ``_Refused``
_MAPPING = {"fail": _FIRST, "_Refused": _FIRST}
# The library's files (relative to src/amanat) with messages beyond their errors: the
# command line's (every message), a list's row reasons and notes (``say``, said in the
# importer's language).
EXTRA_KEYWORDS: dict[str, dict[str, tuple[int, ...] | None]] = {
    "cli": {"tr": _FIRST, "ntr": (1, 2)},
    "ingest/tables.py": {"say": _FIRST},
    "ingest/mapping.py": _MAPPING | {"say": _FIRST, "counted": (1, 2)},
    "ingest/rows.py": {"say": _FIRST},
    "ingest/reasons.py": {"gettext": _FIRST},
    "records/mapping_file.py": _MAPPING,
    "linkage/mapping.py": _MAPPING,
}


def _keywords(relative: str) -> dict[str, tuple[int, ...] | None]:
    """The message functions of a library file (``relative`` to src/amanat)."""
    extra = [k for prefix, k in EXTRA_KEYWORDS.items()
             if relative == prefix or relative.startswith(prefix + "/")]  # fmt: skip
    return ERROR_KEYWORDS | (extra[0] if extra else {})


# The file whose help texts are messages too: every help= and description= written as
# a string, each command's text (the third argument of _parser) and each description set
# after it (p.description = ...).
HELP_SOURCE = "cli/main.py"

Extracted = tuple[str, int, str | tuple[str, ...], list[str], str | None]


def help_texts(path: Path) -> list[tuple[int, str]]:
    """The help texts of ``path``: (line, text), in the order they are written."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        texts: list[ast.expr] = []
        if isinstance(node, ast.Call):
            texts = [k.value for k in node.keywords if k.arg in ("help", "description")]
            if isinstance(node.func, ast.Name) and node.func.id == "_parser":
                texts += node.args[2:3]
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr == "description" for t in node.targets
        ):
            texts = [node.value]
        found += [(t.lineno, t.value) for t in texts
                  if isinstance(t, ast.Constant) and isinstance(t.value, str)]  # fmt: skip
    return sorted(found)


def source_messages() -> list[Extracted]:
    """Every message of the sources: (file, line, message, comments, context), the file
    relative to src/amanat/web for the web app's and to src/amanat for the others."""
    with (STAFF / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    web = extract_from_dir(
        str(WEB), method_map, options_map, DEFAULT_KEYWORDS | ERROR_KEYWORDS, ("part:",)
    )
    found: list[Extracted] = list(web)
    for file in sorted(SRC.rglob("*.py")):
        relative = file.relative_to(SRC).as_posix()
        if relative.startswith("web/"):
            continue
        with file.open("rb") as f:
            for lineno, message, comments, context in extract_messages(
                "python", f, keywords=_keywords(relative), comment_tags=("part:",)
            ):
                found.append((relative, lineno, message, comments, context))
    found += [(HELP_SOURCE, line, text, [], None) for line, text in help_texts(SRC / HELP_SOURCE)]
    return found


def _po_files() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))


def compile_all() -> None:
    for po in _po_files():
        with po.open("rb") as f:
            catalog = read_po(f)
        with po.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog)
        print(f"compiled {po.relative_to(LOCALE_DIR)}")


def parts_of(filename: str, comments: list[str]) -> list[str]:
    """A message's part comments: its marker in the source, else its file's part."""
    parts = [c if c.startswith("part:") else f"part: {c.strip()}" for c in comments]
    path = filename.replace("\\", "/")
    return parts or [f"part: {part}" for prefix, part in PART_OF_PATH if path.startswith(prefix)]


def extract() -> None:
    """Bring the template and every catalogue to the messages the source holds now: new
    ones added (in the order found), each one's places in the source as they are now, and
    a message found there before but no longer dropped from the template and every
    catalogue (its translations with it). Seeded messages, with no place, stay."""
    with POT.open("rb") as f:
        template: Catalog = read_po(f)
    added = 0
    found: set[tuple[str, str | None]] = set()
    for filename, lineno, message, comments, context in source_messages():
        key = message[0] if isinstance(message, tuple) else message
        parts = parts_of(filename, comments)
        existing = template.get(key, context)
        if existing is None:
            template.add(
                message, locations=[(filename, lineno)], auto_comments=parts, context=context
            )
            added += 1
            found.add((key, context))
            continue
        if (key, context) not in found:
            existing.locations = []  # the places found now replace those of the last run
            found.add((key, context))
        if (filename, lineno) not in existing.locations:
            existing.locations.append((filename, lineno))
        if parts and not any(c.startswith("part:") for c in existing.auto_comments):
            existing.auto_comments = [*existing.auto_comments, *parts[:1]]
    # A message found in the source before (it has places) and not now is stale; a seeded
    # one (no places: passed to gettext from a variable) stays until removed by hand.
    stale = [
        (key, m.context)
        for m in template
        if m.id
        and m.locations
        and (key := m.id[0] if isinstance(m.id, tuple) else m.id, m.context) not in found
    ]
    for key, context in stale:
        template.delete(key, context)
    with POT.open("wb") as f:
        write_po(f, template, width=WIDTH, sort_output=False)
    for po in _po_files():
        with po.open("rb") as f:
            catalog = read_po(f)
        catalog.update(template, no_fuzzy_matching=True)
        with po.open("wb") as f:
            write_po(f, catalog, width=WIDTH, sort_output=False, ignore_obsolete=True)
    print(f"{added} new message(s) in {POT.name}, {len(stale)} no longer in the source dropped")
    compile_all()


if __name__ == "__main__":
    commands = {"compile": compile_all, "extract": extract}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]]()
