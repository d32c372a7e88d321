"""The rules a row of each export must follow, and its typed columns, as DuckDB SQL.

`RULES[file]` is one SQL expression over the raw (all-text) columns of a row:
NULL for a good row, else the first reason it breaks a rule. `TYPED_COLUMNS[file]`
says how a good row's text becomes the typed table that campaigns query.
Reasons never show an identifier in full (only its masked form).
"""

from __future__ import annotations

from collections.abc import Sequence

from proaktive.registry.exports import (
    ADDRESS_PROTECTIONS,
    ADRESSER,
    EPSG_CODES,
    FAMILIERELASJONER,
    KRR,
    KRR_STATUSES,
    LANGUAGES,
    NOTIFICATION_STATES,
    PERSON_STATUSES,
    PERSONER,
    RELATION_ROLES,
    RESERVATIONS,
)
from proaktive.registry.identifiers import identifier_problem_sql
from proaktive.sql import quote, sql_text

# ISO 8601 with an offset or Z, e.g. 2023-06-13T13:42:34+02 or 2023-08-05T10:45:15.768Z.
_TIMESTAMP_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)"  # noqa: E501


def _in_list(values: Sequence[str | int]) -> str:
    return ", ".join(sql_text(str(value)) for value in values)


def _shown_value(column: str) -> str | None:
    """SQL for the offending value as a reason quotes it; None when it is never quoted.

    Only a code column's value is quoted, cut to its first 8 characters: enough to see
    the typo (`'fortroli…'`), too few to carry much of a name a shifted row put there.
    Any other column may hold personal data: a date of birth, an address, or the
    name or e-mail address of a row whose values slid into the wrong columns.
    """
    codes = (
        "status",
        "adressegradering",
        "reservasjon",
        "varslingsstatus",
        "relatert_persons_rolle",
        "kommunenummer",
        "bydelsnummer",
        "postnummer",
        "forrige_kommunenummer",
        "forrige_bydelsnummer",
        "EPSG-kode",
        "Nord",  # coordinates of the public address register, in no person's row
        "Øst",
    )
    if column not in codes:
        return None
    value = quote(column)
    cut = f"CASE WHEN length({value}) > 8 THEN left({value}, 8) || '…' ELSE {value} END"
    return f"'''' || {cut} || ''''"


def required(column: str) -> tuple[str, str]:
    return f"{quote(column)} IS NULL", sql_text(f"{column} is empty")


def number_column(column: str) -> str:
    """The column that the raw select adds for an identifier column: it as a BIGINT."""
    return f"_{column}_number"


def identifier(column: str) -> tuple[str, str]:
    problem = identifier_problem_sql(quote(column), quote(number_column(column)))
    value = quote(column)
    # Digits are shown as an identifier is everywhere (`150765*****`); anything else
    # may be a name that slid into the wrong column, and is described by its length.
    masked = (
        f"CASE WHEN regexp_full_match({value}, '[0-9]+') "
        f"THEN rpad(substr({value}, 1, 6), CAST(length({value}) AS INTEGER), '*') "
        f"ELSE '(' || length({value}) || ' characters)' END"
    )
    return (
        f"({problem}) IS NOT NULL",
        f"{sql_text(column + ' ')} || {masked} || ': ' || ({problem})",
    )


def _value_reason(column: str, what_is_wrong: str) -> str:
    """SQL for `column 'value' <what is wrong>`, or `column (N characters) <what is wrong>`
    when the value may be personal data."""
    shown = _shown_value(column)
    if shown is None:
        length = f"length({quote(column)})"
        unit = f"CASE WHEN {length} = 1 THEN ' character)' ELSE ' characters)' END"
        shown = f"'(' || {length} || {unit}"
    return f"{sql_text(column + ' ')} || {shown} || {sql_text(what_is_wrong)}"


def date(column: str) -> tuple[str, str]:
    value = quote(column)
    shape = "'[0-9]{4}-[0-9]{2}-[0-9]{2}'"
    bad = (
        f"{value} IS NOT NULL AND (NOT regexp_full_match({value}, {shape})"
        f" OR try_strptime({value}, '%Y-%m-%d') IS NULL)"
    )
    return bad, _value_reason(column, " is not a date (YYYY-MM-DD)")


def timestamp(column: str) -> tuple[str, str]:
    value = quote(column)
    bad = (
        f"{value} IS NOT NULL AND (NOT regexp_full_match({value}, {sql_text(_TIMESTAMP_PATTERN)})"
        f" OR try_cast({value} AS TIMESTAMPTZ) IS NULL)"
    )
    return bad, _value_reason(column, " is not a timestamp with an offset (2023-06-13T13:42:34+02)")


def one_of(column: str, values: Sequence[str | int]) -> tuple[str, str]:
    value = quote(column)
    shown = ", ".join(str(v) for v in values)
    bad = f"{value} IS NOT NULL AND {value} NOT IN ({_in_list(values)})"
    return bad, _value_reason(column, f" is not one of {shown}")


