"""The S3-compatible mirror: SeaweedFS, MinIO, Ceph RGW, AWS S3, Backblaze B2.

Credentials come from the standard AWS configuration (environment, ``~/.aws``, a
profile) or from a credentials file in the same format named when the mirror is added;
never from the command line, never logged. Small objects are written with one
``PutObject`` carrying ``If-None-Match: *`` (write once) and ``x-amz-checksum-sha256``
(the server refuses bytes that do not match); large ones as a multipart upload that
resumes where it stopped, each part carrying its ``Content-MD5``. Servers that ignore
those headers are still caught: sync re-hashes every object it reads back.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from amanat.errors import MirrorError, NotFound, UsageError
from amanat.mirrors.s3_fast import FastPathError, FastPut
from amanat.mirrors.store import ObjectInfo, Progress, check_key

__all__ = ["PART_SIZE", "S3Location", "S3Store"]

PART_SIZE = 16 << 20  # 16 MiB parts, 4 at a time: 64 MiB in flight at most
MULTIPART_FROM = 64 << 20
_PART_THREADS = 4  # parts of one upload sent at once
_PARTS_IN_FLIGHT = 4  # parts of all uploads to one mirror at once (sync sends 8 files)


@dataclass(frozen=True)
class S3Location:
    """``s3://BUCKET[/PREFIX]?endpoint=URL&region=R&profile=P`` parsed."""

    bucket: str
    prefix: str
    endpoint: str | None
    region: str
    profile: str | None

    @classmethod
    def parse(cls, url: str) -> S3Location:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise UsageError("An S3 mirror address looks like s3://bucket/folder?endpoint=URL")
        if parts.username or parts.password:
            raise UsageError(
                "Do not put keys in a mirror address; use a credentials file or the AWS "
                "configuration."
            )
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = set(query) - {"endpoint", "region", "profile"}
        if unknown:
            raise UsageError(
                "Unknown mirror option(s): %(options)s.", options=", ".join(sorted(unknown))
            )
        prefix = parts.path.strip("/")
        if prefix:
            check_key(prefix)
        return cls(
            bucket=parts.netloc,
            prefix=prefix,
            endpoint=query.get("endpoint"),
            region=query.get("region", "us-east-1"),
            profile=query.get("profile"),
        )


def _no_expect(request: Any, **_: Any) -> None:
    if "Expect" in request.headers:
        del request.headers["Expect"]


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


