"""Edit forms on the person page: values added (``person.amended``) and corrected
(``person.corrected``), sealed by the desk and shown at once.

Given / When / Then, against a real desk. Every change is read back from the views the
desk projected, and "nothing half-saved" is checked by counting the record entries.
"""

from __future__ import annotations

from html import escape
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amanat.vault.opening import open_entry
from conftest import Org
from web_staff import Site, csrf_of, staff_site

HOSTILE = "<script>alert(1)</script>\u202egpj.exe"
LONG_NOTE = ("<b>x</b> ئۇيغۇر " * 1000)[:9_999] + "."  # 10,000 characters


def _records(site: Site) -> int:
    with site.desk.engine.connect() as conn:
        return int(
            conn.exec_driver_sql("SELECT count(*) FROM entries WHERE type = 'record'").scalar_one()
        )


def _editor(site: Site, role: str = "researcher") -> Any:
    client = site.client()
    assert site.sign_in(client, role) == 303
    return client


def _testimony(site: Site, person: str) -> str:
    return str(site.desk.person(person).testimonies[0]["testimony_id"])


def _post(client: Any, person: str, mode: str, data: dict[str, str]) -> Any:
    page = f"/persons/{person}/amend?field=name" if mode == "amend" else f"/persons/{person}"
    token = csrf_of(client, page)
    return client.post(f"/persons/{person}/{mode}", data={**data, "csrf": token})


def test_a_researcher_adds_a_value_and_sees_it(org: Org) -> None:
    """Given a person, when a researcher adds a birth date and a status event citing
    the person's testimony with a locator, then each is sealed as a person.amended
    entry, the page shows it with its source, and the history lists the changes."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        testimony = _testimony(site, person)
        client = _editor(site)
        form = client.get(f"/persons/{person}/amend?field=status")
        assert form.status_code == 200 and 'name="status"' in form.text
        before = _records(site)
        done = _post(client, person, "amend", {
            "field": "birth", "value": "03.1975", "source": testimony, "locator": "00:12:30",
        })  # fmt: skip
        assert done.status_code == 303
        assert done.headers["location"].startswith(f"/persons/{person}?edited=1")
        done = _post(client, person, "amend", {
            "field": "status", "status": "sentenced", "value": "2019", "place": "Ғұлжа",
            "note": "14 years", "source": testimony,
        })  # fmt: skip
        assert done.status_code == 303
        assert _records(site) == before + 2
        detail = site.desk.person(person)
        birth = [c for c in detail.claims if c["field"] == "birth"]
        assert [(c["value"], c["locator"], c["source_id"]) for c in birth] == [
            ("1975-03", "00:12:30", testimony)
        ]
        assert detail.person["status"] == "sentenced"
        page = client.get(f"/persons/{person}?edited=1").text
        assert "1975-03" in page and "Ғұлжа" in page and "Sealed." in page
        assert [h["op"] for h in detail.history].count("person.amended") == 2


def test_a_researcher_adds_what_the_family_did_and_who_is_responsible(org: Org) -> None:
    """Given a person, when a researcher adds a petition the family sent (with the
    reply that came later) and a status event with who is believed responsible, then
    both are sealed under the schema 1.2 and the page shows them in words."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        testimony = _testimony(site, person)
        client = _editor(site)
        form = client.get(f"/persons/{person}/amend?field=action")
        assert form.status_code == 200 and 'name="to"' in form.text
        assert "The answer, if one came" in form.text
        before = _records(site)
        done = _post(client, person, "amend", {
            "field": "action", "to": "cn_consulate", "value": "2019-02", "source": testimony,
            "reply": "They said he is studying.", "note": "letter handed in at Almaty",
        })  # fmt: skip
        assert done.status_code == 303
        done = _post(client, person, "amend", {
            "field": "status", "status": "detained", "value": "2018", "by": "local_officials",
            "acknowledged": "yes", "source": testimony,
        })  # fmt: skip
        assert done.status_code == 303
        assert _records(site) == before + 2
        detail = site.desk.person(person)
        assert [(a["target"], a["date"], a["reply"], a["note"]) for a in detail.actions][-1] == (
            "cn_consulate",
            "2019-02",
            "They said he is studying.",
            "letter handed in at Almaty",
        )
        added = [e for e in detail.timeline if e["responsible"] == "local_officials"]
        assert [e["acknowledged"] for e in added] == [True]
        page = client.get(f"/persons/{person}").text
        assert "China&#39;s embassy or a consulate" in page
        assert "Village or neighbourhood officials" in page
        assert "Acknowledged by the authorities" in page
        # the value list names the parts in words, not codes
        assert "To whom: China&#39;s embassy or a consulate" in page
        assert "cn_consulate" not in page and "local_officials" not in page
        # the UN's list of what is missing no longer names what was just added
        un = page[page.index('id="h-un"') :].split("</section>")[0]
        assert "what the family has done" not in un and "who is believed responsible" not in un


