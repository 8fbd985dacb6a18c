"""The staff app's sign-in, sessions, CSRF, headers and audit, against a real desk.

Given / When / Then. argon2 is made cheap and the clock is a fake one the test turns
(``web_staff``); everything else is the real app, desk and vault.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from amanat.vault.opening import open_entry
from amanat.web.staff.app import CSP
from amanat.web.staff.sessions import ABSOLUTE_S, IDLE_S
from conftest import Org
from web_staff import password_of, post_form, staff_site


def test_intake_signs_in_with_a_password_alone(org: Org) -> None:
    """Given an intake account, when the right password is typed, then it is signed in."""
    with staff_site(org) as site:
        client = site.client()
        assert site.sign_in(client, "intake") == 303
        assert client.get("/").status_code == 200


def test_wrong_passwords_never_sign_in(org: Org) -> None:
    """Given any password but the right one, when it is typed, then no session opens
    (lockouts along the way are waited out, so every example reaches the check)."""
    with staff_site(org) as site:

        @settings(max_examples=40, deadline=None)
        @given(wrong=st.text(max_size=60))
        def attempt(wrong: str) -> None:
            if wrong == password_of("intake"):
                return
            site.clock.advance(16 * 60)
            client = site.client()
            response = post_form(client, "/login", {"account": "intake", "password": wrong})
            assert response.status_code == 401
            assert client.get("/").headers["location"] == "/login"

        attempt()


def test_totp_is_required_above_intake(org: Org) -> None:
    """Given a researcher, when only the password is right, then nothing past the TOTP
    step opens; a wrong code is refused and the right one signs in."""
    with staff_site(org) as site:
        client = site.client()
        step = post_form(
            client, "/login", {"account": "researcher", "password": password_of("researcher")}
        )
        assert step.headers["location"] == "/login/totp"
        assert client.get("/persons").status_code == 303
        assert client.get("/api/persons").status_code == 401
        wrong = "000000" if site.code("researcher") != "000000" else "111111"
        assert post_form(client, "/login/totp", {"code": wrong}).status_code == 401
        site.clock.advance(30)
        assert (
            post_form(client, "/login/totp", {"code": site.code("researcher")}).status_code == 303
        )
        assert client.get("/persons").status_code == 200


def test_a_totp_code_is_never_accepted_twice(org: Org) -> None:
    """Given a code just used, when it is typed again in the same 30 s, then it is refused."""
    with staff_site(org) as site:
        first, second = site.client(), site.client()
        assert site.sign_in(first, "reviewer") == 303
        post_form(second, "/login", {"account": "reviewer", "password": password_of("reviewer")})
        assert post_form(second, "/login/totp", {"code": site.code("reviewer")}).status_code == 401


def test_lockout_after_five_failures_for_fifteen_minutes(org: Org) -> None:
    """Given five wrong passwords, then even the right one is refused for 15 minutes,
    and accepted after."""
    with staff_site(org) as site:
        client = site.client()
        for _ in range(5):
            post_form(client, "/login", {"account": "intake", "password": "wrong password!"})
        locked = post_form(
            client, "/login", {"account": "intake", "password": password_of("intake")}
        )
        assert locked.status_code == 401
        assert "locked" in locked.text
        site.clock.advance(15 * 60 - 1)
        assert site.sign_in(client, "intake") == 401
        site.clock.advance(2)
        assert site.sign_in(client, "intake") == 303


def test_sessions_expire_when_idle_and_absolutely(org: Org) -> None:
    """Given a signed-in session, then 30 idle minutes end it; and activity does not keep
    it past 12 hours."""
    with staff_site(org) as site:
        client = site.client()
        site.sign_in(client, "intake")
        site.clock.advance(IDLE_S + 1)
        assert client.get("/").status_code == 303
        site.sign_in(client, "intake")
        for _ in range(ABSOLUTE_S // (IDLE_S - 60) + 1):
            site.clock.advance(IDLE_S - 60)
            last = client.get("/").status_code
        assert last == 303


def test_a_post_without_the_csrf_token_is_refused(org: Org) -> None:
    """Given a signed-in session, when a form is posted without its token or with
    another, then it is refused and the session stays."""
    with staff_site(org) as site:
        client = site.client()
        site.sign_in(client, "intake")
        assert client.post("/logout").status_code == 403
        assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
        fresh = site.client()
        assert fresh.post("/login", data={"account": "intake", "password": "x"}).status_code == 403
        assert client.get("/").status_code == 200
        assert post_form(client, "/logout", {}).status_code == 303
        assert client.get("/").status_code == 303


def test_security_headers_on_every_response(org: Org) -> None:
    """Given any page, a JSON answer or an error, then the strict headers are there."""
    with staff_site(org) as site:
        client = site.client()
        site.sign_in(client, "researcher")
        for path in ("/login", "/", "/persons", "/api/persons", "/no-such-page"):
            headers = client.get(path).headers
            assert headers["content-security-policy"] == CSP, path
            assert "'unsafe-inline'" not in headers["content-security-policy"]
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "no-referrer"
            assert "camera=()" in headers["permissions-policy"]
            assert headers["cache-control"] == "no-store"
        cookie = client.cookies.jar
        assert all(c.has_nonstandard_attr("HttpOnly") for c in cookie)


def test_session_cookie_is_httponly_and_samesite_strict(org: Org) -> None:
    with staff_site(org) as site:
        response = site.client().get("/login")
        header = response.headers["set-cookie"].lower()
        assert "httponly" in header and "samesite=strict" in header


HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "\u202egnp.exe",
    "x" * 10_000,
]


def test_hostile_search_input_is_rendered_escaped(org: Org) -> None:
    """Given script tags, a right-to-left override and 10,000 characters in every
    filter, then the page answers and nothing typed appears as markup."""
    with staff_site(org) as site:
        client = site.client()
        site.sign_in(client, "researcher")
        for text in HOSTILE:
            posted = post_form(client, "/persons", {"name": text}, page="/persons")
            assert posted.status_code == 303
            # The name stays in the session: the address holds only an opaque key.
            assert text[:20] not in posted.headers["location"]
            response = client.get(posted.headers["location"])
            assert response.status_code == 200
            assert "<script>alert" not in response.text
            assert "<img src=x" not in response.text
            shown = client.get("/persons", params={"county": text})
            assert "<script>alert" not in shown.text
        assert client.get("/persons", params={"grade": "<b>"}).status_code == 400
        assert client.get("/persons", params={"status": "<b>"}).status_code == 400
        assert "<b>" not in client.get("/persons", params={"status": "<b>"}).text


def test_audit_entries_are_sealed_without_secrets(org: Org) -> None:
    """Given sign-ins (good and bad), a search and a person viewed, when the trail is
    flushed, then one signed audit entry holds them, and no password or TOTP code."""
    with staff_site(org) as site:
        client = site.client()
        post_form(client, "/login", {"account": "researcher", "password": "secret-typo-42"})
        post_form(client, "/login", {"account": "secret-in-name", "password": "secret-typo-43"})
        post_form(
            client, "/login", {"account": "researcher", "password": password_of("researcher")}
        )
        site.clock.advance(30)
        code = site.code("researcher")
        post_form(client, "/login/totp", {"code": code})
        posted = post_form(client, "/persons", {"name": "Серік"}, page="/persons")
        client.get(posted.headers["location"])
        client.get(f"/persons/{site.person_ids[0]}")
        trail = site.app.state.staff.audit
        assert trail.flush() == 6  # the form page's own listing, then the search
        audit_entries = [
            e for e in site.desk.engine.connect().exec_driver_sql(
                "SELECT entry_id FROM entries WHERE type = 'audit'"
            )
        ]  # fmt: skip
        assert len(audit_entries) == 1
        opened = open_entry(site.desk.vault, audit_entries[0][0], [org.desk_keys.identity])
        events = opened.content["data"]["events"]
        actions = [e["action"] for e in events]
        assert actions == [
            "login.failed", "login.failed", "login.ok", "persons.search", "persons.search",
            "person.view",
        ]  # fmt: skip
        assert events[1]["account"] == ""  # an unknown name is not recorded
        assert events[4]["query"]["name"] == "Серік"  # sealed, so the term may be kept
        assert events[5]["target"] == site.person_ids[0]
        text = str(opened.content)
        for secret in ("secret-typo", "secret-in-name", password_of("researcher"), code):
            assert secret not in text
