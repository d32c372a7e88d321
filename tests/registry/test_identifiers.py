"""Identifier rules (spec: registry-exports.md, Identifiers) held to published test vectors.

Every vector goes through both implementations: `identifier_problem` (Python) and
`identifier_problem_sql` (evaluated by DuckDB), and the two must agree.

The validity of each vector is the one its source publishes; the reason text is ours
(the spec's). Published cases that conflict with our spec are left out, with the
reason in a comment next to the table they would have been in.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator

import duckdb
import pytest

from proaktive.registry.identifiers import (
    check_digits,
    identifier_problem,
    identifier_problem_sql,
    is_synthetic,
    is_valid_identifier,
    mask,
)

# The exact reasons of `identifier_problem`; None means a valid identifier.
VALID = None
TEN_DIGITS = "10 digits, not 11 (a spreadsheet probably dropped a leading zero)"
NOT_11_DIGITS = "not 11 digits"
BAD_DAY = "the first two digits are not a day of the month"
BAD_MONTH = "digits 3-4 are not a month"
BAD_K1 = "the first check digit is wrong"
BAD_K2 = "the second check digit is wrong"

# k1 weights with weight 1 for k1 itself: the 2032 rule allows this sum mod 11 in 0..3.
K1_RULE_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)


def k1_remainder(value: str) -> int:
    return sum(w * int(d) for w, d in zip(K1_RULE_WEIGHTS, value, strict=False)) % 11


# --- Published vectors -----------------------------------------------------------------

# Source: GitHub Skatteetaten/folkeregisteret-api-dokumentasjon,
# docs/dokumenter/foedselsEllerDNummerValidator/foedselsnummer.csv (commit 7b1c1f6a; the same
# rows are in docs/tilgjengelighetserklaering/dokumenter/foedselsnummer.csv).
# Columns used: fødselsnummer, erGyldig (-> expected) and erSyntetisk (-> table below).
# Left out: 29020105729 (erGyldig=false, "Skuddag i ikke-skuddår", 29 Feb in a non-leap
# year). Its check digits are right; our spec checks no calendar (a 2032 number does not
# even encode the century; the birth date is read from `foedselsdato`), so we accept it.
SKATTEETATEN_FOEDSELSNUMMER_CSV: tuple[tuple[str, str | None], ...] = (
    ("30108299939", VALID),  # reelt 2032-nummer
    ("30908299902", VALID),  # syntetisk 2032-nummer
    ("20036914700", VALID),  # reelt 1964-nummer
    ("03851598730", VALID),  # syntetisk 1964-nummer
    ("20036914712", BAD_K2),  # reelt 1964-nummer, erGyldig=false
    ("29020073150", VALID),  # reelt 1964-nummer (skuddag i skuddår)
    ("55102499947", VALID),  # reelt 2032-D-nummer
    ("41819077906", VALID),  # syntetisk 2032-D-nummer
    ("41819077302", VALID),  # syntetisk 1964-D-nummer
)

# Same source, column erSyntetisk (all ten rows; 29020105729 is not synthetic either way).
SKATTEETATEN_ER_SYNTETISK: tuple[tuple[str, bool], ...] = (
    ("30108299939", False),
    ("30908299902", True),
    ("20036914700", False),
    ("03851598730", True),
    ("20036914712", False),  # erGyldig=false, so not synthetic for us either
    ("29020073150", False),
    ("29020105729", False),
    ("55102499947", False),
    ("41819077906", True),
    ("41819077302", True),
)

# Source: GitHub navikt/fnrvalidator, tests/fnr.spec.ts (commit 0cfb5f47). All its cases.
# Its validator also checks the calendar date (with a century guess); every case it
# rejects for the date also fails a rule of ours, so none had to be left out.
FNRVALIDATOR_SPEC_TS: tuple[tuple[str, str | None], ...] = (
    ("13097248022", VALID),  # fnr: should accept a valid one
    ("29029648784", VALID),  # fnr: standard leap year
    ("29020075838", VALID),  # fnr: year 00 as a leap year
    ("15021951940", VALID),  # fnr: checksum digit 11 -> 0
    ("53097248016", VALID),  # dnr
    ("13527248013", VALID),  # hnr (month + 40)
    ("10915596784", VALID),  # tnr (Tenor, month + 80)
    ("68467038838", VALID),  # dnr-and-hnr
    ("50846202355", VALID),  # dnr-and-tnr
    ("02013299997", VALID),  # 2032 standard: born 02.01.2032
    ("30108299920", VALID),  # 2032 standard: rest = 0
    ("30108299939", VALID),  # 2032 standard: rest = 1
    ("70108299914", VALID),  # 2032 standard: dnr
    # "> 28 feb in a non leap year": fnrvalidator gives checksum and date errors.
    ("29020112345", BAD_K1),
    ("1234567890", TEN_DIGITS),  # less than 11 digits
    ("123456789101", NOT_11_DIGITS),  # more than 11 digits
    ("1234567891A", NOT_11_DIGITS),  # non-digits present
    # "checksum 1 is invalid": k1 = 3 instead of 2 gives rest 1, which the 2032 rule
    # allows; the number still fails, on k2 (fnrvalidator computes k2 from that k1 too).
    ("13097248032", BAD_K2),
    ("13097248023", BAD_K2),  # checksum 2 is invalid
    ("32127248022", BAD_DAY),  # day is invalid
    ("13137248022", BAD_MONTH),  # month is invalid
    ("02013299987", BAD_K1),  # 2032 standard: still rejects invalid checksums
    ("02013299996", BAD_K2),  # 2032 standard: still rejects invalid k2
)

# Source: GitHub navikt/fnrvalidator, tests/fnr.spec.js, a stored earlier version with the
# tests "should accept valid synthetic NAV/Skatt users [with dnr]" (the numbers are the
# ones listed in navikt/fnrvalidator issue #116). NAV's "Dolly" numbers are month + 40,
# which our spec reads as H-nummer: still valid, but not synthetic (see SYNTHETIC below).
FNRVALIDATOR_SPEC_JS_SYNTHETIC: tuple[tuple[str, str | None], ...] = (
    # synthetic NAV users (Dolly), fnr, month + 40
    ("15507600333", VALID),
    ("29422059278", VALID),
    ("05440355678", VALID),
    ("12429400544", VALID),
    ("12505209719", VALID),
    ("21483609245", VALID),
    ("21528704651", VALID),
    # synthetic Skatt users (Tenor), fnr, month + 80
    ("17912099997", VALID),
    ("29822099635", VALID),
    ("05840399895", VALID),
    ("12829499914", VALID),
    ("12905299938", VALID),
    ("21883649874", VALID),
    ("21929774873", VALID),
    # synthetic NAV users with dnr, day + 40 and month + 40
    ("55507608360", VALID),
    ("69422056629", VALID),
    ("45440356293", VALID),
    ("52429405181", VALID),
    ("52505209540", VALID),
    ("61483601467", VALID),
    ("61528703428", VALID),
    # synthetic Skatt users with dnr, day + 40 and month + 80
    ("57912075186", VALID),
    ("69822075096", VALID),
    ("45840375084", VALID),
    ("52829400197", VALID),
    ("52905200100", VALID),
    ("61883600222", VALID),
    ("61929750062", VALID),
)

# Synthetic (month + 80) or not, from the fnrvalidator sources above: its types tnr and
# dnr-and-tnr and the Skatt users are synthetic; Dolly (+40) is H-nummer for us, so not.
FNRVALIDATOR_SYNTHETIC: tuple[tuple[str, bool], ...] = (
    ("10915596784", True),  # tnr
    ("50846202355", True),  # dnr-and-tnr
    *((value, True) for value, _ in FNRVALIDATOR_SPEC_JS_SYNTHETIC if value[2] in "89"),
    *((value, False) for value, _ in FNRVALIDATOR_SPEC_JS_SYNTHETIC if value[2] in "45"),
    ("13097248022", False),  # fnr
    ("53097248016", False),  # dnr
    ("13527248013", False),  # hnr
    ("68467038838", False),  # dnr-and-hnr
)

PUBLISHED: tuple[tuple[str, str, str | None], ...] = (
    *(("skatteetaten", v, e) for v, e in SKATTEETATEN_FOEDSELSNUMMER_CSV),
    *(("fnrvalidator-ts", v, e) for v, e in FNRVALIDATOR_SPEC_TS),
    *(("fnrvalidator-js", v, e) for v, e in FNRVALIDATOR_SPEC_JS_SYNTHETIC),
)
PUBLISHED_VALID = tuple(value for _, value, expected in PUBLISHED if expected is VALID)


# --- DuckDB ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def sql_problem(con: duckdb.DuckDBPyConnection, value: str) -> str | None:
    row = con.execute(
        f"SELECT {identifier_problem_sql('x')} FROM (SELECT ?::VARCHAR AS x)", [value]
    ).fetchone()
    assert row is not None
    return row[0]


def sql_problems(con: duckdb.DuckDBPyConnection, values: Iterable[str]) -> dict[str, str | None]:
    """The SQL answer for many values in one query."""
    rows = con.execute(
        f"SELECT x, {identifier_problem_sql('x')} FROM unnest(?::VARCHAR[]) AS t(x)",
        [list(values)],
    ).fetchall()
    return dict(rows)


# --- Tests -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [pytest.param(v, e, id=f"{source}-{v}") for source, v, e in PUBLISHED],
)
def test_published_vector(con: duckdb.DuckDBPyConnection, value: str, expected: str | None) -> None:
    python = identifier_problem(value)
    assert python == expected
    assert sql_problem(con, value) == python
    assert is_valid_identifier(value) is (expected is VALID)


@pytest.mark.parametrize("value", PUBLISHED_VALID)
def test_published_valid_numbers_follow_one_of_the_k1_rules(value: str) -> None:
    remainder = k1_remainder(value)
    assert remainder in (0, 1, 2, 3)
    assert check_digits(value[:9], remainder) == value[9:]


def test_published_2032_numbers_are_covered() -> None:
    """The vectors include numbers that only the relaxed k1 rule accepts."""
    assert {k1_remainder(value) for value in PUBLISHED_VALID} >= {0, 1, 2}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # A spreadsheet that dropped the leading zero of published valid numbers.
        ("3851598730", TEN_DIGITS),  # 03851598730, Skatteetaten
        ("2013299997", TEN_DIGITS),  # 02013299997, fnrvalidator
        ("5440355678", TEN_DIGITS),  # 05440355678, fnrvalidator
        ("1234567890", TEN_DIGITS),
        # Letters, and lengths other than 10 and 11.
        ("1234567891A", NOT_11_DIGITS),
        ("0385159873O", NOT_11_DIGITS),  # letter O for zero
        ("03851598730 ", NOT_11_DIGITS),
        ("038515 98730", NOT_11_DIGITS),
        ("123456789101", NOT_11_DIGITS),
        ("385159873", NOT_11_DIGITS),
        ("", NOT_11_DIGITS),
        # Wrong check digits.
        ("02013299987", BAD_K1),
        ("29020112345", BAD_K1),
        ("13097248023", BAD_K2),
        ("02013299996", BAD_K2),
        ("20036914712", BAD_K2),
        # Day and month outside every offset.
        ("32127248022", BAD_DAY),
        ("00127248022", BAD_DAY),
        ("40127248022", BAD_DAY),
        ("72127248022", BAD_DAY),
        ("13137248022", BAD_MONTH),
        ("13007248022", BAD_MONTH),
        ("13537248022", BAD_MONTH),
        ("13937248022", BAD_MONTH),
    ],
)
def test_reason_texts(con: duckdb.DuckDBPyConnection, value: str, expected: str) -> None:
    assert identifier_problem(value) == expected
    assert sql_problem(con, value) == expected
    assert not is_valid_identifier(value)


def random_prefix(rng: random.Random) -> str:
    """Nine digits with a day and month that fit some offset (D-, H-nummer, synthetic)."""
    day = rng.randint(1, 31) + rng.choice((0, 40))
    month = rng.randint(1, 12) + rng.choice((0, 40, 80))
    return f"{day:02d}{month:02d}{rng.randint(0, 99):02d}{rng.randint(0, 999):03d}"


@pytest.mark.parametrize("remainder", [0, 1, 2, 3])
def test_check_digits_round_trip(con: duckdb.DuckDBPyConnection, remainder: int) -> None:
    rng = random.Random(2032 + remainder)
    numbers = []
    for _ in range(500):
        prefix = random_prefix(rng)
        digits = check_digits(prefix, remainder)
        if digits is None:
            continue
        assert len(digits) == 2 and digits.isdigit()
        number = prefix + digits
        assert identifier_problem(number) is VALID, number
        assert k1_remainder(number) == remainder
        numbers.append(number)
    assert len(numbers) > 350  # k1 or k2 is 10 for roughly 1 prefix in 6
    assert set(sql_problems(con, numbers).values()) == {VALID}


def test_check_digits_gives_every_valid_completion() -> None:
    """The 2-digit endings that make a valid number are exactly those of rules 0..3."""
    rng = random.Random(11)
    for _ in range(200):
        prefix = random_prefix(rng)
        valid_endings = {f"{n:02d}" for n in range(100) if is_valid_identifier(f"{prefix}{n:02d}")}
        from_rules = {check_digits(prefix, r) for r in (0, 1, 2, 3)} - {None}
        assert valid_endings == from_rules, prefix


def test_check_digits_classic_rule_matches_published_numbers() -> None:
    # Classic (rest 0) numbers from both sources, including k1 = 11 -> 0 (15021951940).
    for value in ("13097248022", "15021951940", "20036914700", "03851598730", "53097248016"):
        assert check_digits(value[:9]) == value[9:]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(v, e, id=f"{source}-{v}")
        for source, table in (
            ("skatteetaten", SKATTEETATEN_ER_SYNTETISK),
            ("fnrvalidator", FNRVALIDATOR_SYNTHETIC),
        )
        for v, e in table
    ],
)
def test_is_synthetic(value: str, expected: bool) -> None:
    assert is_synthetic(value) is expected


def test_is_synthetic_needs_a_valid_number() -> None:
    assert is_synthetic("30908299902")
    assert not is_synthetic("30908299903")  # the same with a wrong k2
    assert not is_synthetic("3090829990")  # 10 digits
    assert not is_synthetic("30938299902")  # month 93


def test_mask() -> None:
    assert mask("15076500565") == "150765*****"
    assert mask("30908299902") == "309082*****"


def test_python_and_sql_agree_on_random_numbers(con: duckdb.DuckDBPyConnection) -> None:
    rng = random.Random(20320101)
    values = []
    for i in range(2000):
        if i % 2 == 0:  # any 11 digits: mostly bad days and months
            values.append("".join(rng.choice("0123456789") for _ in range(11)))
        elif i % 4 == 1:  # a plausible date, random check digits: mostly bad k1 or k2
            values.append(random_prefix(rng) + f"{rng.randint(0, 99):02d}")
        else:  # a plausible date with check digits from one of the rules
            prefix = random_prefix(rng)
            digits = check_digits(prefix, rng.randint(0, 3)) or f"{rng.randint(0, 99):02d}"
            values.append(prefix + digits)
    assert all(len(value) == 11 and value.isdigit() for value in values)

    sql = sql_problems(con, values)
    python = {value: identifier_problem(value) for value in values}
    disagreements = {v: (python[v], sql[v]) for v in python if python[v] != sql[v]}
    assert disagreements == {}
    # Every outcome an 11-digit string can have was exercised.
    assert set(python.values()) == {VALID, BAD_DAY, BAD_MONTH, BAD_K1, BAD_K2}


@pytest.mark.parametrize(
    "value",
    [
        "\uff13\uff18\uff15\uff11\uff15\uff19\uff18\uff17\uff13\uff10",  # fullwidth digits
        "\u0663\u0668\u0665\u0661\u0665\u0669\u0668\u0667\u0663\u0660",  # Arabic-Indic digits
        "385159873\u00b2",  # superscript two
    ],
)
def test_python_and_sql_agree_on_ten_non_ascii_digits(
    con: duckdb.DuckDBPyConnection, value: str
) -> None:
    assert identifier_problem(value) == sql_problem(con, value) == NOT_11_DIGITS
