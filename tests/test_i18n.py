"""The staff application's languages (issue 5, item 5; docs/guide/languages.md).

Given the catalogues shipped in the package, then every message is translated where
the locale claims it, the compiled files match their sources, placeholders survive
translation, and the negotiation, direction and extraction behave as documented.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib.util
import io
import pickle
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import jinja2
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from amanat import errors
from amanat.errors import FormatError, InputError, Words
from amanat.i18n import phrase
from amanat.records.dates import PartialDate
from amanat.records.ids import KazakhIin, ResidentId, iin_check_digit, ric_check_character
from amanat.vault.log import Envelope
from amanat.views.project import LOST_PROBLEM
from amanat.views.schema import MIGRATIONS
from amanat.web.staff import i18n
from amanat.web.staff.intake import RECORD_CHECKS, _said
from conftest import Org
from test_web_intake import step
from web_staff import csrf_of, staff_site

LOCALE_DIR = i18n.LOCALE_DIR
STAFF = Path(i18n.__file__).resolve().parent
WEB = STAFF.parent
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "i18n.py"
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdifr]|\{[A-Za-z_][A-Za-z0-9_]*\}")
NOTE = "translator-note: machine-assisted, needs review by a native speaker"
KAZAKH_LETTERS = set("әғқңөұүі")  # and һ, which only loanwords use; none here yet


def _read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def _po(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"


def _template() -> list[Message]:
    return [m for m in _read(LOCALE_DIR / "messages.pot") if m.id]


def _part(message: Message) -> str:
    for comment in message.auto_comments:
        if comment.startswith("part:"):
            return comment.removeprefix("part:").strip()
    return "staff"


def _strings(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _translated(message: Message | None) -> bool:
    return message is not None and all(_strings(message.string)) and bool(message.string)


def test_the_template_has_the_seeded_messages_with_parts() -> None:
    """Given messages.pot, then it holds the seeded interface messages, each part is
    used, and the ten statuses, four consent levels and five grades are there."""
    messages = _template()
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in messages}
    assert len(messages) >= 150
    assert {_part(m) for m in messages} == set(i18n.PARTS)
    for needed in (
        "Persons",
        "Log out",
        "Two-factor code",
        "Evidence grade",
        "Sealed.",
        "Disappeared",
        "Passport confiscated / travel banned",
        "Internal only",
        "Corroborated",
        "What happened",
        "Attachments",
    ):
        assert needed in ids


@pytest.mark.parametrize("code", sorted(i18n.LOCALES))
def test_every_message_a_locale_claims_is_translated(code: str) -> None:
    """Given a locale and the parts LOCALES says it completes, when each message of
    messages.pot is looked up in its catalogue, then it is there, translated, with as
    many plural forms as the language has, and nothing is fuzzy."""
    info = i18n.LOCALES[code]
    catalog = _read(_po(code))
    missing = []
    for message in _template():
        found = catalog.get(message.id)
        if _part(message) in info.complete and not _translated(found):
            missing.append(message.id)
        if found is not None and found.pluralizable and _translated(found):
            assert len(_strings(found.string)) == catalog.num_plurals, found.id
        assert found is None or not found.fuzzy, found.id
    assert not missing, f"{code} lacks translations for {missing}"


def _i18n_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_of_the_source_is_in_the_catalogue_in_its_part() -> None:
    """Given the messages Babel extracts from the code and templates, as
    scripts/i18n.py does (the staff app's, the command line's and the error sentences
    it prints), then each is in messages.pot (run `scripts/i18n.py extract` if not),
    and each that its source places in a part (a `part:` comment before it, or a file
    of the intake wizard or of the command line) is in a part there, so that the
    locales claiming that part are held to translating it; and the wizard's messages
    and the command's were among them."""
    script = _i18n_script()
    template = {m.id if isinstance(m.id, str) else m.id[0]: m for m in _template()}
    absent, outside, wizard, command = [], [], 0, 0
    for filename, lineno, message, comments, _ in script.source_messages():
        key = message if isinstance(message, str) else message[0]
        found = template.get(key)
        if found is None:
            absent.append(f"{filename}:{lineno} {key!r}")
        elif script.parts_of(filename, list(comments)) and _part(found) == "staff":
            outside.append(f"{filename}:{lineno} {key!r}")
        wizard += filename.startswith("staff/templates/intake/")
        command += filename.startswith("cli/")
    assert not absent, f"not in messages.pot, run scripts/i18n.py extract: {absent}"
    assert not outside, f"placed in a part by the source, in none in messages.pot: {outside}"
    assert wizard >= 100 and command >= 80


