"""The whole command-line story, as the README tells it, with the real ``amanat`` command.

Given nothing, when an organisation is created, a station set up and trusted, files
sealed, verified, listed, pulled to the desk, opened, proven and the proof checked,
then each step succeeds and says what it did; and ``amanat demo`` runs end to end.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import PASSPHRASE


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "amanat.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, f"{args}: {done.stderr}"
    assert "Traceback" not in done.stderr
    return done


def run_json(env: dict[str, str], *args: str) -> Any:
    return json.loads(run(env, *args, "--json").stdout)


def test_init_seal_verify_open_prove(tmp_path: Path, cli_env: dict[str, str]) -> None:
    desk, station = tmp_path / "desk", tmp_path / "station"
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSPHRASE + "\n")
    env = {k: v for k, v in cli_env.items() if k != "AMANAT_PASSPHRASE"}

    made = run_json(
        env,
        "init",
        str(desk),
        "--name",
        "Atajurt test",
        "--trustees",
        "5",
        "--threshold",
        "3",
        "--passphrase-file",
        str(pw),
    )
    assert len(made["shares"]) == 5
    assert not Path(made["shares"][0]).is_relative_to(desk)
    for share in made["shares"]:
        assert Path(share).with_suffix(".html").exists()  # a printable page each

    created = run_json(env, "station", "create", str(station), "--org", made["org_export"])
    run(
        env,
        "station",
        "trust",
        "--home",
        str(desk),
        str(station / "keys" / "station.pub"),
        "--name",
        "office-1",
        "--station",
        str(station),
        "--passphrase-file",
        str(pw),
    )
    assert created["station_key"].startswith("amanat/")

    video = tmp_path / "testimony.mp4"
    video.write_bytes(os.urandom(300_000))
    form = tmp_path / "form.json"
    form.write_text(json.dumps({"person": {"name": "Test Person"}}), "utf-8")
    sealed = run_json(
        env,
        "seal",
        "--home",
        str(station),
        str(video),
        "--note",
        "visit 1",
        "--data",
        str(form),
        "--type",
        "intake",
    )
    run_json(env, "seal", "--home", str(station), "--note", "second")

    report = run_json(env, "verify", "--home", str(station))
    assert report["ok"] and report["tree_size"] == 2
    assert len(report["logs"][0]["root"]) == 64
    text = run(env, "verify", "--home", str(station)).stdout
    assert "tree size 2" in text and report["logs"][0]["root"] in text

    rows = run_json(env, "log", "--home", str(station))
    assert [r["seq"] for r in rows] == [0, 1]
    assert {"seq", "leaf_hash", "time", "station", "entry"} <= set(rows[0])

    run(env, "pull", "--home", str(desk), "--from", str(station / "vault"))
    opened = run_json(
        env,
        "open",
        "--home",
        str(desk),
        sealed["entry"][:10],
        "--out",
        str(tmp_path / "out"),
        "--passphrase-file",
        str(pw),
    )
    assert opened["content"]["note"] == "visit 1"
    assert opened["content"]["data"] == {"person": {"name": "Test Person"}}
    meta = opened["content"]["files"][0]
    assert meta["sha256"] == hashlib.sha256(video.read_bytes()).hexdigest()
    assert meta["name"] == "testimony.mp4" and meta["media_type"] == "video/mp4"
    assert (tmp_path / "out" / "testimony.mp4").read_bytes() == video.read_bytes()

    proof_file = tmp_path / "proof.json"
    run(env, "prove", "--home", str(desk), sealed["entry"], "--out", str(proof_file))
    blob = station / "vault" / "blobs" / sealed["blobs"][0][:2] / sealed["blobs"][0]
    checked = run_json(env, "check-proof", str(proof_file), "--file", str(blob))
    assert checked["files"] == {str(blob): "in record"}
    assert checked["tree_size"] == 2

    # A tampered copy: verify exits non-zero and names the file.
    data = bytearray(blob.read_bytes())
    data[100] ^= 0x40
    blob.write_bytes(bytes(data))
    bad = subprocess.run(
        [sys.executable, "-m", "amanat.cli.main", "verify", "--home", str(station), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 8
    problems = json.loads(bad.stdout)["problems"]
    assert any(sealed["blobs"][0] in p["where"] for p in problems)


def test_demo_runs(cli_env: dict[str, str], tmp_path: Path) -> None:
    done = run(cli_env, "demo", "--no-serve", "--keep", str(tmp_path / "demo"))
    assert "Done: sealed, verified, opened, proven, tampering caught, and mirrored." in done.stdout
    assert "entries not yet safe: 0" in done.stdout
    assert (tmp_path / "demo" / "station" / "vault" / "AMANAT-VAULT").exists()
    # the two persons recorded again from other lists: one link proposed, one to decide
    assert "Persons recorded twice: 2 of them" in done.stdout
    assert "(proposed links: 1, to decide: 1)" in done.stdout
