"""``amanat demo``: the vault's whole story in a scratch folder, told in plain words.

An organisation with five trustees (three needed) and one desk; an intake station that
can seal but not read; sample testimonies sealed at the station; a verification
without keys; the desk pulling the station's vault and opening an entry and its files;
a proof bundle checked as a court would; and a tampered copy caught by ``verify``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from amanat.mirrors.config import MirrorConfig, MirrorEntry
from amanat.mirrors.status import home_status
from amanat.mirrors.sync import sync_home
from amanat.settings import Settings
from amanat.vault import copy, enrol, opening, proof, seal, verify
from amanat.vault.home import Home
from amanat.vault.shares import read_share_file

__all__ = ["COMMANDS", "run"]

_SAMPLES = {
    "questionnaire.json": json.dumps(
        {
            "person": {"name_latin": "Demo Person", "name_native": "Демо Адам"},
            "disappeared": "2018-04",
            "place_last_seen": "Khorgos border post",
        },
        ensure_ascii=False,
        indent=2,
    ),
    "testimony-transcript.txt": "Sample testimony text. This is demonstration data only.\n",
}
DEMO_PASSPHRASE = "demo passphrase, not for real use"  # noqa: S105 - a throwaway demo vault


def _say(lines: list[str], text: str) -> None:
    lines.append(text)
    print(text, flush=True)


def run(args: argparse.Namespace, settings: Settings) -> int:
    base = (
        Path(args.keep).absolute() if args.keep else Path(tempfile.mkdtemp(prefix="amanat-demo-"))
    )
    base.mkdir(parents=True, exist_ok=True)
    said: list[str] = []
    try:
        _story(base, settings, said)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
            print("The scratch folder was deleted. Use --keep DIR to look around afterwards.")
    return 0


def _story(base: Path, settings: Settings, said: list[str]) -> None:
    work = min(settings.scrypt_work_factor, 16)  # a demo desk: quick to unlock
    _say(said, f"Amanat demo in {base}\n")
    result = enrol.init_org(
        base / "desk",
        name="Demo documentation group",
        trustees=5,
        threshold=3,
        passphrase=DEMO_PASSPHRASE,
        shares_dir=base / "trustee-shares",
        work_factor=work,
    )
    _say(said, f"1. Created organisation {result.org.org_id} with a desk at {result.home}.")
    _say(said, f"   5 trustee shares written to {base / 'trustee-shares'}; any 3 restore.")
    keys = enrol.keys_from_shares(result.org, [read_share_file(p) for p in result.share_files[1:4]])
    _say(said, "   Checked: shares 2, 3 and 4 together rebuild the recovery key.")
    del keys

    station, vkey = enrol.create_station(base / "station", result.org_export, name="office-1")
    desk = Home(result.home)
    desk_keys = desk.desk_keys(DEMO_PASSPHRASE)
    enrol.trust_station(desk, vkey, desk_keys.signing_seed, name="office-1")
    enrol.update_from_export(station, desk.path / "org-export.json")
    _say(said, f"2. Station set up at {station.path}; the desk trusted its key.")
    _say(said, "   The station holds public keys only: it can seal, never read back.")

    samples = base / "intake"
    samples.mkdir()
    for name, text in _SAMPLES.items():
        (samples / name).write_text(text, "utf-8")
    video = samples / "testimony.mp4"
    video.write_bytes(hashlib.sha256(b"demo").digest() * 40000)  # 1.3 MB stand-in for a video
    first = seal.seal_entry(
        station.vault(),
        station.station_seed(),
        [seal.FileToSeal(samples / "questionnaire.json"), seal.FileToSeal(video)],
        entry_type="intake",
        note="Demo visit: relative reporting a disappearance",
    )
    second = seal.seal_entry(
        station.vault(),
        station.station_seed(),
        [seal.FileToSeal(samples / "testimony-transcript.txt")],
        note="Demo transcript",
    )
    _say(said, f"3. Sealed entry {first.entry_id[:12]} (2 files) and {second.entry_id[:12]}.")
    shutil.rmtree(samples)
    _say(said, "   The plaintext intake files were deleted; only ciphertext remains.")

    report = verify.verify_vault(station.path / "vault")
    for s in report.logs:
        _say(said, f"4. Verified without any key: tree size {s.size}, root {s.root[:16]}…")
    _say(
        said,
        f"   {report.entries} entries, {report.blobs} files, problems: {len(report.problems)}.",
    )

    pulled = copy.pull_vault(desk.vault(), station.path / "vault")
    _say(said, f"5. The desk pulled {pulled.records} records from the station's vault.")
    entry = opening.open_entry(desk.vault(), first.entry_id[:12], [desk_keys.identity])
    out = base / "opened"
    files = opening.write_files(desk.vault(), entry, [desk_keys.identity], out)
    _say(
        said,
        f"   Opened {entry.entry_id[:12]}: note {entry.content['note']!r}; "
        f"{len(files)} files written to {out}, each checked against its sealed hash.",
    )

    bundle = proof.make_bundle(desk.vault(), first.entry_id)
    check = proof.check_bundle(bundle)
    _say(
        said,
        f"6. Proof bundle for {first.entry_id[:12]}: {len(check.steps)} checks passed "
        "offline, as a court or UN body would run them.",
    )

    tampered = base / "tampered-copy"
    shutil.copytree(station.path / "vault", tampered)
    blob = next((tampered / "blobs").rglob("*/*"))
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 1
    blob.write_bytes(bytes(data))
    bad = verify.verify_vault(tampered)
    _say(
        said,
        f"7. One bit flipped in a copy of a sealed video: verify reports "
        f"{len(bad.problems)} problem: {bad.problems[0].where.split('/')[0]}/…: "
        f"{bad.problems[0].what}.",
    )
    MirrorConfig(
        mirrors=[
            MirrorEntry("usb", str(base / "usb-mirror")),
            MirrorEntry("nas", str(base / "nas")),
        ]
    ).save(station.path)
    synced = sync_home(station)
    unsafe = len(home_status(station).unsafe)
    _say(
        said,
        f"8. Synced the station to {len(synced.mirrors)} folder mirrors (a USB disk and a NAS "
        f"stand-in); entries not yet safe: {unsafe}. A seizure of the office loses nothing.",
    )
    _say(said, "\nDone: sealed, verified, opened, proven, tampering caught, and mirrored.")


COMMANDS = {"demo": run}
