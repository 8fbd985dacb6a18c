"""Names, relatives' names and hometowns turned into hashed keys, once per distinct text.

Keying a name (``amanat.names.name_keys``, or the benchmark's baseline keyer) is most
of the work of preparing a list: about 950,000 distinct names, relatives' names and
hometowns at 1,000,000 records. ``NameKeyer`` keeps every result, so a name met again
costs a dictionary look-up; ``NameKeyer.key_all`` keys every distinct text of a list
up front, in ``workers`` processes when asked (``LinkSettings.workers``; the processes
are *spawned*, never forked, so a caller with threads of its own, such as the staff
app, is safe, and they receive only texts and send back only integers).

Keys are hashed with BLAKE2b to 64 bits, the same in every process and on every
machine; comparing integers instead of strings makes scoring several times faster.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing import resource_tracker
from typing import Any

from amanat.names import NameKey

__all__ = ["NameColumns", "NameKeyer", "key_hash", "merged"]

Keyer = Callable[[str], Sequence[NameKey]]

_PREFIX = 3
MIN_FUZZY = 5  # symbols (spaces aside) a sound needs to be matched with one left out
_MAX_FUZZY = 4  # sounds of a name matched so, at most
_MAX_PAIR_WORDS = 6  # words taken for pairs: 15 pairs at most
_RELATIVE_SPLIT = re.compile(r"[;|/\n]")
# Below this many distinct texts, starting processes costs more than it saves.
_PARALLEL_FROM = 20_000
_CHUNK = 5_000


def key_hash(key: str) -> int:
    """A key's 64-bit hash (signed), the same in every process and on every machine."""
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


@dataclass(frozen=True)
class NameColumns:
    """The derived columns of one name (shared by every record that has it): hashes of
    its sorted and core words, its sounds (phonetic and pcore keys), each word's sound,
    every two words' sounds, each word's sound with another word's first letter, every
    two words' first three letters; the first sound's hash and the first sorted form;
    the sounds themselves as text, those of at least ``MIN_FUZZY`` symbols (blocking
    pairs them with one symbol left out: a typo); whether it is a name of one word
    (the model weighs that as one word alike at most)."""

    words: tuple[int, ...]
    sounds: tuple[int, ...]
    ptok: tuple[int, ...]
    ptok2: tuple[int, ...]
    initials: tuple[int, ...]
    pairs: tuple[int, ...]
    block: int | None
    form: str | None
    sound_text: tuple[str, ...] = ()
    single: bool = False  # one word in every reading (a title aside): "Ali", "Haji Ali"


NO_NAME = NameColumns((), (), (), (), (), (), None, None)


def merged(names: Sequence[NameColumns]) -> NameColumns:
    """One person's name written several ways (in a list's Latin and Chinese columns):
    the keys of every writing, each as its own name (no pair across two writings), and
    the first writing's block and form, which the model compares as the name's."""
    kept = [n for n in names if n is not NO_NAME]
    if len(kept) < 2:
        return kept[0] if kept else NO_NAME

    def union(attr: str) -> tuple[Any, ...]:
        return tuple(dict.fromkeys(k for n in kept for k in getattr(n, attr)))

    first = kept[0]
    return NameColumns(
        words=union("words"),
        sounds=union("sounds"),
        ptok=union("ptok"),
        ptok2=union("ptok2"),
        initials=union("initials"),
        pairs=union("pairs"),
        block=first.block,
        form=first.form,
        sound_text=union("sound_text")[: _MAX_FUZZY * 2],
        single=all(n.single for n in kept),
    )


def _two_of(items: Iterable[str]) -> list[str]:
    chosen = sorted(set(items))[:_MAX_PAIR_WORDS]
    return [f"{a} {b}" for i, a in enumerate(chosen) for b in chosen[i + 1 :]]


def _word_and_initials(ptokens: Sequence[str]) -> list[str]:
    """Each word's phonetic key with the first letter of each other word's: a name
    with one word mistyped ("Karlygash" and "Карпыгаш Жолдасбек") keeps one of these."""
    chosen = sorted({p for p in ptokens if len(p) >= 2})[:_MAX_PAIR_WORDS]
    return [f"{p} {q[0]}" for p in chosen for q in chosen if q != p]


def _fuzzy_sounds(sounds: Sequence[str]) -> tuple[str, ...]:
    """The sounds long enough to be matched with a symbol left out, at most _MAX_FUZZY."""
    chosen = (s for s in dict.fromkeys(sounds) if len(s) - s.count(" ") >= MIN_FUZZY)
    return tuple(sys.intern(s) for s in chosen)[:_MAX_FUZZY]


