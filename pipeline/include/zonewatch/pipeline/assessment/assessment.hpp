#pragma once
// The annual effectiveness assessment: per control unit, did ecological function hold,
// improve or decline in `year`, against the previous archived year and a baseline year; the
// long-term trend where enough years are archived; summaries per unit type and region; and
// the headline the bureau reports (the share of priority units that declined markedly, and
// the units needing enforcement). Works on an archive's plain values (archive_contents.hpp),
// never on HDF5 or rasters.
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/kernels/trend.hpp"
#include "zonewatch/pipeline/archive/archive_contents.hpp"
#include "zonewatch/pipeline/core/enum_names.hpp"

namespace zw {

using kernels::ChangeClass;
inline constexpr std::size_t kChangeClassCount = kernels::kChangeClassNames.entries().size();

/// The indicator whose change classifies a unit.
enum class AssessedIndicator { rsei, fvc };
inline constexpr EnumNames<AssessedIndicator, 2> kAssessedIndicatorNames{
    std::array{EnumName<AssessedIndicator>{AssessedIndicator::rsei, "rsei", "遥感生态指数"},
               EnumName<AssessedIndicator>{AssessedIndicator::fvc, "fvc", "植被覆盖度"}}};

/// Which earlier year a unit's class compares with.
enum class ClassReference { previous, baseline };
inline constexpr EnumNames<ClassReference, 2> kClassReferenceNames{
    std::array{EnumName<ClassReference>{ClassReference::previous, "previous", "上一年度"},
               EnumName<ClassReference>{ClassReference::baseline, "baseline", "基准年"}}};

/// What `zonewatch assess` is asked to do; the thresholds come from the assessment config
/// (docs/CONFIG.md, "Annual assessment").
struct AssessmentOptions {
  int year = 0;
  std::optional<int> baseline_year;  // default: the first archived year
  AssessedIndicator indicator = AssessedIndicator::rsei;
  ClassReference class_reference = ClassReference::previous;
  double stable_max = 1.0;  // |Δ index × 100| up to this: stable (HJ 192-2015 ΔEI classes)
  double slight_max = 3.0;  // up to this: slightly better/worse; beyond: significantly
  int trend_min_years = 3;  // Theil–Sen / Mann–Kendall need at least this many years
  double trend_alpha = 0.05;
};

/// Reads the optional assessment config (YAML) over `defaults`. ConfigError naming the file
/// and key for unknown keys and values out of range.
AssessmentOptions load_assessment_config(const std::filesystem::path& file, AssessmentOptions defaults = {});

/// Checks the options against the archive: `year` archived, the baseline archived and
/// earlier. UsageError naming `archive_name` and the years it holds; ConfigError for
/// thresholds out of range.
void validate_assessment_options(const AssessmentOptions& options, const ArchiveContents& archive,
                                 const std::string& archive_name);

/// One year's indicators of a unit as the assessment reads them (NaN: not assessed).
struct IndicatorValues {
  double rsei = kNotAssessed, fvc = kNotAssessed, ndvi = kNotAssessed;
  double water_m2 = kNotAssessed, built_bare_m2 = kNotAssessed, vegetation_m2 = kNotAssessed;
};

struct UnitAssessment {
  const ArchivedUnit* unit = nullptr;  // into the archive the assessment was built from
  double area_m2 = 0.0, valid_area_m2 = 0.0;
  IndicatorValues current, previous, baseline;
  // Δ × 100 ("points", as HJ 192-2015 states ΔEI) against the previous and the baseline year.
  double rsei_points_vs_previous = kNotAssessed, rsei_points_vs_baseline = kNotAssessed;
  double fvc_points_vs_previous = kNotAssessed, fvc_points_vs_baseline = kNotAssessed;
  ChangeClass class_vs_previous = ChangeClass::not_assessed, class_vs_baseline = ChangeClass::not_assessed;
  ChangeClass change_class = ChangeClass::not_assessed;  // the one the options' reference picks
  double class_points = kNotAssessed;                    // the Δ points that gave change_class
  // Trend of the assessed indicator over the archived years up to `year` (NaN when fewer).
  double trend_slope_points_per_year = kNotAssessed;
  double trend_p_value = kNotAssessed;
  int trend_years = 0;
  bool trend_significant = false;
  std::vector<double> series;  // the assessed indicator per year of AssessmentResult::years
  // Hotspots in `year` from the monitoring store; -1 when none was recorded.
  std::int64_t hotspots_found = -1, hotspots_confirmed = -1, hotspots_rectified = -1;
  [[nodiscard]] std::int64_t hotspots_unrectified() const;  // confirmed and not rectified; 0 if unknown
};

/// Counts and area-weighted means over a group of units (a unit type, a region, all).
struct GroupSummary {
  std::string key;      // "priority" / region name
  std::string chinese;  // 优先保护单元 / the region again
  int units = 0, assessed = 0;
  double area_m2 = 0.0, assessed_area_m2 = 0.0;
  std::array<int, kChangeClassCount> class_counts{};  // indexed by ChangeClass
  std::array<double, kChangeClassCount> class_area_m2{};
  double mean_indicator = kNotAssessed;      // area-weighted over assessed units, `year`
  double mean_change_points = kNotAssessed;  // area-weighted Δ points that gave the classes
  std::vector<double> mean_series;           // area-weighted per year of AssessmentResult::years
};

/// A unit the bureau must act on, and why.
struct EnforcementCase {
  const UnitAssessment* unit = nullptr;
  bool declined = false;         // class significantly_worse
  std::int64_t unrectified = 0;  // confirmed hotspots not rectified
};

struct AssessmentHeadline {
  int priority_units = 0, priority_assessed = 0, priority_declined = 0;
  double priority_area_m2 = 0.0, priority_assessed_area_m2 = 0.0, priority_declined_area_m2 = 0.0;
  double declined_share_count = kNotAssessed;  // of assessed priority units
  double declined_share_area = kNotAssessed;   // of assessed priority units' area
};

struct AssessmentResult {
  AssessmentOptions options;  // as applied: baseline_year always set
  int year = 0, previous_year = 0, baseline_year = 0;
  std::vector<int> years;  // archived years up to `year`, ascending
  std::string programme;
  ArchiveGrid grid;
  RseiCalibration calibration;
  std::vector<UnitAssessment> units;  // archive order
  std::vector<GroupSummary> by_type;  // priority, key, general
  std::vector<GroupSummary> by_region;
  GroupSummary all;
  AssessmentHeadline headline;
  std::vector<EnforcementCase> enforcement;  // most declined first

