"""The staff app in a real browser: Debian's chromium, driven by Playwright.

Given / When / Then. Screenshots of the screens go to ``test-screenshots/`` (git-ignored)
so that a person can look at what the tests saw: every script rendered, nothing broken.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright import sync_api as playwright_api

from amanat.vault.opening import open_entry
from amanat.views.read import Query
from amanat.web.staff.i18n import translator
from browser import CHROMIUM_FLAGS, SCREENSHOTS, chromium_path, served
from conftest import Org, skip_unless_ci
from test_duplicates import _desk_with_bilash
from test_web_intake import CONSENT, EVENTS, PERSON, TESTIFIER
from test_web_media import seal_media_person
from web_staff import PERSON_NAMES, Site, password_of, record_again, staff_site
from webm import encode_frames, webm


@pytest.fixture
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        skip_unless_ci("Debian's chromium is not installed (scripts/setup --dev installs it)")
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def site(org: Org) -> Iterator[Site]:
    with staff_site(org) as s:
        yield s


def _sign_in(page: Any, site: Site, account: str) -> None:
    page.fill("input[name=account]", account)
    page.fill("input[name=password]", password_of(account))
    page.click("button[type=submit]")
    if account in site.totp:
        page.wait_for_url("**/login/totp")
        site.clock.advance(30)
        page.fill("input[name=code]", site.code(account))
        page.click("button[type=submit]")


def test_researcher_signs_in_with_totp_and_reads_a_person(browser: Any, site: Site) -> None:
    """Given a researcher with a second factor, when they sign in in a real browser, then
    the person list shows every name in its own script, and a person's page opens;
    screenshots of the three screens are saved."""
    SCREENSHOTS.mkdir(exist_ok=True)
    with served(site.app) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{base}/login")
        page.screenshot(path=str(SCREENSHOTS / "login.png"), full_page=True)
        _sign_in(page, site, "researcher")
        page.goto(f"{base}/persons")
        text = page.inner_text("body")
        for name in PERSON_NAMES:
            assert name in text
        page.screenshot(path=str(SCREENSHOTS / "persons.png"), full_page=True)
        # The name filter: results swapped in place, an address without the name.
        page.fill("#f-name", "Gulnar")
        page.click("form.filters button[type=submit]")
        page.wait_for_url("**/persons?q=*")
        page.wait_for_function("!document.body.innerText.includes('Серік Жылқыбаев')")
        assert PERSON_NAMES[1] in page.inner_text("#results")
        assert "Gulnar" not in page.url
        assert page.evaluate("sessionStorage.getItem('htmx-history-cache')") is None
        page.go_back()  # the whole list again, asked for by its address
        page.wait_for_function("document.body.innerText.includes('Серік Жылқыбаев')")
        page.click(f"text={PERSON_NAMES[2]}")
        page.wait_for_url("**/persons/p_*")
        assert PERSON_NAMES[2] in page.inner_text("body")
        page.screenshot(path=str(SCREENSHOTS / "person.png"), full_page=True)
        # No inline script ran and the CSP held: the page reports no violations.
        assert page.evaluate("document.querySelectorAll('script:not([src])').length") == 0


@pytest.mark.parametrize("lang", ["kk", "ru", "ug"])
def test_the_desk_in_kazakh_russian_and_uyghur(browser: Any, site: Site, lang: str) -> None:
    """Given a researcher who picks a language with the switch, then the list and a
    person's page are in that language (Uyghur right to left), every name in its own
    script; screenshots persons-<lang>.png and person-<lang>.png are saved."""
    SCREENSHOTS.mkdir(exist_ok=True)
    gettext = translator(lang).gettext
    with served(site.app) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{base}/login")
        _sign_in(page, site, "researcher")
        page.goto(f"{base}/persons")
        page.click(f"nav.languages a[href^='/lang/{lang}']")
        page.wait_for_url("**/persons")
        html = page.locator("html")
        assert html.get_attribute("dir") == ("rtl" if lang == "ug" else "ltr")
        text = page.inner_text("body")
        for name in PERSON_NAMES:
            assert name in text
        assert gettext("In camp") in text and gettext("In camp") != "In camp"
        if lang == "ug":
            assert html.get_attribute("lang") == "ug"
            assert "ئامانەت" in text  # the brand, in the Uyghur interface
        else:
            assert gettext("Persons") in text and gettext("Persons") != "Persons"
        page.screenshot(path=str(SCREENSHOTS / f"persons-{lang}.png"), full_page=True)
        page.click(f"text={PERSON_NAMES[2]}")
        page.wait_for_url("**/persons/p_*")
        text = page.inner_text("body")
        assert PERSON_NAMES[2] in text
        assert gettext("Public, anonymised") in text
        page.screenshot(path=str(SCREENSHOTS / f"person-{lang}.png"), full_page=True)


def test_wrong_code_keeps_the_door_shut(browser: Any, site: Site) -> None:
    """Given a researcher who types a wrong second-factor code, then the list stays out
    of reach and the page says so in one sentence."""
    with served(site.app) as base:
        page = browser.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=account]", "researcher")
        page.fill("input[name=password]", password_of("researcher"))
        page.click("button[type=submit]")
        page.wait_for_url("**/login/totp")
        page.fill("input[name=code]", "000000")
        page.click("button[type=submit]")
        page.goto(f"{base}/persons")
        assert "/login" in page.url


def _fill(page: Any, fields: dict[str, str]) -> None:
    """Fill a wizard step the way a person would: type, pick, tick."""
    for name, value in fields.items():
        radio = page.locator(f"input[type=radio][name={name}][value='{value}']")
        if radio.count():
            radio.check()
            continue
        element = page.locator(f"[name={name}]").first
        folded = element.locator("xpath=ancestor::details[not(@open)]")
        if folded.count():  # a folded part of the form ("Add another event"): unfold it
            folded.first.locator("summary").click()
        tag = element.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if tag.startswith("select"):
            element.select_option(value)
        elif tag.endswith(":checkbox"):
            element.check()
        else:
            element.fill(value)


def _at_the_person_step(browser: Any, base: str, site: Site) -> Any:
    """A page signed in as the volunteer, on the intake's person step."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base}/login")
    _sign_in(page, site, "intake")
    page.goto(f"{base}/intake")
    for data in (TESTIFIER, CONSENT):
        _fill(page, data)
        page.click("button.primary[value=next]")
    return page


