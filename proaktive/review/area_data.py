"""What the review map draws, read after `resolve`: the areas and the matched addresses.

The addresses are those of the people the criteria matched (the `matched` table that
`resolve` leaves), without anyone whose address is protected: not even as a dot.
"""

from __future__ import annotations

from proaktive import geo
from proaktive.audience.criteria import leaves
from proaktive.campaign.model import Area, Campaign
from proaktive.registry.snapshot import Registry
from proaktive.review.area_map import MapLayer

# A line is an area only with a buffer; to draw the line itself, a hairline one.
_LINE_WIDTH_M = 0.5


def area_layers(campaign: Campaign) -> list[MapLayer]:
    """For each area criterion, its buffer (when it has one) under the area itself."""
    layers = []
    areas = dict.fromkeys(c for c, _ in leaves(campaign.audience) if isinstance(c, Area))
    for area in areas:
        if area.buffer_m > 0:
            grown = geo.load_area(area.file, area.buffer_m).geometry
            label = f"{area.file.name} + {area.buffer_m:g} m"
            layers.append(MapLayer(grown, "#DCE6FA", "#8FA8E0", label))
        try:
            own = geo.load_area(area.file, 0).geometry
        except geo.AreaError:  # a line: no area without a buffer
            own = geo.load_area(area.file, _LINE_WIDTH_M).geometry
        layers.append(MapLayer(own, "#B3C7F2", "#2A2859", area.file.name))
    return layers


def matched_points(registry: Registry) -> list[tuple[float, float]]:
    """The matched people's home addresses in EPSG:25833, each once; never a protected one."""
    columns = registry.connection.execute(
        """SELECT DISTINCT a.epsg, a.nord, a.ost
        FROM matched m JOIN personer p ON p.personidentifikator = m.personidentifikator
        JOIN adresser a ON a.adresse_id = p.adresse_id
        WHERE NOT p.beskyttet AND NOT m.beskyttet
            AND a.nord IS NOT NULL AND a.ost IS NOT NULL"""
    ).fetchnumpy()
    if len(columns["epsg"]) == 0:
        return []
    x, y = geo.to_utm33(columns["epsg"], columns["nord"], columns["ost"])
    return [(float(px), float(py)) for px, py in zip(x, y, strict=True) if px == px and py == py]
