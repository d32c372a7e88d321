"""Areas: GeoJSON files → prepared geometries in UTM 33; addresses in any EPSG → inside or not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Transformer

import proaktive
from proaktive.errors import ProaktiveError
from proaktive.geo import Area, AreaError, inside, load_area, to_utm33

# The repository's copy: CI may not have ../shared.
DISTRICTS = Path(proaktive.__file__).parent / "registry" / "data" / "oslo-bydeler.geojson"
BROKEN_DISTRICTS = {"Gamle Oslo", "Frogner", "Ullern", "Nordstrand"}

LON_LAT_TO_UTM33 = Transformer.from_crs("EPSG:4326", "EPSG:25833", always_xy=True)
UTM33_TO_LON_LAT = Transformer.from_crs("EPSG:25833", "EPSG:4326", always_xy=True)

RAADHUS = (10.7335, 59.9119)  # Oslo rådhus, lon/lat
FROGNERPARKEN_EAST = (10.7097, 59.9245)  # by Kirkeveien
OLAF_RYES_PLASS = (10.7580, 59.9228)  # Grünerløkka

LINE_START = (262_000.0, 6_649_000.0)  # UTM 33, by Akershusstranda; a 1 km line runs east


def write(folder: Path, document: Any, name: str = "area.geojson") -> Path:
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def lon_lat(x: float, y: float) -> list[float]:
    lon, lat = UTM33_TO_LON_LAT.transform(x, y)
    return [lon, lat]


def square(lon: float, lat: float, half: float = 0.001) -> list[list[list[float]]]:
    """Polygon coordinates: a square of ±`half` degrees around (lon, lat)."""
    w, e, s, n = lon - half, lon + half, lat - half, lat + half
    return [[[w, s], [e, s], [e, n], [w, n], [w, s]]]


def utm_square(x: float, y: float, half: float) -> list[list[list[float]]]:
    """Polygon coordinates (lon/lat) of a square of ±`half` metres around (x, y) in UTM 33."""
    corners = [
        (x - half, y - half),
        (x + half, y - half),
        (x + half, y + half),
        (x - half, y + half),
    ]
    ring = [lon_lat(*corner) for corner in corners]
    return [[*ring, ring[0]]]


def polygon(coordinates: Any) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": coordinates}


def feature(geometry: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {}, "geometry": geometry}


def collection(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def at(area: Area, *points: tuple[float, float]) -> list[bool]:
    """Whether each lon/lat point is inside the area."""
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    x, y = LON_LAT_TO_UTM33.transform(lon, lat)
    return inside(area, x, y).tolist()


def at_utm(area: Area, *points: tuple[float, float]) -> list[bool]:
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    return inside(area, x, y).tolist()


# --- areas that load -----------------------------------------------------------------


def test_a_polygon(tmp_path: Path) -> None:
    path = write(tmp_path, polygon(square(*RAADHUS)))

    area = load_area(path)

    assert area.source == path
    assert area.buffer_m == 0
    assert area.warnings == ()
    assert area.geometry.geom_type == "Polygon"
    assert area.geometry.is_valid
    assert shapely.is_prepared(area.geometry)
    lon, lat = RAADHUS
    near_corner, just_east, north = (
        (lon + 0.0009, lat - 0.0009),
        (lon + 0.0011, lat),
        (lon, lat + 0.01),
    )
    assert at(area, RAADHUS, near_corner, just_east, north) == [True, True, False, False]


def test_a_polygon_with_a_hole(tmp_path: Path) -> None:
    lon, lat = RAADHUS
    outer = square(lon, lat, half=0.002)[0]
    hole = square(lon, lat, half=0.001)[0][::-1]
    area = load_area(write(tmp_path, polygon([outer, hole])))

    assert at(area, RAADHUS, (lon + 0.0015, lat), (lon + 0.0025, lat)) == [False, True, False]


def test_the_geometry_is_in_utm33_metres(tmp_path: Path) -> None:
    x, y = LINE_START
    area = load_area(write(tmp_path, polygon(utm_square(x, y, 50))))

    assert area.geometry.bounds == pytest.approx((x - 50, y - 50, x + 50, y + 50), abs=1e-6)
    assert area.geometry.area == pytest.approx(100 * 100, abs=1e-3)


def test_a_point_on_the_boundary_is_inside(tmp_path: Path) -> None:
    area = load_area(write(tmp_path, polygon(square(*RAADHUS))))
    corners = shapely.get_coordinates(area.geometry)

    assert inside(area, corners[:, 0], corners[:, 1]).all()


@pytest.mark.parametrize(
    ("dx", "dy", "expected"),
    [
        (500, 0, True),  # on the line
        (500, 29, True),
        (500, -29, True),
        (500, 31, False),
        (500, -31, False),
        (-29, 0, True),  # round cap before the start
        (-31, 0, False),
        (1029, 0, True),  # and after the end
        (1031, 0, False),
        (1020, 20, True),  # 28.3 m from the end, diagonally
    ],
)
def test_a_line_buffered_30_m(tmp_path: Path, dx: float, dy: float, expected: bool) -> None:
    x, y = LINE_START
    path = write(
        tmp_path, {"type": "LineString", "coordinates": [lon_lat(x, y), lon_lat(x + 1000, y)]}
    )

    area = load_area(path, 30)

    assert area.buffer_m == 30
    assert area.warnings == ()
    assert at_utm(area, (x + dx, y + dy)) == [expected]


def test_a_multilinestring_buffered(tmp_path: Path) -> None:
    x, y = LINE_START
    lines = [[lon_lat(x, y), lon_lat(x + 100, y)], [lon_lat(x, y + 500), lon_lat(x + 100, y + 500)]]
    area = load_area(write(tmp_path, {"type": "MultiLineString", "coordinates": lines}), 10)

    by_the_first, by_the_second, between = (x + 50, y + 9), (x + 50, y + 509), (x + 50, y + 250)
    assert at_utm(area, by_the_first, by_the_second, between) == [True, True, False]


def test_a_polygon_grows_by_the_buffer(tmp_path: Path) -> None:
    x, y = LINE_START
    path = write(tmp_path, polygon(utm_square(x, y, 50)))
    twenty_metres_out = (x + 70, y)

    assert at_utm(load_area(path), twenty_metres_out) == [False]
    assert at_utm(load_area(path, 30), twenty_metres_out) == [True]
    assert at_utm(load_area(path, 30), (x + 81, y)) == [False]


def test_a_feature_collection_is_the_union_of_its_features(tmp_path: Path) -> None:
    lon, lat = RAADHUS
    west, east = (lon - 0.01, lat), (lon + 0.01, lat)
    path = write(
        tmp_path, collection(feature(polygon(square(*west))), feature(polygon(square(*east))))
    )

    area = load_area(path)

    assert area.geometry.geom_type == "MultiPolygon"
    assert len(area.geometry.geoms) == 2
    assert at(area, west, east, RAADHUS) == [True, True, False]


def test_overlapping_parts_of_a_multipolygon_are_one_area(tmp_path: Path) -> None:
    lon, lat = RAADHUS
    parts = [square(lon - 0.0005, lat), square(lon + 0.0005, lat)]  # overlap around RAADHUS

    area = load_area(write(tmp_path, {"type": "MultiPolygon", "coordinates": parts}))

    assert area.warnings == ()
    assert area.geometry.geom_type == "Polygon"
    assert at(area, RAADHUS, (lon - 0.0014, lat), (lon + 0.0014, lat)) == [True, True, True]


def test_polygons_and_lines_together_with_a_buffer(tmp_path: Path) -> None:
    x, y = LINE_START
    line = {"type": "LineString", "coordinates": [lon_lat(x, y), lon_lat(x + 100, y)]}
    square_far_away = polygon(utm_square(x, y + 1000, 50))
    path = write(tmp_path, collection(feature(square_far_away), feature(line)))

    area = load_area(path, 10)

    by_the_line, in_the_square, by_the_square = (x + 50, y + 9), (x, y + 1000), (x + 59, y + 1000)
    between = (x, y + 500)
    assert at_utm(area, by_the_line, in_the_square, by_the_square, between) == [
        True,
        True,
        True,  # the polygon grows by the buffer too
        False,
    ]


def test_a_geometry_collection_and_a_single_feature(tmp_path: Path) -> None:
    lon, lat = RAADHUS
    geometries = {
        "type": "GeometryCollection",
        "geometries": [polygon(square(lon - 0.01, lat)), polygon(square(lon + 0.01, lat))],
    }
    both = load_area(write(tmp_path, geometries, "both.geojson"))
    one = load_area(write(tmp_path, feature(polygon(square(*RAADHUS))), "one.geojson"))

    assert at(both, (lon - 0.01, lat), (lon + 0.01, lat), RAADHUS) == [True, True, False]
    assert at(one, RAADHUS) == [True]


def test_three_dimensional_positions_lose_their_third_value(tmp_path: Path) -> None:
    lon, lat = RAADHUS
    ring: list[list[float | None]] = [[*position, 12.5] for position in square(lon, lat)[0]]
    ring[1] = ring[1][:2]  # positions may even differ in length
    ring[2][2] = None  # and the third value is ignored, whatever it is
    area = load_area(write(tmp_path, polygon([ring])))

    assert not shapely.has_z(area.geometry)
    assert area.warnings == ()
    assert at(area, RAADHUS, (lon + 0.01, lat)) == [True, False]


def test_a_self_intersecting_ring_is_repaired_with_a_warning(tmp_path: Path) -> None:
    lon, lat = RAADHUS
    bow_tie = [[lon, lat], [lon + 0.002, lat + 0.002], [lon + 0.002, lat], [lon, lat + 0.002]]
    path = write(tmp_path, polygon([[*bow_tie, bow_tie[0]]]))

    area = load_area(path, shown_as="areas/bow-tie.geojson")

    assert area.warnings == (
        "areas/bow-tie.geojson: repaired an invalid polygon "
        "(self-intersection at lon 10.7345, lat 59.9129)",
    )
    assert area.geometry.is_valid
    left, right = (lon + 0.0002, lat + 0.001), (lon + 0.0018, lat + 0.001)
    assert at(area, left, right, (lon + 0.001, lat + 0.0019)) == [True, True, False]


def test_open_and_short_rings(tmp_path: Path) -> None:
    lon, lat = RAADHUS
    shell = square(lon, lat)[0][:-1]  # not closed
    degenerate_hole = [[lon, lat], [lon + 0.0001, lat], [lon, lat]]
    path = write(tmp_path, polygon([shell, degenerate_hole]))

    area = load_area(path, shown_as="a.geojson")

    assert area.warnings == (
        "a.geojson: closed a ring whose last position was not the first",
        "a.geojson: left out a ring with fewer than 4 positions",
    )
    assert at(area, RAADHUS) == [True]


def test_a_feature_without_geometry_is_left_out_with_a_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path, collection(feature(None), feature(polygon(square(*RAADHUS))), feature(None))
    )

    area = load_area(path, shown_as="a.geojson")

    assert area.warnings == (
        "a.geojson: feature 1 and feature 3 have no geometry (null): left out",
    )
    assert at(area, RAADHUS) == [True]


def test_swapped_longitude_and_latitude_are_refused(tmp_path: Path) -> None:
    lon, lat = RAADHUS
    with pytest.raises(AreaError) as raised:
        load_area(write(tmp_path, polygon(square(lat, lon))), shown_as="a.geojson")

    assert str(raised.value) == (
        "a.geojson: the area lies outside Norway: are longitude and latitude swapped? "
        "(GeoJSON gives each position as [longitude, latitude]; Oslo is [10.75, 59.91])"
    )


def district_file(folder: Path, name: str) -> Path:
    """One district of the real boundary file, in a file of its own."""
    districts = json.loads(DISTRICTS.read_text(encoding="utf-8"))
    (district,) = [f for f in districts["features"] if f["properties"]["name"] == name]
    return write(folder, collection(district), f"{name}.geojson")


def test_the_real_frogner_boundary_is_repaired(tmp_path: Path) -> None:
    path = district_file(tmp_path, "Frogner")
    raw = shapely.from_geojson(path.read_text(encoding="utf-8"))
    assert not shapely.is_valid(raw)  # the data is broken, as the spec says

    area = load_area(path, shown_as="areas/frogner.geojson")

    assert area.warnings == (
        "areas/frogner.geojson: repaired 25 invalid polygons (the first: too few points in "
        "geometry component at lon 10.6462, lat 59.9098); 20 of them enclose no area and were "
        "left out",
    )
    assert area.geometry.is_valid
    assert area.geometry.area == pytest.approx(8.37e6, rel=0.01)  # 8.4 km²
    # The file's coarse boundary puts the west of Frognerparken (10.7035, 59.9270) in Ullern.
    assert at(area, FROGNERPARKEN_EAST, OLAF_RYES_PLASS) == [True, False]


DISTRICT_NAMES = [
    f["properties"]["name"] for f in json.loads(DISTRICTS.read_text(encoding="utf-8"))["features"]
]


@pytest.mark.parametrize("name", DISTRICT_NAMES)
def test_every_district_loads(tmp_path: Path, name: str) -> None:
    area = load_area(district_file(tmp_path, name), shown_as=f"areas/{name}.geojson")

    assert area.geometry.is_valid
    assert area.geometry.geom_type in ("Polygon", "MultiPolygon")
    assert area.geometry.area > 2e6  # m²; every district is bigger than 2 km²
    assert len(area.warnings) == (1 if name in BROKEN_DISTRICTS else 0)
    assert all(w.startswith(f"areas/{name}.geojson: ") for w in area.warnings)


def test_the_whole_file_is_the_union_of_all_districts() -> None:
    area = load_area(DISTRICTS)

    assert area.geometry.is_valid
    assert at(area, FROGNERPARKEN_EAST, OLAF_RYES_PLASS) == [True, True]
    assert at(area, (10.6, 59.6)) == [False]  # south of Oslo
    assert at(area, RAADHUS) == [False]  # Sentrum has no boundary in the file


# --- address coordinates ---------------------------------------------------------------


def test_an_address_in_every_coordinate_system_lands_on_the_same_spot(tmp_path: Path) -> None:
    lon, lat = RAADHUS
    expected = LON_LAT_TO_UTM33.transform(lon, lat)
    codes, nord, ost = [4258], [lat], [lon]  # for 4258, Nord is the latitude
    for code in (25832, 25833, 25835):
        easting, northing = Transformer.from_crs(
            "EPSG:4258", f"EPSG:{code}", always_xy=True
        ).transform(lon, lat)
        codes.append(code)
        nord.append(northing)
        ost.append(easting)

    x, y = to_utm33(np.array(codes), np.array(nord), np.array(ost))

    assert x == pytest.approx([expected[0]] * 4, abs=0.01)
    assert y == pytest.approx([expected[1]] * 4, abs=0.01)
    area = load_area(write(tmp_path, polygon(square(*RAADHUS, half=0.0005))))
    assert inside(area, x, y).tolist() == [True] * 4


def test_addresses_without_usable_coordinates_are_never_inside(tmp_path: Path) -> None:
    x, y = LON_LAT_TO_UTM33.transform(*RAADHUS)
    lon, lat = RAADHUS
    rows = [
        (25833, y, x),  # the one good row
        (25833, np.nan, x),  # no Nord
        (25833, y, np.nan),  # no Øst
        (np.nan, y, x),  # no EPSG-kode
        (4326, lat, lon),  # not a code of adresser.csv
        (9999, y, x),  # no such code
        (4258, 95.0, lon),  # a latitude beyond the pole
    ]
    codes, nord, ost = (np.array(column, dtype=float) for column in zip(*rows, strict=True))

    ux, uy = to_utm33(codes, nord, ost)

    assert np.isfinite(ux).tolist() == [True] + [False] * 6
    assert np.isnan(uy[1:]).all()
    area = load_area(write(tmp_path, polygon(square(*RAADHUS))))
    assert inside(area, ux, uy).tolist() == [True] + [False] * 6


def test_nan_points_are_not_inside(tmp_path: Path) -> None:
    area = load_area(write(tmp_path, polygon(square(*RAADHUS))))
    x, y = LON_LAT_TO_UTM33.transform(*RAADHUS)

    result = inside(area, np.array([x, np.nan, x, np.nan]), np.array([y, y, np.nan, np.nan]))

    assert result.dtype == bool
    assert result.tolist() == [True, False, False, False]


def test_to_utm33_reads_missing_values_as_none_or_masked() -> None:
    """DuckDB's fetchnumpy gives NULLs as masked arrays whose data holds 0."""
    epsg = np.ma.masked_array([25833, 25833, 25833], mask=[False, True, False])
    nord = np.ma.masked_array([6_649_000.0, 6_649_000.0, 6_649_000.0], mask=[False, False, True])
    ost = np.array([262_000.0, 262_000.0, None], dtype=object)

    x, y = to_utm33(epsg, nord, ost)

    assert np.isfinite(x).tolist() == [True, False, False]
    assert np.isfinite(y).tolist() == [True, False, False]


