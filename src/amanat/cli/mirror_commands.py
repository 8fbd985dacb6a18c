"""The mirror commands: add and list mirrors, sync, status, restore, drill, panic."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from amanat.bootstrap import home_path, open_home
from amanat.cli.output import print_result
from amanat.cli.progress import ProgressBar, folder_size
from amanat.cli.prompts import ask_passphrase, ask_shares
from amanat.errors import IntegrityError, MirrorError, UsageError
from amanat.mirrors import drill, panic, restore, status, sync
from amanat.mirrors.config import MirrorConfig, MirrorEntry, open_store
from amanat.mirrors.layout import MirrorSource
from amanat.settings import Settings
from amanat.vault.verify import verify_source

__all__ = ["MIRROR_COMMANDS"]


def _address(url: str) -> str:
    """An S3 address as given; a folder (or file:// address) made absolute."""
    if url.startswith("s3://"):
        return url
    return str(Path(url.removeprefix("file://")).absolute())


def cmd_mirror_add(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home, settings)
    config = MirrorConfig.load(home.path)
    if any(m.name == args.name for m in config.mirrors):
        raise UsageError(f"A mirror called {args.name!r} exists already.")
    url = _address(args.url)
    if args.quorum is not None and args.quorum < 1:
        raise UsageError("The quorum is at least 1 mirror.")
    creds = str(Path(args.credentials).absolute()) if args.credentials else None
    entry = MirrorEntry(args.name, url, creds)
    open_store(entry, create=True)  # reachable and usable now, not on the day of the raid
    config.mirrors.append(entry)
    if args.quorum is not None:
        config.quorum = args.quorum
    config.save(home.path)
    print_result(
        args, {"name": entry.name, "url": entry.url}, f"Mirror {entry.name} added: {entry.url}"
    )
    return 0


def cmd_mirror_list(args: argparse.Namespace, settings: Settings) -> int:
    config = MirrorConfig.load(open_home(args.home, settings).path)
    rows = [{"name": m.name, "url": m.url} for m in config.mirrors]
    text = "\n".join(f"{m.name:12} {m.url}" for m in config.mirrors) or "No mirrors yet."
    print_result(
        args, {"quorum": config.quorum, "mirrors": rows}, text + f"\nQuorum: {config.quorum}"
    )
    return 0


def cmd_mirror_remove(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home, settings)
    config = MirrorConfig.load(home.path)
    entry = config.find(args.name)
    config.mirrors.remove(entry)
    config.save(home.path)
    print_result(
        args,
        {"removed": entry.name},
        f"Mirror {entry.name} removed from this home's list; nothing on it was deleted.",
    )
    return 0


def cmd_mirror_set(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home, settings)
    config = MirrorConfig.load(home.path)
    if args.quorum is not None:
        if args.quorum < 1:
            raise UsageError("The quorum is at least 1 mirror.")
        config.quorum = args.quorum
    if args.drop_after_quorum is not None:
        home.require("station", "drop its ciphertext")
        if "desk" in home.roles and args.drop_after_quorum == "yes":
            raise UsageError(
                "This home is also a desk, which needs its files; it cannot drop them."
            )
        config.drop_after_quorum = args.drop_after_quorum == "yes"
    config.save(home.path)
    print_result(
        args,
        config.__dict__ | {"mirrors": len(config.mirrors)},
        f"Quorum {config.quorum}; drop after quorum: {config.drop_after_quorum}.",
    )
    return 0


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home, settings)
    config = MirrorConfig.load(home.path)
    if not config.mirrors:
        raise UsageError("No mirrors yet: add one with `amanat mirror add NAME URL`.")
    total = folder_size(home.path / "vault")
    bar = ProgressBar("Syncing", total)
    try:
        report = sync.sync_home(home, only=args.mirror, deep=args.deep, progress=bar)
    finally:
        bar.close()
    dropped = 0
    if config.drop_after_quorum and "station" in home.roles:
        dropped = status.drop_safe_objects(home)
    lines = []
    for m in report.mirrors:
        state = "reached" if m.reachable else "NOT REACHED"
        lines.append(
            f"{m.name}: {state}; sent {m.pushed_objects} objects ({m.pushed_bytes} bytes), "
            f"{m.pushed_records} records; received {m.pulled_records} records"
        )
        lines += [f"  PROBLEM: {p}" for p in m.problems]
        lines += [f"  repaired: {r}" for r in m.repaired]
    lines += [f"Found again on a mirror: {okey}" for okey in report.found]
    if report.lost:
        lines.append(
            f"LOST: {len(report.lost)} file(s) that the log names are on no mirror reached "
            "(`amanat verify` names them). Connect every other mirror there is (a USB disk, "
            "a bucket abroad) and sync again: each sync looks for them."
        )
    if dropped:
        lines.append(f"Dropped the local ciphertext of {dropped} safe entries.")
    now = status.home_status(home)
    lines.append(
        f"{len(now.unsafe)} of {len(now.entries)} entries are not yet safe (quorum {now.quorum})."
    )
    doc = {
        "ok": report.ok,
        "mirrors": [m.__dict__ for m in report.mirrors],
        "found": report.found,
        "lost": report.lost,
        "unsafe": len(now.unsafe),
        "dropped": dropped,
    }
    print_result(args, doc, "\n".join(lines))
    unrepaired = any(m.problems and not m.repaired for m in report.mirrors)
    failed = unrepaired or report.lost or not all(m.reachable for m in report.mirrors)
    return MirrorError.exit_code if failed else 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    now = status.home_status(open_home(args.home, settings))
    lines = [
        f"{len(now.entries)} entries; {len(now.unsafe)} not yet safe "
        f"(a quorum of {now.quorum} mirrors: {', '.join(now.mirrors) or 'none yet'})."
    ]
    ordered = now.unsafe + [e for e in now.entries if e.safe(now.quorum)]
    for e in ordered:
        mark = "safe  " if e.safe(now.quorum) else "UNSAFE"
        lines.append(
            f"{mark} {e.entry[:12]} {e.time} on {len(e.mirrors)}: {', '.join(e.mirrors) or '-'}"
        )
    print_result(args, now.as_json(), "\n".join(lines))
    return 0


