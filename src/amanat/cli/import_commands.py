"""``amanat import``: a spreadsheet of persons, or a folder of downloaded videos.

The command parses nothing itself: it reads with ``amanat.ingest``, seals with the
desk (``Desk.seal_records``), and prints a summary that accounts for every row:
accepted + rejected + empty = total. It exits 0 whenever every row was accounted for,
rejections included (the report says why each was rejected); 2 when there was no
mapping yet and a suggested one was written instead.

``--dry-run`` checks every row and writes the report without the vault, so it needs
no passphrase. Terminal output names rows and reasons only; the row's content, ID
numbers included, goes to the report file (readable by its owner only).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from amanat.bootstrap import open_desk, open_home
from amanat.cli.output import mapping_kept, plain, print_result
from amanat.cli.progress import CountBar, ProgressBar, stopped_by_signals
from amanat.cli.prompts import ask_passphrase
from amanat.cli.words import N_, ntr, number, tr, voice
from amanat.desk.service import Batch, Desk
from amanat.errors import UsageError, Words
from amanat.ingest import (
    ReportWriter,
    SpreadsheetImport,
    Tally,
    VideoItem,
    default_mapping_path,
    default_report_path,
    load_mapping,
    open_table,
    output_path,
    read_video_folder,
    suggest_mapping,
    write_text_atomic,
)
from amanat.records.places import Gazetteer
from amanat.settings import Settings
from amanat.vault.seal import FileToSeal
from amanat.vault.source import sha256_file
from amanat.vault.upload import sniff
from amanat.views.project import PreparedEntry

__all__ = ["COMMANDS"]

# Batches sealed per call of Desk.seal_records, which then projects them into the
# views from memory. 5 entries of 1,000 rows: 20 took the same time but twice the peak
# memory (349 MB against 717 MB, 2026-11-28); one call for a whole list would hold
# every change of it at once.
GROUP_BATCHES = 5
SUGGEST_ROWS = 200_000  # rows read for a suggested mapping's unknown words
SHOWN_IN_TERMINAL = 20


def _report_path(args: argparse.Namespace, default: Path, inputs: dict[Words, Path]) -> Path:
    """--report (or ``default``), checked before the desk is opened or a row sealed."""
    return output_path(args.report or default, Words("report"), inputs=inputs)


def run(args: argparse.Namespace, settings: Settings) -> int:
    source = Path(args.source).expanduser().absolute()
    if source.is_dir():
        with stopped_by_signals():
            return _videos(args, settings, source)
    if not source.is_file():
        raise UsageError("Nothing to import at %(path)s; check the path.", path=source)
    if not args.mapping:
        return _suggest(args, source)
    # a closed terminal or a `kill` stops the import as Ctrl-C does: it says how far it
    # got, and leaves no half-written report
    with stopped_by_signals():
        return _spreadsheet(args, settings, source, Path(args.mapping).expanduser().absolute())


def _open(args: argparse.Namespace, settings: Settings) -> Desk:
    home = open_home(args.home, settings)
    return open_desk(home, ask_passphrase(settings, args.passphrase_file), settings)


# -- a suggested mapping -----------------------------------------------------------------


def _suggest(args: argparse.Namespace, source: Path) -> int:
    target = default_mapping_path(source)
    command = f"amanat import {source.name} --mapping {target.name} --dry-run"
    if target.exists():  # never replace a mapping someone may be editing
        return mapping_kept(args, target, command, "imported")
    with open_table(source) as table:
        rows = (r.values for r in itertools.islice(table.rows, SUGGEST_ROWS))
        text, mapped = suggest_mapping(
            table.headers,
            rows,
            file_name=source.name,
            today=dt.date.today(),
            gazetteer=Gazetteer.load_builtin(),
            voice=voice(),
        )
        n_columns = len(table.headers)
    write_text_atomic(target, text)
    print_result(
        args,
        {"mapping": str(target), "written": True, "imported": False, "columns_mapped": mapped},
        tr(
            "No --mapping was given, so a suggested one was written: %(mapping)s\n"
            "It maps %(mapped)d of %(columns)d columns. Nothing was imported.\n"
            "Check every line of it (and fill in the words it lists), then run:\n"
            "  %(command)s",
            mapping=target,
            mapped=mapped,
            columns=n_columns,
            command=command,
        ),
    )
    return 2


# -- a spreadsheet -----------------------------------------------------------------------


def _spreadsheet(
    args: argparse.Namespace, settings: Settings, source: Path, mapping_path: Path
) -> int:
    mapping = load_mapping(mapping_path)
    report_path = _report_path(
        args, default_report_path(source), {Words("list"): source, Words("mapping"): mapping_path}
    )
    digest, _ = sha256_file(source)
    job = SpreadsheetImport(
        source,
        mapping,
        gazetteer=Gazetteer.load_builtin(),
        today=dt.date.today(),
        sha256=digest,
        voice=voice(),
    )
    desk = None
    entries = 0
    kept: list[PreparedEntry] = []
    try:
        desk = None if args.dry_run else _open(args, settings)
        if desk is not None:
            desk.update_views()
            job.recorded = desk.recorded_documents
        if desk is not None and not args.again:
            before = desk.imported_before(digest)
            if before is not None:
                raise UsageError(
                    "This list, byte for byte, was imported before (source %(source)s, "
                    "sealed %(time)s): importing it again would record every person in it "
                    "twice. Import only the rows that are new or corrected (the report "
                    "holds them), or give --again if you mean to.",
                    source=before[0],
                    time=before[1],
                )
        with job, ReportWriter(report_path, "row", job.headers) as report:
            bar = CountBar(
                tr("Checking rows") if desk is None else tr("Importing rows"),
                job.table.estimated_rows,
                tr("rows"),
                least=2000,
            )
            try:
                if desk is None:
                    for _ in job.batches(report, bar):
                        pass
                else:
                    entries = _seal_rows(desk, job, report, bar, [source, mapping_path], kept)
            finally:
                bar.close()
            report.commit()
        if desk is not None:
            # Projected from memory in one go: the rows were checked as they were read,
            # so the views need not open and check the entries again.
            views = CountBar(tr("Updating the views"), len(kept), tr("entries"))
            try:
                desk.project_sealed(kept, views)
            finally:
                views.close()
    finally:
        job.table.close()
        if desk is not None:
            desk.close()
    _print_summary(args, job, report_path, entries, source, mapping_path)
    return 0


def _seal_rows(
    desk: Desk,
    job: SpreadsheetImport,
    report: ReportWriter,
    bar: CountBar,
    files: list[Path],
    kept: list[PreparedEntry],
) -> int:
    """Seal the list and its mapping, then its accepted rows; the number of entries.
    What was sealed is added to ``kept``, to be projected into the views at the end."""
    note = f"amanat import {job.path.name}"
    first = Batch(
        [FileToSeal(p, name=p.name) for p in files],
        [job.source_change(n_files=len(files))],
        note=f"{note}: the list as received, and its mapping",
    )
    pending: list[Batch] = [first]
    # the last row of each batch handed to the desk, in order (0: the list itself); the
    # desk adds each entry to ``kept`` as it seals it, so a stop anywhere, even within
    # a call, says exactly how far the import got
    last_rows = [0]
    already = len(kept)
    try:
        for changes in job.batches(report, bar):
            # Each row's change was checked when the row was read (rows.py).
            pending.append(Batch((), changes, note=note, checked=True))
            last_rows.append(job.tally.last_row)
            if len(pending) >= GROUP_BATCHES:
                desk.seal_records(pending, update_views=False, keep=kept)
                pending = []
        if pending:
            desk.seal_records(pending, update_views=False, keep=kept)
    except BaseException:
        sealed = len(kept) - already
        if sealed > 1:
            said = tr(
                "the import stopped; rows up to %(row)d are sealed (source %(source)s), later "
                "rows are not. Fix the cause, remove the rows up to that one from the list, "
                "and import the rest.",
                row=last_rows[sealed - 1],
                source=job.source_id,
            )
            print(f"amanat: {said}", file=sys.stderr)
        elif sealed == 1:
            said = tr(
                "the import stopped before any row was sealed; only the list and its mapping "
                "are (source %(source)s). Fix the cause and import it again.",
                source=job.source_id,
            )
            print(f"amanat: {said}", file=sys.stderr)
        raise
    return len(kept) - already


def _tally_json(t: Tally) -> dict[str, Any]:
    return {
        "total": t.total,
        "accepted": t.accepted,
        "rejected": t.rejected,
        "empty": t.empty,
        "recorded_already": t.recorded,
        "rejections": [{"row": n, "reason": r} for n, r in t.rejections],
    }


def _print_summary(
    args: argparse.Namespace,
    job: SpreadsheetImport,
    report: Path,
    entries: int,
    source: Path,
    mapping: Path,
) -> None:
    t = job.tally
    data = {
        "file": str(source),
        "mapping": str(mapping),
        "dry_run": bool(args.dry_run),
        "encoding": job.table.encoding,
        **_tally_json(t),
        "report": str(report),
        "source": None if args.dry_run else job.source_id,
        "entries": entries,
    }
    counts = {
        "file": source.name,
        "total": number(t.total),
        "accepted": number(t.accepted),
        "rejected": number(t.rejected),
        "empty": number(t.empty),
    }
    lines = [
        tr("Checked %(file)s: %(total)s rows, %(accepted)s accepted, %(rejected)s rejected, "
           "%(empty)s empty.", **counts)
        if args.dry_run
        else tr("Imported %(file)s: %(total)s rows, %(accepted)s accepted, %(rejected)s "
                "rejected, %(empty)s empty.", **counts)
    ]  # fmt: skip
    if args.dry_run:
        lines.append(tr("Dry run: nothing was sealed."))
    else:
        lines.append(
            tr(
                "Sealed %(entries)d entries: the list and its mapping as source %(source)s, "
                "and one entry per 1,000 accepted rows.",
                entries=entries,
                source=job.source_id,
            )
        )
    if t.not_utf8 and t.not_utf8 * 2 >= t.total - t.empty:
        lines.append(
            tr("Most rows are not valid UTF-8: re-save the file as CSV UTF-8 and import it again.")
        )
    for at, reason in t.rejections[:SHOWN_IN_TERMINAL]:
        lines.append("  " + tr("row %(row)d: %(reason)s", row=at, reason=plain(reason)))
    if t.rejected > SHOWN_IN_TERMINAL:
        more = number(t.rejected - SHOWN_IN_TERMINAL)
        lines.append("  " + tr("… and %(count)s more rejected rows.", count=more))
    if t.recorded:
        lines.append(
            ntr(
                "%(shown)s accepted row gives an ID number this desk has recorded already: it "
                "became a new record, and the report names the person who holds the number. "
                "`amanat duplicates` offers such pairs to the reviewers.",
                "%(shown)s accepted rows give an ID number this desk has recorded already: "
                "each became a new record, and the report names the person who holds the "
                "number. `amanat duplicates` offers such pairs to the reviewers.",
                t.recorded,
                shown=number(t.recorded),
            )
        )
    lines.append(tr("Every row, with its reason: %(report)s", report=report))
    if t.rejected:
        lines.append(
            tr("Correct the rejected rows (the report holds them), then import those rows again.")
        )
    print_result(args, data, "\n".join(lines))


# -- a folder of videos ------------------------------------------------------------------


def _videos(args: argparse.Namespace, settings: Settings, folder: Path) -> int:
    if args.mapping:
        raise UsageError("A folder of videos needs no --mapping; leave it out.")
    report_path = _report_path(
        args, folder.with_name(folder.name + ".report.csv"), {Words("folder of videos"): folder}
    )
    items = read_video_folder(folder, kind_of=sniff)
    desk = None if args.dry_run else _open(args, settings)
    kept: list[PreparedEntry] = []
    videos: list[VideoItem] = []
    try:
        if desk is not None:
            desk.update_views()
        if desk is not None and not args.again:
            _leave_out_recorded(items, desk)
        videos = [i for i in items if i.change is not None]
        try:
            if desk is not None and videos:
                batches = [
                    Batch(
                        [FileToSeal(p, name=p.name) for p in v.files],
                        [v.change] if v.change else [],
                        note=f"amanat import {folder.name}/{v.name}",
                    )
                    for v in videos
                ]
                total = sum(p.stat().st_size for v in videos for p in v.files)
                bar = ProgressBar(tr("Sealing videos"), total)
                try:
                    desk.seal_records(batches, bar, update_views=False, keep=kept)
                finally:
                    bar.close()
        except BaseException:
            # The report says which videos are sealed; importing the folder again
            # leaves those out (they are known by their address).
            _not_sealed(items, videos[len(kept) :])
            _write_video_report(report_path, items, sealed=True)
            said = tr(
                "the import stopped; %(sealed)d of %(videos)d videos are sealed, the report "
                "says which: %(report)s. Import the folder again for the rest.",
                sealed=len(kept),
                videos=len(videos),
                report=report_path,
            )
            print(f"amanat: {said}", file=sys.stderr)
            raise
        _write_video_report(report_path, items, sealed=desk is not None)
        if desk is not None and kept:
            desk.project_sealed(kept)
    finally:
        if desk is not None:
            desk.close()
    accepted = sum(1 for i in items if i.outcome == "accepted")
    rejected = [i for i in items if i.outcome == "rejected"]
    data = {
        "folder": str(folder),
        "dry_run": bool(args.dry_run),
        "total": len(items),
        "accepted": accepted,
        "rejected": len(rejected),
        "empty": 0,
        "testimonies": len(videos),
        "entries": len(kept),
        "rejections": [{"file": i.name, "reason": i.said()} for i in rejected],
        "report": str(report_path),
    }
    counts = {
        "folder": folder.name,
        "files": len(items),
        "accepted": accepted,
        "testimonies": len(videos),
        "rejected": len(rejected),
    }
    lines = [
        tr("Checked %(folder)s: %(files)d files, %(accepted)d accepted (%(testimonies)d "
           "testimonies), %(rejected)d not taken.", **counts)
        if args.dry_run
        else tr("Imported %(folder)s: %(files)d files, %(accepted)d accepted (%(testimonies)d "
                "testimonies), %(rejected)d not taken.", **counts),
        tr("Dry run: nothing was sealed.")
        if args.dry_run
        else tr("Sealed %(entries)d entries; each testimony's consent is 'internal' until a "
                "reviewer records the testifier's own.", entries=len(kept)),
    ]  # fmt: skip
    lines += [f"  {plain(i.name, 80)}: {plain(_said(i))}" for i in rejected[:SHOWN_IN_TERMINAL]]
    lines.append(tr("Every file, with its reason: %(report)s", report=report_path))
    print_result(args, data, "\n".join(lines))
    return 0


def _leave_out_recorded(items: list[VideoItem], desk: Desk) -> None:
    """Videos recorded before from the same address (the folder imported again) are
    not taken, nor the files that go with them."""
    urls = {i.name: i.change.get("external", {}).get("url") for i in items if i.change is not None}
    recorded = desk.testimonies_from([u for u in urls.values() if u])
    gone: set[str] = set()
    for item in items:
        known = recorded.get(urls.get(item.name) or "")
        if item.change is not None and known:
            item.outcome, item.change, item.files = "rejected", None, []
            item.reason = N_(
                "recorded before as testimony %(testimony)s (the same address); "
                "give --again to record it twice."
            )
            item.values = {"testimony": known}
            gone.add(item.name)
    for item in items:
        if item.video in gone:
            item.outcome = "rejected"
            item.reason = N_("goes with %(video)s, recorded before.")
            item.values = {"video": item.video}


def _not_sealed(items: list[VideoItem], left: Sequence[VideoItem]) -> None:
    """The videos a stopped import did not seal, and their files, marked so."""
    names = {v.name for v in left}
    for item in items:
        if item.name in names or item.video in names:
            item.outcome = "rejected"
            item.reason = N_("not sealed: the import was stopped; import the folder again.")
            item.values = {}


def _said(item: VideoItem) -> str:
    """A file's reason in the volunteer's language (the report's and the terminal's)."""
    return tr(item.reason, **item.values) if item.reason else ""


def _write_video_report(path: Path, items: Sequence[VideoItem], *, sealed: bool) -> None:
    """Every file with its outcome, its video's title, and the testimony it was sealed
    in (or recorded as before): the id ``amanat testimonies link`` knows it by. A dry
    run's videos (``sealed`` false) and those a stop left out have none."""
    testimony = {
        i.name: str(i.change["testimony"])
        for i in items
        if sealed and i.change is not None and i.outcome == "accepted"
    }
    testimony |= {i.name: str(i.values["testimony"]) for i in items if "testimony" in i.values}
    with ReportWriter(path, "file", ["title", "testimony"]) as report:
        for item in items:
            of = testimony.get(item.name) or testimony.get(item.video, "")
            report.add(item.name, item.outcome, _said(item), [item.title, of])
        report.commit()


COMMANDS = {"import": run}
