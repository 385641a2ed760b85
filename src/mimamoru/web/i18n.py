"""Languages of the web UI: which one a request gets, its message catalog, dates and numbers.

The catalogs are gettext ``.po`` files under ``web/locale`` (text only in git); they are
compiled in memory the first time a language is used and kept. Templates use Jinja's ``i18n``
extension; its ``gettext`` reads the language of the request being rendered from a context
variable, so concurrent requests in different languages never share mutable state. Scripts
get their strings as JSON embedded in the page (``t()`` in ``static/i18n.js``). How to mark,
extract and translate strings: docs/i18n.md.
"""

from __future__ import annotations

import contextvars
import io
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, negotiate_locale
from babel.dates import format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from jinja2 import Environment
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
# Japan-first product: a browser that states no usable preference gets Japanese.
DEFAULT = "ja"
SUPPORTED = ("ja", "en")
# Each language's name in that language: the switcher shows these untranslated.
NATIVE_NAMES = {"ja": "日本語", "en": "English"}
QUERY = "lang"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Scripts whose strings the page embeds; their messages carry a "#:" location in these files.
SCRIPT_SUFFIX = ".js"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("mimamoru_lang", default=DEFAULT)


def supported(value: str | None) -> str | None:
    """``value`` if it names a language of the UI (case-insensitive), else None."""
    if not value:
        return None
    value = value.strip().lower()
    return value if value in SUPPORTED else None


def parse_accept_language(header: str | None) -> list[str]:
    """The tags of an ``Accept-Language`` header, most preferred first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*" or len(tag) > 35:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if 0.0 < quality <= 1.0:
            ranked.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The language of a request: ``?lang=``, else the ``lang`` cookie, else the browser's
    ``Accept-Language``, else Japanese. Unknown values are ignored, never an error."""
    chosen = supported(query) or supported(cookie)
    if chosen:
        return chosen
    found = negotiate_locale(parse_accept_language(accept_language), list(SUPPORTED), sep="-")
    return supported(found) or DEFAULT


def request_language(request: Request) -> str:
    return negotiate(
        request.query_params.get(QUERY),
        request.cookies.get(COOKIE),
        request.headers.get("accept-language"),
    )


def remember_choice(request: Request, response: Response, language: str) -> None:
    """An explicit ``?lang=`` is kept in a cookie, so the next pages keep that language."""
    if supported(request.query_params.get(QUERY)) is None:
        return
    response.set_cookie(
        COOKIE,
        language,
        max_age=COOKIE_MAX_AGE,
        path="/",
        samesite="lax",
        secure=request.url.scheme == "https",
    )


@cache
def catalog(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as file:
        return read_po(file, locale=language, domain=DOMAIN)


@cache
def translations(language: str) -> Translations:
    """The language's catalog compiled in memory (no .mo files are kept)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog(language))
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@cache
def script_messages(language: str) -> str:
    """The messages of the scripts as JSON for ``static/i18n.js``: msgid -> text, or for
    plurals msgid -> [forms]. Untranslated entries (all of English, the source language) are
    left out: ``t()`` then shows the msgid itself."""
    result: dict[str, str | list[str]] = {}
    for message in catalog(language):
        if not message.id or not any(name.endswith(SCRIPT_SUFFIX) for name, _ in message.locations):
            continue
        if isinstance(message.id, tuple):
            strings = message.string if isinstance(message.string, tuple) else ()
            forms = [form for form in strings if form]
            if forms:
                result[message.id[0]] = forms
        elif isinstance(message.id, str) and message.string:
            result[message.id] = str(message.string)
    # No "<" at all, so nothing in it can end (or comment out) the <script> that carries it.
    return json.dumps(result, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")


def current() -> str:
    """The language of the page being rendered."""
    return _current.get()


def gettext(message: str) -> str:
    """``message`` in the current request's language (for Python code that builds UI text)."""
    return translations(current()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ungettext(singular, plural, n)


@contextmanager
def using(language: str) -> Iterator[None]:
    """Renders within this block use ``language``."""
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


def format_date_time(value: datetime | None, timezone: str, language: str | None = None) -> str:
    """A UTC time as the site's local time, in the language's medium format ("—" for none)."""
    if value is None:
        return "—"
    return format_datetime(
        value, "medium", tzinfo=ZoneInfo(timezone), locale=Locale.parse(language or current())
    )


def format_number(value: float, language: str | None = None) -> str:
    return format_decimal(value, locale=Locale.parse(language or current()))


def install(environment: Environment, timezone: str) -> None:
    """Gives a template environment ``{% trans %}``, ``_()``, and the ``datetime``/``number``
    filters, all following the language of the request being rendered."""
    environment.add_extension("jinja2.ext.i18n")
    # {% trans %} blocks collapse whitespace, as babel.cfg's extraction does (same msgids).
    environment.policies["ext.i18n.trimmed"] = True
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=gettext, ngettext=ngettext, newstyle=True
    )
    environment.filters["datetime"] = lambda value: format_date_time(value, timezone)
    environment.filters["number"] = format_number


def switch_links(request: Request) -> list[dict[str, str]]:
    """The switcher's links: this page with ``?lang=`` set, the other query kept."""
    links = []
    for language in SUPPORTED:
        query = dict(request.query_params)
        query[QUERY] = language
        url = request.url.replace(query="").include_query_params(**query)
        links.append(
            {"code": language, "name": NATIVE_NAMES[language], "href": f"{url.path}?{url.query}"}
        )
    return links


def page_context(request: Request, language: str, timezone: str) -> dict[str, object]:
    """What base.html needs to speak the language: ``<html lang>``, the switcher, the
    scripts' messages and the site's time zone."""
    return {
        "lang": language,
        "languages": switch_links(request),
        "script_messages": Markup(script_messages(language)),  # noqa: S704 - JSON, "<" escaped
        "site_timezone": timezone,
    }


def render(
    templates: Jinja2Templates,
    request: Request,
    template: str,
    context: Mapping[str, object],
    timezone: str,
) -> Response:
    """A page in the request's language: every page that extends base.html is rendered
    through this (its environment having had ``install``); an explicit ?lang= is kept."""
    language = request_language(request)
    with using(language):
        response = templates.TemplateResponse(
            request, template, {**context, **page_context(request, language, timezone)}
        )
    remember_choice(request, response, language)
    return response
