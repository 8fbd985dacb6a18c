"""The staff application's languages (issue 5, item 5; docs/guide/languages.md).

Given the catalogues shipped in the package, then every message is translated where
the locale claims it, the compiled files match their sources, placeholders survive
translation, and the negotiation, direction and extraction behave as documented.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import jinja2
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from amanat.web.staff import i18n

LOCALE_DIR = i18n.LOCALE_DIR
STAFF = LOCALE_DIR.parent
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
                    kazakh += form if code == "kk" else ""
    assert set(kazakh.lower()) >= KAZAKH_LETTERS
    assert not re.search(r"[a-zA-Z]{3,}", PLACEHOLDER.sub("", kazakh).replace("IIN", ""))


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
