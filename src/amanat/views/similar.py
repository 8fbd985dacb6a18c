"""Persons who "may already be recorded": the ones that look like one being typed at intake.

A volunteer types a name, a resident ID number or a hometown; before a second record
of the same person is made, the wizard shows the closest persons already in the
views. Evidence, strongest first:

- the same resident ID number (``id``), or one that differs in a single character
  anywhere (``id_one_off``: a digit mistyped), or by two neighbours swapped
  (``id_swapped``: ...5119... typed ...1519...; two such numbers agree on at least two of
  their three six-digit thirds, the key linkage blocks on, so one pass over the numbers
  finds them: about 30 ms for 150,000 numbers in SQLite; a swap across the border of two
  thirds, digits 6 and 7 or 12 and 13, is looked up as the number swapped back);
- a name sharing keys with a typed name, in any script (``name``, scored as
  ``read.search`` scores it);
- the same hometown county, or prefecture (``hometown``), and a birth year within one
  (``birth``): these only raise a person already found by name or number, since a
  county and a year alone are shared by thousands (a hometown alone lists no one).

Only what a volunteer needs to recognise a person is returned (the name that matched,
birth, hometown, how many testimonies); the page decides what to show.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, case, func, literal, or_, select

from amanat.records.ids import FULL_WIDTH
from amanat.records.places import builtin_gazetteer
from amanat.views import schema as s
from amanat.views.read import closest_form, first_taken, name_hits

__all__ = ["Candidate", "candidates"]

ID_SCORE = 300
ID_ONE_OFF_SCORE = 150
HOMETOWN_SCORE = 25
PREFECTURE_SCORE = 10
BIRTH_SCORE = 25
MIN_NAME_SCORE = 60  # one shared word in spelling at least (KIND_WEIGHTS["token"])
_WORDS = re.compile(r"\w+")
PER_NAME = 30  # persons read per typed name before the other evidence is weighed


@dataclass(frozen=True)
class Candidate:
    person_id: str
    name: str  # the name shown for the person
    matched: str | None  # the recorded name closest to a typed one
    birth: str | None
    hometown: str | None
    n_testimonies: int
    reasons: tuple[str, ...]  # id, id_one_off, id_swapped, name, hometown, prefecture, birth
    score: int
    taken: str | None = None  # when first taken, as said (detained, disappeared, a camp)


def _normal_id(text: str) -> str:
    return "".join(text.translate(FULL_WIDTH).split()).replace("-", "").upper()


def _id_matches(conn: Connection, number: str) -> dict[str, str]:
    """person_id -> "id" or "id_one_off" for a typed 18-character resident ID."""
    i = s.identifiers
    found: dict[str, str] = {}
    for pid in conn.execute(select(i.c.person_id).where(i.c.number == number)).scalars():
        found[pid] = "id"
    if len(number) == 18:
        third = func.substr  # 1-based, as SQL counts
        near = conn.execute(
            select(i.c.person_id, i.c.number).where(
                func.length(i.c.number) == 18,
                or_(
                    third(i.c.number, 1, 12) == number[:12],
                    third(i.c.number, 7, 12) == number[6:],
                    and_(
                        third(i.c.number, 1, 6) == number[:6],
                        third(i.c.number, 13, 6) == number[12:],
                    ),
                    # a swap across the border of two thirds changes two of them
                    i.c.number.in_([_swap(number, 5), _swap(number, 11)]),
                ),
            )
        )
        for pid, other in near:
            if len(other) != 18:
                continue
            apart = [k for k, (x, y) in enumerate(zip(other, number, strict=True)) if x != y]
            if len(apart) == 1:
                found.setdefault(pid, "id_one_off")
            elif _swapped(other, number, apart):
                found.setdefault(pid, "id_swapped")
    return found


@functools.lru_cache(maxsize=4096)
def _named(text: str | None) -> str:
    """The code of the division a hometown in words names ("" if none or unclear)."""
    if not text:
        return ""
    return builtin_gazetteer().code_named(text[:200])


def _swap(number: str, at: int) -> str:
    """``number`` with its characters ``at`` and ``at + 1`` (0-based) swapped."""
    return number[:at] + number[at + 1] + number[at] + number[at + 2 :]


def _swapped(a: str, b: str, apart: list[int]) -> bool:
    """Whether two numbers differ only by two neighbouring characters swapped (…5119…
    typed …1519…), the commonest slip after a single wrong digit."""
    return (
        len(apart) == 2
        and apart[1] == apart[0] + 1
        and a[apart[0]] == b[apart[1]]
        and a[apart[1]] == b[apart[0]]
    )


def candidates(
    conn: Connection,
    *,
    names: Sequence[str] = (),
    id_number: str = "",
    county: str = "",
    birth_year: int | None = None,
    limit: int = 5,
) -> list[Candidate]:
    """The persons most like the one described, best first; [] when nothing is close."""
    scores: dict[str, int] = {}
    reasons: dict[str, list[str]] = {}
    number = _normal_id(id_number)
    if number:
        for pid, why in _id_matches(conn, number).items():
            scores[pid] = ID_SCORE if why == "id" else ID_ONE_OFF_SCORE  # one off, swapped
            reasons[pid] = [why]
    typed = [n for n in names if n.strip()]
    by_name: dict[str, int] = {}
    p = s.persons
    # A common name is shared by hundreds: the persons read for it are the best by name
    # and by what else was typed (birth year, county), so that the Nurlan born in the
    # year typed is among them, not the first thirty Nurlans of any age.
    bonus: ColumnElement[int] = literal(0)
    if birth_year is not None:
        years = [str(y) for y in (birth_year - 1, birth_year, birth_year + 1)]
        bonus = bonus + case(
            (func.substr(p.c.birth_earliest, 1, 4).in_(years), BIRTH_SCORE), else_=0
        )
    if county:
        bonus = bonus + case(
            (p.c.hometown_code == county, HOMETOWN_SCORE),
            (p.c.prefecture_code == county[:4] + "00", PREFECTURE_SCORE),
            else_=0,
        )
    for name in typed:
        hits = name_hits(name)
        if hits is None:
            continue
        scored = hits.subquery("scored")
        top = conn.execute(
            select(scored.c.person_id, scored.c.score)
            .join(p, p.c.person_id == scored.c.person_id)
            .where(scored.c.score >= MIN_NAME_SCORE)
            .order_by((scored.c.score + bonus).desc(), scored.c.person_id)
            .limit(PER_NAME)
        )
        for pid, score in top:
            if "name" not in reasons.setdefault(pid, []):
                reasons[pid].append("name")
            scores[pid] = max(scores.get(pid, 0), int(score) + scores.get(pid, 0) // 2)
            by_name[pid] = max(by_name.get(pid, 0), int(score))
    if not scores:
        return []
    rows = {
        r.person_id: r
        for r in conn.execute(
            select(
                p.c.person_id,
                p.c.display_name,
                p.c.birth,
                p.c.birth_earliest,
                p.c.hometown_code,
                p.c.hometown_text,
                p.c.prefecture_code,
                p.c.n_testimonies,
            ).where(p.c.person_id.in_(list(scores)))
        )
    }
    prefecture = county[:4] + "00" if county[:4].isdigit() else ""
    for pid, r in rows.items():
        # a hometown recorded in words is read as the division it names (Ghulja: 654002)
        code = r.hometown_code or (_named(r.hometown_text) if county else "")
        if county and code == county:
            scores[pid] += HOMETOWN_SCORE
            reasons[pid].append("hometown")
        elif prefecture and (r.prefecture_code or code[:4] + "00") == prefecture:
            scores[pid] += PREFECTURE_SCORE
            reasons[pid].append("prefecture")
        year = (r.birth_earliest or "")[:4]
        if birth_year is not None and year.isdigit() and abs(int(year) - birth_year) <= 1:
            scores[pid] += BIRTH_SCORE
            reasons[pid].append("birth")
    if max((len(_WORDS.findall(n)) for n in typed), default=0) >= 2:
        # Two words or more typed, and one of them alike is all a person shares, with no
        # year, place or number to go with it: at 50,000 persons every new two-word name
        # filled the list with namesakes of its first word, and volunteers learn to look
        # past a list that is always full.
        for pid in [
            pid
            for pid in rows
            if reasons[pid] == ["name"] and by_name.get(pid, 0) < 2 * MIN_NAME_SCORE
        ]:
            del rows[pid]
    best = sorted(rows, key=lambda pid: (-scores[pid], pid))[: max(1, limit)]
    if not best:
        return []
    n = s.names
    recorded: dict[str, list[tuple[str, str]]] = {}
    for pid, text, script in conn.execute(
        select(n.c.person_id, n.c.text, n.c.script)
        .where(n.c.person_id.in_(best))
        .order_by(n.c.person_id, n.c.claim_id)
    ):
        recorded.setdefault(pid, []).append((text, script))
    taken = first_taken(conn, best)
    out = []
    for pid in best:
        r = rows[pid]
        matched = closest_form(typed, recorded.get(pid, []))
        out.append(
            Candidate(
                person_id=pid,
                name=r.display_name,
                matched=matched,
                birth=r.birth,
                hometown=r.hometown_code or r.hometown_text,
                n_testimonies=r.n_testimonies,
                reasons=tuple(reasons[pid]),
                score=scores[pid],
                taken=taken[pid][0] if pid in taken else None,
            )
        )
    return out
