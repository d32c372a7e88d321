"""Read a registry folder into DuckDB: typed, validated tables and the rows that were not.

Each export file is scanned once by DuckDB (parallel, vectorised) into a table
of its raw text; every rule of `shared/spec/registry-exports.md` is one SQL
expression over that table, so checking 700,000 rows costs one pass, not a
Python loop. Rows that break a rule are kept aside as `DataError`s with their
line, and are in no table that a campaign reads: a skipped row is not in the
population at all.

Line numbers count CSV records, the header being line 1 (as DuckDB counts them
too); they are the file's physical lines unless a quoted value holds a line break.
"""

from __future__ import annotations

import bisect
import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from proaktive.errors import Location, RegistryError
from proaktive.registry.encoding import describe_encoding
from proaktive.registry.exports import (
    ADRESSER,
    EXPORT_FILES,
    FAMILIERELASJONER,
    KRR,
    PERSONER,
    ExportFile,
)
from proaktive.registry.rules import RULES, TYPED_COLUMNS, quote


@dataclass(frozen=True)
class DataError:
    """One row of an export that proaktive will not use, and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(frozen=True)
class FileReport:
    export: ExportFile
    path: Path
    shown_as: str
    present: bool
    rows: int  # data rows in the file, good and bad
    skipped: int  # rows not used because of a data error


@dataclass(frozen=True)
class Registry:
    """The validated exports of one registry folder, as DuckDB tables.

    Tables (only the files that were loaded): `personer`, `krr`,
    `familierelasjoner`, `adresser`, with typed columns (see `rules.py`).
    """

    folder: Path
    connection: duckdb.DuckDBPyConnection
    files: dict[str, FileReport]
    errors: tuple[DataError, ...]

    @property
    def skipped_rows(self) -> int:
        return sum(report.skipped for report in self.files.values())

    def has(self, export: ExportFile) -> bool:
        report = self.files.get(export.name)
        return report is not None and report.present

    def require(self, export: ExportFile) -> None:
        if not self.has(export):
            raise RegistryError(
                f"{export.name} is missing, and {export.needed_for} needs it",
                Location(
                    self.files[export.name].shown_as
                    if export.name in self.files
                    else _shown(self.folder / export.name)
                ),
                hint=f"put the {export.register} export in the registry folder",
            )


def open_registry(
    folder: Path,
    *,
    include: Iterable[ExportFile] = EXPORT_FILES,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> Registry:
    """Load the export files of `folder` that `include` names (personer and krr always).

    Raises RegistryError when a file cannot be read at all (missing, not UTF-8,
    required columns missing); bad rows are collected, never raised.
    """
    wanted = {PERSONER.name, KRR.name, *(export.name for export in include)}
    con = connection or duckdb.connect(config={"threads": max(os.cpu_count() or 1, 1)})
    files: dict[str, FileReport] = {}
    errors: list[DataError] = []
    for export in EXPORT_FILES:  # in this order: krr's check reads personer
        if export.name not in wanted:
            continue
        path = folder / export.name
        shown_as = _shown(path)
        if not path.is_file():
            if export.needed_for is None:
                raise RegistryError(
                    f"{export.name} not found in the registry folder",
                    Location(shown_as),
                    hint=f"every command needs the {export.register} export; check --registry",
                )
            files[export.name] = FileReport(export, path, shown_as, False, 0, 0)
            continue
        report, file_errors = _load_file(con, export, path, shown_as)
        files[export.name] = report
        errors.extend(file_errors)
    _drop_raw_tables(con, files)
    return Registry(folder=folder, connection=con, files=files, errors=tuple(errors))


def _shown(path: Path) -> str:
    """The path as a person reads it: relative to the current folder when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _table(export: ExportFile) -> str:
    return export.name.removesuffix(".csv")


def _read_header(export: ExportFile, path: Path, shown_as: str) -> list[str]:
    with path.open("rb") as file:
        first = file.readline()
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegistryError(
            f"not UTF-8 (it looks like {describe_encoding(path)})",
            Location(shown_as, 1),
            hint="export the file again as UTF-8",
        ) from None
    header = next(csv.reader([text.rstrip("\r\n")], delimiter=export.separator), [])
    missing = [column for column in export.required if column not in header]
    if not text.strip():
        raise RegistryError("the file is empty: no header row", Location(shown_as, 1))
    if missing:
        found_separator = export.separator not in text and len(header) <= 1
        hint = (
            f"columns are separated by '{export.separator}' in this file"
            if found_separator
            else f"the header has: {', '.join(header)}"
        )
        raise RegistryError(
            f"required column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)}",
            Location(shown_as, 1),
            hint=hint,
        )
    return header


