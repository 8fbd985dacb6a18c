"""A pair page in the review queue, as reviewers meet it: two reviewers (or a stale
page, or a double-click) on one pair, a merge reviewed from each record's own values,
forms that keep what was typed, sentences in the reviewer's language, relatives by
name, and who may review. Given / When / Then."""

from __future__ import annotations

import re
from typing import Any

import pytest

from amanat.desk import service
from amanat.desk.service import Batch, Desk
from amanat.errors import InputError
from amanat.records import build as b
from amanat.records.changes import new_id
from amanat.vault import durable
from amanat.views.project import Candidate
from amanat.web.staff import i18n
from amanat.web.staff.review import NO_PERSON, NOT_SEALED, SAME_RECORD
from conftest import Org, cut_last_log_record
from test_web_review import decide_on_page
from web_staff import Site, password_of, post_form, staff_site


def _seal_person(
    desk: Desk,
    name: str,
    *,
    birth: str = "",
    county: str = "",
    sibling: str = "",
) -> str:
    """One person with a testimony, the values given; their record's id."""
    person, testimony = new_id("p"), new_id("t")
    ref = b.source_ref(testimony=testimony)
    claims = [b.claim("name", b.name(name), ref), b.claim("sex", "male", ref)]
    if birth:
        claims.append(b.claim("birth", b.date_text(birth), ref))
    if county:
        claims.append(b.claim("hometown", b.place_ref(county), ref))
    if sibling:
        claims.append(b.claim("relative", {"relation": "sibling", "person": sibling}, ref))
    changes = [
        {
            "op": "testimony.recorded",
            "testimony": testimony,
            "persons": [person],
            "testifier": {"relationship": "spouse"},
            "consent": {"level": "internal"},
            "media": [],
        },
        {"op": "person.created", "person": person, "claims": claims},
    ]
    desk.seal_records([Batch(files=[], changes=changes)])
    return person


def _signed_in(site: Site, account: str, role: str = "") -> Any:
    """A client signed in as ``account`` (made with ``role`` first, when given)."""
    if role:
        enrolment = site.app.state.staff.accounts.add(account, role, password_of(account))
        if enrolment is not None:
            site.totp[account] = enrolment.secret
    client = site.client()
    assert site.sign_in(client, account) == 303
    return client


def _form_of(page: str) -> dict[str, str]:
    """The hidden fields of a pair page's decision form (CSRF token, ``seen``)."""
    return dict(re.findall(r'<input type="hidden" name="(csrf|seen)" value="([^"]*)"', page))


def _on_pair(desk: Desk, a: str, b: str) -> list[str]:
    return [d["decision"] for d in desk.decisions(a) if {d["a"], d["b"]} == {a, b}]


def _propose(site: Site, *pairs: tuple[str, str, float, str]) -> None:
    """The model's estimates for ``pairs`` (a, b, probability, outcome), as a search
    for duplicates stores them."""
    when = "2026-01-01T00:00:00Z"
    site.desk.views.store_candidates([Candidate(a, b, p, o, "test", when) for a, b, p, o in pairs])


def test_a_stale_page_or_a_double_click_never_undoes_or_repeats_a_decision(org: Org) -> None:
    """Given two reviewers who open the same pair, when the first sends "same" twice
    (a double-click) and the second then sends "different" from the page opened
    before, then one decision is sealed, the records stay merged, and the second
    reviewer's page says who decided what and when, with the choice and reason kept;
    when the second reviewer sends again from that page, the pair is split."""
    with staff_site(org) as site:
        x, y = site.person_ids[:2]
        first = _signed_in(site, "reviewer")
        second = _signed_in(site, "reviewer2", "reviewer")
        page_1 = _form_of(first.get(f"/review/{x}/{y}").text)
        page_2 = _form_of(second.get(f"/review/{x}/{y}").text)

        same = {**page_1, "decision": "same", "reason": "the same ID card"}
        clicks = [first.post(f"/review/{x}/{y}", data=same) for _ in range(2)]
        assert [c.status_code for c in clicks] == [303, 303]
        assert _on_pair(site.desk, x, y) == ["same"]

        stale = {**page_2, "decision": "different", "reason": "another father's name"}
        refused = second.post(f"/review/{x}/{y}", data=stale)
        assert refused.status_code == 409
        assert _on_pair(site.desk, x, y) == ["same"]
        assert sorted(site.desk.person(x).records) == sorted((x, y))
        assert "decided by reviewer on" in refused.text and "the same ID card" in refused.text
        assert 'value="different" checked' in refused.text
        assert ">another father&#39;s name</textarea>" in refused.text

        again = second.post(f"/review/{x}/{y}", data={**stale, **_form_of(refused.text)})
        assert again.status_code == 303
        assert _on_pair(site.desk, x, y) == ["same", "different"]
        assert site.desk.person(x).records == [x]


