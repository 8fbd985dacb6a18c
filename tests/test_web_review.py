"""The review queue in the staff app: the model's doubtful pairs, side by side, decided
by a reviewer; a merge and a split through the web, each sealed with its reason."""

from __future__ import annotations

import re
import time
from typing import Any

from amanat.views.read import Query
from amanat.web.staff import i18n
from amanat.web.staff.review import MAX_REASON
from conftest import Org
from test_duplicates import _desk_with_bilash
from web_staff import Site, csrf_of, post_form, staff_site

HOSTILE = "<script>alert(1)</script>\u202e same wife"


def reviewer(site: Site) -> object:
    client = site.client()
    assert site.sign_in(client, "reviewer") == 303
    return client


def decide_on_page(client: Any, a: str, b: str, decision: str, reason: str) -> Any:
    """Open the pair's page and send its form as a browser does: with the page's CSRF
    token and the decision on the pair that the page showed (``seen``)."""
    page = client.get(f"/review/{a}/{b}").text
    hidden = dict(re.findall(r'<input type="hidden" name="(csrf|seen)" value="([^"]*)"', page))
    return client.post(f"/review/{a}/{b}", data={**hidden, "decision": decision, "reason": reason})


def _find_duplicates(client: Any) -> Any:
    """Press "Look for duplicates now", follow its progress as the page's script does
    (every poll answered at once, the page told to reload at the end), and return the
    queue page it reloads."""
    started = post_form(client, "/review/find", {}, page="/review")
    assert (started.status_code, started.headers["location"]) == (303, "/review")
    deadline = time.monotonic() + 120
    while True:
        poll = client.get("/review/find")
        assert poll.status_code == 200 and 'id="duplicate-search"' in poll.text
        if poll.headers.get("hx-refresh") == "true":
            break
        assert 'hx-trigger="every 2s"' in poll.text and "<progress" in poll.text
        assert time.monotonic() < deadline
        time.sleep(0.05)
    queue = client.get("/review")
    assert "The search found" in queue.text and "Look for duplicates now" in queue.text
    return queue


def test_a_reviewer_finds_merges_and_splits_a_pair_through_the_web(org: Org) -> None:
    """Given a desk where one man is recorded in Cyrillic and in Latin letters, when a
    reviewer runs the search for duplicates, then the pair is listed; the pair page
    shows both name forms and what agrees; deciding "same" with a hostile reason merges
    them (the reason stored exactly, shown escaped); deciding "different" splits them,
    and both records are shown on their own again."""
    with staff_site(org) as site:
        cyr, lat, _ = _desk_with_bilash(site.desk)
        client = reviewer(site)
        queue = _find_duplicates(client)
        assert "Серікжан Білаш" in queue.text and "Serikzhan Bilash" in queue.text
        pair = client.get(f"/review/{cyr}/{lat}")
        assert pair.status_code == 200
        assert "Are these the same person?" in pair.text
        assert "verdict-agree" in pair.text  # the same hometown and sex
        assert "First taken" in pair.text and "2018-04" in pair.text  # both: a camp in April
        missing = post_form(client, f"/review/{cyr}/{lat}", {"decision": "same"}, page="/review")
        assert missing.status_code == 400 and "Say why" in missing.text

        merged = post_form(
            client,
            f"/review/{cyr}/{lat}",
            {"decision": "same", "reason": HOSTILE},
            page="/review",
        )
        assert merged.status_code == 303
        person = site.desk.person(lat)
        assert sorted(person.records) == sorted((cyr, lat))
        assert person.decisions[-1]["reason"] == HOSTILE
        page = client.get(f"/review/{cyr}/{lat}")
        assert "merged into one person now" in page.text
        # the person's page names the records merged into it, never by their ids
        merged_page = client.get(f"/persons/{lat}").text
        section = merged_page.split('id="h-records"')[1].split("</section>")[0]
        assert "Серікжан Білаш" in section and "Serikzhan Bilash" in section
        shown = re.sub(r"<[^>]*>", " ", section)  # the text a reader sees, not the links
        assert cyr not in shown and lat not in shown
        assert "<script>alert(1)" not in page.text and "&lt;script&gt;" in page.text

        split = decide_on_page(
            client, cyr, lat, "different", "two men: the IDs differ in the birth date"
        )
        assert split.status_code == 303
        assert site.desk.person(cyr).records == [cyr]
        assert site.desk.person(lat).records == [lat]
        names = {p.name for p in site.desk.search(Query(name="Serikzhan Bilash")).persons}
        assert {"Серікжан Білаш", "Serikzhan Bilash"} <= names


