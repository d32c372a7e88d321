"""An area file must hold a usable area when the campaign is validated, not when it runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from proaktive.campaign import campaign_problems, load_campaign
from proaktive.campaign.model import Area
from proaktive.settings import Settings

LINE = {"type": "LineString", "coordinates": [[10.75, 59.91], [10.76, 59.91]]}
POINT = {"type": "Point", "coordinates": [10.75, 59.91]}
SWAPPED = {  # latitude first: a square in the Indian Ocean
    "type": "Polygon",
    "coordinates": [
        [[59.91, 10.75], [59.92, 10.75], [59.92, 10.76], [59.91, 10.76], [59.91, 10.75]]
    ],
}


def _area(tmp_path: Path, geometry: object, name: str = "a.geojson") -> None:
    folder = tmp_path / "campaigns" / "areas"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(geometry), encoding="utf-8")


@pytest.mark.parametrize(
    ("geometry", "area", "problem"),
    [
        (
            LINE,
            "areas/a.geojson",
            "campaigns/c.yaml:5:9: campaigns/areas/a.geojson: a line needs buffer_m > 0 "
            "(the distance in metres from the line)",
        ),
        (
            POINT,
            "{file: areas/a.geojson, buffer_m: 30}",
            "campaigns/c.yaml:5:16: campaigns/areas/a.geojson: a Point is not an area "
            "(use a Polygon, or a LineString with buffer_m > 0)",
        ),
        (
            SWAPPED,
            "areas/a.geojson",
            "campaigns/c.yaml:5:9: campaigns/areas/a.geojson: the area lies outside Norway: "
            "are longitude and latitude swapped? (GeoJSON gives each position as "
            "[longitude, latitude]; Oslo is [10.75, 59.91])",
        ),
    ],
)
def test_an_unusable_area_is_a_validation_problem(
    tmp_path: Path,
    settings: Settings,
    write_campaign: Callable[..., Path],
    geometry: object,
    area: str,
    problem: str,
) -> None:
    _area(tmp_path, geometry)
    path = write_campaign(f"id: x\ntitle: X\ntemplate: t\naudience:\n  area: {area}\n")
    assert [str(p) for p in campaign_problems(path, settings)] == [problem]


def test_a_buffered_line_is_a_valid_area(
    tmp_path: Path, settings: Settings, write_campaign: Callable[..., Path]
) -> None:
    _area(tmp_path, LINE)
    path = write_campaign(
        "id: x\ntitle: X\ntemplate: t\naudience:\n  area: {file: areas/a.geojson, buffer_m: 30}\n"
    )
    campaign = load_campaign(path, settings)
    assert campaign.audience == Area((tmp_path / "campaigns/areas/a.geojson").resolve(), 30.0)
