"""The vault commands: each parses nothing, calls one service, and prints plain words."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from amanat.bootstrap import home_path, open_home
from amanat.cli.output import print_result
from amanat.cli.progress import ProgressBar, folder_size
from amanat.cli.prompts import ask_passphrase, ask_shares
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
        f"Created organisation {result.org.name!r} ({result.org.org_id}).\n"
        f"This desk's home: {home}\n"
        f"Trustee shares ({args.threshold} of {args.trustees} needed): {shares_dir}\n"
        "  Give one share to each trustee, then delete that folder.\n"
        f"Organisation file for stations: {result.org_export}",
    )
    return 0


def cmd_station_create(args: argparse.Namespace, settings: Settings) -> int:
    home = home_path(args.home_dir, settings)
    station, vkey = enrol.create_station(home, Path(args.org).absolute(), name=args.name)
    print_result(
        args,
        {"home": str(station.path), "station_key": vkey},
        f"Station ready at {station.path}. It holds no key that can read testimonies.\n"
        f"Its key: {vkey}\n"
        "Before it can seal, a desk must trust it:\n"
        f"  amanat station trust --home DESK_HOME {station.keys_dir / 'station.pub'}",
    )
    return 0


def cmd_station_trust(args: argparse.Namespace, settings: Settings) -> int:
    desk = open_home(args.home, settings)
    desk.require("desk", "trust stations")
    key_arg = Path(args.key)
    vkey = key_arg.read_text("utf-8").strip() if key_arg.is_file() else args.key
    keys = desk.desk_keys(ask_passphrase(settings, args.passphrase_file))
    kid = enrol.trust_station(desk, vkey, keys.signing_seed, name=args.name)
    export = desk.path / "org-export.json"
    lines = [f"Station {kid} is now trusted.", f"Updated organisation file: {export}"]
    if args.station:
        station = Home(Path(args.station).absolute())
        enrol.update_from_export(station, export)
        lines.append(f"The station at {station.path} has the new keyring.")
    else:
        lines.append("Give it to the station: amanat station update STATION_HOME --org FILE")
    print_result(args, {"station": kid, "org_export": str(export)}, "\n".join(lines))
    return 0


def cmd_station_revoke(args: argparse.Namespace, settings: Settings) -> int:
    desk = open_home(args.home, settings)
    desk.require("desk", "revoke stations")
    keys = desk.desk_keys(ask_passphrase(settings, args.passphrase_file))
    keep = enrol.revoke_station(desk, args.station, keys.signing_seed, keep_until=args.keep_until)
    print_result(
        args,
        {"station": args.station, "keep_until": keep},
        f"Station {args.station} is revoked: its first {keep} records stay trusted, anything "
        "it signs later is refused. Run `amanat sync` so every mirror and station learns it.",
    )
    return 0


def cmd_station_update(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home_dir, settings)
    new = enrol.update_from_export(home, Path(args.org).absolute())
    print_result(args, {"new_statements": new}, f"Keyring updated: {new} new statement(s).")
    return 0


def cmd_org_export(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home, settings)
    path = enrol.export_org(home, Path(args.out).absolute() if args.out else None)
    print_result(args, {"org_export": str(path)}, f"Organisation file written to {path}")
    return 0


def cmd_seal(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home, settings)
    seed = home.station_seed()
    data = None
    if args.data:
        try:
            data = json.loads(Path(args.data).read_text("utf-8"))
        except FileNotFoundError:
            raise UsageError(f"Data file not found: {args.data}") from None
        except (ValueError, UnicodeDecodeError):
            raise UsageError(f"{args.data} is not valid JSON.") from None
        if not isinstance(data, dict):
            raise UsageError("The data file must hold one JSON object.")
    items = [seal.FileToSeal(Path(f).absolute()) for f in args.files]
    total = sum(p.path.stat().st_size for p in items if p.path.is_file())
    bar = ProgressBar("Sealing", total)
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
        (f"Note: {receipt.recovered}.\n" if receipt.recovered else "")
        + f"Sealed entry {receipt.entry_id[:12]} ({len(receipt.blobs)} file(s)), "
        f"record {receipt.seq} of log {receipt.log}. It is safe on this disk; "
        "sync it to the mirrors.",
    )
    return 0


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    root = (
        Path(args.vault).absolute() if args.vault else open_home(args.home, settings).path / "vault"
    )
    bar = ProgressBar("Verifying", folder_size(root))
    try:
        report = verify.verify_vault(root, progress=bar)
    finally:
        bar.close()
    lines = [f"Vault {root}"]
    for s in report.logs:
        lines.append(f"  log {s.log} ({s.name}): tree size {s.size}, root {s.root}")
    lines.append(f"  {report.entries} entries and {report.blobs} files checked.")
    lines += [f"  note: {n}" for n in report.notes]
    lines += [f"  PROBLEM {p.where}: {p.what}" for p in report.problems]
    lines.append("OK: everything verifies." if report.ok else f"{len(report.problems)} problem(s).")
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
        f"{r['time']}  {r['log']}/{r['seq']}  {r['entry'][:12]}  {r['files']} file(s)" for r in rows
    )
    print_result(args, rows, text or "The vault is empty.")
    return 0


def cmd_open(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home, settings)
    home.require("desk", "open sealed entries")
    identity = home.desk_identity(ask_passphrase(settings, args.passphrase_file))
    vault = home.vault()
    entry = opening.open_entry(vault, args.entry, [identity], rekeys=home.rekeys_dir)
    written: list[Path] = []
    if args.out:
        files = entry.content.get("files", [])
        bar = ProgressBar("Opening", sum(int(f.get("size", 0)) for f in files))
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
        text += "\n" + "\n".join(f"Wrote {p}" for p in written)
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
        f"Proof written to {out}\nAnyone can check it: amanat check-proof {out.name}",
    )
    return 0


def cmd_check_proof(args: argparse.Namespace, settings: Settings) -> int:
    check = proof.check_bundle(
        proof.load_bundle(Path(args.bundle)), [Path(f) for f in args.file or []]
    )
    text = [f"Entry {check.entry} of {check.organisation!r}, sealed {check.sealed_at}:"]
    text += [f"  ok: {s}" for s in check.steps]
    text += [f"  file {p}: {v}" for p, v in check.files.items()]
    print_result(args, check.__dict__, "\n".join(text))
    return 0 if all(v == "in record" for v in check.files.values()) else IntegrityError.exit_code


def cmd_pull(args: argparse.Namespace, settings: Settings) -> int:
    vault = open_home(args.home, settings).vault()
    report = copy.pull_vault(vault, Path(args.source).absolute())
    print_result(
        args,
        report.__dict__,
        f"Copied {report.records} record(s), {report.objects} object(s) "
        f"({report.bytes} bytes), {report.keyring_statements} keyring statement(s).",
    )
    return 0


def cmd_shares_check(args: argparse.Namespace, settings: Settings) -> int:
    org, _ = enrol.read_org_export(Path(args.org).absolute())
    enrol.keys_from_shares(org, ask_shares(args.shares))
    print_result(
        args,
        {"ok": True, "org": org.org_id},
        f"These shares rebuild the recovery key of {org.name!r}. Keep them apart and safe.",
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
