"""Languages of the UI without a browser: catalogs complete and current, negotiation, formats,
and what the server puts in a page (docs/i18n.md)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from jinja2 import Environment

from mimamoru.web import i18n
from tests.conftest import RunningServer

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "mimamoru"
PLACEHOLDER = re.compile(r"\{\w+\}")
TAG = re.compile(r"<[^>]+>")


def extracted() -> dict[str | tuple[str, ...], set[str]]:
    """Every msgid that Babel extracts with babel.cfg, as scripts/i18n.sh does, and its files."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str | tuple[str, ...], set[str]] = defaultdict(set)
    for filename, _, message, _, _ in extract_from_dir(str(SOURCE), method_map, options_map):
        found[message if isinstance(message, str) else tuple(message)].add(filename)
    return found


def ids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {message.id for message in catalog if message.id}


def test_every_string_in_the_code_is_in_both_catalogs_and_translated_in_japanese() -> None:
    source = extracted()
    assert len(source) > 200  # the extraction really ran over templates and scripts
    for language in i18n.SUPPORTED:
        catalog = i18n.catalog(language)
        missing = {key: sorted(files) for key, files in source.items() if key not in catalog}
        assert not missing, f"not in {language}: run scripts/i18n.sh and translate: {missing}"
        unused = sorted(map(str, ids(catalog) - set(source)))
        assert not unused, f"{language} catalog has msgids no code uses any more: {unused}"
        assert not catalog.obsolete, f"{language} keeps obsolete entries: {list(catalog.obsolete)}"
    japanese = i18n.catalog("ja")
    untranslated = {
        str(message.id): sorted(source[message.id])
        for message in japanese
        if message.id
        and (
            not message.string
            or (isinstance(message.string, tuple) and not all(message.string))
            or message.fuzzy
        )
    }
    assert not untranslated, f"no Japanese translation (or fuzzy): {untranslated}"


def test_translations_keep_placeholders_and_markup() -> None:
    for language in i18n.SUPPORTED:
        for message in i18n.catalog(language):
            if not message.id or not message.string:
                continue
            source = message.id if isinstance(message.id, str) else message.id[0]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for string in filter(None, strings):
                assert set(PLACEHOLDER.findall(string)) == set(PLACEHOLDER.findall(source)), (
                    f"{language}: placeholders differ in {source!r}"
                )
                assert sorted(TAG.findall(string)) == sorted(TAG.findall(source)), (
                    f"{language}: markup differs in {source!r}"
                )


def test_scripts_get_every_message_marked_in_a_script() -> None:
    in_scripts = {
        key for key, files in extracted().items() if any(f.endswith(".js") for f in files)
    }
    embedded = json.loads(i18n.script_messages("ja"))
    assert {key if isinstance(key, str) else key[0] for key in in_scripts} == set(embedded)
    assert embedded["Saving…"] == "保存中…"
    assert embedded["{n} account."] == ["アカウント{n}件"]
    # English is the source language: the scripts show the msgids themselves.
    assert json.loads(i18n.script_messages("en")) == {}
    assert "<" not in i18n.script_messages("ja")  # cannot end the <script> that carries it


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "expected"),
    [
        (None, None, None, "ja"),  # no preference: Japan-first default
        (None, None, "", "ja"),
        (None, None, "en-US,en;q=0.9", "en"),
        (None, None, "en-GB", "en"),
        (None, None, "EN", "en"),
        (None, None, "ja-JP,ja;q=0.9,en;q=0.8", "ja"),
        (None, None, "fr-FR,fr;q=0.9,en;q=0.5,ja;q=0.4", "en"),
        (None, None, "fr-FR,ja;q=0.3,en;q=0.2", "ja"),
        (None, None, "en;q=0.1,ja;q=0.9", "ja"),  # quality, not order, decides
        (None, None, "en;q=0,ja", "ja"),  # q=0 means "not this one"
        (None, None, "de,fr", "ja"),
        (None, None, "*", "ja"),
        (None, None, "en;q=abc, ja;q=nope", "ja"),  # broken weights count as zero
        (None, None, ";;,,,en", "en"),
        (None, None, "x" * 5000, "ja"),
        (None, "en", "ja", "en"),  # the cookie beats the browser
        (None, "EN", None, "en"),
        (None, "de", "en", "en"),  # an unknown cookie is ignored
        ("ja", "en", "en", "ja"),  # the query beats everything
        ("en", None, None, "en"),
        ("xx", "ja", "en", "ja"),  # an unknown query is ignored
        ("", None, "en", "en"),
        ("../../etc/passwd", None, None, "ja"),
    ],
)
def test_negotiation(
    query: str | None, cookie: str | None, accept: str | None, expected: str
) -> None:
    assert i18n.negotiate(query, cookie, accept) == expected


