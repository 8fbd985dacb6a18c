"""Uploads received in pieces (vault/upload.py): sealed as they arrive, resumable,
never plaintext on disk. Given / When / Then."""

from __future__ import annotations

import hashlib
import itertools
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amanat.errors import BusyError, InputError, NotFound
from amanat.vault import crypto
from amanat.vault.log import BlobRef
from amanat.vault.seal import SealSession
from amanat.vault.upload import ResumableUpload, UploadRegistry, clean_uploads, uploads_dir
from amanat.vault.verify import verify_vault
from conftest import Org

CANARY = b"CANARY-upload-5f1e2d"
LIMIT = 1 << 22


def _upload(org: Org, name: str = "video.mp4", limit: int = LIMIT) -> ResumableUpload:
    vault = org.station.vault()
    recipients = vault.read_keyring().recipients()
    return ResumableUpload(vault, recipients, name=name, media_type="video/mp4", limit=limit)


def _all_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(min_size=1, max_size=200_000),
    cuts=st.lists(st.integers(0, 200_000), max_size=6),
)
def test_any_split_seals_the_same_file(org: Org, data: bytes, cuts: list[int]) -> None:
    """Given a file cut into pieces anywhere (across age chunk boundaries too), when the
    pieces arrive in order, then the sealed blob opens with the desk identity to exactly
    the file, and its description carries the plaintext's SHA-256 and size."""
    upload = _upload(org)
    bounds = sorted({0, len(data), *(c for c in cuts if c < len(data))})
    for start, end in itertools.pairwise(bounds):
        assert upload.append(start, data[start:end]) == end
    done = upload.finish()
    blob = org.station.vault().object_path("blobs", done.blob.id).read_bytes()
    assert hashlib.sha256(blob).hexdigest() == done.blob.id
    assert crypto.age_decrypt_bytes(blob, [org.desk_keys.identity]) == data
    assert done.meta["sha256"] == hashlib.sha256(data).hexdigest()
    assert done.meta["size"] == len(data)


def test_a_dropped_connection_resumes_from_what_arrived(org: Org) -> None:
    """Given half a file received, when the client sends a piece from the wrong place,
    then it is told where to resume, and sending from there completes the same file."""
    data = os.urandom(300_000)
    upload = _upload(org)
    upload.append(0, data[:150_000])
    with pytest.raises(InputError, match="send from byte 150000"):
        upload.append(100_000, data[100_000:])
    upload.append(upload.received, data[upload.received :])
    done = upload.finish()
    blob = org.station.vault().object_path("blobs", done.blob.id).read_bytes()
    assert crypto.age_decrypt_bytes(blob, [org.desk_keys.identity]) == data


def test_no_plaintext_on_disk_during_and_after_an_upload(org: Org) -> None:
    """Given canary bytes in an upload, then no file in the station home holds them,
    neither while pieces are still arriving nor after the entry is sealed."""
    piece = CANARY * 5000  # 100 KB, more than an age chunk
    upload = _upload(org)
    upload.append(0, piece)
    upload.append(len(piece), piece)
    for path in _all_files(org.station.path):
        assert CANARY not in path.read_bytes(), path
    done = upload.finish()
    with SealSession(org.station.vault(), org.station_seed) as session:
        receipt = session.seal(
            entry_type="intake", note="upload", sealed_files=[(done.blob, done.meta)]
        )
    assert [b.id for b in receipt.blobs] == [done.blob.id]
    for path in _all_files(org.station.path):
        assert CANARY not in path.read_bytes(), path
    assert verify_vault(org.station.path / "vault").ok


def test_too_large_and_empty_uploads_are_refused_and_leave_nothing(org: Org) -> None:
    """Given an upload over the limit, or an empty one, then a clear sentence says so and
    its partial ciphertext is gone."""
    upload = _upload(org, limit=100_000)
    upload.append(0, os.urandom(60_000))
    with pytest.raises(InputError, match="larger than the limit of 100,000 bytes"):
        upload.append(60_000, os.urandom(60_000))
    assert not upload.part.exists()
    with pytest.raises(InputError, match="already ended"):
        upload.append(0, b"x")
    empty = _upload(org)
    with pytest.raises(InputError, match="empty"):
        empty.finish()
    assert list(uploads_dir(org.station.vault()).glob("*.upload")) == []


