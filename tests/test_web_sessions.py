"""Sessions shared by the processes of ``amanat serve --workers N``.

Given / When / Then. Two real app instances over one real desk, as ``amanat serve``
runs them: the primary (sessions, audit trail, intake) served by uvicorn on its Unix
socket, and a reading worker that asks the primary for every session over the state
socket and forwards every route outside ``LOCAL_ROUTES`` to it. The worker runs in this
process rather than a forked one; the sockets, the key and the messages are the same.
"""

from __future__ import annotations

import asyncio
import os
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client
from typing import Any
from urllib.parse import urlencode

import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.testclient import TestClient

from amanat.settings import Settings
from amanat.web.staff import WebOptions, create_app
from amanat.web.staff.sessions import IDLE_S
from amanat.web.staff.state import COOKIE
from amanat.web.staff.workers import Cluster
from conftest import Org
from web_staff import CHEAP_ARGON2, Site, csrf_of, post_form, staff_site


@dataclass
class Pair:
    site: Site  # its app is the primary
    worker: Starlette
    cluster: Cluster

    def primary_client(self) -> TestClient:
        return self.site.client()

    def worker_client(self) -> TestClient:
        return TestClient(self.worker, base_url="http://testserver", follow_redirects=False)


@contextmanager
def primary_and_worker(org: Org) -> Iterator[Pair]:
    cluster = Cluster.make()
    try:
        with staff_site(org, cluster=cluster) as site:
            server = uvicorn.Server(
                uvicorn.Config(site.app, uds=cluster.forward_socket, lifespan="off",
                               log_level="warning")
            )  # fmt: skip
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            deadline = time.monotonic() + 10
            while not server.started and time.monotonic() < deadline:
                time.sleep(0.02)
            options = WebOptions(clock=site.clock, hasher=CHEAP_ARGON2)
            worker = create_app(
                site.desk, Settings.from_env({}), options, cluster=cluster, primary=False
            )
            try:
                yield Pair(site, worker, cluster)
            finally:
                server.should_exit = True
                thread.join(timeout=10)
                site.app.state.state_server.close()
    finally:
        cluster.remove()


def test_signed_in_through_the_worker_holds_in_the_primary(org: Org) -> None:
    """Given a primary and a worker, when a researcher signs in through the worker (which
    forwards signing in to the primary), then the session opens the person list on the
    worker and on the primary alike."""
    with primary_and_worker(org) as pair:
        worker = pair.worker_client()
        assert pair.site.sign_in(worker, "researcher") == 303
        assert worker.get("/persons").status_code == 200
        primary = pair.primary_client()
        primary.cookies.set(COOKIE, worker.cookies[COOKIE])
        assert primary.get("/persons").status_code == 200
        assert primary.get(f"/persons/{pair.site.person_ids[0]}").status_code == 200


def test_logout_on_one_process_ends_the_session_on_both(org: Org) -> None:
    """Given a session opened on the primary and used on the worker, when the researcher
    signs out through the worker, then neither process accepts the session any more."""
    with primary_and_worker(org) as pair:
        primary = pair.primary_client()
        assert pair.site.sign_in(primary, "researcher") == 303
        worker = pair.worker_client()
        worker.cookies.set(COOKIE, primary.cookies[COOKIE])
        token = primary.cookies[COOKIE]
        assert worker.get("/persons").status_code == 200
        assert post_form(worker, "/logout", {}).status_code == 303
        for client in (primary, worker):
            client.cookies.set(COOKIE, token)
            assert client.get("/persons").headers["location"] == "/login"
            assert client.get("/api/persons").status_code == 401


def test_an_expired_session_is_refused_by_the_worker(org: Org) -> None:
    """Given a session used on the worker, when more than the idle time passes, then the
    worker refuses it (the primary's clock and expiry decide, once, for both)."""
    with primary_and_worker(org) as pair:
        worker = pair.worker_client()
        assert pair.site.sign_in(worker, "reviewer") == 303
        assert worker.get("/api/persons").status_code == 200
        pair.site.clock.advance(IDLE_S + 1)
        assert worker.get("/api/persons").status_code == 401
        assert worker.get("/persons").headers["location"] == "/login"


