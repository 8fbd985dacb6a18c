"""The projection: opened vault entries in, SQL tables out.

``Views.apply`` is the only way rows are written. It stores each new record entry's
changes in ``changes`` (the projection's input, as sealed), then *refolds* every
person, testimony and source those changes can alter: their rows are deleted and
written again from all of their changes by the pure folds in ``records.fold``. Because
a fold depends only on the set of changes, applying entries one sync at a time and
rebuilding from the whole vault give identical tables (the property
``tests/test_views.py`` checks on random entry sequences).

A record entry that does not follow ``docs/format/records.md`` is kept in ``entries``
with the reason in ``problem`` and contributes nothing; one bad entry never stops the
projection of the others.

Decisions on pairs of person records (``link.decided``) are kept in ``link_decisions``
and *merge* persons: the records that decisions in force join (``records.fold.merges``)
are folded together and shown as one person under the smallest existing id, the others
listed in ``person_aliases``. A new decision refolds every record of the components it
touches, found by following the *same* decisions in force from its two records; so a
merge followed by a split leaves the folded tables exactly as they were
(``tests/test_merge.py``).
"""

from __future__ import annotations

import json
import multiprocessing
import operator
import os
import random
import time
import unicodedata
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Index,
    delete,
    exc,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy import text as sql

from amanat.errors import FormatError, UnsupportedVersion, Words
from amanat.names import TABLE_VERSION, name_keys
from amanat.records.changes import CLAIM_OPS, LINK_OPS, Change, pair_subject, read_changes
from amanat.records.dates import stored_date
from amanat.records.fold import (
    Claim,
    Decision,
    Flag,
    HistoryItem,
    Merge,
    PersonState,
    SourceState,
    TestimonyState,
    current_decisions,
    fold_person,
    fold_source,
    fold_testimony,
    merges,
    read_decision,
)
from amanat.records.ids import ResidentId
from amanat.records.workers import start_worker
from amanat.views import schema as s
from amanat.views.un import Event, case_gaps

__all__ = [
    "LOST",
    "OUTCOMES",
    "ApplyReport",
    "Candidate",
    "PreparedEntry",
    "SealedEntry",
    "Views",
    "fold_text",
    "lost_entry",
    "prepare_entry",
    "stored_change",
]

_CHUNK = 500
KEY_LENGTH = 300  # search_keys.key is VARCHAR(300)
NAME_TABLES_KEY = s.NAME_TABLES_KEY
Progress = Callable[[int], None]


OUTCOMES = ("link", "review", "no_link")  # the linkage model's three outcomes for a pair


