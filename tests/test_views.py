"""The views: the same tests on SQLCipher and on a real PostgreSQL server.

Entries are fed to ``Views.apply`` directly (as a desk would after opening them), so
these tests exercise the projection and the SQL on both databases without sealing.
The desk end to end, with the vault, is in ``test_desk_views.py``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, inspect, select, text, update

from amanat.errors import UnsupportedVersion
from amanat.names import TABLE_VERSION
from amanat.records import build as b
from amanat.records.changes import (
    REVIEW_SCHEMA,
    claim_id,
    link_decided,
    read_changes,
    schema_for,
    submission_id,
)
from amanat.views import project, read
from amanat.views import schema as s
from amanat.views.engine import KEY_BYTES, open_sqlite
from amanat.views.project import SealedEntry, Views
from conftest import fresh_postgres_database

P1 = "p_" + "1" * 32
P2 = "p_" + "2" * 32
P3 = "p_" + "3" * 32
T1 = "t_" + "a" * 32
T2 = "t_" + "b" * 32
S1 = "s_" + "c" * 32
R1 = "r_" + "d" * 32
BLOB = "e" * 64
RID = "654002198001010010"  # 伊宁市, 1980-01-01, male (sequence 001)


def entry(
    n: int,
    changes: list[dict[str, Any]],
    *,
    time: str = "",
    files: int = 0,
    etype: str = "record",
    log: str = "a" * 64,
) -> SealedEntry:
    eid = hashlib.sha256(f"entry {n}".encode()).hexdigest()
    data = {"schema": schema_for(changes), "changes": changes}
    return SealedEntry(
        eid,
        log,
        n,
        time or f"2026-01-01T00:00:{n:02d}Z",
        etype,
        data,
        tuple(BLOB for _ in range(files)),
    )


def new_views(engine: Engine) -> Views:
    rows = [
        {
            "place_id": "654002",
            "kind": "county",
            "parent": "654000",
            "name_zh": "伊宁市",
            "name_pinyin": "yi ning shi",
            "name_ug": None,
            "name_kk": None,
            "name_en": "Yining",
            "names": "{}",
            "lat": None,
            "lon": None,
            "origin": "gazetteer",
        }
    ]
    views = Views(engine, lambda: rows)
    views.prepare()
    return views


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every folded table, in a stable order (the bookkeeping aside)."""
    out = {}
    with engine.connect() as conn:
        for table in (*s.TABLES, s.changes, s.links):
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def t1_recorded(persons: list[str], *, level: str = "public_named") -> dict[str, Any]:
    return {
        "op": "testimony.recorded",
        "testimony": T1,
        "persons": persons,
        "testifier": {"relationship": "spouse", "name": "Гүлнар"},
        "consent": {"level": level},
        "recorded": "2019-03-01",
        "language": "kk",
        "media": [{"file": 0}],
        "transcript": "Менің күйеуім 2018 жылы ұсталды.",
    }


def scenario() -> list[SealedEntry]:
    """A wife's testimony, a cousin's list entry that disagrees, an official notice,
    a state rebuttal, a correction with its reason, and a withdrawn consent."""
    wife = b.source_ref(testimony=T1)
    cousin = b.source_ref(testimony=T2)
    first = entry(
        1,
        [
            t1_recorded([P1]),
            {
                "op": "person.created",
                "person": P1,
                "claims": [
                    b.claim("name", b.name("Серікжан Білаш", language="kk"), wife),
                    b.claim("name", b.name("赛力克江", form="chinese"), wife),
                    b.claim("sex", "male", wife),
                    b.claim("birth", "1980", wife),
                    b.claim("document", b.document("cn_resident_id", RID), wife),
                    b.claim("hometown", b.place_ref("654002"), wife),
                    b.claim(
                        "status",
                        b.status("detained", "2018-04-12", by="police", acknowledged=False),
                        wife,
                    ),
                    b.claim("status", b.status("in_camp", "2018-05"), wife),
                    b.claim("action", b.action("un", note="through a lawyer"), wife),
                    b.claim(
                        "action",
                        b.action("kz_foreign_ministry", "2018-06", reply="Under review."),
                        wife,
                    ),
                    b.claim("contact", b.contact("2018-04-10", "message", note="WeChat"), wife),
                ],
            },
        ],
        files=1,
    )
    second = entry(
        2,
        [
            {
                "op": "testimony.recorded",
                "testimony": T2,
                "persons": [P1, P2],
                "testifier": {"relationship": "other_relative", "name": "Cousin"},
                "consent": {"level": "internal"},
            },
            {
                "op": "person.amended",
                "person": P1,
                "claims": [
                    b.claim("birth", "1982", cousin),
                    b.claim("name", b.name("Serikzhan Bilash", language="kk"), cousin),
                    b.claim(
                        "status",
                        b.status("sentenced", "2019", term="10 years", charge="extremism"),
                        cousin,
                    ),
                    b.claim("contact", b.contact("2018"), cousin),
                ],
            },
            {
                "op": "person.created",
                "person": P2,
                "claims": [
                    b.claim("name", b.name("Айгүл Серікқызы"), cousin),
                    b.claim("relative", {"relation": "sibling", "person": P1}, cousin),
                    b.claim("status", b.status("travel_banned", "2017..2018"), cousin),
                ],
            },
        ],
    )
    third = entry(
        3,
        [
            {
                "op": "source.added",
                "source": S1,
                "kind": "court_document",
                "title": "Verdict",
                "persons": [P1],
                "date": "2019-06",
            },
            {
                "op": "rebuttal.added",
                "rebuttal": R1,
                "person": P1,
                "kind": "living_normally",
                "by": "Xinjiang government press conference",
                "text": "He lives a normal life.",
                "source": {"source": S1},
            },
            {
                "op": "person.corrected",
                "person": P2,
                "reason": "the cousin misremembered",
                "claims": [],
                "retract": [claim_id(second.entry_id, 2, 2)],
            },
            {
                "op": "testimony.consent_changed",
                "testimony": T2,
                "consent": {"level": "withdrawn"},
                "reason": "the family fears reprisals",
            },
        ],
    )
    return [first, second, third]


