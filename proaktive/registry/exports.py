"""The export files of a registry folder: names, separators and columns.

The formats are `shared/spec/registry-exports.md`. Columns are found by name;
a required column that is missing makes the whole file unreadable, an optional
one that is missing reads as empty everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

PERSON_STATUSES = (
    "bosatt",
    "utflyttet",
    "forsvunnet",
    "doed",
    "opphoert",
    "foedselsregistrert",
    "midlertidig",
    "inaktiv",
    "ikkeBosatt",
    "aktiv",
)
# Every value of `adressegradering`; an empty cell means `ugradert`.
ADDRESS_PROTECTIONS = (
    "ugradert",
    "klientadresse",
    "fortrolig",
    "strengtFortrolig",
    "strengtFortroligUtland",
)
# The values that do not protect: any other value in any row protects the person.
UNPROTECTED = ("ugradert", "klientadresse")
LANGUAGES = ("nb", "nn", "en", "se")
RELATION_ROLES = (
    "barn",
    "mor",
    "far",
    "medmor",
    "ektefelleEllerPartner",
    "soesken",
    "doedfoedtBarn",
)
KRR_STATUSES = ("AKTIV", "SLETTET", "IKKE_REGISTRERT")
RESERVATIONS = ("JA", "NEI")
NOTIFICATION_STATES = ("KAN_VARSLES", "KAN_IKKE_VARSLES")
EPSG_CODES = (25832, 25833, 25835, 4258)  # the only list; geo.to_utm33 projects from each


@dataclass(frozen=True)
class ExportFile:
    name: str
    register: str
    separator: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    key: tuple[str, ...]  # the columns whose values may occur only once (first row wins)
    needed_for: str | None  # None: every command needs it; else what needs it

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    @property
    def identifier_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c.endswith("personidentifikator"))


PERSONER = ExportFile(
    name="personer.csv",
    register="Folkeregisteret",
    separator=",",
    required=(
        "personidentifikator",
        "fornavn",
        "etternavn",
        "foedselsdato",
        "status",
        "kommunenummer",
        # Required although a value may be empty: without the column every
        # protected person would look unprotected.
        "adressegradering",
    ),
    optional=(
        "mellomnavn",
        "bydelsnummer",
        "adressenavn",
        "husnummer",
        "husbokstav",
        "bruksenhetsnummer",
        "postnummer",
        "poststed",
        "adresse_id",
        "flyttedato",
        "forrige_kommunenummer",
        "forrige_bydelsnummer",
    ),
    key=("personidentifikator",),
    needed_for=None,
)

FAMILIERELASJONER = ExportFile(
    name="familierelasjoner.csv",
    register="Folkeregisteret (familierelasjoner)",
    separator=",",
    required=("personidentifikator", "relatert_personidentifikator", "relatert_persons_rolle"),
    optional=(),
    # A parent has one row per child: only a row repeated whole is a repeat.
    key=("personidentifikator", "relatert_personidentifikator", "relatert_persons_rolle"),
    needed_for="the child criterion",
)

KRR = ExportFile(
    name="krr.csv",
    register="Kontakt- og reservasjonsregisteret",
    separator=",",
    # Every column the funnel reads is required: a missing one would silently change it.
    required=(
        "personidentifikator",
        "reservasjon",
        "status",
        "varslingsstatus",
        "epostadresse",
        "epostadresse_oppdatert",
        "epostadresse_sist_verifisert",
    ),
    optional=(
        "mobiltelefonnummer",
        "mobiltelefonnummer_oppdatert",
        "mobiltelefonnummer_sist_verifisert",
        "spraak",
    ),
    key=("personidentifikator",),
    needed_for=None,
)

ADRESSER = ExportFile(
    name="adresser.csv",
    register="Kartverket (Matrikkelen)",
    separator=";",
    required=("adresseId", "EPSG-kode", "Nord", "Øst"),
    optional=("adressenavn", "nummer", "bokstav", "postnummer", "poststed", "kommunenummer"),
    key=("adresseId",),
    needed_for="the area criterion",
)

EXPORT_FILES = (PERSONER, FAMILIERELASJONER, KRR, ADRESSER)
