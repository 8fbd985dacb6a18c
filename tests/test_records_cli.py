"""The victims-database commands, run as the real ``amanat`` command.

Given a desk holding the demo persons, when a volunteer checks an ID number, searches,
reads a person, updates or rebuilds the views and exports, then each command answers in
plain words (or JSON), errors are one sentence with their exit code, and the export
holds every row of every table with a dictionary of every column.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from amanat.desk import Desk
from amanat.desk.service import Batch
from amanat.records import build as b
from amanat.records.demo_data import DemoBatch, DemoData, demo_data
from amanat.vault import seal
from amanat.views import schema
from amanat.views.export import _csv_value, exported_tables
from conftest import Org, amanat_here

VALID = "650102198001010012"  # 天山区, Urumqi; 1980-01-01; male


def amanat(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = amanat_here(env, *args)
    assert "Traceback" not in done.stderr
    return done


def ok(env: dict[str, str], *args: str) -> str:
    done = amanat(env, *args)
    assert done.returncode == 0, f"{args}: {done.stderr}"
    return done.stdout


def ok_json(env: dict[str, str], *args: str) -> Any:
    return json.loads(ok(env, *args, "--json"))


def fails(env: dict[str, str], code: int, *args: str) -> str:
    done = amanat(env, *args)
    assert done.returncode == code, f"{args}: {done.stdout} {done.stderr}"
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("amanat: "), done.stderr
    return lines[0]


# -- id check: no home needed ----------------------------------------------------------


def test_id_check_decodes_a_valid_resident_id(cli_env: dict[str, str]) -> None:
    text = ok(cli_env, "id", "check", "650102 19800101 0012")
    assert "Valid PRC resident ID: 650102198001010012" in text
    assert "新疆维吾尔自治区" in text and "天山区" in text and "in Xinjiang" in text
    assert "Born: 1980-01-01" in text and "Sex: male" in text
    data = ok_json(cli_env, "id", "check", VALID)
    assert data["valid"] and data["kind"] == "cn_resident_id"
    assert data["birth_date"] == "1980-01-01" and data["sex"] == "male"
    assert data["in_xinjiang"] is True and data["notes"] == []
    levels = [r["level"] for r in data["region"]]
    assert levels == ["province", "prefecture", "county"]
    assert {"code", "name", "valid_from", "valid_until"} <= set(data["region"][2])


def test_id_check_refuses_a_mistyped_number_in_one_sentence(cli_env: dict[str, str]) -> None:
    line = fails(cli_env, 6, "id", "check", VALID[:-1] + "3")
    assert "mistyped" in line and VALID not in line
    assert "18 (15 on old cards)" in fails(cli_env, 6, "id", "check", "12345")
    assert "IIN" in fails(cli_env, 6, "id", "check", VALID, "--kind", "kz")


def test_id_check_converts_an_old_15_digit_number(cli_env: dict[str, str]) -> None:
    data = ok_json(cli_env, "id", "check", "650102800101001")
    assert data["legacy_number"] == "650102800101001"
    assert data["number"] == VALID


def test_id_check_names_today_s_place_for_an_abolished_code(cli_env: dict[str, str]) -> None:
    data = ok_json(cli_env, "id", "check", "652101198501010014")  # 吐鲁番市 until 2015
    assert data["place_today"]["id"] == "650402"
    assert "Today this is" in ok(cli_env, "id", "check", "652101198501010014")


def test_id_check_decodes_a_kazakh_iin(cli_env: dict[str, str]) -> None:
    data = ok_json(cli_env, "id", "check", "800101 300016")
    assert data == {
        "kind": "kz_iin",
        "valid": True,
        "number": "800101300016",
        "birth_date": "1980-01-01",
        "sex": "male",
    }
    assert "Valid Kazakh IIN" in ok(cli_env, "id", "check", "800101300016")
    assert "last digit should be" in fails(cli_env, 6, "id", "check", "800101300017")


# -- a desk with the demo persons ------------------------------------------------------


def _batches(batches: tuple[DemoBatch, ...], folder: Path) -> list[Batch]:
    out = []
    for n, batch in enumerate(batches):
        (folder / str(n)).mkdir(parents=True)
        files = []
        for f in batch.files:
            (folder / str(n) / f.name).write_bytes(f.content)
            files.append(seal.FileToSeal(folder / str(n) / f.name, f.name, f.media_type))
        out.append(Batch(files, list(batch.changes), batch.note))
    return out


@pytest.fixture
def demo_desk(org: Org, tmp_path: Path) -> tuple[Org, DemoData]:
    data = demo_data()
    with Desk(org.desk, org.desk_keys) as desk:
        receipts = desk.seal_records(_batches(data.intake, tmp_path / "media"))
        later = data.follow_up([r.entry_id for r in receipts])
        desk.seal_records(_batches(later, tmp_path / "later"))
    return org, data


def _home(org: Org) -> tuple[str, str]:
    return "--home", str(org.desk.path)


def test_persons_searches_the_demo_persons(
    demo_desk: tuple[Org, DemoData], cli_env: dict[str, str]
) -> None:
    org, data = demo_desk
    home = _home(org)
    found = ok_json(cli_env, "persons", *home)
    assert found["total"] == 42 and len(found["persons"]) == 42
    assert {p["person_id"] for p in found["persons"]} == set(data.persons)
    row = found["persons"][0]
    assert {"person_id", "name", "birth", "hometown", "status", "grade", "n_flags"} <= set(row)

    showcase = data.featured["showcase"]
    by_alias = ok_json(cli_env, "persons", *home, "--name", "demo-01")
    assert [p["person_id"] for p in by_alias["persons"]] == [showcase]
    # "-": the name typed after the command starts (here piped), not on its line
    piped = subprocess.run(
        [sys.executable, "-m", "amanat.cli.main", "persons", *home, "--name", "-", "--json"],
        env=cli_env, input="demo-01\n", capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    assert [p["person_id"] for p in json.loads(piped.stdout)["persons"]] == [showcase]
    county = ok_json(cli_env, "persons", *home, "--county", "伊宁县")
    assert showcase in {p["person_id"] for p in county["persons"]}
    assert all(p["hometown"] == "654021" for p in county["persons"])
    flagged = ok_json(cli_env, "persons", *home, "--flagged")
    assert {p["person_id"] for p in flagged["persons"]} == {
        data.featured["disagreement"],
        data.featured["id_conflict"],
    }
    # the man taken again five weeks before today: the one case for the urgent action
    urgent = ok_json(cli_env, "persons", *home, "--urgent")
    assert [p["person_id"] for p in urgent["persons"]] == [data.featured["taken_again"]]
    strong = ok_json(cli_env, "persons", *home, "--min-grade", "4")
    assert showcase in {p["person_id"] for p in strong["persons"]}
    assert all(p["grade"] == 4 for p in strong["persons"])
    in_2018 = ok_json(
        cli_env, "persons", *home, "--ever", "detained", "--from", "2018", "--to", "12.2018"
    )
    assert 0 < in_2018["total"] < 42

    page = ok_json(cli_env, "persons", *home, "--limit", "15", "--page", "3")
    assert page["total"] == 42 and len(page["persons"]) == 12
    text = ok(cli_env, "persons", *home, "--limit", "15")
    assert text.startswith("ID") and "NAME" in text and "GRADE" in text
    assert "42 persons; page 1 of 3" in text and "--page 2" in text
    assert "past the end" in ok(cli_env, "persons", *home, "--limit", "15", "--page", "4")


def test_persons_refuses_a_bad_filter_before_asking_anything(cli_env: dict[str, str]) -> None:
    """No desk exists at the default home: the filter is refused first, in one sentence."""
    assert "--from" in fails(cli_env, 6, "persons", "--from", "13.2018")
    assert "could be several places" in fails(cli_env, 6, "persons", "--county", "yining")
    assert "unknown status" in fails(cli_env, 2, "persons", "--status", "jailed")
    assert "0 to 4" in fails(cli_env, 2, "persons", "--min-grade", "5")


def test_person_shows_provenance_flags_and_history(
    demo_desk: tuple[Org, DemoData], cli_env: dict[str, str]
) -> None:
    org, data = demo_desk
    showcase = data.featured["showcase"]
    text = ok(cli_env, "person", showcase, *_home(org))
    for words in (
        "Evidence grade 4 (corroborated)",
        "DEMO-01",
        "birth, disagreement: Sources disagree: 1978; 1980.",
        "retracted by",
        "Status timeline",
        "court_document",
        "Rebuttals by the state",
        "person.corrected: The wife gave the city",
        "spouse's testimony",
        "What the family has done",
        "Last contact with the family",
        "For a case to the UN working group",
        "Submissions of the case",
        "DEMO-WGEID-0001",
        "Reviewers' assessment",
        "violation                        confirmed (",
    ):
        assert words in text, words
    assert "{'" not in text  # every value in words, never a raw dictionary
    assert "None" not in text  # an absent value is left out, not printed
    page = ok_json(cli_env, "person", showcase, *_home(org))
    assert page["person"]["person_id"] == showcase
    assert len(page["testimonies"]) == 2 and len(page["rebuttals"]) == 1
    # each relative's last contact, in words on the page, the latest first
    assert page["contacts"], "the demo gives the showcase person a last contact"
    dates = [c["latest"] for c in page["contacts"]]
    assert dates == sorted(dates, reverse=True)
    section = text.split("Last contact with the family")[1].split("What the family")[0]
    assert page["contacts"][0]["date"] in section and "nothing recorded" not in section
    assert {f["kind"] for f in page["flags"]} == {"disagreement"}
    # Sealed within one second, the two may list in either order (time, then entry id).
    own = sorted(h["op"] for h in page["history"] if not h.get("testimony"))
    assert own == ["person.assessed", "person.corrected", "person.created", "person.submitted"]
    # the reviewer's assessment in force and the submission (records format 1.4)
    assert [(s["recipient"], s["reference"]) for s in page["submissions"]] == [
        ("un_wgeid", "DEMO-WGEID-0001")
    ]
    assert [a["violation"] for a in page["assessments"]] == ["confirmed"]
    # and the changes of the testimonies concerning the person, each naming its testimony
    told = {t["testimony_id"] for t in page["testimonies"]}
    assert {h["subject"] for h in page["history"] if h.get("testimony")} == told
    conflict = ok_json(cli_env, "person", data.featured["id_conflict"], *_home(org))
    assert {f["kind"] for f in conflict["flags"]} == {"id_birth_conflict"}
    withdrawn = ok_json(cli_env, "person", data.featured["withdrawn"], *_home(org))
    assert withdrawn["person"]["grade"] == 0
    assert withdrawn["testimonies"][0]["consent"] == "withdrawn"
    # the withdrawal is in the person's history, with the testimony it concerns
    (change,) = [h for h in withdrawn["history"] if h["op"] == "testimony.consent_changed"]
    assert change["subject"] == withdrawn["testimonies"][0]["testimony_id"]
    text = ok(cli_env, "person", data.featured["withdrawn"], *_home(org))
    assert change["subject"] in text.split("History of changes")[-1]
    assert "also to:" not in text  # a withdrawn consent allows no use
    assert "No person" in fails(cli_env, 5, "person", "p_" + "0" * 32, *_home(org))


def test_a_person_page_names_stored_codes_in_the_reader_s_language(
    demo_desk: tuple[Org, DemoData], cli_env: dict[str, str]
) -> None:
    """Given the showcase person, when a Russian reader asks for the page and the persons
    table, then the stored codes (grade, relationship, history, field, status) read as
    the staff app names them in Russian, never as codes; and in English, as before, the
    codes themselves, which are what options such as --ever take."""
    org, data = demo_desk
    showcase = data.featured["showcase"]
    russian = cli_env | {"AMANAT_LANG": "ru"}
    text = ok(russian, "person", showcase, *_home(org))
    for words in (
        "(Подтверждено независимыми источниками)",  # grade 4, corroborated
        "(Супруг(а))",  # the testimony of the spouse, cited beside a value
        "Исправлено: The wife gave the city",  # person.corrected, its reason as written
        "Дата рождения",  # the field birth
        "Источники расходятся: 1978; 1980.",  # the flag, its kind and sentence in Russian
    ):
        assert words in text, words
    for code in ("corroborated", "spouse's", "person.corrected", "  birth ", "disagreement"):
        assert code not in text, code
    table = ok(russian, "persons", *_home(org))
    assert "В тюрьме" in table and "in_prison" not in table
    english = ok(cli_env, "persons", *_home(org))
    assert "in_prison" in english and "В тюрьме" not in english


def _seal_person(org: Org, person: str, name: str, *claims: tuple[str, Any]) -> None:
    """Seal a spouse's testimony about ``person`` and the person it names, with
    ``claims`` (field, value) citing it, as a sync brings them: the views have not
    seen the entry."""
    testimony = "t_" + person[2:]
    said = b.source_ref(testimony=testimony)
    changes = [
        {
            "op": "testimony.recorded",
            "testimony": testimony,
            "persons": [person],
            "testifier": {"relationship": "spouse"},
            "consent": {"level": "internal"},
        },
        {
            "op": "person.created",
            "person": person,
            "claims": [
                b.claim("name", b.name(name), said),
                *(b.claim(f, v, said) for f, v in claims),
            ],
        },
    ]
    seal.seal_entry(
        org.desk.vault(),
        org.desk_keys.signing_seed,
        entry_type="record",
        data=b.record_data(changes),
    )


def test_desk_commands_show_what_a_sync_brought(org: Org, cli_env: dict[str, str]) -> None:
    """Given a record entry in the vault that the views have not seen (as after a sync),
    when `amanat persons` runs, then it is there."""
    assert "No person matches." in ok(cli_env, "persons", *_home(org))
    person = "p_" + "1" * 32
    _seal_person(org, person, "Serik Test")
    found = ok_json(cli_env, "persons", *_home(org), "--name", "serik")
    assert [p["person_id"] for p in found["persons"]] == [person]
    assert "up to date" in ok(cli_env, "views", "update", *_home(org))


def test_person_calls_for_the_urgent_action_on_a_recent_taking(
    org: Org, cli_env: dict[str, str]
) -> None:
    """Given a person detained three weeks ago, when `amanat person` shows the record,
    then it says the working group's urgent action fits and to send it without delay,
    and `amanat persons --urgent` lists the person."""
    person = "p_" + "3" * 32
    taken = (dt.date.today() - dt.timedelta(days=21)).isoformat()
    _seal_person(org, person, "Serik Urgent", ("status", b.status("detained", taken)))
    text = ok(cli_env, "person", person, *_home(org))
    assert f"Taken within the last three months ({taken})" in text
    assert "Send it without delay." in text
    found = ok_json(cli_env, "persons", *_home(org), "--urgent")
    assert [p["person_id"] for p in found["persons"]] == [person]


def test_views_update_and_rebuild_report_counts(
    demo_desk: tuple[Org, DemoData], cli_env: dict[str, str]
) -> None:
    org, _ = demo_desk
    assert "up to date" in ok(cli_env, "views", "update", *_home(org))
    rebuilt = ok_json(cli_env, "views", "rebuild", *_home(org))
    assert rebuilt["records"] == 43 and rebuilt["persons"] == 42 and rebuilt["problems"] == []
    text = ok(cli_env, "views", "rebuild", *_home(org))
    assert "rebuilt from the vault" in text and "42 persons" in text


def test_export_writes_every_row_and_a_dictionary_of_every_column(
    demo_desk: tuple[Org, DemoData], cli_env: dict[str, str], tmp_path: Path
) -> None:
    org, _ = demo_desk
    out = tmp_path / "export"
    report = ok_json(cli_env, "export", "--out", str(out), *_home(org))
    with Desk(org.desk, org.desk_keys) as desk, desk.engine.connect() as conn:
        counts = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in exported_tables()
        }
    assert {t["table"]: t["rows"] for t in report["tables"]} == counts
    assert counts["persons"] == 42 and "meta" not in counts
    dictionary = (out / "DATA-DICTIONARY.md").read_text("utf-8")
    doc = json.loads((out / "data-dictionary.json").read_text("utf-8"))
    for table in exported_tables():
        raw = (out / f"{table.name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Cyrillic
        rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
        assert rows[0] == [c.name for c in table.columns]
        jsonl = (out / f"{table.name}.jsonl").read_text("utf-8").splitlines()
        assert len(jsonl) == counts[table.name]
        section = dictionary.split(f"\n## {table.name}\n", 1)[1].split("\n## ", 1)[0]
        described = next(t for t in doc["tables"] if t["name"] == table.name)
        for column in table.columns:
            assert f"| `{column.name}`" in section, (table.name, column.name)
        assert [c["name"] for c in described["columns"]] == [c.name for c in table.columns]
    persons = [json.loads(line) for line in (out / "persons.jsonl").read_text("utf-8").splitlines()]
    assert len(persons) == 42 and isinstance(persons[0]["grade"], int)
    assert "UTF-8 with a byte-order mark" in dictionary and "not encrypted" in dictionary
    for path in out.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_export_refuses_a_folder_that_is_not_empty(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "old-export"
    out.mkdir()
    (out / "persons.csv").write_text("keep me")
    assert "not empty" in fails(cli_env, 2, "export", "--out", str(out), *_home(org))
    assert [p.name for p in out.iterdir()] == ["persons.csv"]
    assert (out / "persons.csv").read_text() == "keep me"


# -- places ------------------------------------------------------------------------------


def test_places_find_in_any_script_without_a_home(cli_env: dict[str, str]) -> None:
    """Given a county typed in Chinese, pinyin or English, then it is found with its
    prefecture; an ambiguous short name lists every candidate."""
    for typed in ("伊宁市", "yi ning shi", "Yining City", "654002"):
        found = ok_json(cli_env, "places", "find", typed)["places"]
        assert [p["id"] for p in found] == ["654002"], typed
        assert found[0]["path"][0].startswith("伊犁哈萨克自治州")
    assert {p["id"] for p in ok_json(cli_env, "places", "find", "Yining")["places"]} == {
        "654002",
        "654021",
    }
    assert "No place" in ok(cli_env, "places", "find", "Atlantis")


def test_places_add_seals_a_user_place(org: Org, cli_env: dict[str, str]) -> None:
    """Given a border post no gazetteer has, when a desk adds it, then it is sealed as a
    change and appears among the views' places."""
    home = _home(org)
    added = ok_json(
        cli_env,
        "places",
        "add",
        "Қорғас бекеті",
        "--lang",
        "kk",
        "--also",
        "zh=霍尔果斯口岸",
        "--kind",
        "border_post",
        "--slug",
        "khorgos-post",
        "--parent",
        "654000",
        "--lat",
        "44.21",
        "--lon",
        "80.41",
        *home,
    )
    assert added == {"place": "user:khorgos-post"}
    with Desk(org.desk, org.desk_keys) as desk, desk.engine.connect() as conn:
        row = conn.execute(
            select(schema.places).where(schema.places.c.place_id == "user:khorgos-post")
        ).one()
    assert (row.name_kk, row.name_zh, row.lat, row.origin) == (
        "Қорғас бекеті",
        "霍尔果斯口岸",
        "44.21",
        "user",
    )
    line = fails(cli_env, 6, "places", "add", "X", "--lat", "44.2", *home)
    assert "both --lat and --lon" in line
    # The same id again: the first place of an id stays the place, so a second is refused
    # (before, it was sealed and silently ignored); the first is unchanged.
    line = fails(cli_env, 2, "places", "add", "Хоргос", "--slug", "khorgos-post", *home)
    assert "user:khorgos-post is already recorded (Қорғас бекеті)" in line
    assert "--slug" in line
    with Desk(org.desk, org.desk_keys) as desk, desk.engine.connect() as conn:
        names = (
            conn.execute(
                select(schema.places.c.name_kk).where(
                    schema.places.c.place_id == "user:khorgos-post"
                )
            )
            .scalars()
            .all()
        )
    assert names == ["Қорғас бекеті"]


