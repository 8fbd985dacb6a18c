"""The raid drill: the whole story of a seizure, rehearsed in a scratch folder.

An organisation with 5 trustees (3 needed); a station seals N testimonies with media;
sync to two mirrors (a folder and an S3 server, by default a local SeaweedFS the drill
starts and stops, or the group's own mirrors); the station's home is destroyed (the
seizure) and one mirror taken down; a fresh desk is restored from the remaining mirror
with 3 shares; every testimony and media file is checked byte for byte by plaintext
hash. The report ends with "lost: 0", or exactly what was lost.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from amanat.errors import Words
from amanat.mirrors.config import MirrorConfig, MirrorEntry
from amanat.mirrors.local_s3 import local_s3
from amanat.mirrors.panic import destroy_home
from amanat.mirrors.restore import restore_home
from amanat.mirrors.sync import sync_home
from amanat.vault import enrol, opening, seal
from amanat.vault.home import Home
from amanat.vault.shares import read_share_file

__all__ = ["DrillReport", "run_drill"]

Say = Callable[[Words], None]
_PASSPHRASE = "drill passphrase, scratch only"  # noqa: S105 - a throwaway scratch desk


@dataclass
class DrillReport:
    testimonies: int = 0
    media_files: int = 0
    media_bytes: int = 0
    restored_entries: int = 0
    restored_files: int = 0
    lost: list[str] = field(default_factory=list)
    surviving_mirror: str = ""
    problems: list[Words] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.lost and not self.problems


@contextlib.contextmanager
def _mirrors(base: Path, s3_url: str | None, creds: str | None) -> Iterator[tuple[str, str | None]]:
    if s3_url:
        # Each rehearsal on the group's own mirror gets a folder of its own, so a drill's
        # throwaway organisation never mixes with the real archive or an earlier drill.
        base_url, _, query = s3_url.partition("?")
        own = f"{base_url.rstrip('/')}/drill-{secrets.token_hex(4)}"
        yield (f"{own}?{query}" if query else own), creds
        return
    with local_s3(base / "s3-server") as server:
        yield server.url("amanat-drill", "vault"), str(server.credentials_file)


def run_drill(
    base: Path,
    *,
    testimonies: int = 5,
    media_bytes: int = 2 << 20,
    s3_url: str | None = None,
    credentials: str | None = None,
    say: Say = print,
    work_factor: int = 12,
) -> DrillReport:
    report = DrillReport()
    base.mkdir(parents=True, exist_ok=True)
    result = enrol.init_org(
        base / "desk", name="Drill organisation", trustees=5, threshold=3,
        passphrase=_PASSPHRASE, shares_dir=base / "shares", work_factor=work_factor,
    )  # fmt: skip
    desk = Home(result.home)
    station, vkey = enrol.create_station(base / "station", result.org_export, name="office")
    enrol.trust_station(desk, vkey, desk.desk_keys(_PASSPHRASE).signing_seed, name="office")
    enrol.update_from_export(station, desk.path / "org-export.json")
    say(Words("1. Organisation with 5 trustees (3 needed), a desk and a trusted station."))

    expected: dict[str, str] = {}  # plaintext sha256 -> name
    intake = base / "intake"
    intake.mkdir()
    with seal.SealSession(station.vault(), station.station_seed()) as session:
        for n in range(testimonies):
            video = intake / f"testimony-{n + 1}.mp4"
            video.write_bytes(os.urandom(media_bytes))
            photo = intake / f"id-card-{n + 1}.jpg"
            photo.write_bytes(os.urandom(50_000))
            for f in (video, photo):
                expected[hashlib.sha256(f.read_bytes()).hexdigest()] = f.name
                report.media_bytes += f.stat().st_size
            session.seal(
                [seal.FileToSeal(video), seal.FileToSeal(photo)],
                entry_type="intake",
                note=f"drill testimony {n + 1}",
                data={"drill": True, "number": n + 1},
            )
    shutil.rmtree(intake)
    report.testimonies = testimonies
    report.media_files = len(expected)
    say(
        Words(
            "2. The station sealed %(count)d testimonies with %(files)d media files.",
            count=testimonies,
            files=len(expected),
        )
    )

    with _mirrors(base, s3_url, credentials) as (url, creds):
        config = MirrorConfig(
            mirrors=[
                MirrorEntry("usb", str(base / "usb-mirror")),
                MirrorEntry("abroad", url, creds),
            ]
        )
        config.save(station.path)
        synced = sync_home(station)
        for m in synced.mirrors:
            report.problems += [
                Words("%(mirror)s: %(problem)s", mirror=m.name, problem=p) for p in m.problems
            ]
        names = ", ".join(m.name for m in synced.mirrors)
        say(Words("3. Synced to two mirrors: %(names)s.", names=names))

        destroy_home(station.path)
        destroy_home(desk.path)
        shutil.rmtree(base / "usb-mirror", ignore_errors=True)
        say(Words("4. Raid: the station and the desk are seized; the USB mirror is taken too."))

        shares = [read_share_file(p) for p in sorted((base / "shares").glob("share-*.txt"))[1:4]]
        restored = restore_home(
            base / "restored-desk", url=url, credentials=creds, shares=shares,
            passphrase=_PASSPHRASE, work_factor=work_factor, mirror_name="abroad",
        )  # fmt: skip
        report.problems += restored.problems
        report.surviving_mirror = "abroad"
        say(
            Words(
                "5. Restored a new desk from the remaining mirror with shares 2, 3 and 4: "
                "%(records)d records; old keys rotated out (%(rotated)d).",
                records=restored.records,
                rotated=len(restored.rotated),
            )
        )

        home = Home(base / "restored-desk")
        identity = home.desk_identity(_PASSPHRASE)
        vault = home.vault()
        found: set[str] = set()
        out = base / "check"
        for files in vault.logs():
            lines, _ = files.read_records()
            for seq in range(len(lines)):
                entry_id = lines[seq].split(b'"entry":"')[1][:64].decode()
                entry = opening.open_entry(vault, entry_id, [identity], rekeys=home.rekeys_dir)
                report.restored_entries += 1
                written = opening.write_files(
                    vault, entry, [identity], out / entry_id[:12], rekeys=home.rekeys_dir
                )
                for path in written:
                    found.add(hashlib.sha256(path.read_bytes()).hexdigest())
                    report.restored_files += 1
        shutil.rmtree(out, ignore_errors=True)
    report.lost = sorted(name for digest, name in expected.items() if digest not in found)
    say(
        Words(
            "6. Checked every file by plaintext hash: %(found)d of %(files)d present and "
            "byte-identical.",
            found=report.restored_files,
            files=report.media_files,
        )
    )
    if report.lost:
        say(
            Words(
                "lost: %(count)d (%(names)s)", count=len(report.lost), names=", ".join(report.lost)
            )
        )
    else:
        say(Words("lost: %(count)d", count=0))
    return report
