"""Many imported videos linked to persons at once, through a list (``amanat testimonies
unlinked`` and ``amanat testimonies link``).

A group that imported a channel's videos has hundreds of testimonies linked to no one.
Given / When / Then, against a real desk and the real command; "nothing sealed" is
checked by counting the record entries.
"""

from __future__ import annotations

import csv
import json
import os
import string
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amanat import cli
from amanat.desk.service import Batch, Desk
from amanat.ingest.links import link_columns, plan_links
from amanat.ingest.tables import Row
from amanat.records.build import record_data
from amanat.records.changes import new_id
from conftest import Org
from test_import import amanat, amanat_json, report_rows
from web_staff import _person_changes, imported_video

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42"
TITLES = {
    "v1": "Wife of Serik Zhylkybayev: he was taken in 2018",
    "v2": "Press conference in Almaty, 10 March 2019",
    "v3": "Гүлнар Тұрсынованың қызы айғақ береді",
}


def _desk_with_persons(org: Org) -> dict[str, str]:
    """Three persons sealed on the desk: name -> person id."""
    names = ["Серік Жылқыбаев", "Гүлнар Тұрсынова", "Серік Нұрланов"]
    ids = {name: new_id("p") for name in names}
    with Desk(org.desk, org.desk_keys) as desk:
        desk.seal_records([Batch(files=[], changes=_person_changes(n, ids[n])) for n in names])
    return ids


def _videos(folder: Path) -> None:
    folder.mkdir()
    for n, (stem, title) in enumerate(TITLES.items(), start=1):
        info = {
            "title": title,
            "channel": "Atajurt Kazakh Human Rights",
            "upload_date": f"2019031{n}",
            "webpage_url": f"https://example.org/v/{stem}",
        }
        (folder / f"{stem}.mp4").write_bytes(MP4_HEAD + os.urandom(2000))
        (folder / f"{stem}.info.json").write_text(json.dumps(info), "utf-8")


def _records(org: Org) -> int:
    with Desk(org.desk, org.desk_keys) as desk, desk.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT count(*) FROM entries WHERE type = 'record'")
        return int(rows.scalar_one())


def _on_page(org: Org, person: str) -> set[str]:
    with Desk(org.desk, org.desk_keys) as desk:
        desk.update_views()
        return {str(t["testimony_id"]) for t in desk.person(person).testimonies}


def _sheet(path: Path) -> list[dict[str, str]]:
    return report_rows(path)


def _fill(path: Path, filled: dict[str, tuple[str, str]]) -> None:
    """Write the person and the reason into the list's rows, as a reviewer does in Excel
    (testimony id -> (person, reason))."""
    book = openpyxl.load_workbook(path)
    sheet = book.active
    heads = [c.value for c in sheet[1]]
    at = {h: heads.index(h) for h in ("testimony", "person", "reason")}
    for row in sheet.iter_rows(min_row=2):
        person, reason = filled.get(str(row[at["testimony"]].value), ("", ""))
        row[at["person"]].value = person or None
        row[at["reason"]].value = reason or None
    book.save(path)


