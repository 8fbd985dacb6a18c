"""A scratch organisation for the benchmarks: one desk and one trusted station.

Built as ``tests/conftest.py``'s ``make_org`` builds it (``amanat init``, ``station
create``, ``station trust`` through the library, with a cheap scrypt work factor for
the desk key file; setup only, never measured). Import :func:`make_org`, or run
``python benchmarks/_org.py DIR`` to build one in a child process and print its station
home and recipients as JSON (so that a measuring parent need not import Amanat).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from amanat.vault import enrol
from amanat.vault.home import Home

PASSPHRASE = "correct horse battery staple"  # noqa: S105 - a throwaway benchmark org
FAST_WORK_FACTOR = 10


@dataclass
class Org:
    base: Path
    desk: Home
    station: Home


def make_org(base: Path) -> Org:
    """Build an organisation under ``base`` (a folder that must not exist yet)."""
    result = enrol.init_org(
        base / "desk",
        name="Benchmark group",
        trustees=5,
        threshold=3,
        passphrase=PASSPHRASE,
        shares_dir=base / "shares",
        work_factor=FAST_WORK_FACTOR,
    )
    desk = Home(result.home)
    keys = desk.desk_keys(PASSPHRASE)
    station, vkey = enrol.create_station(base / "station", result.org_export, name="office-1")
    enrol.trust_station(desk, vkey, keys.signing_seed, name="office-1")
    enrol.update_from_export(station, desk.path / "org-export.json")
    return Org(base=base, desk=desk, station=station)


def main() -> int:
    org = make_org(Path(sys.argv[1]).absolute())
    vault = org.station.vault()
    print(
        json.dumps(
            {
                "station": str(org.station.path),
                "vault": str(vault.root),
                "recipients": vault.read_keyring().recipients(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
