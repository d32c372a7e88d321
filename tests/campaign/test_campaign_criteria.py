"""Each criterion, as written in a campaign file, becomes the right model object."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from proaktive.campaign import load_campaign
from proaktive.campaign.model import (
    Age,
    AllOf,
    AnyOf,
    Area,
    Born,
    Child,
    Criterion,
    District,
    Language,
    MovedIn,
    Not,
    Postcode,
    Street,
)
from proaktive.settings import Settings

WriteCampaign = Callable[..., Path]  # the write_campaign fixture

CRITERIA = [
    pytest.param("age: {min: 18, max: 66}", Age(18, 66), id="age"),
    pytest.param("age: {max: 5}", Age(None, 5), id="age-open-below"),
    pytest.param("age: {}", Age(None, None), id="age-open"),
    pytest.param(
        "born: {from: 1950-01-01, to: 1959-12-31}",
        Born(dt.date(1950, 1, 1), dt.date(1959, 12, 31)),
        id="born-yaml-dates",
    ),
    pytest.param('born: {from: "1950-01-01"}', Born(dt.date(1950, 1, 1), None), id="born-iso-text"),
    pytest.param("district: Frogner", District(("030105",)), id="district-name"),
    pytest.param(
        'district: [st hanshaugen, "030106", GRUNERLOKKA, Søndre  Nordstrand., ostensjo]',
        District(("030104", "030106", "030102", "030115", "030113")),
        id="district-names-and-numbers",
    ),
    pytest.param('postcode: "0182"', Postcode(("0182",)), id="postcode"),
    pytest.param('postcode: ["0182", "0183"]', Postcode(("0182", "0183")), id="postcode-list"),
    pytest.param(
        'street: {name: Storgata, from: 1, to: 39, side: odd, postcode: "0182"}',
        Street("Storgata", 1, 39, "odd", "0182"),
        id="street",
    ),
    pytest.param(
        "street: {name: Storgata}", Street("Storgata", None, None, "both", None), id="street-min"
    ),
    pytest.param("child: {age: {min: 1, max: 5}}", Child("years", 1, 5), id="child-years"),
    pytest.param("child: {age_months: {min: 4, max: 4}}", Child("months", 4, 4), id="child-months"),
    pytest.param("child: {age_days: {max: 60}}", Child("days", None, 60), id="child-days"),
    pytest.param(
        "moved_in: {within_days: 30, from: another_district}",
        MovedIn(30, "another_district"),
        id="moved-in",
    ),
    pytest.param("moved_in: {within_days: 0}", MovedIn(0, "anywhere"), id="moved-in-default"),
    pytest.param("language: en", Language(("en",)), id="language"),
    pytest.param("language: [nn, se]", Language(("nn", "se")), id="language-list"),
    pytest.param("not: {language: [en]}", Not(Language(("en",))), id="not"),
    pytest.param(
        "all: [{age: {min: 18}}, {any: [{district: Alna}, {not: {postcode: '0150'}}]}]",
        AllOf((Age(18, None), AnyOf((District(("030112",)), Not(Postcode(("0150",))))))),
        id="nested",
    ),
]

# A small polygon around Oslo rådhus: area files must hold a real area to validate.
SQUARE = (
    '{"type": "Polygon", "coordinates": [[[10.73, 59.91], [10.74, 59.91], '
    "[10.74, 59.915], [10.73, 59.915], [10.73, 59.91]]]}"
)


@pytest.mark.parametrize(("criterion", "expected"), CRITERIA)
def test_criterion(
    criterion: str, expected: Criterion, write_campaign: WriteCampaign, settings: Settings
) -> None:
    path = write_campaign(f"id: c\ntitle: T\ntemplate: t\naudience:\n  {criterion}\n")
    assert load_campaign(path, settings).audience == expected


@pytest.mark.parametrize(
    ("area", "buffer_m"),
    [
        ("area: areas/graving.geojson", 0.0),
        ("area: {file: areas/graving.geojson}", 0.0),
        ("area: {file: areas/graving.geojson, buffer_m: 30}", 30.0),
        ("area: {file: areas/graving.geojson, buffer_m: 12.5}", 12.5),
    ],
)
def test_area_is_relative_to_the_campaign_file(
    area: str,
    buffer_m: float,
    tmp_path: Path,
    write_campaign: WriteCampaign,
    settings: Settings,
) -> None:
    # The file is only looked for here; its geometry is proaktive.audience's to read.
    geojson = tmp_path / "campaigns" / "areas" / "graving.geojson"
    geojson.parent.mkdir(parents=True)
    geojson.write_text(SQUARE, encoding="utf-8")
    path = write_campaign(f"id: c\ntitle: T\ntemplate: t\naudience:\n  {area}\n")
    assert load_campaign(path, settings).audience == Area(geojson, buffer_m)


def test_area_path_is_absolute_wherever_the_command_runs(
    tmp_path: Path,
    write_campaign: WriteCampaign,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "campaigns" / "omrade.geojson").parent.mkdir(parents=True)
    (tmp_path / "campaigns" / "omrade.geojson").write_text(SQUARE, encoding="utf-8")
    write_campaign("id: c\ntitle: T\ntemplate: t\naudience: {area: omrade.geojson}\n")
    monkeypatch.chdir(tmp_path / "campaigns")
    campaign = load_campaign(Path("c.yaml"), settings)
    assert campaign.audience == Area(tmp_path / "campaigns" / "omrade.geojson", 0.0)
    assert campaign.source == tmp_path / "campaigns" / "c.yaml"
