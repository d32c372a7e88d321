"""The opt-out list: people who asked for no proactive messages (settings `opt_outs`).

A CSV with a column `personidentifikator`, a column `epostadresse`, or both; a
row may fill either. It is loaded into two tables, `opt_out_ids` and
`opt_out_emails`, which the funnel reads. E-mail addresses are kept in the same
comparable form as the funnel's duplicate rule (email-validator's normalised
address, case-folded), so `Kari@Bøler.no` and `kari@xn--bler-gra.no` are one.

The list exists so that nobody who said "no more" gets another message, so any
row it cannot use stops the command, with every problem at its line: a
spreadsheet that dropped a leading zero must never quietly let a citizen's
opt-out fall through.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb

from proaktive.errors import FileError, Location, Problem, SettingsError
from proaktive.files import OPT_OUT_LIST_LIMIT, read_text
from proaktive.registry.email import check_address
from proaktive.registry.identifiers import identifier_problem, mask

ID_COLUMN = "personidentifikator"
EMAIL_COLUMN = "epostadresse"
SHOWN_PROBLEMS = 20


def load_opt_outs(con: duckdb.DuckDBPyConnection, path: Path | None) -> int:
    """Fill `opt_out_ids` and `opt_out_emails`; the number of people on the list."""
    ids: set[str] = set()
    emails: set[str] = set()
    if path is not None:
        ids, emails = _read(path)
    con.execute("CREATE OR REPLACE TEMP TABLE opt_out_ids (personidentifikator VARCHAR)")
    con.execute("CREATE OR REPLACE TEMP TABLE opt_out_emails (email VARCHAR)")
    if ids:
        con.execute("INSERT INTO opt_out_ids SELECT unnest($1)", [sorted(ids)])
    if emails:
        con.execute("INSERT INTO opt_out_emails SELECT unnest($1)", [sorted(emails)])
    return len(ids) + len(emails)


# Messages describe what is wrong with the list, never quote it: `opt_outs` may name a
# file that was never meant to be one (with a password in it), and a row of the list
# is someone's personal data.


def _read(path: Path) -> tuple[set[str], set[str]]:
    if not path.exists():
        # A configured list that is missing must stop the run: sending to people who
        # opted out is exactly what the list exists to prevent.
        raise SettingsError(
            "the opt-out list is missing",
            Location(path),
            hint="restore the file, or remove 'opt_outs' from the settings",
        )
    try:
        text = read_text(path, OPT_OUT_LIST_LIMIT)
    except FileError as error:
        raise SettingsError(
            f"the opt-out list cannot be used: {error.message}", error.location, error.hint
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error:
        raise SettingsError(
            "the opt-out list is not readable CSV", Location(path, reader.line_num)
        ) from None
    header = [name.strip() for name in rows[0]] if rows else []
    named = [name for name in header if name in (ID_COLUMN, EMAIL_COLUMN)]
    if not named or len(set(named)) != len(named):
        raise SettingsError(
            f"the header must name '{ID_COLUMN}', '{EMAIL_COLUMN}' or both, once each "
            "(other columns are ignored)",
            Location(path, 1),
            hint=_header_hint(header),
        )
    ids: set[str] = set()
    emails: set[str] = set()
    problems: list[Problem] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(value.strip() for value in row):
            continue  # a blank line
        if len(row) != len(header):
            problems.append(
                Problem(Location(path, line), f"{len(row)} values, the header has {len(header)}")
            )
            continue
        values = {name: value.strip() for name, value in zip(header, row, strict=True)}
        identifier, email = values.get(ID_COLUMN, ""), values.get(EMAIL_COLUMN, "")
        if not identifier and not email:
            problems.append(Problem(Location(path, line), "the row names nobody"))
        if identifier:
            reason = identifier_problem(identifier)
            if reason:
                shown = f"{ID_COLUMN} {_shown_identifier(identifier)}: {reason}"
                problems.append(Problem(Location(path, line), shown))
            else:
                ids.add(identifier)
        if email:
            checked = check_address(email)
            if checked.comparable is None:
                problems.append(
                    Problem(Location(path, line), f"{EMAIL_COLUMN} is not a valid e-mail address")
                )
            else:
                emails.add(checked.comparable)
    if problems:
        listed = "\n".join(str(problem) for problem in problems[:SHOWN_PROBLEMS])
        more = len(problems) - SHOWN_PROBLEMS
        raise SettingsError(
            f"the opt-out list has rows that name nobody it can match:\n{listed}"
            + (f"\n… and {more} more" if more > 0 else ""),
            hint="fix these rows, so that everyone on the list is left out",
        )
    return ids, emails


def _header_hint(header: list[str]) -> str:
    """What the header is like, without its text."""
    if not any(header):
        return "the first line is empty"
    columns = f"{len(header)} column{'s' if len(header) != 1 else ''}"
    if len(header) == 1 and ";" in header[0]:
        return f"it has {columns}: separate the columns with ',', not ';'"
    return f"it has {columns}, named otherwise"


def _shown_identifier(value: str) -> str:
    """Digits masked like every identifier (`150765****`); anything else not at all."""
    if value.isascii() and value.isdigit():
        return mask(value)
    return f"({len(value)} characters)"
