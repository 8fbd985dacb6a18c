"""Names across scripts (issue 6): pure functions, no I/O beyond reading the tables.

``detect_script``, ``analyse``, ``name_keys``, ``query_keys``, ``name_similarity``; the
key format and the tables are described in docs/format/names.md.
"""

from amanat.names.analysis import (
    KINDS,
    MAX_FORMS,
    NameAnalysis,
    NameKey,
    NameToken,
    analyse,
    is_label,
    name_keys,
    name_similarity,
    query_keys,
)
from amanat.names.phonetic import phonetic_key
from amanat.names.scripts import detect_script
from amanat.names.tables import TABLE_VERSION

__all__ = [
    "KINDS",
    "MAX_FORMS",
    "TABLE_VERSION",
    "NameAnalysis",
    "NameKey",
    "NameToken",
    "analyse",
    "detect_script",
    "is_label",
    "name_keys",
    "name_similarity",
    "phonetic_key",
    "query_keys",
]