def test_duplicates_lists_pairs_and_merges_nothing(
    demo_desk: tuple[Org, DemoData], cli_env: dict[str, str]
) -> None:
    """Given the demo desk, where two persons came again from other lists (a leaked
    roster in pinyin with the same resident ID; a Russian-language list with the father's
    name as surname, another family name and a birth year one off), when `amanat
    duplicates` runs, then it proposes exactly those two pairs, the first as a link and
    the second for a reviewer to decide, and the persons are unchanged: every other demo
    person shares the DEMO-nn label, which is not a name and joins no one."""
    org, data = demo_desk
    home = _home(org)
    before = ok_json(cli_env, "persons", *home, "--limit", "100")["total"]
    found = ok_json(cli_env, "duplicates", *home)
    assert found["total"] == len(found["pairs"]) == 2 and found["links"] == 1
    (roster_of, roster), (listed_of, listed) = data.twice
    outcomes = {frozenset((p["a"], p["b"])): p["outcome"] for p in found["pairs"]}
    assert outcomes == {frozenset((roster_of, roster)): "link",
                        frozenset((listed_of, listed)): "review"}  # fmt: skip
    assert ok_json(cli_env, "persons", *home, "--limit", "100")["total"] == before
    text = ok(cli_env, "duplicates", *home)
    assert "Nothing was merged" in text
    assert "proposed link" in text and "to decide" in text
    assert not re.search(r"\d\.\d\d +(link|review) ", text)  # the outcome said, not its code


