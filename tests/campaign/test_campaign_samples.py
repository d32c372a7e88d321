"""The sample campaigns in campaigns/ are valid against the templates in templates/."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from proaktive.campaign import load_campaign
from proaktive.campaign.model import (
    Age,
    AllOf,
    Area,
    Child,
    Criterion,
    District,
    MovedIn,
    Street,
)
from proaktive.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "campaigns").glob("*.yaml"))


@pytest.fixture
def repo_settings() -> Settings:
    return dataclasses.replace(load_settings(None), templates=REPO / "templates")


@pytest.mark.parametrize("path", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_sample_loads(path: Path, repo_settings: Settings) -> None:
    campaign = load_campaign(path, repo_settings)
    assert campaign.id == path.stem  # one file per campaign, named after its ledger key
    assert (campaign.template_folder / f"{campaign.default_language}.md.j2").is_file()


ADULT = Age(18, None)


@pytest.mark.parametrize(
    ("name", "audience"),
    [
        ("velkommen-til-oslo", AllOf((MovedIn(30, "another_district"), ADULT))),
        ("barnehageopptak", AllOf((ADULT, Child("months", 4, 4)))),
        ("nye-foreldre-frogner", AllOf((District(("030105",)), Child("days", None, 14)))),
        (
            "hageavfall-pilot",
            AllOf((Area(REPO / "campaigns" / "areas" / "hageavfall-roa.geojson", 0.0), ADULT)),
        ),
        ("seniortjenester", AllOf((District(("030103",)), Age(80, None)))),
        (
            "beboerparkering",
            AllOf(
                (
                    Area(REPO / "campaigns" / "areas" / "beboerparkering-grunerlokka.geojson", 0.0),
                    ADULT,
                )
            ),
        ),
        ("graving-storgata", Street("Storgata", 1, 39, "odd", "0182")),
    ],
)
def test_sample_audience(name: str, audience: Criterion, repo_settings: Settings) -> None:
    path = REPO / "campaigns" / f"{name}.yaml"
    assert load_campaign(path, repo_settings).audience == audience


@pytest.mark.parametrize("name", ["velkommen-til-oslo", "barnehageopptak"])
def test_bokmaal_nynorsk_and_english(name: str, repo_settings: Settings) -> None:
    campaign = load_campaign(REPO / "campaigns" / f"{name}.yaml", repo_settings)
    for language in ("nb", "nn", "en"):
        assert (campaign.template_folder / f"{language}.md.j2").is_file()


def test_graving_is_a_service_message(repo_settings: Settings) -> None:
    campaign = load_campaign(REPO / "campaigns" / "graving-storgata.yaml", repo_settings)
    assert campaign.category == "service"
