"""Is an e-mail address valid, and what is its comparable form: email-validator decides.

email-validator takes ~60 µs an address, which is a minute for an Oslo-sized
KRR export. Most addresses are plain ASCII `local@domain.tld`; for those a
regular expression that accepts a strict *subset* of what email-validator
accepts lets DuckDB answer at once. Every other address (internationalised,
unusual, or broken) goes to email-validator itself, so email-validator is the
only judge of what is invalid. `tests/registry/test_email.py` holds the subset
to that promise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import duckdb

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# A dot-atom local part, then two or more DNS labels ending in an alphabetic TLD.
PLAIN_ADDRESS_PATTERN = rf"{_ATEXT}+(?:\.{_ATEXT}+)*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}"
# Top-level names email-validator refuses (RFC 6761 special use): never on the fast path.
_SPECIAL_TLDS = ("arpa", "invalid", "local", "localhost", "onion", "test")


def plain_address_sql(column: str) -> str:
    """SQL: TRUE when the address is plain ASCII that email-validator surely accepts."""
    tlds = ", ".join(f"'{tld}'" for tld in _SPECIAL_TLDS)
    return (
        f"(regexp_full_match({column}, '{PLAIN_ADDRESS_PATTERN.replace(chr(39), chr(39) * 2)}')"
        f" AND length({column}) <= 254 AND strpos({column}, '@') <= 65"
        f" AND strpos({column}, '--') = 0"
        f" AND lower(split_part({column}, '.', -1)) NOT IN ({tlds}))"
    )


@dataclass(frozen=True)
class CheckedAddress:
    valid: bool
    comparable: str | None  # case-folded normalised address, for finding duplicates


@lru_cache(maxsize=65536)
def check_address(address: str) -> CheckedAddress:
    """email-validator's verdict, with the defaults the spec names."""
    # Imported here: a command that judges no unusual address need not load it.
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return CheckedAddress(False, None)
    return CheckedAddress(True, result.normalized.casefold())


def check_unusual_addresses(
    con: duckdb.DuckDBPyConnection, source_sql: str, table: str = "unusual_addresses"
) -> None:
    """Create `table(epostadresse, valid, comparable)` for the addresses off the fast path.

    `source_sql` is a query with a column `epostadresse`. Join the table where
    `plain_address_sql` is false: together they judge every address.
    """
    plain = plain_address_sql("epostadresse")
    unusual = con.execute(
        f"SELECT DISTINCT epostadresse FROM ({source_sql}) "
        f"WHERE epostadresse IS NOT NULL AND NOT {plain}"
    ).fetchall()
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} "
        "(epostadresse VARCHAR PRIMARY KEY, valid BOOLEAN NOT NULL, comparable VARCHAR)"
    )
    addresses = [address for (address,) in unusual]
    checked = [check_address(address) for address in addresses]
    if addresses:  # one statement with three lists: executemany is slow in DuckDB
        con.execute(
            f"INSERT INTO {table} SELECT unnest($1), unnest($2), unnest($3)",
            [addresses, [c.valid for c in checked], [c.comparable for c in checked]],
        )
