"""Every page of the staff app in every interface language, the language switch, the
person list's filters, and hostile text in the records shown harmless.

Given / When / Then; the app runs over a real desk (``web_staff.staff_site``).
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from markupsafe import escape

from amanat.desk.service import Batch
from amanat.records import build as b
from amanat.records.changes import new_id
from amanat.views.read import Query
from amanat.web.staff.api import openapi_document
from amanat.web.staff.app import ROUTE_ROLES
from amanat.web.staff.i18n import COOKIE_NAME, LOCALES, translator
from conftest import Org
from web_staff import PERSON_NAMES, Site, csrf_of, staff_site

HOSTILE_NAME = "<script>alert('x')</script> \u202egnp.exe Серік"
LONG_NOTE = "ы" * 9_990 + "<b>end</b>"  # 10,000 characters


def _signed_in(site: Site, lang: str, role: str = "researcher") -> Any:
    client = site.client()
    client.cookies.set(COOKIE_NAME, lang)
    assert site.sign_in(client, role) == 303
    return client


def _html_tag(text: str) -> str:
    found = re.search(r"<html[^>]*>", text)
    assert found, text[:200]
    return found.group(0)


# English words a complete language's staff screens never show
STAFF_WORDS = (
    "Persons",
    "Evidence grade",
    "Log out",
    "Disagreements",
    "What the family has done",
    "For the UN working group",
)


@pytest.mark.parametrize("lang", sorted(LOCALES))
def test_every_page_renders_in_every_language(org: Org, lang: str) -> None:
    """Given a visitor who chose a language, when they open every page, then each answers
    in that language: the html element names it and its direction, and for the complete
    languages no English msgid is left on the staff screens."""
    info = LOCALES[lang]
    gettext = translator(lang).gettext
    with staff_site(org) as site:
        anonymous = site.client()
        anonymous.cookies.set(COOKIE_NAME, lang)
        login = anonymous.get("/login")
        assert login.status_code == 200
        assert f'lang="{info.html_lang}"' in _html_tag(login.text)
        assert f'dir="{info.direction}"' in _html_tag(login.text)
        assert html.escape(gettext("Log in")) in login.text
        client = _signed_in(site, lang)
        pages = {
            "/": 200,
            "/persons": 200,
            "/persons?status=in_camp&from=2018-01-01&to=2018-12-31&grade=1&flagged=1&page=1": 200,
            f"/persons/{site.person_ids[0]}": 200,
            "/persons/p_nobody": 404,
            "/no/such/page": 404,
        }
        for path, status in pages.items():
            response = client.get(path)
            assert response.status_code == status, (lang, path)
            assert f'dir="{info.direction}"' in _html_tag(response.text)
            assert html.escape(gettext("Back to the start" if status == 404 else "Persons")) in (
                response.text
            )
            if lang in ("kk", "ru") and status == 200:
                for english in STAFF_WORDS:
                    assert f">{english}<" not in response.text, (lang, path, english)
        person = client.get(f"/persons/{site.person_ids[0]}").text
        assert gettext("In camp") in person  # the stored code in_camp, translated
        assert gettext("Public, anonymised") in person  # consent level
        assert gettext("Sibling") in person  # the testifier's relationship
        assert html.escape(gettext("What the family has done")) in person
        assert html.escape(gettext("For the UN working group")) in person


def test_the_kazakh_pages_speak_kazakh(org: Org) -> None:
    with staff_site(org) as site:
        text = _signed_in(site, "kk").get("/persons").text
        assert "Адамдар" in text  # "Persons"
        assert "Лагерьде" in text or "лагерь" in text.lower()  # the status "In camp"
        assert 'lang="kk"' in _html_tag(text)


def test_the_browser_language_is_used_until_one_is_chosen(org: Org) -> None:
    """Given no cookie, then Accept-Language decides; when /lang/ug is followed, then the
    cookie is set and wins; a redirect only ever goes to a path on this site."""
    with staff_site(org) as site:
        client = site.client()
        page = client.get("/login", headers={"accept-language": "ru-RU,ru;q=0.9,en;q=0.5"})
        assert 'lang="ru"' in _html_tag(page.text)
        switched = client.get("/lang/ug", params={"next": "/login"})
        assert switched.status_code == 303
        assert switched.headers["location"] == "/login"
        assert f"{COOKIE_NAME}=ug" in switched.headers["set-cookie"]
        client.cookies.set(COOKIE_NAME, "ug")
        page = client.get("/login", headers={"accept-language": "ru"})
        assert 'dir="rtl"' in _html_tag(page.text)
        assert translator("ug").gettext("Log in") in page.text
        for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
            assert client.get("/lang/kk", params={"next": evil}).headers["location"] == "/"
        assert client.get("/lang/xx").status_code == 404


def test_the_list_filters_and_pages(org: Org) -> None:
    with staff_site(org) as site:
        client = _signed_in(site, "en")
        everyone = client.get("/persons").text
        for name in PERSON_NAMES:
            assert html.escape(name) in everyone
        assert "3 persons" in everyone
        assert "0 persons" in client.get("/persons", params={"status": "released"}).text
        assert "3 persons" in client.get("/persons", params={"from": "2018-01-01"}).text
        assert "0 persons" in client.get("/persons", params={"to": "2017-12-31"}).text
        assert "0 persons" in client.get("/persons", params={"flagged": "1"}).text
        # none of the three holds all a UN case needs (no step taken by the family)
        assert "0 persons" in client.get("/persons", params={"un": "1"}).text
        # none was ever sent to the UN working group
        assert "3 persons" in client.get("/persons", params={"unsent": "1"}).text
        assert client.get("/persons", params={"from": "yesterday"}).status_code == 400
        assert client.get("/persons", params={"page": "2"}).status_code == 200
        # a page number past any list is a clear error, not an overflow in the database
        for huge in ("9223372036854775807", "99999999999999999999"):
            answer = client.get("/persons", params={"page": huge})
            assert answer.status_code == 400 and "Traceback" not in answer.text
            assert client.get("/api/persons", params={"page": huge}).status_code == 400
        assert "0 persons" not in client.get("/persons", params={"page": "1000000"}).text


def _add_hostile_person(site: Site) -> str:
    person, testimony = new_id("p"), new_id("t")
    ref = b.source_ref(testimony=testimony, locator="<i>00:01</i>")
    changes = [
        {
            "op": "testimony.recorded",
            "testimony": testimony,
            "persons": [person],
            "testifier": {"relationship": "self", "name": HOSTILE_NAME},
            "consent": {"level": "internal"},
            "media": [],
        },
        {
            "op": "person.created",
            "person": person,
            "claims": [
                b.claim("name", b.name(HOSTILE_NAME), ref),
                b.claim("status", b.status("detained", "2019-02", note=LONG_NOTE), ref),
            ],
        },
    ]
    site.desk.seal_records([Batch(files=[], changes=changes)])
    assert site.desk.search(Query(name="gnp.exe")).total == 1
    return person


@pytest.mark.parametrize("lang", ["en", "ug"])
def test_hostile_text_in_records_is_shown_escaped_and_whole(org: Org, lang: str) -> None:
    """Given a person whose name holds a script tag and a right-to-left override, and a
    10,000-character note, when the list and the page are shown, then the text is there
    exactly, escaped, and isolated in <bdi> so that it cannot reorder the page."""
    assert len(LONG_NOTE) == 10_000
    with staff_site(org) as site:
        person = _add_hostile_person(site)
        client = _signed_in(site, lang)
        for path in ("/persons", f"/persons/{person}"):
            text = client.get(path).text
            assert "<script>alert" not in text
            assert "<b>end" not in text and "<i>00:01" not in text
            assert f"<bdi>{escape(HOSTILE_NAME)}</bdi>" in text
        page = client.get(f"/persons/{person}").text
        assert str(escape(LONG_NOTE)) in page
        assert str(escape("<i>00:01</i>")) in page


def test_the_api_searches_by_name_in_a_body_never_in_the_address(org: Org) -> None:
    """Given a script using the JSON API, when it posts a name in a JSON body, then the
    person is found; when it puts the name in the address, then 400 says to post it
    (addresses end up in logs and history); filters alone may stay in the address."""
    with staff_site(org) as site:
        client = site.client()
        site.sign_in(client, "researcher")
        token = {"X-CSRF-Token": csrf_of(client, "/")}
        found = client.post("/api/persons/search", json={"name": "серік"}, headers=token)
        assert found.status_code == 200 and found.json()["total"] == 1
        both = {"name": "серік", "status": "in_camp", "flagged": False, "page": 1}
        assert client.post("/api/persons/search", json=both, headers=token).json()["total"] == 1
        refused = client.get("/api/persons", params={"name": "серік"})
        assert refused.status_code == 400 and "POST /api/persons/search" in refused.json()["error"]
        assert client.get("/api/persons", params={"status": "in_camp"}).json()["total"] == 3
        for bad in (b"[1]", b"{", b'{"age": 3}', b'{"name": [1]}'):
            sent = client.post("/api/persons/search", content=bad, headers=token)
            assert sent.status_code == 400, bad
        big = client.post("/api/persons/search", json={"name": "ж" * 40_000}, headers=token)
        assert big.status_code == 413
        assert client.post("/api/persons/search", json={"name": "x"}).status_code == 403


def test_openapi_describes_every_api_route() -> None:
    """Given the app's real routes, then every /api route and method is in the OpenAPI
    description, so a script writer never meets an undocumented endpoint."""
    paths = openapi_document()["paths"]
    for method, path in ROUTE_ROLES:
        if path.startswith("/api/"):
            assert method.lower() in paths.get(path, {}), (method, path)


def test_places_are_shown_by_name_never_by_code(org: Org) -> None:
    """Given a person whose hometown is a county code with the words a relative used,
    and a camp given by the gazetteer's OSM id, when a reader opens the person's page in
    Kazakh, then the county and the camp are named (with the relative's words), and
    neither code nor a raw record value ({'place': ...}) is shown."""
    person, testimony = new_id("p"), new_id("t")
    ref = b.source_ref(testimony=testimony)
    camp = b.place_ref("osm:way/646988930")
    changes = [
        {
            "op": "testimony.recorded",
            "testimony": testimony,
            "persons": [person],
            "testifier": {"relationship": "sibling", "name": "Айгүл"},
            "consent": {"level": "internal"},
            "media": [],
        },
        {
            "op": "person.created",
            "person": person,
            "claims": [
                b.claim("name", b.name("Серікжан Білаш"), ref),
                b.claim("hometown", b.place_ref("654021", "Кульджа"), ref),
                b.claim("status", b.status("in_camp", "2018-04", place=camp), ref),
            ],
        },
    ]
    with staff_site(org) as site:
        site.desk.seal_records([Batch(files=[], changes=changes)])
        page = html.unescape(_signed_in(site, "kk").get(f"/persons/{person}").text)
    assert "Құлжа ауданы (Кульджа)" in page
    assert "Shule County Legal Education Transformation School" in page or "疏勒县" in page
    assert "osm:way" not in page and "{'place'" not in page and "654021" not in page


def test_an_unknown_person_is_said_in_the_page_language(org: Org) -> None:
    """Given a reader of the Russian pages, when they open an id the desk does not
    hold, then the answer is 404 with the sentence in Russian."""
    with staff_site(org) as site:
        answer = _signed_in(site, "ru").get("/persons/p_00")
    assert answer.status_code == 404
    assert "Человека p_00 нет в базе данных" in html.unescape(answer.text)


def test_flags_are_said_in_the_page_language(org: Org) -> None:
    """Given a person whose resident ID gives another birth date and sex than the
    testimony, and two sources that give two birth years, when a reader opens the
    person's page in Kazakh, then each flag's field, kind and sentence are in Kazakh,
    with the values (dates, sex as a word) in their places, and no English sentence or
    stored code is left."""
    person, one, two = new_id("p"), new_id("t"), new_id("t")
    refs = [b.source_ref(testimony=t) for t in (one, two)]
    changes: list[dict[str, Any]] = [
        {
            "op": "testimony.recorded",
            "testimony": t,
            "persons": [person],
            "testifier": {"relationship": "sibling"},
            "consent": {"level": "internal"},
            "media": [],
        }
        for t in (one, two)
    ]
    changes.append(
        {
            "op": "person.created",
            "person": person,
            "claims": [
                b.claim("name", b.name("Серікжан Білаш"), refs[0]),
                b.claim("birth", b.date_text("1978"), refs[0]),
                b.claim("birth", b.date_text("1980"), refs[1]),
                b.claim("sex", "female", refs[0]),
                b.claim("document", b.document("cn_resident_id", "654021197803020012"), refs[0]),
            ],
        }
    )
    with staff_site(org) as site:
        site.desk.seal_records([Batch(files=[], changes=changes)])
        page = html.unescape(_signed_in(site, "kk").get(f"/persons/{person}").text)
    flags = page[page.index('id="h-flags"') : page.index("</section>", page.index('id="h-flags"'))]
    assert "Дереккөздер келіспейді: 1978; 1980." in flags
    assert flags.count("Дереккөздер келіспейді") == 1  # said once, not as heading and sentence
    assert "Куәлік нөмірі бойынша жынысы: ер; дереккөзде: әйел." in flags
    assert "Куәлік нөмірі бойынша туған күні 1978-03-02; дереккөзде 1980." in flags
    assert "Туған күні" in flags or "Туған күн" in flags  # the field birth
    for english in ("disagreement", "id_sex_conflict", "the ID says", "a source says", "male"):
        assert english not in flags, english
