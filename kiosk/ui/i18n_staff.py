"""The staff screens' words (PIN, menu, the counter's tasks, settings, the team) in Finnish,
Swedish and English (merged into ``kiosk.ui.i18n.STRINGS``, whose test checks every key has
all three languages)."""

from __future__ import annotations

STAFF_STRINGS: dict[str, dict[str, str]] = {
    # ---- staff -------------------------------------------------------------------------
    "pin_title": {"fi": "Henkilökunnan PIN", "sv": "Personalens PIN", "en": "Staff PIN"},
    "pin_confirm_title": {
        "fi": "Vahvista PIN-koodilla",
        "sv": "Bekräfta med PIN",
        "en": "Confirm with your PIN",
    },
    "pin_wrong": {
        "fi": "Väärä PIN. Yrityksiä jäljellä: {left}",
        "sv": "Fel PIN. Försök kvar: {left}",
        "en": "Wrong PIN. Tries left: {left}",
    },
    "pin_locked": {
        "fi": "Lukittu {seconds} s liian monen väärän yrityksen vuoksi",
        "sv": "Låst i {seconds} s efter för många fel",
        "en": "Locked for {seconds} s after too many wrong tries",
    },
    "pin_no_right": {
        "fi": "Tähän tarvitaan rooli: {role}",
        "sv": "Detta kräver rollen: {role}",
        "en": "This needs the role: {role}",
    },
    "pin_no_staff": {
        "fi": "Henkilökuntaa ei ole määritetty: kanta staff add",
        "sv": "Ingen personal inlagd: kanta staff add",
        "en": "No staff set up yet: kanta staff add",
    },
    "staff_title": {"fi": "Kassa: {name}", "sv": "Kassa: {name}", "en": "Counter: {name}"},
    "staff_card": {"fi": "Kortti {card}", "sv": "Kort {card}", "en": "Card {card}"},
    "staff_no_card": {
        "fi": "Pyydä asiakasta näyttämään kortti",
        "sv": "Be kunden hålla kortet mot läsaren",
        "en": "Ask the customer to tap the card",
    },
    "staff_new_card": {
        "fi": "Uusi kortti: ei vielä jäsen",
        "sv": "Nytt kort: inte medlem än",
        "en": "New card: not a member yet",
    },
    "staff_overdrawn": {
        "fi": "HUOM: saldo miinuksella ({accounts}), tarkista historia",
        "sv": "OBS: saldot är negativt ({accounts}), kontrollera historiken",
        "en": "CHECK: balance below zero ({accounts}), see the history",
    },
    "staff_used_twice": {
        "fi": "Käytetty kahdesti: {what} kioskeilla {first} ja {second}",
        "sv": "Använd två gånger: {what} vid kioskerna {first} och {second}",
        "en": "Used twice: {what} at {first} and {second}",
    },
    "staff_used_twice_at": {
        "fi": "Käytetty kahdesti: {what}, toisen kerran kioskilla {first}",
        "sv": "Använd två gånger: {what}, andra gången vid kiosken {first}",
        "en": "Used twice: {what}, the second time at {first}",
    },
    "used_coupon": {"fi": "kuponkikoodi", "sv": "kupongkod", "en": "a coupon code"},
    "used_welcome": {"fi": "tervetuliaisbonus", "sv": "välkomstbonus", "en": "a welcome bonus"},
    "used_referral": {"fi": "suosittelu", "sv": "värvning", "en": "a referral"},
    "st_purchase": {"fi": "Osto", "sv": "Köp", "en": "Purchase"},
    "st_redeem": {"fi": "Lunasta palkinto", "sv": "Lös in belöning", "en": "Redeem reward"},
    "st_sell_pass": {"fi": "Myy sarjakortti", "sv": "Sälj klippkort", "en": "Sell a pass"},
    "st_use_pass": {"fi": "Käytä sarjakorttia", "sv": "Använd klippkort", "en": "Use a pass"},
    "st_undo": {"fi": "Peru merkintä", "sv": "Ångra en post", "en": "Undo an entry"},
    "st_link": {"fi": "Liitä toinen kortti", "sv": "Koppla ett kort till", "en": "Link a 2nd card"},
    "st_replace": {"fi": "Vaihda uuteen korttiin", "sv": "Byt till nytt kort", "en": "Replace a card"},
    "st_enroll": {"fi": "Liitä asiakas", "sv": "Registrera kund", "en": "Enroll a customer"},
    "st_status": {"fi": "Laitteen tila", "sv": "Enhetens status", "en": "Device status"},
    "amount_title": {"fi": "Summa", "sv": "Belopp", "en": "Amount"},
    "amount_purchase": {"fi": "Oston summa", "sv": "Köpets belopp", "en": "Purchase amount"},
    "wait_tap": {
        "fi": "Pyydä asiakasta näyttämään kortti",
        "sv": "Be kunden hålla kortet mot läsaren",
        "en": "Ask the customer to tap the card",
    },
    "wait_tap_new": {
        "fi": "Näytä nyt UUSI kortti lukijalle",
        "sv": "Håll nu det NYA kortet mot läsaren",
        "en": "Now tap the NEW card",
    },
    "confirm_redeem": {
        "fi": "Anna palkinto: {name}",
        "sv": "Ge belöningen: {name}",
        "en": "Give the reward: {name}",
    },
    "reward_stamp_card": {
        "fi": "täysi leimakortti",
        "sv": "fullt stämpelkort",
        "en": "full stamp card",
    },
    "reward_": {"fi": "palkinto", "sv": "belöning", "en": "reward"},
    "stamp_card_name": {"fi": "Leimakortti", "sv": "Stämpelkort", "en": "Stamp card"},
    "undo_title": {"fi": "Peru merkintä", "sv": "Ångra en post", "en": "Undo an entry"},
    "undo_pick": {"fi": "Valitse merkintä", "sv": "Välj en post", "en": "Pick an entry"},
    "undo_reason": {"fi": "Syy", "sv": "Orsak", "en": "Reason"},
    "undo_none": {
        "fi": "Ei peruttavia merkintöjä",
        "sv": "Inga poster att ångra",
        "en": "No entries to undo",
    },
    "reason_wrong_card": {"fi": "Väärä kortti", "sv": "Fel kort", "en": "Wrong card"},
    "reason_twice": {"fi": "Kirjattu kahdesti", "sv": "Registrerat två gånger", "en": "Entered twice"},
    "reason_wrong_amount": {"fi": "Väärä summa", "sv": "Fel belopp", "en": "Wrong amount"},
    "reason_cancelled": {"fi": "Osto peruttu", "sv": "Köpet ångrat", "en": "Sale cancelled"},
    "kind_visit_stamped": {"fi": "Käynti", "sv": "Besök", "en": "Visit"},
    "kind_purchase_recorded": {"fi": "Osto", "sv": "Köp", "en": "Purchase"},
    "kind_points_earned": {"fi": "Bonuspisteet", "sv": "Bonuspoäng", "en": "Bonus points"},
    "kind_reward_redeemed": {"fi": "Palkinto", "sv": "Belöning", "en": "Reward"},
    "kind_credit_topped_up": {"fi": "Saldon lisäys", "sv": "Påfyllning", "en": "Top-up"},
    "kind_credit_spent": {"fi": "Saldomaksu", "sv": "Betalt med saldo", "en": "Paid by credit"},
    "kind_pass_sold": {"fi": "Sarjakortti myyty", "sv": "Klippkort sålt", "en": "Pass sold"},
    "kind_pass_used": {"fi": "Sarjakortti käytetty", "sv": "Klippkort använt", "en": "Pass used"},
    "kind_member_merged": {"fi": "Yhdistetty", "sv": "Sammanslaget", "en": "Merged"},
    "st_settings": {"fi": "Asetukset", "sv": "Inställningar", "en": "Settings"},
    "settings_title": {"fi": "Kioskin asetukset", "sv": "Kioskens inställningar", "en": "Kiosk settings"},
    "settings_language": {
        "fi": "Oletuskieli asiakkaille",
        "sv": "Standardspråk för kunderna",
        "en": "Default language for customers",
    },
    "settings_timeout": {
        "fi": "Takaisin alkunäyttöön, kun näyttöön ei ole koskettu",
        "sv": "Tillbaka till startskärmen när ingen rört skärmen på",
        "en": "Back to the welcome screen after no touch for",
    },
    "settings_saved": {"fi": "Tallennettu.", "sv": "Sparat.", "en": "Saved."},
    "btn_save": {"fi": "Tallenna", "sv": "Spara", "en": "Save"},
    "status_title": {"fi": "Laitteen tila", "sv": "Enhetens status", "en": "Device status"},
    "status_reader": {"fi": "Kortinlukija", "sv": "Kortläsare", "en": "Card reader"},
    "status_scanner": {"fi": "Viivakoodinlukija", "sv": "Streckkodsläsare", "en": "Scanner"},
    "status_sync": {"fi": "Synkronointi", "sv": "Synkronisering", "en": "Last sync"},
    "status_waiting": {
        "fi": "Odottaa lähetystä",
        "sv": "Väntar på att skickas",
        "en": "Events waiting",
    },
    "status_storage": {"fi": "Tallennus", "sv": "Lagring", "en": "Storage"},
    "status_clock": {"fi": "Kello", "sv": "Klocka", "en": "Clock"},
    "status_members": {"fi": "Jäseniä", "sv": "Medlemmar", "en": "Members"},
    "ok_connected": {"fi": "OK – kytketty", "sv": "OK – ansluten", "en": "OK – connected"},
    "bad_unplugged": {"fi": "VIKA – irti", "sv": "FEL – frånkopplad", "en": "FAULT – unplugged"},
    "ok_storage": {"fi": "OK – tallentaa", "sv": "OK – sparar", "en": "OK – writing"},
    "bad_storage": {"fi": "VIKA – ei tallenna", "sv": "FEL – sparar inte", "en": "FAULT – cannot write"},
    "ok_clock": {"fi": "OK", "sv": "OK", "en": "OK"},
    "bad_clock": {"fi": "VIKA – ei asetettu", "sv": "FEL – inte ställd", "en": "FAULT – not set"},
    "never": {"fi": "ei koskaan", "sv": "aldrig", "en": "never"},
    "not_configured": {"fi": "ei käytössä", "sv": "inte inställd", "en": "not set up"},
    # ---- the counter (staff tasks of the running program) ------------------------------
    "st_top_up": {"fi": "Lisää saldoa", "sv": "Fyll på saldo", "en": "Top up credit"},
    "st_pay": {"fi": "Maksa saldolla", "sv": "Betala med saldo", "en": "Pay with credit"},
    "st_subscribe": {"fi": "Kuukausijäsenyys", "sv": "Prenumeration", "en": "Subscription"},
    "st_coupon": {"fi": "Kuponki", "sv": "Kupong", "en": "Coupon"},
    "st_refer": {"fi": "Suosittelu", "sv": "Värvning", "en": "Referral"},
    "st_bonus": {"fi": "Bonus", "sv": "Bonus", "en": "Bonus"},
    "st_team": {"fi": "Henkilökunta", "sv": "Personal", "en": "Staff list"},
    "amount_top_up": {"fi": "Lisättävä saldo", "sv": "Belopp att fylla på", "en": "Credit to add"},
    "amount_pay": {"fi": "Saldolla maksettava", "sv": "Belopp att betala med saldo", "en": "Amount to pay"},
    "charge_title": {"fi": "Veloita asiakkaalta", "sv": "Ta betalt av kunden", "en": "Charge the customer"},
    "charge_amount": {"fi": "Summa", "sv": "Belopp", "en": "Amount"},
    "charge_discount": {"fi": "Alennus", "sv": "Rabatt", "en": "Discount"},
    "charge_total": {"fi": "Veloitettava", "sv": "Att betala", "en": "To charge"},
    "charge_price": {"fi": "Hinta", "sv": "Pris", "en": "Price"},
    "btn_menu": {"fi": "Valikko", "sv": "Meny", "en": "Menu"},
    "btn_received": {"fi": "Raha saatu", "sv": "Pengarna mottagna", "en": "Money received"},
    "confirm_received": {
        "fi": "Saitko asiakkaalta {amount}?",
        "sv": "Har du fått {amount} av kunden?",
        "en": "Did you receive {amount}?",
    },
    "confirm_subscribe": {"fi": "Myy: {name}", "sv": "Sälj: {name}", "en": "Sell: {name}"},
    "confirm_sell_pass": {"fi": "Myy: {name}", "sv": "Sälj: {name}", "en": "Sell: {name}"},
    "confirm_bonus": {"fi": "Anna bonus: {name}", "sv": "Ge bonus: {name}", "en": "Give the bonus: {name}"},
    "renew_until": {
        "fi": "{name} (voimassa {date} asti: jatka)",
        "sv": "{name} (gäller till {date}: förläng)",
        "en": "{name} (valid until {date}: renew)",
    },
    "choose_pass": {"fi": "Mikä sarjakortti?", "sv": "Vilket klippkort?", "en": "Which pass?"},
    "choose_category": {
        "fi": "Mitä ostettiin? {amount}",
        "sv": "Vad köptes? {amount}",
        "en": "What was bought? {amount}",
    },
    "charge_category": {"fi": "Tuoteryhmä", "sv": "Kategori", "en": "Category"},
    "pass_uses_left": {"fi": "{name}: {n} jäljellä", "sv": "{name}: {n} kvar", "en": "{name}: {n} left"},
    "code_title": {
        "fi": "Skannaa tai kirjoita kupongin koodi",
        "sv": "Skanna eller skriv kupongkoden",
        "en": "Scan or type the coupon code",
    },
    "code_empty": {"fi": "Kirjoita koodi ensin", "sv": "Skriv koden först", "en": "Type the code first"},
    "wait_tap_referrer": {
        "fi": "Näytä ensin SUOSITTELIJAN kortti",
        "sv": "Håll först VÄRVARENS kort mot läsaren",
        "en": "First tap the card of the member who REFERRED",
    },
    "wait_tap_referred": {
        "fi": "Näytä nyt UUDEN jäsenen kortti",
        "sv": "Håll nu den NYA medlemmens kort mot läsaren",
        "en": "Now tap the NEW member's card",
    },
    "res_paid": {"fi": "Maksettu saldolla", "sv": "Betalt med saldo", "en": "Paid with credit"},
    "res_subscribed": {"fi": "Jäsenyys myyty", "sv": "Prenumeration såld", "en": "Subscription sold"},
    "res_pass_used": {"fi": "Sarjakortti käytetty", "sv": "Klippkortet använt", "en": "Pass used"},
    "res_pass_sold": {"fi": "Sarjakortti myyty", "sv": "Klippkort sålt", "en": "Pass sold"},
    "res_coupon": {"fi": "Kuponki käytetty", "sv": "Kupongen använd", "en": "Coupon taken"},
    "res_referred": {"fi": "Suosittelu kirjattu", "sv": "Värvningen sparad", "en": "Referral recorded"},
    "res_bonus": {"fi": "Bonus annettu", "sv": "Bonus given", "en": "Bonus given"},
    "card_stamps": {
        "fi": "{name}: {have}/{need}",
        "sv": "{name}: {have}/{need}",
        "en": "{name}: {have}/{need}",
    },
    "card_ready": {"fi": "VALMIINA: {names}", "sv": "KLART: {names}", "en": "READY: {names}"},
    "card_passes": {"fi": "Sarjakortit: {names}", "sv": "Klippkort: {names}", "en": "Passes: {names}"},
    "card_subscription": {
        "fi": "{name} voimassa {date} asti",
        "sv": "{name} gäller till {date}",
        "en": "{name} valid until {date}",
    },
    "role_staff": {"fi": "myyjä", "sv": "personal", "en": "staff"},
    "role_manager": {"fi": "esihenkilö", "sv": "chef", "en": "manager"},
    "role_owner": {"fi": "omistaja", "sv": "ägare", "en": "owner"},
    "found_title": {
        "fi": "Löytyi: kortti {card}",
        "sv": "Hittat: kort {card}",
        "en": "Found: card {card}",
    },
    "btn_record_visit": {"fi": "Kirjaa käynti", "sv": "Registrera besöket", "en": "Record my visit"},
    "team_title": {"fi": "Henkilökunta", "sv": "Personal", "en": "Staff"},
    "team_name": {"fi": "Nimi", "sv": "Namn", "en": "Name"},
    "team_new_pin": {"fi": "Uusi PIN", "sv": "Ny PIN", "en": "New PIN"},
    "team_fill": {
        "fi": "Anna nimi, rooli ja PIN",
        "sv": "Ange namn, roll och PIN",
        "en": "Give a name, a role and a PIN",
    },
    "team_saved": {"fi": "{name} tallennettu", "sv": "{name} sparad", "en": "{name} saved"},
    "team_removed": {"fi": "{name} poistettu", "sv": "{name} borttagen", "en": "{name} removed"},
    "team_refused": {
        "fi": "Ei tallennettu: {reason}",
        "sv": "Inte sparat: {reason}",
        "en": "Not saved: {reason}",
    },
    "team_not_self": {
        "fi": "Et voi poistaa itseäsi",
        "sv": "Du kan inte ta bort dig själv",
        "en": "You cannot remove yourself",
    },
    "btn_remove": {"fi": "Poista", "sv": "Ta bort", "en": "Remove"},
    "btn_edit_name": {"fi": "Kirjoita nimi", "sv": "Skriv namnet", "en": "Type the name"},
    # the store-failure screen: the kiosk's store cannot be opened (kiosk/ui/storefailure.py)
    "sf_title_damaged": {
        "fi": "Kioskin tallenteet ovat vahingoittuneet",
        "sv": "Kioskens sparade poster är skadade",
        "en": "The kiosk's records are damaged",
    },
    "sf_title_unwritable": {
        "fi": "Kioski ei voi tallentaa mitään",
        "sv": "Kiosken kan inte spara något",
        "en": "The kiosk cannot save anything",
    },
    "sf_what_damaged": {
        "fi": "Jo tallennettu merkintä (leima tai osto) on vahingoittunut muistikortilla. "
        "Kioski ei arvaa, mitä siinä luki.",
        "sv": "En redan sparad post (en stämpel eller ett köp) är skadad på minneskortet. "
        "Kiosken gissar inte vad den innehöll.",
        "en": "A record already saved (a stamp or a sale) is damaged on the memory card. "
        "The kiosk does not guess what it said.",
    },
    "sf_what_unwritable": {
        "fi": "Datakansioon {folder} ei voi kirjoittaa: se on vain luku -tilassa, täynnä "
        "tai muistikortti on viallinen.",
        "sv": "Datamappen {folder} går inte att skriva i: den är skrivskyddad, full eller "
        "så är minneskortet trasigt.",
        "en": "The data folder {folder} cannot be written: it is read-only, full, or the "
        "memory card is failing.",
    },
    "sf_nothing": {
        "fi": "Mitään ei tallenneta: kioski ei lue kortteja eikä koodeja ennen kuin vika on "
        "korjattu.",
        "sv": "Inget sparas: kiosken läser inga kort eller koder förrän felet är åtgärdat.",
        "en": "Nothing is recorded: the kiosk reads no cards or codes until this is fixed.",
    },
    "sf_todo_title": {"fi": "Mitä tehdä", "sv": "Vad göra", "en": "What to do"},
    "sf_todo_damaged": {
        "fi": "1. kanta store verify kertoo, mikä on vahingoittunut\n"
        "2. kanta store repair säilyttää kaiken sitä edeltävän ja siirtää vahingoittuneen "
        "talteen\n3. Soita omistajalle: tiedot voi palauttaa varmuuskopiosta\n"
        "4. Käynnistä kioski sitten uudelleen",
        "sv": "1. kanta store verify visar vad som är skadat\n"
        "2. kanta store repair behåller allt före skadan och lägger den skadade posten åt "
        "sidan\n3. Ring ägaren: uppgifterna kan återställas från en säkerhetskopia\n"
        "4. Starta sedan om kiosken",
        "en": "1. kanta store verify names what is damaged\n"
        "2. kanta store repair keeps every record before it and sets the damaged one "
        "aside\n3. Call the owner: the data can be restored from a backup\n"
        "4. Then restart the kiosk",
    },
    "sf_todo_unwritable": {
        "fi": "1. kanta status kertoo kansion ja virheen\n"
        "2. Vapauta tilaa tai tarkista tai vaihda muistikortti\n3. Soita omistajalle\n"
        "4. Käynnistä kioski sitten uudelleen",
        "sv": "1. kanta status visar mappen och felet\n"
        "2. Frigör utrymme eller kontrollera eller byt minneskortet\n3. Ring ägaren\n"
        "4. Starta sedan om kiosken",
        "en": "1. kanta status names the folder and the error\n"
        "2. Free some space, or check or replace the memory card\n3. Call the owner\n"
        "4. Then restart the kiosk",
    },
}
