"""A testimony recorded without a person (a video imported from a channel) linked to a
person from the person page (``testimony.linked``).

Imported videos concern no person until a reviewer says whom they are about; until
then they are on no person's page, so their consent could not be changed anywhere.
Given / When / Then, against a real desk; "nothing sealed" is checked by counting the
record entries.
"""

from __future__ import annotations

from typing import Any

from amanat.desk.service import Batch
from amanat.records.changes import new_id
from amanat.views.unlinked import name_words
from amanat.web.staff.app import routes
from conftest import Org
from web_staff import Site, csrf_of, imported_video, staff_site

LINK = "/persons/{}/link-testimony"


def _imported(site: Site, title: str, channel: str = "Atajurt Kazakh Human Rights") -> str:
    change = imported_video(title, channel)
    site.desk.seal_records([Batch(files=[], changes=[change])])
    return str(change["testimony"])


def _records(site: Site) -> int:
    with site.desk.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT count(*) FROM entries WHERE type = 'record'")
        return int(rows.scalar_one())


def _named(site: Site, name: str) -> str:
    return next(p for p in site.person_ids if site.desk.person(p).names[0]["text"] == name)


def _researcher(site: Site) -> Any:
    client = site.client()
    assert site.sign_in(client, "researcher") == 303
    return client


def _post(client: Any, person: str, data: dict[str, str]) -> Any:
    token = csrf_of(client, LINK.format(person))
    return client.post(LINK.format(person), data={**data, "csrf": token})


def _listed(page: str) -> list[str]:
    """The testimony ids the page offers, in its order."""
    return [part.split('"', 1)[0] for part in page.split('name="testimony" value="')[1:]]


def test_an_imported_video_is_linked_to_the_person_it_is_about(org: Org) -> None:
    """Given three imported videos, two whose titles name Серік Жылқыбаев (one in Latin
    letters, one in Kazakh with a case ending) and a press conference, when a researcher
    opens "Add a testimony" on his page, then the two naming him come first; when the
    researcher links one without a reason, or without choosing one, then the form says
    what is missing and nothing is sealed; when with both, then it is sealed, shows on
    his page with its Change consent link, is in its history with the reason, and is no
    longer offered; linking it to him again is refused."""
    with staff_site(org) as site:
        person = _named(site, "Серік Жылқыбаев")
        press = _imported(site, "Press conference in Almaty, 10 March 2019")
        latin = _imported(site, "Wife of Serik Zhylkybayev: he was taken in 2018")
        kazakh = _imported(site, "Жылқыбаевтың әйелі айғақ береді")
        client = _researcher(site)

        person_page = client.get(f"/persons/{person}").text
        assert LINK.format(person) in person_page
        form = client.get(LINK.format(person))
        assert form.status_code == 200
        assert "3 testimonies are linked to no person yet." in form.text
        listed = _listed(form.text)
        assert set(listed[:2]) == {latin, kazakh} and listed[2] == press
        assert form.text.count("The title names this person") == 2

        before = _records(site)
        no_reason = _post(client, person, {"testimony": latin, "reason": " "})
        assert no_reason.status_code == 400
        assert "Say how you know this testimony is about this person." in no_reason.text
        none_chosen = _post(client, person, {"reason": "His wife named him on the video."})
        assert none_chosen.status_code == 400
        assert "Choose the testimony that is about this person." in none_chosen.text
        assert "His wife named him on the video." in none_chosen.text  # what was typed stays
        assert _records(site) == before

        done = _post(client, person, {"testimony": latin, "reason": "His wife named him."})
        assert done.status_code == 303
        assert done.headers["location"] == f"/persons/{person}?edited=1#h-testimonies"
        assert _records(site) == before + 1
        detail = site.desk.person(person)
        assert latin in [t["testimony_id"] for t in detail.testimonies]
        page = client.get(f"/persons/{person}").text
        assert f"/persons/{person}/consent?testimony={latin}" in page
        assert client.get(f"/persons/{person}/consent?testimony={latin}").status_code == 200
        history = page.split('id="h-history"')[1]
        assert "Testimony linked" in history and "His wife named him." in history

        assert latin not in _listed(client.get(LINK.format(person)).text)
        again = _post(client, person, {"testimony": latin, "reason": "Linked twice."})
        assert again.status_code == 400
        assert "Choose the testimony that is about this person." in again.text
        assert _records(site) == before + 1


