"""The mirror commands as a volunteer runs them: add, list, sync, status, verify, drill.

Given a station with entries and two folder mirrors, when ``amanat sync`` runs, then
``amanat status`` says every entry is safe, ``amanat verify --mirror`` passes, and a
damaged mirror is named by ``verify --mirror`` and repaired by ``sync --deep``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from amanat.vault import seal
from conftest import Org, amanat_here


def amanat(env: dict[str, str], *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    done = amanat_here(env, *args)
    assert done.returncode == code, (args, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    return done


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(done.stdout)


def test_mirror_commands(org: Org, tmp_path: Path, cli_env: dict[str, str]) -> None:
    home = str(org.station.path)
    for n in range(3):
        f = tmp_path / f"f{n}.bin"
        f.write_bytes(bytes([n]) * 5000)
        seal.seal_entry(org.station.vault(), org.station_seed, [seal.FileToSeal(f)])
    amanat(cli_env, "mirror", "add", "--home", home, "usb", str(tmp_path / "usb"))
    amanat(cli_env, "mirror", "add", "--home", home, "nas", str(tmp_path / "nas"))
    listed = as_json(amanat(cli_env, "mirror", "list", "--home", home, "--json"))
    assert [m["name"] for m in listed["mirrors"]] == ["usb", "nas"] and listed["quorum"] == 2

    before = as_json(amanat(cli_env, "status", "--home", home, "--json"))
    assert before["unsafe"] == 3

    synced = as_json(amanat(cli_env, "sync", "--home", home, "--json"))
    assert synced["ok"] and synced["unsafe"] == 0
    after = as_json(amanat(cli_env, "status", "--home", home, "--json"))
    assert after["unsafe"] == 0
    assert all(e["mirrors"] == ["nas", "usb"] for e in after["per_entry"])

    checked = as_json(amanat(cli_env, "verify", "--home", home, "--mirror", "usb", "--json"))
    assert checked["ok"] and checked["tree_size"] == 3

    # A bit flipped on the USB disk: verify names it; a deep sync repairs it from the home.
    blob = next((tmp_path / "usb" / "blobs").rglob("*/*"))
    data = bytearray(blob.read_bytes())
    data[10] ^= 1
    blob.write_bytes(bytes(data))
    bad = as_json(amanat(cli_env, "verify", "--home", home, "--mirror", "usb", "--json", code=8))
    assert any(blob.name in p["where"] for p in bad["problems"])
    repaired = as_json(amanat(cli_env, "sync", "--home", home, "--deep", "--json"))
    usb = next(m for m in repaired["mirrors"] if m["name"] == "usb")
    assert any(blob.name in p for p in usb["problems"])
    assert any(blob.name in r for r in usb["repaired"])
    assert as_json(amanat(cli_env, "verify", "--home", home, "--mirror", "usb", "--json"))["ok"]


def test_drop_after_quorum_leaves_a_station_holding_little(
    org: Org, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    home = str(org.station.path)
    f = tmp_path / "video.mp4"
    f.write_bytes(b"v" * 100_000)
    seal.seal_entry(org.station.vault(), org.station_seed, [seal.FileToSeal(f)])
    amanat(cli_env, "mirror", "add", "--home", home, "usb", str(tmp_path / "usb"), "--quorum", "1")
    amanat(cli_env, "mirror", "set", "--home", home, "--drop-after-quorum", "yes")
    synced = as_json(amanat(cli_env, "sync", "--home", home, "--json"))
    assert synced["dropped"] == 1
    vault = org.station.path / "vault"
    assert not [p for p in (vault / "blobs").rglob("*") if p.is_file()]
    assert not [p for p in (vault / "entries").rglob("*") if p.is_file()]
    report = as_json(amanat(cli_env, "verify", "--home", home, "--json"))
    assert report["ok"] and report["dropped"] == 2


def test_sync_without_mirrors_says_what_to_do(org: Org, cli_env: dict[str, str]) -> None:
    done = amanat(cli_env, "sync", "--home", str(org.station.path), code=2)
    assert "amanat mirror add" in done.stderr
    done = amanat(
        cli_env, "mirror", "add", "--home", str(org.station.path), "bad name", "/x", code=2
    )
    assert "mirror name" in done.stderr
    done = amanat(
        cli_env,
        "mirror",
        "add",
        "--home",
        str(org.station.path),
        "s3",
        "s3://key:secret@bucket/x",
        code=2,
    )
    assert "secret" not in done.stderr and "credentials file" in done.stderr


def test_restore_with_the_real_command(org: Org, tmp_path: Path, cli_env: dict[str, str]) -> None:
    """Given a station synced to a USB mirror, when three trustees run `amanat restore`,
    then a new desk opens the entry; with two shares it fails in one line, leaving nothing."""
    f = tmp_path / "v.bin"
    f.write_bytes(b"testimony")
    receipt = seal.seal_entry(org.station.vault(), org.station_seed, [seal.FileToSeal(f)])
    usb = str(tmp_path / "usb")
    amanat(cli_env, "mirror", "add", "--home", str(org.station.path), "usb", usb)
    amanat(cli_env, "sync", "--home", str(org.station.path))
    shares = [str(p) for p in org.share_files]
    failed = amanat(cli_env, "restore", str(tmp_path / "two"), "--from", usb, "--shares",
                    *shares[:2], code=4)  # fmt: skip
    assert len(failed.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "two").exists()
    done = as_json(amanat(cli_env, "restore", str(tmp_path / "new"), "--from", usb, "--shares",
                          *shares[2:], "--json"))  # fmt: skip
    assert done["records"] == 1 and done["problems"] == []
    opened = as_json(amanat(cli_env, "open", "--home", str(tmp_path / "new"),
                            receipt.entry_id[:12], "--json"))  # fmt: skip
    assert opened["content"]["files"][0]["size"] == len(b"testimony")


def test_anyone_verifies_a_mirror_by_its_address_with_no_home(
    org: Org, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    """Given a synced mirror on a USB disk, and a person with no home and no key (a
    journalist, a trustee), when they run `amanat verify --from` its address, then it
    verifies; a flipped byte is named; an empty folder is not called a sound mirror."""
    home = str(org.station.path)
    f = tmp_path / "f.bin"
    f.write_bytes(b"testimony" * 1000)
    seal.seal_entry(org.station.vault(), org.station_seed, [seal.FileToSeal(f)])
    amanat(cli_env, "mirror", "add", "--home", home, "usb", str(tmp_path / "usb"))
    amanat(cli_env, "sync", "--home", home)
    usb = str(tmp_path / "usb")
    checked = as_json(amanat(cli_env, "verify", "--from", usb, "--json"))
    assert checked["ok"] and checked["tree_size"] == 1
    blob = next((tmp_path / "usb" / "blobs").rglob("*/*"))
    data = bytearray(blob.read_bytes())
    data[10] ^= 1
    blob.write_bytes(bytes(data))
    bad = as_json(amanat(cli_env, "verify", "--from", usb, "--json", code=8))
    assert any(blob.name in p["where"] for p in bad["problems"])
    (tmp_path / "empty").mkdir()
    empty = amanat(cli_env, "verify", "--from", str(tmp_path / "empty"), code=10)
    assert "holds no Amanat vault" in empty.stderr
