"""A staff app over a real desk, for the web tests: persons sealed by the desk, one
account per role, a clock the test turns, and argon2 made cheap ("insecure but fast")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pyotp
from argon2 import PasswordHasher
from starlette.applications import Starlette
from starlette.testclient import TestClient

from amanat.desk.service import Batch, Desk
from amanat.records import build as b
from amanat.records.changes import new_id, version_id
from amanat.settings import Settings
from amanat.views.read import Query
from amanat.web.staff import WebOptions, create_app
from amanat.web.staff.accounts import ROLES
from amanat.web.staff.workers import Cluster
from conftest import Org

CHEAP_ARGON2 = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PERSON_NAMES = ["Серік Жылқыбаев", "Гүлнар Тұрсынова", "ئابدۇرېھىم ھېيت"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def password_of(name: str) -> str:
    return f"{name} long password 7"


@dataclass
class Site:
    app: Starlette
    desk: Desk
    clock: FakeClock
    person_ids: list[str]
    totp: dict[str, str] = field(default_factory=dict)  # account -> TOTP secret

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://testserver", follow_redirects=False)

    def code(self, account: str) -> str:
        return pyotp.TOTP(self.totp[account]).at(int(self.clock()))

    def sign_in(self, client: TestClient, account: str, password: str | None = None) -> int:
        """Password, then the TOTP code when the account has one; the last status."""
        response = post_form(
            client, "/login", {"account": account, "password": password or password_of(account)}
        )
        if response.headers.get("location") == "/login/totp":
            self.clock.advance(30)  # a fresh TOTP step: codes are never accepted twice
            response = post_form(client, "/login/totp", {"code": self.code(account)})
        return response.status_code


def csrf_of(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    found = re.search(r'name="csrf" value="([^"]*)"', page.text)
    return found.group(1) if found else ""


def post_form(client: TestClient, path: str, data: dict[str, str], *, page: str = "") -> Any:
    """POST a form the way a browser does: its CSRF token read from the form page."""
    token = csrf_of(client, page or ("/" if path == "/logout" else path))
    return client.post(path, data={**data, "csrf": token})


def _person_changes(name: str, person: str = "") -> list[dict[str, Any]]:
    person, testimony = person or new_id("p"), new_id("t")
    ref = b.source_ref(testimony=testimony)
    return [
        {
            "op": "testimony.recorded",
            "testimony": testimony,
            "persons": [person],
            "testifier": {"relationship": "sibling", "name": "Айгүл", "contact": "+7 700 000"},
            "consent": {"level": "public_anonymised"},
            "media": [],
        },
        {
            "op": "person.created",
            "person": person,
            "claims": [
                b.claim("name", b.name(name), ref),
                b.claim("status", b.status("in_camp", "2018-04"), ref),
            ],
        },
    ]


def imported_video(title: str, channel: str = "Atajurt Kazakh Human Rights") -> dict[str, Any]:
    """A testimony as ``amanat import FOLDER`` records a downloaded video: linked to no
    person, its consent internal until the testifier's own is recorded."""
    return {
        "op": "testimony.recorded",
        "testimony": new_id("t"),
        "persons": [],
        "testifier": {"relationship": "unknown"},
        "consent": {"level": "internal", "how": "unknown", "note": f"published by {channel}"},
        "media": [],
        "title": title,
        "external": {"channel": channel, "uploaded": "2019-03-10"},
    }


@contextmanager
def staff_site(
    org: Org, *, audit_interval: float = 3600, cluster: Cluster | None = None
) -> Iterator[Site]:
    clock = FakeClock()
    with Desk(org.desk, org.desk_keys) as desk:
        batches = [Batch(files=[], changes=_person_changes(n)) for n in PERSON_NAMES]
        desk.seal_records(batches)
        ids = [p.person_id for p in desk.search(Query()).persons]
        options = WebOptions(audit_interval=audit_interval, clock=clock, hasher=CHEAP_ARGON2)
        app = create_app(desk, Settings.from_env({}), options, cluster=cluster)
        site = Site(app, desk, clock, ids)
        accounts = app.state.staff.accounts
        for role in ROLES:
            enrolment = accounts.add(role, role, password_of(role))
            if enrolment is not None:
                site.totp[role] = enrolment.secret
        yield site


def record_again(site: Site, person_id: str, **changed: Any) -> tuple[str, list[str]]:
    """The person's first testimony recorded once more by the desk, with ``changed``
    (by default a new title, so that every call makes another version): the testimony
    and the version ids the settle page then shows."""
    testimony = site.desk.person(person_id).testimonies[0]["testimony_id"]
    shown = site.desk.testimony_versions(testimony)[0].change.body
    again = {**shown, "media": [], **(changed or {"title": f"again {new_id('t')[-8:]}"})}
    site.desk.seal_records([Batch(files=[], changes=[again])])
    versions = site.desk.testimony_versions(testimony)
    return testimony, [version_id(v.change.entry_id, v.change.index) for v in versions]
