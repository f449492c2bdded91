"""The kiosk's words in Finnish, Swedish and English, keyed by message and refusal code.

``tr(lang, key, **params)`` formats one string; a missing key in one language falls back
to English, and a missing key everywhere shows the key itself (a test checks all three
languages have every key, so that never reaches a customer).
"""

from __future__ import annotations

from typing import Any

from kiosk.ui.i18n_mydata import MYDATA_STRINGS

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
    # ---- refusals (keyed by Refusal.code) ----------------------------------------------
    "refused_title": {"fi": "Ei kirjattu", "sv": "Inte registrerat", "en": "Not recorded"},
    "ref_cooldown": {
        "fi": "Tämä käynti on jo leimattu. Uusi leima aikaisintaan {seconds} s päästä.",
        "sv": "Besöket är redan stämplat. Nästa stämpel tidigast om {seconds} s.",
        "en": "This visit is already stamped. The next stamp is possible in {seconds} s.",
    },
    "res_already": {"fi": "Jo leimattu", "sv": "Redan stämplad", "en": "Already stamped"},
    "res_next_stamp": {
        "fi": "Seuraava leima klo {time} alkaen",
        "sv": "Nästa stämpel från kl. {time}",
        "en": "Next stamp from {time}",
    },
    "ref_join_required": {
        "fi": "Liity ensin jäseneksi, niin voit alkaa kerätä.",
        "sv": "Bli medlem först, så kan du börja samla.",
        "en": "Please join first to start collecting.",
    },
    "ref_not_enough": {
        "fi": "Palkintoon puuttuu vielä {to_go}.",
        "sv": "{to_go} kvar till belöningen.",
        "en": "{to_go} still to go for the reward.",
    },
    "ref_not_enough_credit": {
        "fi": "Kortilla ei ole tarpeeksi saldoa.",
        "sv": "Det finns inte tillräckligt med saldo på kortet.",
        "en": "Not enough credit on the card.",
    },
    "ref_card_replaced": {
        "fi": "Tämä kortti on korvattu uudella. Käytä uutta korttia.",
        "sv": "Kortet har ersatts av ett nytt. Använd det nya kortet.",
        "en": "This card was replaced by a new one. Please use the new card.",
    },
    "ref_erased": {
        "fi": "Tämän kortin jäsentiedot on poistettu pyynnöstä.",
        "sv": "Medlemmens uppgifter för kortet har raderats på begäran.",
        "en": "This card's member was erased at their request.",
    },
    "ref_unknown_code": {
        "fi": "Koodia ei tunnistettu. Kokeile uudelleen tai kysy kassalta.",
        "sv": "Koden kändes inte igen. Försök igen eller fråga i kassan.",
        "en": "The code was not recognised. Try again or ask the staff.",
    },
    "ref_unknown_card": {
        "fi": "Korttia ei löytynyt.",
        "sv": "Kortet hittades inte.",
        "en": "No member has this card.",
    },
    "ref_random_uid": {
        "fi": "Puhelimesi näyttää joka kerta eri tunnisteen, joten sitä ei voi käyttää kanta-"
        "korttina. Käytä korttia tai avaimenperää.",
        "sv": "Telefonen visar ett nytt id varje gång och kan inte användas som kort. "
        "Använd ett kort eller en nyckelbricka.",
        "en": "Your phone shows a new ID on every tap, so it cannot be used as a card. "
        "Please use a card or key fob.",
    },
    "ref_unreadable": {
        "fi": "Korttia ei voitu lukea. Pidä kortti lukijalla hetken.",
        "sv": "Kortet kunde inte läsas. Håll kortet stilla mot läsaren.",
        "en": "The card could not be read. Hold it still on the reader.",
    },
    "ref_already_member": {
        "fi": "Tämä kortti on jo jäsenkortti.",
        "sv": "Kortet är redan ett medlemskort.",
        "en": "This card is already a member.",
    },
    "ref_bad_amount": {
        "fi": "Syötä ensin summa.",
        "sv": "Ange beloppet först.",
        "en": "Enter the amount first.",
    },
    "ref_not_offered": {
        "fi": "Tämän liikkeen ohjelma ei tarjoa tätä.",
        "sv": "Butikens program erbjuder inte detta.",
        "en": "This shop's program does not offer this.",
    },
    "ref_unknown_reward": {
        "fi": "Tuntematon palkinto.",
        "sv": "Okänd belöning.",
        "en": "Unknown reward.",
    },
    "ref_which_pass": {
        "fi": "Valitse sarjakortti: {passes}",
        "sv": "Välj klippkort: {passes}",
        "en": "Choose the pass: {passes}",
    },
    "ref_unknown_pass": {
        "fi": "Tuntematon sarjakortti. Vaihtoehdot: {passes}",
        "sv": "Okänt klippkort. Alternativ: {passes}",
        "en": "Unknown pass. The passes are: {passes}",
    },
    "ref_needs_online": {
        "fi": "Tämän palkinnon antaminen vaatii yhteyden liikkeen palvelimeen, eikä yhteyttä ole "
        "ollut hetkeen. Yritä myöhemmin uudelleen.",
        "sv": "Den här belöningen kräver kontakt med butikens server, och den har inte nåtts på "
        "en stund. Försök igen senare.",
        "en": "This reward needs a recent connection to the shop's server, and there has been "
        "none for a while. Try again later.",
    },
    "ref_coupon_online_only": {
        "fi": "Tämä kuponki vaatii yhteyden liikkeen palvelimeen, eikä yhteyttä ole ollut hetkeen. "
        "Yritä uudelleen, kun yhteys palaa.",
        "sv": "Den här kupongen kräver kontakt med butikens server, och den har inte nåtts på en "
        "stund. Försök igen när den är tillbaka.",
        "en": "This coupon needs the shop's server, which this kiosk has not reached lately: "
        "try again when it is back online.",
    },
    "ref_unknown_phone": {
        "fi": "Numerolla ei löytynyt jäsentä.",
        "sv": "Ingen medlem med det numret.",
        "en": "No member has that number.",
    },
    "ref_phone_rate_limited": {
        "fi": "Tätä numeroa on haettu liian usein. Yritä myöhemmin tai ota kortti mukaan.",
        "sv": "Numret har sökts för ofta. Försök senare eller ta med kortet.",
        "en": "This number was looked up too often. Try again later, or bring the card.",
    },
    "ref_coupon_at_counter": {
        "fi": "Kuponki: näytä se kassalla.",
        "sv": "Kupong: visa den i kassan.",
        "en": "A coupon: please show it at the counter.",
    },
    "ref_gift_at_counter": {
        "fi": "Lahjakortti: näytä se kassalla.",
        "sv": "Presentkort: visa det i kassan.",
        "en": "A gift card: please show it at the counter.",
    },
    "ref_already_referred": {
        "fi": "Tämä uusi jäsen on jo jonkun suosittelema.",
        "sv": "Den nya medlemmen är redan värvad av någon.",
        "en": "This new member was already referred by someone.",
    },
    "ref_bad_input": {
        "fi": "Tarkista syöte: {message}",
        "sv": "Kontrollera uppgiften: {message}",
        "en": "Check the input: {message}",
    },
    "ref_bonus_given": {
        "fi": "Tämä bonus on jo annettu.",
        "sv": "Den här bonusen är redan given.",
        "en": "This bonus was already given.",
    },
    "ref_coupon_expired": {
        "fi": "Kupongin voimassaolo on päättynyt.",
        "sv": "Kupongen har gått ut.",
        "en": "This coupon has expired.",
    },
    "ref_coupon_not_yet": {
        "fi": "Kuponki ei ole vielä voimassa.",
        "sv": "Kupongen gäller inte än.",
        "en": "This coupon is not valid yet.",
    },
    "ref_coupon_used": {
        "fi": "Tämä kuponki on jo käytetty.",
        "sv": "Kupongen är redan använd.",
        "en": "This coupon was already used.",
    },
    "ref_daily_cap": {
        "fi": "Päivän enimmäismäärä on jo täynnä.",
        "sv": "Dagens maximum är redan nått.",
        "en": "Today's limit is already reached.",
    },
    "ref_duplicate": {
        "fi": "Tämä on jo kirjattu.",
        "sv": "Detta är redan registrerat.",
        "en": "This was already recorded.",
    },
    "ref_expired": {
        "fi": "Voimassaolo on päättynyt.",
        "sv": "Giltighetstiden har gått ut.",
        "en": "This has expired.",
    },
    "ref_garbled_code": {
        "fi": "Koodi luettiin väärin. Skannaa uudelleen.",
        "sv": "Koden lästes fel. Skanna igen.",
        "en": "The code was misread. Please scan again.",
    },
    "ref_no_pass": {
        "fi": "Kortilla ei ole käytettävää sarjakorttia.",
        "sv": "Kortet har inget klippkort att använda.",
        "en": "This card has no pass to use.",
    },
    "ref_none": {
        "fi": "Kortilla ei ole tätä.",
        "sv": "Kortet har inte detta.",
        "en": "This card does not hold that.",
    },
    "ref_not_new": {
        "fi": "Vain uuden jäsenen voi suositella: tällä kortilla on jo ostoksia.",
        "sv": "Bara en ny medlem kan värvas: kortet har redan handlat.",
        "en": "Only a new member can be referred: this card has already shopped.",
    },
    "ref_not_started": {
        "fi": "Kanta-ohjelma ei ole vielä alkanut.",
        "sv": "Programmet har inte börjat än.",
        "en": "The program has not started yet.",
    },
    "ref_product_code": {
        "fi": "Tämä on tuotteen viivakoodi, ei jäsenkortti. Mitään ei kirjattu.",
        "sv": "Detta är en produkts streckkod, inte ett medlemskort. Inget registrerades.",
        "en": "This is a product's barcode, not a member card. Nothing was recorded.",
    },
    "ref_program_ended": {
        "fi": "Kanta-ohjelma on päättynyt.",
        "sv": "Programmet har upphört.",
        "en": "The program has ended.",
    },
    "ref_referral_limit": {
        "fi": "Suositteluja on jo enimmäismäärä.",
        "sv": "Max antal värvningar är nått.",
        "en": "The referral limit is reached.",
    },
    "ref_self_referral": {
        "fi": "Itseään ei voi suositella.",
        "sv": "Man kan inte värva sig själv.",
        "en": "You cannot refer yourself.",
    },
    "ref_unknown_bonus": {
        "fi": "Tällaista bonusta ei ole.",
        "sv": "Den bonusen finns inte.",
        "en": "There is no such bonus.",
    },
    "ref_unknown_coupon": {
        "fi": "Kuponkikoodi ei kelpaa täällä.",
        "sv": "Kupongkoden gäller inte här.",
        "en": "This coupon code is not valid here.",
    },
    "ref_unknown_gift": {
        "fi": "Tätä lahjakorttia ei ole vielä myyty.",
        "sv": "Presentkortet är inte sålt än.",
        "en": "This gift card has not been sold yet.",
    },
    "ref_unknown_subscription": {
        "fi": "Tällaista jäsenyyttä ei ole.",
        "sv": "Den prenumerationen finns inte.",
        "en": "There is no such subscription.",
    },
    "ref_used_this_week": {
        "fi": "Tämän viikon etu on jo käytetty.",
        "sv": "Veckans förmån är redan använd.",
        "en": "This week's benefit is already used.",
    },
    "ref_used_today": {
        "fi": "Käytetty jo tänään.",
        "sv": "Redan använt i dag.",
        "en": "Already used today.",
    },
    "ref_used_up": {
        "fi": "Kaikki käyttökerrat on käytetty.",
        "sv": "Alla klipp är använda.",
        "en": "All uses are used up.",
    },
    "ref_which_reward": {
        "fi": "Valitse lunastettava palkinto.",
        "sv": "Välj belöningen att lösa in.",
        "en": "Choose the reward to redeem.",
    },
    "ref_wrong_price": {
        "fi": "Hinta ei täsmää ohjelman hintaan.",
        "sv": "Priset stämmer inte med programmets pris.",
        "en": "The price does not match the program's price.",
    },
    "ref_unknown_category": {
        "fi": "Tätä tuoteryhmää ei ole ohjelmassa.",
        "sv": "Den produktgruppen finns inte i programmet.",
        "en": "The program has no such purchase category.",
    },
    "ref_no_phone": {
        "fi": "Numerolla ei löytynyt jäsentä.",
        "sv": "Ingen medlem med det numret.",
        "en": "No member has that number.",
    },
    "ref_other": {"fi": "{message}", "sv": "{message}", "en": "{message}"},
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
STRINGS.update(MYDATA_STRINGS)


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
