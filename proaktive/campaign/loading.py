"""Campaign file → `Campaign`, or every problem in it: the one way in for a campaign."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from proaktive.campaign.fields import CampaignContext
from proaktive.campaign.model import Campaign, ContactRules, Sender
from proaktive.campaign.schema import CampaignSpec
from proaktive.errors import CampaignError, Problem
from proaktive.files import CAMPAIGN_LIMIT
from proaktive.schema_problems import validate_document
from proaktive.settings import Settings
from proaktive.yamlfile import load_yaml


def load_campaign(path: Path, settings: Settings) -> Campaign:
    """The validated campaign; `CampaignError` with all its problems when there are any."""
    result = _load(path, settings)
    if isinstance(result, list):
        raise CampaignError(result)
    return result


def campaign_problems(path: Path, settings: Settings) -> list[Problem]:
    """Every problem in the campaign file, in file order; empty when it is valid."""
    result = _load(path, settings)
    if isinstance(result, list):
        return result
    # Imported here: messages reads campaigns, so campaign may not import it at the top.
    from proaktive.messages.validation import template_problems

    return template_problems(result, as_of=_today_in_oslo())


def _today_in_oslo() -> date:
    return datetime.now(ZoneInfo("Europe/Oslo")).date()


def _load(path: Path, settings: Settings) -> Campaign | list[Problem]:
    # Problems name `path` as the user gave it; the campaign holds absolute paths.
    document = load_yaml(path, CAMPAIGN_LIMIT)
    if isinstance(document, list):
        return document
    if not isinstance(document.data, dict | list | None):
        # Not quoted, as the schema's message would: a file named by mistake (a .env
        # file is one line of text to YAML) may hold a password.
        message = "a campaign file holds 'key: value' lines, not a single value"
        hint = "a campaign needs at least id, title, template and audience"
        return [Problem(document.location(()), message, hint)]
    context = CampaignContext(
        folder=path.parent,
        templates=settings.templates,
        settings_not_found=settings.not_found_note(),
    )
    spec = validate_document(document, CampaignSpec, context)
    if isinstance(spec, list):
        return spec
    return _campaign(spec, path, settings)


def _campaign(spec: CampaignSpec, path: Path, settings: Settings) -> Campaign:
    reply_to_given = "reply_to" in spec.sender.model_fields_set  # `reply_to: null` means none
    return Campaign(
        source=path.resolve(),
        id=spec.id,
        title=spec.title,
        owner=spec.owner,
        category=spec.category,
        template=spec.template,
        template_folder=settings.templates / spec.template,
        default_language=spec.default_language,
        sender=Sender(
            from_=spec.sender.from_ or settings.sender.from_,
            reply_to=spec.sender.reply_to if reply_to_given else settings.sender.reply_to,
        ),
        audience=spec.audience.criterion(path.parent),
        contact=ContactRules(
            ignore_reservation=spec.contact.ignore_reservation,
            allow_stale_contact=spec.contact.allow_stale_contact,
            include_protected_addresses=spec.contact.include_protected_addresses,
        ),
        repeat_after_days=spec.repeat_after_days,
        frequency_cap=spec.frequency_cap,
    )