def test_a_video_about_two_persons_is_linked_to_the_second_too(org: Org) -> None:
    """Given an imported video whose title names a mother's husband and son, linked to
    the husband, and another linked to someone else whose title names neither, when a
    researcher opens the son's page's "Add a testimony", then the video is offered,
    saying whom it is about already, and the other is not (until words of its title are
    typed); when it is linked to the son with a reason, then it is on both pages, and
    neither page offers it again; a testimony that does not exist is refused."""
    with staff_site(org) as site:
        husband = _named(site, "Серік Жылқыбаев")
        son = _named(site, "Гүлнар Тұрсынова")  # a person of the fixture stands for the son
        title = "Mother of Gulnar Tursynova and wife of Serik Zhylkybayev"
        both = _imported(site, title)
        press = _imported(site, "Press conference in Almaty")
        client = _researcher(site)
        for video in (both, press):
            done = _post(client, husband, {"testimony": video, "reason": "Named in it."})
            assert done.status_code == 303

        form = client.get(LINK.format(son)).text
        assert "0 testimonies are linked to no person yet." in form
        assert _listed(form) == [both]
        husband_name = site.desk.person(husband).person["display_name"]
        offered = form.split(f'value="{both}"')[1].split("</label>")[0]
        assert "Already about:" in offered and husband_name in offered
        assert "The title names this person" in offered
        found = _post(client, son, {"words": "press conference", "find": "1"})
        assert _listed(found.text) == [press]
        client.get("/lang/kk")
        assert "Бұрыннан кім туралы:" in client.get(LINK.format(son)).text
        client.get("/lang/en")

        before = _records(site)
        missing = _post(client, son, {"testimony": new_id("t"), "reason": "x"})
        assert missing.status_code == 400
        assert _records(site) == before
        done = _post(client, son, {"testimony": both, "reason": "His mother names him."})
        assert done.status_code == 303
        assert _records(site) == before + 1
        for person in (husband, son):
            on_page = [t["testimony_id"] for t in site.desk.person(person).testimonies]
            assert both in on_page
            assert both not in _listed(client.get(LINK.format(person)).text)
        assert f"/persons/{son}/consent?testimony={both}" in client.get(f"/persons/{son}").text


def test_titles_are_found_by_words_sent_in_the_form_never_in_the_address(org: Org) -> None:
    """Given imported videos, when a researcher types words of a title and presses
    Find, then only the titles holding them (in any script) are offered, by a POST
    whose answer is the page itself (no address carries the words), a title written to
    attack the page shown as text; a word no title holds offers none."""
    with staff_site(org) as site:
        person = _named(site, "Гүлнар Тұрсынова")
        press = _imported(site, "Пресс-конференция в Алматы")
        other = _imported(site, "Serikzhan Bilash at the office")
        client = _researcher(site)
        found = _post(client, person, {"words": "press konferentsiya", "find": "1"})
        assert found.status_code == 200
        assert _listed(found.text) == [press]
        assert "The title holds these words" in found.text
        bilash = _post(client, person, {"words": "Серікжан Білаш", "find": "1"})
        assert _listed(bilash.text) == [other]
        hostile = _imported(site, '<script>alert("x")</script> Bilash')
        shown = _post(client, person, {"words": "Bilash", "find": "1"})
        assert set(_listed(shown.text)) == {other, hostile}
        assert "<script>alert" not in shown.text and "&lt;script&gt;" in shown.text
        nothing = _post(client, person, {"words": "Ürümqi", "find": "1"})
        assert nothing.status_code == 200
        assert _listed(nothing.text) == []
        assert "No title among them holds these words." in nothing.text
        for code, heading in (
            ("kk", "Адамсыз жазылған айғақты қосу"),
            ("ru", "Добавить свидетельство, записанное без человека"),
        ):
            client.get(f"/lang/{code}")
            page = client.get(LINK.format(person)).text
            assert heading in page and set(_listed(page)) == {other, press, hostile}, code


def test_only_editors_on_a_desk_link_testimonies(org: Org) -> None:
    """Given an imported video, when an intake volunteer asks for the page or posts the
    form, then 403 and nothing is sealed; and a station has no such route."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        video = _imported(site, "Serik Zhylkybayev")
        volunteer = site.client()
        assert site.sign_in(volunteer, "intake") == 303
        assert volunteer.get(LINK.format(person)).status_code == 403
        before = _records(site)
        token = csrf_of(volunteer, "/intake")
        posted = volunteer.post(
            LINK.format(person), data={"testimony": video, "reason": "x", "csrf": token}
        )
        assert posted.status_code == 403
        assert _records(site) == before
    station_paths = {getattr(r, "path", "") for r in routes(station=True)}
    assert "/persons/{person_id}/link-testimony" not in station_paths


def test_a_title_that_only_sounds_like_the_name_does_not_name_the_person(org: Org) -> None:
    """Given two imported videos, one whose title names Серік in Kazakh and one whose
    title holds a common word that only sounds like his name ("Silk" and Серік share
    the sound key slk), when a researcher opens "Add a testimony" on his page, then the
    one naming him comes first and is said to name him; the other is listed after it,
    and is not (the page used to say so of both, inviting a wrong link)."""
    with staff_site(org) as site:
        person = _named(site, "Серік Жылқыбаев")
        silk = _imported(site, "Silk Road: stories from Almaty")
        named = _imported(site, "Серік туралы әңгіме")
        form = _researcher(site).get(LINK.format(person)).text
        assert _listed(form) == [named, silk]
        assert form.count("The title names this person") == 1
        marked = form.split(f'value="{named}"')[1].split('name="testimony"')[0]
        assert "The title names this person" in marked


def test_a_name_matches_its_own_title_in_another_script() -> None:
    """Given a person's names, then the word keys of a title that writes them in
    another script, or with a case ending, hold each word's sound."""
    keys = name_words(["Серікжан Білаш"])
    title = name_words(["Serikzhan Bilashtyng ayeli"])
    for kind, key in keys:
        if kind == "ptoken":
            assert any(k == kind and word.startswith(key) for k, word in title), key
