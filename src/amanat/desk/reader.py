"""Reading a vault's new entries for the views: checked, opened, in parallel.

Each log record is checked against the signed keyring (a trusted writer, at the right
position, with a good signature) before its entry is opened. Opening is CPU work
(an X25519 unwrap, ChaCha20-Poly1305, canonical JSON, checking the record format), so a
large backlog — a fresh desk, a rebuild — is opened and checked in worker processes
while this process writes the views: on two cores the halves overlap. The workers are
forked, so the unlocked identity passes in memory and never touches the disk.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from amanat.errors import IntegrityError
from amanat.vault.log import Envelope
from amanat.vault.opening import open_record
from amanat.vault.org import Keyring
from amanat.vault.store import Vault
from amanat.views.project import PreparedEntry, SealedEntry, prepare_entry

__all__ = ["EntryReader"]

_CHUNK = 1000  # records per task
_IN_FLIGHT = 6  # tasks queued ahead of the writer, bounding memory
_WORKERS = 2  # with this process writing: three busy processes for two cores, none idle
_PARALLEL_FROM = 2 * _CHUNK  # smaller backlogs are opened in this process


@dataclass(frozen=True)
class _Task:
    kid: str
    first: int
    lines: tuple[bytes, ...]


class EntryReader:
    def __init__(
        self,
        vault: Vault,
        ring: Keyring,
        identities: list[str],
        rekeys: Path,
        *,
        chunk: int = _CHUNK,
        parallel_from: int = _PARALLEL_FROM,
    ) -> None:
        self.chunk = chunk
        self.parallel_from = parallel_from
        self.vault = vault
        self.ring = ring
        self.identities = identities
        self.rekeys = rekeys

    def open_task(self, task: _Task) -> list[PreparedEntry]:
        state = self.ring.keys.get(task.kid)
        out = []
        for offset, line in enumerate(task.lines):
            seq = task.first + offset
            env = Envelope.parse(line, where=f"{task.kid}/{seq}")
            if (
                state is None
                or env.seq != seq
                or not self.ring.may_write(task.kid, seq)
                or not env.signature_ok(state.key)
            ):
                raise IntegrityError(
                    f"Record {seq} of log {task.kid[:12]} is not signed by a trusted key; "
                    "run `amanat verify` and do not trust this vault until it passes."
                )
            opened = open_record(self.vault, env, self.identities, rekeys=self.rekeys)
            content = opened.content
            blobs = tuple(f["blob"] for f in content["files"])
            out.append(
                prepare_entry(
                    SealedEntry(
                        env.entry,
                        env.log,
                        env.seq,
                        env.time,
                        str(content["type"]),
                        content["data"],
                        blobs,
                    )
                )
            )
        return out

    def entries(self, start: dict[str, int]) -> tuple[Iterator[PreparedEntry], dict[str, int]]:
        """The entries after ``start`` (records done per log), and every log's size now."""
        sizes: dict[str, int] = {}
        tasks: list[_Task] = []
        for files in self.vault.logs():
            lines, _ = files.read_records()
            sizes[files.kid] = len(lines)
            first = start.get(files.kid, 0)
            for at in range(first, len(lines), self.chunk):
                tasks.append(_Task(files.kid, at, tuple(lines[at : at + self.chunk])))
        backlog = sum(len(t.lines) for t in tasks)
        if backlog < self.parallel_from or multiprocessing.cpu_count() < 2:
            return (e for t in tasks for e in self.open_task(t)), sizes
        return self._parallel(tasks), sizes

    def _parallel(self, tasks: list[_Task]) -> Iterator[PreparedEntry]:
        global _READER
        _READER = self
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=_WORKERS, mp_context=context) as pool:
            pending: deque[Future[list[PreparedEntry]]] = deque()
            queue = deque(tasks)
            try:
                while queue or pending:
                    while queue and len(pending) < _IN_FLIGHT:
                        pending.append(pool.submit(_open_in_worker, queue.popleft()))
                    yield from pending.popleft().result()
            finally:
                for f in pending:
                    f.cancel()
                _READER = None


_READER: EntryReader | None = None  # set before the fork; the worker inherits it


def _open_in_worker(task: _Task) -> list[PreparedEntry]:
    assert _READER is not None
    return _READER.open_task(task)
