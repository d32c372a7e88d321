"""Names for the synthetic registry: people, streets and e-mail domains.

Plain data plus the few helpers that pick from it. Lists are ordered from the most
to the least common, and `popularity` turns that order into sampling weights, so
that Hansen is common and Kvam is rare, as in Oslo. The lists are written as
space-separated words (`|`-separated where a name has spaces) to stay readable.
"""

from __future__ import annotations

import unicodedata

import numpy as np


def words(text: str) -> tuple[str, ...]:
    """The words of a space-separated list, in order."""
    return tuple(text.split())


# Given names by sex and by the generation that got them: an 80-year-old Oslo woman is
# more likely an Inger than a Nora. Generations: born before 1960, 1960-1994, later.
FEMALE_NAMES: tuple[tuple[str, ...], ...] = (
    words("""Anne Inger Kari Marit Ingrid Liv Eva Berit Astrid Bjørg Randi Solveig Ragnhild Gerd
        Åse Turid Kirsten Grete Wenche Unni Sølvi Elsa Gunvor Else Reidun Jorunn Torill Aud
        Sigrid Borghild Margit Ruth Karin Hjørdis Anne-Lise Gørild"""),
    words("""Hilde Heidi Silje Camilla Marianne Kristin Linda Ida Maria Tone Siri Hanne Lene
        Monica Ingvild Marte Tonje Kristine Trine Mette Elisabeth Cecilie Janne Nina Stine Line
        Guro Kjersti Åshild Therese Vibeke Anette Sølvi Ingrid Bjørg"""),
    words("""Nora Emma Ella Maja Olivia Ingrid Sofie Leah Frida Sara Emilie Thea Amalie Ida Julie
        Vilde Tiril Hedda Selma Aurora Astrid Sigrid Oda Mathilde Hanna Jenny Ellinor Live
        Solveig Åsne Eline Kaja Ingeborg Ronja Mia"""),
)
MALE_NAMES: tuple[tuple[str, ...], ...] = (
    words("""Jan Per Bjørn Ole Kjell Knut Arne Svein Hans Odd Tor Rolf Terje Helge Leif Gunnar
        Nils Egil Kåre Harald Sverre Einar Olav Trygve Finn Åge Ragnar Asbjørn Reidar Øivind
        Torbjørn Arvid Bjørnar"""),
    words("""Geir Lars Morten Thomas Espen Anders Martin Kristian Øyvind Jon Erik Trond Rune
        Stian Magnus Håkon Eirik Sindre Kristoffer Andreas Fredrik Vegard Ørjan Jørgen Petter
        Henrik Marius Sigurd Pål Kjetil Frode Ståle Bjørn"""),
    words("""Jakob Emil Noah Oliver Filip William Lucas Liam Henrik Aksel Oskar Theodor Elias
        Kasper Magnus Johannes Isak Mathias Tobias Sander Ludvig Olav Håkon Sigurd Adrian
        Jonas Benjamin Even Herman Bjørn Åsmund Søren"""),
)
# Oslo's many families with roots elsewhere: Pakistan, Somalia, Poland, Vietnam, Iraq, ...
FEMALE_NAMES_INTERNATIONAL: tuple[str, ...] = (
    words("""Fatima Aisha Maryam Amina Zainab Sara Leila Yasmin Nadia Samira Hodan Sahra Iman Noor
    Anna Olga Natalia Agnieszka Katarzyna Ewa Marta Linh Mai Lan Priya Anjali Mariam Fadumo
    Hawa Elif Zeynep Ayan Nasra Hana Lina Zofia""")
)
MALE_NAMES_INTERNATIONAL: tuple[str, ...] = (
    words("""Mohammed Muhammad Ali Ahmed Omar Yusuf Ibrahim Hassan Hussein Abdi Mustafa Bilal Hamza
    Adam Tomasz Piotr Jakub Krzysztof Andrzej Mateusz Minh Duc Tuan Raj Arjun Emre Mehmet
    Abdullahi Said Khalid Zakaria Łukasz Amir""")
)
FAMILY_NAMES: tuple[str, ...] = (
    words("""Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen
    Johnsen Pettersen Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl
    Jørgensen Halvorsen Henriksen Lund Sørensen Jakobsen Moen Gundersen Iversen Strand
    Solberg Svendsen Eide Knutsen Martinsen Paulsen Bakken Kristoffersen Mathisen Lie
    Amundsen Rasmussen Lunde Solheim Berge Moe Nygård Bakke Kristensen Fredriksen Holm Lien
    Hauge Christensen Andresen Knudsen Nielsen Evensen Sæther Aas Myhre Hanssen Haugland
    Thomassen Sivertsen Simonsen Danielsen Berntsen Sandvik Rønning Arnesen Antonsen Næss
    Sandberg Engen Vik Ødegård Tangen Fjeld Brekke Aasen Lorentzen Ruud Helland Østby Aune
    Grønvold Bjørnstad Løken Kvam Sæterdal Bråten Kjær Øien""")
)
FAMILY_NAMES_INTERNATIONAL: tuple[str, ...] = (
    words("""Ahmed Ali Mohammed Hassan Hussain Khan Nguyen Tran Pham Le Nowak Mohamud Abdi Farah
    Warsame Yilmaz Kaya Demir Singh Iqbal Butt Rana Malik Chaudhry Silva Santos Haile
    Tesfaye Bekele Wiśniewski Kowalczyk Abdullah Rahimi Hosseini Omar""")
)

