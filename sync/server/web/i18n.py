"""The console's words in Finnish, Swedish and English (the English text is the key).

Pages call ``_("text {name}", name=value)`` and ``n_(count, "one {n}", "{n} others")``;
Python code that makes a message for a page (a refusal, a bad CSV line) makes a :class:`Msg`,
translated when the page is drawn in its reader's language (a value that is a
:class:`~kiosk.texts.Verbatim` is shown as written). The tables are in
:mod:`sync.server.web.words_pages`, :mod:`~sync.server.web.words_data`,
:mod:`~sync.server.web.words_messages` and :mod:`~sync.server.web.words_loader` (what the
kiosk's program loader says); a test checks
every text reachable on a page has a Finnish and a Swedish entry. Messages made outside the
console (a PIN refused by the kiosk's rules, a login the shop already has) are matched by
:data:`~sync.server.web.words_messages.FOREIGN` patterns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from markupsafe import Markup, escape

from sync.server.texts import Msg, Verbatim
from sync.server.web.words_data import DATA_WORDS
from sync.server.web.words_loader import LOADER, TOML_REASONS
from sync.server.web.words_messages import FOREIGN, MESSAGES, PLURALS
from sync.server.web.words_pages import WORDS

LANGS = ("en", "fi", "sv")
_COLUMN = {"fi": 0, "sv": 1}


def _table_text(lang: str, text: str) -> str:
    column = _COLUMN.get(lang)
    if column is None:
        return text
    found = (
        WORDS.get(text)
        or DATA_WORDS.get(text)
        or MESSAGES.get(text)
        or LOADER.get(text)
        or TOML_REASONS.get(text)
    )
    if found is not None:
        return found[column]
    for pattern, fi, sv in FOREIGN:
        match = pattern.fullmatch(text)
        if not match:
            continue
        # a part named t_... is words, translated too (all of them, or the message stays
        # English); any other part is data, kept as it is
        parts = match.groupdict()
        groups = {k: translate(lang, v) if k.startswith("t_") else v for k, v in parts.items()}
        if any(k.startswith("t_") and groups[k] == v for k, v in parts.items()):
            continue
        return (fi if lang == "fi" else sv).format(**groups)
    return text


def _plural_text(lang: str, one: str, other: str, count: int) -> str:
    column = _COLUMN.get(lang)
    forms = PLURALS.get(one)
    if column is None or forms is None:
        return one if count == 1 else other
    lang_one, lang_other = forms[column]
    return lang_one if count == 1 else lang_other


def translate(lang: str, text: str | Msg, /, **params: object) -> str:
    """``text`` in ``lang`` with its values put in (each a number, a word or a Msg itself)."""
    return _put(lang, text, params, marked=False)


def marked(lang: str, text: Msg) -> Markup:
    """``text`` in ``lang`` for a page: its words escaped, each Verbatim value in ``<code>``
    (a setting's name, what a file said: as written, in no language)."""
    return Markup(_put(lang, text, {}, marked=True))


def _put(lang: str, text: str | Msg, params: dict[str, object], *, marked: bool) -> str:
    if isinstance(text, Msg):
        if text.other is not None and text.count is not None:
            template = _plural_text(lang, text.text, text.other, text.count)
        else:
            template = _table_text(lang, text.text)
        values = {**text.params, **params}
    else:
        template = _table_text(lang, str(text))
        values = dict(params)
    if marked:
        template = escape(template)
    if not values:
        return template
    return template.format_map({k: _value(lang, v, marked) for k, v in values.items()})


def _value(lang: str, value: object, marked: bool = False) -> str:
    if isinstance(value, Msg):
        return _put(lang, value, {}, marked=marked)
    if isinstance(value, Verbatim):  # a setting's name, what a file said: as written
        return Markup("<code>{}</code>").format(value) if marked else str(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return number(value, lang)
    # a word given as a value (an account, a reason from the kiosk's rules) is translated too
    return _table_text(lang, str(value))


def translator(lang: str) -> Callable[..., str]:
    """``_`` of the templates."""
    return lambda text, **params: translate(lang, text, **params)


def plural_translator(lang: str) -> Callable[..., str]:
    """``n_`` of the templates: ``n_(count, "{n} event", "{n} events")``."""
    return lambda count, one, other, **params: translate(lang, Msg.n(int(count), one, other, **params))


def number(value: int, lang: str) -> str:
    """1234 as 1 234 (fi, sv: a no-break space between thousands) or 1,234 (en)."""
    if lang == "en":
        return f"{value:,}"
    return f"{value:,}".replace(",", "\u00a0").replace("-", "−")


def money(cents: int | None, lang: str) -> str:
    """Euros as the language writes them: 1 234,50 € (fi, sv) or €1,234.50 (en)."""
    if cents is None:
        return "—"
    sign = "−" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    if lang == "en":
        return f"{sign}€{whole:,}.{frac:02d}"
    return f"{sign}{whole:,}".replace(",", "\u00a0") + f",{frac:02d}\u00a0€"


#: units of bytes as the language writes them (decimal: 1 kB = 1000 B, as `kanta status`)
_BYTE_UNITS = {"fi": ("t", "kt", "Mt", "Gt", "Tt"), "sv": ("B", "kB", "MB", "GB", "TB")}


def size(n: int, lang: str) -> str:
    """A number of bytes: 50,0 Mt (fi), 50,0 MB (sv), 50.0 MB (en); whole bytes as they are."""
    units = _BYTE_UNITS.get(lang, _BYTE_UNITS["sv"])
    value, unit = float(n), 0
    while value >= 1000 and unit < len(units) - 1:
        value, unit = value / 1000, unit + 1
    text = f"{n}" if unit == 0 else f"{value:.1f}"
    return (text if lang == "en" else text.replace(".", ",")) + "\u00a0" + units[unit]


def percent(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    text = f"{value * 100:.1f}"
    return (text if lang == "en" else text.replace(".", ",")) + "\u00a0%"


def day(value: str | date | None, lang: str) -> str:
    """A date as the language writes it: 5.3.2026 (fi), 2026-03-05 (sv, en)."""
    if value is None or value == "":
        return "—"
    try:
        d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{d.day}.{d.month}.{d.year}" if lang == "fi" else d.isoformat()


def moment(value: str | None, lang: str) -> str:
    """A time stamp (ISO, with its offset) as the language writes it, in the zone it was
    recorded in: 5.3.2026 klo 10.15 (fi), 2026-03-05 kl. 10:15 (sv), 2026-03-05 10:15 (en);
    UTC times say so."""
    if not value:
        return "—"
    try:
        t = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)[:16]
    zone = " UTC" if t.utcoffset() is not None and not t.utcoffset() else ""
    if lang == "fi":
        return f"{t.day}.{t.month}.{t.year} klo {t.hour}.{t.minute:02d}{zone}"
    if lang == "sv":
        return f"{t.date().isoformat()} kl. {t.hour:02d}:{t.minute:02d}{zone}"
    return f"{t.date().isoformat()} {t.hour:02d}:{t.minute:02d}{zone}"


def month(value: str, lang: str) -> str:
    """2026-03 as 3/2026 (fi), 2026-03 (sv, en)."""
    if lang != "fi" or len(value) < 7 or not value[:4].isdigit() or not value[5:7].isdigit():
        return value
    return f"{int(value[5:7])}/{value[:4]}"


def account(name: str, lang: str) -> str:
    """An account as the language names it: points -> pisteet; a program's named account
    stamps:coffee -> leimat (coffee)."""
    kind, _, ident = name.partition(":")
    word = translate(lang, kind)
    return f"{word} ({ident})" if ident else word


def helpers(lang: str) -> dict[str, Any]:
    """What a template uses to speak ``lang``."""
    return {
        "_": translator(lang),
        "n_": plural_translator(lang),
        "said": lambda text: marked(lang, text),
        "money": lambda cents: money(cents, lang),
        "percent": lambda value: percent(value, lang),
        "number": lambda value: number(int(value), lang),
        "day": lambda value: day(value, lang),
        "moment": lambda value: moment(value, lang),
        "month": lambda value: month(value, lang),
        "account": lambda name: account(str(name), lang),
    }