def reviewed(n: int = 4) -> SealedEntry:
    """A reviewer's entry about P1 (records format 1.4): two assessments, the second
    confirming the violation, and two submissions of the case."""
    return entry(
        n,
        [
            b.assessed(
                P1,
                "two relatives agree",
                source_reliability="likely_reliable",
                information_reliability="unsure",
                violation="likely",
                by="aigerim",
            ),
            b.assessed(P1, "the verdict confirms the detention", violation="confirmed"),
            b.submitted(P1, "un_wgeid", "2019-09", reference="G/SO 217/1 CHN 1", by="dana"),
            b.submitted(P1, "un_wgad", "2019-10", note="with the verdict"),
        ],
    )


# -- the scenario, on both databases ------------------------------------------------


def test_scenario_projects_provenance_disagreement_and_history(view_engine: Engine) -> None:
    """Given the scenario, when it is projected, then every value keeps its source,
    the disagreement and the ID conflict are flagged, and nothing is overwritten."""
    views = new_views(view_engine)
    report = views.apply(scenario(), {"a" * 64: 3})
    assert report.problems == [] and report.changes == 9
    with view_engine.connect() as conn:
        p1 = read.person(conn, P1)
        p2 = read.person(conn, P2)
    assert p1 is not None and p2 is not None
    person = p1.person
    assert person["display_name"] == "Серікжан Білаш"
    assert person["status"] == "sentenced" and person["status_date"] == "2019"
    assert person["hometown_code"] == "654002" and person["prefecture_code"] == "654000"
    assert p1.hometown is not None and p1.hometown["name_zh"] == "伊宁市"
    births = sorted(c["value"] for c in p1.claims if c["field"] == "birth")
    assert births == ["1980", "1982"]  # both kept
    kinds = {(f["kind"], f["field"]) for f in p1.flags}
    assert ("disagreement", "birth") in kinds
    assert ("id_birth_conflict", "birth") in kinds  # the cousin's 1982 against the ID
    assert [e["status"] for e in p1.timeline] == ["detained", "in_camp", "sentenced"]
    # who is believed responsible and what the family did (schema 1.2)
    assert [(e["responsible"], e["acknowledged"]) for e in p1.timeline] == [
        ("police", False),
        (None, None),
        (None, None),
    ]
    assert [(a["target"], a["date"], a["reply"], a["note"]) for a in p1.actions] == [
        ("kz_foreign_ministry", "2018-06", "Under review.", None),
        ("un", None, None, "through a lawyer"),  # undated: last
    ]
    assert p1.actions[0]["earliest"] == "2018-06-01" and p1.actions[0]["source_id"] == T1
    # each relative's last contact (schema 1.3), the latest first
    assert [(c["date"], c["channel"], c["note"], c["source_id"]) for c in p1.contacts] == [
        ("2018", None, None, T2),
        ("2018-04-10", "message", "WeChat", T1),
    ]
    assert p1.contacts[1]["earliest"] == p1.contacts[1]["latest"] == "2018-04-10"
    assert {c["source_id"] for c in p1.claims} == {T1, T2}
    assert p1.identifiers[0]["decoded_birth"] == "1980-01-01"
    assert p1.identifiers[0]["decoded_region"] == "654002"
    # Grade: the cousin withdrew, so one testimony + ID + a court document = documented,
    # and two independent accounts (the wife, the verdict) = corroborated.
    assert person["grade_label"] == "corroborated"
    assert any("withdrawn" in r for r in person["grade_reasons"])
    assert [r["kind"] for r in p1.rebuttals] == ["living_normally"]
    consents = {t["testimony_id"]: t["consent"] for t in p1.testimonies}
    assert consents == {T1: "public_named", T2: "withdrawn"}
    assert p1.testimonies[0]["media"] == [BLOB]
    # The correction retracted P2's status, kept it with the change that retracted it.
    assert p2.person["status"] is None
    retracted = [c for c in p2.claims if c["retracted_by"]]
    assert [c["field"] for c in retracted] == ["status"]
    assert [h["reason"] for h in p2.history if h["op"] == "person.corrected"] == [
        "the cousin misremembered"
    ]
    assert p2.relatives[0]["relative_id"] == P1


def test_search_filters(view_engine: Engine) -> None:
    """Given the scenario, then each filter finds exactly the persons it should."""
    views = new_views(view_engine)
    views.apply(scenario(), {})

    def found(**kw: Any) -> set[str]:
        with view_engine.connect() as conn:
            return {p.person_id for p in read.search(conn, read.Query(**kw)).persons}

    assert found() == {P1, P2}
    assert found(name="СЕРІК") == {P1, P2}  # case-insensitive, any part of any name
    assert found(name="bilash") == {P1}
    assert found(name="赛力克江") == {P1}
    assert P1 in found(name="赛力克")  # a beginning of 赛力克江 (Серікжан)
    assert found(name="Serikzhan") == {P1}  # across scripts: Серікжан, 赛力克江
    assert found(name="Серикжан Билаш") == {P1}  # Russian-style spelling
    assert found(name="50%_") == set()  # LIKE wildcards are literal
    assert found(id_number="6540 0219 8001 0100 10") == {P1}
    assert found(county="654002") == {P1}
    assert found(county="654000") == {P1}  # a prefecture finds its counties
    assert found(status="sentenced") == {P1}
    assert found(ever_status="in_camp") == {P1}
    assert found(date_from="2018-05-01", date_to="2018-05-31") == {P1}
    assert found(date_from="2020-01-01") == set()
    assert found(min_grade=4) == {P1}
    assert found(flagged=True) == {P1}
    with view_engine.connect() as conn:
        page = read.search(conn, read.Query(limit=1))
    assert page.total == 2 and len(page.persons) == 1


