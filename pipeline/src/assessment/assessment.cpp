// The annual assessment's computation: per unit values, changes and classes, the trend,
// summaries per type and region, the headline and the enforcement list.
#include "zonewatch/pipeline/assessment/assessment.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <yaml-cpp/yaml.h>

#include "zonewatch/pipeline/config/yaml_section.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

constexpr double kPoints = 100.0;  // ΔEI is stated on the 0..100 scale (HJ 192-2015)

std::string year_listing(const ArchiveContents& archive) {
  std::string out;
  for (const auto& [year, rows] : archive.indicators) out += (out.empty() ? "" : ", ") + std::to_string(year);
  return out.empty() ? "no year" : out;
}

bool finite(double value) { return std::isfinite(value); }

IndicatorValues values_of(const UnitYearIndicators* row) {
  IndicatorValues v;
  // A year without a valid pixel of the unit says nothing about it, not "zero water".
  if (row == nullptr || !(row->valid_area_m2 > 0.0)) return v;
  v.rsei = row->rsei_mean;
  v.fvc = row->fvc_mean;
  v.ndvi = row->ndvi_mean;
  v.water_m2 = row->water_area_m2;
  v.built_bare_m2 = row->built_bare_area_m2;
  v.vegetation_m2 = row->vegetation_area_m2;
  return v;
}

double indicator_of(const IndicatorValues& v, AssessedIndicator indicator) {
  return indicator == AssessedIndicator::rsei ? v.rsei : v.fvc;
}

double points(double now, double before) {
  return finite(now) && finite(before) ? (now - before) * kPoints : kNotAssessed;
}

/// Area-weighted mean accumulator that ignores NaN values.
struct WeightedMean {
  double sum = 0.0, weight = 0.0;
  void add(double value, double w) {
    if (!finite(value) || !(w > 0.0)) return;
    sum += value * w;
    weight += w;
  }
  [[nodiscard]] double mean() const { return weight > 0.0 ? sum / weight : kNotAssessed; }
};

GroupSummary summarise(std::string key, std::string chinese, const std::vector<const UnitAssessment*>& members,
                       std::size_t year_count) {
  GroupSummary g;
  g.key = std::move(key);
  g.chinese = std::move(chinese);
  WeightedMean indicator, change;
  std::vector<WeightedMean> series(year_count);
  for (const UnitAssessment* u : members) {
    ++g.units;
    g.area_m2 += u->area_m2;
    const auto index = static_cast<std::size_t>(u->change_class);
    ++g.class_counts.at(index);
    g.class_area_m2.at(index) += u->area_m2;
    if (u->change_class != ChangeClass::not_assessed) {
      ++g.assessed;
      g.assessed_area_m2 += u->area_m2;
      change.add(u->class_points, u->area_m2);
    }
    indicator.add(u->series.empty() ? kNotAssessed : u->series.back(), u->area_m2);
    for (std::size_t i = 0; i < year_count && i < u->series.size(); ++i) series[i].add(u->series[i], u->area_m2);
  }
  g.mean_indicator = indicator.mean();
  g.mean_change_points = change.mean();
  for (const WeightedMean& m : series) g.mean_series.push_back(m.mean());
  return g;
}

void apply_trend(UnitAssessment& u, const std::vector<int>& years, const AssessmentOptions& options) {
  if (static_cast<int>(years.size()) < options.trend_min_years) return;
  const auto valid = std::count_if(u.series.begin(), u.series.end(), finite);
  u.trend_years = static_cast<int>(valid);
  if (valid < options.trend_min_years) return;
  const std::vector<double> x(years.begin(), years.end());
  const kernels::TheilSen fit = kernels::theil_sen(x, u.series);
  const kernels::MannKendall test = kernels::mann_kendall(u.series);
  u.trend_slope_points_per_year = fit.slope * kPoints;
  u.trend_p_value = test.p_value;
  u.trend_significant = kernels::trend_significant(test, options.trend_alpha);
}

}  // namespace

std::int64_t UnitAssessment::hotspots_unrectified() const {
  if (hotspots_confirmed < 0) return 0;
  return std::max<std::int64_t>(0, hotspots_confirmed - std::max<std::int64_t>(0, hotspots_rectified));
}