def test_a_tampered_session_cookie_is_refused(org: Org) -> None:
    """Given a signed-in session, when its cookie is changed in any way (a character
    replaced, cut short, lengthened), then the worker refuses every read."""
    with primary_and_worker(org) as pair:
        worker = pair.worker_client()
        assert pair.site.sign_in(worker, "researcher") == 303
        token = worker.cookies[COOKIE]

        @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            position=st.integers(0, len(token)),
            cut=st.integers(0, 3),
            insert=st.text(
                alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
                max_size=3,
            ),
        )
        def tampered(position: int, cut: int, insert: str) -> None:
            changed = token[:position] + insert + token[position + cut :]
            if changed == token:
                return
            client = pair.worker_client()
            client.cookies.set(COOKIE, changed)
            assert client.get("/api/persons").status_code == 401
            assert client.get(f"/persons/{pair.site.person_ids[0]}").status_code == 303

        tampered()
        worker.cookies.set(COOKIE, token)
        assert worker.get("/api/persons").status_code == 200  # the real one still works


def test_a_name_remembered_by_the_worker_is_kept_by_the_primary(org: Org) -> None:
    """Given an old link with a name in its address, when the worker moves the name
    into the session, then the primary knows the key: the list it redirects to finds
    the person on either process, and the name is never in the address."""
    with primary_and_worker(org) as pair:
        worker = pair.worker_client()
        assert pair.site.sign_in(worker, "researcher") == 303
        moved = worker.get("/persons", params={"name": "Гүлнар"})
        target = moved.headers["location"]
        assert "q=" in target and "%D0" not in target and "Гүлнар" not in target
        primary = pair.primary_client()
        primary.cookies.set(COOKIE, worker.cookies[COOKIE])
        for client in (worker, primary):
            page = client.get(target)
            assert page.status_code == 200
            assert "Тұрсынова" in page.text and "Серік" not in page.text


def test_a_name_posted_to_the_worker_is_kept_by_the_primary(org: Org) -> None:
    """Given the filter form served by the worker, when a name is posted to it, then the
    primary keeps the name behind the key of the address it redirects to (a restarted
    worker, or the other one, finds it), and the name is not in that address."""
    with primary_and_worker(org) as pair:
        worker = pair.worker_client()
        assert pair.site.sign_in(worker, "researcher") == 303
        posted = post_form(worker, "/persons", {"name": "Серік"}, page="/persons")
        target = posted.headers["location"]
        assert posted.status_code == 303 and "q=" in target and "Серік" not in target
        key = target.split("q=", 1)[1].split("&", 1)[0]
        kept = pair.site.app.state.staff.sessions.get(worker.cookies[COOKIE])
        assert kept is not None and kept.searches[key] == "Серік"
        page = pair.primary_client()
        page.cookies.set(COOKIE, worker.cookies[COOKIE])
        assert "Жылқыбаев" in page.get(target).text


def test_two_searches_at_once_through_a_worker_keep_both_names(org: Org) -> None:
    """Given one researcher's session, when two name searches are posted to the worker
    at the same time (each request holding its own copy of the session, the first
    still searching when the second is read), then the primary keeps both names, each
    behind its own key, and each address lists its own person with its name in the box:
    the last to finish does not replace what the other remembered."""
    with primary_and_worker(org) as pair:
        worker = pair.worker_client()
        assert pair.site.sign_in(worker, "researcher") == 303
        token = worker.cookies[COOKIE]
        csrf = csrf_of(worker, "/persons")
        real_search = pair.site.desk.search

        def slow_search(query: Any) -> Any:
            time.sleep(0.3)  # the other request reads its copy of the session meanwhile
            return real_search(query)

        pair.site.desk.search = slow_search  # type: ignore[method-assign]
        pushed: dict[str, str] = {}
        cookie = f"{COOKIE}={token}".encode()

        async def search(name: str) -> None:
            body = urlencode({"name": name, "csrf": csrf}).encode()
            scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                     "method": "POST", "scheme": "http", "path": "/persons",
                     "raw_path": b"/persons", "query_string": b"", "root_path": "",
                     "headers": [(b"host", b"testserver"), (b"cookie", cookie),
                                 (b"hx-request", b"true"),
                                 (b"content-type", b"application/x-www-form-urlencoded"),
                                 (b"content-length", str(len(body)).encode())],
                     "client": ("127.0.0.1", 1), "server": ("testserver", 80)}  # fmt: skip
            sent = False

            async def receive() -> dict[str, Any]:
                nonlocal sent
                if sent:
                    await asyncio.sleep(3600)
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    assert message["status"] == 200
                    headers = {k.decode(): v.decode() for k, v in message["headers"]}
                    pushed[name] = headers["hx-push-url"]

            await pair.worker(scope, receive, send)

        async def both() -> None:
            await asyncio.gather(search("Серік"), search("Гүлнар"))

        asyncio.run(both())
        pair.site.desk.search = real_search  # type: ignore[method-assign]
        kept = pair.site.app.state.staff.sessions.get(token)
        assert kept is not None and sorted(kept.searches.values()) == ["Гүлнар", "Серік"]
        for name, person in (("Серік", "Жылқыбаев"), ("Гүлнар", "Тұрсынова")):
            page = worker.get(pushed[name]).text
            assert f'value="{name}"' in page and person in page


