"""The domain: persons, identity numbers, places, statuses, testimonies.

Standard library and pure libraries only (ARCHITECTURE.md, "Layers"): no SQL, no crypto,
and no I/O but reading the reference data shipped inside the package (``records/data``).
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
