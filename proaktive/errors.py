"""Errors the user can fix: each names its place and, where obvious, the fix.

The command line turns every `ProaktiveError` into one line on stderr and exit
code 1 (see `proaktive.cli.main`); anything else is a bug in proaktive.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """A place in a file: `file`, `file:line` or `file:line:column` (1-based)."""

    file: Path | str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = str(self.file)
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file, with its place and a hint."""

    location: Location
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class ProaktiveError(Exception):
    """Wrong input that the user can fix. Never carries personal data."""

    def __init__(
        self, message: str, location: Location | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class SettingsError(ProaktiveError):
    """A settings file, or a path it names, that cannot be used."""

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> SettingsError:
        """Every problem of the settings file, one per line, each with its place."""
        return cls("\n".join(str(problem) for problem in problems))


class RegistryError(ProaktiveError):
    """A registry export that cannot be read as a whole."""


class FileError(ProaktiveError):
    """A file that cannot be read as a whole: missing, a folder, a device, too large."""


class LedgerError(ProaktiveError):
    """The send ledger or its key cannot be used as it is (or another send holds it)."""

    kind = "ledger"


class TemplateError(ProaktiveError):
    """A message template that cannot be rendered."""

    @classmethod
    def from_problems(cls, problems: list[Problem]) -> TemplateError:
        """Every problem of a campaign's templates, one per line, each with its place."""
        return cls("\n".join(str(problem) for problem in problems))


class CampaignError(ProaktiveError):
    """A campaign file with one or more problems, all reported at once."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        super().__init__(first.message, first.location, first.hint)
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


class SendRefused(ProaktiveError):
    """A send that must not go ahead as asked: outside the send window, old exports, changed
    content, the question answered no. Refused before any SMTP connection is opened."""
