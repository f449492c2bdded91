"""What the kiosk's program loader says about a setting (:mod:`kiosk.domain.programs`):
English -> (Finnish, Swedish). The loader raises each as a ``Msg`` with its values (the
setting is named apart, as written), so the program page says it in the owner's language;
a test lists every ``Msg`` of the loader's source and finds it here."""

from __future__ import annotations

LOADER: dict[str, tuple[str, str]] = {
    # ---- the frame of every refusal -----------------------------------------------------
    "expected {what}": ("odotettiin: {what}", "förväntade: {what}"),
    "expected {what}, got {got}": ("odotettiin: {what}, saatiin {got}", "förväntade: {what}, fick {got}"),
    "missing; expected {what}": ("puuttuu; odotettiin: {what}", "saknas; förväntade: {what}"),
    "unknown setting (known here: {known})": (
        "tuntematon asetus (tässä tunnetut: {known})",
        "okänd inställning (kända här: {known})",
    ),
    # ---- what a setting should be -------------------------------------------------------
    "a text string": ("tekstijono", "en textsträng"),
    "a non-empty text string": ("tekstijono, joka ei ole tyhjä", "en textsträng som inte är tom"),
    "true or false": ("true tai false", "true eller false"),
    "a number ≥ 0": ("luku ≥ 0", "ett tal ≥ 0"),
    "a number ≥ 0 and ≤ {maximum}": ("luku ≥ 0 ja ≤ {maximum}", "ett tal ≥ 0 och ≤ {maximum}"),
    "a whole number ≥ {minimum}": ("kokonaisluku ≥ {minimum}", "ett heltal ≥ {minimum}"),
    "a whole number ≤ {maximum}": ("kokonaisluku ≤ {maximum}", "ett heltal ≤ {maximum}"),
    "a date like 2026-03-31": ("päivämäärä kuten 2026-03-31", "ett datum som 2026-03-31"),
    'a time of day like "22:00"': ('kellonaika kuten "22:00"', 'en tid på dagen som "22:00"'),
    "a table": ("taulukko", "en tabell"),
    "a list of tables ([[...]])": ("taulukkolista ([[...]])", "en lista av tabeller ([[...]])"),
    "a list of tables: write each as {table}": (
        "taulukkolista: kirjoita kukin muodossa {table}",
        "en lista av tabeller: skriv var och en som {table}",
    ),
    "a list of text strings": ("tekstijonojen lista", "en lista av textsträngar"),
    "one of {choices}": ("jokin näistä: {choices}", "ett av {choices}"),
    "an id: lowercase letters, digits, '-' or '_'": (
        "tunnus: pieniä kirjaimia, numeroita, '-' tai '_'",
        "ett id: små bokstäver, siffror, '-' eller '_'",
    ),
    "an id of lowercase letters, digits, '-' or '_' (at most 40)": (
        "tunnus pienistä kirjaimista, numeroista, '-' tai '_' (enintään 40)",
        "ett id av små bokstäver, siffror, '-' eller '_' (högst 40)",
    ),
    "a name: a text string or a table of languages": (
        "nimi: tekstijono tai kielten taulukko",
        "ett namn: en textsträng eller en tabell med språk",
    ),
    "a name: a text string, or a table of languages like {shape}": (
        "nimi: tekstijono tai kielten taulukko kuten {shape}",
        "ett namn: en textsträng eller en tabell med språk som {shape}",
    ),
    "a name of 1 to {most} characters": (
        "nimi, jossa on 1–{most} merkkiä",
        "ett namn på 1 till {most} tecken",
    ),
    "one of the languages {languages}": ("jokin kielistä {languages}", "ett av språken {languages}"),
    'an amount of money as text with at most two decimals, like "3.50"': (
        'rahamäärä tekstinä enintään kahdella desimaalilla, kuten "3.50"',
        'ett penningbelopp som text med högst två decimaler, som "3.50"',
    ),
    "a version: a whole number ≥ 1 or a short text such as 2026.1": (
        "versio: kokonaisluku ≥ 1 tai lyhyt teksti kuten 2026.1",
        "en version: ett heltal ≥ 1 eller en kort text som 2026.1",
    ),
    "an IANA time zone such as Europe/Helsinki": (
        "IANA-aikavyöhyke kuten Europe/Helsinki",
        "en IANA-tidszon som Europe/Helsinki",
    ),
    "a three-letter ISO 4217 code such as EUR": (
        "kolmikirjaiminen ISO 4217 -koodi kuten EUR",
        "en ISO 4217-kod på tre bokstäver som EUR",
    ),
    "day names like {days}": ("viikonpäivien nimiä kuten {days}", "veckodagars namn som {days}"),
    "a list of 'points' and/or 'stamps'": (
        "lista, jossa 'points' ja/tai 'stamps'",
        "en lista med 'points' och/eller 'stamps'",
    ),
    "at most {most} prefixes of at most {chars} printable characters": (
        "enintään {most} etuliitettä, kukin enintään {chars} tulostettavaa merkkiä",
        "högst {most} prefix på högst {chars} skrivbara tecken",
    ),
    # ---- tables and accounts ------------------------------------------------------------
    "at least one [[tiers.level]]": ("vähintään yksi [[tiers.level]]", "minst en [[tiers.level]]"),
    "expected 0 (the first tier is everyone's)": (
        "odotettiin 0 (ensimmäinen taso on kaikkien)",
        "förväntade 0 (den första nivån är allas)",
    ),
    "expected more than the tier before it": (
        "odotettiin enemmän kuin edellisellä tasolla",
        "förväntade mer än nivån före",
    ),
    "the name of the free item when free_per_week is set": (
        "ilmaisen tuotteen nimi, kun free_per_week on asetettu",
        "namnet på den fria varan när free_per_week är satt",
    ),
    "a list of codes, or a prefix every code starts with": (
        "koodien lista tai etuliite, jolla jokainen koodi alkaa",
        "en lista av koder, eller ett prefix som varje kod börjar med",
    ),
    "something the coupon gives: points, credit, stamps or discount_percent": (
        "jotain, mitä kuponki antaa: points, credit, stamps tai discount_percent",
        "något som kupongen ger: points, credit, stamps eller discount_percent",
    ),
    "an account name or false": ("tilin nimi tai false", "ett kontonamn eller false"),
    'an earlier account\'s name, like stamps or "stamps:coffee"': (
        'aiemman tilin nimi, kuten stamps tai "stamps:coffee"',
        'namnet på ett tidigare konto, som stamps eller "stamps:coffee"',
    ),
    "the name of an account of this program, or false to let it go": (
        "tämän ohjelman tilin nimi tai false, jos saldo saa jäädä",
        "namnet på ett konto i programmet, eller false för att släppa det",
    ),
    "an account of this program ({accounts}) or false": (
        "tämän ohjelman tili ({accounts}) tai false",
        "ett konto i programmet ({accounts}) eller false",
    ),
    "at most {most} accounts": ("enintään {most} tiliä", "högst {most} konton"),
    "missing; expected a [program] table with id and version": (
        "puuttuu; odotettiin [program]-taulukkoa, jossa id ja version",
        "saknas; förväntade en [program]-tabell med id och version",
    ),
    # ---- across tables ------------------------------------------------------------------
    "the id {ident} is used twice (also at {other}); ids must be unique": (
        "tunnus {ident} on käytössä kahdesti (myös kohdassa {other}); tunnusten on oltava yksilöllisiä",
        "id:t {ident} används två gånger (även vid {other}); id:n måste vara unika",
    ),
    "ids of [[category]] tables ({known})": (
        "[[category]]-taulukoiden tunnuksia ({known})",
        "id:n för [[category]]-tabeller ({known})",
    ),
    "the id of a [[stamp_card]] ({known})": (
        "jonkin [[stamp_card]]-taulukon tunnus ({known})",
        "id:t för ett [[stamp_card]] ({known})",
    ),
    "none defined": ("yhtään ei ole määritelty", "inga definierade"),
    "expected a date on or after program.starts": (
        "odotettiin päivämäärää, joka on sama tai myöhempi kuin program.starts",
        "förväntade ett datum på eller efter program.starts",
    ),
    "expected a date on or after from_date": (
        "odotettiin päivämäärää, joka on sama tai myöhempi kuin from_date",
        "förväntade ett datum på eller efter from_date",
    ),
    "there is no [points] table to add to": (
        "[points]-taulukkoa, johon lisätä, ei ole",
        "det finns ingen [points]-tabell att lägga till i",
    ),
    "missing; expected a [points] table, since bonuses give points": (
        "puuttuu; odotettiin [points]-taulukkoa, koska bonukset antavat pisteitä",
        "saknas; förväntade en [points]-tabell, eftersom bonusar ger poäng",
    ),
    "expected at least one program of these: {kinds}": (
        "odotettiin vähintään yhtä näistä ohjelmista: {kinds}",
        "förväntade minst ett av dessa program: {kinds}",
    ),
}

