// The scan config's water_quality section (water_quality_options.hpp): water extraction,
// the indices, and the departure rule per unit type and index.
#include <algorithm>

#include "config_parsing.hpp"
#include "zonewatch/pipeline/config/water_quality_options.hpp"
#include "zonewatch/pipeline/config/yaml_section.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {

namespace {

using config_detail::require_range;
using kernels::WaterIndex;

constexpr std::array<WaterIndex, kernels::kWaterIndexCount> kAllIndices{WaterIndex::ndti, WaterIndex::ndci,
                                                                        WaterIndex::fai, WaterIndex::boi};

void parse_index_rule(YamlSection s, kernels::DepartureRule& rule) {
  rule.k = s.get<double>("k", rule.k);
  require_range(s, "k", rule.k, 0.0, 1000.0);
  rule.min_spread = s.get<double>("min_spread", rule.min_spread);
  require_range(s, "min_spread", rule.min_spread, 0.0, 2.0);
  if (const auto limit = s.optional<double>("limit")) {
    require_range(s, "limit", *limit, -2.0, 2.0);
    rule.limit = *limit;
  }
  s.finish();
}

WaterQualityRule parse_rule(YamlSection s, WaterQualityRule rule) {
  rule.min_affected_area_m2 = s.get<double>("min_affected_area_m2", rule.min_affected_area_m2);
  require_range(s, "min_affected_area_m2", rule.min_affected_area_m2, 0.0, 1e12);
  for (WaterIndex index : kAllIndices) {
    const std::string key(kernels::to_string(index));
    parse_index_rule(s.section(key), rule.indices[static_cast<int>(index)]);
  }
  s.finish();
  return rule;
}

nlohmann::json rule_json(const WaterQualityRule& rule) {
  nlohmann::json j = {{"min_affected_area_m2", rule.min_affected_area_m2}};
  for (WaterIndex index : kAllIndices) {
    const auto& r = rule.indices[static_cast<int>(index)];
    j[std::string(kernels::to_string(index))] = {
        {"k", r.k}, {"min_spread", r.min_spread}, {"limit", r.limit ? nlohmann::json(*r.limit) : nlohmann::json()}};
  }
  return j;
}

}  // namespace

std::array<WaterQualityRule, 3> default_water_quality_rules() {
  WaterQualityRule base;
  for (WaterIndex index : kAllIndices) {
    auto& r = base.indices[static_cast<int>(index)];
    r.k = 3.0;
    r.min_spread = index == WaterIndex::fai ? 0.005 : 0.02;  // FAI is a reflectance difference
  }
  std::array<WaterQualityRule, 3> rules{base, base, base};
  WaterQualityRule& priority = rules[static_cast<int>(UnitType::priority)];
  for (auto& r : priority.indices) r.k = 2.0;
  priority.min_affected_area_m2 = 500.0;
  return rules;
}

bool WaterQualityOptions::computes(WaterIndex index) const {
  return std::find(indices.begin(), indices.end(), index) != indices.end();
}

namespace config_detail {

WaterQualityOptions parse_water_quality(YamlSection s, bool present) {
  WaterQualityOptions o;
  o.enabled = s.get<bool>("enabled", present);
  YamlSection t = s.section("threshold");
  o.threshold_min = t.get<double>("min", o.threshold_min);
  o.threshold_max = t.get<double>("max", o.threshold_max);
  require_range(t, "min", o.threshold_min, -1.0, 1.0);
  require_range(t, "max", o.threshold_max, o.threshold_min, 1.0);
  // Not given: the default fallback moved into the range given.
  o.threshold_fallback = t.get<double>("fallback", std::clamp(o.threshold_fallback, o.threshold_min, o.threshold_max));
  require_range(t, "fallback", o.threshold_fallback, o.threshold_min, o.threshold_max);
  t.finish();
  o.min_body_area_m2 = s.get<double>("min_body_area_m2", o.min_body_area_m2);
  require_range(s, "min_body_area_m2", o.min_body_area_m2, 0.0, 1e12);
  o.min_valid_share = s.get<double>("min_valid_share", o.min_valid_share);
  require_range(s, "min_valid_share", o.min_valid_share, 0.0, 1.0);
  if (s.has("indices")) {
    const auto names = s.get<std::vector<std::string>>("indices", {});
    o.indices.clear();
    for (const std::string& name : names) {
      const auto index = kernels::water_index_from_string(name);
      if (!index) {
        throw ConfigError(s.file() + ": key '" + s.key_path("indices") + "': '" + name +
                          "' is not a water-quality index (expected " + kernels::kWaterIndexNames.listing() + ")");
      }
      if (std::find(o.indices.begin(), o.indices.end(), *index) == o.indices.end()) o.indices.push_back(*index);
    }
    if (o.indices.empty()) {
      throw ConfigError(s.file() + ": key '" + s.key_path("indices") + "' lists no index (expected some of " +
                        kernels::kWaterIndexNames.listing() + ")");
    }
  } else {
    (void)s.optional<std::string>("indices");  // known, even when absent
  }
  YamlSection rules = s.section("rules");
  for (UnitType type : {UnitType::priority, UnitType::key, UnitType::general}) {
    auto& rule = o.rules[static_cast<int>(type)];
    rule = parse_rule(rules.section(std::string(to_string(type))), rule);
  }
  rules.finish();
  s.finish();
  return o;
}

}  // namespace config_detail

nlohmann::json to_json(const WaterQualityOptions& o) {
  nlohmann::json indices = nlohmann::json::array();
  for (WaterIndex index : o.indices) indices.push_back(std::string(kernels::to_string(index)));
  nlohmann::json rules = nlohmann::json::object();
  for (UnitType type : {UnitType::priority, UnitType::key, UnitType::general}) {
    rules[std::string(to_string(type))] = rule_json(o.rules[static_cast<int>(type)]);
  }
  return {{"enabled", o.enabled},
          {"threshold", {{"min", o.threshold_min}, {"max", o.threshold_max}, {"fallback", o.threshold_fallback}}},
          {"min_body_area_m2", o.min_body_area_m2},
          {"min_valid_share", o.min_valid_share},
          {"indices", indices},
          {"rules", rules}};
}

}  // namespace zw
