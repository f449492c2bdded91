"""The kiosk's words in Finnish, Swedish and English, keyed by message and refusal code.

``tr(lang, key, **params)`` formats one string; a missing key in one language falls back
to English, and a missing key everywhere shows the key itself (a test checks all three
languages have every key, so that never reaches a customer).
"""

from __future__ import annotations

from typing import Any

from kiosk.ui.i18n_mydata import MYDATA_STRINGS
from kiosk.ui.i18n_refusals import REFUSAL_STRINGS
from kiosk.ui.i18n_staff import STAFF_STRINGS

LANGS = ("fi", "sv", "en")
LANG_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}

STRINGS: dict[str, dict[str, str]] = {
    # ---- idle / attract --------------------------------------------------------------
    "idle_welcome": {
        "fi": "Tervetuloa!",
        "sv": "Välkommen!",
        "en": "Welcome!",
    },
    "idle_tap": {
        "fi": "Näytä korttisi lukijalle",
        "sv": "Håll ditt kort mot läsaren",
        "en": "Tap your card on the reader",
    },
    "idle_how_to_join": {
        "fi": "Ei vielä korttia? Pyydä kortti kassalta ja näytä se lukijalle: liityt heti.",
        "sv": "Inget kort än? Be om ett kort i kassan och håll det mot läsaren: du är med direkt.",
        "en": "No card yet? Ask for one at the counter and tap it: you are in at once.",
    },
    "idle_program": {
        "fi": "Joka käynti = 1 leima. {target} leimaa = palkinto.",
        "sv": "Varje besök = 1 stämpel. {target} stämplar = en belöning.",
        "en": "Every visit = 1 stamp. {target} stamps = a reward.",
    },
    "idle_points": {
        "fi": "Lisäksi {per_unit} piste jokaisesta eurosta.",
        "sv": "Dessutom {per_unit} poäng för varje euro.",
        "en": "Plus {per_unit} point for every euro you spend.",
    },
    "btn_no_card": {"fi": "Kortti kotona?", "sv": "Kortet hemma?", "en": "Card at home?"},
    "btn_staff": {"fi": "Henkilökunta", "sv": "Personal", "en": "Staff"},
    "btn_done": {"fi": "Valmis", "sv": "Klar", "en": "Done"},
    "btn_back": {"fi": "Takaisin", "sv": "Tillbaka", "en": "Back"},
    "btn_cancel": {"fi": "Peruuta", "sv": "Avbryt", "en": "Cancel"},
    "btn_ok": {"fi": "OK", "sv": "OK", "en": "OK"},
    "btn_next": {"fi": "Seuraava", "sv": "Nästa", "en": "Next"},
    "btn_skip": {"fi": "Ohita", "sv": "Hoppa över", "en": "Skip"},
    "btn_join": {"fi": "Liity jäseneksi", "sv": "Bli medlem", "en": "Join the club"},
    "btn_claim": {"fi": "Lunasta palkinto", "sv": "Lös in belöningen", "en": "Claim the reward"},
    "btn_confirm": {"fi": "Vahvista", "sv": "Bekräfta", "en": "Confirm"},
    "btn_clear": {"fi": "Tyhjennä", "sv": "Rensa", "en": "Clear"},
    "btn_find": {"fi": "Hae", "sv": "Sök", "en": "Find"},
    "btn_logout": {"fi": "Kirjaudu ulos", "sv": "Logga ut", "en": "Log out"},
    # ---- tap result ------------------------------------------------------------------
    "res_stamp": {"fi": "+{n} leima", "sv": "+{n} stämpel", "en": "+{n} stamp"},
    "res_stamps": {"fi": "+{n} leimaa", "sv": "+{n} stämplar", "en": "+{n} stamps"},
    "res_visit": {"fi": "Käynti kirjattu", "sv": "Besöket registrerat", "en": "Visit recorded"},
    "res_recorded": {"fi": "Tallennettu", "sv": "Sparat", "en": "Recorded"},
    "res_new_card": {
        "fi": "Uusi kortti: käynti tallennettu",
        "sv": "Nytt kort: besöket sparat",
        "en": "New card: visit recorded",
    },
    "res_stamps_progress": {
        "fi": "{have}/{target} leimaa – vielä {to_go} palkintoon",
        "sv": "{have}/{target} stämplar – {to_go} kvar till belöningen",
        "en": "{have}/{target} stamps – {to_go} to go for a reward",
    },
    "res_reward_ready": {
        "fi": "PALKINTO VALMIINA! Kerro kassalle.",
        "sv": "BELÖNING KLAR! Säg till i kassan.",
        "en": "REWARD READY! Tell the staff.",
    },
    "res_reward_ready_named": {
        "fi": "PALKINTO VALMIINA: {reward}! Kerro kassalle.",
        "sv": "BELÖNING KLAR: {reward}! Säg till i kassan.",
        "en": "REWARD READY: {reward}! Tell the staff.",
    },
    "need_visits": {"fi": "{n} käyntiä", "sv": "{n} besök", "en": "{n} visits"},
    "res_points": {"fi": "Pisteet: {points}", "sv": "Poäng: {points}", "en": "Points: {points}"},
    "res_points_change": {
        "fi": "Pisteet: {points} ({delta:+d})",
        "sv": "Poäng: {points} ({delta:+d})",
        "en": "Points: {points} ({delta:+d})",
    },
    "res_credit": {"fi": "Saldo: {amount}", "sv": "Saldo: {amount}", "en": "Credit: {amount}"},
    "res_credit_change": {
        "fi": "Saldo: {amount} ({delta})",
        "sv": "Saldo: {amount} ({delta})",
        "en": "Credit: {amount} ({delta})",
    },
    "res_tier": {"fi": "Taso: {tier}", "sv": "Nivå: {tier}", "en": "Tier: {tier}"},
    "res_tier_next": {
        "fi": "Taso: {tier} – tasolle {next} vielä {need}",
        "sv": "Nivå: {tier} – {need} kvar till {next}",
        "en": "Tier: {tier} – {need} more for {next}",
    },
    "res_expiring": {
        "fi": "{amount} {what} vanhenee {date}",
        "sv": "{amount} {what} går ut {date}",
        "en": "{amount} {what} expire on {date}",
    },
    "what_stamps": {"fi": "leimaa", "sv": "stämplar", "en": "stamps"},
    "what_points": {"fi": "pistettä", "sv": "poäng", "en": "points"},
    "res_reward_headline": {
        "fi": "Palkinto valmiina!",
        "sv": "Belöningen är klar!",
        "en": "Your reward is ready!",
    },
    "res_offer_join_plain": {
        "fi": "Liity jäseneksi – se käy hetkessä.",
        "sv": "Bli medlem – det går på ett ögonblick.",
        "en": "Join the club – it takes a moment.",
    },
    "res_offer_join": {
        "fi": "Liity jäseneksi ja saat tervetuliaisbonuksen!",
        "sv": "Bli medlem och få en välkomstbonus!",
        "en": "Join the club and get a welcome bonus!",
    },
    "res_redeemed": {
        "fi": "Palkinto lunastettu – nauti!",
        "sv": "Belöningen inlöst – njut!",
        "en": "Reward claimed – enjoy!",
    },
    "res_topped_up": {"fi": "Saldoa lisätty", "sv": "Saldo påfyllt", "en": "Credit topped up"},
    "res_purchase": {"fi": "Osto kirjattu", "sv": "Köpet registrerat", "en": "Purchase recorded"},
    "res_undone": {"fi": "Merkintä peruttu", "sv": "Posten ångrad", "en": "Entry undone"},
    "res_linked": {"fi": "Kortti liitetty", "sv": "Kortet kopplat", "en": "Card linked"},
    "res_replaced": {
        "fi": "Jäsenyys siirretty uudelle kortille",
        "sv": "Medlemskapet flyttat till det nya kortet",
        "en": "Membership moved to the new card",
    },
    "res_welcome": {
        "fi": "Tervetuloa jäseneksi!",
        "sv": "Välkommen som medlem!",
        "en": "Welcome to the club!",
    },
    "res_welcome_bonus": {
        "fi": "Tervetuliaisbonus: {bonus}",
        "sv": "Välkomstbonus: {bonus}",
        "en": "Welcome bonus: {bonus}",
    },
    # ---- failures ----------------------------------------------------------------------
    "err_store_title": {
        "fi": "Mitään ei tallennettu",
        "sv": "Ingenting sparades",
        "en": "Nothing was recorded",
    },
    "err_store_body": {
        "fi": "Laite ei pysty tallentamaan juuri nyt. Kerro kassalle – käyntiäsi ei kirjattu.",
        "sv": "Enheten kan inte spara just nu. Säg till i kassan – besöket registrerades inte.",
        "en": "The kiosk cannot save right now. Please tell the staff – your visit was not "
        "recorded.",
    },
    "err_generic": {
        "fi": "Jokin meni vikaan. Mitään ei muutettu. Kerro kassalle.",
        "sv": "Något gick fel. Ingenting ändrades. Säg till i kassan.",
        "en": "Something went wrong. Nothing was changed. Please tell the staff.",
    },
    "banner_reader": {
        "fi": "Kortinlukija irti – kytke lukija tai kirjaa käsin",
        "sv": "Kortläsaren är frånkopplad – anslut läsaren",
        "en": "Card reader unplugged – plug it back in",
    },
    "banner_scanner": {
        "fi": "Viivakoodinlukija irti – kytke lukija",
        "sv": "Streckkodsläsaren är frånkopplad – anslut den",
        "en": "Barcode scanner unplugged – plug it back in",
    },
    "banner_store": {
        "fi": "TALLENNUS EI ONNISTU – mitään ei kirjata. Soita tukeen.",
        "sv": "KAN INTE SPARA – ingenting registreras. Ring supporten.",
        "en": "CANNOT SAVE – nothing is being recorded. Call support.",
    },
    "banner_clock": {
        "fi": "Kelloa ei ole vielä asetettu – ajat voivat olla väärin",
        "sv": "Klockan är inte ställd ännu – tider kan vara fel",
        "en": "Clock not set yet – times may be wrong",
    },
    # ---- join --------------------------------------------------------------------------
    "join_title": {"fi": "Liity jäseneksi", "sv": "Bli medlem", "en": "Join the club"},
    "join_terms": {
        "fi": "Keräät leimoja ja pisteitä kortilla. Emme tarvitse nimeäsi. Voit erota ja "
        "pyytää tietojesi poistoa milloin tahansa.",
        "sv": "Du samlar stämplar och poäng på kortet. Vi behöver inte ditt namn. Du kan gå "
        "ur och be oss radera dina uppgifter när som helst.",
        "en": "You collect stamps and points on your card. We don't need your name. You "
        "can leave and ask us to erase your data at any time.",
    },
    # the consents themselves are worded by the shop's config ([consent])
    "join_required": {"fi": "pakollinen", "sv": "krävs", "en": "required"},
    "join_optional": {"fi": "vapaaehtoinen", "sv": "frivilligt", "en": "optional"},
    "join_need_consent": {
        "fi": "Rastita pakollinen kohta liittyäksesi.",
        "sv": "Kryssa i den obligatoriska rutan för att bli medlem.",
        "en": "Tick the required box to join.",
    },
    "join_contact_title": {
        "fi": "Puhelin tai sähköposti (vapaaehtoinen)",
        "sv": "Telefon eller e-post (frivilligt)",
        "en": "Phone or email (optional)",
    },
    "join_contact_hint": {
        "fi": "Sillä löydät jäsenyytesi, jos kortti jää kotiin.",
        "sv": "Med den hittar vi ditt medlemskap om kortet ligger hemma.",
        "en": "With it we can find you when your card is at home.",
    },
    "join_contact_bad": {
        "fi": "Tarkista numero tai osoite.",
        "sv": "Kontrollera numret eller adressen.",
        "en": "Please check the number or address.",
    },
    "join_tap_first": {
        "fi": "Näytä ensin korttisi lukijalle.",
        "sv": "Håll först ditt kort mot läsaren.",
        "en": "Tap your card on the reader first.",
    },
    "checked": {"fi": "[X]", "sv": "[X]", "en": "[X]"},
    "unchecked": {"fi": "[  ]", "sv": "[  ]", "en": "[  ]"},
    # ---- lookup ------------------------------------------------------------------------
    "lookup_title": {
        "fi": "Hae puhelinnumerolla",
        "sv": "Sök med telefonnummer",
        "en": "Find me by phone number",
    },
    # ---- demo --------------------------------------------------------------------------
    "demo_help": {
        "fi": "DEMO – näppäimet: 1, 2 = jäsenkortti lukijalle · 3 = jäsenen viivakoodi · "
        "4 = uusi kortti · 5 = puhelin · S = viallinen viivakoodi · P = lukija irti/kiinni · "
        "henkilökunnan PIN 5827",
        "sv": "DEMO – tangenter: 1, 2 = medlemskort · 3 = medlemmens streckkod · 4 = nytt kort · "
        "5 = telefon · S = felaktig streckkod · P = läsaren ur/i · personal-PIN 5827",
        "en": "DEMO – keys: 1, 2 = tap a member card · 3 = scan a member's barcode · 4 = a new card · "
        "5 = a phone · S = a garbled barcode · P = unplug/replug the reader · staff PIN 5827",
    },
}
#: the per-area tables (tests/ui/test_translations.py checks no key is in two of them)
TABLES = (REFUSAL_STRINGS, STAFF_STRINGS, MYDATA_STRINGS)
for _table in TABLES:
    STRINGS.update(_table)


