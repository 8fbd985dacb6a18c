"""Blocking: which pairs of records are worth comparing at all.

Comparing every pair of 1,000,000 records is 5 x 10^11 comparisons; blocking keeps the
pairs that share at least one *key*. Each rule turns a record into keys (a record may
have several: one per name form, per name word, per part of its ID); every key goes
into one narrow table ``block_keys(unique_id, key)`` of 64-bit hashes, and the pairs
are an equality join on it. Splink then scores exactly these pairs
(``register_blocked_pairs_for_predict``).

The rules:

``name``
    the same phonetic key of the whole name (any of its forms: a name in Chinese
    characters has several readings);
``word_pair``
    two words of the name beginning alike (the first three letters of their phonetic
    keys: catches -ov against -uly, a patronymic added, spelling variants);
``word_year``
    one word of the name sounding alike and the same birth year (catches a name
    written with a part missing or added);
``resident_id``
    the ID with one of its three six-digit thirds left out: two numbers that differ in
    one digit (or two neighbouring ones) agree on at least two thirds;
``year_place``
    the same birth year, county and sex (catches names the name keys cannot bring
    together, such as a name given as a nickname).

A key shared by more records than its rule's cap (``LinkSettings.caps``) is left out:
a block of n records costs n^2/2 comparisons, and the keys that large are the common
names, where the other rules still pair the records that belong together. The
benchmark measures what the caps cost in recall (``docs/performance.md``).
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

__all__ = ["BLOCKING_RULES", "DEFAULT_CAPS", "block_pairs"]

# rule -> SQL giving (unique_id, key text) rows from the table "records"
BLOCKING_RULES: Mapping[str, str] = {
    "name": "SELECT unique_id, unnest(nm_sounds) AS k FROM records",
    "word_pair": "SELECT unique_id, unnest(nm_pairs) AS k FROM records",
    "word_year": (
        "SELECT unique_id, hash(k, birth_year) AS k FROM "
        "(SELECT unique_id, unnest(nm_ptok) AS k, birth_year FROM records "
        "WHERE birth_year IS NOT NULL)"
    ),
    "resident_id": (
        "SELECT unique_id, unnest([ 'a' || substr(rid, 1, 12), "
        "'b' || substr(rid, 1, 6) || substr(rid, 13, 6), 'c' || substr(rid, 7, 12)]) AS k "
        "FROM records WHERE rid IS NOT NULL"
    ),
    "year_place": (
        "SELECT unique_id, CAST(birth_year AS VARCHAR) || county || sex AS k FROM records "
        "WHERE birth_year IS NOT NULL AND county IS NOT NULL AND sex IS NOT NULL"
    ),
}

DEFAULT_CAPS: Mapping[str, int] = {
    "name": 1000,
    "word_pair": 500,
    "word_year": 300,
    "resident_id": 50,
    "year_place": 150,
}


def block_pairs(
    con: duckdb.DuckDBPyConnection,
    caps: Mapping[str, int] = DEFAULT_CAPS,
    *,
    forced: str | None = None,
) -> dict[str, int]:
    """Create the table ``blocked_pairs(match_key, join_key_l, join_key_r)`` from the
    table ``records``; the pairs of the table ``forced`` (unique_id_l, unique_id_r),
    if given, are added whatever their keys. Returns counts for the report: keys,
    keys left out for their size, and pairs."""
    parts = []
    for i, (rule, sql) in enumerate(BLOCKING_RULES.items()):
        cap = caps.get(rule, DEFAULT_CAPS[rule])
        if cap < 2:
            continue
        parts.append(f"SELECT unique_id, hash({i}, k) AS key, {cap} AS cap FROM ({sql})")
    union = " UNION ALL ".join(parts) if parts else "SELECT 0 AS unique_id, 0 AS key, 0 AS cap"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE block_keys AS "
        f"SELECT DISTINCT unique_id, key, cap FROM ({union}) WHERE key IS NOT NULL"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE block_sizes AS "
        "SELECT key, count(*) AS n, any_value(cap) AS cap FROM block_keys GROUP BY key"
    )
    ((keys, oversized),) = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE n > cap) FROM block_sizes"
    ).fetchall()
    con.execute(
        "CREATE OR REPLACE TEMP TABLE block_usable AS SELECT k.unique_id, k.key "
        "FROM block_keys k JOIN block_sizes s USING (key) WHERE s.n BETWEEN 2 AND s.cap"
    )
    forced_sql = (
        f" UNION ALL SELECT least(unique_id_l, unique_id_r), greatest(unique_id_l, unique_id_r) "
        f"FROM {forced}"
        if forced
        else ""
    )
    con.execute(
        "CREATE OR REPLACE TABLE blocked_pairs AS "
        "SELECT '0' AS match_key, l AS join_key_l, r AS join_key_r FROM ("
        "SELECT a.unique_id AS l, b.unique_id AS r FROM block_usable a "
        "JOIN block_usable b ON a.key = b.key AND a.unique_id < b.unique_id"
        f"{forced_sql})"
        " GROUP BY l, r"
    )
    for table in ("block_usable", "block_sizes", "block_keys"):
        con.execute(f"DROP TABLE {table}")
    ((pairs,),) = con.execute("SELECT count(*) FROM blocked_pairs").fetchall()
    return {"block_keys": int(keys), "oversized_keys": int(oversized), "pairs": int(pairs)}
