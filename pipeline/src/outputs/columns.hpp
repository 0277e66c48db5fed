#pragma once
// The attribute model shared by the GeoPackage, CSV and GeoJSON writers (outputs.hpp), so their
// columns cannot drift apart: one column list per kind of row, and the hotspots' report order.
// Not a public header.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "zonewatch/pipeline/stages/results.hpp"

namespace zw {
struct QualityResult;
struct WaterBody;
}  // namespace zw

namespace zw::outputs_detail {

enum class FieldKind { text, real, integer, boolean, date };

using FieldValue = std::variant<std::monostate, std::string, double, std::int64_t, bool>;

/// What a column means to a reader: QGIS shows the alias (layer_styles.hpp), the README's
/// outputs table lists all three (a test keeps it in step).
struct ColumnDoc {
  std::string alias;  // Chinese
  std::string unit;   // empty where there is none
  std::string meaning;
};

template <class Row>
struct Column {
  std::string name;
  FieldKind kind = FieldKind::text;
  int csv_decimals = 0;  // fixed decimals of real columns in the CSV
  std::function<FieldValue(const Row&)> value;
  ColumnDoc doc;
};

/// The hotspot columns; with a monitoring store (results.tracked), plus the hotspot's life
/// across scans.
const std::vector<Column<Hotspot>>& hotspot_columns(const ScanResults& results);

/// The columns of the units layer: every control unit with its statistics and flag.
const std::vector<Column<UnitResult>>& unit_columns();

/// unit_columns() and, when the scan assessed environmental quality, per pollutant (in the
/// order first met) its before and after period means and relative change, then whether the
/// unit's quality declined and why; units without a quality row get nulls.
std::vector<Column<UnitResult>> unit_columns_with_quality(const QualityResult* quality);

/// The columns of the water_bodies layer (stages/water_quality.hpp; water_body_columns.cpp):
/// each body's area, unit, flag, and per index its before/after medians, change and departure.
const std::vector<Column<WaterBody>>& water_body_columns();

/// An ASCII field name part for a pollutant or layer name: lower case, other characters "_"
/// ("PM2.5" -> "pm2_5").
std::string field_slug(std::string_view name);

/// Hotspots in the report order (stages/hotspots.hpp); sorts pointers, so the caller's order is left alone.
std::vector<const Hotspot*> hotspots_in_report_order(const std::vector<Hotspot>& hotspots);

}  // namespace zw::outputs_detail