def test_a_researcher_adds_the_last_contact_and_a_bad_one_is_refused(org: Org) -> None:
    """Given a person, when a researcher adds the last contact a relative had with him
    (a video call in March 2018, cut off), then it is sealed under records format 1.3
    and the page lists it in words with its source; without a date, with a way not on
    the list or with a note over 2,000 characters, nothing is sealed and the form says
    which input is wrong."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        testimony = _testimony(site, person)
        client = _editor(site)
        form = client.get(f"/persons/{person}/amend?field=contact")
        assert form.status_code == 200 and 'name="channel"' in form.text
        assert "When the family last heard from the person" in form.text
        before = _records(site)
        for bad, where in (
            ({"value": "", "channel": "phone"}, "value"),
            ({"value": "2018", "channel": "pigeon"}, "channel"),
            ({"value": "2018", "note": "x" * 2001}, "note"),
            ({"value": "31.02.2018"}, "value"),
        ):
            page = _post(client, person, "amend", {
                "field": "contact", "source": testimony, **bad,
            })  # fmt: skip
            assert page.status_code == 400 and f'id="{where}-error"' in page.text, bad
        assert _records(site) == before
        done = _post(client, person, "amend", {
            "field": "contact", "value": "03.2018", "channel": "video_call",
            "note": "cut off after a minute", "source": testimony,
        })  # fmt: skip
        assert done.status_code == 303 and _records(site) == before + 1
        detail = site.desk.person(person)
        assert detail is not None
        assert ("2018-03", "video_call", "cut off after a minute", testimony) in [
            (c["date"], c["channel"], c["note"], c["source_id"]) for c in detail.contacts
        ]
        page = client.get(f"/persons/{person}").text
        assert "Last contact with the family" in page and "A video call" in page
        assert "cut off after a minute" in page and "video_call" not in page


def test_a_step_taken_without_whom_it_went_to_is_refused(org: Org) -> None:
    with staff_site(org) as site:
        person = site.person_ids[0]
        client = _editor(site)
        before = _records(site)
        page = _post(client, person, "amend", {
            "field": "action", "to": "", "value": "2019", "source": _testimony(site, person),
        })  # fmt: skip
        assert page.status_code == 400 and 'id="to-error"' in page.text
        assert _records(site) == before


def test_a_correction_retracts_with_its_reason_and_may_give_the_right_value(org: Org) -> None:
    """Given a person's status claim, when a researcher corrects it with a reason and
    the right value, then the old claim is shown retracted, the new one stands, and the
    reason is in the history; correcting a retracted claim again is not possible."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        testimony = _testimony(site, person)
        client = _editor(site, "reviewer")
        claim = next(c for c in site.desk.person(person).claims if c["field"] == "status")
        form = client.get(f"/persons/{person}/correct", params={"claim": claim["claim_id"]})
        assert form.status_code == 200 and "Why is it wrong?" in form.text
        done = _post(client, person, "correct", {
            "claim": claim["claim_id"], "reason": "The sister said 2017, not 2018.",
            "status": "in_camp", "value": "2017-04", "source": testimony,
        })  # fmt: skip
        assert done.status_code == 303
        detail = site.desk.person(person)
        old = next(c for c in detail.claims if c["claim_id"] == claim["claim_id"])
        assert old["retracted_by"]
        new = [c for c in detail.claims if c["field"] == "status" and not c["retracted_by"]]
        assert [c["value"]["date"] for c in new] == ["2017-04"]
        assert "The sister said 2017, not 2018." in [h["reason"] for h in detail.history]
        assert "Retracted" in client.get(f"/persons/{person}").text
        again = client.get(f"/persons/{person}/correct", params={"claim": claim["claim_id"]})
        assert again.status_code == 404


def test_a_retraction_alone_and_a_missing_reason(org: Org) -> None:
    """Given a claim, when a correction comes without a reason, then the form returns
    with 'Say why' and nothing is sealed; with a reason and no value, then the claim
    is retracted and nothing new is claimed."""
    with staff_site(org) as site:
        person = site.person_ids[1]
        client = _editor(site)
        claim = next(c for c in site.desk.person(person).claims if c["field"] == "status")
        before = _records(site)
        refused = _post(client, person, "correct", {"claim": claim["claim_id"], "reason": " "})
        assert refused.status_code == 400 and "Say why the value is wrong." in refused.text
        assert _records(site) == before
        done = _post(client, person, "correct", {"claim": claim["claim_id"], "reason": "Duplicate"})
        assert done.status_code == 303 and _records(site) == before + 1
        statuses = [c for c in site.desk.person(person).claims if c["field"] == "status"]
        assert [bool(c["retracted_by"]) for c in statuses] == [True]


