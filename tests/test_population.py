"""The linkage benchmark's test populations (benchmarks/population.py) are what they claim.

Given a generated population, when its records are examined, then: the same seed gives
the same bytes in any process; every resident ID is valid except the deliberately
mistyped ones; every script and convention occurs; the sources cover the persons
unevenly and in correlation; some persons are listed twice by one source; the ground
truth covers every record; and common names are shared by many different persons.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from amanat.errors import InputError
from amanat.records.dates import PartialDate, Precision
from amanat.records.ids import ResidentId

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from population import COLUMNS, SOURCES, Population, generate  # noqa: E402

N = 20_000
TODAY = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def pop() -> Population:
    return generate(N, seed=7)


def _digest(population: Population) -> str:
    h = hashlib.sha256()
    for row in population.tuples():
        h.update("\x1f".join(row).encode())
        h.update(b"\x1e")
    return h.hexdigest()


def test_size_columns_and_truth(pop: Population, tmp_path: Path) -> None:
    """Given N requested records, then N rows with every column, unique ids, full truth."""
    assert len(pop) == N
    rows = pop.rows
    assert set(rows[0]) == set(COLUMNS)
    ids = [r["record_id"] for r in rows]
    assert len(set(ids)) == N
    truth = pop.truth
    assert set(truth) == set(ids)
    assert all(truth[r["record_id"]] == r["person_id"] for r in rows)
    # about N / 2.5 persons
    persons = {r["person_id"] for r in rows}
    assert len(persons) == pop.persons
    assert N / 3.2 < len(persons) < N / 2.0
    assert {r["source"] for r in rows} == set(SOURCES)

    path = tmp_path / "pop.csv"
    pop.write_csv(path, truth=False)
    with open(path, encoding="utf-8", newline="") as f:
        read = list(csv.DictReader(f))
    assert len(read) == N
    assert "person_id" not in read[0]
    assert read[123]["name"] == rows[123]["name"]


def test_same_seed_same_rows_in_any_process(pop: Population) -> None:
    """Given one seed, when generated again here and in processes with other hash seeds,
    then the rows are identical; another seed gives other rows."""
    assert _digest(generate(N, seed=7)) == _digest(pop)
    assert _digest(generate(2_000, seed=8)) != _digest(generate(2_000, seed=7))
    code = (
        f"import sys; sys.path.insert(0, {str(BENCHMARKS)!r}); import hashlib; "
        "from population import generate; p = generate(3000, seed=7); h = hashlib.sha256()\n"
        "for row in p.tuples(): h.update('\\x1f'.join(row).encode()); h.update(b'\\x1e')\n"
        "print(h.hexdigest())"
    )
    digests = set()
    for hash_seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        digests.add(done.stdout.strip())
    assert digests == {_digest(generate(3000, seed=7))}


def test_resident_ids_valid_except_the_mistyped(pop: Population) -> None:
    """Given every ID a record carries, then the valid ones are the person's one ID (an
    old 15-digit card converts to it), each person has their own, the sex digit agrees
    with the record, and the invalid ones are a few per cent, a digit or two off."""
    valid: dict[str, set[str]] = collections.defaultdict(set)
    invalid: list[tuple[str, str]] = []
    legacy = 0
    given = 0
    for row in pop.rows:
        text = row["resident_id"]
        if not text:
            continue
        given += 1
        try:
            rid = ResidentId.decode(text, today=TODAY)
        except InputError:
            invalid.append((row["person_id"], text))
            continue
        legacy += len(text) == 15
        valid[row["person_id"]].add(rid.number)
        assert rid.in_xinjiang
        if row["sex"]:
            assert rid.sex == row["sex"]
    assert all(len(numbers) == 1 for numbers in valid.values())
    owners = collections.Counter(next(iter(n)) for n in valid.values())
    assert max(owners.values()) == 1
    assert 0.005 < len(invalid) / given < 0.05
    assert legacy > 0
    checked = 0
    for person, text in invalid:
        if valid.get(person):
            true = next(iter(valid[person]))
            assert len(text) == 18
            assert sum(a != b for a, b in zip(text, true, strict=True)) <= 2
            checked += 1
    assert checked > 10


def test_every_script_and_convention_occurs(pop: Population) -> None:
    """Given all names, then Cyrillic, Latin, Arabic and Chinese occur, with the marks of
    each convention: Kazakh and Kyrgyz letters, the three Kazakh Latin alphabets, Uyghur
    and Kazakh Arabic script, the middle dot, patronymics and -ov surnames."""
    rows = pop.rows
    assert {r["script"] for r in rows} == {"Cyrl", "Latn", "Arab", "Hans"}
    text = "\n".join(r["name"] for r in rows)
    for mark in (
        "ұ",  # Kazakh Cyrillic
        "ө",  # Kazakh or Kyrgyz Cyrillic
        "җ",  # Uyghur Cyrillic
        "a'",  # Kazakh Latin 2017
        "ý",  # Kazakh Latin 2018
        "ş",  # Kazakh Latin 2021
        "ū",  # Kazakh Latin 2021
        "é",  # Uyghur Latin
        "zh",  # Russian-style Latin
        "ې",  # Uyghur Arabic
        "ئ",  # Uyghur Arabic
        "\u0674",  # Kazakh Arabic high hamza
        "·",  # Chinese middle dot
        "ұлы",
        "ович",
        "uly",
        "ов ",
    ):
        assert mark in text, mark
    assert any(r["patronymic"] for r in rows)
    hans = [r["name"] for r in rows if r["script"] == "Hans"]
    assert any("马" in name for name in hans)  # Hui names
    assert any("江" in name for name in hans)  # -jan names


def test_coverage_uneven_and_correlated(pop: Population) -> None:
    """Given the persons each source lists, then Atajurt covers far more Kazakhs than
    Uyghurs, and a person in Atajurt's list is more likely than others to be in the
    NGO's list too (more so than in the independently drawn leaked roster)."""
    in_source: dict[str, set[str]] = collections.defaultdict(set)
    kazakh: set[str] = set()
    uyghur: set[str] = set()
    for row in pop.rows:
        in_source[row["source"]].add(row["person_id"])
        if row["script"] == "Cyrl" and any(c in row["name"] for c in "әғқңұүһі"):
            kazakh.add(row["person_id"])
    for row in pop.rows:
        if row["source"] == "uyghur_list" and row["person_id"] not in kazakh:
            uyghur.add(row["person_id"])
    share = {s: len(in_source[s]) / len(pop.truth) for s in SOURCES}  # records per source vary too
    assert max(share.values()) > 1.5 * min(share.values())
    ataj = in_source["atajurt"]
    assert len(ataj & kazakh) / len(kazakh) > 3 * len(ataj & uyghur) / len(uyghur)
    everyone = {r["person_id"] for r in pop.rows}

    def lift(source: str) -> float:
        other = in_source[source]
        return (len(other & ataj) / len(ataj)) / (len(other - ataj) / len(everyone - ataj))

    # The leaked roster is drawn independently of the others: its lift is the baseline
    # that selecting persons "listed at least once" gives.
    assert lift("ngo_latin") > 1.3 * lift("official_cn")


