"""The media player's route: a testimony's sealed file decrypted on the fly, by range.

Given / When / Then, against a real desk: the file is sealed by the desk's own sealing
(``Desk.seal_records``), the app decrypts it with the desk identity, and every answer
is compared with the bytes that were sealed. The range rules tested here are those
``web/staff/media.py`` documents (several ranges: the whole file with 200).
"""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amanat.desk.service import Batch
from amanat.records import build as b
from amanat.records.changes import new_id
from amanat.vault.opening import open_entry
from amanat.vault.seal import FileToSeal
from amanat.web.staff.media import MEDIA_CSP, parse_range
from conftest import Org
from web_staff import Site, staff_site

CANARY = b"AMANAT-MEDIA-CANARY-" + secrets.token_hex(8).encode()


def video_bytes(size: int = 300_000) -> bytes:
    """An MP4-looking file with a canary in the middle, over several 64 KiB chunks."""
    body = bytearray(os.urandom(size))
    body[:12] = b"\x00\x00\x00\x18ftypmp42"
    body[size // 2 : size // 2 + len(CANARY)] = CANARY
    return bytes(body)


def seal_media_person(
    site: Site,
    folder: Path,
    data: bytes,
    *,
    media_type: str = "video/mp4",
    name: str = "Гүлнар visit.mp4",
) -> tuple[str, str]:
    """Seal a person with a testimony holding one file; (person id, blob id). The
    plaintext file is deleted as soon as it is sealed."""
    path = folder / f"media-{secrets.token_hex(4)}"
    path.write_bytes(data)
    person, testimony = new_id("p"), new_id("t")
    ref = b.source_ref(testimony=testimony)
    changes = [
        {
            "op": "testimony.recorded",
            "testimony": testimony,
            "persons": [person],
            "testifier": {"relationship": "child", "name": "Айгүл"},
            "consent": {"level": "internal"},
            "media": [{"file": 0}],
        },
        {
            "op": "person.created",
            "person": person,
            "claims": [b.claim("name", b.name("Нұрлан Медиа"), ref)],
        },
    ]
    files = [FileToSeal(path, name, media_type)]
    receipt = site.desk.seal_records([Batch(files=files, changes=changes)])[0]
    path.unlink()
    return person, receipt.blobs[0].id


def _researcher(site: Site) -> Any:
    client = site.client()
    assert site.sign_in(client, "researcher") == 303
    return client


def test_a_video_is_served_whole_and_by_range(org: Org, tmp_path: Path) -> None:
    """Given a sealed video, when a researcher asks for it without a range, then the whole
    plaintext comes with 200, Accept-Ranges, no-store, inline without a file name and a
    sandboxing CSP; when asked by range (closed, open-ended, suffix), then 206 with the
    exact slice and its Content-Range."""
    data = video_bytes()
    size = len(data)
    with staff_site(org) as site:
        _, blob = seal_media_person(site, tmp_path, data)
        client = _researcher(site)
        whole = client.get(f"/media/{blob}")
        assert whole.status_code == 200 and whole.content == data
        h = whole.headers
        assert h["content-type"] == "video/mp4"
        assert h["accept-ranges"] == "bytes"
        assert h["cache-control"] == "no-store"
        assert h["content-disposition"] == "inline"  # no file name: it may carry a name
        assert h["content-security-policy"] == MEDIA_CSP
        assert h["cross-origin-resource-policy"] == "same-origin"
        assert h["x-content-type-options"] == "nosniff"
        cases = {
            "bytes=0-99": (0, 100),
            "bytes=65530-65545": (65530, 65546),  # across a chunk boundary
            f"bytes=70000-{size + 5000}": (70000, size),  # the end clamped
            "bytes=200000-": (200000, size),  # open-ended
            "bytes=-500": (size - 500, size),  # suffix
            f"bytes=-{size * 2}": (0, size),  # a suffix longer than the file
            f"bytes={size - 1}-": (size - 1, size),  # the last byte
        }
        for asked, (start, end) in cases.items():
            got = client.get(f"/media/{blob}", headers={"Range": asked})
            assert got.status_code == 206, asked
            assert got.content == data[start:end], asked
            assert got.headers["content-range"] == f"bytes {start}-{end - 1}/{size}", asked
            assert got.headers["content-length"] == str(end - start)


def test_ranges_past_the_end_and_odd_headers(org: Org, tmp_path: Path) -> None:
    """Given a sealed video, when a range starts at or past the end or is '-0', then 416
    with 'bytes */SIZE' and no body; when several ranges, a malformed header, another
    unit or an If-Range come, then the whole file with 200 (documented choice); a HEAD
    gets the headers and no body."""
    data = video_bytes(100_000)
    size = len(data)
    with staff_site(org) as site:
        _, blob = seal_media_person(site, tmp_path, data)
        client = _researcher(site)
        for asked in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0"):
            got = client.get(f"/media/{blob}", headers={"Range": asked})
            assert got.status_code == 416, asked
            assert got.headers["content-range"] == f"bytes */{size}"
            assert got.content == b""
        for asked in ("bytes=0-10,20-30", "bytes=abc", "items=0-10", "bytes=10-5", "bytes=-"):
            got = client.get(f"/media/{blob}", headers={"Range": asked})
            assert got.status_code == 200 and got.content == data, asked
        got = client.get(f"/media/{blob}", headers={"Range": "bytes=0-9", "If-Range": '"x"'})
        assert got.status_code == 200 and got.content == data
        head = client.head(f"/media/{blob}", headers={"Range": "bytes=10-19"})
        assert head.status_code == 206 and head.content == b""
        assert head.headers["content-range"] == f"bytes 10-19/{size}"


@settings(max_examples=200, deadline=None)
@given(
    size=st.integers(0, 10**6),
    first=st.one_of(st.none(), st.integers(0, 2 * 10**6)),
    last=st.one_of(st.none(), st.integers(0, 2 * 10**6)),
)
def test_parse_range_agrees_with_slicing(size: int, first: int | None, last: int | None) -> None:
    """Given any single byte range and file size, then the parsed range is exactly the
    slice RFC 9110 describes, or unsatisfiable (416), or ignored (whole file)."""
    spec = f"bytes={'' if first is None else first}-{'' if last is None else last}"
    got = parse_range(spec, size)
    if first is None and last is None:
        assert got is None
    elif first is None:
        assert last is not None
        assert got == (() if last == 0 or size == 0 else (max(0, size - last), size))
    elif last is not None and last < first:
        assert got is None
    elif first >= size:
        assert got == ()
    else:
        assert got == (first, size if last is None else min(last + 1, size))


def test_any_range_of_a_real_video_is_its_slice(org: Org, tmp_path: Path) -> None:
    """Given a sealed video, when any range is asked for through the app, then the
    answer is that slice of the sealed bytes (hypothesis picks the ranges)."""
    data = video_bytes(200_000)
    with staff_site(org) as site:
        _, blob = seal_media_person(site, tmp_path, data)
        client = _researcher(site)

        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        @given(start=st.integers(0, len(data) - 1), length=st.integers(1, 150_000))
        def ask(start: int, length: int) -> None:
            end = min(start + length, len(data))
            got = client.get(f"/media/{blob}", headers={"Range": f"bytes={start}-{end - 1}"})
            assert got.status_code == 206
            assert got.content == data[start:end]

        ask()


def test_decryption_is_audited_by_blob_never_by_name(org: Org, tmp_path: Path) -> None:
    """Given a researcher who plays a video (three range requests) and, eleven minutes
    later, again, when the audit trail is sealed, then it holds one 'decrypt' event per
    viewing, naming the blob id, and neither the file's name nor the person's."""
    with staff_site(org) as site:
        _, blob = seal_media_person(site, tmp_path, video_bytes(100_000))
        client = _researcher(site)
        trail = site.app.state.staff.audit
        trail.flush()
        for asked in ("bytes=0-", "bytes=5000-", "bytes=90000-"):
            assert client.get(f"/media/{blob}", headers={"Range": asked}).status_code == 206
        site.clock.advance(660)  # eleven minutes later: a new viewing, a new event
        assert client.get(f"/media/{blob}", headers={"Range": "bytes=0-"}).status_code == 206
        assert trail.flush() == 2
        rows = site.desk.engine.connect().exec_driver_sql(
            "SELECT entry_id FROM entries WHERE type = 'audit' ORDER BY time"
        )
        events = [
            e
            for (entry,) in rows
            for e in open_entry(site.desk.vault, entry, [org.desk_keys.identity]).content["data"][
                "events"
            ]
        ]
        decrypts = [e for e in events if e["action"] == "decrypt"]
        assert [e["target"] for e in decrypts] == [blob, blob]
        assert all(e["account"] == "researcher" for e in decrypts)
        text = str(events)
        assert "visit.mp4" not in text and "Нұрлан" not in text and "Гүлнар" not in text


def test_only_a_testimonys_file_is_served(org: Org, tmp_path: Path) -> None:
    """Given blob ids that are no testimony's file (unknown, malformed, or an audit or
    entry object), when asked for, then 404 and nothing decrypted."""
    with staff_site(org) as site:
        _, blob = seal_media_person(site, tmp_path, video_bytes(10_000))
        client = _researcher(site)
        entry = next(iter(site.desk.vault.object_ids("entries")))
        for bad in ("0" * 64, "not-hex", blob[:-1], entry, "../" * 5 + "etc"):
            got = client.get(f"/media/{bad}")
            assert got.status_code == 404, bad
            assert got.headers["content-type"].startswith("text/html")


def test_a_changed_byte_in_the_blob_is_refused(org: Org, tmp_path: Path) -> None:
    """Given a sealed video one byte of which is changed on disk (in a chunk no range
    asks for), when a range is asked for, then the app refuses with a clear message
    and sends none of the file: the ciphertext no longer hashes to its name."""
    data = video_bytes(300_000)
    with staff_site(org) as site:
        _, blob = seal_media_person(site, tmp_path, data)
        client = _researcher(site)
        assert client.get(f"/media/{blob}", headers={"Range": "bytes=0-9"}).status_code == 206
        path = site.desk.vault.object_path("blobs", blob)
        raw = bytearray(path.read_bytes())
        raw[len(raw) // 2] ^= 0x01
        path.chmod(0o600)
        path.write_bytes(bytes(raw))
        got = client.get(f"/media/{blob}", headers={"Range": "bytes=0-9"})
        assert got.status_code == 409
        assert "corrupted" in got.text
        assert data[:10] not in got.content


def test_a_file_the_browser_cannot_play_is_not_sent(org: Org, tmp_path: Path) -> None:
    """Given a testimony file of a kind no browser plays itself (a PDF), when asked for,
    then 415 with a sentence saying how to open it (a download would leave plaintext
    on the disk), and the person page says so instead of showing a player."""
    with staff_site(org) as site:
        person, blob = seal_media_person(
            site, tmp_path, b"%PDF-1.4 secret", media_type="application/pdf", name="a.pdf"
        )
        client = _researcher(site)
        got = client.get(f"/media/{blob}")
        assert got.status_code == 415
        assert "amanat open" in got.text and b"secret" not in got.content
        page = client.get(f"/persons/{person}").text
        assert "cannot be shown in the browser" in page
        assert f'src="/media/{blob}"' not in page


def test_the_person_page_has_a_player_that_decrypts_nothing_by_itself(
    org: Org, tmp_path: Path
) -> None:
    """Given a testimony with a video and one with a photo, when the person page is
    shown, then it holds a video player and a photo behind 'show', both pointing at
    /media/<blob>, and loading nothing until asked (preload none, lazy image); showing
    the page records no decryption."""
    with staff_site(org) as site:
        person, video = seal_media_person(site, tmp_path, video_bytes(50_000))
        photo_person, photo = seal_media_person(
            site, tmp_path, b"\xff\xd8\xff\xe0" + bytes(100), media_type="image/jpeg"
        )
        client = _researcher(site)
        trail = site.app.state.staff.audit
        trail.flush()
        page = client.get(f"/persons/{person}").text
        assert f'<video controls preload="none" src="/media/{video}"' in page
        assert trail.pending == 1  # the page view only
        photo_page = client.get(f"/persons/{photo_person}").text
        assert f'<img loading="lazy" src="/media/{photo}"' in photo_page
        assert photo_page.index("<details>") < photo_page.index(f'src="/media/{photo}"')
        assert trail.pending == 2  # and the second page view: still no decryption
        shown = client.get(f"/media/{photo}")
        assert shown.headers["content-type"] == "image/jpeg"


def test_playing_leaves_no_plaintext_on_the_disk(org: Org, tmp_path: Path) -> None:
    """Given a sealed video holding a canary, when it is played whole and by ranges,
    then the canary is in the answers and nowhere on the desk's disk or in the temp
    folder (the file was decrypted in memory only)."""
    data = video_bytes(400_000)
    started = time.time() - 2
    with staff_site(org) as site:
        _, blob = seal_media_person(site, tmp_path, data)
        client = _researcher(site)
        assert CANARY in client.get(f"/media/{blob}").content
        mid = len(data) // 2
        got = client.get(f"/media/{blob}", headers={"Range": f"bytes={mid - 10}-{mid + 100}"})
        assert CANARY in got.content
        site.app.state.staff.audit.flush()
    temp = Path(tempfile.gettempdir())
    for root in (org.base, temp):
        for folder, dirs, names in os.walk(root):
            if Path(folder) == temp:  # other tests' folders cannot hold this run's canary
                dirs[:] = [d for d in dirs if not d.startswith(("pytest-of-", "bash_jobs"))]
            for name in names:
                path = Path(folder) / name
                try:
                    info = path.lstat()
                    # Only what was written during this test can hold its canary.
                    if stat.S_ISREG(info.st_mode) and info.st_mtime >= started:
                        assert CANARY not in path.read_bytes(), path
                except (PermissionError, FileNotFoundError):
                    continue
