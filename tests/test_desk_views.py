"""A desk's views end to end: sealed at a station, pulled, opened, projected, closed.

Given / When / Then. The canary test is the issue's: after projection and a desk
shutdown, no value from any entry is readable anywhere in the desk's home without the
passphrase (the views database is SQLCipher under a key derived from the identity).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from amanat.desk.reader import EntryReader
from amanat.desk.service import Batch, Desk
from amanat.errors import IntegrityError
from amanat.records import build as b
from amanat.records.changes import new_id, version_id
from amanat.vault import copy
from amanat.vault.seal import FileToSeal, SealReceipt, seal_entry
from amanat.views.project import ApplyReport
from amanat.views.read import Query
from conftest import Org
from web_staff import _person_changes

CANARY_NAME = "Канарейка Zhyltyrbayeva"
CANARY_NOTE = "CANARY-risk-note-7f3a9c"
CANARY_ID = "654002197503150027"


def _canary_changes(person: str, testimony: str) -> list[dict[str, object]]:
    ref = b.source_ref(testimony=testimony)
    return [
        {
            "op": "testimony.recorded",
            "testimony": testimony,
            "persons": [person],
            "testifier": {
                "relationship": "parent",
                "name": CANARY_NAME,
                "contact": "+7 700 CANARY",
            },
            "consent": {"level": "internal"},
            "risk_notes": CANARY_NOTE,
            "media": [{"file": 0}],
            "transcript": f"{CANARY_NOTE} transcript",
        },
        {
            "op": "person.created",
            "person": person,
            "claims": [
                b.claim("name", b.name(CANARY_NAME), ref),
                b.claim("document", b.document("cn_resident_id", CANARY_ID), ref),
                b.claim("status", b.status("in_camp", "2018-04", note=CANARY_NOTE), ref),
            ],
        },
    ]


def _station_seals(org: Org, tmp_path: Path, person: str, testimony: str) -> None:
    media = tmp_path / "photo.txt"
    media.write_text(f"{CANARY_NOTE} photo bytes", "utf-8")
    data = b.record_data(_canary_changes(person, testimony), 1)
    seal_entry(
        org.station.vault(), org.station_seed, [FileToSeal(media)], entry_type="record", data=data
    )
    media.unlink()


def _pulled(desk: Desk, org: Org) -> ApplyReport:
    """The station's entries pulled into the desk's vault and projected."""
    copy.pull_vault(desk.vault, org.station.path / "vault")
    return desk.update_views()


def _forms(text: str) -> list[bytes]:
    return [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")]


def test_station_entry_reaches_the_desk_views(org: Org, tmp_path: Path) -> None:
    """Given a record sealed at the station, when the desk pulls and updates its views,
    then the person is found, and a rebuild gives the same answer."""
    person, testimony = new_id("p"), new_id("t")
    _station_seals(org, tmp_path, person, testimony)
    with Desk(org.desk, org.desk_keys) as desk:
        assert desk.search(Query()).total == 0
        copy.pull_vault(desk.vault, org.station.path / "vault")
        assert desk.pending() == 1
        report = desk.update_views()
        assert (report.entries, report.persons) == (1, 1)
        assert desk.pending() == 0
        found = desk.search(Query(name="канарейка"))
        assert [p.person_id for p in found.persons] == [person]
        detail = desk.person(person)
        assert detail.testimonies[0]["risk_notes"] == CANARY_NOTE
        rebuilt = desk.rebuild_views()
        assert rebuilt.persons == 1
        assert desk.person(person).claims == detail.claims


def test_desk_writes_its_own_amendment(org: Org, tmp_path: Path) -> None:
    """Given a person from the station, when a researcher corrects a value at the desk
    with a reason, then the correction is a new signed entry and the old value stays
    in the history as retracted."""
    person, testimony = new_id("p"), new_id("t")
    _station_seals(org, tmp_path, person, testimony)
    with Desk(org.desk, org.desk_keys) as desk:
        _pulled(desk, org)
        status = next(c for c in desk.person(person).claims if c["field"] == "status")
        desk.seal_records(
            [
                Batch(
                    [],
                    [
                        {
                            "op": "person.corrected",
                            "person": person,
                            "reason": "the date was 2017",
                            "retract": [status["claim_id"]],
                            "claims": [
                                b.claim(
                                    "status",
                                    b.status("in_camp", "2017-04"),
                                    b.source_ref(testimony=testimony),
                                )
                            ],
                        }
                    ],
                )
            ]
        )
        after = desk.person(person)
    assert after.person["status_date"] == "2017-04"
    retracted = [c for c in after.claims if c["retracted_by"]]
    assert [c["claim_id"] for c in retracted] == [status["claim_id"]]
    assert after.history[-1]["reason"] == "the date was 2017"


def test_no_canary_in_the_desk_home_after_shutdown(org: Org, tmp_path: Path) -> None:
    """Given canary values in a sealed entry, when the desk projects them into its views
    and shuts down, then no file in the desk's home holds any of them (UTF-8, UTF-16)."""
    person, testimony = new_id("p"), new_id("t")
    _station_seals(org, tmp_path, person, testimony)
    with Desk(org.desk, org.desk_keys) as desk:
        _pulled(desk, org)
        assert desk.person(person).names[0]["text"] == CANARY_NAME  # it was projected
    views = org.desk.path / "views" / "views.db"
    assert views.stat().st_size > 0
    needles = [
        f for text in (CANARY_NAME, CANARY_NOTE, CANARY_ID, "Zhyltyrbayeva") for f in _forms(text)
    ]
    scanned = 0
    for path in org.desk.path.rglob("*"):
        assert not any(n.decode("utf-8", "ignore") in path.name for n in needles[:1])
        if path.is_file():
            data = path.read_bytes()
            scanned += 1
            for needle in needles:
                assert needle not in data, f"canary readable in {path.relative_to(org.base)}"
    assert scanned > 5


