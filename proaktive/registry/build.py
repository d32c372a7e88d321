"""Check a registry folder's exports once, into a snapshot file of typed tables.

Each export is read once by DuckDB (parallel, vectorised) into a temporary
table of its text; every rule of `shared/spec/registry-exports.md` is one SQL
expression over it (`rules.RULES`). The good rows go, typed, into the table that
campaigns query; every other row goes into `rejected` with its line and reason.
Whether each e-mail address is valid is decided here too, once (`krr.epost_gyldig`).
A repeated key keeps its first row. Two things hold whatever row comes first,
because they only ever protect: an address protection on any row of a person
(`personer.beskyttet`), and a reservation on any of their KRR rows
(`krr.reservert`). Each person's row in `personer` carries their KRR contact
columns too, joined once here.

The caller (`snapshot`) writes into a temporary file and renames it into place.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from proaktive.errors import Location, RegistryError
from proaktive.privacy import redact
from proaktive.registry.csv_export import (
    ExportPath,
    blank_lines_or_refuse,
    file_lines,
    line_count,
    raw_rows_sql,
    read_header,
    reject_reason,
    rejected_lines,
)
from proaktive.registry.email import check_unusual_addresses, plain_address_sql
from proaktive.registry.exports import (
    EXPORT_FILES,
    KRR,
    PERSONER,
    UNPROTECTED,
    ExportFile,
)
from proaktive.registry.rules import RULES, TYPED_COLUMNS, identifier
from proaktive.sql import quote, sql_text

Progress = Callable[[str], None]

# A KRR row whose person is not in personer.csv: reported by `registry check`, but
# not a skipped row, since no campaign could have used it.
WITHOUT_PERSON = "no person with this personidentifikator in personer.csv"


def signature(path: Path) -> str | None:
    """What changes whenever the file does: size, modification and change times, inode.

    The change time cannot be set back by any tool, so a file edited in place
    and given its old modification time again still gets a new signature.
    None: there is no such file.
    """
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return f"{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}:{status.st_ino}"


@dataclass(frozen=True)
class BuiltExport:
    name: str
    signature: str | None  # None: the file is not in the folder
    modified_ns: int  # the file's modification time: its export time
    rows: int
    skipped: int


def build_tables(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    shown_as: Callable[[Path], str],
    progress: Progress,
) -> list[BuiltExport]:
    """Fill the (empty) database of `con` with the checked exports of `folder`."""
    con.execute("SET preserve_insertion_order = true")  # rows in file order: lines, first wins
    con.execute(
        "CREATE TABLE rejected (file VARCHAR, line BIGINT, reason VARCHAR, skipped BOOLEAN)"
    )
    built = []
    for export in EXPORT_FILES:  # in this order: krr's rows are checked against personer's
        source = ExportPath(export, folder / export.name, shown_as(folder / export.name))
        before = signature(source.path)
        if before is None or not source.path.is_file():
            if export.needed_for is None:
                raise RegistryError(
                    f"{export.name} not found in the registry folder",
                    Location(source.shown_as),
                    hint=f"every command needs the {export.register} export; check --registry",
                )
            built.append(BuiltExport(export.name, None, 0, 0, 0))
            continue
        rows, skipped = _build_table(con, source, progress)
        if signature(source.path) != before:
            raise RegistryError(
                "the file changed while proaktive read it",
                Location(source.shown_as),
                hint="run the command again when the new export is complete",
            )
        built.append(
            BuiltExport(export.name, before, source.path.stat().st_mtime_ns, rows, skipped)
        )
    _add_contact_to_people(con)
    for export in EXPORT_FILES:
        con.execute(f"DROP TABLE IF EXISTS {_raw(export)}")
    return built


# Each person's KRR row, as the funnel reads it, joined once here: a campaign then
# reads one table, and never joins 700,000 KRR rows again.
_CONTACT_COLUMNS = """k.personidentifikator IS NOT NULL AS in_krr, k.status AS krr_status,
    coalesce(k.reservert, false) AS reservert, k.varslingsstatus, k.epostadresse,
    k.epost_gyldig, k.epost_sammenlignbar,
    greatest(k.epostadresse_oppdatert, k.epostadresse_sist_verifisert) AS epost_fersk,
    k.spraak"""


def _add_contact_to_people(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""CREATE TABLE personer AS SELECT p.*, {_CONTACT_COLUMNS}
        FROM {_PEOPLE_ONLY} p LEFT JOIN krr k ON k.personidentifikator = p.personidentifikator"""
    )
    con.execute(f"DROP TABLE {_PEOPLE_ONLY}")


