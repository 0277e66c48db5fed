#pragma once
// Control units (管控单元) loaded from any OGR vector layer and projected onto the grid.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zonewatch/kernels/coverage.hpp"
#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/config/unit_type.hpp"

namespace zw {

struct ControlUnit {
  std::string code;  // e.g. ZH50010510001
  std::string name;
  UnitType type = UnitType::general;
  std::string region;                      // administrative region name or code
  std::string geometry_wkt;                // in the analysis grid's CRS (repaired if needed)
  kernels::MultiPolygonRings pixel_rings;  // in analysis-grid pixel coordinates
  bool repaired = false;                   // geometry was invalid and made valid
};

}  // namespace zw

class OGRGeometry;

namespace zw {
struct AnalysisGrid;

/// The polygonal parts of `geometry` (in the grid's CRS; lines and points in a collection
/// are left out) as rings in the grid's pixel coordinates, for kernels' coverage.
kernels::MultiPolygonRings pixel_rings(const OGRGeometry& geometry, const AnalysisGrid& grid);

/// Reads the control units of `options`, repairs invalid geometries (MakeValid, logged and
/// marked), reprojects them onto the grid's CRS and computes their pixel rings.
/// Throws InputError naming the file, layer, feature and field on any problem.
std::vector<ControlUnit> load_control_units(const UnitsOptions& options, const AnalysisGrid& grid);

}  // namespace zw
