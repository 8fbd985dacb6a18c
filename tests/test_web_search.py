"""Cross-script name search in the staff app: the filter form posted, the list ranked,
the matched form shown, and the typed name nowhere in an address."""

from __future__ import annotations

from html import escape
from typing import Any

from amanat.desk.service import Batch
from amanat.records import build as b
from amanat.web.staff import i18n
from amanat.web.staff.pages import (
    BAD_DAY,
    BAD_STATUS,
    FORGOTTEN,
    MAX_SEARCHES,
    NAME_TOO_LONG,
)
from conftest import Org
from test_duplicates import _person
from web_staff import csrf_of, post_form, staff_site


def _two_records_of_one_man(site: Any) -> Any:
    """Серікжан Білаш and 赛力克江 sealed on the desk; a researcher's signed-in client."""
    site.desk.seal_records(
        [
            Batch(files=[], changes=_person("Серікжан Білаш", birth="1980")),
            Batch(files=[], changes=_person("赛力克江", birth="1980")),
        ]
    )
    client = site.client()
    assert site.sign_in(client, "researcher") == 303
    return client


def test_a_name_typed_in_latin_finds_cyrillic_and_chinese_records(org: Org) -> None:
    """Given persons recorded as Серікжан Білаш and as 赛力克江, when a researcher types
    "Serikzhan" into the list's name filter, then both are listed, each with the
    recorded form that matched, and the address carries an opaque key only."""
    with staff_site(org) as site:
        client = _two_records_of_one_man(site)
        posted = post_form(client, "/persons", {"name": "Serikzhan"})
        assert posted.status_code == 303
        address = posted.headers["location"]
        assert "Serikzhan" not in address and "q=" in address
        page = client.get(address).text
        assert "Серікжан Білаш" in page and "赛力克江" in page
        assert "Серік Жылқыбаев" not in page  # one shared beginning is not enough here
        whole = client.get(
            post_form(client, "/persons", {"name": "Serikzhan Bilash"}).headers["location"]
        ).text
        assert "Серікжан Білаш" in whole and "赛力克江" not in whole  # far below the best
        none = client.get(
            post_form(client, "/persons", {"name": "Zhanna Qasymova"}).headers["location"]
        )
        assert "No results." in none.text and "Check the spelling" in none.text


def test_a_person_found_by_another_name_shows_the_form_that_matched(org: Org) -> None:
    """Given a person shown as Серікжан Білаш who is also recorded as 赛力克江·别拉什,
    when a researcher types "赛力克江", then the list shows him with "matched:" and the
    Chinese form (the most similar form, and among equals the one in the script typed)."""
    with staff_site(org) as site:
        changes = _person("Серікжан Білаш", birth="1980")
        ref = changes[1]["claims"][0]["source"]
        changes[1]["claims"].append(b.claim("name", b.name("赛力克江·别拉什"), ref))
        site.desk.seal_records([Batch(files=[], changes=changes)])
        client = site.client()
        assert site.sign_in(client, "researcher") == 303
        posted = post_form(client, "/persons", {"name": "赛力克江"})
        page = client.get(posted.headers["location"]).text
        assert "Серікжан Білаш" in page
        assert "matched:" in page and "赛力克江·别拉什" in page


def test_the_filter_forms_script_gets_the_results_in_place(org: Org) -> None:
    """Given persons recorded as Серікжан Білаш and 赛力克江, when the list page's script
    (htmx) posts the name filter, then it gets only the results to swap in, with the
    address to show for Back and Reload (an opaque key, never the name), and that
    address gives the same persons as a whole page; a filter that cannot be read is
    said in place of the results, and no address is pushed."""
    with staff_site(org) as site:
        client = _two_records_of_one_man(site)
        script = {"HX-Request": "true", "HX-Current-URL": "http://testserver/persons"}
        token = csrf_of(client, "/persons")
        swapped = client.post("/persons", data={"name": "Serikzhan", "csrf": token}, headers=script)
        assert swapped.status_code == 200
        assert swapped.text.lstrip().startswith('<div id="results">')
        assert "<html" not in swapped.text and "<form" not in swapped.text
        assert "Серікжан Білаш" in swapped.text and "赛力克江" in swapped.text
        address = swapped.headers["hx-push-url"]
        assert address.startswith("/persons?q=") and "Serikzhan" not in address
        whole = client.get(address).text
        assert "Серікжан Білаш" in whole and "赛力克江" in whole and "<form" in whole
        bad = client.post(
            "/persons", data={"name": "Serikzhan", "grade": "9", "csrf": token}, headers=script
        )
        assert bad.status_code == 200 and "hx-push-url" not in bad.headers
        assert "The grade must be 0 to 4" in bad.text and "Серікжан Білаш" not in bad.text
        restored = client.get(address, headers={**script, "HX-History-Restore-Request": "true"})
        assert "<form" in restored.text  # Back asks for a whole page