AssessmentOptions load_assessment_config(const std::filesystem::path& file, AssessmentOptions defaults) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    throw ConfigError(file.string() + ": cannot read the assessment config (missing or unreadable)");
  } catch (const YAML::Exception& e) {
    throw ConfigError(file.string() + ": not valid YAML: " + e.what());
  }
  YamlSection top(root, file.string(), "");
  AssessmentOptions options = defaults;
  if (const auto name = top.optional<std::string>("indicator")) {
    const auto parsed = kAssessedIndicatorNames.parse_any_case(*name);
    if (!parsed) {
      throw ConfigError(file.string() + ": key 'indicator' must be one of " + kAssessedIndicatorNames.listing() +
                        ", got '" + *name + "'");
    }
    options.indicator = *parsed;
  }
  YamlSection classes = top.section("classes");
  options.stable_max = classes.get("stable_max", options.stable_max);
  options.slight_max = classes.get("slight_max", options.slight_max);
  if (const auto against = classes.optional<std::string>("against")) {
    const auto parsed = kClassReferenceNames.parse_any_case(*against);
    if (!parsed) {
      throw ConfigError(file.string() + ": key 'classes.against' must be one of " + kClassReferenceNames.listing() +
                        ", got '" + *against + "'");
    }
    options.class_reference = *parsed;
  }
  classes.finish();
  YamlSection trend = top.section("trend");
  options.trend_min_years = trend.get("min_years", options.trend_min_years);
  options.trend_alpha = trend.get("alpha", options.trend_alpha);
  trend.finish();
  top.finish();
  // Range checks name the file's keys; validate_assessment_options repeats them for options
  // built in code.
  if (!(options.stable_max > 0.0)) throw ConfigError(file.string() + ": key 'classes.stable_max' must be > 0");
  if (!(options.slight_max > options.stable_max)) {
    throw ConfigError(file.string() + ": key 'classes.slight_max' must be greater than classes.stable_max (" +
                      std::to_string(options.stable_max) + ")");
  }
  if (options.trend_min_years < 3) throw ConfigError(file.string() + ": key 'trend.min_years' must be >= 3");
  if (!(options.trend_alpha > 0.0 && options.trend_alpha < 1.0)) {
    throw ConfigError(file.string() + ": key 'trend.alpha' must be between 0 and 1 (exclusive)");
  }
  return options;
}

void validate_assessment_options(const AssessmentOptions& options, const ArchiveContents& archive,
                                 const std::string& archive_name) {
  if (!(options.stable_max > 0.0) || !(options.slight_max > options.stable_max)) {
    throw ConfigError("assessment: classes need 0 < stable_max < slight_max, got " +
                      std::to_string(options.stable_max) + " and " + std::to_string(options.slight_max));
  }
  if (options.trend_min_years < 3 || !(options.trend_alpha > 0.0 && options.trend_alpha < 1.0)) {
    throw ConfigError("assessment: trend needs min_years >= 3 and 0 < alpha < 1");
  }
  if (archive.indicators.count(options.year) == 0) {
    throw UsageError(archive_name + ": --year " + std::to_string(options.year) +
                     " is not archived; the archive holds " + year_listing(archive));
  }
  if (archive.indicators.begin()->first >= options.year) {
    throw UsageError(archive_name + ": --year " + std::to_string(options.year) +
                     " has no earlier archived year to compare with; the archive holds " + year_listing(archive));
  }
  if (options.baseline_year) {
    if (archive.indicators.count(*options.baseline_year) == 0) {
      throw UsageError(archive_name + ": --baseline " + std::to_string(*options.baseline_year) +
                       " is not archived; the archive holds " + year_listing(archive));
    }
    if (*options.baseline_year >= options.year) {
      throw UsageError(archive_name + ": --baseline " + std::to_string(*options.baseline_year) +
                       " must be earlier than --year " + std::to_string(options.year));
    }
  }
  if (archive.units.empty()) throw InputError(archive_name + ": the archive holds no control units");
}

