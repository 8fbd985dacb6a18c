"""``amanat link``: find the rows of a list that are one person, without importing it.

The list (CSV or XLSX, read by ``amanat.ingest.open_table``) is read twice: once to
build the records ``amanat.linkage.link_records`` links, once to copy every row into
the output with its cluster, so a list of 1,000,000 rows is never held twice. Rows are
named by their row number as a spreadsheet shows it; a cluster is named by the row
number of its first row.

Output columns after the list's own (and after any cells a row has beyond the header,
under ``column F``...): ``cluster`` (the first row of the person), ``cluster_size``,
``outcome`` (``linked``: in a cluster of several rows; ``review``: a pair for a person
to decide, see --review; ``alone``; ``unread``: a row that could not be read, not
linked; ``empty``: nothing in the columns the mapping names), ``best_match_row`` and
``best_probability`` (the row it is most likely the same person as); with ``--desk``,
``desk_person``: the ids of the desk's persons in the row's cluster (``; `` between
them; the most likely first, by the row's own pair with each). A file named
.xlsx is written as a workbook; .csv (or .tsv, .txt) as CSV with the list's own
separator when the list is a CSV (a semicolon list opens in a Russian or Kazakh Excel as
it came), a comma otherwise.

Both files hold the list's personal data, so they are written readable by their owner
only, to a file with no name (``O_TMPFILE``) that is named when complete: a run killed
midway leaves nothing behind (SIGTERM and SIGHUP stop it as Ctrl-C does). No output
may be the list, the mapping, a decisions file given, or the other output, however the
path is written (``..``, a link); a review file may replace a decisions file, since it
holds every decision read from it.

The review file opens with an empty ``decision`` column. A person writes *same*,
*different* or *unsure* (or a word for it in Kazakh, Russian, Uyghur or Chinese:
``DECISION_WORDS``) in it, in a spreadsheet, and gives the file back with
``--decisions``: *same* links the two rows, *different* keeps them apart even through
other rows; 20 or more *same* also train the model's m (``LinkSettings.min_decisions``).
The next
review file lists the pairs still open first (an *unsure* one comes back, marked), then
every pair decided so far with its decision, so the latest file holds them all.

``--desk`` links the list against the desk's persons too (``Desk.persons_to_link``:
one record each, every recorded name in ``name`` and ``other_names``), after its rows,
so a cluster is still named by a row. The desk's persons are never compared with one
another (``LinkSettings.apart``: their duplicates are the desk's own review's), only
with the rows, so two of them meet only through a row. A row in a cluster with one
is ``linked``; the review file names a desk person by id in ``row_a``/``row_b`` and
shows their fields from the desk, and a decision on such a pair is checked against
the desk as a row's is against the list. Nothing is sealed: the vault is not changed.

``--check-links N`` also writes N automatic links drawn at random (the ``kind`` column
says ``link``; a doubtful pair is ``review``). Decided, they are a fair sample of the
automatic links: the command says how many were right, and the automatic threshold is
raised if fewer than 99 % were (``Decision.proposed``); they never train the model.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib
import itertools
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import ModuleType

from amanat.cli.link_suggest import names_a_name, suggest_link_mapping
from amanat.cli.output import mapping_kept, print_result
from amanat.cli.progress import CountBar, linking_progress, stopped_by_signals
from amanat.cli.words import N_, ntr, number, tr, voice
from amanat.errors import InputError, UsageError, Words
from amanat.ingest import Table, open_table, write_text_atomic
from amanat.ingest.report import (
    SHEET_KINDS,
    XLSX_CELL,
    XLSX_COLUMNS,
    SheetWriter,
    output_path,
    owner_only_file,
    same_file,
)
from amanat.ingest.tables import NOT_UTF8, CellValue, column_letter
from amanat.ingest.vocab import NO_VALUE, VALUE_WORDS
from amanat.linkage import (
    Decision,
    LinkMapping,
    LinkResult,
    LinkSettings,
    link_records,
    load_link_mapping,
)
from amanat.linkage.link import ScoredPair
from amanat.linkage.mapping import fold
from amanat.linkage.prepare import normalise_resident_id
from amanat.linkage.settings import Verdict
from amanat.records.changes import DECISIONS
from amanat.settings import Settings

__all__ = ["COMMANDS", "DECISION_WORDS", "decision_verdict"]

_EXTRA = ("cluster", "cluster_size", "outcome", "best_match_row", "best_probability")
# with --desk, after _EXTRA: the desk's persons in the row's cluster
_DESK_PERSON = "desk_person"
SUGGEST_ROWS = 20_000  # rows read to choose between columns and list unknown words
_XLSX_ROWS = 1_048_576  # a worksheet's rows, the header's included
# What a reviewer may write in the review file's decision column, folded (any case): in
# English and each language of the app (Kazakh, Russian, Uyghur, Chinese).
DECISION_WORDS: dict[str, Verdict] = {
    **dict.fromkeys(
        ("same", "yes", "y", "+", "иә", "бір адам", "да", "один", "тот же",
         "ھەئە", "ئوخشاش", "بىر ئادەم", "是", "相同", "同一人", "同一个人"),
        "same",
    ),
    **dict.fromkeys(
        ("different", "no", "n", "-", "жоқ", "басқа", "екі адам", "нет", "разные", "другой",
         "ياق", "باشقا", "ئوخشىمايدۇ", "ئىككى ئادەم", "否", "不是", "不同", "不同人"),
        "different",
    ),
    **dict.fromkeys(
        ("unsure", "?", "білмеймін", "не знаю", "не уверен",
         "بىلمەيمەن", "ئېنىق ئەمەس", "不确定", "不知道", "？"),
        "unsure",
    ),
}  # fmt: skip
# A Uyghur word as an Arabic or Persian keyboard may type it: ى (i) and ي (y) both as ي
# or ی, ك as ک, both ە and ھ as ه (names.transliterate._UYGHUR_TYPED reads a name's ه
# as ھ, knowing the word's other letters; no two decision words differ in these); so
# these are read as one letter each, and the joiners and the elongation a word may hold
# unseen are left out.
_LOOSE_LETTERS = str.maketrans({"ي": "ى", "ی": "ى", "ک": "ك", "ه": "ە", "ھ": "ە",
                                "\u200c": None, "\u200d": None, "\u0640": None})  # fmt: skip
_LOOSE_WORDS: dict[str, Verdict] = {
    loose: verdict
    for word, verdict in DECISION_WORDS.items()
    if (loose := fold(word.translate(_LOOSE_LETTERS)))  # "?", "+", "-" are read as written
}


def decision_verdict(word: str) -> Verdict | None:
    """The decision a word of the review file's decision column means, or None."""
    word = word.strip()
    verdict = DECISION_WORDS.get(word) or DECISION_WORDS.get(fold(word))
    if verdict is None:
        return _LOOSE_WORDS.get(fold(word.translate(_LOOSE_LETTERS)))
    return verdict


