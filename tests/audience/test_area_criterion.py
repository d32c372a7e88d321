"""The `area` criterion end to end: registry files, campaign, resolve, and the command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import shapely
from builders import AS_OF, krr, make_campaign, open_small, person, write_registry
from pyproj import Transformer

import proaktive
from proaktive import geo
from proaktive.audience.resolve import ContactPolicy, resolve
from proaktive.campaign.model import (
    Age,
    AllOf,
    Area,
    Criterion,
    District,
    Not,
)
from proaktive.cli.main import run

REPO = Path(proaktive.__file__).resolve().parent.parent
DISTRICTS = REPO / "proaktive" / "registry" / "data" / "oslo-bydeler.geojson"
TO_UTM33 = Transformer.from_crs("EPSG:4326", "EPSG:25833", always_xy=True)
RAADHUS = (10.7335, 59.9119)  # lon, lat


def _in(epsg: int, lon: float, lat: float) -> tuple[str, str]:
    """(Nord, Øst) of a lon/lat point in an address's own coordinate system."""
    if epsg == 4258:
        return f"{lat}", f"{lon}"
    east, north = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
    return f"{north:.3f}", f"{east:.3f}"


def _square(folder: Path, lon: float, lat: float, half_m: float) -> Path:
    """A square area file of ±half_m metres around a point."""
    x, y = TO_UTM33.transform(lon, lat)
    back = Transformer.from_crs("EPSG:25833", "EPSG:4326", always_xy=True)
    corners = [(x - half_m, y - half_m), (x + half_m, y - half_m), (x + half_m, y + half_m)]
    corners.append((x - half_m, y + half_m))
    ring = [list(back.transform(cx, cy)) for cx, cy in corners]
    path = folder / "square.geojson"
    path.write_text(json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]}), "utf-8")
    return path


@pytest.fixture
def town(tmp_path: Path) -> Path:
    """Five people at the rådhus, one per coordinate system, and neighbours outside."""
    people, addresses = [], []
    for number, epsg in enumerate((4258, 25832, 25833, 25835), start=1):
        nord, ost = _in(epsg, *RAADHUS)
        addresses.append(
            {"adresseId": str(number), "EPSG-kode": str(epsg), "Nord": nord, "Øst": ost}
        )
        people.append(person(f"19{60 + number}-01-01", fornavn=f"E{epsg}", adresse_id=str(number)))
    far_nord, far_ost = _in(25833, RAADHUS[0] + 0.01, RAADHUS[1])  # ~560 m east
    addresses.append({"adresseId": "9", "EPSG-kode": "25833", "Nord": far_nord, "Øst": far_ost})
    people.append(person("1970-01-01", fornavn="Far", adresse_id="9"))
    people.append(person("1971-01-01", fornavn="NoAddressId"))
    people.append(person("1972-01-01", fornavn="UnknownId", adresse_id="404"))
    people.append(person("2015-01-01", fornavn="Child", adresse_id="3"))
    folder = write_registry(
        tmp_path / "registry", people, [krr(p) for p in people], adresser=addresses
    )
    _square(tmp_path, *RAADHUS, half_m=50)
    return folder


def _names(folder: Path, criterion: Criterion) -> tuple[list[str], int | None]:
    campaign = make_campaign(criterion)
    registry = open_small(folder)
    audience = resolve(campaign, registry, as_of=AS_OF, policy=ContactPolicy(None), fetch=None)
    return sorted(r.fornavn for r in audience.recipients), audience.without_coordinates


def test_addresses_in_every_coordinate_system_land_inside(town: Path, tmp_path: Path) -> None:
    names, without = _names(town, Area(tmp_path / "square.geojson", 0.0))
    assert names == ["Child", "E25832", "E25833", "E25835", "E4258"]
    assert without == 2  # NoAddressId and UnknownId can never match an area


def test_an_area_combined_with_other_criteria_and_not(town: Path, tmp_path: Path) -> None:
    square = Area(tmp_path / "square.geojson", 0.0)
    names, _ = _names(town, AllOf((square, Age(18, None))))
    assert names == ["E25832", "E25833", "E25835", "E4258"]
    outside, _ = _names(town, AllOf((Not(square), Age(18, None))))
    # People without coordinates never match an area, so `not` of it matches them.
    assert outside == ["Far", "NoAddressId", "UnknownId"]


def test_a_buffer_reaches_the_neighbour(town: Path, tmp_path: Path) -> None:
    names, _ = _names(town, AllOf((Area(tmp_path / "square.geojson", 600.0), Age(18, None))))
    assert "Far" in names


def test_frogner_as_an_area_is_frogner_as_a_district_on_the_sample(tmp_path: Path) -> None:
    """On the shipped sample, the real (self-intersecting) Frogner boundary as an area
    selects the district's residents, except those without coordinates; anyone else
    who differs must live within a few metres of the boundary."""
    districts = json.loads(DISTRICTS.read_text(encoding="utf-8"))
    frogner = next(f for f in districts["features"] if f["properties"]["name"] == "Frogner")
    area_file = tmp_path / "frogner.geojson"
    area_file.write_text(json.dumps(frogner), encoding="utf-8")
    sample, snapshot = REPO / "registry", tmp_path / "sample.duckdb"

    def matched(criterion: Criterion) -> dict[str, str | None]:
        campaign = make_campaign(criterion)
        registry = open_small(sample, snapshot)
        resolve(campaign, registry, as_of=AS_OF, policy=ContactPolicy(None), fetch=None)
        rows = registry.connection.execute(
            "SELECT personidentifikator, p.adresse_id FROM matched JOIN personer p "
            "USING (personidentifikator)"
        ).fetchall()
        return dict(rows)

    by_area = matched(Area(area_file, 0.0))
    by_district = matched(District(("030105",)))
    assert len(by_district) > 500
    assert set(by_area) - set(by_district) == set()
    differing = set(by_district) - set(by_area)
    registry = open_small(sample, snapshot)
    rows = registry.connection.execute("SELECT adresse_id, epsg, nord, ost FROM adresser")
    coordinates = {row[0]: row[1:] for row in rows.fetchall()}
    boundary = geo.load_area(area_file).geometry.boundary
    for person_id in differing:
        address = by_district[person_id]
        if address is None or address not in coordinates:
            continue  # no coordinates: can never match an area
        epsg, nord, ost = coordinates[address]
        x, y = geo.to_utm33(np.asarray([epsg]), np.asarray([nord]), np.asarray([ost]))
        assert shapely.distance(shapely.Point(x[0], y[0]), boundary) < 5.0


def test_audience_count_says_how_many_have_no_coordinates(
    town: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "templates" / "t").mkdir(parents=True)
    (tmp_path / "templates" / "t" / "nb.md.j2").write_text("---\nsubject: S\n---\nHei\n", "utf-8")
    (tmp_path / "proaktive.yaml").write_text("registry: registry\n", encoding="utf-8")
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    shutil.copy(tmp_path / "square.geojson", campaigns / "square.geojson")
    (campaigns / "c.yaml").write_text(
        "id: c\ntitle: C\ntemplate: t\naudience:\n  area: square.geojson\n", encoding="utf-8"
    )
    assert run(["audience", "count", "campaigns/c.yaml", "--as-of", "2026-11-30"]) == 0
    out = capsys.readouterr().out
    assert "2 people in the population have no coordinates and can never match an area." in out
    assert run(["audience", "count", "campaigns/c.yaml", "--as-of", "2026-11-30", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["skipped_rows"], document["without_coordinates"]) == (0, 2)