def test_name_search_ranks_across_scripts_and_shows_the_matched_form(
    view_engine: Engine,
) -> None:
    """Given the scenario, when a name is typed in another script than recorded, then
    the closest person comes first and carries the recorded form that matched."""
    views = new_views(view_engine)
    views.apply(scenario(), {})
    with view_engine.connect() as conn:
        whole = read.search(conn, read.Query(name="Serikzhan Bilash")).persons
        chinese = read.search(conn, read.Query(name="Sailikejiang")).persons
        partial = read.search(conn, read.Query(name="Серік")).persons
        nothing = read.search(conn, read.Query(name="Zhanna Qasymova")).persons
    assert [p.person_id for p in whole] == [P1]
    assert whole[0].matched in ("Серікжан Білаш", "Serikzhan Bilash")
    assert [p.person_id for p in chinese] == [P1]
    # the form shown is in the script typed, among the about equally similar
    assert chinese[0].matched == "Serikzhan Bilash"
    with view_engine.connect() as conn:
        hanzi = read.search(conn, read.Query(name="赛力克江")).persons
    assert hanzi[0].person_id == P1 and hanzi[0].matched == "赛力克江"
    assert {p.person_id for p in partial} == {P1, P2}
    assert all(p.matched for p in partial)
    assert nothing == []


SERIKS = (
    "赛力克江",
    "Серікжан Нұрланұлы",
    "Serikzhan Qasym",
    "Серік",
    "Serikbol Tursyn",
    "Serikjan Tursyn",
    "Серикжан Ахметович Каримов",
    "Serikzhan Akhmetov",
)


def _named_persons(engine: Engine, names: tuple[str, ...]) -> dict[str, str]:
    """One person for each name, recorded from one testimony; name -> person id."""
    views = new_views(engine)
    ids = {name: f"p_{i:032x}" for i, name in enumerate(names, start=16)}
    ref = b.source_ref(testimony=T1)
    changes: list[dict[str, Any]] = [t1_recorded(list(ids.values()))]
    for name, pid in ids.items():
        changes.append(
            {"op": "person.created", "person": pid, "claims": [b.claim("name", b.name(name), ref)]}
        )
    report = views.apply([entry(1, changes, files=1)], {})
    assert not report.problems, report.problems
    return ids


def test_a_name_in_any_script_finds_every_person_of_that_name(view_engine: Engine) -> None:
    """Given eight persons whose names begin Serik in four scripts, when one word is
    typed in Chinese characters, Kazakh Cyrillic or Latin letters, then every person
    with that word is listed (one recorded exactly as typed does not push the others
    out), the one written as typed first; a record's several readings of a word count
    once, so a Chinese record does not outrank the spellings typed."""
    ids = _named_persons(view_engine, SERIKS)
    serikjans = {ids[n] for n in SERIKS if n not in ("Серік", "Serikbol Tursyn")}
    with view_engine.connect() as conn:

        def found(name: str) -> list[str]:
            return [p.person_id for p in read.search(conn, read.Query(name=name)).persons]

        for typed in ("赛力克江", "Серікжан", "Serikzhan", "Sailikejiang"):
            assert set(found(typed)) == serikjans, typed
        assert found("赛力克江")[0] == ids["赛力克江"]
        hits = read.name_hits("Serikzhan")
        assert hits is not None
        scores = {pid: score for pid, score in conn.execute(hits)}
    assert scores[ids["赛力克江"]] <= scores[ids["Serikzhan Qasym"]]


def test_the_beginning_of_a_word_finds_the_words_it_begins(view_engine: Engine) -> None:
    """Given the same persons, when "Serik" is typed, then Серік comes first and every
    Serik... name follows (a person named exactly so does not hide them); when
    "Serikz" is typed, on the way to Serikzh (canonical serikj), then the Serikzhans are
    already found."""
    ids = _named_persons(view_engine, SERIKS)
    with view_engine.connect() as conn:
        serik = [p.person_id for p in read.search(conn, read.Query(name="Serik")).persons]
        typing = {p.person_id for p in read.search(conn, read.Query(name="Serikz")).persons}
    assert serik[0] == ids["Серік"]
    assert set(serik) == set(ids.values())
    assert {ids["Serikzhan Qasym"], ids["Серікжан Нұрланұлы"], ids["赛力克江"]} <= typing


def test_a_given_name_and_patronymic_find_the_person_with_a_surname_too(
    view_engine: Engine,
) -> None:
    """Given Серикжан Ахметович Каримов and Serikzhan Akhmetov, when "Серикжан
    Ахметович" is typed, then both are listed (each word of the name typed is a word of
    Каримов's), Akhmetov first (the whole name read with the patronymic's root); when
    "Serikzhan Qasym" is typed, then Serikzhan Akhmetov, who shares one word of two, is
    not."""
    ids = _named_persons(view_engine, SERIKS)
    with view_engine.connect() as conn:
        both = [
            p.person_id for p in read.search(conn, read.Query(name="Серикжан Ахметович")).persons
        ]
        qasym = {p.person_id for p in read.search(conn, read.Query(name="Serikzhan Qasym")).persons}
    assert both[0] == ids["Serikzhan Akhmetov"]
    assert ids["Серикжан Ахметович Каримов"] in both
    assert ids["Serikzhan Qasym"] in qasym and ids["Serikzhan Akhmetov"] not in qasym


def test_bad_record_entry_is_kept_with_its_problem(view_engine: Engine) -> None:
    """Given a record entry that breaks the format between two good ones, then it is
    kept with its reason, and the others are projected."""
    views = new_views(view_engine)
    good = scenario()
    bad = entry(9, [{"op": "person.created", "person": "not-an-id", "claims": []}])
    report = views.apply([good[0], bad, good[1]], {})
    assert [eid for eid, _ in report.problems] == [bad.entry_id]
    with view_engine.connect() as conn:
        problem = conn.execute(
            select(s.entries.c.problem).where(s.entries.c.entry_id == bad.entry_id)
        ).scalar_one()
        assert "identifier" in problem
        assert read.search(conn, read.Query()).total == 2


def test_applying_an_entry_twice_changes_nothing(view_engine: Engine) -> None:
    views = new_views(view_engine)
    views.apply(scenario(), {})
    before = dump(view_engine)
    report = views.apply(scenario(), {})
    assert report.entries == 0
    assert dump(view_engine) == before


