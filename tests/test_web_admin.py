"""Account administration, one's own account, and the mirror page (admin.py).

Given / When / Then, against a real desk and its accounts file; the mirrors are real
folder mirrors synced with ``mirrors.sync``. Passwords and second-factor secrets shown
once are read from the page as a person would read them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyotp

from amanat.desk.service import Batch
from amanat.mirrors.config import MirrorConfig, MirrorEntry, open_store
from amanat.mirrors.sync import sync_home
from amanat.vault.opening import open_entry
from conftest import Org
from web_staff import (
    PERSON_NAMES,
    Site,
    _person_changes,
    csrf_of,
    password_of,
    post_form,
    staff_site,
)


def _signed_in(site: Site, account: str, password: str | None = None) -> Any:
    client = site.client()
    assert site.sign_in(client, account, password) == 303
    return client


def _shown_password(page: str) -> str:
    found = re.search(r'<code class="secret">([^<]+)</code>', page)
    assert found, "no password shown"
    return found.group(1)


def _shown_secret(page: str) -> str:
    found = re.search(r'class="secret"><code>([A-Z2-7 ]+)</code>', page)
    assert found, "no secret shown"
    return found.group(1).replace(" ", "")


def _password_step(site: Site, client: Any, account: str, password: str) -> Any:
    return post_form(client, "/login", {"account": account, "password": password})


def _events(site: Site, org: Org) -> list[dict[str, Any]]:
    site.app.state.staff.audit.flush()
    with site.desk.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT entry_id FROM entries WHERE type = 'audit'").all()
    out: list[dict[str, Any]] = []
    for (entry,) in rows:
        out += open_entry(site.desk.vault, entry, [org.desk_keys.identity]).content["data"][
            "events"
        ]
    return out


def test_an_admin_adds_an_account_whose_owner_sets_up_the_second_factor(org: Org) -> None:
    """Given an admin, when they add a researcher, then a password is shown once and no
    second-factor secret; when the new researcher signs in, then they are shown their
    own secret, and a code from it lets them in; both steps are audited."""
    with staff_site(org) as site:
        admin = _signed_in(site, "admin")
        page = admin.get("/admin/accounts").text
        for role in ("intake", "researcher", "reviewer", "publisher", "admin"):
            assert f"<code>{role}</code>" in page
        added = post_form(admin, "/admin/accounts", {"name": "aigerim.k", "role": "researcher"})
        assert added.status_code == 200
        password = _shown_password(added.text)
        assert "otpauth://" not in added.text
        assert "Sets up a second factor at the next sign-in" in added.text
        assert "otpauth://" not in admin.get("/admin/accounts").text  # shown once only
        client = site.client()
        step = _password_step(site, client, "aigerim.k", password)
        assert step.headers["location"] == "/login/totp"
        enrol = client.get("/login/totp")
        assert "Set up your second factor" in enrol.text
        secret = _shown_secret(enrol.text)
        assert _shown_secret(client.get("/login/totp").text) == secret  # the same key again
        # ... and as a QR code for the phone's camera: drawn inline, no text in it.
        drawn = re.search(r'<figure class="qr"><svg [^>]*class="segno".*?</svg>', enrol.text)
        assert drawn and secret not in drawn.group(0) and "otpauth" not in drawn.group(0)
        site.clock.advance(30)
        wrong = post_form(client, "/login/totp", {"code": "000000"})
        assert wrong.status_code == 401 and "Set up your second factor" in wrong.text
        code = pyotp.TOTP(secret).at(int(site.clock()))
        done = post_form(client, "/login/totp", {"code": code})
        assert done.status_code == 303 and done.headers["location"] == "/"
        assert client.get("/persons").status_code == 200
        actions = [(e["action"], e.get("target")) for e in _events(site, org)]
        assert ("account.added", "aigerim.k") in actions
        assert ("totp.enrolled", "aigerim.k") in actions
        assert password not in str(_events(site, org)) and secret not in str(_events(site, org))


def test_hostile_account_forms_add_nothing(org: Org) -> None:
    """Given an admin, when an account name holds a script tag, a right-to-left override,
    10,000 characters or an existing name, or the role is unknown, then the form comes
    back (400) with one sentence and no account is added; an unknown account in the
    address gets 404."""
    with staff_site(org) as site:
        admin = _signed_in(site, "admin")
        accounts = site.app.state.staff.accounts
        before = [a.name for a in accounts.names()]
        for data, message in [
            ({"name": "<script>alert(1)</script>", "role": "intake"}, "lower-case letters"),
            ({"name": "ab\u202egpj", "role": "intake"}, "lower-case letters"),
            ({"name": "a" * 10_000, "role": "intake"}, "lower-case letters"),
            ({"name": "researcher", "role": "intake"}, "already exists"),
            ({"name": "newcomer", "role": "superuser"}, "Choose a role"),
        ]:
            got = post_form(admin, "/admin/accounts", data)
            assert got.status_code == 400 and message in got.text, data
            assert "<script>alert" not in got.text
        assert [a.name for a in accounts.names()] == before
        for path in ("/admin/accounts/nobody/disable", "/admin/accounts/%3Cb%3E/password"):
            assert post_form(admin, path, {}, page="/admin/accounts").status_code == 404


def test_a_disabled_account_is_signed_out_and_cannot_sign_in(org: Org) -> None:
    """Given a researcher at work, when the admin disables the account, then the
    researcher's session ends at once and the password no longer opens it (the same
    answer as a wrong password); when enabled, then they sign in again. An admin cannot
    disable their own account."""
    with staff_site(org) as site:
        researcher = _signed_in(site, "researcher")
        admin = _signed_in(site, "admin")
        done = post_form(admin, "/admin/accounts/researcher/disable", {}, page="/admin/accounts")
        assert done.status_code == 200 and "is disabled and signed out" in done.text
        assert researcher.get("/persons").headers["location"] == "/login"
        refused = _password_step(site, site.client(), "researcher", password_of("researcher"))
        assert refused.status_code == 401 and "Wrong user name or password" in refused.text
        post_form(admin, "/admin/accounts/researcher/enable", {}, page="/admin/accounts")
        assert site.sign_in(site.client(), "researcher") == 303
        self_off = post_form(admin, "/admin/accounts/admin/disable", {}, page="/admin/accounts")
        assert self_off.status_code == 400 and "your own account" in self_off.text
        assert admin.get("/admin/accounts").status_code == 200


def test_a_password_reset_lifts_a_lockout_and_replaces_the_old_password(org: Org) -> None:
    """Given a volunteer locked out by five wrong passwords, when the admin resets the
    password, then the new one (shown once) signs in at once and the old one no longer
    does."""
    with staff_site(org) as site:
        for _ in range(5):
            _password_step(site, site.client(), "intake", "wrong password 123")
        locked = _password_step(site, site.client(), "intake", password_of("intake"))
        assert locked.status_code == 401 and "locked" in locked.text
        admin = _signed_in(site, "admin")
        reset = post_form(admin, "/admin/accounts/intake/password", {}, page="/admin/accounts")
        fresh = _shown_password(reset.text)
        assert _password_step(site, site.client(), "intake", fresh).status_code == 303
        old = _password_step(site, site.client(), "intake", password_of("intake"))
        assert old.status_code == 401


def test_a_forced_reenrolment_stops_the_old_second_factor(org: Org) -> None:
    """Given a reviewer whose phone was lost, when the admin forces a new second factor,
    then their session ends, the old codes no longer work, and at the next sign-in they
    set up a new key; intake accounts have none to reset."""
    with staff_site(org) as site:
        reviewer = _signed_in(site, "reviewer")
        admin = _signed_in(site, "admin")
        done = post_form(admin, "/admin/accounts/reviewer/totp", {}, page="/admin/accounts")
        assert "sets up a new second factor at the next sign-in" in done.text
        assert reviewer.get("/persons").headers["location"] == "/login"
        client = site.client()
        _password_step(site, client, "reviewer", password_of("reviewer"))
        site.clock.advance(30)
        old_code = site.code("reviewer")
        page = post_form(client, "/login/totp", {"code": old_code})
        assert page.status_code == 401  # the old key is gone
        secret = _shown_secret(page.text)
        site.clock.advance(30)
        new_code = pyotp.TOTP(secret).at(int(site.clock()))
        assert post_form(client, "/login/totp", {"code": new_code}).status_code == 303
        intake = post_form(admin, "/admin/accounts/intake/totp", {}, page="/admin/accounts")
        assert intake.status_code == 400 and "no second factor" in intake.text


def test_everyone_changes_their_own_password_with_the_old_one(org: Org) -> None:
    """Given a signed-in volunteer, when the old password is wrong, the two new ones
    differ, the new one is short or 10,000 characters long, then nothing changes and
    the page says why; with the old password and a good new one, then the new one
    signs in, the old one not, and the change is audited without either."""
    with staff_site(org) as site:
        client = _signed_in(site, "intake")
        assert "Change your password" in client.get("/account").text
        assert "Second factor" not in client.get("/account").text  # none for intake
        new = "четыре слова вместе надёжнее"
        old = password_of("intake")
        cases = [
            ({"old": "not it at all", "new": new, "again": new}, "current password is wrong"),
            ({"old": old, "new": new, "again": new + "x"}, "differ"),
            ({"old": old, "new": "short", "again": "short"}, "at least 10"),
            ({"old": old, "new": "ж" * 10_000, "again": "ж" * 10_000}, "at most 1,000"),
        ]
        for data, message in cases:
            got = post_form(client, "/account/password", data, page="/account")
            assert got.status_code == 400 and message in got.text, data
        done = post_form(client, "/account/password", {"old": old, "new": new, "again": new},
                         page="/account")  # fmt: skip
        assert done.status_code == 200 and "Your password is changed." in done.text
        assert _password_step(site, site.client(), "intake", new).status_code == 303
        assert _password_step(site, site.client(), "intake", old).status_code == 401
        events = _events(site, org)
        assert ("password.changed", "intake") in [(e["action"], e.get("target")) for e in events]
        assert new not in str(events) and old not in str(events)


def test_a_researcher_sets_up_a_new_second_factor_themself(org: Org) -> None:
    """Given a signed-in researcher, when they ask for a new second factor with a wrong
    password, then no key is shown; with the right one, then a key is shown and the old
    one keeps working until a code from the new key confirms it, after which only the
    new key opens the account."""
    with staff_site(org) as site:
        client = _signed_in(site, "researcher")
        wrong = post_form(client, "/account/totp", {"password": "nope nope nope"}, page="/account")
        assert wrong.status_code == 400 and 'class="secret"' not in wrong.text
        shown = post_form(
            client, "/account/totp", {"password": password_of("researcher")}, page="/account"
        )
        secret = _shown_secret(shown.text)
        assert site.sign_in(site.client(), "researcher") == 303  # the old key still works
        bad = post_form(client, "/account/totp/confirm", {"code": "000000"}, page="/account")
        assert bad.status_code == 400 and secret[:4] in bad.text.replace(" ", "")
        site.clock.advance(30)
        code = pyotp.TOTP(secret).at(int(site.clock()))
        done = post_form(client, "/account/totp/confirm", {"code": code}, page="/account")
        assert "Your new second factor is set up" in done.text
        old_secret = site.totp["researcher"]
        site.totp["researcher"] = secret
        assert site.sign_in(site.client(), "researcher") == 303
        site.totp["researcher"] = old_secret
        assert site.sign_in(site.client(), "researcher") != 303


def _folder_mirrors(site: Site, tmp_path: Path, names: tuple[str, ...]) -> None:
    config = MirrorConfig.load(site.desk.home.path)
    for name in names:
        entry = MirrorEntry(name, str(tmp_path / name))
        open_store(entry, create=True)
        config.mirrors.append(entry)
    config.save(site.desk.home.path)


def test_the_mirror_page_and_the_unsafe_filter(org: Org, tmp_path: Path) -> None:
    """Given a desk without mirrors, then the mirror page says nothing is copied off it
    and every person is unsafe; given two folder mirrors synced, then each holds every
    entry and nobody is unsafe; when a new person is sealed, then exactly that person is
    listed by the filter 'unsafe: not yet on enough mirrors'."""
    with staff_site(org) as site:
        admin = _signed_in(site, "admin")
        page = admin.get("/admin/mirrors").text
        assert "No mirrors yet" in page and "This desk has never synced." in page
        assert "3 persons rest on them." in page
        listed = admin.get("/persons", params={"unsafe": "1"}).text
        assert "3 persons" in listed and all(n in listed for n in PERSON_NAMES)
        _folder_mirrors(site, tmp_path, ("usb-one", "usb-two"))
        report = sync_home(site.desk.home)
        assert report.ok
        page = admin.get("/admin/mirrors").text
        assert "Everything is safe" in page and "<code>usb-one</code>" in page
        safety = site.desk.mirror_safety()
        assert [m.entries for m in safety.mirrors] == [safety.entries, safety.entries]
        assert safety.unsafe_entries == 0 and safety.last_sync is not None
        assert "0 persons" in admin.get("/persons", params={"unsafe": "1"}).text
        site.desk.seal_records([Batch(files=[], changes=_person_changes("Жаңа Адам"))])
        listed = admin.get("/persons", params={"unsafe": "1"}).text
        assert "1 person" in listed and "Жаңа Адам" in listed
        assert PERSON_NAMES[0] not in listed
        combined = admin.get("/persons", params={"unsafe": "1", "status": "released"}).text
        assert "0 persons" in combined  # the other filters still apply
        token = {"X-CSRF-Token": csrf_of(admin, "/")}
        for name, total in (("Жаңа", 1), (PERSON_NAMES[0], 0)):
            body = {"name": name, "unsafe": True}
            found = admin.post("/api/persons/search", json=body, headers=token).json()
            assert found["total"] == total, name  # and so does a name
        page = admin.get("/admin/mirrors").text
        assert "Not yet safe" in page and "1 person rests on them." in page
        researcher = _signed_in(site, "researcher")
        assert researcher.get("/admin/mirrors").status_code == 403