_REVIEW_KEYS = ("decision", "row_a", "row_b")
# A review file's ``kind`` column: a doubtful pair, or an automatic link drawn at random
# for a person to check (--check-links); decisions on those are a fair sample of the
# links, and raise the automatic threshold if fewer than 99 % are "same". A review file
# without the column (written before it) holds doubtful pairs only.
_KIND = "kind"
_REVIEW_PAIR, _LINK_TO_CHECK = "review", "link"
# the fields of a review file checked against the list's rows it names (names: text a
# spreadsheet saving the file again leaves as it is, unlike dates and ID numbers)
_CHECKED = ("name", "given", "surname", "patronymic", "other_names")
OTHER_NAMES = "other_names"  # a field whose columns each hold a name: "; " between


# The values a list gave but linking could not read: the key of their count in stats.
_UNREAD_KINDS = {"birth": "unread_birth", "detained": "unread_detained",
                 "resident_id": "unread_resident_id"}  # fmt: skip
# The names of the files a link reads and writes, as its sentences name them.
# what the output checks' sentences call each output ("The %(what)s, …, is a folder")
_OUTPUT_NOUNS = {"output": Words("output"), "review file": Words("review file")}
_FILE_WORDS = {
    "output": N_("the output"),
    "review file": N_("the review file"),
    "list": N_("the list"),
    "mapping": N_("the mapping"),
    "decisions file": N_("the decisions file"),
}


def _unread(kind: str, count: int) -> str:
    """'3 birth dates': values of one kind that could not be read."""
    shown = number(count)
    if kind == "birth":
        return ntr("%(shown)s birth date", "%(shown)s birth dates", count, shown=shown)
    if kind == "detained":
        return ntr("%(shown)s date of detention", "%(shown)s dates of detention", count,
                   shown=shown)  # fmt: skip
    return ntr("%(shown)s resident ID", "%(shown)s resident IDs", count, shown=shown)


def _rows(count: int) -> str:
    return ntr("%(shown)s row", "%(shown)s rows", count, shown=number(count))


def _cell(value: CellValue) -> str:
    """A cell as the text a person sees (ISO dates, whole numbers without .0)."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    if isinstance(value, float) and value.is_integer():
        if abs(value) >= 1e15:  # as a spreadsheet shows it: 15 digits kept, then zeros
            return str(int(Decimal(format(value, ".15g"))))  # (not ...150080 from binary)
        return str(int(value))
    return str(value)


def _path(text: str, what: str) -> Path:
    """An output's path, checked before any work: a .csv or .xlsx name, not a folder,
    in a folder that exists and may be written."""
    path = output_path(text, _OUTPUT_NOUNS[what], inputs={})
    if path.suffix.lower() not in SHEET_KINDS:
        raise UsageError(
            "%(what)s is written as CSV or as an Excel workbook: give it a name that ends in "
            ".csv or .xlsx.",
            what=tr(_FILE_WORDS[what]),
        )
    return path


def _apart(outputs: dict[str, Path], inputs: dict[str, Path], may_replace: str = "") -> None:
    """Refuse, before any work, an output that is an input or the other output; the
    output named ``may_replace`` may be a decisions file (it holds every decision)."""
    names = list(outputs)
    for i, what in enumerate(names):
        for other in names[i + 1 :]:
            if same_file(outputs[what], outputs[other]):
                raise UsageError(
                    "%(what)s and %(other)s are one file; give two names.",
                    what=tr(_FILE_WORDS[what]),
                    other=tr(_FILE_WORDS[other]),
                )
        for given, path in inputs.items():
            if what == may_replace and given.startswith("decisions"):
                continue
            if same_file(outputs[what], path):
                raise UsageError(
                    "%(what)s would overwrite %(given)s; choose another file.",
                    what=tr(_FILE_WORDS[what]),
                    given=tr(_FILE_WORDS[given.split(" #")[0]]),
                )


@contextmanager
def _owner_only_sheet(path: Path, delimiter: str) -> Iterator[SheetWriter]:
    with owner_only_file(path, ".amanat-link-") as f:
        sheet = SheetWriter(f, SHEET_KINDS[path.suffix.lower()], delimiter)
        yield sheet
        sheet.close()


def _sex_words(mapping: LinkMapping) -> dict[str, str | None]:
    words: dict[str, str | None] = {
        fold(w): sex for sex, spellings in VALUE_WORDS["sex"].items() for w in spellings
    }
    words.update(mapping.sex_words)
    return words


@dataclass
class _List:
    """What reading the list found: the records to link and how the other rows fared."""

    records: list[dict[str, str]]
    positions: dict[str, tuple[int, ...]]
    headers: tuple[str, ...]
    delimiter: str
    width: int = 0  # cells in the widest row, the header's included
    rows: int = 0
    empty: int = 0
    unread: set[int] = field(default_factory=set)  # row numbers
    not_utf8: int = 0
    first_problem: tuple[int, str] | None = None
    rounded_ids: int = 0
    long_cell: int | None = None  # the first row with a cell too long for a workbook
    stamp: tuple[int, int, int] = (0, 0, 0)  # the list's size, time and inode when read


def _stamp(path: Path) -> tuple[int, int, int]:
    """What changes when a file is saved again or replaced (size, time, inode)."""
    st = path.stat()
    return st.st_size, st.st_mtime_ns, st.st_ino


def _records(
    source: Path, mapping: LinkMapping, *, long_cells: bool = False, long_fields: bool = False
) -> _List:
    """The list's records to link, with what could not be read (never a value); the
    first row with a cell (``long_cells``: the rows are copied into a workbook) or a
    field read from its cells (``long_fields``: the review workbook) longer than a
    workbook's cell holds."""
    sexes = _sex_words(mapping)
    stamp = _stamp(source)
    with open_table(source, header_row=mapping.header_row, sheet=mapping.sheet) as table:
        positions = mapping.bind(table.headers)
        found = _List([], positions, table.headers, table.delimiter, width=len(table.headers))
        found.stamp = stamp
        used = frozenset(i for columns in positions.values() for i in columns)
        ids = positions.get("resident_id", ())
        bar = CountBar(tr("Reading"), table.estimated_rows, tr("rows"))
        for row in table.rows:
            bar(1)
            found.rows += 1
            found.width = max(found.width, len(row.values))
            too_long = long_cells and any(len(_cell(v)) > XLSX_CELL for v in row.values)
            if too_long and found.long_cell is None:
                found.long_cell = row.number
            if row.empty:
                found.empty += 1
                continue
            unreadable = row.problem_in(used)
            problem = None if unreadable is None else voice()(unreadable)
            if problem is None and table.kind == "csv":
                extra = [v for v in row.values[len(table.headers) :] if _cell(v).strip()]
                if extra:
                    problem = tr(
                        "the row has %(cells)d cells but the header only %(columns)d "
                        "columns; a separator inside a value may be missing its quotes.",
                        cells=len(row.values),
                        columns=len(table.headers),
                    )
            if problem is not None:
                found.unread.add(row.number)
                found.not_utf8 += unreadable == NOT_UTF8
                if found.first_problem is None:
                    found.first_problem = (row.number, problem)
                continue
            record = {"record_id": str(row.number)}
            for fname, columns in positions.items():
                texts = (_cell(row.values[i]) if i < len(row.values) else "" for i in columns)
                if fname == OTHER_NAMES:  # each column a name of its own
                    parts = (t.strip() for t in texts)
                    text = "; ".join(t for t in parts if t and fold(t) not in NO_VALUE)
                else:
                    text = " ".join(t.strip() for t in texts if t.strip())
                record[fname] = "" if fold(text) in NO_VALUE else text
            if not any(record[f] for f in positions):
                found.empty += 1  # nothing in the columns linking reads: a numbered line
                continue
            too_long = long_fields and any(len(v) > XLSX_CELL for v in record.values())
            if too_long and found.long_cell is None:
                found.long_cell = row.number
            if any(_rounded(row.values[i]) for i in ids if i < len(row.values)):
                # an ID a spreadsheet stored as a number has lost its last digits
                found.rounded_ids += 1
                record["resident_id"] = ""
            if "sex" in record:
                record["sex"] = sexes.get(fold(record["sex"])) or ""
            found.records.append(record)
        bar.close()
    return found


