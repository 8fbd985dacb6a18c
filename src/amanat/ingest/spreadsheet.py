"""Importing a spreadsheet: rows in, batches of record changes out, every row accounted for.

``SpreadsheetImport`` reads a table with a mapping and yields the accepted rows'
``person.created`` changes in batches (``BATCH_ROWS`` rows each, one sealed entry per
batch), while it writes every row's outcome to the report and counts them in
``Tally``: accepted + rejected + empty = total, always.

The spreadsheet itself is the provenance. The caller seals it once, with the mapping,
in the first entry together with ``source_change()``, a ``source.added`` of kind
``imported_list``; every claim of row N cites that source with the locator ``row N``.
Nothing here touches the vault (layer rule: ``ingest`` imports only ``records``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from amanat.errors import AmanatError
from amanat.ingest.mapping import Mapping
from amanat.ingest.reasons import Voice, say
from amanat.ingest.report import ReportWriter
from amanat.ingest.rows import SAME_RECORDED, RowChecker, RowOutcome
from amanat.ingest.tables import NOT_UTF8, Row, Table, open_table
from amanat.records.changes import new_id
from amanat.records.places import Gazetteer
from amanat.records.workers import start_worker

__all__ = [
    "BATCH_ROWS",
    "Recorded",
    "SpreadsheetImport",
    "Tally",
    "default_mapping_path",
    "default_report_path",
]

# 1,000 rows per entry: an entry of about 1 MB of canonical JSON, and 100 entries for a
# list of 100,000 (issue 4: "~100 sealed entries").
BATCH_ROWS = 1000
SHOWN_REJECTIONS = 100

# A long list's rows are checked by two forked worker processes while this one reads
# the list, writes the report and the caller seals: on two cores the checks were a third
# of a 100,000-row import, on one core while the other idled (docs/performance.md).
# Below PARALLEL_FROM rows, starting the workers costs more than it saves.
PARALLEL_FROM = 4_000
_CHUNK_ROWS = 500  # rows a worker checks per task
_IN_FLIGHT = 16  # tasks handed out ahead, so the workers go on while the caller seals

_CHECKER: RowChecker | None = None  # a worker's own, set by _start_worker
Recorded = Callable[[Sequence[tuple[str, str]]], dict[tuple[str, str], str]]


def _document(key: str) -> tuple[str, str]:
    """(kind, number) of a RowOutcome.ids key, "kind:number"."""
    kind, _, number = key.partition(":")
    return kind, number


def _start_worker(checker: RowChecker) -> None:
    global _CHECKER
    start_worker()
    _CHECKER = checker


def _check_rows(rows: list[Row]) -> list[RowOutcome]:
    assert _CHECKER is not None
    return [_CHECKER.check(row) for row in rows]


@dataclass
class Tally:
    total: int = 0
    accepted: int = 0
    rejected: int = 0
    empty: int = 0
    not_utf8: int = 0
    recorded: int = 0  # accepted rows giving a document number already recorded
    # the first ones, as the terminal and --json show them: a value the reason quotes
    # ('Гүлнар Нұрланова' is not a word Amanat knows here) is left out, a column's header
    # kept: a value may be a name or an ID from a column mapped by mistake, and the
    # terminal is no place for it (the report has it)
    rejections: list[tuple[int, str]] = field(default_factory=list)
    last_row: int = 0
    voice: Voice = field(default_factory=Voice)

    def count(self, outcome: RowOutcome) -> None:
        self.total += 1
        self.last_row = outcome.number
        if outcome.outcome == "accepted":
            self.accepted += 1
        elif outcome.outcome == "empty":
            self.empty += 1
        else:
            self.rejected += 1
            if NOT_UTF8 in outcome.reasons:
                self.not_utf8 += 1
            if len(self.rejections) < SHOWN_REJECTIONS:
                shown = self.voice.rejected(outcome.reasons, terminal=True)
                self.rejections.append((outcome.number, shown))


def default_mapping_path(source: Path) -> Path:
    """Where a suggested mapping goes: list.xlsx -> list.mapping.yaml, beside it."""
    return source.with_name(source.stem + ".mapping.yaml")


def default_report_path(source: Path) -> Path:
    """Where the report goes unless the user names a place: list.csv -> list.report.csv,
    list.xlsx -> list.report.xlsx (a workbook keeps an 18-digit ID as text when a
    volunteer corrects the rejected rows in Excel and saves; a CSV opened in Excel loses
    its last digits)."""
    suffix = ".xlsx" if source.suffix.lower() in (".xlsx", ".xlsm") else ".csv"
    return source.with_name(source.stem + ".report" + suffix)


class SpreadsheetImport:
    """One spreadsheet read with one mapping. Use as a context manager."""

    def __init__(
        self,
        path: Path,
        mapping: Mapping,
        *,
        gazetteer: Gazetteer,
        today: dt.date,
        batch_rows: int = BATCH_ROWS,
        sha256: str | None = None,
        workers: int | None = None,
        voice: Voice | None = None,
    ) -> None:
        self.path = path
        self.mapping = mapping
        self.source_id = new_id("s")
        self.sha256 = sha256  # of the file's bytes, kept in the source's reference
        self.batch_rows = batch_rows
        # processes that check rows; None: two for a long list on a machine with two
        # cores or more, else none (the rows are checked here)
        self.workers = workers
        # who already holds a document number, (kind, number) -> person, asked for a
        # few hundred rows at a time (the desk's views); None: not asked (a dry run)
        self.recorded: Recorded | None = None
        # the words of the report and the terminal (English unless the caller says)
        self.voice = voice or Voice()
        self.tally = Tally(voice=self.voice)
        self.table: Table = open_table(path, header_row=mapping.header_row, sheet=mapping.sheet)
        try:
            self.checker = RowChecker(
                mapping,
                self.table.headers,
                source_id=self.source_id,
                gazetteer=gazetteer,
                today=today,
                # a workbook's cell beyond the header is a column without one (notes),
                # not a separator without its quotes
                extra_cells_ok=self.table.kind == "xlsx",
            )
        except BaseException:
            self.table.close()
            raise

    def __enter__(self) -> SpreadsheetImport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.table.close()

    @property
    def headers(self) -> tuple[str, ...]:
        return self.table.headers

    def source_change(self, *, n_files: int) -> dict[str, Any]:
        """The ``source.added`` change for the spreadsheet and mapping sealed as files
        0 .. n_files-1 of the same entry."""
        m = self.mapping
        change: dict[str, Any] = {
            "op": "source.added",
            "source": self.source_id,
            "kind": "imported_list",
            "title": m.title or self.path.name,
            "persons": [],
            "files": [{"file": i} for i in range(n_files)],
            # the file exactly, so that the same list is known when it comes again
            "reference": self.path.name[:900]
            + (f" (SHA-256 {self.sha256})" if self.sha256 else ""),
        }
        if m.date:
            change["date"] = m.date
        if m.note:
            change["note"] = m.note
        return change

    def batches(
        self, report: ReportWriter, progress: Callable[[int], None] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """The accepted rows' changes, ``batch_rows`` at a time; every row also goes to
        ``report`` and ``tally`` (also for rows in a batch the caller never seals)."""
        batch: list[dict[str, Any]] = []
        width = len(self.headers)
        with contextlib.closing(self._checked()) as checked:
            for row, outcome in self._noted(checked):
                self.tally.count(outcome)
                cells = list(row.values) + [None] * (width - len(row.values))
                report.add(row.number, outcome.outcome, self.reason(outcome), cells)
                if progress is not None:
                    progress(1)
                if outcome.change is not None:
                    batch.append(outcome.change)
                    if len(batch) >= self.batch_rows:
                        yield batch
                        batch = []
        if batch:
            yield batch

    def reason(self, outcome: RowOutcome) -> str:
        """The outcome's reason (or notes) as the report says it."""
        if outcome.outcome == "accepted":
            return self.voice.notes(outcome.reasons)
        return self.voice.rejected(outcome.reasons)

    def _noted(self, checked: Iterator[tuple[Row, RowOutcome]]) -> Iterator[tuple[Row, RowOutcome]]:
        """The outcomes with the notes that need more than the row: a document number an
        earlier row gave, or one already recorded (asked for ``_CHUNK_ROWS`` at a time)."""
        group: list[tuple[Row, RowOutcome]] = []
        for row, outcome in checked:
            group.append((row, self.checker.note_repeats(outcome)))
            if len(group) >= _CHUNK_ROWS:
                yield from self._note_recorded(group)
                group = []
        yield from self._note_recorded(group)

    def _note_recorded(
        self, group: list[tuple[Row, RowOutcome]]
    ) -> Iterator[tuple[Row, RowOutcome]]:
        if self.recorded is None or not group:
            yield from group
            return
        wanted = sorted(
            {_document(key) for _, o in group if o.outcome == "accepted" for key, _ in o.ids}
        )
        holders = self.recorded(wanted) if wanted else {}
        for row, outcome in group:
            notes = [
                say(SAME_RECORDED[kind], person=holders[_document(key)])
                for key, kind in outcome.ids
                if outcome.outcome == "accepted" and _document(key) in holders
            ]
            if notes:
                self.tally.recorded += 1
                outcome = replace(outcome, reasons=(*outcome.reasons, *dict.fromkeys(notes)))
            yield row, outcome

    def _checked(self) -> Generator[tuple[Row, RowOutcome], None, None]:
        """Every row with its outcome, in the list's order. The check is pure (a row's
        outcome depends on nothing but the row, the mapping and the gazetteer), so which
        process checks a row changes nothing but the new person's random id."""
        workers = self.workers
        if workers is None:
            long = self.table.estimated_rows >= PARALLEL_FROM
            workers = 2 if long and (os.cpu_count() or 1) >= 2 else 0
        if workers < 1:
            for row in self.table.rows:
                yield row, self.checker.check(row)
            return
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(self.checker,),
        )
        try:
            pending: deque[tuple[list[Row], Future[list[RowOutcome]]]] = deque()
            chunk: list[Row] = []
            for row in self.table.rows:
                chunk.append(row)
                if len(chunk) >= _CHUNK_ROWS:
                    pending.append((chunk, pool.submit(_check_rows, chunk)))
                    chunk = []
                    if len(pending) >= _IN_FLIGHT:
                        rows, done = pending.popleft()
                        yield from zip(rows, done.result(), strict=True)
            if chunk:
                pending.append((chunk, pool.submit(_check_rows, chunk)))
            while pending:
                rows, done = pending.popleft()
                yield from zip(rows, done.result(), strict=True)
        except BrokenProcessPool:
            raise AmanatError(
                "A helper process checking the rows stopped without finishing (the machine "
                "may have run out of memory); close other programs and import the rest."
            ) from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
