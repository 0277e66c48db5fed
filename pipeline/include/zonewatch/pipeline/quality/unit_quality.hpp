#pragma once
// Environmental quality per control unit and period (the policy's "areas whose environmental
// quality has markedly declined"): station series interpolated onto sample points inside
// each unit (IDW or nearest station), gridded layers averaged over the unit, period means
// with valid shares, and the decline rule.
#include <array>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/pipeline/config/quality_options.hpp"
#include "zonewatch/pipeline/inputs/units.hpp"
#include "zonewatch/pipeline/quality/station_table.hpp"
#include "zonewatch/pipeline/stages/results.hpp"

namespace zw {

/// An inclusive range of days, hourly from 00:00 of the first to 23:00 of the last.
struct QualityPeriod {
  std::string first, last;  // YYYY-MM-DD

  /// "FIRST..LAST" text; InputError-free: ConfigError naming `key` when malformed.
  static QualityPeriod parse(const std::string& text, const std::string& key);
  /// The `days` days ending on `last` (YYYY-MM-DD).
  static QualityPeriod ending_on(const std::string& last, int days);
  [[nodiscard]] HourIndex first_hour() const;
  [[nodiscard]] std::size_t hours() const;
  [[nodiscard]] std::string text() const { return first + ".." + last; }
};

/// A period's mean and how much of the period it rests on.
struct PeriodStatistic {
  double mean = 0.0;         // NaN when nothing was valid
  double valid_share = 0.0;  // valid hours (stations) or valid pixel-steps (grids) / all
  bool assessable = false;   // valid_share >= quality.min_valid_share
};

/// One pollutant (or grid layer) of one unit, before and after.
struct QualityMeasure {
  std::string pollutant;
  std::string source;  // "stations:idw", "stations:nearest" or "grid"
  PeriodStatistic before, after;
  double relative_change = 0.0;  // after / before - 1; NaN unless both are assessable
  double limit = 0.0;            // NaN: none configured
  bool declined = false;
  std::string reason;  // why declined, empty otherwise
};

struct UnitQuality {
  std::string code, name;
  UnitType type = UnitType::general;
  std::size_t sample_points = 0;
  std::vector<std::string> stations_inside;  // ids of the stations the unit contains
  std::vector<QualityMeasure> measures;
  bool declined = false;  // any measure declined
  std::string reasons;    // "; "-joined

  [[nodiscard]] nlohmann::json to_json() const;
};

/// One station's period statistics (valid-hour shares as measured, before interpolation).
struct StationQuality {
  std::string id, name;
  double lon = 0.0, lat = 0.0;
  std::string unit_code;  // the unit containing it; "" when outside every unit
  std::vector<std::string> pollutants;
  std::vector<PeriodStatistic> before, after;  // parallel to pollutants
};

struct QualityResult {
  std::string method;  // e.g. "idw (power 2, max distance 50000 m, 16 sample points per unit)"
  QualityPeriod before, after;
  double min_valid_share = 0.0;
  std::vector<UnitQuality> units;  // in unit order
  std::vector<StationQuality> stations;
  std::size_t stations_outside_units = 0;
  std::size_t units_declined = 0;
  std::vector<std::string> files;  // station files and grids read

  /// run.json's "quality" section.
  [[nodiscard]] nlohmann::json to_json() const;
};

/// The decline rule on one measure whose before/after are set: fills relative_change,
/// declined and reason.
void judge_decline(QualityMeasure& measure, const QualityDeclineOptions& rule);

/// Points inside `geometry` (WKT) for area averaging: the cell centres of the finest square
/// lattice over its envelope that puts at least `wanted` of them inside (up to 64 x 64),
/// or its point on surface when none falls inside. In the geometry's coordinates.
std::vector<std::array<double, 2>> unit_sample_points(const std::string& geometry_wkt, int wanted);

/// The quality of every unit (geometries in `units_crs_wkt`) for both periods, from the
/// stations and grids of `options`. Throws InputError for unreadable inputs.
QualityResult assess_unit_quality(const QualityOptions& options, const std::vector<ControlUnit>& units,
                                  const std::string& units_crs_wkt, const QualityPeriod& before,
                                  const QualityPeriod& after);

/// The scan's quality step: periods from quality.before_period/after_period, or the
/// default_period_days ending on the scan's before and after dates; then assess_unit_quality.
/// Throws ConfigError when the periods overlap.
QualityResult assess_scan_quality(const QualityOptions& options, const std::string& before_date,
                                  const std::string& after_date, const std::vector<ControlUnit>& units,
                                  const std::string& units_crs_wkt);

/// Flags the units whose quality declined (flagged, reasons appended), matched by code.
void flag_declined_units(const QualityResult& quality, std::vector<UnitResult>& units);

/// quality.csv: one row per unit and measure, UTF-8 with BOM, RFC 4180, CRLF.
void write_quality_csv(const std::filesystem::path& path, const QualityResult& result);

}  // namespace zw
