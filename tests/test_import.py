"""Bulk import (issue 4, item 5): spreadsheets of persons and folders of yt-dlp videos.

Given lists with deliberately bad rows (wrong checksums, impossible dates, unknown
counties, a Windows-1251 row, formulas, empty lines, a 10,000-character cell, script
tags, right-to-left overrides, duplicated headers), when they are imported with the
real ``amanat`` command, then every input row is accounted for (accepted + rejected +
empty = total), every rejected row has its reason in the report, the accepted rows are
in the desk's views with claims citing "row N" of the sealed list, and a dry run
seals nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from amanat import cli
from amanat.desk.service import Desk
from amanat.errors import AmanatError, UsageError
from amanat.ingest import SpreadsheetImport, load_mapping, open_table, spreadsheet, suggest_mapping
from amanat.ingest.mapping import parse_mapping
from amanat.ingest.reasons import Voice
from amanat.ingest.report import ReportWriter
from amanat.records.ids import ric_check_character
from amanat.records.places import Gazetteer
from amanat.views import schema
from amanat.views.read import Query
from conftest import Org, amanat_here


def resident_id(region: str, born: str, seq: int) -> str:
    first17 = f"{region}{born}{seq:03d}"
    return first17 + ric_check_character(first17)


GOOD_ID = resident_id("654021", "19800101", 123)  # 伊宁县, born 1980-01-01, male
OTHER_ID = resident_id("654024", "19750615", 246)  # 巩留县, female
BAD_ID = GOOD_ID[:-1] + ("1" if GOOD_ID[-1] != "1" else "2")


def amanat(env: dict[str, str], *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    done = amanat_here(env, *args)
    assert done.returncode == code, f"{args}: {done.returncode} {done.stdout} {done.stderr}"
    assert "Traceback" not in done.stderr
    return done


def amanat_json(env: dict[str, str], *args: str) -> Any:
    return json.loads(amanat(env, *args, "--json").stdout)


def report_rows(path: Path) -> list[dict[str, str]]:
    if path.suffix == ".xlsx":
        rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
        heads = [str(h) for h in rows[0]]
        return [
            {h: "" if v is None else str(v) for h, v in zip(heads, r, strict=False)}
            for r in rows[1:]
        ]
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _name_and_sex_mapping(tmp_path: Path) -> Path:
    """map.yaml for a list of ФИО and Пол columns."""
    mapping = tmp_path / "map.yaml"
    mapping.write_text("version: 1\ncolumns:\n  name_native: ФИО\n  sex: Пол\n", encoding="utf-8")
    return mapping


def _workbook(path: Path, rows: list[list[Any]]) -> Path:
    """A one-sheet workbook of ``rows`` (the first the header), saved at ``path``."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def vault_digest(org: Org) -> str:
    h = hashlib.sha256()
    root = org.desk.vault().root
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if p.is_file() and rel.parts[0] != "tmp" and not p.name.endswith("lock"):
            h.update(rel.as_posix().encode() + p.read_bytes())
    return h.hexdigest()


MAPPING = """\
version: 1
columns:
  name_native: "Аты-жөні"
  name_chinese: "姓名"
  sex: "Жынысы"
  birth: "Туған күні"
  resident_id: "Жеке куәлік нөмірі"
  hometown: "Ауданы"
  status: "Жағдайы"
  status_date: "Жағдай күні"
  notes: "column J"
values:
  status: {"лагерьге алынды": in_camp}
options:
  name_language: kk
source:
  title: "Test list"
"""

HEADER = (
    "№;Аты-жөні;姓名;Жынысы;Туған күні;Жеке куәлік нөмірі;Ауданы;Жағдайы;Жағдай күні;"
    "Ескерту;Ескерту"
)


def bad_csv_bytes() -> tuple[bytes, dict[int, str]]:
    """A semicolon CSV (as Excel writes it in a Kazakh locale) and the expected outcome
    of each data row."""
    lines: list[bytes] = [HEADER.encode()]
    expected: dict[int, str] = {}

    def add(text: str, outcome: str, raw: bytes | None = None) -> None:
        lines.append(raw if raw is not None else text.encode())
        expected[len(lines)] = outcome

    add(f"1;Серік Нұрланов;赛力克;ер;01.01.1980;{GOOD_ID};伊宁县;лагерде;04.2018;;", "accepted")
    add(f"2;Асқар Бек;;ер;1980;{BAD_ID};654021;;;;", "rejected")  # wrong check digit
    add("3;Айгүл Оспан;;әйел;31.02.1980;;654021;;;;", "rejected")  # no 31 February
    add("4;Жанар Ким;;әйел;1975;;Атлантида;;;;", "rejected")  # unknown county
    add("", "empty")
    add("5;;;;;;;;;;", "rejected")  # numbered, but no name and no ID
    add("", "rejected", "6;Гульнар;;ж;1970;;;;;;".encode("cp1251"))  # not UTF-8
    add('7;"=HYPERLINK(""http://x"",""y"")";;ер;;;;;;;', "rejected")  # a formula
    add("8;" + "А" * 10_000 + ";;ер;1960;;;;;;", "rejected")  # a 10,000-character name
    add("9;<script>alert(1)</script>;;ер;1961;;;;;;", "accepted")  # text, stored as text
    add("10;Ерлан\u202eнаблерЕ;;ер;1962;;;;;;", "rejected")  # right-to-left override
    add(";;;;;;;;;;", "empty")
    add(
        f"12;Сәуле Ахмет;;әйел;15.06.1975;{OTHER_ID};巩留县;лагерьге алынды;2019;note;x", "accepted"
    )
    add("13;Дәулет;;бір нәрсе;1970;;;;;;", "rejected")  # an unknown word for sex
    add("14;Қайрат;;ер;1970;;;босатылды;;;", "rejected")  # a status without a date
    add(" ; ;;;;;;;;;", "empty")
    add("15;a;b;c;d;e;f;g;h;i;j;k;l", "rejected")  # more cells than headers
    return b"\r\n".join(lines) + b"\r\n\r\n\r\n", expected  # trailing blank lines: no rows


@pytest.fixture
def bad_csv(tmp_path: Path) -> tuple[Path, Path, dict[int, str]]:
    folder = tmp_path / "lists"
    folder.mkdir()
    data, expected = bad_csv_bytes()
    listing = folder / "list.csv"
    listing.write_bytes(data)
    mapping = folder / "list.mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return listing, mapping, expected


