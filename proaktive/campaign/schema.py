"""A campaign file as written: its keys, their defaults, and the rules between them.

Fields are validated in the order they are declared, and a validator sees the
fields before it in `info.data`; so `category` comes before the overrides it
allows, and `default_language` before the `template` that must have a file for it.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, ValidationInfo, field_validator, model_validator

from proaktive.campaign.criteria import CriterionSpec
from proaktive.campaign.fields import KnownLanguage, Spec, campaign_context, shown_path, written
from proaktive.campaign.model import Category
from proaktive.schema_problems import field_names, input_problem
from proaktive.sender_address import checked_sender

_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_OVERRIDE_CATEGORIES: tuple[Category, ...] = ("service", "statutory")


class SenderSpec(Spec):
    """Each key left out comes from the settings file's `sender`."""

    example: ClassVar[str | None] = '{from: "Oslo kommune <ikke-svar@oslo.kommune.no>"}'

    from_: str | None = Field(None, alias="from")
    reply_to: str | None = None

    @field_validator("from_", "reply_to")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return checked_sender(value)


class ContactSpec(Spec):
    example: ClassVar[str | None] = "{ignore_reservation: true}"

    ignore_reservation: bool = False
    allow_stale_contact: bool = False
    include_protected_addresses: bool = False


def _template_hint(templates: Path, value: str) -> str:
    """What `template` should have been: a folder's name, the nearest one if any."""
    if (templates / value).is_file():
        return f"'template' names a folder in {shown_path(templates)}, not a file in it"
    folders = (
        {path.name.lower(): path.name for path in templates.iterdir()} if templates.is_dir() else {}
    )
    nearest = difflib.get_close_matches(value.lower(), sorted(folders), n=1, cutoff=0.6)
    return f"did you mean '{folders[nearest[0]]}'?" if nearest else "create it, or fix 'template'"


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
    def _one_campaign(cls, data: Any) -> Any:
        needs = "a campaign needs at least id, title, template and audience"
        if data is None:
            raise input_problem("the file is empty", needs)
        if isinstance(data, list):
            campaigns = [item for item in data if isinstance(item, dict)]
            hint = (
                "put each campaign in a file of its own"
                if len(campaigns) > 1
                else "remove the '- ' in front of the first key"
                if campaigns
                else needs
            )
            raise input_problem("a campaign file holds 'key: value' lines, not a list", hint)
        if not isinstance(data, dict):
            raise input_problem(
                f"a campaign file holds 'key: value' lines, not {written(data)}", needs
            )
        required = {
            field.alias or name for name, field in cls.model_fields.items() if field.is_required()
        }
        unknown = [str(key) for key in data if key not in field_names(cls)]
        if unknown and not required & set(data):
            # A GeoJSON area or the settings given instead: one line, not one per key.
            keys = ", ".join(unknown[:3]) + (", ..." if len(unknown) > 3 else "")
            raise input_problem(
                f"not a campaign: it has no id, title, template or audience, "
                f"and keys a campaign does not have ({keys})"
            )
        return data

    @field_validator("frequency_cap", mode="before")
    @classmethod
    def _yes_or_no(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise input_problem(
                f"frequency_cap says whether the settings' cap applies: true or false, not {value}",
                "the cap itself is max_messages and per_days in proaktive.yaml",
            )
        return value

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
        context = campaign_context(info)
        folder = context.templates / value
        if not folder.is_dir() and context.settings_not_found:
            raise input_problem(
                f"template folder not found: {shown_path(folder)}, "
                f"and {context.settings_not_found}",
                "run proaktive in the project folder, or use --settings FILE",
            )
        if not folder.is_dir():
            raise input_problem(
                f"template folder not found: {shown_path(folder)}",
                _template_hint(context.templates, value),
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
