"""The console's words in Finnish, Swedish and English (the English text is the key).

A text missing here shows in English: better an English word than a blank on a page.
"""

from __future__ import annotations

from collections.abc import Callable

_FI: dict[str, str] = {
    "Log in": "Kirjaudu",
    "Log out": "Kirjaudu ulos",
    "Email": "Sähköposti",
    "Password": "Salasana",
    "Wrong email or password.": "Väärä sähköposti tai salasana.",
    "The form expired; please try again.": "Lomake vanheni; yritä uudelleen.",
    "Too many attempts; try again later.": "Liian monta yritystä; yritä myöhemmin uudelleen.",
    "Overview": "Yleiskuva",
    "Language": "Kieli",
    "Save": "Tallenna",
    "Owner's console": "Omistajan näkymä",
    "Signed in as": "Kirjautuneena",
}

_SV: dict[str, str] = {
    "Log in": "Logga in",
    "Log out": "Logga ut",
    "Email": "E-post",
    "Password": "Lösenord",
    "Wrong email or password.": "Fel e-post eller lösenord.",
    "The form expired; please try again.": "Formuläret gick ut; försök igen.",
    "Too many attempts; try again later.": "För många försök; försök igen senare.",
    "Overview": "Översikt",
    "Language": "Språk",
    "Save": "Spara",
    "Owner's console": "Ägarens vy",
    "Signed in as": "Inloggad som",
}

_TABLES = {"fi": _FI, "sv": _SV}


def translator(lang: str) -> Callable[[str], str]:
    table = _TABLES.get(lang, {})
    return lambda text: table.get(text, text)


def money(cents: int | None, lang: str) -> str:
    """Euros as the language writes them: 1 234,50 € (fi, sv) or €1,234.50 (en)."""
    if cents is None:
        return "—"
    sign = "−" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    if lang == "en":
        return f"{sign}€{whole:,}.{frac:02d}"
    return f"{sign}{whole:,}".replace(",", "\u00a0") + f",{frac:02d}\u00a0€"


def percent(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    text = f"{value * 100:.1f}"
    return (text if lang == "en" else text.replace(".", ",")) + "\u00a0%"