def test_back_in_the_wizard_shows_the_step_and_keeps_what_was_typed(
    browser: Any, site: Site
) -> None:
    """Given a volunteer on the person step who typed a name and an ID number and
    pressed Check, when they press the browser's Back twice, then the wizard is shown
    each time (never the browser's "Confirm Form Resubmission" page: every step is
    answered with a redirect) and it holds the name and the ID that were typed."""
    with served(site.app) as base:
        page = _at_the_person_step(browser, base, site)
        page.fill("#name_1", PERSON["name_1"])
        page.fill("#resident_id", PERSON["resident_id"])
        page.click("button[value=check]")
        page.wait_for_selector("text=This ID says")
        for _ in range(2):
            page.go_back()
            assert page.locator("form.intake").count() == 1, page.content()[:500]
            assert page.input_value("#name_1") == PERSON["name_1"]
            assert page.input_value("#resident_id") == PERSON["resident_id"]


def test_the_live_check_says_so_when_the_desk_cannot_be_reached(browser: Any, site: Site) -> None:
    """Given a volunteer whose typed name listed a person "may already be recorded",
    when the desk can no longer be reached and they type another name, then the list
    found for the first name is taken away and a sentence says to press Check when the
    connection is back (it stayed, offered for the new name); what was typed stays."""
    with served(site.app) as base:
        page = _at_the_person_step(browser, base, site)
        page.type("#name_1", PERSON_NAMES[0])
        page.wait_for_selector("#similar input[name=same_person]:not(#same_person_new)")
        page.route("**/intake/similar", lambda route: route.abort())
        page.fill("#name_1", "")
        page.type("#name_1", "Асқар Нұрланов")
        page.wait_for_selector("#similar [role=alert]")
        assert "could not be reached" in page.inner_text("#similar")
        assert page.locator("#similar input[name=same_person]").count() == 0
        assert page.input_value("#name_1") == "Асқар Нұрланов"


