"""Norwegian personal identifiers: fødselsnummer, D-nummer, H-nummer, synthetic.

The rules are in `shared/spec/registry-exports.md` (Identifiers). The same rule is
written once more as SQL in `identifier_problem_sql`, so that DuckDB can check a
whole registry at once; `tests/registry/test_identifiers.py` holds both to the
published test vectors.
"""

from __future__ import annotations

from datetime import date

K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
# From 2032 the weighted sum for k1 (k1 itself weighted 1) may be 0, 1, 2 or 3 mod 11.
K1_ALLOWED_REMAINDERS = (0, 1, 2, 3)

# Offsets on the day (D-nummer) and on the month (H-nummer, synthetic test numbers).
DAY_OFFSETS = (0, 40)
MONTH_OFFSETS = (0, 40, 80)


def identifier_problem(value: str) -> str | None:
    """Why `value` is not a valid identifier, or None when it is."""
    if len(value) == 10 and value.isascii() and value.isdigit():
        return "10 digits, not 11 (a spreadsheet probably dropped a leading zero)"
    if len(value) != 11 or not value.isascii() or not value.isdigit():
        return "not 11 digits"
    digits = [int(c) for c in value]
    day = digits[0] * 10 + digits[1]
    month = digits[2] * 10 + digits[3]
    if not any(1 <= day - offset <= 31 for offset in DAY_OFFSETS):
        return "the first two digits are not a day of the month"
    if not any(1 <= month - offset <= 12 for offset in MONTH_OFFSETS):
        return "digits 3-4 are not a month"
    k1_sum = sum(w * d for w, d in zip(K1_WEIGHTS, digits, strict=False)) + digits[9]
    if k1_sum % 11 not in K1_ALLOWED_REMAINDERS:
        return "the first check digit is wrong"
    k2_sum = sum(w * d for w, d in zip(K2_WEIGHTS, digits, strict=False)) + digits[10]
    if k2_sum % 11 != 0:
        return "the second check digit is wrong"
    return None


def is_valid_identifier(value: str) -> bool:
    return identifier_problem(value) is None


def is_synthetic(value: str) -> bool:
    """A Tenor test number: month + 80. All of this project's data uses these."""
    return is_valid_identifier(value) and int(value[2:4]) > 80


def check_digits(first_nine: str, k1_remainder: int = 0) -> str | None:
    """The two check digits for nine digits, or None when no k2 exists.

    `k1_remainder` picks the rule for k1: 0 is the classic rule, 1-3 the rules
    added for numbers issued from 2032.
    """
    digits = [int(c) for c in first_nine]
    k1 = (k1_remainder - sum(w * d for w, d in zip(K1_WEIGHTS, digits, strict=True))) % 11
    if k1 == 10:
        return None
    k2 = -sum(w * d for w, d in zip(K2_WEIGHTS, [*digits, k1], strict=True)) % 11
    if k2 == 10:
        return None
    return f"{k1}{k2}"


def mask(value: str) -> str:
    """What human output shows of an identifier: the date part, then stars."""
    return value[:6] + "*" * max(len(value) - 6, 0)


def _prefix_sql(number: str, dropped: int) -> str:
    """SQL for the number without its last `dropped` digits."""
    return number if dropped == 0 else f"floor({number} / {10**dropped}.0)"


def _weighted_sum_sql(number: str, weights: tuple[int, ...]) -> str:
    """SQL for the sum of weight * digit over the first digits of an 11-digit number.

    Digit i (from the left) is prefix(11 - i) - 10 * prefix(12 - i), so the sum
    is a sum over prefixes, each one floor division of a DOUBLE: exact for
    integers below 2**53, and several times faster in DuckDB than BIGINT
    division or cutting the text into characters.
    """
    coefficients: dict[int, int] = {}
    for position, weight in enumerate(weights, start=1):
        coefficients[11 - position] = coefficients.get(11 - position, 0) + weight
        coefficients[12 - position] = coefficients.get(12 - position, 0) - 10 * weight
    return " + ".join(
        f"({coefficient}) * {_prefix_sql(number, dropped)}"
        for dropped, coefficient in sorted(coefficients.items())
        if coefficient and dropped <= 10
    )


def identifier_problem_sql(column: str, number: str | None = None) -> str:
    """A DuckDB expression: NULL for a valid identifier, else the reason (as above).

    `number` is the identifier as a DOUBLE (computed here when not given); a
    query over many rows computes it once, in a column of its own. A valid
    number, the common case, is recognised first, so the reasons are worked
    out only for the rest.
    """
    number = number or f"TRY_CAST(TRY_CAST({column} AS BIGINT) AS DOUBLE)"
    day = _prefix_sql(number, 9)
    month = f"({_prefix_sql(number, 7)} - 100 * {day})"
    day_ok = " OR ".join(f"{day} - {o} BETWEEN 1 AND 31" for o in DAY_OFFSETS)
    month_ok = " OR ".join(f"{month} - {o} BETWEEN 1 AND 12" for o in MONTH_OFFSETS)
    remainders = ", ".join(str(r) for r in K1_ALLOWED_REMAINDERS)
    k1_ok = f"({_weighted_sum_sql(number, (*K1_WEIGHTS, 1))}) % 11 IN ({remainders})"
    k2_ok = f"({_weighted_sum_sql(number, (*K2_WEIGHTS, 1))}) % 11 = 0"
    eleven_digits = f"regexp_full_match({column}, '[0-9]{{11}}')"
    return f"""CASE
        WHEN {eleven_digits} AND {k1_ok} AND {k2_ok} AND ({day_ok}) AND ({month_ok}) THEN NULL
        WHEN regexp_full_match({column}, '[0-9]{{10}}')
            THEN '10 digits, not 11 (a spreadsheet probably dropped a leading zero)'
        WHEN NOT {eleven_digits} THEN 'not 11 digits'
        WHEN NOT ({day_ok}) THEN 'the first two digits are not a day of the month'
        WHEN NOT ({month_ok}) THEN 'digits 3-4 are not a month'
        WHEN NOT {k1_ok} THEN 'the first check digit is wrong'
        ELSE 'the second check digit is wrong'
    END"""


def synthetic_identifier(born: date, individual: int, k1_remainder: int = 0) -> str:
    """A valid synthetic (month + 80) identifier for `born`, from `individual` upwards.

    Individual numbers whose check digits do not exist are skipped, so the result
    may use a higher one; it never exceeds 999.
    """
    for number in range(individual, 1000):
        first_nine = f"{born.day:02d}{born.month + 80:02d}{born.year % 100:02d}{number:03d}"
        digits = check_digits(first_nine, k1_remainder)
        if digits is not None:
            return first_nine + digits
    raise ValueError(f"no synthetic identifier for {born} from individual number {individual}")
