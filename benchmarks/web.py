"""The staff web app under load: the person list, a search and a person page, with
100,000 persons in the views and 20 concurrent clients.

The real ``amanat serve`` runs in its own process on 127.0.0.1 over a desk whose views
hold ``--persons`` persons (built once with ``benchmarks/views.py``'s generator, one
testimony each, and reused). The load generator runs in this process: ``--clients``
threads, each with its own keep-alive connection and the session of one researcher
account (signed in with its password and TOTP code, as a person would), send requests
for ``--seconds``: a page of the person list at a random page, a name search (the
filter form posted, then the list it redirects to: a name never goes into an address),
or a random person's page, in equal shares.

Reference, under the same load in the same run: the app's stylesheet (a static file
through the same server, middleware and session check), the floor of the HTTP stack.

Target (issue 5): each of list, search and person page answers in under 100 ms at the
95th percentile.

    python benchmarks/web.py [--persons 100000] [--clients 20] [--seconds 20] [--json FILE]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pyotp

from _common import add_run_options, amanat_cli, cli_env, machine, print_table, settle, write_json
from _org import PASSPHRASE
from amanat.desk.service import Desk
from amanat.vault.home import Home
from amanat.views.read import Query
from views import build_fixture

TARGET_MS = 100.0
KINDS = ("list", "search", "person", "static (reference)")


def _prepare(base: Path) -> tuple[list[str], list[str]]:
    """Views current; a sample of person ids and of names to request."""
    home = Home(base / "desk")
    with Desk(home, home.desk_keys(PASSPHRASE)) as desk:
        desk.update_views()
        ids = [p.person_id for p in desk.search(Query(limit=500)).persons]
        names = [p.name for p in desk.search(Query(limit=200, offset=1000)).persons]
    return ids, names


def _add_account(base: Path, passfile: Path) -> str:
    pw = base / "web-password"
    pw.write_text("benchmark researcher password\n")
    (base / "desk" / "web" / "accounts.json").unlink(missing_ok=True)
    done = subprocess.run(
        [amanat_cli(), "user", "add", "bench", "--role", "researcher", "--password-file", str(pw),
         "--home", str(base / "desk"), "--passphrase-file", str(passfile), "--json"],
        capture_output=True, text=True, env=cli_env(), check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"amanat user add failed: {done.stderr}")
    return str(json.loads(done.stdout)["totp_secret"])


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.location = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        self.location = response.headers.get("Location", "")
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text

    def form(self, path: str, fields: dict[str, str]) -> int:
        _, page = self.request("GET", path)
        found = re.search(r'name="csrf" value="([^"]*)"', page)
        data = {**fields, "csrf": found.group(1) if found else ""}
        status, _ = self.request("POST", path, urllib.parse.urlencode(data))
        return status


def sign_in(port: int, secret: str) -> dict[str, str]:
    client = Client(port)
    client.form("/login", {"account": "bench", "password": "benchmark researcher password"})
    client.form("/login/totp", {"code": pyotp.TOTP(secret).now()})
    status, _ = client.request("GET", "/persons")
    if status != 200:
        raise SystemExit(f"could not sign in to the app (status {status})")
    return client.cookies


def _worker(
    port: int,
    cookies: dict[str, str],
    ids: list[str],
    names: list[str],
    stop: float,
    seed: int,
    out: dict[str, list[float]],
    errors: list[str],
    lock: threading.Lock,
) -> None:
    rng = random.Random(seed)
    client = Client(port)
    client.cookies = dict(cookies)
    mine: dict[str, list[float]] = {k: [] for k in KINDS}
    found = re.search(r'name="csrf" value="([^"]*)"', client.request("GET", "/persons")[1])
    csrf = found.group(1) if found else ""
    while time.monotonic() < stop:
        kind = rng.choice(KINDS)
        if kind == "list":
            path = f"/persons?page={rng.randint(1, 200)}"
        elif kind == "search":
            path = ""  # the filter form, posted; then the list it redirects to
        elif kind == "person":
            path = f"/persons/{rng.choice(ids)}"
        else:
            path = "/static/staff.css"
        start = time.perf_counter()
        try:
            if kind == "search":
                word = rng.choice(names).split()[0][:5]
                body = urllib.parse.urlencode({"name": word, "csrf": csrf})
                status, _ = client.request("POST", "/persons", body)
                if status == 303:
                    status, _ = client.request("GET", client.location)
            else:
                status, _ = client.request("GET", path)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{kind}: {exc}")
            client = Client(port)
            client.cookies = dict(cookies)
            continue
        took = (time.perf_counter() - start) * 1000
        if status != 200:
            errors.append(f"{kind}: HTTP {status}")
        mine[kind].append(took)
    with lock:
        for k, v in mine.items():
            out[k].extend(v)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--persons", type=int, default=100_000, help="persons in the views")
    p.add_argument("--clients", type=int, default=20, help="concurrent clients (20)")
    p.add_argument("--seconds", type=float, default=20.0, help="how long to load (20)")
    p.add_argument("--port", type=int, default=18731, help="the app's port")
    add_run_options(p, "web")
    args = p.parse_args()
    base = build_fixture(args.workdir / f"vault-{args.persons}", args.persons, args.persons)
    print("preparing the views (the first time: a rebuild) ...", flush=True)
    ids, names = _prepare(base)
    passfile = base / "passphrase"
    passfile.write_text(PASSPHRASE + "\n")
    secret = _add_account(base, passfile)
    server = subprocess.Popen(
        [amanat_cli(), "serve", "--home", str(base / "desk"), "--passphrase-file", str(passfile),
         "--port", str(args.port)],
        env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                Client(args.port).request("GET", "/login")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the app did not start") from None
                time.sleep(0.3)
        cookies = sign_in(args.port, secret)
        busy = settle(False, args.wait_idle).busy
        out: dict[str, list[float]] = {k: [] for k in KINDS}
        errors: list[str] = []
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=_worker, args=(args.port, cookies, ids, names, stop, n, out,
                                                   errors, lock))
            for n in range(args.clients)
        ]  # fmt: skip
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    results: dict[str, Any] = {"machine": machine(args.workdir), "busy_before": busy,
                               "persons": args.persons, "clients": args.clients,
                               "seconds": args.seconds, "errors": errors[:20],
                               "n_errors": len(errors), "kinds": {}}  # fmt: skip
    rows = []
    ref95 = percentile(out["static (reference)"], 95) if out["static (reference)"] else 0.0
    for kind in KINDS:
        values = out[kind]
        if not values:
            continue
        p95 = percentile(values, 95)
        results["kinds"][kind] = {
            "requests": len(values), "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(p95, 1), "p99_ms": round(percentile(values, 99), 1),
            "per_s": round(len(values) / args.seconds, 1),
        }  # fmt: skip
        note = (
            ""
            if kind.startswith("static")
            else (
                f"{p95 / ref95:.1f}x reference; {'meets' if p95 < TARGET_MS else 'misses'} < 100 ms"
            )
        )
        rows.append([kind, str(len(values)), f"{statistics.median(values):.1f}", f"{p95:.1f}",
                     note])  # fmt: skip
    print_table(["request", "count", "p50 ms", "p95 ms", "note"], rows)
    if errors:
        print(f"{len(errors)} errors, e.g. {errors[:3]}")
    write_json(args.json, results)
    ok = all(results["kinds"][k]["p95_ms"] < TARGET_MS for k in ("list", "search", "person")
             if k in results["kinds"])  # fmt: skip
    return 0 if ok and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
