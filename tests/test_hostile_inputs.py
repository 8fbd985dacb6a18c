"""Hostile input against the commands that read what a person hands them.

`amanat link`, `amanat import`, `amanat shares check`, `amanat restore`, `amanat places
add` and `amanat id check` are given garbage of every kind: random bytes as a list,
random text as a mapping, files that are not files (/dev/zero, a named pipe, a folder),
paths too long for the system, lines wider than a worksheet, names and numbers with
invisible characters. Whatever comes, the command ends with a documented exit code and
one sentence on stderr that starts with "amanat: " (never 1, "unexpected internal
error", never a traceback, never a hang), and writes nothing half-done. The commands
run in this process (``amanat.cli.main.main``), so that a property can try dozens of
inputs in a second.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amanat.cli.main import main
from amanat.ingest import tables
from conftest import PASSPHRASE, Org

SMALL_MAPPING = "version: 1\ncolumns:\n  name: name\n  birth: birth\n"
# what a file a person gives may end in: usage (2), keys and shares (4), unreadable
# input (6), damaged or unknown format (7); never 1, an internal error
INPUT_CODES = {0, 2, 4, 6, 7}
_FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    got = capsys.readouterr()
    return code, got.out, got.err


def _one_sentence(code: int, err: str, codes: set[int] = INPUT_CODES) -> str:
    """The error's one line; fails for exit 1, a traceback or more than one line."""
    assert code in codes, (code, err)
    if code == 0:
        return ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("amanat: "), err
    assert "Traceback" not in err and "unexpected internal error" not in err, err
    return lines[0]


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(SMALL_MAPPING, encoding="utf-8")
    return path


@pytest.fixture
def small_list(tmp_path: Path) -> Path:
    path = tmp_path / "list.csv"
    path.write_text("name,birth\nСерікжан Білаш,1974\nSerikzhan Bilash,1974\n", encoding="utf-8")
    return path


# -- amanat link: any bytes as a list, any text as a mapping -------------------------------


@_FAST
@given(data=st.binary(max_size=3000))
def test_any_bytes_as_the_list_end_in_one_sentence(
    tmp_path: Path, mapping: Path, capsys: pytest.CaptureFixture[str], data: bytes
) -> None:
    """Given any bytes as the list (with and without a header the mapping names), when
    `amanat link` reads it, then it links or ends with one sentence and a documented
    exit code, and an output exists only when it succeeded."""
    for prefix in (b"", b"name,birth\n"):
        source = tmp_path / "list.csv"
        source.write_bytes(prefix + data)
        out = tmp_path / "out.csv"
        out.unlink(missing_ok=True)
        code, _, err = _run(capsys, "link", str(source), "--mapping", str(mapping),
                            "--out", str(out))  # fmt: skip
        _one_sentence(code, err)
        assert out.exists() == (code == 0)


