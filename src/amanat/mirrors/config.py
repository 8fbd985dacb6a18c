"""A home's mirrors, its quorum, and what it has seen of each mirror.

``HOME/mirrors.json`` lists the mirrors (name, address, optional credentials file) and
the settings: the quorum (how many mirrors must hold an entry before it is "safe",
default 2) and whether a station drops its local ciphertext once an entry is safe.
``HOME/mirror-state.json`` remembers, per log, the largest checkpoint this home has
ever seen (so a mirror serving an older or different one is caught) and, per mirror,
how much of each log it confirmed at the last sync. Neither file holds a secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amanat import mirrors
from amanat.errors import FormatError, UsageError, Words
from amanat.mirrors.store import FolderStore, ObjectStore
from amanat.vault import canonical, durable

__all__ = ["MirrorConfig", "MirrorEntry", "MirrorState", "open_store"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class MirrorEntry:
    name: str
    url: str
    credentials: str | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise UsageError("A mirror name is 1-40 lower-case letters, digits, '-' or '_'.")
        if not (self.url.startswith(("s3://", "file://", "/"))):
            raise UsageError("A mirror is a folder (/media/usb/amanat) or s3://bucket/folder.")


def open_store(entry: MirrorEntry, *, create: bool = False) -> ObjectStore:
    """The store behind a mirror; ``create`` makes its folder or bucket (``mirror add``,
    the drill), otherwise a missing one is an error, never silently made anew."""
    if entry.url.startswith("s3://"):
        creds = Path(entry.credentials) if entry.credentials else None
        location = mirrors.S3Location.parse(entry.url)  # boto3 loads here, on first use
        store = mirrors.S3Store(entry.name, location, credentials_file=creds)
        store.ensure_bucket(create=create)
        return store
    path = entry.url.removeprefix("file://")
    return FolderStore(entry.name, Path(path).absolute(), create=create)


@dataclass
class MirrorConfig:
    mirrors: list[MirrorEntry] = field(default_factory=list)
    quorum: int = 2
    drop_after_quorum: bool = False

    @classmethod
    def load(cls, home: Path) -> MirrorConfig:
        try:
            raw = (home / "mirrors.json").read_bytes()
        except FileNotFoundError:
            return cls()
        doc: Any = canonical.decode(raw.rstrip(b"\n"), what=Words("mirror list"))
        try:
            return cls(
                mirrors=[MirrorEntry(**m) for m in doc["mirrors"]],
                quorum=int(doc["quorum"]),
                drop_after_quorum=bool(doc["drop_after_quorum"]),
            )
        except (KeyError, TypeError) as exc:
            raise FormatError(
                "%(file)s is damaged (%(kind)s).",
                file=home / "mirrors.json",
                kind=type(exc).__name__,
            ) from None

    def save(self, home: Path) -> None:
        doc = {
            "mirrors": [
                {k: v for k, v in m.__dict__.items() if v is not None} for m in self.mirrors
            ],
            "quorum": self.quorum,
            "drop_after_quorum": self.drop_after_quorum,
        }
        durable.write_atomic(home / "mirrors.json", canonical.encode(doc) + b"\n", home)

    def find(self, name: str) -> MirrorEntry:
        for m in self.mirrors:
            if m.name == name:
                return m
        if not self.mirrors:
            raise UsageError("No mirror called %(name)r: there are no mirrors yet.", name=name)
        known = ", ".join(m.name for m in self.mirrors)
        raise UsageError("No mirror called %(name)r (known: %(known)s).", name=name, known=known)


@dataclass
class MirrorState:
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)  # kid -> {size, root}
    confirmed: dict[str, dict[str, int]] = field(default_factory=dict)  # mirror -> kid -> size
    # objects ("blobs/ab/ab…") that records of this home name and no mirror had a sound
    # copy of when they were pulled: each sync looks for them again
    lost: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, home: Path) -> MirrorState:
        try:
            raw = (home / "mirror-state.json").read_bytes()
        except FileNotFoundError:
            return cls()
        doc: Any = canonical.decode(raw.rstrip(b"\n"), what=Words("mirror state"))
        return cls(
            seen=dict(doc.get("seen", {})),
            confirmed=dict(doc.get("confirmed", {})),
            lost=[str(k) for k in doc.get("lost", [])],
        )

    def save(self, home: Path) -> None:
        doc: dict[str, Any] = {"seen": self.seen, "confirmed": self.confirmed}
        if self.lost:
            doc["lost"] = sorted(set(self.lost))
        durable.write_atomic(home / "mirror-state.json", canonical.encode(doc) + b"\n", home)

    def remember(self, kid: str, size: int, root: str) -> None:
        if size >= int(self.seen.get(kid, {}).get("size", -1)):
            self.seen[kid] = {"size": size, "root": root}

    def confirmations(self, kid: str, seq: int) -> list[str]:
        return sorted(name for name, logs in self.confirmed.items() if logs.get(kid, 0) > seq)