def _rounded(value: CellValue) -> bool:
    """A cell holding an ID as a number: a float, or more digits than a float keeps;
    or, in a CSV a spreadsheet wrote, an 18-digit number ending in 000 whose check
    character fails (the spreadsheet kept 15 digits: everyone of one county born on
    one day would have the same "mistyped" number, and be linked as one)."""
    if isinstance(value, str):
        rid, valid = normalise_resident_id(value)
        return rid is not None and rid.endswith("000") and not valid
    return isinstance(value, float) or (isinstance(value, int) and len(str(abs(value))) > 15)


def _desk_persons(args: argparse.Namespace, settings: Settings) -> list[dict[str, str]]:
    """The desk's persons to link against (``--desk``), its views brought up to date
    first. The desk's commands (SQLAlchemy, the views) load here, only for ``--desk``:
    every other ``amanat link`` would pay half a second of start-up for them."""
    desk_commands = importlib.import_module("amanat.cli.records_commands")
    with desk_commands.desk_of(args, settings) as opened, stopped_by_signals():
        desk_commands.catch_up(opened)
        persons: list[dict[str, str]] = opened.persons_to_link()
    return persons


def _spark() -> ModuleType:
    """``amanat.linkage.spark``, loaded only when asked for: PySpark and Java are an
    extra that most desks never need."""
    try:
        return importlib.import_module("amanat.linkage.spark")
    except ImportError:
        raise UsageError(
            "Linking on Spark needs PySpark: install Amanat with its spark extra "
            "(pip install 'amanat[spark]') and Java 17 or newer, then run again."
        ) from None


def run(args: argparse.Namespace, settings: Settings) -> int:
    source = Path(args.source).expanduser().absolute()
    if source.is_dir():
        raise UsageError("%(path)s is a folder; give the list's file in it.", path=source)
    if not source.is_file():
        raise UsageError("No list at %(path)s; check the path.", path=source)
    if (args.home or args.passphrase_file) and not args.desk:
        raise UsageError(
            "--home and --passphrase-file name the desk to link the list against; give --desk too."
        )
    if not args.mapping:
        return _suggest(args, source)
    if not args.out:
        raise UsageError("Give --out FILE: where to write every row of the list with its cluster.")
    mapping_path = Path(args.mapping).expanduser().absolute()
    decision_paths = [Path(given).expanduser().absolute() for given in args.decisions or ()]
    out = _path(args.out, "output")
    review_path = _path(args.review, "review file") if args.review else None
    if args.check_links and review_path is None:
        raise UsageError(
            "--check-links writes the links to check into the review file; give --review FILE too."
        )
    if args.check_links < 0:
        raise UsageError("Give --check-links 0 or more.")
    _apart(
        {"output": out, **({"review file": review_path} if review_path else {})},
        {
            "list": source,
            "mapping": mapping_path,
            **{f"decisions file #{i}": d for i, d in enumerate(decision_paths)},
        },
        may_replace="review file",
    )
    for path in decision_paths:  # before the list is read, not after
        if not path.is_file():
            raise UsageError("No decisions file at %(path)s; check the path.", path=path)
    if review_path is not None and review_path not in decision_paths:
        written = _decisions_written(review_path)
        if written:
            raise UsageError(
                "%(file)s holds decisions a person wrote (%(num)d), which writing the review "
                "file again would lose; give it back with --decisions %(file)s, or move it "
                "away first.",
                file=review_path.name,
                num=written,
            )
    written = _decisions_written(out)
    if written:  # a review file given as --out by mistake: a reviewer's work
        raise UsageError(
            "%(file)s holds decisions a person wrote (%(num)d), which writing the clusters "
            "there would lose; choose another --out, or give it with --decisions.",
            file=out.name,
            num=written,
        )
    mapping = load_link_mapping(mapping_path)
    default = LinkSettings()

    def given(*values: float | None) -> float:
        """The first value given (0 is given: LinkSettings then says it is too low)."""
        return next(v for v in values if v is not None)

    auto = given(args.auto_threshold, mapping.auto_threshold, default.auto_threshold)
    review = given(
        args.review_threshold, mapping.review_threshold, min(default.review_threshold, auto)
    )
    # the desk's passphrase is asked for before the list is read, not after
    desk = _desk_persons(args, settings) if args.desk else []
    link_settings = LinkSettings(
        auto_threshold=auto,
        review_threshold=review,
        memory_limit=args.memory,
        threads=args.threads,
        workers=args.threads,
        apart=frozenset(r["record_id"] for r in desk),
    )
    with stopped_by_signals():
        return _link_list(
            args, source, mapping, out, review_path, decision_paths, link_settings, desk
        )


