"""Copy what one vault holds into another: a desk pulling a station's vault from a folder.

The source is verified first, in full and without keys, and nothing is copied from a
source with problems. Logs only ever grow: a source log must extend the destination's
copy of it record for record (else it is a fork and nothing is copied), and the keyring
likewise. Objects are copied through ``tmp/`` and renamed into place, each re-hashed.
The mirror layer (folder and S3 mirrors, quorum) builds on this in ``amanat.mirrors``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from amanat.errors import IntegrityError, NotFound, UsageError
from amanat.vault import durable, merkle, note
from amanat.vault.log import Envelope, checkpoint_origin
from amanat.vault.store import Vault
from amanat.vault.verify import verify_vault

__all__ = ["CopyReport", "pull_vault"]


@dataclass
class CopyReport:
    records: int = 0
    objects: int = 0
    bytes: int = 0
    keyring_statements: int = 0


def _copy_object(src: Path, dest_vault: Vault, kind: str, object_id: str) -> int:
    final = dest_vault.object_path(kind, object_id)
    if final.exists():
        return 0
    if not src.exists():
        raise NotFound(
            "%(object)s is not in the source vault (a station that dropped what the "
            "mirrors hold): sync from the mirrors instead.",
            object=src.name[:12],
        )
    part = durable.new_part_path(dest_vault.tmp_dir)
    h = hashlib.sha256()
    with src.open("rb") as fin, open(part, "xb") as fout:
        while chunk := fin.read(1 << 20):
            h.update(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    if h.hexdigest() != object_id:
        part.unlink()
        raise IntegrityError("%(path)s changed while it was being copied.", path=src)
    durable.place(part, final)
    return final.stat().st_size


def pull_vault(dest: Vault, source_root: Path) -> CopyReport:
    """Bring every log, entry and blob of the vault at ``source_root`` into ``dest``."""
    report = verify_vault(source_root)
    if not report.ok:
        first = report.problems[0]
        raise IntegrityError(
            "The vault at %(path)s has %(count)s problem(s), "
            "e.g. %(where)s: %(problem)s. Nothing was copied.",
            path=source_root,
            count=len(report.problems),
            where=first.where,
            problem=first.what,
        )
    source = Vault(source_root)
    out = CopyReport()
    with dest.lock():
        mine = dest.read_keyring()
        theirs = source.read_keyring()
        if mine.org.org_id != theirs.org.org_id:
            raise UsageError("That vault belongs to another organisation.")
        shorter, longer = sorted((mine.lines, theirs.lines), key=len)
        if longer[: len(shorter)] != shorter:
            raise IntegrityError("The two keyrings disagree (a fork); nothing was copied.")
        if len(theirs.lines) > len(mine.lines):
            dest.replace_keyring(b"".join(line + b"\n" for line in theirs.lines))
            out.keyring_statements = len(theirs.lines) - len(mine.lines)
        for summary in report.logs:
            src_log = source.log(summary.log)
            dst_log = dest.log(summary.log)
            src_lines, _ = src_log.read_records()
            src_lines = src_lines[: summary.size]  # only what a checkpoint covers
            # The source may change between verification and copying (a hostile mirror):
            # copy only records that hash to the root verify saw.
            hashes = [merkle.leaf_hash(line) for line in src_lines]
            if merkle.root_from_leaf_hashes(hashes).hex() != summary.root:
                raise IntegrityError(
                    "Log %(log)s changed while it was being copied.", log=summary.log
                )
            dst_lines, _ = dst_log.read_records()
            if src_lines[: len(dst_lines)] != dst_lines[: len(src_lines)]:
                raise IntegrityError(
                    "Log %(log)s differs between the vaults (a fork).", log=summary.log
                )
            if len(src_lines) <= len(dst_lines):
                continue
            for seq in range(len(dst_lines), len(src_lines)):
                env = Envelope.parse(src_lines[seq], where=f"{summary.log}/{seq}")
                refs = [("entries", env.entry)] + [("blobs", b.id) for b in env.blobs]
                for kind, object_id in refs:
                    copied = _copy_object(
                        source.object_path(kind, object_id), dest, kind, object_id
                    )
                    out.bytes += copied
                    out.objects += 1 if copied else 0
                dst_log.append_record(src_lines[seq])
                out.records += 1
            text = src_log.read_checkpoint()
            state = theirs.keys[summary.log]
            origin = checkpoint_origin(theirs.org.org_id, summary.log)
            if text is None:
                raise IntegrityError(
                    "Log %(log)s lost its checkpoint during the copy.", log=summary.log
                )
            cp = note.open_checkpoint(text, origin, state.key, origin)
            if cp.size != summary.size or cp.root_hash.hex() != summary.root:
                raise IntegrityError(
                    "Log %(log)s changed while it was being copied.", log=summary.log
                )
            durable.write_atomic(dst_log.checkpoint_path, text.encode(), dest.tmp_dir)
    return out
