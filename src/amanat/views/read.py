"""Reading the views: find persons, show one person with everything known about them.

The Python API the CLI and the staff app share. ``search`` takes a ``Query`` (every
filter optional, combined with AND) and returns one page of ``PersonSummary`` rows
with the total count. Name search looks the typed name's keys up in ``search_keys``
(indexed; the keys come from the names module, docs/format/names.md), so a query typed
in Latin letters finds a name written in Cyrillic, Arabic script or Chinese characters,
and a typed word finds the recorded words it begins; results are ranked by the kinds
of key they share (``KIND_WEIGHTS``).

Merged persons: ``person`` follows an alias (a record merged into another by reviewers'
decisions) to the person it is shown as, and says so (``redirected_from``); its history
holds the decisions on its records beside its changes. ``decisions`` lists those
decisions, ``review_queue`` the candidate pairs no one has decided yet, and
``decisions_in_force`` what the linkage model learns from.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Connection,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    union,
    union_all,
)
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import TableValuedAlias

from amanat.names import analyse, detect_script, is_label, name_similarity, query_keys
from amanat.records.changes import ASSESSMENT, TAKEN, Change
from amanat.records.fold import testimony_versions as versions_to_settle
from amanat.views import schema as s
from amanat.views.project import fold_text, stored_change
from amanat.views.un import FREED, TAKING

__all__ = [
    "CandidatePair",
    "PersonDetail",
    "PersonSummary",
    "Query",
    "ReviewQueue",
    "SearchResult",
    "UnsurePair",
    "candidate",
    "decisions",
    "decisions_in_force",
    "first_taken",
    "link_conflicts",
    "person",
    "resolve",
    "review_queue",
    "search",
    "sources_naming",
    "testimony_versions",
    "unsure_pairs",
]

MAX_PAGE = 500


def first_taken(
    conn: Connection, persons: Sequence[str] | None = None
) -> dict[str, tuple[str, str, str]]:
    """person_id -> (date as said, earliest day, latest day) of the event that says
    when the person was first taken (records.changes.TAKEN: detained, disappeared, a
    camp): the one that surely came first (the earliest last day), of two such the more
    precise (the later first day). Every person with one, or those of ``persons``."""
    e = s.events
    query = select(e.c.person_id, e.c.date, e.c.earliest, e.c.latest).where(e.c.status.in_(TAKEN))
    if persons is not None:
        query = query.where(e.c.person_id.in_(list(persons)))
    out: dict[str, tuple[str, str, str]] = {}
    for pid, date, earliest, latest in conn.execute(
        query.order_by(e.c.person_id, e.c.latest, e.c.earliest.desc())
    ):
        out.setdefault(pid, (date, earliest, latest))
    return out


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
    un_ready: bool = False  # only persons a case to the UN working group lacks nothing for
    not_submitted: bool = False  # only persons whose case was never sent to that group
    # only persons surely detained or disappeared on or after this day (YYYY-MM-DD), and
    # not released or dead since: the working group's urgent action, from a day 92 days
    # back (``amanat.views.un.suggested_route``)
    taken_since: str = ""
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
    matched: str | None = None  # with a name search: the recorded name that matched best


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
    # what the family has done (petitions and their replies), oldest first
    actions: list[dict[str, Any]] = field(default_factory=list)
    # the last contact each relative had with the person, the latest first
    contacts: list[dict[str, Any]] = field(default_factory=list)
    # reviewers' assessments, the latest first, and the submissions of the case by date
    assessments: list[dict[str, Any]] = field(default_factory=list)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    relatives: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    testimonies: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    rebuttals: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    hometown: dict[str, Any] | None = None
    # The person records shown as this person: its own id first, then those merged
    # into it by same-person decisions.
    records: list[str] = field(default_factory=list)
    # The id asked for, when it is a record merged into this person; None otherwise.
    redirected_from: str | None = None
    # Every decision on a pair that holds one of the records (``decisions``).
    decisions: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}

    def assessment(self) -> dict[str, dict[str, Any]]:
        """Each aspect assessed (``ASSESSMENT``'s keys), with the latest assessment that
        gives it: the one in force."""
        found: dict[str, dict[str, Any]] = {}
        for a in self.assessments:  # the latest first
            for aspect in ASSESSMENT:
                if a.get(aspect) and aspect not in found:
                    found[aspect] = a
        return {k: found[k] for k in ASSESSMENT if k in found}

    def record_names(self) -> list[tuple[str, str]]:
        """Each of the person's records (``records``) with the first name it was
        recorded under ("" for none): a merged person's records, as a reader tells
        them apart."""
        first: dict[str, str] = {}
        for claim in self.claims:
            if claim["field"] == "name" and not claim.get("retracted_by"):
                first.setdefault(str(claim["record_id"]), str(claim["value"].get("text", "")))
        return [(r, first.get(r, "")) for r in self.records]

    def merges(self) -> list[dict[str, Any]]:
        """The decisions that join the person's records: each pair of them whose
        decision in force is *same* (its ``a``, ``b``, ``by``, ``time``, ``reason``),
        with ``name_a`` and ``name_b``, the names the two were recorded under. These,
        not any two of the records, are what a reviewer splits a merge on."""
        names = dict(self.record_names())
        mine = set(self.records)
        return [
            {**d, "name_a": names.get(d["a"], ""), "name_b": names.get(d["b"], "")}
            for d in self.decisions
            if d.get("current") and d["decision"] == "same" and {d["a"], d["b"]} <= mine
        ]


def _filtered(
    q: Query, columns: Sequence[Any] | None = None, extra: ColumnElement[bool] | None = None
) -> Select[Any]:
    """The persons matching ``q``. Conditions on other tables are ``IN`` subqueries, which
    SQLite and PostgreSQL run once, not once per person as a correlated ``EXISTS`` (a
    name search over 100,000 persons: 500 ms against about 60)."""
    p = s.persons
    stmt = select(*(columns or [p])).select_from(p)
    conds: list[ColumnElement[bool]] = []
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
    if q.un_ready:
        conds.append(p.c.un_gaps == "")
    if q.not_submitted:
        sent = s.submissions
        conds.append(
            p.c.person_id.not_in(select(sent.c.person_id).where(sent.c.recipient == "un_wgeid"))
        )
    if q.taken_since:
        e, freed = s.events, s.events.alias("freed")
        since = freed.c.person_id == e.c.person_id
        free_after = and_(since, freed.c.status.in_(FREED), freed.c.earliest >= e.c.latest)
        taken = and_(e.c.status.in_(TAKING), e.c.earliest >= q.taken_since)
        recent = select(e.c.person_id).where(taken, ~exists().where(free_after))
        conds.append(p.c.person_id.in_(recent))
    if extra is not None:
        conds.append(extra)
    return stmt.where(and_(*conds)) if conds else stmt


# How much a key of each kind counts when a typed name shares it with a person's name:
# a whole name in any order beats one word, spelling beats sound (docs/guide/database.md).
KIND_WEIGHTS = {
    "text": 120,  # the name exactly as written, case and accents aside
    "full": 100,
    "sorted": 95,
    "core": 90,
    "phonetic": 80,
    "token": 60,
    "ptoken": 45,
}
SHORT_KEY_KINDS = frozenset({"ptoken", "phonetic", "pcore"})
MIN_SOUND_KEY = 3  # consonants a sound key needs to count in a search
RELATIVE_FLOOR = (1, 2)  # a result scores at least half the best one
PREFIX_WEIGHT = 30  # a typed word that begins a recorded word ("Serik" for Serikjan)
MIN_PREFIX = 3


def _of_kind(kind: str) -> ColumnElement[bool]:
    """A search key row is of ``kind``: a word's key or a whole name's as the kind is,
    with the kind's bit set in ``kinds``."""
    k = s.search_keys
    # "=" and not "IS": an equality the index serves on both databases
    word = k.c.word == bindparam(None, kind in s.WORD_KINDS, Boolean)
    return and_(word, k.c.kinds.op("&")(s.kind_bit(kind)) != 0)


# Kinds that read the spelling (canonical Latin) of what was typed; the others read its
# sound. A person the spelling finds for every typed word is a result whatever else
# scores higher; one found only by sound, or for fewer words, is kept only within
# ``RELATIVE_FLOOR`` of the best.
SPELLING_KINDS = frozenset({"text", "full", "sorted", "core", "token"})
WORD_KINDS = frozenset({"token", "ptoken"})
# a typed word ending in the first letter of a two-letter canonical spelling ("Serikz",
# on the way to Serikzh = serikj) also begins a word without it
_HALF_TYPED = ("dz", "z")


@dataclass(frozen=True)
class _Part:
    kind: str
    stmt: Select[Any]


def _typed_words(name: str) -> int:
    """How many words ``name`` holds, read the way that gives the most (赛力克江别拉什,
    written without its dot, is two)."""
    return max((len(form.split()) for form in analyse(name).forms), default=1) or 1


def _hit_parts(name: str, extra_keys: Sequence[str] = ()) -> list[_Part]:
    """A select of ``(person_id, w)`` for each kind of key ``name`` gives (and one for
    the typed words long enough to be a beginning, counted as ``token``); empty when the
    name gives no key."""
    k = s.search_keys
    by_kind: dict[str, set[str]] = {}
    for key in query_keys(name):
        by_kind.setdefault(key.kind, set()).add(key.key)
    if fold_text(name):
        by_kind.setdefault("text", set()).add(fold_text(name)[:300])
    for extra in extra_keys:
        if extra.strip():
            by_kind.setdefault("token", set()).add(fold_text(extra))
    parts: list[_Part] = []
    for kind, keys in sorted(by_kind.items()):
        if kind in SHORT_KEY_KINDS:
            # A sound key of one or two consonants ("bk") is shared by thousands of
            # unrelated words; it only adds noise (and time) to a search.
            keys = {key for key in keys if len(key.replace(" ", "")) >= MIN_SOUND_KEY}
            if not keys:
                continue
        weight = KIND_WEIGHTS.get(kind, 10)
        parts.append(
            _Part(
                kind,
                select(k.c.person_id, literal(weight).label("w")).where(
                    k.c.key.in_(sorted(keys)), _of_kind(kind)
                ),
            )
        )
    beginnings = set(by_kind.get("token", ()))
    for token in list(beginnings):
        for half in _HALF_TYPED:
            if token.endswith(half):
                beginnings.add(token[: -len(half)])
    for token in sorted(beginnings):
        if len(token) >= MIN_PREFIX:
            parts.append(
                _Part(
                    "token",
                    select(k.c.person_id, literal(PREFIX_WEIGHT).label("w")).where(
                        _of_kind("token"),
                        k.c.key > token,  # the word itself is scored above
                        k.c.key < token + "\uffff",  # a range the key index serves
                    ),
                )
            )
    return parts


def _caps(name: str) -> dict[str, int]:
    """The most each kind of key may add to one person's score: a whole-name kind once,
    a word's kind once for each typed word, however many readings of a word (赛力克江:
    serikjan, serikjang, saylikejiang) or beginnings it shares."""
    words = _typed_words(name)
    return {
        kind: weight * (words if kind in WORD_KINDS else 1) for kind, weight in KIND_WEIGHTS.items()
    }


def _labelled(parts: Sequence[_Part]) -> Select[Any]:
    """The parts as one ``(person_id, kind, w)`` select."""
    return (
        union_all(*(p.stmt.add_columns(literal(p.kind).label("kind")) for p in parts))
        .subquery("hits")
        .select()
    )


def name_hits(name: str, extra_keys: Sequence[str] = ()) -> Select[Any] | None:
    """``(person_id, score)`` for every person whose names share a key with ``name``
    (``search_keys``, indexed); None when the name gives no key. A kind adds at most its
    cap (``_caps``)."""
    parts = _hit_parts(name, extra_keys)
    if not parts:
        return None
    hits = _labelled(parts).subquery("labelled")
    total = func.sum(hits.c.w)
    caps = _caps(name)
    capped = case(
        *((and_(hits.c.kind == kind, total > cap), cap) for kind, cap in caps.items()),
        else_=total,
    )
    per_kind = (
        select(hits.c.person_id, capped.label("w"))
        .group_by(hits.c.person_id, hits.c.kind)
        .subquery("per_kind")
    )
    return select(per_kind.c.person_id, func.sum(per_kind.c.w).label("score")).group_by(
        per_kind.c.person_id
    )


def _unfiltered(q: Query) -> bool:
    """True when ``q`` asks for nothing but a name."""
    return not (
        q.id_number.strip() or q.county or q.status or q.ever_status or q.date_from
        or q.date_to or q.min_grade or q.flagged or q.un_ready or q.not_submitted
        or q.taken_since
    )  # fmt: skip


_BY_ID_UPDATED = text(
    "SELECT p.person_id, p.updated FROM json_each(:ids) AS j"
    " JOIN persons AS p INDEXED BY ix_persons_id_updated ON p.person_id = j.value"
)


def _each(conn: Connection, values: list[str]) -> TableValuedAlias:
    """A list passed as one JSON parameter, as a table of one column, ``value``: for
    hundreds or thousands of ids, a tenth of the cost of one bound parameter each
    (SQLAlchemy expands those one by one), and no limit on the number."""
    doc = json.dumps(values)
    if conn.dialect.name == "postgresql":
        parsed = cast(literal(doc, String()), JSON)
        return func.json_array_elements_text(parsed).table_valued("value")
    return func.json_each(doc).table_valued("value")


def _listed(conn: Connection, values: list[str]) -> Select[Any]:
    """``SELECT value`` from ``values`` (``_each``), for ``IN``."""
    return select(_each(conn, values).c.value)


def _ranked(conn: Connection, q: Query, only: ColumnElement[bool] | None) -> list[str]:
    """Every person matching ``q`` by name (and its other filters), best first: by
    score, then the most recently updated. Persons far below the best (one shared word
    when the whole name matched elsewhere) are noise, not results.

    The index gives the hits; scores are summed and ranked here, which at 100,000
    persons takes a third of the time SQL's grouping, join and window took."""
    parts = _hit_parts(q.name, q.name_keys)
    if not parts:
        return []
    sums: dict[tuple[str, str], int] = {}
    words = _typed_words(q.name)
    # a label typed (DEMO-01) is found as written: its letters alone (demo) are every
    # other label's too, so a word of it found does not keep a person in the results
    label = is_label(q.name)
    spelled: dict[str, int] = {}  # how many of the typed words the spelling found
    for pid, w, kind in conn.execute(_labelled(parts)).all():  # fetchall: a third of fetchone's
        sums[pid, kind] = sums.get((pid, kind), 0) + w
        if kind not in SPELLING_KINDS:
            continue
        if kind != "token":  # the whole name, as written or in any order
            spelled[pid] = words
        elif not label and (w > PREFIX_WEIGHT or words == 1):
            # a word's beginning counts as found only when one word was typed
            spelled[pid] = spelled.get(pid, 0) + 1
    caps = _caps(q.name)
    scores: dict[str, int] = {}
    for (pid, kind), total in sums.items():
        scores[pid] = scores.get(pid, 0) + min(total, caps.get(kind, total))
    if not scores:
        return []
    floor_num, floor_den = RELATIVE_FLOOR

    def kept_by_floor(pid: str, score: int, best: int) -> bool:
        return spelled.get(pid, 0) >= words or score * floor_den >= best * floor_num

    if _unfiltered(q) and only is None:
        # Only the name counts: drop the noise before reading anything of the persons.
        best = max(scores.values())
        scores = {pid: sc for pid, sc in scores.items() if kept_by_floor(pid, sc, best)}
    p = s.persons
    if _unfiltered(q) and only is None and conn.dialect.name == "sqlite":
        # Two columns of a few hundred persons, looked up one by one in the small index
        # that holds just them, not in the table's wide rows all over the file (0.7 ms
        # for 300 persons at 100,000, against 1.9 for the IN list below). SQLite takes
        # the primary key's index unless told; SQLAlchemy does not write SQLite's hint.
        stmt: Executable = _BY_ID_UPDATED.bindparams(ids=json.dumps(list(scores)))
    else:
        stmt = _filtered(q, [p.c.person_id, p.c.updated], only).where(
            p.c.person_id.in_(_listed(conn, list(scores)))
        )
    found = [(scores[pid], updated or "", pid) for pid, updated in conn.execute(stmt).all()]
    if not found:
        return []
    best = max(score for score, _, _ in found)
    kept = [f for f in found if kept_by_floor(f[2], f[0], best)]
    kept.sort(reverse=True)  # score, then updated, then id: all descending
    return [pid for _, _, pid in kept]


_ALL_COUNT = select(func.count()).select_from(s.persons)
_ALL_PAGE = (
    select(s.persons)
    .order_by(s.persons.c.updated.desc(), s.persons.c.person_id.desc())
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)


def sources_naming(conn: Connection, text: str) -> list[tuple[str, str]]:
    """(source id, time sealed) of each source whose reference holds ``text`` (an
    imported list's "NAME (SHA-256 HEX)"), oldest first."""
    src = s.sources
    rows = conn.execute(
        select(src.c.source_id, src.c.time)
        .where(src.c.reference.contains(text, autoescape=True))
        .order_by(src.c.time, src.c.source_id)
    )
    return [(r.source_id, r.time) for r in rows]


def testimonies_from(conn: Connection, urls: Sequence[str]) -> dict[str, str]:
    """Each of ``urls`` that a recorded testimony was published at -> that testimony's
    id (the first recorded): how a folder of videos imported again is recognised."""
    wanted = set(urls)
    if not wanted:
        return {}
    t = s.testimonies
    rows = conn.execute(
        select(t.c.testimony_id, t.c.external)
        .where(t.c.external.contains('"url"'))
        .order_by(t.c.time, t.c.testimony_id)
    )
    found: dict[str, str] = {}
    for row in rows:
        try:
            url = json.loads(row.external).get("url")
        except (ValueError, AttributeError):
            continue
        if isinstance(url, str) and url in wanted:
            found.setdefault(url, row.testimony_id)
    return found


MAX_OFFSET = 1 << 40  # past any list; a larger one would overflow the database's integers


def search(conn: Connection, q: Query, *, only: ColumnElement[bool] | None = None) -> SearchResult:
    """One page of the persons matching ``q`` (and ``only``, a further condition on
    ``persons``, e.g. "not yet safe"). With a name, persons are ranked by how closely
    one of their names matches it, in any script, and each carries the name form that
    matched best (``PersonSummary.matched``)."""
    p = s.persons
    limit = max(1, min(q.limit, MAX_PAGE))
    offset = max(0, min(q.offset, MAX_OFFSET))
    order = (p.c.updated.desc(), p.c.person_id.desc())  # served by ix_persons_updated
    if not q.name.strip() and _unfiltered(q) and only is None:
        # The whole list, a page of it: the busiest page of all, its statements built once.
        total = int(conn.execute(_ALL_COUNT).scalar_one())
        rows = conn.execute(_ALL_PAGE, {"limit": limit, "offset": offset}).all()
    elif not q.name.strip():
        # Counting apart is cheap here: from an index, or the rows a filter selects.
        total = int(conn.execute(_filtered(q, [func.count()], only)).scalar_one())
        rows = conn.execute(
            _filtered(q, None, only).order_by(*order).limit(limit).offset(offset)
        ).all()
    else:
        ranked = _ranked(conn, q, only)
        total = len(ranked)
        ids = ranked[offset : offset + limit]
        by_id = {
            r.person_id: r
            for r in conn.execute(select(p).where(p.c.person_id.in_(_listed(conn, ids)))).all()
        }
        rows = [by_id[i] for i in ids if i in by_id]
    matched = _matched_forms(conn, q.name, [r.person_id for r in rows]) if q.name.strip() else {}
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
            matched=matched.get(r.person_id),
        )
        for r in rows
    ]
    return SearchResult(total, out)