def test_non_record_entries_are_listed_but_not_folded(view_engine: Engine) -> None:
    views = new_views(view_engine)
    views.apply([entry(1, [], etype="intake", files=2)], {"a" * 64: 1})
    assert views.projected_sizes() == {"a" * 64: 1}
    with view_engine.connect() as conn:
        assert conn.execute(select(s.entries.c.type)).scalars().all() == ["intake"]


def test_migration_from_version_1(view_engine: Engine) -> None:
    """Given views made before search keys and log positions existed (version 1), when
    opened, then they are emptied (positions come only from the vault) and projecting the
    entries again gives the same rows as new views."""
    views = new_views(view_engine)
    views.apply(scenario(), {"a" * 64: 3})
    expected = dump(view_engine)
    with view_engine.begin() as conn:
        s.search_keys.drop(conn)
        conn.execute(update(s.meta).where(s.meta.c.key == "schema_version").values(value="1"))
    assert views.prepare() == [
        "name search keys (search_keys table)",
        "log positions of changes (the views are rebuilt from the vault)",
    ]
    assert views.projected_sizes() == {}  # the next update reads the whole vault
    views.apply(scenario(), {"a" * 64: 3})
    assert dump(view_engine) == expected


def test_a_migration_that_fails_midway_leaves_the_views_as_they_were(
    view_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given views of version 2, whose migration empties them (every table dropped and
    made again), when it fails after the tables are dropped (here: writing the shipped
    places), then nothing of it stays: the old tables, rows and version are all there (on
    SQLite the drops used to be committed at once, each by itself, leaving the views
    empty), and the next open migrates them."""
    views = new_views(view_engine)
    views.apply(scenario(), {"a" * 64: 3})
    with view_engine.begin() as conn:
        conn.execute(update(s.meta).where(s.meta.c.key == "schema_version").values(value="2"))
    before = dump(view_engine)

    def fail(conn: object) -> None:
        raise RuntimeError("the disk is full")

    with monkeypatch.context() as m:
        m.setattr(views, "_write_builtin_places", fail)
        with pytest.raises(RuntimeError, match="the disk is full"):
            views.prepare()

    assert dump(view_engine) == before
    assert views.projected_sizes() == {"a" * 64: 3}
    assert "log positions of changes (the views are rebuilt from the vault)" in views.prepare()
    assert views.projected_sizes() == {}


def test_in_place_migration_refolds(view_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a step that alters tables in place (search keys, 1 to 2), when it runs, then
    every person is refolded and the rows equal new views'."""
    views = new_views(view_engine)
    views.apply(scenario(), {})
    expected = dump(view_engine)
    with view_engine.begin() as conn:
        s.search_keys.drop(conn)
        conn.execute(update(s.meta).where(s.meta.c.key == "schema_version").values(value="1"))
    monkeypatch.setattr(s, "MIGRATIONS", s.MIGRATIONS[:1])
    monkeypatch.setattr(s, "SCHEMA_VERSION", 2)
    assert views.prepare() == ["name search keys (search_keys table)"]
    assert dump(view_engine) == expected


_V7_SEARCH_KEYS = (
    "CREATE TABLE search_keys (person_id VARCHAR(40) NOT NULL, key VARCHAR(300) NOT NULL,"
    " kind VARCHAR(20) NOT NULL, PRIMARY KEY (person_id, key, kind))"
)


def test_migration_from_version_7_makes_the_search_keys_again(view_engine: Engine) -> None:
    """Given views of version 7, whose search keys were one row per kind of key (a rowid
    table on SQLite, every key kept three times), when opened, then the table holds one
    row per key (of a word, or of a whole name) with a bit for each kind, made again from
    the names without reading the vault, and equal to new views' rows."""
    views = new_views(view_engine)
    views.apply(scenario(), {"a" * 64: 3})
    expected = dump(view_engine)
    assert expected["search_keys"]
    old = [
        {"person_id": pid, "key": key, "kind": kind}
        for pid, word, key, bits in expected["search_keys"]
        for kind in s.SEARCH_KINDS
        if bits & s.kind_bit(kind) and word == (kind in s.WORD_KINDS)
    ]
    assert len(old) > len(expected["search_keys"])  # keys of several kinds are one row now
    with view_engine.begin() as conn:
        s.search_keys.drop(conn)
        conn.exec_driver_sql(_V7_SEARCH_KEYS)
        conn.exec_driver_sql("CREATE INDEX ix_search_keys_kind_key ON search_keys (kind, key)")
        conn.execute(text("INSERT INTO search_keys VALUES (:person_id, :key, :kind)"), old)
        conn.execute(update(s.meta).where(s.meta.c.key == "schema_version").values(value="7"))
    assert views.prepare() == [
        "name search keys stored one row a key",
        "flags said in the reader's language",
        "an index of the entries by their place in a log",
        "the last contact with each person",
        "reviewers' assessments and submissions of cases",
        f"name search keys made again for the names tables {TABLE_VERSION}",
    ]
    assert dump(view_engine) == expected
    assert views.projected_sizes() == {"a" * 64: 3}  # nothing to read from the vault again
    if view_engine.dialect.name == "sqlite":
        with view_engine.connect() as conn:
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'search_keys'"
            ).scalar_one()
            indexes = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE tbl_name = 'search_keys'"
                " AND type = 'index' AND sql IS NOT NULL"
            ).scalars()
            assert "WITHOUT ROWID" in sql
            assert list(indexes) == ["ix_search_keys_word_key"]


