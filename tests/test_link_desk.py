"""``amanat link --desk``: who on a list is already a person on the desk, without
importing the list.

The desk holds 60 fictional persons and a man recorded twice, never merged: in Kazakh
Cyrillic with his resident ID, and from a Chinese notice in characters. The list is a
roster another group sent: the man twice in Latin letters (once with his birth day,
once with the year), and a woman the desk does not hold.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from amanat.desk import Desk
from amanat.desk.service import Batch
from amanat.views.read import Query
from conftest import Org, amanat_here
from test_duplicates import BILASH, _crowd, _person

ROSTER = (
    "name,birth,county\n"
    "Serikzhan Bilash,1980-01-01,654002\n"
    "Aigerim Tursynbaeva,1991,654021\n"
    "Serikjan Bilash,1980,654002\n"
)
MAPPING = "version: 1\ncolumns:\n  name: name\n  birth: birth\n  county_code: county\n"


@pytest.fixture
def desk_and_roster(org: Org, tmp_path: Path) -> tuple[Org, list[str], Path, Path]:
    """The desk, the ids of the man's two records on it (Cyrillic, Chinese), the
    roster and its mapping."""
    his = [BILASH[0], BILASH[2]]
    with Desk(org.desk, org.desk_keys) as desk:
        desk.seal_records([*_crowd(60), *(Batch(files=[], changes=_person(**kw)) for kw in his)])
        ids = []
        for kw in his:
            found = desk.search(Query(name=kw["name"], limit=5)).persons
            ids.append(next(p.person_id for p in found if p.name == kw["name"]))
    roster, mapping = tmp_path / "roster.csv", tmp_path / "roster.link.yaml"
    roster.write_text(ROSTER, encoding="utf-8")
    mapping.write_text(MAPPING, encoding="utf-8")
    return org, ids, roster, mapping


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _vault_files(org: Org) -> dict[str, str]:
    folder = org.desk.path / "vault"
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _link(
    cli_env: dict[str, str], org: Org, roster: Path, mapping: Path, *more: str
) -> tuple[int, str, str]:
    done = amanat_here(
        cli_env, "link", str(roster), "--mapping", str(mapping), "--home", str(org.desk.path),
        *more,
    )  # fmt: skip
    assert "Traceback" not in done.stderr
    return done.returncode, done.stdout, done.stderr


def test_a_roster_linked_against_the_desk_names_who_is_recorded_and_imports_nothing(
    desk_and_roster: tuple[Org, list[str], Path, Path], cli_env: dict[str, str], tmp_path: Path
) -> None:
    # Given a desk holding the man twice (never merged) and a roster naming him twice
    org, (cyrillic, chinese), roster, mapping = desk_and_roster
    before = _vault_files(org)
    out, review = tmp_path / "on-desk.csv", tmp_path / "review.csv"
    # When the roster is linked against the desk
    code, said, err = _link(
        cli_env, org, roster, mapping, "--desk", "--out", str(out), "--review", str(review),
        "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(said)
    # Then both rows of him are one person with his desk record, named in desk_person;
    # the woman the desk does not hold is alone, with no desk person
    rows = _rows(out)
    assert [r["name"] for r in rows] == ["Serikzhan Bilash", "Aigerim Tursynbaeva",
                                         "Serikjan Bilash"]  # fmt: skip
    him, her, again = rows
    # (the most likely first: for the row giving his birth day, the Cyrillic record,
    # which gives it too; the Chinese notice gives the year)
    assert him["desk_person"].split("; ")[0] == cyrillic
    same = set(him["desk_person"].split("; ")) == set(again["desk_person"].split("; "))
    assert same and him["cluster"] == again["cluster"]
    assert him["outcome"] == again["outcome"] == "linked" and him["cluster_size"] == "2"
    assert her["desk_person"] == "" and her["outcome"] == "alone"
    # and the desk's persons count as no rows: the best match of a row is a row
    assert him["best_match_row"] == "4"
    assert data["rows_on_desk"] == 2 and data["persons"] == 2 and data["rows"] == 3
    assert data["desk_persons"] == 62 and 1 <= data["desk_persons_met"] <= 2
    # and no pair the review file holds is two of the desk's persons (the desk's own
    # review decides those)
    for pair in _rows(review):
        assert pair["row_a"].isdigit() or pair["row_b"].isdigit(), pair
    # and nothing was imported: the vault is byte for byte as it was
    assert _vault_files(org) == before
    # and the desk's Chinese record, if joined at all, is joined through the rows
    if chinese in him["desk_person"]:
        assert cyrillic in him["desk_person"]


def test_a_decision_against_a_desk_person_is_kept_and_checked(
    desk_and_roster: tuple[Org, list[str], Path, Path], cli_env: dict[str, str], tmp_path: Path
) -> None:
    # Given the roster linked against the desk, and a reviewer who decided that the
    # roster's man is not the desk's Cyrillic record after all
    org, (cyrillic, _), roster, mapping = desk_and_roster
    decisions = tmp_path / "decided.csv"
    decisions.write_text(f"decision,row_a,row_b\ndifferent,2,{cyrillic}\n", encoding="utf-8")
    out = tmp_path / "again.csv"
    # When it is linked again with that decision
    code, _, err = _link(
        cli_env, org, roster, mapping, "--desk", "--out", str(out), "--decisions",
        str(decisions),
    )  # fmt: skip
    assert code == 0, err
    # Then no row of his person is joined with that record, not even through row 4
    for row in _rows(out):
        assert cyrillic not in row["desk_person"], row
    # When the same decisions are given without --desk, then it says to give it again
    # and writes nothing
    code, _, err = _link(
        cli_env, org, roster, mapping, "--out", str(tmp_path / "x.csv"), "--decisions",
        str(decisions),
    )  # fmt: skip
    assert code != 0 and "--desk" in err and not (tmp_path / "x.csv").exists()
    # When a decision names a person the desk does not hold (merged away since), or
    # pairs two of the desk's persons, then it says so and writes nothing
    for line in (f"same,3,p_{'0' * 32}", f"same,{cyrillic},p_{'1' * 32}"):
        decisions.write_text(f"decision,row_a,row_b\n{line}\n", encoding="utf-8")
        code, _, err = _link(
            cli_env, org, roster, mapping, "--desk", "--out", str(tmp_path / "y.csv"),
            "--decisions", str(decisions),
        )  # fmt: skip
        assert code != 0 and "desk" in err and not (tmp_path / "y.csv").exists(), err
        assert len(err.strip().splitlines()) == 1


def test_a_desk_named_without_desk_is_refused(
    desk_and_roster: tuple[Org, list[str], Path, Path], cli_env: dict[str, str], tmp_path: Path
) -> None:
    # Given the roster and a desk's home, when --home is given without --desk, then
    # the command says to give --desk and links nothing
    org, _, roster, mapping = desk_and_roster
    code, _, err = _link(cli_env, org, roster, mapping, "--out", str(tmp_path / "o.csv"))
    assert code == 2 and "--desk" in err and not (tmp_path / "o.csv").exists()