MATCH_CLOSE = 0.15  # forms this close in similarity are equals: the script typed decides
# (a word more costs a tenth: Serikzhan is 1.0 like 赛力克江, 0.9 like Serikzhan Bilash)


def closest_form(typed: Sequence[str], forms: Sequence[tuple[str, str]]) -> str | None:
    """Of a person's recorded names ``(text, script)``, the one to show as matching what
    was typed: never a label (DEMO-04) while a name is recorded; among the names about
    as similar as the most similar (within ``MATCH_CLOSE``), one written as typed (case
    and accents aside), then one in the script typed (a volunteer typing Serikzhan reads
    Serikzhan Bilash beside Серікжан Білаш), then the most similar, then the first."""
    names = [f for f in forms if not is_label(f[0])] or list(forms)
    if not names or not typed:
        return None
    folded = {fold_text(t) for t in typed}
    scripts = {detect_script(t) for t in typed}
    similarity = [max(name_similarity(t, text) for t in typed) for text, _ in names]
    best = max(similarity)

    def rank(i: int) -> tuple[bool, bool, float, int]:
        text, written = names[i]
        return fold_text(text) in folded, written in scripts, similarity[i], -i

    close = [i for i, value in enumerate(similarity) if value >= best - MATCH_CLOSE]
    return names[max(close, key=rank)][0]


