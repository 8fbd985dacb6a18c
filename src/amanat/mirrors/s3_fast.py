"""A lean path for writing many small objects to an S3 endpoint.

A mirror sync writes one small object per entry. Through boto3 each ``PutObject`` cost
1.6–1.9 ms of CPU here (event hooks, endpoint resolution per key, user-agent building,
response parsing; profiled 2026-11-28), more than the S3 server itself and twice what
``rclone`` spends. This path signs the same request with botocore's own SigV4 signer and
sends it over one kept-alive HTTP connection per thread. The request is what boto3
sends: path-style, ``If-None-Match: *``, ``x-amz-checksum-sha256`` (the server refuses
bytes that do not match). Anything it does not understand raises :class:`FastPathError`
and the caller falls back to boto3 for good; it is used only for custom endpoints
(``?endpoint=``), where path-style addressing is what the mirror was configured with.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import threading
from typing import Any
from urllib.parse import quote, urlsplit

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest

__all__ = ["FastPathError", "FastPut"]


class FastPathError(Exception):
    """The lean path cannot tell what happened; use boto3 instead."""


class FastPut:
    def __init__(self, endpoint: str, bucket: str, region: str, credentials: Any) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FastPathError("not an http(s) endpoint")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._base = f"{parts.scheme}://{parts.netloc}"
        self._bucket = bucket
        self._region = region
        self._credentials = credentials
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            conn = cls(self._host, self._port, timeout=120)
            self._local.conn = conn
        return conn

    def put(self, key: str, data: bytes) -> bool:
        """Write once: True if written, False if the key exists (412)."""
        path = f"/{quote(self._bucket)}/{quote(key, safe='/')}"
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        request = AWSRequest(
            method="PUT",
            url=self._base + path,
            data=data,
            headers={
                "If-None-Match": "*",
                "x-amz-checksum-sha256": digest,
                "Content-Length": str(len(data)),
                "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD",
            },
        )
        frozen = self._credentials.get_frozen_credentials()
        S3SigV4Auth(frozen, "s3", self._region).add_auth(request)
        headers = {k: v for k, v in request.headers.items()}
        for attempt in (1, 2):  # a kept-alive connection the server closed: once more
            conn = self._connection()
            try:
                conn.request("PUT", path, body=data, headers=headers)
                response = conn.getresponse()
                response.read()
                break
            except (OSError, http.client.HTTPException):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise FastPathError("connection failed") from None
        if response.status == 200:
            return True
        if response.status == 412:
            return False
        raise FastPathError(f"status {response.status}")
