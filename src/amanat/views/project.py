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
"""

from __future__ import annotations

import json
import multiprocessing
import operator
import os
import unicodedata
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from amanat.errors import FormatError, UnsupportedVersion
from amanat.records.changes import Change, read_changes
from amanat.records.dates import stored_date
from amanat.records.fold import (
    HistoryItem,
    PersonState,
    SourceState,
    TestimonyState,
    fold_person,
    fold_source,
    fold_testimony,
)
from amanat.records.ids import ResidentId
from amanat.views import schema as s

__all__ = ["ApplyReport", "PreparedEntry", "SealedEntry", "Views", "fold_text", "prepare_entry"]

_CHUNK = 500
Progress = Callable[[int], None]


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
    problem: str | None
    changes: tuple[Change, ...]
    entry_row: tuple[Any, ...]
    change_rows: tuple[tuple[Any, ...], ...]


def prepare_entry(e: SealedEntry, *, checked: bool = False) -> PreparedEntry:
    """Check a record entry's changes and make its rows: pure, so a worker process can
    do it while this one writes (``desk.reader``).

    ``checked``: the caller sealed this entry itself, from changes that each passed
    ``check_changes`` (a bulk import checks every row as it reads it), so they are not
    checked again."""
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
            problem = exc.message
    files = json.dumps(list(e.files))
    return PreparedEntry(
        entry_id=e.entry_id,
        is_record=e.type == "record",
        problem=problem,
        changes=tuple(found),
        # In the column order of schema.entries and schema.changes.
        entry_row=(e.entry_id, e.log, e.seq, e.time, e.type, len(e.files), problem),
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


@dataclass
class ApplyReport:
    entries: int = 0
    records: int = 0
    changes: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    persons: int = 0
    testimonies: int = 0
    sources: int = 0
    migrated: list[str] = field(default_factory=list)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _bounds(text: str) -> tuple[str, str]:
    d = stored_date(text)
    return d.earliest.isoformat(), d.latest.isoformat()


class Views:
    """The views database: created, migrated, applied to, rebuilt."""

    def __init__(self, engine: Engine, place_rows: Callable[[], Iterable[dict[str, Any]]]) -> None:
        self.engine = engine
        self._place_rows = place_rows

    # -- schema ---------------------------------------------------------------------

    def prepare(self) -> list[str]:
        """Create the tables, or migrate an older views database; what was migrated."""
        with self.engine.begin() as conn:
            version = s.stored_version(conn)
            if version is None:
                s.metadata.create_all(conn)
                conn.execute(
                    insert(s.meta), [{"key": "schema_version", "value": str(s.SCHEMA_VERSION)}]
                )
                self._write_builtin_places(conn)
                return []
            if version > s.SCHEMA_VERSION:
                raise UnsupportedVersion(
                    "These views were made by a newer Amanat; update Amanat or rebuild the views."
                )
            done: list[str] = []
            refold = False
            for step in s.MIGRATIONS:
                if step.from_version < version:
                    continue
                done.append(step.what)
                if step.apply is None:
                    # Views are derived data: start again, and the next update reads the
                    # whole vault (projected_logs is empty).
                    s.metadata.drop_all(conn)
                    s.metadata.create_all(conn)
                    conn.execute(
                        insert(s.meta),
                        [{"key": "schema_version", "value": str(s.SCHEMA_VERSION)}],
                    )
                    self._write_builtin_places(conn)
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

    def _write_builtin_places(self, conn: Connection) -> None:
        rows = list(self._place_rows())
        if rows:
            conn.execute(insert(s.places), rows)

    def projected_sizes(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {r.log: r.size for r in conn.execute(select(s.logs))}

    def clear(self) -> None:
        """Drop every table, for a rebuild from the vault."""
        with self.engine.begin() as conn:
            s.metadata.drop_all(conn)

    # -- applying entries -----------------------------------------------------------

    def apply(
        self,
        entries: Iterable[SealedEntry | PreparedEntry],
        log_sizes: dict[str, int],
        progress: Progress | None = None,
    ) -> ApplyReport:
        """Project new entries and record how far each log has been read (one transaction)."""
        report = ApplyReport()
        with self.engine.begin() as conn:
            # Views with no changes yet (new, or being rebuilt) are folded from the
            # changes in memory rather than read back: the same input, half the work.
            fresh: _Fresh | None = None
            if conn.execute(select(s.changes.c.entry_id).limit(1)).first() is None:
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
            if fresh is not None:
                counts = self._refold_fresh(conn, fresh)
            else:
                persons, testimonies, sources, places = self._affected(conn, known)
                self._refold(conn, persons, testimonies, sources, places)
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
        """Insert new entries and their changes; the (op, subject) pairs they touch."""
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
            if new:
                conn.execute(insert(s.links), new)
            if fresh is not None:
                for row in new:
                    fresh.links[row["person_id"]].append(row["subject"])
        return touched

    def _affected(
        self, conn: Connection, touched: set[tuple[str, str]]
    ) -> tuple[set[str], set[str], set[str], set[str]]:
        persons: set[str] = set()
        testimonies: set[str] = set()
        sources: set[str] = set()
        places: set[str] = set()
        for op, subject in touched:
            if op.startswith("person.") or op == "rebuttal.added":
                persons.add(subject)
            elif op.startswith("testimony."):
                testimonies.add(subject)
            elif op == "source.added":
                sources.add(subject)
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
        return persons, testimonies, sources, places

    # -- folding ----------------------------------------------------------------------

    def _load(self, conn: Connection, subjects: Sequence[str] | None) -> dict[str, list[Change]]:
        out: dict[str, list[Change]] = defaultdict(list)
        query = select(s.changes)
        parts: Iterable[Sequence[str] | None] = [None] if subjects is None else _chunks(subjects)
        for part in parts:
            q = query if part is None else query.where(s.changes.c.subject.in_(part))
            for r in conn.execute(q):
                out[r.subject].append(
                    Change(
                        r.entry_id,
                        r.idx,
                        r.time,
                        r.op,
                        json.loads(r.body),
                        tuple(json.loads(r.files)),
                        r.position,
                    )
                )
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
    ) -> None:
        """Delete and rewrite the rows of the given subjects; None means all of them."""
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
        else:
            testimonies, sources, places = testimonies or set(), sources or set(), places or set()
            person_ids = sorted(persons)
            links = self._links(conn, person_ids)
            subjects = set(person_ids) | testimonies | sources | places
            for p in person_ids:
                subjects.update(links.get(p, ()))
            by_subject = self._load(conn, sorted(subjects))
            testimony_ids, source_ids = sorted(testimonies), sorted(sources)
            place_ids = sorted(places)
            self._delete_persons(conn, person_ids)
            self._delete_subjects(conn, testimony_ids, source_ids, place_ids)
        for rows in fold_in_chunks(
            by_subject, links, person_ids, testimony_ids, source_ids, place_ids
        ):
            _write_rows(conn, rows)

    def _refold_fresh(self, conn: Connection, fresh: _Fresh) -> tuple[int, int, int]:
        """Fold everything in ``fresh`` into views that held no changes before.

        The folded tables' secondary indexes are dropped first and built again at the
        end: building an index from a full table sorts once, where inserting into it
        row by row splits pages in random order (a third of the write time of a
        100,000-entry rebuild)."""
        indexes = [i for t in s.TABLES for i in t.indexes]
        for index in indexes:
            index.drop(conn)
        by_subject = fresh.by_subject
        person_ids = sorted(
            {c.subject for cs in by_subject.values() for c in cs if c.op.startswith("person.")}
        )
        testimony_ids = sorted(k for k in by_subject if k.startswith("t_"))
        source_ids = sorted(k for k in by_subject if k.startswith("s_"))
        place_ids = sorted(k for k in by_subject if k.startswith("user:"))
        for rows in fold_in_chunks(
            by_subject, fresh.links, person_ids, testimony_ids, source_ids, place_ids
        ):
            _write_rows(conn, rows)
        for index in indexes:
            index.create(conn)
        return len(person_ids), len(testimony_ids), len(source_ids)

    def _delete_persons(self, conn: Connection, person_ids: Sequence[str]) -> None:
        for part in _chunks(person_ids):
            for table in (
                s.persons,
                s.names,
                s.search_keys,
                s.claims,
                s.identifiers,
                s.events,
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


def _links_of(c: Change) -> Iterator[tuple[str, str]]:
    """(testimony or source, person) pairs a change makes: the persons a testimony or
    source lists, and every testimony or source a person's claims cite."""
    if c.op.startswith("person."):
        person = str(c.body["person"])
        for claim in c.body["claims"]:
            ref = claim["source"]
            yield str(ref.get("testimony") or ref.get("source")), person
    elif c.op != "rebuttal.added":
        for person in c.body.get("persons", []):
            yield c.subject, str(person)


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
) -> Rows:
    """The rows of every given subject, as tuples in each table's column order."""
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
        changes = list(by_subject.get(p, []))
        for subject in links.get(p, ()):
            changes.extend(by_subject.get(subject, []))
        person = fold_person(p, changes)
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
_SHARED: tuple[dict[str, list[Change]], dict[str, list[str]]] | None = None
Task = tuple[Sequence[str], Sequence[str], Sequence[str], Sequence[str]]