  [[nodiscard]] nlohmann::json to_json() const;
};

/// The assessment of `options.year`; validates first (validate_assessment_options).
/// The result points into `archive`, which must outlive it.
AssessmentResult assess(const ArchiveContents& archive, const AssessmentOptions& options,
                        const std::string& archive_name);

// ---- Outputs (assessment_outputs.cpp, report_page.cpp)

/// Called with the finished, still staged assessment.gpkg and its layer name, before the
/// outputs are committed: where QGIS layer styles are embedded.
using GpkgLayerHook = std::function<void(const std::filesystem::path& gpkg, const std::string& layer)>;

/// Styles the assessment layer of `gpkg` for QGIS (layer_styles, the default style): filled
/// by change class, labelled with the unit's name, Chinese aliases for the main fields.
/// OutputError when the file cannot be updated.
void style_assessment_layer(const std::filesystem::path& gpkg, const std::string& layer);

struct AssessmentFiles {
  std::filesystem::path report_html, gpkg, units_csv, by_type_csv, by_region_csv, json;
};

/// report.html, assessment.gpkg (layer "assessment"), units.csv, by_type.csv, by_region.csv
/// and assessment.json in `out_dir`, written as one set (all or none). OutputError on failure.
AssessmentFiles write_assessment_outputs(const AssessmentResult& result, const std::filesystem::path& out_dir,
                                         const GpkgLayerHook& style_layer = {});

/// The self-contained offline report page (inline CSS and SVG, no network).
std::string assessment_report_html(const AssessmentResult& result);

}  // namespace zw
