"""The console's messages: English -> (Finnish, Swedish). Refusals and errors with their
values (``{name}``), texts that follow a count (:data:`PLURALS`), and patterns for the
messages made outside the console (:data:`FOREIGN`: the kiosk's PIN rules, the shop's
logins), matched whole, their ``(?P<name>...)`` parts put into the translation."""

from __future__ import annotations

import re

MESSAGES: dict[str, tuple[str, str]] = {
    "{problem}": ("{problem}", "{problem}"),
    "line {line}: {problem}": ("rivi {line}: {problem}", "rad {line}: {problem}"),
    "line {line}": ("rivi {line}", "rad {line}"),
    # ---- logins and forms ---------------------------------------------------------------
    "Wrong email or password.": ("Väärä sähköposti tai salasana.", "Fel e-post eller lösenord."),
    "The form expired; please try again.": (
        "Lomake vanheni; yritä uudelleen.",
        "Formuläret gick ut; försök igen.",
    ),
    "Too many attempts; try again later.": (
        "Liian monta yritystä; yritä myöhemmin uudelleen.",
        "För många försök; försök igen senare.",
    ),
    "this page is for the shop's owner": (
        "tämä sivu on liikkeen omistajalle",
        "den här sidan är för butikens ägare",
    ),
    "the form's security token is missing or wrong: reload the page": (
        "lomakkeen turvatunniste puuttuu tai on väärä: lataa sivu uudelleen",
        "formulärets säkerhetstoken saknas eller är fel: ladda om sidan",
    ),
    "unknown language {lang!r}: one of {known}": (
        "tuntematon kieli {lang!r}: jokin näistä: {known}",
        "okänt språk {lang!r}: ett av {known}",
    ),
    "request too large": ("pyyntö on liian suuri", "begäran är för stor"),
    # ---- overview and retention ---------------------------------------------------------
    "{field}: a whole number from {low} to {high}, got {raw!r}": (
        "{field}: kokonaisluku väliltä {low}–{high}, saatiin {raw!r}",
        "{field}: ett heltal från {low} till {high}, fick {raw!r}",
    ),
    "{field}: a date like 2026-03-01, got {raw!r}": (
        "{field}: päivämäärä kuten 2026-03-01, saatiin {raw!r}",
        "{field}: ett datum som 2026-03-01, fick {raw!r}",
    ),
    "start {start} is after end {end}": (
        "alku {start} on lopun {end} jälkeen",
        "början {start} är efter slutet {end}",
    ),
    "the range is longer than {top} days": (
        "jakso on yli {top} päivää pitkä",
        "perioden är längre än {top} dagar",
    ),
    "kiosk: at most 200 characters": ("kioski: enintään 200 merkkiä", "kiosk: högst 200 tecken"),
    "no chart {chart!r}: one of {known}": (
        "ei kaaviota {chart!r}: jokin näistä: {known}",
        "inget diagram {chart!r}: ett av {known}",
    ),
    "since: a month like 2026-01, got {raw!r}": (
        "alkaen: kuukausi kuten 2026-01, saatiin {raw!r}",
        "från: en månad som 2026-01, fick {raw!r}",
    ),
    # ---- non-member sales ---------------------------------------------------------------
    "date {value!r} is not a date like 2026-03-01 or 1.3.2026": (
        "päivämäärä {value!r} ei ole muotoa 2026-03-01 tai 1.3.2026",
        "datumet {value!r} är inte ett datum som 2026-03-01 eller 1.3.2026",
    ),
    "total {value!r} is not an amount in euros like 1234,50": (
        "summa {value!r} ei ole euromäärä kuten 1234,50",
        "summan {value!r} är inte ett belopp i euro som 1234,50",
    ),
    "total {value!r} is out of range": (
        "summa {value!r} on sallitun alueen ulkopuolella",
        "summan {value!r} är utanför tillåtet intervall",
    ),
    "receipts {value!r} is not a whole number of receipts": (
        "kuitteja {value!r} ei ole kokonaisluku",
        "kvitton {value!r} är inte ett helt antal kvitton",
    ),
    "the file is empty: expected a header line date;total;receipts": (
        "tiedosto on tyhjä: odotettiin otsikkoriviä date;total;receipts",
        "filen är tom: en rubrikrad date;total;receipts väntades",
    ),
    "the header line must name date, total and receipts (missing: {missing})": (
        "otsikkorivillä on oltava päivä (date), yhteensä (total) ja kuitit (receipts) (puuttuu: {missing})",
        "rubrikraden måste ha datum (date), totalt (total) och kvitton (receipts) (saknas: {missing})",
    ),
    "line {line}: more than {top} rows; split the file": (
        "rivi {line}: yli {top} riviä; jaa tiedosto osiin",
        "rad {line}: fler än {top} rader; dela upp filen",
    ),
    "line {line}: {day} is already on line {other}": (
        "rivi {line}: {day} on jo rivillä {other}",
        "rad {line}: {day} finns redan på rad {other}",
    ),
    "choose a CSV file of date;total;receipts": (
        "valitse CSV-tiedosto, jossa on date;total;receipts",
        "välj en CSV-fil med date;total;receipts",
    ),
    "the file is not UTF-8 text (save it from Excel as CSV UTF-8)": (
        "tiedosto ei ole UTF-8-tekstiä (tallenna se Excelistä muodossa CSV UTF-8)",
        "filen är inte UTF-8-text (spara den från Excel som CSV UTF-8)",
    ),
    "nothing was saved: correct the lines above and import again": (
        "mitään ei tallennettu: korjaa yllä olevat rivit ja tuo uudelleen",
        "inget sparades: rätta raderna ovan och importera igen",
    ),
    # ---- member import ------------------------------------------------------------------
    "choose a CSV file": ("valitse CSV-tiedosto", "välj en CSV-fil"),
    "the file is empty: expected a header line card;stamps;points;credit": (
        "tiedosto on tyhjä: odotettiin otsikkoriviä card;stamps;points;credit",
        "filen är tom: en rubrikrad card;stamps;points;credit väntades",
    ),
    "the header line must name a card column": (
        "otsikkorivillä on oltava sarake kortti (card)",
        "rubrikraden måste ha en kolumn kort (card)",
    ),
    "tier {value!r}: the program has no tiers; leave the tier column empty": (
        "taso {value!r}: ohjelmassa ei ole tasoja; jätä taso-sarake tyhjäksi",
        "nivå {value!r}: programmet har inga nivåer; lämna nivåkolumnen tom",
    ),
    "tier {value!r} is not one of the program's tiers: {known}": (
        "taso {value!r} ei ole mikään ohjelman tasoista: {known}",
        "nivån {value!r} är inte en av programmets nivåer: {known}",
    ),
    # ---- uploads (sync.server.uploads) --------------------------------------------------
    "the file is {size} bytes; at most {top} bytes: split it": (
        "tiedosto on {size} tavua; enintään {top} tavua: jaa se osiin",
        "filen är {size} byte; högst {top} byte: dela upp den",
    ),
    "line {line}: not UTF-8 text (save the file from Excel as CSV UTF-8)": (
        "rivi {line}: ei UTF-8-tekstiä (tallenna tiedosto Excelistä muodossa CSV UTF-8)",
        "rad {line}: inte UTF-8-text (spara filen från Excel som CSV UTF-8)",
    ),
    "line {line}: longer than {top} characters": (
        "rivi {line}: yli {top} merkkiä pitkä",
        "rad {line}: längre än {top} tecken",
    ),
    "line {line}: holds a NUL byte; this is not a CSV file": (
        "rivi {line}: sisältää NUL-tavun; tämä ei ole CSV-tiedosto",
        "rad {line}: innehåller en NUL-byte; detta är ingen CSV-fil",
    ),
    'line {line}: a quote (") is not closed on its line': (
        'rivi {line}: lainausmerkkiä (") ei ole suljettu samalla rivillä',
        'rad {line}: ett citattecken (") stängs inte på sin rad',
    ),
    "line {line}: more than {top} fields": (
        "rivi {line}: yli {top} kenttää",
        "rad {line}: fler än {top} fält",
    ),
    "line {line}: a field longer than {top} characters": (
        "rivi {line}: kenttä on yli {top} merkkiä pitkä",
        "rad {line}: ett fält längre än {top} tecken",
    ),
    "{column} {value!r} is not a whole number from 0 to {top}": (
        "{column} {value!r} ei ole kokonaisluku väliltä 0–{top}",
        "{column} {value!r} är inte ett heltal från 0 till {top}",
    ),
    "{value!r} is not a card number: use 4 to 64 letters, digits, '-' or '_'": (
        "{value!r} ei ole kortin numero: käytä 4–64 kirjainta, numeroa, merkkiä '-' tai '_'",
        "{value!r} är inte ett kortnummer: använd 4 till 64 bokstäver, siffror, '-' eller '_'",
    ),
    "credit {value!r} is not an amount in euros like 15,50": (
        "saldo {value!r} ei ole euromäärä kuten 15,50",
        "saldot {value!r} är inte ett belopp i euro som 15,50",
    ),
    "credit {value!r} is out of range": (
        "saldo {value!r} on sallitun alueen ulkopuolella",
        "saldot {value!r} är utanför tillåtet intervall",
    ),
    "line {line}: card {card} already belongs to a member of this shop": (
        "rivi {line}: kortti {card} kuuluu jo tämän liikkeen jäsenelle",
        "rad {line}: kortet {card} tillhör redan en medlem i butiken",
    ),
    "line {line}: card {card} is already on line {other}": (
        "rivi {line}: kortti {card} on jo rivillä {other}",
        "rad {line}: kortet {card} finns redan på rad {other}",
    ),
    # ---- members, data requests, kiosks, backups ----------------------------------------
    "no two members hold this card: there is nothing to merge": (
        "kahdella jäsenellä ei ole tätä korttia: ei mitään yhdistettävää",
        "inga två medlemmar har kortet: det finns inget att slå ihop",
    ),
    "no such member in this shop": ("liikkeessä ei ole tällaista jäsentä", "ingen sådan medlem i butiken"),
    "this member was erased at their request: nothing of the person is held": (
        "jäsen on poistettu hänen pyynnöstään: henkilöstä ei säilytetä mitään",
        "medlemmen raderades på egen begäran: inget om personen sparas",
    ),
    "Contact details (phone, e-mail) are kept only on the kiosk where they were given (or, "
    "imported, on the kiosk chosen for them), sealed with the member's own key, and never "
    "kept on the server: ask on that kiosk (kanta member export) to see them. An erasure "
    "from here destroys them there at that kiosk's next sync.": (
        "Yhteystiedot (puhelin, sähköposti) säilytetään vain kioskilla, jolla ne annettiin (tai "
        "tuodut kioskilla, joka niille valittiin), jäsenen omalla avaimella suojattuina, eikä "
        "niitä koskaan säilytetä palvelimella: katso ne siltä kioskilta (kanta member export). "
        "Täältä tehty poisto tuhoaa ne siellä kioskin seuraavassa synkronoinnissa.",
        "Kontaktuppgifter (telefon, e-post) sparas bara på kiosken där de lämnades (eller, "
        "importerade, på kiosken som valdes för dem), skyddade med medlemmens egen nyckel, och "
        "sparas aldrig på servern: se dem på den kiosken (kanta member export). En radering "
        "härifrån förstör dem där vid kioskens nästa synkronisering.",
    ),
    "a kiosk needs a name of 1 to 100 characters": (
        "kioskin nimessä on oltava 1–100 merkkiä",
        "en kiosk behöver ett namn på 1 till 100 tecken",
    ),
    "a backup of this shop is being made already; wait for it": (
        "liikkeen varmuuskopiota tehdään jo; odota sitä",
        "en säkerhetskopia av butiken görs redan; vänta på den",
    ),
    "no such backup (only the latest one of this shop is kept)": (
        "tällaista varmuuskopiota ei ole (vain liikkeen viimeisin säilytetään)",
        "ingen sådan säkerhetskopia (bara butikens senaste sparas)",
    ),
    "the backup failed: {reason}": (
        "varmuuskopiointi epäonnistui: {reason}",
        "säkerhetskopieringen misslyckades: {reason}",
    ),
    # ---- program ------------------------------------------------------------------------
    "the program is longer than {top} bytes": (
        "ohjelma on yli {top} tavua pitkä",
        "programmet är längre än {top} byte",
    ),
    "not valid TOML: {reason}": ("ei kelvollista TOMLia: {reason}", "inte giltig TOML: {reason}"),
    "the program has no [program] table": (
        "ohjelmassa ei ole [program]-taulukkoa",
        "programmet har ingen [program]-tabell",
    ),
    "members hold balances in {accounts}, which this program does not use: add a [carry_over] table "
    'saying which of its accounts each moves into (e.g. stamps = "stamps:coffee"), or false to let '
    "it go": (
        "jäsenillä on saldoja tileillä {accounts}, joita tämä ohjelma ei käytä: lisää "
        "[carry_over]-taulukko, joka kertoo, mille sen tileistä kukin siirtyy (esim. stamps = "
        '"stamps:coffee"), tai false, jos saldo saa jäädä',
        "medlemmar har saldon på {accounts}, som programmet inte använder: lägg till en "
        "[carry_over]-tabell som anger vilket av dess konton var och ett flyttas till (t.ex. stamps = "
        '"stamps:coffee"), eller false för att släppa det',
    ),
    # ---- staff --------------------------------------------------------------------------
    "the two PINs differ": ("PIN-koodit eivät täsmää", "de två PIN-koderna skiljer sig"),
    "a staff member needs a name of 1 to 100 characters": (
        "henkilökunnan jäsenen nimessä on oltava 1–100 merkkiä",
        "en anställd behöver ett namn på 1 till 100 tecken",
    ),
    "a new staff member needs a role and a PIN": (
        "uudella henkilökunnan jäsenellä on oltava rooli ja PIN",
        "en ny anställd behöver en roll och en PIN",
    ),
    "another staff member has this PIN; choose another": (
        "toisella henkilökunnan jäsenellä on tämä PIN; valitse toinen",
        "en annan anställd har denna PIN; välj en annan",
    ),
    "a PIN is 4 to 8 digits": ("PIN on 4–8 numeroa", "en PIN är 4 till 8 siffror"),
    "it repeats one digit": ("se toistaa yhtä numeroa", "den upprepar en siffra"),
    "its digits are in a row": ("sen numerot ovat peräkkäin", "dess siffror är i följd"),
    "it repeats a pattern": ("se toistaa kuviota", "den upprepar ett mönster"),
    "it is one of the most common PINs": (
        "se on yksi yleisimmistä PIN-koodeista",
        "den är en av de vanligaste PIN-koderna",
    ),
    "the shop needs a name": ("liikkeellä on oltava nimi", "butiken behöver ett namn"),
    "the kiosk needs a name": ("kioskilla on oltava nimi", "kiosken behöver ett namn"),
    # ---- the import's contact details (sync.server.member_import, web.import_page) ---------
    "choose the kiosk that keeps the phone numbers and e-mails": (
        "valitse kioski, joka säilyttää puhelinnumerot ja sähköpostiosoitteet",
        "välj kiosken som sparar telefonnumren och e-postadresserna",
    ),
    "kiosk {name!r} cannot keep contact details: it is not paired, was revoked, or has not synced "
    "since the server was updated": (
        "kioski {name!r} ei voi säilyttää yhteystietoja: sitä ei ole yhdistetty, se on poistettu "
        "käytöstä tai se ei ole synkronoinut palvelimen päivityksen jälkeen",
        "kiosken {name!r} kan inte spara kontaktuppgifter: den är inte parkopplad, har återkallats "
        "eller har inte synkroniserat sedan servern uppdaterades",
    ),
    "phone or e-mail without consent: write yes or its date in the consent column": (
        "puhelin tai sähköposti ilman suostumusta: kirjoita suostumussarakkeeseen kyllä tai "
        "suostumuksen päivä",
        "telefon eller e-post utan samtycke: skriv ja eller dess datum i samtyckeskolumnen",
    ),
    "phone {value!r} is not a phone number (digits, spaces, '+', '-')": (
        "puhelin {value!r} ei ole puhelinnumero (numeroita, välilyöntejä, '+', '-')",
        "telefon {value!r} är inte ett telefonnummer (siffror, mellanslag, '+', '-')",
    ),
    "e-mail {value!r} is not an e-mail address": (
        "sähköposti {value!r} ei ole sähköpostiosoite",
        "e-post {value!r} är inte en e-postadress",
    ),
    "consent {value!r} is not yes or a date": (
        "suostumus {value!r} ei ole kyllä eikä päivämäärä",
        "samtycke {value!r} är varken ja eller ett datum",
    ),
    # why a kiosk could not keep a box (sync.contact_handover, kiosk.services.contact_handover)
    "the member was erased before the details arrived: nothing was kept": (
        "jäsen poistettiin ennen kuin tiedot saapuivat: mitään ei säilytetty",
        "medlemmen raderades innan uppgifterna kom fram: inget sparades",
    ),
    "the member had joined at a kiosk already: the details given there stay": (
        "jäsen oli jo liittynyt kioskilla: siellä annetut tiedot pysyvät",
        "medlemmen hade redan gått med vid en kiosk: uppgifterna som gavs där står kvar",
    ),
    "the member's card changed since the import: nothing was kept": (
        "jäsenen kortti vaihtui tuonnin jälkeen: mitään ei säilytetty",
        "medlemmens kort byttes efter importen: inget sparades",
    ),
    "the box holds no phone number or e-mail this kiosk keeps, with consent": (
        "laatikossa ei ole puhelinnumeroa tai sähköpostia, jonka tämä kioski säilyttää, suostumuksen kanssa",
        "lådan har inget telefonnummer eller e-post som kiosken sparar, med samtycke",
    ),
    "the box holds no contact details": (
        "laatikossa ei ole yhteystietoja",
        "lådan har inga kontaktuppgifter",
    ),
    "the sealed contact details are not base64": (
        "sinetöidyt yhteystiedot eivät ole base64-muodossa",
        "de förseglade kontaktuppgifterna är inte base64",
    ),
    "the sealed contact details have the wrong size": (
        "sinetöidyt yhteystiedot ovat väärän kokoiset",
        "de förseglade kontaktuppgifterna har fel storlek",
    ),
    "the sealed contact details do not open with this kiosk's key (sealed for another kiosk or "
    "key, or damaged)": (
        "sinetöidyt yhteystiedot eivät aukea tämän kioskin avaimella (sinetöity toiselle kioskille "
        "tai avaimelle, tai vahingoittuneet)",
        "de förseglade kontaktuppgifterna öppnas inte med kioskens nyckel (förseglade för en annan "
        "kiosk eller nyckel, eller skadade)",
    ),
    "the kiosk's contact key is not an X25519 public key": (
        "kioskin yhteystietoavain ei ole X25519-julkinen avain",
        "kioskens kontaktnyckel är inte en publik X25519-nyckel",
    ),
    "this kiosk has no hand-over key (its data folder was replaced)": (
        "tällä kioskilla ei ole luovutusavainta (sen datakansio vaihdettiin)",
        "kiosken har ingen överlämningsnyckel (dess datamapp byttes ut)",
    ),
}

