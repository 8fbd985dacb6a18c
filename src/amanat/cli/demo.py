"""``amanat demo``: the vault's whole story in a scratch folder, told in plain words.

An organisation with five trustees (three needed) and one desk; an intake station that
can seal but not read; sample testimonies sealed at the station; a verification
without keys; the desk pulling the station's vault and opening an entry and its files;
a proof bundle checked as a court would; a tampered copy caught by ``verify``; and the
desk's victims database filled with forty fictional persons (``records.demo_data``),
shown as ``amanat persons`` and ``amanat person`` would show them; and two of them
recorded again from other lists, which the linkage model finds and puts to the review
queue the staff app opens on.
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
from amanat.cli.records_commands import duplicates_report, person_page, persons_table
from amanat.cli.words import tr
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
            print(tr("The scratch folder was deleted. Use --keep DIR to look around afterwards."))
    return 0


def _story(base: Path, settings: Settings, said: list[str], *, keep: bool) -> None:
    work = min(settings.scrypt_work_factor, 16)  # a demo desk: quick to unlock
    _say(said, tr("Amanat demo in %(folder)s", folder=base) + "\n")
    result = enrol.init_org(
        base / "desk",
        name="Demo documentation group",
        trustees=5,
        threshold=3,
        passphrase=DEMO_PASSPHRASE,
        shares_dir=base / "trustee-shares",
        work_factor=work,
    )
    _say(
        said,
        "1. "
        + tr(
            "Created organisation %(org)s with a desk at %(home)s.",
            org=result.org.org_id,
            home=result.home,
        ),
    )
    _say(said, "   " + tr("5 trustee shares written to %(folder)s; any 3 restore.",
                          folder=base / "trustee-shares"))  # fmt: skip
    keys = enrol.keys_from_shares(result.org, [read_share_file(p) for p in result.share_files[1:4]])
    _say(said, "   " + tr("Checked: shares 2, 3 and 4 together rebuild the recovery key."))
    del keys

    station, vkey = enrol.create_station(base / "station", result.org_export, name="office-1")
    desk = Home(result.home)
    desk_keys = desk.desk_keys(DEMO_PASSPHRASE)
    enrol.trust_station(desk, vkey, desk_keys.signing_seed, name="office-1")
    enrol.update_from_export(station, desk.path / "org-export.json")
    _say(
        said, "2. " + tr("Station set up at %(home)s; the desk trusted its key.", home=station.path)
    )
    _say(said, "   " + tr("The station holds public keys only: it can seal, never read back."))

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
    _say(
        said,
        "3. "
        + tr(
            "Sealed entry %(first)s (2 files) and %(second)s.",
            first=first.entry_id[:12],
            second=second.entry_id[:12],
        ),
    )
    shutil.rmtree(samples)
    _say(said, "   " + tr("The plaintext intake files were deleted; only ciphertext remains."))

    report = verify.verify_vault(station.path / "vault")
    for s in report.logs:
        _say(
            said,
            "4. "
            + tr(
                "Verified without any key: tree size %(size)d, root %(root)s…",
                size=s.size,
                root=s.root[:16],
            ),
        )
    _say(
        said,
        "   "
        + tr(
            "%(entries)d entries, %(files)d files, problems: %(problems)d.",
            entries=report.entries,
            files=report.blobs,
            problems=len(report.problems),
        ),
    )

    pulled = copy.pull_vault(desk.vault(), station.path / "vault")
    _say(
        said,
        "5. "
        + tr("The desk pulled %(count)d records from the station's vault.", count=pulled.records),
    )
    entry = opening.open_entry(desk.vault(), first.entry_id[:12], [desk_keys.identity])
    out = base / "opened"
    files = opening.write_files(desk.vault(), entry, [desk_keys.identity], out)
    _say(
        said,
        "   "
        + tr(
            "Opened %(entry)s: note %(note)r; %(count)d files written to "
            "%(folder)s, each checked against its sealed hash.",
            entry=entry.entry_id[:12],
            note=entry.content["note"],
            count=len(files),
            folder=out,
        ),
    )

    bundle = proof.make_bundle(desk.vault(), first.entry_id)
    check = proof.check_bundle(bundle)
    _say(
        said,
        "6. "
        + tr(
            "Proof bundle for %(entry)s: %(count)d checks passed offline, as a "
            "court or UN body would run them.",
            entry=first.entry_id[:12],
            count=len(check.steps),
        ),
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
        "7. "
        + tr(
            "One bit flipped in a copy of a sealed video: verify reports "
            "%(count)d problem: %(where)s/…: %(what)s.",
            count=len(bad.problems),
            where=bad.problems[0].where.split("/")[0],
            what=bad.problems[0].what,
        ),
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
        "8. "
        + tr(
            "Synced the station to %(count)d folder mirrors (a USB disk and a "
            "NAS stand-in); entries not yet safe: %(unsafe)d. A seizure of the "
            "office loses nothing.",
            count=len(synced.mirrors),
            unsafe=unsafe,
        ),
    )
    _database(base, desk, settings, said, keep=keep)
    _say(said, "\n" + tr("Done: sealed, verified, opened, proven, tampering caught, and mirrored."))


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
        found = records.find_duplicates()
        names = {pid: records.person(pid).person["display_name"]
                 for c in found for pid in (c.a, c.b)}  # fmt: skip
    shutil.rmtree(media)
    places = Gazetteer.load_builtin()
    recorded = sum(c["op"] == "testimony.recorded" for b in data.intake for c in b.changes)
    _say(
        said,
        "9. "
        + tr(
            "The desk's victims database: %(persons)d fictional persons (every "
            "one marked DEMO), %(testimonies)d testimonies by relatives, official "
            "papers, a correction, a withdrawn consent and state rebuttals, sealed "
            "as record entries and projected into the desk's encrypted views.",
            persons=page.total,
            testimonies=recorded,
        ),
    )
    _say(
        said,
        "   "
        + tr("`amanat persons` lists them (here the first 8 of %(count)d):", count=page.total),
    )
    _say(said, _indented(persons_table(page, 1, 8, places, footer=False)))
    _say(said, "   " + tr("`amanat person ID` shows one, with where every value comes from:"))
    _say(said, _indented(person_page(detail, places)))
    _say(
        said,
        "10. "
        + tr(
            "Persons recorded twice: %(twice)d of them came again from other lists (a "
            "leaked roster in pinyin, a Russian-language list from Bishkek). The linkage "
            "model compared every person with every other, across scripts, and proposes:",
            twice=len(data.twice),
        ),
    )
    _say(said, _indented(duplicates_report(found, names)))
    if keep:
        secret = base / "demo-passphrase.txt"
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(DEMO_PASSPHRASE + "\n")
        opts = f"--home {base / 'desk'} --passphrase-file {secret}"
        # the featured person's name typed in Latin letters finds every script's form
        latin = [n["text"] for n in detail.names if n["script"] == "Latn"]
        across = latin[0].split()[0] if latin else "nur"
        _say(said, "   " + tr("Try it yourself on the kept demo desk:"))
        for example in (
            "persons --name nur",
            "persons --county 伊宁县 --ever in_camp --from 2018 --to 2019",
            "persons --flagged",
            "persons --urgent",
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
        print("\n11. " + tr("The staff web application, on this demo desk:"))
        where = f"http://127.0.0.1:{port}/"
        print("     " + tr("%(address)s   (only this computer can reach it)", address=where))
        for name, role, password in DEMO_ACCOUNTS:
            enrolment = store.add(name, role, password)
            print("     " + tr("account %(name)r, password %(password)r (%(role)s)",
                               name=name, password=password, role=role))  # fmt: skip
            if enrolment is not None:
                now = pyotp.TOTP(enrolment.secret).now()
                print("       " + tr("second factor: add the secret %(secret)s to an "
                                     "authenticator app (the code right now is %(code)s)",
                                     secret=enrolment.secret, code=now))  # fmt: skip
        print("     " + tr("Ctrl-C stops it; the scratch folder is then deleted unless --keep "
                           "was given."))  # fmt: skip
        app = create_app(desk, local)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


COMMANDS = {"demo": run}
