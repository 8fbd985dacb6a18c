"""The ``amanat`` command speaks the language of the person at the keyboard.

Given ``--lang``, ``AMANAT_LANG`` or the terminal's ``LANG``, when a command prints its
result or an error, then it is in Kazakh or Russian where the catalogue has it, with the
values (paths, counts) filled in after translation, and exactly as before in English.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from amanat.cli import docs, words
from amanat.cli.main import build_parser
from amanat.cli.parsing import MISTYPED, language_given, said_again
from amanat.errors import InputError, ShareError, UsageError
from amanat.i18n import ENVIRONMENT_KEYS, LOCALES, from_environment, translator
from amanat.vault import seal
from conftest import Org, amanat_here
from test_cli_errors import amanat

KAZAKH = set("әғқңөұүі")
DOCS = Path(__file__).resolve().parent.parent / "docs"


def _speaking(cli_env: dict[str, str], **language: str) -> dict[str, str]:
    """``cli_env`` with no language of its own but the one given."""
    env = {k: v for k, v in cli_env.items() if k not in ENVIRONMENT_KEYS}
    return env | language


def test_the_terminal_s_language_is_spoken_and_values_are_kept(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Given a terminal set to Kazakh, when a folder that is no home is named, then the
    one error line is in Kazakh with the folder's path in it as typed; given Russian,
    in Russian; given LANG=C (a server), in English, as before."""
    folder = tmp_path / "бос қалта"
    folder.mkdir()
    said = {}
    for lang in ("kk_KZ.UTF-8", "ru_RU.UTF-8", "C"):
        done = amanat(_speaking(cli_env, LANG=lang), "status", "--home", str(folder))
        assert done.returncode == 3 and "Traceback" not in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        said[lang] = done.stderr.strip()
    assert said["kk_KZ.UTF-8"] == (
        f"amanat: {folder} — Amanat үй қалтасы емес; оны `amanat init` немесе "
        "`amanat station create` арқылы құрыңыз."
    )
    assert said["ru_RU.UTF-8"].startswith(f"amanat: {folder} — не папка Amanat; создайте")
    assert said["C"] == (
        f"amanat: {folder} is not an Amanat home; create one with `amanat init` or "
        "`amanat station create`."
    )


def test_lang_and_amanat_lang_come_before_the_terminal(org: Org, cli_env: dict[str, str]) -> None:
    """Given a Russian terminal, when --lang kk is given, then the command speaks Kazakh;
    given AMANAT_LANG=kk and --lang en, English: the option first, then Amanat's own
    variable, then the terminal. The JSON for scripts is the same in every language."""
    seal.seal_entry(org.station.vault(), org.station_seed, [], note="n")
    home = str(org.station.path)
    russian = _speaking(cli_env, LANG="ru_RU.UTF-8")
    kazakh = amanat(russian, "--lang", "kk", "status", "--home", home)
    assert kazakh.returncode == 0, kazakh.stderr
    first = "1 жазба; 1 әлі қауіпсіз емес (2 айнадан тұратын кворум: әзірге жоқ)."
    assert kazakh.stdout.startswith(first), kazakh.stdout
    assert "ҚАУІПСІЗ ЕМЕС" in kazakh.stdout
    english = amanat(russian | {"AMANAT_LANG": "kk"}, "--lang", "en", "status", "--home", home)
    assert english.stdout.startswith("1 entries; 1 not yet safe (a quorum of 2 mirrors: none yet).")
    also_kazakh = amanat(russian | {"AMANAT_LANG": "kk"}, "status", "--home", home)
    assert also_kazakh.stdout == kazakh.stdout
    in_russian = amanat(russian, "status", "--home", home)
    assert in_russian.stdout.startswith("Записей: 1; ещё не в безопасности: 1")
    as_json = {amanat(russian, "--lang", c, "status", "--home", home, "--json").stdout
               for c in ("en", "kk", "ru")}  # fmt: skip
    assert len(as_json) == 1


