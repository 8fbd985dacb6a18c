"""The role × route matrix: every route of the real app, tried by every role and by an
anonymous visitor; only what ``ROUTE_ROLES`` allows succeeds.

The routes are read from the app itself, so a route added without a rule fails here
(and ``create_app`` refuses it before that).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from amanat.web.staff.accounts import ROLES
from amanat.web.staff.app import ANONYMOUS, ROUTE_ROLES
from conftest import Org
from test_web_media import seal_media_person, video_bytes
from web_staff import Site, csrf_of, password_of, post_form, staff_site

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


def _try(site: Site, visitor: str, method: str, path: str, blob: str) -> tuple[bool, int]:
    """(succeeded, status) for one visitor on one route, with valid input (``blob``: a
    testimony's sealed video, for the media player)."""
    client = site.client()
    if visitor != ANONYMOUS:
        assert site.sign_in(client, visitor) == 303
    url = path.replace("{person_id}", site.person_ids[0]).replace("{code}", "kk")
    url = url.replace("{blob_id}", blob)
    if "{upload_id}" in path or path == "/api/uploads":
        response = _upload_call(client, method, path)
    elif method == "GET":
        response = client.get(url)
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
        _, blob = seal_media_person(site, tmp_path, video_bytes(1000))
        for method, path in _routes(site):
            allowed = ROUTE_ROLES[(method, path)]
            expected = ANONYMOUS in allowed or visitor in allowed
            ok, status = _try(site, visitor, method, path, blob)
            assert ok == expected, f"{visitor} {method} {path}: {status}"


def test_logout_is_a_success_for_every_role(org: Org) -> None:
    with staff_site(org) as site:
        for role in ROLES:
            client = site.client()
            site.sign_in(client, role)
            assert post_form(client, "/logout", {}, page="/").headers["location"] == "/login"
