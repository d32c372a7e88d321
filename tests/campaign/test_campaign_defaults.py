"""What a campaign file may leave out, and what its category allows it to override."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from proaktive.campaign import campaign_problems, load_campaign
from proaktive.campaign.model import Age, Campaign, ContactRules, Sender
from proaktive.settings import SenderSettings, Settings

WriteCampaign = Callable[..., Path]  # the write_campaign fixture

MINIMAL = "id: c\ntitle: T\ntemplate: t\naudience: {age: {min: 18}}\n"


def test_defaults(write_campaign: WriteCampaign, settings: Settings, tmp_path: Path) -> None:
    campaign = load_campaign(write_campaign(MINIMAL), settings)
    assert campaign == Campaign(
        source=tmp_path / "campaigns" / "c.yaml",
        id="c",
        title="T",
        owner=None,
        category="information",
        template="t",
        template_folder=tmp_path / "templates" / "t",
        default_language="nb",
        sender=Sender("Oslo kommune <ikke-svar@oslo.kommune.no>", None),
        audience=Age(18, None),
        contact=ContactRules(False, False, False),
        repeat_after_days=None,
        frequency_cap=True,
    )


def test_everything_given(
    write_campaign: WriteCampaign, settings: Settings, templates: Path
) -> None:
    (templates / "t" / "en.md.j2").write_text("---\nsubject: Hi\n---\nHi\n", encoding="utf-8")
    path = write_campaign(
        """\
        id: tilsyn-2026
        title: Tilsyn
        owner: Helseetaten
        category: statutory
        template: t
        default_language: en
        sender:
          from: "Helseetaten <tilsyn@oslo.kommune.no>"
          reply_to: postmottak@hel.oslo.kommune.no
        audience: {age: {min: 18}}
        contact:
          ignore_reservation: true
          allow_stale_contact: true
          include_protected_addresses: true
        repeat_after_days: 365
        frequency_cap: false
        """
    )
    campaign = load_campaign(path, settings)
    assert (campaign.owner, campaign.category, campaign.default_language) == (
        "Helseetaten",
        "statutory",
        "en",
    )
    assert campaign.sender == Sender(
        "Helseetaten <tilsyn@oslo.kommune.no>", "postmottak@hel.oslo.kommune.no"
    )
    assert campaign.contact == ContactRules(True, True, True)
    assert (campaign.repeat_after_days, campaign.frequency_cap) == (365, False)


@pytest.mark.parametrize(
    ("sender", "expected"),
    [
        ("", Sender("Bydel Alna <alna@oslo.kommune.no>", "svar@oslo.kommune.no")),
        (
            "sender: {from: ude@oslo.kommune.no}\n",
            Sender("ude@oslo.kommune.no", "svar@oslo.kommune.no"),
        ),
        # An explicit null says "no reply address", whatever the settings say.
        ("sender: {reply_to: null}\n", Sender("Bydel Alna <alna@oslo.kommune.no>", None)),
    ],
)
def test_sender_defaults_from_settings(
    sender: str, expected: Sender, write_campaign: WriteCampaign, settings: Settings
) -> None:
    settings = dataclasses.replace(
        settings,
        sender=SenderSettings.model_validate(
            {"from": "Bydel Alna <alna@oslo.kommune.no>", "reply_to": "svar@oslo.kommune.no"}
        ),
    )
    assert load_campaign(write_campaign(MINIMAL + sender), settings).sender == expected


@pytest.mark.parametrize(
    ("category", "overrides", "allowed"),
    [
        ("information", "contact: {include_protected_addresses: true}", False),
        ("service", "contact: {include_protected_addresses: true}", False),
        ("statutory", "contact: {include_protected_addresses: true}", True),
        ("information", "contact: {ignore_reservation: true}", False),
        ("information", "contact: {allow_stale_contact: true}", False),
        ("information", "frequency_cap: false", False),
        ("service", "contact: {ignore_reservation: true, allow_stale_contact: true}", True),
        ("service", "frequency_cap: false", False),
        ("statutory", "contact: {ignore_reservation: true, allow_stale_contact: true}", True),
        ("statutory", "frequency_cap: false", True),
        ("information", "contact: {ignore_reservation: false, allow_stale_contact: false}", True),
    ],
)
def test_category_overrides(
    category: str,
    overrides: str,
    allowed: bool,
    write_campaign: WriteCampaign,
    settings: Settings,
) -> None:
    path = write_campaign(MINIMAL + f"category: {category}\n{overrides}\n")
    problems = campaign_problems(path, settings)
    assert (problems == []) is allowed, problems


def test_campaign_is_immutable(write_campaign: WriteCampaign, settings: Settings) -> None:
    campaign = load_campaign(write_campaign(MINIMAL), settings)
    with pytest.raises(dataclasses.FrozenInstanceError):
        campaign.id = "other"  # type: ignore[misc]
