"""The domain: persons, identity numbers, places, statuses, testimonies.

Standard library and pure libraries only (ARCHITECTURE.md, "Layers"): no I/O, no SQL,
no crypto.
"""

from __future__ import annotations

from amanat.records.dates import PartialDate, Precision
from amanat.records.ids import KazakhIin, PassportNumber, RegionName, ResidentId

__all__ = [
    "KazakhIin",
    "PartialDate",
    "PassportNumber",
    "Precision",
    "RegionName",
    "ResidentId",
]