AssessmentResult assess(const ArchiveContents& archive, const AssessmentOptions& options,
                        const std::string& archive_name) {
  validate_assessment_options(options, archive, archive_name);
  AssessmentResult r;
  r.options = options;
  r.year = options.year;
  r.baseline_year = options.baseline_year.value_or(archive.indicators.begin()->first);
  r.options.baseline_year = r.baseline_year;
  r.programme = archive.programme;
  r.grid = archive.grid;
  r.calibration = archive.calibration;
  for (const auto& [year, rows] : archive.indicators) {
    if (year <= r.year) r.years.push_back(year);
  }
  r.previous_year = r.years.at(r.years.size() - 2);

  // Rows by year and unit code (the archive keeps units' order, but codes are the identity).
  std::map<int, std::unordered_map<std::string, const UnitYearIndicators*>> rows;
  for (const int year : r.years) {
    for (const UnitYearIndicators& row : archive.indicators.at(year)) rows[year][row.unit_code] = &row;
  }
  const auto row_of = [&](int year, const std::string& code) -> const UnitYearIndicators* {
    const auto& by_code = rows.at(year);
    const auto it = by_code.find(code);
    return it == by_code.end() ? nullptr : it->second;
  };

  r.units.reserve(archive.units.size());
  for (const ArchivedUnit& unit : archive.units) {
    UnitAssessment u;
    u.unit = &unit;
    const UnitYearIndicators* now = row_of(r.year, unit.code);
    u.current = values_of(now);
    u.previous = values_of(row_of(r.previous_year, unit.code));
    u.baseline = values_of(row_of(r.baseline_year, unit.code));
    for (const int year : r.years) {
      const UnitYearIndicators* row = row_of(year, unit.code);
      if (row != nullptr && row->area_m2 > 0.0) u.area_m2 = row->area_m2;  // the latest known area
      u.series.push_back(indicator_of(values_of(row), options.indicator));
    }
    if (now != nullptr) {
      u.valid_area_m2 = now->valid_area_m2;
      u.hotspots_found = now->hotspots_found;
      u.hotspots_confirmed = now->hotspots_confirmed;
      u.hotspots_rectified = now->hotspots_rectified;
    }
    u.rsei_points_vs_previous = points(u.current.rsei, u.previous.rsei);
    u.rsei_points_vs_baseline = points(u.current.rsei, u.baseline.rsei);
    u.fvc_points_vs_previous = points(u.current.fvc, u.previous.fvc);
    u.fvc_points_vs_baseline = points(u.current.fvc, u.baseline.fvc);
    const bool rsei = options.indicator == AssessedIndicator::rsei;
    const double vs_previous = rsei ? u.rsei_points_vs_previous : u.fvc_points_vs_previous;
    const double vs_baseline = rsei ? u.rsei_points_vs_baseline : u.fvc_points_vs_baseline;
    // No valid value on either side: not assessed, never "stable".
    const auto classify = [&](double delta) {
      return finite(delta) ? kernels::delta_class(delta, options.stable_max, options.slight_max)
                           : ChangeClass::not_assessed;
    };
    u.class_vs_previous = classify(vs_previous);
    u.class_vs_baseline = classify(vs_baseline);
    const bool against_previous = options.class_reference == ClassReference::previous;
    u.change_class = against_previous ? u.class_vs_previous : u.class_vs_baseline;
    u.class_points = against_previous ? vs_previous : vs_baseline;
    apply_trend(u, r.years, options);
    r.units.push_back(std::move(u));
  }

  // Summaries per type, per region, overall.
  std::vector<const UnitAssessment*> everyone;
  std::map<std::string, std::vector<const UnitAssessment*>> by_region;
  for (const UnitAssessment& u : r.units) {
    everyone.push_back(&u);
    by_region[u.unit->region].push_back(&u);
  }
  for (const UnitType type : {UnitType::priority, UnitType::key, UnitType::general}) {
    std::vector<const UnitAssessment*> members;
    std::copy_if(everyone.begin(), everyone.end(), std::back_inserter(members),
                 [&](const UnitAssessment* u) { return u->unit->type == type; });
    r.by_type.push_back(
        summarise(std::string(to_string(type)), std::string(chinese_name(type)), members, r.years.size()));
  }
  for (const auto& [region, members] : by_region)
    r.by_region.push_back(summarise(region, region, members, r.years.size()));
  r.all = summarise("all", "全部", everyone, r.years.size());

  // The headline: priority units whose ecological function declined markedly.
  AssessmentHeadline& h = r.headline;
  for (const UnitAssessment& u : r.units) {
    if (u.unit->type != UnitType::priority) continue;
    ++h.priority_units;
    h.priority_area_m2 += u.area_m2;
    if (u.change_class == ChangeClass::not_assessed) continue;
    ++h.priority_assessed;
    h.priority_assessed_area_m2 += u.area_m2;
    if (u.change_class == ChangeClass::significantly_worse) {
      ++h.priority_declined;
      h.priority_declined_area_m2 += u.area_m2;
    }
  }
  if (h.priority_assessed > 0) h.declined_share_count = double(h.priority_declined) / h.priority_assessed;
  if (h.priority_assessed_area_m2 > 0.0)
    h.declined_share_area = h.priority_declined_area_m2 / h.priority_assessed_area_m2;

  // Enforcement: priority units that declined markedly; key units that did, or that carry
  // confirmed hotspots not rectified.
  for (const UnitAssessment& u : r.units) {
    const bool declined = u.change_class == ChangeClass::significantly_worse;
    const std::int64_t unrectified = u.hotspots_unrectified();
    const bool needed = (u.unit->type == UnitType::priority && declined) ||
                        (u.unit->type == UnitType::key && (declined || unrectified > 0));
    if (needed) r.enforcement.push_back({&u, declined, unrectified});
  }
  std::stable_sort(r.enforcement.begin(), r.enforcement.end(), [](const EnforcementCase& a, const EnforcementCase& b) {
    const double da = a.unit->class_points, db = b.unit->class_points;
    if (finite(da) != finite(db)) return finite(da);  // units without a change last
    if (finite(da) && da != db) return da < db;
    return a.unrectified > b.unrectified;
  });
  return r;
}

}  // namespace zw
