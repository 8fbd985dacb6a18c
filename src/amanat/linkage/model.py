"""The Splink model: comparisons over the prepared columns, and how it is trained.

Each comparison is a list of SQL levels, first match wins (Splink's comparison
levels). The columns are those of ``prepare.prepare_records``; ``_l`` and ``_r`` are
the two records of a pair. Levels are ordered from strongest agreement to none, and
Splink learns how much each is worth:

- u (how often a level occurs between two different persons) by random sampling;
- m (how often between two records of one person) by expectation maximisation on
  pairs sharing a resident ID (which trains everything but the ID) and on pairs
  sharing a name key and a birth date (which trains the ID, places, relatives, sex);
- and, when a reviewer has decided pairs, m from the pairs decided "same".
"""

from __future__ import annotations

from typing import Any

from amanat.linkage.engine import DUCKDB, Dialect

__all__ = ["EM_BLOCKING_RULES", "PRIOR", "Prior", "comparisons"]

Level = dict[str, Any]


def _null(condition: str) -> Level:
    return {"sql_condition": condition, "label_for_charts": "null", "is_null_level": True}


def _level(condition: str, label: str) -> Level:
    return {"sql_condition": condition, "label_for_charts": label}


_ELSE: Level = {"sql_condition": "ELSE", "label_for_charts": "else"}


def _names(d: Dialect) -> dict[str, Any]:
    # Token-set similarity of the first sorted forms (Jaro-Winkler over the tokens
    # sorted alphabetically, so word order does not count).
    jw = d.similarity("name_form_l", "name_form_r")
    one_word = d.overlap("nm_ptok_l", "nm_ptok_r")
    # A name of one word ("Ali", "Serik", "Haji Ali") alike is one word alike, however
    # it is read: in a short list "Ali" and "Ali" are otherwise a whole rare name alike,
    # and five men called Ali, born in 1980, were linked as one.
    whole = "NOT (coalesce(nm_single_l, false) OR coalesce(nm_single_r, false))"
    return {
        "output_column_name": "name",
        "comparison_levels": [
            _null(
                "(name_form_l IS NULL AND name_block_l IS NULL) "
                "OR (name_form_r IS NULL AND name_block_r IS NULL)"
            ),
            {
                **_level(f"name_block_l = name_block_r AND {whole}", "same sound"),
                # how common the name is: a rare name alike says more than a common one
                "tf_adjustment_column": "name_block",
                "tf_adjustment_weight": 1.0,
                # against this level's own u (it is the exact match of name_block, but
                # for names of one word, which Splink cannot tell from its SQL)
                "disable_tf_exact_match_detection": True,
            },
            _level(
                f"{d.overlap('nm_words_l', 'nm_words_r')} AND {whole}", "same words, other reading"
            ),
            _level(
                f"{d.overlap('nm_sounds_l', 'nm_sounds_r')} AND {whole}",
                "same sound, other reading",
            ),
            _level(f"{jw} >= 0.92 AND {whole}", "near spelling"),
            _level(d.overlap("nm_ptok2_l", "nm_ptok2_r"), "two words sound alike"),
            _level(d.overlap("nm_pairs_l", "nm_pairs_r"), "two words begin alike"),
            _level(f"{one_word} OR {jw} >= 0.8", "one word sounds alike"),
            _ELSE,
        ],
    }


def _birth(d: Dialect) -> dict[str, Any]:
    gap = d.days("least(birth_hi_l, birth_hi_r)", "greatest(birth_lo_l, birth_lo_r)")
    return {
        "output_column_name": "birth",
        "comparison_levels": [
            _null("birth_lo_l IS NULL OR birth_lo_r IS NULL"),
            _level("birth_day_l = birth_day_r", "same day"),
            _level("birth_lo_l <= birth_hi_r AND birth_lo_r <= birth_hi_l", "overlap"),
            _level(f"{gap} <= 366", "within a year"),
            _level(f"{gap} <= 731", "within two years"),
            _ELSE,
        ],
    }


def _detained(d: Dialect) -> dict[str, Any]:
    # A month is at most 31 days: two ranges that short which overlap name the same
    # month (or day); a year alone overlapping a day says much less.
    gap = d.days("least(detained_hi_l, detained_hi_r)", "greatest(detained_lo_l, detained_lo_r)")
    overlap = "detained_lo_l <= detained_hi_r AND detained_lo_r <= detained_hi_l"
    short = (
        f"{d.days('detained_lo_l', 'detained_hi_l')} <= 31 "
        f"AND {d.days('detained_lo_r', 'detained_hi_r')} <= 31"
    )
    return {
        "output_column_name": "detained",
        "comparison_levels": [
            _null("detained_lo_l IS NULL OR detained_lo_r IS NULL"),
            _level(
                "detained_lo_l = detained_hi_l AND detained_lo_r = detained_hi_r "
                "AND detained_lo_l = detained_lo_r",
                "same day",
            ),
            _level(f"{overlap} AND {short}", "same month"),
            _level(overlap, "overlap"),
            _level(f"{gap} <= 92", "within three months"),
            _level(f"{gap} <= 366", "within a year"),
            _ELSE,
        ],
    }


