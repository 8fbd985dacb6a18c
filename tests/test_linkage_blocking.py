"""Blocking (issue 6, part 3): which pairs of records are compared at all.

Each rule is shown finding a pair that only it finds (the rule turned off, the pair is
lost), and the join on the crowded column is shown to give exactly the pairs of the
plain filter, on random records.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import replace

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from amanat.linkage.blocking import DEFAULT_CAPS, RARE, RULES, Rule, block_pairs
from amanat.linkage.engine import DuckDBEngine
from amanat.linkage.prepare import columns_of, prepare_records
from amanat.records.ids import ric_check_character

FILLER = [
    {"name": "Айгүл Нұрланқызы", "birth": "1962", "sex": "female"},
    {"name": "Марат Жексен", "birth": "1990", "sex": "male"},
    {"name": "Ерлан Серікұлы", "birth": "1955", "sex": "male"},
]


def _blocked(
    rows: Sequence[Mapping[str, str]],
    *,
    without: str | tuple[str, ...] = (),
    rules: Mapping[str, Rule] = RULES,
) -> set[tuple[str, str]]:
    """The pairs of record ids that blocking lets through (``without``: rules left out)."""
    records = [{"record_id": str(i), **row} for i, row in enumerate(rows)]
    table = prepare_records(columns_of(records))
    con = duckdb.connect()
    try:
        engine = DuckDBEngine(con)
        engine.load("records", table)
        left_out = (without,) if isinstance(without, str) else without
        caps = {**DEFAULT_CAPS, **dict.fromkeys(left_out, 0)}
        block_pairs(engine, caps, rules=rules)
        pairs = con.execute("SELECT join_key_l, join_key_r FROM blocked_pairs").fetchall()
    finally:
        con.close()
    return {(str(a), str(b)) for a, b in pairs}


def test_a_name_with_a_letter_dropped_in_each_word_is_compared() -> None:
    """Given Erbol Beybitov and Бейбитов Еболь (the r dropped, the order swapped), born a
    year apart, when the list is blocked, then the pair is compared, and it is the
    sound_typo rule that finds it (or, in a list small enough for its budget, the word
    rule: Beybitov sounds alike; or, both names being rare, the rare_typo rules)."""
    rows = [
        {"name": "Erbol Beybitov", "birth": "1980", "sex": "male"},
        {"name": "Бейбитов Еболь", "birth": "1981", "sex": "male"},
        *FILLER,
    ]
    assert ("0", "1") in _blocked(rows)
    assert ("0", "1") in _blocked(rows, without="word")
    typos = ("sound_typo", "word", "rare_typo", "rare_form_typo")
    assert ("0", "1") not in _blocked(rows, without=typos)


def test_a_name_with_another_second_word_in_one_county_and_year_is_compared() -> None:
    """Given Talay Bakyt and Taalay Dastan (a father's name in one list, another name in
    the other), of one county and birth year, then the pair is compared
    (word_county_year), and not once that rule is left out."""
    rows = [
        {"name": "Talay Bakyt", "birth": "1975", "county_code": "654002", "sex": "male"},
        {"name": "Taalay Dastan", "birth": "1975", "county_code": "654002"},
        {"name": "Talay Nurlan", "birth": "1975", "county_code": "654021"},  # another county
        *FILLER,
    ]
    assert ("0", "1") in _blocked(rows)
    found = _blocked(rows, without="word")  # the word rule, within budget, takes all three
    assert ("0", "1") in found
    assert ("0", "2") not in found and ("1", "2") not in found
    assert ("0", "1") not in _blocked(rows, without=("word_county_year", "word"))


def test_a_record_without_birth_meets_its_namesakes_in_a_crowded_name() -> None:
    """Given a name shared by more records than the name rule's loose limit (so that its
    pairs need the same birth year), and one record of it without any birth date, when
    blocked, then that record is compared with the namesakes of its own prefecture
    (name_no_birth), not with those of another prefecture."""
    loose = RULES["name"].loose
    rows = [{"name": "Нұрлан Серік", "birth": "", "county_code": "654002", "sex": "male"}]
    for i in range(loose + 10):
        county = "654002" if i % 2 == 0 else "653101"  # Ili's Yining / Kashgar
        rows.append({"name": "Nurlan Serik", "birth": str(1940 + i % 60), "county_code": county})
    found = _blocked(rows)
    same_prefecture = {str(i + 1) for i in range(0, loose + 10, 2)}
    other_prefecture = {str(i + 1) for i in range(1, loose + 10, 2)}
    with_first = {b for a, b in found if a == "0"}
    assert same_prefecture <= with_first
    assert not other_prefecture & with_first
    without = {b for a, b in _blocked(rows, without=("name_no_birth", "word")) if a == "0"}
    assert not same_prefecture <= without


def test_one_word_alike_is_compared_within_the_word_budget() -> None:
    """Given Серікжан Омірбек and Serikzhan Bilash (the father's name in one list, the
    family name in the other), with no birth date or place to join them on, when the
    list is blocked, then only the word rule compares them."""
    rows = [
        {"name": "Серікжан Омірбек", "sex": "male"},
        {"name": "Serikzhan Bilash", "birth": "1974"},
        *FILLER,
    ]
    assert ("0", "1") in _blocked(rows)
    assert ("0", "1") not in _blocked(rows, without="word")


def test_one_word_alike_and_the_month_of_detention_is_compared() -> None:
    """Given Серікжан Омірбек and Serikzhan Bilash with no birth date or place, both
    taken in March 2018 (one list says the day), and Serikzhan Nurlan taken in 2016,
    when the list is blocked without the word rule (as in a list too large for its
    budget), then the March pair is compared (word_detained) and the 2016 one is not."""
    rows = [
        {"name": "Серікжан Омірбек", "sex": "male", "detained": "22.03.2018"},
        {"name": "Serikzhan Bilash", "detained": "2018-03"},
        {"name": "Serikzhan Nurlan", "detained": "2016-03"},
        *FILLER,
    ]
    found = _blocked(rows, without="word")
    assert ("0", "1") in found
    assert ("0", "2") not in found and ("1", "2") not in found
    assert ("0", "1") not in _blocked(rows, without=("word", "word_detained"))


def test_the_same_relative_in_two_lists_is_compared() -> None:
    """Given a man written Нурлан Омаров in one list and Nurlan Bilash in another (his
    father's name, then his family name), no birth year on one side, both naming his
    wife Гүлнар Сейітқызы / Gulnar Seitkyzy, when blocked without the word rule, then
    the pair is compared (relative), and not once that rule is left out too."""
    rows = [
        {"name": "Нурлан Омаров", "birth": "1975", "relative_name": "Гүлнар Сейітқызы"},
        {"name": "Nurlan Bilash", "relative_name": "Gulnar Seitkyzy"},
        *FILLER,
    ]
    assert ("0", "1") in _blocked(rows, without="word")
    assert ("0", "1") not in _blocked(rows, without=("word", "relative"))


def test_the_word_budget_takes_the_rarest_words_first() -> None:
    """Given a list where one given name is common and another rare, and a word budget
    that fits the rare word's pairs but not the common one's, when it is blocked, then
    the two records of the rare word are compared and the namesakes of the common one
    are not (on that rule alone)."""
    rows = [{"name": "Серікжан Омірбек"}, {"name": "Serikzhan Bilash"}]
    rows += [{"name": f"Nurlan {surname}"} for surname in ("Ahmet", "Bakyt", "Daulet", "Erlan")]
    only_word = {"word": replace(RULES["word"], budget=3)}
    found = _blocked(rows, rules=only_word)
    assert ("0", "1") in found
    assert not {(a, b) for a, b in found if a != "0"}
    everything = _blocked(rows, rules={"word": replace(RULES["word"], budget=100)})
    assert ("2", "3") in everything


def test_a_rare_mistyped_name_meets_the_name_it_was_mistyped_from_at_any_age() -> None:
    """Given 25 Serik Turgans born over sixty years (more than sound_typo's loose limit,
    so its pairs need the same birth year) and one Serik Turgehan with no birth date,
    when the list is blocked by the rare_typo rule alone, then the mistyped record meets
    every Serik Turgan and no two Serik Turgans are paired (they are the name rule's)."""
    rows = [{"name": "Serik Turgehan", "sex": "male"}]
    rows += [{"name": "Серік Тұрған", "birth": str(1940 + 2 * i)} for i in range(25)]
    found = _blocked(rows, rules={"rare_typo": RULES["rare_typo"]})
    assert found == {("0", str(i)) for i in range(1, 26)}
    assert ("0", "1") in _blocked(rows)


def test_a_rare_written_form_meets_the_form_one_letter_from_it() -> None:
    """Given Aran Ayjan (Arman mistyped), whose sound four other names share (Alan
    Ayzhan, Алан Айжан: too common for rare_typo), and four Arman Ayjans (a common
    sound too), when blocked by one rule at a time, then rare_form_typo pairs the
    mistyped record with an Arman Ayjan and rare_typo does not."""
    rows = [
        {"name": "Aran Ayjan", "sex": "female"},
        *[{"name": "Arman Ayjan", "birth": str(year)} for year in (1971, 1950, 1960, 1980)],
        *[{"name": name, "birth": "1930"} for name in ("Alan Ayzhan", "Алан Айжан") * 2],
    ]
    assert ("0", "1") in _blocked(rows, rules={"rare_form_typo": RULES["rare_form_typo"]})
    assert ("0", "1") not in _blocked(rows, rules={"rare_typo": RULES["rare_typo"]})


def _one_symbol_away(x: str, y: str) -> bool:
    """x and y are equal once one symbol (not a space) is left out of either or both."""

    def left_out(s: str) -> set[str]:
        return {s} | {s[:i] + s[i + 1 :] for i in range(len(s)) if s[i] != " "}

    return bool(left_out(x) & left_out(y))


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Arman Ayjan", "Aran Ayjan", "Arman Ajan", "Armn Ayjan", "Asan Ayjan", "Ayjan"]
        ),
        min_size=2,
        max_size=14,
    )
)
def test_the_rare_form_rule_pairs_exactly_a_rare_form_with_the_forms_one_symbol_away(
    names: list[str],
) -> None:
    """Given any list of a few names, some of them one letter from others, when the
    rare_form_typo rule alone blocks it, then it gives exactly the pairs of records whose
    first forms differ by one symbol left out of either or both, one of the two forms
    held by at most RARE records: never two records of one form, nor two common forms."""
    rows = [{"name": n} for n in names]
    table = prepare_records(columns_of([{"record_id": str(i), **r} for i, r in enumerate(rows)]))
    forms = [str(f) for f in table.column("name_form").to_pylist()]
    count = {f: forms.count(f) for f in forms}
    expected = {
        (str(i), str(j))
        for i, j in itertools.combinations(range(len(forms)), 2)
        if forms[i] != forms[j]
        and min(count[forms[i]], count[forms[j]]) <= RARE
        and _one_symbol_away(forms[i], forms[j])
    }
    assert _blocked(rows, rules={"rare_form_typo": RULES["rare_form_typo"]}) == expected


