"""Reading the views: find persons, show one person with everything known about them.

The Python API the CLI and the staff app share. ``search`` takes a ``Query`` (every
filter optional, combined with AND) and returns one page of ``PersonSummary`` rows
with the total count. Name search is case- and accent-insensitive substring search
over every recorded name, plus exact lookup in ``search_keys``: the seam where the
names module adds cross-script keys (a query typed in Latin letters finding a name
written in Cyrillic or Chinese characters) without a change here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, select

from amanat.views import schema as s
from amanat.views.project import fold_text

__all__ = ["PersonDetail", "PersonSummary", "Query", "SearchResult", "person", "search"]

MAX_PAGE = 500


@dataclass(frozen=True)
class Query:
    name: str = ""
    id_number: str = ""
    county: str = ""  # a place code: a county, or a prefecture (all its counties)
    status: str = ""  # current status
    ever_status: str = ""  # any status event of this kind
    date_from: str = ""  # ISO day: a status event on or after it
    date_to: str = ""  # ISO day: a status event on or before it
    min_grade: int = 0
    flagged: bool = False
    limit: int = 50
    offset: int = 0
    name_keys: tuple[str, ...] = ()  # extra normalised forms from the names module


@dataclass(frozen=True)
class PersonSummary:
    person_id: str
    name: str
    sex: str | None
    birth: str | None
    hometown: str | None
    status: str | None
    status_date: str | None
    grade: int
    grade_label: str
    n_testimonies: int
    n_flags: int
    updated: str


@dataclass(frozen=True)
class SearchResult:
    total: int
    persons: list[PersonSummary]


@dataclass
class PersonDetail:
    person: dict[str, Any]
    names: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    identifiers: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    relatives: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    testimonies: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    rebuttals: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    hometown: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(q: Query, columns: Sequence[Any] | None = None) -> Select[Any]:
    """The persons matching ``q``. Conditions on other tables are ``IN`` subqueries, which
    SQLite and PostgreSQL run once, not once per person as a correlated ``EXISTS`` (a
    name search over 100,000 persons: 500 ms against about 60)."""
    p = s.persons
    stmt = select(*(columns or [p])).select_from(p)
    conds: list[ColumnElement[bool]] = []
    if q.name.strip():
        folded = fold_text(q.name)
        keys = {folded, *(fold_text(k) for k in q.name_keys if k.strip())}
        named = select(s.names.c.person_id).where(s.names.c.folded.like(_like(folded), escape="\\"))
        keyed = select(s.search_keys.c.person_id).where(s.search_keys.c.key.in_(keys))
        conds.append(p.c.person_id.in_(named.union(keyed)))
    if q.id_number.strip():
        number = "".join(q.id_number.split()).replace("-", "").upper()
        conds.append(
            p.c.person_id.in_(
                select(s.identifiers.c.person_id).where(s.identifiers.c.number == number)
            )
        )
    if q.county:
        if q.county.endswith("00") and q.county[:1].isdigit():
            conds.append(p.c.prefecture_code == q.county)
        else:
            conds.append(p.c.hometown_code == q.county)
    if q.status:
        conds.append(p.c.status == q.status)
    if q.ever_status or q.date_from or q.date_to:
        e = s.events
        ev: list[ColumnElement[bool]] = []
        if q.ever_status:
            ev.append(e.c.status == q.ever_status)
        if q.date_from:
            ev.append(e.c.latest >= q.date_from)
        if q.date_to:
            ev.append(e.c.earliest <= q.date_to)
        conds.append(p.c.person_id.in_(select(e.c.person_id).where(and_(*ev))))
    if q.min_grade:
        conds.append(p.c.grade >= q.min_grade)
    if q.flagged:
        conds.append(p.c.n_flags > 0)
    return stmt.where(and_(*conds)) if conds else stmt


def search(conn: Connection, q: Query) -> SearchResult:
    p = s.persons
    limit = max(1, min(q.limit, MAX_PAGE))
    offset = max(0, q.offset)
    order = (p.c.updated.desc(), p.c.person_id.desc())  # served by ix_persons_updated
    if not q.name.strip():
        # Counting apart is cheap here: from an index, or the rows a filter selects.
        total = int(conn.execute(_filtered(q, [func.count()])).scalar_one())
        rows = conn.execute(_filtered(q).order_by(*order).limit(limit).offset(offset)).all()
    else:
        # A name substring must scan the names: once, with the total as a window count.
        rows = conn.execute(
            _filtered(q, [p, func.count().over().label("total_found")])
            .order_by(*order)
            .limit(limit)
            .offset(offset)
        ).all()
        if rows:
            total = int(rows[0].total_found)
        elif offset:
            total = int(conn.execute(_filtered(q, [func.count()])).scalar_one())
        else:
            total = 0
    out = [
        PersonSummary(
            person_id=r.person_id,
            name=r.display_name,
            sex=r.sex,
            birth=r.birth,
            hometown=r.hometown_code or r.hometown_text,
            status=r.status,
            status_date=r.status_date,
            grade=r.grade,
            grade_label=r.grade_label,
            n_testimonies=r.n_testimonies,
            n_flags=r.n_flags,
            updated=r.updated,
        )
        for r in rows
    ]
    return SearchResult(total, out)


def _rows(conn: Connection, stmt: Select[Any]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(stmt)]


def person(conn: Connection, person_id: str) -> PersonDetail | None:
    """Everything the views know about one person, or None."""
    row = conn.execute(select(s.persons).where(s.persons.c.person_id == person_id)).first()
    if row is None:
        return None
    detail = PersonDetail(person=dict(row._mapping))
    detail.person["grade_reasons"] = json.loads(detail.person["grade_reasons"])
    detail.names = _rows(
        conn, select(s.names).where(s.names.c.person_id == person_id).order_by(s.names.c.claim_id)
    )
    detail.claims = _rows(
        conn,
        select(s.claims)
        .where(s.claims.c.person_id == person_id)
        .order_by(s.claims.c.field, s.claims.c.time, s.claims.c.claim_id),
    )
    for c in detail.claims:
        c["value"] = json.loads(c["value"])
    detail.identifiers = _rows(
        conn,
        select(s.identifiers)
        .where(s.identifiers.c.person_id == person_id)
        .order_by(s.identifiers.c.claim_id),
    )
    detail.timeline = _rows(
        conn,
        select(s.events)
        .where(s.events.c.person_id == person_id)
        .order_by(s.events.c.earliest, s.events.c.latest, s.events.c.claim_id),
    )
    detail.relatives = _rows(
        conn,
        select(s.relatives)
        .where(s.relatives.c.person_id == person_id)
        .order_by(s.relatives.c.claim_id),
    )
    detail.flags = _rows(
        conn, select(s.flags).where(s.flags.c.person_id == person_id).order_by(s.flags.c.n)
    )
    ln = s.links  # listed by the testimony, or cited by a claim about the person
    detail.testimonies = _rows(
        conn,
        select(s.testimonies)
        .join(ln, ln.c.subject == s.testimonies.c.testimony_id)
        .where(ln.c.person_id == person_id)
        .order_by(s.testimonies.c.time, s.testimonies.c.testimony_id),
    )
    for t in detail.testimonies:
        t["consent_detail"] = json.loads(t["consent_detail"])
        t["external"] = json.loads(t["external"])
        t["media"] = [
            r.blob
            for r in conn.execute(
                select(s.testimony_media.c.blob)
                .where(s.testimony_media.c.testimony_id == t["testimony_id"])
                .order_by(s.testimony_media.c.n)
            )
        ]
    detail.sources = _rows(
        conn,
        select(s.sources)
        .join(ln, ln.c.subject == s.sources.c.source_id)
        .where(ln.c.person_id == person_id)
        .order_by(s.sources.c.time, s.sources.c.source_id),
    )
    detail.rebuttals = _rows(
        conn,
        select(s.rebuttals)
        .where(s.rebuttals.c.person_id == person_id)
        .order_by(s.rebuttals.c.time, s.rebuttals.c.rebuttal_id),
    )
    detail.history = _rows(
        conn,
        select(s.history).where(s.history.c.subject == person_id).order_by(s.history.c.n),
    )
    code = detail.person.get("hometown_code")
    if code:
        place = conn.execute(select(s.places).where(s.places.c.place_id == code)).first()
        detail.hometown = None if place is None else dict(place._mapping)
    return detail
