"""Keep the staff application's message catalogues in step (docs/guide/languages.md).

    .venv/bin/python scripts/i18n.py compile   .po -> .mo for every locale
    .venv/bin/python scripts/i18n.py extract   add new messages from the code and the
                                               templates to messages.pot and every .po,
                                               then compile

Extraction only adds: the seeded messages of messages.pot stay until removed by hand,
and nothing translated is lost. Comments "part: public" / "part: intake" before a
message in the source become its part; a message without one that comes from the intake
wizard's files (PART_OF_PATH) belongs to the intake part. A message already in
messages.pot without a part takes the part its source gives.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

WEB = Path(__file__).resolve().parent.parent / "src" / "amanat" / "web"
STAFF = WEB / "staff"
LOCALE_DIR = STAFF / "locale"
POT = LOCALE_DIR / "messages.pot"
WIDTH = 100
# Every message of these files (paths as extraction names them, relative to WEB) is in
# the intake part unless a comment before it says otherwise: a Jinja2 comment marks only
# the first message after it, and the wizard's templates hold dozens on shared lines.
PART_OF_PATH = (("staff/templates/intake/", "intake"), ("staff/intake.py", "intake"))


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
    with (STAFF / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    with POT.open("rb") as f:
        template: Catalog = read_po(f)
    added = 0
    for filename, lineno, message, comments, context in extract_from_dir(
        str(WEB), method_map, options_map, comment_tags=("part:",)
    ):
        key = message[0] if isinstance(message, tuple) else message
        parts = parts_of(filename, comments)
        existing = template.get(key, context)
        if existing is None:
            template.add(message, locations=[(filename, lineno)], auto_comments=parts,
                         context=context)
            added += 1
            continue
        if (filename, lineno) not in existing.locations:
            existing.locations.append((filename, lineno))
        if parts and not any(c.startswith("part:") for c in existing.auto_comments):
            existing.auto_comments = [*existing.auto_comments, *parts[:1]]
    with POT.open("wb") as f:
        write_po(f, template, width=WIDTH, sort_output=False)
    for po in _po_files():
        with po.open("rb") as f:
            catalog = read_po(f)
        catalog.update(template, no_fuzzy_matching=True)
        with po.open("wb") as f:
            write_po(f, catalog, width=WIDTH, sort_output=False, ignore_obsolete=True)
    print(f"{added} new message(s) in {POT.name}")
    compile_all()


if __name__ == "__main__":
    commands = {"compile": compile_all, "extract": extract}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]]()
