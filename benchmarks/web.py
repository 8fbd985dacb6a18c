"""The staff web app under load: the person list, a search and a person page, with
100,000 persons in the views and 20 concurrent clients.

The real ``amanat serve`` runs in its own processes on 127.0.0.1 (``--workers``, by
default one per core) over a desk whose views hold ``--persons`` persons (built once
with ``benchmarks/views.py``'s generator, one testimony each, and reused). The load
generator runs in this process on the same machine: ``--clients`` clients on one
asyncio event loop, each with its own keep-alive connection and the session of one
researcher account (signed in with its password and TOTP code, as a person would),
sending requests for ``--seconds``: a page of the person list at a random page, a name
search, or a random person's page, in equal shares. A name search is the filter form
posted as the staff app's page posts it (``--search-form script``, the default: htmx,
which gets the results in place); ``--search-form plain`` posts it as a browser without
scripts does and follows the redirect to the list (two requests, counted as one
search). A name never goes into an address either way. A raw-socket asyncio client
costs far less CPU per request than the server does, so it takes a small share of the
two cores it shares with the server; the CPU each side used is reported.

By default the loop is closed: each client sends its next request as soon as the last
one is answered (20 clients with no think time, the strict reading of issue 5).
``--think-ms MS`` adds a pause drawn uniformly from 0 to 2*MS between one client's
requests: staff who read a page before asking for the next.

Reference, under the same load in the same run: the app's stylesheet (a static file
through the same server, middleware and session check), the floor of the HTTP stack.

Target (issue 5): each of list, search and person page answers in under 100 ms at the
95th percentile.

    python benchmarks/web.py [--persons 100000] [--clients 20] [--seconds 20]
                             [--workers N] [--think-ms 0] [--search-form script|plain]
                             [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pyotp

from _common import (
    add_run_options,
    amanat_cli,
    busy_cpu_seconds,
    cli_env,
    machine,
    print_table,
    settle,
    write_json,
)
from _org import PASSPHRASE
from amanat.desk.service import Desk
from amanat.vault.home import Home
from amanat.views.read import Query
from views import build_fixture

TARGET_MS = 100.0
KINDS = ("list", "search", "person", "static (reference)")
MEASURED = ("list", "search", "person")
CSRF = re.compile(rb'name="csrf" value="([^"]*)"')


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


class HttpError(Exception):
    pass


class Connection:
    """One keep-alive HTTP/1.1 connection over asyncio streams, one request at a time.
    Bodies by Content-Length or chunked; cookies kept as a browser keeps them."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cookies = dict(cookies or {})

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, body: bytes = b"", extra: tuple[str, ...] = ()
    ) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
        if body:
            head.append("Content-Type: application/x-www-form-urlencoded")
        head.extend(extra)
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        reader = self.reader
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
            lines = raw.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name, value = name.strip().lower(), value.strip()
                if name == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
                elif name:
                    headers[name] = value
            if "content-length" in headers:
                data = await reader.readexactly(int(headers["content-length"]))
            elif headers.get("transfer-encoding", "").lower() == "chunked":
                parts = []
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    parts.append((await reader.readexactly(size + 2))[:-2])
                    if size == 0:
                        break
                data = b"".join(parts)
            else:
                data = await reader.read()
                self.close()
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            self.close()
            raise HttpError(f"connection lost: {exc}") from None
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, data

    async def form(self, path: str, fields: dict[str, str]) -> tuple[int, dict[str, str]]:
        _, _, page = await self.request("GET", path)
        found = CSRF.search(page)
        data = {**fields, "csrf": found.group(1).decode() if found else ""}
        status, headers, _ = await self.request("POST", path, urllib.parse.urlencode(data).encode())
        return status, headers


