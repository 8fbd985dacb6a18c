"""Testimonies that concern no person yet, and which of them may be about a given person.

A testimony is recorded without a person when its videos were imported from a channel
(``amanat import FOLDER``: the title and the channel are known, the person it is about
is not). Until a reviewer links it (``testimony.linked``), it is on no person's page:
its consent cannot be changed there, and it counts towards no case. ``unlinked`` lists
them, best first for the person the reviewer is looking at: a title that names the
person (in any script: "Serikzhan Bilash" in a title finds Серікжан Білаш, and
"Білаштың", the name with a case ending, finds Bilash) comes before one that does not.

The comparison uses the names module's word keys (``query_keys``: each word's spelling
folded to Latin letters, ``token``, and its sound, ``ptoken``). A key of the person's
names matches a key of the title it begins (Kazakh and Uyghur add endings to names);
sounds shorter than ``MIN_SOUND`` symbols (one or two consonants are shared by
thousands of words) and spellings shorter than ``MIN_SPELLING`` (an initial) are left
out.

A video can be about two persons (a mother speaking of her husband and her son). So the
list also offers a testimony already about other persons, with their names, when its
title names this person or holds the words typed; never one already on this person's
page (``linkable`` says which may be linked).

For a channel of hundreds of videos, ``to_link`` gives every testimony linked to no one
with the one person whose names its title holds most, if one stands out (the list
``amanat testimonies unlinked`` writes), and ``link_facts`` what a filled-in list is
checked against: which testimonies are recorded, whom each is about already, and under
which id each person record is shown.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Boolean, Connection, and_, bindparam, func, or_, select, union

from amanat.names import query_keys
from amanat.views import schema as s

__all__ = [
    "MIN_SOUND",
    "SUGGEST_AT",
    "LinkFacts",
    "ToLink",
    "Unlinked",
    "link_facts",
    "linkable",
    "name_words",
    "title_score",
    "to_link",
    "unlinked",
]

MIN_SOUND = 3  # the shortest sound of a word that counts ("blx" for Bilash)
MIN_SPELLING = 2  # the shortest spelling that counts (Li, not an initial)
SHOWN = 50  # the most testimonies a page lists


# The least a suggestion needs: one word of a name spelled and sounding alike (3), or
# two words spelled alike (short names, Dirya Nurya, have sounds too short to count).
SUGGEST_AT = 3
# A name word of at least this many letters spelled at the start of a title word names
# the person by itself: a surname with a case ending (Жылқыбаевтың, "Zhylkybayev's"),
# whose sound the ending changes.
LONG_SPELLING = 6


def names_the_person(spelled: int, score: int, longest: int) -> bool:
    """Whether a title names a person, from the person's name words it holds: two spelled
    alike, a word spelled and sounding alike (``SUGGEST_AT``), or one long word spelled
    alike. A sound alone is not enough: "A relative speaks" sounds like Lirat."""
    return spelled >= 2 or score >= SUGGEST_AT or longest >= LONG_SPELLING


@dataclass(frozen=True)
class Unlinked:
    """One testimony that may be linked to the person, with how well its title matches."""

    testimony_id: str
    title: str
    channel: str
    uploaded: str
    url: str
    language: str
    n_media: int
    time: str
    consent: str
    score: int  # how much of the names (or of the words typed) the title holds: 0 is none
    about: tuple[str, ...] = ()  # the names of the persons it is about already (none: ())
    # whether the title names the person, as the list of links would suggest them: one
    # word spelled and sounding alike, or two spelled alike; a sound alone is not enough
    # ("A relative speaks" sounds like Lirat, and names no one)
    names: bool = False


def name_words(names: Iterable[str]) -> frozenset[tuple[str, str]]:
    """The word keys of ``names``: (kind, key) for each word's spelling and its sound."""
    out: set[tuple[str, str]] = set()
    for name in names:
        for key in query_keys(name):
            if key.kind == "token" and len(key.key) >= MIN_SPELLING:
                out.add(("token", key.key))
            elif key.kind == "ptoken" and len(key.key) >= MIN_SOUND:
                out.add(("ptoken", key.key))
    return frozenset(out)


