#!/usr/bin/python3
"""Draws the fictitious control units (管控单元) of the Chongqing sample.

Writes samples/chongqing/units.gpkg, layer `units`, EPSG:4490 (CGCS2000), with fields
unit_code, unit_name, unit_type, region. Run with Debian's Python (GDAL bindings):

    /usr/bin/python3 scripts/make_sample.py

The units are hand-drawn for demonstration and have no legal standing. They were placed
by looking at a false-colour render (B08/B04/B03) and NDVI/NDWI maps of the 2017 scene:
reservoirs in the north-east, forested hills in the north-east and south-east, an
industrial grid north-west of centre, a new town in the centre, factories in the east and
south-west. The scene (106.27-106.32 E, 29.38-29.45 N) lies around Shuangfu (双福),
Jiangjin District, next to Jiulongpo District, so the codes use those county codes
(500116 江津区, 500107 九龙坡区); the district line drawn here is invented.

Vertices are digitised as (column, row) on the 10 m grid of the 2017 B02 band and turned
into coordinates with that band's geotransform, so they can be checked against any
image viewer. Every border between two units is one shared chain of vertices, walked
forwards by one unit and backwards by the other, so units tile the scene without gaps or
overlaps. The outer frame reaches about 100 m past the image edge, as real units do.
"""
import os
import sys
from pathlib import Path

from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "chongqing"
REFERENCE_BAND = SAMPLE / "before" / "T48RXT_20170414T032541_B02.tif"
OUTPUT = SAMPLE / "units.gpkg"

# Shared borders, (column, row) on the reference band grid (544 x 730 pixels). Each key
# names the two units the chain separates, or "<unit> outer" for the frame.
CHAINS = {
    "nw outer": [(-8, 138), (-10, 70), (-6, -6), (98, -8)],
    "ind_n outer": [(98, -8), (180, -10), (262, -6)],
    "central outer": [(262, -6), (334, -9)],
    "forest outer": [(334, -9), (440, -10), (550, -6), (552, 118)],
    "water outer": [(552, 118), (551, 230), (550, 338)],
    "east_ind outer": [(550, 338), (553, 450), (552, 572)],
    "se outer": [(552, 572), (549, 655), (550, 736), (460, 739), (352, 737)],
    "s outer": [(352, 737), (270, 740), (186, 738)],
    "ind_sw outer": [(186, 738), (90, 739), (-6, 736), (-10, 560), (-6, 402)],
    "urban_w outer": [(-6, 402), (-9, 270), (-8, 138)],
    "nw|ind_n": [(98, -8), (92, 40), (104, 88), (96, 128), (88, 146)],
    "nw|urban_w": [(-8, 138), (30, 150), (60, 140), (88, 146)],
    "urban_w|ind_n": [(88, 146), (112, 190), (100, 236), (108, 268)],
    "ind_n|central": [(262, -6), (270, 96), (250, 170), (236, 232), (228, 270), (160, 262),
                      (108, 268)],
    "urban_w|central": [(108, 268), (98, 336), (112, 404)],
    "urban_w|ind_sw": [(-6, 402), (40, 396), (112, 404)],
    "central|forest": [(334, -9), (324, 70), (330, 140), (318, 192)],
    "central|newtown": [(318, 192), (288, 214), (296, 280), (292, 396), (300, 412)],
    "central|ind_sw": [(112, 404), (196, 398)],
    "central|hills": [(196, 398), (244, 410), (300, 412)],
    "forest|newtown": [(318, 192), (352, 186), (384, 200), (404, 196)],
    "forest|water": [(404, 196), (416, 150), (446, 128), (492, 112), (552, 118)],
    "newtown|water": [(404, 196), (398, 246), (392, 300), (400, 340)],
    "water|east_ind": [(400, 340), (440, 330), (490, 346), (550, 338)],
    "newtown|east_ind": [(400, 340), (384, 390), (388, 432)],
    "newtown|hills": [(300, 412), (336, 424), (388, 432)],
    "hills|east_ind": [(388, 432), (366, 470), (352, 520), (362, 572)],
    "east_ind|se": [(362, 572), (420, 560), (480, 584), (552, 572)],
    "hills|se": [(362, 572), (340, 598), (332, 616)],
    "s|se": [(332, 616), (348, 664), (336, 700), (352, 737)],
    "hills|s": [(196, 604), (248, 594), (292, 604), (332, 616)],
    "ind_sw|hills": [(196, 398), (186, 450), (200, 510), (184, 560), (196, 604)],
    "ind_sw|s": [(196, 604), (178, 650), (192, 700), (186, 738)],
}