def test_a_decision_sealed_while_the_views_were_busy_still_stops_a_stale_page(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a second reviewer's page of a pair, and a first reviewer's "same" on it
    sealed while another process held the desk's views (an import's last step), so
    sealed but not yet shown, when the second reviewer sends "different" from the page
    opened before, then it is refused as out of date, naming the first decision, and
    nothing more is sealed (before, the check read the views alone and sealed over it);
    and while another process holds the views, a decision is refused with a sentence
    saying to send it again, nothing sealed and the choice kept, rather than sealed and
    not shown."""
    monkeypatch.setattr(service, "AFTER_SEAL_WAIT", 0.2)
    with staff_site(org) as site:
        x, y = site.person_ids[:2]
        second = _signed_in(site, "reviewer2", "reviewer")
        stale = {
            **_form_of(second.get(f"/review/{x}/{y}").text),
            "decision": "different",
            "reason": "another father's name",
        }
        lock = org.desk.path / "views" / service.LOCK_FILE
        with durable.exclusive_lock(lock):
            site.desk.decide(x, y, "same", "the same ID card", by="reviewer")
            assert site.desk.pending() == 1

            busy = second.post(f"/review/{x}/{y}", data=stale)

            assert busy.status_code == 503
            assert "send your decision again in a minute" in busy.text
            assert 'value="different" checked' in busy.text
            assert site.desk.pending() == 1

        refused = second.post(f"/review/{x}/{y}", data=stale)

        assert refused.status_code == 409
        assert "decided by reviewer on" in refused.text and "the same ID card" in refused.text
        assert site.desk.pending() == 0
        assert _on_pair(site.desk, x, y) == ["same"]
        assert sorted(site.desk.person(x).records) == sorted((x, y))


def _two_links_ticked(site: Site) -> tuple[Any, tuple[str, str, str, str], list[str], Any]:
    """Two proposed links (w = x, y = z) on a reviewer's queue page, both ticked: the
    reviewer's client, the four persons, the ticked values and the form to confirm them."""
    w, x = site.person_ids[:2]
    y, z = (_seal_person(site.desk, n) for n in ("Нұрлан", "Nurlan"))
    _propose(site, (w, x, 0.999, "link"), (y, z, 0.998, "link"))
    client = _signed_in(site, "reviewer")
    page = client.get("/review").text
    ticked = re.findall(r'name="pair" value="([^"]+)"', page)
    assert len(ticked) == 2
    form = {"csrf": _form_of(page)["csrf"], "reason": "same ID card", "pair": ticked}
    return client, (w, x, y, z), ticked, form