def _resident_id(d: Dialect) -> dict[str, Any]:
    # GB 11643's MOD 11-2 check character catches every single-digit error and every
    # swap of two digits, so two numbers that differ in one or two places and do not
    # both pass the check are one number mistyped, not two persons.
    one_bad = "NOT (rid_ok_l AND rid_ok_r)"
    return {
        "output_column_name": "resident_id",
        "comparison_levels": [
            _null("rid_l IS NULL OR rid_r IS NULL"),
            _level("rid_l = rid_r", "same"),
            _level(f"{d.differing('rid_l', 'rid_r')} = 1 AND {one_bad}", "one digit mistyped"),
            _level(f"{d.differing('rid_l', 'rid_r')} = 2 AND {one_bad}", "two digits mistyped"),
            _ELSE,
        ],
    }


def _place(d: Dialect) -> dict[str, Any]:
    return {
        "output_column_name": "hometown",
        "comparison_levels": [
            _null(
                f"(prefecture_l IS NULL AND {d.size('home_keys_l')} = 0 AND id_county_l IS NULL) "
                f"OR (prefecture_r IS NULL AND {d.size('home_keys_r')} = 0 AND id_county_r IS NULL)"
            ),
            _level("county_l = county_r", "same county"),
            _level(d.overlap("home_keys_l", "home_keys_r"), "a place's name alike"),
            _level(
                "coalesce(county_l, id_county_l) = coalesce(county_r, id_county_r)",
                "same county, one from a resident ID",
            ),
            _level("prefecture_l = prefecture_r", "same prefecture"),
            _ELSE,
        ],
    }


def _relatives(d: Dialect) -> dict[str, Any]:
    return {
        "output_column_name": "relatives",
        "comparison_levels": [
            _null(f"{d.size('rel_keys_l')} = 0 OR {d.size('rel_keys_r')} = 0"),
            _level(d.overlap("rel_keys_l", "rel_keys_r"), "a relative's name alike"),
            _ELSE,
        ],
    }


def _sex() -> dict[str, Any]:
    return {
        "output_column_name": "sex",
        "comparison_levels": [
            _null("sex_l IS NULL OR sex_r IS NULL"),
            _level("sex_l = sex_r", "same"),
            _ELSE,
        ],
    }


def comparisons(prior: Prior | None = None, dialect: Dialect = DUCKDB) -> list[dict[str, Any]]:
    """The model's comparisons as Splink comparison dictionaries in the SQL of
    ``dialect``, with the m and u of ``prior`` (comparison name -> (m, u) for each level
    but the null one) if given."""
    d = dialect
    out = [_names(d), _birth(d), _resident_id(d), _place(d), _relatives(d), _sex(), _detained(d)]
    for comparison in out if prior is not None else ():
        values = prior.get(comparison["output_column_name"])  # type: ignore[union-attr]
        if values is None:
            continue
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for level, (m, u) in zip(levels, values, strict=True):
            level["m_probability"], level["u_probability"] = m, u
    return out


Prior = dict[str, tuple[tuple[float, float], ...]]

# The built-in model: m and u learnt by ``training.train_model`` on a generated
# population of 100,000 records (benchmarks/population.py, seed 7; the benchmark scores
# seed 1), for lists too small to learn from; retrained with the date of detention and the
# relative blocking rule. Regenerate with
# ``python benchmarks/linkage.py --prior`` when the comparisons change.
PRIOR: Prior = {
    "name": (
        (0.5418, 5.365e-05),
        (0.09851, 2.54e-05),
        (0.1595, 4.114e-05),
        (0.03157, 0.0001291),
        (0.02981, 0.0001219),
        (0.02884, 0.0001767),
        (0.09886, 0.01827),
        (0.01102, 0.9812),
    ),
    "birth": (
        (0.4825, 2.462e-05),
        (0.4268, 0.01327),
        (0.07176, 0.04554),
        (0.01691, 0.0381),
        (0.001997, 0.9031),
    ),
    "resident_id": ((0.9503, 2.191e-05), (0.03398, 7.834e-07), (0.01371, 3.622e-07), (0.001996, 1)),
    "hometown": (
        (0.7566, 0.01645),
        (0.01109, 0.0006334),
        (0.1406, 0.008034),
        (0.07115, 0.1395),
        (0.0206, 0.8423),
    ),
    "relatives": ((0.5098, 7.522e-05), (0.4902, 0.9999)),
    "sex": ((0.998, 0.5306), (0.001996, 0.4694)),
    "detained": (
        (0.1812, 0.0001244),
        (0.3773, 0.009987),
        (0.314, 0.1216),
        (0.09066, 0.148),
        (0.03484, 0.3264),
        (0.001999, 0.3939),
    ),
}


# Splink leaves out of an EM session every comparison that reads a column of its
# blocking rule, so each rule trains the comparisons it does not use.
EM_BLOCKING_RULES = (
    "l.rid = r.rid",
    "l.name_block = r.name_block AND l.birth_lo = r.birth_lo AND l.birth_hi = r.birth_hi",
)