def test_a_bad_csv_is_accounted_for_row_by_row(
    bad_csv: tuple[Path, Path, dict[int, str]], org: Org, cli_env: dict[str, str]
) -> None:
    listing, mapping, expected = bad_csv
    home = str(org.desk.path)
    before = vault_digest(org)

    # When it is checked with --dry-run (no passphrase needed), nothing is sealed.
    env = {k: v for k, v in cli_env.items() if k != "AMANAT_PASSPHRASE"}
    dry = amanat_json(env, "import", str(listing), "--mapping", str(mapping), "--dry-run")
    assert vault_digest(org) == before
    assert dry["dry_run"] is True and dry["entries"] == 0 and dry["source"] is None

    # Then every row is accounted for, with the outcome each was built to have.
    assert dry["total"] == len(expected) == dry["accepted"] + dry["rejected"] + dry["empty"]
    report = report_rows(Path(dry["report"]))
    assert [int(r["row"]) for r in report] == sorted(expected)
    assert {int(r["row"]): r["outcome"] for r in report} == expected
    for r in report:
        assert (r["outcome"] == "rejected") == bool(r["reason"]) or r["outcome"] == "accepted"
    reasons = {int(r["row"]): r["reason"] for r in report}
    assert "last character should be" in reasons[3]
    assert "no day 1980-02-31" in reasons[4]
    assert "unknown place 'Атлантида'" in reasons[5]
    assert "not valid UTF-8" in reasons[8] and "re-save" in reasons[8]
    assert "formula" in reasons[9]
    assert "10,000 characters" in reasons[10]
    assert "U+202E" in reasons[12]
    assert "add it to the mapping" in reasons[15]
    assert "status needs the date" in reasons[16]
    assert "header only 11 columns" in reasons[18]
    # The report is safe to open in Excel, and keeps the undecodable bytes visible.
    by_row = {int(r["row"]): r for r in report}
    assert by_row[9]["Аты-жөні"].startswith("'=HYPERLINK")
    assert "\\xc3" in report_rows(Path(dry["report"]))[6]["Аты-жөні"]  # cp1251 "Г"
    # The terminal gets row numbers and reasons, never an ID number.
    plain = amanat(env, "import", str(listing), "--mapping", str(mapping), "--dry-run")
    assert GOOD_ID not in plain.stdout + plain.stderr
    assert BAD_ID not in plain.stdout + plain.stderr
    assert "row 3:" in plain.stdout and "Dry run: nothing was sealed." in plain.stdout

    # When it is imported for real, the same rows are taken.
    done = amanat_json(cli_env, "import", str(listing), "--mapping", str(mapping), "--home", home)
    assert (done["total"], done["accepted"], done["rejected"], done["empty"]) == (
        dry["total"], dry["accepted"], dry["rejected"], dry["empty"],
    )  # fmt: skip
    assert done["entries"] == 2  # the list with its mapping, then one batch of rows
    assert vault_digest(org) != before

    # Then the accepted rows are in the views, their claims citing the sealed list.
    with Desk(org.desk, org.desk_keys) as desk:
        desk.update_views()
        found = desk.search(Query(id_number=GOOD_ID))
        assert found.total == 1
        person = desk.person(found.persons[0].person_id)
        assert found.persons[0].status == "in_camp"
        assert {c["locator"] for c in person.claims} == {"row 2"}
        assert {c["source_id"] for c in person.claims} == {done["source"]}
        fields = {c["field"] for c in person.claims}
        assert fields >= {"name", "sex", "birth", "document", "hometown", "status"}
        assert desk.search(Query(name="<script>")).total == 1  # kept as text
        other = desk.search(Query(id_number=OTHER_ID)).persons[0]
        assert other.hometown == "654024"
        assert desk.search(Query()).total == done["accepted"]
        with desk.engine.connect() as conn:
            sources = conn.execute(select(schema.sources)).mappings().all()
        assert [s["source_id"] for s in sources] == [done["source"]]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("kk", {"check": "соңғы таңба", "place": "деген жер белгісіз", "same": "бірдей"}),
        ("ru", {"check": "последний знак", "place": "неизвестное место", "same": "Тот же"}),
    ],
)
def test_a_bad_csv_is_explained_in_the_volunteers_language(
    bad_csv: tuple[Path, Path, dict[int, str]],
    cli_env: dict[str, str],
    lang: str,
    words: dict[str, str],
) -> None:
    # Given the bad list, and a volunteer whose command speaks Kazakh or Russian.
    listing, mapping, expected = bad_csv
    env = {k: v for k, v in cli_env.items() if k != "AMANAT_PASSPHRASE"}
    env["AMANAT_LANG"] = lang

    # When it is checked.
    dry = amanat_json(env, "import", str(listing), "--mapping", str(mapping), "--dry-run")

    # Then every rejected row's reason in the report is in that language, the column's
    # header and the value it quotes kept as written.
    report = report_rows(Path(dry["report"]))
    reasons = {int(r["row"]): r["reason"] for r in report if r["outcome"] == "rejected"}
    assert set(reasons) == {n for n, o in expected.items() if o == "rejected"}
    for row, reason in reasons.items():
        english = set(re.findall(r"\b(?:the|this|is|a|an|of|and|or)\b", reason))
        assert not english and re.search("[\u0400-\u04ff]{4}", reason), (row, reason)
    assert "'Жеке куәлік нөмірі'" in reasons[3] and words["check"] in reasons[3].lower()
    assert words["place"] in reasons[5] and "'Атлантида'" in reasons[5]
    assert "UTF-8" in reasons[8] and "10\u00a0000" in reasons[10]
    # and the terminal's and --json's reasons are too, without the values they quote.
    shown = {r["row"]: r["reason"] for r in dry["rejections"]}
    assert words["place"] in shown[5] and "Атлантида" not in shown[5]
    assert "'Ауданы'" in shown[5]

    # When a list gives one ID number twice, the second row's note for the reviewer is
    # in that language too.
    twice = listing.with_name("twice.csv")
    twice.write_text(f"Аты;ЖСН\nСерік;{GOOD_ID}\nСерік Н.;{GOOD_ID}\n", encoding="utf-8")
    twice_map = listing.with_name("twice.yaml")
    twice_map.write_text(
        "version: 1\ncolumns:\n  name_native: Аты\n  resident_id: ЖСН\n", encoding="utf-8"
    )
    done = amanat_json(env, "import", str(twice), "--mapping", str(twice_map), "--dry-run")
    note = report_rows(Path(done["report"]))[1]["reason"]
    assert done["accepted"] == 2 and words["same"] in note and "2" in note, note


def test_a_bad_xlsx_is_accounted_for(org: Org, cli_env: dict[str, str], tmp_path: Path) -> None:
    # Given a workbook with dates in date cells, formulas, an error value, an ID stored
    # as a number (Excel rounds it), a duplicated header and empty rows.
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["ФИО", "Пол", "Дата рождения", "Номер удостоверения", "Уезд", "ФИО", "Статус"])
    ws.append(["Нурлан Серикбаев", "м", dt.datetime(1980, 1, 1), GOOD_ID, "Yining Xian", "", ""])
    ws.append(["Айгуль", "ж", "=DATE(1980,1,1)", "", "", "", ""])
    ws.append(["Ерлан", "м", dt.datetime(1980, 1, 1), int(GOOD_ID[:-1]) * 10, "", "", ""])
    ws.append([])
    ws.append(["Сауле", "ж", "31.02.1980", "", "", "", ""])
    ws.append(["Бауыржан", "м", 1970, "", "Atlantis", "", ""])
    ws.append(["Асель", "ж", "1990", "", "654024", "", "пропал"])
    ws["A9"] = "=CONCAT(B2,B3)"
    ws.append([])
    ws.append([])
    listing = tmp_path / "list.xlsx"
    book.save(listing)
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "version: 1\ncolumns:\n  name_native: column A\n  sex: Пол\n  birth: Дата рождения\n"
        "  resident_id: Номер удостоверения\n  hometown: Уезд\n  status: Статус\n"
        "options:\n  status_as_of: 2019\n",
        encoding="utf-8",
    )
    done = amanat_json(
        cli_env, "import", str(listing), "--mapping", str(mapping), "--home", str(org.desk.path)
    )
    # Then rows 2..9 are all accounted for (trailing empty rows are not rows).
    assert done["total"] == 8
    assert done["total"] == done["accepted"] + done["rejected"] + done["empty"]
    outcome = {int(r["row"]): r for r in report_rows(Path(done["report"]))}
    assert [outcome[n]["outcome"] for n in range(2, 10)] == [
        "accepted", "rejected", "rejected", "empty", "rejected", "rejected", "accepted",
        "rejected",
    ]  # fmt: skip
    assert "formula" in outcome[3]["reason"] and "C3" in outcome[3]["reason"]
    assert "stored as a number" in outcome[4]["reason"]
    assert "unknown place 'Atlantis'" in outcome[7]["reason"]
    assert "formula" in outcome[9]["reason"]
    assert outcome[2]["Дата рождения"] == "1980-01-01"  # a date cell is a date
    with Desk(org.desk, org.desk_keys) as desk:
        desk.update_views()
        person = desk.search(Query(id_number=GOOD_ID)).persons[0]
        assert person.birth == "1980-01-01" and person.hometown == "654021"
        assert desk.search(Query(status="disappeared")).total == 1


