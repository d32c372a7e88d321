"""Geometry: GeoJSON areas in, prepared shapely geometries in UTM 33 out.

Campaign validation loads an area to check it; the audience loads it again and tests
addresses against it. Neither owns it, so it lives here, apart from both, with
`transformer`: the one way the project projects coordinates (the synthetic generator
uses it too).

An area file is GeoJSON (RFC 7946) in longitude/latitude (WGS 84). `load_area` reads
it, checks it, repairs broken rings (with a warning that names the file), projects it
to EPSG:25833 and grows it by `buffer_m` metres there. `to_utm33` brings the address
coordinates of `adresser.csv` (EPSG 4258, 25832, 25833 or 25835) to the same plane,
and `inside` tests hundreds of thousands of addresses at once.

Decisions where the spec is silent:

- Point and MultiPoint are never areas, not even with a buffer: the spec names
  polygons, and lines with a buffer, and nothing else.
- A Feature with `"geometry": null` (allowed by RFC 7946) is left out with a warning;
  if nothing else is left, the area is empty, which is an error.
- Parts of a MultiPolygon, and features of a FeatureCollection, are united, so parts
  that overlap are simply one area (no warning). Each polygon is repaired on its own,
  before the union, so an overlap can never turn into a hole.
- A ring whose last position is not its first is closed, and a ring with fewer than
  4 positions (after closing) is left out; both with a warning.
- A point exactly on the boundary of an area is inside it (`shapely.intersects_xy`):
  "within 30 m of the line" includes 30 m.
- Address codes other than 4258, 25832, 25833 and 25835 give no coordinates (NaN),
  like an address without coordinates: such a person never matches an area.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from proaktive.errors import FileError, Location, ProaktiveError
from proaktive.files import AREA_LIMIT, read_bytes
from proaktive.registry.exports import EPSG_CODES

UTM33 = 25833  # where areas and addresses meet: metres, so buffers can be in metres
WGS84 = 4326  # longitude/latitude, as GeoJSON (RFC 7946) has them

_GEOMETRY_TYPES = (
    "Polygon",
    "MultiPolygon",
    "LineString",
    "MultiLineString",
    "Point",
    "MultiPoint",
    "GeometryCollection",
)
_ALL_TYPES = (*_GEOMETRY_TYPES, "Feature", "FeatureCollection")

# What "coordinates" must look like, per type, for error messages.
_COORDINATES_SHAPE = {
    "Polygon": "a list of rings, each a list of [longitude, latitude] positions",
    "MultiPolygon": "a list of polygons, each a list of rings of [longitude, latitude] positions",
    "LineString": "a list of [longitude, latitude] positions",
    "MultiLineString": "a list of lines, each a list of [longitude, latitude] positions",
}

# Mainland Norway with a margin, to catch files with longitude and latitude swapped.
_NORWAY_LON = (4.0, 32.0)
_NORWAY_LAT = (57.0, 72.0)

NOT_LON_LAT = "coordinates are not longitude/latitude (WGS 84); is the file in UTM?"
LINE_NEEDS_BUFFER = "a line needs buffer_m > 0 (the distance in metres from the line)"


class AreaError(ProaktiveError):
    """An area file that cannot be read, is not GeoJSON, or is no area."""


@dataclass(frozen=True)
class Area:
    """An area ready for `inside`: EPSG:25833, grown by `buffer_m`, valid and prepared."""

    source: Path
    buffer_m: float
    geometry: shapely.Geometry  # Polygon or MultiPolygon in EPSG:25833
    warnings: tuple[str, ...]  # each begins with the file's name: "areas/x.geojson: ..."


def load_area(path: Path, buffer_m: float = 0.0, *, shown_as: str | None = None) -> Area:
    """Read the GeoJSON area at `path`, grown by `buffer_m` metres.

    `shown_as` is how errors and warnings name the file (e.g. relative to the
    campaign); the default is `path` itself. Raises `AreaError` for a file that
    cannot be read, is not GeoJSON, or holds no area. `buffer_m` must be finite and
    not negative (the campaign schema checks this; here it is a `ValueError`).
    """
    if not math.isfinite(buffer_m) or buffer_m < 0:
        raise ValueError(f"buffer_m must be 0 or more metres, not {buffer_m}")
    try:
        status = path.stat()
        version = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
    except OSError:
        version = None  # _read_json says what is wrong
    return _load_area(path, version, buffer_m, shown_as)


# Validation and resolving read the same area in one command: read once, while the
# file stays the same (`version`).
@functools.lru_cache(maxsize=16)
def _load_area(
    path: Path, version: tuple[int, ...] | None, buffer_m: float, shown_as: str | None
) -> Area:
    where = Location(shown_as if shown_as is not None else path)
    document = _read_json(path, where)
    parts = _Parts(buffer_m=buffer_m)
    try:
        _walk(document, (), parts, level="top")
    except _Invalid as invalid:
        raise AreaError(invalid.message, where, invalid.hint) from None
    geometry, notes = _build(parts, where)
    shapely.prepare(geometry)
    warnings = tuple(f"{where}: {note}" for note in notes)
    return Area(source=path, buffer_m=buffer_m, geometry=geometry, warnings=warnings)


def to_utm33(epsg: np.ndarray, nord: np.ndarray, ost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Address coordinates (`EPSG-kode`, `Nord`, `Øst`) as x, y in EPSG:25833.

    Vectorised: one transformation per EPSG code for all its rows. For 4258,
    `Nord` is the latitude and `Øst` the longitude. Rows with a missing (NaN) or
    unknown code, or missing coordinates, get NaN, which `inside` never counts.
    Missing values may be NaN, None, or masked (DuckDB's `fetchnumpy` gives NULLs
    as masked arrays, whose plain data holds a 0 where the value is missing).
    """
    codes, northing, easting = _floats(epsg), _floats(nord), _floats(ost)
    if not codes.shape == northing.shape == easting.shape:
        raise ValueError(
            f"epsg, nord and ost differ in shape: {codes.shape}, {northing.shape}, {easting.shape}"
        )
    x = np.full(codes.shape, np.nan)
    y = np.full(codes.shape, np.nan)
    known = np.isfinite(northing) & np.isfinite(easting)
    for code in EPSG_CODES:
        rows = known & (codes == code)
        if not rows.any():
            continue
        if code == UTM33:
            x[rows], y[rows] = easting[rows], northing[rows]
        else:
            # always_xy: (longitude, latitude) for 4258, (easting, northing) for UTM.
            x[rows], y[rows] = transformer(code, UTM33).transform(easting[rows], northing[rows])
    lost = ~(np.isfinite(x) & np.isfinite(y))  # pyproj gives inf where it cannot project
    x[lost] = np.nan
    y[lost] = np.nan
    return x, y


