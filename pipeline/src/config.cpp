#include "zonewatch/pipeline/config.hpp"

#include <algorithm>
#include <regex>

#include "zonewatch/pipeline/error.hpp"
#include "zonewatch/pipeline/yaml_section.hpp"

namespace zw {
namespace fs = std::filesystem;
using kernels::ChangeType;
using kernels::ThresholdMethod;

std::vector<ChangeType> UnitRule::all_change_types() {
  return {ChangeType::vegetation_loss, ChangeType::construction, ChangeType::water_loss, ChangeType::water_gain,
          ChangeType::other};
}

bool UnitRule::alerts_on(ChangeType type) const {
  return std::find(change_types.begin(), change_types.end(), type) != change_types.end();
}

const UnitRule& RuleSet::for_unit(const std::string& code, UnitType type) const {
  const auto it = overrides.find(code);
  return it != overrides.end() ? it->second[static_cast<int>(type)] : by_type[static_cast<int>(type)];
}

namespace {

std::string method_name(ThresholdMethod m) {
  switch (m) {
    case ThresholdMethod::fixed: return "fixed";
    case ThresholdMethod::otsu: return "otsu";
    case ThresholdMethod::k_sigma: return "k_sigma";
  }
  return "otsu";
}

void require_range(const YamlSection& s, const std::string& key, double value, double lo, double hi) {
  if (!(value >= lo && value <= hi)) {
    throw ConfigError(s.file() + ": key '" + s.key_path(key) + "' must be between " +
                      std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
                      std::to_string(value));
  }
}

std::vector<ChangeType> parse_change_types(YamlSection& s, const std::string& key,
                                           const std::vector<ChangeType>& fallback) {
  const auto names = s.optional<std::vector<std::string>>(key);
  if (!names) return fallback;
  std::vector<ChangeType> types;
  for (const auto& name : *names) {
    const auto type = kernels::change_type_from_string(name);
    if (!type || !kernels::is_change(*type)) {
      throw ConfigError(s.file() + ": key '" + s.key_path(key) + "': '" + name +
                        "' is not a change type (expected vegetation_loss, construction, "
                        "water_loss, water_gain, other)");
    }
    types.push_back(*type);
  }
  return types;
}

DetectionOptions parse_detection(YamlSection s) {
  DetectionOptions d;
  YamlSection t = s.section("threshold");
  const std::string method = t.get<std::string>("method", "otsu");
  if (method == "otsu") d.threshold.method = ThresholdMethod::otsu;
  else if (method == "fixed") d.threshold.method = ThresholdMethod::fixed;
  else if (method == "k_sigma") d.threshold.method = ThresholdMethod::k_sigma;
  else
    throw ConfigError(t.file() + ": key '" + t.key_path("method") + "': '" + method +
                      "' is not a method (expected otsu, fixed, k_sigma)");
  d.threshold.value = t.get<double>("value", d.threshold.value);
  d.threshold.k = t.get<double>("k", d.threshold.k);
  d.threshold.min = t.get<double>("min", d.threshold.min);
  require_range(t, "value", d.threshold.value, 0.0, 1000.0);
  require_range(t, "k", d.threshold.k, 0.0, 100.0);
  require_range(t, "min", d.threshold.min, 0.0, 1000.0);
  t.finish();

  d.opening_radius = s.get<int>("opening_radius", d.opening_radius);
  require_range(s, "opening_radius", d.opening_radius, 0, 10);
  d.min_mapping_unit_m2 = s.get<double>("min_mapping_unit_m2", d.min_mapping_unit_m2);
  require_range(s, "min_mapping_unit_m2", d.min_mapping_unit_m2, 0.0, 1e9);

  YamlSection ty = s.section("typing");
  auto& r = d.typing;
  r.vegetation_min_greenness_before = static_cast<float>(
      ty.get<double>("vegetation_min_greenness_before", r.vegetation_min_greenness_before));
  r.vegetation_min_greenness_drop = static_cast<float>(
      ty.get<double>("vegetation_min_greenness_drop", r.vegetation_min_greenness_drop));
  r.construction_min_built_rise = static_cast<float>(
      ty.get<double>("construction_min_built_rise", r.construction_min_built_rise));
  r.construction_min_bare_rise = static_cast<float>(
      ty.get<double>("construction_min_bare_rise", r.construction_min_bare_rise));
  r.construction_max_greenness_after = static_cast<float>(
      ty.get<double>("construction_max_greenness_after", r.construction_max_greenness_after));
  r.construction_min_brightness_rise = static_cast<float>(
      ty.get<double>("construction_min_brightness_rise", r.construction_min_brightness_rise));
  r.water_threshold = static_cast<float>(ty.get<double>("water_threshold", r.water_threshold));
  r.report_other = ty.get<bool>("report_other", r.report_other);
  r.order = parse_change_types(ty, "order", r.order);
  if (std::find(r.order.begin(), r.order.end(), ChangeType::other) != r.order.end()) {
    throw ConfigError(ty.file() + ": key '" + ty.key_path("order") +
                      "': 'other' is the fallback, not a rule; use report_other");
  }
  for (const char* key : {"vegetation_min_greenness_before", "construction_max_greenness_after",
                          "water_threshold"}) {
    require_range(ty, key, ty.get<double>(key, 0.0), -1.0, 1.0);
  }
  ty.finish();
  s.finish();
  return d;
}

UnitRule parse_rule(YamlSection s, const UnitRule& base) {
  UnitRule rule = base;
  rule.flag_changed_area_m2 = s.get<double>("flag_changed_area_m2", rule.flag_changed_area_m2);
  rule.flag_changed_share = s.get<double>("flag_changed_share", rule.flag_changed_share);
  rule.flag_greenness_decline = s.get<double>("flag_greenness_decline", rule.flag_greenness_decline);
  rule.min_valid_share = s.get<double>("min_valid_share", rule.min_valid_share);
  YamlSection sev = s.section("severity");
  rule.severity_high_m2 = sev.get<double>("high_m2", rule.severity_high_m2);
  rule.severity_medium_m2 = sev.get<double>("medium_m2", rule.severity_medium_m2);
  sev.finish();
  rule.change_types = parse_change_types(s, "change_types", rule.change_types);
  require_range(s, "flag_changed_area_m2", rule.flag_changed_area_m2, 0.0, 1e12);
  require_range(s, "flag_changed_share", rule.flag_changed_share, 0.0, 1.0);
  require_range(s, "flag_greenness_decline", rule.flag_greenness_decline, 0.0, 2.0);
  require_range(s, "min_valid_share", rule.min_valid_share, 0.0, 1.0);
  if (rule.severity_medium_m2 > rule.severity_high_m2) {
    throw ConfigError(s.file() + ": key '" + s.key_path("severity") +
                      "': medium_m2 must not exceed high_m2");
  }
  s.finish();
  return rule;
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

std::string resolve_path(const std::string& value, const fs::path& base) {
  if (value.empty() || value.starts_with("/vsi")) return value;
  fs::path p(value);
  return p.is_absolute() ? p.lexically_normal().string() : (base / p).lexically_normal().string();
}

void check_date(const YamlSection& s, const std::string& key, const std::string& date) {
  static const std::regex pattern(R"(^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$)");
  if (!std::regex_match(date, pattern)) {
    throw ConfigError(s.file() + ": key '" + s.key_path(key) + "' must be a date YYYY-MM-DD, got '" +
                      date + "'");
  }
}

SceneOptions parse_scene(YamlSection s, const fs::path& base) {
  SceneOptions o;
  o.path = resolve_path(s.require<std::string>("path"), base);
  o.date = s.require<std::string>("date");
  check_date(s, "date", o.date);
  o.sensor = s.require<std::string>("sensor");
  if (o.sensor.ends_with(".yaml") || o.sensor.ends_with(".yml")) o.sensor = resolve_path(o.sensor, base);
  s.finish();
  return o;
}

YAML::Node load_with_overrides(const fs::path& path, const std::vector<std::string>& overrides) {
  YAML::Node root;
  if (!path.empty()) {
    if (!fs::exists(path)) throw ConfigError(path.string() + ": config file not found");
    try {
      root = YAML::LoadFile(path.string());
    } catch (const YAML::Exception& e) {
      throw ConfigError(path.string() + ": not valid YAML: " + e.what());
    }
    if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  } else {
    root = YAML::Node(YAML::NodeType::Map);
  }
  for (const std::string& assignment : overrides) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos) throw UsageError("--set '" + assignment + "': expected KEY=VALUE");
    set_yaml_path(root, assignment.substr(0, eq), assignment.substr(eq + 1));
  }
  return root;
}

nlohmann::json json_string(std::string_view s) { return std::string(s); }

nlohmann::json rule_json(const UnitRule& r) {
  nlohmann::json types = nlohmann::json::array();
  for (auto t : r.change_types) types.push_back(std::string(kernels::to_string(t)));
  return {{"flag_changed_area_m2", r.flag_changed_area_m2},
          {"flag_changed_share", r.flag_changed_share},
          {"flag_greenness_decline", r.flag_greenness_decline},
          {"min_valid_share", r.min_valid_share},
          {"severity", {{"high_m2", r.severity_high_m2}, {"medium_m2", r.severity_medium_m2}}},
          {"change_types", types}};
}

}  // namespace