class S3Store:
    def __init__(
        self, name: str, location: S3Location, *, credentials_file: Path | None = None
    ) -> None:
        self.name = name
        self.location = location
        session_args: dict[str, Any] = {}
        if location.profile:
            session_args["profile_name"] = location.profile
        if credentials_file is not None:
            keys = _read_credentials(credentials_file, location.profile or "default")
            session_args.update(keys)
            session_args.pop("profile_name", None)
        try:
            session = boto3.session.Session(**session_args)
        except BotoCoreError:
            raise MirrorError(
                "Mirror %(name)s: the AWS configuration is not usable.", name=name
            ) from None
        config = Config(
            # Bodies are not SHA-256-signed: each carries a signed checksum header the
            # server checks (Content-MD5 or x-amz-checksum-sha256), as botocore already
            # does over HTTPS; over plain HTTP signing cost both ends a SHA-256 pass.
            s3={"addressing_style": "path", "payload_signing_enabled": False},
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=10,
            read_timeout=120,
            max_pool_connections=16,
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self.client = session.client(
            "s3", endpoint_url=location.endpoint, region_name=location.region, config=config
        )
        # No "Expect: 100-continue" on single PUTs: a round trip per object, a sixth of
        # the time of a small one, to spare sending a body the server would refuse.
        self.client.meta.events.register("before-sign.s3.PutObject", _no_expect)
        self._conditional = True  # cleared if the server refuses If-None-Match
        self._fast: FastPut | None = None
        credentials = session.get_credentials()
        if location.endpoint and credentials is not None:
            try:
                self._fast = FastPut(
                    location.endpoint, location.bucket, location.region, credentials
                )
            except FastPathError:
                self._fast = None
        self._lock = threading.Lock()
        self._parts = threading.BoundedSemaphore(_PARTS_IN_FLIGHT)

    # -- helpers -------------------------------------------------------------------
    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.location.prefix}/{key}" if self.location.prefix else key

    def _fail(self, sentence: str, exc: Exception, **values: str) -> MirrorError:
        """The error for a call to the server that failed: ``sentence`` says what could
        not be done, whole (one message for the catalogues), with ``%(name)s``, the
        reason ``%(reason)s`` and ``values``."""
        if isinstance(exc, NoCredentialsError):
            return MirrorError(
                "Mirror %(name)s: no S3 credentials; give the mirror a credentials file "
                "(--credentials FILE) or set up the AWS configuration.",
                name=self.name,
            )
        if isinstance(exc, ClientError):
            reason = f"{_code(exc) or _status(exc)}"
        else:
            reason = type(exc).__name__
        return MirrorError(sentence, name=self.name, reason=reason, **values)

    def ensure_bucket(self, *, create: bool = False) -> None:
        try:
            self.client.head_bucket(Bucket=self.location.bucket)
        except ClientError as exc:
            if _status(exc) != 404:
                raise self._fail(
                    "Mirror %(name)s: could not open the bucket (%(reason)s).", exc
                ) from None
            if not create:
                raise MirrorError(
                    "Mirror %(name)s: there is no bucket %(bucket)s; check the address.",
                    name=self.name,
                    bucket=repr(self.location.bucket),
                ) from None
            try:
                self.client.create_bucket(Bucket=self.location.bucket)
            except ClientError as exc2:
                raise self._fail(
                    "Mirror %(name)s: could not create the bucket (%(reason)s).", exc2
                ) from None
        except BotoCoreError as exc:
            raise self._fail(
                "Mirror %(name)s: could not reach the server (%(reason)s).", exc
            ) from None

    # -- ObjectStore ---------------------------------------------------------------
    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        strip = len(self.location.prefix) + 1 if self.location.prefix else 0
        full = self._key(prefix.rstrip("/")) if prefix else self.location.prefix
        if prefix.endswith("/") or not prefix:
            full = full + "/" if full else ""
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.location.bucket, Prefix=full
            )
            for page in pages:
                for item in page.get("Contents", []):
                    yield ObjectInfo(item["Key"][strip:], int(item["Size"]))
        except ClientError as exc:
            if _code(exc) == "NoSuchBucket":
                return
            raise self._fail("Mirror %(name)s: could not list objects (%(reason)s).", exc) from None
        except BotoCoreError as exc:
            raise self._fail(
                "Mirror %(name)s: could not reach the server (%(reason)s).", exc
            ) from None

    def get(self, key: str) -> bytes:
        try:
            body = self.client.get_object(Bucket=self.location.bucket, Key=self._key(key))["Body"]
            return bytes(body.read())
        except ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404") or _status(exc) == 404:
                raise NotFound("Mirror %(name)s has no %(key)s.", name=self.name, key=key) from None
            raise self._fail(
                "Mirror %(name)s: could not read %(key)s (%(reason)s).", exc, key=key
            ) from None
        except BotoCoreError as exc:
            raise self._fail(
                "Mirror %(name)s: could not reach the server (%(reason)s).", exc
            ) from None

    def download(self, key: str, target: Path, progress: Progress | None = None) -> None:
        try:
            body = self.client.get_object(Bucket=self.location.bucket, Key=self._key(key))["Body"]
            with target.open("xb") as out:
                for chunk in body.iter_chunks(1 << 20):
                    out.write(chunk)
                    if progress:
                        progress(len(chunk))
        except ClientError as exc:
            if _status(exc) == 404:
                raise NotFound("Mirror %(name)s has no %(key)s.", name=self.name, key=key) from None
            raise self._fail(
                "Mirror %(name)s: could not read %(key)s (%(reason)s).", exc, key=key
            ) from None
        except BotoCoreError as exc:
            raise self._fail(
                "Mirror %(name)s: could not reach the server (%(reason)s).", exc
            ) from None

    def hash(self, key: str) -> tuple[str, int]:
        h = hashlib.sha256()
        size = 0
        try:
            body = self.client.get_object(Bucket=self.location.bucket, Key=self._key(key))["Body"]
            for chunk in body.iter_chunks(1 << 20):
                h.update(chunk)
                size += len(chunk)
        except ClientError as exc:
            if _status(exc) == 404:
                raise NotFound("Mirror %(name)s has no %(key)s.", name=self.name, key=key) from None
            raise self._fail(
                "Mirror %(name)s: could not read %(key)s (%(reason)s).", exc, key=key
            ) from None
        except BotoCoreError as exc:
            raise self._fail(
                "Mirror %(name)s: could not reach the server (%(reason)s).", exc
            ) from None
        return h.hexdigest(), size

    def _exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.location.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if _status(exc) == 404:
                return False
            raise self._fail(
                "Mirror %(name)s: could not check %(key)s (%(reason)s).", exc, key=key
            ) from None

    def put(self, key: str, data: bytes) -> bool:
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        args: dict[str, Any] = {
            "Bucket": self.location.bucket,
            "Key": self._key(key),
            "Body": data,
            "ChecksumSHA256": digest,
        }
        fast = self._fast
        if fast is not None and self._conditional:
            try:
                return fast.put(args["Key"], data)
            except FastPathError:
                self._fast = None  # anything unexpected: boto3 from now on, and retry
        try:
            if self._conditional:
                self.client.put_object(**args, IfNoneMatch="*")
                return True
            if self._exists(key):
                return False
            self.client.put_object(**args)
            return True
        except ClientError as exc:
            if _status(exc) == 412 or _code(exc) == "PreconditionFailed":
                return False
            if _status(exc) == 501 and self._conditional:
                self._conditional = False  # a server without conditional writes: check first
                return self.put(key, data)
            raise self._fail(
                "Mirror %(name)s: could not write %(key)s (%(reason)s).", exc, key=key
            ) from None
        except BotoCoreError as exc:
            raise self._fail(
                "Mirror %(name)s: could not reach the server (%(reason)s).", exc
            ) from None

    def upload(self, key: str, source: Path, progress: Progress | None = None) -> bool:
        size = source.stat().st_size
        if size < MULTIPART_FROM:
            created = self.put(key, source.read_bytes())
            if progress:
                progress(size)
            return created
        if self._exists(key):
            return False
        return self._multipart(key, source, size, progress)

    def _multipart(self, key: str, source: Path, size: int, progress: Progress | None) -> bool:
        bucket, full = self.location.bucket, self._key(key)
        try:
            upload_id, done = self._resume(full)
            if upload_id is None:
                upload_id = self.client.create_multipart_upload(Bucket=bucket, Key=full)["UploadId"]
            numbers = range(1, -(-size // PART_SIZE) + 1)

            def send(number: int) -> dict[str, Any]:
                with self._parts:
                    with source.open("rb") as f:
                        f.seek((number - 1) * PART_SIZE)
                        data = f.read(PART_SIZE)
                    md5 = hashlib.md5(data, usedforsecurity=False)
                    if done.get(number) == md5.hexdigest():  # sent before an interruption
                        etag = f'"{md5.hexdigest()}"'
                    else:
                        etag = self.client.upload_part(
                            Bucket=bucket,
                            Key=full,
                            UploadId=upload_id,
                            PartNumber=number,
                            Body=data,
                            ContentMD5=base64.b64encode(md5.digest()).decode(),
                        )["ETag"]
                if progress:
                    with self._lock:
                        progress(len(data))
                return {"PartNumber": number, "ETag": etag}

            with ThreadPoolExecutor(_PART_THREADS) as pool:
                parts = list(pool.map(send, numbers))
            try:
                self.client.complete_multipart_upload(
                    Bucket=bucket,
                    Key=full,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                    **({"IfNoneMatch": "*"} if self._conditional else {}),
                )
            except ClientError as exc:
                if _status(exc) == 412:
                    self.client.abort_multipart_upload(Bucket=bucket, Key=full, UploadId=upload_id)
                    return False
                raise
            return True
        except ClientError as exc:
            raise self._fail(
                "Mirror %(name)s: could not upload %(key)s (%(reason)s).", exc, key=key
            ) from None
        except BotoCoreError as exc:
            raise self._fail(
                "Mirror %(name)s: could not reach the server (%(reason)s).", exc
            ) from None

    def _resume(self, full: str) -> tuple[str | None, dict[int, str]]:
        """An unfinished upload of ``full`` and the MD5 of each part it already holds."""
        try:
            uploads = self.client.list_multipart_uploads(
                Bucket=self.location.bucket, Prefix=full
            ).get("Uploads", [])
        except ClientError:
            return None, {}  # servers without the listing just start afresh
        for upload in uploads:
            if upload.get("Key") != full:
                continue
            upload_id = str(upload["UploadId"])
            try:
                listed = self.client.list_parts(
                    Bucket=self.location.bucket, Key=full, UploadId=upload_id
                ).get("Parts", [])
            except ClientError:
                continue
            parts = {
                int(p["PartNumber"]): str(p["ETag"]).strip('"')
                for p in listed
                if int(p.get("Size", 0)) > 0
            }
            return upload_id, parts
        return None, {}

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.location.bucket, Key=self._key(key))
        except ClientError as exc:
            if _status(exc) != 404:
                raise self._fail(
                    "Mirror %(name)s: could not delete %(key)s (%(reason)s).", exc, key=key
                ) from None


def _read_credentials(path: Path, profile: str) -> dict[str, str]:
    """Keys from an AWS-style credentials file (``[profile]`` with two keys)."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise UsageError("Credentials file not found: %(path)s", path=path) from None
    section = ""
    found: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif "=" in line and section in (profile, "default"):
            name, _, value = line.partition("=")
            found.setdefault(name.strip(), value.strip())
    if "aws_access_key_id" not in found or "aws_secret_access_key" not in found:
        raise UsageError(
            "%(path)s needs aws_access_key_id and aws_secret_access_key under [%(profile)s].",
            path=path,
            profile=profile,
        )
    return {
        "aws_access_key_id": found["aws_access_key_id"],
        "aws_secret_access_key": found["aws_secret_access_key"],
    }
