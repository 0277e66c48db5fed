#include "zonewatch/pipeline/config/config.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/enum_names.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/config/yaml_section.hpp"

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
  d.zscore = parse_choice(s, "zscore", ZScore::robust, kZScoreNames, "a z-scoring");
  d.normalize = parse_choice(s, "normalize", RadiometricNormalization::none, kNormalizationNames,
                             "a radiometric normalization");
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
  r.suppress_stable_water = ty.get<bool>("suppress_stable_water", r.suppress_stable_water);
  r.suppress_persistent_vegetation =
      ty.get<bool>("suppress_persistent_vegetation", r.suppress_persistent_vegetation);
  r.vegetation_persist_min_greenness = static_cast<float>(
      ty.get<double>("vegetation_persist_min_greenness", r.vegetation_persist_min_greenness));
  r.report_other = ty.get<bool>("report_other", r.report_other);
  r.order = parse_change_types(ty, "order", r.order);
  if (std::find(r.order.begin(), r.order.end(), ChangeType::other) != r.order.end()) {
    throw ConfigError(ty.file() + ": key '" + ty.key_path("order") +
                      "': 'other' is the fallback, not a rule; use report_other");
  }
  for (const char* key : {"vegetation_min_greenness_before", "construction_max_greenness_after",
                          "water_threshold", "vegetation_persist_min_greenness"}) {
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
  rule.rectification_days = s.get<int>("rectification_days", rule.rectification_days);
  require_range(s, "rectification_days", rule.rectification_days, 0, 3650);
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
  // Rectification deadlines: damage in protected land is the most urgent to undo.
  rules.by_type[static_cast<int>(UnitType::priority)].rectification_days = 30;
  rules.by_type[static_cast<int>(UnitType::key)].rectification_days = 60;
  rules.by_type[static_cast<int>(UnitType::general)].rectification_days = 90;
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
  if (!iso_date_fields(date)) {
    throw ConfigError(s.file() + ": key '" + s.key_path(key) + "' must be a date YYYY-MM-DD, got '" +
                      date + "'");
  }
}

SceneOptions parse_scene(YamlSection s, const fs::path& base) {
  SceneOptions o;
  o.path = resolve_path(s.require<std::string>("path"), base);
  // date and sensor may be left out for products whose metadata gives them (a Sentinel-2
  // SAFE folder, a Landsat MTL): the scan fills them in (complete_scan_config, catalog.hpp).
  o.date = s.get<std::string>("date", "");
  if (!o.date.empty()) check_date(s, "date", o.date);
  o.sensor = s.get<std::string>("sensor", "");
  if (o.sensor.ends_with(".yaml") || o.sensor.ends_with(".yml")) o.sensor = resolve_path(o.sensor, base);
  s.finish();
  return o;
}

/// before/after as a period: {period: FIRST..LAST, sources: [folders or catalog files],
/// sensor: optional profile, composite: median|max_ndvi|best_available}. The scene options
/// it returns carry the period's last day as date and no path.
SceneOptions parse_period(YamlSection s, const fs::path& base, PeriodOptions& period) {
  for (const char* key : {"path", "date"}) {
    if (s.has(key)) {
      throw ConfigError(s.file() + ": key '" + s.key_path(key) + "' cannot be given with '" + s.key_path("period") +
                        "' (a period composites the scenes found in '" + s.key_path("sources") + "')");
    }
  }
  const std::string text = s.require<std::string>("period");
  const auto dots = text.find("..");
  period.first = dots == std::string::npos ? "" : text.substr(0, dots);
  period.last = dots == std::string::npos ? "" : text.substr(dots + 2);
  if (!is_iso_date(period.first) || !is_iso_date(period.last)) {
    throw ConfigError(s.file() + ": key '" + s.key_path("period") +
                      "' must be two dates FIRST..LAST (YYYY-MM-DD..YYYY-MM-DD), got '" + text + "'");
  }
  if (period.last < period.first) {
    throw ConfigError(s.file() + ": key '" + s.key_path("period") + "': " + period.first + " is after " + period.last);
  }
  std::vector<std::string> sources;
  try {
    sources = s.get<std::vector<std::string>>("sources", {});
  } catch (const ConfigError&) {
    sources = {s.require<std::string>("sources")};  // one source given as a plain string
  }
  if (sources.empty()) {
    throw ConfigError(s.file() + ": key '" + s.key_path("sources") +
                      "' is required with a period: folders of scenes or catalog files");
  }
  period.sources.clear();
  for (const auto& source : sources) period.sources.push_back(resolve_path(source, base));
  period.sensor = s.get<std::string>("sensor", "");
  if (period.sensor.ends_with(".yaml") || period.sensor.ends_with(".yml")) period.sensor = resolve_path(period.sensor, base);
  const std::string method = s.get<std::string>("composite", "median");
  const auto composite = kernels::composite_method_from_string(method);
  if (!composite) {
    throw ConfigError(s.file() + ": key '" + s.key_path("composite") + "': '" + method +
                      "' is not a composite (expected median, max_ndvi, best_available)");
  }
  period.composite = *composite;
  s.finish();
  SceneOptions o;
  o.date = period.last;
  o.sensor = period.sensor;
  return o;
}

