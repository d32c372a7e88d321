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
import contextlib
import csv
import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import duckdb

from proaktive.errors import Location, RegistryError
from proaktive.privacy import redact
from proaktive.registry.encoding import describe_encoding
from proaktive.registry.exports import (
    EXPORT_FILES,
    KRR,
    PERSONER,
    ExportFile,
)
from proaktive.registry.memo import CheckedFile, CheckedFiles, file_signature
from proaktive.registry.row_hashes import (
    KnownBadRows,
    bad_row_sql,
    bad_rows_of,
    content_salt,
    row_text_sql,
)
from proaktive.registry.rules import RULES, TYPED_COLUMNS, number_column, quote


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
    rows: int  # data rows in the file, good and bad (once read)
    skipped: int  # rows not used because of a data error (once read)
    columns: tuple[str, ...] = ()  # the spec's columns that the file has
    signature: str = ""  # size, times and inode when it was opened (memo.file_signature)
    header: tuple[str, ...] = ()  # the file's columns, in its order
    salt: str = ""  # keys the hashes of its bad rows (row_hashes.content_salt)


class Registry:
    """The export files of one registry folder, as DuckDB sources of typed rows.

    A file is either *materialized*: read once in file order into a table of its
    good rows, with every bad row kept as a `DataError` with its line (what
    `registry check` needs, and what settles duplicate identifiers), or
    *streamed*: read straight from the CSV by each query that uses it, every
    rule checked on the way (what `audience count` needs to be fast).
    `rows_sql` hides the difference.
    """

    def __init__(
        self,
        folder: Path,
        connection: duckdb.DuckDBPyConnection,
        files: dict[str, FileReport],
        errors: list[DataError],
        streamed: set[str],
        checked_files: CheckedFiles | None = None,
    ) -> None:
        self.folder = folder
        self.connection = connection
        self.files = files
        self._errors = errors
        self._streamed = streamed
        self._checked_files = checked_files or CheckedFiles(None)
        self._known: dict[str, CheckedFile] = {}  # the streamed files checked before
        self._known_bad: dict[str, KnownBadRows] = {}

    @property
    def errors(self) -> tuple[DataError, ...]:
        return tuple(self._errors)

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
                Location(_shown(self.folder / export.name)),
                hint=f"put the {export.register} export in the registry folder",
            )

    def is_streamed(self, export: ExportFile) -> bool:
        return export.name in self._streamed

    def is_trusted(self, export: ExportFile) -> bool:
        """A streamed file checked before and unchanged since: its rows need no check.

        Its bad rows, if it has any, are known by their hashes.
        """
        return export.name in self._known

    def rows_sql(self, export: ExportFile) -> str:
        """SQL for the file's rows with typed columns and `_ok` (false: the row breaks a rule).

        A materialized file has only good rows; a streamed one has every row, and
        `_bad`: what the memo keeps of a row that breaks a rule (`bad_row_sql`).
        """
        if not self.is_streamed(export):
            return f"(SELECT *, true AS _ok, NULL::UBIGINT[] AS _bad FROM {_table(export)})"
        report = self.files[export.name]
        raw = _raw_select(export, report.path, report.columns, report.header)
        known = self._known.get(export.name)
        # A file checked before needs no hashes of its bad rows: they are known.
        bad = "NULL::UBIGINT[]"
        if known is None:
            checked = f"SELECT *, ({RULES[export.name]}) IS NULL AS _ok FROM ({raw})"
            bad = f"CASE WHEN _ok THEN NULL ELSE {bad_row_sql(export, report.salt)} END"
        elif not known.bad:
            # And the reader parses only the columns that the query reads.
            checked = f"SELECT *, true AS _ok FROM ({raw})"
        else:
            by_key = self.skips_by_key(export)
            checked = self._known_bad[export.name].checked_rows_sql(raw, by_key=by_key)
        return f"""(SELECT {_typed_select(export)}, _ok, {bad} AS _bad FROM ({checked}))"""

    def knows_bad_rows(self, export: ExportFile) -> bool:
        """A file checked before that has bad rows: a query over it must count them."""
        known = self._known.get(export.name)
        return known is not None and known.bad > 0

    def skips_by_key(self, export: ExportFile) -> bool:
        """A file checked before whose bad rows are skipped by their keys' hashes.

        That reads only the key column, but is right only while no good row has
        the key of a bad one, which `confirm_bad_count` finds out.
        """
        known = self._known.get(export.name)
        return known is not None and known.bad > 0 and known.by_key

    def confirm_bad_count(self, export: ExportFile, bad: int) -> bool:
        """After a query over a file checked before: did it skip the known bad rows only?

        When not, and it skipped by key, a good row has the key of a bad one:
        from now on (and in the memo) the whole rows' hashes decide. Else the
        memo is wrong (edited by hand, say): it is forgotten and the file is
        checked in full. Either way the query must run again.
        """
        known = self._known[export.name]
        if bad == known.bad:
            return True
        report = self.files[export.name]
        if self.skips_by_key(export):
            by_rows = dataclasses.replace(known, by_key=False)
            self._known[export.name] = by_rows
            self._checked_files.remember(report.path, report.signature, by_rows)
        else:
            del self._known[export.name]
            self._checked_files.forget(report.path)
            self.files[export.name] = dataclasses.replace(report, rows=0, skipped=0)
        return False

    def _know(self, export: ExportFile, checked: CheckedFile) -> None:
        self._known[export.name] = checked
        salt = self.files[export.name].salt
        self._known_bad[export.name] = KnownBadRows(self.connection, export, salt, checked.bad_rows)

    def record_scan(
        self, export: ExportFile, *, rows: int, bad_hashes: Sequence[Sequence[int | None]]
    ) -> None:
        """Record what the first full query over an unchecked streamed file found.

        `bad_hashes` hold the `_bad` value of every row that breaks a rule; the
        file had no duplicates (those need the file's order: `materialize`).
        From now on the file counts as checked, in this command and, through the
        memo, in later ones.
        """
        report = self.files[export.name]
        rejected = _rejected_lines(self.connection, export, report)
        blank_lines_or_refuse(report, 1 + rows + len(rejected))
        bad = len(bad_hashes)
        checked = CheckedFile(
            rows + len(rejected),
            bad + len(rejected),
            bad,
            bad_rows_of(bad_hashes),
            by_key=bool(export.key),  # confirmed by the next query's count
        )
        self.files[export.name] = dataclasses.replace(
            report, rows=checked.rows, skipped=checked.skipped
        )
        self._checked_files.remember(report.path, report.signature, checked)
        self._know(export, checked)

    @contextlib.contextmanager
    def reading(self, export: ExportFile) -> Iterator[None]:
        """Turn DuckDB's refusal to read a file into an error that names the file."""
        try:
            yield
        except (duckdb.InvalidInputException, duckdb.ConversionException) as error:
            first_line = str(error).splitlines()[0].removeprefix("Invalid Input Error: ")
            raise RegistryError(
                f"cannot read the file: {first_line}",
                Location(self.files[export.name].shown_as),
                hint="check that it is the CSV export in the format proaktive reads",
            ) from None

    def confirm_unchanged(self, export: ExportFile) -> None:
        """After a read: the file must still be the one that was opened.

        An export replaced while proaktive reads it would mix two versions (and a
        file trusted as checked could be one that never was), so the command
        stops rather than use it.
        """
        report = self.files[export.name]
        if file_signature(report.path) != report.signature:
            raise RegistryError(
                "the file changed while proaktive read it",
                Location(report.shown_as),
                hint="run the command again when the new export is complete",
            )

    def materialize(self, export: ExportFile) -> None:
        """Read the file in order into a table of its good rows; collect its data errors."""
        if not self.is_streamed(export):
            return
        report = self.files[export.name]
        # Reading in file order is what gives rows their lines and the first row its win.
        (ordered,) = self.connection.execute(
            "SELECT current_setting('preserve_insertion_order')"
        ).fetchone() or (True,)
        self.connection.execute("SET preserve_insertion_order = true")
        try:
            with self.reading(export):
                materialized, file_errors, checked = _load_file(self.connection, export, report)
        finally:
            self.connection.execute(f"SET preserve_insertion_order = {str(ordered).lower()}")
        self.files[export.name] = materialized
        self._errors.extend(file_errors)
        self._streamed.discard(export.name)
        self._known.pop(export.name, None)
        self.confirm_unchanged(export)
        if checked is not None:
            self._checked_files.remember(report.path, report.signature, checked)