def test_to_utm33_takes_integer_codes_and_empty_arrays() -> None:
    x, y = to_utm33(np.array([25833], dtype=np.int64), np.array([6_643_000.0]), np.array([597e3]))
    assert (x.tolist(), y.tolist()) == ([597_000.0], [6_643_000.0])

    x, y = to_utm33(np.array([], dtype=np.int64), np.array([]), np.array([]))
    assert (x.shape, y.shape) == ((0,), (0,))


# --- errors ----------------------------------------------------------------------------

POINT = {"type": "Point", "coordinates": [10.7335, 59.9119]}
LINE = {"type": "LineString", "coordinates": [[10.73, 59.91], [10.74, 59.91]]}
SQUARE = polygon(square(*RAADHUS))
UTM_SQUARE = polygon([[[597000, 6643000], [597100, 6643000], [597100, 6643100], [597000, 6643000]]])
A_POINT_IS_NOT_AN_AREA = "a Point is not an area (use a Polygon, or a LineString with buffer_m > 0)"
LINE_NEEDS_BUFFER = "a line needs buffer_m > 0 (the distance in metres from the line)"
NOT_LON_LAT = "coordinates are not longitude/latitude (WGS 84); is the file in UTM?"
POLYGON_SHAPE = (
    'not GeoJSON: the "coordinates" of a Polygon must be a list of rings, '
    "each a list of [longitude, latitude] positions"
)