def test_views_of_another_identity_are_rebuilt_not_fatal(org: Org, tmp_path: Path) -> None:
    """Given views made under another key (as after a restore that rotated the identity),
    when the desk opens, then it starts fresh views and rebuilds them from the vault."""
    person, testimony = new_id("p"), new_id("t")
    _station_seals(org, tmp_path, person, testimony)
    folder = org.desk.path / "views"
    folder.mkdir()
    (folder / "views.db").write_bytes(b"\x8f" * 8192)  # not openable with our key
    with Desk(org.desk, org.desk_keys) as desk:
        _pulled(desk, org)
        assert desk.search(Query()).total == 1


def test_a_forged_log_record_stops_the_projection(org: Org, tmp_path: Path) -> None:
    """Given a log record whose signature was altered, when the desk updates its views,
    then it refuses with an integrity error instead of projecting it."""
    person, testimony = new_id("p"), new_id("t")
    _station_seals(org, tmp_path, person, testimony)
    with Desk(org.desk, org.desk_keys) as desk:
        copy.pull_vault(desk.vault, org.station.path / "vault")
        log = next(f for f in desk.vault.logs() if f.kid != org.desk.doc.get("desk"))
        raw = log.records_path.read_bytes()
        at = raw.index(b'"sig":"') + 8
        flipped = raw[:at] + (b"A" if raw[at : at + 1] != b"A" else b"B") + raw[at + 1 :]
        log.records_path.write_bytes(flipped)
        with pytest.raises(IntegrityError, match="not signed by a trusted key"):
            desk.update_views()
        assert desk.search(Query()).total == 0


def test_parallel_reader_gives_the_same_entries_and_refuses_forgeries(
    org: Org, tmp_path: Path
) -> None:
    """Given a backlog opened in a worker process (small chunks force the parallel path),
    then it yields the same entries as opening in-process, and a forged record in a later
    chunk raises the same integrity error."""
    for _ in range(7):
        _station_seals(org, tmp_path, new_id("p"), new_id("t"))
    desk_vault = org.desk.vault()
    copy.pull_vault(desk_vault, org.station.path / "vault")

    def reader(parallel_from: int) -> EntryReader:
        return EntryReader(
            desk_vault,
            desk_vault.read_keyring(),
            [org.desk_keys.identity],
            org.desk.rekeys_dir,
            chunk=2,
            parallel_from=parallel_from,
        )

    serial, sizes = reader(10**9).entries({})
    parallel, sizes2 = reader(1).entries({})
    assert list(parallel) == list(serial) and sizes == sizes2
    log = next(f for f in desk_vault.logs() if f.kid != org.desk.doc.get("desk"))
    lines = log.records_path.read_bytes().split(b"\n")
    at = lines[5].index(b'"sig":"') + 8
    lines[5] = (
        lines[5][:at] + (b"A" if lines[5][at : at + 1] != b"A" else b"B") + lines[5][at + 1 :]
    )
    log.records_path.write_bytes(b"\n".join(lines))
    forged, _ = reader(1).entries({})
    with pytest.raises(IntegrityError, match="not signed by a trusted key"):
        list(forged)


