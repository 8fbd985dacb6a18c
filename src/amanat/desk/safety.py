"""Which records are safe: on enough mirrors, as of this desk's last sync.

``amanat mirror status`` (``mirrors.status``) counts entries per mirror; here the same
facts are summed up for the staff app's mirror page (entries, sealed files and bytes
each mirror confirmed, what is not yet safe, when this desk last synced), and turned
into the person list's filter "unsafe: not yet on enough mirrors": a person is unsafe
while any change about them, or about a testimony or source concerning them, sits in
an entry fewer than the quorum of mirrors hold.

A mirror confirms a prefix of each writer's log (``MirrorState.confirmed``: the records
below a size), so the unsafe entries of a log are those at or past a threshold: the
quorum-th largest size the mirrors confirmed. The filter is then one condition per
log on the views' ``entries`` table, however many entries are unsafe.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from amanat.mirrors.config import MirrorConfig, MirrorState
from amanat.vault.home import Home
from amanat.vault.log import Envelope
from amanat.views import read
from amanat.views import schema as s

__all__ = ["MirrorSummary", "SafetyReport", "safety_report", "search_unsafe", "thresholds"]

SHOWN_UNSAFE = 50  # unsafe entries listed on the page; the rest are counted


@dataclass(frozen=True)
class MirrorSummary:
    name: str
    url: str
    entries: int  # entries whose record and objects the mirror held at the last sync
    blobs: int  # sealed files among those
    bytes: int  # their ciphertext, entries and files


@dataclass
class SafetyReport:
    quorum: int
    entries: int
    blobs: int
    bytes: int
    unsafe_entries: int
    unsafe_blobs: int
    unsafe_persons: int
    last_sync: str | None  # when this desk last saved what the mirrors hold (UTC)
    mirrors: list[MirrorSummary] = field(default_factory=list)
    unsafe: list[dict[str, Any]] = field(default_factory=list)  # the first SHOWN_UNSAFE


def thresholds(home: Home) -> tuple[int, dict[str, int]]:
    """The quorum, and per log the size below which its entries are safe."""
    config = MirrorConfig.load(home.path)
    state = MirrorState.load(home.path)
    out: dict[str, int] = {}
    kids = {kid for logs in state.confirmed.values() for kid in logs}
    for kid in kids:
        sizes = sorted((int(logs.get(kid, 0)) for logs in state.confirmed.values()), reverse=True)
        out[kid] = sizes[config.quorum - 1] if 0 < config.quorum <= len(sizes) else 0
    return config.quorum, out


def _unsafe_condition(safe_below: dict[str, int]) -> ColumnElement[bool]:
    """Persons with a change in an entry not yet safe (see the module)."""
    e, c, ln, p = s.entries, s.changes, s.links, s.persons
    if safe_below:
        per_log = [and_(e.c.log == kid, e.c.seq >= size) for kid, size in safe_below.items()]
        unsafe_entries = select(e.c.entry_id).where(or_(*per_log, e.c.log.notin_(list(safe_below))))
    else:  # no mirror confirmed anything: every entry is unsafe
        unsafe_entries = select(e.c.entry_id)
    subjects = select(c.c.subject).where(c.c.entry_id.in_(unsafe_entries))
    via_links = select(ln.c.person_id).where(ln.c.subject.in_(subjects))
    return or_(p.c.person_id.in_(subjects), p.c.person_id.in_(via_links))


def search_unsafe(
    conn: Connection, query: read.Query, safe_below: dict[str, int]
) -> read.SearchResult:
    """``read.search`` restricted to unsafe persons: the same filters, name ranking,
    order and page, with one condition more."""
    return read.search(conn, query, only=_unsafe_condition(safe_below))


def count_unsafe_persons(conn: Connection, safe_below: dict[str, int]) -> int:
    stmt = select(func.count()).select_from(s.persons).where(_unsafe_condition(safe_below))
    return int(conn.execute(stmt).scalar_one())


def _last_sync(home: Home) -> str | None:
    try:
        mtime = (home.path / "mirror-state.json").stat().st_mtime
    except FileNotFoundError:
        return None
    return dt.datetime.fromtimestamp(mtime, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def safety_report(home: Home, conn: Connection) -> SafetyReport:
    """Every mirror with what it holds of this desk's vault, and what is not yet safe."""
    config = MirrorConfig.load(home.path)
    state = MirrorState.load(home.path)
    quorum, safe_below = thresholds(home)
    held: dict[str, list[int]] = {m.name: [0, 0, 0] for m in config.mirrors}
    report = SafetyReport(quorum, 0, 0, 0, 0, 0, 0, _last_sync(home))
    for files in home.vault().logs():
        lines, _ = files.read_records()
        for seq, line in enumerate(lines):
            env = Envelope.parse(line, where=f"{files.kid}/{seq}")
            size = env.entry_size + sum(b.size for b in env.blobs)
            report.entries += 1
            report.blobs += len(env.blobs)
            report.bytes += size
            on = state.confirmations(files.kid, seq)
            for name in on:
                if name in held:
                    held[name][0] += 1
                    held[name][1] += len(env.blobs)
                    held[name][2] += size
            if len(on) < quorum:
                report.unsafe_entries += 1
                report.unsafe_blobs += len(env.blobs)
                if len(report.unsafe) < SHOWN_UNSAFE:
                    report.unsafe.append(
                        {"entry": env.entry, "time": env.time, "mirrors": list(on)}
                    )
    report.mirrors = [MirrorSummary(m.name, m.url, *held[m.name]) for m in config.mirrors]
    report.unsafe_persons = count_unsafe_persons(conn, safe_below) if report.unsafe_entries else 0
    return report
