"""Hashes by which the checked-files memo knows a file's bad rows, without their data.

A bad row is known by two hashes: one of its whole text and one of its key (the
identifier). Both are keyed with a *salt* taken from the file's own first bytes
(its header and first rows, which only someone holding the export knows), so a
hash in the memo can neither be traced back nor checked against a guess without
the export itself. That matters most for the key: identifiers are a small,
listable set, so an unkeyed hash of one could be found by trying them all. Both
hashes are therefore MD5 over the salt and the text (a keyed one-way function),
not DuckDB's faster `hash`, whose way of combining values would let the salt be
worked out. 64 of MD5's bits are kept: a collision can only make a good row look
bad, which the count of skipped rows then shows (see `Registry.confirm_bad_count`).
"""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import duckdb

from proaktive.registry.exports import ExportFile
from proaktive.registry.rules import quote

SALT_BYTES = 1 << 16
_tables = itertools.count(1)  # table names of their own for every registry opened


def content_salt(path: Path) -> str:
    """A secret that only the file's content gives: a hash of its first 64 KiB."""
    with path.open("rb") as file:
        return hashlib.sha256(file.read(SALT_BYTES)).hexdigest()


def row_hash_sql(export: ExportFile, salt: str) -> str:
    """SQL for a 64-bit keyed one-way hash of a raw row's text (over `_raw_select`'s columns).

    Values are joined by a unit separator, and an empty value is marked by a
    record separator, so that two different rows give different texts (unless
    their values hold those control characters, and then the count shows it).
    """
    values = ", ".join(f"coalesce({quote(c)}, chr(30))" for c in export.columns)
    return f"md5_number_lower(concat_ws(chr(31), '{salt}', {values}))"


def key_hash_sql(export: ExportFile, salt: str) -> str:
    """SQL for a 64-bit keyed one-way hash of a raw row's key (NULL for a file without one)."""
    if not export.key:
        return "NULL::UBIGINT"
    return f"md5_number_lower(concat('{salt}', {quote(export.key)}))"


class KnownBadRows:
    """Temporary tables of the hashes of one file's known bad rows, for `NOT IN` tests."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        export: ExportFile,
        bad_rows: frozenset[int],
        bad_keys: frozenset[int] | None,
    ) -> None:
        number = next(_tables)
        name = export.name.removesuffix(".csv")
        self.rows_table = f"known_bad_rows_{name}_{number}"
        self.keys_table = f"known_bad_keys_{name}_{number}"
        for table, hashes in ((self.rows_table, bad_rows), (self.keys_table, bad_keys)):
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (hash UBIGINT PRIMARY KEY)")
            if hashes:
                con.execute(f"INSERT INTO {table} SELECT unnest($1::UBIGINT[])", [sorted(hashes)])