_PEOPLE_ONLY = "personer_uten_kontakt"  # personer before its KRR columns are added


def _table(export: ExportFile) -> str:
    """The table of an export's good rows."""
    return _PEOPLE_ONLY if export is PERSONER else export.name.removesuffix(".csv")


def _raw(export: ExportFile) -> str:
    return f"raw_{export.name.removesuffix('.csv')}"


def _build_table(
    con: duckdb.DuckDBPyConnection, source: ExportPath, progress: Progress
) -> tuple[int, int]:
    """One export into its typed table and `rejected`: its rows, and how many were skipped."""
    export = source.export
    header = read_header(source)
    lines = line_count(source.path)
    progress(f"Checking {export.name} ({max(lines - 1, 0):,} rows)…")
    raw, rejects = _raw(export), f"rejects_{export.name.removesuffix('.csv')}"
    try:
        con.execute(
            f"""CREATE TEMP TABLE {raw} AS
            SELECT *, {RULES[export.name]} AS _problem, NULL::BIGINT AS _first_row
            FROM ({raw_rows_sql(source, header, rejects)})"""
        )
    except (duckdb.InvalidInputException, duckdb.ConversionException):
        # DuckDB's own words may quote a row of the file: they are not repeated.
        raise RegistryError(
            "cannot read the file as CSV",
            Location(source.shown_as),
            hint="check that it is the CSV export in the format proaktive reads",
        ) from None
    rejected = rejected_lines(con, source, rejects)
    _mark_repeats(con, export)
    if export is KRR:
        _mark_krr_without_person(con)

    typed = ", ".join(f"{sql} AS {quote(name)}" for name, sql in TYPED_COLUMNS[export.name])
    con.execute(
        f"CREATE TABLE {_table(export)} AS SELECT {typed}{_derived_columns(con, export)} "
        f"FROM {_with_addresses_judged(con, export)} WHERE _problem IS NULL"
    )
    (parsed,) = con.execute(f"SELECT count(*) FROM {raw}").fetchone() or (0,)
    blank = blank_lines_or_refuse(source, lines, 1 + int(parsed) + len(rejected))
    skipped = _record_rejected(con, source, rejected, blank)
    return int(parsed) + len(rejected), skipped


def _with_addresses_judged(con: duckdb.DuckDBPyConnection, export: ExportFile) -> str:
    """The raw rows; for KRR with email-validator's verdict on the addresses SQL cannot judge."""
    if export is not KRR:
        return _raw(export)
    check_unusual_addresses(
        con, f"SELECT trim(epostadresse) AS epostadresse FROM {_raw(KRR)} WHERE _problem IS NULL"
    )
    return f"""(SELECT r.*, u.valid AS _valid, u.comparable AS _comparable FROM {_raw(KRR)} r
        LEFT JOIN unusual_addresses u ON u.epostadresse = trim(r.epostadresse))"""