@pytest.mark.parametrize(
    ("content", "buffer_m", "expected"),
    [
        (
            b'{"type": "Polygon", "name": "Sk\xf8yen"}',
            0,
            "areas/x.geojson:1:32: not UTF-8 text (save the file as UTF-8)",
        ),
        (
            b'{"type": "Polygon",\n  "coordinates": [[[10.7, 59.9]]\n',
            0,
            "areas/x.geojson:3:1: not JSON: Expecting ',' delimiter",
        ),
        (b"", 0, "areas/x.geojson:1:1: not JSON: Expecting value"),
        (
            b'{"type": "Polygon", "coordinates": [[[NaN, 59.9]]]}',
            0,
            "areas/x.geojson: not JSON: NaN is not a JSON number",
        ),
        (b"[]", 0, 'areas/x.geojson: not GeoJSON: expected an object with a "type", found a list'),
        (
            b'{"coordinates": []}',
            0,
            'areas/x.geojson: not GeoJSON: no "type" member '
            "(expected a Polygon, MultiPolygon, Feature or FeatureCollection)",
        ),
        (
            b'{"type": "Polgon", "coordinates": []}',
            0,
            'areas/x.geojson: not GeoJSON: unknown type "Polgon" (did you mean Polygon?)',
        ),
        (
            b'{"type": "Topology"}',
            0,
            'areas/x.geojson: not GeoJSON: unknown type "Topology" (expected one of Polygon, '
            "MultiPolygon, LineString, MultiLineString, Point, MultiPoint, GeometryCollection, "
            "Feature, FeatureCollection)",
        ),
        (POINT, 0, f"areas/x.geojson: {A_POINT_IS_NOT_AN_AREA}"),
        (POINT, 100, f"areas/x.geojson: {A_POINT_IS_NOT_AN_AREA}"),
        (
            {"type": "MultiPoint", "coordinates": [[10.7335, 59.9119]]},
            100,
            "areas/x.geojson: a MultiPoint is not an area "
            "(use a Polygon, or a LineString with buffer_m > 0)",
        ),
        (
            collection(feature(SQUARE), feature(POINT)),
            0,
            f"areas/x.geojson: feature 2: {A_POINT_IS_NOT_AN_AREA}",
        ),
        (
            {"type": "GeometryCollection", "geometries": [SQUARE, POINT]},
            0,
            f"areas/x.geojson: geometry 2: {A_POINT_IS_NOT_AN_AREA}",
        ),
        (LINE, 0, f"areas/x.geojson: {LINE_NEEDS_BUFFER}"),
        (
            {"type": "MultiLineString", "coordinates": [LINE["coordinates"]]},
            0,
            f"areas/x.geojson: {LINE_NEEDS_BUFFER}",
        ),
        (
            collection(feature(SQUARE), feature(LINE)),
            0,
            f"areas/x.geojson: feature 2: {LINE_NEEDS_BUFFER}",
        ),
        (
            {"type": "LineString", "coordinates": [[10.73, 59.91]]},
            30,
            "areas/x.geojson: not GeoJSON: a LineString needs at least 2 positions",
        ),
        (
            collection(),
            0,
            "areas/x.geojson: the area is empty (a FeatureCollection with no features)",
        ),
        (polygon([]), 0, "areas/x.geojson: the area is empty (no coordinates)"),
        (
            {"type": "MultiPolygon", "coordinates": []},
            0,
            "areas/x.geojson: the area is empty (no coordinates)",
        ),
        (collection(feature(None)), 0, "areas/x.geojson: the area is empty (no coordinates)"),
        (
            polygon([[[10.7, 59.9], [10.7, 59.9], [10.7, 59.9], [10.7, 59.9]]]),
            0,
            "areas/x.geojson: the area is empty (its polygons enclose no area)",
        ),
        (UTM_SQUARE, 0, f"areas/x.geojson: {NOT_LON_LAT}"),
        (collection(feature(UTM_SQUARE)), 0, f"areas/x.geojson: feature 1: {NOT_LON_LAT}"),
        (
            polygon([[[10.7, 95.0], [10.8, 59.9], [10.7, 59.8], [10.7, 95.0]]]),
            0,
            f"areas/x.geojson: {NOT_LON_LAT}",
        ),
        (
            b'{"type": "Polygon", "coordinates": [[[1e400, 59.9]]]}',
            0,
            f"areas/x.geojson: {NOT_LON_LAT}",
        ),
        (
            b'{"type": "Polygon", "coordinates": [[[1' + b"0" * 400 + b", 59.9]]]}",
            0,
            f"areas/x.geojson: {NOT_LON_LAT}",
        ),
        (polygon([[["10.7", "59.9"]]]), 0, f"areas/x.geojson: {POLYGON_SHAPE}"),
        (polygon([[10.7, 59.9]]), 0, f"areas/x.geojson: {POLYGON_SHAPE}"),
        (polygon([[[10.7]]]), 0, f"areas/x.geojson: {POLYGON_SHAPE}"),
        (polygon(None), 0, f"areas/x.geojson: {POLYGON_SHAPE}"),
        (
            {"type": "MultiPolygon", "coordinates": [[10.7, 59.9]]},
            0,
            'areas/x.geojson: not GeoJSON: the "coordinates" of a MultiPolygon must be a list '
            "of polygons, each a list of rings of [longitude, latitude] positions",
        ),
        (
            {"type": "FeatureCollection", "features": {}},
            0,
            'areas/x.geojson: not GeoJSON: a FeatureCollection needs "features": '
            "a list of features",
        ),
        (
            collection(SQUARE),
            0,
            "areas/x.geojson: feature 1: not GeoJSON: expected a Feature, found a Polygon",
        ),
        (
            {"type": "Feature", "properties": {}},
            0,
            'areas/x.geojson: not GeoJSON: a Feature needs a "geometry" member (null for none)',
        ),
        (
            feature(collection()),
            0,
            "areas/x.geojson: not GeoJSON: expected a geometry, found a FeatureCollection",
        ),
        (
            {"type": "GeometryCollection"},
            0,
            'areas/x.geojson: not GeoJSON: a GeometryCollection needs "geometries": '
            "a list of geometries",
        ),
        (
            collection(feature(SQUARE), "Frogner"),
            0,
            'areas/x.geojson: feature 2: not GeoJSON: expected an object with a "type", '
            "found a string",
        ),
    ],
)
def test_errors(tmp_path: Path, content: Any, buffer_m: float, expected: str) -> None:
    path = tmp_path / "x.geojson"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(json.dumps(content), encoding="utf-8")

    with pytest.raises(AreaError) as raised:
        load_area(path, buffer_m, shown_as="areas/x.geojson")

    assert str(raised.value) == expected
    assert isinstance(raised.value, ProaktiveError)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AreaError, match=r"^areas/nowhere\.geojson: file not found$"):
        load_area(tmp_path / "nowhere.geojson", shown_as="areas/nowhere.geojson")


def test_a_folder(tmp_path: Path) -> None:
    with pytest.raises(AreaError) as raised:
        load_area(tmp_path)

    assert str(raised.value) == f"{tmp_path}: is a folder, not a file"


def test_errors_name_the_path_unless_told_otherwise(tmp_path: Path) -> None:
    path = write(tmp_path, POINT)

    with pytest.raises(AreaError) as raised:
        load_area(path)

    assert str(raised.value) == f"{path}: {A_POINT_IS_NOT_AN_AREA}"


def test_a_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "bom.geojson"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(SQUARE).encode())

    assert at(load_area(path), RAADHUS) == [True]


@pytest.mark.parametrize("buffer_m", [-1.0, float("nan"), float("inf")])
def test_a_negative_or_odd_buffer_is_a_bug_of_the_caller(tmp_path: Path, buffer_m: float) -> None:
    with pytest.raises(ValueError, match="buffer_m must be 0 or more metres"):
        load_area(write(tmp_path, SQUARE), buffer_m)
