"""Blocking: which pairs of records are worth comparing at all.

Comparing every pair of 1,000,000 records is 5 x 10^11 comparisons; blocking keeps the
pairs that share at least one *key* and pass their rule's filter. Each rule turns a
record into keys (a record may have several: one per name reading, per word, per part
of its ID); the keys go into one narrow table of 64-bit hashes and the pairs are an
equality join on it. Splink then scores exactly these pairs
(``register_blocked_pairs_for_predict``).

The rules (``RULES``):

``name``
    the same sound of the whole name (any reading: a name in Chinese characters has
    several), born within two years of each other, of the same sex and prefecture
    (where both are known); for keys shared by more than 1,000 records (the common
    names), born the same year (300 until names 1.3: 1,000 found 1.3 % more of the
    true pairs at a million records for 2.5 million more pairs);
``sound_typo``
    the sound of the whole name (any reading) with at most one symbol left out on each
    side, for sounds of five symbols or more: one mistyped, dropped or added letter
    ("Нұрланова Аар" and "Анар Нұрлан", "Бейбитов Еболь" and "Erbol Beybitov"), with
    the ``name`` rule's filter (the same year above 20 records);
``word_pair``
    two words of the name beginning alike (the first three letters of their phonetic
    keys: catches -ov against -uly, a patronymic added, spelling variants), with the
    same filter (the same year above 200 records);
``word_day``
    one word of the name sounding alike and the same birth date;
``word_initial_year``
    one word sounding alike, another beginning with the same letter, and the same
    birth year (a name with one word mistyped: "Karlygash Zholdasbek" and
    "Карпыгаш Жолдасбек"); for keys shared by more than 20 records, the same
    prefecture too;
``word_county_year``
    one word sounding alike, the same county and the same birth year (a name with one
    word the same and the other different: a father's name given as surname in one
    list, a husband's in another);
``name_no_birth``
    the same sound of the whole name and the same prefecture, when one of the two
    records has no birth date at all (the ``name`` rule's filter cannot tell such a
    record from a namesake of another age in a common name's block);
``word``
    one word of the name sounding alike, with the ``name`` rule's filter, for the
    rarest words first within a fixed budget of pairs (``WORD_BUDGET``, counted before
    the filter): a name whose other words all differ ("Нурлан Омирбек" and "Nurlan
    Bilash": a father's name in one list, a family name in the other), or with no
    birth date or place to join on. A list of 100,000 records spends the budget on
    nearly every word (blocking recall 0.967 -> 0.993); at a million, only the rarer
    words fit (0.955 -> 0.958), so the cost stays fixed (about 11 million more pairs
    and 15 s) instead of growing with the square of the list;
``word_detained``
    one word sounding alike and the same month of detention (records that give it to
    the month or the day), with the ``name`` rule's filter: a name with one word
    changed and no birth date to join on (at 1,000,000 generated records: 3.6 million
    more pairs, 4,500 more of the true ones);
``relative``
    a relative's name alike (its sound or its sorted words), with the ``name`` rule's
    filter: the same wife or son named in two lists, whatever the person's own name
    became (at 1,000,000 generated records: 0.7 million more pairs, 3,900 more of the
    true ones, most with only one word of the name alike);
``rare_typo``
    a rare sound of the whole name (any reading; shared by at most ``RARE`` records of
    the list) and another sound one symbol away (one left out on each side), with the
    ``name`` rule's filter: a mistyped name is rare, so it may meet every record of the
    name it was mistyped from, while two records of one common name (which ``name``
    and ``sound_typo`` join only within a birth year) or of two common names one letter
    apart (Turgan, Turan) are not paired here. "Serik Turgehan" without a birth year
    meets the Serik Turgans of every age, at about 190 pairs for each true one (at
    1,000,000 generated records: 1.3 million more pairs, 6,800 more true ones; 0.967
    -> 0.973 blocking recall);
``rare_form_typo``
    the same for the name's first written form (its words sorted, in Latin letters),
    where the sound merges too much to be rare ("Arman Ayjan" and "Aran Ayjan" sound
    alike to many names): 80,000 more pairs, 1,500 more true ones at a million;
``resident_id``
    the ID with one of its three six-digit thirds left out: two numbers that differ in
    one digit (or two neighbouring ones within a third) agree on at least two thirds;
    and the ID with digits 6 and 7, or 12 and 13, put in order: two neighbours swapped
    across the border of two thirds;
``day_place``
    the same birth date and prefecture (names the name keys cannot bring together).

A second pass (``through_pairs``) runs after the rules' pairs are scored: two records
that each have a probable pair with one third record are compared too, if the rules
did not pair them. Three records of one person written three ways ("Серікжан Білаш",
"Serikzhan Bilash, born 1974", "赛力克江 别拉什, born 1974") often share keys two by two
only: the two scripts' records meet through the third. Scored, their own pair joins
them even when a link through the third is not made, and the review shows it.

The filter is what keeps a million records affordable: two records of one name born
twenty years apart are two persons, and comparing them would cost as much as comparing
a true pair (measured at 1,000,000 generated records: the ``name`` rule gave 26.6
million pairs without its filter, 6.7 million with it, finding the same true pairs;
all rules together give 18.5 million with names 1.3). A key shared by more records
than its rule's cap (``LinkSettings.caps``) is left out: a block of n records costs
n^2/2 pairs before the filter. For a key shared by more than ``loose`` records the
pairs are joined on the crowded column too (``crowded_on``: the same birth year, or
prefecture), which gives exactly the pairs the filter would keep without pairing out
the whole block first: at a million records that took blocking from 77 s to 16 s once
``sound_typo`` (whose keys with a symbol left out make large blocks) was added. The
benchmark measures what the filters and caps cost in recall (``docs/performance.md``).

SQL here is put together from this module's constants, table names it chose and
numbers it computed, never from a record's text (hence the ``noqa: S608``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from amanat.linkage.dialect import DUCKDB, Dialect

if TYPE_CHECKING:
    from amanat.linkage.engine import Engine

__all__ = [
    "DEFAULT_CAPS",
    "RARE",
    "RULES",
    "Rule",
    "block_pairs",
    "blocking_rules",
    "through_pairs",
]


def _near_birth(d: Dialect) -> str:
    """Born within two years of each other (a range counts from its ends), or not known."""
    return (
        "(a.birth_lo IS NULL OR b.birth_lo IS NULL OR "
        f"(a.birth_lo <= {d.later('b.birth_hi', 731)} "
        f"AND b.birth_lo <= {d.later('a.birth_hi', 731)}))"
    )


_SAME_SEX = "(a.sex IS NULL OR b.sex IS NULL OR a.sex = b.sex)"
_SAME_PREFECTURE = "(a.prefecture IS NULL OR b.prefecture IS NULL OR a.prefecture = b.prefecture)"
_SAME_YEAR = "a.birth_year = b.birth_year"
# pairs (before the filter) the ``word`` rule may spend, rarest words first: at
# 100,000 generated records nearly all of them, for blocking recall 0.993 (0.987 with
# 40 million)
WORD_BUDGET = 100_000_000
# a name (its sound, or its first form) shared by at most this many records is rare:
# the ``rare_typo`` rules pair it with every record of a name one symbol away (at
# 1,000,000 generated records, 3 found 6,800 more true pairs for 1.3 million pairs,
# 10 found 8,900 for 4.1 million)
RARE = 3


@dataclass(frozen=True)
class Rule:
    """A blocking rule.

    ``keys``: SQL giving (unique_id, k) rows from the table ``records`` (k a key of any
    type DuckDB hashes); ``pair``: a condition on the two records ``a`` and ``b``;
    ``crowded``: a further condition for keys shared by more than ``loose`` records
    (the common names, where a key alone says little); ``crowded_on``: a column
    (``birth_year``, ``sex`` or ``prefecture``) that ``crowded`` requires to be equal,
    joined on for those keys, so that a key of thousands of records is never paired
    out in full (the same pairs, far less work); ``cap``: keys shared by more records
    are left out; ``budget``: the rule takes its keys rarest first, as long as the
    pairs of the keys taken (before ``pair`` filters them) stay within this many, so
    that what it costs does not grow with the list.
    """

    keys: str
    pair: str = "true"
    crowded: str = "true"
    loose: int = 1_000_000
    cap: int = 1000
    crowded_on: str | None = None
    budget: int | None = None
    sides: bool = False


def _boundary_swap(tag: str, at: int) -> str:
    """The ID with its digits ``at`` and ``at + 1`` (1-based) put in order: the same for
    two numbers that differ by those two neighbours swapped. Such a swap straddles two
    six-digit thirds (digits 6 and 7, 12 and 13), so the keys with one third left out
    cannot meet it."""
    first, second = f"substr(rid, {at}, 1)", f"substr(rid, {at + 1}, 1)"
    return (
        f"{tag} || substr(rid, 1, {at - 1}) || least({first}, {second}) "
        f"|| greatest({first}, {second}) || substr(rid, {at + 2}, {17 - at})"
    )


def _typo_keys(d: Dialect, forms: str) -> str:
    """(unique_id, k, side) for the ``rare_typo`` rules: ``forms`` gives (unique_id, s),
    a record's names as text; each pair of names (x, y), x rare (``RARE`` records or
    fewer) and y another name equal to x once one symbol (not a space) is left out of
    either or both, is a key, given to x's records as side 0 and to y's as side 1."""
    return (
        f"WITH fz AS (SELECT DISTINCT unique_id, s FROM ({forms}) f WHERE length(s) > 0), "  # noqa: S608
        "sc AS (SELECT s, count(*) AS c FROM fz GROUP BY s), "
        "dk AS (SELECT s, s AS k FROM sc UNION ALL "
        "SELECT s, substr(s, 1, i) || substr(s, i + 2) AS k FROM "
        f"(SELECT s, {d.positions('s')} AS i FROM sc) p WHERE substr(s, i + 1, 1) <> ' '), "
        "sp AS (SELECT DISTINCT x.s AS x, y.s AS y FROM dk x "
        f"JOIN sc ON sc.s = x.s AND sc.c <= {int(RARE)} "
        "JOIN dk y ON x.k = y.k AND x.s <> y.s) "
        f"SELECT fz.unique_id, {d.hash('sp.x', 'sp.y')} AS k, 0 AS side "
        "FROM fz JOIN sp ON fz.s = sp.x UNION ALL "
        f"SELECT fz.unique_id, {d.hash('sp.x', 'sp.y')} AS k, 1 AS side "
        "FROM fz JOIN sp ON fz.s = sp.y"
    )


def blocking_rules(d: Dialect = DUCKDB) -> dict[str, Rule]:
    """The rules, in the SQL of ``d``."""
    name_filter = f"{_near_birth(d)} AND {_SAME_SEX} AND {_SAME_PREFECTURE}"
    fuzzy = f"SELECT unique_id, {d.unnest('nm_fuzzy')} AS s FROM records"  # noqa: S608

    def unnested(column: str, *more: str) -> str:
        """(unique_id, k) with k each key of the list ``column``, hashed with
        ``more`` if any: columns, or expressions named with ``AS`` (rows where one of
        them is null are left out)."""
        rows = f"SELECT unique_id, {d.unnest(column)} AS k{''.join(', ' + m for m in more)}"
        if not more:
            return f"{rows} FROM records"
        names = [m.split(" AS ")[-1] for m in more]
        present = " AND ".join(f"{name} IS NOT NULL" for name in names)
        return (
            f"SELECT unique_id, {d.hash('k', *names)} AS k "  # noqa: S608
            f"FROM ({rows} FROM records) WHERE {present}"
        )

    ids = d.array(
        "'a' || substr(rid, 1, 12)",
        "'b' || substr(rid, 1, 6) || substr(rid, 13, 6)",
        "'c' || substr(rid, 7, 12)",
        _boundary_swap("'d'", 6),
        _boundary_swap("'e'", 12),
    )
    return {
        "name": Rule(
            unnested("nm_sounds"),
            name_filter,
            _SAME_YEAR,
            loose=1000,
            cap=5000,
            crowded_on="birth_year",
        ),
        "sound_typo": Rule(
            f"SELECT unique_id, s AS k FROM ({fuzzy}) UNION ALL "  # noqa: S608
            "SELECT unique_id, substr(s, 1, i) || substr(s, i + 2) AS k FROM "
            f"(SELECT unique_id, s, {d.positions('s')} AS i FROM ({fuzzy}) WHERE length(s) > 0) "
            "WHERE substr(s, i + 1, 1) <> ' '",
            name_filter,
            _SAME_YEAR,
            loose=20,
            cap=5000,
            crowded_on="birth_year",
        ),
        "word_pair": Rule(
            unnested("nm_pairs"),
            name_filter,
            _SAME_YEAR,
            loose=200,
            cap=5000,
            crowded_on="birth_year",
        ),
        "word_day": Rule(unnested("nm_ptok", "birth_day"), _SAME_SEX, cap=500),
        "word_initial_year": Rule(
            unnested("nm_initials", "birth_year"),
            f"{_SAME_SEX} AND {_SAME_PREFECTURE}",
            "a.prefecture = b.prefecture",
            loose=20,
            cap=500,
            crowded_on="prefecture",
        ),
        "word_county_year": Rule(unnested("nm_ptok", "county", "birth_year"), _SAME_SEX, cap=500),
        "name_no_birth": Rule(
            unnested("nm_sounds", "prefecture"),
            f"(a.birth_lo IS NULL OR b.birth_lo IS NULL) AND {_SAME_SEX}",
            cap=3000,
        ),
        "word": Rule(unnested("nm_ptok"), name_filter, cap=1_000_000, budget=WORD_BUDGET),
        "word_detained": Rule(
            unnested(
                "nm_ptok",
                f"CASE WHEN {d.days('detained_lo', 'detained_hi')} <= 31 "
                f"THEN {d.month('detained_lo')} END AS m",
            ),
            name_filter,
            cap=1000,
        ),
        "relative": Rule(unnested("rel_keys"), name_filter, cap=1000),
        "rare_typo": Rule(
            _typo_keys(d, f"SELECT unique_id, {d.unnest('nm_fuzzy')} AS s FROM records"),  # noqa: S608
            name_filter,
            cap=5000,
            sides=True,
        ),
        "rare_form_typo": Rule(
            _typo_keys(d, "SELECT unique_id, name_form AS s FROM records"),
            name_filter,
            cap=5000,
            sides=True,
        ),
        "resident_id": Rule(
            f"SELECT unique_id, {d.unnest(ids)} AS k FROM records WHERE rid IS NOT NULL",  # noqa: S608
            cap=50,
        ),
        "day_place": Rule(
            f"SELECT unique_id, {d.hash('birth_day', 'prefecture')} AS k FROM records "  # noqa: S608
            "WHERE birth_day IS NOT NULL AND prefecture IS NOT NULL",
            _SAME_SEX,
            cap=200,
        ),
    }


RULES: Mapping[str, Rule] = blocking_rules()
DEFAULT_CAPS: Mapping[str, int] = {name: rule.cap for name, rule in RULES.items()}


def _budget_cap(engine: Engine, budget: int) -> int:
    """The largest key size whose keys, with all smaller ones, give at most ``budget``
    pairs (from the table ``block_keys``); 1 if even the pairs of two records do not
    fit."""
    ((cap,),) = engine.rows(
        "SELECT coalesce(max(n), 1) FROM (SELECT n, sum(pairs) OVER (ORDER BY n) AS total "  # noqa: S608
        "FROM (SELECT n, count(*) * n * (n - 1) / 2 AS pairs FROM "
        "(SELECT count(*) AS n FROM block_keys GROUP BY key HAVING count(*) >= 2) s "
        f"GROUP BY n) t) u WHERE total <= {int(budget)}"
    )
    return int(cap)


def _not_both(apart: str, left: str, right: str) -> str:
    """SQL: not both records of a pair (columns ``left``, ``right``) in the table ``apart``."""
    return (
        f"NOT ({left} IN (SELECT unique_id FROM {apart}) "  # noqa: S608
        f"AND {right} IN (SELECT unique_id FROM {apart}))"
    )


def block_pairs(
    engine: Engine,
    caps: Mapping[str, int] = DEFAULT_CAPS,
    *,
    forced: str | None = None,
    rules: Mapping[str, Rule] | None = None,
    apart: str | None = None,
) -> dict[str, int]:
    """Create the table ``blocked_pairs(match_key, join_key_l, join_key_r)`` from the
    table ``records`` with ``rules`` (by default ``blocking_rules`` in the engine's SQL); the
    pairs of the table ``forced`` (unique_id_l, unique_id_r), if given, are added
    whatever their keys; no pair of two records of the table ``apart`` (unique_id), if
    given, is kept, not even a forced one. Returns counts for the report: keys, keys
    left out for their size, and pairs."""
    d = engine.dialect
    if rules is None:
        rules = RULES if d == DUCKDB else blocking_rules(d)
    engine.create(
        "block_found",
        "SELECT CAST(NULL AS BIGINT) AS l, CAST(NULL AS BIGINT) AS r WHERE 1 = 0",
    )
    keys = oversized = 0
    for number, (name, rule) in enumerate(rules.items()):
        cap = caps.get(name, rule.cap)
        if cap < 2:
            continue
        side = "side" if rule.sides else "0 AS side"
        engine.create(
            "block_keys",
            f"SELECT DISTINCT unique_id, {d.hash(str(number), 'k')} AS key, {side} "  # noqa: S608
            f"FROM ({rule.keys}) keyed WHERE k IS NOT NULL",
        )
        if rule.budget is not None:
            cap = min(cap, _budget_cap(engine, rule.budget))
        ((n_keys, n_oversized),) = engine.rows(
            f"SELECT count(*), count(*) FILTER (WHERE n > {int(cap)}) FROM "  # noqa: S608
            "(SELECT count(*) AS n FROM block_keys GROUP BY key HAVING count(*) >= 2) s"
        )
        keys += n_keys
        oversized += n_oversized
        engine.create(
            "block_usable",
            "SELECT k.unique_id, k.key, k.side, s.n, "  # noqa: S608
            "r.birth_lo, r.birth_hi, r.birth_year, r.sex, r.prefecture FROM block_keys k "
            "JOIN (SELECT key, count(*) AS n FROM block_keys GROUP BY key "
            f"HAVING count(*) BETWEEN 2 AND {int(cap)}) s ON k.key = s.key "
            "JOIN records r ON k.unique_id = r.unique_id",
        )
        if rule.sides:
            # side 0 against side 1 only: the filters on a.side and b.side come before
            # the join, so the records of side 1 are never paired among themselves
            engine.append(
                "block_found",
                "SELECT least(a.unique_id, b.unique_id) AS l, "  # noqa: S608
                "greatest(a.unique_id, b.unique_id) AS r FROM block_usable a "
                "JOIN block_usable b ON a.key = b.key "
                f"WHERE a.side = 0 AND b.side = 1 AND a.unique_id <> b.unique_id AND {rule.pair}",
            )
            continue
        pairs = (
            "SELECT a.unique_id AS l, b.unique_id AS r FROM block_usable a "
            "JOIN block_usable b ON a.key = b.key AND a.unique_id < b.unique_id"
        )
        if rule.crowded_on is None:
            engine.append(
                "block_found",
                f"{pairs} WHERE {rule.pair} AND (a.n <= {rule.loose} OR {rule.crowded})",
            )
            continue
        on = rule.crowded_on
        engine.append("block_found", f"{pairs} WHERE a.n <= {rule.loose} AND {rule.pair}")
        engine.append(
            "block_found",
            f"{pairs} AND a.{on} = b.{on} "
            f"WHERE a.n > {rule.loose} AND {rule.pair} AND {rule.crowded}",
        )
    if forced:
        engine.append(
            "block_found",
            "SELECT least(unique_id_l, unique_id_r) AS l, "  # noqa: S608
            f"greatest(unique_id_l, unique_id_r) AS r FROM {forced}",
        )
    among = f"WHERE {_not_both(apart, 'l', 'r')} " if apart else ""
    engine.create(
        "blocked_pairs",
        "SELECT '0' AS match_key, l AS join_key_l, r AS join_key_r "  # noqa: S608
        f"FROM block_found {among}GROUP BY l, r",
    )
    engine.drop("block_found", "block_usable", "block_keys")
    ((pairs_count,),) = engine.rows("SELECT count(*) FROM blocked_pairs")
    return {"block_keys": int(keys), "oversized_keys": int(oversized), "pairs": int(pairs_count)}


def through_pairs(
    engine: Engine, evidence: str, min_evidence: float, cap: int, *, apart: str | None = None
) -> int:
    """Create the table ``through_pairs(match_key, join_key_l, join_key_r)``: the pairs
    of records not in the table ``evidence(a, b, w)`` (scored pairs, a < b) that each
    have a pair of evidence ``min_evidence`` or more with one third record, through
    third records with at most ``cap`` such pairs (a record of a common name may have
    many probable pairs, and their pairs among themselves grow with the square); no
    pair of two records of the table ``apart`` (unique_id). Returns how many."""
    w = float(min_evidence)
    engine.create(
        "through_edges",
        f"SELECT a AS x, b AS y FROM {evidence} WHERE w >= {w!r} "  # noqa: S608
        f"UNION ALL SELECT b AS x, a AS y FROM {evidence} WHERE w >= {w!r}",
    )
    engine.create(
        "through_found",
        "SELECT DISTINCT e1.y AS l, e2.y AS r FROM through_edges e1 "  # noqa: S608
        "JOIN through_edges e2 ON e1.x = e2.x AND e1.y < e2.y "
        "JOIN (SELECT x FROM through_edges GROUP BY x "
        f"HAVING count(*) BETWEEN 2 AND {int(cap)}) h ON e1.x = h.x",
    )
    among = f"AND {_not_both(apart, 'f.l', 'f.r')} " if apart else ""
    engine.create(
        "through_pairs",
        "SELECT '0' AS match_key, f.l AS join_key_l, f.r AS join_key_r "  # noqa: S608
        f"FROM through_found f LEFT JOIN {evidence} e ON f.l = e.a AND f.r = e.b "
        f"WHERE e.a IS NULL {among}",
    )
    engine.drop("through_edges", "through_found")
    ((count,),) = engine.rows("SELECT count(*) FROM through_pairs")
    return int(count)