def test_a_trustee_reads_what_is_wrong_with_a_share_in_russian(
    org: Org, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Given a share with a misspelt fifth word, when a trustee checks the shares with a
    Russian terminal, then one line in Russian names the share file and the word's
    place, and never the word; and too few shares are counted in Russian."""
    words_of = org.shares[0].split()
    secret = words_of[4]
    words_of[4] = secret[:-1] + ("x" if secret[-1] != "x" else "y")
    bad = tmp_path / "share-typo.txt"
    bad.write_text(" ".join(words_of))
    env = _speaking(cli_env, LANG="ru_RU.UTF-8")
    files = [str(bad), str(org.share_files[1]), str(org.share_files[2])]
    done = amanat(env, "shares", "check", "--org", str(org.org_export), "--shares", *files)
    assert done.returncode == ShareError.exit_code
    assert done.stderr.strip() == (
        "amanat: share-typo.txt недействительна: слова 5 нет в списке слов SLIP-39 "
        "(проверьте написание)."
    )
    assert secret not in done.stderr
    two = [str(p) for p in org.share_files[:2]]
    done = amanat(env, "shares", "check", "--org", str(org.org_export), "--shares", *two)
    assert done.stderr.strip() == "amanat: Нужно разных долей доверенных лиц: 3; дано: 2."


def test_a_wrong_passphrase_is_said_in_kazakh(org: Org, cli_env: dict[str, str]) -> None:
    """Given a desk and the wrong passphrase, when a Kazakh-speaking volunteer opens an
    entry, then one Kazakh line says so and the passphrase is not in it."""
    receipt = seal.seal_entry(org.station.vault(), org.station_seed, [], note="n")
    env = _speaking(cli_env, AMANAT_LANG="kk")
    pulled = amanat(
        env, "pull", "--home", str(org.desk.path), "--from", str(org.station.path / "vault")
    )
    assert pulled.returncode == 0, pulled.stderr
    assert "Көшірілді: 1 жазба" in pulled.stdout
    done = amanat(
        env | {"AMANAT_PASSPHRASE": "wrong horse"},
        "open", "--home", str(org.desk.path), receipt.entry_id[:12],
    )  # fmt: skip
    assert done.stderr.strip() == "amanat: Бұл жұмыс орнының құпия фразасы қате. Қайталап көріңіз."
    assert "wrong horse" not in done.stderr


def test_a_station_asked_for_a_desk_s_work_says_so_in_kazakh_and_russian(
    org: Org, cli_env: dict[str, str]
) -> None:
    """Given a station, when a volunteer asks it to open an entry or to trust a station
    (a desk's work), then one line says, in the terminal's language, that this home is
    no desk and what it cannot do; in English as before."""
    home = str(org.station.path)
    said = {}
    for lang in ("kk", "ru", "en"):
        env = _speaking(cli_env, AMANAT_LANG=lang)
        done = amanat(env, "open", "--home", home, "0123456789ab")
        assert done.returncode == 3 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        said[lang] = done.stderr.strip()
    assert said["kk"] == (
        "amanat: Бұл үй қалтасы жұмыс орны емес, сондықтан ол мөрленген жазбаларды аша алмайды."
    )
    assert said["ru"].startswith("amanat: Эта домашняя папка — не рабочее место")
    assert said["en"] == "amanat: This home is not a desk, so it cannot open sealed entries."


@pytest.mark.parametrize(
    ("count", "form"),
    [(1, "1 проблема."), (3, "3 проблемы."), (5, "5 проблем."), (21, "21 проблема.")],
)
def test_russian_counts_take_the_form_their_number_asks(count: int, form: str) -> None:
    """Given Russian, when a count of problems is said, then 1 and 21 take one form,
    2 to 4 another, 5 to 20 a third; Kazakh keeps one; English two."""
    words.use("ru")
    try:
        assert words.ntr("%(count)d problem.", "%(count)d problems.", count) == form
        words.use("kk")
        assert words.ntr("%(count)d problem.", "%(count)d problems.", count) == f"{count} ақау."
        words.use("en")
        english = words.ntr("%(count)d problem.", "%(count)d problems.", count)
        assert english == (f"{count} problem." if count == 1 else f"{count} problems.")
    finally:
        words.use("en")


def test_an_error_without_a_translation_is_said_as_raised() -> None:
    """Given Kazakh, when an error's sentence is not in the catalogue (a library error
    still written as an f-string), then it is printed exactly as raised, not lost; and
    one that is there is translated with its values filled in after."""
    words.use("kk")
    try:
        untranslated = UsageError("the list has no column called 'ФИО'.")
        assert words.sentence(untranslated) == "the list has no column called 'ФИО'."
        known = UsageError("Data file not found: %(file)s", file="/tmp/100%.json")
        assert words.sentence(known) == "Деректер файлы табылмады: /tmp/100%.json"
        # A sentence that starts with a lowercase option name is found as written.
        lowercase = UsageError("keep-until is a number of records, 0 or more.")
        assert words.sentence(lowercase) == translator("kk").gettext(lowercase.message)
        assert words.sentence(lowercase) != lowercase.message
    finally:
        words.use("en")


def test_an_error_that_quotes_another_says_both_in_the_chosen_language() -> None:
    """Given a date the desk cannot read, quoted by the option it was given to and by
    a change that cannot be recorded, when the sentence is said in Kazakh or Russian,
    then both the quoting sentence and the one it quotes are in that language, the
    values kept; in English it is exactly the sentence raised, lower case kept."""
    inner = InputError("There is no month %(month)d; months run from 1 to 12.", month=13)
    option = InputError("%(option)s: %(reason)s", option="--since", reason=inner)
    change = InputError("this change cannot be recorded: %(reason)s", reason=inner)
    assert (
        str(change)
        == "this change cannot be recorded: There is no month 13; months run from 1 to 12."
    )
    try:
        for code in ("kk", "ru"):
            words.use(code)
            month = translator(code).gettext(inner.template) % {"month": 13}
            assert words.sentence(option) == f"--since: {month}"
            said = words.sentence(change)
            assert month in said and "cannot be recorded" not in said and "13" in said
            assert said[0].isupper()
        words.use("en")
        assert words.sentence(change) == str(change)
    finally:
        words.use("en")


@given(st.dictionaries(st.sampled_from(ENVIRONMENT_KEYS), st.text(max_size=40), max_size=5))
def test_any_environment_chooses_one_of_the_languages(environ: dict[str, str]) -> None:
    """Given any values in the language variables, then a language is chosen, one of
    ours, and nothing raises."""
    assert from_environment(environ) in LOCALES


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "kk_KZ.UTF-8"}, "kk"),
        ({"LANG": "ru_RU.utf8"}, "ru"),
        ({"LANG": "ru_KZ.UTF-8@euro"}, "ru"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANGUAGE": "de:kk", "LANG": "ru_RU.UTF-8"}, "kk"),
        ({"LC_ALL": "C", "LANG": "kk_KZ.UTF-8"}, "en"),
        ({"LC_MESSAGES": "ru_RU.UTF-8", "LANG": "kk_KZ.UTF-8"}, "ru"),
        ({"AMANAT_LANG": "kz", "LANG": "ru_RU.UTF-8"}, "kk"),
        ({"AMANAT_LANG": "fr", "LANG": "ru_RU.UTF-8"}, "en"),
    ],
)
def test_the_language_is_found_where_a_terminal_keeps_it(
    environ: dict[str, str], expected: str
) -> None:
    """Given the variables a terminal sets, then the command speaks as documented in
    docs/settings.md: AMANAT_LANG first (even one Amanat lacks: English), LANGUAGE's
    list, then LC_ALL (C means English), LC_MESSAGES, LANG."""
    assert from_environment(environ) == expected


def test_every_message_of_the_cli_part_is_translated_in_kazakh_and_russian() -> None:
    """Given the catalogues, then the prompts a trustee sees are in Kazakh and Russian
    (the part as a whole is checked by test_i18n's completeness test)."""
    for prompt in ("Desk passphrase: ", "Share %(number)d: "):
        kazakh = translator("kk").gettext(prompt)
        russian = translator("ru").gettext(prompt)
        assert KAZAKH & set(kazakh.lower()), kazakh
        assert russian != prompt and any("а" <= c <= "я" for c in russian.lower()), russian


def test_help_lists_the_languages() -> None:
    """Given `amanat --help`, then --lang and the five codes are there."""
    done = subprocess.run(
        [sys.executable, "-m", "amanat.cli.main", "--help"],
        capture_output=True, text=True, check=False, env=dict(os.environ),
    )  # fmt: skip
    assert "--lang {en,kk,ru,ug,zh}" in done.stdout


def test_an_id_is_checked_in_the_volunteer_s_language(cli_env: dict[str, str]) -> None:
    """Given a volunteer at the desk with a Kazakh terminal, when a resident ID is checked,
    then the answer is in Kazakh, the region's levels and the sex included, the Chinese
    place names as written; when an IIN is mistyped, the check's sentence is in Kazakh
    with the digit it needs; in Russian likewise."""
    kazakh = _speaking(cli_env, LANG="kk_KZ.UTF-8")
    done = amanat(kazakh, "id", "check", "650102 19800101 0012")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("ҚХР тұрғынының жарамды куәлік нөмірі: 650102198001010012\n")
    assert "Аймақ коды 650102, Шыңжаңда:" in text and "天山区" in text
    assert "    аудан" in text and "Туған күні: 1980-01-01" in text and "Жынысы: ер" in text
    wrong = amanat(kazakh, "id", "check", "800101300017")
    assert wrong.returncode == 6 and wrong.stderr.startswith("amanat: "), wrong.stderr
    assert "6" in wrong.stderr and KAZAKH & set(wrong.stderr.lower()), wrong.stderr
    russian = amanat(_speaking(cli_env, LANG="ru_RU.UTF-8"), "id", "check", "800101300016")
    assert russian.stdout.startswith("Действительный ИИН (IIN): 800101300016\n")
    assert "Пол: мужской" in russian.stdout


def test_linking_a_list_says_what_is_wrong_in_russian(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a researcher with AMANAT_LANG=ru, when `amanat link` is asked to write its
    output over the list it reads, or to a .json file, then one Russian line names both
    files by what they are, and nothing is written."""
    main = importlib.import_module("amanat.cli.main").main
    listed = tmp_path / "list.csv"
    listed.write_text("name\nSerik\n", "utf-8")
    mapping = tmp_path / "list.link.yaml"
    mapping.write_text("columns:\n  name: name\n", "utf-8")
    monkeypatch.setenv("AMANAT_LANG", "ru")
    try:
        code = main(["link", str(listed), "--mapping", str(mapping), "--out", str(listed)])
        assert code == UsageError.exit_code
        said = capsys.readouterr().err.strip()
        assert said == "amanat: выходной файл перезаписал бы список; выберите другой файл."
        code = main(["link", str(listed), "--mapping", str(mapping), "--out", "x.json"])
        said = capsys.readouterr().err.strip()
        assert said.startswith("amanat: выходной файл записывается как CSV или книга Excel")
        assert listed.read_text("utf-8") == "name\nSerik\n"
    finally:
        words.use("en")


def test_the_demo_tells_its_story_in_kazakh(cli_env: dict[str, str], tmp_path: Path) -> None:
    """Given a Kazakh terminal, when `amanat demo` runs, then each step of the story is
    told in Kazakh, the persons table's heads too, and it ends as in English: nothing
    lost, every entry on the mirrors."""
    done = amanat(
        _speaking(cli_env, LANG="kk_KZ.UTF-8"),
        "demo", "--no-serve", "--keep", str(tmp_path / "demo"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith(f"Amanat демосы: {tmp_path / 'demo'}\n")
    assert "әлі қауіпсіз емес жазбалар: 0. Кеңсе тәркіленсе де, ештеңе жоғалмайды." in text
    assert "АТЫ" in text and "ТУҒАН ЖЕРІ" in text and "Дәлел дәрежесі" in text
    assert "Екі рет жазылған адамдар: олардың 2-і" in text
    assert "ұсынылған байланыс" in text and "шешу керек" in text
    assert "Дайын: мөрленді, тексерілді, ашылды, дәлелденді" in text
    assert "Created organisation" not in text and "Done:" not in text
    assert "Persons recorded twice" not in text and "proposed link" not in text


def test_help_speaks_kazakh_with_the_examples_as_typed(cli_env: dict[str, str]) -> None:
    """Given `amanat --lang kk --help`, when a Kazakh-speaking volunteer reads it, then
    argparse's words (usage, the headings, -h's help), the description and each
    command's line are in Kazakh, the options and the example as typed."""
    done = amanat(cli_env, "--lang", "kk", "--help")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("қолданылуы: amanat [-h] [--version] [--lang {en,kk,ru,ug,zh}] COMMAND")
    assert "\nпозициялық аргументтер:\n" in text and "\nпараметрлер:\n" in text
    assert "  -h, --help               осы анықтаманы көрсетіп, шығу" in text
    assert "бағдарлама нұсқасын көрсетіп, шығу" in text
    assert "Amanat: мөрленген, қол қойылған, айналарға көшірілген айғақтар мұрағаты." in text
    assert "    init                   Ұйымды, оның алғашқы жұмыс орнын және" in text
    assert text.rstrip().endswith("Мысал:\n  amanat demo")
    for english in ("usage:", "options:", "positional arguments", "show this help", "Example:"):
        assert english not in text, english


def test_a_command_s_help_speaks_russian(cli_env: dict[str, str]) -> None:
    """Given `amanat --lang ru import --help`, then its description, every paragraph of
    it, and its options' help are in Russian; the metavars and the example as typed."""
    done = amanat(cli_env, "--lang", "ru", "import", "--help")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("использование: amanat import [-h] [--mapping MAP] [--dry-run]")
    assert "\nИмпортировать таблицу людей или папку со скачанными видео.\n\nПри первом" in text
    assert "проверьте его и запустите снова с --mapping." in text
    assert "  --dry-run               проверить каждую строку, ничего не запечатывая" in text
    assert "  --report FILE           куда записать отчёт по строкам (CSV)" in text
    assert "\nпараметры:\n" in text and "\nпозиционные аргументы:\n" in text
    assert text.rstrip().endswith(
        "Пример:\n  amanat import list.xlsx --mapping list.mapping.yaml --dry-run"
    )
    assert "Import a spreadsheet" not in text and "check every row" not in text


def test_help_follows_amanat_lang_and_the_terminal(cli_env: dict[str, str]) -> None:
    """Given AMANAT_LANG=ru and no --lang, then `amanat --help` is in Russian; given a
    Kazakh terminal, a command's help is in Kazakh; --lang before the command wins."""
    russian = amanat(_speaking(cli_env, AMANAT_LANG="ru"), "--help")
    assert russian.stdout.startswith("использование: amanat "), russian.stdout
    assert "показать эту справку и выйти" in russian.stdout
    kazakh = amanat(_speaking(cli_env, LANG="kk_KZ.UTF-8"), "status", "--help")
    assert kazakh.stdout.startswith("қолданылуы: amanat status"), kazakh.stdout
    english = amanat(_speaking(cli_env, AMANAT_LANG="ru"), "--lang=en", "status", "--help")
    assert english.stdout.startswith("usage: amanat status"), english.stdout


def test_a_mistyped_command_line_is_said_in_russian(cli_env: dict[str, str]) -> None:
    """Given a Russian terminal, when a required option is left out, a choice is not
    one of the command's, or --lang names no language of ours, then the one error line
    after the usage is in Russian, the options and values as typed, and the exit
    status is 2, as in English."""
    russian = _speaking(cli_env, LANG="ru_RU.UTF-8")
    done = amanat(russian, "export")
    assert done.returncode == 2
    assert done.stderr.startswith("использование: amanat export [-h] --out DIR")
    assert done.stderr.splitlines()[-1] == "amanat export: ошибка: обязательно укажите: --out"
    done = amanat(russian, "id", "check", "123", "--kind", "us")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        "amanat id check: ошибка: аргумент --kind: недопустимое значение: 'us' "
        "(выберите одно из: 'auto', 'cn', 'kz')"
    )
    done = amanat(russian, "--lang", "fr", "status")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1].startswith(
        "amanat: ошибка: аргумент --lang: недопустимое значение: 'fr'"
    )
    english = amanat(cli_env, "export")
    assert english.stderr.splitlines()[-1] == (
        "amanat export: error: the following arguments are required: --out"
    )


