"""How a vault is laid out on a mirror, and reading it back as a ``VaultSource``.

Every mirror object is written once and never changed, so the append-only files of a
local vault become immutable pieces (``docs/format/vault.md``, "Mirror layout")::

    amanat-mirror                          "amanat-mirror 1\\n"
    org.json                               the organisation file, as in the vault
    keyring/NNNNNN                         keyring statement N (a line, with newline)
    entries/XX/<sha256>, blobs/XX/<sha256> sealed objects, as in the vault
    logs/<kid>/records/<first>.jsonl       a segment: records first… (12-digit first)
    logs/<kid>/checkpoints/<size>          the signed checkpoint for that size

A sync adds one segment with the records the mirror lacks and one checkpoint for the
new size. A reader joins the segments in order; a gap or a disagreement between
overlapping segments is the mirror's fault and is reported by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from amanat.errors import AmanatError, FormatError, NotFound, Words
from amanat.mirrors.store import ObjectStore
from amanat.vault.source import OtherObject
from amanat.vault.store import HEX64, KINDS

__all__ = [
    "MIRROR_MARKER",
    "MirrorSource",
    "checkpoint_key",
    "keyring_key",
    "object_key",
    "segment_key",
]

MIRROR_MARKER = b"amanat-mirror 1\n"
_SEGMENT = re.compile(r"^logs/([0-9a-f]{16})/records/(\d{12})\.jsonl$")
_CHECKPOINT = re.compile(r"^logs/([0-9a-f]{16})/checkpoints/(\d{12})$")
_KEYRING = re.compile(r"^keyring/(\d{6})$")


def keyring_key(seq: int) -> str:
    return f"keyring/{seq:06d}"


def segment_key(kid: str, first: int) -> str:
    return f"logs/{kid}/records/{first:012d}.jsonl"


def checkpoint_key(kid: str, size: int) -> str:
    return f"logs/{kid}/checkpoints/{size:012d}"


def object_key(kind: str, object_id: str) -> str:
    return f"{kind}/{object_id[:2]}/{object_id}"


class MirrorSource:
    """A mirror's contents, listed once, read lazily, trusted never."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self.label: str = Words("mirror %(name)s", name=store.name)  # said as a phrase
        self.pending_limit: int | None = None  # a sync writes segments before checkpoints
        self.index: dict[str, int] = {o.key: o.size for o in store.list("")}
        self.segments: dict[str, list[tuple[int, str]]] = {}
        self.checkpoints: dict[str, list[int]] = {}
        self.keyring_keys: list[tuple[int, str]] = []
        for key in self.index:
            if m := _SEGMENT.match(key):
                self.segments.setdefault(m[1], []).append((int(m[2]), key))
            elif m := _CHECKPOINT.match(key):
                self.checkpoints.setdefault(m[1], []).append(int(m[2]))
            elif m := _KEYRING.match(key):
                self.keyring_keys.append((int(m[1]), key))
        for items in self.segments.values():
            items.sort()
        for sizes in self.checkpoints.values():
            sizes.sort()
        self.keyring_keys.sort()
        self._records: dict[str, list[bytes]] = {}

    @property
    def empty(self) -> bool:
        return not self.index

    # -- VaultSource -------------------------------------------------------------
    def marker_problem(self) -> Words | None:
        if "amanat-mirror" not in self.index:
            return Words(
                "%(label)s holds no Amanat vault (amanat-mirror is missing).", label=self.label
            )
        try:
            marker = self.store.get("amanat-mirror")
        except AmanatError as exc:
            return Words.of(exc)
        if marker != MIRROR_MARKER:
            return Words(
                "%(label)s has an unknown or damaged marker (a newer Amanat?).", label=self.label
            )
        return None

    def org_bytes(self) -> bytes:
        try:
            return self.store.get("org.json")
        except NotFound:
            raise FormatError(
                "mirror %(name)s has no organisation file (org.json).", name=self.store.name
            ) from None

    def keyring_bytes(self) -> bytes:
        lines = []
        for expected, (seq, key) in enumerate(self.keyring_keys):
            if seq != expected:
                raise FormatError(
                    "mirror %(name)s: keyring statement %(seq)s is missing.",
                    name=self.store.name,
                    seq=expected,
                )
            data = self.store.get(key)
            if not data.endswith(b"\n") or data.count(b"\n") != 1:
                raise FormatError(
                    "mirror %(name)s: keyring statement %(seq)s is damaged.",
                    name=self.store.name,
                    seq=seq,
                )
            lines.append(data)
        return b"".join(lines)

    def log_names(self) -> list[str]:
        names = {k.split("/")[1] for k in self.index if k.startswith("logs/") and k.count("/") > 1}
        return sorted(names)

    def records_where(self, kid: str) -> str:
        return f"logs/{kid}/records"

    def checkpoint_where(self, kid: str) -> str:
        return f"logs/{kid}/checkpoints"

    def readable_records(self, kid: str) -> tuple[list[bytes], Words | None]:
        """The records of log ``kid`` as far as they can be read in order, and what
        stopped the reading (None when nothing did): a missing range, a segment cut
        short (its whole lines are kept), one that cannot be fetched or disagrees with
        the one before. What a restore can still take when ``records`` refuses."""
        lines: list[bytes] = []
        for first, key in self.segments.get(kid, []):
            if first > len(lines):
                return lines, Words(
                    "records %(first)d–%(last)d are missing", first=len(lines), last=first - 1
                )
            try:
                data = self.store.get(key)
            except AmanatError as exc:
                return lines, Words(
                    "segment %(key)s cannot be read (%(reason)s)", key=key, reason=exc
                )
            segment = data.split(b"\n")[:-1]
            overlap = lines[first:]
            if segment[: len(overlap)] != overlap[: len(segment)]:
                return lines, Words("segment %(key)s disagrees with the one before", key=key)
            lines.extend(segment[len(overlap) :])
            if not data.endswith(b"\n"):
                return lines, Words("segment %(key)s is truncated", key=key)
        return lines, None

    def records(self, kid: str) -> tuple[list[bytes], bytes]:
        if kid in self._records:
            return self._records[kid], b""
        lines: list[bytes] = []
        for first, key in self.segments.get(kid, []):
            if first > len(lines):
                raise FormatError(
                    "mirror %(name)s: records %(first)s–%(last)s of log %(log)s are missing.",
                    name=self.store.name,
                    first=len(lines),
                    last=first - 1,
                    log=kid,
                )
            data = self.store.get(key)
            if not data.endswith(b"\n"):
                raise FormatError(
                    "mirror %(name)s: segment %(key)s is truncated.", name=self.store.name, key=key
                )
            segment = data.split(b"\n")[:-1]
            overlap = lines[first:]
            if segment[: len(overlap)] != overlap[: len(segment)]:
                raise FormatError(
                    "mirror %(name)s: segment %(key)s disagrees with the one before.",
                    name=self.store.name,
                    key=key,
                )
            lines.extend(segment[len(overlap) :])
        self._records[kid] = lines
        return lines, b""

    def checkpoint(self, kid: str) -> str | None:
        sizes = self.checkpoints.get(kid)
        if not sizes:
            return None
        return self.checkpoint_text(kid, sizes[-1])

    def checkpoint_text(self, kid: str, size: int) -> str:
        data = self.store.get(checkpoint_key(kid, size))
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise FormatError(
                "mirror %(name)s: checkpoint %(size)s of log %(log)s is damaged.",
                name=self.store.name,
                size=size,
                log=kid,
            ) from None

    def dropped(self, kid: str) -> int:
        return 0  # a mirror keeps everything

    def object_digest(self, kind: str, object_id: str) -> tuple[str, int] | None:
        key = object_key(kind, object_id)
        if key not in self.index:
            return None
        return self.store.hash(key)

    def other_objects(self, named: set[str]) -> Iterator[OtherObject]:
        for key in self.index:
            kind = key.split("/", 1)[0]
            if kind not in KINDS or key in named:
                continue
            parts = key.split("/")
            ok = len(parts) == 3 and bool(HEX64.match(parts[2])) and parts[1] == parts[2][:2]
            yield key, kind, ok

    def digest_of(self, where: str) -> str:
        return self.store.hash(where)[0]