def _fold_task(task: Task) -> Rows:
    assert _SHARED is not None
    return fold_rows(_SHARED[0], _SHARED[1], *task)


def fold_in_chunks(
    by_subject: dict[str, list[Change]],
    links: dict[str, list[str]],
    person_ids: Sequence[str],
    testimony_ids: Sequence[str],
    source_ids: Sequence[str],
    place_ids: Sequence[str],
) -> Iterator[Rows]:
    """``fold_rows`` in pieces; with many subjects, folded by two forked workers while
    the caller writes the pieces already folded (on two cores, the fold and the
    SQLite writes overlap). The fold is pure, so which process folds a subject changes
    nothing in its rows."""
    small = len(person_ids) + len(testimony_ids) < _PARALLEL_FROM
    if small or (os.cpu_count() or 1) < 2:
        yield fold_rows(by_subject, links, person_ids, testimony_ids, source_ids, place_ids)
        return
    tasks: deque[Task] = deque([((), (), source_ids, place_ids)])
    for i in range(0, len(testimony_ids), _TASK):
        tasks.append(((), testimony_ids[i : i + _TASK], (), ()))
    for i in range(0, len(person_ids), _TASK):
        tasks.append((person_ids[i : i + _TASK], (), (), ()))
    global _SHARED
    _SHARED = (by_subject, links)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
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
    for table in (s.entries, s.changes, *s.TABLES):
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
            "created": p.created,
            "updated": p.updated,
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
    # search_keys is left to the names module (cross-script forms, issue 6): a word of
    # a name is already found by substring search in person_names.folded, and filling
    # the table with the words alone was a fifth of the rows a rebuild wrote.
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
        early, late = _bounds(v["date"])
        code, text = _place_of(v.get("place"))
        rows["status_events"].append(
            {
                "person_id": pid,
                "claim_id": c.claim_id,
                "status": v["status"],
                "date": v["date"],
                "earliest": early,
                "latest": late,
                "place_code": code,
                "place_text": text,
                "term": v.get("term"),
                "charge": v.get("charge"),
                "note": v.get("note"),
                "source_kind": c.source_kind,
                "source_id": c.source_id,
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
            {"person_id": pid, "n": n, "kind": f.kind, "field": f.field, "detail": f.detail}
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
    _history_rows(pid, p.history, rows)


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
    for n, blob in enumerate(t.media):
        rows["testimony_media"].append({"testimony_id": tid, "n": n, "blob": blob})
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