def open_registry(
    folder: Path,
    *,
    include: Iterable[ExportFile] = EXPORT_FILES,
    stream: bool = False,
    checked_files: CheckedFiles | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> Registry:
    """The export files of `folder` that `include` names (personer and krr always).

    With `stream`, files are only opened (headers checked) and read by the
    queries that use them; else each is read into a table now, every bad row
    collected with its line. `checked_files` remembers what each full read found,
    so that a streamed read of an unchanged file skips checking its rows.
    Raises RegistryError when a file cannot be read at all (missing, not UTF-8,
    required columns missing); bad rows never raise.
    """
    wanted = {PERSONER.name, KRR.name, *(export.name for export in include)}
    con = connection or duckdb.connect()
    if stream:
        # Order matters only for line numbers and first-row-wins, which a
        # materialized read provides; streamed scans run faster without it.
        con.execute("SET preserve_insertion_order = false")
    registry = Registry(folder, con, {}, [], set(), checked_files)
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
            registry.files[export.name] = FileReport(export, path, shown_as, False, 0, 0)
            continue
        signature = file_signature(path)  # before any read: see Registry.confirm_unchanged
        header = _read_header(export, path, shown_as)
        columns = tuple(c for c in export.columns if c in header)
        known = registry._checked_files.known(path, signature) if stream else None
        if known is not None and known.by_key and not export.key:
            known = None  # a file without a key has no key hashes: the entry is wrong
        registry.files[export.name] = FileReport(
            export,
            path,
            shown_as,
            True,
            known.rows if known else 0,
            known.skipped if known else 0,
            columns,
            signature,
            tuple(header),
            content_salt(path),
        )
        registry._streamed.add(export.name)
        if known is not None:
            registry._know(export, known)
        if not stream:
            registry.materialize(export)
    for export in EXPORT_FILES:  # kept until now: krr's check reads raw_personer
        con.execute(f"DROP TABLE IF EXISTS raw_{_table(export)}")
    return registry


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
    twice = sorted({column for column in header if header.count(column) > 1})
    if twice:
        raise RegistryError(
            f"column{'s' if len(twice) > 1 else ''} named twice in the header: {', '.join(twice)}",
            Location(shown_as, 1),
            hint="which one holds the data is unclear: export the file again",
        )
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


def _literal_path(path: Path) -> str:
    """A path as a DuckDB string that it reads as this one file, not as a glob pattern."""
    escaped = "".join(f"[{c}]" if c in "[*?" else c for c in str(path))
    return escaped.replace("'", "''")


def _raw_select(
    export: ExportFile, path: Path, columns: tuple[str, ...], header: tuple[str, ...]
) -> str:
    """Every spec column of the file as text (NULL where the file lacks it), in file order.

    The header was read and checked by proaktive; DuckDB is told the columns
    instead of guessing the file's dialect, which fails on a broken file.
    """
    table = _table(export)
    selected = [
        quote(c) if c in columns else f"NULL::VARCHAR AS {quote(c)}" for c in export.columns
    ]
    # Identifiers also as numbers, computed once: the identifier rule works on them.
    selected += [
        f"TRY_CAST(TRY_CAST({quote(c)} AS BIGINT) AS DOUBLE) AS {quote(number_column(c))}"
        for c in export.identifier_columns
    ]
    names = [c if c in export.columns else f"_unused_{i}" for i, c in enumerate(header)]
    declared = ", ".join(f"{_sql_string(name)}: 'VARCHAR'" for name in names)
    return f"""SELECT {", ".join(selected)}
        FROM read_csv('{_literal_path(path)}', delim='{export.separator}', header=true,
                      quote='"', escape='"', auto_detect=false, columns={{{declared}}},
                      store_rejects=true, rejects_table='rejects_{table}',
                      rejects_scan='rejects_{table}_scan')"""


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _typed_select(export: ExportFile) -> str:
    return ", ".join(
        f"{expression} AS {quote(name)}" for name, expression in TYPED_COLUMNS[export.name]
    )


def _rejected_lines(
    con: duckdb.DuckDBPyConnection, export: ExportFile, report: FileReport
) -> list[tuple[int, str]]:
    """The lines DuckDB could not read as CSV rows; a file that is not UTF-8 is refused."""
    rows = con.execute(
        f"SELECT line, min(error_type) FROM rejects_{_table(export)} GROUP BY ALL ORDER BY line"
    ).fetchall()
    rejected = [(int(line), str(kind)) for line, kind in rows]
    for line, kind in rejected:
        if kind == "INVALID ENCODING":
            raise RegistryError(
                f"not UTF-8 (it looks like {describe_encoding(report.path)})",
                Location(report.shown_as, line),
                hint="export the file again as UTF-8",
            )
    return rejected


def _load_file(
    con: duckdb.DuckDBPyConnection, export: ExportFile, report: FileReport
) -> tuple[FileReport, list[DataError], CheckedFile | None]:
    """The file's good rows as a table; its data errors; what the memo may keep of it.

    Nothing may be kept when a good and a bad row have the same text (a row
    repeated whole): then no hash tells them apart.
    """
    table = _table(export)
    raw = f"raw_{table}"
    shown_as = report.shown_as
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {raw} AS "
        f"{_raw_select(export, report.path, report.columns, report.header)}"
    )
    rejected = _rejected_lines(con, export, report)

    problem = RULES[export.name]
    con.execute(f"ALTER TABLE {raw} ADD COLUMN _problem VARCHAR")
    con.execute(f"UPDATE {raw} SET _problem = {problem}")
    if export.key:
        _mark_duplicates(con, raw, export.key)
    if export is KRR and _has_table(con, "raw_personer"):
        _mark_krr_without_person(con, raw)

    typed = _typed_select(export)
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT {typed} FROM {raw} WHERE _problem IS NULL"
    )
    first_row = "_first_row" if export.key else "NULL"
    bad = con.execute(
        f"""SELECT rowid, _problem, {first_row} FROM {raw}
        WHERE _problem IS NOT NULL ORDER BY rowid"""
    ).fetchall()
    (parsed_rows,) = con.execute(f"SELECT count(*) FROM {raw}").fetchone() or (0,)
    blank = blank_lines_or_refuse(report, 1 + int(parsed_rows) + len(rejected))
    # Rows are numbered by the lines that hold them: skip the lines that hold none.
    rejected_lines = sorted([int(line) for line, _ in rejected] + blank)
    lines = _lines_of([int(row) for row, _, _ in bad], rejected_lines)
    first_rows = sorted({int(first) for _, _, first in bad if first is not None})
    first_lines = dict(zip(first_rows, _lines_of(first_rows, rejected_lines), strict=True))
    # A value in the wrong column may be someone's identifier or address: masked.
    errors = [
        DataError(
            shown_as,
            line,
            redact(str(reason)) if first is None else f"{reason} (line {first_lines[int(first)]})",
        )
        for line, (_, reason, first) in zip(lines, bad, strict=True)
    ]
    errors.extend(
        DataError(shown_as, line, _reject_reason(kind, export)) for line, kind in rejected
    )
    errors.sort(key=lambda error: error.line)
    skipped = sum(1 for error in errors if error.reason != WITHOUT_PERSON)
    loaded = dataclasses.replace(report, rows=int(parsed_rows) + len(rejected), skipped=skipped)
    return loaded, errors, _checked_file(con, export, raw, loaded, len(rejected))