nlohmann::json to_json(const DetectionOptions& d) {
  nlohmann::json order = nlohmann::json::array();
  for (auto t : d.typing.order) order.push_back(std::string(kernels::to_string(t)));
  return {{"threshold",
           {{"method", method_name(d.threshold.method)},
            {"value", d.threshold.value},
            {"k", d.threshold.k},
            {"min", d.threshold.min}}},
          {"opening_radius", d.opening_radius},
          {"min_mapping_unit_m2", d.min_mapping_unit_m2},
          {"typing",
           {{"vegetation_min_greenness_before", d.typing.vegetation_min_greenness_before},
            {"vegetation_min_greenness_drop", d.typing.vegetation_min_greenness_drop},
            {"construction_min_built_rise", d.typing.construction_min_built_rise},
            {"construction_min_bare_rise", d.typing.construction_min_bare_rise},
            {"construction_max_greenness_after", d.typing.construction_max_greenness_after},
            {"construction_min_brightness_rise", d.typing.construction_min_brightness_rise},
            {"water_threshold", d.typing.water_threshold},
            {"report_other", d.typing.report_other},
            {"order", order}}}};
}

DetectionOptions load_detection_options(const fs::path& path, const std::vector<std::string>& overrides) {
  YAML::Node root = load_with_overrides(path, overrides);
  const std::string file = path.empty() ? "command line" : path.string();
  YamlSection top(root, file, "");
  return parse_detection(top.section("detection"));
}

