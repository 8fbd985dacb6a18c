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
    assert reg.claim("aigul", [ident]) == [done]
    reg.release("aigul", [ident], sealed=True)
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
        # a camcorder's .MTS (AVCHD: 4 bytes, then a 188-byte packet, three times)
        ((bytes(4) + b"\x47" + bytes(187)) * 3, True),
        ((b"\x47" + bytes(187)) * 3, True),  # a broadcast .ts
        (b"G" + b"ood morning, this is a letter." * 20, False),  # a G alone is no video
        (b"\xff\xf1\x50\x80" + bytes(20), True),  # Android's recorder: AAC in ADTS
        (b"\x00\x00\x00\x08wide" + bytes(20), True),  # an old QuickTime camera
        (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11" + bytes(20), True),  # .wmv, .wma
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


def _arrived(reg: UploadRegistry, owner: str = "aigul", name: str = "visit.mp4") -> str:
    data = MP4_HEAD + os.urandom(5_000)
    ident = reg.start(owner, name=name, media_type="video/mp4", size=len(data))
    reg.append(owner, ident, 0, data)
    return ident


def _blob_exists(org: Org, reg: UploadRegistry, owner: str, ident: str) -> bool:
    blob = reg.finish(owner, ident).blob.id
    return org.station.vault().object_path("blobs", blob).exists()


def test_a_file_sent_is_kept_when_its_save_fails_and_sealed_by_the_next(org: Org) -> None:
    """Given a file that has arrived, when the Save that claims it fails (the vault busy,
    another file's mistake), then the file is still there for the next Save, which seals
    it; only once sealed is it forgotten."""
    reg = _registry(org, limit=1 << 20)
    ident = _arrived(reg)
    first = reg.claim("aigul", [ident])
    reg.release("aigul", [ident], sealed=False)  # the seal failed
    assert reg.received("aigul", ident) == (len(MP4_HEAD) + 5_000,) * 2
    again = reg.claim("aigul", [ident])
    assert again == first and _blob_exists(org, reg, "aigul", ident)
    vault = org.station.vault()
    with SealSession(vault, org.station_seed) as session:
        session.seal(
            entry_type="record", data={"x": 1}, sealed_files=[(f.blob, f.meta) for f in again]
        )
    reg.release("aigul", [ident], sealed=True)
    with pytest.raises(NotFound):
        reg.received("aigul", ident)
    assert verify_vault(org.station.path / "vault").ok


def test_files_waiting_for_their_save_do_not_block_more_uploads(org: Org) -> None:
    """Given four files arrived and waiting for one testimony's Save, when a fifth is
    started, then it is taken: only uploads still arriving count against the four at
    once; the files waiting have a limit of their own, said as such."""
    reg = _registry(org, limit=1 << 20, per_owner=4, waiting=5)
    for i in range(5):
        _arrived(reg, name=f"page{i}.mp4")
    with pytest.raises(InputError, match="5 files are waiting to be saved"):
        reg.start("aigul", name="more.mp4", media_type="video/mp4", size=100)
    reg.start("serik", name="his.mp4", media_type="video/mp4", size=100)


def test_a_file_waits_for_its_save_longer_than_an_upload_waits_for_pieces(org: Org) -> None:
    """Given a file that arrived and a long interview after it, when an hour passes
    without a piece and someone else starts an upload, then the file is still there; it
    is given up only after the longest a staff session lasts, and then its blob is
    deleted (no Save ever named it), while a file being saved is never given up."""
    clock = _Clock()
    reg = _registry(org, limit=1 << 20, idle=60.0, kept=600.0, clock=clock)
    arriving = reg.start("aigul", name="half.mp4", media_type="video/mp4", size=10_000)
    waiting = _arrived(reg)
    saving = _arrived(reg, name="saving.mp4")
    reg.claim("aigul", [saving])
    clock.now = 61.0
    reg.start("serik", name="other.mp4", media_type="video/mp4", size=100)  # runs expire()
    with pytest.raises(NotFound):
        reg.received("aigul", arriving)
    assert _blob_exists(org, reg, "aigul", waiting)
    blob = reg.finish("aigul", waiting).blob.id
    clock.now = 700.0
    reg.expire()
    with pytest.raises(NotFound):
        reg.received("aigul", waiting)
    assert not org.station.vault().object_path("blobs", blob).exists()
    assert _blob_exists(org, reg, "aigul", saving)
    with pytest.raises(BusyError, match="being saved"):
        reg.abort("aigul", saving)


def test_a_file_whose_save_failed_keeps_its_blob_when_given_up(org: Org) -> None:
    """Given a file whose Save failed (its entry may have been written after all), when
    the volunteer removes it, then its blob stays in the vault: deleting it could take a
    file from a sealed testimony; an unreferenced blob is harmless."""
    reg = _registry(org, limit=1 << 20)
    ident = _arrived(reg)
    blob = reg.claim("aigul", [ident])[0].blob.id
    reg.release("aigul", [ident], sealed=False)
    reg.abort("aigul", ident)
    assert org.station.vault().object_path("blobs", blob).exists()
    removed = _arrived(reg, name="wrong.mp4")
    blob = reg.finish("aigul", removed).blob.id
    reg.abort("aigul", removed)  # never saved: nothing names it
    assert not org.station.vault().object_path("blobs", blob).exists()


def test_a_file_too_short_to_show_its_kind_is_refused_when_it_arrives(org: Org) -> None:
    """Given a file of 11 bytes that is no video, photo or PDF, when its last byte
    arrives, then it is refused there (where the volunteer sees which file), not at the
    testimony's Save, and nothing of it is kept."""
    reg = _registry(org, limit=1 << 20)
    ident = reg.start("aigul", name="notes.mp4", media_type="video/mp4", size=11)
    with pytest.raises(InputError, match="not a video, audio recording, photo or PDF"):
        reg.append("aigul", ident, 0, b"hello world")
    with pytest.raises(NotFound):
        reg.received("aigul", ident)
    assert list(uploads_dir(org.station.vault()).glob("*.upload")) == []