#: one -> ((Finnish one, other), (Swedish one, other)); ``{n}`` is the count
PLURALS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "{n} event": (("{n} tapahtuma", "{n} tapahtumaa"), ("{n} händelse", "{n} händelser")),
    "{n} event is still being counted in the background; reload in a moment.": (
        (
            "{n} tapahtuma lasketaan vielä taustalla; lataa sivu hetken kuluttua.",
            "{n} tapahtumaa lasketaan vielä taustalla; lataa sivu hetken kuluttua.",
        ),
        (
            "{n} händelse räknas fortfarande i bakgrunden; ladda om om en stund.",
            "{n} händelser räknas fortfarande i bakgrunden; ladda om om en stund.",
        ),
    ),
    "Non-member figures need the till's daily totals; missing for {n} day": (
        (
            "Muiden asiakkaiden luvut tarvitsevat kassan päivittäiset summat; puuttuu {n} päivältä",
            "Muiden asiakkaiden luvut tarvitsevat kassan päivittäiset summat; puuttuu {n} päivältä",
        ),
        (
            "Siffrorna för icke-medlemmar behöver kassans dagliga summor; saknas för {n} dag",
            "Siffrorna för icke-medlemmar behöver kassans dagliga summor; saknas för {n} dagar",
        ),
    ),
    "The newest event only.": (
        ("Vain uusin tapahtuma.", "Vain {n} uusinta tapahtumaa."),
        ("Bara den senaste händelsen.", "Bara de {n} senaste händelserna."),
    ),
    "{n} action replayed since {since}.": (
        ("{n} toiminto toistettu {since} alkaen.", "{n} toimintoa toistettu {since} alkaen."),
        ("{n} åtgärd spelad upp sedan {since}.", "{n} åtgärder spelade upp sedan {since}."),
    ),
    "{n} action replayed.": (
        ("{n} toiminto toistettu.", "{n} toimintoa toistettu."),
        ("{n} åtgärd spelad upp.", "{n} åtgärder spelade upp."),
    ),
    "This change would have cost {cost} more and given {n} more point.": (
        (
            "Tämä muutos olisi maksanut {cost} enemmän ja antanut {n} pisteen enemmän.",
            "Tämä muutos olisi maksanut {cost} enemmän ja antanut {n} pistettä enemmän.",
        ),
        (
            "Ändringen skulle ha kostat {cost} mer och gett {n} poäng mer.",
            "Ändringen skulle ha kostat {cost} mer och gett {n} poäng mer.",
        ),
    ),
    "{n} action the new program would refuse": (
        ("{n} toiminto, jonka uusi ohjelma torjuisi", "{n} toimintoa, jotka uusi ohjelma torjuisi"),
        (
            "{n} åtgärd som det nya programmet skulle vägra",
            "{n} åtgärder som det nya programmet skulle vägra",
        ),
    ),
    "Saved: {n} day": (
        ("Tallennettu: {n} päivä", "Tallennettu: {n} päivää"),
        ("Sparat: {n} dag", "Sparat: {n} dagar"),
    ),
    "Imported: {n} member": (
        ("Tuotu: {n} jäsen", "Tuotu: {n} jäsentä"),
        ("Importerat: {n} medlem", "Importerat: {n} medlemmar"),
    ),
    "{n} card held by two members, one of whom joined: merge them": (
        (
            "{n} kortti kahdella jäsenellä, joista toinen liittyi: yhdistä heidät",
            "{n} korttia kahdella jäsenellä, joista toinen liittyi: yhdistä heidät",
        ),
        (
            "{n} kort hos två medlemmar, av vilka en gick med: slå ihop dem",
            "{n} kort hos två medlemmar, av vilka en gick med: slå ihop dem",
        ),
    ),
    "Dry run: every row is good ({n} member).": (
        ("Kokeilu: kaikki rivit kelpaavat ({n} jäsen).", "Kokeilu: kaikki rivit kelpaavat ({n} jäsentä)."),
        ("Provkörning: alla rader är bra ({n} medlem).", "Provkörning: alla rader är bra ({n} medlemmar)."),
    ),
    "Contact details of {n} member go to kiosk {kiosk} at its next sync.": (
        (
            "{n} jäsenen yhteystiedot menevät kioskille {kiosk} sen seuraavassa synkronoinnissa.",
            "{n} jäsenen yhteystiedot menevät kioskille {kiosk} sen seuraavassa synkronoinnissa.",
        ),
        (
            "Kontaktuppgifterna för {n} medlem går till kiosken {kiosk} vid dess nästa synkronisering.",
            "Kontaktuppgifterna för {n} medlemmar går till kiosken {kiosk} vid dess nästa synkronisering.",
        ),
    ),
}