def inside(area: Area, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Which points (EPSG:25833) lie in the area; a point on its boundary counts as in.

    NaN coordinates are never inside. Vectorised on the prepared geometry.
    """
    result = shapely.intersects_xy(
        area.geometry, np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    )
    return np.asarray(result, dtype=bool)


# --- projection ---------------------------------------------------------------------


def _floats(values: np.ndarray) -> np.ndarray:
    """Values as float64, NaN where missing (None or masked)."""
    if isinstance(values, np.ma.MaskedArray):
        return np.ma.filled(values.astype(np.float64), np.nan)
    return np.asarray(values, dtype=np.float64)


@functools.cache
def transformer(source_epsg: int, target_epsg: int) -> Transformer:
    """From one EPSG system to another, built once per pair (building one is slow).

    Always (x, y) order: (easting, northing), or (longitude, latitude) for 4258 and 4326.
    """
    return Transformer.from_crs(f"EPSG:{source_epsg}", f"EPSG:{target_epsg}", always_xy=True)


def _project_lon_lat(coordinates: np.ndarray) -> np.ndarray:
    """(n, 2) longitude/latitude (EPSG:4326) → (n, 2) EPSG:25833, for `shapely.transform`."""
    x, y = transformer(WGS84, UTM33).transform(coordinates[:, 0], coordinates[:, 1])
    return np.column_stack((x, y))


# --- reading ------------------------------------------------------------------------


def _read_json(path: Path, where: Location) -> Any:
    try:
        data = read_bytes(path, AREA_LIMIT)
    except FileError as error:
        raise AreaError(error.message, where) from None
    try:
        # A byte order mark is not RFC 7946, but harmless (RFC 8259 lets parsers skip it).
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        line = data.count(b"\n", 0, error.start) + 1
        column = len(data[line_start : error.start].decode("utf-8", errors="replace")) + 1
        raise AreaError(
            "not UTF-8 text", Location(where.file, line, column), "save the file as UTF-8"
        ) from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise AreaError(
            f"not JSON: {error.msg}", Location(where.file, error.lineno, error.colno)
        ) from None
    except _Invalid as invalid:
        raise AreaError(invalid.message, where) from None
    except RecursionError:
        raise AreaError("not JSON: nested too deeply", where) from None


def _refuse_constant(name: str) -> Any:
    raise _Invalid(f"not JSON: {name} is not a JSON number")


class _Invalid(Exception):
    """A problem in the document; `load_area` adds the file's location."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass
class _Parts:
    """What the walk through the document found, still in longitude/latitude."""

    buffer_m: float
    polygons: list[shapely.Geometry] = field(default_factory=list)
    lines: list[shapely.Geometry] = field(default_factory=list)
    null_features: list[str] = field(default_factory=list)
    empty_collection: bool = False
    closed_rings: int = 0
    short_rings: int = 0


def _walk(node: Any, context: tuple[str, ...], parts: _Parts, *, level: str) -> None:
    """Collect the polygons and lines of a GeoJSON object.

    `level` is what may stand here: "top" (anything), "feature" (a Feature in a
    FeatureCollection) or "geometry" (a geometry of a Feature or GeometryCollection).
    """
    kind = _type_of(node, context)
    if level == "feature" and kind != "Feature":
        raise _invalid(context, f"not GeoJSON: expected a Feature, found {_a(kind)}")
    if level == "geometry" and kind not in _GEOMETRY_TYPES:
        raise _invalid(context, f"not GeoJSON: expected a geometry, found {_a(kind)}")

    if kind == "FeatureCollection":
        features = node.get("features")
        if not isinstance(features, list):
            raise _invalid(
                context, 'not GeoJSON: a FeatureCollection needs "features": a list of features'
            )
        if not features:
            parts.empty_collection = True
        for number, feature in enumerate(features, start=1):
            _walk(feature, (*context, f"feature {number}"), parts, level="feature")
    elif kind == "Feature":
        if "geometry" not in node:
            raise _invalid(
                context, 'not GeoJSON: a Feature needs a "geometry" member (null for none)'
            )
        if node["geometry"] is None:
            parts.null_features.append(", ".join(context) or "the feature")
        else:
            _walk(node["geometry"], context, parts, level="geometry")
    elif kind == "GeometryCollection":
        geometries = node.get("geometries")
        if not isinstance(geometries, list):
            raise _invalid(
                context,
                'not GeoJSON: a GeometryCollection needs "geometries": a list of geometries',
            )
        for number, geometry in enumerate(geometries, start=1):
            _walk(geometry, (*context, f"geometry {number}"), parts, level="geometry")
    elif kind in ("Point", "MultiPoint"):
        raise _invalid(
            context,
            f"{_a(kind)} is not an area",
            "use a Polygon, or a LineString with buffer_m > 0",
        )
    elif kind in ("LineString", "MultiLineString"):
        if parts.buffer_m == 0:
            raise _invalid(context, LINE_NEEDS_BUFFER)
        _add_lines(node, kind, context, parts)
    else:  # Polygon, MultiPolygon
        _add_polygons(node, kind, context, parts)


def _type_of(node: Any, context: tuple[str, ...]) -> str:
    if not isinstance(node, dict):
        raise _invalid(
            context,
            f'not GeoJSON: expected an object with a "type", found {_json_kind(node)}',
        )
    if "type" not in node:
        raise _invalid(
            context,
            'not GeoJSON: no "type" member',
            "expected a Polygon, MultiPolygon, Feature or FeatureCollection",
        )
    kind = node["type"]
    if kind not in _ALL_TYPES:
        close = difflib.get_close_matches(str(kind), _ALL_TYPES, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else f"expected one of {', '.join(_ALL_TYPES)}"
        raise _invalid(context, f"not GeoJSON: unknown type {json.dumps(kind)}", hint)
    return str(kind)


def _add_polygons(node: dict[str, Any], kind: str, context: tuple[str, ...], parts: _Parts) -> None:
    coordinates = node.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list):
        raise _bad_coordinates(kind, context)
    for polygon in polygons:
        if not isinstance(polygon, list):
            raise _bad_coordinates(kind, context)
        rings = [_positions(ring, kind, context) for ring in polygon]
        if not rings or len(rings[0]) == 0:
            continue  # an empty polygon: no area
        kept: list[np.ndarray] = []
        for ring in rings:
            if len(ring) > 0 and not np.array_equal(ring[0], ring[-1]):
                ring = np.vstack((ring, ring[:1]))
                parts.closed_rings += 1
            if len(ring) < 4:
                parts.short_rings += 1
                if not kept:  # the outer ring: the whole polygon goes
                    break
                continue
            kept.append(ring)
        if kept:
            parts.polygons.append(shapely.Polygon(kept[0], kept[1:]))


def _add_lines(node: dict[str, Any], kind: str, context: tuple[str, ...], parts: _Parts) -> None:
    coordinates = node.get("coordinates")
    lines = [coordinates] if kind == "LineString" else coordinates
    if not isinstance(lines, list):
        raise _bad_coordinates(kind, context)
    for line in lines:
        positions = _positions(line, kind, context)
        if len(positions) == 0:
            continue  # an empty line
        if len(positions) < 2:
            raise _invalid(context, f"not GeoJSON: {_a(kind)} needs at least 2 positions")
        parts.lines.append(shapely.LineString(positions))


def _positions(value: Any, kind: str, context: tuple[str, ...]) -> np.ndarray:
    """A list of GeoJSON positions as an (n, 2) array of longitude, latitude."""
    if not isinstance(value, list):
        raise _bad_coordinates(kind, context)
    try:  # the fast path: n positions of the same length
        array = np.array(value)
    except ValueError:  # ragged: some positions with a third value, some without
        array = np.empty(0)
    if not (array.ndim == 2 and array.shape[1] >= 2 and array.dtype.kind in "fi"):
        if value and not all(_is_position(position) for position in value):
            raise _bad_coordinates(kind, context)
        try:
            array = np.array([position[:2] for position in value], dtype=np.float64)
        except OverflowError:  # an integer with hundreds of digits
            raise _invalid(context, NOT_LON_LAT) from None
    lon_lat = np.asarray(array[:, :2] if len(array) else array.reshape(0, 2), dtype=np.float64)
    lon, lat = lon_lat[:, 0], lon_lat[:, 1]
    if not (np.all(np.abs(lon) <= 180) and np.all(np.abs(lat) <= 90)):
        raise _invalid(context, NOT_LON_LAT)
    return lon_lat


def _is_position(position: Any) -> bool:
    """[longitude, latitude, anything...]: a third value is ignored, whatever it is."""
    return (
        isinstance(position, list)
        and len(position) >= 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2])
    )


