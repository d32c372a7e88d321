"""proaktive.yaml → Settings, and where the registry and the ledger are.

Every path has one place that decides it (`resolve_paths`): the command-line
option, else the environment variable, else the settings file. Paths in the
settings file are relative to the file itself.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from proaktive.errors import Location, SettingsError
from proaktive.files import SETTINGS_LIMIT
from proaktive.schema_problems import input_problem, number_not_text, validate_document
from proaktive.sender_address import checked_sender
from proaktive.yamlfile import load_yaml

SETTINGS_FILE_NAME = "proaktive.yaml"
REGISTRY_ENV = "PROAKTIVE_REGISTRY"
LEDGER_ENV = "PROAKTIVE_LEDGER"

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Strict(BaseModel):
    """Strict, like campaign files: a value is what was typed (`port: "25"` is text)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    example: ClassVar[str | None] = None  # how it is written, for a message about its shape


class SenderSettings(_Strict):
    example: ClassVar[str | None] = '{from: "Oslo kommune <ikke-svar@oslo.kommune.no>"}'

    from_: str = Field("Oslo kommune <ikke-svar@oslo.kommune.no>", alias="from")
    reply_to: str | None = None

    @field_validator("from_", "reply_to")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return checked_sender(value)


class FrequencyCap(_Strict):
    example: ClassVar[str | None] = "{max_messages: 3, per_days: 30}"

    max_messages: int = Field(3, ge=1)
    per_days: int = Field(30, ge=1)


class SendWindow(_Strict):
    example: ClassVar[str | None] = (
        '{days: [mon, tue, wed, thu, fri], start: "08:00", end: "20:00"}'
    )

    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: str = "08:00"
    end: str = "20:00"

    @field_validator("days", mode="before")
    @classmethod
    def _list(cls, value: object) -> object:
        # YAML gives a list; strict validation takes only a tuple for a tuple.
        return tuple(value) if isinstance(value, list) else value

    @field_validator("start", "end")
    @classmethod
    def _clock_time(cls, value: str, info: ValidationInfo) -> str:
        hours, _, minutes = value.partition(":")
        if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
            raise input_problem(f"{info.field_name} '{value}' is not a time of day like 08:00")
        return value


