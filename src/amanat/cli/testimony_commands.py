"""``amanat testimonies``: link many imported videos to the persons they are about.

A channel's videos imported with ``amanat import FOLDER`` are linked to no one: the
title and the channel are known, the person is not. The staff app links them one at
a time from a person's page; for hundreds, these two commands go round a spreadsheet:

- ``amanat testimonies unlinked --out LIST.csv`` writes every testimony linked to no
  one, with its title, channel and address, and the person its title names best, when
  one does (``suggested_person``, ``suggested_name``): a name the title holds, never a
  decision. The ``person`` and ``reason`` columns are left for whoever watches the
  videos. An existing file is never replaced (it may be a list half filled in).
- ``amanat testimonies link LIST.csv`` seals a ``testimony.linked`` for each row that
  names a person, and writes a report accounting for every row (accepted, unchanged,
  rejected, with the reason; ``amanat.ingest.links``). A list read again, or after a
  stop, links nothing twice. ``--dry-run`` checks every row and seals nothing.

Both open the desk (the list holds names, so it is written readable by its owner only,
as an import's report is). The terminal names rows and reasons only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from amanat.bootstrap import open_desk, open_home
from amanat.cli.output import plain, print_result
from amanat.cli.progress import CountBar
from amanat.cli.prompts import ask_passphrase
from amanat.cli.words import ntr, tr
from amanat.desk.service import Batch, Desk
from amanat.errors import UsageError, Words
from amanat.ingest import ReportWriter, default_report_path, open_table, output_path
from amanat.ingest.links import LinkRow, link_columns, link_ids, plan_links
from amanat.ingest.report import SHEET_KINDS, PendingFile, SheetWriter
from amanat.settings import Settings
from amanat.views.project import PreparedEntry

__all__ = ["COMMANDS"]

LINKS_PER_ENTRY = 500  # testimony.linked changes sealed in one entry
SHOWN_IN_TERMINAL = 10  # rejected rows named in the terminal; the report has them all
LIST_COLUMNS = (
    "testimony", "title", "channel", "uploaded", "url",
    "suggested_person", "suggested_name", "person", "reason",
)  # fmt: skip


@contextmanager
def _desk(args: argparse.Namespace, settings: Settings) -> Iterator[Desk]:
    home = open_home(args.home, settings)
    with open_desk(home, ask_passphrase(settings, args.passphrase_file), settings) as desk:
        bar = CountBar(tr("Updating the views"), desk.pending(), tr("entries"))
        try:
            desk.update_views(bar)
        finally:
            bar.close()
        yield desk


# -- the list to fill in ------------------------------------------------------------------


def cmd_unlinked(args: argparse.Namespace, settings: Settings) -> int:
    out = output_path(args.out, Words("list"), inputs={})
    if out.exists():
        raise UsageError(
            "%(path)s exists already, and may be a list being filled in; give another "
            "name, or move it away first.",
            path=out,
        )
    bar: CountBar | None = None

    def progress(done: int, of: int) -> None:
        nonlocal bar
        if bar is None:
            bar = CountBar(tr("Reading the titles"), of, tr("testimonies"))
        bar(done - bar.done)

    with _desk(args, settings) as desk:
        try:
            found = desk.testimonies_to_link(progress)
        finally:
            if bar is not None:
                bar.close()
    pending = PendingFile(out, ".amanat-list-")
    try:
        assert pending.file is not None
        sheet = SheetWriter(pending.file, SHEET_KINDS.get(out.suffix.lower(), "csv"))
        sheet.row(list(LIST_COLUMNS))
        for t in found:
            name = t.name
            if t.alike:
                name = tr("the title names %(n)d persons alike; look for them in the staff app",
                          n=t.alike)  # fmt: skip
            cells = [t.testimony_id, t.title, t.channel, t.uploaded, t.url, t.person_id, name]
            sheet.row([*cells, "", ""])
        sheet.close()
        pending.commit()
    finally:
        pending.discard()
    suggested = sum(1 for t in found if t.person_id)
    data = {"testimonies": len(found), "suggested": suggested, "list": str(out)}
    lines = [
        ntr(
            "%(count)d testimony is linked to no one; %(suggested)d of the titles name one "
            "person, suggested in the list.",
            "%(count)d testimonies are linked to no one; %(suggested)d of the titles name "
            "one person, suggested in the list.",
            len(found),
            suggested=suggested,
        ),
        tr("The list: %(path)s", path=out),
        tr(
            "Watch each video, write the id of the person it is about in the column `person` "
            "and why in `reason`, then: `amanat testimonies link %(name)s`",
            name=out.name,
        ),
    ]
    if not found:
        lines = [tr("Every testimony is linked to a person; the list is empty: %(path)s", path=out)]
    print_result(args, data, "\n".join(lines))
    return 0


# -- the list read back ----------------------------------------------------------------------


def cmd_link(args: argparse.Namespace, settings: Settings) -> int:
    source = Path(args.file).expanduser()
    if source.is_dir():
        raise UsageError("%(path)s is a folder; give the list's file in it.", path=source)
    if not source.is_file():
        raise UsageError("There is no file %(file)s.", file=source)
    report_path = output_path(
        args.report or default_report_path(source), Words("report"), inputs={Words("list"): source}
    )
    with open_table(source) as table:
        columns = link_columns(table.headers, reason_given=bool(args.reason.strip()))
        headers = list(table.headers)
        rows = list(table.rows)
    with _desk(args, settings) as desk:
        facts = desk.link_facts(*link_ids(rows, columns))
        planned = plan_links(
            rows,
            columns,
            testimonies=facts.testimonies,
            shown=facts.shown,
            about=facts.about,
            default_reason=args.reason,
        )
        accepted = [p for p in planned if p.change is not None]
        sealed = 0
        if not args.dry_run and accepted:
            sealed = _seal(desk, accepted, source, report_path, planned, headers)
    _write_report(report_path, planned, headers)
    return _summary(args, source, report_path, planned, sealed)


def _seal(
    desk: Desk,
    accepted: Sequence[LinkRow],
    source: Path,
    report_path: Path,
    planned: Sequence[LinkRow],
    headers: Sequence[str],
) -> int:
    """Seal the accepted links, ``LINKS_PER_ENTRY`` to an entry; on a stop, the report
    says which rows were sealed, and the list read again links the rest."""
    groups = [accepted[i : i + LINKS_PER_ENTRY] for i in range(0, len(accepted), LINKS_PER_ENTRY)]
    batches = [
        Batch([], [row.change for row in group if row.change is not None],
              note=f"amanat testimonies link {source.name}")
        for group in groups
    ]  # fmt: skip
    kept: list[PreparedEntry] = []
    bar = CountBar(tr("Sealing links"), len(batches), tr("entries"))
    try:
        desk.seal_records(batches, bar, update_views=False, keep=kept)
    except BaseException:
        for group in groups[len(kept) :]:
            for row in group:
                row.outcome, row.change = "rejected", None
                row.reason, row.values = _NOT_SEALED, {}
        _write_report(report_path, planned, headers)
        said = tr(
            "stopped; %(sealed)d of %(links)d links are sealed, the report says which: "
            "%(report)s. Give the list again for the rest.",
            sealed=sum(len(g) for g in groups[: len(kept)]),
            links=len(accepted),
            report=report_path,
        )
        print(f"amanat: {said}", file=sys.stderr)
        raise
    finally:
        bar.close()
    desk.project_sealed(kept)
    return len(accepted)


def N_(message: str) -> str:
    return message


_NOT_SEALED = N_("not sealed: the command was stopped; give the list again.")


def _write_report(path: Path, planned: Sequence[LinkRow], headers: Sequence[str]) -> None:
    with ReportWriter(path, "row", headers, why="why") as report:
        for row in planned:
            report.add(row.number, row.outcome, row.said(tr), row.cells)
        report.commit()


def _summary(
    args: argparse.Namespace,
    source: Path,
    report_path: Path,
    planned: Sequence[LinkRow],
    sealed: int,
) -> int:
    counts = {
        kind: sum(1 for p in planned if p.outcome == kind)
        for kind in ("accepted", "unchanged", "rejected")
    }
    rejected = [p for p in planned if p.outcome == "rejected"]
    data = {
        "list": str(source),
        "dry_run": bool(args.dry_run),
        "rows": len(planned),
        **counts,
        "linked": sealed,
        "rejections": [{"row": p.number, "reason": p.said()} for p in rejected],
        "report": str(report_path),
    }
    n, numbers = len(planned), {"list": source.name, **counts}
    lines = [
        ntr("Checked %(list)s: %(count)d row, %(accepted)d to link, %(unchanged)d with "
            "nothing to do, %(rejected)d rejected.",
            "Checked %(list)s: %(count)d rows, %(accepted)d to link, %(unchanged)d with "
            "nothing to do, %(rejected)d rejected.", n, **numbers)
        if args.dry_run
        else ntr("Read %(list)s: %(count)d row, %(accepted)d linked, %(unchanged)d with "
                 "nothing to do, %(rejected)d rejected.",
                 "Read %(list)s: %(count)d rows, %(accepted)d linked, %(unchanged)d with "
                 "nothing to do, %(rejected)d rejected.", n, **numbers),
    ]  # fmt: skip
    if args.dry_run:
        lines.append(tr("Dry run: nothing was sealed."))
    for p in rejected[:SHOWN_IN_TERMINAL]:
        lines.append("  " + tr("row %(row)d: %(reason)s", row=p.number, reason=plain(p.said(tr))))
    lines.append(tr("Every row, with its reason: %(report)s", report=report_path))
    if rejected:
        lines.append(
            tr("Correct the rejected rows (the report holds them), then give the list again.")
        )
    print_result(args, data, "\n".join(lines))
    return 0


COMMANDS = {"testimonies unlinked": cmd_unlinked, "testimonies link": cmd_link}
