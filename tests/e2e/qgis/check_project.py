"""Opens a scan's project.qgs in real QGIS (headless) and checks what a user would see.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 check_project.py <out>/project.qgs <png>

Checks: every layer valid and found through its relative path; the hotspots layer drawn by
the categorized severity renderer, both in the project and when alerts.gpkg is opened alone
(the GeoPackage's default style); Chinese aliases; the units' rule renderer; the change map's
palette; and a rendered map image (saved to <png>) in which every severity present shows in
its colour. Exit 0: all good; 1: failures (listed); 77: QGIS's Python bindings are missing.
"""
import os
import sys

try:
    from qgis.core import (QgsApplication, QgsMapRendererParallelJob, QgsMapSettings, QgsProject,
                           QgsRectangle, QgsVectorLayer)
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor
except ImportError as error:  # the e2e test skips on this
    print(f"SKIP: cannot import qgis ({error})")
    sys.exit(77)

SEVERITY_COLOURS = {"high": "#d7191c", "medium": "#fdae61", "low": "#ffffbf"}
UNIT_OUTLINES = {"priority": "#1a9641", "key": "#c51b7d", "general": "#808080"}
HOTSPOT_ALIASES = {"hotspot_id": "图斑编号", "change_type": "变化类型", "area_mu": "面积(亩)",
                   "severity": "严重程度", "unit_code": "单元编码"}
UNIT_ALIASES = {"code": "单元编码", "type": "单元类型", "flagged": "预警"}

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def render(layers, crs, extent, size):
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(crs)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(size, size))
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    return job.renderedImage()


def count_colour(image, hex_colour, tolerance=2):
    target = QColor(hex_colour)
    count = 0
    for y in range(image.height()):
        for x in range(image.width()):
            pixel = QColor(image.pixel(x, y))
            if (abs(pixel.red() - target.red()) <= tolerance and abs(pixel.green() - target.green()) <= tolerance
                    and abs(pixel.blue() - target.blue()) <= tolerance):
                count += 1
    return count


def check_aliases(layer, expected, where):
    for field, alias in expected.items():
        index = layer.fields().indexOf(field)
        if check(index >= 0, f"{where}: no field {field}"):
            check(layer.attributeAlias(index) == alias,
                  f"{where}: alias of {field} is '{layer.attributeAlias(index)}', expected '{alias}'")


def check_severity_renderer(layer, where):
    renderer = layer.renderer()
    if not check(renderer is not None and renderer.type() == "categorizedSymbol",
                 f"{where}: renderer {renderer.type() if renderer else None}, expected categorizedSymbol"):
        return
    check(renderer.classAttribute() == "severity", f"{where}: categorized on {renderer.classAttribute()}")
    colours = {c.value(): c.symbol().color().name() for c in renderer.categories()}
    check(colours == SEVERITY_COLOURS, f"{where}: category colours {colours}, expected {SEVERITY_COLOURS}")


