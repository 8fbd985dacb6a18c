"""``amanat link``: find the rows of a list that are one person, without importing it.

The list (CSV or XLSX, read by ``amanat.ingest.open_table``) is read twice: once to
build the records ``amanat.linkage.link_records`` links, once to copy every row into
the output with its cluster, so a list of 1,000,000 rows is never held twice. Rows are
named by their row number as a spreadsheet shows it; a cluster is named by the row
number of its first row.

Output columns after the list's own: ``cluster`` (the first row of the person), ``cluster_size``,
``outcome`` (``linked``: in a cluster of several rows; ``review``: a pair for a person
to decide, see --review; ``alone``; ``unread``: a row not valid in the file's encoding;
``empty``), ``best_match_row`` and ``best_probability`` (the row it is most likely the
same person as). Both files hold the list's personal data, so they are written readable
by their owner only, through a temporary file renamed into place when complete.

The review file opens with an empty ``decision`` column. A person writes *same*,
*different* or *unsure* (or the Kazakh or Russian word: ``DECISION_WORDS``) in it, in a
spreadsheet, and gives the file back with ``--decisions``: *same* links the two rows,
*different* keeps them apart even through other rows, both teach the model. The next
review file lists the pairs still open first (an *unsure* one comes back, marked), then
every pair decided so far with its decision, so the latest file holds them all.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager, nullcontext
from pathlib import Path
from types import ModuleType
from typing import Any

from amanat.cli.output import print_result
from amanat.cli.progress import CountBar, linking_progress
from amanat.errors import InputError, UsageError
from amanat.ingest import open_table
from amanat.ingest.tables import CellValue
from amanat.ingest.vocab import NO_VALUE, VALUE_WORDS
from amanat.linkage import (
    Decision,
    LinkMapping,
    LinkResult,
    LinkSettings,
    link_records,
    load_link_mapping,
)
from amanat.linkage.link import ScoredPair, Verdict
from amanat.linkage.mapping import fold
from amanat.records.changes import DECISIONS
from amanat.records.mapping_file import shown
from amanat.settings import Settings

__all__ = ["COMMANDS", "DECISION_WORDS"]

_RISKY_START = ("=", "+", "-", "@", "\t", "\r")
_EXTRA = ("cluster", "cluster_size", "outcome", "best_match_row", "best_probability")
# What a reviewer may write in the review file's decision column, folded (any case).
DECISION_WORDS: dict[str, Verdict] = {
    **dict.fromkeys(("same", "yes", "y", "+", "иә", "бір адам", "да", "один", "тот же"), "same"),
    **dict.fromkeys(
        ("different", "no", "n", "-", "жоқ", "басқа", "нет", "разные", "другой"), "different"
    ),
    **dict.fromkeys(("unsure", "?", "білмеймін", "не знаю", "не уверен"), "unsure"),
}
_REVIEW_KEYS = ("decision", "row_a", "row_b")
# The values a list gave but linking could not read: (stats key, one, several).
_UNREAD_KINDS = {
    "birth": ("unread_birth", "birth date", "birth dates"),
    "detained": ("unread_detained", "date of detention", "dates of detention"),
    "resident_id": ("unread_resident_id", "resident ID", "resident IDs"),
}


def _cell(value: CellValue) -> str:
    """A cell as the text a person sees (ISO dates, whole numbers without .0)."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _safe(text: str) -> str:
    """Safe to open in a spreadsheet: no formula (OWASP "CSV injection"), valid UTF-8."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "'" + text if text.startswith(_RISKY_START) else text


def _path(text: str, what: str, source: Path) -> Path:
    path = Path(text).expanduser().absolute()
    if path == source:
        raise UsageError(f"The {what} would overwrite the list itself; choose another file.")
    if not path.parent.is_dir():
        raise UsageError(f"The folder for the {what}, {path.parent}, does not exist.")
    return path


@contextmanager
def _owner_only_csv(path: Path) -> Iterator[Any]:
    """A CSV writer on a temporary file beside ``path``, renamed into place on success."""
    fd, tmp = tempfile.mkstemp(prefix=".amanat-link-", suffix=".tmp", dir=path.parent)
    try:
        with open(fd, "w", encoding="utf-8-sig", newline="") as f:
            yield csv.writer(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sex_words(mapping: LinkMapping) -> dict[str, str | None]:
    words: dict[str, str | None] = {
        fold(w): sex for sex, spellings in VALUE_WORDS["sex"].items() for w in spellings
    }
    words.update(mapping.sex_words)
    return words


def _records(
    source: Path, mapping: LinkMapping
) -> tuple[list[dict[str, str]], dict[str, tuple[int, ...]], int, int]:
    """(records to link, field -> column positions, unread rows, empty rows)."""
    sexes = _sex_words(mapping)
    records: list[dict[str, str]] = []
    unread = empty = 0
    with open_table(source, header_row=mapping.header_row, sheet=mapping.sheet) as table:
        positions = mapping.bind(table.headers)
        bar = CountBar("Reading", table.estimated_rows, "rows")
        for row in table.rows:
            bar(1)
            if row.empty:
                empty += 1
                continue
            if row.problem is not None:
                unread += 1
                continue
            record = {"record_id": str(row.number)}
            for fname, columns in positions.items():
                texts = (_cell(row.values[i]) if i < len(row.values) else "" for i in columns)
                text = " ".join(t.strip() for t in texts if t.strip())
                record[fname] = "" if fold(text) in NO_VALUE else text
            if "sex" in record:
                record["sex"] = sexes.get(fold(record["sex"])) or ""
            records.append(record)
        bar.close()
    return records, positions, unread, empty


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
    if not source.is_file():
        raise UsageError(f"No list at {source}; check the path.")
    mapping = load_link_mapping(Path(args.mapping).expanduser().absolute())
    out = _path(args.out, "output", source)
    review_path = _path(args.review, "review file", source) if args.review else None
    default = LinkSettings()
    auto = args.auto_threshold or mapping.auto_threshold or default.auto_threshold
    review = (
        args.review_threshold or mapping.review_threshold or min(default.review_threshold, auto)
    )
    link_settings = LinkSettings(
        auto_threshold=auto,
        review_threshold=review,
        memory_limit=args.memory,
        threads=args.threads,
        workers=args.threads,
    )
    records, positions, unread, empty = _records(source, mapping)
    row_ids = {r["record_id"] for r in records}
    said: dict[tuple[str, str], Decision] = {}
    for given in args.decisions or ():
        for d in _read_decisions(Path(given).expanduser().absolute(), row_ids):
            key = (min(d.record_a, d.record_b), max(d.record_a, d.record_b))
            said.pop(key, None)  # the later file, or the later row, wins
            said[key] = d
    decisions = list(said.values())
    master = f"local[{args.threads}]" if args.spark == "local" else args.spark
    on = _spark().spark_engine(master, memory=args.memory) if master else nullcontext(None)
    with on as engine:
        result = link_records(
            records,
            decisions=decisions,
            settings=link_settings,
            progress=linking_progress(),
            engine=engine,
        )
    apart = [(d.record_a, d.record_b) for d in decisions if d.verdict == "different"]
    open_pairs = _open_pairs(result, apart)
    rows_done = _write_clusters(source, mapping, out, result, open_pairs)
    if review_path is not None:
        unsure = {(d.record_a, d.record_b) for d in decisions if d.verdict == "unsure"}
        decided = [d for d in decisions if d.verdict != "unsure"]
        _write_review(review_path, records, positions, open_pairs, unsure, decided)
    sizes: dict[int, int] = {}
    for c in result.clusters:
        sizes[c] = sizes.get(c, 0) + 1
    linked = sum(n for n in sizes.values() if n > 1)
    n_review = len(open_pairs)
    counts = {v: sum(d.verdict == v for d in decisions) for v in DECISIONS}
    not_read = {k: int(result.stats.get(key, 0)) for k, (key, _, _) in _UNREAD_KINDS.items()}
    data = {
        "list": str(source),
        "rows": rows_done,
        "linked_rows": linked,
        "persons": len(sizes),
        "review_pairs": n_review,
        "unread_rows": unread,
        "empty_rows": empty,
        "auto_threshold": result.auto_threshold,
        "review_threshold": result.review_threshold,
        "out": str(out),
        "review": str(review_path) if review_path else None,
        "decisions": counts,
        "unread_values": not_read,
    }
    lines = [
        f"Linked {source.name}: {len(records):,} rows of persons are {len(sizes):,} persons "
        f"({linked:,} rows share a person with another).",
        *(
            [
                f"With {len(decisions):,} decision{'' if len(decisions) == 1 else 's'}: "
                + ", ".join(f"{n:,} {v}" for v, n in counts.items())
                + "."
            ]
            if decisions
            else []
        ),
        f"{n_review:,} pairs need a person to decide"
        + (f": {review_path}" if review_path else " (write them with --review FILE)."),
    ]
    if unread or empty:
        lines.append(
            f"Not linked: {unread:,} rows not valid in the file's encoding, {empty:,} empty."
        )
    if any(not_read.values()):
        lines.append(
            "Not read, so counted as not known: "
            + ", ".join(
                f"{not_read[k]:,} {one if not_read[k] == 1 else several}"
                for k, (_, one, several) in _UNREAD_KINDS.items()
                if not_read[k]
            )
            + ". Correct them in the list and run again to use them."
        )
    lines.append(f"Every row with its cluster: {out}")
    print_result(args, data, "\n".join(lines))
    return 0


def _write_clusters(
    source: Path,
    mapping: LinkMapping,
    out: Path,
    result: LinkResult,
    open_pairs: Sequence[ScoredPair],
) -> int:
    """Copy every row of the list to ``out`` with its cluster columns; the row count.
    A row alone in its cluster is ``review`` when one of ``open_pairs`` holds it."""
    index = {int(rid): i for i, rid in enumerate(result.record_ids)}
    row_of = [int(rid) for rid in result.record_ids]
    sizes: dict[int, int] = {}
    for c in result.clusters:
        sizes[c] = sizes.get(c, 0) + 1
    best: dict[int, tuple[float, int]] = {}
    reviewed = {index[int(r)] for p in open_pairs for r in (p.record_a, p.record_b)}
    pairs = result.pairs
    for a, b, p in zip(
        pairs["a"].to_pylist(),
        pairs["b"].to_pylist(),
        pairs["probability"].to_pylist(),
        strict=True,
    ):
        for x, y in ((a, b), (b, a)):
            if x not in best or p > best[x][0]:
                best[x] = (p, y)
    count = 0
    with (
        open_table(source, header_row=mapping.header_row, sheet=mapping.sheet) as table,
        _owner_only_csv(out) as writer,
    ):
        writer.writerow([_safe(h) for h in (*table.headers, *_EXTRA)])
        width = len(table.headers)
        for row in table.rows:
            count += 1
            cells = [_safe(_cell(v)) for v in row.values[:width]]
            cells += [""] * (width - len(cells))
            i = index.get(row.number)
            if i is None:
                outcome = "empty" if row.empty else "unread"
                writer.writerow([*cells, "", "", outcome, "", ""])
                continue
            cluster = result.clusters[i]
            size = sizes[cluster]
            outcome = "linked" if size > 1 else "review" if i in reviewed else "alone"
            p, partner = best.get(i, (None, None))
            writer.writerow(
                [
                    *cells,
                    row_of[cluster],
                    size,
                    outcome,
                    "" if partner is None else row_of[partner],
                    "" if p is None else f"{p:.4f}",
                ]
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
    pairs: Sequence[ScoredPair],
    unsure: AbstractSet[tuple[str, str]] = frozenset(),
    decided: Sequence[Decision] = (),
) -> None:
    """The open pairs for a person to decide, their fields side by side, after an
    empty ``decision`` column to write in (``unsure`` for the pairs a person was
    unsure of before); then every pair ``decided`` so far, its decision written and no
    probability, so that the latest review file given back holds every decision."""
    fields = list(positions)
    by_id = {r["record_id"]: r for r in records}
    with _owner_only_csv(path) as writer:
        writer.writerow(
            [
                "decision",
                "probability",
                "row_a",
                "row_b",
                *(f"{f}_{s}" for f in fields for s in "ab"),
            ]
        )
        for pair in pairs:
            a, b = by_id[pair.record_a], by_id[pair.record_b]
            was = {(pair.record_a, pair.record_b), (pair.record_b, pair.record_a)} & unsure
            writer.writerow(
                [
                    "unsure" if was else "",
                    f"{pair.probability:.4f}",
                    pair.record_a,
                    pair.record_b,
                    *(_safe(r.get(f, "")) for f in fields for r in (a, b)),
                ]
            )
        for d in decided:
            a, b = by_id[d.record_a], by_id[d.record_b]
            writer.writerow(
                [
                    d.verdict,
                    "",
                    d.record_a,
                    d.record_b,
                    *(_safe(r.get(f, "")) for f in fields for r in (a, b)),
                ]
            )


def _read_decisions(path: Path, rows: set[str]) -> list[Decision]:
    """The decisions written in a review file (CSV or XLSX, as --review wrote it, or
    saved again by a spreadsheet); rows without one are skipped. ``rows``: the row
    numbers of the list being linked, which the decisions must name."""
    if not path.is_file():
        raise UsageError(f"No decisions file at {path}; check the path.")
    out: list[Decision] = []
    with open_table(path, header_row=1) as table:
        heads = [fold(h) for h in table.headers]
        missing = [k for k in _REVIEW_KEYS if fold(k) not in heads]
        if missing:
            raise UsageError(
                f"{path.name} lacks the column {missing[0]}: give the file --review wrote, "
                "with a decision written in its decision column."
            )
        at = {k: heads.index(fold(k)) for k in _REVIEW_KEYS}
        for row in table.rows:
            if row.empty:
                continue
            if row.problem is not None:
                raise InputError(f"Row {row.number} of {path.name} cannot be read: {row.problem}")
            cell = {
                k: _cell(row.values[i]).strip() if i < len(row.values) else ""
                for k, i in at.items()
            }
            if not cell["decision"]:
                continue
            word = cell["decision"]
            verdict = DECISION_WORDS.get(word) or DECISION_WORDS.get(fold(word))
            if verdict is None:
                raise InputError(
                    f"Row {row.number} of {path.name}: {shown(cell['decision'])!r} is not a "
                    "decision; write same, different or unsure, or leave it empty."
                )
            for key in ("row_a", "row_b"):
                if cell[key] not in rows:
                    raise InputError(
                        f"Row {row.number} of {path.name} names row {shown(cell[key])!r}, which "
                        "is not a row of persons in this list; were the decisions made on "
                        "another list, or the list changed since?"
                    )
            if cell["row_a"] == cell["row_b"]:
                raise InputError(f"Row {row.number} of {path.name} pairs a row with itself.")
            out.append(Decision(cell["row_a"], cell["row_b"], verdict))
    return out


COMMANDS = {"link": run}