def test_migration_from_version_8_fills_the_flags_values(view_engine: Engine) -> None:
    """Given views of version 8, whose flags kept only their English sentence, when
    opened, then the flags gain the values their sentence names (every person folded
    again from the views, nothing read from the vault) and equal new views' rows."""
    views = new_views(view_engine)
    views.apply(scenario(), {"a" * 64: 3})
    expected = dump(view_engine)
    assert any(row[-1] not in (None, "{}") for row in expected["flags"])
    with view_engine.begin() as conn:
        columns = ", ".join(c.name for c in s.flags.columns if c.name != "args")
        conn.exec_driver_sql(f"CREATE TABLE flags_v8 AS SELECT {columns} FROM flags")  # noqa: S608
        conn.exec_driver_sql("DROP TABLE flags")
        conn.exec_driver_sql("ALTER TABLE flags_v8 RENAME TO flags")
        conn.execute(update(s.meta).where(s.meta.c.key == "schema_version").values(value="8"))
    assert views.prepare() == [
        "flags said in the reader's language",
        "an index of the entries by their place in a log",
        "the last contact with each person",
        "reviewers' assessments and submissions of cases",
    ]
    assert dump(view_engine) == expected
    assert views.projected_sizes() == {"a" * 64: 3}


def test_migration_from_version_9_finds_entries_by_their_place_in_a_log(
    view_engine: Engine,
) -> None:
    """Given views of version 9, without an index of the entries by log and position,
    when opened, then the index is made, nothing else changes, and the last entry read
    of each log is found."""
    views = new_views(view_engine)
    views.apply(scenario(), {"a" * 64: 3})
    expected = dump(view_engine)
    heads = views.projected_heads()
    with view_engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_entries_log_seq")
        conn.execute(update(s.meta).where(s.meta.c.key == "schema_version").values(value="9"))
    assert "ix_entries_log_seq" not in {
        i["name"] for i in inspect(view_engine).get_indexes("entries")
    }
    assert views.prepare() == [
        "an index of the entries by their place in a log",
        "the last contact with each person",
        "reviewers' assessments and submissions of cases",
    ]
    assert "ix_entries_log_seq" in {i["name"] for i in inspect(view_engine).get_indexes("entries")}
    assert dump(view_engine) == expected
    assert views.projected_heads() == heads
    assert heads["a" * 64][0] == 3 and heads["a" * 64][1] is not None


_NEW_TABLES = {10: (s.contacts, s.assessments, s.submissions), 11: (s.assessments, s.submissions)}
_REFUSED = "This record entry uses a schema this Amanat does not know; update it."


def _as_version(engine: Engine, version: int, refused: str | None = None) -> None:
    """Make views of ``version`` (10 or 11): without the tables added since;
    ``refused``: an entry an Amanat of then could not read (a contact needs records
    format 1.3, an assessment 1.4)."""
    with engine.begin() as conn:
        for table in _NEW_TABLES[version]:
            table.drop(conn)
        conn.execute(
            update(s.meta).where(s.meta.c.key == "schema_version").values(value=str(version))
        )
        if refused:
            conn.execute(
                update(s.entries).where(s.entries.c.entry_id == refused).values(problem=_REFUSED)
            )


def test_migration_from_version_10_adds_the_contacts_in_place(view_engine: Engine) -> None:
    """Given views of version 10 that used every entry they read, when opened, then the
    table of last contacts is made, empty, in place: nothing is read from the vault."""
    views = new_views(view_engine)
    views.apply(scenario(), {"a" * 64: 3})
    expected = dump(view_engine)
    _as_version(view_engine, 10)
    assert views.prepare() == [
        "the last contact with each person",
        "reviewers' assessments and submissions of cases",
    ]
    assert views.projected_sizes() == {"a" * 64: 3}
    assert dump(view_engine) == expected | {"contacts": []}


def test_migration_from_version_10_reads_refused_entries_again(view_engine: Engine) -> None:
    """Given views of version 10 holding an entry they could not use (an Amanat before
    records format 1.3 refused a last contact, asking to be updated), when opened, then
    the views are emptied and the next update reads the whole vault again: the entry's
    contacts are there, and the rows equal new views'."""
    views = new_views(view_engine)
    entries = scenario()
    views.apply(entries, {"a" * 64: 3})
    expected = dump(view_engine)
    _as_version(view_engine, 10, refused=entries[0].entry_id)
    assert views.prepare() == [
        "the last contact with each person (the views are rebuilt from the vault)"
    ]
    assert views.projected_sizes() == {}
    views.apply(scenario(), {"a" * 64: 3})
    assert dump(view_engine) == expected


def test_migration_from_version_11_adds_the_reviews_in_place(view_engine: Engine) -> None:
    """Given views of version 11 that used every entry they read, when opened, then the
    tables of assessments and submissions are made, empty, in place."""
    views = new_views(view_engine)
    views.apply(scenario(), {"a" * 64: 3})
    expected = dump(view_engine)
    _as_version(view_engine, 11)
    assert views.prepare() == ["reviewers' assessments and submissions of cases"]
    assert views.projected_sizes() == {"a" * 64: 3}
    assert dump(view_engine) == expected


def test_migration_from_version_11_reads_refused_entries_again(view_engine: Engine) -> None:
    """Given views of version 11 that refused a reviewer's entry (an Amanat before
    records format 1.4), when opened, then the views are read again from the vault and
    the assessment and the submission are there."""
    views = new_views(view_engine)
    entries = [*scenario(), reviewed()]
    views.apply(entries, {"a" * 64: 4})
    expected = dump(view_engine)
    assert expected["assessments"] and expected["submissions"]
    _as_version(view_engine, 11, refused=entries[-1].entry_id)
    assert views.prepare() == [
        "reviewers' assessments and submissions of cases (the views are rebuilt from the vault)"
    ]
    assert views.projected_sizes() == {}
    views.apply([*scenario(), reviewed()], {"a" * 64: 4})
    assert dump(view_engine) == expected


