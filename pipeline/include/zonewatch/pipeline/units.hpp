#pragma once
// Control units (管控单元) loaded from any OGR vector layer and projected onto the grid.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zonewatch/kernels/coverage.hpp"

namespace zw {

/// The three types of ecological-environment control unit.
enum class UnitType { priority, key, general };

[[nodiscard]] std::string_view to_string(UnitType type);
/// Accepts priority|key|general (any case) and 优先保护单元 / 重点管控单元 / 一般管控单元.
[[nodiscard]] std::optional<UnitType> unit_type_from_string(std::string_view text);
/// The Chinese name of the type, as written in reports.
[[nodiscard]] std::string_view chinese_name(UnitType type);

struct ControlUnit {
  std::string code;    // e.g. ZH50010510001
  std::string name;
  UnitType type = UnitType::general;
  std::string region;  // administrative region name or code
  std::string geometry_wkt;              // in the analysis grid's CRS (repaired if needed)
  kernels::MultiPolygonRings pixel_rings;  // in analysis-grid pixel coordinates
  bool repaired = false;                 // geometry was invalid and made valid
};

}  // namespace zw