# Real streets of each district, given to that district first so that demos read like
# Oslo. A postcode after a colon pins it (Storgata in 0182, as in the campaign docs).
_KNOWN_STREETS: dict[str, str] = {
    "030101": "Storgata:0182|Tøyengata|Grønlandsleiret|Smedgata|Hagegata|Jens Bjelkes gate|"
    "Kolstadgata|Schweigaards gate|Normannsgata|Vålerenggata|Enebakkveien|Platous gate",
    "030102": "Thorvald Meyers gate|Markveien|Trondheimsveien|Seilduksgata|Toftes gate|"
    "Sofienberggata|Helgesens gate|Sannergata|Dælenenggata|Københavngata|Hasleveien|"
    "Schleppegrells gate",
    "030103": "Sandakerveien|Maridalsveien|Kierschows gate|Bentsebrugata|Vogts gate|"
    "Arendalsgata|Åsengata|Kristiansands gate|Torshovgata|Bjølsengata",
    "030104": "Ullevålsveien|Hegdehaugsveien|Pilestredet|Thereses gate|Sporveisgata|"
    "Bislettgata|Waldemar Thranes gate|Geitmyrsveien|Colletts gate|Ole Vigs gate|"
    "Fagerborggata",
    "030105": "Bogstadveien|Bygdøy allé|Gyldenløves gate|Frognerveien|Thomas Heftyes gate|"
    "Niels Juels gate|Gabels gate|Kirkeveien|Majorstuveien|Uranienborgveien|Oscars gate|"
    "Josefines gate",
    "030106": "Hoffsveien|Ullernchausseen|Bestumveien|Lilleakerveien|Montebelloveien|"
    "Ullern allé|Vækerøveien|Smestadveien",
    "030107": "Holmenkollveien|Slemdalsveien|Sørkedalsveien|Vinderveien|Tuengen allé|"
    "Gulleråsveien|Heggeliveien|Hovseterveien|Ankerveien",
    "030108": "Sognsveien|Tåsenveien|Kjelsåsveien|Grefsenveien|Nordbergveien|Ullevålsalleen|"
    "Konventveien|Blindernveien",
    "030109": "Økernveien|Refstadveien|Tonsenveien|Årvollveien|Veitvetveien|Kapellveien|"
    "Lørenveien|Risløkkveien",
    "030110": "Grorudveien|Ammerudveien|Kalbakkveien|Romsåsveien|Rødtvetveien|Bergensveien",
    "030111": "Fossumveien|Haugenstuveien|Vestlisvingen|Smedstuveien|Stjerneblokkveien|"
    "Høybråtenveien",
    "030112": "Tvetenveien|Furusetveien|Lindebergveien|Haugerudveien|Trosterudveien|"
    "Strømsveien|Jerikoveien",
    "030113": "Østensjøveien|Plogveien|Bølerlia|Skøyenåsveien|Haakon Tveters vei|"
    "Vetlandsveien|Olaf Helsets vei",
    "030114": "Ekebergveien|Mosseveien|Lambertseterveien|Nordstrandveien|Kongsveien|"
    "Sandstuveien|Bekkelagsveien|Ljabruveien",
    "030115": "Holmliaveien|Mortensrudveien|Bjørnerudveien|Lofsrudveien|Hauketoveien|"
    "Gamle Enebakkvei|Stallerudveien",
    "030116": "Karl Johans gate|Kirkegata|Akersgata|Prinsens gate|Dronningens gate|"
    "Rådhusgata|Tollbugata|Skippergata",
}

