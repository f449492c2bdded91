"""The "My data" screens' words in Finnish, Swedish and English (merged into
``kiosk.ui.i18n.STRINGS``, whose test checks every key has all three languages)."""

from __future__ import annotations

MYDATA_STRINGS: dict[str, dict[str, str]] = {
    "md_button": {"fi": "Omat tietoni", "sv": "Mina uppgifter", "en": "My data"},
    "md_title": {"fi": "Omat tietoni", "sv": "Mina uppgifter", "en": "My data"},
    "md_tap": {
        "fi": "Näytä korttisi lukijalle, niin näet mitä sinusta on tallennettu.",
        "sv": "Håll ditt kort mot läsaren så ser du vad vi har sparat om dig.",
        "en": "Tap your card on the reader to see what we hold about you.",
    },
    "md_held_title": {
        "fi": "Sinusta on tallennettu",
        "sv": "Det här har vi sparat om dig",
        "en": "What we hold about you",
    },
    "md_card": {"fi": "Kortti {card}", "sv": "Kort {card}", "en": "Card {card}"},
    "md_phone": {"fi": "Puhelin: {value}", "sv": "Telefon: {value}", "en": "Phone: {value}"},
    "md_email": {"fi": "Sähköposti: {value}", "sv": "E-post: {value}", "en": "Email: {value}"},
    "md_no_contact": {
        "fi": "Ei puhelinta eikä sähköpostia",
        "sv": "Ingen telefon eller e-post",
        "en": "No phone number or email",
    },
    "md_scope_terms": {"fi": "Ohjelman ehdot", "sv": "Programmets villkor", "en": "Program terms"},
    "md_scope_marketing": {"fi": "Tarjoukset", "sv": "Erbjudanden", "en": "Offers"},
    "md_consent_given": {
        "fi": "{name}: hyväksytty {given} (versio {version})",
        "sv": "{name}: godkänt {given} (version {version})",
        "en": "{name}: agreed {given} (version {version})",
    },
    "md_consent_withdrawn": {
        "fi": "{name}: hyväksytty {given} (versio {version}), peruttu {withdrawn}",
        "sv": "{name}: godkänt {given} (version {version}), återkallat {withdrawn}",
        "en": "{name}: agreed {given} (version {version}), withdrawn {withdrawn}",
    },
    "md_no_consents": {
        "fi": "Et ole liittynyt jäseneksi (ei suostumuksia)",
        "sv": "Du är inte medlem (inga samtycken)",
        "en": "You have not joined (no consents)",
    },
    "md_balances": {"fi": "Saldot: {balances}", "sv": "Saldon: {balances}", "en": "Balances: {balances}"},
    "md_events": {
        "fi": "Kirjauksia (käynnit, ostot): {n}",
        "sv": "Registreringar (besök, köp): {n}",
        "en": "Entries recorded (visits, purchases): {n}",
    },
    "md_withdraw": {
        "fi": "Peru tarjousten lupa",
        "sv": "Återkalla erbjudanden",
        "en": "Withdraw offers consent",
    },
    "md_withdrawn": {
        "fi": "Tarjousten lupa peruttu.",
        "sv": "Samtycket till erbjudanden är återkallat.",
        "en": "Consent to offers withdrawn.",
    },
    "md_erase": {"fi": "Poista tietoni", "sv": "Radera mina uppgifter", "en": "Erase my data"},
    "md_erase_title": {
        "fi": "Poistetaanko tietosi?",
        "sv": "Radera dina uppgifter?",
        "en": "Erase your data?",
    },
    "md_erase_explain": {
        "fi": "Yhteystietosi poistetaan ja saldosi suljetaan kaikilla kassoilla. "
        "Kortti ei enää tunnista sinua. Henkilökunta vahvistaa PIN-koodilla.",
        "sv": "Dina kontaktuppgifter raderas och dina saldon stängs i alla kassor. "
        "Kortet känner inte längre igen dig. Personalen bekräftar med sin PIN-kod.",
        "en": "Your contact details are removed and your balances closed on every till. "
        "The card will no longer identify you. A staff member confirms with their PIN.",
    },
    "md_nothing_held": {
        "fi": "Tästä kortista ei ole tallennettu mitään.",
        "sv": "Inget är sparat om det här kortet.",
        "en": "Nothing is held about this card.",
    },
    "md_erased": {
        "fi": "Tietosi on poistettu. Kortti ei enää tunnista sinua.",
        "sv": "Dina uppgifter är raderade. Kortet känner inte längre igen dig.",
        "en": "Your data has been erased. The card no longer identifies you.",
    },
}