def test_assessments_and_submissions_are_projected_and_corrected(view_engine: Engine) -> None:
    """Given the scenario and a reviewer's entry, when a later entry corrects one
    submission's date and another adds the urgent route, then each aspect in force is
    the latest that gives it, every assessment is kept with its reason, the wrong
    submission is gone and the right one is there, and the history says why."""
    views = new_views(view_engine)
    review = reviewed()
    fix = entry(
        5,
        [
            b.submitted(
                P1,
                "un_wgad",
                "2019-11",
                retract=submission_id(review.entry_id, 3),
                reason="it was sent in November",
            ),
            b.assessed(P1, "disappeared last month", un_route="urgent"),
        ],
    )
    assert fix.data["schema"] == REVIEW_SCHEMA
    report = views.apply([*scenario(), review, fix], {"a" * 64: 5})
    assert report.problems == []
    with view_engine.connect() as conn:
        p1 = read.person(conn, P1)
        p2 = read.person(conn, P2)
    assert p1 is not None and p2 is not None
    in_force = {aspect: a[aspect] for aspect, a in p1.assessment().items()}
    assert in_force == {
        "source_reliability": "likely_reliable",
        "information_reliability": "unsure",
        "violation": "confirmed",
        "un_route": "urgent",
    }
    assert [(a["reason"], a["by"]) for a in p1.assessments] == [
        ("disappeared last month", None),
        ("the verdict confirms the detention", None),
        ("two relatives agree", "aigerim"),
    ]
    assert [
        (x["recipient"], x["date"], x["earliest"], x["reference"], x["note"], x["by"])
        for x in p1.submissions
    ] == [
        ("un_wgeid", "2019-09", "2019-09-01", "G/SO 217/1 CHN 1", None, "dana"),
        ("un_wgad", "2019-11", "2019-11-01", None, None, None),
    ]
    assert p1.submissions[1]["submission_id"] == submission_id(fix.entry_id, 0)
    ops = [(h["op"], h["reason"]) for h in p1.history]
    assert ("person.submitted", "it was sent in November") in ops
    assert ops.count(("person.assessed", "two relatives agree")) == 1
    assert p1.person["updated"] == fix.time
    assert p2.assessments == [] and p2.submissions == []


def test_an_assessment_alone_makes_no_person(view_engine: Engine) -> None:
    """Given an assessment of a person no entry creates, when projected, then there is
    no such person: only claims make a person."""
    views = new_views(view_engine)
    views.apply([entry(1, [b.assessed(P3, "a typo in the id", violation="possible")])], {})
    with view_engine.connect() as conn:
        assert read.person(conn, P3) is None


def test_views_from_a_newer_amanat_are_refused(view_engine: Engine) -> None:
    views = new_views(view_engine)
    with view_engine.begin() as conn:
        conn.execute(
            update(s.meta)
            .where(s.meta.c.key == "schema_version")
            .values(value=str(s.SCHEMA_VERSION + 1))
        )
    with pytest.raises(UnsupportedVersion, match="newer Amanat"):
        views.prepare()


def test_user_place_is_projected(view_engine: Engine) -> None:
    views = new_views(view_engine)
    views.apply(
        [
            entry(
                1,
                [
                    {
                        "op": "place.added",
                        "place": "user:khorgos-post",
                        "kind": "border_post",
                        "names": {"kk": "Қорғас", "zh": "霍尔果斯"},
                        "lat": "44.2",
                        "lon": "80.4",
                    }
                ],
            )
        ],
        {},
    )
    with view_engine.connect() as conn:
        row = conn.execute(select(s.places).where(s.places.c.origin == "user")).one()
    assert (row.place_id, row.name_kk, row.lat) == ("user:khorgos-post", "Қорғас", "44.2")


# -- rebuild equals incremental: a property over random entry sequences -------------

_PERSONS = [P1, P2, P3]
_TESTIMONIES = [T1, T2]