def cmd_verify_mirror(args: argparse.Namespace, settings: Settings) -> int:
    """A mirror checked in place: one of a home's (--mirror NAME), or any at an address
    (--from ADDRESS), with no home and no key, for anyone who holds a copy."""
    address = getattr(args, "from_url", None)
    if address:
        creds = str(Path(args.credentials).absolute()) if args.credentials else None
        entry = MirrorEntry("mirror", _address(address), creds)
        label = address
    else:
        entry = MirrorConfig.load(open_home(args.home, settings).path).find(args.mirror)
        label = args.mirror
    source = MirrorSource(open_store(entry))
    problem = source.marker_problem()
    if problem:
        raise MirrorError(problem)
    report = verify_source(source)
    lines = [f"Mirror {label}"]
    lines += [f"  log {s.log}: tree size {s.size}, root {s.root}" for s in report.logs]
    lines += [f"  PROBLEM {p.where}: {p.what}" for p in report.problems]
    lines.append("OK: everything verifies." if report.ok else f"{len(report.problems)} problem(s).")
    print_result(args, report.as_json(), "\n".join(lines))
    return 0 if report.ok else IntegrityError.exit_code


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    home = home_path(args.home_dir, settings)
    shares = ask_shares(args.shares) if args.identity is None else None
    identity = None
    passphrase = ask_passphrase(settings, args.passphrase_file, new=True)
    if args.identity:
        identity = restore.read_identity_file(Path(args.identity), passphrase)
    addresses = [_address(a) for a in args.source]
    given = [str(Path(c).absolute()) for c in args.credentials or ()]
    s3 = [a for a in addresses if a.startswith("s3://")]
    if len(given) > len(s3):
        raise UsageError(
            "More --credentials than s3:// mirrors were given: give one credentials file "
            "for each s3:// --from, in the same order."
        )
    creds_of = dict(zip(s3, given, strict=False))
    pairs = [(a, creds_of.get(a)) for a in addresses]
    (url, creds), also = pairs[0], pairs[1:]
    bar = ProgressBar("Restoring", 0)

    def set_total(total: int) -> None:
        bar.total = max(total, 1)
        bar.enabled = sys.stderr.isatty() and total > 8 << 20

    try:
        report = restore.restore_home(
            home, url=url, credentials=creds, shares=shares, identity=identity,
            passphrase=passphrase, work_factor=settings.scrypt_work_factor,
            also=also, progress=bar, announce_total=set_total,
        )  # fmt: skip
    finally:
        bar.close()
    lines = [
        f"Restored a desk at {home}: {report.records} records, {report.entries} entries, "
        f"{report.blobs} files."
    ]
    lines += [f"  rotated out: {r}" for r in report.rotated]
    lines += [f"  PROBLEM: {p}" for p in report.problems]
    if report.problems:
        lines.append(
            "What could be read is restored, and the problems above are what could not. "
            "If another mirror survived (a USB disk, a bucket abroad), add it to this desk "
            "with `amanat mirror add` and run `amanat sync`: what it holds is taken too "
            "(then `amanat rekey` with the trustees' shares, so this desk can open it)."
        )
    print_result(args, report.__dict__ | {"home": str(home)}, "\n".join(lines))
    return MirrorError.exit_code if report.problems else 0


