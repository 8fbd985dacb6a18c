"""`amanat link` with the files people really give it, and the mistakes they make.

Every test is written Given / When / Then. What they hold to: a mistyped output path
never replaces the list, the mapping or a reviewer's decisions; a file the reader
cannot go on with stops the command with one sentence naming the row, and nothing is
written; a row is left out of linking only for a reason in the columns linking reads,
and the summary says which; every cell of the list reaches the output; a run killed
midway leaves no file with names behind; an error never repeats a name or an ID.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pytest

from amanat.cli.link_commands import _LOOSE_LETTERS, DECISION_WORDS, decision_verdict
from amanat.cli.main import main
from amanat.errors import UsageError
from amanat.ingest import open_table
from amanat.linkage.prepare import columns_of, prepare_records
from amanat.records.ids import ric_check_character

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
MAPPING = EXAMPLES / "link-list.mapping.yaml"
SMALL_MAPPING = "version: 1\ncolumns:\n  name: name\n  birth: birth\n"


def _files(tmp_path: Path, rows: str, mapping: str = SMALL_MAPPING) -> tuple[Path, Path]:
    """A list (list.csv) and its mapping (m.yaml) written in ``tmp_path``."""
    source, written = tmp_path / "list.csv", tmp_path / "m.yaml"
    source.write_text(rows, encoding="utf-8")
    written.write_text(mapping, encoding="utf-8")
    return source, written


def _link(
    capsys: pytest.CaptureFixture[str], source: Path, mapping: Path, *more: str
) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["link", str(source), "--mapping", str(mapping), *more])
    got = capsys.readouterr()
    return code, got.out, got.err


def _rows(path: Path, delimiter: str = ",") -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f, delimiter=delimiter))


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """Two rows of one year, one with the whole name in Cyrillic and one with only the
    given name in Latin letters, and nothing else: a pair to review. (The whole name in
    both scripts with the year is a link, even in a list of three rows.)"""
    source = tmp_path / "pair.csv"
    source.write_text(
        "name,birth\nСерікжан Білаш,1974\nSerikzhan,1974\nАйгүл Нұрбекқызы,1980\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "pair.yaml"
    mapping.write_text(SMALL_MAPPING, encoding="utf-8")
    return source, mapping


@pytest.fixture
def example(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "list.csv"
    source.write_bytes((EXAMPLES / "link-list.csv").read_bytes())
    mapping = tmp_path / "list.yaml"
    mapping.write_bytes(MAPPING.read_bytes())
    return source, mapping


def test_other_writings_of_a_name_link_each_to_its_like(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a list whose first row gives a man's name in Latin letters and, in another
    # column, the name in characters an official notice gave him (not a transcription
    # of it), and whose second row has only that notice's name
    rows = "name,other,birth\nSerik Bilash,王建国,1974\n王建国,,1974\nАйгүл Нұрбекқызы,,1980\n"
    source, _ = _files(tmp_path, rows)
    alone = tmp_path / "alone.yaml"
    alone.write_text(SMALL_MAPPING, encoding="utf-8")
    both = tmp_path / "both.yaml"
    both.write_text(SMALL_MAPPING + "  other_names: other\n", encoding="utf-8")
    # When it is linked with the name alone, then the two rows stay apart
    code, _, err = _link(capsys, source, alone, "--out", str(tmp_path / "a.csv"))
    assert code == 0, err
    clusters = [r[3] for r in _rows(tmp_path / "a.csv")[1:]]
    assert clusters[0] != clusters[1]
    # When the other column is mapped as other_names, then each writing is compared
    # with its like, and the two rows are one person; the third is still alone
    out, review = tmp_path / "b.csv", tmp_path / "r.csv"
    code, _, err = _link(capsys, source, both, "--out", str(out), "--review", str(review))
    assert code == 0, err
    found = _rows(out)
    assert [r[3] for r in found[1:]] == [found[1][3], found[1][3], found[3][3]]
    assert found[1][3] != found[3][3] and found[2][5] == "linked"
    # and the review file shows the other writings beside the name
    assert "other_names_a" in _rows(review)[0]


@pytest.mark.parametrize("cell", ["王建国; Wang Jianguo", "王建国 | Wang Jianguo", "王建国\nWang"])
def test_several_other_writings_in_one_cell(tmp_path: Path, cell: str) -> None:
    # Given other writings of a name in one cell, separated by ; or | or a line break
    columns = columns_of([{"record_id": "1", "name": "Serik Bilash", "other_names": cell}])
    alone = columns_of([{"record_id": "1", "name": "Serik Bilash"}])
    # When the records are prepared for linking
    table = prepare_records(columns).to_pylist()[0]
    plain = prepare_records(alone).to_pylist()[0]
    chinese = prepare_records(columns_of([{"name": "王建国"}])).to_pylist()[0]
    # Then the name's own keys come first and lead (its block and its form), and every
    # writing adds its words and sounds
    assert (table["name_block"], table["name_form"]) == (plain["name_block"], plain["name_form"])
    assert set(plain["nm_words"]) < set(table["nm_words"])
    assert set(chinese["nm_words"]) <= set(table["nm_words"])
    assert set(chinese["nm_sounds"]) <= set(table["nm_sounds"])


# -- outputs that would replace what the user gave --------------------------------------


@pytest.mark.parametrize(
    ("more", "words"),
    [
        (["--out", "{dir}/sub/../list.csv"], "would overwrite the list"),
        (["--out", "{dir}/decided.csv", "--decisions", "{dir}/decided.csv"], "decisions file"),
        (["--out", "{dir}/a.csv", "--review", "{dir}/sub/../a.csv"], "are one file"),
        (["--out", "{dir}/hard.csv"], "would overwrite the list"),
        (["--out", "{dir}/list.yaml"], "ends in .csv or .xlsx"),
        (["--out", "{dir}/sub"], "is a folder"),
        (["--out", "{dir}/nowhere/out.csv"], "does not exist"),
    ],
)
def test_an_output_never_replaces_an_input(
    example: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    more: list[str],
    words: str,
) -> None:
    """Given an output path that is the list (through `..` or a hard link), the
    mapping, a decisions file, the other output, a folder or a folder that is not
    there, when `amanat link` runs, then it stops before any work with one sentence and
    every file is as it was."""
    source, mapping = example
    (tmp_path / "sub").mkdir()
    os.link(source, tmp_path / "hard.csv")
    (tmp_path / "decided.csv").write_text("decision,row_a,row_b\nsame,2,3\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    code, _, err = _link(capsys, source, mapping, *(m.format(dir=tmp_path) for m in more))
    assert code == 2 and words in err and "Traceback" not in err
    assert {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


def test_a_review_file_may_replace_the_decisions_it_was_given(
    pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a review file with a decision written in it, when `amanat link` gives it
    back with --decisions and writes the new review file over it, then the decision is
    kept in the new file (it holds every decision read)."""
    source, mapping = pair
    review = tmp_path / "review.csv"
    out = ["--out", str(tmp_path / "out.csv"), "--review", str(review)]
    assert _link(capsys, source, mapping, *out)[0] == 0
    rows = _rows(review)
    assert len(rows) == 2, "one pair to review"
    rows[1][0] = "different"
    decided = (rows[1][2], rows[1][3])
    with review.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    code, said, _ = _link(capsys, source, mapping, *out, "--decisions", str(review))
    assert code == 0 and "1 different" in said
    kept = [r for r in _rows(review)[1:] if (r[2], r[3]) == decided]
    assert [r[0] for r in kept] == ["different"]


