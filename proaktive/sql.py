"""Values and names written into DuckDB SQL: the one place that quotes them."""

from __future__ import annotations

import contextlib
import datetime as dt


def quote(name: str) -> str:
    """A column name as a SQL identifier (`EPSG-kode` and `Øst` need quotes)."""
    return '"' + name.replace('"', '""') + '"'


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_date(value: dt.date) -> str:
    return f"DATE '{value.isoformat()}'"


def sql_instant(value: dt.datetime) -> str:
    """An aware datetime as a DuckDB TIMESTAMPTZ literal (in UTC)."""
    # Oslo's first midnight is before year 1 in UTC: then DuckDB applies the offset itself.
    with contextlib.suppress(OverflowError):
        value = value.astimezone(dt.UTC)
    return f"TIMESTAMPTZ '{value.isoformat()}'"