# Invented streets are a stem and a suffix ("Bjørkeveien", "Solbakken"): enough of them
# for every street of a registry of a million people, none of them a real street's twin.
STREET_STEMS: tuple[str, ...] = (
    words("""Bjørke Eike Furu Gran Linde Ask Rogne Hassel Lønne Selje Hegg Ospe Kirsebær Plomme
    Eple Pære Bringebær Blåbær Tyttebær Multe Kløver Rose Lilje Fiol Syrin Nype Einer Lyng
    Mose Sol Måne Stjerne Vår Sommer Høst Vinter Nord Sør Øst Vest Berg Dal Myr Bekke Elve
    Sjø Strand Vik Nes Holm Skog Eng Kvern Mølle Smie Gårds Låve Stabbur Preste Klokker
    Lensmann Skole Stasjons Bro Stein Flint Skifer Kobber Sølv Tømmer Seter Fjell Kolle Hauk
    Ørne Ravne Trost Svale Rype Elg Hjorte Reve Grevling Ekorn Bjørne Gaupe Oter Bever Lerke
    Meise Spette Due Tiur Orre Hare Vidde Fure Tveit Rud Vang Haga Grinde Hesje Hamar Dovre
    Ringerike Hadeland Toten Valdres Hallingdal Telemark Romerike Solør Odal Gudbrandsdal
    Østerdal Numedal Setesdal Voss Sogn Hardanger Jæren Lista Lofot Vesterål Finnmark
    Helgeland Trøndelag Namdal Nordmør Romsdal Sunnmør Nordfjord Ryfylke Karmøy Tjøme Hvaler
    Jeløy Nesodd Bunnefjord Kolsås Gyda Ragna Tora Signe Helga Dagny Gudrun Sigurd Harald
    Olav Magnus Haakon Eirik Inge Sverre Erling Trygve Halvdan Gunnhild Tyra""")
)
STREET_SUFFIXES: tuple[str, ...] = words(
    "veien gata stien bakken lia svingen tunet åsen jordet løkka grenda kroken haugen bråten"
)

# E-mail domains, with the rough shares of the providers Oslo residents use. All are
# under example.com/.net/.org, which RFC 2606 reserves: a synthetic address built
# from a common name must never be somebody's real inbox.
EMAIL_DOMAINS: tuple[str, ...] = (
    words("""gmail.example.com hotmail.example.com online.example.net outlook.example.com
    icloud.example.com yahoo.example.net live.example.net altibox.example.net
    hotmail.example.net proton.example.org getmail.example.org lyse.example.org""")
)
EMAIL_DOMAIN_SHARES = np.array([36, 13, 11, 9, 9, 5, 5, 3, 3, 2, 2, 2]) / 100

_ASCII_FOLDS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ł": "l", "ß": "ss"})


def known_streets(district: str) -> list[tuple[str, str | None]]:
    """A district's real streets as (name, pinned postcode or None)."""
    streets = []
    for entry in _KNOWN_STREETS[district].split("|"):
        name, _, postcode = entry.partition(":")
        streets.append((name, postcode or None))
    return streets


def invented_street_names() -> list[str]:
    """Every stem+suffix street name that neither reads oddly nor copies a real one."""
    known = {name for district in _KNOWN_STREETS for name, _ in known_streets(district)}
    names = []
    for stem in STREET_STEMS:
        for suffix in STREET_SUFFIXES:
            # "Liabakken" is fine, "Lialia" and "Haugehaugen" are not.
            if suffix.startswith(stem.lower().rstrip("e")[:3]):
                continue
            name = stem + suffix
            if name not in known:
                names.append(name)
    return names


def popularity(count: int) -> np.ndarray:
    """Sampling weights for a list ordered from most to least common (Zipf-like)."""
    weights = 1.0 / (np.arange(count) + 4.0)
    return weights / weights.sum()


def ascii_fold(text: str) -> str:
    """`Åse Sæther` → `ase saether`: how most people write their name in an address."""
    folded = text.lower().translate(_ASCII_FOLDS)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def email_local(name: str, *, keep_letters: bool) -> str:
    """A name as it appears in a local part: lower case, no spaces, perhaps still `åse`."""
    text = name.lower() if keep_letters else ascii_fold(name)
    return "".join(c for c in text if c.isalnum() or c == "-")
