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
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, union

from amanat.names import query_keys
from amanat.views import schema as s

__all__ = [
    "MIN_SOUND",
    "Unlinked",
    "linkable",
    "name_words",
    "title_score",
    "unlinked",
]

MIN_SOUND = 3  # the shortest sound of a word that counts ("blx" for Bilash)
MIN_SPELLING = 2  # the shortest spelling that counts (Li, not an initial)
SHOWN = 50  # the most testimonies a page lists


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
    if not wanted or not title:
        return 0
    have = _title_beginnings(title)
    return sum(2 if kind == "ptoken" else 1 for kind, key in wanted if (kind, key) in have)


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


def _about(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The names of the persons each testimony of ``ids`` is already about (listed by
    it, or cited by a standing claim), a merged record under the person it is in."""
    if not ids:
        return {}
    tp, cl, p, a = s.testimony_persons, s.claims, s.persons, s.aliases
    pairs = union(
        select(tp.c.testimony_id, tp.c.person_id).where(tp.c.testimony_id.in_(ids)),
        select(cl.c.source_id, cl.c.person_id).where(
            cl.c.source_kind == "testimony",
            cl.c.source_id.in_(ids),
            cl.c.retracted_by.is_(None),
        ),
    ).subquery()
    shown = func.coalesce(a.c.person_id, pairs.c[1])
    rows = conn.execute(
        select(pairs.c[0], p.c.display_name)
        .select_from(pairs)
        .outerjoin(a, a.c.alias_id == pairs.c[1])
        .join(p, p.c.person_id == shown)
        .distinct()
        .order_by(pairs.c[0], p.c.display_name)
    ).all()
    out: dict[str, list[str]] = {}
    for testimony_id, name in rows:
        out.setdefault(testimony_id, []).append(name)
    return {k: tuple(v) for k, v in out.items()}


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
        score = title_score(wanted, row.title)
        if (typed or not row.no_one) and not score:
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
            )
        )
    # newest first within a score (the query's order; sorted() keeps it)
    found = sorted(found, key=lambda u: -u.score)[:limit]
    about = _about(conn, [u.testimony_id for u in found if u.testimony_id in elsewhere])
    found = [replace(u, about=about.get(u.testimony_id, ())) for u in found]
    return total, found
