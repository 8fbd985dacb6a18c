"""Which entries are safe: held by at least the quorum of mirrors, as of the last sync.

An entry is *confirmed* by a mirror when that mirror held a checkpoint covering the
entry's record, and every object the record names, at the end of this home's last sync
with it. ``drop_after_quorum`` lets a station delete its local ciphertext of safe
entries, so a seized station holds as little as possible; the record stays (it is
needed to prove the log), and ``logs/<kid>/dropped`` says below which size objects
were dropped on purpose.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from amanat.mirrors.config import MirrorConfig, MirrorState
from amanat.vault import durable
from amanat.vault.home import Home
from amanat.vault.log import Envelope

__all__ = ["EntryStatus", "HomeStatus", "drop_safe_objects", "home_status"]


@dataclass(frozen=True)
class EntryStatus:
    entry: str
    log: str
    seq: int
    time: str
    mirrors: tuple[str, ...]

    def safe(self, quorum: int) -> bool:
        return len(self.mirrors) >= quorum


@dataclass
class HomeStatus:
    quorum: int
    mirrors: list[str]
    entries: list[EntryStatus] = field(default_factory=list)

    @property
    def unsafe(self) -> list[EntryStatus]:
        return [e for e in self.entries if not e.safe(self.quorum)]

    def as_json(self) -> dict[str, object]:
        ordered = self.unsafe + [e for e in self.entries if e.safe(self.quorum)]
        return {
            "quorum": self.quorum,
            "mirrors": self.mirrors,
            "entries": len(self.entries),
            "unsafe": len(self.unsafe),
            "per_entry": [
                {
                    "entry": e.entry,
                    "log": e.log,
                    "seq": e.seq,
                    "time": e.time,
                    "mirrors": list(e.mirrors),
                    "safe": e.safe(self.quorum),
                }
                for e in ordered
            ],
        }


def home_status(home: Home) -> HomeStatus:
    config = MirrorConfig.load(home.path)
    state = MirrorState.load(home.path)
    status = HomeStatus(config.quorum, [m.name for m in config.mirrors])
    for files in home.vault().logs():
        lines, _ = files.read_records()
        for seq, line in enumerate(lines):
            env = Envelope.parse(line, where=f"{files.kid}/{seq}")
            held = tuple(state.confirmations(files.kid, seq))
            status.entries.append(EntryStatus(env.entry, files.kid, seq, env.time, held))
    return status


def drop_safe_objects(home: Home) -> int:
    """On a station: delete local ciphertext of entries the quorum holds; returns how many
    entries were dropped."""
    status = home_status(home)
    vault = home.vault()
    dropped = 0
    with vault.lock():
        for files in vault.logs():
            lines, _ = files.read_records()
            safe = 0
            for e in (x for x in status.entries if x.log == files.kid):
                if not e.safe(status.quorum) or e.seq != safe:
                    break
                safe += 1
            marker = files.directory / "dropped"
            before = int(marker.read_text()) if marker.exists() else 0
            if safe <= before:
                continue
            durable.write_atomic(marker, f"{safe}\n".encode(), vault.tmp_dir)
            for seq in range(before, safe):
                env = Envelope.parse(lines[seq], where=f"{files.kid}/{seq}")
                targets = [("entries", env.entry)] + [("blobs", b.id) for b in env.blobs]
                for kind, object_id in targets:
                    with contextlib.suppress(FileNotFoundError):
                        vault.object_path(kind, object_id).unlink()
                dropped += 1
    return dropped