# -- files the reader cannot go on with ---------------------------------------------------


def test_a_quote_never_closed_stops_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a list of 20 rows whose 7th opens a quote and never closes it (the rest
    of the file would be one cell), when it is linked, then the command stops naming
    that row, and no output is written; the import's reader says the same."""
    lines = ["name,birth"] + [f"Person {i},19{50 + i}" for i in range(20)]
    lines[7] = '"Ерлан Серікұлы,1990'
    source = tmp_path / "list.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(SMALL_MAPPING, encoding="utf-8")
    out = tmp_path / "out.csv"
    code, _, err = _link(capsys, source, mapping, "--out", str(out))
    assert code == 2 and "Row 8 of list.csv opens a quote" in err
    assert "Ерлан" not in err and not out.exists()
    with (
        pytest.raises(UsageError, match=r"Row 8 of list\.csv opens a quote"),
        open_table(source) as table,
    ):
        list(table.rows)


def test_most_rows_in_another_encoding_stop_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a Windows-1251 list under a header in Latin letters (so the header reads
    as UTF-8), when it is linked, then the command says to re-save it as UTF-8, and no
    output is written."""
    source = tmp_path / "list.csv"
    body = "name,birth\nСерикжан Билаш,1974\nАйгуль Нурбекова,1980\nErlan,1990\n"
    source.write_bytes(body.encode("cp1251"))
    mapping = tmp_path / "m.yaml"
    mapping.write_text(SMALL_MAPPING, encoding="utf-8")
    out = tmp_path / "out.csv"
    code, _, err = _link(capsys, source, mapping, "--out", str(out))
    assert code == 2 and "re-save it as CSV UTF-8" in err and not out.exists()


def test_the_separator_is_the_header_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a semicolon list under a title line full of commas (header_row: 3), when
    it is linked, then its columns are found, and the output is written with semicolons,
    as the list was, so that a Russian-locale Excel opens it in columns."""
    source, mapping = _files(
        tmp_path,
        "Список задержанных, Илийский округ, 2019, Атажурт;;\n;;\nФИО;Год;Примечание\n"
        "Серикжан Билаш;1974;a, b\nSerikzhan;1974;\n",
        "version: 1\ncolumns:\n  name: ФИО\n  birth: Год\noptions:\n  header_row: 3\n",
    )
    out = tmp_path / "out.csv"
    code, _, err = _link(capsys, source, mapping, "--out", str(out))
    assert code == 0, err
    rows = _rows(out, ";")
    # the title line and the empty one above the header are kept: rows keep their numbers
    assert rows[0][0] == "Список задержанных, Илийский округ, 2019, Атажурт"
    assert rows[2][:3] == ["ФИО", "Год", "Примечание"] and rows[3][2] == "a, b"
    assert rows[3][5] == rows[4][5] == "review"  # a given name and a year: a person decides


