"""A seized station reveals nothing: no plaintext byte reaches its disk, temp files included.

Given a canary string planted in a file's content, its name, the note and the
questionnaire data, when a station seals them with the real ``amanat seal`` command
(in a subprocess whose TMPDIR is a folder we watch), then the canary appears nowhere
in the station's home or in that temp folder: not in any file's bytes, not in any path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from amanat.vault import copy, opening, seal
from conftest import Org

CANARY = "CANARY-7f3e-Нұрсұлтан-ئەخمەت"
CANARY_VARIANTS = [
    CANARY.encode("utf-8"),
    CANARY.encode("utf-16-le"),
    CANARY.encode("utf-16-be"),
    b"CANARY-7f3e",
]


def _scan(root: Path) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if CANARY[:11] in path.name:
            hits.append(f"path {path}")
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            hits += [f"{path} holds {v!r}" for v in CANARY_VARIANTS if v in data]
    return hits


def test_no_plaintext_reaches_the_station_disk(
    org: Org, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    # Given: intake files outside the station's home, full of canaries
    intake = tmp_path / "camera-card"
    intake.mkdir()
    video = intake / f"{CANARY}.mp4"
    video.write_bytes((CANARY.encode() + os.urandom(1000)) * 3000)  # ~3 MB, many chunks
    photo = intake / "id-card.jpg"
    photo.write_text(f"ID card of {CANARY}", "utf-8")
    data = intake / "questionnaire.json"
    data.write_text(json.dumps({"person": {"name": CANARY}, "iin": "880101300123"}), "utf-8")
    watched_tmp = tmp_path / "station-tmp"
    watched_tmp.mkdir()
    env = {**cli_env, "TMPDIR": str(watched_tmp)}

    # When: the station seals them with the real command
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "amanat.cli.main",
            "seal",
            "--home",
            str(org.station.path),
            str(video),
            str(photo),
            "--data",
            str(data),
            "--note",
            f"visit of {CANARY}",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    receipt = json.loads(done.stdout)
    assert len(receipt["blobs"]) == 2

    # Then: no canary in the station home or its temp folder, by content or by name
    assert _scan(org.station.path) == []
    assert _scan(watched_tmp) == []
    # and the station holds no decryption key at all
    for path in org.station.path.rglob("*"):
        if path.is_file():
            assert b"AGE-SECRET-KEY" not in path.read_bytes(), path
    # and nothing was printed that names the canary
    assert CANARY not in done.stdout and CANARY not in done.stderr


def test_the_desk_gets_the_plaintext_back(org: Org, tmp_path: Path) -> None:
    """Given a sealed canary file, when the desk pulls and opens it, then it is byte-identical
    (so the scan above is meaningful: the canary really was sealed)."""
    source = tmp_path / f"{CANARY}.txt"
    source.write_text(CANARY * 100, "utf-8")
    receipt = seal.seal_entry(
        org.station.vault(), org.station_seed, [seal.FileToSeal(source)], note=CANARY
    )
    copy.pull_vault(org.desk.vault(), org.station.path / "vault")
    entry = opening.open_entry(org.desk.vault(), receipt.entry_id, [org.desk_keys.identity])
    assert entry.content["note"] == CANARY
    out = opening.write_files(org.desk.vault(), entry, [org.desk_keys.identity], tmp_path / "o")
    assert out[0].read_bytes() == source.read_bytes()
    assert out[0].name == source.name