/// A single scene ({path, date, sensor}) or a period (parse_period).
SceneOptions parse_scene_or_period(YamlSection s, const fs::path& base, PeriodOptions& period) {
  if (s.has("period")) return parse_period(s, base, period);
  for (const char* key : {"sources", "composite"}) {
    if (s.has(key)) {
      throw ConfigError(s.file() + ": key '" + s.key_path(key) + "' needs '" + s.key_path("period") +
                        "' (FIRST..LAST) to composite the scenes of a period");
    }
  }
  return parse_scene(s, base);
}

/// A relative path given on the command line is relative to the working folder, as a shell
/// user expects; only paths written in the file are relative to the file's folder.
void anchor_command_line_path(YAML::Node& root, const std::string& key) {
  static const std::array<std::string_view, 8> path_keys{
      "before.path",   "after.path",   "units.path", "output.dir", "before.sensor",
      "after.sensor", "store.path", "store.approved_projects.path"};
  if (std::find(path_keys.begin(), path_keys.end(), key) == path_keys.end()) return;
  // yaml-cpp nodes are handles: walk down with fresh ones (the key was just set, so it exists).
  std::vector<YAML::Node> chain{root};
  std::string::size_type start = 0;
  std::string leaf;
  for (;;) {
    const auto dot = key.find('.', start);
    if (dot == std::string::npos) {
      leaf = key.substr(start);
      break;
    }
    chain.push_back(chain.back()[key.substr(start, dot - start)]);
    start = dot + 1;
  }
  const YAML::Node node = chain.back()[leaf];
  if (!node.IsScalar()) return;
  const std::string value = node.Scalar();
  if (key.ends_with(".sensor") && !value.ends_with(".yaml") && !value.ends_with(".yml")) return;  // a name
  if (value.empty() || value.starts_with("/vsi") || fs::path(value).is_absolute()) return;
  chain.back()[leaf] = (fs::current_path() / value).lexically_normal().string();
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
    anchor_command_line_path(root, assignment.substr(0, eq));
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
          {"rectification_days", r.rectification_days},
          {"severity", {{"high_m2", r.severity_high_m2}, {"medium_m2", r.severity_medium_m2}}},
          {"change_types", types}};
}

StoreOptions parse_store(YamlSection s, const fs::path& base) {
  StoreOptions o;
  o.path = resolve_path(s.get<std::string>("path", ""), base);
  o.match_distance_m = s.get<double>("match_distance_m", o.match_distance_m);
  require_range(s, "match_distance_m", o.match_distance_m, 0.0, 10000.0);
  YamlSection e = s.section("expansion");
  o.expansion_min_area_m2 = e.get<double>("min_area_m2", o.expansion_min_area_m2);
  o.expansion_min_share = e.get<double>("min_share", o.expansion_min_share);
  require_range(e, "min_area_m2", o.expansion_min_area_m2, 0.0, 1e9);
  require_range(e, "min_share", o.expansion_min_share, 0.0, 100.0);
  e.finish();
  YamlSection a = s.section("approved_projects");
  o.approved_projects.path = resolve_path(a.get<std::string>("path", ""), base);
  o.approved_projects.layer = a.get<std::string>("layer", "");
  o.approved_projects.name_field = a.get<std::string>("name_field", "");
  a.finish();
  YamlSection r = s.section("recovery");
  o.recovery.greenness_tolerance = r.get<double>("greenness_tolerance", o.recovery.greenness_tolerance);
  o.recovery.scans = r.get<int>("scans", o.recovery.scans);
  o.recovery.min_valid_share = r.get<double>("min_valid_share", o.recovery.min_valid_share);
  require_range(r, "greenness_tolerance", o.recovery.greenness_tolerance, 0.0, 2.0);
  require_range(r, "scans", o.recovery.scans, 1, 120);
  require_range(r, "min_valid_share", o.recovery.min_valid_share, 0.0, 1.0);
  r.finish();
  o.since_last = s.get<bool>("since_last", false);
  if (o.since_last && o.path.empty()) {
    throw ConfigError(s.file() + ": key '" + s.key_path("since_last") +
                      "' needs a monitoring store (key 'store.path' or --store)");
  }
  if (!o.approved_projects.path.empty() && o.path.empty()) {
    throw ConfigError(s.file() + ": key '" + s.key_path("approved_projects") +
                      "' needs a monitoring store (key 'store.path' or --store)");
  }
  s.finish();
  return o;
}