def test_a_decision_on_an_unknown_person_says_so(org: Org) -> None:
    """Given a reviewer, when the pair names a person who does not exist, then the
    answer is 404 with a sentence, and nothing is sealed."""
    with staff_site(org) as site:
        client = reviewer(site)
        ghost = "p_" + "0" * 32
        page = client.get(f"/review/{site.person_ids[0]}/{ghost}")
        assert page.status_code == 404
        before = site.desk.decisions(site.person_ids[0])
        answer = post_form(
            client,
            f"/review/{site.person_ids[0]}/{ghost}",
            {"decision": "same", "reason": "looks alike"},
            page="/review",
        )
        assert answer.status_code in (400, 404)
        assert site.desk.decisions(site.person_ids[0]) == before


def test_a_reviewer_confirms_the_proposed_links_of_a_page_at_once(org: Org) -> None:
    """Given a desk where one man is recorded three times and the model proposes his
    pairs as links, when a reviewer ticks them on the queue page and confirms them with
    one reason, then the three records are one person, each pair has its own sealed
    decision with that reason, and the queue says so; without a reason nothing is
    merged; a forged or unproposed pair in the form is ignored."""
    with staff_site(org) as site:
        cyr, lat, han = _desk_with_bilash(site.desk)
        client = reviewer(site)
        page = _find_duplicates(client)
        proposed = site.desk.review_queue(outcome="link").pairs
        assert len(proposed) >= 2 and 'action="/review/confirm"' in page.text
        values = [f"{p.a} {p.b}" for p in proposed]
        token = csrf_of(client, "/review")
        refused = client.post("/review/confirm", data={"pair": values, "csrf": token})
        assert refused.status_code == 400 and "Say why" in refused.text
        assert site.desk.person(cyr).records == [cyr]
        stranger = next(p for p in site.person_ids if p not in (cyr, lat, han))
        forged = [*values, f"{cyr} {stranger}", "<script> x", f"{lat}\\n{han}"]
        done = client.post(
            "/review/confirm",
            data={"pair": forged, "reason": "same ID, same wife, same village", "csrf": token},
        )
        assert (done.status_code, done.headers["location"].split("=")[0]) == (
            303,
            "/review?confirmed",
        )
        assert sorted(site.desk.person(han).records) == sorted((cyr, lat, han))
        assert site.desk.person(stranger).records == [stranger]
        reasons = [d["reason"] for d in site.desk.decisions(cyr) if d["decision"] == "same"]
        assert len(reasons) >= 2 and set(reasons) == {"same ID, same wife, same village"}
        shown = client.get(done.headers["location"])
        assert "proposed link" in shown.text and "confirmed" in shown.text


def test_a_reason_too_long_is_refused_in_the_reviewers_language(org: Org) -> None:
    """Given a Russian-speaking reviewer, when a decision's reason is longer than the
    limit, then nothing is sealed and the page says so in Russian, the limit filled in."""
    with staff_site(org) as site:
        cyr, lat, _ = _desk_with_bilash(site.desk)
        client = reviewer(site)
        client.cookies.set(i18n.COOKIE_NAME, "ru")
        long = "ж" * (MAX_REASON + 1)
        refused = post_form(
            client, f"/review/{cyr}/{lat}", {"decision": "same", "reason": long}, page="/review"
        )
        said = i18n.translator("ru").gettext(
            "Keep the reason under %(num)d characters, without control characters."
        ) % {"num": MAX_REASON}
        assert refused.status_code == 400 and said in refused.text
        assert site.desk.person(cyr).records == [cyr]
