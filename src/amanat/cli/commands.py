"""The vault commands: each parses nothing, calls one service, and prints plain words."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from amanat.bootstrap import home_path, open_home
from amanat.cli.output import print_result, problem_word, verdict
from amanat.cli.progress import ProgressBar, folder_size
from amanat.cli.prompts import ask_passphrase, ask_shares
from amanat.cli.words import ntr, said_here, tr
from amanat.errors import IntegrityError, UsageError
from amanat.settings import Settings
from amanat.vault import canonical, copy, enrol, opening, proof, seal, verify
from amanat.vault.home import Home
from amanat.vault.log import Envelope

__all__ = ["COMMANDS"]


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    home = home_path(args.home_dir, settings)
    shares_dir = (
        Path(args.shares_dir).absolute()
        if args.shares_dir
        else home.with_name(home.name + "-shares")
    )
    passphrase = ask_passphrase(settings, args.passphrase_file, new=True)
    result = enrol.init_org(
        home,
        name=args.name,
        trustees=args.trustees,
        threshold=args.threshold,
        passphrase=passphrase,
        shares_dir=shares_dir,
        desk_name=args.desk_name,
        work_factor=settings.scrypt_work_factor,
    )
    print_result(
        args,
        {
            "home": str(home),
            "org": result.org.org_id,
            "desk_key": result.desk_key,
            "shares": [str(p) for p in result.share_files],
            "org_export": str(result.org_export),
        },
        tr(
            "Created organisation %(name)r (%(org)s).\n"
            "This desk's home: %(home)s\n"
            "Trustee shares (%(threshold)d of %(trustees)d needed): %(shares)s\n"
            "  Give one share to each trustee, then delete that folder.\n"
            "Organisation file for stations: %(export)s",
            name=result.org.name,
            org=result.org.org_id,
            home=home,
            threshold=args.threshold,
            trustees=args.trustees,
            shares=shares_dir,
            export=result.org_export,
        ),
    )
    return 0


def cmd_station_create(args: argparse.Namespace, settings: Settings) -> int:
    home = home_path(args.home_dir, settings)
    station, vkey = enrol.create_station(home, Path(args.org).absolute(), name=args.name)
    print_result(
        args,
        {"home": str(station.path), "station_key": vkey},
        tr(
            "Station ready at %(home)s. It holds no key that can read testimonies.\n"
            "Its key: %(key)s\n"
            "Before it can seal, a desk must trust it:\n"
            "  %(command)s",
            home=station.path,
            key=vkey,
            command=f"amanat station trust --home DESK_HOME {station.keys_dir / 'station.pub'}",
        ),
    )
    return 0


def cmd_station_trust(args: argparse.Namespace, settings: Settings) -> int:
    desk = open_home(args.home, settings)
    desk.require("desk", "This home is not a desk, so it cannot trust stations.")
    key_arg = Path(args.key)
    vkey = key_arg.read_text("utf-8").strip() if key_arg.is_file() else args.key
    keys = desk.desk_keys(ask_passphrase(settings, args.passphrase_file))
    kid = enrol.trust_station(desk, vkey, keys.signing_seed, name=args.name)
    export = desk.path / "org-export.json"
    lines = [
        tr("Station %(station)s is now trusted.", station=kid),
        tr("Updated organisation file: %(file)s", file=export),
    ]
    if args.station:
        station = Home(Path(args.station).absolute())
        enrol.update_from_export(station, export)
        lines.append(tr("The station at %(home)s has the new keyring.", home=station.path))
    else:
        lines.append(
            tr("Give it to the station: %(command)s",
               command="amanat station update STATION_HOME --org FILE")
        )  # fmt: skip
    print_result(args, {"station": kid, "org_export": str(export)}, "\n".join(lines))
    return 0


def cmd_station_revoke(args: argparse.Namespace, settings: Settings) -> int:
    desk = open_home(args.home, settings)
    desk.require("desk", "This home is not a desk, so it cannot revoke stations.")
    keys = desk.desk_keys(ask_passphrase(settings, args.passphrase_file))
    keep = enrol.revoke_station(desk, args.station, keys.signing_seed, keep_until=args.keep_until)
    print_result(
        args,
        {"station": args.station, "keep_until": keep},
        tr(
            "Station %(station)s is revoked: its first %(count)d records stay trusted, anything "
            "it signs later is refused. Run `amanat sync` so every mirror and station learns it.",
            station=args.station,
            count=keep,
        ),
    )
    return 0


def cmd_station_update(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home_dir, settings)
    new = enrol.update_from_export(home, Path(args.org).absolute())
    print_result(
        args,
        {"new_statements": new},
        ntr("Keyring updated: %(count)d new statement.",
            "Keyring updated: %(count)d new statements.", new),
    )  # fmt: skip
    return 0


def cmd_org_export(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home, settings)
    path = enrol.export_org(home, Path(args.out).absolute() if args.out else None)
    print_result(
        args, {"org_export": str(path)}, tr("Organisation file written to %(file)s", file=path)
    )
    return 0


def cmd_seal(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home, settings)
    seed = home.station_seed()
    data = None
    if args.data:
        try:
            data = json.loads(Path(args.data).read_text("utf-8"))
        except FileNotFoundError:
            raise UsageError("Data file not found: %(file)s", file=args.data) from None
        except (ValueError, UnicodeDecodeError):
            raise UsageError("%(file)s is not valid JSON.", file=args.data) from None
        if not isinstance(data, dict):
            raise UsageError("The data file must hold one JSON object.")
    items = [seal.FileToSeal(Path(f).absolute()) for f in args.files]
    total = sum(p.path.stat().st_size for p in items if p.path.is_file())
    bar = ProgressBar(tr("Sealing"), total)
    try:
        receipt = seal.seal_entry(
            home.vault(),
            seed,
            items,
            entry_type=args.type,
            note=args.note or "",
            data=data,
            progress=bar,
        )
    finally:
        bar.close()
    print_result(
        args,
        {
            "entry": receipt.entry_id,
            "log": receipt.log,
            "seq": receipt.seq,
            "time": receipt.time,
            "blobs": [b.id for b in receipt.blobs],
            "recovered": receipt.recovered,
        },
        (tr("Note: %(note)s.", note=receipt.recovered) + "\n" if receipt.recovered else "")
        + ntr(
            "Sealed entry %(entry)s (%(count)d file), record %(seq)d of log %(log)s. It is "
            "safe on this disk; sync it to the mirrors.",
            "Sealed entry %(entry)s (%(count)d files), record %(seq)d of log %(log)s. It is "
            "safe on this disk; sync it to the mirrors.",
            len(receipt.blobs),
            entry=receipt.entry_id[:12],
            seq=receipt.seq,
            log=receipt.log,
        ),
    )
    return 0


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    root = (
        Path(args.vault).absolute() if args.vault else open_home(args.home, settings).path / "vault"
    )
    bar = ProgressBar(tr("Verifying"), folder_size(root))
    try:
        report = verify.verify_vault(root, progress=bar)
    finally:
        bar.close()
    lines = [tr("Vault %(vault)s", vault=root)]
    for s in report.logs:
        lines.append("  " + tr("log %(log)s (%(name)s): tree size %(size)d, root %(root)s",
                               log=s.log, name=s.name, size=s.size, root=s.root))  # fmt: skip
    lines.append("  " + tr("%(entries)d entries and %(files)d files checked.",
                           entries=report.entries, files=report.blobs))  # fmt: skip
    lines += ["  " + tr("note: %(note)s", note=n) for n in report.notes]
    lines += [f"  {problem_word()} {p.where}: {said_here(p.what)}" for p in report.problems]
    lines.append(verdict(report.ok, len(report.problems)))
    print_result(args, report.as_json(), "\n".join(lines))
    return 0 if report.ok else IntegrityError.exit_code


def cmd_log(args: argparse.Namespace, settings: Settings) -> int:
    vault = open_home(args.home, settings).vault()
    rows: list[dict[str, Any]] = []
    for files in vault.logs():
        lines, _ = files.read_records()
        for seq, line in enumerate(lines):
            env = Envelope.parse(line, where=f"{files.kid}/{seq}")
            rows.append(
                {
                    "log": env.log,
                    "seq": env.seq,
                    "entry": env.entry,
                    "leaf_hash": env.leaf_hash().hex(),
                    "time": env.time,
                    "station": env.key,
                    "files": len(env.blobs),
                }
            )
    text = "\n".join(
        f"{r['time']}  {r['log']}/{r['seq']}  {r['entry'][:12]}  "
        + ntr("%(count)d file", "%(count)d files", r["files"])
        for r in rows
    )
    print_result(args, rows, text or tr("The vault is empty."))
    return 0


def cmd_open(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home, settings)
    home.require("desk", "This home is not a desk, so it cannot open sealed entries.")
    identity = home.desk_identity(ask_passphrase(settings, args.passphrase_file))
    vault = home.vault()
    entry = opening.open_entry(vault, args.entry, [identity], rekeys=home.rekeys_dir)
    written: list[Path] = []
    if args.out:
        files = entry.content.get("files", [])
        bar = ProgressBar(tr("Opening"), sum(int(f.get("size", 0)) for f in files))
        try:
            written = opening.write_files(
                vault,
                entry,
                [identity],
                Path(args.out).absolute(),
                progress=bar,
                rekeys=home.rekeys_dir,
            )
        finally:
            bar.close()
    doc = {
        "entry": entry.entry_id,
        "log": entry.log,
        "seq": entry.seq,
        "content": entry.content,
        "written": [str(p) for p in written],
    }
    text = json.dumps(entry.content, ensure_ascii=False, indent=2)
    if written:
        text += "\n" + "\n".join(tr("Wrote %(file)s", file=p) for p in written)
    print_result(args, doc, text)
    return 0


def cmd_prove(args: argparse.Namespace, settings: Settings) -> int:
    vault = open_home(args.home, settings).vault()
    bundle = proof.make_bundle(vault, args.entry)
    out = Path(args.out or f"proof-{bundle['entry'][:12]}.json").absolute()
    out.write_text(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print_result(
        args,
        {"proof": str(out)},
        tr(
            "Proof written to %(file)s\nAnyone can check it: %(command)s",
            file=out,
            command=f"amanat check-proof {out.name}",
        ),
    )
    return 0


def cmd_check_proof(args: argparse.Namespace, settings: Settings) -> int:
    check = proof.check_bundle(
        proof.load_bundle(Path(args.bundle)), [Path(f) for f in args.file or []]
    )
    text = [tr("Entry %(entry)s of %(org)r, sealed %(time)s:",
               entry=check.entry, org=check.organisation, time=check.sealed_at)]  # fmt: skip
    text += ["  " + tr("ok: %(step)s", step=s) for s in check.steps]
    text += ["  " + tr("file %(file)s: %(state)s", file=p, state=v) for p, v in check.files.items()]
    print_result(args, check.__dict__, "\n".join(text))
    return 0 if all(v == "in record" for v in check.files.values()) else IntegrityError.exit_code


def cmd_pull(args: argparse.Namespace, settings: Settings) -> int:
    vault = open_home(args.home, settings).vault()
    report = copy.pull_vault(vault, Path(args.source).absolute())
    print_result(
        args,
        report.__dict__,
        tr(
            "Copied %(records)d records, %(objects)d objects (%(bytes)d bytes), "
            "%(statements)d keyring statements.",
            records=report.records,
            objects=report.objects,
            bytes=report.bytes,
            statements=report.keyring_statements,
        ),
    )
    return 0


def cmd_shares_check(args: argparse.Namespace, settings: Settings) -> int:
    org, _ = enrol.read_org_export(Path(args.org).absolute())
    enrol.keys_from_shares(org, ask_shares(args.shares))
    print_result(
        args,
        {"ok": True, "org": org.org_id},
        tr(
            "These shares rebuild the recovery key of %(org)r. Keep them apart and safe.",
            org=org.name,
        ),
    )
    return 0


def dump_canonical(value: Any) -> None:
    sys.stdout.buffer.write(canonical.encode(value) + b"\n")


COMMANDS = {
    "init": cmd_init,
    "station create": cmd_station_create,
    "station trust": cmd_station_trust,
    "station update": cmd_station_update,
    "station revoke": cmd_station_revoke,
    "org export": cmd_org_export,
    "seal": cmd_seal,
    "verify": cmd_verify,
    "log": cmd_log,
    "open": cmd_open,
    "prove": cmd_prove,
    "check-proof": cmd_check_proof,
    "pull": cmd_pull,
    "shares check": cmd_shares_check,
}