def test_a_suggested_mapping_is_written_on_first_run(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    # Given a list with Kazakh, Russian and Chinese headers and no mapping yet.
    listing = tmp_path / "тізім.csv"
    rows = [
        ["Тегі", "Аты", "Әкесінің аты", "Жынысы", "Туған жылы", "身份证号码", "Ұлты",
         "Ауданы", "Статус", "Дата задержания", "Телефон"],
        ["Нұрланов", "Серік", "Ерланұлы", "ер", "1980", GOOD_ID, "қазақ", "Қайнар", "оқуда",
         "04.2018", "+7 701 000 00 00"],
        ["Оспанова", "Айгүл", "", "әйел", "1975", "", "ұйғыр", "伊宁县", "оқуда", "", ""],
    ]  # fmt: skip
    with listing.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    # When it is imported without --mapping, then a mapping is suggested and nothing else.
    done = amanat(cli_env, "import", str(listing), code=2)
    suggested = tmp_path / "тізім.mapping.yaml"
    assert suggested.exists() and str(suggested) in done.stdout
    text = suggested.read_text("utf-8")
    assert 'name_native: ["Тегі", "Аты", "Әкесінің аты"]' in text
    assert 'resident_id: "身份证号码"' in text
    assert 'detained_date: "Дата задержания"' in text
    assert '"оқуда": ?  # 2 rows' in text  # "at study": a euphemism for the camps
    assert '"Қайнар": ?' in text  # a village the gazetteer cannot place
    assert '"Телефон"' in text  # listed as not mapped
    mapping = load_mapping(suggested)
    assert mapping.columns["sex"] == ("Жынысы",)
    # And a second run does not overwrite the mapping the volunteer may be editing.
    again = amanat(cli_env, "import", str(listing), code=2)
    assert "already" in again.stdout
    # When the listed words are filled in, then the list imports (dry run).
    text = text.replace('  #   "оқуда": ?', '  status:\n    "оқуда": in_camp').replace(
        '  #   "Қайнар": ?', '  hometown:\n    "Қайнар": "654002"'
    )
    text = text.replace("  # status_as_of:", "  status_as_of:")
    suggested.write_text(text, "utf-8")
    dry = amanat_json(cli_env, "import", str(listing), "--mapping", str(suggested), "--dry-run")
    assert (dry["accepted"], dry["rejected"]) == (2, 0), dry["rejections"]


def test_unusable_files_and_mappings_stop_with_one_sentence(
    bad_csv: tuple[Path, Path, dict[int, str]], cli_env: dict[str, str], tmp_path: Path
) -> None:
    listing, mapping, _ = bad_csv
    cases = {
        "version: 1\ncolumns:\n  nmae: X\n": "unknown field 'nmae'",
        "version: 1\ncolumns:\n  sex: Missing\n": "which the header row lacks",
        "version: 1\ncolumns:\n  notes: Ескерту\n": "appears more than once",
        "version: 1\ncolumns: [a\n": "not valid YAML at line",
        "version: 1\ncolumns:\n  sex: Жынысы\nvalues:\n  sex: {x: other}\n": "must map to one",
    }
    bad = tmp_path / "bad.yaml"
    for text, message in cases.items():
        bad.write_text(text, "utf-8")
        done = amanat(cli_env, "import", str(listing), "--mapping", str(bad), "--dry-run", code=2)
        assert message in done.stderr and done.stderr.count("\n") == 1, done.stderr
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a zip file")
    done = amanat(cli_env, "import", str(fake), "--mapping", str(mapping), "--dry-run", code=2)
    assert "not a readable .xlsx workbook" in done.stderr
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    done = amanat(cli_env, "import", str(old), "--mapping", str(mapping), "--dry-run", code=2)
    assert "save it as an Excel workbook (.xlsx)" in done.stderr


def test_utf16_and_header_problems(tmp_path: Path) -> None:
    # Given the same list saved as UTF-16 with a BOM (Excel's "Unicode text"), tab-separated.
    text = "Name\tSex\tBorn\nSerik\tm\t1980\nAigul\tf\t1975\n"
    path = tmp_path / "list.txt"
    path.write_bytes(text.encode("utf-16"))
    with open_table(path) as table:
        assert table.encoding == "UTF-16" and table.headers == ("Name", "Sex", "Born")
        assert [r.values for r in table.rows] == [("Serik", "m", "1980"), ("Aigul", "f", "1975")]
    # Saved as UTF-16 without a byte-order mark, it is recognised as such and refused.
    path.write_bytes(text.encode("utf-16-le"))
    with pytest.raises(UsageError, match="NUL bytes, as UTF-16 text without a byte-order mark"):
        open_table(path)
    # A UTF-8 list with a NUL in one row (a damaged disk, a bad copy) is not taken for
    # UTF-16: that row alone is refused, the others are read.
    path.write_bytes(b"Name,Sex,Born\nSerik,m,1980\nAi\x00gul,f,1975\nDana,f,1990\n")
    with open_table(path) as table:
        assert table.encoding == "UTF-8"
        found = [(r.values[0], r.problem) for r in table.rows]
    assert found[0] == ("Serik", None) and found[2] == ("Dana", None)
    assert found[1][1] is not None and "NUL character" in found[1][1].template
    # And a header row in Windows-1251 stops the import before any row is read.
    path.write_bytes("Имя,Пол\nСерик,м\n".encode("cp1251"))
    with pytest.raises(UsageError, match=r"header row .* not valid UTF-8"):
        open_table(path)


def test_rows_are_batched_and_each_batch_checks(tmp_path: Path) -> None:
    # Given 2,500 valid rows, when read in batches of 1,000, then 3 batches of changes
    # that the record format accepts, and a report line for every row.
    listing = tmp_path / "big.csv"
    with listing.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["name", "id"])
        for n in range(2500):
            out.writerow([f"Person {n}", resident_id("654021", "19800101", n % 999 + 1)])
    mapping = tmp_path / "m.yaml"
    mapping.write_text("version: 1\ncolumns:\n  name_latin: name\n  resident_id: id\n", "utf-8")
    report_path = tmp_path / "r.csv"
    job = SpreadsheetImport(
        listing, load_mapping(mapping), gazetteer=Gazetteer.load_builtin(), today=dt.date.today()
    )
    with job, ReportWriter(report_path, "row", job.headers) as report:
        sizes = [len(b) for b in job.batches(report)]
        report.commit()
    assert sizes == [1000, 1000, 500]
    assert job.tally.total == job.tally.accepted == 2500
    assert len(report_rows(report_path)) == 2500
    assert job.source_change(n_files=2)["files"] == [{"file": 0}, {"file": 1}]
    assert "The same resident ID as row" in report_rows(report_path)[-1]["reason"]


