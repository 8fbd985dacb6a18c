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

from amanat.errors import InputError
from amanat.vault import crypto
from amanat.vault.log import BlobRef
from amanat.vault.seal import SealSession
from amanat.vault.upload import ResumableUpload, clean_uploads, uploads_dir
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