def _built(sentence: ast.expr) -> bool:
    """Whether an error's first argument is a sentence built with its values in it."""
    if isinstance(sentence, ast.JoinedStr | ast.BinOp):  # f"...", "..." + x, "..." % x
        return True
    return (
        isinstance(sentence, ast.Call)
        and isinstance(sentence.func, ast.Attribute)
        and sentence.func.attr == "format"
    )


def test_every_error_sentence_is_a_template_the_catalogue_can_hold() -> None:
    """Given every call of an error class in the library (the staff app, the command
    and every module under them), then its sentence is a literal, with the values it
    quotes as %(name)s and keywords, or an error's sentence passed on, and never built
    with the values in it (an f-string, a concatenation, .format): the catalogues are
    keyed by the sentence, so a built one could never be said in the reader's language.
    And the error classes extraction reads are every class of amanat.errors and every
    class of the library derived from one."""
    script = _i18n_script()
    assert set(errors.__all__) - {"Words"} <= set(script.ERRORS)
    src = WEB.parent
    built, calls, phrases = [], 0, 0
    for path in sorted(src.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id in script.ERRORS for b in node.bases
            ):
                assert node.name in script.ERRORS, f"{path.relative_to(src)}: {node.name}"
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in (*script.ERRORS, "Words")
                and node.args
            ):
                calls += 1
                phrases += node.func.id == "Words"
                if _built(node.args[0]):
                    built.append(f"{path.relative_to(src)}:{node.lineno}")
            elif (  # what a home of another role cannot do, said whole
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "require"
                and len(node.args) == 2
                and not isinstance(node.args[1], ast.Constant)
            ):
                built.append(f"{path.relative_to(src)}:{node.lineno}")
    assert calls > 500 and phrases > 20
    assert not built, f"error sentences built with their values, write templates: {built}"


def test_complete_and_partial_locales_are_as_the_issue_asks() -> None:
    """Given LOCALES, then English, Kazakh and Russian are complete, Uyghur and Chinese
    cover at least the public texts and the intake wizard, and Uyghur runs right to
    left."""
    for code in ("en", "kk", "ru"):
        assert not i18n.LOCALES[code].partial
    for code in ("ug", "zh"):
        assert i18n.LOCALES[code].complete >= {"public", "intake"}
    assert i18n.LOCALES["ug"].direction == "rtl"
    assert {i.direction for c, i in i18n.LOCALES.items() if c != "ug"} == {"ltr"}


@pytest.mark.parametrize("code", sorted(i18n.LOCALES))
def test_no_catalogue_has_messages_the_template_lacks(code: str) -> None:
    """Given a catalogue, then each of its messages is in messages.pot (nothing stale)."""
    template = {m.id if isinstance(m.id, str) else m.id[0] for m in _template()}
    extra = [m.id for m in _read(_po(code)) if m.id]
    assert [m for m in extra if (m if isinstance(m, str) else m[0]) not in template] == []


@pytest.mark.parametrize("code", sorted(i18n.LOCALES))
def test_the_compiled_catalogue_matches_its_source(code: str) -> None:
    """Given a .po file, when it is compiled again as scripts/i18n.py does, then the
    result is byte for byte the committed .mo (run `scripts/i18n.py compile` if not)."""
    compiled = io.BytesIO()
    write_mo(compiled, _read(_po(code)))
    shipped = _po(code).with_suffix(".mo").read_bytes()
    assert compiled.getvalue() == shipped, f"{code}: run .venv/bin/python scripts/i18n.py compile"