def test_what_a_worker_shows_is_audited_by_the_primary(org: Org) -> None:
    """Given a worker, when it shows a person's page, then the primary's audit trail
    holds the view (the worker seals nothing itself)."""
    with primary_and_worker(org) as pair:
        worker = pair.worker_client()
        assert pair.site.sign_in(worker, "researcher") == 303
        trail = pair.site.app.state.staff.audit
        before = trail.pending
        assert worker.get(f"/persons/{pair.site.person_ids[1]}").status_code == 200
        assert trail.pending == before + 1
        assert pair.worker.state.staff.audit.pending == 0


def test_the_state_socket_needs_the_runs_key(org: Org) -> None:
    """Given a running primary, when a process without the run's key connects to the
    state socket, then it is refused before any message; the folder holding the
    sockets is private to the user (mode 0700)."""
    with primary_and_worker(org) as pair:
        mode = stat.S_IMODE(os.stat(pair.cluster.folder).st_mode)
        assert mode == 0o700
        with pytest.raises(AuthenticationError):
            Client(pair.cluster.state_socket, family="AF_UNIX", authkey=os.urandom(32))
        with Client(
            pair.cluster.state_socket, family="AF_UNIX", authkey=pair.cluster.authkey
        ) as conn:
            conn.send(("accounts.add", {"name": "mallory"}))  # not a call it answers
            kind, _ = conn.recv()
            assert kind == "error"


def test_intake_through_the_worker_reaches_the_primary(org: Org) -> None:
    """Given a worker, which keeps no intake drafts or uploads, when an intake volunteer
    opens the wizard through it, then the primary answers (the route is forwarded) and
    the draft lives there."""
    with primary_and_worker(org) as pair:
        worker = pair.worker_client()
        assert pair.site.sign_in(worker, "intake") == 303
        page = worker.get("/intake")
        assert page.status_code == 200
        assert "csrf" in page.text
        assert not hasattr(pair.worker.state, "intake")
        assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_an_upload_through_the_worker_lands_in_the_primary(org: Org) -> None:
    """Given a worker, when a volunteer sends a file in pieces through it, then each
    piece streams to the primary's upload (the only place its key lives): the offsets it
    reports grow piece by piece, whichever process is asked; the partial ciphertext is
    placed in the vault when the last piece arrives, and giving up through the worker
    deletes it (no Save named it)."""
    piece = b"\xff\xd8\xff\xe0" + os.urandom(256 * 1024 - 4)
    with primary_and_worker(org) as pair:
        worker = pair.worker_client()
        assert pair.site.sign_in(worker, "intake") == 303
        primary = pair.primary_client()
        primary.cookies.set(COOKIE, worker.cookies[COOKIE])
        token = {"X-CSRF-Token": csrf_of(worker, "/intake")}
        started = worker.post(
            "/api/uploads",
            json={"name": "photo.jpg", "media_type": "image/jpeg", "size": 2 * len(piece)},
            headers=token,
        )
        assert started.status_code == 201, started.text
        ident = started.json()["id"]
        parts = pair.site.desk.vault.tmp_dir / "uploads"
        blobs = pair.site.desk.vault.object_path("blobs", "0" * 64).parent.parent

        def placed() -> int:
            return sum(1 for p in blobs.rglob("*") if p.is_file())

        before = placed()
        for n in range(2):
            sent = worker.put(
                f"/api/uploads/{ident}",
                content=piece,
                headers={**token, "Upload-Offset": str(n * len(piece))},
            )
            assert sent.json()["received"] == (n + 1) * len(piece)
            if n == 0:
                assert len(list(parts.glob("*.upload"))) == 1
        assert primary.get(f"/api/uploads/{ident}").json()["received"] == 2 * len(piece)
        assert list(parts.glob("*.upload")) == [] and placed() == before + 1
        assert worker.delete(f"/api/uploads/{ident}", headers=token).status_code in (200, 204)
        assert placed() == before


