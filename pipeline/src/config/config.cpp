// Loading a scan config: the YAML file with command-line overrides, the scan's own sections
// (units, grid, processing, output, store), and the ScanConfig assembled with its resolved JSON.
#include "zonewatch/pipeline/config/config.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "config_parsing.hpp"
#include "zonewatch/pipeline/config/yaml_section.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace fs = std::filesystem;

namespace config_detail {

void require_range(const YamlSection& s, const std::string& key, double value, double lo, double hi) {
  if (!(value >= lo && value <= hi)) {
    throw ConfigError(s.file() + ": key '" + s.key_path(key) + "' must be between " + std::to_string(lo) + " and " +
                      std::to_string(hi) + ", got " + std::to_string(value));
  }
}

}  // namespace config_detail

namespace {

using config_detail::parse_detection;
using config_detail::parse_rules;
using config_detail::parse_scene_or_period;
using config_detail::require_range;
using config_detail::resolve_path;
using config_detail::rule_json;

/// A relative path given on the command line is relative to the working folder, as a shell
/// user expects; only paths written in the file are relative to the file's folder.
void anchor_command_line_path(YAML::Node& root, const std::string& key) {
  static const std::array<std::string_view, 8> path_keys{
      "before.path",   "after.path",   "units.path", "output.dir",
      "before.sensor", "after.sensor", "store.path", "store.approved_projects.path"};
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
    // YAML::LoadFile on a folder throws std::ios_base::failure, not a YAML error.
    if (fs::is_directory(path)) throw ConfigError(path.string() + ": is a folder, not a config file");
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
  for (const char* scan_section : {"before", "after", "units", "grid", "rules", "store", "processing", "output",
                                   "quality", "sources", "water_quality", "terrain"}) {
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
      throw ConfigError(
          file + ": key 'units.default_type': '" + *default_type +
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
    throw ConfigError(file + ": key 'grid.footprint': '" + c.grid.footprint +
                      "' is not a scene (expected before, after)");
  }
  g.finish();

  c.detection = parse_detection(top.section("detection"));
  c.detection.terrain_dem = config_detail::parse_terrain(top.section("terrain"), base);

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
  c.quality = config_detail::parse_quality(top.section("quality"), base);
  c.sources = config_detail::parse_sources(top.section("sources"), base);
  c.water_quality = config_detail::parse_water_quality(top.section("water_quality"), top.has("water_quality"));
  top.finish();

  c.resolved = to_json(c);
  return c;
}

nlohmann::json to_json(const ScanConfig& c) {
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
  nlohmann::json resolved = {
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
        {"default_type",
         c.units.default_type ? json_string(to_string(*c.units.default_type)) : nlohmann::json(nullptr)}}},
      {"grid", {{"crs", c.grid.crs}, {"resolution", c.grid.resolution}, {"footprint", c.grid.footprint}}},
      {"detection", to_json(c.detection)},
      {"rules", rules_json},
      {"processing",
       {{"memory_mb", c.processing.memory_mb},
        {"tile_size", c.processing.tile_size},
        {"threads", c.processing.threads}}},
      {"output", {{"dir", c.output.dir}}},
      {"store", store_json(c.store)}};
  // Only where configured, so that scans without it keep their identity in the store.
  if (c.quality.enabled()) resolved["quality"] = to_json(c.quality);
  if (c.sources.enabled()) resolved["sources"] = to_json(c.sources);
  if (c.water_quality.enabled) resolved["water_quality"] = to_json(c.water_quality);
  if (!c.detection.terrain_dem.empty()) resolved["terrain"] = {{"dem", c.detection.terrain_dem}};
  return resolved;
}

}  // namespace zw