# The factory block is an island inside the southern general unit: its ring is that
# unit's hole, which exercises polygons with holes in the loader.
FACTORY_RING = [(228, 630), (270, 624), (314, 632), (318, 668), (310, 712), (262, 716),
                (226, 708), (222, 668)]

JIANGJIN = ("500116", "重庆市江津区")
JIULONGPO = ("500107", "重庆市九龙坡区")

# unit_type mixes the Chinese names and the English keywords on purpose: ledgers use
# both and the loader accepts both. Rings list chains; "-name" walks a chain backwards.
UNITS = [
    # 优先保护单元
    dict(key="forest", county=JIULONGPO, kind=1, seq=1, type="优先保护单元",
         name="九龙坡区自然保护地优先保护单元",
         ring=["forest outer", "-forest|water", "-forest|newtown", "-central|forest"]),
    dict(key="water", county=JIULONGPO, kind=1, seq=2, type="priority",
         name="九龙坡区饮用水水源保护区优先保护单元",
         ring=["water outer", "-water|east_ind", "-newtown|water", "forest|water"]),
    dict(key="se", county=JIANGJIN, kind=1, seq=1, type="优先保护单元",
         name="江津区生态保护红线优先保护单元",
         ring=["east_ind|se", "se outer", "-s|se", "-hills|se"]),
    # 重点管控单元
    dict(key="ind_n", county=JIANGJIN, kind=2, seq=1, type="重点管控单元",
         name="江津区双福工业园区北区重点管控单元",
         ring=["ind_n outer", "ind_n|central", "-urban_w|ind_n", "-nw|ind_n"]),
    dict(key="urban_w", county=JIANGJIN, kind=2, seq=2, type="key",
         name="江津区双福城镇开发边界重点管控单元",
         ring=["nw|urban_w", "urban_w|ind_n", "urban_w|central", "-urban_w|ind_sw",
               "urban_w outer"]),
    dict(key="newtown", county=JIANGJIN, kind=2, seq=3, type="重点管控单元",
         name="江津区双福新区城镇重点管控单元",
         ring=["forest|newtown", "newtown|water", "newtown|east_ind", "-newtown|hills",
               "-central|newtown"]),
    dict(key="ind_sw", county=JIANGJIN, kind=2, seq=4, type="重点管控单元",
         name="江津区双福工业园区南区重点管控单元",
         ring=["urban_w|ind_sw", "central|ind_sw", "ind_sw|hills", "ind_sw|s",
               "ind_sw outer"]),
    dict(key="factory", county=JIANGJIN, kind=2, seq=5, type="key",
         name="江津区工业集聚点重点管控单元", ring=FACTORY_RING),
    dict(key="east_ind", county=JIULONGPO, kind=2, seq=1, type="重点管控单元",
         name="九龙坡区西彭工业园区重点管控单元",
         ring=["water|east_ind", "east_ind outer", "-east_ind|se", "-hills|east_ind",
               "-newtown|east_ind"]),
    # 一般管控单元
    dict(key="nw", county=JIANGJIN, kind=3, seq=1, type="一般管控单元",
         name="江津区双福街道北部一般管控单元",
         ring=["nw outer", "nw|ind_n", "-nw|urban_w"]),
    dict(key="central", county=JIANGJIN, kind=3, seq=2, type="general",
         name="江津区双福街道中部一般管控单元",
         ring=["central outer", "central|forest", "central|newtown", "-central|hills",
               "-central|ind_sw", "-urban_w|central", "-ind_n|central"]),
    dict(key="hills", county=JIANGJIN, kind=3, seq=3, type="一般管控单元",
         name="江津区双福街道中南部一般管控单元",
         ring=["central|hills", "newtown|hills", "hills|east_ind", "hills|se", "-hills|s",
               "-ind_sw|hills"]),
    dict(key="s", county=JIANGJIN, kind=3, seq=4, type="general",
         name="江津区双福街道南部一般管控单元",
         ring=["hills|s", "s|se", "s outer", "-ind_sw|s"], hole=FACTORY_RING),
]


def assemble_ring(parts):
    """Joins chains end to end; a literal vertex list is returned as it is."""
    if parts and isinstance(parts[0], tuple):
        return list(parts)
    vertices = []
    for part in parts:
        chain = CHAINS[part.lstrip("-")]
        if part.startswith("-"):
            chain = chain[::-1]
        if vertices:
            if vertices[-1] != chain[0]:
                sys.exit(f"ring broken before chain {part}: {vertices[-1]} != {chain[0]}")
            chain = chain[1:]
        vertices.extend(chain)
    if vertices[-1] != vertices[0]:
        sys.exit(f"ring {parts} does not close: {vertices[0]} != {vertices[-1]}")
    return vertices[:-1]


