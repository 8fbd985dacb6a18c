"""Desk services: the vault, the views and the records domain composed for one desk.

The CLI and the staff web app call these; they never reach into the vault or the
views database themselves (ARCHITECTURE.md, "Layers"). ``Station`` is the sealing-only
subset for a station, which holds no decryption key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from amanat import imported_on_use

if TYPE_CHECKING:
    from amanat.desk.service import Desk, views_key
    from amanat.desk.station import Station

__all__ = ["Desk", "Station", "views_key"]

__getattr__ = imported_on_use(
    __name__, {"Desk": "service", "views_key": "service", "Station": "station"}
)