def test_partial_uploads_survive_another_seal_but_not_a_restart(org: Org, tmp_path: Path) -> None:
    """Given an upload in progress, when another process seals (and cleans its own
    leftovers), then the upload goes on; when the receiving process starts again, the
    partial ciphertext of the lost upload is deleted."""
    upload = _upload(org)
    upload.append(0, os.urandom(100_000))
    note = tmp_path / "note.txt"
    note.write_text("other seal")
    with SealSession(org.station.vault(), org.station_seed) as session:
        session.seal(entry_type="note", note="another process")
    assert upload.part.exists()
    upload.finish()
    stale = _upload(org)
    stale.append(0, b"x" * 10)
    assert clean_uploads(org.station.vault()) == 1
    assert not stale.part.exists()


def test_a_file_name_with_direction_tricks_is_cleaned(org: Org) -> None:
    upload = _upload(org, name="../../evil\u202egpj.exe")
    upload.append(0, b"data")
    assert upload.finish().meta["name"] == "evilgpj.exe"


def test_sealing_an_unknown_blob_is_refused(org: Org) -> None:
    with (
        SealSession(org.station.vault(), org.station_seed) as session,
        pytest.raises(InputError, match="not in this vault"),
    ):
        session.seal(
            entry_type="intake", sealed_files=[(BlobRef("a" * 64, 10), {"blob": "a" * 64})]
        )


# -- the registry the intake web app holds --------------------------------------------

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _registry(org: Org, **kw: object) -> UploadRegistry:
    vault = org.station.vault()
    return UploadRegistry(vault, vault.read_keyring().recipients(), **kw)  # type: ignore[arg-type]


def test_registry_takes_a_video_in_pieces_for_its_owner_only(org: Org) -> None:
    """Given a volunteer's upload, then only that volunteer can add to it, ask where to
    resume or finish it; to anyone else it does not exist."""
    reg = _registry(org, limit=1 << 20)
    data = MP4_HEAD + os.urandom(100_000)
    ident = reg.start("aigul", name="visit.mp4", media_type="video/mp4", size=len(data))
    reg.append("aigul", ident, 0, data[:50_000])
    with pytest.raises(NotFound):
        reg.append("serik", ident, 50_000, data[50_000:])
    assert reg.received("aigul", ident) == (50_000, len(data))
    with pytest.raises(InputError, match="only 50,000 of"):
        reg.finish("aigul", ident)
    reg.append("aigul", ident, 50_000, data[50_000:])
    done = reg.finish("aigul", ident)
    assert done.meta["size"] == len(data) and done.meta["name"] == "visit.mp4"
    with pytest.raises(NotFound):
        reg.received("aigul", ident)


@pytest.mark.parametrize(
    ("head", "ok"),
    [
        (MP4_HEAD, True),
        (b"\xff\xd8\xff\xe0" + bytes(20), True),
        (b"%PDF-1.7\n" + bytes(20), True),
        (b"MZ\x90\x00" + bytes(20), False),
        (b"<script>alert(1)</script>", False),
        (b"PK\x03\x04" + bytes(20), False),
    ],
)
def test_wrong_file_types_are_refused_by_their_first_bytes(org: Org, head: bytes, ok: bool) -> None:
    """Given a file whose first bytes are not a video, audio, photo or PDF (a program, a
    web page, a zip), then it is refused whatever its name says, and nothing is kept."""
    reg = _registry(org, limit=1 << 20)
    data = head + os.urandom(1000)
    ident = reg.start("aigul", name="video.mp4", media_type="video/mp4", size=len(data))
    if ok:
        reg.append("aigul", ident, 0, data)
        reg.finish("aigul", ident)
        return
    with pytest.raises(InputError, match="not a video, audio recording, photo or PDF"):
        reg.append("aigul", ident, 0, data)
    assert list(uploads_dir(org.station.vault()).glob("*.upload")) == []


def test_registry_limits_size_count_and_idle_time(org: Org) -> None:
    clock = _Clock()
    reg = _registry(org, limit=1000, per_owner=2, idle=60.0, clock=clock)
    with pytest.raises(InputError, match="more than the limit of 1,000"):
        reg.start("aigul", name="big.mp4", media_type="video/mp4", size=1001)
    with pytest.raises(InputError, match="empty"):
        reg.start("aigul", name="zero.mp4", media_type="video/mp4", size=0)
    first = reg.start("aigul", name="a.mp4", media_type="video/mp4", size=100)
    reg.start("aigul", name="b.mp4", media_type="video/mp4", size=100)
    with pytest.raises(BusyError):
        reg.start("aigul", name="c.mp4", media_type="video/mp4", size=100)
    reg.start("serik", name="d.mp4", media_type="video/mp4", size=100)  # another owner
    clock.now = 61.0
    assert reg.expire() == 3
    with pytest.raises(NotFound, match="expired"):
        reg.append("aigul", first, 0, MP4_HEAD)
    assert list(uploads_dir(org.station.vault()).glob("*.upload")) == []
