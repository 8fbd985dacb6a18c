"""A camera card's video through the intake wizard on a station: a 4 GiB upload in
8 MiB pieces, cut off once in the middle of a piece and resumed, then sealed.

The real ``amanat serve`` runs on a station (one process, no key that reads) in its own
process; this process is the browser: it signs in as an intake volunteer, fills the
wizard's steps, sends the file as ``static/upload.js`` does (``POST /api/uploads``,
then ``PUT`` pieces with ``Upload-Offset``), drops the connection halfway through one
piece, asks the server where to go on (``HEAD``) and finishes, then saves the intake.
The video's bytes are made on the fly (an MP4 ``ftyp`` head, then a fixed random
block with each piece's offset stamped in), so the client holds one piece at a time.

Afterwards it checks what was sealed with the desk's key, which the station never
had: the entry names one file whose SHA-256 is the hash the client computed while
sending, and decrypting the blob gives that hash again.

Reported: upload throughput, the time to seal after the last piece, the server's peak
resident memory (VmHWM: a 4 GiB file must not be held in memory), and the reference in
the same run: writing the same bytes to a file on the same disk (the floor).

    python benchmarks/upload.py [--size-mib 4096] [--json FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

from _common import cli_env, machine, print_table, write_json
from _org import PASSPHRASE, make_org
from amanat.vault.opening import open_entry

PIECE = 8 * 2**20
PASSWORD = "benchmark volunteer password"  # noqa: S105 - a throwaway benchmark account
CSRF = re.compile(rb'name="csrf" value="([^"]+)"')
BLOCK = os.urandom(PIECE)
FTYP = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"


def piece(offset: int, size: int) -> bytes:
    """The video's bytes from ``offset`` (a multiple of PIECE), at most one piece."""
    n = min(PIECE, size - offset)
    data = bytearray(BLOCK[:n])
    data[:16] = offset.to_bytes(16, "big")
    if offset == 0:
        data[: len(FTYP)] = FTYP
    return bytes(data)