@_FAST
@given(text=st.text(max_size=400))
def test_any_text_as_the_mapping_ends_in_one_sentence(
    tmp_path: Path, small_list: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    """Given any text as the mapping, and the same after a valid start (so the sections
    are read too), when `amanat link` reads it, then it links or ends with one sentence
    (exit 2), never an internal error."""
    mapping = tmp_path / "any.yaml"
    for body in (text, SMALL_MAPPING + text):
        mapping.write_text(body, encoding="utf-8", errors="surrogatepass")
        code, _, err = _run(capsys, "link", str(small_list), "--mapping", str(mapping),
                            "--out", str(tmp_path / "o.csv"))  # fmt: skip
        _one_sentence(code, err, {0, 2})


@pytest.mark.parametrize("out", ["o.csv", "o.xlsx"])
def test_a_line_wider_than_column_zzz(
    tmp_path: Path, mapping: Path, capsys: pytest.CaptureFixture[str], out: str
) -> None:
    """Given a list with a line of 20,000 cells (a separator gone wrong), when `amanat
    link` writes its output as CSV, then every row is written with the columns beyond
    the header named past ZZZ; as a workbook, which holds 16,384 columns, it is refused
    before anything is written. (Before: ValueError from openpyxl past ZZZ, exit 1.)"""
    source = tmp_path / "list.csv"
    source.write_bytes(b"name,birth\nA,1974," + b"x," * 20_000 + b"\nB,1980\n")
    target = tmp_path / out
    code, _, err = _run(capsys, "link", str(source), "--mapping", str(mapping),
                        "--out", str(target))  # fmt: skip
    if out.endswith(".csv"):
        assert code == 0, err
        header = target.read_text("utf-8-sig").splitlines()[0].split(",")
        assert "column AAAA" in header and header[-5:][0] == "cluster"
    else:
        assert "more than an Excel worksheet holds" in _one_sentence(code, err, {2})
        assert not target.exists()


def test_a_workbook_that_would_unpack_to_gigabytes_is_refused_before_reading(
    tmp_path: Path,
    mapping: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given a workbook whose shared strings unpack to more than the limit (a zip bomb
    is this, at gigabytes: openpyxl would read them into memory whole), when `amanat
    link` reads it, then it stops with one sentence before reading any of it; the same
    workbook under the limit links as any other."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "birth"])
    for n in range(2_000):
        sheet.append([f"Серікжан Білаш {n}", "1974"])
    source = tmp_path / "list.xlsx"
    book.save(source)
    out = tmp_path / "o.csv"
    argv = ("link", str(source), "--mapping", str(mapping), "--out", str(out))
    code, _, err = _run(capsys, *argv)
    assert code == 0, err
    out.unlink()
    # openpyxl writes strings inline; the part Excel writes them to is added by hand
    with zipfile.ZipFile(source, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", "<sst>" + "<si><t>Серікжан</t></si>" * 1_000 + "</sst>")
    monkeypatch.setattr(tables, "MAX_XLSX_STRINGS", 10_000)
    code, _, err = _run(capsys, *argv)
    assert "would unpack to more than any list" in _one_sentence(code, err, {2})
    assert not out.exists()
    monkeypatch.setattr(tables, "MAX_XLSX_STRINGS", 256 << 20)
    monkeypatch.setattr(tables, "MAX_XLSX_UNPACKED", 10_000)
    code, _, err = _run(capsys, *argv)
    assert "would unpack to more than any list" in _one_sentence(code, err, {2})


def test_a_path_too_long_for_the_system(
    tmp_path: Path, small_list: Path, mapping: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a list, a mapping or an output whose name is longer than the system allows
    (a path pasted twice), when `amanat link` runs, then one sentence that does not
    quote the path back, exit 2. (Before: "the system said: File name too long (…)" with
    the whole path, exit 1.)"""
    long = str(tmp_path / ("a" * 300 + ".csv"))
    for argv in (
        ["link", long, "--mapping", str(mapping), "--out", str(tmp_path / "o.csv")],
        ["link", str(small_list), "--mapping", long, "--out", str(tmp_path / "o.csv")],
        ["link", str(small_list), "--mapping", str(mapping), "--out", long],
    ):
        code, _, err = _run(capsys, *argv)
        line = _one_sentence(code, err, {2})
        assert "too long" in line and "aaaa" not in line


# -- amanat import ---------------------------------------------------------------------------


def test_a_suggested_mapping_for_a_list_wider_than_column_zzz(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a CSV whose header has 30,000 columns, when `amanat import` suggests a
    mapping for it, then the suggestion is written, naming the columns past ZZZ.
    (Before: ValueError from openpyxl's column letters, exit 1.)"""
    source = tmp_path / "wide.csv"
    source.write_text(",".join(f"h{i}" for i in range(30_000)) + "\n", encoding="utf-8")
    code, _, err = _run(capsys, "import", str(source))
    assert code == 2 and not err.strip(), err
    assert "column AAAA" in (tmp_path / "wide.mapping.yaml").read_text("utf-8")


def test_a_workbook_report_of_a_ragged_line_keeps_the_rest_in_its_last_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a CSV with a line of 20,000 cells and a report asked for as a workbook,
    when `amanat import --dry-run` runs, then the report is written: the line's cells
    beyond the worksheet's last column are kept in that column and the row is rejected
    with its reason. (Before: ValueError midway, exit 1, after batches were sealed.)"""
    source = tmp_path / "list.csv"
    source.write_text("ФИО,Пол\nСерік,ер\nАйгүл,әйел," + "x," * 20_000 + "\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("version: 1\ncolumns:\n  name_native: ФИО\n  sex: Пол\n", "utf-8")
    report = tmp_path / "report.xlsx"
    code, _, err = _run(capsys, "import", str(source), "--mapping", str(mapping), "--dry-run",
                        "--report", str(report))  # fmt: skip
    assert code == 0, err
    rows = list(openpyxl.load_workbook(report, read_only=True).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["accepted", "rejected"]
    assert len(rows[2]) == 16_384 and str(rows[2][-1]).startswith("x,x,")


# -- files that are not files: shares, organisation exports, identities ----------------------


@pytest.fixture
def not_files(tmp_path: Path) -> dict[str, Path]:
    """A device that never ends, a named pipe no one writes to, a folder, a big file."""
    folder = tmp_path / "folder"
    folder.mkdir()
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    big = tmp_path / "big.txt"
    big.write_bytes(b"academic " * 200_000)
    return {"zero": Path("/dev/zero"), "pipe": pipe, "folder": folder, "big": big}


@pytest.mark.parametrize("kind", ["zero", "pipe", "folder", "big"])
def test_a_share_file_that_is_not_one(
    org: Org, not_files: dict[str, Path], capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """Given /dev/zero, a named pipe, a folder or a 1.8 MB file among the shares, when
    `amanat shares check` reads them, then one sentence and exit 4, at once. (Before:
    /dev/zero was read until memory ran out, a pipe waited for ever.)"""
    shares = [str(not_files[kind]), *map(str, org.share_files[1:3])]
    code, _, err = _run(capsys, "shares", "check", "--org", str(org.org_export),
                        "--shares", *shares)  # fmt: skip
    _one_sentence(code, err, {4})


@pytest.mark.parametrize(("kind", "code"), [("zero", 7), ("pipe", 7), ("folder", 2), ("big", 7)])
def test_an_organisation_file_that_is_not_one(
    org: Org, not_files: dict[str, Path], capsys: pytest.CaptureFixture[str], kind: str, code: int
) -> None:
    """Given /dev/zero, a named pipe, a folder or a big file as --org, when `amanat
    shares check` reads it, then one sentence at once: a folder is a usage mistake
    (exit 2), the others are not an organisation export (exit 7). (Before: a folder was
    "the system said: Is a directory", exit 1; /dev/zero and a pipe never ended.)"""
    got, _, err = _run(capsys, "shares", "check", "--org", str(not_files[kind]),
                       "--shares", *map(str, org.share_files[:3]))  # fmt: skip
    _one_sentence(got, err, {code})


@pytest.mark.parametrize(("kind", "code"), [("zero", 4), ("pipe", 4), ("folder", 2), ("big", 4)])
def test_an_identity_file_that_is_not_one(
    tmp_path: Path,
    not_files: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    code: int,
) -> None:
    """Given /dev/zero, a named pipe, a folder or a big file as a surviving desk's
    identity, when `amanat restore` reads it, then one sentence at once, and no home is
    made. (Before: a folder was exit 1; /dev/zero and a pipe never ended.)"""
    monkeypatch.setenv("AMANAT_PASSPHRASE", PASSPHRASE)
    home = tmp_path / "new-desk"
    got, _, err = _run(capsys, "restore", str(home), "--from", str(tmp_path / "mirror"),
                       "--identity", str(not_files[kind]))  # fmt: skip
    _one_sentence(got, err, {code})
    assert not home.exists()


@_FAST
@given(data=st.binary(max_size=600))
def test_any_bytes_as_a_share_file_end_in_one_sentence(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes
) -> None:
    """Given any bytes as one of three share files, when `amanat shares check` reads
    them, then one sentence and exit 4 (a share error), never an internal error."""
    share = tmp_path / "share.txt"
    share.write_bytes(data)
    code, _, err = _run(capsys, "shares", "check", "--org", str(org.org_export),
                        "--shares", str(share), *map(str, org.share_files[1:3]))  # fmt: skip
    _one_sentence(code, err, {4})


def _share_words(path: Path) -> str:
    return next(line for line in path.read_text("utf-8").splitlines() if not line.startswith("#"))


def test_share_words_pasted_through_a_messenger_still_rebuild(
    org: Org, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a trustee's share copied through a messenger (zero-width spaces and a
    direction mark between the words) and another typed with a Chinese input method
    (full-width letters), when the shares are checked, then they rebuild the key.
    (Before: "word 2 is not in the SLIP-39 word list".)"""
    words = _share_words(org.share_files[0]).split()
    pasted = tmp_path / "pasted.txt"
    pasted.write_text("\u200e" + " \u200b".join(words), encoding="utf-8")
    wide = tmp_path / "wide.txt"
    other = _share_words(org.share_files[1])
    wide.write_text(other.translate({c: c + 0xFEE0 for c in range(0x61, 0x7B)}), "utf-8")
    code, said, err = _run(capsys, "shares", "check", "--org", str(org.org_export),
                           "--shares", str(pasted), str(wide), str(org.share_files[2]))  # fmt: skip
    assert code == 0 and "rebuild the recovery key" in said, err


# -- names and numbers typed at the command line ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Қорғас\u202e бекеті", "text-direction"),  # shows "итекеб" reversed
        ("Қорғас\x1b[31m бекеті", "control characters"),  # a terminal escape
        ("Қорғас \udcd2\udcae", "not valid UTF-8"),  # bytes of another encoding on argv
        ("\u200b\u200b\u200b", "is empty"),  # nothing visible at all
    ],
)
def test_a_place_name_that_would_be_stored_disguised(
    org: Org,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    words: str,
) -> None:
    """Given a place name with a right-to-left override, a terminal escape, bytes that
    are not UTF-8 or nothing but zero-width spaces, when `amanat places add` is run,
    then one sentence, exit 6, and nothing sealed. (Before: the first two and the last
    were sealed as given; the third was "not valid Unicode", exit 7.)"""
    monkeypatch.setenv("AMANAT_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("AMANAT_SCRYPT_WORK_FACTOR", "10")
    code, _, err = _run(capsys, "places", "add", name, "--slug", "post-1",
                        "--home", str(org.desk.path))  # fmt: skip
    assert words in _one_sentence(code, err, {6})


def test_an_id_number_with_invisible_characters(capsys: pytest.CaptureFixture[str]) -> None:
    """Given a resident ID pasted with a zero-width space, when `amanat id check` reads
    it, then it is checked as typed; given one with a right-to-left override (its digits
    shown in another order), then one sentence says so. (Before: "This number has 19
    characters" for an 18-digit number that looked right.)"""
    code, said, err = _run(capsys, "id", "check", "6501\u200b02198001010012")
    assert code == 0 and "Valid PRC resident ID: 650102198001010012" in said, err
    code, _, err = _run(capsys, "id", "check", "\u202e650102198001010012")
    assert "text-direction" in _one_sentence(code, err, {6})