def test_hostile_text_is_stored_exactly_and_shown_harmless(org: Org) -> None:
    """Given a script tag with a right-to-left override as an occupation and a name, and
    a 10,000-character note, when they are added, then they are stored exactly and the
    page shows them escaped, each isolated in <bdi>."""
    with staff_site(org) as site:
        person = site.person_ids[2]
        testimony = _testimony(site, person)
        client = _editor(site)
        for data in (
            {"field": "occupation", "value": HOSTILE},
            {"field": "name", "value": HOSTILE, "name_form": "alias"},
            {"field": "status", "status": "detained", "value": "2018", "note": LONG_NOTE},
        ):
            assert _post(client, person, "amend", {**data, "source": testimony}).status_code == 303
        detail = site.desk.person(person)
        values = {c["field"]: c["value"] for c in detail.claims if c["time"]}
        assert values["occupation"] == HOSTILE
        assert HOSTILE in {n["text"] for n in detail.names}
        assert LONG_NOTE in [e["note"] for e in detail.timeline]
        page = client.get(f"/persons/{person}").text
        assert "<script>alert" not in page and "<b>x</b>" not in page
        assert f"<bdi>{escape(HOSTILE)}</bdi>" in page
        assert escape(LONG_NOTE) in page


def test_too_long_empty_and_wrong_inputs_seal_nothing(org: Org) -> None:
    """Given inputs over the limits (a 10,000-character name, reason or locator), a NUL
    character, an empty value, a wrong date, an unknown field, a bad ID number, and a
    source that is not about this person, when each is sent, then the form comes back
    (400) saying what to fix, with what was typed, and nothing is sealed."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        testimony = _testimony(site, person)
        other = _testimony(site, site.person_ids[1])
        client = _editor(site)
        long = "ж" * 10_000
        cases = [
            ({"field": "name", "value": long}, "longer than 2000"),
            ({"field": "name", "value": "ж" * 301}, "longer than 300"),
            ({"field": "occupation", "value": "x", "reason": long}, "longer than 2000"),
            ({"field": "occupation", "value": "x", "locator": long}, "longer than 200"),
            ({"field": "occupation", "value": "a\x00b"}, "NUL character"),
            ({"field": "occupation", "value": "   "}, "Fill this in."),
            ({"field": "birth", "value": "31.02.1975"}, "date"),
            ({"field": "citizenship", "value": "Kazakhstan"}, "two-letter country code"),
            ({"field": "document", "kind": "cn_resident_id", "value": "123"}, "resident"),
            ({"field": "sex", "value": "other"}, "Choose one from the list."),
            ({"field": "salary", "value": "1"}, "Choose one from the list."),
            ({"field": "occupation", "value": "teacher", "source": other}, "Choose the testimony"),
            ({"field": "occupation", "value": "teacher", "source": ""}, "Choose the testimony"),
        ]
        before = _records(site)
        for data, message in cases:
            sent = {"source": testimony, **data}
            got = _post(client, person, "amend", sent)
            assert got.status_code == 400, data
            assert message.lower() in got.text.lower(), (data, message)
            typed = data.get("value", "")
            if len(typed) < 500 and "\x00" not in typed and data["field"] != "sex":
                assert escape(typed) in got.text  # what was typed comes back
        assert _records(site) == before


def test_edits_are_audited_and_need_the_form_token(org: Org) -> None:
    """Given a researcher, when an edit is posted without the form's token, then 403 and
    nothing is sealed; with it, then the audit trail holds 'record.edit' naming the
    person's id only."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        testimony = _testimony(site, person)
        client = _editor(site)
        before = _records(site)
        data = {"field": "occupation", "value": "учитель", "source": testimony}
        assert client.post(f"/persons/{person}/amend", data=data).status_code == 403
        assert _records(site) == before
        trail = site.app.state.staff.audit
        trail.flush()
        assert _post(client, person, "amend", data).status_code == 303
        trail.flush()
        with site.desk.engine.connect() as conn:
            audit = conn.exec_driver_sql("SELECT entry_id FROM entries WHERE type = 'audit'")
            entries = [row[0] for row in audit]
        events = [
            event
            for entry in entries
            for event in open_entry(site.desk.vault, entry, [org.desk_keys.identity]).content[
                "data"
            ]["events"]
        ]
        edits = [e for e in events if e["action"] == "record.edit"]
        assert [(e["target"], e["account"]) for e in edits] == [(person, "researcher")]
        assert "учитель" not in str(events)


def test_intake_volunteers_cannot_edit(org: Org) -> None:
    """Given an intake volunteer, when the edit forms are asked for, then 403."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        client = _editor(site, "intake")
        assert client.get(f"/persons/{person}/amend").status_code == 403
        token = csrf_of(client, "/")
        got = client.post(f"/persons/{person}/amend", data={"csrf": token, "field": "sex"})
        assert got.status_code == 403


def test_any_occupation_text_is_stored_exactly_or_refused_whole(org: Org) -> None:
    """Given any text typed as an occupation, when it is added, then it is stored as
    typed (less outer spaces) or refused with 400 and nothing sealed."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        testimony = _testimony(site, person)
        client = _editor(site)
        token = csrf_of(client, f"/persons/{person}/amend?field=occupation")

        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=2100))
        def add(text: str) -> None:
            before = _records(site)
            got = client.post(
                f"/persons/{person}/amend",
                data={"csrf": token, "field": "occupation", "value": text, "source": testimony},
            )
            if got.status_code == 303:
                values = [c["value"] for c in site.desk.person(person).claims]
                assert text.strip() in values
                assert _records(site) == before + 1
            else:
                assert got.status_code == 400
                assert _records(site) == before

        add()
