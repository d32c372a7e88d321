"""Consoles, tables and error lines: how proaktive talks to a person.

Register values, file names and file contents are data, never markup or commands:
every one of them goes through `plain` on its way to a console (a first name
`[/]` would be Rich markup, an ESC would be a command to the terminal).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from proaktive.audience.model import REASON_LABELS
from proaktive.errors import ProaktiveError
from proaktive.privacy import redact

if TYPE_CHECKING:
    from proaktive.audience.model import Audience
    from proaktive.registry.check import RegistryCheck

# `:smile:` in a name is text, not an emoji to draw.
stdout = Console(highlight=False, emoji=False)
stderr = Console(stderr=True, highlight=False, emoji=False)

# What a terminal acts on instead of showing: C0 controls (ESC begins colours, cursor
# moves, window titles, OSC 8 links; a line break forges a line), DEL, C1 controls
# (CSI), and the bidi controls and separators that show text in another order or
# place than it is written.
_BIDI_AND_SEPARATORS = r"\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(rf"[\x00-\x1f\x7f-\x9f{_BIDI_AND_SEPARATORS}]")
# JSON escapes the C0 controls itself, but leaves these as they are.
_CONTROL_IN_JSON = re.compile(rf"[\x7f-\x9f{_BIDI_AND_SEPARATORS}]")
# What Rich reads as a tag, with the backslashes before it (`rich.markup.escape`'s rule).
_MARKUP_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def without_controls(text: str) -> str:
    return _CONTROL.sub("", text)


def plain(value: object) -> str:
    """A value as text to print with Rich: control characters removed, markup escaped.

    Unlike `rich.markup.escape`, a backslash at the end stays one (Rich would show it
    doubled): nothing here puts markup after a value.
    """
    return _MARKUP_TAG.sub(r"\1\1\\\2", without_controls(str(value)))


def print_error(error: ProaktiveError | str) -> None:
    # Split at our own line breaks only: any other break in a value is a control character.
    for line in str(error).split("\n"):
        stderr.print(plain(f"error: {line}"), soft_wrap=True)


def print_warning(message: str) -> None:
    for line in message.split("\n"):
        stderr.print(plain(f"warning: {line}"), soft_wrap=True)


def print_usage_error(text: str) -> None:
    """The command line parser's message, which quotes what was typed (a file name...)."""
    for line in text.rstrip("\n").split("\n"):
        stderr.print(plain(line), soft_wrap=True)


def crash_log_folder() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "proaktive"


def report_crash(error: BaseException) -> Path:
    """Write the traceback (no local variables, personal data redacted) to a 0600 file."""
    folder = crash_log_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = folder / f"crash-{stamp}.log"
    lines = redact("".join(traceback.format_exception(error))).split("\n")
    text = "\n".join(without_controls(line) for line in lines)  # safe to `cat`
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    print_error(
        f"unexpected error in proaktive ({type(error).__name__}); "
        f"the details are in {path}: please report it"
    )
    return path


def _count_label(key: str) -> str:
    """`status_bosatt` → `status bosatt`, `epsg_25833` → `EPSG 25833`, `no_email` → `no e-mail`."""
    for prefix, label in (("status_", "status "), ("role_", "relation "), ("epsg_", "EPSG ")):
        if key.startswith(prefix):
            return label + key.removeprefix(prefix)
    return key.replace("_email", " e-mail").replace("_", " ")


def print_registry_check(result: RegistryCheck, *, shown_errors: int) -> None:
    from rich.table import Table

    table = Table(title=f"Registry {plain(result.folder)}", title_justify="left")
    table.add_column("file")
    table.add_column("rows", justify="right")
    table.add_column("skipped", justify="right")
    table.add_column("contents")
    table.show_lines = True
    for summary in result.files:
        if not summary.present:
            table.add_row(plain(summary.name), "-", "-", "not present")
            continue
        contents = "\n".join(
            f"{plain(_count_label(key))}: {value:,}" for key, value in summary.counts.items()
        )
        table.add_row(plain(summary.name), f"{summary.rows:,}", f"{summary.skipped:,}", contents)
    stdout.print(table)
    for warning in result.warnings:
        print_warning(warning)
    if result.clean:
        stdout.print("No data errors.")
        return
    stdout.print(f"{len(result.errors):,} data error(s): these rows are not used.")
    for error in result.errors[:shown_errors]:
        stdout.print(plain(error), soft_wrap=True)
    if len(result.errors) > shown_errors:
        stdout.print(f"… and {len(result.errors) - shown_errors:,} more (--json lists them all).")


def print_json(document: object) -> None:
    """JSON for scripts: plain text on stdout, never styled.

    Control characters are written as `\\u` escapes: the same JSON to a script, and
    nothing a terminal acts on when a person looks at it.
    """
    text = json.dumps(document, ensure_ascii=False, indent=2)
    text = _CONTROL_IN_JSON.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def print_funnel(audience: Audience) -> None:
    from rich.table import Table

    funnel = audience.funnel
    table = Table(
        title=f"{plain(audience.campaign_id)}, as of {audience.as_of.isoformat()}",
        title_justify="left",
        show_header=False,
    )
    table.add_column("step")
    table.add_column("people", justify="right")
    table.add_row("population (bosatt)", f"{funnel.population:,}")
    table.add_row("matched the criteria", f"{funnel.matched:,}", end_section=True)
    for reason, excluded in funnel.excluded.items():
        table.add_row(
            f"  - {REASON_LABELS[reason]}", f"{excluded:,}", style="dim" if not excluded else None
        )
    table.add_section()
    table.add_row("recipients", f"{funnel.recipients:,}", style="bold")
    stdout.print(table)
    if audience.without_coordinates:
        stdout.print(
            f"{audience.without_coordinates:,} people in the population have no coordinates "
            "and can never match an area."
        )
    if audience.skipped_rows:
        rows = "row was" if audience.skipped_rows == 1 else "rows were"
        stdout.print(
            f"{audience.skipped_rows:,} registry {rows} skipped because of data errors "
            "(proaktive registry check lists them)."
        )
    else:
        stdout.print("No registry rows were skipped.")