def test_confirming_ticked_links_while_the_views_are_busy_confirms_none_unseen(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given two proposed links ticked on the queue page, when they are confirmed while
    another process holds the desk's views, then none is sealed, the queue says to send
    them again and keeps both ticked; once the views are free, both are confirmed."""
    monkeypatch.setattr(service, "AFTER_SEAL_WAIT", 0.2)
    with staff_site(org) as site:
        client, (w, x, y, z), ticked, form = _two_links_ticked(site)
        with durable.exclusive_lock(org.desk.path / "views" / service.LOCK_FILE):
            busy = client.post("/review/confirm", data=form)

            assert busy.status_code == 503
            assert "send them again in a minute" in busy.text
            assert all(
                f'value="{v}" id="confirm-1" checked' in busy.text
                or f'value="{v}" id="confirm-2" checked' in busy.text
                for v in ticked
            )
            assert _on_pair(site.desk, w, x) == [] and _on_pair(site.desk, y, z) == []
            assert site.desk.pending() == 0

        done = client.post("/review/confirm", data=form)

        assert done.status_code == 303 and "confirmed=2" in done.headers["location"]
        assert _on_pair(site.desk, w, x) == ["same"] and _on_pair(site.desk, y, z) == ["same"]


def test_a_vault_cut_short_under_the_pages_is_said_and_nothing_is_sealed(org: Org) -> None:
    """Given two proposed links ticked on the queue page and a pair's page open, when the
    desk's log loses its last record on disk (the views showed it), then confirming the
    ticked links seals none, says to ask for `amanat verify` and keeps both ticked (before,
    both were counted "skipped" without a word), and a decision on the pair's page is
    refused with the same sentence, the choice kept."""
    with staff_site(org) as site:
        client, (w, x, _, _), ticked, form = _two_links_ticked(site)
        decision = {
            **_form_of(client.get(f"/review/{w}/{x}").text),
            "decision": "different",
            "reason": "another father's name",
        }
        before = len(site.desk.decisions(w))

        (files,) = site.desk.vault.logs()
        cut_last_log_record(files.directory)
        batch = client.post("/review/confirm", data=form)
        single = client.post(f"/review/{w}/{x}", data=decision)

        assert batch.status_code == 409
        assert "ask the desk&#39;s administrator to run amanat verify" in batch.text
        assert "confirmed=" not in batch.headers.get("location", "")
        assert all(
            re.search(rf'value="{re.escape(v)}" id="confirm-\d+" checked', batch.text)
            for v in ticked
        )
        assert single.status_code == 409
        assert "run amanat verify" in single.text
        assert 'value="different" checked' in single.text
        assert len(site.desk.decisions(w)) == before
        assert site.desk.pending() == 0


def test_a_merge_is_reviewed_from_what_each_record_said(org: Org) -> None:
    """Given two records of different births and hometowns merged by a decision, when
    a reviewer opens "Review this merge", then each column shows its own record's
    name, birth and hometown, and the births and hometowns are marked as differing,
    not the merged person twice with every line agreeing."""
    with staff_site(org) as site:
        x = _seal_person(site.desk, "Серікжан Білаш", birth="1980", county="654002")
        y = _seal_person(site.desk, "Serikzhan Bilash", birth="1961", county="653101")
        site.desk.decide(x, y, "same", "looked alike", by="reviewer")
        client = _signed_in(site, "reviewer")
        page = client.get(f"/review/{x}/{y}").text
        assert "merged into one person now" in page
        rows = re.findall(r'<tr class="verdict-(\w+)">\s*<th scope="row">([^<]+)</th>', page)
        by_field = {field: verdict for verdict, field in rows}
        assert by_field["Birth date"] == "differ"
        assert by_field["Hometown"] == "differ"
        birth = re.search(r"<th scope=\"row\">Birth date</th>(.*?)</tr>", page, re.S)
        assert birth is not None
        left, right = re.findall(r"<td><ul class=\"plain\">(.*?)</ul></td>", birth.group(1))
        assert "1980" in left and "1961" not in left
        assert "1961" in right and "1980" not in right
        names = re.search(r"<th scope=\"row\">Names</th>(.*?)</tr>", page, re.S)
        assert names is not None
        left, right = re.findall(r"<td><ul class=\"plain\">(.*?)</ul></td>", names.group(1))
        assert "Серікжан Білаш" in left and "Serikzhan" not in left
        assert "Serikzhan Bilash" in right and "Серікжан" not in right


def test_a_refused_form_keeps_what_was_typed(org: Org) -> None:
    """Given a reviewer on a pair, when the reason is typed but no decision chosen,
    or a decision chosen but no reason typed, then nothing is sealed and the page
    comes back with the reason and the choice as they were sent."""
    with staff_site(org) as site:
        x, y = site.person_ids[:2]
        client = _signed_in(site, "reviewer")
        hidden = _form_of(client.get(f"/review/{x}/{y}").text)
        no_choice = client.post(f"/review/{x}/{y}", data={**hidden, "reason": "Гүлнар said so"})
        assert no_choice.status_code == 400 and ">Гүлнар said so</textarea>" in no_choice.text
        no_reason = client.post(f"/review/{x}/{y}", data={**hidden, "decision": "different"})
        assert no_reason.status_code == 400 and 'value="different" checked' in no_reason.text
        assert _on_pair(site.desk, x, y) == []


def test_a_refused_confirmation_keeps_the_ticks_and_the_reason(org: Org) -> None:
    """Given two proposed links, when a reviewer ticks one and confirms with a reason
    over the limit, then nothing is merged and the queue comes back with that one
    ticked, the other not, and the reason as typed."""
    with staff_site(org) as site:
        x, y, z = sorted(site.person_ids[:3])
        _propose(site, (x, y, 0.99, "link"), (x, z, 0.98, "link"))
        client = _signed_in(site, "reviewer")
        long = "ж" * 2001
        refused = post_form(
            client, "/review/confirm", {"pair": f"{x} {y}", "reason": long}, page="/review"
        )
        assert refused.status_code == 400 and f">{long}</textarea>" in refused.text
        assert re.search(rf'value="{x} {y}" id="confirm-\d+" checked', refused.text)
        assert re.search(rf'value="{x} {z}" id="confirm-\d+" aria-label', refused.text)
        assert site.desk.person(y).records == [y]


def test_problems_are_said_in_the_reviewers_language_without_ids(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a Russian-speaking reviewer, when a pair names one record twice, or a
    person who does not exist, or the desk refuses to seal, then the page says so in
    Russian, without the desk's English sentence or the id asked for, and nothing is
    sealed."""
    with staff_site(org) as site:
        x, y = site.person_ids[:2]
        client = _signed_in(site, "reviewer")
        client.cookies.set(i18n.COOKIE_NAME, "ru")
        ru = i18n.translator("ru").gettext
        assert ru(SAME_RECORD) != SAME_RECORD and ru(NO_PERSON) != NO_PERSON
        itself = client.get(f"/review/{x}/{x}")
        assert itself.status_code == 404 and ru(SAME_RECORD) in itself.text
        sent = post_form(client, f"/review/{x}/{x}", {"decision": "same", "reason": "r"}, page="/")
        assert sent.status_code == 404 and ru(SAME_RECORD) in sent.text
        ghost = "p_" + "0" * 32
        unknown = client.get(f"/review/{ghost}/x")
        assert unknown.status_code == 404 and ru(NO_PERSON) in unknown.text
        said = re.search(r'role="alert">([^<]*)</p>', unknown.text)
        assert said is not None and said.group(1) == ru(NO_PERSON)  # no id, no English

        def refuse(*args: Any, **kwargs: Any) -> str:
            raise InputError("this decision cannot be recorded: change 0: something.")

        monkeypatch.setattr(site.desk, "decide", refuse)
        failed = decide_on_page(client, x, y, "same", "the same ID card")
        assert failed.status_code == 400 and ru(NOT_SEALED) in failed.text
        assert "cannot be recorded" not in failed.text and "the same ID card" in failed.text
        assert _on_pair(site.desk, x, y) == []


def test_a_relative_is_shown_by_name_with_a_link_to_their_page(org: Org) -> None:
    """Given a record whose sibling has a record of their own, when the pair page shows
    it, then the relative appears under their recorded name, linked to their page,
    and their id is not printed."""
    with staff_site(org) as site:
        sister = _seal_person(site.desk, "Гүлнар Білаш")
        x = _seal_person(site.desk, "Серікжан Білаш", sibling=sister)
        y = _seal_person(site.desk, "Serikzhan Bilash", sibling=sister)
        client = _signed_in(site, "reviewer")
        page = client.get(f"/review/{x}/{y}").text
        link = f'<a href="/persons/{sister}"><bdi>Гүлнар Білаш</bdi></a>'
        assert page.count(link) == 2
        assert re.search(rf">[^<]*{sister}", page) is None  # in no text, only in links
        relatives = re.search(r'<tr class="verdict-(\w+)">\s*<th scope="row">Relatives', page)
        assert relatives is not None and relatives.group(1) == "agree"


def test_names_that_share_a_word_say_so_in_the_reviewers_language(org: Org) -> None:
    """Given a man under his father's name in one list (Ерсанжан Бамурұлы) and under a
    family name in another (Ersanjan Talmurkhanov), when a reviewer opens the pair in
    Kazakh and in Russian, then the names row differs and says, in that language, that
    one word reads the same and the others differ."""
    with staff_site(org) as site:
        x = _seal_person(site.desk, "Ерсанжан Бамурұлы", birth="1992")
        y = _seal_person(site.desk, "Ersanjan Talmurkhanov", birth="1991")
        client = _signed_in(site, "reviewer")
        for lang in ("kk", "ru"):
            client.get(f"/lang/{lang}", params={"next": "/review"})
            page = client.get(f"/review/{x}/{y}").text
            said = i18n.translator(lang).ngettext(
                "%(num)d word reads the same, the others differ",
                "%(num)d words read the same, the others differ",
                1,
            ) % {"num": 1}
            assert said != "1 word reads the same, the others differ"
            row = re.search(r'<tr class="verdict-(\w+)">\s*<th scope="row">([^<]*)</th>', page)
            assert row is not None and row.group(1) == "differ"
            assert said in page


def test_a_pair_decided_not_sure_stays_in_sight(org: Org) -> None:
    """Given a reviewer who decides a pair "not sure", when the queue is opened again,
    then the pair is no longer among those to decide but is listed under "Not sure",
    with the reason and a link to its page; once decided "different", it leaves that
    list too."""
    with staff_site(org) as site:
        x, y = sorted(site.person_ids[:2])
        _propose(site, (x, y, 0.8, "review"))
        client = _signed_in(site, "reviewer")
        before = client.get("/review").text
        assert "Not sure: to look at again" not in before
        sent = decide_on_page(client, x, y, "unsure", "waiting for the ID card photo")
        assert sent.status_code == 303 and sent.headers["location"] == "/review?decided=1"
        queue = client.get(sent.headers["location"]).text
        assert "Your decision is sealed." in queue
        to_decide = queue.split("Not sure: to look at again")
        assert len(to_decide) == 2 and f"/review/{x}/{y}" not in to_decide[0]
        assert f'href="/review/{x}/{y}"' in to_decide[1]
        assert "waiting for the ID card photo" in to_decide[1]
        later = decide_on_page(client, x, y, "different", "the photo shows another man")
        assert later.status_code == 303
        assert "Not sure: to look at again" not in client.get("/review").text


def test_a_decision_says_it_was_sealed_on_the_next_pair(org: Org) -> None:
    """Given two pairs to decide, when a reviewer decides the first, then the next
    pair's page opens saying the decision was sealed; opened afresh it does not."""
    with staff_site(org) as site:
        x, y, z = sorted(site.person_ids[:3])
        _propose(site, (x, y, 0.9, "review"), (x, z, 0.8, "review"))
        client = _signed_in(site, "reviewer")
        sent = decide_on_page(client, x, y, "different", "other fathers")
        assert sent.headers["location"] == f"/review/{x}/{z}?decided=1"
        sealed = "Your decision is sealed. Here is the next pair to decide."
        assert sealed in client.get(sent.headers["location"]).text
        assert sealed not in client.get(f"/review/{x}/{z}").text


def test_confirming_links_decided_meanwhile_says_so(org: Org) -> None:
    """Given a proposed link ticked on one reviewer's queue, when another reviewer
    decides it "different" first and the first then confirms, then nothing is merged
    and the queue says the ticked pair was not merged because it was decided, not
    "0 links confirmed"."""
    with staff_site(org) as site:
        x, y = sorted(site.person_ids[:2])
        _propose(site, (x, y, 0.99, "link"))
        first = _signed_in(site, "reviewer")
        second = _signed_in(site, "reviewer2", "reviewer")
        assert f'value="{x} {y}"' in first.get("/review").text  # ticked on the first's page
        assert decide_on_page(second, x, y, "different", "another father").status_code == 303
        ticked = {"pair": f"{x} {y}", "reason": "same ID"}
        sent = post_form(first, "/review/confirm", ticked, page="/review")
        assert sent.status_code == 303
        queue = first.get(sent.headers["location"]).text
        assert "1 ticked pair was not merged: someone decided it meanwhile" in queue
        assert "proposed link confirmed" not in queue and "links confirmed" not in queue
        assert site.desk.person(y).records == [y]


def test_same_on_records_already_one_person_seals_nothing(org: Org) -> None:
    """Given two records merged by a decision, when a reviewer decides "same" on them
    again, then nothing more is sealed and the page says they are one person already."""
    with staff_site(org) as site:
        x, y = site.person_ids[:2]
        site.desk.decide(x, y, "same", "the same ID card", by="reviewer")
        client = _signed_in(site, "reviewer")
        again = decide_on_page(client, x, y, "same", "still the same")
        assert again.status_code == 409
        assert "These two records are one person already; nothing was sealed." in again.text
        assert _on_pair(site.desk, x, y) == ["same"]


def test_a_chain_of_merges_is_split_on_the_merges_that_made_it(org: Org) -> None:
    """Given A = B and B = C decided (A, B and C one person), when a reviewer opens
    the person, then the merges offered for review are A–B and B–C, the pairs decided,
    not A–C; and when the reviewer decides A–C "different" anyway, then the page says
    the three are still one person and lists the merges to split instead of claiming a
    split; deciding B–C "different" does split C off."""
    with staff_site(org) as site:
        a, bb, c = sorted(
            _seal_person(site.desk, n) for n in ("Серікжан Білаш", "Serik Bilash", "赛力克江")
        )
        site.desk.decide(a, bb, "same", "one man", by="reviewer")
        site.desk.decide(bb, c, "same", "one man", by="reviewer")
        client = _signed_in(site, "reviewer")
        person = client.get(f"/persons/{c}").text
        links = set(re.findall(r'href="/review/(p_\w+)/(p_\w+)">Review this merge', person))
        assert {frozenset(x) for x in links} == {frozenset((a, bb)), frozenset((bb, c))}

        page = client.get(f"/review/{a}/{c}").text
        assert "one person through other merges" in page
        # the decisions shown are those of other pairs, each naming its pair
        assert "On other pairs of these records" in page and "On this pair" not in page
        assert f'href="/review/{bb}/{c}"' in page or f'href="/review/{c}/{bb}"' in page
        decision = {"decision": "different", "reason": "two men"}
        sent = client.post(f"/review/{a}/{c}", data={**_form_of(page), **decision})
        assert sent.status_code == 303 and "decided=joined" in sent.headers["location"]
        after = client.get(sent.headers["location"]).text
        assert "still one person, joined through other merges" in after
        assert "On this pair" in after and ">two men<" in after
        assert site.desk.person(c).person["person_id"] == a  # nothing claimed, nothing split

        pair = client.get(f"/review/{bb}/{c}").text
        assert "merged into one person now" in pair
        split = client.post(f"/review/{bb}/{c}", data={**_form_of(pair), **decision})
        assert split.status_code == 303 and "decided=joined" not in split.headers["location"]
        assert site.desk.person(c).records == [c]


def test_a_full_page_of_ticked_links_is_confirmed(org: Org) -> None:
    """Given a queue with more proposed links than a page shows (all ticked by
    default), when a reviewer confirms the page's 50 with one reason, then the 50 are
    merged: the form (50 pairs, the reason, the token) was refused as too large before
    the route read it, with "Something went wrong"."""
    from web_staff import _person_changes

    with staff_site(org) as site:
        batches = [Batch(files=[], changes=_person_changes(f"Person{i} Test")) for i in range(120)]
        site.desk.seal_records(batches)
        ids = sorted(str(c["person"]) for batch in batches for c in batch.changes if "person" in c)[
            :120
        ]
        pairs = [(ids[2 * i], ids[2 * i + 1], 0.99, "link") for i in range(60)]
        _propose(site, *pairs)
        client = _signed_in(site, "reviewer")
        page = client.get("/review").text
        ticked = re.findall(r'name="pair" value="(p_\w+ p_\w+)"[^>]*checked', page)
        assert len(ticked) == 50
        assert "Proposed links (60)" in page  # how many, not only the first page's
        past = client.get("/review?page=9").text  # no pairs to decide: nothing is past
        assert "Nothing to decide." in past
        token = _form_of(page)["csrf"]
        done = client.post(
            "/review/confirm", data={"pair": ticked, "reason": "one page", "csrf": token}
        )
        assert done.status_code == 303, done.text[:300]
        a, b = ticked[0].split()
        assert site.desk.person(a).person["person_id"] == site.desk.person(b).person["person_id"]
        # a page past the last one says so, and where the last is
        x, y = site.person_ids[:2]
        _propose(site, (x, y, 0.6, "review"))
        past = client.get("/review?page=9").text
        assert "To decide (1)" in past and "past the last one" in past
        assert "Nothing to decide." not in past


def test_a_double_click_with_a_reason_on_two_lines_is_one_decision(org: Org) -> None:
    """Given a reviewer who types a reason on two lines, when the form is sent twice
    (a double-click), then one decision is sealed and the second answer is the same as
    the first (the next pair), not "decided by someone else after you opened this
    page": the sealed reason keeps one space between words, and so does the check."""
    with staff_site(org) as site:
        x, y = site.person_ids[:2]
        client = _signed_in(site, "reviewer")
        sent = {**_form_of(client.get(f"/review/{x}/{y}").text), "decision": "unsure"}
        sent["reason"] = "waiting for\r\nthe  ID card photo"
        clicks = [client.post(f"/review/{x}/{y}", data=sent) for _ in range(2)]
        assert [c.status_code for c in clicks] == [303, 303], clicks[1].text[:300]
        assert _on_pair(site.desk, x, y) == ["unsure"]


def test_a_reason_with_control_characters_is_refused(org: Org) -> None:
    """Given a reviewer, when a reason holds a terminal escape sequence or a bell,
    then nothing is sealed and the page says what to leave out: `amanat person`
    prints reasons to a terminal."""
    with staff_site(org) as site:
        x, y = site.person_ids[:2]
        client = _signed_in(site, "reviewer")
        for reason in ("red \x1b[31m text", "bell \x07", "c1 \x9b"):
            sent = {**_form_of(client.get(f"/review/{x}/{y}").text)}
            refused = client.post(
                f"/review/{x}/{y}", data={**sent, "decision": "same", "reason": reason}
            )
            assert refused.status_code == 400 and "without control characters" in refused.text
        assert _on_pair(site.desk, x, y) == []


def test_confirming_a_batch_never_joins_two_records_a_second_way(org: Org) -> None:
    """Given three proposed links J–K, K–L and J–L, all ticked, when a reviewer
    confirms them, then two are sealed and the third, whose records the first two made
    one person, is left (counted as not merged); undoing one link (J–K "different")
    then splits J off, as the reviewer expects."""
    with staff_site(org) as site:
        j, k, el = sorted(_seal_person(site.desk, n) for n in ("Нұрлан", "Nurlan", "努尔兰"))
        _propose(site, (j, k, 0.99, "link"), (k, el, 0.98, "link"), (j, el, 0.97, "link"))
        client = _signed_in(site, "reviewer")
        ticked = [f"{j} {k}", f"{k} {el}", f"{j} {el}"]
        token = _form_of(client.get("/review").text)["csrf"]
        done = client.post(
            "/review/confirm", data={"pair": ticked, "reason": "one man", "csrf": token}
        )
        assert done.status_code == 303 and "confirmed=2&skipped=1" in done.headers["location"]
        sealed = {
            frozenset((d["a"], d["b"])) for d in site.desk.decisions(j) + site.desk.decisions(el)
        }
        assert len(sealed) == 2
        first = sorted(sealed, key=sorted)[0]
        a, b = sorted(first)
        page = client.get(f"/review/{a}/{b}").text
        split = client.post(
            f"/review/{a}/{b}", data={**_form_of(page), "decision": "different", "reason": "no"}
        )
        assert split.status_code == 303 and "decided=joined" not in split.headers["location"]
        assert site.desk.person(a).person["person_id"] != site.desk.person(b).person["person_id"]


def test_the_page_of_a_merge_says_not_sure_splits_it_too(org: Org) -> None:
    """Given two records merged by a decision, when a reviewer opens the merge, then
    the page says that "not sure", like "different persons", splits them again."""
    with staff_site(org) as site:
        x, y = site.person_ids[:2]
        site.desk.decide(x, y, "same", "the same ID card", by="reviewer")
        page = _signed_in(site, "reviewer").get(f"/review/{x}/{y}").text
        assert "“different persons” or “not sure” splits them again" in page


def test_a_control_character_sealed_in_a_reason_never_reaches_the_terminal(org: Org) -> None:
    """Given a decision whose reason holds an escape sequence (sealed by a version
    that let it through, or by another program), when `amanat person` prints the
    person's history, then the escape character is shown as a replacement mark, not
    sent to the terminal."""
    from amanat.cli.records_commands import person_page
    from amanat.records.places import Gazetteer

    with staff_site(org) as site:
        x, y = site.person_ids[:2]
        site.desk.decide(x, y, "same", "red \x1b[31m text", by="reviewer")
        printed = person_page(site.desk.person(x), Gazetteer.load_builtin())
        assert "\x1b" not in printed and "red \ufffd[31m text" in printed
