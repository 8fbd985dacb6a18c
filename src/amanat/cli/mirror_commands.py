"""The mirror commands: add and list mirrors, sync, status, restore, drill, panic."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from amanat.bootstrap import home_path, open_home
from amanat.cli.output import print_result, problem_word, verdict
from amanat.cli.progress import ProgressBar, folder_size
from amanat.cli.prompts import ask_passphrase, ask_shares
from amanat.cli.words import ntr, said_here, tr
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
        raise UsageError("A mirror called %(name)r exists already.", name=args.name)
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
        args,
        {"name": entry.name, "url": entry.url},
        tr("Mirror %(name)s added: %(url)s", name=entry.name, url=entry.url),
    )
    return 0


def cmd_mirror_list(args: argparse.Namespace, settings: Settings) -> int:
    config = MirrorConfig.load(open_home(args.home, settings).path)
    rows = [{"name": m.name, "url": m.url} for m in config.mirrors]
    text = "\n".join(f"{m.name:12} {m.url}" for m in config.mirrors) or tr("No mirrors yet.")
    quorum = tr("Quorum: %(count)d", count=config.quorum)
    print_result(args, {"quorum": config.quorum, "mirrors": rows}, f"{text}\n{quorum}")
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
        tr(
            "Mirror %(name)s removed from this home's list; nothing on it was deleted.",
            name=entry.name,
        ),
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
        home.require("station", "This home is not a station, so it cannot drop its ciphertext.")
        if "desk" in home.roles and args.drop_after_quorum == "yes":
            raise UsageError(
                "This home is also a desk, which needs its files; it cannot drop them."
            )
        config.drop_after_quorum = args.drop_after_quorum == "yes"
    config.save(home.path)
    print_result(
        args,
        config.__dict__ | {"mirrors": len(config.mirrors)},
        tr(
            "Quorum %(count)d; drop after quorum: %(drop)s.",
            count=config.quorum,
            drop=tr("yes") if config.drop_after_quorum else tr("no"),
        ),
    )
    return 0


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home, settings)
    config = MirrorConfig.load(home.path)
    if not config.mirrors:
        raise UsageError("No mirrors yet: add one with `amanat mirror add NAME URL`.")
    total = folder_size(home.path / "vault")
    bar = ProgressBar(tr("Syncing"), total)
    try:
        report = sync.sync_home(home, only=args.mirror, deep=args.deep, progress=bar)
    finally:
        bar.close()
    dropped = 0
    if config.drop_after_quorum and "station" in home.roles:
        dropped = status.drop_safe_objects(home)
    lines = []
    for m in report.mirrors:
        state = tr("reached") if m.reachable else tr("NOT REACHED")
        lines.append(
            tr(
                "%(mirror)s: %(state)s; sent %(objects)d objects (%(bytes)d bytes), "
                "%(sent)d records; received %(received)d records",
                mirror=m.name, state=state, objects=m.pushed_objects, bytes=m.pushed_bytes,
                sent=m.pushed_records, received=m.pulled_records,
            )
        )  # fmt: skip
        lines += [f"  {problem_word()}: {said_here(p)}" for p in m.problems]
        lines += ["  " + tr("repaired: %(what)s", what=r) for r in m.repaired]
    lines += [tr("Found again on a mirror: %(object)s", object=okey) for okey in report.found]
    if report.lost:
        lines.append(
            tr(
                "LOST: %(count)d files that the log names are on no mirror reached "
                "(`amanat verify` names them). Connect every other mirror there is (a USB "
                "disk, a bucket abroad) and sync again: each sync looks for them.",
                count=len(report.lost),
            )
        )
    if dropped:
        lines.append(tr("Dropped the local ciphertext of %(count)d safe entries.", count=dropped))
    now = status.home_status(home)
    lines.append(
        tr(
            "%(unsafe)d of %(entries)d entries are not yet safe (quorum %(quorum)d).",
            unsafe=len(now.unsafe), entries=len(now.entries), quorum=now.quorum,
        )
    )  # fmt: skip
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
        tr(
            "%(entries)d entries; %(unsafe)d not yet safe (a quorum of %(quorum)d mirrors: "
            "%(mirrors)s).",
            entries=len(now.entries), unsafe=len(now.unsafe), quorum=now.quorum,
            mirrors=", ".join(now.mirrors) or tr("none yet"),
        )
    ]  # fmt: skip
    ordered = now.unsafe + [e for e in now.entries if e.safe(now.quorum)]
    marks = {True: tr("safe"), False: tr("UNSAFE")}
    width = max(map(len, marks.values()))
    for e in ordered:
        mark = marks[e.safe(now.quorum)].ljust(width)
        lines.append(
            f"{mark} {e.entry[:12]} {e.time} "
            + tr("on %(count)d: %(mirrors)s", count=len(e.mirrors),
                 mirrors=", ".join(e.mirrors) or "-")
        )  # fmt: skip
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
    lines = [tr("Mirror %(mirror)s", mirror=label)]
    lines += [
        "  " + tr("log %(log)s: tree size %(size)d, root %(root)s",
                  log=s.log, size=s.size, root=s.root)
        for s in report.logs
    ]  # fmt: skip
    lines += [f"  {problem_word()} {p.where}: {said_here(p.what)}" for p in report.problems]
    lines.append(verdict(report.ok, len(report.problems)))
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
    bar = ProgressBar(tr("Restoring"), 0)

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
        tr(
            "Restored a desk at %(home)s: %(records)d records, %(entries)d entries, "
            "%(files)d files.",
            home=home, records=report.records, entries=report.entries, files=report.blobs,
        )
    ]  # fmt: skip
    lines += ["  " + tr("rotated out: %(what)s", what=r) for r in report.rotated]
    lines += [f"  {problem_word()}: {said_here(p)}" for p in report.problems]
    if report.problems:
        lines.append(
            tr(
                "What could be read is restored, and the problems above are what could not. "
                "If another mirror survived (a USB disk, a bucket abroad), add it to this desk "
                "with `amanat mirror add` and run `amanat sync`: what it holds is taken too "
                "(then `amanat rekey` with the trustees' shares, so this desk can open it)."
            )
        )
    print_result(args, report.__dict__ | {"home": str(home)}, "\n".join(lines))
    return MirrorError.exit_code if report.problems else 0


def cmd_rekey(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home, settings)
    home.require("desk", "This home is not a desk, so it cannot read old entries.")
    shares = ask_shares(args.shares)
    count = restore.rekey_missing(home, shares, ask_passphrase(settings, args.passphrase_file))
    print_result(
        args,
        {"rewrapped": count},
        ntr(
            "%(count)d older item can now be opened by this desk; the recovery key is forgotten.",
            "%(count)d older items can now be opened by this desk; the recovery key is forgotten.",
            count,
        ),
    )
    return 0


def cmd_drill(args: argparse.Namespace, settings: Settings) -> int:
    quiet = args.json
    with tempfile.TemporaryDirectory(prefix="amanat-drill-") as scratch:
        report = drill.run_drill(
            Path(scratch), testimonies=args.testimonies, s3_url=args.mirror,
            credentials=args.credentials,
            say=(lambda _t: None) if quiet else (lambda line: print(said_here(line))),
        )  # fmt: skip
    if quiet:
        print(json.dumps(report.__dict__ | {"ok": report.ok}, indent=2))
    for p in report.problems:
        print(f"{problem_word()}: {said_here(p)}")
    return 0 if report.ok else IntegrityError.exit_code


def cmd_panic(args: argparse.Namespace, settings: Settings) -> int:
    home = open_home(args.home, settings)
    if not args.yes:
        raise UsageError("Panic destroys this home. Run it again with --yes to go ahead.")
    report = panic.panic(home, seconds=args.seconds)
    none = tr("none")
    lines = [
        tr("Saved on mirrors: %(saved)d entries. NOT saved: %(lost)d.",
           saved=len(report.saved), lost=len(report.not_saved)),
        tr("Mirrors reached: %(reached)s; not reached: %(failed)s.",
           reached=", ".join(report.mirrors_reached) or none,
           failed=", ".join(report.mirrors_failed) or none),
        tr("Destroyed %(count)d files; this machine holds nothing readable now.",
           count=report.files_destroyed),
        tr("Set up a new station or desk from the trustees or another desk."),
    ]  # fmt: skip
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