#: counted words: (one, many) per language; Finnish and Swedish differ from English
PLURALS: dict[str, dict[str, tuple[str, str]]] = {
    "stamps": {"fi": ("leima", "leimaa"), "sv": ("stämpel", "stämplar"), "en": ("stamp", "stamps")},
    "points": {"fi": ("piste", "pistettä"), "sv": ("poäng", "poäng"), "en": ("point", "points")},
    "visits": {"fi": ("käynti", "käyntiä"), "sv": ("besök", "besök"), "en": ("visit", "visits")},
}


def count(lang: str, what: str, n: int, sign: bool = False) -> str:
    """A number with its word in the right form: "1 leima", "+2 stämplar", "-1 point"."""
    forms = PLURALS[what].get(lang) or PLURALS[what]["en"]
    word = forms[0] if abs(n) == 1 else forms[1]
    return f"{n:+d} {word}" if sign else f"{n} {word}"


def tr(lang: str, key: str, **params: Any) -> str:
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get("en") or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


#: currency symbols written after the amount ("12,50 €") in fi/sv, before it in en ("€12.50")
CURRENCY_SYMBOLS = {"EUR": "€", "SEK": "kr", "USD": "$", "GBP": "£"}


def money(lang: str, cents: int, currency: str = "EUR", sign: bool = False) -> str:
    """Cents in the language's format: fi/sv "1 234,50 €", en "€1,234.50"; ``sign``: "+"."""
    whole, frac = divmod(abs(cents), 100)
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    lead = "-" if cents < 0 else ("+" if sign and cents > 0 else "")
    if lang == "en":
        return f"{lead}{symbol}{whole:,}.{frac:02d}"
    grouped = f"{whole:,}".replace(",", "\u00a0")
    return f"{lead}{grouped},{frac:02d}\u00a0{symbol}"


def decimal_mark(lang: str) -> str:
    """The decimal mark on the amount keypad: a comma in Finnish and Swedish."""
    return "." if lang == "en" else ","


def refusal_text(lang: str, code: str, message: str, params: dict[str, Any] | None = None) -> str:
    """A refusal in the customer's language; an unknown code shows the rules' own text."""
    key = f"ref_{code}"
    if key in STRINGS:
        return tr(lang, key, message=message, **(params or {}))
    return message