def _without_person_ids(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in change.items() if k != "person"} for change in batch]


def test_a_long_list_checked_by_worker_processes_comes_out_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a list of 1,700 rows with bad rows, and IDs that come again hundreds of rows
    later (in another worker's share of the list), when it is checked by two worker
    processes and when it is checked here, then every row's outcome, reason and change
    is the same (the random ids of the new persons and the source aside), the repeated
    IDs are noted across the workers' shares, and two worker processes did the checking."""
    listing = tmp_path / "long.csv"
    with listing.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["name", "id", "born"])
        for n in range(1700):
            number = resident_id("654021", "19800101", n % 900 + 1)
            born = "31.02.1980" if n % 97 == 5 else "01.01.1980"
            out.writerow([f"Person {n}" if n % 89 else "", number, born])
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "version: 1\ncolumns:\n  name_latin: name\n  resident_id: id\n  birth: born\n", "utf-8"
    )
    pids = tmp_path / "pids"
    start_worker = spreadsheet._start_worker

    def start_noting_pid(checker: Any) -> None:  # a forked worker: nothing is pickled
        with pids.open("a") as f:
            f.write(f"{os.getpid()}\n")
        start_worker(checker)

    monkeypatch.setattr(spreadsheet, "_start_worker", start_noting_pid)
    runs = {}
    for workers in (2, 0):
        job = SpreadsheetImport(
            listing,
            load_mapping(mapping),
            gazetteer=Gazetteer.load_builtin(),
            today=dt.date.today(),
            workers=workers,
        )
        report_path = tmp_path / f"r{workers}.csv"
        with job, ReportWriter(report_path, "row", job.headers) as report:
            batches = [_without_person_ids(b) for b in job.batches(report)]
            report.commit()
        changes = json.dumps(batches).replace(job.source_id, "the source")
        runs[workers] = (changes, report_rows(report_path), job.tally)
    assert runs[2] == runs[0]
    _, rows, tally = runs[2]
    assert (tally.total, tally.accepted, tally.rejected) == (1700, 1682, 18)
    assert "The same resident ID as row 2." in rows[900]["reason"]  # row 902
    workers = {int(p) for p in pids.read_text().split()}
    assert len(workers) == 2 and os.getpid() not in workers