def default_link_mapping_path(source: Path) -> Path:
    """Where a suggested mapping goes: list.xlsx -> list.link.yaml, beside it (an
    import's mapping of the same list is list.mapping.yaml: the two formats differ)."""
    return source.with_name(source.stem + ".link.yaml")


def _suggest(args: argparse.Namespace, source: Path) -> int:
    """No --mapping: write one guessed from the header row beside the list, and stop."""
    target = default_link_mapping_path(source)
    out = args.out or "clusters.csv"
    command = f"amanat link {source.name} --mapping {target.name} --out {out}"
    if target.exists():  # never replace a mapping someone may be editing
        return mapping_kept(args, target, command, "linked")
    with open_table(source) as table:  # read once where the header is the first row
        header_row = 1 if names_a_name(table.headers) else _header_row(table)
        if header_row == 1:
            text, mapped, n_columns = _suggested(table, source, header_row)
    if header_row != 1:
        with open_table(source, header_row=header_row) as table:
            text, mapped, n_columns = _suggested(table, source, header_row)
    if not mapped:
        raise UsageError(
            "No column of %(file)s has a header Amanat knows (a name, a birth date, an ID "
            "...); write the mapping yourself, as docs/guide/linkage.md shows, and give it "
            "with --mapping.",
            file=source.name,
        )
    write_text_atomic(target, text)
    print_result(
        args,
        {"mapping": str(target), "written": True, "linked": False, "columns_mapped": mapped},
        tr(
            "No --mapping was given, so a suggested one was written: %(mapping)s\n"
            "It maps %(mapped)d of %(columns)d columns. Nothing was linked.\n"
            "Check every line of it, then run:\n"
            "  %(command)s",
            mapping=target,
            mapped=mapped,
            columns=n_columns,
            command=command,
        ),
    )
    return 2


def _header_row(table: Table) -> int:
    """The row of a list's header whose first row is not one: the first of the next
    nine rows that names a name column (a title line or two above the header), else
    the first row all the same."""
    for row in itertools.islice(table.rows, 9):
        if names_a_name([_cell(v).strip() for v in row.values]):
            return row.number
    return 1


def _suggested(table: Table, source: Path, header_row: int) -> tuple[str, int, int]:
    """The suggested mapping of ``table`` (its header at ``header_row``), how many
    columns it maps, and how many the header has."""
    rows = (r.values for r in itertools.islice(table.rows, SUGGEST_ROWS))
    text, mapped = suggest_link_mapping(
        table.headers, rows, file_name=source.name, today=dt.date.today(), header_row=header_row
    )
    return text, mapped, len(table.headers)