nlohmann::json store_json(const StoreOptions& o) {
  return {{"path", o.path},
          {"match_distance_m", o.match_distance_m},
          {"expansion", {{"min_area_m2", o.expansion_min_area_m2}, {"min_share", o.expansion_min_share}}},
          {"approved_projects",
           {{"path", o.approved_projects.path},
            {"layer", o.approved_projects.layer},
            {"name_field", o.approved_projects.name_field}}},
          {"recovery",
           {{"greenness_tolerance", o.recovery.greenness_tolerance},
            {"scans", o.recovery.scans},
            {"min_valid_share", o.recovery.min_valid_share}}},
          {"since_last", o.since_last}};
}

}  // namespace

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
            {"suppress_stable_water", d.typing.suppress_stable_water},
            {"suppress_persistent_vegetation", d.typing.suppress_persistent_vegetation},
            {"vegetation_persist_min_greenness", d.typing.vegetation_persist_min_greenness},
            {"report_other", d.typing.report_other},
            {"order", order}}}};
}

DetectionOptions load_detection_options(const fs::path& path, const std::vector<std::string>& overrides) {
  // Only detection keys change what eval measures: any other override would be silently
  // ignored, so it is refused.
  for (const std::string& assignment : overrides) {
    if (!assignment.starts_with("detection.")) {
      throw UsageError("--set '" + assignment + "': eval takes detection keys only (detection.KEY=VALUE)");
    }
  }
  YAML::Node root = load_with_overrides(path, overrides);
  const std::string file = path.empty() ? "command line" : path.string();
  YamlSection top(root, file, "");
  DetectionOptions options = parse_detection(top.section("detection"));
  // A whole scan config may be given: its other sections belong to the scan and are not
  // read here, but a key no scan knows either is a mistake, not something to ignore.
  (void)top.get<std::string>("name", "");
  for (const char* scan_section : {"before", "after", "units", "grid", "rules", "store", "processing", "output"}) {
    (void)top.section(scan_section);
  }
  top.finish();
  return options;
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
  c.before = parse_scene_or_period(top.section("before"), base, c.before_period);
  c.after = parse_scene_or_period(top.section("after"), base, c.after_period);
  if (!c.after.date.empty() && c.after.date < c.before.date) {
    throw ConfigError(file + ": key 'after.date' (" + c.after.date + ") is earlier than 'before.date' (" +
                      c.before.date + ")");
  }
  if (c.before_period.enabled() && c.after_period.enabled() && c.after_period.first <= c.before_period.last) {
    throw ConfigError(file + ": key 'after.period' (" + c.after_period.text() + ") overlaps 'before.period' (" +
                      c.before_period.text() + ")");
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
  c.grid.footprint = g.get<std::string>("footprint", c.grid.footprint);
  if (c.grid.footprint != "before" && c.grid.footprint != "after") {
    throw ConfigError(file + ": key 'grid.footprint': '" + c.grid.footprint + "' is not a scene (expected before, after)");
  }
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
  c.store = parse_store(top.section("store"), base);
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
  const auto scene_json = [](const SceneOptions& s, const PeriodOptions& period) {
    if (period.enabled()) {
      return nlohmann::json{{"period", period.text()},
                            {"sources", period.sources},
                            {"sensor", period.sensor},
                            {"composite", std::string(kernels::to_string(period.composite))}};
    }
    return nlohmann::json{{"path", s.path}, {"date", s.date}, {"sensor", s.sensor}};
  };
  c.resolved = {
      {"name", c.name},
      {"before", scene_json(c.before, c.before_period)},
      {"after", scene_json(c.after, c.after_period)},
      {"units",
       {{"path", c.units.path},
        {"layer", c.units.layer},
        {"fields",
         {{"code", c.units.code_field},
          {"name", c.units.name_field},
          {"type", c.units.type_field},
          {"region", c.units.region_field}}},
        {"default_type", c.units.default_type ? json_string(to_string(*c.units.default_type)) : nlohmann::json(nullptr)}}},
      {"grid", {{"crs", c.grid.crs}, {"resolution", c.grid.resolution}, {"footprint", c.grid.footprint}}},
      {"detection", to_json(c.detection)},
      {"rules", rules_json},
      {"processing",
       {{"memory_mb", c.processing.memory_mb},
        {"tile_size", c.processing.tile_size},
        {"threads", c.processing.threads}}},
      {"output", {{"dir", c.output.dir}}},
      {"store", store_json(c.store)}};
  return c;
}

}  // namespace zw