def cmd_rekey(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home, settings)
    home.require("desk", "read old entries")
    shares = ask_shares(args.shares)
    count = restore.rekey_missing(home, shares, ask_passphrase(settings, args.passphrase_file))
    print_result(
        args,
        {"rewrapped": count},
        f"{count} older item(s) can now be opened by this desk; the recovery key is forgotten.",
    )
    return 0


def cmd_drill(args: argparse.Namespace, settings: Settings) -> int:
    quiet = args.json
    with tempfile.TemporaryDirectory(prefix="amanat-drill-") as scratch:
        report = drill.run_drill(
            Path(scratch), testimonies=args.testimonies, s3_url=args.mirror,
            credentials=args.credentials, say=(lambda _t: None) if quiet else print,
        )  # fmt: skip
    if quiet:
        print(json.dumps(report.__dict__ | {"ok": report.ok}, indent=2))
    for p in report.problems:
        print(f"PROBLEM: {p}")
    return 0 if report.ok else IntegrityError.exit_code


def cmd_panic(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home, settings)
    if not args.yes:
        raise UsageError("Panic destroys this home. Run it again with --yes to go ahead.")
    report = panic.panic(home, seconds=args.seconds)
    lines = [
        f"Saved on mirrors: {len(report.saved)} entries. NOT saved: {len(report.not_saved)}.",
        f"Mirrors reached: {', '.join(report.mirrors_reached) or 'none'}; "
        f"not reached: {', '.join(report.mirrors_failed) or 'none'}.",
        f"Destroyed {report.files_destroyed} files; this machine holds nothing readable now.",
        "Set up a new station or desk from the trustees or another desk.",
    ]
    print_result(args, report.__dict__, "\n".join(lines))
    return 0


MIRROR_COMMANDS = {
    "mirror add": cmd_mirror_add,
    "mirror list": cmd_mirror_list,
    "mirror remove": cmd_mirror_remove,
    "mirror set": cmd_mirror_set,
    "mirror verify": cmd_verify_mirror,
    "sync": cmd_sync,
    "status": cmd_status,
    "restore": cmd_restore,
    "rekey": cmd_rekey,
    "drill": cmd_drill,
    "panic": cmd_panic,
}
