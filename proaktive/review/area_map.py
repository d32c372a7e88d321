"""An area campaign's map as inline SVG: the area, its buffer, the matched addresses as dots.

No tiles and nothing else from the network: the page must open anywhere and show
what the criteria saw. Coordinates are EPSG:25833 metres, drawn north up.
Protected addresses are never drawn: the caller's query leaves them out, and this
module only draws what it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape

import shapely

WIDTH = 640  # pixels, at most; a tall area is drawn narrower
HEIGHT = 420
_SCALE_BAR_METRES = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000)

Project = Callable[[float, float], tuple[float, float]]


@dataclass(frozen=True)
class MapLayer:
    geometry: shapely.Geometry  # EPSG:25833
    fill: str
    stroke: str
    label: str


def area_svg(layers: Sequence[MapLayer], dots: Iterable[tuple[float, float]], *, title: str) -> str:
    """The SVG element; the map's extent is the union of the layers with a margin."""
    min_x, min_y, max_x, max_y = shapely.union_all([layer.geometry for layer in layers]).bounds
    margin = max(max_x - min_x, max_y - min_y, 50.0) * 0.08
    min_x, min_y, max_x, max_y = min_x - margin, min_y - margin, max_x + margin, max_y + margin
    scale = min(WIDTH / (max_x - min_x), HEIGHT / (max_y - min_y))
    width, height = (max_x - min_x) * scale, (max_y - min_y) * scale

    def project(x: float, y: float) -> tuple[float, float]:
        return (x - min_x) * scale, (max_y - y) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#F8F8FB"/>',
    ]
    for layer in layers:
        parts.append(
            f'<path d="{_path(layer.geometry, project)}" fill="{layer.fill}" '
            f'stroke="{layer.stroke}" stroke-width="1.5" fill-rule="evenodd">'
            f"<title>{escape(layer.label)}</title></path>"
        )
    for x, y in dots:
        if min_x <= x <= max_x and min_y <= y <= max_y:
            cx, cy = project(x, y)
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="#2A2859"/>')
    parts.append(_scale_bar(scale, height))
    parts.append("</svg>")
    return "\n".join(parts)


def _path(geometry: shapely.Geometry, project: Project) -> str:
    rings = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        for ring in [polygon.exterior, *polygon.interiors]:
            points = [project(x, y) for x, y, *_ in ring.coords]
            rings.append("M " + " L ".join(f"{px:.1f},{py:.1f}" for px, py in points) + " Z")
    return " ".join(rings)


def _scale_bar(scale: float, height: float) -> str:
    metres = next((m for m in _SCALE_BAR_METRES if m * scale >= 60), _SCALE_BAR_METRES[-1])
    right, y = 12 + metres * scale, height - 14
    return (
        '<g font-family="Arial, sans-serif" font-size="11" fill="#2C2C2C">'
        f'<line x1="12" y1="{y:.0f}" x2="{right:.0f}" y2="{y:.0f}" stroke="#2C2C2C" '
        f'stroke-width="2"/><text x="12" y="{y - 5:.0f}">{metres} m</text></g>'
    )