#: messages made outside the console: (English pattern, Finnish, Swedish)
FOREIGN: list[tuple[re.Pattern[str], str, str]] = [
    (
        re.compile(r"that PIN is too easy to guess \((?P<t_why>.*)\); choose another"),
        "tämä PIN on liian helppo arvata ({t_why}); valitse toinen",
        "den PIN-koden är för lätt att gissa ({t_why}); välj en annan",
    ),
    (
        re.compile(r"role must be one of (?P<roles>.*)"),
        "roolin on oltava jokin näistä: {roles}",
        "rollen måste vara en av {roles}",
    ),
    (
        re.compile(r"not an email address: (?P<email>.*)"),
        "ei sähköpostiosoite: {email}",
        "inte en e-postadress: {email}",
    ),
    (
        re.compile(r"the password needs at least (?P<n>\d+) characters"),
        "salasanassa on oltava vähintään {n} merkkiä",
        "lösenordet behöver minst {n} tecken",
    ),
    (
        re.compile(r"an owner login (?P<email>.*) already exists"),
        "tunnus {email} on jo olemassa",
        "inloggningen {email} finns redan",
    ),
    (
        re.compile(r"no kiosk named (?P<name>.*) in this shop"),
        "liikkeessä ei ole kioskia nimeltä {name}",
        "ingen kiosk med namnet {name} i butiken",
    ),
]
