"""Record linkage: which records, across lists and scripts, are one person.

Blocking on name keys, ID numbers, birth years and places (``blocking``); a Splink
model comparing names in all their forms, resident IDs (one mistyped digit is a strong
partial match), birth date ranges, places, relatives, sex and when the person was
taken (``model``), its SQL run on DuckDB in this process or on Spark for a list too
large for one machine (``engine``, ``spark``: PySpark is an extra, loaded only there);
three outcomes per pair (automatic link, human review, no link) and clusters of
records into persons (``link``, ``clusters``). ``prepare`` derives the compared
columns; ``evaluation`` scores a result against the truth; ``mapping`` reads the
column mapping of ``amanat link``; ``settings`` holds how to link and a reviewer's
decision, light enough for a desk to load at start.

    result = link_records(rows, decisions=[Decision("r1", "r7", "same")])
    result.cluster_of()   # record id -> the record id naming its person
    result.review()       # pairs for a person to decide
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from amanat import imported_on_use

if TYPE_CHECKING:
    from amanat.linkage.link import LinkResult, ScoredPair, link_columns, link_records
    from amanat.linkage.mapping import LinkMapping, load_link_mapping
    from amanat.linkage.prepare import RECORD_FIELDS, normalise_resident_id, prepare_records
    from amanat.linkage.settings import Decision, LinkSettings

__all__ = [
    "RECORD_FIELDS",
    "Decision",
    "LinkMapping",
    "LinkResult",
    "LinkSettings",
    "ScoredPair",
    "link_columns",
    "link_records",
    "load_link_mapping",
    "normalise_resident_id",
    "prepare_records",
]

# Each name's module is imported the first time the name is asked for: DuckDB, Arrow
# and Splink load when something links, not with every desk command.
__getattr__ = imported_on_use(
    __name__,
    {
        "RECORD_FIELDS": "prepare",
        "Decision": "settings",
        "LinkMapping": "mapping",
        "LinkResult": "link",
        "LinkSettings": "settings",
        "ScoredPair": "link",
        "link_columns": "link",
        "link_records": "link",
        "load_link_mapping": "mapping",
        "normalise_resident_id": "prepare",
        "prepare_records": "prepare",
    },
)
