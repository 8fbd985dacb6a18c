"""Where a vault's bytes come from: a local folder, or a mirror.

``verify`` reads a vault only through :class:`VaultSource`, so the same checks run on
a station's own vault, a USB copy, or an S3 bucket abroad (``amanat.mirrors.layout``
provides the mirror side). A source only hands out bytes; it judges nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from amanat.errors import AmanatError, FormatError, Words
from amanat.vault.store import HEX64, KID, KINDS, LogFiles, Vault

__all__ = ["FolderSource", "OtherObject", "VaultSource", "sha256_file"]


def sha256_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb", buffering=0) as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


OtherObject = tuple[str, str, bool]  # (path as reported, kind, named like an object)


class VaultSource(Protocol):
    label: str
    # How many records may lie beyond the latest checkpoint before it counts as rolled
    # back: one for a vault (an interrupted seal), any for a mirror (an interrupted sync
    # writes a segment before its checkpoint). None means any.
    pending_limit: int | None

    def marker_problem(self) -> Words | None:
        """Why this is not a readable vault of a known version (a phrase, said in the
        reader's language), or None."""
        ...

    def org_bytes(self) -> bytes: ...

    def keyring_bytes(self) -> bytes: ...

    def log_names(self) -> list[str]:
        """Every name under logs/, valid key ids or not."""
        ...

    def records_where(self, kid: str) -> str:
        """How problems with a log's records are located, e.g. ``logs/KID/log.jsonl``."""
        ...

    def checkpoint_where(self, kid: str) -> str: ...

    def records(self, kid: str) -> tuple[list[bytes], bytes]:
        """Complete record lines, and a torn tail."""
        ...

    def checkpoint(self, kid: str) -> str | None: ...

    def dropped(self, kid: str) -> int:
        """Records below this number had their objects dropped on purpose (a station that
        keeps only what mirrors do not yet hold)."""
        ...

    def object_digest(self, kind: str, object_id: str) -> tuple[str, int] | None:
        """SHA-256 (hex) and size of an object, or None when it is missing."""
        ...

    def other_objects(self, named: set[str]) -> Iterator[OtherObject]:
        """Objects (and stray files) under entries/ and blobs/ not in ``named``."""
        ...

    def digest_of(self, where: str) -> str: ...


class FolderSource:
    """A vault folder on this machine."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.label = str(root)
        self.pending_limit: int | None = 1
        self._vault: Vault | None = None

    def marker_problem(self) -> Words | None:
        try:
            self._vault = Vault(self.root)
        except AmanatError as exc:
            return Words.of(exc)
        return None

    @property
    def vault(self) -> Vault:
        if self._vault is None:
            self._vault = Vault(self.root)
        return self._vault

    def org_bytes(self) -> bytes:
        try:
            return (self.root / "org.json").read_bytes()
        except FileNotFoundError:
            raise FormatError("The vault has no organisation file (org.json).") from None

    def keyring_bytes(self) -> bytes:
        try:
            return (self.root / "keyring.jsonl").read_bytes()
        except FileNotFoundError:
            raise FormatError("The vault has no keyring (keyring.jsonl).") from None

    def log_names(self) -> list[str]:
        base = self.root / "logs"
        if not base.is_dir():
            raise FormatError("folder missing")
        return [p.name for p in sorted(base.iterdir())]

    def records_where(self, kid: str) -> str:
        return f"logs/{kid}/log.jsonl"

    def checkpoint_where(self, kid: str) -> str:
        return f"logs/{kid}/checkpoint"

    def _log(self, kid: str) -> LogFiles:
        path = self.root / "logs" / kid
        if not KID.match(kid) or not path.is_dir():
            raise FormatError("not a log of this vault (unexpected file)")
        return LogFiles(path)

    def records(self, kid: str) -> tuple[list[bytes], bytes]:
        return self._log(kid).read_records()

    def checkpoint(self, kid: str) -> str | None:
        return self._log(kid).read_checkpoint()

    def dropped(self, kid: str) -> int:
        try:
            text = (self._log(kid).directory / "dropped").read_text("ascii")
        except (FileNotFoundError, UnicodeDecodeError):
            return 0
        return int(text) if text.strip().isdigit() else 0

    def object_digest(self, kind: str, object_id: str) -> tuple[str, int] | None:
        try:
            return sha256_file(self.vault.object_path(kind, object_id))
        except FileNotFoundError:
            return None

    def other_objects(self, named: set[str]) -> Iterator[OtherObject]:
        for kind in KINDS:
            base = self.root / kind
            if not base.is_dir():
                yield kind, kind, False
                continue
            for path in sorted(base.rglob("*")):
                rel = path.relative_to(self.root).as_posix()
                if path.is_dir() or rel in named:
                    continue
                ok = bool(HEX64.match(path.name)) and path.parent.name == path.name[:2]
                ok = ok and path.parent.parent == base
                yield rel, kind, ok

    def digest_of(self, where: str) -> str:
        return sha256_file(self.root / where)[0]