def _derived_columns(con: duckdb.DuckDBPyConnection, export: ExportFile) -> str:
    """Columns worked out once: protections that hold whatever row of a person comes
    first, and whether each e-mail address is valid, with the form that compares."""
    if export is PERSONER:
        # Any row of a valid identifier, good or rejected, with any value that is
        # not known to be unprotected: when in doubt, the person is protected.
        invalid, _ = identifier("personidentifikator")
        unprotected = ", ".join(sql_text(value) for value in UNPROTECTED)
        return f""", personidentifikator IN (
            SELECT personidentifikator FROM {_raw(PERSONER)}
            WHERE trim(adressegradering) NOT IN ('', {unprotected}) AND NOT ({invalid})
        ) AS beskyttet"""
    if export is KRR:
        invalid, _ = identifier("personidentifikator")
        plain = plain_address_sql("trim(epostadresse)")
        return f""", personidentifikator IN (
            SELECT personidentifikator FROM {_raw(KRR)}
            WHERE upper(trim(reservasjon)) = 'JA' AND NOT ({invalid})
        ) AS reservert,
        epostadresse IS NOT NULL AND ({plain} OR coalesce(_valid, false)) AS epost_gyldig,
        CASE WHEN {plain} THEN lower(trim(epostadresse)) ELSE _comparable END
            AS epost_sammenlignbar"""
    return ""


def _mark_repeats(con: duckdb.DuckDBPyConnection, export: ExportFile) -> None:
    """A key that occurs again: the first row is used, the others are reported.

    `_first_row` keeps the row that is used, so that the report can name its line.
    """
    raw = _raw(export)
    what = export.key[0] if len(export.key) == 1 else "the same row"
    reason = sql_text(f"{what} occurs again; only the first row is used")
    columns = ", ".join(quote(c) for c in export.key)
    same = " AND ".join(f"{raw}.{quote(c)} = first.{quote(c)}" for c in export.key)
    con.execute(
        f"""UPDATE {raw} SET _problem = {reason},
            _first_row = first.first_row
        FROM (
            SELECT {columns}, min(rowid) AS first_row
            FROM {raw} WHERE _problem IS NULL GROUP BY ALL HAVING count(*) > 1
        ) AS first
        WHERE {same} AND {raw}.rowid > first.first_row AND {raw}._problem IS NULL"""
    )


def _mark_krr_without_person(con: duckdb.DuckDBPyConnection) -> None:
    raw = _raw(KRR)
    con.execute(
        f"""UPDATE {raw} SET _problem = '{WITHOUT_PERSON}'
        WHERE _problem IS NULL AND NOT EXISTS (
            SELECT 1 FROM {_raw(PERSONER)} p
            WHERE p.personidentifikator = {raw}.personidentifikator)"""
    )


def _record_rejected(
    con: duckdb.DuckDBPyConnection,
    source: ExportPath,
    rejected: list[tuple[int, str]],
    blank: list[int],
) -> int:
    """Every row not used, at its line, into `rejected`; how many of them were skipped."""
    export = source.export
    bad = con.execute(
        f"""SELECT rowid, _problem, _first_row FROM {_raw(export)}
        WHERE _problem IS NOT NULL ORDER BY rowid"""
    ).fetchall()
    # Rows are numbered by the lines that hold them: skip the lines that hold none.
    not_rows = sorted([line for line, _ in rejected] + blank)
    lines = file_lines([int(row) for row, _, _ in bad], not_rows)
    firsts = sorted({int(first) for _, _, first in bad if first is not None})
    first_lines = dict(zip(firsts, file_lines(firsts, not_rows), strict=True))
    # A value in the wrong column may be someone's identifier or address: masked.
    reasons = [
        redact(str(reason)) if first is None else f"{reason} (line {first_lines[int(first)]})"
        for _, reason, first in bad
    ]
    reasons += [reject_reason(kind, export) for _, kind in rejected]
    all_lines = lines + [line for line, _ in rejected]
    skipped = [reason != WITHOUT_PERSON for reason in reasons]
    if all_lines:
        con.execute(
            "INSERT INTO rejected SELECT $1, unnest($2), unnest($3), unnest($4)",
            [export.name, all_lines, reasons, skipped],
        )
    return sum(skipped)


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