def _bad_coordinates(kind: str, context: tuple[str, ...]) -> _Invalid:
    return _invalid(
        context, f'not GeoJSON: the "coordinates" of {_a(kind)} must be {_COORDINATES_SHAPE[kind]}'
    )


def _invalid(context: tuple[str, ...], message: str, hint: str | None = None) -> _Invalid:
    return _Invalid(f"{', '.join(context)}: {message}" if context else message, hint)


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "AEIOU" else f"a {kind}"


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return "a number"
    return "an object"  # pragma: no cover - dicts never get here


# --- building the geometry ----------------------------------------------------------


def _build(parts: _Parts, where: Location) -> tuple[shapely.Geometry, list[str]]:
    """Repair, project, unite and buffer the parts; the geometry and the warnings."""
    notes: list[str] = []
    if parts.null_features:
        verb = "has" if len(parts.null_features) == 1 else "have"
        notes.append(f"{_join(parts.null_features)} {verb} no geometry (null): left out")
    if parts.closed_rings:
        notes.append(f"closed {_rings(parts.closed_rings)} whose last position was not the first")
    if parts.short_rings:
        notes.append(f"left out {_rings(parts.short_rings)} with fewer than 4 positions")

    polygons_lon_lat = np.array(parts.polygons, dtype=object)
    lines_lon_lat = np.array(parts.lines, dtype=object)
    everything = np.concatenate((polygons_lon_lat, lines_lon_lat))
    if len(everything) == 0:
        if parts.empty_collection and not parts.null_features:
            raise AreaError("the area is empty (a FeatureCollection with no features)", where)
        raise AreaError("the area is empty (no coordinates)", where)
    west, south, east, north = shapely.total_bounds(everything)
    misses_lon = east < _NORWAY_LON[0] or west > _NORWAY_LON[1]
    misses_lat = north < _NORWAY_LAT[0] or south > _NORWAY_LAT[1]
    if misses_lon or misses_lat:
        # Never a real campaign's area: refused, so that validation stops it.
        raise AreaError(
            "the area lies outside Norway: are longitude and latitude swapped?",
            where,
            "GeoJSON gives each position as [longitude, latitude]; Oslo is [10.75, 59.91]",
        )

    polygons = _project(polygons_lon_lat)
    area = shapely.union_all(_repaired(polygons_lon_lat, polygons, notes))
    if parts.buffer_m > 0:
        area = shapely.union_all(
            [shapely.buffer(area, parts.buffer_m)]
            + [shapely.buffer(line, parts.buffer_m) for line in _project(lines_lon_lat)]
        )
    area = _polygonal(area)
    if not shapely.is_valid(area):  # pragma: no cover - GEOS unions and buffers are valid
        area = _polygonal(shapely.make_valid(area))
    if area.is_empty:
        raise AreaError("the area is empty (its polygons enclose no area)", where)
    return area, notes


