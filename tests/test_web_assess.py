"""A reviewer's assessment of a record and the submissions of its case, in the staff
app (``web/staff/assess.py``, records format 1.4).

Given / When / Then, against a real desk: every change is read back from the views the
desk projected, and "nothing sealed" is checked by counting the record entries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from amanat.records.changes import REVIEW_SCHEMA
from amanat.vault.opening import open_entry
from conftest import Org
from web_staff import Site, csrf_of, staff_site


def _records(site: Site) -> int:
    with site.desk.engine.connect() as conn:
        return int(
            conn.exec_driver_sql("SELECT count(*) FROM entries WHERE type = 'record'").scalar_one()
        )


def _signed_in(site: Site, role: str) -> Any:
    client = site.client()
    assert site.sign_in(client, role) == 303
    return client


def _post(client: Any, person: str, page: str, data: dict[str, str]) -> Any:
    token = csrf_of(client, f"/persons/{person}/{page}")
    return client.post(f"/persons/{person}/{page}", data={**data, "csrf": token})


def test_a_reviewer_assesses_a_record_and_assesses_it_again(org: Org) -> None:
    """Given a person no one has assessed, when a reviewer grades the source likely
    reliable and the violation likely, and later confirms the violation alone, then
    each is sealed under records format 1.4 with the reviewer's name and reason, the
    page shows the aspects in force in words, and the first assessment stays listed."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        client = _signed_in(site, "reviewer")
        page = client.get(f"/persons/{person}").text
        assert "Not assessed yet." in page and f"/persons/{person}/assess" in page
        form = client.get(f"/persons/{person}/assess")
        assert form.status_code == 200 and 'name="violation"' in form.text
        before = _records(site)
        done = _post(client, person, "assess", {
            "source_reliability": "likely_reliable", "violation": "likely",
            "reason": "Two relatives agree; the ID card was shown.",
        })  # fmt: skip
        assert done.status_code == 303 and done.headers["location"].endswith("#h-assessment")
        form = client.get(f"/persons/{person}/assess").text
        assert "As it is: Likely reliable" in form
        done = _post(client, person, "assess", {
            "violation": "confirmed", "reason": "The verdict came: ten years.",
        })  # fmt: skip
        assert done.status_code == 303 and _records(site) == before + 2
        detail = site.desk.person(person)
        in_force = {k: a[k] for k, a in detail.assessment().items()}
        assert in_force == {"source_reliability": "likely_reliable", "violation": "confirmed"}
        assert [(a["violation"], a["by"]) for a in detail.assessments] == [
            ("confirmed", "reviewer"),
            ("likely", "reviewer"),
        ]
        page = client.get(f"/persons/{person}").text
        section = page[page.index('id="h-assessment"') :].split("</section>")[0]
        assert "Likely reliable" in section and "Confirmed" in section
        assert "Two relatives agree; the ID card was shown." in section
        assert "likely_reliable" not in section
        entry_id = detail.assessments[0]["entry_id"]
        opened = open_entry(site.desk.vault, entry_id, [org.desk_keys.identity])
        assert opened.content["data"]["schema"] == REVIEW_SCHEMA


@pytest.mark.parametrize(
    ("form", "where"),
    [
        ({"violation": "likely", "reason": ""}, "reason"),
        ({"violation": "certain", "reason": "x"}, "violation"),
        ({"un_route": "fast", "reason": "x"}, "un_route"),
        ({"reason": "nothing chosen"}, "form"),
        ({"violation": "likely", "reason": "x" * 2001}, "reason"),
    ],
)
def test_a_bad_assessment_seals_nothing_and_keeps_what_was_typed(
    org: Org, form: dict[str, str], where: str
) -> None:
    """Given a reviewer's assessment without a reason, with a word not on a list, with
    nothing changed or a reason too long, when sent, then nothing is sealed and the
    form names the input and keeps what was typed."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        client = _signed_in(site, "reviewer")
        before = _records(site)
        page = _post(client, person, "assess", form)
        assert page.status_code == 400 and _records(site) == before
        if where == "form":
            assert "Choose a new value for at least one of these" in page.text
        else:
            assert f'id="{where}-error"' in page.text
        if form["reason"] and len(form["reason"]) < 100:
            assert form["reason"] in page.text


def test_only_reviewers_may_assess_or_record_a_submission(org: Org) -> None:
    """Given a researcher, when they open or post the assessment or the submission
    form, then they are refused and nothing is sealed; the person page offers neither."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        client = _signed_in(site, "researcher")
        page = client.get(f"/persons/{person}").text
        assert f"/persons/{person}/assess" not in page
        assert f"/persons/{person}/submission" not in page
        before = _records(site)
        for path in ("assess", "submission"):
            assert client.get(f"/persons/{person}/{path}").status_code == 403
            token = csrf_of(client, f"/persons/{person}/amend?field=name")
            assert token
            refused = client.post(
                f"/persons/{person}/{path}",
                data={"violation": "likely", "to": "un_wgeid", "date": "2019", "csrf": token},
            )
            assert refused.status_code == 403
        assert _records(site) == before