def _checked_file(
    con: duckdb.DuckDBPyConnection,
    export: ExportFile,
    raw: str,
    loaded: FileReport,
    rejected: int,
) -> CheckedFile | None:
    # A KRR row without a person is not a skipped row (see WITHOUT_PERSON).
    bad = f"_problem IS NOT NULL AND _problem <> '{WITHOUT_PERSON}'"
    text = row_text_sql(export)  # rows with the same text have the same hashes
    key = quote(export.key) if export.key else "NULL"
    found = con.execute(
        f"""SELECT
            (SELECT coalesce(list({bad_row_sql(export, loaded.salt)}), []) FROM {raw} WHERE {bad}),
            (SELECT count(*) FROM {raw} WHERE NOT ({bad})
                AND {text} IN (SELECT {text} FROM {raw} WHERE {bad})),
            (SELECT count(*) FROM {raw} WHERE NOT ({bad})
                AND {key} IN (SELECT {key} FROM {raw} WHERE {bad}))"""
    ).fetchone()
    bad_hashes, rows_shared, keys_shared = found or ([], 0, 0)
    if rows_shared:
        return None
    return CheckedFile(
        loaded.rows,
        loaded.skipped,
        loaded.skipped - rejected,
        bad_rows_of(bad_hashes),
        by_key=bool(export.key) and not keys_shared,
    )


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


