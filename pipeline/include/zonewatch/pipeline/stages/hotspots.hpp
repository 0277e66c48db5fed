#pragma once
// The hotspots stage: detection's patches, their overlaps with the control units and their
// polygons become hotspots (疑似问题图斑), each attributed to the unit it overlaps most,
// named <unit code>-<YYYYMM of the after date>-<sequence in the unit>, with its centroid in
// WGS84 and CGCS2000; and the units' results with their changed area by type. Patches
// outside every unit, and those of a change type the unit's rule does not alert on (the
// judge says which), become no hotspot.
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/kernels/components.hpp"
#include "zonewatch/kernels/zonal.hpp"
#include "zonewatch/pipeline/gdal/polygonize.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/inputs/units.hpp"
#include "zonewatch/pipeline/stages/results.hpp"

namespace zw {

class Judge;

struct HotspotsOptions {
  std::string before_date, after_date;  // YYYY-MM-DD; the after month names the hotspots
  /// Throws ConfigError when after_date is not YYYY-MM-DD.
  void validate() const;
};

/// What the stage reads: detection's patches (index = patch id - 1), per patch the units it
/// overlaps (unit index, area in m²), the units' zonal statistics (index = unit index), the
/// patches' polygons in the grid CRS, the units and the grid.
struct HotspotsInputs {
  const std::vector<kernels::ComponentStats>& patches;
  const std::vector<std::vector<std::pair<std::uint32_t, double>>>& patch_unit_overlap;
  const std::vector<kernels::ZonalStats>& unit_stats;
  const std::vector<PatchGeometry>& polygons;
  const std::vector<ControlUnit>& units;
  const AnalysisGrid& grid;
};

struct HotspotsResult {
  std::vector<Hotspot> hotspots;  // in patch order, not yet judged (severity, rule: judge.hpp)
  std::vector<UnitResult> units;  // in layer order: statistics, changed area by type, hotspot count
  std::size_t patches = 0;
  std::size_t patches_outside_units = 0;
  std::size_t patches_not_alerting_by_rule = 0;
  /// {"patches", "patches_outside_units", "patches_not_alerting_by_rule"}.
  [[nodiscard]] nlohmann::json to_json() const;
};

/// Runs the stage. Most overlap wins; equal overlap goes to the lower unit index (layer
/// order). Throws InternalError when the inputs' sizes disagree.
HotspotsResult build_hotspots(const HotspotsInputs& inputs, const HotspotsOptions& options, const Judge& judge);

/// The one report order of hotspots: severity (high first), then area (largest first),
/// then ID, so equal rows come out the same on every run. Stable.
[[nodiscard]] bool report_order_less(const Hotspot& a, const Hotspot& b);
void sort_for_report(std::vector<Hotspot>& hotspots);

}  // namespace zw