def print_groups(by: str, groups: dict[str, int]) -> None:
    from rich.table import Table

    from proaktive.districts import district_name

    table = Table(title=f"Recipients by {by}", title_justify="left")
    table.add_column(by)
    if by == "district":
        table.add_column("name")
    table.add_column("recipients", justify="right")
    for key, count in groups.items():
        if by == "district":
            table.add_row(plain(key) or "(none)", plain(district_name(key) or ""), f"{count:,}")
        else:
            table.add_row(plain(key) or "(unknown)", f"{count:,}")
    stdout.print(table)


def print_recipients_table(audience: Audience) -> None:
    """The recipients, one line each when the terminal is wide enough, else two.

    An e-mail address is read whole, so it is never wrapped where there is room:
    when the five columns do not fit on one line, the name goes above the address
    and the district's name below its number, which keeps addresses of about 40
    characters whole on an 80-column terminal.
    """
    from rich.cells import cell_len
    from rich.table import Table

    from proaktive.districts import district_name
    from proaktive.registry.identifiers import mask

    rows = [
        (
            plain(mask(r.personidentifikator)),
            plain(f"{r.fornavn} {r.etternavn}"),
            plain(r.epostadresse),
            plain(r.spraak or ""),
            plain(r.bydelsnummer or ""),
            plain(district_name(r.bydelsnummer) or ""),
        )
        for r in audience.recipients
    ]
    headers = ("identifier", "name", "e-mail", "lang.", "district")
    lines = [(*row[:4], f"{row[4]} {row[5]}".strip()) for row in rows]
    widths = [
        max([cell_len(header), *(cell_len(line[column]) for line in lines)])
        for column, header in enumerate(headers)
    ]
    table = Table(title=f"Recipients of {plain(audience.campaign_id)}", title_justify="left")
    if sum(widths) + 3 * len(headers) + 1 <= stdout.width:  # + borders and padding
        for header in headers:
            table.add_column(header, no_wrap=True)
        for line in lines:
            table.add_row(*line)
    else:
        # The other columns keep their widths, so that what is left (about 40 characters
        # on an 80-column terminal) goes to the address; one longer than that is folded,
        # never cut short with "…".
        longest_word = max(
            [len("district"), *(cell_len(word) for row in rows for word in row[5].split())]
        )
        table.add_column("identifier", no_wrap=True, width=widths[0])
        table.add_column("name, e-mail", overflow="fold")
        table.add_column("lang.", no_wrap=True, width=widths[3])
        table.add_column("district", width=longest_word)
        for identifier, name, email, language, number, district in rows:
            table.add_row(identifier, f"{name}\n{email}", language, f"{number}\n{district}")
    stdout.print(table)
    stdout.print(
        f"{len(audience.recipients):,} of {audience.funnel.recipients:,} recipients shown."
    )


# A cell that begins with one of these is a formula to a spreadsheet (OWASP, CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """The cell as text to a spreadsheet: a formula gets a leading `'`, as OWASP advises."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def print_recipients_csv(audience: Audience, shown: Callable[[str], str]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["personidentifikator", "epostadresse", "spraak", "bydelsnummer"])
    for r in audience.recipients:
        cells = [shown(r.personidentifikator), r.epostadresse, r.spraak or "", r.bydelsnummer or ""]
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    sys.stdout.flush()


# The letter list's columns (cli.md, `audience list --unreachable`), in this order.
UNREACHABLE_COLUMNS = ("navn", "adresse", "postnummer", "poststed", "grunn", "personidentifikator")


def print_unreachable(
    audience: Audience, output_format: str, shown: Callable[[str], str], limit: int | None
) -> None:
    """The people e-mail cannot reach, for a print service: csv, json or a table."""
    people = audience.unreachable if limit is None else audience.unreachable[:limit]
    rows = [
        (
            p.navn,
            p.adresse,
            p.postnummer or "",
            p.poststed or "",
            p.grunn,
            shown(p.personidentifikator),
        )
        for p in people
    ]
    if output_format == "json":
        print_json(
            {
                "campaign": audience.campaign_id,
                "as_of": audience.as_of.isoformat(),
                "unreachable": [dict(zip(UNREACHABLE_COLUMNS, row, strict=True)) for row in rows],
            }
        )
    elif output_format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(UNREACHABLE_COLUMNS)
        writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
        sys.stdout.flush()
    else:
        from rich.table import Table

        table = Table(
            title=f"Matched, but not reachable by e-mail: {plain(audience.campaign_id)}",
            title_justify="left",
        )
        for column in ("name", "address", "postcode", "place"):
            table.add_column(column, overflow="fold")
        for column in ("reason", "identifier"):
            table.add_column(column, no_wrap=True)
        for row in rows:
            table.add_row(*(plain(cell) for cell in row))
        stdout.print(table)
    if len(people) < len(audience.unreachable) or output_format == "table":
        stderr.print(
            f"{len(people):,} of {len(audience.unreachable):,} people listed"
            + (f" (--limit {limit})." if limit is not None else "."),
            markup=False,
        )