def _person_batch(name: str) -> Batch:
    return Batch([], _person_changes(name))


def test_two_processes_sealing_on_one_desk_both_reach_the_views(org: Org) -> None:
    """Given one desk opened twice (the staff app and an ``amanat import`` at once),
    when both seal and project at the same time, then neither fails on entries the
    other projected, and the views hold every person once."""
    import threading

    errors: list[BaseException] = []

    def seal(desk: Desk, who: str) -> None:
        try:
            for n in range(12):
                desk.seal_records([_person_batch(f"{who} Person{n}")])
        except BaseException as exc:
            errors.append(exc)

    with Desk(org.desk, org.desk_keys) as app, Desk(org.desk, org.desk_keys) as importer:
        threads = [
            threading.Thread(target=seal, args=(app, "Serik")),
            threading.Thread(target=seal, args=(importer, "Aigul")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert app.pending() == 0
        assert app.search(Query()).total == 24


def test_a_decision_sealed_while_another_command_projects_waits_for_the_next(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given another process holding the desk's views (an import's last step), when a
    reviewer's decision is sealed, then it is sealed and the request does not fail; the
    next projection brings it into the views."""
    from amanat.desk import service

    monkeypatch.setattr(service, "AFTER_SEAL_WAIT", 0.2)
    with Desk(org.desk, org.desk_keys) as app, Desk(org.desk, org.desk_keys) as importer:
        app.seal_records([_person_batch("Serik Bilash"), _person_batch("Serikzhan Bilash")])
        a, c = sorted(p.person_id for p in app.search(Query()).persons)
        with importer._projecting():
            entry = app.decide(a, c, "same", "one man", by="reviewer")
            assert entry
            assert app.pending() == 1
            with pytest.raises(service.BusyError), app._projecting(0.1):
                pass
        app.update_views()
        assert app.pending() == 0
        assert app.person(c).person["person_id"] == a


def test_a_station_key_cannot_change_consent_or_records(org: Org, tmp_path: Path) -> None:
    """Given a testimony recorded at a station and pulled to the desk, when the
    station's key (a seized laptop's) signs an entry that widens the testimony's consent
    and retracts the person's status, then the desk does not apply it and names it as
    signed by a station, on update and on rebuild; the same changes sealed by the desk
    are applied."""
    person, testimony = new_id("p"), new_id("t")
    _station_seals(org, tmp_path, person, testimony)
    with Desk(org.desk, org.desk_keys) as desk:
        _pulled(desk, org)
        status = next(c for c in desk.person(person).claims if c["field"] == "status")
    wider = {"level": "public_named", "un": True, "identifiers": True}
    changes = [
        {"op": "testimony.consent_changed", "testimony": testimony, "consent": wider},
        {"op": "person.corrected", "person": person, "reason": "x",
         "retract": [status["claim_id"]], "claims": []},
        {"op": "person.amended", "person": person, "retract": [status["claim_id"]],
         "claims": []},
    ]  # fmt: skip
    forged = seal_entry(
        org.station.vault(), org.station_seed, [], entry_type="record",
        data=b.record_data(changes, 0),
    )  # fmt: skip
    with Desk(org.desk, org.desk_keys) as desk:
        report = _pulled(desk, org)
        assert [entry for entry, _ in report.problems] == [forged.entry_id]
        ((_, why),) = report.problems
        assert "signed by a station" in why
        assert "person.amended with retract, person.corrected, testimony.consent_changed" in why
        detail = desk.person(person)
        assert detail.testimonies[0]["consent"] == "internal"
        assert not any(c["retracted_by"] for c in detail.claims)
        desk.rebuild_views()
        assert desk.person(person).testimonies[0]["consent"] == "internal"
        desk.seal_records([Batch([], changes)])
        after = desk.person(person)
        assert after.testimonies[0]["consent"] == "public_named"
        assert [c["claim_id"] for c in after.claims if c["retracted_by"]] == [status["claim_id"]]


def test_a_station_key_cannot_lend_a_forged_claim_another_testimony_s_weight(
    org: Org, tmp_path: Path
) -> None:
    """Given a person the desk recorded from its own testimony, when a seized station's
    key signs entries adding a "released" status to that person citing the desk's
    testimony, citing a source document, or citing a testimony the entry records about
    someone else, then the desk applies none of them and names each as signed by a
    station; an intake that cites its own testimony about the person still adds to it."""
    person, testimony = new_id("p"), new_id("t")
    desks = _canary_changes(person, testimony)
    desks[0] = {k: v for k, v in desks[0].items() if k != "media"}
    with Desk(org.desk, org.desk_keys) as desk:
        desk.seal_records([Batch([], desks)])
    released = b.status("released", "2020-01")
    other, own = new_id("t"), new_id("t")

    def recorded(t: str, about: str) -> dict[str, object]:
        return {
            "op": "testimony.recorded",
            "testimony": t,
            "persons": [about],
            "testifier": {"relationship": "other"},
            "consent": {"level": "internal"},
        }

    def amended(*claims: dict[str, object]) -> dict[str, object]:
        return {"op": "person.amended", "person": person, "claims": list(claims)}

    forgeries = [
        [amended(b.claim("status", released, b.source_ref(testimony=testimony)))],
        [amended(b.claim("status", released, {"source": new_id("s"), "locator": "p. 1"}))],
        [
            recorded(other, new_id("p")),
            amended(b.claim("status", released, b.source_ref(testimony=other))),
        ],
    ]
    forged = [
        seal_entry(
            org.station.vault(), org.station_seed, [], entry_type="record",
            data=b.record_data(changes, 0),
        ).entry_id
        for changes in forgeries
    ]  # fmt: skip
    genuine = [recorded(own, person), amended(b.claim("occupation", "teacher", {"testimony": own}))]
    seal_entry(
        org.station.vault(), org.station_seed, [], entry_type="record",
        data=b.record_data(genuine, 0),
    )  # fmt: skip
    with Desk(org.desk, org.desk_keys) as desk:
        report = _pulled(desk, org)
        assert sorted(entry for entry, _ in report.problems) == sorted(forged)
        for _, why in report.problems:
            assert "signed by a station, whose claims may cite only a testimony" in why
        for rebuilt in (False, True):
            if rebuilt:
                desk.rebuild_views()
            claims = desk.person(person).claims
            statuses = [c["value"]["status"] for c in claims if c["field"] == "status"]
            assert statuses == ["in_camp"]
            assert [c["value"] for c in claims if c["field"] == "occupation"] == ["teacher"]


def _forged_again(
    org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str, dict[str, Any], SealReceipt, str]:
    """A testimony the desk recorded (internal consent, no file), and the same
    testimony id signed again with a seized station's key, dated first, about another
    person, public, with a public file: the person, the testimony, the desk's version
    as the views show it, the forged entry and the forged version's person."""
    person, testimony = new_id("p"), new_id("t")
    genuine = _canary_changes(person, testimony)
    genuine[0] = {k: v for k, v in genuine[0].items() if k != "media"}
    with Desk(org.desk, org.desk_keys) as desk:
        desk.seal_records([Batch([], genuine)])
        (first,) = desk.person(person).testimonies
    other = new_id("p")
    forged_changes = [
        {
            **genuine[0],
            "persons": [other],  # as if the testimony were about someone else
            "consent": {"level": "public_named", "un": True, "identifiers": True},
            "media": [{"file": 0, "visibility": "public"}],
        }
    ]
    media = tmp_path / "planted.txt"
    media.write_text("planted video", "utf-8")
    monkeypatch.setattr("amanat.vault.seal.utc_now", lambda: "2020-01-01T00:00:00Z")
    forged = seal_entry(
        org.station.vault(), org.station_seed, [FileToSeal(media)], entry_type="record",
        data=b.record_data(forged_changes, 1),
    )  # fmt: skip
    monkeypatch.undo()
    assert forged.time < first["time"]  # so it comes first in every fold
    return person, testimony, first, forged, other


def test_a_testimony_recorded_again_by_a_station_key_is_held_at_the_narrower_consent(
    org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a testimony the desk recorded with an internal consent, when a seized
    station's key signs the same testimony id again, dated before the desk's entry so
    that it comes first, about another person, with a public consent, the UN and the ID
    numbers ticked, and a public file of its own, then the desk applies it but holds the
    testimony at what both versions allow: internal, nothing ticked, the file for staff
    only, still on the person's page, and the person is flagged to find which is
    genuine, on update and on rebuild; a desk's later consent change still sets the
    consent."""
    person, testimony, first, forged, _ = _forged_again(org, tmp_path, monkeypatch)
    with Desk(org.desk, org.desk_keys) as desk:
        report = _pulled(desk, org)
        assert report.problems == []
        for detail in (desk.person(person), (desk.rebuild_views(), desk.person(person))[1]):
            (t,) = detail.testimonies
            assert t["consent"] == "internal"
            assert not any(t["consent_detail"].get(f) for f in ("un", "identifiers"))
            assert t["media_visibility"] == [""]
            (flag,) = [f for f in detail.flags if f["kind"] == "recorded_again"]
            assert t["entry_id"] == forged.entry_id
            assert flag["args"] == {"testimony": testimony, "entries": first["entry_id"][:16]}
            assert detail.person["un_gaps"]
        narrower = {"level": "withdrawn"}
        desk.seal_records([Batch([], [{
            "op": "testimony.consent_changed", "testimony": testimony, "consent": narrower,
            "reason": "the testifier asked",
        }])])  # fmt: skip
        assert desk.person(person).testimonies[0]["consent"] == "withdrawn"


def test_a_reviewer_settles_which_version_is_genuine_and_a_station_key_cannot(
    org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a testimony recorded again with a seized station's key (dated first, public,
    about someone else), when the same key signs a settlement calling its own version
    genuine, then the desk does not apply it and the testimony stays held and flagged;
    when a reviewer at the desk settles it, naming the desk's version genuine, then the
    testimony is the desk's version again, unflagged, with the settlement and its reason
    in the person's history, on update and on rebuild."""
    person, testimony, first, forged, _ = _forged_again(org, tmp_path, monkeypatch)
    desk_version = version_id(first["entry_id"], 0)
    station_version = version_id(forged.entry_id, 0)

    def settlement(genuine: str, aside: str) -> dict[str, Any]:
        return {"op": "testimony.settled", "testimony": testimony, "genuine": genuine,
                "set_aside": [aside], "reason": "the volunteer who filmed it says so"}  # fmt: skip

    seal_entry(
        org.station.vault(), org.station_seed, entry_type="record",
        data=b.record_data([settlement(station_version, desk_version)]),
    )  # fmt: skip
    with Desk(org.desk, org.desk_keys) as desk:
        report = _pulled(desk, org)
        assert any("testimony.settled is not applied" in why for _, why in report.problems)
        detail = desk.person(person)
        assert [f["kind"] for f in detail.flags].count("recorded_again") == 1
        assert detail.testimonies[0]["entry_id"] == forged.entry_id

        desk.seal_records([Batch([], [settlement(desk_version, station_version)])])
        for detail in (desk.person(person), (desk.rebuild_views(), desk.person(person))[1]):
            (t,) = detail.testimonies
            assert t["entry_id"] == first["entry_id"]
            assert (t["consent"], t["media_visibility"]) == ("internal", [])
            assert "recorded_again" not in {f["kind"] for f in detail.flags}
            settled = [h for h in detail.history if h["op"] == "testimony.settled"]
            assert [h["reason"] for h in settled] == ["the volunteer who filmed it says so"]