@pytest.mark.parametrize("code", sorted(i18n.LOCALES))
def test_placeholders_survive_translation(code: str) -> None:
    """Given every translated message, then its placeholders (%(name)s, {name}) are
    exactly those of the English message, in every plural form."""
    for message in _read(_po(code)):
        if not message.id:
            continue
        expected = sorted(PLACEHOLDER.findall(_strings(message.id)[-1]))
        for form in _strings(message.string):
            if form:
                assert sorted(PLACEHOLDER.findall(form)) == expected, (code, message.id, form)


@pytest.mark.parametrize("code", ["kk", "ru"])
def test_a_sentence_raised_in_lower_case_reads_as_its_capital_twin(code: str) -> None:
    """Given an error sentence raised in lower case (it may follow a row number or an
    option) whose capitalised twin is a message too (the wizard's list of the record
    checks, the upload's), then both are translated alike but for the first letter: a
    volunteer reads one wording for one mistake wherever it is shown."""
    catalogue = {m.id: m.string for m in _read(_po(code)) if isinstance(m.id, str) and m.id}
    twins = 0
    for message, text in catalogue.items():
        capital = message[:1].upper() + message[1:]
        if message[:1].islower() and len(message.split()) >= 4 and catalogue.get(capital):
            twins += 1
            assert text[1:] == catalogue[capital][1:], (message, text)
    assert twins >= 20


@pytest.mark.parametrize("code", ["kk", "ru", "ug", "zh"])
def test_unreviewed_translations_say_so(code: str) -> None:
    """Given a non-English catalogue, then every translation not yet reviewed by a
    native speaker carries the translator note (none is reviewed yet)."""
    for message in _read(_po(code)):
        if message.id and _translated(message):
            assert NOTE in message.user_comments, (code, message.id)


def test_scripts_are_the_ones_readers_expect() -> None:
    """Given the translations, then Kazakh is in Cyrillic with its own letters, Uyghur
    in Arabic script, Chinese in Han characters, and no text is mojibake."""
    scripts = {
        "kk": re.compile(r"[\u0400-\u04ff]"),
        "ru": re.compile(r"[\u0400-\u04ff]"),
        "ug": re.compile(r"[\u0600-\u06ff]"),
        "zh": re.compile(r"[\u4e00-\u9fff]"),
    }
    kazakh = ""
    for code, pattern in scripts.items():
        for message in _read(_po(code)):
            for form in _strings(message.string) if message.id else []:
                if form and PLACEHOLDER.sub("", form).strip(" .…:0123456789"):
                    assert pattern.search(form), (code, form)
                    assert "Ã" not in form and "\ufffd" not in form, (code, form)
                    kazakh += form + "\n" if code == "kk" else ""
    assert set(kazakh.lower()) >= KAZAKH_LETTERS
    # Names of things kept as they are written: IIN (the number on the ID card), PDF,
    # the protocol's names in the upload API's answers (JSON, Upload-Offset), and the
    # command line's: its name, the share words' standard, the key format, a USB disk,
    # the file formats (yt-dlp's .info.json too) and the keys a person presses; and what
    # a person types as it is: `commands`, --options, VARIABLES, paths; and the message
    # apps a family last heard from the person on; and in the errors an administrator
    # meets, the names of the software and standards (a database, an encoding, a cloud).
    kept = (
        r"\b(IIN|NUL|PDF|JSON|Upload-Offset|Amanat|SLIP-39|age|USB|UTF-8|CSV|Excel|Lines|Ctrl-C"
        r"|Windows-1251|PySpark|Spark|Java|NAS|DEMO|yt-dlp|WeChat|WhatsApp|PostgreSQL|SQLite"
        r"|Debian|AWS|URL|Unicode|ISO|base64|NaN|Infinity)\b"
    )
    typed = r"--[a-z][a-z-]*|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\S*/\S*|\.(csv|xlsx|info\.json)\b"
    quoted = re.sub(r"`[^`\n]*`", "", PLACEHOLDER.sub("", kazakh))  # `commands` first
    rest = re.sub(typed, "", re.sub(kept, "", quoted))
    assert not re.search(r"[a-zA-Z]{3,}", rest), re.findall(r"[a-zA-Z]{3,}", rest)