def _load_file(
    con: duckdb.DuckDBPyConnection, export: ExportFile, path: Path, shown_as: str
) -> tuple[FileReport, list[DataError]]:
    header = _read_header(export, path, shown_as)
    table = _table(export)
    raw = f"raw_{table}"
    rejects = f"rejects_{table}"
    present = [c for c in export.columns if c in header]
    absent = [c for c in export.columns if c not in header]
    selected = [quote(c) for c in present] + [f"NULL::VARCHAR AS {quote(c)}" for c in absent]
    source = str(path).replace("'", "''")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {raw} AS
        SELECT {", ".join(selected)}
        FROM read_csv('{source}', delim='{export.separator}', header=true, quote='"',
                      escape='"', all_varchar=true, store_rejects=true,
                      rejects_table='{rejects}', rejects_scan='{rejects}_scan')"""
    )
    rejected = con.execute(
        f"SELECT line, min(error_type) FROM {rejects} GROUP BY line ORDER BY line"
    ).fetchall()
    for line, kind in rejected:
        if kind == "INVALID ENCODING":
            raise RegistryError(
                f"not UTF-8 (it looks like {describe_encoding(path)})",
                Location(shown_as, int(line)),
                hint="export the file again as UTF-8",
            )

    problem = RULES[export.name]
    con.execute(f"ALTER TABLE {raw} ADD COLUMN _problem VARCHAR")
    con.execute(f"UPDATE {raw} SET _problem = {problem}")
    if export.key:
        _mark_duplicates(con, raw, export.key)
    if export is KRR:
        _mark_krr_without_person(con, raw)

    typed = ", ".join(
        f"{expression} AS {quote(name)}" for name, expression in TYPED_COLUMNS[export.name]
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT {typed} FROM {raw} WHERE _problem IS NULL"
    )
    first_row = "_first_row" if export.key else "NULL"
    bad = con.execute(
        f"""SELECT rowid, _problem, {first_row} FROM {raw}
        WHERE _problem IS NOT NULL ORDER BY rowid"""
    ).fetchall()
    (parsed_rows,) = con.execute(f"SELECT count(*) FROM {raw}").fetchone() or (0,)
    rejected_lines = [int(line) for line, _ in rejected]
    lines = _lines_of([int(row) for row, _, _ in bad], rejected_lines)
    first_rows = sorted({int(first) for _, _, first in bad if first is not None})
    first_lines = dict(zip(first_rows, _lines_of(first_rows, rejected_lines), strict=True))
    errors = [
        DataError(
            shown_as,
            line,
            str(reason) if first is None else f"{reason} (line {first_lines[int(first)]})",
        )
        for line, (_, reason, first) in zip(lines, bad, strict=True)
    ]
    errors.extend(
        DataError(shown_as, line, _reject_reason(kind, export)) for line, kind in rejected
    )
    errors.sort(key=lambda error: error.line)
    report = FileReport(
        export=export,
        path=path,
        shown_as=shown_as,
        present=True,
        rows=int(parsed_rows) + len(rejected),
        skipped=len(errors),
    )
    return report, errors


def _mark_duplicates(con: duckdb.DuckDBPyConnection, raw: str, key: str) -> None:
    """A key that occurs again: the first row is used, the others are reported.

    `_first_row` keeps the row that is used, so that the report can name its line.
    """
    column = quote(key)
    con.execute(f"ALTER TABLE {raw} ADD COLUMN _first_row BIGINT")
    con.execute(
        f"""UPDATE {raw} SET _problem = '{key} occurs again; only the first row is used',
            _first_row = first.first_row
        FROM (
            SELECT {column} AS key, min(rowid) AS first_row
            FROM {raw} WHERE _problem IS NULL GROUP BY {column} HAVING count(*) > 1
        ) AS first
        WHERE {raw}.{column} = first.key AND {raw}.rowid > first.first_row
            AND {raw}._problem IS NULL"""
    )


def _mark_krr_without_person(con: duckdb.DuckDBPyConnection, raw: str) -> None:
    con.execute(
        f"""UPDATE {raw} SET _problem = 'no person with this personidentifikator in personer.csv'
        WHERE _problem IS NULL AND NOT EXISTS (
            SELECT 1 FROM raw_personer p
            WHERE p.personidentifikator = {raw}.personidentifikator)"""
    )


def _lines_of(rows: list[int], rejected_lines: list[int]) -> list[int]:
    """File lines of table rows (0-based, ascending), given the lines DuckDB rejected.

    The n-th row that DuckDB kept is on the n-th line (from line 2) that it did not reject.
    """
    lines = []
    for row in rows:
        line = row + 2
        # Each rejected line at or before the candidate pushes the row one line down.
        skipped = bisect.bisect_right(rejected_lines, line)
        while bisect.bisect_right(rejected_lines, line + skipped) != skipped:
            skipped = bisect.bisect_right(rejected_lines, line + skipped)
        lines.append(line + skipped)
    return lines


def _reject_reason(kind: str, export: ExportFile) -> str:
    if kind in ("TOO MANY COLUMNS", "MISSING COLUMNS"):
        return f"wrong number of columns ({kind.lower()}; separator '{export.separator}')"
    if kind == "UNQUOTED VALUE":
        return "a quoted value is not closed properly"
    return f"unreadable row ({kind.lower()})"


def _drop_raw_tables(con: duckdb.DuckDBPyConnection, files: dict[str, FileReport]) -> None:
    for report in files.values():
        if report.present:
            con.execute(f"DROP TABLE IF EXISTS raw_{_table(report.export)}")


__all__ = [
    "ADRESSER",
    "FAMILIERELASJONER",
    "KRR",
    "PERSONER",
    "DataError",
    "FileReport",
    "Registry",
    "open_registry",
]