def _link_list(
    args: argparse.Namespace,
    source: Path,
    mapping: LinkMapping,
    out: Path,
    review_path: Path | None,
    decision_paths: Sequence[Path],
    link_settings: LinkSettings,
    desk: Sequence[dict[str, str]] = (),
) -> int:
    """Link the list (with ``desk``: the desk's persons, each met through the list's
    rows only) and write what was found."""
    found = _records(
        source,
        mapping,
        long_cells=out.suffix.lower() == ".xlsx",
        long_fields=review_path is not None and review_path.suffix.lower() == ".xlsx",
    )
    records = found.records
    if found.not_utf8 and found.not_utf8 * 2 >= found.rows - found.empty:
        raise UsageError(
            "Most rows of %(file)s are not valid UTF-8 (it may have been saved as "
            "Windows-1251); re-save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8) and run "
            "again. Nothing was written.",
            file=source.name,
        )
    if out.suffix.lower() == ".xlsx" and found.rows + 1 > _XLSX_ROWS:
        raise UsageError(
            "The list has %(rows)s rows, more than an Excel worksheet holds; write the "
            "output as .csv. Nothing was written.",
            rows=number(found.rows),
        )
    if out.suffix.lower() == ".xlsx" and found.width + len(_EXTRA) + 1 > XLSX_COLUMNS:
        raise UsageError(
            "A row of the list has %(cells)s cells, more than an Excel worksheet holds with "
            "the cluster columns; write the output as .csv. Nothing was written.",
            cells=number(found.width),
        )
    if found.long_cell is not None:
        raise UsageError(
            "Row %(row)d of the list has a cell longer than an Excel cell holds (%(most)s "
            "characters); write the outputs as .csv. Nothing was written.",
            row=found.long_cell,
            most=number(XLSX_CELL),
        )
    on_desk = {r["record_id"] for r in desk}
    by_id = {r["record_id"]: r for r in (*records, *desk)}
    said: dict[tuple[str, str], Decision] = {}
    for path in decision_paths:
        for d in _read_decisions(path, by_id, on_desk if desk else None):
            key = (min(d.record_a, d.record_b), max(d.record_a, d.record_b))
            said.pop(key, None)  # the later file, or the later row, wins
            said[key] = d
    decisions = list(said.values())
    master = f"local[{args.threads}]" if args.spark == "local" else args.spark
    on = _spark().spark_engine(master, memory=args.memory) if master else nullcontext(None)
    with on as engine:
        result = link_records(
            [*records, *desk],
            decisions=decisions,
            settings=link_settings,
            progress=linking_progress(),
            engine=engine,
        )
    apart = [(d.record_a, d.record_b) for d in decisions if d.verdict == "different"]
    open_pairs = _open_pairs(result, apart)
    to_check = _links_to_check(result, args.check_links, decisions) if review_path else []
    rows_done = _write_clusters(source, mapping, out, found, result, open_pairs, bool(desk))
    cut = 0
    if review_path is not None:
        unsure = {(d.record_a, d.record_b) for d in decisions if d.verdict == "unsure"}
        still = {frozenset((p.record_a, p.record_b)) for p in (*open_pairs, *to_check)}
        # an "unsure" comes back with its pair, marked, to be decided there (an open
        # pair, or a link drawn again to check); one whose pair is neither (settled
        # through other rows, or scored outside the band) is kept with the decisions,
        # not lost
        decided = [
            d
            for d in decisions
            if d.verdict != "unsure" or frozenset((d.record_a, d.record_b)) not in still
        ]
        cut = _write_review(
            review_path,
            list(by_id.values()),
            {**found.positions, **({OTHER_NAMES: ()} if desk else {})},
            found.delimiter,
            open_pairs,
            unsure,
            decided,
            to_check,
        )
    sizes: dict[int, int] = {}
    for c in result.clusters[: len(records)]:  # the list's rows, before the desk's
        sizes[c] = sizes.get(c, 0) + 1
    met = {
        (c, rid)
        for rid, c in zip(result.record_ids, result.clusters, strict=True)
        if rid in on_desk and c in sizes
    }
    rows_on_desk = sum(sizes[c] for c in {c for c, _ in met})
    # a "same" that other decisions overrule: A = B and B = C decided, A and C
    # decided different (one of the three is wrong, and a person must say which)
    cluster_of = dict(zip(result.record_ids, result.clusters, strict=True))
    overruled = sorted(
        (_pair_key(d.record_a, d.record_b)
         for d in decisions
         if d.verdict == "same" and cluster_of[d.record_a] != cluster_of[d.record_b]),
        key=lambda pair: (_order(pair[0]), _order(pair[1])),
    )  # fmt: skip
    linked = sum(n for n in sizes.values() if n > 1)
    n_review = len(open_pairs)
    counts = {v: sum(d.verdict == v for d in decisions) for v in DECISIONS}
    checked = [d for d in decisions if d.proposed]
    not_read = {k: int(result.stats.get(key, 0)) for k, key in _UNREAD_KINDS.items()}
    # (IDs a spreadsheet rounded are said on a line of their own, not counted here too)
    unread = len(found.unread)
    data = {
        "list": str(source),
        "rows": rows_done,
        "linked_rows": linked,
        "persons": len(sizes),
        "review_pairs": n_review,
        "unread_rows": unread,
        "empty_rows": found.empty,
        "auto_threshold": result.auto_threshold,
        "review_threshold": result.review_threshold,
        "out": str(out),
        "review": str(review_path) if review_path else None,
        "review_pairs_left_out": cut,
        "decisions": counts,
        "same_overruled": [list(pair) for pair in overruled],
        "unread_values": not_read,
        "links_to_check": len(to_check),
        "links_checked": {v: sum(d.verdict == v for d in checked) for v in DECISIONS},
        "desk_persons": len(desk) if args.desk else None,
        "rows_on_desk": rows_on_desk if args.desk else None,
        "desk_persons_met": len({pid for _, pid in met}) if args.desk else None,
    }
    lines = [
        ntr(
            "Linked %(file)s: %(rows)s of persons is %(persons)s (%(linked)s share a person "
            "with another).",
            "Linked %(file)s: %(rows)s of persons are %(persons)s (%(linked)s share a person "
            "with another).",
            len(records),
            file=source.name,
            rows=_rows(len(records)),
            persons=ntr("%(shown)s person", "%(shown)s persons", len(sizes),
                        shown=number(len(sizes))),
            linked=_rows(linked),
        ),
        *(
            [
                tr(
                    "With %(decisions)s: %(counts)s.",
                    decisions=ntr("%(shown)s decision", "%(shown)s decisions", len(decisions),
                                  shown=number(len(decisions))),
                    counts=", ".join(f"{number(n)} {v}" for v, n in counts.items()),
                )
            ]
            if decisions
            else []
        ),
        ntr(
            "%(shown)s pair needs a person to decide: %(file)s",
            "%(shown)s pairs need a person to decide: %(file)s",
            n_review, shown=number(n_review), file=review_path,
        )
        if review_path
        else ntr(
            "%(shown)s pair needs a person to decide (write them with --review FILE).",
            "%(shown)s pairs need a person to decide (write them with --review FILE).",
            n_review, shown=number(n_review),
        ),
    ]  # fmt: skip
    if args.desk:
        lines.append(
            tr(
                "On the desk already: %(rows)s, as %(persons)s of its %(total)s; each row's "
                "person id is in the column desk_person.",
                rows=_rows(rows_on_desk),
                persons=ntr("%(shown)s person", "%(shown)s persons", len({p for _, p in met}),
                            shown=number(len({p for _, p in met}))),
                total=number(len(desk)),
            )
        )  # fmt: skip
    if to_check:
        lines.append(
            ntr(
                "%(shown)s automatic link, drawn at random, is in the review file for a person "
                "to check (`kind` `link`): decided, it tells how right the automatic links "
                "are.",
                "%(shown)s automatic links, drawn at random, are in the review file for a person "
                "to check (`kind` `link`): decided, they tell how right the automatic links are.",
                len(to_check),
                shown=number(len(to_check)),
            )
        )
    lines += _checked_lines(checked, result.auto_threshold, link_settings)
    if overruled:
        named = ", ".join(f"{a} – {b}" for a, b in overruled[:5])
        if len(overruled) > 5:
            named += " " + tr("and %(shown)s more", shown=number(len(overruled) - 5))
        lines.append(
            ntr(
                "%(shown)s decision of same could not be kept: other decisions keep its two "
                "rows apart (rows %(rows)s). One of those decisions is wrong: correct it in "
                "the review file and run again.",
                "%(shown)s decisions of same could not be kept: other decisions keep their "
                "two rows apart (rows %(rows)s). One of those decisions is wrong: correct it "
                "in the review file and run again.",
                len(overruled),
                shown=number(len(overruled)),
                rows=named,
            )
        )  # fmt: skip
    if cut:
        lines.append(
            tr(
                "The review workbook holds the first %(shown)s of them, as many as a worksheet "
                "can; decide those, or write the review file as .csv.",
                shown=number(n_review - cut),
            )
        )
    if unread or found.empty:
        lines.append(
            tr("Not linked: %(rows)s that could not be read, %(empty)s empty.",
               rows=_rows(unread), empty=number(found.empty))
        )  # fmt: skip
    if found.first_problem is not None:
        at, why = found.first_problem
        lines.append("  " + tr("row %(row)d: %(reason)s", row=at, reason=why))
    if found.rounded_ids:
        lines.append(
            ntr(
                "%(shown)s resident ID stored as a number, which a spreadsheet rounds, counted "
                "as not known: format that column as text and type them again.",
                "%(shown)s resident IDs stored as a number, which a spreadsheet rounds, "
                "counted as not known: format that column as text and type them again.",
                found.rounded_ids, shown=number(found.rounded_ids),
            )
        )  # fmt: skip
    if any(not_read.values()):
        lines.append(
            tr(
                "Not read, so counted as not known: %(values)s. Correct them in the list and "
                "run again to use them.",
                values=", ".join(_unread(k, n) for k, n in not_read.items() if n),
            )
        )
    lines.append(tr("Every row with its cluster: %(file)s", file=out))
    print_result(args, data, "\n".join(lines))
    return 0