def test_a_publisher_records_a_submission_corrects_it_and_takes_one_back(org: Org) -> None:
    """Given a person, when a publisher records two submissions of the case, corrects
    the first one's date with a reason and takes the second back (never sent), then the
    page lists the corrected one alone, the history keeps both reasons, and bad input
    (no date, an impossible date, no body, a correction without a reason) seals nothing."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        client = _signed_in(site, "publisher")
        before = _records(site)
        for bad, where in (
            ({"to": "un_wgeid", "date": ""}, "date"),
            ({"to": "un_wgeid", "date": "31.02.2019"}, "date"),
            ({"to": "", "date": "2019"}, "to"),
            ({"to": "un_wgeid", "date": "2019", "reference": "x" * 201}, "reference"),
        ):
            page = _post(client, person, "submission", bad)
            assert page.status_code == 400 and f'id="{where}-error"' in page.text, bad
        assert _records(site) == before
        done = _post(client, person, "submission", {
            "to": "un_wgeid", "date": "08.2019", "reference": "G/SO 217/1 CHN 7",
            "note": "with the wife's testimony",
        })  # fmt: skip
        assert done.status_code == 303 and done.headers["location"].endswith("#h-un")
        done = _post(client, person, "submission", {"to": "un_wgad", "date": "2019-10"})
        assert done.status_code == 303 and _records(site) == before + 2
        first, second = site.desk.person(person).submissions
        assert (first["recipient"], first["date"]) == ("un_wgeid", "2019-08")
        form = client.get(f"/persons/{person}/submission?submission={first['submission_id']}")
        assert form.status_code == 200 and "G/SO 217/1 CHN 7" in form.text
        fix = {"submission": first["submission_id"], "to": "un_wgeid", "date": "2019-09"}
        page = _post(client, person, "submission", fix)
        assert page.status_code == 400 and 'id="reason-error"' in page.text
        done = _post(client, person, "submission", {
            **fix, "reference": "G/SO 217/1 CHN 7", "reason": "It was sent in September.",
        })  # fmt: skip
        assert done.status_code == 303
        done = _post(client, person, "submission", {
            "submission": second["submission_id"], "remove": "1",
            "reason": "The letter was never sent.",
        })  # fmt: skip
        assert done.status_code == 303 and _records(site) == before + 4
        detail = site.desk.person(person)
        assert [(s["recipient"], s["date"], s["reference"]) for s in detail.submissions] == [
            ("un_wgeid", "2019-09", "G/SO 217/1 CHN 7")
        ]
        reasons = [h["reason"] for h in detail.history if h["op"] == "person.submitted"]
        assert "It was sent in September." in reasons and "The letter was never sent." in reasons
        page = client.get(f"/persons/{person}").text
        un = page[page.index('id="h-un"') :].split("</section>")[0]
        assert "UN Working Group on Enforced or Involuntary Disappearances" in un
        assert "G/SO 217/1 CHN 7" in un and "2019-09" in un and "un_wgad" not in un
        unknown = f"/persons/{person}/submission?submission=0000000000000000.9"
        assert client.get(unknown).status_code == 404


def test_a_recent_taking_is_flagged_for_the_urgent_action(org: Org) -> None:
    """Given a person a researcher records as detained three weeks ago, when a reviewer
    opens the record and the assessment form, then the UN section says the urgent action
    fits and to send the case without delay, and the form suggests urgent action beside
    the choice, which stays the reviewer's; once the case is submitted, the call to send
    it is gone."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        client = _signed_in(site, "reviewer")
        page = client.get(f"/persons/{person}").text
        assert 'id="urgent-route"' not in page
        testimony = str(site.desk.person(person).testimonies[0]["testimony_id"])
        taken = (dt.date.today() - dt.timedelta(days=21)).isoformat()
        token = csrf_of(client, f"/persons/{person}/amend?field=name")
        done = client.post(f"/persons/{person}/amend", data={
            "field": "status", "status": "detained", "value": taken, "source": testimony,
            "csrf": token,
        })  # fmt: skip
        assert done.status_code == 303
        # and the list of persons taken within the three months holds the person alone
        listed = client.get("/persons", params={"urgent": "1"}).text
        assert f"/persons/{person}" in listed and "1 person" in listed
        api = client.get("/api/persons", params={"urgent": "1"}).json()
        assert [p["person_id"] for p in api["persons"]] == [person]
        page = client.get(f"/persons/{person}").text
        assert 'id="urgent-route"' in page and "Send it without delay." in page
        assert f"({taken})" in page
        form = client.get(f"/persons/{person}/assess").text
        assert 'id="route-hint"' in form and "The timeline suggests urgent action" in form
        assert '<option value="urgent" selected' not in form
        done = _post(client, person, "submission", {"to": "un_wgeid", "date": taken})
        assert done.status_code == 303
        assert 'id="urgent-route"' not in client.get(f"/persons/{person}").text