@functools.lru_cache(maxsize=65_536)
def _title_beginnings(title: str) -> frozenset[tuple[str, str]]:
    """Every beginning of every word key of ``title`` (at least as long as the shortest
    key that counts), so that a name's key is matched by one look-up. A title's keys do
    not change; a desk with thousands of imported videos reads them again for every
    person a reviewer opens."""
    out: set[tuple[str, str]] = set()
    for kind, key in name_words([title]):
        least = MIN_SOUND if kind == "ptoken" else MIN_SPELLING
        out.update((kind, key[:n]) for n in range(least, len(key) + 1))
    return frozenset(out)


def title_score(wanted: frozenset[tuple[str, str]], title: str) -> int:
    """How much of the ``wanted`` words the title holds: 2 for each sound that begins a
    word of the title, 1 for each spelling (a word written alike scores both)."""
    return title_match(wanted, title)[1]


def title_match(wanted: frozenset[tuple[str, str]], title: str) -> tuple[int, int, int]:
    """How many of the ``wanted`` spellings begin a word of the title, ``title_score``,
    and the letters of the longest such spelling."""
    if not wanted or not title:
        return 0, 0, 0
    have = _title_beginnings(title)
    held = [(kind, key) for kind, key in wanted if (kind, key) in have]
    spelled = [len(key) for kind, key in held if kind == "token"]
    score = sum(2 if kind == "ptoken" else 1 for kind, _ in held)
    return len(spelled), score, max(spelled, default=0)