def _checked_lines(
    checked: Sequence[Decision], used: float, link_settings: LinkSettings
) -> list[str]:
    """What the decisions on automatic links drawn to check say of the links."""
    same = sum(d.verdict == "same" for d in checked)
    told = same + sum(d.verdict == "different" for d in checked)
    if not told:
        return []
    lines = [
        ntr(
            "Automatic links checked: %(same)s of %(shown)s was the same person.",
            "Automatic links checked: %(same)s of %(shown)s were the same person.",
            told,
            same=number(same),
            shown=number(told),
        )
    ]
    if used > link_settings.auto_threshold:
        lines.append(
            tr(
                "Fewer than 99 in 100 of them were right, so rows were linked automatically "
                "only from a probability of %(used)s instead of %(given)s; the pairs between "
                "went to the review file.",
                used=f"{used:.4f}",
                given=f"{link_settings.auto_threshold:.4f}",
            )
        )
    elif told < link_settings.min_decisions:
        lines.append(
            tr(
                "The automatic links are judged from %(num)d decided links on; decide "
                "%(more)d more.",
                num=link_settings.min_decisions,
                more=link_settings.min_decisions - told,
            )
        )
    return lines


def _links_to_check(
    result: LinkResult, count: int, decisions: Sequence[Decision]
) -> list[ScoredPair]:
    """``count`` automatic links drawn at random for a person to check, less those of
    the draw decided already (they are in the review file with their decisions). The
    draw is the links whose rows' hash is smallest: the same links run after run, and
    a link split by a decision leaves the draw for the next one, so the file always
    holds ``count`` links drawn alike."""
    if count <= 0:
        return []
    checked = {_pair_key(d.record_a, d.record_b) for d in decisions if d.proposed}
    links = {_pair_key(p.record_a, p.record_b): p for p in result.links() if not p.decided}
    drawn = sorted(checked | set(links), key=_draw)[:count]
    return [links[k] for k in drawn if k in links]


def _order(record_id: str) -> tuple[int, int, str]:
    """The list's rows by number, then the desk's persons by id."""
    return (0, int(record_id), "") if record_id.isdigit() else (1, 0, record_id)


def _pair_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if _order(a) < _order(b) else (b, a)


def _named(record_id: str) -> int | str:
    """A record as the review file names it: a row's number, a desk person's id."""
    return int(record_id) if record_id.isdigit() else record_id


def _draw(pair: tuple[str, str]) -> bytes:
    return hashlib.sha256(f"{pair[0]}-{pair[1]}".encode()).digest()


