"""The fast path for plain addresses never accepts what email-validator refuses."""

from __future__ import annotations

import random
import string

import duckdb
import pytest

from proaktive.registry.email import check_address, check_unusual_addresses, plain_address_sql

TRICKY = [
    "kari@example.no",
    "Kari.Nordmann@Example.NO",
    "ola+tag@gmail.com",
    "o'brien@online.no",
    "åse@eksempel.no",
    "kari@@gmail.com",
    "kari@",
    "@gmail.com",
    "a b@x.no",
    "kari.@gmail.com",
    ".kari@gmail.com",
    "ka..ri@gmail.com",
    "kari@localhost",
    "kari@gmail",
    "kari@host.test",
    "kari@host.local",
    "kari@xn--bcher-kva.no",
    "kari@-bad.no",
    "kari@bad-.no",
    "kari@123.456",
    "kari@gmail.c",
    "x" * 65 + "@gmail.com",
    "kari@" + "a" * 64 + ".no",
    "kari@" + ".".join(["abcdefghi"] * 30) + ".no",
    '"quoted"@example.no',
    "kari@[127.0.0.1]",
    "Kari Nordmann <kari@example.no>",
]


def _plain(con: duckdb.DuckDBPyConnection, addresses: list[str]) -> dict[str, bool]:
    rows = con.execute(
        f"SELECT a, {plain_address_sql('a')} FROM (SELECT unnest($1) AS a)", [addresses]
    ).fetchall()
    return {address: bool(plain) for address, plain in rows}


def _random_addresses(count: int) -> list[str]:
    rng = random.Random(20261130)
    alphabet = string.ascii_letters + string.digits + ".-_+@'!#~ æøå\"[]"
    addresses = []
    for _ in range(count):
        local = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        domain = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        tld = rng.choice(["no", "com", "c", "test", "x1", "NO", "local", ""])
        addresses.append(f"{local}@{domain}.{tld}")
    return addresses


def test_the_fast_path_accepts_only_what_email_validator_accepts() -> None:
    con = duckdb.connect()
    addresses = TRICKY + _random_addresses(20_000)
    plain = _plain(con, addresses)
    wrongly_plain = [a for a, is_plain in plain.items() if is_plain and not check_address(a).valid]
    assert wrongly_plain == []
    assert sum(plain.values()) > 1000  # the fast path does take the common case


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("kari@example.no", True),
        ("åse@eksempel.no", True),  # internationalised: valid, sent with SMTPUTF8
        ("kari@@gmail.com", False),
        ("a b@x.no", False),
        ("kari@localhost", False),
        ("kari@gmail", False),
    ],
)
def test_check_address_follows_email_validator(address: str, valid: bool) -> None:
    assert check_address(address).valid is valid


def test_unusual_addresses_are_judged_by_email_validator() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE k AS SELECT unnest($1) AS epostadresse", [TRICKY])
    check_unusual_addresses(con, "SELECT epostadresse FROM k")
    judged = dict(con.execute("SELECT epostadresse, valid FROM unusual_addresses").fetchall())
    assert "kari@example.no" not in judged  # plain: answered in SQL
    assert judged["åse@eksempel.no"] is True
    assert judged["kari@@gmail.com"] is False
    comparable = con.execute(
        "SELECT comparable FROM unusual_addresses WHERE epostadresse = 'åse@eksempel.no'"
    ).fetchall()
    assert comparable == [("åse@eksempel.no",)]