def test_volunteer_intake_with_an_interrupted_video_upload(browser: Any, site: Site) -> None:
    """Given a volunteer at the intake desk, when they fill the wizard and send a video
    whose upload loses its connection once, then the upload resumes where it stopped,
    the testimony is sealed in the vault with the exact video, and the volunteer sees
    only the reference; screenshots of each step are saved."""
    video = b"\x00\x00\x00\x18ftypmp42" + os.urandom(20 * 1024 * 1024)  # 20 MiB, 3 pieces
    lost: list[str] = []

    def drop_second_piece(route: Any) -> None:
        request = route.request
        if request.method == "PUT":
            puts = [u for u in lost if u.startswith("put")]
            lost.append("put")
            if len(puts) == 1:  # the second piece: the connection drops
                lost.append("dropped")
                route.abort("failed")
                return
        route.continue_()

    SCREENSHOTS.mkdir(exist_ok=True)
    with served(site.app) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{base}/login")
        _sign_in(page, site, "intake")
        page.goto(f"{base}/intake")
        for n, data in enumerate((TESTIFIER, CONSENT, PERSON, EVENTS), start=1):
            _fill(page, data)
            page.screenshot(path=str(SCREENSHOTS / f"intake-{n}.png"), full_page=True)
            page.click("button.primary[value=next]")
            assert "field-error" not in page.content()
        page.route("**/api/uploads/*", drop_second_piece)
        page.set_input_files(
            "#upload-file", {"name": "visit.mp4", "mimeType": "video/mp4", "buffer": video}
        )
        page.click("#upload-start")
        page.wait_for_selector("text=visit.mp4", timeout=60_000)
        assert "dropped" in lost and lost.count("put") >= 4  # resumed after the drop
        # the page is drawn again with the file and who may see it: staff only until said
        page.select_option("select[name^=visibility_]", "public")
        page.screenshot(path=str(SCREENSHOTS / "intake-5-attachments.png"), full_page=True)
        if not page.locator("button[value=save]").count():  # still on the attachments step
            page.click("button.primary[value=next]")
        page.screenshot(path=str(SCREENSHOTS / "intake-6-review.png"), full_page=True)
        page.click("button[value=save]")
        page.wait_for_url("**/intake/done")
        assert "Sealed, reference" in page.inner_text("body")
        assert PERSON["name_1"] not in page.inner_text("body")
    found = site.desk.search(Query(name=PERSON["name_1"])).persons
    assert len(found) == 1
    detail = site.desk.person(found[0].person_id)
    entry = detail.testimonies[0]["entry_id"]
    opened = open_entry(site.desk.vault, entry, [site.desk.keys.identity])
    assert [f["sha256"] for f in opened.content["files"]] == [hashlib.sha256(video).hexdigest()]
    assert opened.content["data"]["changes"][0]["media"] == [{"file": 0, "visibility": "public"}]