def make_ring(vertices, geotransform, to_cgcs2000):
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for col, row in vertices + vertices[:1]:
        lon = geotransform[0] + col * geotransform[1] + row * geotransform[2]
        lat = geotransform[3] + col * geotransform[4] + row * geotransform[5]
        x, y, _ = to_cgcs2000.TransformPoint(lon, lat)
        # 1e-7 degree is about 1 cm: enough, and keeps shared vertices bit-identical.
        ring.AddPoint_2D(round(x, 7), round(y, 7))
    return ring


def main():
    # Fixed timestamp in gpkg_contents, so rerunning the script gives the same bytes.
    gdal.SetConfigOption("OGR_CURRENT_DATE", "2024-01-01T00:00:00.000Z")
    reference = gdal.Open(str(REFERENCE_BAND))
    geotransform = reference.GetGeoTransform()
    image_srs = reference.GetSpatialRef()
    cgcs2000 = osr.SpatialReference()
    cgcs2000.ImportFromEPSG(4490)
    for srs in (image_srs, cgcs2000):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)  # x = lon, y = lat
    to_cgcs2000 = osr.CoordinateTransformation(image_srs, cgcs2000)

    if OUTPUT.exists():
        OUTPUT.unlink()
    source = ogr.GetDriverByName("GPKG").CreateDataSource(str(OUTPUT))
    layer = source.CreateLayer(
        "units", cgcs2000, ogr.wkbPolygon,
        options=["IDENTIFIER=管控单元 (示例)",
                 "DESCRIPTION=Fictitious control units hand-drawn for the zonewatch "
                 "Chongqing sample (scripts/make_sample.py); no legal standing."])
    for field, width in (("unit_code", 13), ("unit_name", 64), ("unit_type", 16),
                         ("region", 32)):
        definition = ogr.FieldDefn(field, ogr.OFTString)
        definition.SetWidth(width)
        layer.CreateField(definition)

    geometries = {}
    for unit in UNITS:
        county, region = unit["county"]
        code = f"ZH{county}{unit['kind']}{unit['seq']:04d}"
        polygon = ogr.Geometry(ogr.wkbPolygon)
        exterior = assemble_ring(unit["ring"])
        polygon.AddGeometry(make_ring(exterior, geotransform, to_cgcs2000))
        if "hole" in unit:
            polygon.AddGeometry(make_ring(unit["hole"], geotransform, to_cgcs2000))
        if not polygon.IsValid():
            sys.exit(f"{code}: invalid polygon")
        if not 8 <= len(exterior) <= 20:
            sys.exit(f"{code}: {len(exterior)} vertices, want 8-20")
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("unit_code", code)
        feature.SetField("unit_name", unit["name"])
        feature.SetField("unit_type", unit["type"])
        feature.SetField("region", region)
        feature.SetGeometry(polygon)
        layer.CreateFeature(feature)
        geometries[code] = polygon
        print(f"{code}  {unit['type']:<8}  {len(exterior):2d} vertices  {unit['name']}")

    check_tiling(geometries, reference, to_cgcs2000)
    source = None


def check_tiling(geometries, reference, to_cgcs2000):
    """Fails when two units overlap; reports how much of the image the units cover."""
    codes = list(geometries)
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            # Area of the intersection via the union: neighbours meet along lines, whose
            # "area" OGR warns about.
            shared = (geometries[a].GetArea() + geometries[b].GetArea()
                      - geometries[a].Union(geometries[b]).GetArea())
            if shared > 1e-6 * min(geometries[a].GetArea(), geometries[b].GetArea()):
                sys.exit(f"{a} and {b} overlap ({shared:.3g} square degrees)")
    width, height = reference.RasterXSize, reference.RasterYSize
    corners = [(0, 0), (width, 0), (width, height), (0, height)]
    image = ogr.Geometry(ogr.wkbPolygon)
    image.AddGeometry(make_ring(corners, reference.GetGeoTransform(), to_cgcs2000))
    union = ogr.Geometry(ogr.wkbMultiPolygon)
    for geometry in geometries.values():
        union = union.Union(geometry)
    covered = union.Intersection(image).GetArea() / image.GetArea()
    print(f"{len(codes)} units, no overlaps, cover {covered:.1%} of the image")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