ScanConfig load_scan_config(const fs::path& path, const std::vector<std::string>& overrides) {
  YAML::Node root = load_with_overrides(path, overrides);
  const std::string file = path.empty() ? "command line" : path.string();
  const fs::path base = path.empty() ? fs::current_path() : fs::absolute(path).parent_path();

  ScanConfig c;
  c.config_dir = base;
  YamlSection top(root, file, "");
  c.name = top.get<std::string>("name", path.empty() ? "scan" : path.stem().string());
  if (!top.has("before")) throw ConfigError(file + ": key 'before' is required (or --before)");
  if (!top.has("after")) throw ConfigError(file + ": key 'after' is required (or --after)");
  c.before = parse_scene(top.section("before"), base);
  c.after = parse_scene(top.section("after"), base);
  if (c.after.date < c.before.date) {
    throw ConfigError(file + ": key 'after.date' (" + c.after.date + ") is earlier than 'before.date' (" +
                      c.before.date + ")");
  }

  YamlSection u = top.section("units");
  c.units.path = resolve_path(u.require<std::string>("path"), base);
  c.units.layer = u.get<std::string>("layer", "");
  YamlSection f = u.section("fields");
  c.units.code_field = f.get<std::string>("code", c.units.code_field);
  c.units.name_field = f.get<std::string>("name", c.units.name_field);
  c.units.type_field = f.get<std::string>("type", c.units.type_field);
  c.units.region_field = f.get<std::string>("region", c.units.region_field);
  f.finish();
  if (const auto default_type = u.optional<std::string>("default_type")) {
    c.units.default_type = unit_type_from_string(*default_type);
    if (!c.units.default_type) {
      throw ConfigError(file + ": key 'units.default_type': '" + *default_type +
                        "' is not a unit type (expected priority, key, general or 优先保护单元, 重点管控单元, 一般管控单元)");
    }
  }
  u.finish();

  YamlSection g = top.section("grid");
  c.grid.crs = g.get<std::string>("crs", "");
  c.grid.resolution = g.get<double>("resolution", 0.0);
  if (c.grid.resolution < 0.0) throw ConfigError(file + ": key 'grid.resolution' must be positive");
  g.finish();

  c.detection = parse_detection(top.section("detection"));

  // Rules: overrides start from the rule of their unit's type; they are parsed against
  // every type here so that errors surface before any pixel is read, and resolved per
  // unit when the units are known.
  c.rules = parse_rules(top.section("rules"));

  YamlSection p = top.section("processing");
  const int memory_mb = p.get<int>("memory_mb", static_cast<int>(c.processing.memory_mb));
  require_range(p, "memory_mb", memory_mb, 64, 1 << 20);
  c.processing.memory_mb = static_cast<std::size_t>(memory_mb);
  c.processing.tile_size = p.get<int>("tile_size", 0);
  require_range(p, "tile_size", c.processing.tile_size, 0, 65536);
  c.processing.threads = p.get<int>("threads", 0);
  require_range(p, "threads", c.processing.threads, 0, 1024);
  p.finish();

  YamlSection o = top.section("output");
  c.output.dir = resolve_path(o.require<std::string>("dir"), base);
  o.finish();
  top.finish();

  nlohmann::json rules_json = nlohmann::json::object();
  for (UnitType t : {UnitType::priority, UnitType::key, UnitType::general}) {
    rules_json[std::string(to_string(t))] = rule_json(c.rules.by_type[static_cast<int>(t)]);
  }
  for (const auto& [code, per_type] : c.rules.overrides) {
    for (UnitType t : {UnitType::priority, UnitType::key, UnitType::general}) {
      rules_json["overrides"][code][std::string(to_string(t))] = rule_json(per_type[static_cast<int>(t)]);
    }
  }
  const auto scene_json = [](const SceneOptions& s) {
    return nlohmann::json{{"path", s.path}, {"date", s.date}, {"sensor", s.sensor}};
  };
  c.resolved = {
      {"name", c.name},
      {"before", scene_json(c.before)},
      {"after", scene_json(c.after)},
      {"units",
       {{"path", c.units.path},
        {"layer", c.units.layer},
        {"fields",
         {{"code", c.units.code_field},
          {"name", c.units.name_field},
          {"type", c.units.type_field},
          {"region", c.units.region_field}}},
        {"default_type", c.units.default_type ? json_string(to_string(*c.units.default_type)) : nlohmann::json(nullptr)}}},
      {"grid", {{"crs", c.grid.crs}, {"resolution", c.grid.resolution}}},
      {"detection", to_json(c.detection)},
      {"rules", rules_json},
      {"processing",
       {{"memory_mb", c.processing.memory_mb},
        {"tile_size", c.processing.tile_size},
        {"threads", c.processing.threads}}},
      {"output", {{"dir", c.output.dir}}}};
  return c;
}

}  // namespace zw