def test_a_channel_s_videos_are_linked_from_a_list_filled_in(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Given three persons and a channel's three videos imported (two titles name a
    person, in Latin letters and in Kazakh with a case ending), when the list of
    testimonies to link is written, then it holds the three, oldest first, with the
    person each naming title names suggested and none for the press conference, and
    the import report gives each video's testimony; when a reviewer fills in two rows
    (one reason left to --reason) and checks the list with --dry-run, then nothing is
    sealed; when the list is given, then both are on their persons' pages, in one
    entry, and the third is left; given again, it links nothing twice; and the list is
    never written over one being filled in."""
    ids = _desk_with_persons(org)
    home = ("--home", str(org.desk.path))
    folder = tmp_path / "downloads"
    _videos(folder)
    imported = amanat_json(cli_env, "import", str(folder), *home)
    in_report = {r["file"]: r["testimony"] for r in report_rows(Path(imported["report"]))}
    assert all(in_report[f"{s}.mp4"].startswith("t_") for s in TITLES)
    assert in_report["v1.info.json"] == in_report["v1.mp4"]

    listed = tmp_path / "to-link.xlsx"
    said = amanat_json(cli_env, "testimonies", "unlinked", "--out", str(listed), *home)
    assert (said["testimonies"], said["suggested"]) == (3, 2)
    rows = _sheet(listed)
    assert [r["title"] for r in rows] == list(TITLES.values())
    assert [r["testimony"] for r in rows] == [in_report[f"{s}.mp4"] for s in TITLES]
    by_title = {r["title"]: r for r in rows}
    serik, gulnar = ids["Серік Жылқыбаев"], ids["Гүлнар Тұрсынова"]
    assert by_title[TITLES["v1"]]["suggested_person"] == serik
    assert by_title[TITLES["v1"]]["suggested_name"] == "Серік Жылқыбаев"
    assert by_title[TITLES["v3"]]["suggested_person"] == gulnar
    assert by_title[TITLES["v2"]]["suggested_person"] == ""
    assert by_title[TITLES["v1"]]["url"] == "https://example.org/v/v1"
    assert by_title[TITLES["v1"]]["person"] == by_title[TITLES["v1"]]["reason"] == ""
    refused = amanat(cli_env, "testimonies", "unlinked", "--out", str(listed), *home, code=2)
    assert "exists already" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1

    v1, v3 = in_report["v1.mp4"], in_report["v3.mp4"]
    _fill(listed, {v1: (serik, "his wife speaks, and names him"), v3: (gulnar, "")})
    before = _records(org)
    reason = ("--reason", "the title names her")
    dry = amanat_json(cli_env, "testimonies", "link", str(listed), "--dry-run", *reason, *home)
    assert (dry["accepted"], dry["unchanged"], dry["rejected"], dry["linked"]) == (2, 1, 0, 0)
    assert _records(org) == before

    done = amanat_json(cli_env, "testimonies", "link", str(listed), *reason, *home)
    assert (done["accepted"], done["unchanged"], done["rejected"], done["linked"]) == (2, 1, 0, 2)
    assert _records(org) == before + 1
    assert v1 in _on_page(org, serik) and v3 in _on_page(org, gulnar)
    report = {r["testimony"]: r for r in report_rows(Path(done["report"]))}
    assert report[v1]["outcome"] == "accepted"
    assert report[in_report["v2.mp4"]]["why"] == "no person given; nothing was linked."
    with Desk(org.desk, org.desk_keys) as desk:
        history = json.dumps(desk.person(gulnar).history, ensure_ascii=False, default=str)
    assert "the title names her" in history

    again = amanat_json(cli_env, "testimonies", "link", str(listed), *reason, *home)
    assert (again["accepted"], again["unchanged"], again["linked"]) == (0, 3, 0)
    assert _records(org) == before + 1
    report = {r["testimony"]: r for r in report_rows(Path(again["report"]))}
    assert report[v1]["why"] == "on this person's page already; nothing to do."

    left = tmp_path / "left.csv"
    said = amanat_json(cli_env, "testimonies", "unlinked", "--out", str(left), *home)
    assert said["testimonies"] == 1
    assert [r["title"] for r in _sheet(left)] == [TITLES["v2"]]
    assert (left.stat().st_mode & 0o777) == 0o600


def _imported(desk: Desk, title: str) -> str:
    change = imported_video(title)
    desk.seal_records([Batch(files=[], changes=[change])])
    return str(change["testimony"])


def test_every_bad_row_of_a_list_of_links_is_rejected_with_its_reason(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Given a list whose rows are wrong in every way a reviewer's list can be, when it
    is given, then each good row is linked and each bad one rejected with a reason that
    says what to do, in the report and in the terminal (row numbers and reasons, no
    names); the command ends well (exit 0), since every row is accounted for."""
    ids = _desk_with_persons(org)
    serik, gulnar = ids["Серік Жылқыбаев"], ids["Гүлнар Тұрсынова"]
    with Desk(org.desk, org.desk_keys) as desk:
        one, two = _imported(desk, "Video one"), _imported(desk, "Video two")
    rows = [
        ["testimony", "person", "reason", "note"],
        [one, serik, "his wife speaks", ""],  # 2: linked
        [one, serik, "again", ""],  # 3: the same as row 2
        ["t_123", serik, "x", ""],  # 4: not an id
        [new_id("t"), serik, "x", ""],  # 5: no such testimony
        [two, "Серік Жылқыбаев", "x", ""],  # 6: a name, not an id
        [two, new_id("p"), "x", ""],  # 7: no such person
        [two, gulnar, "", ""],  # 8: no reason
        [two, gulnar, "y" * 2001, ""],  # 9: too long
        [two, gulnar, '=HYPERLINK("http://x")', "=cmd|' /C calc'!A0"],  # 10: linked
        ["", "", "", ""],  # 11: empty
        [two.upper(), f"  {gulnar}  ", "the same, in capitals", ""],  # 12: same as 10
    ]
    listed = tmp_path / "links.csv"
    with listed.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    home = ("--home", str(org.desk.path))
    before = _records(org)
    done = amanat(cli_env, "testimonies", "link", str(listed), *home)
    assert "Read links.csv: 11 rows, 2 linked, 3 with nothing to do, 6 rejected." in done.stdout
    assert "Серік" not in done.stdout and "HYPERLINK" not in done.stdout
    assert "row 4: the `testimony` column does not hold a testimony id" in done.stdout
    assert _records(org) == before + 1
    report = {int(r["row"]): r for r in report_rows(tmp_path / "links.report.csv")}
    outcome = {n: r["outcome"] for n, r in report.items()}
    assert outcome == {
        2: "accepted", 3: "unchanged", 4: "rejected", 5: "rejected", 6: "rejected",
        7: "rejected", 8: "rejected", 9: "rejected", 10: "accepted", 11: "unchanged",
        12: "unchanged",
    }  # fmt: skip
    assert report[3]["why"] == "the same link as row 2."
    assert report[12]["why"] == "the same link as row 10."
    assert "no such testimony in this desk's database" in report[5]["why"]
    assert "does not hold a person id" in report[6]["why"]
    assert "no such person" in report[7]["why"]
    assert "no reason given" in report[8]["why"]
    assert "longer than 2000 characters" in report[9]["why"]
    assert report[10]["note"] == "'=cmd|' /C calc'!A0"  # defused in the report
    assert one in _on_page(org, serik) and two in _on_page(org, gulnar)
    # a Kazakh-speaking volunteer reads the same in Kazakh (the report too)
    kazakh = amanat({**cli_env, "AMANAT_LANG": "kk"}, "testimonies", "link", str(listed), *home)
    assert "11 жол, 0 байланыстырылды" in kazakh.stdout
    assert "`testimony` бағанында айғақ id-і жоқ" in kazakh.stdout
    report = {int(r["row"]): r for r in report_rows(tmp_path / "links.report.csv")}
    assert report[2]["why"] == "осы адамның бетінде бар; ештеңе істеудің қажеті жоқ."


