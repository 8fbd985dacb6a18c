"""A desk whose vault no longer holds what its views were made from says so.

Given / When / Then. The views are derived from the vault's logs, and remember how far
they read each log. A log cut short on disk (an attacker deleting the last decision)
or put back from an older copy and sealed on since (a disk restored from a backup)
would otherwise go unseen: the update said "up to date" and the views kept showing
what was removed, or never showed what was new. ``Desk.update_views`` and the
projection after each seal compare each log with what the views read, and refuse with
an ``IntegrityError`` that says what to do; ``amanat views rebuild`` then shows what
the vault holds.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amanat.desk.service import Batch, Desk
from amanat.errors import IntegrityError
from amanat.views.read import Query
from conftest import Org, copy_org, cut_last_log_record, desk_on
from test_records_cli import _home, fails, ok
from web_staff import _person_changes

REFUSED = r"Log \w{12} of the vault no longer holds what the views were made from"


def _names(desk: Desk) -> list[str]:
    return sorted(p.name for p in desk.search(Query()).persons)


def _log_folder(desk: Desk) -> Path:
    (files,) = desk.vault.logs()
    return files.directory


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_log_cut_short_is_refused_until_the_views_are_rebuilt(
    org: Org, request: pytest.FixtureRequest, backend: str
) -> None:
    """Given a desk with three persons sealed and shown, when the last record of its log
    is deleted on disk, then updating the views refuses, naming the log, and the views
    still show the three (nothing is dropped unseen); when the views are rebuilt, they
    show the two persons the vault still holds, and an update is quiet again."""
    with desk_on(org, request, backend) as desk:
        desk.seal_records([Batch([], _person_changes(n)) for n in ("Ana", "Bota", "Dana")])
        assert _names(desk) == ["Ana", "Bota", "Dana"]

        cut_last_log_record(_log_folder(desk))

        with pytest.raises(IntegrityError, match=REFUSED):
            desk.update_views()
        assert _names(desk) == ["Ana", "Bota", "Dana"]
        report = desk.rebuild_views()
        assert report.entries == 2
        assert _names(desk) == ["Ana", "Bota"]
        assert desk.update_views().entries == 0


def _put_back_an_older_log(desk: Desk) -> None:
    """Seal Ana and Bota, copy the desk's log, seal Dana, and put the log back from the
    copy (the views showed Dana; the log no longer holds her)."""
    desk.seal_records([Batch([], _person_changes(n)) for n in ("Ana", "Bota")])
    folder = _log_folder(desk)
    backup = folder.parent / "backup"
    shutil.copytree(folder, backup)
    desk.seal_records([Batch([], _person_changes("Dana"))])
    shutil.rmtree(folder)
    backup.rename(folder)


def test_an_intake_sealed_on_a_log_put_back_is_saved_once_and_the_update_refuses(
    org: Org, request: pytest.FixtureRequest
) -> None:
    """Given a desk whose log was put back from a copy older than its views, when an
    intake is sealed (the intake wizard's Save), then the seal returns its receipt,
    the entry in the vault, instead of an error raised after it was sealed (a volunteer
    told it failed would save the same testimony again); the next update of the views
    refuses, and a rebuild shows the intake once."""
    with desk_on(org, request, "sqlite") as desk:
        _put_back_an_older_log(desk)

        receipt = desk.seal_intake(_person_changes("Erlan"), [])

        assert desk.vault.object_path("entries", receipt.entry_id).exists()
        with pytest.raises(IntegrityError, match=REFUSED):
            desk.update_views()
        desk.rebuild_views()
        assert _names(desk) == ["Ana", "Bota", "Erlan"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_log_put_back_from_an_older_copy_and_sealed_on_is_refused(
    org: Org, request: pytest.FixtureRequest, backend: str
) -> None:
    """Given a copy of the desk's log taken after two persons were sealed, and a third
    sealed after it, when the log is put back from the copy and a fourth person is
    sealed (the log is as long as the views read, but its last record is another
    entry), then the projection after that seal refuses, and so does an update,
    rather than never showing the fourth; a rebuild shows what the vault holds."""
    with desk_on(org, request, backend) as desk:
        _put_back_an_older_log(desk)

        with pytest.raises(IntegrityError, match=REFUSED):
            desk.seal_records([Batch([], _person_changes("Erlan"))])
        with pytest.raises(IntegrityError, match=REFUSED):
            desk.update_views()
        desk.rebuild_views()
        assert _names(desk) == ["Ana", "Bota", "Erlan"]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(before=st.integers(1, 3), lost=st.integers(0, 3), later=st.integers(0, 2))
def test_an_older_log_is_refused_exactly_when_the_views_showed_more(
    _org_template: Org, tmp_path_factory: pytest.TempPathFactory, before: int, lost: int, later: int
) -> None:
    """Given a copy of the desk's log taken after any number of entries, any number
    sealed after the copy, and the log put back from the copy, when any number more are
    sealed, then: if nothing sealed after the copy was lost, every seal and update
    goes on as usual; otherwise each seal's projection and the update refuse, the
    views keep what they showed, and a rebuild shows exactly what the log holds."""
    org = copy_org(_org_template, tmp_path_factory.mktemp("org") / "org")
    first = [f"A{i}" for i in range(before)]
    gone = [f"B{i}" for i in range(lost)]
    new = [f"C{i}" for i in range(later)]
    with Desk(org.desk, org.desk_keys) as desk:
        desk.seal_records([Batch([], _person_changes(n)) for n in first])
        folder = _log_folder(desk)
        backup = folder.parent / "backup"
        shutil.copytree(folder, backup)
        desk.seal_records([Batch([], _person_changes(n)) for n in gone])
        shutil.rmtree(folder)
        backup.rename(folder)
        for name in new:
            if gone:
                with pytest.raises(IntegrityError, match=REFUSED):
                    desk.seal_records([Batch([], _person_changes(name))])
            else:
                desk.seal_records([Batch([], _person_changes(name))])
        if gone:
            with pytest.raises(IntegrityError, match=REFUSED):
                desk.update_views()
            assert _names(desk) == sorted(first + gone)
            desk.rebuild_views()
        else:
            desk.update_views()
        assert _names(desk) == sorted(first + new)


def test_views_update_says_so_in_one_sentence(org: Org, cli_env: dict[str, str]) -> None:
    """Given a desk whose log was cut short after its views were made, when `amanat
    views update` runs, then it exits with the integrity code and one sentence that
    says to verify and then rebuild; after `amanat views rebuild`, it is up to date."""
    with Desk(org.desk, org.desk_keys) as desk:
        desk.seal_records([Batch([], _person_changes(n)) for n in ("Ana", "Bota")])
        folder = _log_folder(desk)
    cut_last_log_record(folder)

    said = fails(cli_env, IntegrityError.exit_code, "views", "update", *_home(org))

    assert "amanat verify" in said and "amanat views rebuild" in said
    ok(cli_env, "views", "rebuild", *_home(org))
    assert "up to date" in ok(cli_env, "views", "update", *_home(org))
