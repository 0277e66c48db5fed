#pragma once
// The scan config's `water_quality:` section: water extraction (per-scene threshold on
// MNDWI/NDWI), the water-quality indices judged per water body, and the departure rule per
// unit type (docs/CONFIG.md, "water_quality").
#include <array>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/kernels/water_quality.hpp"

namespace zw {

/// How one unit type's water bodies are judged: a rule per index.
struct WaterQualityRule {
  std::array<kernels::DepartureRule, kernels::kWaterIndexCount> indices{};  // by WaterIndex
  /// A flagged body's departing pixels must cover this much for it to count as flagged.
  double min_affected_area_m2 = 1000.0;
};

/// The default rules by UnitType: k = 3 everywhere (min_spread 0.02, FAI 0.005), no
/// limits; priority units, which hold the drinking-water sources, stricter (k = 2, 500 m²).
std::array<WaterQualityRule, 3> default_water_quality_rules();

struct WaterQualityOptions {
  bool enabled = false;
  /// Otsu's threshold of each scene's water index is clamped into [threshold_min,
  /// threshold_max]; threshold_fallback where Otsu gives none.
  double threshold_min = -0.1;
  double threshold_max = 0.3;
  double threshold_fallback = 0.0;
  double min_body_area_m2 = 10000.0;  // stable-water components smaller than this are no water body
  double min_valid_share = 0.5;       // of a body's pixels with the index in both dates; below: not judged
  std::vector<kernels::WaterIndex> indices{kernels::WaterIndex::ndti, kernels::WaterIndex::ndci,
                                           kernels::WaterIndex::fai, kernels::WaterIndex::boi};
  std::array<WaterQualityRule, 3> rules = default_water_quality_rules();  // by UnitType (priority, key, general)

  [[nodiscard]] bool computes(kernels::WaterIndex index) const;
};

nlohmann::json to_json(const WaterQualityOptions& options);

}  // namespace zw