@st.composite
def histories(draw: st.DrawFn) -> list[SealedEntry]:
    """Random record entries: creations, amendments, corrections retracting earlier
    claims, testimonies linked and withdrawn, sources, rebuttals, reviewers' decisions
    that merge and split persons (with conflicts among three), assessments, submissions
    and their corrections; times with ties."""
    made: list[SealedEntry] = []
    claims_made: list[str] = []
    submissions_made: list[str] = []
    for n in range(draw(st.integers(1, 8))):
        changes: list[dict[str, Any]] = []
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(
                st.sampled_from(
                    [
                        "create",
                        "amend",
                        "correct",
                        "testimony",
                        "link",
                        "consent",
                        "source",
                        "rebuttal",
                        "decide",
                        "decide",
                        "assess",
                        "submit",
                    ]
                )
            )
            person = draw(st.sampled_from(_PERSONS))
            tid = draw(st.sampled_from(_TESTIMONIES))
            ref = b.source_ref(testimony=tid)
            if kind in ("create", "amend"):
                field = draw(st.sampled_from(["birth", "sex", "name", "status", "hometown"]))
                value: Any = {
                    "birth": draw(st.sampled_from(["1975", "1980", "1980-01", "1978..1982"])),
                    "sex": draw(st.sampled_from(["male", "female"])),
                    "name": b.name(draw(st.sampled_from(["Айгүл", "Aigul", "阿依古丽"]))),
                    "status": b.status(
                        draw(st.sampled_from(["detained", "released"])),
                        draw(st.sampled_from(["2018", "2019-02"])),
                    ),
                    "hometown": b.place_ref(draw(st.sampled_from(["654002", "650102"]))),
                }[field]
                claims = [b.claim(field, value, ref)]
                if draw(st.booleans()):
                    claims.append(b.claim("document", b.document("cn_resident_id", RID), ref))
                op = "person.created" if kind == "create" else "person.amended"
                changes.append({"op": op, "person": person, "claims": claims})
                base = len(changes) - 1
                claims_made.extend(f"__{n}.{base}.{i}" for i in range(len(claims)))
            elif kind == "correct" and claims_made:
                target = draw(st.sampled_from(claims_made))
                changes.append(
                    {
                        "op": "person.corrected",
                        "person": person,
                        "claims": [],
                        "retract": [target],
                        "reason": "checked with the family",
                    }
                )
            elif kind == "testimony":
                changes.append(t1_recorded([person]) | {"testimony": tid, "media": []})
            elif kind == "link":
                changes.append({"op": "testimony.linked", "testimony": tid, "persons": [person]})
            elif kind == "consent":
                level = draw(st.sampled_from(["withdrawn", "internal", "public_anonymised"]))
                changes.append(
                    {
                        "op": "testimony.consent_changed",
                        "testimony": tid,
                        "consent": {"level": level},
                    }
                )
            elif kind == "source":
                changes.append(
                    {
                        "op": "source.added",
                        "source": S1,
                        "kind": draw(st.sampled_from(["official_notice", "media_report"])),
                        "title": "notice",
                        "persons": [person],
                    }
                )
            elif kind == "assess":
                aspects = draw(
                    st.dictionaries(
                        st.sampled_from(["violation", "un_route"]),
                        st.sampled_from(["likely", "possible"]),
                        min_size=1,
                    )
                )
                if "un_route" in aspects:
                    aspects["un_route"] = draw(st.sampled_from(["urgent", "standard"]))
                changes.append(b.assessed(person, "two accounts agree", **aspects))
            elif kind == "submit":
                retract = draw(st.sampled_from([None, *submissions_made]))
                to = draw(st.sampled_from(["un_wgeid", "un_wgad", None if retract else "other"]))
                changes.append(
                    b.submitted(person, to, "2019-05", retract=retract, reason="a mistake")
                )
                if to:
                    submissions_made.append(f"__{n}.{len(changes) - 1}")
            elif kind == "decide":
                a, other = draw(st.permutations(_PERSONS))[:2]
                decision = draw(st.sampled_from(["same", "same", "different", "unsure"]))
                changes.append(link_decided(a, other, decision, "reviewed", by="reviewer"))
            elif kind == "rebuttal":
                changes.append(
                    {
                        "op": "rebuttal.added",
                        "rebuttal": R1,
                        "person": person,
                        "kind": "fabricated",
                        "by": "state media",
                        "text": "fabricated",
                        "source": {"source": S1},
                    }
                )
        if not changes:
            changes.append({"op": "person.created", "person": P1, "claims": []})
        time = f"2026-01-01T00:00:{draw(st.integers(0, 3)):02d}Z"
        made.append(entry(n, changes, time=time))
    # Retractions name claims by their entry's id, known only now.
    ids = {str(n): e.entry_id[:16] for n, e in enumerate(made)}
    fixed = []
    for e in made:
        raw = json.dumps(e.data)
        for n, prefix in ids.items():
            raw = raw.replace(f"__{n}.", f"{prefix}.")
        fixed.append(
            SealedEntry(e.entry_id, e.log, e.seq, e.time, e.type, json.loads(raw), e.files)
        )
    return fixed


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories(), data=st.data())
def test_rebuild_equals_incremental(
    view_engine: Engine, history: list[SealedEntry], data: st.DataObject
) -> None:
    """Given any history of record entries, when it arrives in any order and in any
    batches (as syncs bring it), then the tables equal a rebuild from all of it."""
    views = Views(view_engine, lambda: [])
    views.clear()
    views.prepare()
    order = data.draw(st.permutations(history))
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(order) - 1)), max_size=3)))
    start = 0
    for cut in [*cuts, len(order)]:
        views.apply(order[start:cut], {})
        start = cut
    incremental = dump(view_engine)
    views.clear()
    views.prepare()
    views.apply(history, {})
    assert dump(view_engine) == incremental