# -- rows: left out only for a reason linking needs, and every cell kept ----------------


def test_a_formula_outside_the_mapped_columns_costs_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a workbook numbered with =ROW()-1 and one birth year given as a formula,
    when it is linked, then the numbered rows are linked, the row whose mapped cell is
    a formula is left out with that reason in the summary, and every cell, with a notes
    column that has no header, reaches the output."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["№", "name", "birth"])
    ws.append(["=ROW()-1", "Серікжан Білаш", 1974, "a note"])
    ws.append(["=ROW()-1", "Serikzhan", 1974])
    ws.append(["=ROW()-1", "Айгүл Нұрбекқызы", "=1979+1"])
    ws.append([4, "", None])  # a numbered line with nobody in it
    source = tmp_path / "list.xlsx"
    book.save(source)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(SMALL_MAPPING, encoding="utf-8")
    out = tmp_path / "out.csv"
    code, said, err = _link(capsys, source, mapping, "--out", str(out), "--json")
    assert code == 0, err
    rows = _rows(out)
    assert rows[0][:5] == ["№", "name", "birth", "column D", "cluster"]
    assert [r[3] for r in rows[1:]] == ["a note", "", "", ""]
    assert [r[6] for r in rows[1:]] == ["review", "review", "unread", "empty"]
    assert rows[1][0] == "'=ROW()-1"  # kept, and defused for a spreadsheet
    code, said, _ = _link(capsys, source, mapping, "--out", str(out))
    assert "1 row that could not be read, 1 empty" in said
    assert "row 4: cell C4 holds a formula" in said


