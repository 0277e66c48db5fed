// The water-quality stage's record in run.json: thresholds, which indices the scenes could
// give, and the per-body table.
#include <algorithm>
#include <cmath>
#include <string>

#include "water_quality_indices.hpp"
#include "zonewatch/pipeline/stages/water_quality.hpp"

namespace zw {

using kernels::WaterIndex;
using water_detail::idx;
using water_detail::kAllIndices;

std::size_t WaterQualityResult::flagged_bodies() const {
  return static_cast<std::size_t>(std::count_if(bodies.begin(), bodies.end(), [](const auto& b) { return b.flagged; }));
}

nlohmann::json WaterQualityResult::to_json(const std::vector<ControlUnit>& units) const {
  using nlohmann::json;
  const auto number = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  json indices = json::object();
  for (WaterIndex i : kAllIndices) {
    const std::string name(kernels::to_string(i));
    indices[name] = available[idx(i)] ? json{{"available", true}}
                                      : json{{"available", false}, {"reason", not_available_reason[idx(i)]}};
  }
  json table = json::array();
  for (const WaterBody& body : bodies) {
    json per_index = json::object();
    for (WaterIndex i : kAllIndices) {
      const WaterBodyIndex& x = body.indices[idx(i)];
      if (!x.available) continue;
      per_index[std::string(kernels::to_string(i))] = {{"before_median", number(x.before_median)},
                                                       {"after_median", number(x.after_median)},
                                                       {"before_mean", number(x.before_mean)},
                                                       {"after_mean", number(x.after_mean)},
                                                       {"before_spread", number(x.before_spread)},
                                                       {"change", number(x.change)},
                                                       {"allowed", number(x.allowed)},
                                                       {"valid_share", x.valid_share},
                                                       {"judged", x.judged},
                                                       {"departs_by_change", x.by_change},
                                                       {"departs_by_limit", x.by_limit},
                                                       {"affected_area_m2", x.affected_area_m2}};
    }
    json overlap = json::array();
    for (const auto& [unit, area] : body.unit_overlap)
      overlap.push_back({{"unit", units[unit].code}, {"area_m2", area}});
    table.push_back({{"id", body.id},
                     {"area_m2", body.stats.area_m2},
                     {"pixels", body.stats.pixel_count},
                     {"unit", body.unit >= 0 ? json(units[static_cast<std::size_t>(body.unit)].code) : json(nullptr)},
                     {"unit_type", std::string(zw::to_string(body.unit_type))},
                     {"units", overlap},
                     {"bbox_px", {body.stats.min_x, body.stats.min_y, body.stats.max_x, body.stats.max_y}},
                     {"indices", per_index},
                     {"flagged", body.flagged},
                     {"affected_area_m2", body.affected_area_m2},
                     {"flag_reasons", body.flag_reasons}});
  }
  return {{"extraction", std::string(kernels::to_string(extraction))},
          {"threshold_before", threshold_before},
          {"threshold_after", threshold_after},
          {"otsu_before", number(otsu_before)},
          {"otsu_after", number(otsu_after)},
          {"water_share_before", valid_pixels_before > 0 ? json(static_cast<double>(water_pixels_before) /
                                                                static_cast<double>(valid_pixels_before))
                                                         : json()},
          {"water_share_after", valid_pixels_after > 0 ? json(static_cast<double>(water_pixels_after) /
                                                              static_cast<double>(valid_pixels_after))
                                                       : json()},
          {"stable_water_area_m2", stable_water_area_m2},
          {"fai_wavelengths_nm", {{"red", wavelengths.red}, {"nir", wavelengths.nir}, {"swir", wavelengths.swir}}},
          {"indices", indices},
          {"components", components_before_min_area},
          {"bodies", bodies.size()},
          {"flagged_bodies", flagged_bodies()},
          {"departing_pixels", departing_pixels.size()},
          {"water_bodies", table}};
}

}  // namespace zw