def _index_names(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        found = inspect(conn)
        return {t.name: sorted(str(i["name"]) for i in found.get_indexes(t.name)) for t in s.TABLES}


def test_an_apply_onto_held_persons_reads_back_only_what_it_did_not_bring(
    view_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given views holding the scenario's first entry (a testimony and its person),
    when the rest arrives in one apply, folded as a large import is (indexes dropped
    and built again from the tables, on SQLite), then only the subjects that had
    changes before are read back from the database (the person amended and the
    testimony whose consent changed), not the person, testimony and source the apply
    brought; and the tables and indexes equal a fold of everything from scratch."""
    views = new_views(view_engine)
    first, *rest = scenario()
    views.apply([first], {})
    indexes = _index_names(view_engine)
    assert all(indexes[t.name] for t in (s.persons, s.claims, s.search_keys))
    loaded: list[str] = []
    load = Views._load

    def recording(self: Views, conn: Any, subjects: Any) -> Any:
        loaded.extend(subjects or [])
        return load(self, conn, subjects)

    monkeypatch.setattr(Views, "_load", recording)
    monkeypatch.setattr(project, "_REINDEX_FROM", 1)
    views.apply(rest, {})

    assert P1 in loaded and T1 in loaded
    assert not {P2, T2, S1} & set(loaded)
    assert _index_names(view_engine) == indexes
    after = dump(view_engine)
    views.clear()
    views.prepare()
    views.apply(scenario(), {})
    assert dump(view_engine) == after


def test_postgres_and_sqlite_hold_the_same_rows(postgres_url: str, tmp_path: Any) -> None:
    """Given the scenario projected on both databases, then the rows are identical."""
    lite = open_sqlite(tmp_path / "v.db", secrets.token_bytes(KEY_BYTES), create=True)
    try:
        with fresh_postgres_database(postgres_url) as pg:
            for engine in (lite, pg):
                new_views(engine).apply(scenario(), {})
            assert dump(lite) == dump(pg)
    finally:
        lite.dispose()


def test_insert_of_a_row_outside_the_projection_is_possible_only_in_tests(
    view_engine: Engine,
) -> None:
    """Guard for dump(): it sees rows written by anyone, so a stray row would show."""
    views = new_views(view_engine)
    views.apply(scenario(), {})
    before = dump(view_engine)
    with view_engine.begin() as conn:
        conn.execute(
            insert(s.flags), [{"person_id": P3, "n": 0, "kind": "x", "field": "y", "detail": "z"}]
        )
    assert dump(view_engine) != before


def test_folding_in_two_processes_gives_the_same_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the scenario, when it is folded in pieces by forked workers, then the rows
    equal a fold in one process."""
    by_subject: dict[str, list[Any]] = {}
    links: dict[str, list[str]] = {}
    for e in scenario():
        for c in read_changes(e.entry_id, e.time, e.data, e.files):
            by_subject.setdefault(c.subject, []).append(c)
            for p in c.body.get("persons", []) if c.op != "rebuttal.added" else []:
                links.setdefault(p, []).append(c.subject)
    args = (by_subject, links, [P1, P2], [T1, T2], [S1], [])

    def rows(found: project.Rows) -> dict[str, list[Any]]:
        return {table: sorted(batch, key=repr) for table, batch in found.items()}

    single = rows(project.fold_rows(*args))
    assert single["persons"] and single["testimonies"]
    monkeypatch.setattr(project, "_PARALLEL_FROM", 1)
    monkeypatch.setattr(project, "_TASK", 1)
    pieces = list(project.fold_in_chunks(*args))
    assert len(pieces) == 5  # sources and places, two testimonies, two persons
    merged: project.Rows = {}
    for piece in pieces:
        for table, batch in piece.items():
            merged.setdefault(table, []).extend(batch)
    assert rows(merged) == single


def test_a_cited_source_concerns_the_person(view_engine: Engine) -> None:
    """Given an imported list sealed before the persons it holds (so it names none),
    when a person's claims cite it by row, then the list is among the person's sources
    and counts as evidence."""
    views = new_views(view_engine)
    views.apply(
        [
            entry(
                1,
                [
                    {
                        "op": "source.added",
                        "source": S1,
                        "kind": "imported_list",
                        "title": "list.xlsx",
                        "persons": [],
                    }
                ],
            ),
            entry(
                2,
                [
                    {
                        "op": "person.created",
                        "person": P3,
                        "claims": [
                            b.claim(
                                "name", b.name("Ерлан"), b.source_ref(source=S1, locator="row 7")
                            )
                        ],
                    }
                ],
            ),
        ],
        {},
    )
    with view_engine.connect() as conn:
        p3 = read.person(conn, P3)
    assert p3 is not None
    assert [src["source_id"] for src in p3.sources] == [S1]
    assert p3.claims[0]["locator"] == "row 7"
    assert p3.person["grade_label"] == "testimony" and p3.person["n_sources"] == 1


def test_search_keys_are_made_again_when_the_name_tables_change(view_engine: Engine) -> None:
    """Given views whose search keys were made under older name tables (here: lost),
    when the views are prepared again, then the keys are made anew from the names, the
    search finds across scripts again, and it says so once."""
    views = new_views(view_engine)
    views.apply(scenario(), {})
    with view_engine.begin() as conn:
        conn.execute(update(s.meta).where(s.meta.c.key == "names_tables").values(value="0.9"))
        conn.execute(s.search_keys.delete())
        assert read.search(conn, read.Query(name="Serikzhan")).persons == []
    assert any("name search keys" in d for d in views.prepare())
    assert views.prepare() == []
    with view_engine.connect() as conn:
        found = read.search(conn, read.Query(name="Serikzhan")).persons
    assert [p.person_id for p in found] == [P1]


def test_the_form_shown_as_matching_is_in_the_script_typed_and_never_a_label() -> None:
    """Given a person recorded as Серікжан Білаш, Serikzhan Bilash and 赛力克江 and under
    the label DEMO-04, when a name is typed, then the recorded form shown beside the
    result is, among the about equally similar ones, the one in the script typed; a label
    is shown only when nothing else is recorded."""
    forms = [
        ("DEMO-04", "Latn"),
        ("Серікжан Білаш", "Cyrl"),
        ("Serikzhan Bilash", "Latn"),
        ("赛力克江", "Hani"),
    ]
    assert read.closest_form(["Serikzhan"], forms) == "Serikzhan Bilash"
    assert read.closest_form(["Серикжан"], forms) == "Серікжан Білаш"
    assert read.closest_form(["赛力克江"], forms) == "赛力克江"
    assert read.closest_form(["Ser k"], forms) != "DEMO-04"
    assert read.closest_form(["demo-04"], [("DEMO-04", "Latn")]) == "DEMO-04"
    assert read.closest_form([], forms) is None and read.closest_form(["x"], []) is None


def test_testimonies_to_link_on_both_engines(view_engine: Engine) -> None:
    """Given a video about no one, a video about Серік Жылқыбаев whose title also names
    Гүлнар Тұрсынова, and an untitled intake about her, when the testimonies to link
    are listed for her page (on SQLite and PostgreSQL alike), then both videos are
    offered, the one naming her first and saying whom it is about already, only the
    first counts as linked to no one, and the intake on her page may not be linked
    again; words typed list only the titles holding them."""
    from amanat.views.unlinked import linkable, unlinked

    views = new_views(view_engine)
    serik, gulnar = "p_" + "1" * 32, "p_" + "2" * 32
    loose, both, intake = ("t_" + c * 32 for c in "345")

    def video(testimony: str, persons: list[str], title: str) -> dict[str, Any]:
        return {"op": "testimony.recorded", "testimony": testimony, "persons": persons,
                "testifier": {"relationship": "unknown"}, "consent": {"level": "internal"},
                "title": title}  # fmt: skip

    changes: list[dict[str, Any]] = [
        video(loose, [], "Press conference in Almaty"),
        video(both, [serik], "Mother of Gulnar Tursynova, wife of Serik Zhylkybayev"),
        {**t1_recorded([gulnar]), "testimony": intake, "media": []},
    ]
    for pid, name, t in ((serik, "Серік Жылқыбаев", both), (gulnar, "Гүлнар Тұрсынова", intake)):
        ref = b.source_ref(testimony=t)
        changes.append({"op": "person.created", "person": pid,
                        "claims": [b.claim("name", b.name(name), ref)]})  # fmt: skip
    report = views.apply([entry(1, changes)], {})
    assert not report.problems, report.problems
    with view_engine.connect() as conn:
        total, shown = unlinked(conn, names=["Гүлнар Тұрсынова"], page=[intake])
        assert total == 1
        assert [u.testimony_id for u in shown] == [both, loose]
        assert shown[0].about == ("Серік Жылқыбаев",) and shown[0].score > 0
        assert shown[1].about == ()
        total, typed = unlinked(conn, words="press", page=[intake])
        assert [u.testimony_id for u in typed] == [loose]
        assert linkable(conn, both, [intake]) and linkable(conn, loose, [intake])
        assert not linkable(conn, intake, [intake])
        assert not linkable(conn, "t_" + "9" * 32, [intake])
