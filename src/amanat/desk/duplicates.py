"""Finding the persons recorded twice on a desk: the linkage model over the views.

Every person the views show becomes one linkage record per name it is recorded under
(``<person_id>#<n>``; a man recorded as Серікжан Білаш and 赛力克江 is two records with
the same birth, ID, hometown and date of detention), so a name in any of his scripts
can meet the other person's. A label recorded as a name (a digit and fewer than two
words without one: a case number, the demo's DEMO-13) is left out (``names.is_label``):
two men with case numbers "AJ-0114" and "AJ-0342" would otherwise share the name "aj". The model's
pairs are folded back to pairs of persons (the strongest pair of their records counts)
and stored in the views' ``link_candidates``: computed data, never sealed, replaced at
each run.

Nothing is merged here. Pairs above the automatic threshold are *proposed links*
(``link``), the doubtful band goes to the review queue (``review``); a reviewer's
decision is what seals a merge (``Desk.decide``). Decisions already in force go to
linking (``linkage.Decision``): a pair decided different is never proposed again (a
*same* has merged its records, so they are one person here, and train nothing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from amanat import linkage
from amanat.linkage.settings import Decision, LinkSettings
from amanat.names import is_label
from amanat.views import read
from amanat.views import schema as s
from amanat.views.project import Candidate

if TYPE_CHECKING:
    from amanat.linkage.link import LinkResult

__all__ = ["MODEL", "candidate_pairs", "linkage_records", "person_records"]

MODEL = "amanat-linkage-1"
# what separates the writings of ``other_names``, inside one writing
_NOT_BETWEEN = str.maketrans({";": ",", "|": ",", "\n": " ", "\r": " "})
Progress = Callable[[str, int, int], None]


def _year_or_date(earliest: str | None, latest: str | None) -> str:
    if not earliest:
        return ""
    if earliest == latest:
        return earliest
    return earliest[:4] if earliest[:4] == (latest or "")[:4] else ""


def linkage_records(conn: Connection) -> list[dict[str, Any]]:
    """One linkage record per (shown person, recorded name), with the first date the
    person is known to have been taken (detained, disappeared or sent to a camp: the
    event that surely came first, the more precise of two that may have) as
    ``detained``."""
    return [
        {**facts, "record_id": f"{pid}#{k}", "name": name}
        for pid, names, facts in _persons(conn)
        for k, name in enumerate(names)
    ]


def person_records(conn: Connection) -> list[dict[str, Any]]:
    """One linkage record per shown person (``record_id`` its person id), its first
    recorded name as ``name`` and the others as ``other_names`` (``; `` between
    them), the rest as ``linkage_records``: the desk's persons for ``amanat link
    --desk``, each met through every writing of their name."""
    return [
        {
            **facts,
            "record_id": pid,
            "name": names[0],
            "other_names": "; ".join(n.translate(_NOT_BETWEEN) for n in names[1:]),
        }
        for pid, names, facts in _persons(conn)
    ]


def _persons(conn: Connection) -> list[tuple[str, list[str], dict[str, str]]]:
    """Each shown person: id, the names recorded (labels left out; the display name
    if none is left), and the other fields linkage reads."""
    p = s.persons
    names: dict[str, list[str]] = {}
    n = s.names
    for pid, text in conn.execute(
        select(n.c.person_id, n.c.text).order_by(n.c.person_id, n.c.claim_id)
    ):
        if text not in names.setdefault(pid, []) and not is_label(text):
            names[pid].append(text)
    ids: dict[str, str] = {}
    i = s.identifiers
    for pid, number in conn.execute(
        select(i.c.person_id, i.c.number)
        .where(i.c.kind == "cn_resident_id")
        .order_by(i.c.person_id, i.c.claim_id)
    ):
        ids.setdefault(pid, number)
    relatives: dict[str, str] = {}
    r = s.relatives
    for pid, name in conn.execute(
        select(r.c.person_id, r.c.name).where(r.c.name.is_not(None)).order_by(r.c.person_id)
    ):
        relatives.setdefault(pid, name)
    taken = {
        pid: earliest if earliest == latest else f"{earliest}..{latest}"
        for pid, (_, earliest, latest) in read.first_taken(conn).items()
    }
    out: list[tuple[str, list[str], dict[str, str]]] = []
    for row in conn.execute(
        select(
            p.c.person_id,
            p.c.display_name,
            p.c.sex,
            p.c.birth_earliest,
            p.c.birth_latest,
            p.c.hometown_code,
            p.c.hometown_text,
        ).order_by(p.c.person_id)
    ):
        pid = row.person_id
        county = row.hometown_code if (row.hometown_code or "")[:1].isdigit() else ""
        shown = row.display_name if not is_label(row.display_name or "") else ""
        facts = {
            "source": "desk",
            "birth": _year_or_date(row.birth_earliest, row.birth_latest),
            "sex": row.sex or "",
            "resident_id": ids.get(pid, ""),
            "county_code": county,
            "hometown": "" if county else (row.hometown_text or ""),
            "relative_name": relatives.get(pid, ""),
            "detained": taken.get(pid, ""),
        }
        out.append((pid, names.get(pid) or [shown], facts))
    return out


def _person(record_id: str) -> str:
    return record_id.split("#", 1)[0]


def _decisions(conn: Connection, shown: set[str]) -> list[Decision]:
    """Decisions in force between two shown persons, as linkage decisions on their
    first records (a *same* decision has merged them already, so only *different*
    ones reach here in practice). None is marked ``proposed``: with the *same* ones
    merged away they are no sample of the links, and nothing here links by itself, so
    they never raise the automatic threshold."""
    out = []
    for d in read.decisions_in_force(conn):
        a, b = read.resolve(conn, d["a"]), read.resolve(conn, d["b"])
        if a is None or b is None or a == b or a not in shown or b not in shown:
            continue
        out.append(Decision(f"{a}#0", f"{b}#0", d["decision"]))
    return out


def _decided_persons(conn: Connection) -> set[tuple[str, str]]:
    """The pairs of shown persons with a decision in force between two of their records."""
    out = set()
    for d in read.decisions_in_force(conn):
        a, b = read.resolve(conn, d["a"]), read.resolve(conn, d["b"])
        if a is not None and b is not None and a != b:
            out.add((min(a, b), max(a, b)))
    return out


def candidate_pairs(
    conn: Connection,
    *,
    settings: LinkSettings | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> tuple[list[Candidate], LinkResult | None]:
    """The pairs of shown persons the model proposes (outcome ``link`` or ``review``),
    strongest pair of their records each; ([], None) with fewer than two persons."""
    records = linkage_records(conn)
    shown = {_person(r["record_id"]) for r in records}
    if len(shown) < 2:
        return [], None
    result = linkage.link_records(  # DuckDB and Splink load here, on first use
        records, decisions=_decisions(conn, shown), settings=settings, progress=progress
    )
    when = (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    decided = _decided_persons(conn)
    best: dict[tuple[str, str], tuple[float, str]] = {}
    for pair in [*result.links(), *result.review()]:
        if pair.decided:
            continue
        a, b = sorted((_person(pair.record_a), _person(pair.record_b)))
        if a == b or (a, b) in decided:  # a reviewer has spoken on these two
            continue
        if (a, b) not in best or pair.probability > best[(a, b)][0]:
            best[(a, b)] = (pair.probability, pair.outcome)
    found = [
        Candidate(a, b, round(prob, 6), outcome, MODEL, when)
        for (a, b), (prob, outcome) in sorted(best.items())
    ]
    return found, result
