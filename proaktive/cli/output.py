"""Consoles, tables and error lines: how proaktive talks to a person."""

from __future__ import annotations

import datetime as dt
import os
import re
import traceback
from pathlib import Path

from rich.console import Console

from proaktive.errors import ProaktiveError

stdout = Console(highlight=False)
stderr = Console(stderr=True, highlight=False)


def print_error(error: ProaktiveError | str) -> None:
    for line in str(error).splitlines():
        stderr.print(f"error: {line}", markup=False, soft_wrap=True)


def print_warning(message: str) -> None:
    stderr.print(f"warning: {message}", markup=False, soft_wrap=True)


# What might be personal data in an exception message: identifiers and e-mail addresses.
_IDENTIFIER = re.compile(r"(?<!\d)(\d{6})\d{5}(?!\d)")
_EMAIL = re.compile(r"[^\s'\"<>@]+@[^\s'\"<>@]+")


def redact(text: str) -> str:
    return _EMAIL.sub("<e-mail>", _IDENTIFIER.sub(r"\1*****", text))


def crash_log_folder() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "proaktive"


def report_crash(error: BaseException) -> Path:
    """Write the traceback (no local variables, personal data redacted) to a 0600 file."""
    folder = crash_log_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = folder / f"crash-{stamp}.log"
    text = redact("".join(traceback.format_exception(error)))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    print_error(
        f"unexpected error in proaktive ({type(error).__name__}); "
        f"the details are in {path}: please report it"
    )
    return path