#: why Python's TOML reader (tomllib) refuses a program's text, before the loader reads it;
#: a {value} is a part of the text shown as written. A test lists tomllib's own messages
#: and finds each here.
TOML_REASONS: dict[str, tuple[str, str]] = {
    "Invalid statement": ("virheellinen lause", "ogiltig sats"),
    "Invalid value": ("virheellinen arvo", "ogiltigt värde"),
    "Expected {expect}": ("odotettiin {expect}", "förväntade {expect}"),
    "Found invalid character {char}": ("virheellinen merkki {char}", "ogiltigt tecken {char}"),
    "Illegal character {char}": ("kielletty merkki {char}", "otillåtet tecken {char}"),
    "Cannot declare {key} twice": ("{key} on esitelty kahdesti", "{key} deklareras två gånger"),
    "Cannot overwrite a value": ("arvoa ei voi korvata", "ett värde kan inte skrivas över"),
    "Cannot mutate immutable namespace {key}": (
        "muuttumatonta nimiavaruutta {key} ei voi muuttaa",
        "den oföränderliga namnrymden {key} kan inte ändras",
    ),
    "Cannot redefine namespace {key}": (
        "nimiavaruutta {key} ei voi määritellä uudelleen",
        "namnrymden {key} kan inte definieras om",
    ),
    "Expected ']' at the end of a table declaration": (
        "taulukon esittelyn lopusta puuttuu ']'",
        "']' saknas i slutet av en tabelldeklaration",
    ),
    "Expected ']]' at the end of an array declaration": (
        "taulukkolistan esittelyn lopusta puuttuu ']]'",
        "']]' saknas i slutet av en listdeklaration",
    ),
    "Expected '=' after a key in a key/value pair": (
        "avaimen jälkeen puuttuu '='",
        "'=' saknas efter en nyckel",
    ),
    "Invalid initial character for a key part": (
        "virheellinen ensimmäinen merkki avaimessa",
        "ogiltigt första tecken i en nyckel",
    ),
    "Unclosed array": ("sulkematon lista", "ostängd lista"),
    "Duplicate inline table key {key}": (
        "avain {key} kahdesti samalla rivillä olevassa taulukossa",
        "nyckeln {key} två gånger i en radtabell",
    ),
    "Unclosed inline table": ("sulkematon rivitaulukko", "ostängd radtabell"),
    "Unescaped '\\' in a string": ("merkkijonossa on suojaamaton '\\'", "oskyddat '\\' i en sträng"),
    "Invalid hex value": ("virheellinen heksadesimaaliarvo", "ogiltigt hexadecimalt värde"),
    "Escaped character is not a Unicode scalar value": (
        "suojattu merkki ei ole Unicode-merkki",
        "det skyddade tecknet är inte ett Unicode-tecken",
    ),
    "Unterminated string": ("päättymätön merkkijono", "oavslutad sträng"),
    "Invalid date or datetime": ("virheellinen päivämäärä tai aika", "ogiltigt datum eller tid"),
}
