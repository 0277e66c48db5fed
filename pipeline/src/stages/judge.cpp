#include "zonewatch/pipeline/stages/judge.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/stages/hotspots.hpp"

namespace zw {
using kernels::ChangeType;

namespace {

void require_range(const std::string& rule, const char* key, double value, double low, double high) {
  if (!(value >= low && value <= high)) {
    throw ConfigError(rule + "." + key + ": " + text::printf_string("%.6f", value) + " is outside " +
                      text::printf_string("%.0f", low) + ".." + text::printf_string("%.0f", high));
  }
}

void validate_rule(const UnitRule& rule, const std::string& name) {
  require_range(name, "flag_changed_area_m2", rule.flag_changed_area_m2, 0.0, 1e12);
  require_range(name, "flag_changed_share", rule.flag_changed_share, 0.0, 1.0);
  require_range(name, "flag_greenness_decline", rule.flag_greenness_decline, 0.0, 2.0);
  require_range(name, "min_valid_share", rule.min_valid_share, 0.0, 1.0);
  require_range(name, "rectification_days", rule.rectification_days, 0.0, 3650.0);
  if (rule.severity_medium_m2 > rule.severity_high_m2) {
    throw ConfigError(name + ".severity: medium_m2 must not exceed high_m2");
  }
}

Severity severity_for(double area, const UnitRule& rule) {
  if (area >= rule.severity_high_m2) return Severity::high;
  if (area >= rule.severity_medium_m2) return Severity::medium;
  return Severity::low;
}

}  // namespace

void JudgeOptions::validate() const {
  for (UnitType t : {UnitType::priority, UnitType::key, UnitType::general}) {
    validate_rule(rules.by_type[static_cast<int>(t)], "rules." + std::string(to_string(t)));
  }
  for (const auto& [code, per_type] : rules.overrides) {
    for (UnitType t : {UnitType::priority, UnitType::key, UnitType::general}) {
      validate_rule(per_type[static_cast<int>(t)], "rules.overrides." + code + " (" + std::string(to_string(t)) + ")");
    }
  }
}

nlohmann::json JudgeResult::to_json() const {
  return {{"units_flagged", units_flagged}, {"units_not_assessable", units_not_assessable}};
}

Judge::Judge(JudgeOptions options) : options_(std::move(options)) { options_.validate(); }

const UnitRule& Judge::rule_for(const std::string& code, UnitType type) const {
  return options_.rules.for_unit(code, type);
}

bool Judge::alerts(const std::string& code, UnitType unit_type, ChangeType type) const {
  return rule_for(code, unit_type).alerts_on(type);
}

void Judge::rate(Hotspot& h) const {
  const UnitRule& rule = rule_for(h.unit_code, h.unit_type);
  h.severity = severity_for(h.area_m2, rule);
  const bool overridden = options_.rules.overrides.count(h.unit_code) != 0;
  const std::string head = std::string(overridden ? "override " + h.unit_code : std::string(to_string(h.unit_type))) +
                           ": " + std::string(kernels::to_string(h.change_type)) + " " +
                           text::printf_string("%.0f", h.area_m2) + " m2";
  if (std::find(rule.severity_high_types.begin(), rule.severity_high_types.end(), h.change_type) !=
      rule.severity_high_types.end()) {
    h.severity = Severity::high;
    h.rule = head + " -> high (" + std::string(kernels::to_string(h.change_type)) + " is rated high at any area)";
    return;
  }
  h.rule =
      head + (h.severity == Severity::high ? " >= " + text::printf_string("%.0f", rule.severity_high_m2) + " m2 -> high"
              : h.severity == Severity::medium
                  ? " >= " + text::printf_string("%.0f", rule.severity_medium_m2) + " m2 -> medium"
                  : " < " + text::printf_string("%.0f", rule.severity_medium_m2) + " m2 -> low");
}

void Judge::assess(UnitResult& r) const {
  const UnitRule& rule = rule_for(r.code, r.type);
  r.stats.total_changed_area_m2 = 0.0;
  for (ChangeType t : rule.change_types) {
    r.stats.total_changed_area_m2 += r.stats.changed_area_m2[static_cast<std::size_t>(t)];
  }
  r.stats.changed_share = r.stats.valid_area_m2 > 0 ? r.stats.total_changed_area_m2 / r.stats.valid_area_m2 : 0.0;
  r.assessable = r.stats.valid_share >= rule.min_valid_share;
  std::vector<std::string> reasons;
  if (r.assessable) {
    if (r.stats.total_changed_area_m2 >= rule.flag_changed_area_m2) {
      reasons.push_back("changed area " + text::printf_string("%.0f", r.stats.total_changed_area_m2) +
                        " m2 >= " + text::printf_string("%.0f", rule.flag_changed_area_m2));
    }
    if (r.stats.changed_share >= rule.flag_changed_share) {
      reasons.push_back("changed share " + text::printf_string("%.2f", 100.0 * r.stats.changed_share) +
                        "% >= " + text::printf_string("%.2f", 100.0 * rule.flag_changed_share) + "%");
    }
    if (std::isfinite(r.stats.mean_greenness_change) && -r.stats.mean_greenness_change >= rule.flag_greenness_decline) {
      reasons.push_back("mean greenness decline " + text::printf_string("%.3f", -r.stats.mean_greenness_change) +
                        " >= " + text::printf_string("%.3f", rule.flag_greenness_decline));
    }
  }
  r.flagged = !reasons.empty();
  r.flag_reasons.clear();
  for (std::size_t i = 0; i < reasons.size(); ++i) r.flag_reasons += (i ? "; " : "") + reasons[i];
}

JudgeResult Judge::run(std::vector<Hotspot>& hotspots, std::vector<UnitResult>& units) const {
  JudgeResult result;
  for (Hotspot& h : hotspots) rate(h);
  sort_for_report(hotspots);
  result.hotspots = hotspots.size();
  for (UnitResult& unit : units) {
    assess(unit);
    result.units_not_assessable += unit.assessable ? 0 : 1;
    result.units_flagged += unit.flagged ? 1 : 0;
  }
  return result;
}

}  // namespace zw
