"""Rebuilding a desk's views from the vault without losing the old ones on the way.

Given / When / Then. ``Desk.rebuild_views`` drops the views and projects the whole vault
again in one transaction (``Views.rebuild``): a rebuild that fails on a corrupted entry
leaves the views exactly as they were, and a reader (the staff app) never meets missing
or empty tables while a rebuild runs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from amanat.desk.service import Batch, Desk
from amanat.errors import IntegrityError
from amanat.views import schema as s
from amanat.views.read import Query
from conftest import Org, desk_on
from web_staff import _person_changes

NAMES = ("Serik Bilash", "Aigul Nurlanova", "Erlan Kadyrov")


def _tables(desk: Desk) -> dict[str, list[tuple[Any, ...]]]:
    with desk.engine.connect() as conn:
        return {
            t.name: sorted((tuple(r) for r in conn.execute(select(t))), key=repr)
            for t in s.metadata.sorted_tables
        }


def _persons(desk: Desk) -> list[str]:
    return sorted(p.person_id for p in desk.search(Query()).persons)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_rebuild_that_fails_on_a_corrupted_entry_keeps_the_views(
    org: Org, request: pytest.FixtureRequest, backend: str
) -> None:
    """Given a desk with three persons in its views and one of their sealed entries
    corrupted on disk, when the views are rebuilt, then the rebuild fails with the
    corruption named, and the views are exactly as before: the same persons, each
    readable, and an update still works; once the entry is repaired, a rebuild
    succeeds."""
    with desk_on(org, request, backend) as desk:
        receipts = desk.seal_records([Batch([], _person_changes(n)) for n in NAMES])
        before = _persons(desk)
        assert len(before) == 3
        tables = _tables(desk)
        path = desk.vault.object_path("entries", receipts[1].entry_id)
        sound = path.read_bytes()
        path.write_bytes(sound[:-1] + bytes([sound[-1] ^ 1]))

        with pytest.raises(IntegrityError, match=r"The sealed entry \w+ is corrupted\."):
            desk.rebuild_views()

        assert _tables(desk) == tables
        assert _persons(desk) == before
        assert [desk.person(p).person["person_id"] for p in before] == before
        assert desk.update_views().entries == 0
        path.write_bytes(sound)
        assert desk.rebuild_views().persons == 3
        assert _persons(desk) == before


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_reader_during_a_rebuild_sees_the_old_views(
    org: Org, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    """Given a desk with three persons and the staff app reading its views in a loop,
    when another desk process rebuilds the views (held midway, after the old tables are
    dropped and before the new ones are filled), then every read succeeds and lists the
    same three persons: before, during and after the rebuild. On SQLite the reads go on
    during the rebuild; on PostgreSQL they wait for its commit."""
    sqlite = backend == "sqlite"
    midway, reads_midway, done = threading.Event(), threading.Event(), threading.Event()
    reading = threading.Event()
    seen: list[list[str]] = []
    errors: list[BaseException] = []
    read_midway = 0

    def read_in_a_loop(app: Desk) -> None:
        nonlocal read_midway
        try:
            while not done.is_set():
                during = midway.is_set()
                persons = _persons(app)
                seen.append(persons)
                for person in persons:
                    app.person(person)
                reading.set()
                if during and not done.is_set():
                    read_midway += 1
                    if read_midway >= 5:
                        reads_midway.set()
        except BaseException as exc:  # any error is the failure
            errors.append(exc)
            reads_midway.set()
            reading.set()

    with desk_on(org, request, backend) as admin:
        admin.seal_records([Batch([], _person_changes(n)) for n in NAMES])
        expected = _persons(admin)
        url = "" if sqlite else admin.engine.url.render_as_string(hide_password=False)
        entries = admin._entries

        def held(start: dict[str, int]) -> tuple[Iterator[Any], dict[str, int]]:
            found, sizes = entries(start)

            def paused() -> Iterator[Any]:
                midway.set()  # read by the projection: the old tables are dropped now
                # PostgreSQL readers wait for the rebuild's locks: none reads midway.
                assert reads_midway.wait(30 if sqlite else 1) or not sqlite
                yield from found

            return paused(), sizes

        monkeypatch.setattr(admin, "_entries", held)
        with Desk(org.desk, org.desk_keys, views_url=url) as app:
            reader = threading.Thread(target=read_in_a_loop, args=(app,))
            reader.start()
            assert reading.wait(30)
            try:
                report = admin.rebuild_views()
            finally:
                done.set()
                reader.join()
            assert errors == []
            assert report.persons == 3
            assert read_midway >= (5 if sqlite else 0)
            assert seen and all(persons == expected for persons in seen)
            assert _persons(app) == expected
