// Detection options (z-scoring, normalization, threshold, change typing) and the unit rules
// (flags, severity, rectification): parsed from the config's detection and rules sections, and
// written back as JSON.
#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config_parsing.hpp"
#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/config/yaml_section.hpp"
#include "zonewatch/pipeline/core/enum_names.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"

namespace zw {
using kernels::ChangeType;
using kernels::ThresholdMethod;

std::vector<ChangeType> UnitRule::all_change_types() {
  std::vector<ChangeType> types;
  for (int t = 1; t < kernels::kChangeTypeCount; ++t) types.push_back(static_cast<ChangeType>(t));
  return types;
}

bool UnitRule::alerts_on(ChangeType type) const {
  return std::find(change_types.begin(), change_types.end(), type) != change_types.end();
}

const UnitRule& RuleSet::for_unit(const std::string& code, UnitType type) const {
  const auto it = overrides.find(code);
  return it != overrides.end() ? it->second[static_cast<int>(type)] : by_type[static_cast<int>(type)];
}

namespace {

using config_detail::require_range;

constexpr EnumNames kZScoreNames{std::array{
    EnumName<ZScore>{ZScore::robust, "robust"},
    EnumName<ZScore>{ZScore::moments, "moments"},
}};

constexpr EnumNames kNormalizationNames{std::array{
    EnumName<RadiometricNormalization>{RadiometricNormalization::none, "none"},
    EnumName<RadiometricNormalization>{RadiometricNormalization::irmad, "irmad"},
}};

constexpr EnumNames kThresholdMethodNames{std::array{
    EnumName<ThresholdMethod>{ThresholdMethod::otsu, "otsu"},
    EnumName<ThresholdMethod>{ThresholdMethod::fixed, "fixed"},
    EnumName<ThresholdMethod>{ThresholdMethod::k_sigma, "k_sigma"},
    EnumName<ThresholdMethod>{ThresholdMethod::min_error, "min_error"},
}};

/// The value named by key (default `fallback`), or ConfigError naming the choices.
template <class Enum, std::size_t N>
Enum parse_choice(YamlSection& s, const std::string& key, Enum fallback, const EnumNames<Enum, N>& names,
                  std::string_view what) {
  const std::string text = s.get<std::string>(key, std::string(names.name(fallback)));
  if (const auto value = names.parse(text)) return *value;
  throw ConfigError(s.file() + ": key '" + s.key_path(key) + "': '" + text + "' is not " + std::string(what) +
                    " (expected " + names.listing() + ")");
}

std::vector<ChangeType> parse_change_types(YamlSection& s, const std::string& key,
                                           const std::vector<ChangeType>& fallback) {
  const auto names = s.optional<std::vector<std::string>>(key);
  if (!names) return fallback;
  std::vector<ChangeType> types;
  for (const auto& name : *names) {
    const auto type = kernels::change_type_from_string(name);
    if (!type || !kernels::is_change(*type)) {
      throw ConfigError(s.file() + ": key '" + s.key_path(key) + "': '" + name + "' is not a change type (expected " +
                        kernels::change_type_listing() + ")");
    }
    types.push_back(*type);
  }
  return types;
}

UnitRule parse_rule(YamlSection s, const UnitRule& base) {
  UnitRule rule = base;
  rule.flag_changed_area_m2 = s.get<double>("flag_changed_area_m2", rule.flag_changed_area_m2);
  rule.flag_changed_share = s.get<double>("flag_changed_share", rule.flag_changed_share);
  rule.flag_greenness_decline = s.get<double>("flag_greenness_decline", rule.flag_greenness_decline);
  rule.min_valid_share = s.get<double>("min_valid_share", rule.min_valid_share);
  rule.rectification_days = s.get<int>("rectification_days", rule.rectification_days);
  require_range(s, "rectification_days", rule.rectification_days, 0, 3650);
  YamlSection sev = s.section("severity");
  rule.severity_high_m2 = sev.get<double>("high_m2", rule.severity_high_m2);
  rule.severity_medium_m2 = sev.get<double>("medium_m2", rule.severity_medium_m2);
  rule.severity_high_types = parse_change_types(sev, "high_types", rule.severity_high_types);
  sev.finish();
  rule.change_types = parse_change_types(s, "change_types", rule.change_types);
  require_range(s, "flag_changed_area_m2", rule.flag_changed_area_m2, 0.0, 1e12);
  require_range(s, "flag_changed_share", rule.flag_changed_share, 0.0, 1.0);
  require_range(s, "flag_greenness_decline", rule.flag_greenness_decline, 0.0, 2.0);
  require_range(s, "min_valid_share", rule.min_valid_share, 0.0, 1.0);
  if (rule.severity_medium_m2 > rule.severity_high_m2) {
    throw ConfigError(s.file() + ": key '" + s.key_path("severity") + "': medium_m2 must not exceed high_m2");
  }
  s.finish();
  return rule;
}

/// Gaussian sigmas: 1 to 8 numbers in 0..`max` of `unit`.
std::vector<float> parse_scales(YamlSection& s, const std::string& key, const std::vector<float>& fallback, double max,
                                const std::string& unit, const std::string& example) {
  const auto texts = s.optional<std::vector<std::string>>(key);
  if (!texts) return fallback;
  const auto fail = [&](const std::string& why) {
    throw ConfigError(s.file() + ": key '" + s.key_path(key) + "': " + why +
                      " (expected a list of 1 to 8 Gaussian sigmas in " + unit + ", 0.." +
                      text::printf_string("%g", max) + ", e.g. " + example + ")");
  };
  if (texts->empty() || texts->size() > 8) fail(std::to_string(texts->size()) + " sigmas");
  std::vector<float> sigmas;
  for (const auto& text : *texts) {
    std::size_t used = 0;
    double sigma = -1.0;
    try {
      sigma = std::stod(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != text.size() || !(sigma >= 0.0 && sigma <= max)) fail("'" + text + "' is not a sigma");
    sigmas.push_back(static_cast<float>(sigma));
  }
  return sigmas;
}

}  // namespace

namespace config_detail {

DetectionOptions parse_detection(YamlSection s) {
  DetectionOptions d;
  d.zscore = parse_choice(s, "zscore", ZScore::robust, kZScoreNames, "a z-scoring");
  d.normalize =
      parse_choice(s, "normalize", RadiometricNormalization::none, kNormalizationNames, "a radiometric normalization");
  YamlSection t = s.section("threshold");
  d.threshold.method = parse_choice(t, "method", ThresholdMethod::otsu, kThresholdMethodNames, "a method");
  d.threshold.value = t.get<double>("value", d.threshold.value);
  d.threshold.k = t.get<double>("k", d.threshold.k);
  d.threshold.min = t.get<double>("min", d.threshold.min);
  d.threshold.min_median_multiple = t.get<double>("min_median_multiple", d.threshold.min_median_multiple);
  require_range(t, "min_median_multiple", d.threshold.min_median_multiple, 0.0, 100.0);
  require_range(t, "value", d.threshold.value, 0.0, 1000.0);
  require_range(t, "k", d.threshold.k, 0.0, 100.0);
  require_range(t, "min", d.threshold.min, 0.0, 1000.0);
  t.finish();

  d.mapping_unit_scales = parse_scales(s, "mapping_unit_scales", d.mapping_unit_scales, 5.0,
                                       "sides of the minimum mapping unit", "[0, 0.5, 1]");
  d.scales = parse_scales(s, "scales", d.scales, 10.0, "pixels", "[0, 1, 2]");
  if (s.has("scales") && s.has("mapping_unit_scales")) {
    throw ConfigError(s.file() + ": keys '" + s.key_path("scales") + "' and '" + s.key_path("mapping_unit_scales") +
                      "' both set the smoothing scales (in pixels, and relative to the mapping unit): give one");
  }
  d.hysteresis = s.get<bool>("hysteresis", d.hysteresis);
  d.seed_multiple = s.get<double>("seed_multiple", d.seed_multiple);
  require_range(s, "seed_multiple", d.seed_multiple, 1.0, 10.0);
  d.grow_fraction = s.get<double>("grow_fraction", d.grow_fraction);
  require_range(s, "grow_fraction", d.grow_fraction, 0.05, 1.0);
  d.seed_shift_tolerance = s.get<int>("seed_shift_tolerance", d.seed_shift_tolerance);
  require_range(s, "seed_shift_tolerance", d.seed_shift_tolerance, 0, 2);
  if (d.seed_shift_tolerance > 0 && !d.hysteresis) {
    throw ConfigError(s.file() + ": key '" + s.key_path("seed_shift_tolerance") +
                      "': applies to hysteresis seeds, so it needs hysteresis: true (or seed_shift_tolerance: 0)");
  }
  d.structure_gate = s.get<bool>("structure_gate", d.structure_gate);
  d.structure_max_correlation = s.get<double>("structure_max_correlation", d.structure_max_correlation);
  require_range(s, "structure_max_correlation", d.structure_max_correlation, 0.05, 1.0);
  if (d.structure_gate && !d.hysteresis && s.has("structure_gate")) {
    throw ConfigError(s.file() + ": key '" + s.key_path("structure_gate") +
                      "': drops weak change below the hysteresis seed level, so it needs hysteresis: true "
                      "(or structure_gate: false)");
  }
  d.opening_radius = s.get<int>("opening_radius", d.opening_radius);
  require_range(s, "opening_radius", d.opening_radius, 0, 10);
  d.closing_radius = s.get<int>("closing_radius", d.closing_radius);
  require_range(s, "closing_radius", d.closing_radius, 0, 10);
  d.min_mapping_unit_m2 = s.get<double>("min_mapping_unit_m2", d.min_mapping_unit_m2);
  require_range(s, "min_mapping_unit_m2", d.min_mapping_unit_m2, 0.0, 1e9);

  YamlSection ty = s.section("typing");
  auto& r = d.typing;
  r.vegetation_min_greenness_before =
      static_cast<float>(ty.get<double>("vegetation_min_greenness_before", r.vegetation_min_greenness_before));
  r.vegetation_min_greenness_drop =
      static_cast<float>(ty.get<double>("vegetation_min_greenness_drop", r.vegetation_min_greenness_drop));
  r.construction_min_built_rise =
      static_cast<float>(ty.get<double>("construction_min_built_rise", r.construction_min_built_rise));
  r.construction_min_bare_rise =
      static_cast<float>(ty.get<double>("construction_min_bare_rise", r.construction_min_bare_rise));
  r.construction_max_greenness_after =
      static_cast<float>(ty.get<double>("construction_max_greenness_after", r.construction_max_greenness_after));
  r.construction_min_brightness_rise =
      static_cast<float>(ty.get<double>("construction_min_brightness_rise", r.construction_min_brightness_rise));
  r.water_threshold = static_cast<float>(ty.get<double>("water_threshold", r.water_threshold));
  r.suppress_stable_water = ty.get<bool>("suppress_stable_water", r.suppress_stable_water);
  r.suppress_persistent_vegetation = ty.get<bool>("suppress_persistent_vegetation", r.suppress_persistent_vegetation);
  r.vegetation_persist_min_greenness =
      static_cast<float>(ty.get<double>("vegetation_persist_min_greenness", r.vegetation_persist_min_greenness));
  r.report_other = ty.get<bool>("report_other", r.report_other);
  r.blue_roof.min_blue_share =
      static_cast<float>(ty.get<double>("blue_roof_min_blue_share", r.blue_roof.min_blue_share));
  r.blue_roof.min_blue_over_red =
      static_cast<float>(ty.get<double>("blue_roof_min_blue_over_red", r.blue_roof.min_blue_over_red));
  r.blue_roof.min_blue_over_green =
      static_cast<float>(ty.get<double>("blue_roof_min_blue_over_green", r.blue_roof.min_blue_over_green));
  r.blue_roof.min_brightness =
      static_cast<float>(ty.get<double>("blue_roof_min_brightness", r.blue_roof.min_brightness));
  r.mining_min_slope_deg = static_cast<float>(ty.get<double>("mining_min_slope_deg", r.mining_min_slope_deg));
  r.dumping_min_texture = static_cast<float>(ty.get<double>("dumping_min_texture", r.dumping_min_texture));
  r.texture_radius = ty.get<int>("texture_radius", r.texture_radius);
  require_range(ty, "blue_roof_min_blue_share", r.blue_roof.min_blue_share, 0.0, 1.0);
  require_range(ty, "blue_roof_min_blue_over_red", r.blue_roof.min_blue_over_red, -3.0, 3.0);
  require_range(ty, "blue_roof_min_blue_over_green", r.blue_roof.min_blue_over_green, -3.0, 3.0);
  require_range(ty, "blue_roof_min_brightness", r.blue_roof.min_brightness, 0.0, 1e6);
  require_range(ty, "mining_min_slope_deg", r.mining_min_slope_deg, 0.0, 90.0);
  require_range(ty, "dumping_min_texture", r.dumping_min_texture, 0.0, 10.0);
  require_range(ty, "texture_radius", r.texture_radius, 1, 10);
  r.order = parse_change_types(ty, "order", r.order);
  if (std::find(r.order.begin(), r.order.end(), ChangeType::water_quality) != r.order.end()) {
    throw ConfigError(ty.file() + ": key '" + ty.key_path("order") +
                      "': 'water_quality' is assigned by the water-quality stage, not a pixel rule");
  }
  if (std::find(r.order.begin(), r.order.end(), ChangeType::other) != r.order.end()) {
    throw ConfigError(ty.file() + ": key '" + ty.key_path("order") +
                      "': 'other' is the fallback, not a rule; use report_other");
  }
  for (const char* key : {"vegetation_min_greenness_before", "construction_max_greenness_after", "water_threshold",
                          "vegetation_persist_min_greenness"}) {
    require_range(ty, key, ty.get<double>(key, 0.0), -1.0, 1.0);
  }
  ty.finish();
  s.finish();
  return d;
}

RuleSet parse_rules(YamlSection s) {
  RuleSet rules;
  // Defaults: priority units are judged strictest, general units most leniently.
  const auto defaults = [](double area, double share, double decline, double high, double medium) {
    UnitRule r;
    r.flag_changed_area_m2 = area;
    r.flag_changed_share = share;
    r.flag_greenness_decline = decline;
    r.severity_high_m2 = high;
    r.severity_medium_m2 = medium;
    return r;
  };
  rules.by_type[static_cast<int>(UnitType::priority)] = defaults(1000.0, 0.005, 0.03, 2000.0, 500.0);
  rules.by_type[static_cast<int>(UnitType::key)] = defaults(5000.0, 0.02, 0.05, 5000.0, 1500.0);
  rules.by_type[static_cast<int>(UnitType::general)] = defaults(10000.0, 0.05, 0.08, 10000.0, 3000.0);
  // Rectification deadlines: damage in protected land is the most urgent to undo.
  rules.by_type[static_cast<int>(UnitType::priority)].rectification_days = 30;
  rules.by_type[static_cast<int>(UnitType::key)].rectification_days = 60;
  rules.by_type[static_cast<int>(UnitType::general)].rectification_days = 90;
  // A new mine in a priority unit is a first enforcement target of red-line monitoring.
  rules.by_type[static_cast<int>(UnitType::priority)].severity_high_types = {ChangeType::mining};
  for (UnitType t : {UnitType::priority, UnitType::key, UnitType::general}) {
    const std::string key(to_string(t));
    rules.by_type[static_cast<int>(t)] = parse_rule(s.section(key), rules.by_type[static_cast<int>(t)]);
  }
  YamlSection overrides = s.section("overrides");
  for (const std::string& code : overrides.keys()) {
    auto& per_type = rules.overrides[code];
    for (int t = 0; t < 3; ++t) per_type[t] = parse_rule(overrides.section(code), rules.by_type[t]);
  }
  s.finish();
  return rules;
}
nlohmann::json rule_json(const UnitRule& r) {
  nlohmann::json types = nlohmann::json::array();
  for (auto t : r.change_types) types.push_back(std::string(kernels::to_string(t)));
  nlohmann::json high_types = nlohmann::json::array();
  for (auto t : r.severity_high_types) high_types.push_back(std::string(kernels::to_string(t)));
  return {
      {"flag_changed_area_m2", r.flag_changed_area_m2},
      {"flag_changed_share", r.flag_changed_share},
      {"flag_greenness_decline", r.flag_greenness_decline},
      {"min_valid_share", r.min_valid_share},
      {"rectification_days", r.rectification_days},
      {"severity", {{"high_m2", r.severity_high_m2}, {"medium_m2", r.severity_medium_m2}, {"high_types", high_types}}},
      {"change_types", types}};
}

std::string parse_terrain(YamlSection s, const std::filesystem::path& base) {
  const auto dem = s.optional<std::string>("dem");
  s.finish();
  if (!dem || dem->empty()) return "";
  return resolve_path(*dem, base);
}

}  // namespace config_detail

nlohmann::json to_json(const DetectionOptions& d) {
  nlohmann::json order = nlohmann::json::array();
  for (auto t : d.typing.order) order.push_back(std::string(kernels::to_string(t)));
  return {{"zscore", std::string(kZScoreNames.name(d.zscore))},
          {"normalize", std::string(kNormalizationNames.name(d.normalize))},
          {"threshold",
           {{"method", std::string(kThresholdMethodNames.name(d.threshold.method))},
            {"value", d.threshold.value},
            {"k", d.threshold.k},
            {"min", d.threshold.min},
            {"min_median_multiple", d.threshold.min_median_multiple}}},
          {"mapping_unit_scales", d.mapping_unit_scales},
          {"scales", d.scales},
          {"hysteresis", d.hysteresis},
          {"seed_multiple", d.seed_multiple},
          {"grow_fraction", d.grow_fraction},
          {"seed_shift_tolerance", d.seed_shift_tolerance},
          {"structure_gate", d.structure_gate},
          {"structure_max_correlation", d.structure_max_correlation},
          {"opening_radius", d.opening_radius},
          {"closing_radius", d.closing_radius},
          {"min_mapping_unit_m2", d.min_mapping_unit_m2},
          {"typing",
           {{"vegetation_min_greenness_before", d.typing.vegetation_min_greenness_before},
            {"vegetation_min_greenness_drop", d.typing.vegetation_min_greenness_drop},
            {"construction_min_built_rise", d.typing.construction_min_built_rise},
            {"construction_min_bare_rise", d.typing.construction_min_bare_rise},
            {"construction_max_greenness_after", d.typing.construction_max_greenness_after},
            {"construction_min_brightness_rise", d.typing.construction_min_brightness_rise},
            {"water_threshold", d.typing.water_threshold},
            {"suppress_stable_water", d.typing.suppress_stable_water},
            {"suppress_persistent_vegetation", d.typing.suppress_persistent_vegetation},
            {"vegetation_persist_min_greenness", d.typing.vegetation_persist_min_greenness},
            {"report_other", d.typing.report_other},
            {"blue_roof_min_blue_share", d.typing.blue_roof.min_blue_share},
            {"blue_roof_min_blue_over_red", d.typing.blue_roof.min_blue_over_red},
            {"blue_roof_min_blue_over_green", d.typing.blue_roof.min_blue_over_green},
            {"blue_roof_min_brightness", d.typing.blue_roof.min_brightness},
            {"mining_min_slope_deg", d.typing.mining_min_slope_deg},
            {"dumping_min_texture", d.typing.dumping_min_texture},
            {"texture_radius", d.typing.texture_radius},
            {"order", order}}}};
}

}  // namespace zw