class NameKeyer:
    """Hashed keys of names, relatives' names and hometowns, kept per distinct text."""

    def __init__(self, keyer: Keyer) -> None:
        self.keyer = keyer
        self.names: dict[str, NameColumns] = {}
        self.relatives: dict[str, tuple[int, ...]] = {}
        self.homes: dict[str, tuple[int, ...]] = {}
        self._hashed: dict[str, int] = {}  # words repeat across names

    def _hashes(self, keys: Iterable[str]) -> tuple[int, ...]:
        out: dict[int, None] = {}
        cache = self._hashed
        for k in keys:
            if k:
                h = cache.get(k)
                if h is None:
                    h = cache[k] = key_hash(k)
                out[h] = None
        return tuple(out)

    def name(self, text: str) -> NameColumns:
        found = self.names.get(text)
        if found is not None:
            return found
        keys: dict[str, list[str]] = {}
        for nk in self.keyer(text) if text else ():
            keys.setdefault(nk.kind, []).append(nk.key)
        ptokens = keys.get("ptoken", [])
        phonetic, forms = keys.get("phonetic", []), keys.get("sorted", [])
        out = (
            NameColumns(
                words=self._hashes([*forms, *keys.get("core", [])]),
                sounds=self._hashes([*phonetic, *keys.get("pcore", [])]),
                ptok=self._hashes(ptokens),
                ptok2=self._hashes(_two_of(ptokens)),
                initials=self._hashes(_word_and_initials(ptokens)),
                pairs=self._hashes(_two_of(p.split("-")[0][:_PREFIX] for p in ptokens)),
                block=self._hashes(phonetic[:1])[0] if phonetic else None,
                form=forms[0] if forms else None,
                sound_text=_fuzzy_sounds([*phonetic, *keys.get("pcore", [])]),
                single=bool(phonetic) and all(" " not in p for p in phonetic),
            )
            if keys
            else NO_NAME
        )
        self.names[text] = out
        return out

    def relative(self, text: str) -> tuple[int, ...]:
        found = self.relatives.get(text)
        if found is None:
            parts = (p for p in _RELATIVE_SPLIT.split(text) if p.strip())
            keys = (
                nk.key for p in parts for nk in self.keyer(p) if nk.kind in ("phonetic", "sorted")
            )
            found = self.relatives[text] = self._hashes(keys)
        return found

    def home(self, text: str) -> tuple[int, ...]:
        found = self.homes.get(text)
        if found is None:
            keys = (nk.key for nk in self.keyer(text) if nk.kind == "ptoken")
            found = self.homes[text] = self._hashes(keys)
        return found

    def key_all(
        self,
        names: Iterable[str],
        relatives: Iterable[str],
        homes: Iterable[str],
        *,
        workers: int = 1,
    ) -> None:
        """Key every distinct text given, in ``workers`` processes when there are many."""
        todo = [
            ("name", sorted(set(names) - self.names.keys())),
            ("relative", sorted(set(relatives) - self.relatives.keys())),
            ("home", sorted(set(homes) - self.homes.keys())),
        ]
        if workers < 2 or sum(len(texts) for _, texts in todo) < _PARALLEL_FROM:
            for kind, texts in todo:
                for text in texts:
                    getattr(self, kind)(text)
            return
        chunks = [
            (self.keyer, kind, texts[i : i + _CHUNK])
            for kind, texts in todo
            for i in range(0, len(texts), _CHUNK)
        ]
        with _quiet_pool(workers) as pool:
            for kind, texts, results in pool.imap_unordered(_key_chunk, chunks):
                table = getattr(self, f"{kind}s")
                table.update(zip(texts, results, strict=True))


@contextlib.contextmanager
def _quiet_pool(workers: int) -> Iterator[Any]:
    """A pool of spawned workers that leave Ctrl-C to this process. They are started
    with SIGINT ignored (a disposition a new process keeps, so Python does not turn it
    into KeyboardInterrupt even while the worker is still starting), then this
    process's own handling is put back. Meanwhile SIGINT is also blocked here, so a
    Ctrl-C pressed while the workers start waits instead of being lost: it arrives as
    KeyboardInterrupt once the handling is back, and the new pool is stopped."""
    main = threading.current_thread() is threading.main_thread()
    # Spawning starts multiprocessing's resource tracker once, and that unblocks SIGINT
    # after: started first, it leaves the block below in place.
    resource_tracker.ensure_running()
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if main else None
    before = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    pool = None
    try:
        try:
            pool = multiprocessing.get_context("spawn").Pool(workers, _quiet_worker)
        finally:
            if before is not None:
                signal.signal(signal.SIGINT, before)
            if blocked is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)  # a waiting Ctrl-C comes
    except BaseException:
        if pool is not None:
            pool.terminate()
        raise
    with pool:
        yield pool


def _quiet_worker() -> None:
    """A worker leaves Ctrl-C to the process that started it: the terminal sends it to
    all of them, and a worker's own KeyboardInterrupt would print a traceback; the
    parent stops and the pool's end stops the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _key_chunk(
    job: tuple[Keyer, str, list[str]],
) -> tuple[str, list[str], list[object]]:
    """In a worker process: the keys of one chunk of texts of one kind."""
    keyer, kind, texts = job
    keying = NameKeyer(keyer)
    method = getattr(keying, kind)
    return kind, texts, [method(text) for text in texts]