def test_a_checker_process_that_dies_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a long list whose checking worker processes die (as when the machine runs out
    of memory and the kernel kills one), when the rows are checked, then one sentence
    says what happened and what to do, not an internal error."""
    listing = tmp_path / "long.csv"
    with listing.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["name"])
        out.writerows([f"Person {n}"] for n in range(1200))
    mapping = tmp_path / "m.yaml"
    mapping.write_text("version: 1\ncolumns:\n  name_latin: name\n", "utf-8")

    def killed(checker: Any) -> None:
        os._exit(137)

    monkeypatch.setattr(spreadsheet, "_start_worker", killed)
    job = SpreadsheetImport(
        listing,
        load_mapping(mapping),
        gazetteer=Gazetteer.load_builtin(),
        today=dt.date.today(),
        workers=2,
    )
    stopped = pytest.raises(AmanatError, match="helper process checking the rows stopped")
    with job, ReportWriter(tmp_path / "r.csv", "row", job.headers) as report, stopped:
        for _ in job.batches(report):
            pass


def test_suggestion_guesses_from_headers_alone() -> None:
    text, mapped = suggest_mapping(
        ["ФИО", "Пол", "Национальность", "ИИН", "Примечание", "Ескерту"],
        [],
        file_name="x.csv",
        today=dt.date(2026, 1, 1),
    )
    assert mapped == 6
    assert 'name_native: "ФИО"' in text and 'iin: "ИИН"' in text
    assert 'ethnicity: "Национальность"' in text and "notes:" in text


def test_a_suggestion_reads_back_whatever_the_headers_and_file_name_hold() -> None:
    # Given headers and a file name with characters YAML reads as line breaks (NEL, the
    # line separator) or refuses in a stream (a bell), and cells in a value column
    headers = ["ФИО", "Пол", "Примечание\x07", "Статус\u2028x"]
    rows = [["Серік Білаш", "ер\x85жоқ", "", ""]]
    # When a mapping is suggested from them
    text, _ = suggest_mapping(
        headers, rows, file_name="тізім\nversion: 9\x85.csv", today=dt.date(2026, 1, 1)
    )
    # Then every line of it is one of its own (nothing a header or a name added), and
    # it loads as the mapping it says
    assert len(text.splitlines()) == text.count("\n")
    doc = yaml.safe_load(text)
    assert doc["version"] == 1 and doc["source"]["title"] == "тізім\nversion: 9\x85.csv"
    mapping = parse_mapping(doc)
    assert mapping.bind(headers)["name_native"] == (0,)


# The list of test_a_suggested_mapping_is_written_on_first_run, as a suggestion reads it.
SUGGEST_HEADERS = ["Тегі", "Аты", "Әкесінің аты", "Жынысы", "Туған жылы", "身份证号码",
                   "Ұлты", "Ауданы", "Статус", "Телефон", ""]  # fmt: skip
SUGGEST_ROWS = [
    ["Нұрланов", "Серік", "Ерланұлы", "ер", "1980", GOOD_ID, "қазақ", "Қайнар", "оқуда", "", ""],
    ["Оспанова", "Айгүл", "", "әйел", "1975", "", "ұйғыр", "伊宁县", "оқуда", "", ""],
]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_suggested_mapping_speaks_the_language_of_the_command(
    tmp_path: Path, cli_env: dict[str, str], lang: str
) -> None:
    # Given the same list in two folders
    for folder in ("en", lang):
        (tmp_path / folder).mkdir()
        with (tmp_path / folder / "list.csv").open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([SUGGEST_HEADERS, *SUGGEST_ROWS])
    # When it is imported without --mapping, in English and in Kazakh or Russian
    amanat(cli_env, "import", str(tmp_path / "en" / "list.csv"), code=2)
    amanat(cli_env, "--lang", lang, "import", str(tmp_path / lang / "list.csv"), code=2)
    english = (tmp_path / "en" / "list.mapping.yaml").read_text("utf-8")
    said = (tmp_path / lang / "list.mapping.yaml").read_text("utf-8")
    # Then the comments a volunteer reads to check it are in that language: the
    # fields' meanings, what to check, the words to fill in and how many rows hold them
    assert "Review every line" in english and "Review every line" not in said
    assert "the person's name" not in said and "rows" not in said
    comments = [line.split("#", 1)[1] for line in said.splitlines() if "#" in line]
    assert sum(any("а" <= c <= "я" for c in comment) for comment in comments) >= 30
    assert "(тақырыбы жоқ)" in said or "(без заголовка)" in said  # the column with no header
    # and the mapping is the one English gives, key for key and value for value
    assert yaml.safe_load(said) == yaml.safe_load(english)
    assert len(said.splitlines()) >= len(english.splitlines()) - 2


ODD = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=60, deadline=None)
@given(translation=ODD, plural=ODD)
def test_a_suggestion_reads_the_same_whatever_its_translation_says(
    translation: str, plural: str
) -> None:
    # Given a catalogue whose every sentence is a hostile text: line breaks of every
    # kind, a bell, "key: value", a quote, a lone #
    voice = Voice(gettext=lambda _: translation, ngettext=lambda *_: plural)
    # When a mapping is suggested in its words
    headers = [*SUGGEST_HEADERS, "Примечание"]
    text, _ = suggest_mapping(
        headers, SUGGEST_ROWS, file_name="list.csv", today=dt.date(2026, 1, 1), voice=voice
    )
    english, _ = suggest_mapping(
        headers, SUGGEST_ROWS, file_name="list.csv", today=dt.date(2026, 1, 1)
    )
    # Then it is the mapping English gives: the translation is only ever a comment
    assert len(text.splitlines()) == text.count("\n")
    assert yaml.safe_load(text) == yaml.safe_load(english)


INFO = {
    "id": "dQw4w9WgXcQ",
    "title": "Менің әкем лагерде / My father is in a camp",
    "fulltitle": "Менің әкем лагерде / My father is in a camp",
    "description": "Testimony recorded in Almaty.\nID shown on screen.",
    "upload_date": "20190314",
    "uploader": "Atajurt Kazakh Human Rights",
    "uploader_id": "@atajurt",
    "channel": "Atajurt Kazakh Human Rights",
    "channel_id": "UC0000000000000000000000",
    "webpage_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "extractor": "youtube",
    "extractor_key": "Youtube",
    "duration": 312,
    "language": "kk",
    "ext": "mp4",
    "_type": "video",
}


MP4_HEAD = b"\x00\x00\x00\x18ftypmp42"
WEBM_HEAD = b"\x1a\x45\xdf\xa3"


def test_a_yt_dlp_folder_becomes_testimonies(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # Given a folder as yt-dlp leaves it: videos with .info.json sidecars, subtitles, a
    # video without sidecar, a broken sidecar, a sidecar without video, a partial file.
    folder = tmp_path / "downloads"
    folder.mkdir()
    a = "Менің әкем лагерде [dQw4w9WgXcQ]"
    (folder / f"{a}.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(2000))
    (folder / f"{a}.info.json").write_text(json.dumps(INFO, ensure_ascii=False), "utf-8")
    (folder / f"{a}.kk.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nМенің әкем\n", "utf-8")
    (folder / "No sidecar [abc].webm").write_bytes(WEBM_HEAD + bytes(100))
    (folder / "Broken [def].mp4").write_bytes(MP4_HEAD + bytes(100))
    (folder / "Broken [def].info.json").write_text('{"title": "cut off', "utf-8")
    (folder / "Orphan [ghi].info.json").write_text(json.dumps(INFO), "utf-8")
    (folder / "Partial [jkl].mp4.part").write_bytes(bytes(10))
    (folder / ".DS_Store").write_bytes(bytes(10))
    before = vault_digest(org)
    dry = amanat_json(cli_env, "import", str(folder), "--dry-run")
    assert vault_digest(org) == before
    assert (dry["total"], dry["testimonies"], dry["rejected"]) == (8, 3, 2)
    done = amanat_json(cli_env, "import", str(folder), "--home", str(org.desk.path))
    assert (done["total"], done["testimonies"], done["entries"]) == (8, 3, 3)
    assert done["total"] == done["accepted"] + done["rejected"]
    report = {r["file"]: r for r in report_rows(Path(done["report"]))}
    assert len(report) == 8
    assert "no No sidecar [abc].info.json" in report["No sidecar [abc].webm"]["reason"]
    assert "not valid JSON" in report["Broken [def].mp4"]["reason"]
    assert "without its video" in report["Orphan [ghi].info.json"]["reason"]
    assert "unfinished download" in report["Partial [jkl].mp4.part"]["reason"]
    assert report[f"{a}.kk.vtt"]["outcome"] == "accepted"
    with Desk(org.desk, org.desk_keys) as desk:
        desk.update_views()
        with desk.engine.connect() as conn:
            rows = conn.execute(select(schema.testimonies)).mappings().all()
    by_title = {r["title"]: r for r in rows}
    assert set(by_title) == {INFO["title"], "No sidecar [abc].webm", "Broken [def].mp4"}
    t = by_title[INFO["title"]]
    assert t["consent"] == "internal" and t["language"] == "kk" and t["n_media"] == 1
    consent = json.loads(t["consent_detail"])
    assert consent["note"] == "published by Atajurt Kazakh Human Rights; consent not recorded by us"
    external = json.loads(t["external"])
    assert external == {
        "url": INFO["webpage_url"],
        "channel": "Atajurt Kazakh Human Rights",
        "uploaded": "2019-03-14",
        "site": "Youtube",
    }


def _two_videos(folder: Path) -> None:
    folder.mkdir()
    for n in (1, 2):
        info = {**INFO, "title": f"Testimony {n}", "webpage_url": f"https://example.org/v/{n}"}
        (folder / f"v{n}.mp4").write_bytes(MP4_HEAD + os.urandom(3000))
        (folder / f"v{n}.info.json").write_text(json.dumps(info), "utf-8")


def test_a_video_folder_imported_again_records_nothing_twice(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Given a folder of videos imported once, when it is imported again (after a doubt,
    a stop), then no video is recorded twice: each is reported as recorded before, with
    its testimony, and its files with it; --again records them anyway."""
    folder = tmp_path / "downloads"
    _two_videos(folder)
    home = ("--home", str(org.desk.path))
    first = amanat_json(cli_env, "import", str(folder), *home)
    assert (first["testimonies"], first["entries"]) == (2, 2)
    again = amanat_json(cli_env, "import", str(folder), *home)
    assert (again["testimonies"], again["entries"], again["rejected"]) == (0, 0, 4)
    report = {r["file"]: r for r in report_rows(Path(again["report"]))}
    assert "recorded before as testimony t_" in report["v1.mp4"]["reason"]
    assert "goes with v1.mp4, recorded before" in report["v1.info.json"]["reason"]
    forced = amanat_json(cli_env, "import", str(folder), *home, "--again")
    assert forced["entries"] == 2