def main(project_path, png_path):
    out_dir = os.path.dirname(os.path.abspath(project_path))
    with open(project_path, encoding="utf-8") as project_file:
        text = project_file.read()
    check("./alerts.gpkg|layername=hotspots" in text and out_dir not in text,
          "project.qgs does not refer to its layers by relative path")

    project = QgsProject.instance()
    if not project.read(project_path):
        print(f"FAIL: QGIS cannot read {project_path}: {project.error()}")
        return 1
    layers = {layer.id(): layer for layer in project.mapLayers().values()}
    check(len(layers) == 3, f"{len(layers)} layers, expected 3: {[l.name() for l in layers.values()]}")
    for layer in layers.values():
        check(layer.isValid(), f"layer {layer.name()} is not valid (source {layer.source()})")
        check(layer.source().startswith(out_dir), f"layer {layer.name()} resolves to {layer.source()}")
    hotspots = layers.get("hotspots_zonewatch")
    units = layers.get("units_zonewatch")
    change_map = layers.get("change_map_zonewatch")
    if not check(hotspots and units and change_map, "a layer is missing"):
        return 1
    check(project.crs().isValid(), "project CRS not valid")
    check(hotspots.crs() == project.crs(), f"hotspots CRS {hotspots.crs().authid()} != project CRS")

    check_severity_renderer(hotspots, "project hotspots")
    check(hotspots.labelsEnabled(), "project hotspots: labels disabled")
    check_aliases(hotspots, HOTSPOT_ALIASES, "project hotspots")
    check(units.renderer().type() == "RuleRenderer", f"units renderer {units.renderer().type()}")
    check_aliases(units, UNIT_ALIASES, "project units")
    check(change_map.renderer().type() == "paletted", f"change map renderer {change_map.renderer().type()}")
    if change_map.renderer().type() == "paletted":
        classes = change_map.renderer().classes()
        # vegetation_loss .. other, dumping, blue_roof, mining, water_quality (issue 12)
        check(len(classes) == 9 and all(c.label for c in classes),
              f"change map palette: {[(c.value, c.label) for c in classes]}")

    # alerts.gpkg alone: QGIS applies the default style stored in the GeoPackage.
    alone = QgsVectorLayer(os.path.join(out_dir, "alerts.gpkg") + "|layername=hotspots", "alone", "ogr")
    if check(alone.isValid(), "alerts.gpkg hotspots layer alone is not valid"):
        check_severity_renderer(alone, "alerts.gpkg hotspots alone")
        check_aliases(alone, HOTSPOT_ALIASES, "alerts.gpkg hotspots alone")
    units_alone = QgsVectorLayer(os.path.join(out_dir, "alerts.gpkg") + "|layername=units", "units", "ogr")
    if check(units_alone.isValid(), "alerts.gpkg units layer alone is not valid"):
        check(units_alone.renderer().type() == "RuleRenderer",
              f"alerts.gpkg units alone: renderer {units_alone.renderer().type()}")

    # The whole project as a user first sees it, saved for a look.
    order = [hotspots, units, change_map]
    canvas_extent = QgsRectangle(change_map.extent())
    image = render(order, project.crs(), canvas_extent, 1200)
    check(image.save(png_path), f"cannot save {png_path}")

    # Each severity present, zoomed to its largest hotspot: its fill colour must show.
    severity_index = hotspots.fields().indexOf("severity")
    present = sorted(str(v) for v in hotspots.uniqueValues(severity_index))
    check(bool(present), "the hotspots layer is empty")
    print(f"severities present: {present}")
    for severity in present:
        check(severity in SEVERITY_COLOURS, f"unknown severity value '{severity}'")
        features = [f for f in hotspots.getFeatures() if f["severity"] == severity]
        largest = max(features, key=lambda f: f.geometry().area())
        extent = largest.geometry().boundingBox()
        extent.scale(1.6)
        zoomed = render(order, project.crs(), extent, 400)
        pixels = count_colour(zoomed, SEVERITY_COLOURS.get(severity, "#000000"))
        print(f"{severity}: {pixels} pixels of {SEVERITY_COLOURS.get(severity)} around {largest['hotspot_id']}")
        check(pixels > 50, f"{severity} hotspot {largest['hotspot_id']}: only {pixels} pixels in its colour")
    overall = {s: count_colour(image, SEVERITY_COLOURS[s]) for s in present if s in SEVERITY_COLOURS}
    print(f"whole map, pixels per severity colour: {overall}")
    check(any(overall.values()), "no severity colour in the whole-map image")

    # The units alone: every type present shows its outline colour.
    type_index = units.fields().indexOf("type")
    unit_types = sorted(str(v) for v in units.uniqueValues(type_index))
    units_image = render([units], project.crs(), units.extent(), 800)
    for unit_type in unit_types:
        pixels = count_colour(units_image, UNIT_OUTLINES.get(unit_type, "#000000"))
        print(f"units {unit_type}: {pixels} pixels of {UNIT_OUTLINES.get(unit_type)}")
        check(pixels > 100, f"units of type {unit_type}: only {pixels} pixels in their outline colour")

    for failure in failures:
        print(f"FAIL: {failure}")
    print("OK" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    application = QgsApplication([], False)
    application.initQgis()
    status = main(sys.argv[1], sys.argv[2])
    QgsProject.instance().clear()
    application.exitQgis()
    sys.exit(status)