def test_a_list_without_its_columns_is_one_sentence(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Given a list with no person column, a file that is no list, no file or a folder,
    when it is given, then the command says what is wrong in one sentence (exit 2) and
    seals nothing."""
    home = ("--home", str(org.desk.path))
    listed = tmp_path / "links.csv"
    listed.write_text("testimony,who\nt_1,p_2\n", "utf-8")
    said = amanat(cli_env, "testimonies", "link", str(listed), *home, code=2)
    assert "no column person, reason" in said.stderr
    assert len(said.stderr.strip().splitlines()) == 1
    gone = amanat(cli_env, "testimonies", "link", str(tmp_path / "none.csv"), *home, code=2)
    assert "There is no file" in gone.stderr
    folder = amanat(cli_env, "testimonies", "link", str(tmp_path), *home, code=2)
    assert "is a folder; give the list's file in it." in folder.stderr
    (tmp_path / "links.ods").write_bytes(b"PK\x03\x04")
    ods = amanat(cli_env, "testimonies", "link", str(tmp_path / "links.ods"), *home, code=2)
    assert "save it as an Excel workbook" in ods.stderr
    assert not (tmp_path / "links.report.csv").exists()


def test_a_list_stopped_midway_is_given_again_for_the_rest(
    org: Org, cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a list of three links sealed one entry at a time, when the command is
    stopped (Ctrl-C) after the first entry, then it says so, the report says the first
    row is linked and the others not sealed; when the list is given again, the other
    two are linked and the first is not linked twice."""
    ids = _desk_with_persons(org)
    person = ids["Серік Нұрланов"]
    with Desk(org.desk, org.desk_keys) as desk:
        videos = [_imported(desk, f"Video {n}") for n in range(3)]
    listed = tmp_path / "links.csv"
    lines = ["testimony,person,reason", *(f"{v},{person},his brother speaks" for v in videos)]
    listed.write_text("\n".join(lines) + "\n", "utf-8")
    for key, value in cli_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr("amanat.cli.testimony_commands.LINKS_PER_ENTRY", 1)
    real = Desk.seal_records

    def stopped_after_one(self: Desk, batches: Any, *args: Any, **kw: Any) -> Any:
        real(self, batches[:1], *args, **kw)  # the first link sealed for real
        raise KeyboardInterrupt  # then Ctrl-C

    monkeypatch.setattr(Desk, "seal_records", stopped_after_one)
    home = ["--home", str(org.desk.path)]
    assert cli.run(["testimonies", "link", str(listed), *home]) == 130
    report = report_rows(tmp_path / "links.report.csv")
    assert [r["outcome"] for r in report] == ["accepted", "rejected", "rejected"]
    assert "not sealed: the command was stopped" in report[1]["why"]
    assert _on_page(org, person) >= {videos[0]} and videos[1] not in _on_page(org, person)
    monkeypatch.setattr(Desk, "seal_records", real)
    again = amanat_json(cli_env, "testimonies", "link", str(listed), *home)
    assert (again["accepted"], again["unchanged"]) == (2, 1)
    assert set(videos) <= _on_page(org, person)


_ID = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)
_CELL = st.one_of(
    st.sampled_from(["", " ", "t_1", "p_x", "=1+1"]),
    _ID.map(lambda h: "t_" + h),
    _ID.map(lambda h: "p_" + h),
    st.text(alphabet=string.printable + "Серікжан赛力克江", max_size=30),
)


@settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(st.tuples(_CELL, _CELL, _CELL), max_size=12),
    known=st.lists(_ID, max_size=4),
)
def test_every_row_has_one_outcome_and_every_link_can_be_sealed(
    cells: list[tuple[str, str, str]], known: list[str]
) -> None:
    """Given any list of cells, some naming known testimonies and persons, when it is
    planned, then every row has exactly one outcome, each accepted row a change the
    record format takes, no two accepted rows the same link, and a rejected or
    unchanged row no change."""
    testimonies = {"t_" + h for h in known}
    persons = {"p_" + h: "p_" + h for h in known}
    rows = [Row(n + 2, values) for n, values in enumerate(cells)]
    columns = link_columns(("testimony", "person", "reason"), reason_given=False)
    planned = plan_links(rows, columns, testimonies=testimonies, shown=persons, about={})
    assert [p.number for p in planned] == [r.number for r in rows]
    seen = set()
    for p in planned:
        assert p.outcome in ("accepted", "unchanged", "rejected")
        assert (p.change is not None) == (p.outcome == "accepted")
        if p.change is not None:
            record_data([p.change])
            link = (p.change["testimony"], p.change["persons"][0])
            assert link not in seen
            seen.add(link)
            assert p.change["testimony"] in testimonies
        assert p.outcome != "rejected" or p.said()


def test_a_record_merged_into_another_is_linked_to_the_person_shown() -> None:
    """Given a list naming a person record merged into another, when it is planned,
    then the link goes to the person it is shown under, and the row says so."""
    merged, shown, testimony = new_id("p"), new_id("p"), new_id("t")
    rows = [Row(2, (testimony, merged, "his son speaks"))]
    columns = link_columns(("Testimony", " Person ", "REASON"), reason_given=False)
    (planned,) = plan_links(
        rows, columns, testimonies={testimony}, shown={merged: merged and shown}, about={}
    )
    assert planned.change is not None and planned.change["persons"] == [shown]
    assert planned.said() == f"linked to {shown}, the person this record was merged into."


def test_the_person_suggested_is_the_one_the_title_spells(org: Org) -> None:
    """Given persons whose names share words or sounds with a title's (Saer Lirat: "Lirat"
    and "relative" sound alike to the sound key; Saerya Lashya, whose short words have no
    sound key of their own), two persons of one name, and a title naming no one, when
    the list of testimonies to link is made, then each title's suggestion is the person
    it spells, the title naming two persons alike suggests neither and says how many,
    and the press conference suggests no one."""
    names = ["Saer Lirat", "Saerya Lashya", "Dirya Nurya", "Айгүл Серікова", "Aigul Serikova"]
    ids = {name: new_id("p") for name in names}
    with Desk(org.desk, org.desk_keys) as desk:
        desk.seal_records([Batch(files=[], changes=_person_changes(n, ids[n])) for n in names])
        titles = {
            _imported(desk, "Saerya Lashya: testimony of a relative"): "Saerya Lashya",
            _imported(desk, "Dirya Nurya, her daughter speaks"): "Dirya Nurya",
            _imported(desk, "Lirat family: a relative speaks of Saer"): "Saer Lirat",
            _imported(desk, "Press conference in Almaty"): "",
        }
        two = _imported(desk, "Айгүл Серікованың анасы")
        found = {t.testimony_id: t for t in desk.testimonies_to_link()}
    for testimony, name in titles.items():
        assert found[testimony].person_id == (ids[name] if name else ""), name
        assert found[testimony].alike == 0
    assert (found[two].person_id, found[two].alike) == ("", 2)
