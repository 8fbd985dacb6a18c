"""The demo data: valid changes, the same every time, clearly fictional, every feature shown.

Given ``demo_data()``, when its batches are checked and folded as a desk would, then
every change passes ``check_changes``, every person has names and the DEMO marker, and
the featured persons show a disagreement, an ID conflict, a withdrawn testimony and a
correction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from amanat.records.changes import (
    CONSENT_LEVELS,
    Change,
    check_changes,
    read_changes,
    schema_for,
)
from amanat.records.dates import PartialDate
from amanat.records.demo_data import MARKER, DemoBatch, DemoData, demo_data
from amanat.records.fold import PersonState, fold_person
from amanat.records.ids import ResidentId
from amanat.records.places import Gazetteer
from amanat.views.un import Route, suggested_route
from amanat.views.unlinked import name_words, title_score


def _entry_ids(batches: tuple[DemoBatch, ...], salt: str) -> list[str]:
    return [hashlib.sha256(f"{salt} {n}".encode()).hexdigest() for n in range(len(batches))]


def _sealed(data: DemoData) -> list[Change]:
    """Every change as a desk would fold it, the follow-ups one second after the intake."""
    intake_ids = _entry_ids(data.intake, "intake")
    later = data.follow_up(intake_ids)
    out: list[Change] = []
    for batches, ids, time in (
        (data.intake, intake_ids, "2026-01-01T00:00:00Z"),
        (later, _entry_ids(later, "later"), "2026-01-01T00:00:01Z"),
    ):
        for batch, entry_id in zip(batches, ids, strict=True):
            entry = {"schema": schema_for(batch.changes), "changes": list(batch.changes)}
            blobs = [hashlib.sha256(f.content).hexdigest() for f in batch.files]
            out += read_changes(entry_id, time, entry, blobs)
    return out


def _created(data: DemoData) -> list[dict[str, Any]]:
    return [c for b in data.intake for c in b.changes if c["op"] == "person.created"]


def test_every_batch_passes_check_changes() -> None:
    data = demo_data()
    later = data.follow_up(_entry_ids(data.intake, "x"))
    for batch in (*data.intake, *later):
        entry = {"schema": schema_for(batch.changes), "changes": list(batch.changes)}
        checked = check_changes(entry, len(batch.files))
        assert len(checked) == len(batch.changes)


def test_the_same_seed_gives_the_same_data() -> None:
    first, again, other = demo_data(5), demo_data(5), demo_data(6)
    assert first.intake == again.intake
    assert first.follow_up(_entry_ids(first.intake, "a")) == again.follow_up(
        _entry_ids(again.intake, "a")
    )
    assert first.intake != other.intake


def test_about_forty_persons_and_two_recorded_twice_each_named_and_marked_fictional() -> None:
    data = demo_data()
    created = _created(data)
    assert len(created) == len(data.persons) == 42
    for change in created:
        names = [c["value"] for c in change["claims"] if c["field"] == "name"]
        assert names, change["person"]
        assert any(n["text"].startswith(f"{MARKER}-") and n["form"] == "alias" for n in names)
        assert MARKER in change["reason"]
    scripts = {c["value"]["script"] for ch in created for c in ch["claims"] if c["field"] == "name"}
    assert scripts == {"Latn", "Cyrl", "Hani", "Arab"}


def test_files_and_texts_say_they_are_demo() -> None:
    data = demo_data()
    files = [f for b in data.intake for f in b.files]
    assert files and all(f.name.startswith(f"{MARKER}-") for f in files)
    pictures = [f.content for f in files if f.media_type == "image/png"]
    assert pictures and all(p.startswith(b"\x89PNG") and b"DEMO" in p for p in pictures)
    for b in data.intake:
        for c in b.changes:
            if c["op"] == "testimony.recorded":
                assert c["transcript"].startswith(MARKER)


def test_resident_ids_are_valid_real_counties_and_centenarian_sequences() -> None:
    places = Gazetteer.load_builtin()
    numbers = [
        c["value"]["number"]
        for ch in _created(demo_data())
        for c in ch["claims"]
        if c["field"] == "document" and c["value"]["kind"] == "cn_resident_id"
    ]
    assert len(numbers) >= 10
    for number in numbers:
        rid = ResidentId(number)
        assert rid.in_xinjiang and places.get(rid.region_code) is not None
        assert 996 <= int(number[14:17]) <= 999


def test_every_feature_is_shown() -> None:
    data = demo_data()
    changes = _sealed(data)
    ops = {c.op for c in changes}
    assert ops >= {
        "person.created",
        "person.corrected",
        "person.amended",
        "testimony.recorded",
        "testimony.linked",
        "testimony.consent_changed",
        "source.added",
        "rebuttal.added",
    }
    levels = {c.body["consent"]["level"] for c in changes if "consent" in c.body}
    assert levels == set(CONSENT_LEVELS)
    kinds = {c.body["kind"] for c in changes if c.op == "source.added"}
    assert {"official_notice", "court_document", "id_document"} <= kinds
    births = {
        c.body["claims"][n]["value"]
        for c in changes
        if c.op == "person.created"
        for n in range(len(c.body["claims"]))
        if c.body["claims"][n]["field"] == "birth"
    }
    assert any(len(b) == 4 for b in births) and any(len(b) == 10 for b in births)
    assert any(b.startswith("~") for b in births) and any(".." in b for b in births)

    def flags(key: str) -> set[str]:
        person = fold_person(data.featured[key], changes)
        assert person is not None
        return {f.kind for f in person.flags}

    assert "disagreement" in flags("disagreement")
    assert "id_birth_conflict" in flags("id_conflict")
    withdrawn = fold_person(data.featured["withdrawn"], changes)
    assert withdrawn is not None and withdrawn.grade is not None
    assert withdrawn.grade.level == 0
    corrected = fold_person(data.featured["corrected"], changes)
    assert corrected is not None and corrected.retracted
    assert corrected.value("hometown") == {"place": "654021"}
    assert corrected.rebuttals


def _timeline(person: PersonState | None, today: dt.date) -> list[dict[str, str]]:
    """A folded person's status events as the views' rows give them to the UN check."""
    assert person is not None
    events = []
    for claim in person.values("status"):
        when = PartialDate.parse(claim.value["date"], today=today)
        events.append({"status": claim.value["status"], "date": claim.value["date"],
                       "earliest": when.earliest.isoformat(),
                       "latest": when.latest.isoformat()})  # fmt: skip
    return sorted(events, key=lambda e: e["earliest"])


def test_a_man_taken_again_five_weeks_before_the_demo_calls_for_the_urgent_action() -> None:
    """Given the demo made on 15 January 2030, then the featured man released years ago
    was taken again 37 days before, as his daughter told the desk a week ago, and
    nothing has freed him since: his timeline suggests the working group's urgent
    action, no other person's does, and the same demo made another day dates the new
    detention from that day."""
    day = dt.date(2030, 1, 15)
    data = demo_data(today=day)
    changes = _sealed(data)
    events = _timeline(fold_person(data.featured["taken_again"], changes), day)
    statuses = [e["status"] for e in events]
    assert statuses[-1] == "detained" and "released" in statuses[:-1]
    assert suggested_route(events, day) == Route("urgent", "detained", "2029-12-09")
    for other in set(data.persons) - {data.featured["taken_again"]}:
        found = suggested_route(_timeline(fold_person(other, changes), day), day)
        assert found is None or found.route == "standard"
    later = demo_data(today=dt.date(2031, 6, 1)).follow_up(_entry_ids(data.intake, "x"))
    dates = {c["value"]["date"] for ch in later[0].changes for c in ch.get("claims", ())
             if c["field"] == "status"}  # fmt: skip
    assert "2031-04-25" in dates


def test_the_demo_shows_who_is_responsible_and_what_families_did() -> None:
    """Given the demo, then some detentions name who is believed responsible, some say
    whether the authorities acknowledge them, and some families' petitions are recorded
    with a reply: the staff app's demo shows the UN's minimum elements."""
    claims = [c for batch in demo_data().intake for ch in batch.changes
              for c in ch.get("claims", ())]  # fmt: skip
    detained = [c["value"] for c in claims
                if c["field"] == "status" and c["value"]["status"] == "detained"]  # fmt: skip
    assert detained and all("by" in v for v in detained)
    assert {True, False} <= {v.get("acknowledged") for v in detained}
    actions = [c["value"] for c in claims if c["field"] == "action"]
    assert len({a["to"] for a in actions}) >= 4 and any("reply" in a for a in actions)


def test_two_persons_come_again_from_other_lists() -> None:
    """Given the demo, then two persons are recorded a second time from other lists, for
    the linkage model and the review queue to show: a leaked roster that gives the name
    in pinyin only, with the first record's resident ID; and a Russian-language list
    that gives the given name in Russian letters with another family name, no ID, and a
    birth year one off. Each later record is its own person, cites its list and carries
    the DEMO label."""
    data = demo_data()
    created = {c["person"]: c for c in _created(data)}
    assert len(data.twice) == 2

    def values(person: str, name: str) -> list[Any]:
        return [c["value"] for c in created[person]["claims"] if c["field"] == name]

    (first, roster), (earlier, listed) = data.twice
    assert {first, roster, earlier, listed} <= set(data.persons)
    assert values(roster, "document") == values(first, "document") != []
    roster_names = [n for n in values(roster, "name") if n.get("form") != "alias"]
    assert [n["script"] for n in roster_names] == ["Latn"]
    assert roster_names[0]["text"] not in {n["text"] for n in values(first, "name")}
    assert not values(listed, "document")
    (russian,) = [n for n in values(listed, "name") if n.get("form") != "alias"]
    written = next(n["text"] for n in values(earlier, "name") if n["script"] == "Cyrl")
    assert russian["language"] == "ru" and russian["text"] != written
    assert russian["text"].split()[0] == written.split()[0].translate(str.maketrans("ҚқҰұ", "ККУу"))
    (born,) = values(listed, "birth")
    said = values(earlier, "birth")[0]  # 1992, ~1992, 1991..1993 or a day
    years = [int(y) for y in re.findall(r"\d{4}", said)]
    assert born != said and min(years) - 1 <= int(born) <= max(years) + 1
    for person in (roster, listed):
        cited = {c["source"].get("source") for c in created[person]["claims"]}
        batch = next(b for b in data.intake if created[person] in b.changes)
        kinds = {c["kind"] for c in batch.changes if c["op"] == "source.added"}
        assert kinds == {"other_database"} and None not in cited


def test_an_imported_video_names_the_showcase_but_concerns_no_one() -> None:
    """Given the demo, then one testimony is recorded as an imported video is: about no
    person, its consent internal (the channel's, not the testifier's), and its title
    names the showcase person in Latin letters, so that the staff app offers it first
    on the showcase's page."""
    data = demo_data()
    video = data.featured["imported_video"]
    recorded = [
        c for b in data.intake for c in b.changes
        if c["op"] == "testimony.recorded" and c["testimony"] == video
    ]  # fmt: skip
    assert len(recorded) == 1
    change = recorded[0]
    assert change["persons"] == [] and change["consent"]["level"] == "internal"
    assert change["title"].startswith(MARKER)
    showcase = fold_person(data.featured["showcase"], _sealed(data))
    assert showcase is not None
    names = [str(c.value["text"]) for c in showcase.values("name")]
    wanted = name_words(names)
    best = title_score(wanted, change["title"])
    # every title says DEMO, as does the persons' alias "DEMO-01": the name itself counts
    assert all(title_score(wanted, c["title"]) < best for c in _others(data, video))


def _others(data: DemoData, video: str) -> list[dict[str, Any]]:
    return [
        c for b in data.intake for c in b.changes
        if c["op"] == "testimony.recorded" and c["testimony"] != video and "title" in c
    ]  # fmt: skip