def test_a_video_folder_holds_no_empty_lying_or_linked_file_and_names_its_folders(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Given a folder with an empty video (a failed download), an error page saved as a
    video, a link to a file outside the folder and a folder of a channel's videos, when
    it is imported, then none of them is sealed, each with its reason, and the real
    video is."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "good.mp4").write_bytes(MP4_HEAD + os.urandom(2000))
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "lying.mp4").write_bytes(b"<html><body>403 Forbidden</body></html>")
    (folder / "lying.info.json").write_text(json.dumps(INFO), "utf-8")
    secret = tmp_path / "shadow"
    secret.write_text("root:secret-hash\n", "utf-8")
    (folder / "shadow.mp4").symlink_to(secret)
    (folder / "Channel").mkdir()
    (folder / "Channel" / "inner.mp4").write_bytes(MP4_HEAD + bytes(100))
    done = amanat_json(cli_env, "import", str(folder), "--home", str(org.desk.path))
    assert (done["testimonies"], done["entries"]) == (1, 1)
    report = {r["file"]: r for r in report_rows(Path(done["report"]))}
    assert report["good.mp4"]["outcome"] == "accepted"
    assert "empty (0 bytes)" in report["empty.mp4"]["reason"]
    assert "not those of a video" in report["lying.mp4"]["reason"]
    assert "goes with lying.mp4" in report["lying.info.json"]["reason"]
    assert "a link to another file" in report["shadow.mp4"]["reason"]
    assert "a folder: its files were not imported" in report["Channel"]["reason"]
    assert all(report[f]["outcome"] == "rejected" for f in report if f != "good.mp4")


def test_a_video_folder_s_reasons_are_said_in_the_volunteer_s_language(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Given a folder with a video, its subtitles, a failed download and a sidecar
    without its video, when a Kazakh-speaking volunteer imports it, then the terminal
    and the report give each file's reason in Kazakh, names filled in; --json, for
    scripts, keeps them in English."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "good.mp4").write_bytes(MP4_HEAD + os.urandom(2000))
    (folder / "good.kk.vtt").write_text("WEBVTT\n", "utf-8")
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "orphan.info.json").write_text(json.dumps(INFO), "utf-8")
    kazakh = cli_env | {"AMANAT_LANG": "kk"}
    done = amanat(kazakh, "import", str(folder), "--home", str(org.desk.path))
    assert "бос (0 байт): жүктеу сәтсіз болды; қайта жүктеңіз." in done.stdout
    assert "бейнесі жоқ .info.json" in done.stdout
    assert "download it again" not in done.stdout
    report = next(folder.parent.glob("downloads.report.*"))
    reasons = {r["file"]: r["reason"] for r in report_rows(report)}
    assert reasons["empty.mp4"] == "бос (0 байт): жүктеу сәтсіз болды; қайта жүктеңіз."
    assert reasons["good.kk.vtt"] == "good.mp4 бейнесімен бірге мөрленді"
    assert reasons["good.mp4"].startswith("импортталды; қасында good.info.json жоқ")
    again = json.loads(amanat(cli_env, "import", str(folder), "--home", str(org.desk.path),
                              "--dry-run", "--json").stdout)  # fmt: skip
    english = {r["file"]: r["reason"] for r in again["rejections"]}
    assert english["empty.mp4"] == "empty (0 bytes): the download failed; download it again."


def test_a_camcorder_s_and_an_old_recorder_s_files_are_imported(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Given a folder with what a camcorder writes (AVCHD .MTS: transport-stream packets
    of 192 bytes), an MPEG program stream (.mpg) and a Windows Media recording (.wma),
    when it is imported, then each is a testimony of its own; a file named .MTS that
    holds no stream is refused as not a video."""
    folder = tmp_path / "camcorder"
    folder.mkdir()
    packet = bytes(4) + b"\x47" + bytes(187)
    (folder / "00001.MTS").write_bytes(packet * 20)
    (folder / "interview.mpg").write_bytes(b"\x00\x00\x01\xba" + os.urandom(2000))
    asf = b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\x00\xaa\x00\x62\xce\x6c"
    (folder / "call.wma").write_bytes(asf + os.urandom(2000))
    (folder / "00002.MTS").write_bytes(b"not a stream at all" * 40)
    done = amanat_json(cli_env, "import", str(folder), "--home", str(org.desk.path))
    assert (done["testimonies"], done["entries"]) == (3, 3)
    report = {r["file"]: r for r in report_rows(Path(done["report"]))}
    for name in ("00001.MTS", "interview.mpg", "call.wma"):
        assert report[name]["outcome"] == "accepted", report[name]
    assert report["00002.MTS"]["outcome"] == "rejected"
    assert "not those of a video" in report["00002.MTS"]["reason"]


def test_a_video_import_stopped_midway_says_what_is_sealed(
    org: Org, cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a folder of two videos, when the import is stopped (Ctrl-C) after the first
    is sealed, then it says so, the report names the first as imported and the second
    as not sealed, and importing the folder again seals only the second."""
    folder = tmp_path / "downloads"
    _two_videos(folder)
    for key, value in cli_env.items():
        monkeypatch.setenv(key, value)
    real = Desk.seal_records

    def stopped_after_one(self: Desk, batches: Any, *args: Any, **kw: Any) -> Any:
        real(self, batches[:1], *args, **kw)  # the first video sealed for real
        raise KeyboardInterrupt  # then Ctrl-C, during the second

    monkeypatch.setattr(Desk, "seal_records", stopped_after_one)
    assert cli.run(["import", str(folder), "--home", str(org.desk.path)]) == 130
    report = {r["file"]: r for r in report_rows(folder.with_name("downloads.report.csv"))}
    assert report["v1.mp4"]["outcome"] == "accepted"
    assert "not sealed: the import was stopped" in report["v2.mp4"]["reason"]
    assert "not sealed" in report["v2.info.json"]["reason"]
    monkeypatch.setattr(Desk, "seal_records", real)
    again = amanat_json(cli_env, "import", str(folder), "--home", str(org.desk.path))
    assert (again["testimonies"], again["entries"]) == (1, 1)
    with Desk(org.desk, org.desk_keys) as desk:
        desk.update_views()
        with desk.engine.connect() as conn:
            titles = sorted(r.title for r in conn.execute(select(schema.testimonies.c.title)))
    assert titles == ["Testimony 1", "Testimony 2"]


def test_who_detained_the_person_is_imported_with_the_detention(tmp_path: Path) -> None:
    """Given a list with a "who detained" column (Russian and Chinese words, one the
    vocabulary lacks, one without any date), when imported, then the known words name
    who is believed responsible on the detention (schema 1.2), the unknown word rejects
    its row naming the mapping's section to add it to, and the undated one is refused."""
    listing = tmp_path / "list.csv"
    listing.write_text(
        "ФИО,Дата задержания,Кем задержан,Статус,Дата статуса\n"
        "Серік Нұрланов,04.2018,полиция,в лагере,2019\n"
        "谢里克,2017,国安,,\n"
        "Айгүл Оспан,2018,соседи,,\n"
        "Дәулет Ахмет,,суд,,\n",
        encoding="utf-8",
    )
    text, mapped = suggest_mapping(
        ["ФИО", "Дата задержания", "Кем задержан", "Статус", "Дата статуса"],
        [],
        file_name="list.csv",
        today=dt.date(2026, 1, 1),
    )
    assert 'responsible: "Кем задержан"' in text and mapped == 5
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "version: 1\ncolumns:\n  name_native: ФИО\n  detained_date: Дата задержания\n"
        "  responsible: Кем задержан\n  status: Статус\n  status_date: Дата статуса\n",
        "utf-8",
    )
    job = SpreadsheetImport(
        listing, load_mapping(mapping), gazetteer=Gazetteer.load_builtin(), today=dt.date.today()
    )
    report_path = tmp_path / "r.csv"
    with job, ReportWriter(report_path, "row", job.headers) as report:
        changes = [c for batch in job.batches(report) for c in batch]
        report.commit()
    events = [
        [
            (c["value"]["status"], c["value"].get("by"))
            for c in ch["claims"]
            if c["field"] == "status"
        ]
        for ch in changes
    ]
    assert events == [
        [("detained", "police"), ("in_camp", None)],
        [("detained", "state_security")],
    ]
    reasons = [r["reason"] for r in report_rows(report_path)]
    assert "values: responsible" in reasons[2]
    assert "needs a status or a detention date" in reasons[3]