def test_a_search_no_longer_remembered_says_so_and_lists_no_one(org: Org) -> None:
    """Given a researcher's name search, when its address is opened after 20 newer
    searches (or with a key the session never had: a restart, a session ended), then
    the list says the search is no longer remembered, in the page's language, and
    shows no persons: never the whole list under an empty name box."""
    with staff_site(org) as site:
        client = _two_records_of_one_man(site)
        first = post_form(client, "/persons", {"name": "Serikzhan"}).headers["location"]
        assert "Серікжан Білаш" in client.get(first).text
        for n in range(MAX_SEARCHES):
            post_form(client, "/persons", {"name": f"name {n}"})
        for address in (first, "/persons?q=never-given&status=in_camp"):
            page = client.get(address)
            assert page.status_code == 200
            assert "This search is no longer remembered; type the name again." in page.text
            assert "Серікжан Білаш" not in page.text and "Серік Жылқыбаев" not in page.text
        client.cookies.set(i18n.COOKIE_NAME, "ru")
        page = client.get("/persons?q=never-given&status=in_camp").text
        said = i18n.translator("ru").gettext(FORGOTTEN)
        assert said != FORGOTTEN and escape(said) in page
        assert '<option value="in_camp" selected>' in page  # the other filters kept


def test_a_filter_the_list_cannot_use_is_said_beside_the_form_in_russian(org: Org) -> None:
    """Given a Russian-speaking researcher, when a filter cannot be used (a date that is
    no date, an unknown status, a name of more than 10,000 characters, with and without
    the page's script), then the sentence is in Russian, beside the form, with every
    filter kept as typed and no results shown; the script gets it in place of the old
    results (a 200 it puts in place), never a page it would not show."""
    with staff_site(org) as site:
        client = _two_records_of_one_man(site)
        client.cookies.set(i18n.COOKIE_NAME, "ru")
        ru = i18n.translator("ru").gettext
        page = client.get("/persons", params={"from": "2020-13-45", "status": "in_camp"})
        assert page.status_code == 400 and escape(ru(BAD_DAY)) in page.text
        assert ru(BAD_DAY) != BAD_DAY
        assert (
            'value="2020-13-45"' in page.text and '<option value="in_camp" selected>' in page.text
        )
        assert 'id="f-name"' in page.text and "Серікжан Білаш" not in page.text
        page = client.get("/persons", params={"status": "lost"})
        assert escape(ru(BAD_STATUS)) in page.text and ru(BAD_STATUS) != BAD_STATUS
        long_name = "Серікжан " * 1200  # more than 10,000 characters
        token = csrf_of(client, "/persons")
        sent = {"name": long_name, "county": "654002", "csrf": token}
        whole = client.post("/persons", data=sent)
        assert whole.status_code == 400 and escape(ru(NAME_TOO_LONG)) in whole.text
        assert ru(NAME_TOO_LONG) != NAME_TOO_LONG
        assert long_name.strip() in whole.text and 'value="654002"' in whole.text
        script = {"HX-Request": "true", "HX-Current-URL": "http://testserver/persons"}
        swapped = client.post("/persons", data=sent, headers=script)
        assert swapped.status_code == 200 and "hx-push-url" not in swapped.headers
        assert swapped.text.lstrip().startswith('<div id="results">')
        assert escape(ru(NAME_TOO_LONG)) in swapped.text and "Серікжан Білаш" not in swapped.text
