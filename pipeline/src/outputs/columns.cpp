// The attribute model of the result files: hotspot and unit columns, change-type names and
// the hotspots' report order.
#include "columns.hpp"

#include <algorithm>

#include "zonewatch/pipeline/core/enum_names.hpp"
#include "zonewatch/pipeline/monitoring/lifecycle.hpp"
#include "zonewatch/pipeline/outputs/outputs.hpp"
#include "zonewatch/pipeline/stages/hotspots.hpp"

namespace zw {

std::string_view chinese_name(kernels::ChangeType type) { return kernels::kChangeTypeNames.chinese(type); }

namespace outputs_detail {
namespace {

template <class Row>
Column<Row> text_column(std::string name, std::function<FieldValue(const Row&)> value) {
  return {std::move(name), FieldKind::text, 0, std::move(value)};
}
template <class Row>
Column<Row> real_column(std::string name, int csv_decimals, std::function<FieldValue(const Row&)> value) {
  return {std::move(name), FieldKind::real, csv_decimals, std::move(value)};
}

const std::vector<Column<Hotspot>>& hotspot_columns() {
  using H = Hotspot;
  constexpr int kAreaM2Decimals = 1, kAreaHaDecimals = 4, kAreaMuDecimals = 3;  // ~1 m² each
  constexpr int kDegreeDecimals = 6;                                            // ~0.1 m
  constexpr int kIndexDecimals = 4;
  static const std::vector<Column<H>> columns{
      text_column<H>("hotspot_id", [](const H& h) { return h.id; }),
      text_column<H>("change_type", [](const H& h) { return std::string(kernels::to_string(h.change_type)); }),
      text_column<H>("change_type_zh", [](const H& h) { return std::string(chinese_name(h.change_type)); }),
      real_column<H>("area_m2", kAreaM2Decimals, [](const H& h) { return h.area_m2; }),
      real_column<H>("area_ha", kAreaHaDecimals, [](const H& h) { return h.area_m2 / 10000.0; }),
      real_column<H>("area_mu", kAreaMuDecimals, [](const H& h) { return h.area_m2 / kSquareMetresPerMu; }),
      real_column<H>("lon_wgs84", kDegreeDecimals, [](const H& h) { return h.centroid_lon_wgs84; }),
      real_column<H>("lat_wgs84", kDegreeDecimals, [](const H& h) { return h.centroid_lat_wgs84; }),
      real_column<H>("lon_cgcs2000", kDegreeDecimals, [](const H& h) { return h.centroid_lon_cgcs2000; }),
      real_column<H>("lat_cgcs2000", kDegreeDecimals, [](const H& h) { return h.centroid_lat_cgcs2000; }),
      real_column<H>("greenness_before", kIndexDecimals, [](const H& h) { return h.mean_greenness_before; }),
      real_column<H>("greenness_after", kIndexDecimals, [](const H& h) { return h.mean_greenness_after; }),
      real_column<H>("magnitude", kIndexDecimals, [](const H& h) { return h.mean_magnitude; }),
      {"pixel_count", FieldKind::integer, 0,
       [](const H& h) -> FieldValue { return static_cast<std::int64_t>(h.pixel_count); }},
      text_column<H>("unit_code", [](const H& h) { return h.unit_code; }),
      text_column<H>("unit_name", [](const H& h) { return h.unit_name; }),
      text_column<H>("unit_type", [](const H& h) { return std::string(to_string(h.unit_type)); }),
      text_column<H>("unit_type_zh", [](const H& h) { return std::string(chinese_name(h.unit_type)); }),
      text_column<H>("region", [](const H& h) { return h.unit_region; }),
      {"before_date", FieldKind::date, 0, [](const H& h) -> FieldValue { return h.before_date; }},
      {"after_date", FieldKind::date, 0, [](const H& h) -> FieldValue { return h.after_date; }},
      text_column<H>("severity", [](const H& h) { return std::string(to_string(h.severity)); }),
      text_column<H>("rule", [](const H& h) { return h.rule; }),
  };
  return columns;
}

/// With a monitoring store, the hotspot columns plus the hotspot's life across scans.
const std::vector<Column<Hotspot>>& tracked_hotspot_columns() {
  using H = Hotspot;
  static const std::vector<Column<H>> columns = [] {
    std::vector<Column<H>> list = hotspot_columns();
    list.push_back(text_column<H>("status", [](const H& h) { return h.status; }));
    list.push_back(text_column<H>("status_zh", [](const H& h) {
      const auto status = hotspot_status_from_string(h.status);
      return status ? std::string(chinese_name(*status)) : std::string();
    }));
    list.push_back(text_column<H>("track_event", [](const H& h) { return h.track_event; }));
    list.push_back({"first_seen", FieldKind::date, 0, [](const H& h) -> FieldValue { return h.first_seen; }});
    list.push_back(
        {"times_seen", FieldKind::integer, 0, [](const H& h) -> FieldValue { return std::int64_t{h.times_seen}; }});
    list.push_back(real_column<H>("added_area_m2", 1, [](const H& h) { return h.added_area_m2; }));
    return list;
  }();
  return columns;
}

}  // namespace

const std::vector<Column<Hotspot>>& hotspot_columns(const ScanResults& results) {
  return results.tracked ? tracked_hotspot_columns() : hotspot_columns();
}

const std::vector<Column<UnitResult>>& unit_columns() {
  using U = UnitResult;
  static const std::vector<Column<U>> columns = [] {
    std::vector<Column<U>> list{
        text_column<U>("code", [](const U& u) { return u.code; }),
        text_column<U>("name", [](const U& u) { return u.name; }),
        text_column<U>("type", [](const U& u) { return std::string(to_string(u.type)); }),
        text_column<U>("type_zh", [](const U& u) { return std::string(chinese_name(u.type)); }),
        text_column<U>("region", [](const U& u) { return u.region; }),
        real_column<U>("area_m2", 1, [](const U& u) { return u.stats.area_m2; }),
        real_column<U>("valid_area_m2", 1, [](const U& u) { return u.stats.valid_area_m2; }),
        real_column<U>("valid_share", 4, [](const U& u) { return u.stats.valid_share; }),
        real_column<U>("changed_area_m2", 1, [](const U& u) { return u.stats.total_changed_area_m2; }),
    };
    for (int index = 0; index < kernels::kChangeTypeCount; ++index) {
      const auto type = static_cast<kernels::ChangeType>(index);
      if (!kernels::is_change(type)) continue;
      const auto slot = static_cast<std::size_t>(index);
      list.push_back(real_column<U>("changed_" + std::string(kernels::to_string(type)) + "_m2", 1,
                                    [slot](const U& u) { return u.stats.changed_area_m2[slot]; }));
    }
    list.push_back(real_column<U>("changed_share", 4, [](const U& u) { return u.stats.changed_share; }));
    list.push_back(real_column<U>("greenness_before", 4, [](const U& u) { return u.stats.mean_greenness_before; }));
    list.push_back(real_column<U>("greenness_after", 4, [](const U& u) { return u.stats.mean_greenness_after; }));
    list.push_back(real_column<U>("greenness_change", 4, [](const U& u) { return u.stats.mean_greenness_change; }));
    list.push_back({"hotspot_count", FieldKind::integer, 0,
                    [](const U& u) -> FieldValue { return std::int64_t{u.hotspot_count}; }});
    list.push_back({"assessable", FieldKind::boolean, 0, [](const U& u) -> FieldValue { return u.assessable; }});
    list.push_back({"flagged", FieldKind::boolean, 0, [](const U& u) -> FieldValue { return u.flagged; }});
    list.push_back(text_column<U>("flag_reasons", [](const U& u) { return u.flag_reasons; }));
    return list;
  }();
  return columns;
}

/// Hotspots in the report order (stages/hotspots.hpp); sorts pointers, so the caller's order is left alone.
std::vector<const Hotspot*> hotspots_in_report_order(const std::vector<Hotspot>& hotspots) {
  std::vector<const Hotspot*> order;
  order.reserve(hotspots.size());
  for (const Hotspot& hotspot : hotspots) order.push_back(&hotspot);
  std::stable_sort(order.begin(), order.end(),
                   [](const Hotspot* a, const Hotspot* b) { return report_order_less(*a, *b); });
  return order;
}

}  // namespace outputs_detail
}  // namespace zw
