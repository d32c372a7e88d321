"""The opt-out list: people who asked for no proactive messages (settings `opt_outs`).

A CSV with a column `personidentifikator`, a column `epostadresse`, or both; a
row may fill either. It is loaded into two tables, `opt_out_ids` and
`opt_out_emails` (lower-cased), which the funnel reads.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from proaktive.errors import Location, SettingsError
from proaktive.registry.identifiers import identifier_problem_sql

ID_COLUMN = "personidentifikator"
EMAIL_COLUMN = "epostadresse"


def load_opt_outs(con: duckdb.DuckDBPyConnection, path: Path | None) -> list[str]:
    """Fill `opt_out_ids` and `opt_out_emails`; warnings about rows that match nobody."""
    con.execute("CREATE OR REPLACE TEMP TABLE opt_out_ids (personidentifikator VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE opt_out_emails (email VARCHAR)")
    if path is None:
        return []
    if not path.is_file():
        # A configured list that is missing must stop the run: sending to people who
        # opted out is exactly what the list exists to prevent.
        raise SettingsError(
            "the opt-out list is missing",
            Location(path),
            hint="restore the file, or remove 'opt_outs' from the settings",
        )
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            header = next(csv.reader(file), [])
    except UnicodeDecodeError:
        raise SettingsError(
            "the opt-out list is not UTF-8", Location(path, 1), "save it as UTF-8"
        ) from None
    columns = [c for c in (ID_COLUMN, EMAIL_COLUMN) if c in header]
    if not columns:
        raise SettingsError(
            f"the opt-out list has neither a '{ID_COLUMN}' nor an '{EMAIL_COLUMN}' column",
            Location(path, 1),
            hint=f"the header has: {', '.join(header) or '(nothing)'}",
        )
    source = str(path).replace("'", "''")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE opt_out_rows AS SELECT {", ".join(columns)}
        FROM read_csv('{source}', header=true, all_varchar=true, quote='"', escape='"')"""
    )
    if ID_COLUMN in columns:
        con.execute(
            f"INSERT INTO opt_out_ids SELECT DISTINCT trim({ID_COLUMN}) FROM opt_out_rows "
            f"WHERE {ID_COLUMN} IS NOT NULL"
        )
    if EMAIL_COLUMN in columns:
        con.execute(
            f"INSERT INTO opt_out_emails SELECT DISTINCT lower(trim({EMAIL_COLUMN})) "
            f"FROM opt_out_rows WHERE {EMAIL_COLUMN} IS NOT NULL"
        )
    if ID_COLUMN not in columns:
        return []
    (invalid,) = con.execute(
        f"SELECT count(*) FROM opt_out_ids WHERE ({identifier_problem_sql(ID_COLUMN)}) IS NOT NULL"
    ).fetchone() or (0,)
    if not invalid:
        return []
    return [
        f"{path}: {invalid} {ID_COLUMN} value(s) are not valid identifiers and match nobody "
        "(a spreadsheet may have dropped a leading zero); fix them so these people are left out"
    ]