def fold_text(text: str) -> str:
    """Case- and accent-insensitive form of a name, for substring search in any script."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


@dataclass(frozen=True)
class SealedEntry:
    """One opened vault entry, as the projection needs it (no keys, no vault)."""

    entry_id: str
    log: str
    seq: int
    time: str
    type: str
    data: Any
    files: tuple[str, ...]


@dataclass(frozen=True)
class PreparedEntry:
    """An entry checked and turned into rows, ready to store (see ``prepare_entry``)."""

    entry_id: str
    is_record: bool
    problem: Words | None
    changes: tuple[Change, ...]
    entry_row: tuple[Any, ...]
    change_rows: tuple[tuple[Any, ...], ...]


LOST = "lost"  # the type of an entry the log names whose sealed file this vault lacks
LOST_PROBLEM = Words(
    "the sealed entry is lost: no mirror held a sound copy of it; a sync that finds it "
    "brings it back"
)


def _text(problem: Words | None) -> str | None:
    """A problem as the entries table keeps it: the English sentence (the report says
    it in the reader's language)."""
    return None if problem is None else str(problem)


def lost_entry(entry_id: str, log: str, seq: int, time: str) -> PreparedEntry:
    """The row of an entry the log names but this vault lacks (see ``LOST``)."""
    return PreparedEntry(
        entry_id=entry_id,
        is_record=False,
        problem=LOST_PROBLEM,
        changes=(),
        entry_row=(entry_id, log, seq, time, LOST, 0, str(LOST_PROBLEM)),
        change_rows=(),
    )


def stored_change(r: Any) -> Change:
    """A row of the views' ``changes`` as the change it stores."""
    return Change(
        r.entry_id, r.idx, r.time, r.op, json.loads(r.body), tuple(json.loads(r.files)), r.position
    )


# What a station seals: an intake (docs/format/records.md). A station's key is on a
# laptop at an outreach desk, the likeliest to be seized; whoever holds it must not
# change a consent, who may see a file, or a person's record through it.
STATION_OPS = frozenset({"testimony.recorded", "person.created", "person.amended"})


def _cited_elsewhere(changes: Sequence[Change]) -> str:
    """What a station's claims cite beyond the testimonies its own entry records about
    the person they are on ("" when nothing): an intake's claims come from the
    testimony it records, so a claim citing a desk's testimony or source document (to
    lend a forged status the weight of a genuine one) is not a station's to make."""
    recorded = {
        str(c.body["testimony"]): set(c.body["persons"])
        for c in changes
        if c.op == "testimony.recorded"
    }
    cited: set[str] = set()
    for c in changes:
        if c.op not in ("person.created", "person.amended"):
            continue
        for claim in c.body["claims"]:
            source = claim["source"]
            testimony = source.get("testimony")
            if c.body["person"] not in recorded.get(str(testimony), ()):
                cited.add(str(testimony or source.get("source")))
    return ", ".join(sorted(cited))


def prepare_entry(e: SealedEntry, *, checked: bool = False, station: bool = False) -> PreparedEntry:
    """Check a record entry's changes and make its rows: pure, so a worker process can
    do it while this one writes (``desk.reader``).

    ``checked``: the caller sealed this entry itself, from changes that each passed
    ``check_changes`` (a bulk import checks every row as it reads it), so they are not
    checked again. ``station``: a station signed it, so it may hold only the changes
    of ``STATION_OPS``; an entry with any other is not applied, and says so."""
    problem = None
    found: list[Change] = []
    position = f"{e.log}/{e.seq:012d}"
    if e.type == "record" and checked:
        found = [
            Change(e.entry_id, i, e.time, c["op"], c, tuple(e.files), position)
            for i, c in enumerate(e.data["changes"])
        ]
    elif e.type == "record":
        try:
            found = read_changes(e.entry_id, e.time, e.data, e.files, position)
        except FormatError as exc:
            problem = Words.of(exc)
    beyond = sorted(
        {c.op for c in found} - STATION_OPS
        # an intake adds to a person; a retraction is a correction
        | {
            "person.amended with retract"
            for c in found
            if c.op == "person.amended" and c.body.get("retract")
        }
        if station
        else set()
    )
    if beyond:
        problem = Words(
            "signed by a station, which may only record testimonies and the persons they "
            "concern; its %(ops)s is not applied (a desk seals such changes)",
            ops=", ".join(beyond),
        )
        found = []
    elif station and (cited := _cited_elsewhere(found)):
        problem = Words(
            "signed by a station, whose claims may cite only a testimony of the same "
            "entry about that person; it cites %(cited)s, so it is not applied",
            cited=cited,
        )
        found = []
    files = json.dumps(list(e.files))
    return PreparedEntry(
        entry_id=e.entry_id,
        is_record=e.type == "record",
        problem=problem,
        changes=tuple(found),
        # In the column order of schema.entries and schema.changes.
        entry_row=(e.entry_id, e.log, e.seq, e.time, e.type, len(e.files), _text(problem)),
        change_rows=tuple(
            (
                c.entry_id,
                c.index,
                c.time,
                c.position,
                c.op,
                c.subject,
                json.dumps(c.body, ensure_ascii=False, sort_keys=True),
                files,
            )
            for c in found
        ),
    )


@dataclass(frozen=True)
class Candidate:
    """A pair of person records the linkage model proposes (``link_candidates``)."""

    a: str
    b: str
    probability: float  # 0 to 1
    outcome: str  # link, review or no_link
    model: str  # which model, e.g. its version
    computed: str  # when, "YYYY-MM-DDTHH:MM:SSZ"


@dataclass
class ApplyReport:
    entries: int = 0
    records: int = 0
    changes: int = 0
    problems: list[tuple[str, Words]] = field(default_factory=list)
    persons: int = 0
    testimonies: int = 0
    sources: int = 0
    migrated: list[Words] = field(default_factory=list)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _bounds(text: str) -> tuple[str, str]:
    d = stored_date(text)
    return d.earliest.isoformat(), d.latest.isoformat()


def _dated_row(text: str | None) -> dict[str, str | None]:
    """A row's date as said and the days it spans (all empty when not said)."""
    if text is None:
        return {"date": None, "earliest": None, "latest": None}
    earliest, latest = _bounds(text)
    return {"date": text, "earliest": earliest, "latest": latest}


def _sourced_row(pid: str, c: Claim, **values: Any) -> dict[str, Any]:
    """A row of a person's table made from claim ``c``, with its source."""
    return {
        "person_id": pid,
        "claim_id": c.claim_id,
        **values,
        "source_kind": c.source_kind,
        "source_id": c.source_id,
    }


class Views:
    """The views database: created, migrated, applied to, rebuilt."""

    def __init__(self, engine: Engine, place_rows: Callable[[], Iterable[dict[str, Any]]]) -> None:
        self.engine = engine
        self._place_rows = place_rows

    # -- schema ---------------------------------------------------------------------

    def prepare(self) -> list[Words]:
        """Create the tables, or migrate an older views database, and bring the name
        search keys up to the names module's tables; what was done."""
        done = self._prepare_tables()
        return done + self._refresh_name_keys()

    def _refresh_name_keys(self) -> list[Words]:
        """Keys made under other name tables no longer meet a typed name's keys: when
        ``names.TABLE_VERSION`` is not the one the keys were made with, make them again
        from the names (derived data; nothing in the vault changes)."""
        with self.engine.begin() as conn:
            return self._refresh_name_keys_in(conn)

    def _refresh_name_keys_in(self, conn: Connection) -> list[Words]:
        stored = conn.execute(
            select(s.meta.c.value).where(s.meta.c.key == NAME_TABLES_KEY)
        ).scalar_one_or_none()
        if stored == TABLE_VERSION:
            return []
        n = s.names
        names: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        for pid, text, script in conn.execute(select(n.c.person_id, n.c.text, n.c.script)):
            names[pid].append((text, script))
        rows = [r for pid in sorted(names) for r in _search_key_rows(pid, names[pid])]
        conn.execute(delete(s.search_keys))
        for i in range(0, len(rows), _CHUNK):
            conn.execute(insert(s.search_keys), rows[i : i + _CHUNK])
        if stored is None:
            conn.execute(insert(s.meta), [{"key": NAME_TABLES_KEY, "value": TABLE_VERSION}])
        else:
            conn.execute(
                update(s.meta).where(s.meta.c.key == NAME_TABLES_KEY).values(value=TABLE_VERSION)
            )
        if stored is None and not rows:
            return []
        return [
            Words(
                "name search keys made again for the names tables %(version)s",
                version=TABLE_VERSION,
            )
        ]

    def _prepare_tables(self) -> list[Words]:
        with self.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                # The sqlite3 module begins a transaction only before a row is written,
                # so each DROP or CREATE would be committed by itself: a migration that
                # failed midway would leave the views emptied. All of it in one.
                conn.exec_driver_sql("BEGIN")
            version = s.stored_version(conn)
            if version is None:
                self._create_tables(conn)
                return []
            if version > s.SCHEMA_VERSION:
                raise UnsupportedVersion(
                    "These views were made by a newer Amanat; update Amanat or rebuild the views."
                )
            done: list[Words] = []
            refold = False
            for step in s.MIGRATIONS:
                if step.from_version < version:
                    continue
                done.append(step.what)
                if step.apply is None or (step.rebuild_if is not None and step.rebuild_if(conn)):
                    # Views are derived data: start again, and the next update reads the
                    # whole vault (projected_logs is empty).
                    if step.apply is not None:
                        done[-1] = Words(
                            "%(what)s (the views are rebuilt from the vault)", what=done[-1]
                        )
                    s.metadata.drop_all(conn)
                    self._create_tables(conn)
                    return done
                step.apply(conn)
                refold = refold or step.refold
            known = {m.from_version for m in s.MIGRATIONS}
            if any(v not in known for v in range(version, s.SCHEMA_VERSION)):
                raise UnsupportedVersion(
                    "These views are too old to migrate in place; rebuild them from the vault."
                )
            conn.execute(
                update(s.meta)
                .where(s.meta.c.key == "schema_version")
                .values(value=str(s.SCHEMA_VERSION))
            )
            if refold:
                self._refold(conn, None, None, None, None)
            return done

    def _create_tables(self, conn: Connection) -> None:
        """Empty tables of this schema version, with the shipped places."""
        s.metadata.create_all(conn)
        conn.execute(insert(s.meta), [{"key": "schema_version", "value": str(s.SCHEMA_VERSION)}])
        self._write_builtin_places(conn)

    def _write_builtin_places(self, conn: Connection) -> None:
        rows = list(self._place_rows())
        if rows:
            conn.execute(insert(s.places), rows)

    def lost_entries(self) -> list[str]:
        """The entries projected as lost (their sealed file was missing)."""
        with self.engine.connect() as conn:
            return list(
                conn.execute(select(s.entries.c.entry_id).where(s.entries.c.type == LOST)).scalars()
            )

    def projected_sizes(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {r.log: r.size for r in conn.execute(select(s.logs))}

    def projected_heads(self) -> dict[str, tuple[int, str | None]]:
        """How far each vault log has been read into the views, and the entry the last
        record read named (None if the views hold no entry at that place)."""
        last = s.entries.alias("last")
        query = select(s.logs.c.log, s.logs.c.size, last.c.entry_id).select_from(
            s.logs.outerjoin(last, (last.c.log == s.logs.c.log) & (last.c.seq == s.logs.c.size - 1))
        )
        with self.engine.connect() as conn:
            return {r.log: (r.size, r.entry_id) for r in conn.execute(query)}

    def clear(self) -> None:
        """Drop every table (``prepare`` makes them again, empty). A rebuild from the
        vault uses ``rebuild``, which keeps the old views until the new ones are made."""
        with self.engine.begin() as conn:
            s.metadata.drop_all(conn)

    def rebuild(
        self,
        entries: Iterable[SealedEntry | PreparedEntry],
        log_sizes: dict[str, int],
        progress: Progress | None = None,
    ) -> ApplyReport:
        """Drop every table, make them again and project ``entries`` (the whole vault),
        all in one transaction: a rebuild that fails (a corrupted entry, a full disk, a
        stop) leaves the views exactly as they were, and readers see the old views
        until it commits, never missing tables or empty ones. On SQLite (WAL) they read
        their snapshot meanwhile; on PostgreSQL a dropped table is locked until the
        commit, so they wait. The rows are written as by ``apply`` on empty views (the
        folded tables' indexes built after the fold), in one pass over the entries."""
        with self.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                # The driver opens a transaction only before INSERT, UPDATE or DELETE: a
                # DROP TABLE first would run, and commit, on its own. IMMEDIATE takes the
                # write lock now, before anything is dropped.
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                _lock_every_table(conn)
            s.metadata.drop_all(conn)
            self._create_tables(conn)
            self._refresh_name_keys_in(conn)
            return self._apply(conn, entries, log_sizes, progress)

    # -- applying entries -----------------------------------------------------------

    def apply(
        self,
        entries: Iterable[SealedEntry | PreparedEntry],
        log_sizes: dict[str, int],
        progress: Progress | None = None,
    ) -> ApplyReport:
        """Project new entries and record how far each log has been read (one transaction)."""
        with self.engine.begin() as conn:
            return self._apply(conn, entries, log_sizes, progress)

    def _apply(
        self,
        conn: Connection,
        entries: Iterable[SealedEntry | PreparedEntry],
        log_sizes: dict[str, int],
        progress: Progress | None,
    ) -> ApplyReport:
        report = ApplyReport()
        # Changes stored by this apply are folded from memory rather than read back:
        # all of them when the views held no changes yet (new, or being rebuilt), and
        # otherwise those of every subject whose changes all came now (an import's new
        # persons). The same input, less work.
        is_fresh = conn.execute(select(s.changes.c.entry_id).limit(1)).first() is None
        fresh = _Fresh()
        known: set[tuple[str, str]] = set()
        batch: list[SealedEntry | PreparedEntry] = []
        for entry in entries:
            batch.append(entry)
            if len(batch) >= _CHUNK:
                known |= self._store(conn, batch, report, fresh)
                batch = []
                if progress:
                    progress(_CHUNK)
        known |= self._store(conn, batch, report, fresh)
        if progress and batch:
            progress(len(batch))
        if is_fresh:
            counts = self._refold_fresh(conn, fresh)
        else:
            persons, testimonies, sources, places, pairs = self._affected(conn, known)
            persons = self._refold(
                conn, persons, testimonies, sources, places, pairs, stored=fresh.by_subject
            )
            counts = (len(persons), len(testimonies), len(sources))
        report.persons, report.testimonies, report.sources = counts
        for log, size in sorted(log_sizes.items()):
            done = conn.execute(select(s.logs.c.size).where(s.logs.c.log == log)).first()
            if done is None:
                conn.execute(insert(s.logs), [{"log": log, "size": size}])
            elif done[0] != size:
                conn.execute(update(s.logs).where(s.logs.c.log == log).values(size=size))
        return report

    def _store(
        self,
        conn: Connection,
        batch: list[SealedEntry | PreparedEntry],
        report: ApplyReport,
        fresh: _Fresh | None,
    ) -> set[tuple[str, str]]:
        """Insert new entries and their changes (also kept in ``fresh``, with the links
        they made); the (op, subject) pairs they touch."""
        if not batch:
            return set()
        ready = [b if isinstance(b, PreparedEntry) else prepare_entry(b) for b in batch]
        ids = [p.entry_id for p in ready]
        seen = {
            r[0]
            for r in conn.execute(select(s.entries.c.entry_id).where(s.entries.c.entry_id.in_(ids)))
        }
        entry_rows: list[tuple[Any, ...]] = []
        change_rows: list[tuple[Any, ...]] = []
        link_rows: dict[tuple[str, str], dict[str, str]] = {}
        touched: set[tuple[str, str]] = set()
        for p in ready:
            if p.entry_id in seen:
                continue
            seen.add(p.entry_id)
            report.entries += 1
            if p.is_record:
                report.records += 1
            if p.problem is not None:
                report.problems.append((p.entry_id, p.problem))
            entry_rows.append(p.entry_row)
            change_rows.extend(p.change_rows)
            for c in p.changes:
                subject = c.subject
                touched.add((c.op, subject))
                if fresh is not None:
                    fresh.by_subject[subject].append(c)
                for linked, person in _links_of(c):
                    link_rows[(linked, person)] = {"subject": linked, "person_id": person}
        report.changes += len(change_rows)
        _write_rows(conn, {s.entries.name: entry_rows, s.changes.name: change_rows})
        if link_rows:
            subjects = sorted({k[0] for k in link_rows})
            existing = set()
            for part in _chunks(subjects):
                existing |= {
                    (r.subject, r.person_id)
                    for r in conn.execute(select(s.links).where(s.links.c.subject.in_(part)))
                }
            new = [v for k, v in sorted(link_rows.items()) if k not in existing]
            _write_rows(conn, {s.links.name: [(r["subject"], r["person_id"]) for r in new]})
            if fresh is not None:
                for row in new:
                    fresh.links[row["person_id"]].append(row["subject"])
        return touched

    def _affected(
        self, conn: Connection, touched: set[tuple[str, str]]
    ) -> tuple[set[str], set[str], set[str], set[str], set[str]]:
        persons: set[str] = set()
        testimonies: set[str] = set()
        sources: set[str] = set()
        places: set[str] = set()
        pairs: set[str] = set()
        for op, subject in touched:
            if op.startswith("person.") or op == "rebuttal.added":
                persons.add(subject)
            elif op.startswith("testimony."):
                testimonies.add(subject)
            elif op == "source.added":
                sources.add(subject)
            elif op in LINK_OPS:
                pairs.add(subject)
            else:
                places.add(subject)
        linked = sorted(testimonies | sources)
        for part in _chunks(linked):
            persons |= {
                r[0]
                for r in conn.execute(
                    select(s.links.c.person_id).where(s.links.c.subject.in_(part))
                )
            }
        return persons, testimonies, sources, places, pairs

    # -- folding ----------------------------------------------------------------------

    def _load(self, conn: Connection, subjects: Sequence[str] | None) -> dict[str, list[Change]]:
        out: dict[str, list[Change]] = defaultdict(list)
        query = select(s.changes)
        parts: Iterable[Sequence[str] | None] = [None] if subjects is None else _chunks(subjects)
        for part in parts:
            q = query if part is None else query.where(s.changes.c.subject.in_(part))
            for r in conn.execute(q):
                out[r.subject].append(stored_change(r))
        return out

    def _links(self, conn: Connection, persons: Sequence[str] | None) -> dict[str, list[str]]:
        """person -> the testimonies and sources that concern them."""
        out: dict[str, list[str]] = defaultdict(list)
        parts: Iterable[Sequence[str] | None] = [None] if persons is None else _chunks(persons)
        for part in parts:
            q = select(s.links)
            if part is not None:
                q = q.where(s.links.c.person_id.in_(part))
            for r in conn.execute(q):
                out[r.person_id].append(r.subject)
        return out

    def _refold(
        self,
        conn: Connection,
        persons: set[str] | None,
        testimonies: set[str] | None,
        sources: set[str] | None,
        places: set[str] | None,
        pairs: set[str] | None = None,
        stored: Mapping[str, list[Change]] | None = None,
    ) -> set[str]:
        """Delete and rewrite the rows of the given subjects; None means all of them.

        Decisions on ``pairs`` are written first; then every person record in the
        merge components of the given persons and of the pairs' records is refolded.
        ``stored``: the changes this transaction stored, by subject; a subject whose
        changes are all among them is folded from memory and, never folded before, has
        no rows to delete. The records refolded are returned."""
        if persons is None:
            by_subject = self._load(conn, None)
            links = self._links(conn, None)
            person_ids = sorted(
                {c.subject for cs in by_subject.values() for c in cs if c.op.startswith("person.")}
            )
            testimony_ids = sorted(k for k in by_subject if k.startswith("t_"))
            source_ids = sorted(k for k in by_subject if k.startswith("s_"))
            place_ids = sorted(k for k in by_subject if k.startswith("user:"))
            for table in s.TABLES:
                if table is s.places:
                    conn.execute(delete(s.places).where(s.places.c.origin == "user"))
                else:
                    conn.execute(delete(table))
            found = _decisions_in(by_subject)
            _write_rows(conn, _decision_rows(found))
            exists = set(person_ids)
            held = list(current_decisions(found).values())
        else:
            testimonies, sources, places = testimonies or set(), sources or set(), places or set()
            seeds = set(persons)
            if pairs:
                pair_ids = sorted(pairs)
                found = _decisions_in(self._load(conn, pair_ids))
                for part in _chunks(pair_ids):
                    conn.execute(delete(s.decisions).where(s.decisions.c.subject.in_(part)))
                _write_rows(conn, _decision_rows(found))
                seeds.update(x for d in found for x in d.pair)
            records, held = self._components(conn, seeds)
            person_ids = sorted(records)
            links = self._links(conn, person_ids)
            subjects = set(person_ids) | testimonies | sources | places
            for p in person_ids:
                subjects.update(links.get(p, ()))
            by_subject, new = self._load_unless_stored(conn, sorted(subjects), stored or {})
            testimony_ids, source_ids = sorted(testimonies), sorted(sources)
            place_ids = sorted(places)
            exists = {
                p for p in person_ids if any(c.op.startswith("person.") for c in by_subject[p])
            }
            self._delete_persons(conn, [p for p in person_ids if p not in new])
            self._delete_subjects(conn, testimony_ids, source_ids, place_ids)
        fold_ids, merged = _plan(exists, held)
        # Many rows at once (an import into a desk that already holds persons, a
        # migration's refold): the indexes are built again from the tables, as on a
        # fresh fold, rather than grown row by row in random order. SQLite only: there
        # a reader keeps reading the last commit, indexes and all; PostgreSQL would
        # lock readers out.
        reindex = (
            conn.dialect.name == "sqlite"
            and len(fold_ids) >= _REINDEX_FROM
            and len(fold_ids) * _REINDEX_SHARE >= self._count_persons(conn)
        )
        indexes = _drop_indexes(conn) if reindex else []
        for rows in fold_in_chunks(
            by_subject, links, fold_ids, testimony_ids, source_ids, place_ids, merged
        ):
            _write_rows(conn, rows)
        for index in indexes:
            index.create(conn)
        return set(person_ids)

    @staticmethod
    def _count_persons(conn: Connection) -> int:
        return int(conn.execute(select(func.count()).select_from(s.persons)).scalar_one())

    def _load_unless_stored(
        self, conn: Connection, subjects: Sequence[str], stored: Mapping[str, list[Change]]
    ) -> tuple[dict[str, list[Change]], set[str]]:
        """The changes of ``subjects``, and those of them whose changes are all in
        ``stored`` (taken from there, not read back and decoded)."""
        new: set[str] = set()
        in_memory = [x for x in subjects if x in stored]
        for part in _chunks(in_memory):
            c = s.changes.c
            counted = select(c.subject, func.count()).where(c.subject.in_(part))
            for subject, n in conn.execute(counted.group_by(c.subject)):
                if n == len(stored[subject]):
                    new.add(subject)
        out = self._load(conn, [x for x in subjects if x not in new])
        for x in new:
            out[x] = list(stored[x])
        return out, new

    def _components(self, conn: Connection, seeds: set[str]) -> tuple[set[str], list[Decision]]:
        """Every person record joined to ``seeds`` by *same* decisions in force, and the
        decisions in force that touch them (a record no longer joined to a merge is
        reached from the records of the decision that split it)."""
        d = s.decisions
        reached = set(seeds)
        held: dict[tuple[str, int], Decision] = {}
        frontier = sorted(seeds)
        while frontier:
            new: set[str] = set()
            for part in _chunks(frontier):
                query = select(d).where(d.c.current.is_(True), d.c.a.in_(part) | d.c.b.in_(part))
                for r in conn.execute(query):
                    decision = _decision_of_row(r)
                    held[(r.entry_id, r.idx)] = decision
                    if decision.decision == "same":
                        new.update(x for x in decision.pair if x not in reached)
            reached |= new
            frontier = sorted(new)
        return reached, list(held.values())

    def _refold_fresh(self, conn: Connection, fresh: _Fresh) -> tuple[int, int, int]:
        """Fold everything in ``fresh`` into views that held no changes before.

        The folded tables' secondary indexes are dropped first and built again at the
        end: building an index from a full table sorts once, where inserting into it
        row by row splits pages in random order (a third of the write time of a
        100,000-entry rebuild)."""
        indexes = _drop_indexes(conn)
        by_subject = fresh.by_subject
        person_ids = sorted(
            {c.subject for cs in by_subject.values() for c in cs if c.op.startswith("person.")}
        )
        testimony_ids = sorted(k for k in by_subject if k.startswith("t_"))
        source_ids = sorted(k for k in by_subject if k.startswith("s_"))
        place_ids = sorted(k for k in by_subject if k.startswith("user:"))
        found = _decisions_in(by_subject)
        _write_rows(conn, _decision_rows(found))
        fold_ids, merged = _plan(set(person_ids), current_decisions(found).values())
        for rows in fold_in_chunks(
            by_subject, fresh.links, fold_ids, testimony_ids, source_ids, place_ids, merged
        ):
            _write_rows(conn, rows)
        for index in indexes:
            index.create(conn)
        return len(person_ids), len(testimony_ids), len(source_ids)

    # -- candidate pairs for review ------------------------------------------------------

    def store_candidates(self, found: Iterable[Candidate], *, replace: bool = True) -> int:
        """Write the pairs the linkage model proposes into ``link_candidates``; with
        ``replace``, the table holds only these afterwards, else these pairs are added
        or updated. Computed data: never sealed, emptied by a rebuild. The pairs
        written."""
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for c in found:
            a, b = sorted((c.a, c.b))
            if a == b or not (a.startswith("p_") and b.startswith("p_")):
                raise ValueError("a candidate pair is two different person records")
            if c.outcome not in OUTCOMES or not 0.0 <= c.probability <= 1.0:
                raise ValueError("a candidate has an outcome in OUTCOMES and a probability 0-1")
            rows[(a, b)] = {
                "a": a,
                "b": b,
                "probability": float(c.probability),
                "outcome": c.outcome,
                "model": c.model,
                "computed": c.computed,
            }
        cand = s.candidates
        with self.engine.begin() as conn:
            if replace:
                conn.execute(delete(cand))
            else:
                for a, b in rows:
                    conn.execute(delete(cand).where(cand.c.a == a, cand.c.b == b))
            batch = [rows[k] for k in sorted(rows)]
            for i in range(0, len(batch), _CHUNK):
                conn.execute(insert(cand), batch[i : i + _CHUNK])
        return len(rows)

    def _delete_persons(self, conn: Connection, person_ids: Sequence[str]) -> None:
        for part in _chunks(person_ids):
            a = s.aliases
            conn.execute(delete(a).where(a.c.alias_id.in_(part) | a.c.person_id.in_(part)))
            for table in (
                s.persons,
                s.names,
                s.search_keys,
                s.claims,
                s.identifiers,
                s.events,
                s.actions,
                s.contacts,
                s.assessments,
                s.submissions,
                s.relatives,
                s.flags,
                s.rebuttals,
            ):
                conn.execute(delete(table).where(table.c.person_id.in_(part)))
            conn.execute(delete(s.history).where(s.history.c.subject.in_(part)))

    def _delete_subjects(
        self,
        conn: Connection,
        testimony_ids: Sequence[str],
        source_ids: Sequence[str],
        place_ids: Sequence[str],
    ) -> None:
        for part in _chunks(testimony_ids):
            for table in (s.testimonies, s.testimony_persons, s.testimony_media, s.translations):
                conn.execute(delete(table).where(table.c.testimony_id.in_(part)))
            conn.execute(delete(s.history).where(s.history.c.subject.in_(part)))
        for part in _chunks(source_ids):
            for table in (s.sources, s.source_persons, s.source_files):
                conn.execute(delete(table).where(table.c.source_id.in_(part)))
        for part in _chunks(place_ids):
            conn.execute(delete(s.places).where(s.places.c.place_id.in_(part)))


_LOCK_TRY = "200ms"  # below PostgreSQL's deadlock_timeout (1 s): a try gives up first
_LOCK_TRIES_FOR = 60.0  # seconds; then the last try waits for as long as it takes


def _lock_every_table(conn: Connection) -> None:
    """PostgreSQL: lock every views table (ACCESS EXCLUSIVE) before dropping any.

    A reader's transaction (the staff app's page: several queries) may hold one table
    while it asks for another. Dropped one by one, the rebuild would hold the second and
    wait for the first, and PostgreSQL would end one of the two as a deadlock. Here each
    try waits a short time for all the locks and otherwise gives back those it took
    (a savepoint), so a reader never waits on a rebuild that waits on it; once the
    rebuild holds them all, readers wait for its commit and then read the new tables."""
    found = set(inspect(conn).get_table_names())
    names = [t.name for t in s.metadata.sorted_tables if t.name in found]
    if not names:
        return
    quote = conn.dialect.identifier_preparer.quote
    # Names from our own schema, quoted: nothing typed is spliced.
    lock = sql(f"LOCK TABLE {', '.join(quote(n) for n in names)} IN ACCESS EXCLUSIVE MODE")
    deadline = time.monotonic() + _LOCK_TRIES_FOR
    while time.monotonic() < deadline:
        savepoint = conn.begin_nested()
        try:
            conn.execute(sql(f"SET LOCAL lock_timeout = '{_LOCK_TRY}'"))
            conn.execute(lock)
        except exc.OperationalError as e:
            savepoint.rollback()  # gives back the locks taken, and the timeout
            if getattr(e.orig, "sqlstate", None) != "55P03":  # lock_not_available
                raise
            time.sleep(random.uniform(0.05, 0.2))  # noqa: S311 - not a secret
            continue
        conn.execute(sql("SET LOCAL lock_timeout = DEFAULT"))
        savepoint.commit()
        return
    conn.execute(lock)


def _links_of(c: Change) -> Iterator[tuple[str, str]]:
    """(testimony or source, person) pairs a change makes: the persons a testimony or
    source lists, and every testimony or source a person's claims cite."""
    if c.op in CLAIM_OPS:
        person = str(c.body["person"])
        for claim in c.body["claims"]:
            ref = claim["source"]
            yield str(ref.get("testimony") or ref.get("source")), person
    elif not c.op.startswith("person.") and c.op != "rebuttal.added" and c.op not in LINK_OPS:
        for person in c.body.get("persons", []):
            yield c.subject, str(person)


def _decisions_in(by_subject: dict[str, list[Change]]) -> list[Decision]:
    return [
        read_decision(c)
        for subject, found in by_subject.items()
        if subject.startswith("link:")
        for c in found
        if c.op in LINK_OPS
    ]


def _decision_rows(found: Sequence[Decision]) -> Rows:
    """``link_decisions`` rows of every decision on some pairs (all of each pair's)."""
    held = current_decisions(found)
    return {
        s.decisions.name: [
            (
                d.entry_id,
                d.index,
                pair_subject(d.a, d.b),
                d.a,
                d.b,
                d.decision,
                d.reason,
                d.by,
                d.probability,
                d.model,
                d.time,
                d.position,
                held[d.pair] == d,
            )
            for d in sorted(found, key=lambda d: d.order)
        ]
    }


def _decision_of_row(r: Any) -> Decision:
    return Decision(
        a=r.a,
        b=r.b,
        decision=r.decision,
        reason=r.reason,
        by=r.by,
        probability=r.probability,
        model=r.model,
        entry_id=r.entry_id,
        index=r.idx,
        time=r.time,
        position=r.position,
    )


_REINDEX_FROM = 5_000  # persons refolded at once, from which indexes are built again
_REINDEX_SHARE = 4  # ... when they are at least a quarter of the persons already there


def _drop_indexes(conn: Connection) -> list[Index]:
    """Drop the folded tables' secondary indexes (within the caller's transaction);
    the indexes, to create again once the rows are written."""
    indexes = [i for t in s.TABLES for i in t.indexes]
    for index in indexes:
        index.drop(conn)
    return indexes


def _plan(exists: set[str], held: Iterable[Decision]) -> tuple[list[str], dict[str, Merge]]:
    """The persons to fold (existing records not merged into another) and the merges,
    by the id they are shown under."""
    merged = {m.person_id: m for m in merges(held, exists)}
    hidden = {x for m in merged.values() for x in m.members if x != m.person_id}
    return sorted(exists - hidden), merged


@dataclass
class _Fresh:
    """Changes stored by this apply, by subject, with the links they made."""

    by_subject: dict[str, list[Change]] = field(default_factory=lambda: defaultdict(list))
    links: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


Rows = dict[str, list[tuple[Any, ...]]]


def fold_rows(
    by_subject: dict[str, list[Change]],
    links: dict[str, list[str]],
    person_ids: Sequence[str],
    testimony_ids: Sequence[str],
    source_ids: Sequence[str],
    place_ids: Sequence[str],
    merged: Mapping[str, Merge] | None = None,
) -> Rows:
    """The rows of every given subject, as tuples in each table's column order.

    A person in ``merged`` is folded from the changes of all its records."""
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in testimony_ids:
        state = fold_testimony(t, by_subject.get(t, []))
        if state is not None:
            _testimony_rows(state, rows)
    for src in source_ids:
        source = fold_source(src, by_subject.get(src, []))
        if source is not None:
            _source_rows(source, rows)
    for place in place_ids:
        _place_rows(by_subject.get(place, []), rows)
    for p in person_ids:
        group = merged.get(p) if merged else None
        if group is None:
            changes = list(by_subject.get(p, []))
            for subject in links.get(p, ()):
                changes.extend(by_subject.get(subject, []))
            person = fold_person(p, changes)
        else:
            changes = []
            subjects: set[str] = set()
            for m in group.members:
                changes.extend(by_subject.get(m, []))
                for subject in links.get(m, ()):
                    if subject not in subjects:
                        subjects.add(subject)
                        changes.extend(by_subject.get(subject, []))
            person = fold_person(p, changes, members=group.members)
            if person is not None and group.conflicts:
                _conflict_flags(person, group)
        if person is not None:
            _person_rows(person, rows)
    out: Rows = {}
    for table in s.TABLES:
        getter = operator.itemgetter(*(c.name for c in table.columns))
        out[table.name] = [getter(r) for r in rows.get(table.name, ())]
    return out


_PARALLEL_FROM = 5_000  # subjects; below this, worker processes cost more than they save
_TASK = 2_000  # subjects per task
_IN_FLIGHT = 6
_SHARED: tuple[dict[str, list[Change]], dict[str, list[str]], Mapping[str, Merge] | None] | None
_SHARED = None
Task = tuple[Sequence[str], Sequence[str], Sequence[str], Sequence[str]]


def _fold_task(task: Task) -> Rows:
    assert _SHARED is not None
    return fold_rows(_SHARED[0], _SHARED[1], *task, _SHARED[2])


def fold_in_chunks(
    by_subject: dict[str, list[Change]],
    links: dict[str, list[str]],
    person_ids: Sequence[str],
    testimony_ids: Sequence[str],
    source_ids: Sequence[str],
    place_ids: Sequence[str],
    merged: Mapping[str, Merge] | None = None,
) -> Iterator[Rows]:
    """``fold_rows`` in pieces; with many subjects, folded by two forked workers while
    the caller writes the pieces already folded (on two cores, the fold and the
    SQLite writes overlap). The fold is pure, so which process folds a subject changes
    nothing in its rows."""
    small = len(person_ids) + len(testimony_ids) < _PARALLEL_FROM
    if small or (os.cpu_count() or 1) < 2:
        yield fold_rows(by_subject, links, person_ids, testimony_ids, source_ids, place_ids, merged)
        return
    tasks: deque[Task] = deque([((), (), source_ids, place_ids)])
    for i in range(0, len(testimony_ids), _TASK):
        tasks.append(((), testimony_ids[i : i + _TASK], (), ()))
    for i in range(0, len(person_ids), _TASK):
        tasks.append((person_ids[i : i + _TASK], (), (), ()))
    global _SHARED
    _SHARED = (by_subject, links, merged)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=2, mp_context=context, initializer=start_worker
        ) as pool:
            pending: deque[Future[Rows]] = deque()
            while tasks or pending:
                while tasks and len(pending) < _IN_FLIGHT:
                    pending.append(pool.submit(_fold_task, tasks.popleft()))
                yield pending.popleft().result()
    finally:
        _SHARED = None


def _write_rows(conn: Connection, rows: Rows) -> None:
    """Insert folded rows. On SQLite, straight through the driver: SQLAlchemy's per-row
    parameter processing cost more than SQLite's own insert (benchmarks/views.py)."""
    sqlite = conn.dialect.name == "sqlite"
    for table in (s.entries, s.changes, s.links, *s.TABLES):
        batch = rows.get(table.name)
        if not batch:
            continue
        names = [c.name for c in table.columns]
        if sqlite:
            columns = ", ".join(f'"{n}"' for n in names)
            marks = ", ".join("?" for _ in names)
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                # Names from our own schema, values as parameters: nothing typed is spliced.
                sql = f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})'  # noqa: S608
                cursor.executemany(sql, batch)
            finally:
                cursor.close()
        else:
            conn.execute(insert(table), [dict(zip(names, r, strict=True)) for r in batch])