def test_english_help_is_what_docs_cli_md_shows(cli_env: dict[str, str]) -> None:
    """Given English (LANG=C), when `amanat --help` and a command's help are printed,
    then they are byte for byte the pages of docs/cli.md, which stay as they were."""
    reference = (DOCS / "cli.md").read_text("utf-8")
    english = _speaking(cli_env, LANG="C")
    for command in ([], ["station", "revoke"], ["import"]):
        done = amanat(english, *command, "--help")
        assert done.returncode == 0, done.stderr
        title = " ".join(["amanat", *command])
        assert f"## `{title}`\n\n```text\n{done.stdout.rstrip()}\n```\n" in reference, title


def test_the_reference_is_english_whatever_language_was_chosen() -> None:
    """Given a process that chose Kazakh, when docs/cli.md is rendered, then it is the
    English reference, and Kazakh is still chosen after."""
    words.use("kk")
    try:
        assert docs.render() == (DOCS / "cli.md").read_text("utf-8")
        assert words.current() == "kk"
    finally:
        words.use("en")


def _help_texts(parser: argparse.ArgumentParser) -> list[str]:
    texts = [parser.description or ""]
    for action in parser._actions:
        texts.append(action.help or "")
        if isinstance(action, argparse._SubParsersAction):
            texts += [choice.help or "" for choice in action._choices_actions]
            for sub in action.choices.values():
                texts += _help_texts(sub)
    return [t for t in texts if t]


