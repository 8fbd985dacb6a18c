"""``amanat demo``: the vault's whole story in a scratch folder, told in plain words.

An organisation with five trustees (three needed) and one desk; an intake station that
can seal but not read; sample testimonies sealed at the station; a verification
without keys; the desk pulling the station's vault and opening an entry and its files;
a proof bundle checked as a court would; a tampered copy caught by ``verify``; and the
desk's victims database filled with forty fictional persons (``records.demo_data``),
shown as ``amanat persons`` and ``amanat person`` would show them.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

import pyotp
import uvicorn

from amanat.bootstrap import open_desk
from amanat.cli.records_commands import person_page, persons_table
from amanat.desk.service import Batch
from amanat.mirrors.config import MirrorConfig, MirrorEntry
from amanat.mirrors.status import home_status
from amanat.mirrors.sync import sync_home
from amanat.records.demo_data import DemoBatch, DemoData, demo_data
from amanat.records.places import Gazetteer
from amanat.settings import Settings
from amanat.vault import copy, enrol, opening, proof, seal, verify
from amanat.vault.home import Home
from amanat.vault.shares import read_share_file
from amanat.views import read
from amanat.web.staff import create_app
from amanat.web.staff.accounts import AccountStore
from amanat.web.staff.app import accounts_path

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
        _story(base, settings, said, keep=bool(args.keep))
        if args.serve:
            _serve(base, settings, args.port)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
            print("The scratch folder was deleted. Use --keep DIR to look around afterwards.")
    return 0


def _story(base: Path, settings: Settings, said: list[str], *, keep: bool) -> None:
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
    _database(base, desk, settings, said, keep=keep)
    _say(said, "\nDone: sealed, verified, opened, proven, tampering caught, and mirrored.")


def _batches(batches: Sequence[DemoBatch], folder: Path) -> list[Batch]:
    """The demo's generated files written out (each batch in its own folder), as Batches."""
    out = []
    for n, batch in enumerate(batches):
        where = folder / f"{n:02d}"
        where.mkdir(parents=True)
        files = []
        for f in batch.files:
            (where / f.name).write_bytes(f.content)
            files.append(seal.FileToSeal(where / f.name, f.name, f.media_type))
        out.append(Batch(files, list(batch.changes), batch.note))
    return out


def _indented(text: str) -> str:
    return textwrap.indent(text, "     ")


def _database(base: Path, desk: Home, settings: Settings, said: list[str], *, keep: bool) -> None:
    data: DemoData = demo_data()
    media = base / "demo-media"
    # A demo never writes into a server's PostgreSQL views, whatever the settings say.
    local = dataclasses.replace(settings, views_url="")
    with open_desk(desk, DEMO_PASSPHRASE, local) as records:
        receipts = records.seal_records(_batches(data.intake, media / "intake"))
        # Entries are timed to the second and folded in (time, entry id) order: waiting
        # for the next second puts the corrections after what they correct in each
        # person's history, as they would be at a real desk.
        time.sleep(1.05 - time.time() % 1)
        later = data.follow_up([r.entry_id for r in receipts])
        records.seal_records(_batches(later, media / "follow-up"))
        page = records.search(read.Query(limit=8))
        detail = records.person(data.featured["showcase"])
    shutil.rmtree(media)
    places = Gazetteer.load_builtin()
    recorded = sum(c["op"] == "testimony.recorded" for b in data.intake for c in b.changes)
    _say(
        said,
        f"9. The desk's victims database: {page.total} fictional persons (every one marked "
        f"{'DEMO'}), {recorded} testimonies by relatives, official papers, a correction, a "
        "withdrawn consent and state rebuttals, sealed as record entries and projected "
        "into the desk's encrypted views.",
    )
    _say(said, f"   `amanat persons` lists them (here the first 8 of {page.total}):")
    _say(said, _indented(persons_table(page, 1, 8, places, footer=False)))
    _say(said, "   `amanat person ID` shows one, with where every value comes from:")
    _say(said, _indented(person_page(detail, places)))
    if keep:
        secret = base / "demo-passphrase.txt"
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(DEMO_PASSPHRASE + "\n")
        opts = f"--home {base / 'desk'} --passphrase-file {secret}"
        # the featured person's name typed in Latin letters finds every script's form
        latin = [n["text"] for n in detail.names if n["script"] == "Latn"]
        across = latin[0].split()[0] if latin else "nur"
        _say(said, "   Try it yourself on the kept demo desk:")
        for example in (
            "persons --name nur",
            "persons --county 伊宁县 --ever in_camp --from 2018 --to 2019",
            "persons --flagged",
            f"persons --name {across}",
            "duplicates",
            "persons --min-grade 3",
            f"person {data.featured['id_conflict']}",
            "id check 650102198001010012",
            f"export --out {base / 'export'}",
        ):
            needs_desk = not example.startswith("id ")
            _say(said, f"     amanat {example}" + (f" {opts}" if needs_desk else ""))


DEMO_ACCOUNTS = (
    ("volunteer", "intake", "volunteer demo password"),
    ("researcher", "researcher", "researcher demo password"),
    ("reviewer", "reviewer", "reviewer demo password"),
)


def _serve(base: Path, settings: Settings, port: int) -> None:
    """Start the staff app on the demo desk, with two demo accounts, until Ctrl-C."""
    local = dataclasses.replace(settings, views_url="")
    with open_desk(Home(base / "desk"), DEMO_PASSPHRASE, local) as desk:
        store = AccountStore(
            accounts_path(desk), sealer=desk.secret_box("staff totp"), clock=time.time
        )
        print("\n10. The staff web application, on this demo desk:")
        print(f"     http://127.0.0.1:{port}/   (only this computer can reach it)")
        for name, role, password in DEMO_ACCOUNTS:
            enrolment = store.add(name, role, password)
            print(f"     account {name!r}, password {password!r} ({role})")
            if enrolment is not None:
                now = pyotp.TOTP(enrolment.secret).now()
                print(
                    f"       second factor: add the secret {enrolment.secret} to an "
                    f"authenticator app (the code right now is {now})"
                )
        print("     Ctrl-C stops it; the scratch folder is then deleted unless --keep was given.")
        app = create_app(desk, local)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


COMMANDS = {"demo": run}