# -- rows ---------------------------------------------------------------------------


def _place_of(value: dict[str, Any] | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    return value.get("place"), value.get("text")


def _name_key_pairs(text: str, script: str | None) -> list[tuple[str, str]]:
    """(kind, key) for search_keys: the name as written ("text": digits, marks and all,
    case and accents aside), then the names module's keys."""
    out = []
    exact = fold_text(text)[:KEY_LENGTH]
    if exact:
        out.append(("text", exact))
    out += [(k.kind, k.key[:KEY_LENGTH]) for k in name_keys(text, script=script)]
    return out


def _search_key_rows(pid: str, names: Iterable[tuple[str, str | None]]) -> list[dict[str, Any]]:
    """``search_keys`` rows of one person's names (text, script): one for each distinct
    key of a word and each of a whole name, with a bit for each kind that made it."""
    kinds: dict[tuple[bool, str], int] = {}
    for text, script in names:
        for kind, key in _name_key_pairs(text, script):
            at = (kind in s.WORD_KINDS, key)
            kinds[at] = kinds.get(at, 0) | s.kind_bit(kind)
    return [
        {"person_id": pid, "word": word, "key": key, "kinds": bits}
        for (word, key), bits in kinds.items()
    ]


def _un_gaps(p: PersonState) -> list[str]:
    """What the person's record lacks for a case to the UN working group."""
    events = []
    for c in p.values("status"):
        d = stored_date(c.value["date"])
        place = c.value.get("place")
        events.append(
            Event(c.value["status"], d.earliest, d.latest, bool(place), c.value.get("by"))
        )
    return case_gaps(
        named=bool(p.values("name")),
        events=events,
        acted=bool(p.values("action")),
        consents=[t.consent for t in p.testimonies],
    )


def _person_rows(p: PersonState, rows: dict[str, list[dict[str, Any]]]) -> None:
    pid = p.person_id
    names = p.values("name")
    chosen_ids = {c.claim_id for c in p.chosen.values()}
    birth = p.value("birth")
    b_early, b_late = _bounds(birth) if birth else (None, None)
    home_code, home_text = _place_of(p.value("hometown"))
    status = p.status
    grade = p.grade
    assert grade is not None
    rows["persons"].append(
        {
            "person_id": pid,
            "display_name": names[0].value["text"] if names else "",
            "sex": p.value("sex"),
            "birth": birth,
            "birth_earliest": b_early,
            "birth_latest": b_late,
            "ethnicity": p.value("ethnicity"),
            "hometown_code": home_code,
            "hometown_text": home_text,
            "prefecture_code": home_code[:4] + "00"
            if home_code and home_code[:1].isdigit()
            else None,
            "occupation": p.value("occupation"),
            "status": status.value["status"] if status else None,
            "status_date": status.value["date"] if status else None,
            "status_latest": _bounds(status.value["date"])[1] if status else None,
            "status_updated": p.status_updated or None,
            "grade": grade.level,
            "grade_label": grade.label,
            "grade_reasons": json.dumps(list(grade.reasons), ensure_ascii=False),
            "n_testimonies": len(p.testimonies),
            "n_sources": len(p.sources),
            "n_rebuttals": len(p.rebuttals),
            "n_flags": len(p.flags),
            "n_records": len(p.records),
            "created": p.created,
            "updated": p.updated,
            "un_gaps": ",".join(_un_gaps(p)),
        }
    )
    for c in names:
        v = c.value
        folded = fold_text(v["text"])
        rows["person_names"].append(
            {
                "person_id": pid,
                "claim_id": c.claim_id,
                "text": v["text"],
                "folded": folded,
                "script": v["script"],
                "language": v.get("language"),
                "form": v.get("form"),
            }
        )
    # Cross-script search keys from the names module (docs/format/names.md): the same
    # key for Серікжан, Serikzhan and 赛力克江.
    rows["search_keys"] += _search_key_rows(
        pid, [(c.value["text"], c.value.get("script")) for c in names]
    )
    retracted = [(c, by) for c, by in p.retracted]
    for c, by in [(c, None) for c in p.claims] + retracted:
        rows["person_claims"].append(
            {
                "person_id": pid,
                "claim_id": c.claim_id,
                "field": c.field,
                "value": json.dumps(c.value, ensure_ascii=False, sort_keys=True),
                "source_kind": c.source_kind,
                "source_id": c.source_id,
                "locator": c.locator,
                "entry_id": c.entry_id,
                "time": c.time,
                "retracted_by": by,
                "chosen": c.claim_id in chosen_ids and by is None,
                "record_id": c.record,
            }
        )
    for c in p.values("document"):
        v = c.value
        row = {
            "person_id": pid,
            "claim_id": c.claim_id,
            "kind": v["kind"],
            "number": v["number"],
            "country": v.get("country"),
            "decoded_birth": None,
            "decoded_sex": None,
            "decoded_region": None,
        }
        if v["kind"] == "cn_resident_id":
            rid = ResidentId(v["number"])
            row.update(
                decoded_birth=rid.birth_date.isoformat(),
                decoded_sex=rid.sex,
                decoded_region=rid.region_code,
            )
        rows["identifiers"].append(row)
    for c in p.values("status"):
        v = c.value
        code, text = _place_of(v.get("place"))
        rows["status_events"].append(
            _sourced_row(
                pid,
                c,
                status=v["status"],
                **_dated_row(v["date"]),
                place_code=code,
                place_text=text,
                term=v.get("term"),
                charge=v.get("charge"),
                note=v.get("note"),
                responsible=v.get("by"),
                acknowledged=v.get("acknowledged"),
            )
        )
    for c in p.values("action"):
        v = c.value
        rows["actions"].append(
            _sourced_row(
                pid,
                c,
                target=v["to"],
                **_dated_row(v.get("date")),
                reply=v.get("reply"),
                note=v.get("note"),
            )
        )
    for c in p.values("contact"):
        v = c.value
        dated = _dated_row(v["date"])
        rows["contacts"].append(
            _sourced_row(pid, c, **dated, channel=v.get("channel"), note=v.get("note"))
        )
    for n, a in enumerate(p.assessments):
        rows["assessments"].append(
            {
                "person_id": pid,
                "entry_id": a.entry_id,
                "idx": a.index,
                "n": n,
                "time": a.time,
                "source_reliability": a.aspects.get("source_reliability"),
                "information_reliability": a.aspects.get("information_reliability"),
                "violation": a.aspects.get("violation"),
                "un_route": a.aspects.get("un_route"),
                "reason": a.reason,
                "by": a.by or None,
                "record_id": a.record,
            }
        )
    for sub in p.submissions:
        rows["submissions"].append(
            {
                "person_id": pid,
                "submission_id": sub.submission_id,
                "recipient": sub.to,
                **_dated_row(sub.date),
                "reference": sub.reference or None,
                "note": sub.note or None,
                "by": sub.by or None,
                "time": sub.time,
                "record_id": sub.record,
            }
        )
    for c in p.values("relative"):
        v = c.value
        rows["relatives"].append(
            {
                "person_id": pid,
                "claim_id": c.claim_id,
                "relation": v["relation"],
                "relative_id": v.get("person"),
                "name": v.get("name"),
            }
        )
    for n, f in enumerate(p.flags):
        rows["flags"].append(
            {
                "person_id": pid,
                "n": n,
                "kind": f.kind,
                "field": f.field,
                "detail": f.detail,
                "args": json.dumps(dict(f.args), ensure_ascii=False, sort_keys=True),
            }
        )
    for r in p.rebuttals:
        rows["rebuttals"].append(
            {
                "rebuttal_id": r.rebuttal_id,
                "person_id": pid,
                "kind": r.kind,
                "by": r.by,
                "text": r.text,
                "date": r.date or None,
                "source_kind": r.source_kind,
                "source_id": r.source_id,
                "entry_id": r.entry_id,
                "time": r.time,
            }
        )
    for record in p.records:
        if record != pid:
            rows["person_aliases"].append({"alias_id": record, "person_id": pid})
    _history_rows(pid, p.history, rows)


def _conflict_flags(p: PersonState, group: Merge) -> None:
    """Flag a merge that a decision in force contradicts (``docs/format/records.md``)."""
    for d in group.conflicts:
        p.flags.append(Flag.of("link_conflict", "identity", a=d.a, b=d.b, date=d.time[:10]))
    p.flags.sort(key=lambda f: (f.field, f.kind, f.detail))


def _history_rows(
    subject: str, history: Sequence[HistoryItem], rows: dict[str, list[dict[str, Any]]]
) -> None:
    for n, h in enumerate(history):
        rows["history"].append(
            {
                "subject": subject,
                "n": n,
                "entry_id": h.entry_id,
                "idx": h.index,
                "time": h.time,
                "op": h.op,
                "reason": h.reason,
            }
        )


def _testimony_rows(t: TestimonyState, rows: dict[str, list[dict[str, Any]]]) -> None:
    tid = t.testimony_id
    code, text = _place_of(t.place)
    rows["testimonies"].append(
        {
            "testimony_id": tid,
            "title": t.title,
            "testifier_name": t.testifier.get("name"),
            "relationship": t.testifier["relationship"],
            "testifier_contact": t.testifier.get("contact"),
            "testifier_kz_status": t.testifier.get("kz_status"),
            "recorded": t.recorded or None,
            "place_code": code,
            "place_text": text,
            "language": t.language or None,
            "consent": t.consent["level"],
            "consent_detail": json.dumps(t.consent, ensure_ascii=False, sort_keys=True),
            "consent_changed": t.consent_changed,
            "risk_notes": t.risk_notes,
            "transcript": t.transcript,
            "n_media": len(t.media),
            "external": json.dumps(t.external, ensure_ascii=False, sort_keys=True),
            "entry_id": t.entry_id,
            "time": t.time,
        }
    )
    for p in t.persons:
        rows["testimony_persons"].append({"testimony_id": tid, "person_id": p})
    for n, (blob, visibility) in enumerate(zip(t.media, t.visibility, strict=True)):
        rows["testimony_media"].append(
            {"testimony_id": tid, "n": n, "blob": blob, "visibility": visibility or None}
        )
    for n, tr in enumerate(t.translations):
        rows["translations"].append(
            {"testimony_id": tid, "n": n, "language": tr["language"], "text": tr["text"]}
        )
    _history_rows(tid, t.history, rows)


def _source_rows(src: SourceState, rows: dict[str, list[dict[str, Any]]]) -> None:
    sid = src.source_id
    rows["sources"].append(
        {
            "source_id": sid,
            "kind": src.kind,
            "title": src.title,
            "date": src.date or None,
            "reference": src.reference,
            "issuer": src.issuer,
            "note": src.note,
            "n_files": len(src.files),
            "entry_id": src.entry_id,
            "time": src.time,
        }
    )
    for p in src.persons:
        rows["source_persons"].append({"source_id": sid, "person_id": p})
    for n, blob in enumerate(src.files):
        rows["source_files"].append({"source_id": sid, "n": n, "blob": blob})


def _place_rows(changes: Sequence[Change], rows: dict[str, list[dict[str, Any]]]) -> None:
    """A user's place: the first ``place.added`` for its id (later ones are history)."""
    first = min((c for c in changes if c.op == "place.added"), key=lambda c: c.order, default=None)
    if first is None:
        return
    b = first.body
    names = b["names"]
    rows["places"].append(
        {
            "place_id": b["place"],
            "kind": b["kind"],
            "parent": b.get("parent"),
            "name_zh": names.get("zh"),
            "name_pinyin": names.get("zh-Latn"),
            "name_ug": names.get("ug"),
            "name_kk": names.get("kk"),
            "name_en": names.get("en"),
            "names": json.dumps(names, ensure_ascii=False, sort_keys=True),
            "lat": b.get("lat"),
            "lon": b.get("lon"),
            "origin": "user",
        }
    )