@pytest.mark.parametrize("code", ["kk", "ru"])
def test_every_help_text_is_translated(code: str) -> None:
    """Given every help text of the parser (its commands', options' and descriptions',
    and argparse's own), then the catalogue translates each one: a help text that
    extraction missed would be printed in English."""
    texts = _help_texts(build_parser())
    assert len(texts) > 150
    untranslated = [t for t in texts if translator(code).gettext(t) == t]
    assert not untranslated, untranslated


@pytest.mark.parametrize(
    "argv",
    [
        ["--lang", "kk", "log"],
        ["--lang=ru", "log"],
        ["--la", "kk", "log"],
        ["--lang", "kk", "--lang", "ru", "log"],
        ["log", "--home", "x"],
        ["places", "add", "Қорғас", "--lang", "kk"],
        ["--lang", "en", "places", "add", "Қорғас", "--lang", "ru"],
    ],
)
def test_the_language_is_read_before_parsing_as_argparse_reads_it(argv: list[str]) -> None:
    """Given a command line argparse accepts, then --lang read before parsing (for
    --help and errors) names the language argparse reads; a command's own --lang
    (a place name's language) is not it."""
    assert language_given(argv) == build_parser().parse_args(argv).language


def test_adding_a_place_speaks_the_chosen_language(cli_env: dict[str, str], tmp_path: Path) -> None:
    """Given AMANAT_LANG=ru, when `amanat places add` runs with or without its own
    --lang (the place name's language), then it speaks Russian; given --lang kk before
    the command, Kazakh, whatever the name's language. (Its --lang default, "und", once
    took the place of the command's language, and it spoke English.)"""
    folder = tmp_path / "no-home"
    folder.mkdir()
    russian = _speaking(cli_env, AMANAT_LANG="ru")
    for name_language in ([], ["--lang", "kk"]):
        done = amanat(russian, "places", "add", "Khorgos", *name_language, "--home", str(folder))
        assert done.returncode == 3, done.stderr
        assert done.stderr.startswith(f"amanat: {folder} — не папка Amanat"), done.stderr
    done = amanat(
        russian, "--lang", "kk", "places", "add", "Khorgos", "--lang", "ru", "--home", str(folder)
    )
    assert done.stderr.startswith(f"amanat: {folder} — Amanat үй қалтасы емес"), done.stderr


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--lang", "fr", "status"], None),
        (["--lang"], None),
        (["-h", "--lang", "ru"], "ru"),
        (["--lang=kk", "--help"], "kk"),
        (["--", "--lang", "kk"], None),
        (["status", "--lang", "kk"], None),
    ],
)
def test_the_language_of_a_command_line_argparse_refuses(
    argv: list[str], expected: str | None
) -> None:
    """Given --help before the command, or a command line argparse refuses, then the
    language read before parsing is the one named, or none (the environment's)."""
    assert language_given(argv) == expected


