"""Station mode of the staff app: it seals and forgets.

Given a station (no decryption key) serving the staff app, when an intake volunteer
takes a testimony with a canary planted in the person's name, the testifier's name,
the risk notes and an uploaded file's bytes (sent in pieces), then the canary is
nowhere on the station's disk, nor in the temp folder; yet a desk that pulls the
station's vault finds the person by that name, so it really was sealed. On a station
the persons routes do not exist and only intake accounts can be made.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from amanat.desk import Desk, Station
from amanat.errors import UsageError
from amanat.settings import Settings
from amanat.vault.copy import pull_vault
from amanat.views.read import Query
from amanat.web.staff import WebOptions, create_app
from conftest import Org
from test_web_intake import CONSENT, EVENTS, PERSON, PIECE, TESTIFIER, put, start_upload, step
from web_staff import CHEAP_ARGON2, FakeClock, password_of, post_form

CANARY = "Канарейка Сарыбұлбұлқызы"
CANARY_VARIANTS = [CANARY.encode(c) for c in ("utf-8", "utf-16-le", "utf-16-be")]
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + (CANARY.encode() + bytes(range(200))) * 1000


def _scan(root: Path) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if CANARY.split()[0] in path.name:
            hits.append(f"path {path}")
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            hits += [f"{path} holds {v!r}" for v in CANARY_VARIANTS if v in data]
    return hits


@contextmanager
def station_app(org: Org, audit_interval: float = 3600) -> Iterator[Starlette]:
    options = WebOptions(audit_interval=audit_interval, clock=FakeClock(), hasher=CHEAP_ARGON2)
    with Station(org.station) as station:
        yield create_app(station, Settings.from_env({}), options)


def _client(app: Starlette) -> TestClient:
    return TestClient(app, base_url="http://testserver", follow_redirects=False)


def test_an_intake_on_a_station_leaves_no_plaintext_on_its_disk(
    org: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: a station's staff app, its temp folder one we watch, and an intake account
    watched_tmp = tmp_path / "station-tmp"
    watched_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(watched_tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(watched_tmp))
    with station_app(org) as app:
        assert app.state.staff.accounts.add("intake", "intake", password_of("intake")) is None
        with _client(app) as client:  # runs the lifespan: audit events sealed at the end
            login = {"account": "intake", "password": password_of("intake")}
            assert post_form(client, "/login", login).status_code == 303

            # When: the wizard is completed with canaries everywhere, the file in pieces
            step(client, "next", {**TESTIFIER, "testifier_name": CANARY})
            step(client, "next", {**CONSENT, "risk_notes": f"do not call {CANARY}"})
            page = step(client, "next", {**PERSON, "name_1": CANARY})
            assert "field-error" not in page.text, page.text[-2000:]
            step(client, "next", EVENTS)
            started = start_upload(client, len(PHOTO), "scan.jpg")
            assert started.status_code == 201, started.text
            ident, offset = started.json()["id"], 0
            while offset < len(PHOTO):
                sent = put(client, ident, offset, PHOTO[offset : offset + PIECE])
                assert sent.status_code == 200, sent.text
                offset = sent.json()["received"]
            assert sent.json()["complete"] is True
            step(client, "next")
            saved = step(client, "save")
            assert saved.status_code == 303 and saved.headers["location"] == "/intake/done"
            done = client.get("/intake/done")
            assert "Sealed, reference" in done.text and CANARY not in done.text
            assert CANARY not in client.get("/intake").text

    # Then: the canary is nowhere on the station's disk or in its temp folder
    assert _scan(org.station.path) == []
    assert _scan(watched_tmp) == []
    # ...and it was really sealed: a desk that pulls the station's vault finds the person
    pull_vault(org.desk.vault(), org.station.path / "vault")
    with Desk(org.desk, org.desk_keys) as desk:
        desk.update_views()
        found = desk.search(Query(name=CANARY)).persons
        assert len(found) == 1
        assert CANARY in {n["text"] for n in desk.person(found[0].person_id).names}


def test_a_station_has_no_persons_routes_and_intake_accounts_only(org: Org) -> None:
    with station_app(org) as app:
        accounts = app.state.staff.accounts
        # Given: a station; when a researcher account is asked for, then it is refused
        with pytest.raises(UsageError, match="station has intake accounts only"):
            accounts.add("researcher", "researcher", password_of("researcher"))
        assert accounts.get("researcher") is None
        accounts.add("intake", "intake", password_of("intake"))
        client = _client(app)
        login = {"account": "intake", "password": password_of("intake")}
        assert post_form(client, "/login", login).status_code == 303
        # When: the desk-only routes are tried; then they do not exist
        for path in ("/persons", "/persons/p-1", "/api/persons", "/api/persons/p-1",
                     "/api/openapi.json", "/login/totp"):  # fmt: skip
            assert client.get(path).status_code == 404, path
        assert client.get("/").status_code == 200
        assert client.get("/intake").status_code == 200


def test_user_add_on_a_station_needs_no_passphrase(
    org: Org, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    # Given: a station, and no passphrase anywhere (a station has none to give)
    env = {k: v for k, v in cli_env.items() if k != "AMANAT_PASSPHRASE"}
    secret = tmp_path / "password.txt"
    secret.write_text(password_of("clerk"), "utf-8")

    def user_add(name: str, role: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "amanat.cli.main", "user", "add", name,
                   "--role", role, "--home", str(org.station.path),
                   "--password-file", str(secret)]  # fmt: skip
        return subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )

    # When: an intake account is added; then it is, with no second factor to enrol
    done = user_add("clerk", "intake")
    assert done.returncode == 0, done.stderr
    assert "Added clerk (intake)." in done.stdout and "secret" not in done.stdout
    # ...and a researcher account is refused with its sentence
    refused = user_add("reader", "researcher")
    assert refused.returncode != 0
    assert "station has intake accounts only" in refused.stderr
