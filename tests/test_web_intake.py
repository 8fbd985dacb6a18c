"""The intake wizard and its resumable uploads, through the real staff app.

An intake volunteer takes a testimony step by step, sends a photo in pieces (one
piece "lost" and resent from the offset the server reports), and saves: one record
entry holds the testimony, the person and the blob. Wrong, empty and oversized files
are refused with their sentence and leave nothing behind; hostile text is stored
exactly and shown escaped; another account cannot touch an upload.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import re
from html import escape
from typing import Any

import pytest
from starlette.testclient import TestClient

from amanat.records.ids import ric_check_character
from amanat.vault import durable
from amanat.vault.opening import open_entry
from amanat.views.read import Query
from amanat.web.staff import i18n
from amanat.web.staff.intake import INTAKE_ROLES
from conftest import Org
from web_staff import Site, csrf_of, post_form, staff_site

FIRST17 = "65400219750302123"
RESIDENT_ID = FIRST17 + ric_check_character(FIRST17)
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 800  # ~200 KB, a JPEG head
PIECE = 64 * 1024
HOSTILE = "<script>alert(1)</script>\u202eevil"
LONG = "ж" * 10_000

TESTIFIER = {"testifier_name": "Айгүл Серікқызы", "relationship": "sibling",
             "testifier_contact": "+7 700 123 4567", "testifier_kz_status": "kandas"}  # fmt: skip
CONSENT = {"consent_level": "public_anonymised", "consent_how": "video", "consent_un": "1"}
PERSON = {"name_1": "Серік Жанболатұлы", "name_3": "谢里克", "sex": "male",
          "birth": "1975-03-02", "ethnicity": "kazakh", "resident_id": RESIDENT_ID,
          "hometown_words": "Ghulja", "citizen_kz": "1", "occupation": "мал дәрігері"}  # fmt: skip
EVENTS = {"event_1_status": "in_camp", "event_1_date": "04.2018",
          "event_1_place": "Ghulja", "event_1_note": "taken at night",
          "event_1_by": "state_security", "event_1_acknowledged": "no",
          "action_1_to": "kz_foreign_ministry", "action_1_date": "06.2018",
          "action_1_reply": "Мәселе қаралуда", "action_2_to": "un",
          "event_2_status": "sentenced", "event_2_date": "2019",
          "event_2_charge": "«экстремизм»", "event_2_term": "10 жыл",
          "event_2_note": "the family says he only prayed",
          "contact_date": "05.2018", "contact_channel": "message",
          "contact_note": "WeChat аккаунты жоғалды"}  # fmt: skip


HIDDEN = re.compile(r'<input type="hidden" name="(csrf|step|draft)" value="([^"]*)"')


def hidden_of(page: str) -> dict[str, str]:
    """The hidden fields of a wizard page's form: CSRF token, step, draft's version."""
    return dict(HIDDEN.findall(page))


def step(client: TestClient, action: str, data: dict[str, str] | None = None) -> Any:
    """Send the form of the step shown, as a browser does (its hidden fields read from
    the page), and follow the redirect to the step shown next (Post/Redirect/Get)."""
    hidden = hidden_of(client.get("/intake").text)
    sent = client.post("/intake", data={**hidden, **(data or {}), "action": action})
    if sent.status_code == 303 and sent.headers["location"] == "/intake":
        return client.get("/intake")
    return sent


def api_headers(client: TestClient, **extra: str) -> dict[str, str]:
    return {"X-CSRF-Token": csrf_of(client, "/intake"), **extra}


def start_upload(client: TestClient, size: int, name: str = "photo.jpg") -> Any:
    return client.post(
        "/api/uploads",
        json={"name": name, "media_type": "image/jpeg", "size": size},
        headers=api_headers(client),
    )


def put(client: TestClient, ident: str, offset: int, data: bytes) -> Any:
    headers = api_headers(client, **{"Upload-Offset": str(offset)})
    return client.put(f"/api/uploads/{ident}", content=data, headers=headers)


def signed_in(site: Site, account: str = "intake") -> TestClient:
    client = site.client()
    assert site.sign_in(client, account) == 303
    return client


def fill_to_attachments(client: TestClient, person: dict[str, str] | None = None) -> None:
    for data in (TESTIFIER, CONSENT, person or PERSON, EVENTS):
        page = step(client, "next", data)
        assert page.status_code == 200
        assert "field-error" not in page.text, page.text[-3000:]


def upload_parts(site: Site) -> list[str]:
    return [p.name for p in (site.desk.vault.tmp_dir / "uploads").glob("*.upload")]


def record_entries(site: Site) -> list[str]:
    with site.desk.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT entry_id FROM entries WHERE type = 'record'")
        return [r[0] for r in rows]


def test_intake_with_a_resumed_upload_is_sealed_in_one_entry(org: Org) -> None:
    with staff_site(org) as site:
        client = signed_in(site)
        before = set(record_entries(site))
        # A paper form typed in later: the interview's own day, place and language.
        visit = {"visit_date": "12.04.2019", "visit_place": "Жаркент", "visit_language": "kk"}
        step(client, "next", {**TESTIFIER, **visit})
        step(client, "next", CONSENT)
        checked = step(client, "check", PERSON)  # the hints, before going on
        assert "1975-03-02" in checked.text and "654002" in checked.text
        assert "Cyrillic" in checked.text and "Chinese characters" in checked.text
        step(client, "next", PERSON)
        step(client, "next", EVENTS)
        started = start_upload(client, len(PHOTO))
        assert started.status_code == 201, started.text
        ident = started.json()["id"]
        assert put(client, ident, 0, PHOTO[:PIECE]).json()["received"] == PIECE
        # The piece at PIECE is "lost"; the next one arrives from the wrong offset.
        lost = put(client, ident, 2 * PIECE, PHOTO[2 * PIECE : 3 * PIECE])
        assert lost.status_code == 409
        resume = lost.json()["received"]
        assert resume == PIECE and "send from byte" in lost.json()["error"]
        assert int(client.head(f"/api/uploads/{ident}").headers["upload-offset"]) == PIECE
        offset = client.get(f"/api/uploads/{ident}").json()["received"]
        while offset < len(PHOTO):
            sent = put(client, ident, offset, PHOTO[offset : offset + PIECE])
            assert sent.status_code == 200, sent.text
            offset = sent.json()["received"]
        assert sent.json()["complete"] is True
        page = client.get("/intake").text  # the photo is listed, staff only until said
        assert f'name="visibility_{ident}"' in page and "Staff only" in page
        review = step(client, "next", {f"visibility_{ident}": "sensitive"})
        assert "Review and save" in review.text
        assert "photo.jpg</bdi> (Sensitive: staff only)" in review.text
        assert "Who is believed responsible: State security" in review.text
        assert "Citizen of Kazakhstan" in review.text and "мал дәрігері" in review.text
        assert "(Brother or sister, Kandas: papers in process)" in review.text
        assert "Kazakhstan's Ministry of Foreign Affairs, 06.2018" in review.text
        assert "The United Nations" in review.text
        assert "12.04.2019" in review.text and "Қазақша" in review.text
        assert "05.2018, A message app (WeChat, QQ, WhatsApp…)" in review.text
        saved = step(client, "save")
        assert saved.status_code == 303 and saved.headers["location"] == "/intake/done"
        done = client.get("/intake/done")
        assert "Sealed, reference" in done.text and "Серік" not in done.text
        # The volunteer cannot read it back: no record route, and the draft is gone.
        assert client.get("/persons").status_code == 403
        assert "Серік" not in client.get("/intake").text

        found = site.desk.search(Query(name="Серік Жанболатұлы")).persons
        assert [p.name for p in found].count("Серік Жанболатұлы") == 1
        assert found[0].name == "Серік Жанболатұлы"  # others share one word, ranked after
        detail = site.desk.person(found[0].person_id)
        assert {n["text"] for n in detail.names} >= {"Серік Жанболатұлы", "谢里克"}
        assert detail.timeline[0]["status"] == "in_camp"
        values = {(c["field"], str(c["value"])) for c in detail.claims}
        assert {("citizenship", "KZ"), ("occupation", "мал дәрігері")} <= values
        assert ("citizenship", "CN") not in values  # a box left empty claims nothing
        sentenced = detail.timeline[1]  # the official reason kept apart from the family's
        assert (sentenced["status"], sentenced["charge"], sentenced["term"]) == (
            "sentenced",
            "«экстремизм»",
            "10 жыл",
        )
        assert sentenced["note"] == "the family says he only prayed"
        # who is believed responsible, and what the family has done (the UN's minimum)
        camp = detail.timeline[0]
        assert (camp["responsible"], camp["acknowledged"]) == ("state_security", False)
        assert (sentenced["responsible"], sentenced["acknowledged"]) == (None, None)
        assert [(a["target"], a["date"], a["reply"]) for a in detail.actions] == [
            ("kz_foreign_ministry", "2018-06", "Мәселе қаралуда"),
            ("un", None, None),
        ]
        # the last contact the wife had with him (records format 1.3)
        assert [(c["date"], c["channel"], c["note"]) for c in detail.contacts] == [
            ("2018-05", "message", "WeChat аккаунты жоғалды")
        ]
        researcher = site.client()
        assert site.sign_in(researcher, "researcher") == 303
        shown = researcher.get(f"/persons/{found[0].person_id}").text
        assert "Official reason or charge: <bdi>«экстремизм»</bdi>" in shown
        assert "Sentence: <bdi>10 жыл</bdi>" in shown
        assert "Who is believed responsible: State security" in shown
        assert "Not acknowledged by the authorities" in shown
        assert "What the family has done" in shown and "Мәселе қаралуда" in shown
        assert "Last contact with the family" in shown and "WeChat аккаунты жоғалды" in shown
        assert detail.testimonies[0]["media_visibility"] == ["sensitive"]
        assert detail.testimonies[0]["testifier_kz_status"] == "kandas"
        assert "Kandas: papers in process" in shown
        assert "Sensitive: staff only" in shown
        # a month, a place, the responsible, two steps and the UN consent: nothing lacks
        assert "This record holds what the UN Working Group" in shown
        new = set(record_entries(site)) - before
        assert len(new) == 1
        opened = open_entry(site.desk.vault, new.pop(), [org.desk_keys.identity])
        files = opened.content["files"]
        assert [f["sha256"] for f in files] == [hashlib.sha256(PHOTO).hexdigest()]
        assert opened.content["data"]["schema"] == "amanat.records/1.3"
        assert opened.content["data"]["changes"][0]["testifier"]["kz_status"] == "kandas"
        ops = [c["op"] for c in opened.content["data"]["changes"]]
        assert ops == ["testimony.recorded", "person.created"]
        recorded = opened.content["data"]["changes"][0]
        assert recorded["media"] == [{"file": 0, "visibility": "sensitive"}]
        assert (recorded["recorded"], recorded["place"], recorded["language"]) == (
            "2019-04-12",
            {"text": "Жаркент"},
            "kk",
        )
        assert upload_parts(site) == []
        trail = site.app.state.staff.audit
        trail.flush()


def _value_of(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    return found.group(1) if found else ""


def test_an_old_form_of_another_step_never_wipes_what_was_typed(org: Org) -> None:
    """Given a volunteer on the person step who typed a name and an ID number and
    pressed Check, when the consent form is sent again (from a second tab, or an old
    page), then every form is answered with a redirect to the wizard's address (Back
    and Reload post nothing again), the consent step is shown with a notice, and the
    name and ID are still there when the volunteer goes on; an old, empty form of the
    person step itself erases nothing either."""
    with staff_site(org) as site:
        client = signed_in(site)
        step(client, "next", TESTIFIER)
        consent_page = client.get("/intake").text
        old_consent = hidden_of(consent_page)
        assert old_consent["step"] == "consent" and old_consent["draft"]
        step(client, "next", CONSENT)
        old_person = hidden_of(client.get("/intake").text)
        typed = {"name_1": PERSON["name_1"], "resident_id": RESIDENT_ID}
        checked = client.post("/intake", data={**old_person, **typed, "action": "check"})
        assert (checked.status_code, checked.headers["location"]) == (303, "/intake")
        assert _value_of(client.get("/intake").text, "resident_id") == RESIDENT_ID
        # When: the consent form is sent again, with a risk note typed in that tab
        again = {**old_consent, **CONSENT, "risk_notes": "neighbours watch", "action": "next"}
        resent = client.post("/intake", data=again)
        assert (resent.status_code, resent.headers["location"]) == (303, "/intake")
        shown = client.get("/intake").text
        assert 'name="step" value="consent"' in shown and "This page was older" in shown
        assert "neighbours watch" in shown  # what was typed on the old page is kept
        person = step(client, "next", CONSENT)
        assert _value_of(person.text, "name_1") == PERSON["name_1"]
        assert _value_of(person.text, "resident_id") == RESIDENT_ID
        # And: the person step's form drawn before the Check, sent empty, erases nothing
        empty = client.post("/intake", data={**old_person, "action": "next"})
        assert empty.status_code == 303
        person = client.get("/intake").text
        assert 'name="step" value="person"' in person and "This page was older" in person
        assert _value_of(person, "name_1") == PERSON["name_1"]
        assert _value_of(person, "resident_id") == RESIDENT_ID


def _consent_shown(page: str) -> tuple[str, set[str]]:
    level = re.search(r'name="consent_level" value="([^"]+)" checked', page)
    boxes = set(re.findall(r'name="(consent_[a-z]+)" value="1" checked', page))
    return (level.group(1) if level else ""), boxes


def test_an_old_form_may_narrow_consent_and_a_files_reach_but_never_widen_them(
    org: Org,
) -> None:
    """Given a volunteer who ticked "UN bodies" and "publish ID numbers" and marked an ID
    card publishable, when the relative takes both back and the volunteer unticks them,
    and marks the card sensitive, in an older tab, then the narrower choices are kept
    (said in the notice) and sealed; and an old tab that consents to more, or opens a
    file, changes nothing."""
    with staff_site(org) as site:
        client = signed_in(site)
        step(client, "next", TESTIFIER)
        old_consent = hidden_of(client.get("/intake").text)
        wide = {**CONSENT, "consent_level": "public_named", "consent_identifiers": "1"}
        step(client, "next", wide)
        narrow = {**CONSENT, "consent_level": "public_anonymised"}
        narrow.pop("consent_un")
        sent = client.post("/intake", data={**old_consent, **narrow, "action": "next"})
        assert sent.status_code == 303
        shown = client.get("/intake").text
        assert "consents to less or keeps a file more private, that was kept" in shown
        assert _consent_shown(shown) == ("public_anonymised", set())
        # And: a form that would widen it again, made old by a change after it
        wider = hidden_of(shown)
        step(client, "check", {**narrow, "consent_level": "internal"})
        assert client.post("/intake", data={**wider, **wide, "action": "next"}).status_code == 303
        assert _consent_shown(client.get("/intake").text) == ("internal", set())
        step(client, "next", {**narrow, "consent_level": "internal"})
        for data in (PERSON, EVENTS):
            step(client, "next", data)
        ident = start_upload(client, len(PHOTO), "id-card.jpg").json()["id"]
        assert put(client, ident, 0, PHOTO).json()["complete"] is True
        choice = f"visibility_{ident}"
        old_files = hidden_of(client.get("/intake").text)
        step(client, "check", {choice: "public"})
        client.post("/intake", data={**old_files, choice: "sensitive", "action": "next"})
        page = client.get("/intake").text
        assert '<option value="sensitive" selected>' in page
        opened = hidden_of(page)
        step(client, "check", {choice: "sensitive"})
        client.post("/intake", data={**opened, choice: "public", "action": "next"})
        assert '<option value="sensitive" selected>' in client.get("/intake").text
        before = set(record_entries(site))
        review = step(client, "next", {choice: "sensitive"})
        assert "id-card.jpg</bdi> (Sensitive: staff only)" in review.text
        assert step(client, "save").status_code == 303
        (entry_id,) = set(record_entries(site)) - before
        content = open_entry(site.desk.vault, entry_id, [org.desk_keys.identity]).content
        (recorded,) = [c for c in content["data"]["changes"] if c["op"] == "testimony.recorded"]
        assert recorded["consent"]["level"] == "internal"
        assert not recorded["consent"].get("un") and not recorded["consent"].get("identifiers")
        assert [m.get("visibility") for m in recorded["media"]] == ["sensitive"]


def test_a_form_of_a_discarded_testimony_adds_nothing_to_the_next(org: Org) -> None:
    """Given a testimony discarded in one tab, when a form of it is sent from another,
    then the new testimony stays empty and the page says why."""
    with staff_site(org) as site:
        client = signed_in(site)
        old = hidden_of(client.get("/intake").text)
        step(client, "restart_confirmed")
        sent = client.post("/intake", data={**old, **TESTIFIER, "action": "next"})
        assert sent.status_code == 303
        page = client.get("/intake").text
        assert "already saved or discarded" in page
        assert TESTIFIER["testifier_name"] not in page and 'value="testifier"' in page


def test_a_hometown_is_named_in_the_readers_language_not_by_its_code(org: Org) -> None:
    """Given a person recorded with the gazetteer's code of Ghulja (654002) as hometown,
    when a Kazakh-speaking volunteer types his name and the live check offers him, and
    a Russian-speaking researcher opens the person list, then each reads the town's name
    in their language (Құлжа, Кульджа), not its code."""
    with staff_site(org) as site:
        client = signed_in(site)
        fill_to_attachments(client, {**PERSON, "hometown_code": "654002", "hometown_words": ""})
        step(client, "next")
        assert step(client, "save").status_code == 303
        volunteer = signed_in(site)
        volunteer.cookies.set(i18n.COOKIE_NAME, "kk")
        step(volunteer, "next", TESTIFIER)
        step(volunteer, "next", CONSENT)
        token = csrf_of(volunteer, "/intake")
        live = volunteer.post("/intake/similar", data={"name_1": PERSON["name_1"], "csrf": token})
        assert PERSON["name_1"] in live.text
        assert "Құлжа" in live.text and "654002" not in live.text
        researcher = site.client()
        researcher.cookies.set(i18n.COOKIE_NAME, "ru")
        assert site.sign_in(researcher, "researcher") == 303
        listed = researcher.get("/persons", params={"county": "654002"})
        assert PERSON["name_1"] in listed.text
        assert "<bdi>Кульджа</bdi>" in listed.text and "<bdi>654002</bdi>" not in listed.text


def test_each_step_says_what_is_wrong_in_one_sentence(org: Org) -> None:
    with staff_site(org) as site:
        client = signed_in(site)
        page = step(client, "next", {**TESTIFIER, "testifier_iin": "123"})
        assert page.status_code == 200 and 'id="testifier_iin-error"' in page.text
        page = step(client, "next", {**TESTIFIER, "visit_date": "2999", "visit_language": "xx",
                                     "testifier_kz_status": "tourist"})  # fmt: skip
        assert "Choose the testifier&#39;s status from the list." in page.text
        assert "a date cannot be in the future" in page.text
        assert "Choose the language of the interview from the list." in page.text
        step(client, "next", TESTIFIER)
        page = step(client, "next", {"consent_level": "public_named"})
        assert "Choose how the consent was given." in page.text
        step(client, "next", CONSENT)
        bad_id = RESIDENT_ID[:-1] + ("0" if RESIDENT_ID[-1] != "0" else "1")
        page = step(client, "next", {**PERSON, "resident_id": bad_id, "name_1": LONG})
        assert "This is longer than 300 characters; shorten it." in page.text
        assert 'id="resident_id-error"' in page.text
        assert "Consent" in page.text and 'aria-invalid="true"' in page.text


def test_the_last_contact_needs_a_date_and_a_way_from_the_list(org: Org) -> None:
    """Given the "what happened" step, when the last contact has a way but no date, then
    the wizard asks for the date (a year is enough) and stays on the step; when it has
    an impossible date or a way not on the list, each is named; left empty, nothing is
    asked and nothing is sealed of it."""
    with staff_site(org) as site:
        client = signed_in(site)
        for data in (TESTIFIER, CONSENT, PERSON):
            step(client, "next", data)
        page = step(client, "next", {**EVENTS, "contact_date": ""})
        assert "Give when the family last heard from the person" in page.text
        assert 'id="contact_date-error"' in page.text and "Last contact" in page.text
        page = step(client, "next", {
            **EVENTS, "contact_date": "31.02.2018", "contact_channel": "pigeon",
        })  # fmt: skip
        assert 'id="contact_date-error"' in page.text
        assert "Choose how from the list." in page.text
        empty = {**EVENTS, "contact_date": "", "contact_channel": "", "contact_note": " "}
        page = step(client, "next", empty)
        assert "field-error" not in page.text
        review = step(client, "next")
        assert "Review and save" in review.text and "Last contact" not in review.text
        assert step(client, "save").status_code == 303
        found = site.desk.search(Query(name="Серік Жанболатұлы")).persons
        detail = site.desk.person(found[0].person_id)
        assert detail is not None and detail.contacts == []


def test_a_step_taken_needs_whom_it_went_to_and_a_real_date(org: Org) -> None:
    """Given the "what happened" step, when a step taken has a date but no one it went
    to, another an impossible date, and an event a responsible not in the list, then
    each is named with its sentence and the wizard stays on the step."""
    with staff_site(org) as site:
        client = signed_in(site)
        for data in (TESTIFIER, CONSENT, PERSON):
            step(client, "next", data)
        page = step(client, "next", {
            **EVENTS, "action_1_to": "", "action_2_date": "31.02.2019", "event_1_by": "aliens",
            "event_2_acknowledged": "maybe",
        })  # fmt: skip
        assert "Choose to whom the family turned." in page.text
        assert 'id="action_2_date-error"' in page.text
        assert "Choose who is believed responsible from the list." in page.text
        assert "Choose yes, no or not known." in page.text
        assert "What the family has done" in page.text  # still on the step
        # the second event and step unfold where they hold something or an error; the
        # third stay folded (a shorter page for a volunteer on an old laptop)
        assert page.text.count('<details class="more" open>') == 2
        assert page.text.count('<details class="more">') == 2
        page = step(client, "next", EVENTS)
        assert "field-error" not in page.text


def test_wrong_empty_and_oversized_files_are_refused_and_leave_nothing(org: Org) -> None:
    with staff_site(org) as site:
        site.app.state.intake.registry.limit = 100_000  # the configured limit, small
        client = signed_in(site)
        fill_to_attachments(client)
        entries = set(record_entries(site))

        empty = start_upload(client, 0, "empty.jpg")
        assert empty.status_code == 400 and "empty" in empty.json()["error"]
        big = start_upload(client, 100_001, "big.mp4")
        assert big.status_code == 400 and "limit" in big.json()["error"]

        text = b"this is a plain text file, not a video"
        wrong = start_upload(client, len(text), "notes.mp4")
        ident = wrong.json()["id"]
        refused = put(client, ident, 0, text)
        assert refused.status_code == 400
        assert "not a video, audio recording, photo or PDF" in refused.json()["error"]
        assert client.get(f"/api/uploads/{ident}").status_code == 404

        # A client that lies about the size: refused once the bytes pass the limit.
        liar = start_upload(client, 1000).json()["id"]
        over = put(client, liar, 0, PHOTO[:2000])
        assert over.status_code == 400 and "larger than the limit" in over.json()["error"]

        page = client.get("/intake")
        assert "No files yet." in page.text
        assert upload_parts(site) == []
        assert set(record_entries(site)) == entries
        assert not list(site.desk.vault.object_path("blobs", "0" * 64).parent.parent.rglob("*"))


def test_a_save_refused_by_a_busy_vault_keeps_the_files_for_the_next_save(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a testimony with a photo sent, when the volunteer saves while another
    process holds the vault (an import), then the page says to try again and the photo
    is still on the server; when they save again, the testimony is sealed with it."""
    with staff_site(org) as site:
        client = signed_in(site)
        fill_to_attachments(client)
        before = set(record_entries(site))
        ident = start_upload(client, len(PHOTO)).json()["id"]
        assert put(client, ident, 0, PHOTO).json()["complete"] is True
        step(client, "next")
        # the real lock, held by another holder; the seal waits a moment, not 30 s
        short = functools.partial(durable.exclusive_lock, wait_seconds=0.2)
        monkeypatch.setattr(durable, "exclusive_lock", short)
        lock = os.open(site.desk.vault.root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            busy = step(client, "save")
        finally:
            os.close(lock)
        assert busy.status_code == 503 and "try again" in busy.text
        assert client.get(f"/api/uploads/{ident}").json()["received"] == len(PHOTO)
        saved = step(client, "save")
        assert saved.status_code == 303, saved.text[-2000:]
        (entry_id,) = set(record_entries(site)) - before
        entry = open_entry(site.desk.vault, entry_id, [org.desk_keys.identity])
        assert [f["sha256"] for f in entry.content["files"]] == [hashlib.sha256(PHOTO).hexdigest()]


def test_a_file_too_short_to_show_its_kind_is_refused_when_sent(org: Org) -> None:
    """Given a photo sent and beside it an 11-byte file that is no media, then the short
    file is refused as it arrives, with its sentence, and the testimony saves with the
    photo."""
    with staff_site(org) as site:
        client = signed_in(site)
        fill_to_attachments(client)
        photo = start_upload(client, len(PHOTO)).json()["id"]
        assert put(client, photo, 0, PHOTO).status_code == 200
        short = start_upload(client, 11, "notes.jpg").json()["id"]
        refused = put(client, short, 0, b"hello world")
        assert refused.status_code == 400
        assert "not a video, audio recording, photo or PDF" in refused.json()["error"]
        step(client, "next")
        assert step(client, "save").status_code == 303


def test_a_hostile_upload_offset_gets_a_sentence(org: Org) -> None:
    """Given a hand-made request whose Upload-Offset is thousands of digits, or a digit
    of another script, then it gets the sentence of a wrong offset, not a server error."""
    with staff_site(org) as site:
        client = signed_in(site)
        ident = start_upload(client, len(PHOTO)).json()["id"]
        for offset in (b"9" * 5000, b"\xb2", b"1\xb9"):  # ² and ¹ in Latin-1
            sent = client.put(
                f"/api/uploads/{ident}",
                content=PHOTO[:10],
                headers={**api_headers(client), "Upload-Offset": offset},
            )
            assert sent.status_code == 400, offset
            assert "whole number of bytes" in sent.json()["error"]


def test_a_piece_over_the_limit_is_refused(org: Org) -> None:
    with staff_site(org) as site:
        client = signed_in(site)
        ident = start_upload(client, 20 * 2**20).json()["id"]
        too_big = put(client, ident, 0, b"\xff\xd8\xff" + bytes(8 * 2**20))
        assert too_big.status_code == 413 and "at most" in too_big.json()["error"]
        assert client.get(f"/api/uploads/{ident}").json()["received"] == 0


def test_hostile_text_is_stored_exactly_and_shown_escaped(org: Org) -> None:
    with staff_site(org) as site:
        client = signed_in(site, "researcher")
        # a name with a character that reverses how its letters are shown is refused
        # (shown one way, recorded another); the rest of the hostile text is kept
        person = {**PERSON, "name_1": HOSTILE, "name_2": "Test \u202e" + "x" * 290}
        events = {**EVENTS, "event_1_note": LONG + HOSTILE, "event_1_place": HOSTILE}
        step(client, "next", {**TESTIFIER, "testifier_name": HOSTILE})
        step(client, "next", {**CONSENT, "risk_notes": LONG})
        refused = step(client, "next", person)
        assert "changes the order in which its letters are shown" in refused.text
        assert "Names, in any script" in refused.text  # still the person step
        hostile_name = HOSTILE.replace("\u202e", "")
        step(client, "next", {**person, "name_1": hostile_name, "name_2": "Test " + "x" * 290})
        step(client, "next", events)
        review = step(client, "next")
        assert "<script>alert" not in review.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in review.text
        assert step(client, "save").status_code == 303
        found = site.desk.search(Query(name="alert(1)")).persons
        assert len(found) == 1
        detail = site.desk.person(found[0].person_id)
        assert hostile_name in {n["text"] for n in detail.names}
        assert detail.timeline[0]["note"] == LONG + HOSTILE
        assert detail.timeline[0]["place_text"] == HOSTILE
        page = client.get(f"/persons/{found[0].person_id}")
        assert page.status_code == 200 and "<script>alert" not in page.text


def test_another_account_cannot_touch_an_upload(org: Org) -> None:
    with staff_site(org) as site:
        owner = signed_in(site)
        ident = start_upload(owner, len(PHOTO)).json()["id"]
        assert put(owner, ident, 0, PHOTO[:PIECE]).status_code == 200
        other = signed_in(site, "admin")
        assert other.get(f"/api/uploads/{ident}").status_code == 404
        assert put(other, ident, PIECE, PHOTO[PIECE : 2 * PIECE]).status_code == 404
        gone = other.delete(f"/api/uploads/{ident}", headers=api_headers(other))
        assert gone.status_code == 404
        assert owner.get(f"/api/uploads/{ident}").json()["received"] == PIECE
        # Without the CSRF header even the owner is refused.
        bare = owner.put(f"/api/uploads/{ident}", content=b"x", headers={"Upload-Offset": "0"})
        assert bare.status_code == 403
        reviewer = signed_in(site, "reviewer")
        assert "reviewer" not in INTAKE_ROLES
        assert reviewer.get("/intake").status_code == 403
        assert owner.delete(f"/api/uploads/{ident}", headers=api_headers(owner)).status_code == 200
        assert upload_parts(site) == []


def test_the_review_names_each_names_script(org: Org) -> None:
    """Given a person's names in Cyrillic and Chinese characters, then the review step
    says which script each is in (the volunteer checks what the relative wrote)."""
    with staff_site(org) as site:
        client = signed_in(site)
        fill_to_attachments(client)
        review = step(client, "next")
        assert "Review and save" in review.text
        assert "(Cyrillic)" in review.text and "(Chinese characters)" in review.text
        assert "()" not in review.text


def test_a_person_already_recorded_is_offered_and_the_testimony_joins_them(org: Org) -> None:
    """Given a person recorded by a first intake, when a second volunteer types the
    same man in Latin letters with one ID digit mistyped, then the wizard offers the
    recorded person ("may already be recorded", live and on Check, with when he was
    taken, which his relatives know), and choosing him
    adds the new testimony to his record instead of making a second person."""
    with staff_site(org) as site:
        client = signed_in(site)
        fill_to_attachments(client)
        assert step(client, "next").status_code == 200
        assert step(client, "save").status_code == 303
        found = site.desk.search(Query(name="Серік Жанболатұлы")).persons
        first = found[0]  # ranked first: the whole name, in its own spelling
        assert first.name == "Серік Жанболатұлы"

        wrong_digit = RESIDENT_ID[:15] + str((int(RESIDENT_ID[15]) + 1) % 10) + RESIDENT_ID[16:]
        latin = {**PERSON, "name_1": "Serik Zhanbolatuly", "name_3": "",
                 "resident_id": "", "birth": "1975"}  # fmt: skip
        step(client, "next", TESTIFIER)
        step(client, "next", CONSENT)
        live = client.post(
            "/intake/similar",
            data={
                "name_1": "Serik Zhanbolatuly",
                "resident_id": wrong_digit,
                "csrf": csrf_of(client, "/intake"),
            },
        )
        assert live.status_code == 200
        assert "May already be recorded" in live.text and first.person_id in live.text
        assert "an ID number one character apart" in live.text
        # a bar at the foot of the window says so while the volunteer types at the top
        assert re.search(r'similar-alert"><a href="#similar-list">1 person may already', live.text)
        # a person who shares one word of the two typed, and nothing else, is not offered
        assert "Серік Жылқыбаев" not in live.text
        assert 'id="similar-list"' in live.text
        # a hometown typed in words, in another language, counts as the same hometown
        by_words = client.post(
            "/intake/similar",
            data={
                "name_1": "Serik Zhanbolatuly",
                "hometown_words": "Кульджа",
                "csrf": csrf_of(client, "/intake"),
            },
        )
        assert "a similar name, the same hometown" in by_words.text
        assert "taken 2018-04" in live.text  # when the first intake said he was taken
        checked = step(client, "check", latin)
        assert "May already be recorded" in checked.text and first.person_id in checked.text
        assert "Серік Жанболатұлы" in checked.text  # the recorded form, to recognise him
        # chosen and checked again (the choice is kept in the draft); then "None of
        # these" chosen and a field typed: the list refreshed keeps "None of these"
        step(client, "check", {**latin, "same_person": first.person_id})
        typed = {"name_1": "Serik Zhanbolatuly", "csrf": csrf_of(client, "/intake")}
        undone = client.post("/intake/similar", data={**typed, "same_person": ""})
        assert re.search(r'id="same_person_new"[^>]*checked', undone.text)
        assert not re.search(rf'value="{first.person_id}"[^>]*checked', undone.text)
        first_list = client.post("/intake/similar", data=typed)  # no list on the page yet
        assert re.search(rf'value="{first.person_id}"[^>]*checked', first_list.text)
        step(client, "next", {**latin, "same_person": first.person_id})
        step(client, "next", EVENTS)
        review = step(client, "next")
        assert "Added to the record of" in review.text
        assert step(client, "save").status_code == 303

        again = site.desk.search(Query(name="Serik Zhanbolatuly")).persons
        assert again[0].person_id == first.person_id
        assert len(again) == len(found)  # no second record of him
        detail = site.desk.person(first.person_id)
        assert len(detail.testimonies) == 2
        assert {n["text"] for n in detail.names} >= {"Серік Жанболатұлы", "Serik Zhanbolatuly"}


def test_the_testimony_joins_the_record_chosen_even_if_merged_meanwhile(org: Org) -> None:
    """Given a volunteer who chose a recorded person in the list, when a reviewer
    merges that record into another (shown under the other's id) before the volunteer
    saves, then the testimony is added to the record the relative recognised: a later
    split leaves it with that record, not with the other."""
    from amanat.desk.service import Batch
    from web_staff import _person_changes

    with staff_site(org) as site:
        client = signed_in(site)
        fill_to_attachments(client)
        step(client, "next")
        assert step(client, "save").status_code == 303
        chosen = site.desk.search(Query(name="Серік Жанболатұлы")).persons[0].person_id
        other = "p_" + "0" * 32  # the smaller id: the merged person is shown under it
        site.desk.seal_records([Batch([], _person_changes("Serik Zhanbolatuly", other))])
        latin = {**PERSON, "name_1": "Serik Zhanbolatuly", "name_3": "", "resident_id": ""}
        step(client, "next", TESTIFIER)
        step(client, "next", CONSENT)
        step(client, "next", {**latin, "same_person": chosen})
        step(client, "next", EVENTS)
        assert "Added to the record of" in step(client, "next").text
        site.desk.decide(other, chosen, "same", "one man", by="reviewer")
        assert site.desk.person(chosen).person["person_id"] == other
        assert step(client, "save").status_code == 303
        site.desk.decide(other, chosen, "different", "two men after all", by="reviewer")
        assert len(site.desk.person(chosen).testimonies) == 2
        assert len(site.desk.person(other).testimonies) == 1  # its own only


def test_a_forged_same_person_choice_is_refused(org: Org) -> None:
    """Given the person step, when the form names something that is not a person id,
    then it says so in one sentence and the draft does not move on."""
    with staff_site(org) as site:
        client = signed_in(site)
        step(client, "next", TESTIFIER)
        step(client, "next", CONSENT)
        page = step(client, "next", {**PERSON, "same_person": "../../etc/passwd"})
        assert "Choose one of the persons listed, or a new person." in page.text
        assert "Names, in any script" in page.text


def test_an_error_quoting_a_percent_sign_is_shown_not_formatted(org: Org) -> None:
    """Given the person step, when the birth date typed holds format characters, then
    the page answers 200 with the error sentence (translated sentences are never
    formatted with what was typed)."""
    with staff_site(org) as site:
        client = signed_in(site)
        step(client, "next", TESTIFIER)
        step(client, "next", CONSENT)
        page = step(client, "next", {**PERSON, "birth": "50%(x)s %d %"})
        assert page.status_code == 200 and "field-error" in page.text


def test_discarding_a_testimony_is_asked_first(org: Org) -> None:
    """Given a volunteer at the attachments step with a file sent, when they press
    "Discard and start again", then they are asked first and nothing is lost: "No,
    keep it" returns to the same step with the typed answers and the file; only "Yes,
    discard it" removes the draft and the file."""
    with staff_site(org) as site:
        client = signed_in(site)
        fill_to_attachments(client)
        ident = start_upload(client, len(PHOTO)).json()["id"]
        assert put(client, ident, 0, PHOTO).status_code == 200
        asked = step(client, "restart")
        assert asked.status_code == 200 and "Discard this testimony?" in asked.text
        assert 'value="restart_confirmed"' in asked.text
        assert client.get(f"/api/uploads/{ident}").json()["received"] == len(PHOTO)
        kept = step(client, "stay")
        assert "Discard this testimony?" not in kept.text and "photo.jpg" in kept.text
        back = step(client, "back")
        assert "Ghulja" in back.text  # the answers typed before are still there
        fresh = step(client, "restart_confirmed")
        assert fresh.status_code == 200
        assert "Ghulja" not in fresh.text and "Айгүл" not in fresh.text
        assert client.get(f"/api/uploads/{ident}").status_code == 404
        assert not upload_parts(site)


def test_a_file_marked_public_by_mistake_is_made_sensitive_with_a_reason(org: Org) -> None:
    """Given a testimony whose ID-card photo the volunteer marked publishable, when a
    researcher changes who may see it, then a change without a reason is refused and
    seals nothing, the change with one is sealed (schema 1.2) and the person page shows
    the file as sensitive; an intake volunteer may not change it."""
    with staff_site(org) as site:
        client = signed_in(site)
        fill_to_attachments(client)
        ident = start_upload(client, len(PHOTO), name="id-card.jpg").json()["id"]
        assert put(client, ident, 0, PHOTO).json()["complete"] is True
        step(client, "next", {f"visibility_{ident}": "public"})
        assert step(client, "save").status_code == 303
        person = site.desk.search(Query(name=PERSON["name_1"])).persons[0].person_id
        testimony = site.desk.person(person).testimonies[0]
        assert testimony["media_visibility"] == ["public"]

        researcher = site.client()
        assert site.sign_in(researcher, "researcher") == 303
        page = researcher.get(f"/persons/{person}").text
        form_url = f"/persons/{person}/visibility?testimony={testimony['testimony_id']}&media=0"
        assert escape(form_url) in page and "Change who may see it" in page
        form = researcher.get(form_url)
        assert form.status_code == 200 and "May be published, if the consent allows" in form.text
        before = len(record_entries(site))
        data = {"testimony": testimony["testimony_id"], "media": "0", "visibility": "sensitive"}
        refused = post_form(researcher, f"/persons/{person}/visibility", data, page=form_url)
        assert refused.status_code == 400 and "Say why who may see this file changes." in (
            refused.text.replace("&#39;", "'")
        )
        assert len(record_entries(site)) == before
        done = post_form(
            researcher,
            f"/persons/{person}/visibility",
            {**data, "reason": "it is the ID card"},
            page=form_url,
        )
        assert done.status_code == 303
        assert len(record_entries(site)) == before + 1
        assert site.desk.person(person).testimonies[0]["media_visibility"] == ["sensitive"]
        assert "Sensitive: staff only" in researcher.get(f"/persons/{person}").text
        assert client.get(form_url).status_code == 403  # the volunteer cannot
        for wrong in ("1", "²", "-1", "x"):  # no such file: a page that says so, not a crash
            bad = form_url.replace("media=0", f"media={wrong}")
            assert researcher.get(bad).status_code == 404


def test_a_file_not_yet_arrived_is_said_in_the_volunteers_language(org: Org) -> None:
    """Given a Russian-speaking volunteer whose photo has only half arrived, when they
    go on from the attachments step, then the wizard stays there and says, in Russian
    and with the file's name, that it has not finished arriving."""
    with staff_site(org) as site:
        client = signed_in(site)
        client.cookies.set(i18n.COOKIE_NAME, "ru")
        fill_to_attachments(client)
        started = start_upload(client, len(PHOTO), "фото.jpg")
        assert put(client, started.json()["id"], 0, PHOTO[:PIECE]).status_code == 200
        page = step(client, "next")
        english = "%(name)s has not finished arriving; wait, or remove it."
        russian = i18n.translator("ru").gettext(english)
        assert russian != english
        assert russian % {"name": "фото.jpg"} in page.text
        assert "has not finished arriving" not in page.text