def test_argparse_s_sentences_are_said_again_with_their_values() -> None:
    """Given argparse's English sentences, then in English each is said exactly as
    argparse wrote it; in Kazakh with the values as typed; and one Amanat does not
    know (a later Python's) is kept as it is."""
    sentences = [
        "argument --home: expected one argument",
        "argument --kind: invalid choice: 'us' (choose from 'auto', 'cn', 'kz')",
        "argument --limit: invalid int value: '20%'",
        "the following arguments are required: FILE, --out",
        "ambiguous option: --h could match --help, --home",
        "something argparse may say one day",
    ]
    assert [said_again(s) for s in sentences] == sentences
    words.use("kk")
    try:
        kazakh = [said_again(s) for s in sentences]
        assert kazakh[0] == "--home аргументі: бір мән керек"
        assert kazakh[2] == "--limit аргументі: бүтін сан керек, ал берілгені: '20%'"
        assert "'us'" in kazakh[1] and "'auto', 'cn', 'kz'" in kazakh[1]
        assert kazakh[3].endswith(": FILE, --out") and KAZAKH & set(kazakh[3])
        assert kazakh[-1] == sentences[-1]
        for template in MISTYPED:
            assert translator("kk").gettext(template) != template
    finally:
        words.use("en")


def test_a_list_that_cannot_be_read_is_said_in_the_volunteer_s_language(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """Given a "workbook" that is no workbook, when a Russian-speaking volunteer imports
    it, then the one error line is in Russian with the file's name in it; given a link
    mapping with a field the command does not know, a Kazakh-speaking one reads it in
    Kazakh, the field quoted as written; in English both read exactly as before."""
    fake = tmp_path / "тізім.xlsx"
    fake.write_bytes(b"name,sex\nSerik,M\n")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("version: 1\ncolumns:\n  name_native: name\n", "utf-8")
    command = ("import", str(fake), "--mapping", str(mapping), "--dry-run")
    russian = amanat(_speaking(cli_env, LANG="ru_RU.UTF-8"), *command)
    assert russian.returncode == UsageError.exit_code, russian.stderr
    assert russian.stderr.strip() == (
        "amanat: тізім.xlsx — не читаемая книга .xlsx; откройте её в Excel или LibreOffice "
        "и сохраните заново как .xlsx."
    )
    english = amanat(_speaking(cli_env, LANG="C"), *command)
    assert english.stderr.strip() == (
        "amanat: тізім.xlsx is not a readable .xlsx workbook; open it in Excel or "
        "LibreOffice and save it again as .xlsx."
    )

    listed = tmp_path / "list.csv"
    listed.write_text("name\nSerik\n", "utf-8")
    link_mapping = tmp_path / "list.link.yaml"
    link_mapping.write_text("version: 1\ncolumns:\n  name: name\n  nickname: name\n", "utf-8")
    command = (
        "link",
        str(listed),
        "--mapping",
        str(link_mapping),
        "--out",
        str(tmp_path / "o.csv"),
    )
    kazakh = amanat(_speaking(cli_env, LANG="kk_KZ.UTF-8"), *command)
    assert kazakh.returncode == UsageError.exit_code, kazakh.stderr
    said = kazakh.stderr.strip()
    assert said.startswith(
        "amanat: list.link.yaml сәйкестендіру файлы: `columns` бөлімінде белгісіз 'nickname' "
        "өрісі бар (белгілілері: name, "
    ), said
    assert said.endswith("). Түзетіп, қайта іске қосыңыз.") and KAZAKH & set(said), said
    english = amanat(_speaking(cli_env, LANG="C"), *command)
    assert english.stderr.strip().startswith(
        "amanat: The mapping list.link.yaml: columns has an unknown field 'nickname' (known: name, "
    ), english.stderr
    assert english.stderr.strip().endswith("). Fix it and run again.")


def _in(lang: str, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """``amanat --lang LANG ARGS`` run in this process (``amanat_here``): its exit code,
    what it printed and what it said on stderr."""
    done = amanat_here(env, "--lang", lang, *args)
    return done.returncode, done.stdout, done.stderr.strip()


def test_the_files_an_error_is_about_are_named_in_the_volunteer_s_language(
    org: Org, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    """Given a list, its mapping, and a report named as a folder or as the list itself,
    when a Kazakh- or Russian-speaking volunteer imports it, then the one error line
    names the report and the list in their language, not as the English words "report"
    and "list", with the path as typed; in English exactly as before."""
    listing = tmp_path / "list.csv"
    listing.write_text("ФИО,Пол\nНурлан Серикбаев,м\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("version: 1\ncolumns:\n  name_native: ФИО\n  sex: Пол\n", "utf-8")
    (tmp_path / "папка").mkdir()
    said = {}
    for report in ("папка", "list.csv"):
        for lang in ("kk", "ru", "en"):
            code, _, said[report, lang] = _in(
                lang, cli_env, "import", str(listing), "--mapping", str(mapping),
                "--report", str(tmp_path / report), "--home", str(org.desk.path),
            )  # fmt: skip
            assert code == UsageError.exit_code, said[report, lang]
    folder = tmp_path / "папка"
    assert said["папка", "kk"] == (
        f"amanat: Есеп ({folder}) — қалта; оның ішіндегі файлдың атауын беріңіз."
    )
    assert said["папка", "ru"] == f"amanat: Отчёт ({folder}) — это папка; укажите имя файла в ней."
    assert said["папка", "en"] == (
        f"amanat: The report, {folder}, is a folder; give the name of a file in it."
    )
    assert said["list.csv", "kk"] == (
        "amanat: Есеп «тізім» орнына жазылып кетер еді; басқа файл таңдаңыз."
    )
    assert said["list.csv", "ru"] == (
        "amanat: Файл «отчёт» перезаписал бы «список»; выберите другой файл."
    )
    assert said["list.csv", "en"] == (
        "amanat: The report would overwrite the list; choose another file."
    )


def test_a_damaged_vault_and_mirror_are_reported_in_the_administrator_s_language(
    org: Org, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    """Given a station whose entry's file is flipped by one bit, in its own vault and
    on its USB mirror, when a Kazakh-speaking administrator runs `amanat verify` and a
    Russian-speaking one `amanat sync --deep`, then each problem (and the repair) is a
    line in their language naming the damaged file, with none of the English line;
    in English the lines are exactly as before."""
    home = str(org.station.path)
    media = tmp_path / "video.mp4"
    media.write_bytes(b"\x01" * 5000)
    seal.seal_entry(org.station.vault(), org.station_seed, [seal.FileToSeal(media)])
    for args in (("mirror", "add", "--home", home, "usb", str(tmp_path / "usb")),
                 ("sync", "--home", home)):  # fmt: skip
        assert _in("en", cli_env, *args)[0] == 0
    mirrored = next((tmp_path / "usb" / "blobs").rglob("*/*"))
    own = next((org.station.path / "vault" / "blobs").rglob("*/*"))
    for blob in (mirrored, own):
        data = bytearray(blob.read_bytes())
        data[10] ^= 1
        blob.write_bytes(bytes(data))

    def lines(lang: str, *args: str) -> list[str]:
        _, out, _ = _in(lang, cli_env, *args)
        return [x.strip() for x in out.splitlines() if own.name[:8] in x]

    corrupted = "content does not match its name (corrupted or replaced)"
    kazakh = lines("kk", "verify", "--home", home)
    said = translator("kk").gettext(corrupted)
    assert kazakh and all(said in x and corrupted not in x for x in kazakh), kazakh
    assert kazakh[0].startswith(translator("kk").gettext("PROBLEM") + " blobs/")
    where = own.relative_to(org.station.path / "vault")
    assert lines("en", "verify", "--home", home) == [f"PROBLEM {where}: {corrupted}"]

    # the same bit in both copies: the mirror's is found corrupted, and nothing here mends it
    mirror_line = "%(key)s is corrupted (its content does not match its name)"
    russian = lines("ru", "sync", "--home", home, "--deep")
    said = translator("ru").gettext(mirror_line).split("%(key)s")[-1].strip()
    assert said and any(said in x for x in russian), russian
    assert not any("is corrupted" in x or "is lost" in x for x in russian), russian