class Browser:
    """One keep-alive connection with cookies, as a browser tab has."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.csrf = ""

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        head = dict(headers or {})
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=head)
            response = self.conn.getresponse()
        except (ConnectionError, http.client.HTTPException):
            self.reconnect()
            self.conn.request(method, path, body=body, headers=head)
            response = self.conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        found = CSRF.search(data)
        if found:
            self.csrf = found.group(1).decode()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def reconnect(self) -> None:
        self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def form(self, path: str, fields: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if not self.csrf:
            self.request("GET", path)
        body = urllib.parse.urlencode({**fields, "csrf": self.csrf}).encode()
        kind = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request("POST", path, body, kind)

    def api(self, method: str, path: str, body: bytes = b"", **extra: str) -> Any:
        headers = {"X-CSRF-Token": self.csrf, **extra}
        if method == "POST":
            headers["Content-Type"] = "application/json"
        return self.request(method, path, body, headers)

    def cut_off(self, path: str, offset: int, data: bytes) -> None:
        """Send a PUT's headers and half its body, then drop the connection (a laptop
        that lost the office's Wi-Fi)."""
        self.conn.putrequest("PUT", path)
        self.conn.putheader("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        self.conn.putheader("X-CSRF-Token", self.csrf)
        self.conn.putheader("Upload-Offset", str(offset))
        self.conn.putheader("Content-Length", str(len(data)))
        self.conn.endheaders()
        self.conn.send(data[: len(data) // 2])
        self.conn.sock.close() if self.conn.sock else None
        self.reconnect()


WIZARD = [
    {"testifier_name": "Benchmark relative", "relationship": "spouse"},
    {"consent_level": "internal", "consent_how": "video"},
    {"name_1": "Benchmark Person", "sex": "male", "birth": "1975"},
    {"event_1_status": "detained", "event_1_date": "2018"},
]


def _vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _wait(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login")
            conn.getresponse().read()
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the station's app did not start") from None
            time.sleep(0.3)


def _reference(folder: Path, size: int) -> float:
    """Seconds to write the same bytes to a file on the same disk, with fsync."""
    target = folder / "reference.bin"
    start = time.perf_counter()
    with open(target, "wb") as out:
        for offset in range(0, size, PIECE):
            out.write(piece(offset, size))
        out.flush()
        os.fsync(out.fileno())
    took = time.perf_counter() - start
    target.unlink()
    return took


def run(base: Path, size: int, port: int) -> dict[str, Any]:
    org = make_org(base / "org")
    password = base / "password"
    password.write_text(PASSWORD + "\n")
    env = cli_env()
    subprocess.run(
        [sys.executable, "-m", "amanat.cli.main", "user", "add", "vol", "--role", "intake",
         "--password-file", str(password), "--home", str(org.station.path)],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "amanat.cli.main", "serve", "--home", str(org.station.path),
         "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _wait(port, server)
        tab = Browser(port)
        status, headers, _ = tab.form("/login", {"account": "vol", "password": PASSWORD})
        if status != 303:
            raise SystemExit(f"sign-in refused ({status})")
        tab.request("GET", "/intake")
        for fields in WIZARD:
            status, _, page = tab.form("/intake", {**fields, "action": "next"})
            if status != 200 or b"field-error" in page:
                raise SystemExit("a wizard step was refused")
        meta = {"name": "MVI_0042.MP4", "media_type": "video/mp4", "size": size}
        status, _, body = tab.api("POST", "/api/uploads", json.dumps(meta).encode())
        if status != 201:
            raise SystemExit(f"the upload was refused ({status}): {body[:200]!r}")
        path = f"/api/uploads/{json.loads(body)['id']}"
        digest = hashlib.sha256()
        cut_at = (size // PIECE // 2) * PIECE
        cut = False
        offset = 0
        start = time.perf_counter()
        while offset < size:
            data = piece(offset, size)
            if offset == cut_at and not cut:
                cut = True
                tab.cut_off(path, offset, data)
                _, head, _ = tab.request("HEAD", path)
                offset = int(head["upload-offset"])
                continue
            status, _, body = tab.api("PUT", path, data, **{"Upload-Offset": str(offset)})
            if status != 200:
                raise SystemExit(f"a piece was refused ({status}): {body[:200]!r}")
            digest.update(data)
            offset = json.loads(body)["received"]
        uploaded = time.perf_counter() - start
        tab.form("/intake", {"action": "next"})  # attachments -> review
        start = time.perf_counter()
        status, headers, _ = tab.form("/intake", {"action": "save"})
        sealed = time.perf_counter() - start
        if status != 303 or headers.get("location") != "/intake/done":
            raise SystemExit(f"saving the intake failed ({status})")
        peak = _vm_hwm_kib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    vault = org.station.vault()
    identity = org.desk.desk_keys(PASSPHRASE).identity
    [entry] = [
        e
        for e in vault.object_ids("entries")
        if open_entry(vault, e, [identity]).content.get("files")
    ]
    files = open_entry(vault, entry, [identity]).content["files"]
    again = hashlib.sha256()
    with vault.open_blob(files[0]["blob"]) as blob:
        reader = blob.plaintext([identity])
        for part in reader.read(0, reader.size, block=PIECE // 65536):
            again.update(part)
    ok = files[0]["sha256"] == digest.hexdigest() == again.hexdigest()
    leftovers = list((vault.tmp_dir / "uploads").glob("*")) if vault.tmp_dir.exists() else []
    return {
        "size_bytes": size,
        "upload_s": round(uploaded, 2),
        "upload_mib_s": round(size / 2**20 / uploaded, 1),
        "seal_after_last_piece_s": round(sealed, 2),
        "server_peak_rss_mib": round(peak / 1024, 1),
        "resumed_from": cut_at,
        "sealed_hash_matches": ok,
        "temporary_files_left": len(leftovers),
        "reference_write_s": round(_reference(base, size), 2),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size-mib", type=int, default=4096, help="the video's size (4096 MiB)")
    p.add_argument("--port", type=int, default=18741, help="the app's port")
    p.add_argument("--workdir", help="a scratch folder on the disk to measure (default: temp)")
    p.add_argument("--json", help="write the figures to this file")
    args = p.parse_args()
    base = Path(tempfile.mkdtemp(prefix="amanat-upload-", dir=args.workdir))
    try:
        result = run(base, args.size_mib * 2**20, args.port)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    rows = [[k, str(v)] for k, v in result.items()]
    print_table(["figure", "value"], rows)
    write_json(args.json, {"machine": machine(Path(args.workdir or tempfile.gettempdir())),
                           "upload": result})  # fmt: skip
    return 0 if result["sealed_hash_matches"] and not result["temporary_files_left"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
