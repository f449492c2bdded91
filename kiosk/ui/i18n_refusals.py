"""The refusals' words in Finnish, Swedish and English, keyed by ``ref_`` + Refusal.code
(merged into ``kiosk.ui.i18n.STRINGS``, whose test checks every key has all three languages)."""

from __future__ import annotations

REFUSAL_STRINGS: dict[str, dict[str, str]] = {
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
}