class SmtpSettings(_Strict):
    example: ClassVar[str | None] = "{host: localhost, port: 1025, security: none}"

    host: str = "localhost"
    port: int = Field(1025, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "none"
    username: str | None = None
    password_env: str = "PROAKTIVE_SMTP_PASSWORD"
    timeout_s: float = Field(60, gt=0)
    connections: int = Field(2, ge=1, le=32)
    max_per_second: float = Field(20, gt=0)
    # Seconds before each retry of a deferred (4xx) message within a run; then it waits
    # for the next run.
    retry_after_s: tuple[float, ...] = (2, 10, 30)

    @field_validator("retry_after_s", mode="before")
    @classmethod
    def _list(cls, value: object) -> object:
        # YAML gives a list; strict validation takes only a tuple for a tuple.
        return tuple(value) if isinstance(value, list) else value

    @field_validator("retry_after_s")
    @classmethod
    def _not_negative(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(delay < 0 for delay in value) or len(value) > 10:
            raise input_problem("retry_after_s is at most 10 delays in seconds, none negative")
        return value

    @field_validator("security", mode="before")
    @classmethod
    def _ssl_is_tls(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in ("ssl", "smtps"):
            raise input_problem(
                f"security '{value}' is called 'tls' here",
                "'tls' connects with TLS from the start, usually on port 465; "
                "'starttls' upgrades a plain connection, usually on port 587",
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _no_password(cls, data: object) -> object:
        if isinstance(data, dict) and "password" in data:
            raise input_problem(
                "the SMTP password is never written in the settings file",
                "set password_env to the name of an environment variable that holds it",
                at="password",
            )
        return data


class ExportAges(_Strict):
    """How many days old each export may be before campaign commands warn (and send refuses)."""

    krr: int = Field(1, ge=0)
    personer: int = Field(2, ge=0)
    familierelasjoner: int = Field(2, ge=0)
    adresser: int = Field(90, ge=0)


class SettingsFile(_Strict):
    """The settings file as written; paths are still relative to it."""

    municipality: str = "0301"
    registry: str | None = None
    templates: str = "templates/"
    ledger: str = ".proaktive/ledger.sqlite3"
    snapshot: str = ".proaktive/registry.duckdb"
    max_export_age_days: ExportAges = ExportAges()
    approval: Literal["required", "four-eyes", "off"] = "required"
    opt_outs: str | None = None
    sender: SenderSettings = SenderSettings()
    frequency_cap: FrequencyCap = FrequencyCap()
    send_window: SendWindow = SendWindow()
    smtp: SmtpSettings = SmtpSettings()

    @field_validator("municipality", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            raise number_not_text("municipality", 4)  # `0301` is the number 301 to YAML
        return value

    @field_validator("municipality")
    @classmethod
    def _four_digits(cls, value: str) -> str:
        if not (len(value) == 4 and value.isdigit()):
            raise input_problem(
                f"municipality '{value}' is not a 4-digit kommunenummer", 'Oslo is "0301"'
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _keys_and_values(cls, data: object) -> object:
        if data is None:  # an empty file: every setting has its default
            return {}
        if not isinstance(data, dict):
            shown = "a list" if isinstance(data, list) else repr(data)
            raise input_problem(
                f"a settings file holds 'key: value' lines, not {shown}",
                "like 'registry: registry/'",
            )
        if {"id", "audience"} <= set(data):
            # A campaign given as --settings: one line, not one per key.
            raise input_problem(
                "this is a campaign file, not a settings file",
                "--settings names proaktive.yaml; the campaign file comes after the command",
            )
        return data


@dataclass(frozen=True)
class Settings:
    """Settings with every path made absolute."""

    source: Path | None  # the settings file, None when there is none
    municipality: str
    registry: Path | None
    templates: Path
    ledger: Path
    snapshot: Path  # the checked exports (personal data)
    max_export_age_days: ExportAges
    approval: Literal["required", "four-eyes", "off"]
    opt_outs: Path | None
    sender: SenderSettings
    frequency_cap: FrequencyCap
    send_window: SendWindow
    smtp: SmtpSettings
    searched_from: Path | None = None  # where the search for a settings file that found none began

    def not_found_note(self) -> str | None:
        """Why paths are relative to the current folder: no settings file was found."""
        if self.source is not None or self.searched_from is None:
            return None
        return f"no {SETTINGS_FILE_NAME} was found in {self.searched_from} or any folder above it"


def find_settings_file(start: Path) -> Path | None:
    """proaktive.yaml in `start` or the nearest folder above it."""
    for folder in (start, *start.parents):
        candidate = folder / SETTINGS_FILE_NAME
        # Anything but a folder is found (and then refused, if it is no file): never
        # quietly passed over for the settings of a folder further up.
        if candidate.exists() and not candidate.is_dir():
            return candidate
    return None


def load_settings(path: Path | None, *, searched_from: Path | None = None) -> Settings:
    """Settings from `path`; the defaults, relative to the current folder, when None
    (`searched_from`: the folder where a search for a settings file found none)."""
    if path is None:
        settings = _absolute(SettingsFile(), Path.cwd(), None)
        return dataclasses.replace(settings, searched_from=searched_from)
    document = load_yaml(path, SETTINGS_LIMIT)
    if isinstance(document, list):
        raise SettingsError.from_problems(document)
    if not isinstance(document.data, dict | list | None):
        # Not quoted, as the schema's message would: `--settings .env` is one line of
        # text to YAML, and may hold a password.
        raise SettingsError(
            "a settings file holds 'key: value' lines, not a single value",
            document.location(()),
            "like 'registry: registry/'",
        )
    result = validate_document(document, SettingsFile)
    if isinstance(result, list):
        raise SettingsError.from_problems(result)
    return _absolute(result, path.parent, path)


def _absolute(raw: SettingsFile, base: Path, source: Path | None) -> Settings:
    def under(value: str) -> Path:
        return (base / value).resolve()

    return Settings(
        source=source,
        municipality=raw.municipality,
        registry=under(raw.registry) if raw.registry else None,
        templates=under(raw.templates),
        ledger=under(raw.ledger),
        snapshot=under(raw.snapshot),
        max_export_age_days=raw.max_export_age_days,
        approval=raw.approval,
        opt_outs=under(raw.opt_outs) if raw.opt_outs else None,
        sender=raw.sender,
        frequency_cap=raw.frequency_cap,
        send_window=raw.send_window,
        smtp=raw.smtp,
    )


@dataclass(frozen=True)
class Paths:
    """What one command works on, decided once."""

    settings: Settings
    registry: Path | None
    ledger: Path

    def require_registry(self) -> Path:
        if self.registry is None:
            not_found = self.settings.not_found_note()
            if not_found is not None:
                raise SettingsError(
                    f"no registry folder given, and {not_found}",
                    hint=f"run proaktive in the project folder, use --registry DIR, "
                    f"or set {REGISTRY_ENV}",
                )
            raise SettingsError(
                "no registry folder given",
                hint=f"use --registry DIR, set {REGISTRY_ENV}, or add 'registry:' to "
                f"{SETTINGS_FILE_NAME}",
            )
        if not self.registry.is_dir():
            raise SettingsError(
                f"the registry folder {self.registry} does not exist",
                hint="check --registry, " + REGISTRY_ENV + " or 'registry:' in the settings",
            )
        return self.registry


def resolve_paths(
    *,
    settings_option: Path | None,
    registry_option: Path | None,
    ledger_option: Path | None,
    environ: Mapping[str, str] = os.environ,
    cwd: Path | None = None,
) -> Paths:
    """Option, else environment variable, else settings file: for every path."""
    here = cwd or Path.cwd()
    if settings_option is not None:
        if not settings_option.exists():
            raise SettingsError(
                "settings file not found", Location(settings_option), "check --settings"
            )
        settings_path: Path | None = settings_option
    else:
        settings_path = find_settings_file(here)
    settings = load_settings(
        settings_path.resolve() if settings_path else None, searched_from=here.resolve()
    )

    registry: Path | None
    if registry_option is not None:
        registry = (here / registry_option).resolve()
    elif environ.get(REGISTRY_ENV):
        registry = (here / environ[REGISTRY_ENV]).resolve()
    else:
        registry = settings.registry

    if ledger_option is not None:
        ledger = (here / ledger_option).resolve()
    elif environ.get(LEDGER_ENV):
        ledger = (here / environ[LEDGER_ENV]).resolve()
    else:
        ledger = settings.ledger
    return Paths(settings=settings, registry=registry, ledger=ledger)