def test_a_formula_in_a_column_not_imported_costs_the_row_nothing(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # Given a workbook numbered with =ROW()-1 in a column the mapping does not name.
    listing = _workbook(
        tmp_path / "numbered.xlsx",
        [
            ["№", "ФИО", "Пол"],
            ["=ROW()-1", "Нурлан Серикбаев", "м"],
            ["=ROW()-1", "Айгуль Серикбаева", '=IF(1,"ж","м")'],
        ],
    )
    mapping = _name_and_sex_mapping(tmp_path)
    # When it is imported.
    done = amanat_json(
        cli_env, "import", str(listing), "--mapping", str(mapping), "--home", str(org.desk.path)
    )
    # Then the numbered row is accepted; a formula in a column it reads still rejects one.
    outcome = {int(r["row"]): r for r in report_rows(Path(done["report"]))}
    assert outcome[2]["outcome"] == "accepted"
    assert outcome[3]["outcome"] == "rejected" and "C3" in outcome[3]["reason"]


def test_a_workbook_column_without_a_header_is_not_a_broken_row(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # Given a workbook with notes typed in a column that has no header.
    listing = _workbook(
        tmp_path / "notes.xlsx", [["ФИО", "Пол"], ["Нурлан Серикбаев", "м", "звонила сестра"]]
    )
    mapping = _name_and_sex_mapping(tmp_path)
    # When it is imported.
    done = amanat_json(
        cli_env, "import", str(listing), "--mapping", str(mapping), "--home", str(org.desk.path)
    )
    # Then the row is accepted: only a CSV's extra cells mean a separator lost its quotes.
    assert done["accepted"] == 1 and done["rejected"] == 0


def _persons(org: Org) -> int:
    with Desk(org.desk, org.desk_keys) as desk:
        desk.update_views()
        return desk.search(Query()).total


def test_a_broken_quote_stops_the_import_before_any_row_is_sealed(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # Given a list of 3,000 rows whose row 2,800 opens a quote and never closes it
    # (read lazily, the first 2,000 rows used to be sealed before the reader met it).
    lines = ["ФИО,Пол"] + [f"Адам {i},м" for i in range(3000)]
    lines[2799] = '"Адам 2799,м'
    listing = tmp_path / "list.csv"
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = _name_and_sex_mapping(tmp_path)
    # When it is imported.
    done = amanat(
        cli_env, "import", str(listing), "--mapping", str(mapping), "--home", str(org.desk.path),
        code=2,
    )  # fmt: skip
    # Then the command names the row, says nothing was taken, and nothing was.
    assert "Row 2800 of list.csv opens a quote" in done.stderr
    assert "nothing was taken from the file" in done.stderr
    assert _persons(org) == 0


def test_the_report_never_replaces_what_the_user_gave(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # Given a list, its mapping, a folder and a named pipe (what /dev/null is to root).
    listing = tmp_path / "list.csv"
    listing.write_text("ФИО,Пол\nНурлан Серикбаев,м\n", encoding="utf-8")
    mapping = _name_and_sex_mapping(tmp_path)
    (tmp_path / "folder").mkdir()
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    before = mapping.read_bytes()
    cases = {
        str(mapping): "would overwrite the mapping",
        str(tmp_path / "folder" / ".." / "list.csv"): "would overwrite the list",
        str(tmp_path / "folder"): "is a folder",
        str(pipe): "is not an ordinary file",
    }
    for report, says in cases.items():
        # When it is imported with that as the report.
        done = amanat(
            cli_env, "import", str(listing), "--mapping", str(mapping), "--report", report,
            "--home", str(org.desk.path), code=2,
        )  # fmt: skip
        # Then it stops before the desk is opened: nothing sealed, nothing replaced.
        assert says in done.stderr, done.stderr
    assert mapping.read_bytes() == before and _persons(org) == 0
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != "org")  # the desk's folder
    assert left == ["folder", "list.csv", "map.yaml", "pipe"]


def test_the_separator_is_the_one_that_fits_the_rows(tmp_path: Path) -> None:
    # Given a Russian list whose header has more commas than semicolons in one cell.
    path = tmp_path / "list.csv"
    path.write_text(
        "Фамилия, имя, отчество;Дата рождения\r\nИванов Иван Иванович;01.01.1980\r\n"
        "Петров Пётр;1975\r\n",
        encoding="utf-8",
    )
    # When it is opened, then the semicolon is chosen: it cuts every row as the header.
    with open_table(path) as table:
        assert table.delimiter == ";"
        assert table.headers == ("Фамилия, имя, отчество", "Дата рождения")
        assert next(r.values for r in table.rows) == ("Иванов Иван Иванович", "01.01.1980")


def test_a_workbook_damaged_midway_is_one_sentence(tmp_path: Path) -> None:
    # Given a workbook of 3,000 rows whose sheet is cut off two thirds of the way.
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["ФИО", "Пол"])
    for i in range(3000):
        ws.append([f"Адам {i}", "м"])
    whole = tmp_path / "whole.xlsx"
    book.save(whole)
    cut = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(whole) as src, zipfile.ZipFile(cut, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) * 2 // 3]
            dst.writestr(item, data)
    # When its rows are read, then the reader stops with a sentence naming where.
    with open_table(cut) as table, pytest.raises(UsageError, match="the workbook is damaged"):
        list(table.rows)


def test_invisible_characters_are_left_out_with_a_note(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # Given names copied from web pages, with a soft hyphen, a zero-width space, a
    # right-to-left mark and a byte order mark inside them.
    junk = ["\u00ad", "\u200b", "\u200f", "\ufeff"]
    listing = tmp_path / "list.csv"
    listing.write_text(
        "ФИО,Пол\n" + "".join(f"Сер{j}ік Нұрланов,м\n" for j in junk), encoding="utf-8"
    )
    mapping = _name_and_sex_mapping(tmp_path)
    # When the list is imported.
    done = amanat_json(
        cli_env, "import", str(listing), "--mapping", str(mapping), "--home", str(org.desk.path)
    )
    # Then every row is accepted as the name a person reads, the report says what was
    # left out, and a search for that name finds all four.
    assert done["accepted"] == 4
    reasons = [r["reason"] for r in report_rows(Path(done["report"]))]
    assert all("invisible characters" in r for r in reasons)
    with Desk(org.desk, org.desk_keys) as desk:
        desk.update_views()
        found = desk.search(Query(name="Серік Нұрланов")).persons
        assert len(found) == 4 and {p.name for p in found} == {"Серік Нұрланов"}


def test_the_terminal_never_shows_a_value_the_report_holds(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    # Given a list whose relationship column holds a relative's name by mistake.
    listing = tmp_path / "list.csv"
    listing.write_text("ФИО,Туыстығы\nНұрланов Серік,Гүлнар Нұрланова\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "version: 1\ncolumns:\n  name_native: ФИО\n  relationship: Туыстығы\n", encoding="utf-8"
    )
    # When it is checked, on the terminal and as JSON.
    said = amanat(cli_env, "import", str(listing), "--mapping", str(mapping), "--dry-run")
    data = amanat_json(cli_env, "import", str(listing), "--mapping", str(mapping), "--dry-run")
    # Then the row is rejected with its column named, the name is not on the terminal or
    # in the JSON, and the report, readable by its owner only, says which word it was.
    assert "column 'Туыстығы'" in said.stdout and "Гүлнар" not in said.stdout + said.stderr
    assert "Гүлнар" not in json.dumps(data, ensure_ascii=False)
    (row,) = report_rows(Path(data["report"]))
    assert "'Гүлнар Нұрланова' is not a word" in row["reason"]


def test_a_detention_before_the_birth_is_refused(cli_env: dict[str, str], tmp_path: Path) -> None:
    # Given a row born 1980 and detained in 1970 (a mistyped year), and one about 1980.
    listing = tmp_path / "list.csv"
    listing.write_text(
        "ФИО,Туған,Ұсталған\nНұрланов Серік,1980,1970-01-01\nАсқар Бек,~1980,1979\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "version: 1\ncolumns:\n  name_native: ФИО\n  birth: Туған\n  detained_date: Ұсталған\n",
        encoding="utf-8",
    )
    # When it is checked.
    data = amanat_json(cli_env, "import", str(listing), "--mapping", str(mapping), "--dry-run")
    # Then the first is rejected with both dates to check; an "about" birth is left be.
    assert (data["accepted"], data["rejected"]) == (1, 1)
    (rejected,) = data["rejections"]
    assert rejected["row"] == 2 and "born (1980) after the detained date" in rejected["reason"]


def test_a_workbook_named_csv_is_told_apart(tmp_path: Path) -> None:
    # Given an .xlsx workbook saved under a .csv name.
    book = openpyxl.Workbook()
    book.active.append(["ФИО"])
    path = tmp_path / "list.csv"
    book.save(path)
    # When it is opened, then the sentence says what it is and what to do.
    with pytest.raises(UsageError, match=r"workbook with a text file's name; rename it to \.xlsx"):
        open_table(path)


def test_a_workbook_report_goes_round_with_its_ids_whole(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # Given a workbook list whose one row is rejected for a mistyped ID check character.
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["ФИО", "Пол", "Номер удостоверения"])
    ws.append(["Нурлан Серикбаев", "м", BAD_ID])
    listing = tmp_path / "list.xlsx"
    book.save(listing)
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "version: 1\ncolumns:\n  name_native: ФИО\n  sex: Пол\n"
        "  resident_id: Номер удостоверения\n",
        encoding="utf-8",
    )
    done = amanat_json(cli_env, "import", str(listing), "--mapping", str(mapping), "--dry-run")
    assert done["rejected"] == 1
    # When the report (a workbook, beside the list) is corrected as the guide says (the
    # ID retyped, the first three columns deleted) and saved from a spreadsheet.
    report = Path(done["report"])
    assert report.name == "list.report.xlsx"
    fixed = openpyxl.load_workbook(report)
    sheet = fixed.active
    id_cell = sheet.cell(row=2, column=6)
    assert id_cell.value == BAD_ID and id_cell.data_type == "s"  # text: all 18 digits
    id_cell.value = GOOD_ID
    sheet.delete_cols(1, 3)
    again = tmp_path / "fixed.xlsx"
    fixed.save(again)
    # Then the corrected rows import with the same mapping.
    redone = amanat_json(cli_env, "import", str(again), "--mapping", str(mapping), "--dry-run")
    assert (redone["accepted"], redone["rejected"]) == (1, 0), redone["rejections"]


def test_the_same_list_twice_is_refused_unless_meant(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # Given a list imported once.
    listing = tmp_path / "list.csv"
    listing.write_text("ФИО,Пол\nНурлан Серикбаев,м\nАйгуль Серикбаева,ж\n", encoding="utf-8")
    mapping = _name_and_sex_mapping(tmp_path)
    args = ["import", str(listing), "--mapping", str(mapping), "--home", str(org.desk.path)]
    first = amanat_json(cli_env, *args)
    assert first["accepted"] == 2
    # When the same file is imported again (a volunteer not sure it went in).
    again = amanat(cli_env, *args, code=2)
    # Then it is refused, naming the earlier import; nothing is sealed twice.
    assert "imported before" in again.stderr and first["source"] in again.stderr
    assert _persons(org) == 2
    # And --again imports it anyway, when that is what is meant.
    assert amanat_json(cli_env, *args, "--again")["accepted"] == 2
    assert _persons(org) == 4


def test_an_id_the_desk_has_recorded_already_is_noted(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Given a desk that has imported a list with two resident IDs, when another
    organisation's list gives one of those IDs again (another spelling of the name),
    then the row is still imported, as a record of its own for a reviewer to join, and
    the report names the person who holds the number; the summary counts such rows,
    without a name or a number in it; a dry run, which opens no desk, asks nothing."""
    home = str(org.desk.path)
    mapping = tmp_path / "m.yaml"
    mapping.write_text("version: 1\ncolumns:\n  name_latin: name\n  resident_id: id\n", "utf-8")
    first = tmp_path / "first.csv"
    first.write_text(f"name,id\nSerikzhan Bilash,{GOOD_ID}\nAigul Ospanova,{OTHER_ID}\n", "utf-8")
    amanat_json(cli_env, "import", str(first), "--mapping", str(mapping), "--home", home)
    with Desk(org.desk, org.desk_keys) as desk:
        desk.update_views()
        holder = desk.search(Query(id_number=GOOD_ID)).persons[0].person_id
    second = tmp_path / "second.csv"
    second.write_text(f"name,id\nSerikjan Bilash,{GOOD_ID}\nNurlan Kasymov,\n", "utf-8")
    done = amanat_json(cli_env, "import", str(second), "--mapping", str(mapping), "--home", home)
    assert (done["accepted"], done["recorded_already"]) == (2, 1)
    rows = report_rows(Path(done["report"]))
    assert rows[0]["outcome"] == "accepted"
    assert f"is recorded already, for person {holder}" in rows[0]["reason"]
    assert "recorded already" not in rows[1]["reason"]
    plain = amanat(
        cli_env, "import", str(second), "--mapping", str(mapping), "--home", home, "--again"
    )
    assert "1 accepted row gives an ID number this desk has recorded already" in plain.stdout
    assert GOOD_ID not in plain.stdout and "Serikjan" not in plain.stdout
    with Desk(org.desk, org.desk_keys) as desk:
        desk.update_views()
        assert desk.search(Query(id_number=GOOD_ID)).total == 3  # recorded, not merged
    dry = amanat_json(cli_env, "import", str(second), "--mapping", str(mapping), "--dry-run")
    assert dry["recorded_already"] == 0
