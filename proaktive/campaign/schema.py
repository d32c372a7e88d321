"""A campaign file as written: its keys, their defaults, and the rules between them.

Fields are validated in the order they are declared, and a validator sees the
fields before it in `info.data`; so `category` comes before the overrides it
allows, and `default_language` before the `template` that must have a file for it.
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from proaktive.campaign.criteria import CriterionSpec
from proaktive.campaign.fields import KnownLanguage, Spec, campaign_context, shown_path
from proaktive.campaign.model import Category
from proaktive.yamlfile import input_problem

_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_OVERRIDE_CATEGORIES: tuple[Category, ...] = ("service", "statutory")


class SenderSpec(Spec):
    """Each key left out comes from the settings file's `sender`."""

    from_: str | None = Field(None, alias="from")
    reply_to: str | None = None

    @field_validator("from_", "reply_to")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None:
            return value
        # Imported here: most campaigns take their sender from the settings.
        from email_validator import EmailNotValidError, validate_email

        _, address = parseaddr(value)
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError as error:
            reason = str(error).rstrip(".")
            raise input_problem(
                f"{value!r} is not an e-mail address", reason[:1].lower() + reason[1:]
            ) from None
        return value


class ContactSpec(Spec):
    ignore_reservation: bool = False
    allow_stale_contact: bool = False
    include_protected_addresses: bool = False


class CampaignSpec(Spec):
    id: str
    title: str = Field(min_length=1)
    owner: str | None = None
    category: Category = "information"
    default_language: KnownLanguage = "nb"
    template: str = Field(min_length=1)
    sender: SenderSpec = SenderSpec()
    audience: CriterionSpec
    contact: ContactSpec = ContactSpec()
    repeat_after_days: int | None = Field(None, ge=1)
    frequency_cap: bool = True

    @model_validator(mode="before")
    @classmethod
    def _empty_file(cls, data: Any) -> Any:
        # An empty file then reports the keys it lacks, like any other.
        return {} if data is None else data

    @field_validator("id")
    @classmethod
    def _ledger_key(cls, value: str) -> str:
        if not _ID.fullmatch(value):
            raise input_problem(
                f"id '{value}' may hold only a-z, 0-9 and '-', and not start with '-'",
                "e.g. 'barnehageopptak-2026'",
            )
        return value

    @field_validator("template")
    @classmethod
    def _template_exists(cls, value: str, info: ValidationInfo) -> str:
        folder = campaign_context(info).templates / value
        if not folder.is_dir():
            raise input_problem(
                f"template folder not found: {shown_path(folder)}", "create it, or fix 'template'"
            )
        language = info.data.get("default_language")  # absent when it was wrong itself
        if language is not None and not (folder / f"{language}.md.j2").is_file():
            raise input_problem(
                f"template file not found: {shown_path(folder / f'{language}.md.j2')}",
                f"default_language is {language}: the template needs a file for it",
            )
        return value

    @field_validator("contact")
    @classmethod
    def _overrides_allowed(cls, value: ContactSpec, info: ValidationInfo) -> ContactSpec:
        category = info.data.get("category")  # absent when it was wrong itself
        if category is not None and category != "statutory" and value.include_protected_addresses:
            # Checked first: of all the overrides, this one can put a person in danger.
            raise input_problem(
                f"include_protected_addresses is allowed only with category statutory, "
                f"not {category}",
                "a person with a protected address may be hiding from someone",
                at="include_protected_addresses",
            )
        overrides = [
            name for name in ("ignore_reservation", "allow_stale_contact") if getattr(value, name)
        ]
        if category is not None and category not in _OVERRIDE_CATEGORIES and overrides:
            verb = "is" if len(overrides) == 1 else "are"
            raise input_problem(
                f"{' and '.join(overrides)} {verb} allowed only with category service "
                f"or statutory, not {category}",
                "an information campaign may never override a citizen's choice",
                at=overrides[0],
            )
        return value

    @field_validator("frequency_cap")
    @classmethod
    def _exemption_allowed(cls, value: bool, info: ValidationInfo) -> bool:
        category = info.data.get("category")
        if category is not None and category != "statutory" and not value:
            raise input_problem(
                f"frequency_cap: false is allowed only with category statutory, not {category}"
            )
        return value