async def sign_in(port: int, secret: str) -> dict[str, str]:
    conn = Connection(port)
    await conn.form("/login", {"account": "bench", "password": "benchmark researcher password"})
    await conn.form("/login/totp", {"code": pyotp.TOTP(secret).now()})
    status, _, _ = await conn.request("GET", "/persons")
    conn.close()
    if status != 200:
        raise SystemExit(f"could not sign in to the app (status {status})")
    return conn.cookies


async def _client(
    port: int,
    cookies: dict[str, str],
    ids: list[str],
    names: list[str],
    stop: float,
    seed: int,
    think_ms: float,
    mix: list[str],
    out: dict[str, list[float]],
    errors: list[str],
    script: bool = True,
) -> None:
    rng = random.Random(seed)
    kinds = [k for k in KINDS if k.split()[0] in mix]
    htmx = ("HX-Request: true", "HX-Current-URL: /persons") if script else ()
    conn = Connection(port, cookies)
    found = CSRF.search((await conn.request("GET", "/persons"))[2])
    csrf = found.group(1).decode() if found else ""
    while time.monotonic() < stop:
        if think_ms:
            await asyncio.sleep(rng.uniform(0, 2 * think_ms) / 1000)
        kind = rng.choice(kinds)
        start = time.perf_counter()
        try:
            if kind == "search":  # the filter form, posted; without scripts, then the list
                word = rng.choice(names).split()[0][:5]
                body = urllib.parse.urlencode({"name": word, "csrf": csrf}).encode()
                status, headers, _ = await conn.request("POST", "/persons", body, htmx)
                if status == 303:
                    status, _, _ = await conn.request("GET", headers.get("location", ""))
            elif kind == "list":
                status, _, _ = await conn.request("GET", f"/persons?page={rng.randint(1, 200)}")
            elif kind == "person":
                status, _, _ = await conn.request("GET", f"/persons/{rng.choice(ids)}")
            else:
                status, _, _ = await conn.request("GET", "/static/staff.css")
        except (OSError, HttpError) as exc:
            errors.append(f"{kind}: {exc}")
            conn = Connection(port, cookies)
            continue
        took = (time.perf_counter() - start) * 1000
        if status != 200:
            errors.append(f"{kind}: HTTP {status}")
        out[kind].append(took)
    conn.close()


async def _load(
    args: argparse.Namespace, cookies: dict[str, str], ids: list[str], names: list[str]
) -> tuple[dict[str, list[float]], list[str]]:
    out: dict[str, list[float]] = {k: [] for k in KINDS}
    errors: list[str] = []
    stop = time.monotonic() + args.seconds
    await asyncio.gather(
        *(
            _client(
                args.port,
                cookies,
                ids,
                names,
                stop,
                n,
                args.think_ms,
                args.mix,
                out,
                errors,
                args.search_form == "script",
            )
            for n in range(args.clients)
        )
    )
    return out, errors


