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
import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from amanat.errors import AmanatError, IntegrityError, NotFound
from amanat.vault import merkle, note
from amanat.vault.log import Envelope, checkpoint_origin
from amanat.vault.opening import open_record
from amanat.vault.org import Keyring
from amanat.vault.store import LogFiles, Vault
from amanat.views.project import PreparedEntry, SealedEntry, lost_entry, prepare_entry

__all__ = ["EntryReader"]

_CHUNK = 1000  # records per task
_TASK_BYTES = 1 << 20
_PARALLEL_BYTES = 8 << 20  # or this many bytes of entries: a bulk import's few large ones
_ENTRY_SIZE = re.compile(rb'"entry_size":([0-9]{1,12})')
_IN_FLIGHT = 6  # tasks queued ahead of the writer, bounding memory
_WORKERS = 2  # with this process writing: three busy processes for two cores, none idle
_PARALLEL_FROM = 2 * _CHUNK  # smaller backlogs are opened in this process


@dataclass(frozen=True)
class _Task:
    kid: str
    first: int
    lines: tuple[bytes, ...]
    covered: int = 0  # records before this one are authenticated by the signed checkpoint


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
                or env.log != task.kid
                or env.key != task.kid
                or not self.ring.may_write(task.kid, seq)
                or (seq >= task.covered and not env.signature_ok(state.key))
            ):
                raise IntegrityError(
                    "Record %(seq)s of log %(log)s is not signed by a trusted key; "
                    "run `amanat verify` and do not trust this vault until it passes.",
                    seq=seq,
                    log=task.kid[:12],
                )
            try:
                opened = open_record(self.vault, env, self.identities, rekeys=self.rekeys)
            except NotFound:
                # lost: no mirror held a sound copy when the log was pulled (restore,
                # sync). The entry is shown as lost and gives nothing; once a sync
                # finds it, the next update rebuilds the views (Desk.update_views).
                out.append(lost_entry(env.entry, env.log, env.seq, env.time))
                continue
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
                    ),
                    station=state.role == "station",
                )
            )
        return out

    def _checkpointed(self, files: LogFiles, lines: list[bytes]) -> int:
        """How many leading records the log's signed checkpoint authenticates (0: none)."""
        state = self.ring.keys.get(files.kid)
        text = files.read_checkpoint()
        if state is None or text is None:
            return 0
        origin = checkpoint_origin(self.ring.org.org_id, files.kid)
        try:
            checkpoint = note.open_checkpoint(text, origin, state.key, origin)
        except AmanatError:
            return 0
        size = checkpoint.size
        if size > len(lines):
            return 0
        root = merkle.root_from_leaf_hashes([merkle.leaf_hash(line) for line in lines[:size]])
        return size if root == checkpoint.root_hash else 0

    def entries(self, start: dict[str, int]) -> tuple[Iterator[PreparedEntry], dict[str, int]]:
        """The entries after ``start`` (records done per log), and every log's size now."""
        sizes: dict[str, int] = {}
        planned: list[tuple[LogFiles, list[bytes], list[tuple[int, int]]]] = []
        backlog = backlog_bytes = 0
        for files in self.vault.logs():
            lines, _ = files.read_records()
            sizes[files.kid] = len(lines)
            spans = self._spans(lines, start.get(files.kid, 0))
            planned.append((files, lines, spans))
            backlog += len(lines) - start.get(files.kid, 0)
            backlog_bytes += sum(size for _, size in spans)
        big = backlog >= self.parallel_from or backlog_bytes >= _PARALLEL_BYTES
        tasks: list[_Task] = []
        for files, lines, spans in planned:
            # A large backlog is authenticated by each log's signed checkpoint (one
            # signature over the Merkle root of every record) instead of one signature
            # check per record: the same key signed both, and a fifth of the opening
            # time was spent on per-record checks. Records beyond the checkpoint, or all
            # of them if it does not verify, are checked one by one.
            covered = self._checkpointed(files, lines) if big else 0
            at = start.get(files.kid, 0)
            for end, _ in spans:
                tasks.append(_Task(files.kid, at, tuple(lines[at:end]), covered))
                at = end
        if not big or multiprocessing.cpu_count() < 2:
            return (e for t in tasks for e in self.open_task(t)), sizes
        return self._parallel(tasks), sizes

    def _spans(self, lines: list[bytes], first: int) -> list[tuple[int, int]]:
        """Task boundaries: (end, entry bytes) of runs of at most ``chunk`` records and
        about _TASK_BYTES of entries, so that a bulk import's large entries (1,000 rows
        each) spread over both workers too. Sizes are only read here, never trusted:
        the worker checks each record."""
        spans = []
        at = first
        while at < len(lines):
            end, size = at, 0
            while end < len(lines) and end - at < self.chunk and size < _TASK_BYTES:
                found = _ENTRY_SIZE.search(lines[end])
                size += int(found.group(1)) if found else 0
                end += 1
            spans.append((end, size))
            at = end
        return spans

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
