"""The console pages' words: English -> (Finnish, Swedish). Headings, labels, buttons and
explanations of the templates, the navigation and page titles, and the words data is named
by (accounts, event kinds, roles, figures, CSV columns). Messages are in
:mod:`sync.server.web.words_messages`."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # ---- frame, login, navigation ---------------------------------------------------------
    "Kanta": ("Kanta", "Kanta"),
    "Log in": ("Kirjaudu", "Logga in"),
    "Log out": ("Kirjaudu ulos", "Logga ut"),
    "Email": ("Sähköposti", "E-post"),
    "Password": ("Salasana", "Lösenord"),
    "Language": ("Kieli", "Språk"),
    "Save": ("Tallenna", "Spara"),
    "Owner's console": ("Omistajan näkymä", "Ägarens vy"),
    "Signed in as {email} ({role})": ("Kirjautuneena {email} ({role})", "Inloggad som {email} ({role})"),
    "Overview": ("Yleiskuva", "Översikt"),
    "Retention": ("Pysyvyys", "Återkomst"),
    "Non-member sales": ("Muiden kuin jäsenten myynti", "Försäljning till icke-medlemmar"),
    "Members": ("Jäsenet", "Medlemmar"),
    "Import": ("Tuo", "Importera"),
    "Program": ("Ohjelma", "Program"),
    "Kiosks": ("Kioskit", "Kiosker"),
    "Staff": ("Henkilökunta", "Personal"),
    "Backups": ("Varmuuskopiot", "Säkerhetskopior"),
    "Erase member": ("Poista jäsen", "Radera medlem"),
    "Member": ("Jäsen", "Medlem"),
    # ---- overview -----------------------------------------------------------------------
    "From": ("Alkaen", "Från"),
    "To": ("Asti", "Till"),
    "Kiosk": ("Kioski", "Kiosk"),
    "All kiosks": ("Kaikki kioskit", "Alla kiosker"),
    "Active: visit within (days)": ("Aktiivinen: käynti viimeisten (päivää)", "Aktiv: besök inom (dagar)"),
    "Dormant: no visit for (days)": ("Passiivinen: ei käyntiä (päivään)", "Vilande: inget besök på (dagar)"),
    "Show": ("Näytä", "Visa"),
    "New in the range": ("Uudet valitulla jaksolla", "Nya under perioden"),
    "Active": ("Aktiiviset", "Aktiva"),
    "Lapsing": ("Hiipuvat", "Avtagande"),
    "Dormant": ("Passiiviset", "Vilande"),
    "Spend": ("Ostot", "Köp"),
    "Members: spend per visit": ("Jäsenet: ostot käyntiä kohden", "Medlemmar: köp per besök"),
    "Non-members: spend per visit": ("Muut asiakkaat: ostot käyntiä kohden", "Icke-medlemmar: köp per besök"),
    "Members: spend per member": ("Jäsenet: ostot jäsentä kohden", "Medlemmar: köp per medlem"),
    "Non-members: spend per customer": (
        "Muut asiakkaat: ostot asiakasta kohden",
        "Icke-medlemmar: köp per kund",
    ),
    "Lifetime value per member": ("Elinkaariarvo jäsentä kohden", "Livstidsvärde per medlem"),
    "Enter them": ("Syötä ne", "Fyll i dem"),
    "Non-members are not known one by one, so there is no spend per customer for them.": (
        "Muita asiakkaita ei tunneta yksitellen, joten heille ei ole ostoja asiakasta kohden.",
        "Icke-medlemmar är inte kända en och en, så det finns inget köp per kund för dem.",
    ),
    "Rewards and points": ("Palkinnot ja pisteet", "Belöningar och poäng"),
    "Rewards redeemed / earned": ("Lunastetut / ansaitut palkinnot", "Inlösta / intjänade belöningar"),
    "Points redeemed / issued": ("Käytetyt / annetut pisteet", "Inlösta / utdelade poäng"),
    "Points expired": ("Vanhentuneet pisteet", "Förfallna poäng"),
    "Outstanding liability": ("Avoin vastuu", "Utestående åtagande"),
    "Reward cost": ("Palkintojen kustannus", "Belöningarnas kostnad"),
    "Extra member revenue": ("Jäsenten tuoma lisämyynti", "Medlemmarnas extra försäljning"),
    "Rewards earned: stamps issued divided by the stamps a reward needs ({stamps}).": (
        "Ansaitut palkinnot: annetut leimat jaettuna palkintoon tarvittavilla leimoilla ({stamps}).",
        "Intjänade belöningar: utdelade stämplar delat med stämplarna en belöning kräver ({stamps}).",
    ),
    "Liability": ("Vastuu", "Åtagande"),
    "Not valued (the program gives no money value)": (
        "Arvottamatta (ohjelma ei anna rahallista arvoa)",
        "Ej värderat (programmet anger inget penningvärde)",
    ),
    "Visits per day": ("Käynnit päivittäin", "Besök per dag"),
    "Visits per weekday": ("Käynnit viikonpäivittäin", "Besök per veckodag"),
    "Visits per hour": ("Käynnit tunneittain", "Besök per timme"),
    "All figures as CSV": ("Kaikki luvut CSV-tiedostona", "Alla siffror som CSV"),
    "The kiosk filter narrows visits, spend, points, stamps and rewards; member states, the till "
    "and the liability are the whole shop's.": (
        "Kioskivalinta rajaa käynnit, ostot, pisteet, leimat ja palkinnot; jäsenten tilat, kassan "
        "luvut ja vastuu ovat koko liikkeen.",
        "Kioskfiltret begränsar besök, köp, poäng, stämplar och belöningar; medlemmarnas status, "
        "kassan och åtagandet gäller hela butiken.",
    ),
    "Mon": ("ma", "mån"),
    "Tue": ("ti", "tis"),
    "Wed": ("ke", "ons"),
    "Thu": ("to", "tor"),
    "Fri": ("pe", "fre"),
    "Sat": ("la", "lör"),
    "Sun": ("su", "sön"),
    # ---- retention ----------------------------------------------------------------------
    "Monthly retention": ("Pysyvyys kuukausittain", "Återkomst per månad"),
    "Cohorts from": ("Kohortit alkaen", "Kohorter från"),
    "Cohort": ("Kohortti", "Kohort"),
    "Members by the month they were first seen; each cell is the share of them who came (a visit "
    "or a purchase) that many months later.": (
        "Jäsenet ryhmiteltynä sen kuukauden mukaan, jona heidät nähtiin ensi kerran; kukin solu on "
        "osuus heistä, jotka tulivat (käynti tai osto) niin monta kuukautta myöhemmin.",
        "Medlemmar efter den månad de först sågs; varje cell är andelen av dem som kom (ett besök "
        "eller ett köp) så många månader senare.",
    ),
    # ---- non-member sales ---------------------------------------------------------------
    "The till's daily totals (every customer, members included). The overview subtracts what "
    "members spent to show non-members' spend.": (
        "Kassan päivittäiset summat (kaikki asiakkaat, myös jäsenet). Yleiskuva vähentää niistä "
        "jäsenten ostot ja näyttää muiden asiakkaiden ostot.",
        "Kassans dagliga summor (alla kunder, medlemmar inräknade). Översikten drar av det "
        "medlemmarna köpte för att visa icke-medlemmarnas köp.",
    ),
    "One day": ("Yksi päivä", "En dag"),
    "Date": ("Päivämäärä", "Datum"),
    "Total (€)": ("Yhteensä (€)", "Totalt (€)"),
    "Receipts": ("Kuitteja", "Kvitton"),
    "Import a CSV": ("Tuo CSV-tiedosto", "Importera en CSV-fil"),
    "date;total;receipts": ("päivä;yhteensä;kuitit", "datum;totalt;kvitton"),
    "Latest days": ("Viimeisimmät päivät", "Senaste dagarna"),
    "Total": ("Yhteensä", "Totalt"),
    # ---- members ------------------------------------------------------------------------
    "Card number, phone, e-mail or member id": (
        "Kortin numero, puhelin, sähköposti tai jäsentunnus",
        "Kortnummer, telefon, e-post eller medlems-id",
    ),
    "Find": ("Hae", "Sök"),
    "Phone numbers and e-mail addresses stay on the kiosk where the member joined; this server "
    "holds only a keyed digest of each, sent with the next sync, so they are found here but not "
    "shown.": (
        "Puhelinnumerot ja sähköpostiosoitteet pysyvät kioskilla, jolla jäsen liittyi; tämä "
        "palvelin säilyttää niistä vain avaimellisen tiivisteen, joka lähetetään seuraavassa "
        "synkronoinnissa, joten niillä voi hakea täällä, mutta niitä ei näytetä.",
        "Telefonnummer och e-postadresser stannar på kiosken där medlemmen gick med; servern "
        "har bara ett nyckelbaserat sammandrag av var och en, som skickas vid nästa "
        "synkronisering, så de kan sökas här men visas inte.",
    ),
    "No member found.": ("Jäsentä ei löytynyt.", "Ingen medlem hittades."),
    "Several members match": ("Useampi jäsen täsmää", "Flera medlemmar matchar"),
    "Flags": ("Huomiot", "Flaggor"),
    "Overdrawn": ("Miinuksella", "Övertrasserat"),
    "None.": ("Ei yhtään.", "Inga."),
    "Cards held by two members": ("Kortit, jotka on kahdella jäsenellä", "Kort som två medlemmar har"),
    "merge asked for on {day}: the kiosk that made the other member merges it at its next sync": (
        "yhdistämistä pyydetty {day}: toisen jäsenen luonut kioski yhdistää sen seuraavassa "
        "synkronoinnissaan",
        "sammanslagning begärd {day}: kiosken som skapade den andra medlemmen slår ihop den vid sin "
        "nästa synkronisering",
    ),
    "Merge…": ("Yhdistä…", "Slå ihop…"),
    "the owner can merge them": ("omistaja voi yhdistää heidät", "ägaren kan slå ihop dem"),
    "Merge members": ("Yhdistä jäsenet", "Slå ihop medlemmar"),
    "Merge the members holding card {card}": (
        "Yhdistä kortin {card} jäsenet",
        "Slå ihop medlemmarna med kortet {card}",
    ),
    "The members holding the card changed since they were shown (a kiosk synced meanwhile): nothing "
    "was asked. Check them again.": (
        "Kortin jäsenet muuttuivat näyttämisen jälkeen (kioski synkronoi välillä): mitään ei pyydetty. "
        "Tarkista heidät uudelleen.",
        "Medlemmarna med kortet ändrades efter att de visades (en kiosk synkroniserade under tiden): "
        "inget begärdes. Kontrollera dem igen.",
    ),
    "The card belongs to the member made first; the others' balances and cards move to it, and a "
    "member who joined brings its membership and contact details along, as kanta member merge does "
    "on a kiosk.": (
        "Kortti kuuluu ensin luodulle jäsenelle; muiden saldot ja kortit siirtyvät sille, ja "
        "liittynyt jäsen tuo jäsenyytensä ja yhteystietonsa mukanaan, kuten kanta member merge "
        "tekee kioskilla.",
        "Kortet tillhör den medlem som skapades först; de andras saldon och kort flyttas dit, och "
        "en medlem som gått med tar med sig sitt medlemskap och sina kontaktuppgifter, som kanta "
        "member merge gör på en kiosk.",
    ),
    "Member {member} keeps the card": ("Jäsen {member} pitää kortin", "Medlem {member} behåller kortet"),
    "Member {member} is merged into it": (
        "Jäsen {member} yhdistetään siihen",
        "Medlem {member} slås ihop med den",
    ),
    "Balances": ("Saldot", "Saldon"),
    "The request reaches the kiosks at their next sync; the kiosk that made the other member merges "
    "it, once, at its next idle moment. Until then the card stays listed here.": (
        "Pyyntö tavoittaa kioskit niiden seuraavassa synkronoinnissa; toisen jäsenen luonut kioski "
        "yhdistää sen kerran seuraavalla joutohetkellään. Siihen asti kortti näkyy tässä.",
        "Begäran når kioskerna vid deras nästa synkronisering; kiosken som skapade den andra "
        "medlemmen slår ihop den, en gång, vid sitt nästa lediga ögonblick. Till dess visas kortet här.",
    ),
    "Merge": ("Yhdistä", "Slå ihop"),
    "Member {member}": ("Jäsen {member}", "Medlem {member}"),
    "Status": ("Tila", "Status"),
    "Cards": ("Kortit", "Kort"),
    "Merged into": ("Yhdistetty jäseneen", "Sammanslagen med"),
    "History": ("Historia", "Historik"),
    "Time": ("Aika", "Tid"),
    "What": ("Mitä", "Vad"),
    "Change": ("Muutos", "Ändring"),
    "Who": ("Kuka", "Vem"),
    # ---- data requests ------------------------------------------------------------------
    "Data requests": ("Tietopyynnöt", "Förfrågningar om uppgifter"),
    "Erased at the customer's request: nothing about the person is held; the events stay without them.": (
        "Poistettu asiakkaan pyynnöstä: henkilöstä ei säilytetä mitään; tapahtumat jäävät ilman häntä.",
        "Raderad på kundens begäran: inget om personen sparas; händelserna finns kvar utan personen.",
    ),
    "Export (JSON)": ("Vie (JSON)", "Exportera (JSON)"),
    "Export (CSV)": ("Vie (CSV)", "Exportera (CSV)"),
    "Erase…": ("Poista…", "Radera…"),
    "Contact details (phone, e-mail) are kept only on the kiosk where they were given (or, "
    "imported, on the kiosk chosen for them) and never on the server: the export holds the events "
    "and consents, and says where contact details were given.": (
        "Yhteystiedot (puhelin, sähköposti) säilytetään vain kioskilla, jolla ne annettiin (tai "
        "tuodut kioskilla, joka niille valittiin), eikä koskaan palvelimella: vienti sisältää "
        "tapahtumat ja suostumukset ja kertoo, missä yhteystiedot annettiin.",
        "Kontaktuppgifter (telefon, e-post) sparas bara på kiosken där de lämnades (eller, "
        "importerade, på kiosken som valdes för dem) och aldrig på servern: exporten innehåller "
        "händelserna och samtyckena och anger var kontaktuppgifterna lämnades.",
    ),
    "Request": ("Pyyntö", "Begäran"),
    "Asked": ("Pyydetty", "Begärd"),
    "Done": ("Valmis", "Klar"),
    "synced since": ("synkronoineet sen jälkeen", "synkroniserade sedan dess"),
    "not yet": ("ei vielä", "inte än"),
    "Erase member {member}": ("Poista jäsen {member}", "Radera medlem {member}"),
    "The plan changed since it was shown (a kiosk synced meanwhile): nothing was erased. Check it again.": (
        "Suunnitelma muuttui näyttämisen jälkeen (kioski synkronoi välillä): mitään ei poistettu. "
        "Tarkista se uudelleen.",
        "Planen ändrades efter att den visades (en kiosk synkroniserade under tiden): inget raderades. "
        "Kontrollera den igen.",
    ),
    "Plan: nothing has changed yet.": (
        "Suunnitelma: mikään ei ole vielä muuttunut.",
        "Plan: inget har ändrats än.",
    ),
    "Erasing records that the customer asked to be erased; every kiosk receives it at its next sync, "
    "destroys the member's key (and the contact details sealed with it) and closes the balances. "
    "The events stay, without the person: the figures do not change.": (
        "Poisto kirjataan asiakkaan pyynnöstä; jokainen kioski saa sen seuraavassa synkronoinnissa, "
        "tuhoaa jäsenen avaimen (ja sillä suojatut yhteystiedot) ja sulkee saldot. Tapahtumat jäävät "
        "ilman henkilöä: luvut eivät muutu.",
        "Raderingen registreras på kundens begäran; varje kiosk får den vid nästa synkronisering, "
        "förstör medlemmens nyckel (och kontaktuppgifterna som skyddas med den) och stänger saldona. "
        "Händelserna finns kvar, utan personen: siffrorna ändras inte.",
    ),
    "Cards that will no longer identify the person": (
        "Kortit, jotka eivät enää tunnista henkilöä",
        "Kort som inte längre identifierar personen",
    ),
    "Balances to close": ("Suljettavat saldot", "Saldon som stängs"),
    "none": ("ei mitään", "inga"),
    "Events that stay, without the person": (
        "Tapahtumat, jotka jäävät ilman henkilöä",
        "Händelser som blir kvar utan personen",
    ),
    "Contact details given at": ("Yhteystiedot annettu kioskilla", "Kontaktuppgifter lämnade på"),
    "no kiosk": ("ei millään kioskilla", "ingen kiosk"),
    "destroyed there at its next sync": (
        "tuhotaan siellä sen seuraavassa synkronoinnissa",
        "förstörs där vid dess nästa synkronisering",
    ),
    "The same card is held by more than one member (made at two kiosks that could not sync): they "
    "are the same person, and all are erased, as on a kiosk.": (
        "Sama kortti on usealla jäsenellä (luotu kahdella kioskilla, jotka eivät voineet "
        "synkronoida): he ovat sama henkilö, ja kaikki poistetaan, kuten kioskilla.",
        "Samma kort innehas av flera medlemmar (skapade på två kiosker som inte kunde "
        "synkronisera): de är samma person, och alla raderas, som på en kiosk.",
    ),
    "Erase": ("Poista", "Radera"),
    "Cancel": ("Peruuta", "Avbryt"),
    # ---- import -------------------------------------------------------------------------
    "Import members": ("Tuo jäseniä", "Importera medlemmar"),
    "Members and their balances from a spreadsheet saved as CSV: a header line with card and any of "
    "stamps, points, credit (€). Each row becomes a member with its card and an opening balance, "
    "sent to every kiosk at its next sync.": (
        "Jäsenet ja heidän saldonsa CSV-muotoon tallennetusta taulukosta: otsikkorivillä kortti ja "
        "mitä tahansa sarakkeista leimat, pisteet, saldo (€). Jokaisesta rivistä tulee jäsen "
        "kortteineen ja avaussaldoineen, ja se lähetetään jokaiselle kioskille sen seuraavassa "
        "synkronoinnissa.",
        "Medlemmar och deras saldon från ett kalkylark sparat som CSV: en rubrikrad med kort och "
        "någon av stämplar, poäng, saldo (€). Varje rad blir en medlem med sitt kort och ett "
        "ingående saldo, som skickas till varje kiosk vid dess nästa synkronisering.",
    ),
    "A tier column names one of the program's tiers ({tiers}): the member starts with the spend or "
    "visits that tier needs, counted until the program's tier window ends.": (
        "Taso-sarake nimeää yhden ohjelman tasoista ({tiers}): jäsen aloittaa niillä ostoilla tai "
        "käynneillä, joita taso vaatii, ja ne lasketaan ohjelman tasojakson loppuun asti.",
        "En nivåkolumn anger en av programmets nivåer ({tiers}): medlemmen börjar med de köp eller "
        "besök som nivån kräver, räknade tills programmets nivåperiod tar slut.",
    ),
    "The program has no tiers: leave a tier column empty.": (
        "Ohjelmassa ei ole tasoja: jätä taso-sarake tyhjäksi.",
        "Programmet har inga nivåer: lämna en nivåkolumn tom.",
    ),
    "Nothing was imported. Correct these lines and try again:": (
        "Mitään ei tuotu. Korjaa nämä rivit ja yritä uudelleen:",
        "Inget importerades. Rätta de här raderna och försök igen:",
    ),
    "Choose the file again and import.": (
        "Valitse tiedosto uudelleen ja tuo se.",
        "Välj filen igen och importera.",
    ),
    "Columns not imported": ("Sarakkeet, joita ei tuotu", "Kolumner som inte importerades"),
    "Dry run": ("Kokeile", "Provkör"),
    # ---- program ------------------------------------------------------------------------
    "Published version {version}.": ("Julkaistu versio {version}.", "Publicerad version {version}."),
    "Every kiosk loads it at its next idle moment.": (
        "Jokainen kioski ottaa sen käyttöön seuraavalla joutohetkellään.",
        "Varje kiosk laddar den vid sitt nästa lediga ögonblick.",
    ),
    "Current version": ("Nykyinen versio", "Nuvarande version"),
    "Runs program": ("Käyttää ohjelmaa", "Kör program"),
    "Latest event": ("Viimeisin tapahtuma", "Senaste händelse"),
    "Edit": ("Muokkaa", "Redigera"),
    "The program is valid": ("Ohjelma on kelvollinen", "Programmet är giltigt"),
    "The version line is set for you: publishing gives the program the next number.": (
        "Versiorivi asetetaan puolestasi: julkaisu antaa ohjelmalle seuraavan numeron.",
        "Versionsraden sätts åt dig: publiceringen ger programmet nästa nummer.",
    ),
    "Check and preview": ("Tarkista ja esikatsele", "Kontrollera och förhandsgranska"),
    "Publish": ("Julkaise", "Publicera"),
    "Preview on the last 12 months": (
        "Esikatselu viimeisten 12 kuukauden ajalta",
        "Förhandsvisning på de senaste 12 månaderna",
    ),
    "Current": ("Nykyinen", "Nuvarande"),
    "New": ("Uusi", "Ny"),
    "Difference": ("Erotus", "Skillnad"),
    # ---- kiosks -------------------------------------------------------------------------
    "Last seen": ("Viimeksi nähty", "Senast sedd"),
    "Pending events": ("Lähettämättömät tapahtumat", "Väntande händelser"),
    "Health": ("Kunto", "Hälsa"),
    "Software": ("Ohjelmisto", "Programvara"),
    "revoked": ("peruttu", "återkallad"),
    "Revoke": ("Peru", "Återkalla"),
    "Health and software as each kiosk reports them in its heartbeat; the program from its latest event.": (
        "Kunto ja ohjelmisto sellaisina kuin kukin kioski ne ilmoittaa elonmerkissään; ohjelma sen "
        "viimeisimmästä tapahtumasta.",
        "Hälsa och programvara som varje kiosk rapporterar dem i sin hjärtslagssignal; programmet från "
        "dess senaste händelse.",
    ),
    "Pair a kiosk": ("Liitä kioski", "Para ihop en kiosk"),
    "Name": ("Nimi", "Namn"),
    "A kiosk of that name gets a new token; its old token stops working.": (
        "Sen niminen kioski saa uuden tunnisteen; sen vanha tunniste lakkaa toimimasta.",
        "En kiosk med det namnet får en ny token; dess gamla token slutar fungera.",
    ),
    "Pair": ("Liitä", "Para ihop"),
    "Kiosk paired: {name}": ("Kioski liitetty: {name}", "Kiosk ihopparad: {name}"),
    "This token is shown only now. On the kiosk run:": (
        "Tämä tunniste näytetään vain nyt. Suorita kioskilla:",
        "Denna token visas bara nu. Kör på kiosken:",
    ),
    "reader": ("kortinlukija", "kortläsare"),
    "scanner": ("viivakoodinlukija", "streckkodsläsare"),
    "disk": ("levy", "disk"),
    "clock": ("kello", "klocka"),
    "ok": ("kunnossa", "ok"),
    "WARN": ("VAROITUS", "VARNING"),
    "FAIL": ("VIKA", "FEL"),
    "unknown": ("ei tiedossa", "okänt"),
    # what a kiosk's heartbeat says of a check (sync.server.web.kiosk_health.CODES)
    "not configured": ("ei käytössä", "inte konfigurerad"),
    "connected": ("yhdistetty", "ansluten"),
    "connected ({backend})": ("yhdistetty ({backend})", "ansluten ({backend})"),
    "not connected": ("ei yhdistetty", "inte ansluten"),
    "not connected ({backend}): check the USB cable": (
        "ei yhdistetty ({backend}): tarkista USB-kaapeli",
        "inte ansluten ({backend}): kontrollera USB-kabeln",
    ),
    "the app cannot tell": ("sovellus ei osaa sanoa", "appen kan inte avgöra"),
    "unknown while the app is not running": (
        "ei tiedossa, kun sovellus ei ole käynnissä",
        "okänt när appen inte körs",
    ),
    "{free} free of {total}": ("{free} vapaana (yhteensä {total})", "{free} ledigt av {total}"),
    "{free} free of {total}: nearly full": (
        "{free} vapaana (yhteensä {total}): lähes täynnä",
        "{free} ledigt av {total}: nästan full",
    ),
    "cannot tell": ("ei voi sanoa", "kan inte avgöras"),
    "synchronised": ("synkronoitu", "synkroniserad"),
    "not synchronised (the kiosk keeps working; check the network/NTP)": (
        "ei synkronoitu (kioski toimii silti; tarkista verkko/NTP)",
        "inte synkroniserad (kiosken fungerar ändå; kontrollera nätverket/NTP)",
    ),
    "unrecognised report {code}": ("tunnistamaton ilmoitus {code}", "okänd rapport {code}"),
    # ---- staff --------------------------------------------------------------------------
    "Saved. Every kiosk takes the list up at its next sync.": (
        "Tallennettu. Jokainen kioski ottaa listan käyttöön seuraavassa synkronoinnissa.",
        "Sparat. Varje kiosk tar listan i bruk vid nästa synkronisering.",
    ),
    "Role": ("Rooli", "Roll"),
    "Remove": ("Poista", "Ta bort"),
    "List version {version}.": ("Listan versio {version}.", "Listans version {version}."),
    "A kiosk keeps the staff it last received and works with them offline.": (
        "Kioski säilyttää viimeksi saamansa henkilökunnan ja toimii heidän kanssaan ilman yhteyttä.",
        "En kiosk behåller den personal den senast fick och fungerar med dem utan uppkoppling.",
    ),
    "Add or change": ("Lisää tai muuta", "Lägg till eller ändra"),
    "PIN (4 to 8 digits; empty keeps the current one)": (
        "PIN (4–8 numeroa; tyhjä säilyttää nykyisen)",
        "PIN (4–8 siffror; tom behåller den nuvarande)",
    ),
    "PIN again": ("PIN uudelleen", "PIN igen"),
    "A console login for a manager": ("Näkymän tunnus esihenkilölle", "En inloggning till vyn för en chef"),
    "A manager sees the overview, members, non-member sales and kiosks; the program, staff, imports, "
    "backups and pairing are the owner's.": (
        "Esihenkilö näkee yleiskuvan, jäsenet, muiden asiakkaiden myynnin ja kioskit; ohjelma, "
        "henkilökunta, tuonnit, varmuuskopiot ja kioskien liittäminen kuuluvat omistajalle.",
        "En chef ser översikten, medlemmarna, försäljningen till icke-medlemmar och kioskerna; "
        "programmet, personalen, importer, säkerhetskopior och ihopparning är ägarens.",
    ),
    "Add": ("Lisää", "Lägg till"),
    "staff": ("henkilökunta", "personal"),
    "manager": ("esihenkilö", "chef"),
    "owner": ("omistaja", "ägare"),
    # ---- backups ------------------------------------------------------------------------
    "A backup of everything the kiosks recorded: the same file as kanta backup pull makes (events, "
    "members and ledger as CSV, a manifest with checksums). kanta backup verify checks it; kanta "
    "backup restore makes a replacement kiosk from it.": (
        "Varmuuskopio kaikesta, mitä kioskit kirjasivat: sama tiedosto kuin kanta backup pull tekee "
        "(tapahtumat, jäsenet ja kirjanpito CSV-muodossa, luettelo tarkistussummineen). kanta backup "
        "verify tarkistaa sen; kanta backup restore tekee siitä korvaavan kioskin.",
        "En säkerhetskopia av allt kioskerna registrerade: samma fil som kanta backup pull gör "
        "(händelser, medlemmar och huvudbok som CSV, ett manifest med kontrollsummor). kanta backup "
        "verify kontrollerar den; kanta backup restore gör en ersättningskiosk av den.",
    ),
    "Making the backup": ("Varmuuskopiota tehdään", "Säkerhetskopian görs"),
    "Ready": ("Valmis", "Klar"),
    "Download {name}": ("Lataa {name}", "Ladda ner {name}"),
    "Make a backup now": ("Tee varmuuskopio nyt", "Gör en säkerhetskopia nu"),
    # ---- the import's contact details (sync.server.contact_handover) ----------------------
    "A phone or email column is imported only with a consent column saying yes or the date the "
    "member agreed; a row without it is refused. This server does not keep them: they are sealed "
    "to the kiosk you choose below and kept there, as if the member had joined at that kiosk, "
    "after its next sync.": (
        "Puhelin- tai sähköpostisarake tuodaan vain, jos suostumussarakkeessa on kyllä tai päivä, "
        "jolloin jäsen suostui; rivi ilman sitä hylätään. Tämä palvelin ei säilytä niitä: ne "
        "sinetöidään alla valitsemallesi kioskille ja säilytetään siellä sen seuraavan "
        "synkronoinnin jälkeen, kuin jäsen olisi liittynyt sillä kioskilla.",
        "En telefon- eller e-postkolumn importeras bara med en samtyckeskolumn som säger ja eller "
        "datumet då medlemmen samtyckte; en rad utan den avvisas. Den här servern sparar dem inte: "
        "de förseglas till kiosken du väljer nedan och sparas där efter dess nästa synkronisering, "
        "som om medlemmen hade gått med vid den kiosken.",
    ),
    "card;stamps;points;credit (€);phone;email;consent": (
        "kortti;leimat;pisteet;saldo (€);puhelin;sähköposti;suostumus",
        "kort;stämplar;poäng;saldo (€);telefon;e-post;samtycke",
    ),
    "Kiosk that keeps the phone numbers and e-mails": (
        "Kioski, joka säilyttää puhelinnumerot ja sähköpostiosoitteet",
        "Kiosken som sparar telefonnumren och e-postadresserna",
    ),
    "No paired kiosk has synced since the server was updated: contact details cannot be imported yet.": (
        "Mikään yhdistetty kioski ei ole synkronoinut palvelimen päivityksen jälkeen: yhteystietoja "
        "ei voi vielä tuoda.",
        "Ingen parkopplad kiosk har synkroniserat sedan servern uppdaterades: kontaktuppgifter kan "
        "inte importeras än.",
    ),
    "Contact details handed to kiosks": (
        "Kioskeille luovutetut yhteystiedot",
        "Kontaktuppgifter överlämnade till kiosker",
    ),
    "Hand-over": ("Luovutus", "Överlämning"),
    "queued: waiting for the kiosk's next sync": (
        "jonossa: odottaa kioskin seuraavaa synkronointia",
        "i kö: väntar på kioskens nästa synkronisering",
    ),
    "handed over: kept on the kiosk": ("luovutettu: säilytetään kioskilla", "överlämnade: sparas på kiosken"),
    "failed: not kept": ("epäonnistui: ei säilytetty", "misslyckades: inte sparade"),
    "member": ("jäsen", "medlem"),
}
