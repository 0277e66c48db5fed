#pragma once
// project.qgs: a QGIS 3 project beside a scan's outputs, so that `qgis <out>/project.qgs`
// opens the hotspots, the units and the change map styled, in the grid's CRS, zoomed to the
// scanned area. Paths are relative ("./alerts.gpkg|layername=hotspots"), so the folder can
// be copied or shared as a whole.
#include <array>
#include <filesystem>
#include <string>

#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/stages/results.hpp"

namespace zw {

struct QgisProjectContents {
  std::string title;
  std::string crs_wkt;                       // the layers' CRS; empty for an ungeoreferenced grid
  bool geographic = false;                   // degrees rather than metres
  std::array<double, 4> extent{0, 0, 0, 0};  // xmin, ymin, xmax, ymax in crs_wkt
  bool tracked = false;                      // the hotspots carry the monitoring store's columns
  bool traced = false;                       // ... and the source-tracing columns
};

/// The project of a scan: the grid's CRS and full extent, the scan's name as title.
[[nodiscard]] QgisProjectContents qgis_project_contents(const AnalysisGrid& grid, const ScanResults& results,
                                                        std::string title);

/// Writes project.qgs at `path` (atomically), referring to alerts.gpkg (layers hotspots and
/// units, styled as their GeoPackage default styles) and change.tif in the same folder.
/// The change map's palette and legend are read from change.tif there, which must exist.
/// Throws OutputError naming the file.
void write_qgis_project(const std::filesystem::path& path, const QgisProjectContents& contents);

}  // namespace zw
