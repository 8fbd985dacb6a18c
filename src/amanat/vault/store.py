"""The vault folder: where each file lives and how it is read back.

Layout (``docs/format/vault.md``, "Folder layout")::

    VAULT/
      AMANAT-VAULT                 "amanat-vault 1\\n"
      org.json                     the signed organisation file
      keyring.jsonl                signed key statements, one per line
      entries/XX/<sha256>          sealed entries (age files), named by ciphertext hash
      blobs/XX/<sha256>            sealed media (age files), named by ciphertext hash
      logs/<key id>/log.jsonl      the envelope log of one writer, one record per line
      logs/<key id>/checkpoint     its latest signed checkpoint (C2SP signed note)
      tmp/                         *.part files of writes in progress; never data
      .lock                        the writers' lock

Nothing in this module signs, and it decrypts only through :class:`SealedBlob`: a
sealed blob opened for reading at any offset, whose plaintext ranges the staff app's
media player asks for (``crypto.AgeRangeReader``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from amanat.errors import FormatError, HomeError, NotFound, UnsupportedVersion
from amanat.vault import crypto, durable
from amanat.vault.org import Keyring, OrgFile

__all__ = ["MARKER", "LogFiles", "SealedBlob", "Vault"]

MARKER = b"amanat-vault 1\n"
HEX64 = re.compile(r"^[0-9a-f]{64}$")
KID = re.compile(r"^[0-9a-f]{16}$")
KINDS = ("entries", "blobs")


@dataclass(frozen=True)
class LogFiles:
    """The two files of one writer's log."""

    directory: Path

    @property
    def kid(self) -> str:
        return self.directory.name

    @property
    def records_path(self) -> Path:
        return self.directory / "log.jsonl"

    @property
    def checkpoint_path(self) -> Path:
        return self.directory / "checkpoint"

    def read_records(self) -> tuple[list[bytes], bytes]:
        """Complete record lines, and any torn tail (bytes after the last newline)."""
        try:
            data = self.records_path.read_bytes()
        except FileNotFoundError:
            return [], b""
        lines = data.split(b"\n")
        return lines[:-1], lines[-1]

    def read_checkpoint(self) -> str | None:
        try:
            data = self.checkpoint_path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise FormatError(
                "The checkpoint of log %(log)s is not valid text.", log=self.kid
            ) from None

    def append_record(self, line: bytes) -> None:
        """Append one record and fsync it (the log file, and the folder when new)."""
        created = not self.records_path.exists()
        durable.make_dirs(self.directory)
        fd = os.open(self.records_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            data = memoryview(line + b"\n")
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            durable.fsync_dir(self.directory)

    def truncate_to(self, size: int) -> None:
        """Cut a torn or unconfirmed tail off the record file (crash recovery only)."""
        fd = os.open(self.records_path, os.O_WRONLY)
        try:
            os.ftruncate(fd, size)
            os.fsync(fd)
        finally:
            os.close(fd)


class SealedBlob:
    """One sealed blob (an age file under ``blobs/``) open for reading at any offset.

    ``plaintext`` gives random access to what it seals (the chunks covering a range are
    decrypted in memory, nothing is written); ``ciphertext_ok`` hashes the whole file
    against its name, which a range read alone does not do. ``stamp`` (inode, size,
    modification time) lets a caller remember that check for an unchanged file."""

    def __init__(self, path: Path, blob_id: str) -> None:
        self.blob_id = blob_id
        try:
            self._fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            raise NotFound(
                "The sealed file %(blob)s is not in this vault.", blob=blob_id[:12]
            ) from None
        info = os.fstat(self._fd)
        self.size: int = info.st_size
        self.stamp: tuple[int, int, int] = (info.st_ino, info.st_size, info.st_mtime_ns)

    def read_at(self, offset: int, n: int) -> bytes:
        """Up to ``n`` bytes from ``offset`` (fewer only at the end of the file)."""
        parts = []
        while n > 0:
            data = os.pread(self._fd, n, offset)
            if not data:
                break
            parts.append(data)
            offset += len(data)
            n -= len(data)
        return b"".join(parts)

    def ciphertext_ok(self) -> bool:
        """True when the file's SHA-256 is its name (read once, 1 MiB at a time)."""
        digest = hashlib.sha256()
        offset = 0
        while data := os.pread(self._fd, 1 << 20, offset):
            digest.update(data)
            offset += len(data)
        return digest.hexdigest() == self.blob_id

    def plaintext(
        self, identities: Sequence[str], *, header: bytes | None = None
    ) -> crypto.AgeRangeReader:
        """Random access to the sealed plaintext (``header``: a restored desk's
        rewrapped header for this blob, see ``opening.rekey_path``)."""
        return crypto.AgeRangeReader(self.read_at, self.size, identities, header=header)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> SealedBlob:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Vault:
    """A vault folder. The constructor refuses a relative path or a folder that is not a
    vault; :meth:`create` makes a new one."""

    def __init__(self, root: Path) -> None:
        if not root.is_absolute():
            raise ValueError("a vault path must be absolute")
        self.root = root
        try:
            marker = (root / "AMANAT-VAULT").read_bytes()
        except FileNotFoundError:
            raise HomeError(
                "%(path)s is not an Amanat vault (AMANAT-VAULT is missing).", path=root
            ) from None
        if marker != MARKER:
            if marker.startswith(b"amanat-vault "):
                raise UnsupportedVersion(
                    "The vault at %(path)s uses a newer format; update Amanat to read it.",
                    path=root,
                )
            raise FormatError("The vault marker in %(path)s is damaged.", path=root)

    @classmethod
    def create(cls, root: Path, org: OrgFile, keyring_lines: list[bytes]) -> Vault:
        if not root.is_absolute():
            raise ValueError("a vault path must be absolute")
        if root.exists() and any(root.iterdir()):
            raise HomeError("%(path)s already exists and is not empty.", path=root)
        durable.make_dirs(root / "tmp")
        durable.write_atomic(root / "org.json", org.to_bytes(), root / "tmp")
        durable.write_atomic(
            root / "keyring.jsonl", b"".join(line + b"\n" for line in keyring_lines), root / "tmp"
        )
        for kind in (*KINDS, "logs"):
            durable.make_dirs(root / kind)
        durable.write_atomic(root / "AMANAT-VAULT", MARKER, root / "tmp")
        return cls(root)

    # -- paths -----------------------------------------------------------------
    @property
    def tmp_dir(self) -> Path:
        return self.root / "tmp"

    def object_path(self, kind: str, object_id: str) -> Path:
        if kind not in KINDS or not HEX64.match(object_id):
            raise ValueError("bad object name")
        return self.root / kind / object_id[:2] / object_id

    def log(self, kid: str) -> LogFiles:
        if not KID.match(kid):
            raise ValueError("bad log id")
        return LogFiles(self.root / "logs" / kid)

    def logs(self) -> list[LogFiles]:
        base = self.root / "logs"
        if not base.is_dir():
            return []
        return [LogFiles(p) for p in sorted(base.iterdir()) if p.is_dir() and KID.match(p.name)]

    def object_ids(self, kind: str) -> Iterator[str]:
        base = self.root / kind
        if not base.is_dir():
            return
        for sub in sorted(base.iterdir()):
            if sub.is_dir() and re.match(r"^[0-9a-f]{2}$", sub.name):
                for f in sorted(sub.iterdir()):
                    if HEX64.match(f.name) and f.name[:2] == sub.name:
                        yield f.name

    def open_blob(self, blob_id: str) -> SealedBlob:
        """A sealed blob, open for random reading; ``NotFound`` when it is not here."""
        return SealedBlob(self.object_path("blobs", blob_id), blob_id)

    def find_entry(self, prefix: str) -> str:
        """The full id of the entry whose id starts with ``prefix`` (at least 8 hex digits)."""
        prefix = prefix.strip().lower()
        if not re.match(r"^[0-9a-f]{8,64}$", prefix):
            raise NotFound("An entry id is 8 to 64 hexadecimal digits, as `amanat log` shows.")
        sub = self.root / "entries" / prefix[:2]
        matches = sorted(p.name for p in sub.glob(prefix + "*")) if sub.is_dir() else []
        if not matches:
            raise NotFound("No entry %(prefix)s in this vault.", prefix=prefix)
        if len(matches) > 1:
            raise NotFound(
                "Several entries start with %(prefix)s; give more digits.", prefix=prefix
            )
        return matches[0]

    # -- the organisation ------------------------------------------------------
    def read_org(self) -> OrgFile:
        try:
            return OrgFile.from_bytes((self.root / "org.json").read_bytes())
        except FileNotFoundError:
            raise FormatError("The vault has no organisation file (org.json).") from None

    def read_keyring(self) -> Keyring:
        org = self.read_org()
        try:
            data = (self.root / "keyring.jsonl").read_bytes()
        except FileNotFoundError:
            raise FormatError("The vault has no keyring (keyring.jsonl).") from None
        return Keyring.load(org, data)

    def append_keyring(self, line: bytes) -> None:
        durable.make_dirs(self.root)
        fd = os.open(self.root / "keyring.jsonl", os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, line + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)

    def replace_keyring(self, data: bytes) -> None:
        durable.write_atomic(self.root / "keyring.jsonl", data, self.tmp_dir)

    def lock(self) -> contextlib.AbstractContextManager[None]:
        return durable.exclusive_lock(self.root / ".lock")

    def clean_tmp(self) -> int:
        """Delete leftovers of interrupted writes; returns how many were removed."""
        removed = 0
        if self.tmp_dir.is_dir():
            for part in self.tmp_dir.glob("*.part"):
                with contextlib.suppress(FileNotFoundError):
                    part.unlink()
                    removed += 1
        return removed
