"""One export file as DuckDB reads it: its header checked, its rows as text, their lines.

Line numbers count the file's lines, the header being line 1. DuckDB numbers
the records it keeps; `file_lines` turns those numbers into the file's lines,
given the lines it rejected and the empty lines it skipped. A quoted value that
runs over several lines would make those disagree (and, worse, swallow the rows
after an unclosed quote), so such a file is refused as a whole.
"""

from __future__ import annotations

import bisect
import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import duckdb

from proaktive.errors import Location, RegistryError
from proaktive.registry.encoding import describe_encoding
from proaktive.registry.exports import ExportFile
from proaktive.registry.rules import number_column
from proaktive.sql import quote, sql_text

# A header name that looks like a column name, not like a value: no digits, no
# '@', no spaces. A file whose first line is a data row is then never echoed.
_COLUMN_NAME = re.compile(r"[A-Za-zÆØÅæøå_-]{1,40}")


@dataclass(frozen=True)
class ExportPath:
    """An export file in a registry folder, and how messages name it."""

    export: ExportFile
    path: Path
    shown_as: str


def shown(path: Path) -> str:
    """The path as a person reads it: relative to the current folder when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_header(source: ExportPath) -> tuple[str, ...]:
    """The file's column names, in its order; refuses a file whose header is unusable."""
    export, where = source.export, source.shown_as
    with source.path.open("rb") as file:
        first = file.readline()
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RegistryError(
            f"not UTF-8 (it looks like {describe_encoding(source.path)})",
            Location(where, 1),
            hint="export the file again as UTF-8",
        ) from None
    if not text.strip():
        raise RegistryError("the file is empty: no header row", Location(where, 1))
    header = next(csv.reader([text.rstrip("\r\n")], delimiter=export.separator), [])
    missing = [column for column in export.required if column not in header]
    if missing:
        raise RegistryError(
            f"required column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)}",
            Location(where, 1),
            hint=_header_hint(export, text, header),
        )
    twice = sorted({column for column in header if header.count(column) > 1})
    if twice:
        names = f": {', '.join(twice)}" if _looks_like_a_header(header) else ""
        raise RegistryError(
            f"column{'s' if len(twice) > 1 else ''} named twice in the header{names}",
            Location(where, 1),
            hint="which one holds the data is unclear: export the file again",
        )
    return tuple(header)


def _header_hint(export: ExportFile, text: str, header: list[str]) -> str:
    """What the header holds instead, never quoting what may be a row of personal data."""
    if export.separator not in text and len(header) <= 1:
        return f"columns are separated by '{export.separator}' in this file"
    if not _looks_like_a_header(header):
        return "the first line does not look like a header: the file must begin with its header row"
    return f"the header has: {', '.join(header)}"


def _looks_like_a_header(header: list[str]) -> bool:
    return all(_COLUMN_NAME.fullmatch(name) for name in header)


def _literal_path(path: Path) -> str:
    """A path as a DuckDB string that it reads as this one file, not as a glob pattern."""
    return sql_text("".join(f"[{c}]" if c in "[*?" else c for c in str(path)))


def raw_rows_sql(source: ExportPath, header: tuple[str, ...], rejects: str) -> str:
    """Every spec column of the file as text (NULL where the file lacks it), in file order.

    The header was read and checked by proaktive; DuckDB is told the columns
    instead of guessing the file's dialect, which fails on a broken file. Lines
    it cannot read as a row go to the table `rejects`.
    """
    export = source.export
    selected = [quote(c) if c in header else f"NULL::VARCHAR AS {quote(c)}" for c in export.columns]
    # Identifiers also as numbers, computed once: the identifier rule works on them.
    selected += [
        f"TRY_CAST(TRY_CAST({quote(c)} AS BIGINT) AS DOUBLE) AS {quote(number_column(c))}"
        for c in export.identifier_columns
    ]
    names = [c if c in export.columns else f"_unused_{i}" for i, c in enumerate(header)]
    declared = ", ".join(f"{sql_text(name)}: 'VARCHAR'" for name in names)
    return f"""SELECT {", ".join(selected)}
        FROM read_csv({_literal_path(source.path)}, delim='{export.separator}', header=true,
                      quote='"', escape='"', auto_detect=false, columns={{{declared}}},
                      store_rejects=true, rejects_table='{rejects}',
                      rejects_scan='{rejects}_scan')"""


def rejected_lines(
    con: duckdb.DuckDBPyConnection, source: ExportPath, rejects: str
) -> list[tuple[int, str]]:
    """The lines DuckDB could not read as rows, with why; a file not in UTF-8 is refused."""
    rows = con.execute(
        f"SELECT line, min(error_type) FROM {rejects} GROUP BY ALL ORDER BY line"
    ).fetchall()
    rejected = [(int(line), str(kind)) for line, kind in rows]
    for line, kind in rejected:
        if kind == "INVALID ENCODING":
            _refuse_encoding(source, line)
    return rejected


def _refuse_encoding(source: ExportPath, line: int) -> NoReturn:
    raise RegistryError(
        f"not UTF-8 (it looks like {describe_encoding(source.path)})",
        Location(source.shown_as, line),
        hint="export the file again as UTF-8",
    )


def reject_reason(kind: str, export: ExportFile) -> str:
    if kind in ("TOO MANY COLUMNS", "MISSING COLUMNS"):
        return f"wrong number of columns ({kind.lower()}; separator '{export.separator}')"
    if kind == "UNQUOTED VALUE":
        return "a quoted value is not closed properly"
    return f"unreadable row ({kind.lower()})"


def line_count(path: Path) -> int:
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


def blank_lines_or_refuse(source: ExportPath, lines: int, records: int) -> list[int]:
    """The empty lines inside the file, when the CSV records do not match its `lines`.

    `records` is what DuckDB read: the header, the rows and the rejected lines.
    Empty lines are harmless (DuckDB skips them). A record that runs over several
    lines means a quoted value holds a line break, or a quote is never closed and
    takes every row after it with it: the file is refused, since line numbers
    and, worse, people would be lost.
    """
    if lines == records:
        return []
    blank: list[int] = []
    with source.path.open(encoding="utf-8-sig", newline="", errors="replace") as file:
        reader = csv.reader(file, delimiter=source.export.separator)
        previous = 0
        try:
            for record in reader:
                if not record:
                    blank.append(reader.line_num)
                elif reader.line_num > previous + 1:
                    _refuse_multiline(source, previous + 1)
                previous = reader.line_num
        except csv.Error:
            _refuse_multiline(source, previous + 1)
    return blank


def _refuse_multiline(source: ExportPath, line: int) -> NoReturn:
    raise RegistryError(
        "a quoted value runs on over several lines from here: a closing quote is missing, "
        "or a value holds a line break; the rows after it cannot be read",
        Location(source.shown_as, line),
        hint="fix the quotes and export the file again",
    )


def file_lines(rows: list[int], skipped_lines: list[int]) -> list[int]:
    """File lines of DuckDB's rows (0-based, ascending), given the lines it did not keep.

    The n-th row that DuckDB kept is on the n-th line (from line 2) that it did
    not reject or skip as empty.
    """
    lines = []
    for row in rows:
        line = row + 2
        # Each line not kept at or before the candidate pushes the row one line down.
        skipped = bisect.bisect_right(skipped_lines, line)
        while bisect.bisect_right(skipped_lines, line + skipped) != skipped:
            skipped = bisect.bisect_right(skipped_lines, line + skipped)
        lines.append(line + skipped)
    return lines