def _external(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _no_one() -> Any:
    """The testimonies no person's record lists, and no standing claim cites. (Two
    lists read once, not a subquery per testimony: claims have no index by source.)"""
    t, tp, cl = s.testimonies, s.testimony_persons, s.claims
    cited = select(cl.c.source_id).where(
        cl.c.source_kind == "testimony", cl.c.retracted_by.is_(None)
    )
    return and_(t.c.testimony_id.not_in(select(tp.c.testimony_id)), t.c.testimony_id.not_in(cited))


def linkable(conn: Connection, testimony_id: str, page: Collection[str]) -> bool:
    """Whether ``testimony_id`` is a recorded testimony that may be linked to a person
    whose page lists the testimonies ``page``: any not listed there."""
    t = s.testimonies
    if testimony_id in page:
        return False
    found = conn.execute(select(t.c.testimony_id).where(t.c.testimony_id == testimony_id))
    return found.first() is not None


def _about_pairs(conn: Connection, ids: Sequence[str]) -> Any:
    """(testimony, person shown) for each testimony of ``ids`` and each person it is
    already about (listed by it, or cited by a standing claim), a merged record under
    the person it is in: a subquery of two columns."""
    tp, cl, a = s.testimony_persons, s.claims, s.aliases
    pairs = union(
        select(tp.c.testimony_id, tp.c.person_id).where(tp.c.testimony_id.in_(ids)),
        select(cl.c.source_id, cl.c.person_id).where(
            cl.c.source_kind == "testimony",
            cl.c.source_id.in_(ids),
            cl.c.retracted_by.is_(None),
        ),
    ).subquery()
    shown = func.coalesce(a.c.person_id, pairs.c[1])
    return (
        select(pairs.c[0].label("testimony_id"), shown.label("person_id"))
        .select_from(pairs)
        .outerjoin(a, a.c.alias_id == pairs.c[1])
        .distinct()
        .subquery()
    )


def _about(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The names of the persons each testimony of ``ids`` is already about."""
    if not ids:
        return {}
    pairs, p = _about_pairs(conn, ids), s.persons
    rows = conn.execute(
        select(pairs.c.testimony_id, p.c.display_name)
        .join(p, p.c.person_id == pairs.c.person_id)
        .order_by(pairs.c.testimony_id, p.c.display_name)
    ).all()
    out: dict[str, list[str]] = {}
    for testimony_id, name in rows:
        out.setdefault(testimony_id, []).append(name)
    return {k: tuple(v) for k, v in out.items()}


@dataclass(frozen=True)
class LinkFacts:
    """What the views know of the testimonies and persons a list of links names."""

    testimonies: frozenset[str]  # those recorded
    shown: dict[str, str]  # each person record known, and the id it is shown under
    about: dict[str, frozenset[str]]  # each testimony's persons already (ids shown)


def link_facts(
    conn: Connection, testimony_ids: Collection[str], person_ids: Collection[str]
) -> LinkFacts:
    """Which of ``testimony_ids`` are recorded testimonies and whom they are about
    already, and under which id each of ``person_ids`` is shown (a record merged into
    another person, under that person); read in chunks, for lists of any length."""
    t, p, a = s.testimonies, s.persons, s.aliases
    known: set[str] = set()
    about: dict[str, set[str]] = {}
    shown: dict[str, str] = {}
    for chunk in _chunks(sorted(testimony_ids)):
        known.update(
            conn.execute(select(t.c.testimony_id).where(t.c.testimony_id.in_(chunk))).scalars()
        )
        pairs = _about_pairs(conn, chunk)
        for testimony_id, person_id in conn.execute(
            select(pairs.c.testimony_id, pairs.c.person_id)
        ):
            about.setdefault(testimony_id, set()).add(person_id)
    for chunk in _chunks(sorted(person_ids)):
        shown.update(
            (pid, pid)
            for pid in conn.execute(select(p.c.person_id).where(p.c.person_id.in_(chunk))).scalars()
        )
        rows = conn.execute(select(a.c.alias_id, a.c.person_id).where(a.c.alias_id.in_(chunk)))
        shown.update((alias, pid) for alias, pid in rows)
    return LinkFacts(frozenset(known), shown, {k: frozenset(v) for k, v in about.items()})


def _chunks(ids: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    """``ids`` a few hundred at a time: a statement's parameters are limited (SQLite
    allows 32,766, and each is a round of its own in a long IN list)."""
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def unlinked(
    conn: Connection,
    *,
    names: Sequence[str] = (),
    words: str = "",
    page: Collection[str] = (),
    limit: int = SHOWN,
) -> tuple[int, list[Unlinked]]:
    """How many testimonies concern no person, and up to ``limit`` that may be linked
    to a person whose page lists the testimonies ``page``: those whose title holds the
    ``words`` typed (when any) or else the person's ``names`` first, then the newest.
    With ``words``, only the titles that hold them are listed. A testimony already
    about other persons is listed only when its title holds the words or the names."""
    t = s.testimonies
    no_one = _no_one()
    rows = conn.execute(
        select(
            t.c.testimony_id,
            t.c.title,
            t.c.external,
            t.c.language,
            t.c.n_media,
            t.c.time,
            t.c.consent,
            no_one.label("no_one"),
        )
        .where(or_(no_one, and_(t.c.title != "", t.c.testimony_id.not_in(list(page)))))
        .order_by(t.c.time.desc(), t.c.testimony_id)
    ).all()
    typed = name_words([words]) if words.strip() else frozenset()
    wanted = typed or name_words(names)
    found: list[Unlinked] = []
    elsewhere: set[str] = set()  # those already about other persons
    total = 0
    for row in rows:
        total += bool(row.no_one)
        spelled, score, longest = title_match(wanted, row.title)
        naming = not typed and names_the_person(spelled, score, longest)
        if typed and not score:
            continue
        if not typed and not row.no_one and not naming:
            continue
        if not row.no_one:
            elsewhere.add(row.testimony_id)
        external = _external(row.external)
        found.append(
            Unlinked(
                testimony_id=row.testimony_id,
                title=row.title,
                channel=str(external.get("channel", "")),
                uploaded=str(external.get("uploaded", "")),
                url=str(external.get("url", "")),
                language=row.language or "",
                n_media=row.n_media,
                time=row.time,
                consent=row.consent,
                score=score,
                names=naming,
            )
        )
    # the titles that name the person first, then by how much of the names (or words)
    # they hold; newest first within a score (the query's order; sorted() keeps it)
    found = sorted(found, key=lambda u: (not u.names, -u.score))[:limit]
    about = _about(conn, [u.testimony_id for u in found if u.testimony_id in elsewhere])
    found = [replace(u, about=about.get(u.testimony_id, ())) for u in found]
    return total, found


# -- the list to fill in: every testimony linked to no one, with a person suggested -------


@dataclass(frozen=True)
class ToLink:
    """A testimony linked to no one, and the person its title names best, if one does."""

    testimony_id: str
    title: str
    channel: str
    uploaded: str
    url: str
    time: str
    person_id: str = ""  # the one person whose names the title holds most ("" if none)
    name: str = ""  # that person's name as shown
    alike: int = 0  # how many persons' names the title holds as much, when none stands out


def to_link(conn: Connection, progress: Callable[[int, int], object] | None = None) -> list[ToLink]:
    """Every testimony linked to no one, in the order it was published (the day of
    upload, those without one last, then the order they were recorded in), each with
    the person whose names its title holds most (``_named_by``: the title's word keys
    looked up among every person's word keys in ``search_keys``), when one person
    stands out and the title names that person (``names_the_person``). A suggestion is
    a name the title holds, never a decision: someone who watched the video says whom
    it is about. ``progress(done, of)`` is called after each testimony."""
    t = s.testimonies
    rows = conn.execute(
        select(t.c.testimony_id, t.c.title, t.c.external, t.c.time)
        .where(_no_one())
        .order_by(t.c.time, t.c.testimony_id)
    ).all()
    found: list[ToLink] = []
    for row in rows:
        external = _external(row.external)
        item = ToLink(
            testimony_id=row.testimony_id,
            title=row.title,
            channel=str(external.get("channel", "")),
            uploaded=str(external.get("uploaded", "")),
            url=str(external.get("url", "")),
            time=row.time,
        )
        found.append(_suggested(conn, item))
        if progress is not None:
            progress(len(found), len(rows))
    return sorted(found, key=lambda x: (not x.uploaded, x.uploaded))


def _suggested(conn: Connection, item: ToLink) -> ToLink:
    scores = _named_by(conn, item.title)
    best = max(scores.values(), default=(0, 0, 0, 0))
    top = [pid for pid, score in scores.items() if score == best]
    if not names_the_person(best[0], best[1], best[3]):
        return item
    if len(top) > 1:
        return replace(item, alike=len(top))
    p = s.persons
    name = conn.execute(select(p.c.display_name).where(p.c.person_id == top[0])).scalar()
    return replace(item, person_id=top[0], name=name or "")


def _named_by(conn: Connection, title: str) -> dict[str, tuple[int, int, int, int]]:
    """Each person some of whose name words begin a word of ``title``, with how much of
    the title the person's names hold, as a triple to compare persons by: first the
    title's word keys a spelling of the person's names begins (a sound alone is often
    a common word's: "Lirat" and "relative" sound alike to the key), then
    ``title_score``'s measure (2 for a sound, 1 for a spelling), then the letters
    matched (Saerya before Saer, for "Saerya"), then the letters of the longest word
    spelled alike (for ``names_the_person``). Each title key counts once however many
    of the person's names begin it, so that a person recorded under many spellings is
    not preferred for that."""
    wanted = name_words([title]) if title else frozenset()
    begun: dict[str, list[tuple[str, str]]] = {}  # a beginning -> the title keys it begins
    for kind, key in wanted:
        least = MIN_SOUND if kind == "ptoken" else MIN_SPELLING
        for n in range(least, len(key) + 1):
            begun.setdefault(key[:n], []).append((kind, key))
    if not begun:
        return {}
    k = s.search_keys
    bits = {"token": s.kind_bit("token"), "ptoken": s.kind_bit("ptoken")}
    matched: dict[str, dict[tuple[str, str], int]] = {}  # person -> title key -> letters
    # "=" and not "IS": an equality the index serves on both databases
    word = k.c.word == bindparam(None, True, Boolean)
    for chunk in _chunks(sorted(begun)):
        rows = conn.execute(
            select(k.c.person_id, k.c.key, k.c.kinds).where(word, k.c.key.in_(chunk))
        )
        for person_id, key, kinds in rows:
            mine = matched.setdefault(person_id, {})
            for kind, title_key in begun[key]:
                if kinds & bits[kind]:
                    mine[(kind, title_key)] = max(mine.get((kind, title_key), 0), len(key))
    return {
        person_id: (
            sum(kind == "token" for kind, _ in keys),
            sum(2 if kind == "ptoken" else 1 for kind, _ in keys),
            sum(keys.values()),
            max((n for (kind, _), n in keys.items() if kind == "token"), default=0),
        )
        for person_id, keys in matched.items()
        if keys
    }