def test_translator_loads_the_shipped_catalogues() -> None:
    """Given each locale, when its translator is asked, then it answers in that
    language; plural forms follow the language; an unknown code gets English; and a
    message a partial locale lacks comes back in English."""
    assert i18n.translator("ru").gettext("Log out") == "Выйти"
    assert i18n.translator("kk").gettext("Log out") == "Шығу"
    assert i18n.translator("ug").gettext("Log in") == "كىرىش"
    assert i18n.translator("zh").gettext("Log in") == "登录"
    assert i18n.translator("en").gettext("Log in") == "Log in"
    assert i18n.translator("xx").gettext("Log in") == "Log in"
    assert i18n.translator("zh").gettext("Persons") == "Persons"
    many = i18n.translator("ru").ngettext("%(num)d person", "%(num)d persons", 5)
    few = i18n.translator("ru").ngettext("%(num)d person", "%(num)d persons", 3)
    assert (many % {"num": 5}, few % {"num": 3}) == ("5 человек", "3 человека")
    # Uyghur puts the number first in logical order: "3 persons" left in English
    # would show as "persons 3" on a right-to-left page.
    three = i18n.translator("ug").ngettext("%(num)d person", "%(num)d persons", 3)
    assert three % {"num": 3} == "3 كىشى"


@pytest.mark.parametrize(
    ("header", "cookie", "expected"),
    [
        ("kk-KZ,ru;q=0.8", None, "kk"),
        ("ru", None, "ru"),
        ("ru;q=0.5,kk;q=0.9", None, "kk"),
        ("zh-Hans-CN,zh;q=0.9", None, "zh"),
        ("ug-CN", None, "ug"),
        ("fr-FR,de;q=0.7", None, "en"),
        ("", None, "en"),
        (None, None, "en"),
        ("kk;q=0", None, "en"),
        ("kk;q=oops,ru;q=0.1", None, "ru"),
        ("kk-KZ", "ru", "ru"),
        ("kk-KZ", "klingon", "kk"),
    ],
)
def test_negotiate_picks_the_language(
    header: str | None, cookie: str | None, expected: str
) -> None:
    """Given an Accept-Language header and a language cookie, when negotiated, then the
    cookie wins if valid, else the highest-q language we have, else English."""
    assert i18n.negotiate(header, cookie) == expected


def test_install_translates_templates_per_locale_and_per_render() -> None:
    """Given a Jinja2 environment, when installed for one locale, then templates speak
    it; when installed for none, then each render follows its own `lang` variable; and
    values passed to a message are escaped."""
    source = '{{ _("Signed in as %(name)s", name=who) }}|{{ _("Log out") }}'
    fixed = jinja2.Environment(autoescape=True)
    i18n.install(fixed, "kk")
    assert fixed.from_string(source).render(who="Ә<b>") == "Кірген пайдаланушы: Ә&lt;b&gt;|Шығу"
    shared = jinja2.Environment(autoescape=True)
    i18n.install(shared, None)
    template = shared.from_string(
        "{{ ngettext('%(num)d file uploaded', '%(num)d files uploaded', n) }}|{{ _('Log out') }}"
    )
    assert template.render(lang="ru", n=2) == "2 файла загружено|Выйти"
    assert template.render(lang="ug", n=1) == "1 ھۆججەت يۈكلەندى|چىكىنىش"
    assert template.render(n=1) == "1 file uploaded|Log out"


