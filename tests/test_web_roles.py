"""The role × route matrix: every route of the real app, tried by every role and by an
anonymous visitor; only what ``ROUTE_ROLES`` allows succeeds.

The routes are read from the app itself, so a route added without a rule fails here
(and ``create_app`` refuses it before that).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyotp
import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from amanat.web.staff.accounts import ROLES
from amanat.web.staff.app import ANONYMOUS, ROUTE_ROLES
from conftest import Org
from test_web_media import seal_media_person, video_bytes
from web_staff import Site, csrf_of, password_of, post_form, record_again, staff_site

VISITORS = (ANONYMOUS, *ROLES)


def _routes(site: Site) -> list[tuple[str, str]]:
    out = []
    for route in site.app.routes:
        if isinstance(route, Mount):
            assert route.path == "/static", f"unexpected mount {route.path}"
            continue
        assert isinstance(route, Route), route
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                out.append((method, route.path))
    return out


def _try(
    site: Site, visitor: str, method: str, path: str, media: tuple[str, str]
) -> tuple[bool, int]:
    """(succeeded, status) for one visitor on one route, with valid input (``media``: a
    person and their testimony's sealed video, for the media player and for who may
    see a file)."""
    client = site.client()
    if visitor != ANONYMOUS:
        assert site.sign_in(client, visitor) == 303
    person, blob = media
    shown = person if path.endswith("/visibility") else site.person_ids[0]
    url = path.replace("{person_id}", shown).replace("{code}", "kk")
    url = url.replace("{other_id}", site.person_ids[1])
    url = url.replace("{blob_id}", blob)
    url = url.replace("{account}", "target")
    form = _form(site, visitor, path, person)
    if "{upload_id}" in path or path == "/api/uploads":
        response = _upload_call(client, method, path)
    elif path == "/api/persons/search":
        token = {"X-CSRF-Token": csrf_of(client, "/")}
        response = client.post(url, json={"name": "серік", "grade": 1}, headers=token)
    elif path == "/account/totp/confirm":
        response = _enrol(site, client, visitor)
    elif method == "GET":
        response = client.get(url, params=form)
    elif form:
        response = post_form(client, url, form, page="/")
    elif path == "/login":
        response = post_form(client, url, {"account": "intake", "password": password_of("intake")})
    elif path == "/login/totp":
        response = post_form(client, url, {"code": "000000"}, page="/login/totp")
    else:
        response = post_form(client, url, {}, page="/")
    refused = response.status_code in (401, 403) or (
        response.status_code == 303 and response.headers["location"] == "/login"
        and path != "/logout"
    )  # fmt: skip
    return (not refused and response.status_code < 400), response.status_code


def _form(site: Site, visitor: str, path: str, media_person: str) -> dict[str, str]:
    """Valid input for the routes that need some: the edit forms (a testimony to cite,
    a claim to correct, a file whose visibility to change, a testimony whose consent to
    narrow), one's own account (the
    password kept the same, so the next sign-in works), an account to add."""
    if path.endswith("/visibility"):
        testimony = site.desk.person(media_person).testimonies[0]["testimony_id"]
        return {"testimony": testimony, "media": "0", "visibility": "sensitive",
                "reason": "It shows the ID card."}  # fmt: skip
    person = site.desk.person(site.person_ids[0])
    if path.endswith("/consent"):  # narrower than what is recorded now: no confirmation
        testimony = person.testimonies[0]
        level = "withdrawn" if testimony["consent"] == "internal" else "internal"
        return {"testimony": testimony["testimony_id"], "level": level, "how": "oral",
                "reason": "The sister asked by phone."}  # fmt: skip
    if path.endswith("/amend"):
        testimony = person.testimonies[0]["testimony_id"]
        return {"field": "occupation", "value": "teacher", "source": testimony}
    if path.endswith("/correct"):
        standing = [c for c in person.claims if not c["retracted_by"]]
        return {"claim": standing[0]["claim_id"], "reason": "A mistake in the spelling."}
    own = password_of(visitor)
    if path == "/account/password":
        return {"old": own, "new": own, "again": own}
    if path == "/account/totp":
        return {"password": own}
    if path == "/admin/accounts":
        return {"name": f"new-{visitor}", "role": "researcher"}
    if path == "/review/{person_id}/{other_id}":
        return {"decision": "unsure", "reason": "Not enough to tell yet."}
    if path == "/review/confirm":  # a pair the model did not propose: nothing merged
        pair = f"{site.person_ids[0]} {site.person_ids[1]}"
        return {"pair": pair, "reason": "Checked a few; the rest look alike."}
    if path == "/intake/similar":
        return {"name_1": "Серік"}
    if path.endswith("/link-testimony"):  # titles found by words (linking is tested apart)
        return {"words": "Серік", "find": "1"}
    if path.endswith("/assess"):
        return {"violation": "likely", "reason": "Two relatives agree."}
    if path.endswith("/submission"):
        return {"to": "un_wgeid", "date": "2019-09", "reference": "G/SO 217/1"}
    if path.endswith("/settle"):  # recorded again each time, so there is one to settle
        testimony, versions = record_again(site, site.person_ids[0])
        return {"testimony": testimony, "versions": ",".join(versions),
                "genuine": versions[0], "reason": "The volunteer confirms it."}  # fmt: skip
    return {}


def _enrol(site: Site, client: TestClient, visitor: str) -> Any:
    """A new second factor: the password, then a code from the secret shown (which
    becomes the visitor's, so its next sign-in uses it)."""
    shown = post_form(client, "/account/totp", {"password": password_of(visitor)}, page="/")
    found = re.search(r'class="secret"><code>([A-Z2-7 ]+)</code>', shown.text)
    if found is None:
        return post_form(client, "/account/totp/confirm", {"code": "000000"}, page="/")
    secret = found.group(1).replace(" ", "")
    site.clock.advance(30)
    code = pyotp.TOTP(secret).at(int(site.clock()))
    response = post_form(client, "/account/totp/confirm", {"code": code}, page="/")
    if response.status_code == 200:
        site.totp[visitor] = secret
    return response


def _upload_call(client: TestClient, method: str, path: str) -> Any:
    """An upload route with valid input: a JPEG's first bytes, started by this visitor
    (a refused visitor gets an id that does not exist, and is stopped first anyway)."""
    jpeg = b"\xff\xd8\xff\xe0" + bytes(60)
    headers = {"X-CSRF-Token": csrf_of(client, "/")}
    body = {"name": "a.jpg", "media_type": "image/jpeg", "size": len(jpeg)}
    started = client.post("/api/uploads", json=body, headers=headers)
    if path == "/api/uploads":
        return started
    ident = started.json().get("id", "0" * 32) if started.status_code == 201 else "0" * 32
    url = path.replace("{upload_id}", ident)
    if method == "PUT":
        return client.put(url, content=jpeg, headers={**headers, "Upload-Offset": "0"})
    return client.request(method, url, headers=headers)


def test_every_route_has_a_rule_and_every_rule_a_route(org: Org) -> None:
    with staff_site(org) as site:
        assert set(_routes(site)) == set(ROUTE_ROLES)


@pytest.mark.parametrize("visitor", VISITORS)
def test_role_route_matrix(org: Org, visitor: str, tmp_path: Path) -> None:
    """Given each route, when this visitor tries it, then it succeeds exactly when the
    table allows the visitor (pending-TOTP routes are tried by a half-signed-in session
    in test_web_auth; here no signed-in role may use them)."""
    with staff_site(org) as site:
        media = seal_media_person(site, tmp_path, video_bytes(1000))
        site.app.state.staff.accounts.add("target", "researcher", password_of("target"))
        for method, path in _routes(site):
            allowed = ROUTE_ROLES[(method, path)]
            expected = ANONYMOUS in allowed or visitor in allowed
            ok, status = _try(site, visitor, method, path, media)
            assert ok == expected, f"{visitor} {method} {path}: {status}"


def test_logout_is_a_success_for_every_role(org: Org) -> None:
    with staff_site(org) as site:
        for role in ROLES:
            client = site.client()
            site.sign_in(client, role)
            assert post_form(client, "/logout", {}, page="/").headers["location"] == "/login"


def test_publishers_and_admins_decide_pairs_as_the_guide_says(org: Org) -> None:
    """Given the guide's roles (a publisher may do all a reviewer does, an admin all of
    the above), when a publisher and then an admin open a pair and decide it, then
    both are let in and each decision is sealed under their own account; a
    researcher is still refused."""
    with staff_site(org) as site:
        x, y = site.person_ids[:2]
        for role, decision in (("publisher", "same"), ("admin", "different")):
            client = site.client()
            assert site.sign_in(client, role) == 303
            page = client.get(f"/review/{x}/{y}")
            assert page.status_code == 200 and client.get("/review").status_code == 200
            assert 'href="/review"' in client.get("/persons").text  # the menu shows it
            hidden = dict(
                re.findall(r'type="hidden" name="(csrf|seen)" value="([^"]*)"', page.text)
            )
            sent = client.post(
                f"/review/{x}/{y}", data={**hidden, "decision": decision, "reason": "checked"}
            )
            assert sent.status_code == 303, role
        by = [(d["decision"], d["by"]) for d in site.desk.decisions(x)]
        assert by == [("same", "publisher"), ("different", "admin")]
        researcher = site.client()
        assert site.sign_in(researcher, "researcher") == 303
        assert researcher.get(f"/review/{x}/{y}").status_code == 403
        assert 'href="/review"' not in researcher.get("/persons").text