def test_the_worker_serves_the_same_static_files_from_memory(org: Org) -> None:
    """Given a worker, when the stylesheet and script are asked for, then they are the
    primary's bytes and type, with an ETag that a repeat visit gets 304 for; a path
    outside the folder is not found."""
    with primary_and_worker(org) as pair:
        worker, primary = pair.worker_client(), pair.primary_client()
        for name in ("staff.css", "htmx.min.js"):
            mine, theirs = worker.get(f"/static/{name}"), primary.get(f"/static/{name}")
            assert mine.status_code == theirs.status_code == 200
            assert mine.content == theirs.content
            assert mine.headers["content-type"] == theirs.headers["content-type"]
            assert "no-store" not in mine.headers.get("cache-control", "")
            again = worker.get(f"/static/{name}", headers={"If-None-Match": mine.headers["etag"]})
            assert again.status_code == 304 and again.content == b""
        assert worker.get("/static/../app.py").status_code == 404
        assert worker.get("/static/nothing.css").status_code == 404


def test_reading_pages_take_turns_in_the_order_asked(org: Org) -> None:
    """Given two name searches, a person's page and the home page asked for at once,
    when the desk's search is slow, then the searches and the person's page run one after
    the other in the order they were asked for (``PAGE_LANE``), and the home page, which
    reads no views, is answered while the first search still runs."""
    with staff_site(org) as site:
        client = site.client()
        assert site.sign_in(client, "researcher") == 303
        keys = []
        for name in ("Серік", "Гүлнар"):
            posted = post_form(client, "/persons", {"name": name}, page="/persons")
            keys.append(posted.headers["location"])
        cookie = f"{COOKIE}={client.cookies[COOKIE]}".encode()
        spans: dict[str, tuple[float, float]] = {}
        real_search = site.desk.search
        real_person = site.desk.person

        def slow_person(person_id: str) -> Any:
            started = time.monotonic()
            found = real_person(person_id)
            spans["person"] = (started, time.monotonic())
            return found

        def slow_search(query: Any) -> Any:
            started = time.monotonic()
            time.sleep(0.3)
            found = real_search(query)
            spans[query.name] = (started, time.monotonic())
            return found

        site.desk.search = slow_search  # type: ignore[method-assign]
        site.desk.person = slow_person  # type: ignore[method-assign]
        done: dict[str, float] = {}

        async def get(label: str, target: str) -> None:
            path, _, query = target.partition("?")
            scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                     "method": "GET", "scheme": "http", "path": path,
                     "raw_path": path.encode(), "query_string": query.encode(),
                     "root_path": "", "headers": [(b"host", b"testserver"), (b"cookie", cookie)],
                     "client": ("127.0.0.1", 1), "server": ("testserver", 80)}  # fmt: skip

            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": b"", "more_body": False}

            status = []

            async def send(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    status.append(message["status"])

            await site.app(scope, receive, send)
            assert status == [200]
            done[label] = time.monotonic()

        async def all_at_once() -> float:
            start = time.monotonic()
            await asyncio.gather(
                get("first", keys[0]),
                get("second", keys[1]),
                get("page", f"/persons/{site.person_ids[0]}"),
                get("home", "/"),
            )
            return start

        start = asyncio.run(all_at_once())
        first, second = spans["Серік"], spans["Гүлнар"]
        assert second[0] >= first[1]  # one at a time
        assert spans["person"][0] >= second[1]  # in the order asked for
        assert done["first"] < done["second"] < done["page"]
        assert done["home"] < first[1]  # a page that reads no views does not wait
        assert done["home"] - start < 0.3
