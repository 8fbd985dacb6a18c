"""One station at work: the staff app's intake, sealed and forgotten.

A ``Station`` holds no decryption key: it seals record entries (an intake through the
web app) and audit entries with the station's signing key, to the organisation's
recipients, and reads nothing back. It offers the subset of ``Desk`` the staff app uses
in station mode, and nothing that reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from amanat.records.build import record_data
from amanat.vault.home import Home
from amanat.vault.seal import SealReceipt, SealSession
from amanat.vault.upload import Finished, UploadRegistry, clean_uploads

__all__ = ["DEFAULT_UPLOAD_LIMIT", "Station"]

DEFAULT_UPLOAD_LIMIT = 4 * 2**30  # a 4 GB video from a camera card


class Station:
    """A station's vault, opened for sealing only."""

    def __init__(self, home: Home) -> None:
        home.require("station", "This home is not a station, so it cannot take testimonies.")
        self.home = home
        self.vault = home.vault()
        home.station_seed()  # fail now, not at the first save, when the key is missing
        self._uploads: UploadRegistry | None = None

    def close(self) -> None:
        """Nothing to close; kept so a station and a desk are used alike."""

    def __enter__(self) -> Station:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def seal_intake(
        self, changes: Sequence[dict[str, Any]], files: Sequence[Finished], *, note: str = ""
    ) -> SealReceipt:
        """Seal one intake as one ``record`` entry naming the uploaded blobs (``files``,
        referred to by position in the changes), signed by this station."""
        data = record_data(changes, len(files))
        with SealSession(self.vault, self.home.station_seed()) as session:
            return session.seal(
                entry_type="record",
                note=note,
                data=data,
                sealed_files=[(f.blob, f.meta) for f in files],
            )

    def seal_audit(self, events: Sequence[dict[str, Any]]) -> SealReceipt:
        """Seal a batch of staff-app audit events as one ``audit`` entry, signed by this
        station (the same data a desk seals)."""
        data = {"schema": "amanat-audit/1", "events": list(events)}
        with SealSession(self.vault, self.home.station_seed()) as session:
            return session.seal(entry_type="audit", data=data)

    def uploads(self, *, limit: int = DEFAULT_UPLOAD_LIMIT) -> UploadRegistry:
        """The files this process is receiving in pieces, made on first use; partial
        uploads left by an earlier process are deleted then (their keys died with it)."""
        if self._uploads is None:
            clean_uploads(self.vault)
            recipients = self.vault.read_keyring().recipients()
            self._uploads = UploadRegistry(self.vault, recipients, limit=limit)
        return self._uploads