def test_extraction_config_finds_template_and_code_strings(tmp_path: Path) -> None:
    """Given babel.cfg and a sample template and module laid out like src/amanat/web,
    when Babel extracts, then it finds their messages and the part comments."""
    (tmp_path / "staff" / "templates" / "intake").mkdir(parents=True)
    (tmp_path / "staff" / "templates" / "intake" / "visit.html").write_text(
        "<h1>{{ _('Visit') }}</h1>\n{# part: intake #}\n"
        "<p>{% trans %}Intake date{% endtrans %}</p>\n",
        "utf-8",
    )
    (tmp_path / "staff" / "sample.py").write_text(
        "def _(s: str) -> str:\n    return s\n\n# part: public\nMESSAGE = _('Page not found.')\n",
        "utf-8",
    )
    with (STAFF / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = {
        message: [c.removeprefix("part:").strip() for c in comments]
        for _, _, message, comments, _ in extract_from_dir(
            str(tmp_path), method_map, options_map, comment_tags=("part:",)
        )
    }
    assert found["Visit"] == []
    assert found["Intake date"] == ["intake"]  # Jinja2's extractor drops the tag
    assert found["Page not found."] == ["public"]  # Python's keeps it


FIRST17 = "65400219750302123"
WIZARD = [  # (action, form values): every step of the intake wizard, then saving
    ("next", {"testifier_name": "Айгүл Серікқызы", "relationship": "sibling"}),
    ("next", {"consent_level": "internal", "consent_how": "video", "consent_un": "1"}),
    ("check", {"name_1": "Серік Жанболатұлы", "name_3": "谢里克", "sex": "male",
               "birth": "~1975", "resident_id": FIRST17 + ric_check_character(FIRST17)}),
    ("next", {}),
    ("next", {"event_1_status": "in_camp", "event_1_date": "04.2018"}),
    ("next", {}),
    ("next", {}),
]  # fmt: skip
# Latin words a translated page may show: the account's name, abbreviations kept in
# every language, and the language switcher's "English".
# names kept as they are written: the message apps families lost touch on among them
LATIN_ALLOWED = {"intake", "IIN", "PDF", "JavaScript", "English", "WeChat", "WhatsApp"}


class _VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes outside scripts, and the labels
    and messages held in attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("script", "style")
        for name, value in attrs:
            if value and (name in ("aria-label", "title", "alt") or name.startswith("data-msg")):
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def _english_left(page: str) -> list[str]:
    """Texts of a page holding a Latin word that is not allowed (references and codes,
    which hold digits, are skipped)."""
    parser = _VisibleText()
    parser.feed(page)
    return [
        text
        for text in parser.texts
        if set(re.findall(r"[A-Za-z]{3,}", re.sub(r"\S*\d\S*", "", text))) - LATIN_ALLOWED
    ]


@pytest.mark.parametrize("code", ["kk", "ru", "ug", "zh"])
def test_the_intake_wizard_speaks_the_volunteers_language(org: Org, code: str) -> None:
    """Given a volunteer whose language is Kazakh, Russian, Uyghur or Chinese, when they
    sign in and take a testimony through every step of the wizard (the person step
    with its script hints and a decoded ID number) and save it, then no page they see
    on the way, the home page and the page after saving included, shows text of the
    application in English."""
    with staff_site(org) as site:
        client = site.client()
        client.cookies.set(i18n.COOKIE_NAME, code)
        assert site.sign_in(client, "intake") == 303
        pages = {"home": client.get("/").text, "start": client.get("/intake").text}
        values: dict[str, str] = {}
        for number, (action, data) in enumerate(WIZARD):
            values.update(data)
            page = step(client, action, values)
            assert page.status_code == 200 and "field-error" not in page.text, page.text[-2000:]
            pages[f"step {number}"] = page.text
        assert i18n.translator(code).gettext("Save and seal") in pages[f"step {len(WIZARD) - 1}"]
        saved = step(client, "save")
        assert saved.headers.get("location") == "/intake/done"
        pages["done"] = client.get("/intake/done").text
        left = {name: found for name, page in pages.items() if (found := _english_left(page))}
        assert not left, left


@pytest.mark.parametrize("code", ["ru", "ug"])
def test_the_wizards_error_sentences_follow_the_language(org: Org, code: str) -> None:
    """Given a volunteer whose language is Russian or Uyghur, when a step is sent with
    an answer missing, then the sentence saying what to do is in their language."""
    with staff_site(org) as site:
        client = site.client()
        client.cookies.set(i18n.COOKIE_NAME, code)
        assert site.sign_in(client, "intake") == 303
        page = step(client, "next")
        assert "field-error" in page.text
        assert not _english_left(page.text), _english_left(page.text)


def _iin(first11_from: int, want: Callable[[int | None], bool]) -> str:
    """The first 12-digit IIN from ``first11_from`` up whose check digit ``want``s."""
    n = first11_from
    while not want(iin_check_digit(f"{n:011d}")):
        n += 1
    digit = iin_check_digit(f"{n:011d}")
    return f"{n:011d}{digit if digit is not None else 0}"


def _ric(first17: str) -> str:
    return first17 + ric_check_character(first17)


# Bad dates and ID numbers a volunteer may type, each giving a different sentence of
# the records layer's checks.
BAD_DATES = ["13.13.2018", "31.02.2018", "2999", "1850", "12/04/2018", "12.04.18",
             "２０１８", "sometime", "2018..2017", "2017..2018..2019"]  # fmt: skip
BAD_RESIDENT_IDS = [
    "65400219750302123" + ("0" if ric_check_character("65400219750302123") != "0" else "1"),
    "6540021975030212",  # 16 characters
    "65400219750302123Y",
    "65400275030212X",  # old 15-digit form ending in X
    _ric("99999919750302123"),  # no such region
    _ric("65400219751302123"),  # month 13
    _ric("65400230750302123"),  # born in 3075
]
BAD_IINS = [
    "75030240012" + str((_iin_digit := iin_check_digit("75030240012") or 0) + 1)[-1],
    "7503024001",
    "75030A400123",
    "750302700123",  # seventh digit 7
    _iin(75030240000, lambda d: d is None),  # no check digit fits
    _iin(75133040000, lambda d: d is not None),  # month 13
    _iin(99030250000, lambda d: d is not None),  # born in 2099
]


def test_every_sentence_of_the_record_checks_is_in_the_catalogues() -> None:
    """Given bad dates, resident IDs and IINs of every kind the checks refuse, then what
    the wizard would show for each is one of ``RECORD_CHECKS`` (so it is translated), and
    every language's catalogue translates every one of them."""
    said = set()
    for text in BAD_DATES:
        with pytest.raises(InputError) as caught:
            PartialDate.parse(text, today=dt.date(2026, 11, 28))
        said.add(str(_said(caught.value)))
    for text in BAD_RESIDENT_IDS:
        with pytest.raises(InputError) as caught:
            ResidentId.decode(text, today=dt.date(2026, 11, 28))
        said.add(str(_said(caught.value)))
    for text in BAD_IINS:
        with pytest.raises(InputError) as caught:
            KazakhIin.decode(text, today=dt.date(2026, 11, 28))
        said.add(str(_said(caught.value)))
    assert len(said) >= 22
    assert said <= set(RECORD_CHECKS), sorted(said - set(RECORD_CHECKS))
    for code in ("kk", "ru", "ug", "zh"):
        catalogue = {m.id: m.string for m in _read(_po(code)) if m.id}
        assert all(catalogue.get(message) for message in RECORD_CHECKS), code


def test_a_wrong_id_is_explained_in_kazakh_with_the_digit_it_needs(org: Org) -> None:
    """Given a Kazakh-speaking volunteer, when the testifier's IIN has a wrong last
    digit, then the wizard says so in Kazakh and names the digit the number needs."""
    wrong = BAD_IINS[0]
    with staff_site(org) as site:
        client = site.client()
        client.cookies.set(i18n.COOKIE_NAME, "kk")
        assert site.sign_in(client, "intake") == 303
        page = step(
            client,
            "next",
            {"testifier_name": "Айгүл", "relationship": "sibling",
             "testifier_contact": "+7 700 123 4567", "testifier_iin": wrong},
        )  # fmt: skip
        expected = iin_check_digit(wrong[:11])
        assert f"Соңғы цифр {expected} болуы керек" in page.text
        assert "the number may be mistyped" not in page.text


@pytest.mark.parametrize(("code", "empty", "too_big"), [
    ("ru", "Этот файл пуст (0 байт)", "Этот файл весит 100,001 байт"),
    ("kk", "Бұл файл бос (0 байт)", "Бұл файл 100,001 байт"),
])  # fmt: skip
def test_a_refused_file_is_explained_in_the_volunteers_language(
    org: Org, code: str, empty: str, too_big: str
) -> None:
    """Given a volunteer whose language is Russian or Kazakh, when they add an empty
    file or one over the limit, then the wizard's script is told why in their language,
    the size and the limit filled in."""
    with staff_site(org) as site:
        site.app.state.intake.registry.limit = 100_000
        client = site.client()
        client.cookies.set(i18n.COOKIE_NAME, code)
        assert site.sign_in(client, "intake") == 303
        token = {"X-CSRF-Token": csrf_of(client, "/intake")}
        said = []
        for size in (0, 100_001):
            refused = client.post(
                "/api/uploads",
                json={"name": "video.mp4", "media_type": "video/mp4", "size": size},
                headers=token,
            )
            assert refused.status_code == 400
            said.append(refused.json()["error"])
        assert said[0].startswith(empty), said
        assert said[1].startswith(too_big) and "100,000" in said[1], said


@pytest.mark.parametrize(("code", "not_json", "offset"), [
    ("ru", "Пришлите имя, тип и размер файла", "Этот кусок начинается с байта 5, но получено 0"),
    ("kk", "Файлдың атын, түрін және өлшемін", "Бұл бөлік 5-байттан басталады, бірақ 0 байт"),
    ("ug", "ھۆججەتنىڭ نامى، تىپى ۋە چوڭلۇقىنى", "بۇ پارچە 5-بايتتىن باشلىنىدۇ"),
    ("zh", "请以 JSON 格式发送", "这一段从第 5 字节开始，但已收到 0 字节"),
])  # fmt: skip
def test_a_malformed_upload_request_is_refused_in_the_volunteers_language(
    org: Org, code: str, not_json: str, offset: str
) -> None:
    """Given a volunteer whose language is not English, when the upload API gets a
    start that is not JSON, and a piece sent from the wrong byte, then each answer says
    why in that language, the numbers filled in, and the JSON keeps them for a script
    (received, size); nothing is accepted."""
    with staff_site(org) as site:
        client = site.client()
        client.cookies.set(i18n.COOKIE_NAME, code)
        assert site.sign_in(client, "intake") == 303
        token = {"X-CSRF-Token": csrf_of(client, "/intake")}
        refused = client.post("/api/uploads", content=b"not json", headers=token)
        assert refused.status_code == 400 and refused.json()["error"].startswith(not_json)
        started = client.post(
            "/api/uploads",
            json={"name": "video.mp4", "media_type": "video/mp4", "size": 10},
            headers=token,
        )
        ident = started.json()["id"]
        wrong = client.put(
            f"/api/uploads/{ident}",
            content=b"12345",
            headers={
                **token,
                "Upload-Offset": "5",
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert wrong.status_code == 409
        body = wrong.json()
        assert body["error"].startswith(offset), body
        assert (body["received"], body["size"]) == (0, 10)
        assert client.get(f"/api/uploads/{ident}").json()["received"] == 0


def test_a_phrase_an_error_quotes_is_said_in_the_error_s_language() -> None:
    """Given a log record altered on disk (its JSON no longer canonical), at a place
    given as a number and as a phrase ("in the bundle"), when Envelope.parse refuses it
    and the refusal is said in Kazakh and Russian, then the record is named in that
    language too, with its number kept; in English the sentence is exactly as before,
    and sent between processes (pickled) it is said the same."""
    altered = b'{"v": 1,  "log": "x"}'
    said = {}
    for where in ("1f3c/7", Words("in the bundle")):
        with pytest.raises(FormatError) as caught:
            Envelope.parse(altered, where=where)
        exc = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 (its own bytes)
        said[where] = {code: i18n.said(code, exc) for code in ("en", "kk", "ru")}
    assert said["1f3c/7"]["en"] == (
        "This log record 1f3c/7 is not in canonical form (it was altered or re-encoded)."
    )
    assert said["1f3c/7"]["kk"] == (
        "Бұл журнал жазбасы 1f3c/7 канондық түрде емес (ол өзгертілген немесе қайта кодталған)."
    )
    assert said["1f3c/7"]["ru"].startswith("Содержимое «запись журнала 1f3c/7» не в канонической")
    assert said["in the bundle"]["en"].startswith("This log record in the bundle is not in")
    assert "(дәлел топтамасында)" in said["in the bundle"]["kk"]
    assert "(в пакете доказательств)" in said["in the bundle"]["ru"]
    for code in ("kk", "ru"):
        assert not any("log record" in said[where][code] for where in said)


def test_a_phrase_keeps_its_english_where_a_catalogue_lacks_it() -> None:
    """Given a phrase no catalogue holds, and one whose translation lost its
    placeholder, when an error quoting them is said in Kazakh, then the sentence is
    Kazakh and each phrase reads as written in English, its values filled in: nothing
    raises and nothing is lost."""
    sentence = "This %(what)s is not valid JSON."
    unknown = FormatError(sentence, what=Words("thing %(n)s nobody wrote", n=3))
    assert i18n.said("kk", unknown).endswith("thing 3 nobody wrote жарамды JSON емес.")
    assert str(unknown) == "This thing 3 nobody wrote is not valid JSON."
    assert Words("50%% of %(n)s", n=4) == "50% of 4" and Words("plain %") == "plain %"


def test_the_lines_of_a_report_are_said_in_the_reader_s_language() -> None:
    """Given the lines a command reports beside its result (a resident ID's notes, a
    views migration done, an entry the views could not apply), when they are said in
    Kazakh and Russian, then each is in that language with its values (codes, years,
    operations) kept, and in English exactly the line as written."""
    rid = ResidentId.decode("652121199001010034", today=dt.date(2026, 1, 1))
    lines = [
        *rid.notes(),
        *rid.conflicts_with(birth_date=1975, sex="female"),
        *(m.what for m in MIGRATIONS),
        LOST_PROBLEM,
        Words("%(what)s (the views are rebuilt from the vault)", what=MIGRATIONS[0].what),
    ]
    assert str(lines[0]) == (
        "the region code 652121 was abolished in 1984, before the birth year 1990; "
        "check the number."
    )
    assert str(lines[2]) == "the ID says male; the record says female."
    for line in lines:
        assert phrase("en", line) == str(line)
        values = re.findall(r"\d+", str(line))
        for code in ("kk", "ru"):
            said = str(phrase(code, line))
            assert said != str(line) and re.search("[а-яА-ЯәғқңөұүіҚҰІ]", said), (code, said)
            assert sorted(re.findall(r"\d+", said)) == sorted(values), (code, said)
    assert phrase("kk", lines[2]) == "куәлікте жынысы: ер; жазбада: әйел."
    assert phrase("ru", lines[2]) == "в удостоверении пол: мужской; в записи: женский."