def _tree_cpu_s(root: int) -> float:
    """User + system CPU seconds of ``root`` and every process below it (the server's
    workers), from /proc."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    mine = {root}
    grew = True
    while grew:
        below = {pid for pid, ppid in parents.items() if ppid in mine} - mine
        grew = bool(below)
        mine |= below
    return sum(times.get(pid, 0.0) for pid in mine)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    while True:
        try:
            asyncio.run(Connection(port).request("GET", "/login"))
            return
        except (OSError, HttpError):
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the app did not start") from None
            time.sleep(0.3)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--persons", type=int, default=100_000, help="persons in the views")
    p.add_argument("--clients", type=int, default=20, help="concurrent clients (20)")
    p.add_argument("--seconds", type=float, default=20.0, help="how long to load (20)")
    p.add_argument("--port", type=int, default=18731, help="the app's port")
    p.add_argument(
        "--workers", type=int, default=0, help="server processes (default: amanat serve's own)"
    )
    p.add_argument(
        "--think-ms",
        type=float,
        default=0.0,
        help="mean pause between one client's requests (0: closed loop, the default)",
    )
    p.add_argument(
        "--search-form",
        choices=("script", "plain"),
        default="script",
        help="post the filter form as the app's page does (script, htmx) or without scripts",
    )
    p.add_argument(
        "--mix",
        type=lambda text: text.split(","),
        default=["list", "search", "person", "static"],
        help="the kinds of request sent, in equal shares (default list,search,person,static)",
    )
    add_run_options(p, "web")
    args = p.parse_args()
    base = build_fixture(args.workdir / f"vault-{args.persons}", args.persons, args.persons)
    print("preparing the views (the first time: a rebuild) ...", flush=True)
    ids, names = _prepare(base)
    passfile = base / "passphrase"
    passfile.write_text(PASSPHRASE + "\n")
    secret = _add_account(base, passfile)
    command = [amanat_cli(), "serve", "--home", str(base / "desk"), "--passphrase-file",
               str(passfile), "--port", str(args.port)]  # fmt: skip
    if args.workers:
        command += ["--workers", str(args.workers)]
    server = subprocess.Popen(command, env=cli_env(), stdout=subprocess.DEVNULL)
    try:
        _wait_for(args.port, server)
        cookies = asyncio.run(sign_in(args.port, secret))
        busy = settle(False, args.wait_idle).busy
        load_before = os.getloadavg()
        server_cpu0, client_cpu0 = _tree_cpu_s(server.pid), time.process_time()
        busy0, wall0 = busy_cpu_seconds(), time.perf_counter()
        out, errors = asyncio.run(_load(args, cookies, ids, names))
        wall = time.perf_counter() - wall0
        server_cpu = _tree_cpu_s(server.pid) - server_cpu0
        client_cpu = time.process_time() - client_cpu0
        other_cpu = max(0.0, busy_cpu_seconds() - busy0 - server_cpu - client_cpu)
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(timeout=60)
    cores = os.cpu_count() or 1
    split = {
        "server_cpu_s": round(server_cpu, 2),
        "client_cpu_s": round(client_cpu, 2),
        "other_cpu_s": round(other_cpu, 2),
        "wall_s": round(wall, 2),
        "available_cpu_s": round(wall * cores, 2),
    }
    results: dict[str, Any] = {"machine": machine(args.workdir), "busy_before": busy,
                               "load_average_before": load_before,
                               "load_average_after": load_after,
                               "persons": args.persons, "clients": args.clients,
                               "workers": args.workers or "default", "think_ms": args.think_ms,
                               "closed_loop": not args.think_ms,
                               "search_form": args.search_form,
                               "seconds": args.seconds, "cpu": split, "errors": errors[:20],
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
        note = ""
        if kind in MEASURED:
            verdict = "meets" if p95 < TARGET_MS else "misses"
            ratio = f"{p95 / ref95:.1f}x reference; " if ref95 else ""
            note = f"{ratio}{verdict} < 100 ms"
        rows.append([kind, str(len(values)), f"{statistics.median(values):.1f}", f"{p95:.1f}",
                     f"{percentile(values, 99):.1f}", note])  # fmt: skip
    mode = "closed loop" if not args.think_ms else f"think time {args.think_ms:g} ms on average"
    print(f"{args.clients} clients, {mode}, search form {args.search_form}, {args.seconds:g} s")
    print_table(["request", "count", "p50 ms", "p95 ms", "p99 ms", "note"], rows)
    print(
        f"CPU over {wall:.1f} s on {cores} cores ({wall * cores:.1f} CPU-s): server "
        f"{server_cpu:.1f} s, load generator {client_cpu:.1f} s, other processes "
        f"{other_cpu:.1f} s; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}"
    )
    if errors:
        print(f"{len(errors)} errors, e.g. {errors[:3]}")
    write_json(args.json, results)
    ok = all(results["kinds"][k]["p95_ms"] < TARGET_MS for k in MEASURED
             if k in results["kinds"])  # fmt: skip
    return 0 if ok and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
