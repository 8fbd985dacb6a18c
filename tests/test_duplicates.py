"""Finding persons recorded twice on a desk (desk/duplicates.py), and the reviewers'
decisions that follow: the model proposes, a person decides, the decision is sealed.

The desk holds 60 fictional persons (records/fiction.py, different names) and one man
recorded three times: by his wife in Kazakh Cyrillic with his resident ID, by a cousin
in Latin letters with his birth year only, and from a Chinese notice in characters.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from amanat.desk import Desk, duplicates
from amanat.desk.service import Batch
from amanat.records import build as b
from amanat.records import fiction
from amanat.records.changes import new_id
from amanat.records.ids import ric_check_character
from amanat.views.read import Query
from conftest import Org

FIRST17 = "65400219800101001"
RESIDENT_ID = FIRST17 + ric_check_character(FIRST17)
COUNTIES = ("654002", "654021", "654022", "654023", "654024", "653101", "652301")


def _person(
    name: str,
    *,
    birth: str = "",
    rid: str = "",
    county: str = "",
    sex: str = "male",
    taken: str = "2018-04",
) -> list[dict[str, Any]]:
    person, testimony = new_id("p"), new_id("t")
    ref = b.source_ref(testimony=testimony)
    claims = [b.claim("name", b.name(name), ref), b.claim("sex", sex, ref)]
    if birth:
        claims.append(b.claim("birth", b.date_text(birth), ref))
    if rid:
        claims.append(b.claim("document", b.document("cn_resident_id", rid), ref))
    if county:
        claims.append(b.claim("hometown", b.place_ref(county), ref))
    claims.append(b.claim("status", b.status("in_camp", taken), ref))
    return [
        {
            "op": "testimony.recorded",
            "testimony": testimony,
            "persons": [person],
            "testifier": {"relationship": "spouse"},
            "consent": {"level": "internal"},
            "media": [],
        },
        {"op": "person.created", "person": person, "claims": claims},
    ]


def _crowd(n: int) -> list[Batch]:
    rng = random.Random(7)
    out = []
    for _ in range(n):
        sex = rng.choice(("male", "female"))
        name = fiction.turkic_name(rng, sex, rng.choice(("kazakh", "uyghur")))
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(50 * 365))
        county = rng.choice(COUNTIES)
        rid = fiction.resident_id(county, born, sex, rng).number
        spelled = rng.choice((name.latin, name.cyrillic, name.chinese))
        taken = f"{rng.choice((2017, 2018))}-{rng.randint(1, 12):02d}"
        out.append(
            Batch(
                files=[],
                changes=_person(
                    spelled, birth=born.isoformat(), rid=rid, county=county, sex=sex, taken=taken
                ),
            )
        )
    return out


BILASH = [
    dict(name="Серікжан Білаш", birth="1980-01-01", rid=RESIDENT_ID, county="654002"),
    dict(name="Serikzhan Bilash", birth="1980", county="654002"),
    dict(name="赛力克江·别拉什", birth="1980", county="654002"),
]


def _desk_with_bilash(desk: Desk) -> list[str]:
    desk.seal_records([*_crowd(60), *(Batch(files=[], changes=_person(**kw)) for kw in BILASH)])
    ids = []
    for kw in BILASH:
        found = desk.search(Query(name=kw["name"], limit=5)).persons
        ids.append(next(p.person_id for p in found if p.name == kw["name"]))
    return ids


def test_the_model_proposes_the_man_recorded_three_times_and_nothing_else(org: Org) -> None:
    """Given a man recorded in Cyrillic, Latin (no ID, a year) and Chinese among
    60 others, when the desk looks for duplicates, then his three records are proposed
    as pairs (for linking or for review); no two different people are proposed as a
    link, and at most a couple go to review."""
    with Desk(org.desk, org.desk_keys) as desk:
        ids = _desk_with_bilash(desk)
        found = desk.find_duplicates()
        pairs = {(c.a, c.b) for c in found}
        his = {tuple(sorted((x, y))) for x in ids for y in ids if x < y}
        assert tuple(sorted(ids[:2])) in pairs, found
        assert len(pairs & his) >= 2  # the Chinese notice joins through name and place
        links = {(c.a, c.b) for c in found if c.outcome == "link"}
        assert links <= his, [c for c in found if (c.a, c.b) not in his]
        strays = [c for c in found if (c.a, c.b) not in his]
        assert len(strays) <= 2 and all(c.outcome == "review" for c in strays), strays
        queue = desk.review_queue(outcome=None)
        assert {(p.a, p.b) for p in queue.pairs} == pairs


def test_a_decision_merges_and_the_model_does_not_propose_a_decided_pair(org: Org) -> None:
    """Given the proposals, when a reviewer decides the Cyrillic and Latin records are
    the same man, then the desk shows one person with both names and the pair leaves
    the queue; when the reviewer says the Chinese record is a different man, then the
    next run does not propose it again."""
    with Desk(org.desk, org.desk_keys) as desk:
        cyr, lat, han = _desk_with_bilash(desk)
        desk.find_duplicates()
        desk.decide(cyr, lat, "same", "same ID but one digit; same wife", by="reviewer")
        merged = desk.person(lat)
        assert sorted(merged.records) == sorted((cyr, lat))
        assert desk.person(cyr).person == merged.person  # either id leads to him
        assert {n["text"] for n in merged.names} >= {"Серікжан Білаш", "Serikzhan Bilash"}
        shown = merged.person["person_id"]
        desk.decide(shown, han, "different", "the notice names another father", by="r")
        again = desk.find_duplicates()
        assert all({c.a, c.b} != {shown, han} for c in again)
        assert all(not ({c.a, c.b} <= {cyr, lat}) for c in again)


def test_the_estimate_of_a_pair_is_found_either_way_round(org: Org) -> None:
    """Given the proposals, when the desk is asked for the model's estimate of each
    proposed pair, in either order, then it is the stored one, also once the pair is
    decided; a pair the model did not propose has none."""
    with Desk(org.desk, org.desk_keys) as desk:
        cyr, lat, _ = _desk_with_bilash(desk)
        found = desk.find_duplicates()
        for c in found:
            for a, b in ((c.a, c.b), (c.b, c.a)):
                pair = desk.candidate(a, b)
                assert pair is not None
                assert (pair.a, pair.b, pair.outcome) == (c.a, c.b, c.outcome)
                assert abs(pair.probability - c.probability) < 1e-9
        desk.decide(cyr, lat, "same", "same hometown and year; same wife", by="reviewer")
        assert desk.candidate(lat, cyr) is not None
        proposed = {(c.a, c.b) for c in found}
        everyone = sorted(p.person_id for p in desk.search(Query(limit=100)).persons)
        a, b = next((x, y) for x in everyone for y in everyone if x < y and (x, y) not in proposed)
        assert desk.candidate(a, b) is None and desk.candidate(b, a) is None
        assert desk.candidate("p_" + "0" * 32, cyr) is None


def test_the_date_a_person_was_taken_is_compared(org: Org) -> None:
    """Given a man recorded twice as detained in April 2018 (once also sent to a camp
    later), and a namesake of the same year and county taken in 2016, when the desk
    makes its linkage records, then each carries the earliest date its person was
    taken; and the model gives the two April records a higher probability than either
    of them with the namesake."""
    with Desk(org.desk, org.desk_keys) as desk:
        changes = _person("Нурлан Омаров", birth="1975", county="654002", taken="2018-04")
        person = changes[1]
        ref = person["claims"][0]["source"]
        person["claims"].append(b.claim("status", b.status("detained", "2018-04-03"), ref))
        desk.seal_records(
            [
                *_crowd(30),
                Batch(files=[], changes=changes),
                Batch(
                    files=[],
                    changes=_person(
                        "Nurlan Omarov", birth="1975", county="654002", taken="04.2018"
                    ),
                ),
                Batch(
                    files=[],
                    changes=_person("Нұрлан Омаров", birth="1975", county="654002", taken="2016"),
                ),
            ]
        )
        with desk.engine.connect() as conn:
            records = duplicates.linkage_records(conn)
        taken = {r["name"]: r["detained"] for r in records}
        assert taken["Нурлан Омаров"] == "2018-04-03"  # the earliest: detained, then the camp
        assert taken["Nurlan Omarov"] == "2018-04-01..2018-04-30"
        assert taken["Нұрлан Омаров"] == "2016-01-01..2016-12-31"
        ids = {
            name: next(
                p.person_id
                for p in desk.search(Query(name=name, limit=5)).persons
                if p.name == name
            )
            for name in ("Нурлан Омаров", "Nurlan Omarov", "Нұрлан Омаров")
        }
        desk.find_duplicates()

        def chance(x: str, y: str) -> float:
            pair = desk.candidate(ids[x], ids[y])
            return pair.probability if pair is not None else 0.0

        same = chance("Нурлан Омаров", "Nurlan Omarov")
        assert same > chance("Нурлан Омаров", "Нұрлан Омаров")
        assert same > chance("Nurlan Omarov", "Нұрлан Омаров")


def test_a_number_mistyped_anywhere_is_offered_at_intake(org: Org) -> None:
    """Given a person recorded with a resident ID, when a volunteer types the number
    with one digit wrong in its region code, its birth date or its last four, and no
    name, then "may already be recorded" offers that person as one character apart;
    a number two digits apart, or a hometown alone, offers no one."""
    with Desk(org.desk, org.desk_keys) as desk:
        desk.seal_records([Batch(files=[], changes=_person("Серікжан Білаш", rid=RESIDENT_ID))])
        desk.update_views()
        (pid,) = [p.person_id for p in desk.search(Query()).persons]

        def changed(number: str, *places: int) -> str:
            digits = list(number)
            for i in places:
                digits[i] = str((int(digits[i]) + 1) % 10)
            return "".join(digits)

        for place in (2, 8, 16):
            found = desk.similar(id_number=changed(RESIDENT_ID, place))
            assert [(c.person_id, list(c.reasons)) for c in found] == [(pid, ["id_one_off"])], place
        assert desk.similar(id_number=changed(RESIDENT_ID, 2, 16)) == []
        assert desk.similar(county="654002") == []


def test_a_common_name_offers_the_persons_born_in_the_year_typed(org: Org) -> None:
    """Given 40 men called Nurlan Omarov born 1950-1989 and two more born 1999 (more
    than the persons read for one name), when a volunteer types Nurlan and the birth
    year 1999, then both men born 1999 are offered first; with county 654002 typed
    too, the one from there comes first."""
    batches = [
        Batch(files=[], changes=_person("Нурлан Омаров", birth=str(1950 + i))) for i in range(40)
    ]
    batches.append(Batch(files=[], changes=_person("Nurlan Omarov", birth="1999")))
    batches.append(Batch(files=[], changes=_person("Нұрлан Омаров", birth="1999", county="654002")))
    with Desk(org.desk, org.desk_keys) as desk:
        desk.seal_records(batches)
        desk.update_views()
        found = desk.similar(names=["Nurlan"], birth_year=1999, limit=5)
        assert [c.birth[:4] for c in found[:2]] == ["1999", "1999"], [c.birth for c in found]
        assert all("birth" in c.reasons for c in found[:2])
        placed = desk.similar(names=["Nurlan"], birth_year=1999, county="654002", limit=5)
        assert placed[0].name == "Нұрлан Омаров" and "hometown" in placed[0].reasons
        # a county of the same prefecture (Kuytun, 654003) is said as such, not "the same"
        near = desk.similar(names=["Nurlan"], birth_year=1999, county="654003", limit=5)
        mine = next(c for c in near if c.name == "Нұрлан Омаров" and c.birth[:4] == "1999")
        assert "prefecture" in mine.reasons and "hometown" not in mine.reasons


def test_two_neighbouring_digits_swapped_are_offered_at_intake(org: Org) -> None:
    """Given a person recorded with a resident ID, when a volunteer types the number
    with two neighbouring digits swapped (anywhere: within a six-digit third, or across
    the border of two), then "may already be recorded" offers that person for that
    reason; two digits swapped that are not neighbours offer no one."""
    with Desk(org.desk, org.desk_keys) as desk:
        desk.seal_records([Batch(files=[], changes=_person("Серікжан Білаш", rid=RESIDENT_ID))])
        desk.update_views()
        (pid,) = [p.person_id for p in desk.search(Query()).persons]

        def swapped(i: int, j: int) -> str:
            digits = list(RESIDENT_ID)
            digits[i], digits[j] = digits[j], digits[i]
            assert digits != list(RESIDENT_ID), (i, j)  # the two differ
            return "".join(digits)

        pairs = [(i, i + 1) for i in range(17) if RESIDENT_ID[i] != RESIDENT_ID[i + 1]]
        across = [(i, j) for i, j in pairs if i // 6 != j // 6]  # digits 6/7, 12/13
        assert len(pairs) >= 10
        assert across
        for i, j in pairs:
            found = desk.similar(id_number=swapped(i, j))
            assert [(c.person_id, list(c.reasons)) for c in found] == [(pid, ["id_swapped"])]
        far = next(
            (i, j)
            for i in range(12, 18)
            for j in range(i + 2, 18)
            if RESIDENT_ID[i] != RESIDENT_ID[j]
        )
        assert desk.similar(id_number=swapped(*far)) == []


def test_a_label_with_digits_is_not_a_name_to_link_on(org: Org) -> None:
    """Given 30 persons and two different men of one county and year who each also
    carry a case-number label ("AJ-0114", "AJ-0342": both read "aj"), when the desk makes
    its linkage records and looks for duplicates, then no record is named by a label, a
    person with only a label has a nameless record (his ID and birth still count), and
    the two men are not proposed: a label alike says nothing of who they are."""
    with Desk(org.desk, org.desk_keys) as desk:
        first = _person("Серік Білаш", birth="1975", county="654002")
        second = _person("Нұрлан Омаров", birth="1975", county="654002")
        labelled = _person("AJ-0777", birth="1962", county="654021")
        for changes, label in ((first, "AJ-0114"), (second, "AJ-0342")):
            claims = changes[1]["claims"]
            claims.append(b.claim("name", b.name(label, form="alias"), claims[0]["source"]))
        desk.seal_records(
            [*_crowd(30), *(Batch(files=[], changes=c) for c in (first, second, labelled))]
        )
        with desk.engine.connect() as conn:
            records = duplicates.linkage_records(conn)
        names = [r["name"] for r in records]
        assert "Серік Білаш" in names and not any("AJ" in n for n in names)
        assert sum(r["name"] == "" and r["birth"] == "1962" for r in records) == 1
        ids = {
            r["record_id"].split("#")[0]
            for r in records
            if r["name"] in ("Серік Білаш", "Нұрлан Омаров")
        }
        found = desk.find_duplicates()
        assert not [c for c in found if {c.a, c.b} == ids], found


def test_one_word_of_two_alike_is_offered_only_with_a_year_or_a_place(org: Org) -> None:
    """Given Серікжан Білаш, born 1974, when a volunteer types another man's two-word
    name that shares only "Серікжан" (a father's name in one list, a family name in the
    other, or a namesake), then he is not offered on that word alone (on a large desk
    every new name filled the list with namesakes); typed with the birth year 1974, or
    his hometown, he is."""
    with Desk(org.desk, org.desk_keys) as desk:
        desk.seal_records(
            [Batch(files=[], changes=_person("Серікжан Білаш", birth="1974", county="654002"))]
        )
        assert desk.similar(names=["Серікжан Оспанов"]) == []
        with_year = desk.similar(names=["Серікжан Оспанов"], birth_year=1974)
        assert [c.name for c in with_year] == ["Серікжан Білаш"]
        assert "birth" in with_year[0].reasons
        assert desk.similar(names=["Серікжан Оспанов"], county="654002")
        assert desk.similar(names=["Серікжан Білаш"])  # the whole name, nothing else needed
        assert desk.similar(names=["Серікжан"])  # one word typed: its namesakes