def test_export_never_hands_a_spreadsheet_a_formula() -> None:
    """Given values of the views as an imported list can make them (a name "=cmd|...",
    "+7 700 ...", "-2+3", "@SUM(1)"), when they are written to the export's CSV, then
    each text that a spreadsheet would run begins with ' instead; numbers, booleans,
    nulls and other text are as they are."""
    risky = ['=HYPERLINK("x")', "+Серік", "-2+3", "@SUM(1)", "\tx"]
    assert [_csv_value(v) for v in risky] == ["'" + v for v in risky]
    assert [_csv_value(v) for v in ("Серік", -5, 1.5, True, None)] == ["Серік", -5, 1.5, "true", ""]


def test_ctrl_d_at_the_name_prompt_stops_like_ctrl_c(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given `amanat persons --name -` at a terminal, when the person presses Ctrl-D
    instead of typing a name, then the command stops as it does for Ctrl-C (said as
    stopped), not as an internal error; a name typed is read."""
    from amanat.cli import records_commands

    class Terminal:
        def isatty(self) -> bool:
            return True

    def ctrl_d(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr(records_commands.sys, "stdin", Terminal())
    monkeypatch.setattr("builtins.input", ctrl_d)
    with pytest.raises(KeyboardInterrupt):
        records_commands._typed("-", "Name: ")
    monkeypatch.setattr("builtins.input", lambda prompt: " Serikzhan ")
    assert records_commands._typed("-", "Name: ") == "Serikzhan"
    assert records_commands._typed("Serik", "Name: ") == "Serik"