def test_a_researcher_plays_a_sealed_video_and_seeks_by_range(
    browser: Any, site: Site, tmp_path: Path
) -> None:
    """Given a 30-second WebM video sealed in the vault as a testimony's file (encoded
    by the browser, muxed by the test, padded to tens of MiB), when a researcher opens
    the person page, loads the player and seeks to 25 s, then chromium asks for the
    seek with an HTTP Range request from far into the file, the desk answers 206, and
    the video plays on from there; the person page with its player is saved as
    person-player.png."""
    SCREENSHOTS.mkdir(exist_ok=True)
    with served(site.app) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{base}/login")
        video = webm(encode_frames(page, 60), padding=512 * 1024)
        person, blob = seal_media_person(
            site, tmp_path, video, media_type="video/webm", name="visit.webm"
        )
        _sign_in(page, site, "researcher")
        asked: list[str] = []
        answered: list[int] = []
        page.on(
            "request",
            lambda r: asked.append(r.headers.get("range", "")) if "/media/" in r.url else None,
        )
        page.on("response", lambda r: answered.append(r.status) if "/media/" in r.url else None)
        page.goto(f"{base}/persons/{person}")
        player = page.locator(f"video[src='/media/{blob}']")
        assert player.count() == 1 and asked == []  # nothing decrypted before it is asked
        duration = player.evaluate(
            """v => new Promise((done, fail) => {
                v.muted = true;
                v.addEventListener("loadedmetadata", () => done(v.duration), {once: true});
                v.addEventListener("error", () => fail(String(v.error && v.error.message)));
                v.preload = "metadata";
                v.load();
            })"""
        )
        assert 29 <= duration <= 31
        before = len(asked)
        player.evaluate(
            """v => new Promise(done => {
                v.addEventListener("seeked", done, {once: true});
                v.currentTime = 25;
            })"""
        )
        player.evaluate("v => v.play()")
        page.wait_for_function(
            "v => v.currentTime > 25.4 && !v.paused", arg=player.element_handle(), timeout=20_000
        )
        starts = [int(r[6:].split("-")[0]) for r in asked[before:] if r.startswith("bytes=")]
        assert starts and max(starts) > len(video) // 2, asked
        assert 206 in answered and all(s in (200, 206) for s in answered), answered
        page.screenshot(path=str(SCREENSHOTS / "person-player.png"), full_page=True)


def test_the_admin_pages_in_a_browser(browser: Any, site: Site) -> None:
    """Given an admin, when they open the accounts page, add a publisher and open the
    mirror page and their own account page, then each renders (the new password shown
    once) and screenshots admin-accounts.png, admin-account-added.png, admin-mirrors.png
    and account.png are saved; the pages carry no inline script."""
    SCREENSHOTS.mkdir(exist_ok=True)
    with served(site.app) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{base}/login")
        _sign_in(page, site, "admin")
        page.click("nav >> text=Accounts")
        page.wait_for_url("**/admin/accounts")
        page.screenshot(path=str(SCREENSHOTS / "admin-accounts.png"), full_page=True)
        page.fill("#n-name", "dana.s")
        page.select_option("#n-role", "publisher")
        page.click("text=Add the account")
        assert "New password for dana.s" in page.inner_text("body")
        page.screenshot(path=str(SCREENSHOTS / "admin-account-added.png"), full_page=True)
        page.click("nav >> text=Mirrors")
        page.wait_for_url("**/admin/mirrors")
        assert "No mirrors yet" in page.inner_text("body")
        page.screenshot(path=str(SCREENSHOTS / "admin-mirrors.png"), full_page=True)
        page.click("nav >> text=My account")
        page.wait_for_url("**/account")
        page.screenshot(path=str(SCREENSHOTS / "account.png"), full_page=True)
        assert page.evaluate("document.querySelectorAll('script:not([src])').length") == 0


