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
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from amanat.cli.output import print_result
from amanat.cli.progress import CountBar, linking_progress
from amanat.errors import UsageError
from amanat.ingest import open_table
from amanat.ingest.tables import CellValue
from amanat.ingest.vocab import NO_VALUE, VALUE_WORDS
from amanat.linkage import LinkMapping, LinkResult, LinkSettings, link_records, load_link_mapping
from amanat.linkage.mapping import fold
from amanat.settings import Settings

__all__ = ["COMMANDS"]

_RISKY_START = ("=", "+", "-", "@", "\t", "\r")
_EXTRA = ("cluster", "cluster_size", "outcome", "best_match_row", "best_probability")


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
    result = link_records(records, settings=link_settings, progress=linking_progress())
    rows_done = _write_clusters(source, mapping, out, result)
    if review_path is not None:
        _write_review(review_path, records, positions, result)
    sizes: dict[int, int] = {}
    for c in result.clusters:
        sizes[c] = sizes.get(c, 0) + 1
    linked = sum(n for n in sizes.values() if n > 1)
    n_review = int(result.stats.get("review_pairs", 0))
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
    }
    lines = [
        f"Linked {source.name}: {len(records):,} rows of persons are {len(sizes):,} persons "
        f"({linked:,} rows share a person with another).",
        f"{n_review:,} pairs need a person to decide"
        + (f": {review_path}" if review_path else " (write them with --review FILE)."),
    ]
    if unread or empty:
        lines.append(
            f"Not linked: {unread:,} rows not valid in the file's encoding, {empty:,} empty."
        )
    lines.append(f"Every row with its cluster: {out}")
    print_result(args, data, "\n".join(lines))
    return 0


def _write_clusters(source: Path, mapping: LinkMapping, out: Path, result: LinkResult) -> int:
    """Copy every row of the list to ``out`` with its cluster columns; the row count."""
    index = {int(rid): i for i, rid in enumerate(result.record_ids)}
    row_of = [int(rid) for rid in result.record_ids]
    sizes: dict[int, int] = {}
    for c in result.clusters:
        sizes[c] = sizes.get(c, 0) + 1
    best: dict[int, tuple[float, int]] = {}
    reviewed: set[int] = set()
    pairs = result.pairs
    for a, b, p, outcome in zip(
        pairs["a"].to_pylist(),
        pairs["b"].to_pylist(),
        pairs["probability"].to_pylist(),
        pairs["outcome"].to_pylist(),
        strict=True,
    ):
        if outcome == "review":
            reviewed.update((a, b))
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


def _write_review(
    path: Path,
    records: Sequence[dict[str, str]],
    positions: dict[str, tuple[int, ...]],
    result: LinkResult,
) -> None:
    """The pairs for a person to decide, most likely first, their fields side by side."""
    fields = list(positions)
    by_id = {r["record_id"]: r for r in records}
    with _owner_only_csv(path) as writer:
        writer.writerow(
            ["probability", "row_a", "row_b", *(f"{f}_{s}" for f in fields for s in "ab")]
        )
        for pair in sorted(result.review(), key=lambda p: -p.probability):
            a, b = by_id[pair.record_a], by_id[pair.record_b]
            writer.writerow(
                [
                    f"{pair.probability:.4f}",
                    pair.record_a,
                    pair.record_b,
                    *(_safe(r.get(f, "")) for f in fields for r in (a, b)),
                ]
            )


COMMANDS = {"link": run}
