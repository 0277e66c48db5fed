// The attribute model of the result files: hotspot and unit columns, change-type names and
// the hotspots' report order.
#include "columns.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <memory>

#include "zonewatch/pipeline/core/enum_names.hpp"
#include "zonewatch/pipeline/monitoring/lifecycle.hpp"
#include "zonewatch/pipeline/outputs/layer_styles.hpp"
#include "zonewatch/pipeline/outputs/outputs.hpp"
#include "zonewatch/pipeline/quality/unit_quality.hpp"
#include "zonewatch/pipeline/stages/hotspots.hpp"
#include "zonewatch/pipeline/stages/source_tracing.hpp"

namespace zw {

std::string_view chinese_name(kernels::ChangeType type) { return kernels::kChangeTypeNames.chinese(type); }

namespace outputs_detail {
namespace {

template <class Row>
Column<Row> text_column(std::string name, ColumnDoc doc, std::function<FieldValue(const Row&)> value) {
  return {std::move(name), FieldKind::text, 0, std::move(value), std::move(doc)};
}
template <class Row>
Column<Row> real_column(std::string name, int csv_decimals, ColumnDoc doc,
                        std::function<FieldValue(const Row&)> value) {
  return {std::move(name), FieldKind::real, csv_decimals, std::move(value), std::move(doc)};
}
template <class Row>
Column<Row> typed_column(std::string name, FieldKind kind, ColumnDoc doc, std::function<FieldValue(const Row&)> value) {
  return {std::move(name), kind, 0, std::move(value), std::move(doc)};
}

const std::vector<Column<Hotspot>>& hotspot_columns() {
  using H = Hotspot;
  constexpr int kAreaM2Decimals = 1, kAreaHaDecimals = 4, kAreaMuDecimals = 3;  // ~1 m² each
  constexpr int kDegreeDecimals = 6;                                            // ~0.1 m
  constexpr int kIndexDecimals = 4;
  static const std::vector<Column<H>> columns{
      text_column<H>("hotspot_id", {"图斑编号", "", "hotspot ID, `<unit code>-<YYYYMM>-<seq>`"},
                     [](const H& h) { return h.id; }),
      text_column<H>("change_type", {"变化类型", "", "change type: " + kernels::change_type_listing()},
                     [](const H& h) { return std::string(kernels::to_string(h.change_type)); }),
      text_column<H>("change_type_zh", {"变化类型(中文)", "", "change type in Chinese (植被减少, 新增建设或裸地, ...)"},
                     [](const H& h) { return std::string(chinese_name(h.change_type)); }),
      real_column<H>("area_m2", kAreaM2Decimals, {"面积(平方米)", "m²", "patch area"},
                     [](const H& h) { return h.area_m2; }),
      real_column<H>("area_ha", kAreaHaDecimals, {"面积(公顷)", "ha", "patch area"},
                     [](const H& h) { return h.area_m2 / 10000.0; }),
      real_column<H>("area_mu", kAreaMuDecimals, {"面积(亩)", "亩", "patch area (1 亩 = 666.67 m²)"},
                     [](const H& h) { return h.area_m2 / kSquareMetresPerMu; }),
      real_column<H>("lon_wgs84", kDegreeDecimals, {"中心经度(WGS84)", "°", "centroid longitude, WGS84"},
                     [](const H& h) { return h.centroid_lon_wgs84; }),
      real_column<H>("lat_wgs84", kDegreeDecimals, {"中心纬度(WGS84)", "°", "centroid latitude, WGS84"},
                     [](const H& h) { return h.centroid_lat_wgs84; }),
      real_column<H>("lon_cgcs2000", kDegreeDecimals, {"中心经度(CGCS2000)", "°", "centroid longitude, CGCS2000"},
                     [](const H& h) { return h.centroid_lon_cgcs2000; }),
      real_column<H>("lat_cgcs2000", kDegreeDecimals, {"中心纬度(CGCS2000)", "°", "centroid latitude, CGCS2000"},
                     [](const H& h) { return h.centroid_lat_cgcs2000; }),
      real_column<H>("greenness_before", kIndexDecimals, {"前期绿度", "", "mean NDVI (or GLI) before"},
                     [](const H& h) { return h.mean_greenness_before; }),
      real_column<H>("greenness_after", kIndexDecimals, {"后期绿度", "", "mean NDVI (or GLI) after"},
                     [](const H& h) { return h.mean_greenness_after; }),
      real_column<H>("magnitude", kIndexDecimals, {"变化强度", "σ", "mean z-scored change-vector magnitude"},
                     [](const H& h) { return h.mean_magnitude; }),
      typed_column<H>("pixel_count", FieldKind::integer, {"像元数", "px", "pixels in the patch"},
                      [](const H& h) -> FieldValue { return static_cast<std::int64_t>(h.pixel_count); }),
      text_column<H>("unit_code", {"单元编码", "", "code of the control unit it overlaps most"},
                     [](const H& h) { return h.unit_code; }),
      text_column<H>("unit_name", {"单元名称", "", "name of that unit"}, [](const H& h) { return h.unit_name; }),
      text_column<H>("unit_type", {"单元类型", "", "its type: priority, key, general"},
                     [](const H& h) { return std::string(to_string(h.unit_type)); }),
      text_column<H>("unit_type_zh", {"单元类型(中文)", "", "its type in Chinese (优先保护单元, ...)"},
                     [](const H& h) { return std::string(chinese_name(h.unit_type)); }),
      text_column<H>("region", {"行政区", "", "the unit's region"}, [](const H& h) { return h.unit_region; }),
      typed_column<H>("before_date", FieldKind::date, {"前时相日期", "", "date of the before scene"},
                      [](const H& h) -> FieldValue { return h.before_date; }),
      typed_column<H>("after_date", FieldKind::date, {"后时相日期", "", "date of the after scene"},
                      [](const H& h) -> FieldValue { return h.after_date; }),
      text_column<H>("severity", {"严重程度", "", "severity: high, medium, low"},
                     [](const H& h) { return std::string(to_string(h.severity)); }),
      text_column<H>("rule", {"触发规则", "", "the unit type's rule that rated it"}, [](const H& h) { return h.rule; }),
  };
  return columns;
}

/// With a monitoring store, the hotspot columns plus the hotspot's life across scans.
const std::vector<Column<Hotspot>>& tracked_hotspot_columns() {
  using H = Hotspot;
  static const std::vector<Column<H>> columns = [] {
    std::vector<Column<H>> list = hotspot_columns();
    list.push_back(text_column<H>("status", {"状态", "", "lifecycle status (store only): new, dispatched, ..."},
                                  [](const H& h) { return h.status; }));
    list.push_back(
        text_column<H>("status_zh", {"状态(中文)", "", "status in Chinese (新发现, 已派发核查, ...)"}, [](const H& h) {
          const auto status = hotspot_status_from_string(h.status);
          return status ? std::string(chinese_name(*status)) : std::string();
        }));
    list.push_back(text_column<H>("track_event",
                                  {"跟踪事件", "", "what this scan made of it: new, persisting, expanded, ..."},
                                  [](const H& h) { return h.track_event; }));
    list.push_back(typed_column<H>("first_seen", FieldKind::date, {"首次发现日期", "", "first scan that saw it"},
                                   [](const H& h) -> FieldValue { return h.first_seen; }));
    list.push_back(typed_column<H>("times_seen", FieldKind::integer, {"发现次数", "", "scans that saw it"},
                                   [](const H& h) -> FieldValue { return std::int64_t{h.times_seen}; }));
    list.push_back(real_column<H>("added_area_m2", 1, {"新增面积(平方米)", "m²", "area added since the last scan"},
                                  [](const H& h) { return h.added_area_m2; }));
    return list;
  }();
  return columns;
}

/// With source tracing (sources:), the registered sites near each hotspot (source_tracing.hpp).
std::vector<Column<Hotspot>> source_columns() {
  using H = Hotspot;
  constexpr double kNull = std::numeric_limits<double>::quiet_NaN();  // written as NULL
  const auto first = [](const H& h) -> const TracedSite* { return h.sources.empty() ? nullptr : &h.sources.front(); };
  return {
      text_column<H>("sources",
                     {"疑似污染源", "",
                      "registered sites within distance, best first (water hotspots: upstream first): ID name kind "
                      "distance direction, \"; \"-joined"},
                     [](const H& h) { return sources_text(h.sources); }),
      text_column<H>("sources_zh", {"疑似污染源(中文)", "", "the same in Chinese (编号 名称 类别 方位 距离 上游)"},
                     [](const H& h) { return sources_text_zh(h.sources); }),
      typed_column<H>("source_count", FieldKind::integer, {"污染源数", "", "registered sites listed"},
                      [](const H& h) -> FieldValue { return static_cast<std::int64_t>(h.sources.size()); }),
      text_column<H>("nearest_source_id", {"首要污染源编号", "", "ID of the first listed site"},
                     [first](const H& h) { return first(h) ? first(h)->id : std::string(); }),
      text_column<H>("nearest_source_name", {"首要污染源名称", "", "its name"},
                     [first](const H& h) { return first(h) ? first(h)->name : std::string(); }),
      text_column<H>("nearest_source_kind",
                     {"首要污染源类别", "", "its registry kind: enterprise, outfall, mine, construction, other"},
                     [first](const H& h) { return first(h) ? std::string(to_string(first(h)->kind)) : std::string(); }),
      real_column<H>("nearest_source_m", 1, {"首要污染源距离(米)", "m", "distance hotspot polygon to site, 0 inside"},
                     [first](const H& h) { return first(h) ? first(h)->distance_m : kNull; }),
      real_column<H>("nearest_source_bearing", 1,
                     {"首要污染源方位角", "°", "bearing from the hotspot's centroid to the site, 0 = north, clockwise"},
                     [first](const H& h) { return first(h) ? first(h)->bearing_deg : kNull; }),
      text_column<H>(
          "nearest_source_direction", {"首要污染源方位", "", "that bearing as N, NE, E, ... (北, 东北, ...)"},
          [first](const H& h) { return first(h) ? std::string(compass_point(first(h)->bearing_deg)) : std::string(); }),
  };
}

}  // namespace

const std::vector<Column<Hotspot>>& hotspot_columns(const ScanResults& results) {
  static const std::vector<Column<Hotspot>> traced = [] {
    auto list = hotspot_columns();
    for (auto& column : source_columns()) list.push_back(std::move(column));
    return list;
  }();
  static const std::vector<Column<Hotspot>> tracked_traced = [] {
    auto list = tracked_hotspot_columns();
    for (auto& column : source_columns()) list.push_back(std::move(column));
    return list;
  }();
  if (results.traced) return results.tracked ? tracked_traced : traced;
  return results.tracked ? tracked_hotspot_columns() : hotspot_columns();
}

const std::vector<Column<UnitResult>>& unit_columns() {
  using U = UnitResult;
  static const std::vector<Column<U>> columns = [] {
    std::vector<Column<U>> list{
        text_column<U>("code", {"单元编码", "", "control unit code"}, [](const U& u) { return u.code; }),
        text_column<U>("name", {"单元名称", "", "unit name"}, [](const U& u) { return u.name; }),
        text_column<U>("type", {"单元类型", "", "unit type: priority, key, general"},
                       [](const U& u) { return std::string(to_string(u.type)); }),
        text_column<U>("type_zh", {"单元类型(中文)", "", "unit type in Chinese"},
                       [](const U& u) { return std::string(chinese_name(u.type)); }),
        text_column<U>("region", {"行政区", "", "region"}, [](const U& u) { return u.region; }),
        real_column<U>("area_m2", 1, {"面积(平方米)", "m²", "unit area"}, [](const U& u) { return u.stats.area_m2; }),
        real_column<U>("valid_area_m2", 1, {"有效观测面积(平方米)", "m²", "area with valid pixels on both dates"},
                       [](const U& u) { return u.stats.valid_area_m2; }),
        real_column<U>("valid_share", 4, {"有效观测比例", "0-1", "valid area / unit area"},
                       [](const U& u) { return u.stats.valid_share; }),
        real_column<U>("changed_area_m2", 1, {"变化面积(平方米)", "m²", "changed area, all types"},
                       [](const U& u) { return u.stats.total_changed_area_m2; }),
    };
    for (int index = 0; index < kernels::kChangeTypeCount; ++index) {
      const auto type = static_cast<kernels::ChangeType>(index);
      if (!kernels::is_change(type)) continue;
      const auto slot = static_cast<std::size_t>(index);
      const std::string name(kernels::to_string(type));
      list.push_back(real_column<U>("changed_" + name + "_m2", 1,
                                    {std::string(chinese_name(type)) + "面积(平方米)", "m²", "changed area, " + name},
                                    [slot](const U& u) { return u.stats.changed_area_m2[slot]; }));
    }
    list.push_back(real_column<U>("changed_share", 4, {"变化比例", "0-1", "changed area / valid area"},
                                  [](const U& u) { return u.stats.changed_share; }));
    list.push_back(real_column<U>("greenness_before", 4, {"前期绿度", "", "mean NDVI (or GLI) before"},
                                  [](const U& u) { return u.stats.mean_greenness_before; }));
    list.push_back(real_column<U>("greenness_after", 4, {"后期绿度", "", "mean NDVI (or GLI) after"},
                                  [](const U& u) { return u.stats.mean_greenness_after; }));
    list.push_back(real_column<U>("greenness_change", 4, {"绿度变化", "", "after - before"},
                                  [](const U& u) { return u.stats.mean_greenness_change; }));
    list.push_back(typed_column<U>("hotspot_count", FieldKind::integer, {"图斑数", "", "hotspots in the unit"},
                                   [](const U& u) -> FieldValue { return std::int64_t{u.hotspot_count}; }));
    list.push_back(typed_column<U>("assessable", FieldKind::boolean, {"可评估", "", "enough valid pixels to judge"},
                                   [](const U& u) -> FieldValue { return u.assessable; }));
    list.push_back(typed_column<U>("flagged", FieldKind::boolean, {"预警", "", "the unit's rule flagged it"},
                                   [](const U& u) -> FieldValue { return u.flagged; }));
    list.push_back(text_column<U>("flag_reasons", {"预警原因", "", "why it was flagged"},
                                  [](const U& u) { return u.flag_reasons; }));
    return list;
  }();
  return columns;
}

std::string field_slug(std::string_view name) {
  std::string slug;
  for (const char c : name) {
    const bool ascii_alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    slug += ascii_alnum ? static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c) : '_';
  }
  return slug;
}

std::vector<Column<UnitResult>> unit_columns_with_quality(const QualityResult* quality) {
  using U = UnitResult;
  std::vector<Column<U>> list = unit_columns();
  if (quality == nullptr) return list;
  // The rows are looked up by unit code; the map lives as long as the columns that use it.
  auto by_code = std::make_shared<std::map<std::string, const UnitQuality*>>();
  std::vector<std::string> pollutants;
  for (const UnitQuality& unit : quality->units) {
    by_code->emplace(unit.code, &unit);
    for (const QualityMeasure& measure : unit.measures) {
      if (std::find(pollutants.begin(), pollutants.end(), measure.pollutant) == pollutants.end()) {
        pollutants.push_back(measure.pollutant);
      }
    }
  }
  constexpr double kNull = std::numeric_limits<double>::quiet_NaN();  // written as NULL
  const auto measure_of = [by_code](const U& unit, const std::string& pollutant) -> const QualityMeasure* {
    const auto row = by_code->find(unit.code);
    if (row == by_code->end()) return nullptr;
    for (const QualityMeasure& measure : row->second->measures) {
      if (measure.pollutant == pollutant) return &measure;
    }
    return nullptr;
  };
  const auto period_mean = [](const PeriodStatistic& period) { return period.assessable ? period.mean : kNull; };
  for (const std::string& pollutant : pollutants) {
    const std::string field = "q_" + field_slug(pollutant);
    list.push_back(real_column<U>(
        field + "_before", 3,
        {pollutant + "前期均值", "", pollutant + " mean over the before period " + quality->before.text()},
        [=](const U& u) -> FieldValue {
          const QualityMeasure* m = measure_of(u, pollutant);
          return m != nullptr ? period_mean(m->before) : kNull;
        }));
    list.push_back(
        real_column<U>(field + "_after", 3,
                       {pollutant + "后期均值", "", pollutant + " mean over the after period " + quality->after.text()},
                       [=](const U& u) -> FieldValue {
                         const QualityMeasure* m = measure_of(u, pollutant);
                         return m != nullptr ? period_mean(m->after) : kNull;
                       }));
    list.push_back(real_column<U>(field + "_change", 4,
                                  {pollutant + "相对变化", "", pollutant + " after / before - 1 (both assessable)"},
                                  [=](const U& u) -> FieldValue {
                                    const QualityMeasure* m = measure_of(u, pollutant);
                                    return m != nullptr ? m->relative_change : kNull;
                                  }));
  }
  list.push_back(typed_column<U>("quality_declined", FieldKind::boolean,
                                 {"环境质量下降", "", "environmental quality declined markedly (quality rule)"},
                                 [by_code](const U& u) -> FieldValue {
                                   const auto row = by_code->find(u.code);
                                   if (row == by_code->end()) return std::monostate{};
                                   return row->second->declined;
                                 }));
  list.push_back(text_column<U>("quality_reasons", {"环境质量下降原因", "", "which measures declined and by how much"},
                                [by_code](const U& u) -> FieldValue {
                                  const auto row = by_code->find(u.code);
                                  return row == by_code->end() ? std::string() : row->second->reasons;
                                }));
  return list;
}

}  // namespace outputs_detail

namespace {

template <class Row>
std::vector<FieldAlias> aliases_of(const std::vector<outputs_detail::Column<Row>>& columns) {
  std::vector<FieldAlias> aliases;
  for (const auto& column : columns) {
    aliases.push_back({column.name, column.doc.alias, column.doc.unit, column.doc.meaning});
  }
  return aliases;
}

}  // namespace

std::vector<FieldAlias> hotspot_field_aliases(bool tracked, bool traced) {
  ScanResults results;
  results.tracked = tracked;
  results.traced = traced;
  return aliases_of(outputs_detail::hotspot_columns(results));
}

std::vector<FieldAlias> unit_field_aliases(const QualityResult* quality) {
  return aliases_of(outputs_detail::unit_columns_with_quality(quality));
}

namespace outputs_detail {

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