def _project(geometries: np.ndarray) -> np.ndarray:
    if len(geometries) == 0:
        return geometries
    return np.asarray(shapely.transform(geometries, _project_lon_lat))


def _repaired(
    polygons_lon_lat: np.ndarray, polygons: np.ndarray, notes: list[str]
) -> list[shapely.Geometry]:
    """The projected polygons, each invalid one made valid; notes what was repaired.

    Validity is checked in both planes: the file's (whose reasons name longitude and
    latitude the user can find) and UTM 33 (where the geometry is used).
    """
    if len(polygons) == 0:
        return []
    reasons = shapely.is_valid_reason(polygons_lon_lat)
    invalid = (reasons != "Valid Geometry") | ~shapely.is_valid(polygons)
    result = list(polygons[~invalid])
    collapsed = 0
    for polygon in shapely.make_valid(polygons[invalid]):
        repaired = _polygonal(polygon)
        if repaired.is_empty:
            collapsed += 1
        else:
            result.append(repaired)
    count = int(invalid.sum())
    if count:
        first = next((r for r in reasons if r != "Valid Geometry"), None)
        reason = _describe(first) if first else "invalid once projected to UTM 33"
        polygons_text = "an invalid polygon" if count == 1 else f"{count} invalid polygons"
        reason = reason if count == 1 else f"the first: {reason}"
        if collapsed == count:
            verb = "encloses" if count == 1 else "enclose"
            notes.append(f"left out {polygons_text} that {verb} no area ({reason})")
        else:
            note = f"repaired {polygons_text} ({reason})"
            if collapsed:
                verb = "encloses no area and was" if collapsed == 1 else "enclose no area and were"
                note += f"; {collapsed} of them {verb} left out"
            notes.append(note)
    return result


def _polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """Only the polygons of a geometry (make_valid may add lines and points)."""
    if isinstance(geometry, shapely.Polygon | shapely.MultiPolygon):
        return geometry
    polygons: list[shapely.Geometry] = []
    pending = [geometry]
    while pending:
        part = pending.pop()
        if isinstance(part, shapely.Polygon):
            if not part.is_empty:
                polygons.append(part)
        elif isinstance(part, shapely.MultiPolygon | shapely.GeometryCollection):
            pending.extend(shapely.get_parts(part))
    if len(polygons) == 1:
        return polygons[0]
    return shapely.union_all(polygons) if polygons else shapely.Polygon()


_REASON = re.compile(r"^(?P<what>.*)\[(?P<lon>\S+) (?P<lat>\S+)\]$")


def _describe(reason: str) -> str:
    """GEOS's `Self-intersection[10.75 59.9]` as `self-intersection at lon 10.75, lat 59.9`."""
    match = _REASON.match(reason)
    if not match:
        return reason[:1].lower() + reason[1:]
    what = match["what"]
    return f"{what[:1].lower()}{what[1:]} at lon {match['lon']}, lat {match['lat']}"


def _rings(count: int) -> str:
    return "a ring" if count == 1 else f"{count} rings"


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