def test_some_persons_listed_twice_by_one_source(pop: Population) -> None:
    """Given each source, then some person appears in it more than once."""
    for source in SOURCES:
        counts = collections.Counter(r["person_id"] for r in pop.rows if r["source"] == source)
        assert sum(1 for c in counts.values() if c > 1) > 10, source


def test_common_names_shared_by_many_persons(pop: Population) -> None:
    """Given the Kazakh Cyrillic records, then the commonest given name belongs to many
    different persons, and different persons share a full name and a birth year."""
    holders: dict[str, set[str]] = collections.defaultdict(set)
    full: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for row in pop.rows:
        if row["source"] == "atajurt" and row["given"]:
            holders[row["given"]].add(row["person_id"])
        if row["birth"]:
            full[row["name"], row["birth"][:4]].add(row["person_id"])
    top = max(len(p) for p in holders.values())
    assert top >= 40
    assert len(holders) > 300
    assert sum(1 for p in full.values() if len(p) > 1) > 5


def test_cli_writes_the_csv(tmp_path: Path) -> None:
    """Given the command line, then it writes the CSV it was asked for."""
    out = tmp_path / "p.csv"
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "population.py"), "--records", "500", "--seed",
         "1", "--out", str(out), "--no-truth"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "500 records" in done.stdout
    header = out.read_text("utf-8").splitlines()[0].split(",")
    assert header == list(COLUMNS[:-1])


def test_detention_dates_said_unevenly_and_mostly_agreeing(pop: Population) -> None:
    """Given every record's date of detention, then each is a date the desk reads (a
    day, a month or a year, in the list's own style), the leaked roster gives it far
    more often and more precisely than the Kyrgyz list, and two mentions of one person
    to the month mostly name the same month, while two namesakes rarely do."""
    said: dict[str, list[int]] = collections.defaultdict(list)
    precise: dict[str, int] = collections.Counter()
    months: dict[str, set[str]] = collections.defaultdict(set)
    for row in pop.rows:
        text = row["detained"]
        said[row["source"]].append(1 if text else 0)
        if not text:
            continue
        parsed = PartialDate.parse(text, today=TODAY)
        assert dt.date(2013, 1, 1) <= parsed.earliest <= parsed.latest < dt.date(2022, 1, 1)
        if parsed.precision is Precision.DAY:
            precise[row["source"]] += 1
        if parsed.precision in (Precision.DAY, Precision.MONTH):
            months[row["person_id"]].add(parsed.earliest.strftime("%Y-%m"))
    share = {s: sum(v) / len(v) for s, v in said.items()}
    assert share["official_cn"] > 0.8 and share["other_org"] < 0.5
    assert precise["official_cn"] / sum(said["official_cn"]) > 0.9
    several = [m for m in months.values() if m]
    assert sum(1 for m in several if len(m) == 1) / len(several) > 0.85
    assert sum(1 for m in several if len(m) > 1) > 0  # a family's memory errs sometimes