def _on_person_page(browser: Any, site: Site, base: str, role: str = "researcher") -> Any:
    """A page signed in as a researcher (or ``role``), on the first person's page."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{base}/login")
    _sign_in(page, site, role)
    page.goto(f"{base}/persons/{site.person_ids[0]}")
    return page


def test_a_researcher_corrects_a_value_in_a_browser(browser: Any, site: Site) -> None:
    """Given a researcher on a person's page, when they follow 'Correct' on the status,
    type the reason and the right value and send the form with the Enter key, then the
    old value shows as retracted, the new one stands and the reason is in the history;
    edit-correct.png is saved."""
    SCREENSHOTS.mkdir(exist_ok=True)
    with served(site.app) as base:
        page = _on_person_page(browser, site, base)
        page.click("a:has-text('Correct') >> nth=1")
        page.wait_for_url("**/correct?claim=*")
        page.focus("#e-reason")
        page.keyboard.type("Сестра уточнила: 2017 жыл.")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")  # to "what happened"
        page.select_option("#e-status", "detained")
        page.fill("#e-value", "2017-05")
        page.select_option("#e-source", index=1)
        page.screenshot(path=str(SCREENSHOTS / "edit-correct.png"), full_page=True)
        page.focus("#e-value")
        page.keyboard.press("Enter")
        page.wait_for_url("**/persons/*?edited=1*")
        body = page.inner_text("body")
        assert "Retracted" in body and "Сестра уточнила: 2017 жыл." in body
        assert "2017-05" in body


def test_a_researcher_records_a_withdrawn_consent_in_a_browser(browser: Any, site: Site) -> None:
    """Given a researcher on a person's page, when they follow 'Change consent', choose
    Withdrawn, say how and why, and seal it, then the page shows the testimony's consent
    as withdrawn and the change, with its reason, in the history; edit-consent.png is
    saved."""
    SCREENSHOTS.mkdir(exist_ok=True)
    with served(site.app) as base:
        page = _on_person_page(browser, site, base)
        page.click("a:has-text('Change consent')")
        page.wait_for_url("**/consent?testimony=*")
        page.check("#level_withdrawn")
        page.select_option("#e-how", "oral")
        page.fill("#e-reason", "Ағасы телефонмен хабарласты.")
        page.screenshot(path=str(SCREENSHOTS / "edit-consent.png"), full_page=True)
        page.click("button:has-text('Seal the change')")
        page.wait_for_url("**/persons/*?edited=1*")
        body = page.inner_text("body")
        assert "Withdrawn" in body and "Consent changed" in body
        assert "Ағасы телефонмен хабарласты." in body


def test_a_reviewer_settles_a_testimony_recorded_twice_in_a_browser(
    browser: Any, site: Site
) -> None:
    """Given a testimony recorded again with a wider consent and another title, when a
    reviewer follows the flag's link, reads the versions side by side, chooses the first
    and says why, then the flag is gone and the settlement's reason is in the history;
    settle.png is saved."""
    SCREENSHOTS.mkdir(exist_ok=True)
    record_again(site, site.person_ids[0], title="Ағасының екінші нұсқасы",
                 consent={"level": "public_named", "un": True})  # fmt: skip
    with served(site.app) as base:
        page = _on_person_page(browser, site, base, "reviewer")
        page.click("a:has-text('Compare the versions and choose the genuine one')")
        page.wait_for_url("**/settle?testimony=*")
        differs = page.locator("#versions tr.verdict-differ th").all_inner_texts()
        assert [d.split("\n")[0] for d in differs] == ["Title", "Consent level"]
        page.check("#genuine_1")
        page.fill("#e-reason", "Жазып алған ерікті біріншісін растады.")
        page.screenshot(path=str(SCREENSHOTS / "settle.png"), full_page=True)
        page.click("button:has-text('Seal the change')")
        page.wait_for_url("**/persons/*?edited=1*")
        body = page.inner_text("body")
        assert "Compare the versions" not in body and "A testimony was recorded twice" not in body
        assert "Жазып алған ерікті біріншісін растады." in body


def test_a_reviewer_assesses_a_record_in_a_browser(browser: Any, site: Site) -> None:
    """Given a reviewer on a person's page, when they follow 'Assess this record', grade
    the violation likely and the source likely reliable, say why and seal it, then the
    page shows both in words, with the reason; assess.png and assessed.png are saved."""
    SCREENSHOTS.mkdir(exist_ok=True)
    with served(site.app) as base:
        page = _on_person_page(browser, site, base, "reviewer")
        page.click("a:has-text('Assess this record')")
        page.wait_for_url("**/assess")
        page.select_option("#e-violation", "likely")
        page.select_option("#e-source_reliability", "likely_reliable")
        page.fill("#e-reason", "Әйелі мен ағасының айтқаны сәйкес келеді.")
        page.screenshot(path=str(SCREENSHOTS / "assess.png"), full_page=True)
        page.click("button:has-text('Seal the change')")
        page.wait_for_url("**/persons/*?edited=1*")
        in_force = page.inner_text("#h-assessment + dl")
        assert "Likely reliable" in in_force and "Likely" in in_force
        page.click("#h-assessment ~ details summary")
        assert "Әйелі мен ағасының айтқаны сәйкес келеді." in page.inner_text("body")
        section = page.locator("#h-assessment").locator("xpath=..")
        section.screenshot(path=str(SCREENSHOTS / "assessed.png"))


def test_a_reviewer_decides_a_pair_in_a_browser(browser: Any, site: Site) -> None:
    """Given a desk where one man is recorded in Cyrillic, Latin and Chinese, when a
    reviewer presses "Look for duplicates now" in a real browser, then the page follows
    the search's progress and reloads with his pairs; the pair page shows both records
    side by side with what agrees and differs (the names read the same, each with its
    Latin reading; a birth day within a birth year); deciding "The same person" with a reason
    merges them and says so, and deciding "Different persons" splits them again.
    review-queue.png, review-pair.png (and in Kazakh, review-pair-kk.png) and
    review-merged.png are saved."""
    SCREENSHOTS.mkdir(exist_ok=True)
    cyr, lat, _ = _desk_with_bilash(site.desk)
    with served(site.app) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/login")
        _sign_in(page, site, "reviewer")
        page.goto(f"{base}/review")
        page.click("text=Look for duplicates now")
        page.wait_for_selector("text=The search found", timeout=120_000)
        body = page.inner_text("body")
        assert "Серікжан Білаш" in body and "Serikzhan Bilash" in body
        page.screenshot(path=str(SCREENSHOTS / "review-queue.png"), full_page=True)

        page.goto(f"{base}/review/{cyr}/{lat}")
        assert "Are these the same person?" in page.inner_text("h1")
        assert page.locator("tr.verdict-agree").count() >= 1
        names = page.inner_text("tr.verdict-agree:has-text('Names')")
        assert "written differently, read the same" in names and "serikjan bilash" in names
        assert "agree, one more precise" in page.inner_text("body")  # 1980-01-01 and 1980
        page.screenshot(path=str(SCREENSHOTS / "review-pair.png"), full_page=True)
        page.click("nav.languages a[href^='/lang/kk']")
        page.wait_for_url(f"**/review/{cyr}/{lat}")
        kk = translator("kk").gettext
        assert kk("written differently, read the same") in page.inner_text("body")
        page.screenshot(path=str(SCREENSHOTS / "review-pair-kk.png"), full_page=True)
        page.click("nav.languages a[href^='/lang/en']")
        page.wait_for_url(f"**/review/{cyr}/{lat}")
        page.check("#decision-same")
        page.fill("#reason", "Same hometown, same year; the wife and the cousin describe him alike")
        page.click("text=Seal the decision")
        page.wait_for_url("**/review*decided=1")
        assert sorted(site.desk.person(lat).records) == sorted((cyr, lat))

        page.goto(f"{base}/review/{cyr}/{lat}")
        assert "merged into one person now" in page.inner_text("body")
        page.screenshot(path=str(SCREENSHOTS / "review-merged.png"), full_page=True)
        page.check("#decision-different")
        page.fill("#reason", "Two men: the IDs differ in the birth date")
        page.click("text=Seal the decision")
        page.wait_for_url("**/review*decided=1")
        assert site.desk.person(cyr).records == [cyr]
        assert site.desk.person(lat).records == [lat]
        assert page.evaluate("document.querySelectorAll('script:not([src])').length") == 0


def test_the_verdicts_of_a_pair_are_read_without_scrolling_sideways(
    browser: Any, site: Site
) -> None:
    """Given two records whose verdict notes are long sentences (one word of the names
    alike, the others not; two counties of one prefecture; births two years apart),
    when a reviewer reads the pair in Russian and Kazakh on a 1366-pixel laptop screen,
    then the side-by-side table fits its box (nothing is cut off to the right), and in
    an 800-pixel window every verdict cell still lies within the window."""
    from amanat.desk.service import Batch
    from test_duplicates import _person

    site.desk.seal_records(
        [
            Batch([], _person("Серікжан Білаш", birth="1980", county="654002")),
            Batch([], _person("Серікжан Тұрғанұлы", birth="1982", county="654021")),
        ]
    )
    a = site.desk.search(Query(name="Серікжан Білаш", limit=1)).persons[0].person_id
    b = site.desk.search(Query(name="Серікжан Тұрғанұлы", limit=1)).persons[0].person_id
    with served(site.app) as base:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{base}/login")
        _sign_in(page, site, "reviewer")
        for lang in ("ru", "kk"):
            page.goto(f"{base}/lang/{lang}?next=/review/{a}/{b}")
            page.goto(f"{base}/review/{a}/{b}")
            assert page.locator("tr.verdict-near").count() >= 1
            box = page.evaluate(
                "(() => { const s = document.querySelector('.scroll-x');"
                " return [s.scrollWidth, s.clientWidth]; })()"
            )
            assert box[0] <= box[1] + 1, (lang, box)
        page.set_viewport_size({"width": 800, "height": 768})
        page.goto(f"{base}/review/{a}/{b}")
        rights = page.evaluate(
            "[...document.querySelectorAll('td.verdict')]"
            ".map(td => td.getBoundingClientRect().right)"
        )
        assert rights and max(rights) <= 800, rights


def test_the_browser_keeps_no_name_typed_in_its_form_history(site: Site, tmp_path: Path) -> None:
    """Given a researcher on a laptop whose browser keeps a profile on disk, when they
    search for a name, then the browser's form history (the Web Data file, unencrypted,
    offered to the next user of the laptop) holds no name; every form that takes a
    person's details asks the browser not to keep what is typed in it; and a switch of
    language keeps the search shown."""
    import sqlite3

    path = chromium_path()
    if path is None:
        skip_unless_ci("Debian's chromium is not installed (scripts/setup --dev installs it)")
    profile = tmp_path / "profile"
    with playwright_api.sync_playwright() as p, served(site.app) as base:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=path, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            page = context.new_page()
            page.goto(f"{base}/login")
            _sign_in(page, site, "researcher")
            page.goto(f"{base}/persons")
            page.fill("#f-name", "Gulnar")
            page.click("form.filters button[type=submit]")
            page.wait_for_url("**/persons?q=*")
            page.wait_for_function("!document.body.innerText.includes('Серік Жылқыбаев')")
            page.goto(f"{base}/persons")  # a second submission, as a person searches on
            page.fill("#f-name", "Тұрсынова")
            page.press("#f-name", "Enter")
            page.wait_for_url("**/persons?q=*")
            assert page.evaluate("document.querySelector('form.filters').autocomplete") == "off"
            # switching the language keeps the search the page shows (the address htmx
            # moved on to, ?q=KEY, not the page as first written)
            searched = page.url
            page.click("nav.languages a[href^='/lang/kk']")
            page.wait_for_url(searched)
            assert "Гүлнар Тұрсынова" in page.inner_text("#results")
            assert "Серік Жылқыбаев" not in page.inner_text("#results")
        finally:
            context.close()
    with sqlite3.connect(profile / "Default" / "Web Data") as db:
        kept = [value for (value,) in db.execute("SELECT value FROM autofill")]
    assert not any("Gulnar" in v or "Тұрсынова" in v for v in kept), kept
    templates = Path(__file__).resolve().parent.parent / "src/amanat/web/staff/templates"
    for name in ("persons.html", "intake/wizard.html", "edit.html", "review_pair.html"):
        assert 'autocomplete="off"' in (templates / name).read_text(encoding="utf-8"), name