def _write_clusters(
    source: Path,
    mapping: LinkMapping,
    out: Path,
    found: _List,
    result: LinkResult,
    open_pairs: Sequence[ScoredPair],
    desk: bool = False,
) -> int:
    """Copy every row of the list to ``out`` with its cluster columns; the row count.
    A row alone in its cluster is ``review`` when one of ``open_pairs`` holds it. With
    ``desk``, the records after the list's are the desk's persons: a row in a cluster
    with any of them is ``linked``, and their ids are in its ``desk_person``."""
    n = len(found.records)  # the list's records come first
    row_of = [int(rid) for rid in result.record_ids[:n]]
    index = {row: i for i, row in enumerate(row_of)}
    sizes: dict[int, int] = {}
    for c in result.clusters[:n]:
        sizes[c] = sizes.get(c, 0) + 1
    persons: dict[int, list[int]] = {}  # a cluster's desk persons, by position
    for j, c in enumerate(result.clusters[n:], start=n):
        if c in sizes:
            persons.setdefault(c, []).append(j)
    direct: dict[tuple[int, int], float] = {}  # (row, desk person): their own pair's
    extra = (*_EXTRA, _DESK_PERSON) if desk else _EXTRA
    best: dict[int, tuple[float, int]] = {}
    position = {rid: i for i, rid in enumerate(result.record_ids)}
    reviewed = {position[r] for p in open_pairs for r in (p.record_a, p.record_b)}
    pairs = result.pairs
    for a, b, p, decided in zip(
        pairs["a"].to_pylist(),
        pairs["b"].to_pylist(),
        pairs["probability"].to_pylist(),
        pairs["decided"].to_pylist(),
        strict=True,
    ):
        if decided and result.clusters[a] != result.clusters[b]:
            continue  # a "same" other decisions overruled: 1.0 would say it is kept
        if a >= n or b >= n:  # a desk's person: said in desk_person, not as a row
            if (a < n) != (b < n):
                direct[(min(a, b), max(a, b))] = p
            continue
        for x, y in ((a, b), (b, a)):
            if x not in best or p > best[x][0]:
                best[x] = (p, y)
    count = 0
    width = found.width
    with (
        open_table(source, header_row=mapping.header_row, sheet=mapping.sheet) as table,
        _owner_only_sheet(out, found.delimiter) as sheet,
    ):
        beyond = [f"column {column_letter(i)}" for i in range(len(table.headers), width)]
        # the lines above the header (a title, a date), so rows keep the list's numbers,
        # which the cluster columns and the review file name
        for above in table.above:
            sheet.row([*above, *[""] * max(0, width + len(extra) - len(above))])
        sheet.row([*table.headers, *beyond, *extra])
        for row in table.rows:
            count += 1
            cells: list[str | int | float] = [_cell(v) for v in row.values[:width]]
            cells += [""] * (width - len(cells))
            i = index.get(row.number)
            if i is None:
                outcome = "unread" if row.number in found.unread else "empty"
                sheet.row([*cells, "", "", outcome, "", "", *[""] * desk])
                continue
            cluster = result.clusters[i]
            size = sizes[cluster]
            # the most likely first: by the row's own pair with each (those it meets
            # only through another row last)
            met = sorted(
                persons.get(cluster, []),
                key=lambda j: (-direct.get((i, j), 0.0), result.record_ids[j]),
            )
            linked = size > 1 or bool(met)
            outcome = "linked" if linked else "review" if i in reviewed else "alone"
            p, partner = best.get(i, (None, None))
            sheet.row(
                [
                    *cells,
                    row_of[cluster],
                    size,
                    outcome,
                    "" if partner is None else row_of[partner],
                    "" if p is None else p,
                    *(["; ".join(result.record_ids[j] for j in met)] if desk else []),
                ]
            )
        if count != found.rows or _stamp(source) != found.stamp:
            # saved again (Excel, a synced folder) while it was linked: the clusters
            # belong to the rows as they were read, not to these
            raise UsageError(
                "%(file)s changed while it was being linked; run again when no one is "
                "editing it. Nothing was written.",
                file=source.name,
            )
    return count


def _open_pairs(result: LinkResult, apart: Sequence[tuple[str, str]]) -> list[ScoredPair]:
    """The review pairs still open, most likely first: a pair whose rows are one person
    already (linked through other rows) is settled, and so is one between two persons
    a decision in ``apart`` keeps apart."""
    cluster = dict(zip(result.record_ids, result.clusters, strict=True))
    kept_apart = {frozenset((cluster[a], cluster[b])) for a, b in apart}
    out = []
    for pair in sorted(result.review(), key=lambda p: -p.probability):
        ca, cb = cluster[pair.record_a], cluster[pair.record_b]
        if ca != cb and frozenset((ca, cb)) not in kept_apart:
            out.append(pair)
    return out


def _write_review(
    path: Path,
    records: Sequence[dict[str, str]],
    positions: dict[str, tuple[int, ...]],
    delimiter: str,
    pairs: Sequence[ScoredPair],
    unsure: AbstractSet[tuple[str, str]] = frozenset(),
    decided: Sequence[Decision] = (),
    to_check: Sequence[ScoredPair] = (),
) -> int:
    """The open pairs for a person to decide, their fields side by side, after an
    empty ``decision`` column to write in (``unsure`` for the pairs a person was
    unsure of before); then the automatic links drawn ``to_check`` (kind ``link``,
    ``unsure`` too where it was);
    then every pair ``decided`` so far, its decision written and no probability, so
    that the latest review file given back holds every decision. A workbook holds as
    many open pairs as a worksheet can beside the others; returns how many it left out
    (0 for CSV)."""
    fields = list(positions)
    by_id = {r["record_id"]: r for r in records}
    cut = 0
    if path.suffix.lower() == ".xlsx":
        room = max(_XLSX_ROWS - 1 - len(decided) - len(to_check), 0)
        cut = max(len(pairs) - room, 0)
        pairs = pairs[:room]
    rows: list[tuple[str, str | float, str, str, str]] = []
    for pair in pairs:
        was = {(pair.record_a, pair.record_b), (pair.record_b, pair.record_a)} & unsure
        rows.append(
            ("unsure" if was else "", pair.probability, pair.record_a, pair.record_b,
             _REVIEW_PAIR)
        )  # fmt: skip
    for pair in to_check:
        was = {(pair.record_a, pair.record_b), (pair.record_b, pair.record_a)} & unsure
        rows.append(
            ("unsure" if was else "", pair.probability, pair.record_a, pair.record_b,
             _LINK_TO_CHECK)
        )  # fmt: skip
    for d in decided:
        kind = _LINK_TO_CHECK if d.proposed else _REVIEW_PAIR
        rows.append((d.verdict, "", d.record_a, d.record_b, kind))
    with _owner_only_sheet(path, delimiter) as sheet:
        sheet.row(
            [
                "decision",
                "probability",
                "row_a",
                "row_b",
                _KIND,
                *(f"{f}_{s}" for f in fields for s in "ab"),
            ]
        )
        for decision, probability, row_a, row_b, kind in rows:
            a, b = by_id[row_a], by_id[row_b]
            sheet.row(
                [
                    decision,
                    probability,
                    _named(row_a),
                    _named(row_b),
                    kind,
                    *(r.get(f, "") for f in fields for r in (a, b)),
                ]
            )
    return cut


