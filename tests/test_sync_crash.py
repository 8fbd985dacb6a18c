"""Crash test: syncs to a folder mirror and a real S3 mirror killed with SIGKILL.

Given a station vault with a mix of entries (notes, small files, a few 1-5 MiB blobs and
one ~70 MiB blob, which goes to S3 as a multipart upload) and two mirrors (a folder and
a bucket on a local SeaweedFS), when a sync worker (``tests/sync_worker.py``) is killed
with SIGKILL at a random instant, RUNS times in a row, with a few entries sealed between
runs so that there is always something new to push, then every run that ends by itself
reports no problem, and after one last sync run to the end: both mirrors verify with
no problem; they hold the same entries and blobs and the same log records (compared
record by record; segment boundaries may differ), with the same latest checkpoint as
the station; every sealed entry is on both; no record is stored twice; the folder holds
no ``.part`` leftover and the bucket no unfinished multipart upload. And kills really
landed mid-upload (counted from the worker's progress lines and from what each kill
left behind).

Kill instants come from a seeded ``random.Random`` (``AMANAT_SYNC_CRASH_SEED`` overrides
the seed) in three kinds: during start-up (before the worker says READY), a time after
READY (listing, checking, pushing), or a time after the worker reported a random number
of uploaded bytes (so that big uploads, the S3 multipart one included, are cut at
random points of their progress).
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import select
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from amanat.mirrors.config import MirrorConfig, MirrorEntry, open_store
from amanat.mirrors.layout import MIRROR_MARKER, MirrorSource, checkpoint_key, segment_key
from amanat.mirrors.local_s3 import LocalS3, local_s3
from amanat.mirrors.s3 import S3Store
from amanat.mirrors.store import FolderStore, ObjectStore
from amanat.mirrors.sync import sync_home
from amanat.vault.seal import FileToSeal, SealSession, seal_entry
from amanat.vault.verify import VerifyReport, verify_source, verify_vault
from conftest import Org

RUNS = 70
SEED = int(os.environ.get("AMANAT_SYNC_CRASH_SEED", "20261204"))
WORKER = Path(__file__).with_name("sync_worker.py")
BIG_SIZE = 70 << 20  # over the 64 MiB multipart threshold: 5 parts of 16 MiB
MEDIUM_SIZES = (1 << 20, 3 << 20, 5 << 20)
AFTER_READY_WINDOW_S = 0.6  # at first; then as long as the last finished runs took
RUN_LIMIT_S = 60.0


@dataclass
class Outcome:
    ready: bool = False
    ready_s: float | None = None
    done_s: float | None = None  # from READY to DONE, if it finished
    progress: int = 0  # bytes the worker reported uploaded
    done: list[dict[str, Any]] | None = None  # the worker's report, if it finished
    lines: list[str] = field(default_factory=list)


def _run_worker(
    home: Path,
    *,
    after_start: float | None = None,
    after_ready: float | None = None,
    after_bytes: tuple[int, float] | None = None,
) -> Outcome:
    """Run the worker; SIGKILL it ``after_start`` seconds after it started, or
    ``after_ready`` seconds after READY, or ``after_bytes[1]`` seconds after it reported
    ``after_bytes[0]`` uploaded bytes; or, with none of these, let it finish."""
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    start = time.monotonic()
    outcome = Outcome()
    buf = b""
    deadline = start + after_start if after_start is not None else None
    eof = False
    while not eof:
        now = time.monotonic()
        if deadline is not None and now >= deadline:
            break
        assert now - start < RUN_LIMIT_S, f"the sync worker hung: {outcome.lines[-5:]}"
        wait = 0.5 if deadline is None else max(0.0, deadline - now)
        if not select.select([proc.stdout], [], [], wait)[0]:
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            eof = True
        buf += chunk
        *complete, buf = buf.split(b"\n")
        for raw in complete:
            line = raw.decode()
            outcome.lines.append(line)
            kind, _, rest = line.partition(" ")
            if kind == "READY":
                outcome.ready, outcome.ready_s = True, time.monotonic() - start
                if after_ready is not None and deadline is None:
                    deadline = time.monotonic() + after_ready
            elif kind == "P":
                outcome.progress = int(rest)
                if (
                    after_bytes is not None
                    and deadline is None
                    and outcome.progress >= after_bytes[0]
                ):
                    deadline = time.monotonic() + after_bytes[1]
            elif kind == "DONE":
                outcome.done = json.loads(rest)
                if outcome.ready_s is not None:
                    outcome.done_s = time.monotonic() - start - outcome.ready_s
            else:
                raise AssertionError(f"unexpected worker output {line!r}")
    proc.kill()  # SIGKILL; harmless if it already exited
    _, err = proc.communicate()
    if outcome.done is None:
        assert proc.returncode == -signal.SIGKILL, (
            f"the sync worker failed (exit {proc.returncode}):\n" + err.decode(errors="replace")
        )
    return outcome


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalS3]:
    with local_s3(tmp_path_factory.mktemp("local-s3")) as server:
        yield server


def _part_files(folder: Path) -> set[str]:
    return (
        {p.relative_to(folder).as_posix() for p in folder.rglob("*.part")}
        if folder.is_dir()
        else set()
    )


def _unfinished_uploads(store: S3Store) -> dict[tuple[str, str], tuple[int, ...]]:
    """Every unfinished multipart upload in the bucket, with the parts it holds."""
    client, bucket = store.client, store.location.bucket
    found: dict[tuple[str, str], tuple[int, ...]] = {}
    for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        key, upload_id = str(upload["Key"]), str(upload["UploadId"])
        parts = client.list_parts(Bucket=bucket, Key=key, UploadId=upload_id).get("Parts", [])
        found[(key, upload_id)] = tuple(sorted(int(p["PartNumber"]) for p in parts))
    return found


def _objects(store: ObjectStore) -> dict[str, int]:
    return {o.key: o.size for kind in ("entries/", "blobs/") for o in store.list(kind)}


def _segments(store: ObjectStore, source: MirrorSource, kid: str) -> list[list[dict[str, Any]]]:
    return [
        [json.loads(line) for line in store.get(key).split(b"\n")[:-1]]
        for _, key in source.segments.get(kid, [])
    ]


def _logs(report: VerifyReport) -> dict[str, tuple[int, str]]:
    return {s.log: (s.size, s.root) for s in report.logs}


def test_sigkill_while_syncing_resumes_to_identical_mirrors(
    org: Org, tmp_path: Path, s3_server: LocalS3
) -> None:
    """Given a station with two mirrors (folder, S3), when a sync is killed RUNS times at
    random instants with new entries sealed in between, then a last sync leaves both
    mirrors sound, identical to each other and to the station, with nothing duplicated
    and no leftovers; and kills really landed mid-upload."""
    rng = random.Random(SEED)
    home = org.station.path
    vault = org.station.vault()
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    data = random.Random(SEED)
    (inputs / "small.txt").write_bytes(b"testimony line\n" * 300)
    (inputs / "big.bin").write_bytes(data.randbytes(BIG_SIZE))
    for i, size in enumerate(MEDIUM_SIZES):
        (inputs / f"medium-{i}.bin").write_bytes(data.randbytes(size))
    folder = tmp_path / "usb-mirror"
    config = MirrorConfig(
        mirrors=[  # the bucket first: pushed first, so that more kills land in its uploads
            MirrorEntry(
                "cloud",
                s3_server.url("sync-crash", "vault"),
                credentials=str(s3_server.credentials_file),
            ),
            MirrorEntry("usb", str(folder)),
        ],
        quorum=2,
    )
    config.save(home)
    for entry in config.mirrors:
        open_store(entry, create=True)  # as `amanat mirror add` does
    cloud = open_store(config.find("cloud"))
    assert isinstance(cloud, S3Store)

    sealed: list[str] = []
    sealed_bytes = 0
    big_blobs: list[str] = []
    n = 0

    def seal(count: int, files: tuple[str, ...] = ()) -> None:
        nonlocal n, sealed_bytes
        with SealSession(vault, org.station_seed) as session:
            for _ in range(count):
                items = [FileToSeal(inputs / name) for name in files]
                receipt = session.seal(items, note=f"sync crash entry {n}", data={"n": n})
                sealed.append(receipt.entry_id)
                sealed_bytes += sum(b.size for b in receipt.blobs)
                big_blobs.extend(b.id for b in receipt.blobs if b.size > BIG_SIZE)
                n += 1

    seal(8)
    seal(4, ("small.txt",))
    for i in range(len(MEDIUM_SIZES)):
        seal(1, (f"medium-{i}.bin",))
    seal(1, ("big.bin",))

    stats: Counter[str] = Counter()
    ready_times: list[float] = []
    done_times: list[float] = [AFTER_READY_WINDOW_S]
    parts_before: set[str] = set()
    uploads_before: dict[tuple[str, str], tuple[int, ...]] = {}
    pushed_before = 0  # bytes both mirrors had confirmed at the last finished run

    def context(run: int) -> str:
        return f"run {run} (seed {SEED}); so far: {dict(stats)}"

    for run in range(RUNS):
        if run in (RUNS // 3, 2 * RUNS // 3):
            seal(1, ("big.bin",))  # another big upload (a new ciphertext) to cut
        on_cloud = {o.key for o in cloud.list("blobs/")}
        big_pending = any(f"blobs/{b[:2]}/{b}" not in on_cloud for b in big_blobs)
        kind = rng.choices(["start", "ready", "bytes"], weights=[2, 4, 4])[0]
        if big_pending and rng.random() < 0.8:
            # Cut the bucket's multipart upload (the bucket is pushed first) at a random
            # point of its progress.
            threshold = rng.randint(1, BIG_SIZE)
            outcome = _run_worker(home, after_bytes=(threshold, rng.uniform(0, 0.05)))
            stats["runs aimed at a multipart upload"] += 1
        elif kind == "start" and ready_times:
            # During start-up: imports, reading the home; up to the median READY time.
            outcome = _run_worker(home, after_start=rng.uniform(0, statistics.median(ready_times)))
        elif kind == "bytes":
            # Cut an upload at a random point of its progress: after a random share of
            # what both mirrors still lack (twice the bytes sealed since), plus a little.
            pending = max(2 * (sealed_bytes - pushed_before), 1)
            threshold = rng.randint(1, pending)
            outcome = _run_worker(home, after_bytes=(threshold, rng.uniform(0, 0.05)))
        else:
            window = statistics.median(done_times[-5:])
            outcome = _run_worker(home, after_ready=rng.uniform(0, window))
        if outcome.ready_s is not None and outcome.done is None:
            ready_times.append(outcome.ready_s)
        stats["runs"] += 1
        if outcome.done is not None:
            stats["runs that finished"] += 1
            for m in outcome.done:
                assert m["reachable"] and not m["problems"], f"{context(run)}: {m}"
            pushed_before = sealed_bytes
            if outcome.done_s is not None:
                done_times.append(outcome.done_s)
        else:
            stats["kills"] += 1
            stats["kills before READY"] += not outcome.ready
            stats["kills mid-push (after upload progress)"] += outcome.progress > 0
        # What the kill left behind, before the next run cleans it up or resumes it.
        parts = _part_files(folder)
        stats["kills leaving a new folder .part"] += bool(parts - parts_before)
        parts_before = parts
        uploads = _unfinished_uploads(cloud)
        stats["kills cutting an S3 multipart upload"] += bool(uploads) and uploads != uploads_before
        uploads_before = uploads
        # Something new to push next time: a few notes, now and then a blob.
        if rng.random() < 0.8:
            seal(rng.randint(1, 3), rng.choice([(), (), ("small.txt",)]))
        if rng.random() < 0.1:
            seal(1, (f"medium-{rng.randrange(len(MEDIUM_SIZES))}.bin",))

    summary = f"seed {SEED}: {dict(stats)}"
    print(summary)

    final = _run_worker(home)
    assert final.done is not None
    for m in final.done:
        assert m["reachable"] and not m["problems"], f"{summary}: {m}"
    again = _run_worker(home)  # a sync with nothing new pushes nothing
    assert again.done is not None
    for m in again.done:
        assert m["reachable"] and not m["problems"], f"{summary}: {m}"
        assert m["pushed_objects"] == m["pushed_records"] == 0, f"{summary}: {m}"

    local = verify_vault(vault.root)
    assert local.ok, local.problems
    usb = FolderStore("usb", folder)
    stores: list[ObjectStore] = [usb, cloud]
    sources = {s.name: MirrorSource(s) for s in stores}
    reports = {name: verify_source(src) for name, src in sources.items()}
    for name, report in reports.items():
        assert report.ok, f"mirror {name}: {report.problems}"
        assert not report.notes, f"mirror {name}: {report.notes}"
        # Same log, same size, same root as the station (latest checkpoint).
        assert _logs(report) == _logs(local), f"mirror {name}"

    objects = {s.name: _objects(s) for s in stores}
    assert objects["usb"] == objects["cloud"], "the mirrors hold different objects"
    local_objects = {
        f"{kind}/{p.name[:2]}/{p.name}": p.stat().st_size
        for kind in ("entries", "blobs")
        for p in (vault.root / kind).rglob("*")
        if p.is_file()
    }
    assert objects["usb"] == local_objects, "the mirrors differ from the station"
    for entry_id in sealed:
        assert f"entries/{entry_id[:2]}/{entry_id}" in objects["usb"], entry_id

    kids = {f.kid for f in vault.logs()}
    for name, src in sources.items():
        assert set(src.log_names()) == kids, f"mirror {name}"
        for kid in kids:
            lines, _ = vault.log(kid).read_records()
            assert src.records(kid)[0] == lines, f"mirror {name}: log {kid} records differ"
            # No record stored twice: segments follow each other without overlap.
            stored = [r for segment in _segments(src.store, src, kid) for r in segment]
            seqs = [r["seq"] for r in stored]
            assert seqs == list(range(len(lines))), f"mirror {name}: log {kid} seqs {seqs}"
            entries = [r["entry"] for r in stored]
            assert len(set(entries)) == len(entries), f"mirror {name}: an entry stored twice"
            assert sorted(entries) == sorted(sealed), f"mirror {name}: entries differ"
            stats[f"segments on {name}"] += len(src.segments[kid])

    assert not _part_files(folder), f"leftover .part files: {sorted(_part_files(folder))}"
    leftover = _unfinished_uploads(cloud)
    assert not leftover, f"unfinished multipart uploads remain: {leftover}"

    summary = f"seed {SEED}: {dict(stats)}"
    print(summary)
    assert stats["runs"] >= 50
    assert stats["kills"] >= 40, summary
    assert stats["kills before READY"] >= 5, summary
    assert stats["kills mid-push (after upload progress)"] >= 10, summary
    assert stats["kills cutting an S3 multipart upload"] >= 2, summary


# -- The leftovers of single kills, made on purpose --------------------------------------


def _sync_ok(org: Org) -> None:
    report = sync_home(org.station)
    assert report.ok, [(m.name, m.problems) for m in report.mirrors]


def test_a_first_sync_killed_after_the_marker_is_finished_by_the_next(
    org: Org, tmp_path: Path
) -> None:
    """Given a folder mirror holding only the marker (a first sync killed between writing
    ``amanat-mirror`` and ``org.json``), when the station syncs, then the mirror is
    set up and filled, not refused for lacking an organisation file."""
    folder = tmp_path / "usb"
    MirrorConfig(mirrors=[MirrorEntry("usb", str(folder))]).save(org.station.path)
    FolderStore("usb", folder, create=True)
    seal_entry(org.station.vault(), org.station_seed, note="first")
    FolderStore("usb", folder).put("amanat-mirror", MIRROR_MARKER)
    _sync_ok(org)
    assert verify_source(MirrorSource(FolderStore("usb", folder))).ok


def test_a_sync_deletes_dead_writers_parts_and_spares_live_ones(org: Org, tmp_path: Path) -> None:
    """Given a folder mirror with the ``.part`` file of a killed write (unlocked) and one
    of a write in progress (locked by its writer), when the station syncs, then the
    first is deleted and the second left alone."""
    folder = tmp_path / "usb"
    MirrorConfig(mirrors=[MirrorEntry("usb", str(folder))]).save(org.station.path)
    FolderStore("usb", folder, create=True)
    seal_entry(org.station.vault(), org.station_seed, note="first")
    _sync_ok(org)
    dead = folder / "blobs" / "ab" / f".{'ab' * 32}.4242.0badf00d.part"
    live = folder / "blobs" / "cd" / f".{'cd' * 32}.4343.0badf00d.part"
    for part in (dead, live):
        part.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(b"half an upload")
    fd = os.open(live, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _sync_ok(org)
        assert not dead.exists()
        assert live.exists()
    finally:
        os.close(fd)


def test_a_mirror_behind_is_filled_and_a_shrunk_one_is_caught(org: Org, tmp_path: Path) -> None:
    """Given a mirror synced once, when more is sealed and the station syncs again, then
    the mirror (merely behind) gets one more segment and no problem is reported; when
    the mirror then loses its newest segment and checkpoint, the next sync reports a
    rollback and writes the log again."""
    folder = tmp_path / "usb"
    MirrorConfig(mirrors=[MirrorEntry("usb", str(folder))]).save(org.station.path)
    FolderStore("usb", folder, create=True)
    vault = org.station.vault()
    seal_entry(vault, org.station_seed, note="one")
    _sync_ok(org)
    seal_entry(vault, org.station_seed, note="two")
    report = sync_home(org.station)
    assert report.ok and not report.mirrors[0].repaired, report.mirrors
    assert report.mirrors[0].pushed_records == 1
    store = FolderStore("usb", folder)
    src = MirrorSource(store)
    (kid,) = src.log_names()
    assert [first for first, _ in src.segments[kid]] == [0, 1]
    store.delete(segment_key(kid, 1))
    store.delete(checkpoint_key(kid, 2))
    report = sync_home(org.station)
    (m,) = report.mirrors
    assert any("rolled back" in p for p in m.problems), m.problems
    assert m.repaired, m
    assert _sync_ok(org) is None
    assert verify_source(MirrorSource(store)).ok
