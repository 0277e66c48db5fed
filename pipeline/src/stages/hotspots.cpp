#include "zonewatch/pipeline/stages/hotspots.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/geo_util.hpp"
#include "zonewatch/pipeline/stages/judge.hpp"

namespace zw {
using kernels::ChangeType;

namespace {

/// The unit a patch belongs to: most overlap wins, equal overlap the lower unit index.
std::uint32_t unit_of(const std::vector<std::pair<std::uint32_t, double>>& overlaps) {
  std::uint32_t best = overlaps.front().first;
  double best_area = overlaps.front().second;
  for (const auto& [unit, area] : overlaps) {
    if (area > best_area) {
      best = unit;
      best_area = area;
    }
  }
  return best;
}

double mean_or_nan(double sum, std::uint64_t count) {
  return count > 0 ? sum / static_cast<double>(count) : kernels::kNaN;
}

}  // namespace

void HotspotsOptions::validate() const {
  // The form scan dates have (iso_date_fields): hotspot ids take the month from it.
  if (!iso_date_fields(after_date)) throw ConfigError("hotspots: after date '" + after_date + "' is not YYYY-MM-DD");
}

nlohmann::json HotspotsResult::to_json() const {
  return {{"patches", patches},
          {"patches_outside_units", patches_outside_units},
          {"patches_not_alerting_by_rule", patches_not_alerting_by_rule}};
}

HotspotsResult build_hotspots(const HotspotsInputs& in, const HotspotsOptions& options, const Judge& judge) {
  options.validate();
  if (in.patch_unit_overlap.size() != in.patches.size() || in.polygons.size() != in.patches.size() ||
      in.unit_stats.size() != in.units.size()) {
    throw InternalError("hotspots: " + std::to_string(in.patches.size()) + " patches with " +
                        std::to_string(in.patch_unit_overlap.size()) + " overlap lists and " +
                        std::to_string(in.polygons.size()) + " polygons; " + std::to_string(in.units.size()) +
                        " units with " + std::to_string(in.unit_stats.size()) + " statistics");
  }
  HotspotsResult result;
  result.patches = in.patches.size();
  const geo::GeographicCentroids centroids(in.grid.crs_wkt);
  std::vector<std::array<double, kernels::kChangeTypeCount>> unit_changed(in.units.size());
  std::vector<int> unit_hotspots(in.units.size(), 0);
  const std::string after_month = options.after_date.substr(0, 4) + options.after_date.substr(5, 2);

  for (std::size_t p = 0; p < in.patches.size(); ++p) {
    const kernels::ComponentStats& patch = in.patches[p];
    const auto& overlaps = in.patch_unit_overlap[p];
    for (const auto& [unit, area] : overlaps) unit_changed[unit][patch.change_type] += area;
    if (overlaps.empty()) {
      ++result.patches_outside_units;
      continue;
    }
    const std::uint32_t best = unit_of(overlaps);
    const ControlUnit& unit = in.units[best];
    const auto type = static_cast<ChangeType>(patch.change_type);
    if (!judge.alerts(unit.code, unit.type, type)) {
      ++result.patches_not_alerting_by_rule;
      continue;
    }
    Hotspot h;
    h.change_type = type;
    h.area_m2 = patch.area_m2;
    h.pixel_count = patch.pixel_count;
    h.mean_greenness_before = mean_or_nan(patch.sum_greenness_before, patch.greenness_count);
    h.mean_greenness_after = mean_or_nan(patch.sum_greenness_after, patch.greenness_count);
    h.mean_magnitude = mean_or_nan(patch.sum_magnitude, patch.pixel_count);
    h.unit_code = unit.code;
    h.unit_name = unit.name;
    h.unit_region = unit.region;
    h.unit_type = unit.type;
    h.before_date = options.before_date;
    h.after_date = options.after_date;
    char sequence[16];
    std::snprintf(sequence, sizeof sequence, "%04d", ++unit_hotspots[best]);
    h.id = unit.code + "-" + after_month + "-" + sequence;

    const OGRMultiPolygon& geometry = *in.polygons[p].geometry;
    if (!geometry.IsEmpty()) {
      const std::array<double, 4> c = centroids(geometry);
      h.centroid_lon_wgs84 = c[0];
      h.centroid_lat_wgs84 = c[1];
      h.centroid_lon_cgcs2000 = c[2];
      h.centroid_lat_cgcs2000 = c[3];
      h.geometry_wkt =
          geometry.getNumGeometries() == 1 ? geo::to_wkt(*geometry.getGeometryRef(0)) : geo::to_wkt(geometry);
    }
    result.hotspots.push_back(std::move(h));
  }

  for (std::size_t u = 0; u < in.units.size(); ++u) {
    const ControlUnit& unit = in.units[u];
    UnitResult r;
    r.code = unit.code;
    r.name = unit.name;
    r.region = unit.region;
    r.type = unit.type;
    r.geometry_wkt = unit.geometry_wkt;
    r.stats = in.unit_stats[u];
    r.stats.changed_area_m2 = unit_changed[u];
    r.hotspot_count = unit_hotspots[u];
    result.units.push_back(std::move(r));
  }
  return result;
}

bool report_order_less(const Hotspot& a, const Hotspot& b) {
  if (a.severity != b.severity) return a.severity > b.severity;
  if (a.area_m2 != b.area_m2) return a.area_m2 > b.area_m2;
  return a.id < b.id;
}

void sort_for_report(std::vector<Hotspot>& hotspots) {
  std::stable_sort(hotspots.begin(), hotspots.end(), report_order_less);
}

}  // namespace zw
