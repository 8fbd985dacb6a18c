"""Cross-script name search in the staff app: the filter form posted, the list ranked,
the matched form shown, and the typed name nowhere in an address."""

from __future__ import annotations

from typing import Any

from amanat.desk.service import Batch
from amanat.records import build as b
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
    address gives the same persons as a whole page; a filter that cannot be read sends
    the browser to the list's address, where the message is shown in full."""
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
        assert bad.status_code == 204
        target = bad.headers["hx-redirect"]
        assert target.startswith("/persons?") and "Serikzhan" not in target
        assert client.get(target).status_code == 400
        restored = client.get(address, headers={**script, "HX-History-Restore-Request": "true"})
        assert "<form" in restored.text  # Back asks for a whole page