def test_dates_in_the_site_zone_and_numbers_in_the_language() -> None:
    moment = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    assert i18n.format_date_time(moment, "Asia/Tokyo", "ja") == "2026/03/02 0:30:00"
    assert i18n.format_date_time(moment, "Asia/Tokyo", "en") == "Mar 2, 2026, 12:30:00\u202fAM"
    assert i18n.format_date_time(moment, "Europe/Berlin", "en") == "Mar 1, 2026, 4:30:00\u202fPM"
    assert i18n.format_date_time(None, "Asia/Tokyo", "ja") == "—"
    assert i18n.format_number(1234567.5, "en") == "1,234,567.5"
    assert i18n.format_number(1234567.5, "ja") == "1,234,567.5"
    with i18n.using("ja"):
        assert i18n.gettext("Log in") == "ログイン"
        assert i18n.ngettext("{n} group.", "{n} groups.", 3) == "グループ{n}件"
    with i18n.using("en"):
        assert i18n.gettext("Log in") == "Log in"
        assert i18n.ngettext("{n} group.", "{n} groups.", 3) == "{n} groups."


def test_pages_speak_the_negotiated_language_and_keep_an_explicit_choice(
    server: RunningServer,
) -> None:
    with server.client() as http:
        page = http.get("/login")
        assert '<html lang="ja">' in page.text and "<h1>ログイン</h1>" in page.text
        assert "set-cookie" not in page.headers  # nothing chosen, nothing remembered
        page = http.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
        assert '<html lang="en">' in page.text and "<h1>Log in</h1>" in page.text
        assert 'data-timezone="Asia/Tokyo"' in page.text

        page = http.get("/login?lang=en", headers={"Accept-Language": "ja"})
        assert "<h1>Log in</h1>" in page.text
        cookie = page.headers["set-cookie"].lower()
        assert cookie.startswith("lang=en;") and "samesite=lax" in cookie and "secure" in cookie
        # The client keeps the cookie: the next page is English though the browser says ja.
        page = http.get("/login", headers={"Accept-Language": "ja"})
        assert "<h1>Log in</h1>" in page.text

        page = http.get("/login?lang=klingon", headers={"Accept-Language": "ja"})
        assert page.status_code == 200 and "<h1>Log in</h1>" in page.text  # cookie still counts
        assert "set-cookie" not in page.headers
        # The switcher keeps the rest of the query and marks the current language.
        page = http.get("/login?lang=ja&next=%2Fmasks%3Fcamera%3D3")
        assert 'href="/login?lang=en&amp;next=%2Fmasks%3Fcamera%3D3"' in page.text
        assert 'data-lang="ja" aria-current="true"' in page.text
        # A link with ?lang= to a page that first sends the visitor to the login keeps it.
        http.cookies.clear()
        page = http.get("/cameras?lang=en", headers={"Accept-Language": "ja"})
        assert page.status_code == 303 and page.headers["location"] == "/login"
        assert page.headers["set-cookie"].startswith("lang=en;")
        page = http.get("/login", headers={"Accept-Language": "ja"})
        assert "<h1>Log in</h1>" in page.text


def test_the_api_messages_the_pages_translate_are_the_servers_own() -> None:
    """app.js translates fixed API messages by their exact English text: if the server's text
    changes, the page would silently show English again."""
    script = (SOURCE / "web" / "static" / "app.js").read_text(encoding="utf-8")
    block = script.split("const API_MESSAGES = {", 1)[1].split("};", 1)[0]
    known = re.findall(r'^\s*"([^"]+)":', block, flags=re.MULTILINE)
    assert len(known) > 10
    python = "\n".join(path.read_text(encoding="utf-8") for path in SOURCE.rglob("*.py"))
    reasons = {"Forbidden", "Not Found", "Conflict", "Service Unavailable", "Internal Server Error"}
    for message in known:
        assert message in reasons or f'"{message}' in python, f"no server message {message!r}"


def test_templates_follow_the_language_of_each_render_even_in_parallel() -> None:
    environment = Environment(autoescape=True)
    i18n.install(environment, "Asia/Tokyo")
    template = environment.from_string(
        '{{ _("Log in") }}|{% trans %}Log\n   out{% endtrans %}|{{ when|datetime }}|{{ n|number }}'
    )
    when = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    expected = {
        "ja": "ログイン|ログアウト|2026/03/02 0:30:00|12,345",
        "en": "Log in|Log out|Mar 2, 2026, 12:30:00\u202fAM|12,345",
    }

    def render(language: str) -> tuple[str, str]:
        with i18n.using(language):
            return language, template.render(when=when, n=12345)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(render, ["ja", "en"] * 200))
    assert all(text == expected[language] for language, text in results)
    assert template.render(when=when, n=1).startswith("ログイン")  # outside a request: ja


def test_the_verify_problems_the_page_translates_are_the_servers_own() -> None:
    """verify.js translates the problems naming a file or a value by matching the server's
    text (exports/verify.py): every fixed piece of each pattern must still be written there."""
    script = (SOURCE / "web" / "static" / "verify.js").read_text(encoding="utf-8")
    block = script.split("const PROBLEMS = [", 1)[1].split("];", 1)[0]
    patterns = re.findall(r"\[/\^(.+?)\$/,", block)
    assert len(patterns) >= 8
    server = (SOURCE / "exports" / "verify.py").read_text(encoding="utf-8")
    for pattern in patterns:
        pieces = re.split(r"\(\?<\w+>[^)]*\)", pattern)
        for piece in (re.sub(r"\\(.)", r"\1", p).strip() for p in pieces):
            assert piece in server, f"verify.js pattern {pattern!r}: {piece!r} not in verify.py"
