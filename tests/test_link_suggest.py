"""``amanat link`` without a mapping: a suggested one, written beside the list.

Given / When / Then, as the import's suggested mapping (``tests/test_import.py``); the
suggestion is YAML built from a list's headers and cells, so a property test checks that
whatever the headers hold, the mapping written reads back and names the very columns
it was guessed from.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import string
from pathlib import Path

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amanat.cli.link_suggest import guess_link_columns, names_a_name, suggest_link_mapping
from amanat.cli.main import main
from amanat.ingest.vocab import HEADER_WORDS
from amanat.linkage.mapping import load_link_mapping, parse_link_mapping

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
TODAY = dt.date(2026, 12, 1)
ID = "65402719880313868X"  # 18 characters, as a resident ID is written


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["link", *args])
    got = capsys.readouterr()
    return code, got.out, got.err


def _write(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def test_the_example_list_gets_the_mapping_shipped_beside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the documented example list, alone in a folder
    source = tmp_path / "list.csv"
    source.write_bytes((EXAMPLES / "link-list.csv").read_bytes())
    # When it is linked without --mapping
    code, out, err = _run(capsys, str(source), "--out", str(tmp_path / "clusters.csv"))
    # Then a mapping is written beside it, the command stops (2), and nothing is linked
    suggested = tmp_path / "list.link.yaml"
    assert code == 2, err
    assert str(suggested) in out and "Nothing was linked" in out
    assert "--mapping list.link.yaml --out" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.csv", "list.link.yaml"]
    # and it maps every column as the hand-written example mapping does
    shipped = load_link_mapping(EXAMPLES / "link-list.mapping.yaml")
    mapping = load_link_mapping(suggested)
    assert mapping.columns == shipped.columns
    # and it lists the sex word of the list that the built-in words lack, to fill in
    assert '#   "ئەر": ?  # 1 row' in suggested.read_text("utf-8")
    # When the suggestion is used as it stands, then the list links
    code, out, err = _run(
        capsys, str(source), "--mapping", str(suggested), "--out", str(tmp_path / "c.csv")
    )
    assert code == 0, err
    assert (tmp_path / "c.csv").exists()


def test_a_mapping_being_edited_is_never_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a list and the mapping a person is editing beside it
    source = _write(tmp_path / "list.csv", [["name", "birth"], ["Серік Білаш", "1974"]])
    edited = tmp_path / "list.link.yaml"
    edited.write_text("version: 1\ncolumns:\n  name: name\n", "utf-8")
    # When the list is linked without --mapping again
    code, out, _ = _run(capsys, str(source), "--json")
    # Then the mapping is as it was, and the answer names it
    assert code == 2
    assert edited.read_text("utf-8") == "version: 1\ncolumns:\n  name: name\n"
    said = json.loads(out)
    assert said["mapping"] == str(edited) and said["written"] is False


def test_a_mapping_without_an_output_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "list.csv", [["name"], ["Серік Білаш"]])
    mapping = tmp_path / "m.yaml"
    mapping.write_text("version: 1\ncolumns:\n  name: name\n", "utf-8")
    code, _, err = _run(capsys, str(source), "--mapping", str(mapping))
    assert code == 2
    assert "--out FILE" in err and "Traceback" not in err


def test_a_title_above_the_header_is_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a semicolon list, as Excel saves it in Russian, with a title and a blank
    # line above its header
    source = _write(
        tmp_path / "t.csv",
        [
            ["Список задержанных, 2019", "", ""],
            ["", "", ""],
            ["ФИО", "Год рождения", "Пол"],
            ["Серік Білаш", "1974", "м"],
            ["Серик Билаш", "1974", "муж"],
        ],
        delimiter=";",
    )
    # When it is linked without --mapping
    assert _run(capsys, str(source))[0] == 2
    # Then the mapping reads the header in row 3, and linking with it finds one person
    mapping = load_link_mapping(tmp_path / "t.link.yaml")
    assert mapping.header_row == 3
    assert mapping.columns == {"name": ("ФИО",), "birth": ("Год рождения",), "sex": ("Пол",)}
    out = tmp_path / "c.csv"
    code, said, err = _run(
        capsys, str(source), "--mapping", str(tmp_path / "t.link.yaml"), "--out", str(out)
    )
    assert code == 0, err
    assert "2 rows of persons are 1 person" in said


def test_a_list_with_no_header_it_knows_gets_no_mapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _write(tmp_path / "list.csv", [["a", "b"], ["Серік Білаш", "1974"]])
    code, _, err = _run(capsys, str(source))
    assert code == 2
    assert "write the mapping yourself" in err and "Traceback" not in err
    assert not (tmp_path / "list.link.yaml").exists()


def test_an_id_column_of_row_numbers_is_not_a_resident_id() -> None:
    # Given a list whose "ID" is its own row number, and another whose ID is a resident ID
    headers = ["ID", "Name"]
    numbered = [["1", "Серік Білаш"], ["2", "Айгүл Нұрбекқызы"]]
    with_ids = [[ID, "Серік Білаш"], ["", "Айгүл Нұрбекқызы"]]
    # When their columns are guessed
    chosen_numbered, _ = guess_link_columns(headers, numbered)
    chosen_ids, _ = guess_link_columns(headers, with_ids)
    # Then the row numbers are not taken for resident IDs, and the IDs are
    assert chosen_numbered == {"name": 1}
    assert chosen_ids == {"resident_id": 0, "name": 1}
    # and a column with no cell filled yet keeps what its header says
    assert guess_link_columns(headers, [["", "Серік Білаш"]])[0]["resident_id"] == 0


def test_of_several_name_columns_the_fullest_is_the_name_and_the_rest_its_writings() -> None:
    # Given a list with a name in Latin letters, one in Cyrillic, one in characters and
    # the name's parts
    headers = ["Name", "ФИО", "姓名", "Тегі", "Аты"]
    rows = [
        ["", "Серік Білаш", "", "Білаш", "Серік"],
        ["Aigul Nurbekqyzy", "Айгүл Нұрбекқызы", "艾古丽", "Нұрбекқызы", "Айгүл"],
    ]
    # When the mapping is suggested
    text, mapped = suggest_link_mapping(headers, rows, file_name="l.csv", today=TODAY)
    mapping = parse_link_mapping(yaml.safe_load(text))
    # Then the name filled in most often is the name compared, and the other whole
    # names are its other writings, each keyed as a name of its own
    assert mapping.columns == {"name": ("ФИО",), "other_names": ("Name", "姓名")}
    assert mapped == 3
    # and the parts are offered, commented out
    assert '  # given: "Аты"' in text and '  # surname: "Тегі"' in text
    # and a column headed as a former name (a PRC household register's 曾用名) is one too
    text, _ = suggest_link_mapping(["姓名", "曾用名"], [], file_name="l.csv", today=TODAY)
    assert parse_link_mapping(yaml.safe_load(text)).columns == {
        "name": ("姓名",),
        "other_names": ("曾用名",),
    }
    # and with the whole name gone, the parts are the name
    text, _ = suggest_link_mapping(["Тегі", "Аты"], rows, file_name="l.csv", today=TODAY)
    assert parse_link_mapping(yaml.safe_load(text)).columns == {
        "surname": ("Тегі",),
        "given": ("Аты",),
    }


def test_an_age_is_not_a_birth_date() -> None:
    chosen, _ = guess_link_columns(["Аты-жөні", "Жасы", "Туған жылы"], [])
    assert chosen == {"name": 0, "birth": 2}
    assert guess_link_columns(["ФИО", "Возраст"], [])[0] == {"name": 0}


def test_the_header_row_is_told_from_a_title() -> None:
    assert names_a_name(["№", "Аты-жөні", "Туған күні"])
    assert names_a_name(["姓名"]) and names_a_name(["Фамилия", "Имя"])
    assert not names_a_name(["Список задержанных, 2019", "", ""])


_PRINTABLE_AND_NOT = st.text(
    alphabet=st.sampled_from(
        [*string.printable, "\x85", "\u2028", "\u2029", "\x00", "\x07", "\ufeff", "ж", "姓",
         "ئ", "\U000e0001", "'", '"', "*", "&", "!", "%", "@", "`", "{", "}", "[", "]"]
    ),
    max_size=30,
)  # fmt: skip
_KNOWN = st.sampled_from([w for words in HEADER_WORDS.values() for w in words])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    headers=st.lists(st.one_of(_KNOWN, _PRINTABLE_AND_NOT), min_size=1, max_size=12),
    cells=st.lists(st.lists(_PRINTABLE_AND_NOT, max_size=12), max_size=5),
    file_name=_PRINTABLE_AND_NOT,
)
def test_a_suggested_mapping_reads_back_whatever_the_list_holds(
    headers: list[str], cells: list[list[str]], file_name: str
) -> None:
    # Given any header row and cells, hostile ones included (YAML's own characters,
    # line breaks YAML reads but Python's splitlines does not, controls, a BOM)
    # When a mapping is suggested from them
    text, mapped = suggest_link_mapping(headers, cells, file_name=file_name, today=TODAY)
    chosen, others = guess_link_columns(headers, cells)
    # (the whole names not chosen are the name's other writings, as are those headed so)
    guessed = {f: (i,) for f, i in chosen.items() if f != "other_names"}
    writings = [*others.get("name", []), *others.get("other_names", [])]
    writings += [chosen["other_names"]] if "other_names" in chosen else []
    if writings:
        guessed["other_names"] = tuple(sorted(writings))
    # Then it is YAML, it holds no line a header or a cell added
    doc = yaml.safe_load(text)
    assert len(text.splitlines()) == len(text.split("\n")) - 1
    # and where it maps a name, it is a valid mapping naming the very columns guessed
    if any(f in chosen for f in ("name", "given", "surname", "patronymic")):
        mapping = parse_link_mapping(doc)
        assert mapping.bind(headers) == guessed
        assert mapped == sum(map(len, guessed.values()))


def test_a_workbook_with_a_title_row_gets_its_mapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an Excel workbook with a title in its first row, the header in its second,
    # birth dates stored as dates, and an "ID" column of resident IDs
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Тізім, 2019"])
    sheet.append(["ID", "Аты-жөні", "Туған күні", "Жынысы"])
    sheet.append([ID, "Айжан Бакыт кызы", dt.datetime(1988, 3, 13), "әйел"])
    sheet.append([ID, "阿依江·巴克提", dt.datetime(1988, 3, 13), "女"])
    source = tmp_path / "тізім.xlsx"
    book.save(source)
    # When it is linked without --mapping, then with the mapping suggested
    assert _run(capsys, str(source))[0] == 2
    suggested = tmp_path / "тізім.link.yaml"
    mapping = load_link_mapping(suggested)
    out = tmp_path / "clusters.xlsx"
    code, said, err = _run(capsys, str(source), "--mapping", str(suggested), "--out", str(out))
    # Then the header is read from row 2, every column is mapped, and the two rows
    # (one name in two scripts, one ID) are one person
    assert mapping.header_row == 2
    assert mapping.columns == {
        "resident_id": ("ID",),
        "name": ("Аты-жөні",),
        "birth": ("Туған күні",),
        "sex": ("Жынысы",),
    }
    assert code == 0, err
    assert "2 rows of persons are 1 person" in said


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_suggestion_speaks_the_language_of_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    # Given the example list
    source = tmp_path / "list.csv"
    source.write_bytes((EXAMPLES / "link-list.csv").read_bytes())
    # When it is linked without --mapping, in Kazakh or in Russian
    capsys.readouterr()
    assert main(["--lang", lang, "link", str(source)]) == 2
    text = (tmp_path / "list.link.yaml").read_text("utf-8")
    # Then the comments a person reads to check it are in that language
    comments = [line.split("#", 1)[1] for line in text.splitlines() if "#" in line]
    assert "Check every line" not in text and "in any script" not in text
    assert sum(any("а" <= c <= "я" for c in comment) for comment in comments) >= 15
    # and the mapping is the one English gives: the same columns, from the same row
    mapping = load_link_mapping(tmp_path / "list.link.yaml")
    shipped = load_link_mapping(EXAMPLES / "link-list.mapping.yaml")
    assert (mapping.columns, mapping.header_row) == (shipped.columns, shipped.header_row)


def test_ids_a_spreadsheet_stored_as_numbers_are_mapped_and_then_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a workbook whose "ID" column holds resident IDs stored as numbers (Excel
    # keeps 15 digits of them)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ID", "ФИО"])
    sheet.append([654027198803138600.0, "Айжан Бакыт кызы"])
    sheet.append([654027198803138600.0, "Айжан Бакытқызы"])
    source = tmp_path / "list.xlsx"
    book.save(source)
    # When it is linked without --mapping, then with the mapping suggested
    assert _run(capsys, str(source))[0] == 2
    suggested = tmp_path / "list.link.yaml"
    code, said, err = _run(
        capsys, str(source), "--mapping", str(suggested), "--out", str(tmp_path / "c.csv")
    )
    # Then the column is mapped as the resident ID, so that linking says what became of
    # the numbers, instead of leaving them out unsaid
    assert load_link_mapping(suggested).columns["resident_id"] == ("ID",)
    assert code == 0, err
    assert "format that column as text" in said + err
