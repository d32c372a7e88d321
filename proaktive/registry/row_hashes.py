"""Hashes by which the checked-files memo knows a file's bad rows, without their data.

A bad row is known by three values, all keyed with a *salt* taken from the
file's own first bytes (its header and first rows, which only someone holding
the export knows), so that none can be traced back, or checked against a
guess, without the export itself. That matters most for the key: identifiers
are a small, listable set, so an unkeyed hash of one could be found by trying
them all.

- the *row hash* and the *key hash*: 64 bits of MD5 over the salt and the row's
  text or its key (the identifier). MD5 over a secret prefix is a one-way keyed
  function; DuckDB's fast `hash` is not, as its way of combining values would
  let the salt be worked out from enough rows.
- the *bucket*: 20 bits of DuckDB's `hash` of one string, the salt followed by
  the key, fast enough for every row. (Not `hash(salt, key)`: DuckDB combines
  the hashes of several values by XOR, so the salt would cancel out between
  two buckets.) 20 bits are fewer than an identifier holds, so a bucket cannot
  single anyone out; buckets only pick the few rows ("suspects") for which the
  costly MD5 is worked out.

A collision can only make a good row look bad, which the count of skipped rows
then shows (see `Registry.confirm_bad_count`).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb

from proaktive.registry.exports import ExportFile
from proaktive.registry.rules import quote

SALT_BYTES = 1 << 16
BUCKET_BITS = 20
_tables = itertools.count(1)  # table names of their own for every registry opened


def content_salt(path: Path) -> str:
    """A secret that only the file's content gives: a hash of its first 64 KiB."""
    with path.open("rb") as file:
        return hashlib.sha256(file.read(SALT_BYTES)).hexdigest()


def row_text_sql(export: ExportFile) -> str:
    """SQL for a row's values as one text that no other row has.

    Each value is preceded by its length (an empty value is `-`), so that no
    value can run into the next one, whatever characters it holds.
    """
    values = ", ".join(
        f"coalesce(length({quote(c)})::VARCHAR || ':' || {quote(c)}, '-')" for c in export.columns
    )
    return f"concat_ws(',', {values})"


def row_hash_sql(export: ExportFile, salt: str) -> str:
    """SQL for a 64-bit keyed one-way hash of a raw row's text (over `_raw_select`'s columns)."""
    return f"md5_number_lower(concat('{salt}', {row_text_sql(export)}))"


def key_hash_sql(export: ExportFile, salt: str) -> str:
    """SQL for a 64-bit keyed one-way hash of a raw row's key (NULL for a file without one)."""
    if not export.key:
        return "NULL::UBIGINT"
    return f"md5_number_lower(concat('{salt}', {quote(export.key)}))"


def bucket_sql(export: ExportFile, salt: str) -> str:
    """SQL for a row's 20-bit bucket: of its key, or of its text when the file has no key."""
    hashed = quote(export.key) if export.key else row_text_sql(export)
    # 16 hex digits of the salt (64 bits) are plenty here, and keep the string short.
    return f"(hash(concat('{salt[:16]}', {hashed})) >> {64 - BUCKET_BITS})"


def bad_row_sql(export: ExportFile, salt: str) -> str:
    """SQL for what the memo keeps of a bad row: [row hash, key hash, bucket]."""
    return (
        f"[{row_hash_sql(export, salt)}, {key_hash_sql(export, salt)}, {bucket_sql(export, salt)}]"
    )


# What the memo keeps of a bad row (`bad_row_sql`): row hash, key hash (None
# when the file has no key) and bucket.
BadRow = tuple[int, int | None, int]


def bad_rows_of(hashes: Iterable[Sequence[int | None]]) -> frozenset[BadRow]:
    """From `bad_row_sql` values."""
    return frozenset(
        (int(row), None if key is None else int(key), int(bucket))
        for row, key, bucket in hashes
        if row is not None and bucket is not None
    )


class KnownBadRows:
    """SQL that tells a file's known bad rows from its good ones, by their hashes."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        export: ExportFile,
        salt: str,
        bad_rows: frozenset[BadRow],
    ) -> None:
        self.export, self.salt = export, salt
        self.table = f"known_bad_{export.name.removesuffix('.csv')}_{next(_tables)}"
        rows, keys, buckets = (
            (list(column) for column in zip(*bad_rows, strict=True)) if (bad_rows) else ([], [], [])
        )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {self.table} AS
            SELECT bucket AS _known_bucket, list(row_hash) AS _known_rows,
                list(key_hash) AS _known_keys
            FROM (SELECT unnest($1::UBIGINT[]) AS row_hash, unnest($2::UBIGINT[]) AS key_hash,
                unnest($3::UBIGINT[]) AS bucket)
            GROUP BY bucket""",
            [rows, keys, buckets],
        )

    def checked_rows_sql(self, raw: str, *, by_key: bool) -> str:
        """SQL for the rows of `raw` with `_ok`: false for the known bad rows.

        A row is joined to its bucket's known bad rows (a hash join on a cheap
        hash); only a row in a bad row's bucket has its MD5 worked out (lazily,
        in the CASE) and looked for among them.
        """
        if by_key:
            hashed, known = key_hash_sql(self.export, self.salt), "_known_keys"
        else:
            hashed, known = row_hash_sql(self.export, self.salt), "_known_rows"
        return f"""SELECT r.*, CASE WHEN k._known_bucket IS NULL THEN true
                ELSE NOT list_contains(k.{known}, {hashed}) END AS _ok
            FROM ({raw}) r
            LEFT JOIN {self.table} k ON k._known_bucket = {bucket_sql(self.export, self.salt)}"""
