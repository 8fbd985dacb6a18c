"""Which version of a testimony recorded more than once is genuine: the staff app's
settle page (``web/staff/settle.py``, records format 1.5). Given / When / Then."""

from __future__ import annotations

import re
from typing import Any

from amanat.records.changes import version_id
from conftest import Org
from web_staff import Site, csrf_of, record_again, staff_site

WIDER = {"level": "public_named", "un": True, "identifiers": True}


def _reviewer(site: Site) -> Any:
    client = site.client()
    assert site.sign_in(client, "reviewer") == 303
    return client


def _post(client: Any, person: str, testimony: str, data: dict[str, str]) -> Any:
    token = csrf_of(client, f"/persons/{person}/settle?testimony={testimony}")
    return client.post(
        f"/persons/{person}/settle", data={"testimony": testimony, **data, "csrf": token}
    )


def _differing(page: str) -> list[str]:
    """The fields the page marks as differing between the versions."""
    return re.findall(r'<tr class="verdict-differ"><th scope="row">([^<]+)<br>', page)


def test_a_reviewer_compares_the_versions_and_settles_the_genuine_one(org: Org) -> None:
    """Given a testimony the desk recorded again with a wider consent, the UN and the ID
    numbers ticked, and another title, when a reviewer opens the person, then the flag
    links to the versions side by side, the title and the consent marked as differing,
    each signed by the desk; when the reviewer seals the first version genuine with a
    reason, then the testimony is that version again (its consent, unflagged), the
    reason is in the history, and there is nothing left to settle (said in Kazakh to a
    reader who chose Kazakh). Each version names whom it is about by name."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        testimony, versions = record_again(site, person, consent=WIDER, title="Forged title")
        assert len(versions) == 2
        held = site.desk.person(person)
        assert held.testimonies[0]["consent"] == "public_anonymised"  # the narrower
        assert "recorded_again" in {f["kind"] for f in held.flags}
        client = _reviewer(site)
        link = f"/persons/{person}/settle?testimony={testimony}"
        assert link.replace("&", "&amp;") in client.get(f"/persons/{person}").text
        page = client.get(link)
        assert page.status_code == 200
        assert _differing(page.text) == ["Title", "Consent level"]
        assert page.text.count("signed by the desk") == 2 and "Forged title" in page.text
        assert "Project-Id-Version" not in page.text  # no empty code looked up as a msgid
        assert "Public, with name" in page.text and "UN bodies" in page.text
        assert f'value="{versions[0]}"' in page.text and f'value="{versions[1]}"' in page.text
        # whom each version is about: the person by name, a link to their page
        name = f'<a href="/persons/{person}"><bdi class="name">{held.person["display_name"]}'
        assert page.text.count(name) == 2  # each version

        done = _post(client, person, testimony, {"versions": ",".join(versions),
                     "genuine": versions[0], "reason": "The volunteer who filmed it "
                     "confirms the first; the second was never sealed at our desk."})  # fmt: skip
        assert done.status_code == 303
        after = site.desk.person(person)
        (t,) = after.testimonies
        assert t["consent"] == "public_anonymised" and t["title"] != "Forged title"
        assert "recorded_again" not in {f["kind"] for f in after.flags}
        (settled,) = [h for h in after.history if h["op"] == "testimony.settled"]
        assert settled["reason"].startswith("The volunteer who filmed it")
        assert client.get(link).status_code == 404
        assert link not in client.get(f"/persons/{person}").text
        client.get("/lang/kk")  # and said in the reader's language
        gone = client.get(link)
        assert gone.status_code == 404 and "has no versions" not in gone.text
        assert "Бұл айғақтың салыстыратын нұсқалары жоқ" in gone.text


def test_a_settlement_without_a_choice_or_a_reason_or_on_a_stale_page_seals_nothing(
    org: Org,
) -> None:
    """Given a testimony recorded twice, when a reviewer sends the form without choosing
    a version or without a reason, then each is said and nothing is sealed; when a third
    version arrives after the page was opened, then the form is refused with a sentence,
    the three versions shown, and nothing sealed; the genuine one chosen on the fresh
    page is then sealed, every other version set aside."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        testimony, versions = record_again(site, person, title="Second")
        client = _reviewer(site)
        shown = ",".join(versions)
        none = _post(client, person, testimony, {"versions": shown, "reason": "sure"})
        assert none.status_code == 400 and "Choose the version that is genuine." in none.text
        bare = _post(client, person, testimony, {"versions": shown, "genuine": versions[1]})
        assert bare.status_code == 400 and "Say how you know" in bare.text
        assert f'value="{versions[1]}" checked' in bare.text  # kept as chosen

        _, three = record_again(site, person, title="Third")
        stale = _post(client, person, testimony,
                      {"versions": shown, "genuine": versions[1], "reason": "sure"})  # fmt: skip
        assert stale.status_code == 400 and "Another version" in stale.text
        assert len(three) == 3 and all(f'value="{v}"' in stale.text for v in three)
        assert " checked" not in stale.text.split('name="genuine"', 1)[1].split("</fieldset>")[0]
        assert len(site.desk.testimony_versions(testimony)) == 3  # nothing sealed

        done = _post(client, person, testimony, {"versions": ",".join(three),
                     "genuine": three[2], "reason": "The third is what she said."})  # fmt: skip
        assert done.status_code == 303
        (t,) = site.desk.person(person).testimonies
        assert t["title"] == "Third"
        entry = [v for v in site.desk.testimony_versions(testimony)]
        assert [version_id(v.change.entry_id, v.change.index) for v in entry] == [three[2]]


def test_the_settle_page_of_a_testimony_recorded_once_is_not_found(org: Org) -> None:
    """Given a testimony recorded once, when a reviewer asks for its versions or sends
    a settlement, then there is nothing to settle: not found, nothing sealed."""
    with staff_site(org) as site:
        person = site.person_ids[0]
        testimony = site.desk.person(person).testimonies[0]["testimony_id"]
        client = _reviewer(site)
        assert client.get(f"/persons/{person}/settle?testimony={testimony}").status_code == 404
        sent = _post(client, person, testimony, {"versions": "x", "genuine": "x", "reason": "y"})
        assert sent.status_code == 404
        assert len(site.desk.testimony_versions(testimony)) == 1