def test_a_csv_row_with_more_cells_than_the_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a CSV row with two cells more than its header (a comma in a name without
    quotes), when the list is linked, then that row is not linked (its columns may
    have moved), the summary says why, and its cells are all in the output."""
    source = tmp_path / "list.csv"
    source.write_text(
        "name,birth\nСерікжан Білаш,1974\nBilash, Serikzhan,1974,extra\n", encoding="utf-8"
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text(SMALL_MAPPING, encoding="utf-8")
    out = tmp_path / "out.csv"
    code, said, _ = _link(capsys, source, mapping, "--out", str(out))
    assert code == 0 and "row 3: the row has 4 cells but the header only 2" in said
    rows = _rows(out)
    assert rows[0][:4] == ["name", "birth", "column C", "column D"]
    assert rows[2][:4] == ["Bilash", " Serikzhan", "1974", "extra"] and rows[2][6] == "unread"


def test_an_id_stored_as_a_number_is_not_trusted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a workbook whose resident ID column Excel stored as numbers (18 digits
    do not survive that), when it is linked, then those IDs count as not known and the
    summary says how to keep them."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["name", "birth", "id"])
    ws.append(["Серікжан Білаш", 1974, 654002197403150038])
    ws.append(["Serikzhan Bilash", 1974, "654002197403150038"])
    source = tmp_path / "list.xlsx"
    book.save(source)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(SMALL_MAPPING + "  resident_id: id\n", encoding="utf-8")
    code, said, _ = _link(capsys, source, mapping, "--out", str(tmp_path / "out.csv"))
    assert code == 0 and "1 resident ID stored as a number" in said
    assert "Not read" not in said  # said once, not also among the values not read
    # the output shows the number as the spreadsheet does, not digits made up by the
    # float (654002197403150080)
    assert _rows(tmp_path / "out.csv")[1][2] == "654002197403150000"


def test_ids_a_spreadsheet_rounded_before_writing_a_csv_are_not_trusted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a CSV a spreadsheet wrote after storing the ID column as numbers (15
    digits kept, then 000: two men of one county born on one day get one number, its
    check character wrong), when it is linked, then those IDs count as not known (two
    men of different names were one person at 1.0000: a "mistyped" ID they share) and
    the summary says how to keep them."""
    source = tmp_path / "list.csv"
    assert ric_check_character("65400219740315000") != "0"  # so 654...150000 fails it
    source.write_text(
        "name,birth,id\n"
        "Serik Bilash,15.03.1974,654002197403150000\n"
        "Marat Nurlanov,15.03.1974,654002197403150000\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text(SMALL_MAPPING + "  resident_id: id\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    code, said, _ = _link(capsys, source, mapping, "--out", str(out))
    assert code == 0 and "2 resident IDs stored as a number" in said
    assert [row[5] for row in _rows(out)[1:]] == ["alone", "alone"]


def test_a_list_saved_again_while_it_is_linked_gives_no_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a list that someone saves again (Excel, a synced folder) while it is being
    linked, when the clusters are written, then the command stops with a sentence and
    writes nothing: the clusters belong to the rows as first read (they were copied
    onto the new rows, and the command said it had succeeded)."""
    from amanat.cli import link_commands

    source = tmp_path / "list.csv"
    source.write_text("name,birth\nСерікжан Білаш,1974\nSerikzhan Bilash,1974\n", "utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(SMALL_MAPPING, encoding="utf-8")
    real = link_commands.link_records

    def saved_meanwhile(*args: object, **kwargs: object) -> object:
        found = real(*args, **kwargs)  # type: ignore[arg-type]
        source.write_text("name,birth\nMarat Nurlanov,1980\n", "utf-8")
        return found

    monkeypatch.setattr(link_commands, "link_records", saved_meanwhile)
    out = tmp_path / "out.csv"
    code, _, err = _link(capsys, source, mapping, "--out", str(out))
    assert code == UsageError.exit_code and "changed while it was being linked" in err
    assert not out.exists() and "Traceback" not in err


def test_lines_above_the_header_keep_the_rows_numbered_as_the_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a list with a title line above its header (``header_row: 2``), when it is
    linked, then the output keeps the title line, so the row numbers in ``cluster``
    and ``best_match_row`` are those of the output's rows too (they were one off)."""
    source, mapping = _files(
        tmp_path,
        "Список задержанных, 2019;;\nName;Birth;ID\nSerik Bilash;1980;\nСерік Білаш;1980;\n",
        "version: 1\ncolumns:\n  name: Name\n  birth: Birth\noptions:\n  header_row: 2\n",
    )
    out = tmp_path / "out.csv"
    code, _, _ = _link(capsys, source, mapping, "--out", str(out))
    rows = _rows(out, ";")
    assert code == 0 and rows[0][0] == "Список задержанных, 2019" and rows[1][3] == "cluster"
    # spreadsheet row numbers: rows[2] is row 3
    assert (rows[2][3], rows[2][6], rows[3][3], rows[3][6]) == ("3", "4", "3", "3")


# -- what is written -----------------------------------------------------------------------


def test_a_workbook_out_and_back(
    pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given outputs named .xlsx, when a list is linked, then both are real workbooks:
    a name that looks like a formula is a text cell, clusters are numbers, and the
    review workbook, decided in a spreadsheet in Kazakh, is read back."""
    source, mapping = pair
    with source.open("a", encoding="utf-8") as f:
        f.write('"=HYPERLINK(""x"")",1990\n')
    out, review = tmp_path / "out.xlsx", tmp_path / "review.xlsx"
    code, _, err = _link(capsys, source, mapping, "--out", str(out), "--review", str(review))
    assert code == 0, err
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    last = next(iter(ws.iter_rows(min_row=5)))
    name = last[header.index("name")]
    assert name.value == '=HYPERLINK("x")' and name.data_type == "s"
    assert last[header.index("cluster")].value == 5
    book = openpyxl.load_workbook(review)
    sheet = book.active
    assert sheet.max_row == 2
    sheet.cell(row=2, column=1, value="иә")
    book.save(review)
    code, said, err = _link(capsys, source, mapping, "--out", str(out), "--decisions", str(review))
    assert code == 0 and "1 same" in said, err
    rows = list(openpyxl.load_workbook(out).active.iter_rows(min_row=2, values_only=True))
    assert [r[header.index("outcome")] for r in rows] == ["linked", "linked", "alone", "alone"]


@pytest.mark.parametrize(
    ("outputs", "refused"),
    [
        # a long note, not linked, copied into the clusters workbook
        (("out.xlsx",), True),
        (("out.csv",), False),
        # the review workbook holds only the columns linking reads
        (("out.csv", "review.xlsx"), False),
    ],
)
def test_a_cell_longer_than_a_workbook_holds_is_refused_before_any_work(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    outputs: tuple[str, ...],
    refused: bool,
) -> None:
    """Given a CSV list whose third row has a note of 40,000 characters (an Excel cell
    holds 32,767), when it is linked into a workbook, then the command stops with one
    sentence naming the row, before any work, and nothing is written (before, the
    workbook held the note cut short without a word); into CSV, the note is whole."""
    note = "ж" * 40_000
    source, mapping = _files(
        tmp_path,
        f"name,birth,note\nСерікжан Білаш,1974,\nSerikzhan Bilash,1974,{note}\n",
    )
    paths = [tmp_path / name for name in outputs]
    more = ["--out", str(paths[0])] + (["--review", str(paths[1])] if len(paths) > 1 else [])

    code, _, err = _link(capsys, source, mapping, *more)

    if refused:
        assert code == UsageError.exit_code
        assert "Row 3 of the list has a cell longer than an Excel cell holds" in err
        assert "ж" not in err and not any(p.exists() for p in paths)
    else:
        assert code == 0, err
        assert _rows(paths[0])[2][2] == note


def test_a_name_longer_than_a_workbook_holds_is_refused_for_the_review_workbook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a list whose second row's name, read from two columns, is longer than a
    workbook cell holds, when the review file is a workbook, then the command stops
    naming the row, and nothing is written."""
    half = "Серік" * 4_000
    source, mapping = _files(
        tmp_path,
        f"given,surname,birth\n{half},{half},1974\nSerik,Bilash,1974\n",
        "version: 1\ncolumns:\n  name: [given, surname]\n  birth: birth\n",
    )
    out, review = tmp_path / "out.csv", tmp_path / "review.xlsx"

    code, _, err = _link(capsys, source, mapping, "--out", str(out), "--review", str(review))

    assert code == UsageError.exit_code and "Row 2 of the list" in err, err
    assert not out.exists() and not review.exists()


def test_the_summary_counts_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Given a list of one row, when it is linked, then the summary says "1 row" and
    "1 person", not "1 rows"."""
    source = tmp_path / "list.csv"
    source.write_text("name,birth\nСерікжан Білаш,1974\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(SMALL_MAPPING, encoding="utf-8")
    code, said, _ = _link(capsys, source, mapping, "--out", str(tmp_path / "o.csv"))
    assert code == 0 and "1 row of persons is 1 person" in said and "0 pairs need" in said


@pytest.mark.parametrize(
    ("more", "code", "words"),
    [
        (["--auto-threshold", "0"], 2, "thresholds must satisfy"),
        (["--memory", "2gb"], 0, "Every row with its cluster"),
        # before: DuckDB's ParserException and OutOfMemoryException, exit 1
        (["--memory", "99999999999999TB"], 2, "is out of range"),
        (["--memory", "0KB"], 2, "is out of range"),
    ],
)
def test_options_as_typed(
    example: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    more: list[str],
    code: int,
    words: str,
) -> None:
    """Given a threshold of 0 (before, silently the default), a size in small letters,
    or a size no machine has (or none at all), when `amanat link` runs, then the size in
    small letters is taken and the others refused with one sentence."""
    source, mapping = example
    got, said, err = _link(capsys, source, mapping, "--out", str(tmp_path / "o.csv"), *more)
    assert got == code and words in said + err


# -- mappings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "version: 1\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a]\n"
            "columns:\n  name: name\n",
            "uses an alias (*), which a mapping file may not; write the value out (line 3)",
        ),
        ("version: 1\ncolumns:\n  name: name\n  name: birth\n", "same key twice"),
        (
            "version: 1\ncolumns:\n  name: name\nСерикжан Билаш 654002197403150038: 1\n",
            "unknown section (not shown here",
        ),
        ("version: 1\ncolumns:\n  name: name\nvalues:\n  sex: {er: [male]}\n", "male or female"),
        (
            "version: 1\ncolumns:\n  name: name\nvalues:\n  sex: {2019-02-30: male}\n",
            "a date that does not exist",
        ),
        # before: RecursionError, "unexpected internal error" (exit 1)
        ("version: 1\ncolumns:\n  name: " + "[" * 5000 + "]" * 5000 + "\n", "nests lists"),
        ("version: 1\ncolumns: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n", "nests lists"),
        # before: "holds a date that does not exist" (int() refuses 4,300+ digits)
        ("version: 1\ncolumns:\n  name: " + "9" * 4400 + "\n", "more than 30 digits"),
        ("version: 1" + "0" * 5000 + "\ncolumns:\n  name: name\n", "more than 30 digits"),
    ],
)
def test_a_mapping_that_is_not_one(
    example: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    words: str,
) -> None:
    """Given a mapping with aliases (a few hundred bytes can stand for gigabytes), a
    key given twice (YAML would keep the last unseen), a line of a list pasted in as a
    section, a value that is not a word, brackets nested thousands deep (PyYAML would
    recurse until Python's stack ran out) or a number of thousands of digits, when
    `amanat link` reads it, then it stops with one sentence that never repeats the
    pasted name or ID."""
    source, _ = example
    mapping = tmp_path / "bad.yaml"
    mapping.write_text(text, encoding="utf-8")
    code, _, err = _link(capsys, source, mapping, "--out", str(tmp_path / "o.csv"))
    assert code == 2 and words in err, err
    assert "Серикжан" not in err and "654002" not in err and "Traceback" not in err


# -- a run stopped midway ------------------------------------------------------------------

_KILLED = """
import os, signal, sys
from pathlib import Path
from amanat.cli.progress import stopped_by_signals
from amanat.ingest.report import owner_only_file
if sys.argv[2] == "named":
    del os.O_TMPFILE  # a filesystem without unnamed files: the hidden temporary one
with stopped_by_signals():
    with owner_only_file(Path(sys.argv[1]) / "out.csv") as f:
        f.write("Серікжан Білаш,654002197403150038\\n".encode() * 1000)
        f.flush()
        os.kill(os.getpid(), getattr(signal, sys.argv[3]))
"""


@pytest.mark.parametrize(
    ("how", "sig"), [("unnamed", "SIGKILL"), ("unnamed", "SIGTERM"), ("named", "SIGTERM")]
)
def test_a_killed_run_leaves_no_file_behind(tmp_path: Path, how: str, sig: str) -> None:
    """Given an output half written, when the process is killed (SIGKILL) or stopped
    (SIGTERM, as a service manager or a closed terminal does), then nothing is left in
    the folder: no output, no temporary file with names in it."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_KILLED), str(tmp_path), how, sig],
        capture_output=True,
        check=False,
    )
    # SIGTERM stops the command as Ctrl-C does (amanat's main says so and exits 130)
    expected = -signal.SIGKILL if sig == "SIGKILL" else -signal.SIGINT
    assert done.returncode == expected, done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_mapping_that_is_a_pipe_is_refused_at_once(
    example: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a named pipe (or a device such as /dev/zero) given as the mapping, when
    `amanat link` reads it, then it says it is not a file instead of waiting for ever."""
    source, _ = example
    pipe = tmp_path / "map.yaml"
    os.mkfifo(pipe)
    code, _, err = _link(capsys, source, pipe, "--out", str(tmp_path / "o.csv"))
    assert code == 2 and "is not a file" in err


def test_the_sheet_read_is_the_one_a_person_sees(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a workbook whose first sheet is a hidden lookup table and whose active
    sheet is the list, when it is linked without naming a sheet, then the list is
    read."""
    book = openpyxl.Workbook()
    lookup = book.active
    lookup.title = "lookup"
    lookup.append(["code", "county"])
    lookup.sheet_state = "hidden"
    listing = book.create_sheet("list")
    listing.append(["name", "birth"])
    listing.append(["Серікжан Білаш", 1974])
    book.active = 1
    source = tmp_path / "list.xlsx"
    book.save(source)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(SMALL_MAPPING, encoding="utf-8")
    code, said, err = _link(capsys, source, mapping, "--out", str(tmp_path / "o.csv"))
    assert code == 0 and "1 row of persons" in said, err


@pytest.mark.parametrize(
    ("written", "verdict"),
    [
        ("same", "same"), (" Yes ", "same"), ("ИӘ", "same"), ("Тот же", "same"),
        ("بىر ئادەم", "same"), ("بير ئادەم", "same"), ("بىر‌ئادەم", "same"),
        ("ھەئە", "same"), ("ههئه", "same"), ("هەئە", "same"), ("同一人", "same"), ("是", "same"),
        ("Different", "different"), ("ЖОҚ", "different"), ("разные", "different"),
        ("باشقا", "different"), ("ئوخشىمايدۇ", "different"), ("ئوخشيمايدۇ", "different"),
        ("不同", "different"), ("否", "different"),
        ("?", "unsure"), ("？", "unsure"), ("Не знаю", "unsure"), ("بىلمەيمەن", "unsure"),
        ("بیلمەیمەن", "unsure"), ("不确定", "unsure"),
        ("Serik", None), ("同", None), ("بىر", None), ("1", None), ("", None),
    ],
)  # fmt: skip
def test_a_decision_is_read_in_every_language_of_the_app(written: str, verdict: str | None) -> None:
    """Given a decision written in English, Kazakh, Russian, Uyghur or Chinese, in any case,
    with an Arabic or Persian keyboard's letters for the Uyghur ones (ي or ی for ى, ک for ك) or a
    joiner between its words, when the review file is read back, then it means the one
    decision it says; a name, a half word or a number means none (and the file is refused
    naming the row)."""
    assert decision_verdict(written) == verdict


def test_every_decision_word_is_read_as_written_and_folded() -> None:
    """Given the table of decision words, then every word, the word in capitals where
    its script has them, and the word with the letters a keyboard may type for others
    (ه for ھ and ە, ي for ى...), reads as the decision the table gives it: no two words
    of different decisions become one when so typed."""
    for word, verdict in DECISION_WORDS.items():
        assert decision_verdict(word) == verdict
        assert decision_verdict(word.upper()) == verdict
        assert decision_verdict(word.translate(_LOOSE_LETTERS)) == verdict
    assert decision_verdict("") is None and decision_verdict(" . ") is None