def _matched_forms(conn: Connection, typed: str, person_ids: Sequence[str]) -> dict[str, str]:
    """For each person (a page at most), the recorded name closest to what was typed
    (``closest_form``)."""
    if not person_ids:
        return {}
    n = s.names
    forms: dict[str, list[tuple[str, str]]] = {}
    rows = conn.execute(
        select(n.c.person_id, n.c.text, n.c.script)
        .where(n.c.person_id.in_(_listed(conn, list(person_ids))))
        .order_by(n.c.person_id, n.c.claim_id)
    ).all()
    for pid, form, written in rows:
        forms.setdefault(pid, []).append((form, written))
    out = {pid: closest_form([typed], held) for pid, held in forms.items()}
    return {pid: form for pid, form in out.items() if form is not None}


def _rows(conn: Connection, stmt: Select[Any]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(stmt)]


def recorded_documents(
    conn: Connection, documents: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """For each (kind, number) of an identity document already recorded, the person who
    holds it (the first by id when several do)."""
    wanted = set(documents)
    found: dict[tuple[str, str], str] = {}
    i = s.identifiers
    numbers = sorted({number for _, number in wanted})
    for start in range(0, len(numbers), _DOCUMENTS_AT_ONCE):
        part = numbers[start : start + _DOCUMENTS_AT_ONCE]
        query = (
            select(i.c.kind, i.c.number, i.c.person_id)
            .where(i.c.number.in_(part))
            .order_by(i.c.person_id)
        )
        for kind, number, person in conn.execute(query):
            if (kind, number) in wanted:
                found.setdefault((kind, number), person)
    return found


_DOCUMENTS_AT_ONCE = 500


def resolve(conn: Connection, person_id: str) -> str | None:
    """The id a person record is shown under: itself, or the person it was merged into;
    None if the views know no such record."""
    p = s.persons
    if conn.execute(select(p.c.person_id).where(p.c.person_id == person_id)).first():
        return person_id
    row = conn.execute(select(s.aliases.c.person_id).where(s.aliases.c.alias_id == person_id))
    return row.scalar_one_or_none()


def shown_names(conn: Connection, person_ids: Collection[str]) -> dict[str, tuple[str, str]]:
    """Each of ``person_ids`` the views know: the id it is shown under (itself, or the
    person it was merged into) and that person's name."""
    p, a = s.persons, s.aliases
    wanted = list(dict.fromkeys(person_ids))[:_DOCUMENTS_AT_ONCE]
    aliases = select(a.c.alias_id, a.c.person_id).where(a.c.alias_id.in_(wanted))
    shown = {r.alias_id: r.person_id for r in conn.execute(aliases)}
    under = {i: shown.get(i, i) for i in wanted}
    named = select(p.c.person_id, p.c.display_name).where(p.c.person_id.in_(set(under.values())))
    names = {r.person_id: r.display_name for r in conn.execute(named)}
    return {i: (pid, names[pid]) for i, pid in under.items() if pid in names}


def _records(conn: Connection, person_id: str) -> list[str]:
    """A shown person's records: its own id, then the records merged into it."""
    return [person_id, *conn.execute(_ONE["merged"], {"pid": person_id}).scalars()]


def _person_statements() -> dict[str, Select[Any]]:
    """The statements of a person's page, built once: a page runs fifteen, and building
    them anew each time cost more than SQLite's work for them."""
    pid: BindParameter[str] = bindparam("pid")
    records: BindParameter[str] = bindparam("records", expanding=True)
    ln, h, ch, a = s.links, s.history, s.changes, s.aliases
    concern = select(ln.c.subject).where(ln.c.person_id.in_(records))
    tp, cl = s.testimony_persons, s.claims
    testimonies_of = union(
        select(tp.c.testimony_id).where(tp.c.person_id.in_(records)),
        select(cl.c.source_id).where(
            cl.c.person_id.in_(records),
            cl.c.source_kind == "testimony",
            cl.c.retracted_by.is_(None),
        ),
    )
    return {
        "person": select(s.persons).where(s.persons.c.person_id == pid),
        "merged": select(a.c.alias_id).where(a.c.person_id == pid).order_by(a.c.alias_id),
        "names": select(s.names).where(s.names.c.person_id == pid).order_by(s.names.c.claim_id),
        "claims": select(s.claims)
        .where(s.claims.c.person_id == pid)
        .order_by(s.claims.c.field, s.claims.c.time, s.claims.c.claim_id),
        "identifiers": select(s.identifiers)
        .where(s.identifiers.c.person_id == pid)
        .order_by(s.identifiers.c.claim_id),
        "timeline": select(s.events)
        .where(s.events.c.person_id == pid)
        .order_by(s.events.c.earliest, s.events.c.latest, s.events.c.claim_id),
        "actions": select(s.actions)
        .where(s.actions.c.person_id == pid)
        .order_by(s.actions.c.earliest.is_(None), s.actions.c.earliest, s.actions.c.claim_id),
        "contacts": select(s.contacts)
        .where(s.contacts.c.person_id == pid)
        .order_by(s.contacts.c.latest.desc(), s.contacts.c.earliest.desc(), s.contacts.c.claim_id),
        "assessments": select(s.assessments)
        .where(s.assessments.c.person_id == pid)
        .order_by(s.assessments.c.n.desc()),
        "submissions": select(s.submissions)
        .where(s.submissions.c.person_id == pid)
        .order_by(s.submissions.c.earliest, s.submissions.c.submission_id),
        "relatives": select(s.relatives)
        .where(s.relatives.c.person_id == pid)
        .order_by(s.relatives.c.claim_id),
        "flags": select(s.flags).where(s.flags.c.person_id == pid).order_by(s.flags.c.n),
        # listed by the testimony, or cited by a claim about any of its records that is
        # not retracted (the fold's rule: a testimony cited by mistake concerns no more)
        "testimonies": select(s.testimonies)
        .where(s.testimonies.c.testimony_id.in_(testimonies_of))
        .order_by(s.testimonies.c.time, s.testimonies.c.testimony_id),
        "media": select(s.testimony_media.c.blob, s.testimony_media.c.visibility)
        .where(s.testimony_media.c.testimony_id == bindparam("testimony"))
        .order_by(s.testimony_media.c.n),
        "sources": select(s.sources)
        .where(s.sources.c.source_id.in_(concern))
        .order_by(s.sources.c.time, s.sources.c.source_id),
        "rebuttals": select(s.rebuttals)
        .where(s.rebuttals.c.person_id == pid)
        .order_by(s.rebuttals.c.time, s.rebuttals.c.rebuttal_id),
        "history": select(h, ch.c.subject.label("record_id"))
        .join(ch, and_(ch.c.entry_id == h.c.entry_id, ch.c.idx == h.c.idx))
        .where(h.c.subject == pid)
        .order_by(h.c.n),
        # the changes of the testimonies concerning the person: recorded, linked, a
        # consent withdrawn, a file's visibility changed
        "testimony_history": select(h)
        .where(h.c.subject.in_(bindparam("testimonies", expanding=True)))
        .order_by(h.c.subject, h.c.n),
        "place": select(s.places).where(s.places.c.place_id == bindparam("place")),
    }


_ONE = _person_statements()


def _all(conn: Connection, name: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(_ONE[name], params).mappings().all()]


def place(conn: Connection, place_id: str) -> dict[str, Any] | None:
    """A place a desk added (``user:…``), as the views hold it, or None."""
    row = conn.execute(_ONE["place"], {"place": place_id}).first()
    return None if row is None else dict(row._mapping)


def testimony_versions(conn: Connection, testimony_id: str) -> list[Change]:
    """The versions of a testimony for a reviewer to settle (``fold.testimony_versions``:
    the one shown, then each recorded again with other contents), as sealed."""
    rows = conn.execute(select(s.changes).where(s.changes.c.subject == testimony_id))
    return versions_to_settle(testimony_id, [stored_change(r) for r in rows])


def person(conn: Connection, person_id: str) -> PersonDetail | None:
    """Everything the views know about one person, or None. Asked for a record that was
    merged into another person, it gives that person with ``redirected_from`` set."""
    row = conn.execute(_ONE["person"], {"pid": person_id}).first()
    redirected = None
    if row is None:
        shown = resolve(conn, person_id)
        if shown is None:
            return None
        redirected, person_id = person_id, shown
        row = conn.execute(_ONE["person"], {"pid": person_id}).first()
        if row is None:  # pragma: no cover - an alias always names a shown person
            return None
    records = _records(conn, person_id)
    detail = PersonDetail(person=dict(row._mapping), records=records, redirected_from=redirected)
    detail.person["grade_reasons"] = json.loads(detail.person["grade_reasons"])
    detail.names = _all(conn, "names", pid=person_id)
    detail.claims = _all(conn, "claims", pid=person_id)
    for c in detail.claims:
        c["value"] = json.loads(c["value"])
    detail.identifiers = _all(conn, "identifiers", pid=person_id)
    detail.timeline = _all(conn, "timeline", pid=person_id)
    detail.actions = _all(conn, "actions", pid=person_id)
    detail.contacts = _all(conn, "contacts", pid=person_id)
    detail.assessments = _all(conn, "assessments", pid=person_id)
    detail.submissions = _all(conn, "submissions", pid=person_id)
    detail.relatives = _all(conn, "relatives", pid=person_id)
    detail.flags = _all(conn, "flags", pid=person_id)
    for f in detail.flags:
        f["args"] = json.loads(f["args"]) if f["args"] else {}
    detail.testimonies = _all(conn, "testimonies", records=records)
    for t in detail.testimonies:
        t["consent_detail"] = json.loads(t["consent_detail"])
        t["external"] = json.loads(t["external"])
        files = conn.execute(_ONE["media"], {"testimony": t["testimony_id"]}).all()
        t["media"] = [f.blob for f in files]
        # who may see each file: public, restricted, sensitive; "" when not said
        t["media_visibility"] = [f.visibility or "" for f in files]
    detail.sources = _all(conn, "sources", records=records)
    detail.rebuttals = _all(conn, "rebuttals", pid=person_id)
    detail.history = _all(conn, "history", pid=person_id)
    if detail.testimonies:
        # first: sorted by time below (stable), a testimony recorded with the person in
        # one entry comes before the person's creation, as in the entry
        told = [t["testimony_id"] for t in detail.testimonies]
        detail.history = [
            {**item, "record_id": item["subject"], "testimony": True}
            for item in _all(conn, "testimony_history", testimonies=told)
        ] + detail.history
    detail.decisions = _decisions_of(conn, records)
    # A decision is part of the history of each person it concerns: who decided what,
    # when and why, kept after a split as after a merge.
    detail.history = sorted(
        detail.history
        + [
            {
                "subject": person_id,
                "entry_id": d["entry_id"],
                "idx": d["idx"],
                "time": d["time"],
                "op": "link.decided",
                "reason": d["reason"],
                "record_id": d["a"] if d["a"] in records else d["b"],
                "decision": d["decision"],
                "by": d["by"],
                "pair": [d["a"], d["b"]],
            }
            for d in detail.decisions
        ],
        key=lambda item: str(item["time"]),
    )
    for n, item in enumerate(detail.history):
        item["n"] = n
    code = detail.person.get("hometown_code")
    if code:
        place = conn.execute(_ONE["place"], {"place": code}).first()
        detail.hometown = None if place is None else dict(place._mapping)
    return detail


# -- decisions and the review queue --------------------------------------------------


def _decisions_statement() -> Select[Any]:
    d = s.decisions
    records: BindParameter[str] = bindparam("records", expanding=True)
    return (
        select(d)
        .where(or_(d.c.a.in_(records), d.c.b.in_(records)))
        .order_by(d.c.time, d.c.position, d.c.entry_id, d.c.idx)
    )


_DECISIONS_OF = _decisions_statement()


def _decisions_of(conn: Connection, records: Sequence[str]) -> list[dict[str, Any]]:
    rows = conn.execute(_DECISIONS_OF, {"records": list(records)}).mappings().all()
    return [dict(r) for r in rows]


def decisions(conn: Connection, person_id: str) -> list[dict[str, Any]]:
    """Every decision on a pair holding one of the person's records (an alias is
    followed), oldest first; ``current`` marks the one in force on its pair."""
    shown = resolve(conn, person_id)
    return [] if shown is None else _decisions_of(conn, _records(conn, shown))


def decisions_in_force(conn: Connection) -> list[dict[str, Any]]:
    """The decision in force on each decided pair (what the linkage model learns from):
    ``a``, ``b``, ``decision``, ``probability``, ``model``, ``time``."""
    d = s.decisions
    return _rows(
        conn,
        select(d.c.a, d.c.b, d.c.decision, d.c.probability, d.c.model, d.c.time)
        .where(d.c.current.is_(True))
        .order_by(d.c.a, d.c.b),
    )


def link_conflicts(conn: Connection) -> list[dict[str, Any]]:
    """Merged persons that a decision in force contradicts (a *different* decision on
    two of their records), for review: ``person_id`` and ``detail``."""
    f = s.flags
    return _rows(
        conn,
        select(f.c.person_id, f.c.detail)
        .where(f.c.kind == "link_conflict")
        .order_by(f.c.person_id, f.c.n),
    )


@dataclass(frozen=True)
class CandidatePair:
    a: str
    b: str
    probability: float
    outcome: str
    model: str
    computed: str
    person_a: str  # the person record ``a`` is shown as now (itself, or its merge)
    person_b: str


@dataclass(frozen=True)
class ReviewQueue:
    total: int
    pairs: list[CandidatePair]


def review_queue(
    conn: Connection, *, outcome: str | None = "review", limit: int = 50, offset: int = 0
) -> ReviewQueue:
    """Candidate pairs awaiting a reviewer, most probable first: of ``outcome`` (None:
    any), with no decision yet on the pair, both records still shown, not already one
    merged person, and not two persons a decision in force keeps apart through other
    records of theirs (merged since the search ran): the pair is settled."""
    c, d = s.candidates, s.decisions
    pa, pb = s.aliases.alias("pa"), s.aliases.alias("pb")
    shown_a = func.coalesce(pa.c.person_id, c.c.a)
    shown_b = func.coalesce(pb.c.person_id, c.c.b)
    shown = select(s.persons.c.person_id)
    apart = _kept_apart()
    conds: list[ColumnElement[bool]] = [
        d.c.entry_id.is_(None),
        shown_a != shown_b,
        shown_a.in_(shown),
        shown_b.in_(shown),
        apart.c.low.is_(None),
    ]
    if outcome is not None:
        conds.append(c.c.outcome == outcome)
    joined = (
        c.outerjoin(pa, pa.c.alias_id == c.c.a)
        .outerjoin(pb, pb.c.alias_id == c.c.b)
        .outerjoin(d, and_(d.c.a == c.c.a, d.c.b == c.c.b))
        .outerjoin(
            apart,
            and_(
                apart.c.low == _least(shown_a, shown_b), apart.c.high == _greatest(shown_a, shown_b)
            ),
        )
    )
    total = int(conn.execute(select(func.count()).select_from(joined).where(*conds)).scalar_one())
    rows = conn.execute(
        select(c, shown_a.label("person_a"), shown_b.label("person_b"))
        .select_from(joined)
        .where(*conds)
        .order_by(c.c.probability.desc(), c.c.a, c.c.b)
        .limit(max(1, min(limit, MAX_PAGE)))
        .offset(max(0, offset))
    )
    return ReviewQueue(total, [_candidate_pair(r) for r in rows])


@dataclass(frozen=True)
class UnsurePair:
    """A pair whose decision in force is *unsure*: to look at again."""

    a: str
    b: str
    person_a: str  # the person record ``a`` is shown as now (itself, or its merge)
    person_b: str
    reason: str
    by: str
    time: str


def unsure_pairs(conn: Connection, *, limit: int = 50) -> tuple[int, list[UnsurePair]]:
    """The pairs a reviewer decided *unsure* (the decision in force on the pair), most
    recent first, still two shown persons: how many, and the first ``limit``. The queue
    leaves every decided pair out; these are listed apart so an *unsure* is not lost."""
    d = s.decisions
    pa, pb = s.aliases.alias("pa"), s.aliases.alias("pb")
    shown_a = func.coalesce(pa.c.person_id, d.c.a)
    shown_b = func.coalesce(pb.c.person_id, d.c.b)
    shown = select(s.persons.c.person_id)
    joined = d.outerjoin(pa, pa.c.alias_id == d.c.a).outerjoin(pb, pb.c.alias_id == d.c.b)
    conds = [
        d.c.current.is_(True),
        d.c.decision == "unsure",
        shown_a != shown_b,
        shown_a.in_(shown),
        shown_b.in_(shown),
    ]
    total = int(conn.execute(select(func.count()).select_from(joined).where(*conds)).scalar_one())
    rows = conn.execute(
        select(d.c.a, d.c.b, d.c.reason, d.c.by, d.c.time, shown_a.label("sa"), shown_b.label("sb"))
        .select_from(joined)
        .where(*conds)
        .order_by(d.c.time.desc(), d.c.a, d.c.b)
        .limit(max(1, min(limit, MAX_PAGE)))
    )
    return total, [UnsurePair(r.a, r.b, r.sa, r.sb, r.reason, r.by, r.time) for r in rows]


def _least(x: ColumnElement[Any], y: ColumnElement[Any]) -> ColumnElement[Any]:
    """The smaller of two values (SQLite has no ``least``)."""
    return case((x < y, x), else_=y)


def _greatest(x: ColumnElement[Any], y: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((x < y, y), else_=x)


def _kept_apart() -> Any:
    """The pairs of shown persons (``low`` < ``high``) that a *different* decision in
    force keeps apart, through whichever of their records it was made on."""
    d = s.decisions
    xa, xb = s.aliases.alias("xa"), s.aliases.alias("xb")
    a = func.coalesce(xa.c.person_id, d.c.a)
    b = func.coalesce(xb.c.person_id, d.c.b)
    return (
        select(_least(a, b).label("low"), _greatest(a, b).label("high"))
        .select_from(d.outerjoin(xa, xa.c.alias_id == d.c.a).outerjoin(xb, xb.c.alias_id == d.c.b))
        .where(d.c.current.is_(True), d.c.decision == "different")
        .distinct()
        .subquery("kept_apart")
    )


def _candidate_pair(row: Any) -> CandidatePair:
    """A row of ``link_candidates`` with the persons its records are shown as now."""
    return CandidatePair(
        a=row.a,
        b=row.b,
        probability=float(row.probability),
        outcome=row.outcome,
        model=row.model,
        computed=row.computed,
        person_a=row.person_a,
        person_b=row.person_b,
    )


def candidate(conn: Connection, a: str, b: str) -> CandidatePair | None:
    """The model's last estimate for the pair of person records ``a`` and ``b`` (either
    order), decided or not; None when the model did not propose it. One primary-key
    lookup, however long the queue."""
    c = s.candidates
    pa, pb = s.aliases.alias("pa"), s.aliases.alias("pb")
    row = conn.execute(
        select(
            c,
            func.coalesce(pa.c.person_id, c.c.a).label("person_a"),
            func.coalesce(pb.c.person_id, c.c.b).label("person_b"),
        )
        .select_from(c.outerjoin(pa, pa.c.alias_id == c.c.a).outerjoin(pb, pb.c.alias_id == c.c.b))
        .where(c.c.a == min(a, b), c.c.b == max(a, b))
    ).first()
    return None if row is None else _candidate_pair(row)