def _decisions_written(path: Path) -> int:
    """How many decisions a review file already there holds (0 if it is none, or
    cannot be read as one: then it is no one's work to keep)."""
    if not path.is_file():
        return 0
    try:
        with open_table(path, header_row=1) as table:
            heads = [fold(h) for h in table.headers]
            if fold("decision") not in heads:
                return 0
            at = heads.index(fold("decision"))
            return sum(
                1
                for row in table.rows
                if not row.empty and at < len(row.values) and _cell(row.values[at]).strip()
            )
    except (InputError, UsageError, OSError, ValueError):
        return 0


def _read_decisions(
    path: Path, records: dict[str, dict[str, str]], desk: AbstractSet[str] | None = None
) -> list[Decision]:
    """The decisions written in a review file (CSV or XLSX, as --review wrote it, or
    saved again by a spreadsheet); rows without one are skipped. ``records``: the
    list's records by row number (with ``desk``, the desk's persons by id too), which
    the decisions must name, and whose names (``_CHECKED``) must be those the review
    file shows for each record it names, so that decisions made on another list, or on
    this one before it was sorted, never land on other persons' rows. ``desk``: the
    ids of the desk's persons linked against (``--desk``), or None."""
    if not path.is_file():
        raise UsageError("No decisions file at %(path)s; check the path.", path=path)
    out: list[Decision] = []
    desk_ids = desk or frozenset()
    with open_table(path, header_row=1) as table:
        heads = [fold(h) for h in table.headers]
        missing = [k for k in _REVIEW_KEYS if fold(k) not in heads]
        if missing:
            raise UsageError(
                "%(file)s lacks the column %(column)s: give the file --review wrote, with a "
                "decision written in its decision column.",
                file=path.name,
                column=missing[0],
            )
        at = {k: heads.index(fold(k)) for k in _REVIEW_KEYS}
        kind_at = heads.index(fold(_KIND)) if fold(_KIND) in heads else None
        shown = {
            (f, side): heads.index(fold(f"{f}_{side}"))
            for f in _CHECKED
            for side in "ab"
            if fold(f"{f}_{side}") in heads
        }
        for row in table.rows:
            if row.empty:
                continue
            unreadable = row.problem_in(at.values())
            if unreadable is not None:
                raise InputError(
                    "Row %(row)d of %(file)s cannot be read: %(problem)s",
                    row=row.number,
                    file=path.name,
                    problem=voice()(unreadable),
                )
            cell = {
                k: _cell(row.values[i]).strip() if i < len(row.values) else ""
                for k, i in at.items()
            }
            if not cell["decision"]:
                continue
            word = cell["decision"]
            verdict = decision_verdict(word)
            if verdict is None:
                # not quoted: a cell pasted in the wrong column may hold a name
                raise InputError(
                    "Row %(row)d of %(file)s: its decision column holds something other than "
                    "a decision; write same, different or unsure, or leave it empty.",
                    row=row.number,
                    file=path.name,
                )
            for key in ("row_a", "row_b"):
                named = cell[key]
                if named not in records and named.startswith("p_") and desk is None:
                    raise InputError(
                        "Row %(row)d of %(file)s names a person of the desk (%(named)s): "
                        "it was written by a run with --desk; give --desk again.",
                        row=row.number,
                        file=path.name,
                        named=named[:40],
                    )
                if named not in records and named.startswith("p_"):
                    raise InputError(
                        "Row %(row)d of %(file)s names %(named)s, who is not a person on the "
                        "desk now (merged with another since?); delete that decision and "
                        "run again, and decide the pair anew if it comes back.",
                        row=row.number,
                        file=path.name,
                        named=named[:40],
                    )
                if cell[key] not in records and cell[key].isdigit() and len(cell[key]) <= 9:
                    raise InputError(
                        "Row %(row)d of %(file)s names row %(named)s, which is not a row of "
                        "persons in this list; were the decisions made on another list, or "
                        "the list changed since?",
                        row=row.number,
                        file=path.name,
                        named=cell[key],
                    )
                if cell[key] not in records:
                    raise InputError(
                        "Row %(row)d of %(file)s names in %(column)s something other than a "
                        "row number, which is not a row of persons in this list; were the "
                        "decisions made on another list, or the list changed since?",
                        row=row.number,
                        file=path.name,
                        column=key,
                    )
            if cell["row_a"] == cell["row_b"]:
                raise InputError(
                    "Row %(row)d of %(file)s pairs a row with itself.",
                    row=row.number,
                    file=path.name,
                )
            if desk is not None and cell["row_a"] in desk and cell["row_b"] in desk:
                raise InputError(
                    "Row %(row)d of %(file)s pairs two persons of the desk, which the desk's "
                    "own review decides (the staff app, Review); delete that decision.",
                    row=row.number,
                    file=path.name,
                )
            for (fname, side), i in shown.items():
                written = _cell(row.values[i]) if i < len(row.values) else ""
                named = cell[f"row_{side}"]
                listed = records[named].get(fname)
                # compared as folded (case, spaces and punctuation aside)
                if listed is not None and fold(written) != fold(listed) and named in desk_ids:
                    raise InputError(
                        "Row %(row)d of %(file)s shows for the desk's person %(named)s "
                        "another name than the desk has now (their record was changed "
                        "since): correct it in the review file as the desk has it, or "
                        "delete that decision. Nothing was written.",
                        row=row.number,
                        file=path.name,
                        named=named,
                    )
                if listed is not None and fold(written) != fold(listed):
                    # not quoted: the two names are personal data
                    raise InputError(
                        "Row %(row)d of %(file)s shows for row %(named)s of the list "
                        "another name than the list has there now: were the decisions made "
                        "on another list, or was the list sorted or changed since? Give the "
                        "review file written for this list as it is (a name corrected in "
                        "the list since: correct it in the review file too). Nothing was "
                        "written.",
                        row=row.number,
                        file=path.name,
                        named=named,
                    )
            kind = ""
            if kind_at is not None and kind_at < len(row.values):
                kind = _cell(row.values[kind_at])
            # drawn at random from the automatic links: a fair sample of them
            proposed = fold(kind) == fold(_LINK_TO_CHECK)
            out.append(Decision(cell["row_a"], cell["row_b"], verdict, proposed=proposed))
    return out


COMMANDS = {"link": run}
