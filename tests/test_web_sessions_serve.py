"""``amanat serve --workers 2`` end to end: the real command, its forked processes and
their shared sessions, through real TCP connections.

Given / When / Then. Each request opens a new connection, so the two workers take
turns serving them as they would from many browsers' (the parent process accepts and
hands them out in turn).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pyotp

from amanat.desk.service import Desk
from amanat.vault.opening import open_entry
from conftest import Org


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Browser:
    """Cookies kept across requests, each request on a new connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, {k.lower(): v for k, v in response.getheaders()}, text
        finally:
            conn.close()

    def post_form(
        self, path: str, fields: dict[str, str], page: str = ""
    ) -> tuple[int, dict[str, str], str]:
        _, _, text = self.request("GET", page or path)
        found = re.search(r'name="csrf" value="([^"]*)"', text)
        return self.request("POST", path, {**fields, "csrf": found.group(1) if found else ""})


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _connections_held(pid: int, port: int) -> int:
    """How many established connections to ``port`` the process ``pid`` holds."""
    established = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":
            established.add(f"socket:[{fields[9]}]")
    held = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            held += os.readlink(fd) in established
        except OSError:
            continue
    return held


def _serve_two_workers(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> tuple[str, int, subprocess.Popen[str]]:
    """A researcher account "reader" added, and ``amanat serve --workers 2`` started and
    answering; its TOTP secret, port and process."""
    password = tmp_path / "password"
    password.write_text("serve test researcher password\n")
    base = [sys.executable, "-m", "amanat.cli.main"]
    added = subprocess.run(
        [*base, "user", "add", "reader", "--role", "researcher", "--password-file",
         str(password), "--home", str(org.desk.path), "--json"],
        env=cli_env, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    port = _free_port()
    server = subprocess.Popen(
        [*base, "serve", "--home", str(org.desk.path), "--port", str(port), "--workers", "2"],
        env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            Browser(port).request("GET", "/login")
            break
        except OSError:
            if server.poll() is not None or time.monotonic() >= deadline:
                server.kill()
                server.communicate(timeout=60)
                raise AssertionError("amanat serve did not start") from None
            time.sleep(0.2)
    return json.loads(added.stdout)["totp_secret"], port, server


def test_serve_with_two_workers_shares_sessions_and_seals_their_audit(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Given a desk served by ``amanat serve --workers 2``, when a researcher signs in
    and reads the person list over many connections, then every connection, whichever
    process accepts it, knows the session; after signing out none does; and when the
    server is stopped, the primary seals the views the workers showed into the vault."""
    secret, port, server = _serve_two_workers(org, cli_env, tmp_path)
    try:
        browser = Browser(port)
        assert len(_children(server.pid)) == 3  # the primary and two workers
        step, headers, _ = browser.post_form(
            "/login", {"account": "reader", "password": "serve test researcher password"}
        )
        assert (step, headers["location"]) == (303, "/login/totp")
        status, headers, _ = browser.post_form("/login/totp", {"code": pyotp.TOTP(secret).now()})
        assert (status, headers["location"]) == (303, "/")
        for _ in range(16):
            status, _, text = browser.request("GET", "/persons")
            assert status == 200 and 'name="csrf"' in text
        # Ten browsers' keep-alive connections opened at once are shared out evenly.
        kept = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(10)]
        for open_ in kept:
            open_.connect()
        for open_ in kept:
            open_.request("GET", "/login")
            assert open_.getresponse().read()
        _, *workers = sorted(_children(server.pid))  # the primary is forked first
        assert [_connections_held(pid, port) for pid in workers] == [5, 5]
        for open_ in kept:
            open_.close()
        assert browser.post_form("/logout", {}, page="/persons")[0] == 303
        for _ in range(16):
            status, headers, _ = browser.request("GET", "/persons")
            assert (status, headers["location"]) == (303, "/login")
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
    assert server.returncode == 0, err
    assert "Traceback" not in err
    assert not [p for p in _children(server.pid) if p != os.getpid()]
    with Desk(org.desk, org.desk_keys) as desk:
        desk.update_views()
        with desk.engine.connect() as conn:
            found = conn.exec_driver_sql("SELECT entry_id FROM entries WHERE type = 'audit'")
            ids = [row[0] for row in found]
        events = [
            e
            for entry_id in ids
            for e in open_entry(desk.vault, entry_id, [org.desk_keys.identity]).content["data"][
                "events"
            ]
        ]
    actions = [e["action"] for e in events]
    assert actions.count("persons.search") >= 16  # shown by the workers, sealed by the primary
    assert "login.ok" in actions and "logout" in actions


def _wait_for_children(pid: int, count: int, old: set[int]) -> list[int]:
    deadline = time.monotonic() + 30
    while True:
        now = _children(pid)
        if len(now) == count and not (set(now) & old):
            return now
        assert time.monotonic() < deadline, f"children {now}"
        time.sleep(0.1)


def test_a_process_that_dies_is_started_again(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Given ``amanat serve --workers 2`` with a researcher signed in, when a reading
    worker is killed, then a new one takes its place and the session still holds (it
    lives in the primary); when the primary is killed, a new primary starts, the
    workers reach it, and the researcher must sign in again (sessions are never kept
    on disk)."""
    secret, port, server = _serve_two_workers(org, cli_env, tmp_path)
    try:
        browser = Browser(port)
        browser.post_form(
            "/login", {"account": "reader", "password": "serve test researcher password"}
        )
        browser.post_form("/login/totp", {"code": pyotp.TOTP(secret).now()})
        assert browser.request("GET", "/persons")[0] == 200
        primary, *workers = sorted(_children(server.pid))  # the primary is forked first
        os.kill(workers[0], signal.SIGKILL)
        _wait_for_children(server.pid, 3, {workers[0]})
        for _ in range(8):
            assert browser.request("GET", "/persons")[0] == 200
        os.kill(primary, signal.SIGKILL)
        _wait_for_children(server.pid, 3, {primary})
        deadline = time.monotonic() + 30
        while True:  # until the new primary answers the workers
            status, headers, _ = browser.request("GET", "/persons")
            if status != 503 and headers.get("location") == "/login":
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
        for _ in range(8):
            status, headers, _ = browser.request("GET", "/persons")
            assert (status, headers["location"]) == (303, "/login")
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
    assert server.returncode == 0, err