NAMES = ["Nurlan Serik", "Нұрлан Серік", "Serik Nurlan", "Nurlan Serikov", "Nurlan"]


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(NAMES),
            st.sampled_from(["", "1970", "1971", "1972", "1975", "1971-03-02"]),
            st.sampled_from(["", "male", "female"]),
            st.sampled_from(["", "654002", "653101", "650102"]),
        ),
        min_size=2,
        max_size=40,
    ),
    st.integers(min_value=1, max_value=8),
)
def test_joining_crowded_keys_on_their_column_finds_the_same_pairs(
    rows: list[tuple[str, str, str, str]], loose: int
) -> None:
    """Given random records of a few names and any loose limit, when every rule with a
    crowded column is blocked by the plain filter and by the join on that column, then
    both give exactly the same pairs."""
    records = [{"name": n, "birth": b, "sex": s, "county_code": c} for n, b, s, c in rows]
    crowded = {k: replace(r, loose=loose) for k, r in RULES.items() if r.crowded_on}
    assert crowded
    plain = {k: replace(r, crowded_on=None) for k, r in crowded.items()}
    assert _blocked(records, rules=crowded) == _blocked(records, rules=plain)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=30),
    st.integers(min_value=0, max_value=2000),
)
def test_the_word_budget_is_never_overspent(sizes: list[int], budget: int) -> None:
    """Given words shared by any numbers of records and any budget, when the word rule
    alone blocks them, then it takes exactly the words, smallest first, whose pairs
    (with those of all smaller words) fit in the budget: never more, and none of a size
    that would have overspent it."""
    rows = [{"name": f"{_word(i)}"} for i, size in enumerate(sizes) for _ in range(size)]
    table = prepare_records(columns_of([{"record_id": str(i), **r} for i, r in enumerate(rows)]))
    groups: dict[int, list[int]] = {}
    for position, keys in enumerate(table["nm_ptok"].to_pylist()):
        for key in set(keys):
            groups.setdefault(key, []).append(position)
    per_size: dict[int, int] = {}
    for members in groups.values():
        n = len(members)
        if n >= 2:
            per_size[n] = per_size.get(n, 0) + n * (n - 1) // 2
    cap, total = 1, 0
    for n in sorted(per_size):
        if total + per_size[n] > budget:
            break
        total += per_size[n]
        cap = n
    expected = {
        (str(a), str(b))
        for members in groups.values()
        if 2 <= len(members) <= cap
        for a, b in itertools.combinations(sorted(members), 2)
    }
    found = _blocked(rows, rules={"word": replace(RULES["word"], budget=budget)})
    assert found == expected
    assert total <= budget


def _word(i: int) -> str:
    """A made-up one-word name per number (what it sounds like is read, not assumed)."""
    return "".join("bdklmnrstz"[int(d)] + "a" for d in f"{i:03d}") + "n"


def test_two_neighbouring_id_digits_swapped_anywhere_are_compared() -> None:
    """Given a man's resident ID and, in another list, the same number with two
    neighbouring digits swapped (anywhere: within a six-digit third, or across the border
    of two, digits 6 and 7 or 12 and 13), under names that share nothing, when the list
    is blocked, then every such pair is compared, by the resident_id rule."""
    number = "65400219740315003"
    number += ric_check_character(number)
    for i in range(17):
        digits = list(number)
        if digits[i] == digits[i + 1]:
            continue
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
        rows = [
            {"name": "Serikzhan Bilash", "resident_id": number, "sex": "male"},
            {"name": "Марат Жексен", "resident_id": "".join(digits), "sex": "male"},
            *FILLER,
        ]
        assert ("0", "1") in _blocked(rows), i
        assert ("0", "1") not in _blocked(rows, without="resident_id"), i