# A KRR row whose person is not in personer.csv: reported by `registry check`, but
# not a skipped row, since no campaign could have used it (the same whether the file
# is materialized or streamed, and streaming cannot see it without reading all persons).
WITHOUT_PERSON = "no person with this personidentifikator in personer.csv"


def _mark_krr_without_person(con: duckdb.DuckDBPyConnection, raw: str) -> None:
    con.execute(
        f"""UPDATE {raw} SET _problem = '{WITHOUT_PERSON}'
        WHERE _problem IS NULL AND NOT EXISTS (
            SELECT 1 FROM raw_personer p
            WHERE p.personidentifikator = {raw}.personidentifikator)"""
    )


def _line_count(path: Path) -> int:
    """Lines in the file, not counting empty lines at its end."""
    newlines, previous, last = 0, b"", b""
    with path.open("rb") as file:
        # Only the last two chunks are kept for the tail: joining every chunk onto
        # the tail would copy the whole file once more.
        while chunk := file.read(1 << 20):
            newlines += chunk.count(b"\n")
            previous, last = last, chunk
    tail = (previous + last)[-4096:] if len(last) < 4096 else last[-4096:]
    content = tail.rstrip(b"\r\n")
    return newlines - tail[len(content) :].count(b"\n") + (1 if content else 0)


def blank_lines_or_refuse(report: FileReport, records: int) -> list[int]:
    """The empty lines inside the file, when the CSV records do not match its lines.

    `records` is what DuckDB read: the header, the rows and the rejected lines.
    Empty lines are harmless (DuckDB skips them). A record that runs over several
    lines means a quoted value holds a line break, or a quote is never closed and
    takes every row after it with it: the file is refused, since line numbers
    and, worse, people would be lost.
    """
    if _line_count(report.path) == records:
        return []
    blank: list[int] = []
    with report.path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file, delimiter=report.export.separator)
        previous = 0
        try:
            for record in reader:
                if not record:
                    blank.append(reader.line_num)
                elif reader.line_num > previous + 1:
                    _refuse_multiline(report, previous + 1)
                previous = reader.line_num
        except csv.Error:
            _refuse_multiline(report, previous + 1)
    return blank


def _refuse_multiline(report: FileReport, line: int) -> NoReturn:
    raise RegistryError(
        "a quoted value runs on over several lines from here: a closing quote is missing, "
        "or a value holds a line break; the rows after it cannot be read",
        Location(report.shown_as, line),
        hint="fix the quotes and export the file again",
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


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]
    ).fetchone()
    return bool(found and found[0])
