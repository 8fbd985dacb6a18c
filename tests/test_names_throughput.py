"""Keying throughput of amanat.names (docs/format/names.md, "Performance").

Run as a script for the figures in the docs (one core, CPU time):

    .venv/bin/python tests/test_names_throughput.py

As a test, it checks on a small population that the caches do what the figures rely
on: a name seen before costs no token-level work.

The names are built here from their own short lists, written for this file; they do not
come from the benchmark population generator (benchmarks/), which must stay independent
of the matcher.
"""

from __future__ import annotations

import random
import sys
import time

from amanat.names import analysis, name_keys


def _words(text: str) -> list[str]:
    return text.split()


GIVEN = _words("""Серікжан Ерлан Нұрлан Айгүл Гүлнар Жанар Асқар Ерболат Бауыржан Дәурен
Қайрат Бақыт
Мұрат Жандос Ғалым Әсет Сәуле Динара Айжан Гүлмира Марат Талғат Нұрсұлтан Серік Бекзат Ержан
Серикжан Нурлан Айгуль Гульнара Канат Болат Самат Аскар Мухтар Алия Жулдыз Арман Данияр
Serikjan Nurlan Aigul Gulnar Zhanar Askar Yerbolat Baurzhan Dauren Kairat Bakyt Murat Zhandos
Memet Tursun Abdurehim Ehmetjan Gulnisa Patigul Reyhan Mirzat Ilham Adil Erkin Dilnur Alim Kurban
Yusup Omer Abdulla Rozi Turghun Nurmemet Abla Muhter Zulpiye Mihray Aynur Buhelchem Dilnigar Imin
مەمەت تۇرسۇن ئابدۇرېھىم ئەھمەتجان گۈلنىسا ئىلھام ئەركىن دىلنۇر ئالىم قۇربان
买买提 吐尔逊 阿不都热合曼 艾合买提江 古丽娜尔 依明 玉素甫 库尔班 努尔兰 叶尔兰 赛力克江 阿依古丽
Aıgúl Aigül Serikžan Nūrlan Ai'gu'l""")
SURNAMES = _words("""Білаш Серікұлы Нұрланұлы Омаров Сейітқали Жұмабаев Тоқтаров Ахметов Қасымова
Әбдірахманов Bilash Serikuly Nurlanuly Omarov Seitkali Zhumabaev Toktarov Akhmetov Kasymova
Abdrakhmanov Tursun Memet Abdulla Niyaz Yasin Hoshur Qadir Tohti Ablimit Abdukerim Nurmemet
Kerim تۇرسۇن مەمەت ئابدۇللا نىياز ياسىن قادىر توختى
别拉什 吐尔逊 买买提 阿不都 卡德尔 托合提""")


def population(distinct: int, draws: int, seed: int = 6) -> list[str]:
    """``draws`` names drawn with Zipf-like repetition (exponent 0.8) from ``distinct``."""
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < distinct:
        parts = [rng.choice(GIVEN), rng.choice(SURNAMES)]
        if rng.random() < 0.3:
            parts.append(rng.choice(SURNAMES))
        if rng.random() < 0.2:
            parts.reverse()
        chinese = any("\u4e00" <= c <= "\u9fff" for c in parts[0])
        names.add(("·" if chinese and rng.random() < 0.7 else " ").join(parts))
    pool = sorted(names)
    rng.shuffle(pool)
    weights = [1 / (i + 1) ** 0.8 for i in range(len(pool))]
    return rng.choices(pool, weights=weights, k=draws)


def _rate(names: list[str], key) -> float:  # type: ignore[no-untyped-def]
    start = time.process_time()
    for name in names:
        key(name)
    return len(names) / (time.process_time() - start)


def test_a_name_seen_before_costs_no_token_work() -> None:
    """Given 20,000 names drawn from 2,000, when keyed twice, then the second pass reads
    no word again (the token caches miss nothing) and gives the same keys."""
    names = population(2_000, 20_000, seed=1)
    first = [name_keys(n) for n in names]
    misses = analysis._readings.cache_info().misses
    analysis._read.cache_clear()
    name_keys.cache_clear()
    second = [name_keys(n) for n in names]
    assert analysis._readings.cache_info().misses == misses
    assert first == second


def main() -> None:
    names = population(100_000, 1_000_000)
    print(f"{len(names):,} names, {len(set(names)):,} distinct", file=sys.stderr)
    print(f"first pass, every cache cold: {_rate(names, name_keys):,.0f} names/s")
    print(f"second pass, warm: {_rate(names, name_keys):,.0f} names/s")
    uncached = name_keys.__wrapped__
    read = analysis._read
    analysis._read = read.__wrapped__  # type: ignore[assignment]
    try:
        rate = _rate(names, uncached)
    finally:
        analysis._read = read
    print(f"whole-name caches bypassed, token caches warm: {rate:,.0f} names/s")


if __name__ == "__main__":
    main()