def digits(column: str, count: int, example: str) -> tuple[str, str]:
    value = quote(column)
    bad = f"{value} IS NOT NULL AND NOT regexp_full_match({value}, '[0-9]{{{count}}}')"
    return bad, _value_reason(column, f" is not {count} digits (like {example})")


def number(column: str, kind: str = "DOUBLE") -> tuple[str, str]:
    value = quote(column)
    bad = f"{value} IS NOT NULL AND try_cast({value} AS {kind}) IS NULL"
    return bad, _value_reason(column, " is not a number")


def first_problem(checks: Sequence[tuple[str, str]]) -> str:
    """One CASE: the reason of the first check that fails, NULL when all pass."""
    branches = "\n".join(f"        WHEN {condition} THEN {reason}" for condition, reason in checks)
    return f"CASE\n{branches}\n    END"


RULES: dict[str, str] = {
    PERSONER.name: first_problem(
        [
            required("personidentifikator"),
            identifier("personidentifikator"),
            required("foedselsdato"),
            date("foedselsdato"),
            required("status"),
            one_of("status", PERSON_STATUSES),
            one_of("adressegradering", ADDRESS_PROTECTIONS),
            required("kommunenummer"),
            digits("kommunenummer", 4, "0301"),
            digits("bydelsnummer", 6, "030105"),
            required("fornavn"),
            required("etternavn"),
            number("husnummer", "INTEGER"),
            digits("postnummer", 4, "0182"),
            date("flyttedato"),
            digits("forrige_kommunenummer", 4, "0301"),
            digits("forrige_bydelsnummer", 6, "030105"),
        ]
    ),
    KRR.name: first_problem(
        [
            required("personidentifikator"),
            identifier("personidentifikator"),
            required("status"),
            one_of("status", KRR_STATUSES),
            required("reservasjon"),
            one_of("reservasjon", RESERVATIONS),
            one_of("varslingsstatus", NOTIFICATION_STATES),
            timestamp("epostadresse_oppdatert"),
            timestamp("epostadresse_sist_verifisert"),
        ]
    ),
    FAMILIERELASJONER.name: first_problem(
        [
            required("personidentifikator"),
            identifier("personidentifikator"),
            required("relatert_personidentifikator"),
            identifier("relatert_personidentifikator"),
            required("relatert_persons_rolle"),
            one_of("relatert_persons_rolle", RELATION_ROLES),
        ]
    ),
    ADRESSER.name: first_problem(
        [
            required("adresseId"),
            required("EPSG-kode"),
            one_of("EPSG-kode", EPSG_CODES),
            number("Nord"),
            number("Øst"),
        ]
    ),
}


def _text(column: str) -> tuple[str, str]:
    return column, quote(column)


def _date(column: str) -> tuple[str, str]:
    return column, f"CAST({quote(column)} AS DATE)"


def _timestamp(column: str) -> tuple[str, str]:
    return column, f"CAST({quote(column)} AS TIMESTAMPTZ)"


# How a good row's text becomes typed values: the rules have checked every cast.
TYPED_COLUMNS: dict[str, list[tuple[str, str]]] = {
    PERSONER.name: [
        _text("personidentifikator"),
        _text("fornavn"),
        _text("mellomnavn"),
        _text("etternavn"),
        _date("foedselsdato"),
        _text("status"),
        ("adressegradering", "coalesce(adressegradering, 'ugradert')"),
        _text("kommunenummer"),
        _text("bydelsnummer"),
        _text("adressenavn"),
        ("husnummer", "CAST(husnummer AS INTEGER)"),
        _text("husbokstav"),
        _text("bruksenhetsnummer"),
        _text("postnummer"),
        _text("poststed"),
        _text("adresse_id"),
        _date("flyttedato"),
        _text("forrige_kommunenummer"),
        _text("forrige_bydelsnummer"),
    ],
    KRR.name: [
        _text("personidentifikator"),
        _text("reservasjon"),
        _text("status"),
        _text("varslingsstatus"),
        ("epostadresse", "trim(epostadresse)"),
        _timestamp("epostadresse_oppdatert"),
        _timestamp("epostadresse_sist_verifisert"),
        # A language proaktive has no use for is an unknown one (counted by the check).
        (
            "spraak",
            f"CASE WHEN lower(trim(spraak)) IN ({_in_list(LANGUAGES)}) "
            "THEN lower(trim(spraak)) END",
        ),
    ],
    FAMILIERELASJONER.name: [
        _text("personidentifikator"),
        _text("relatert_personidentifikator"),
        _text("relatert_persons_rolle"),
    ],
    ADRESSER.name: [
        ("adresse_id", quote("adresseId")),
        ("epsg", f"CAST({quote('EPSG-kode')} AS INTEGER)"),
        ("nord", f"CAST({quote('Nord')} AS DOUBLE)"),
        ("ost", f"CAST({quote('Øst')} AS DOUBLE)"),
    ],
}
