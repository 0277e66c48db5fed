// The scan config's sources section (sources_options.hpp): registry layers traced to each
// hotspot and the optional river network.
#include "config_parsing.hpp"
#include "zonewatch/pipeline/config/sources_options.hpp"
#include "zonewatch/pipeline/config/yaml_section.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace fs = std::filesystem;

namespace {

using config_detail::require_range;
using config_detail::resolve_path;

/// A field name: required ones must be given and non-empty.
std::string field_name(YamlSection& s, const std::string& key, bool required) {
  if (required && !s.has(key)) {
    throw ConfigError(s.file() + ": key '" + s.key_path(key) + "' is required: the attribute holding the site's ID");
  }
  const std::string value = s.get<std::string>(key, "");
  if (required && value.empty()) {
    throw ConfigError(s.file() + ": key '" + s.key_path(key) + "' must name an attribute, got an empty text");
  }
  return value;
}

RegistryOptions parse_registry(YamlSection s, const std::string& name, const fs::path& base) {
  RegistryOptions o;
  o.name = name;
  if (name.empty()) throw ConfigError(s.file() + ": key '" + s.path() + "': a registry needs a non-empty name");
  if (!s.has("kind")) {
    throw ConfigError(s.file() + ": key '" + s.key_path("kind") + "' is required (expected " +
                      kRegistryKindNames.listing() + ")");
  }
  const std::string kind = s.require<std::string>("kind");
  const auto parsed = kRegistryKindNames.parse(kind);
  if (!parsed) {
    throw ConfigError(s.file() + ": key '" + s.key_path("kind") + "': '" + kind +
                      "' is not a registry kind (expected " + kRegistryKindNames.listing() + ")");
  }
  o.kind = *parsed;
  if (!s.has("path")) {
    throw ConfigError(s.file() + ": key '" + s.key_path("path") + "' is required: the registry's vector file");
  }
  o.path = resolve_path(s.require<std::string>("path"), base);
  if (o.path.empty()) throw ConfigError(s.file() + ": key '" + s.key_path("path") + "' must not be empty");
  o.layer = s.get<std::string>("layer", "");
  o.id_field = field_name(s, "id_field", true);
  o.name_field = field_name(s, "name_field", false);
  o.fields = s.get<std::vector<std::string>>("fields", {});
  for (const std::string& field : o.fields) {
    if (field.empty()) throw ConfigError(s.file() + ": key '" + s.key_path("fields") + "' lists an empty name");
  }
  o.max_distance_m = s.get<double>("max_distance_m", o.max_distance_m);
  require_range(s, "max_distance_m", o.max_distance_m, 0.0, 1.0e6);
  o.max_sites = s.get<int>("max_sites", o.max_sites);
  require_range(s, "max_sites", o.max_sites, 1, 100);
  s.finish();
  return o;
}

RiverNetworkOptions parse_river_network(YamlSection s, const fs::path& base) {
  RiverNetworkOptions o;
  o.path = resolve_path(s.get<std::string>("path", ""), base);
  o.layer = s.get<std::string>("layer", "");
  o.direction = s.get<std::string>("direction", o.direction);
  if (o.direction != "downstream" && o.direction != "upstream") {
    throw ConfigError(s.file() + ": key '" + s.key_path("direction") + "': '" + o.direction +
                      "' is not a drawing direction (expected downstream: lines drawn from upstream to downstream, "
                      "or upstream: drawn from downstream to upstream)");
  }
  o.node_tolerance_m = s.get<double>("node_tolerance_m", o.node_tolerance_m);
  require_range(s, "node_tolerance_m", o.node_tolerance_m, 0.0, 1000.0);
  o.snap_distance_m = s.get<double>("snap_distance_m", o.snap_distance_m);
  require_range(s, "snap_distance_m", o.snap_distance_m, 0.0, 1.0e5);
  s.finish();
  if (o.path.empty() && (s.has("layer") || s.has("direction"))) {
    throw ConfigError(s.file() + ": key '" + s.key_path("path") + "' is required: the river network's line file");
  }
  return o;
}

}  // namespace

namespace config_detail {

SourcesOptions parse_sources(YamlSection s, const fs::path& base) {
  SourcesOptions o;
  YamlSection registries = s.section("registries");
  for (const std::string& name : registries.keys()) {
    o.registries.push_back(parse_registry(registries.section(name), name, base));
  }
  registries.finish();
  o.river_network = parse_river_network(s.section("river_network"), base);
  s.finish();
  if (o.registries.empty() && (s.has("registries") || o.river_network.enabled())) {
    throw ConfigError(s.file() + ": key '" + s.key_path("registries") +
                      "' must list at least one registry (name: {kind, path, id_field, ...})");
  }
  return o;
}

}  // namespace config_detail

nlohmann::json to_json(const SourcesOptions& o) {
  nlohmann::json registries = nlohmann::json::object();
  for (const RegistryOptions& r : o.registries) {
    registries[r.name] = {{"kind", std::string(to_string(r.kind))},
                          {"path", r.path},
                          {"layer", r.layer},
                          {"id_field", r.id_field},
                          {"name_field", r.name_field},
                          {"fields", r.fields},
                          {"max_distance_m", r.max_distance_m},
                          {"max_sites", r.max_sites}};
  }
  const RiverNetworkOptions& n = o.river_network;
  return {{"registries", registries},
          {"river_network",
           {{"path", n.path},
            {"layer", n.layer},
            {"direction", n.direction},
            {"node_tolerance_m", n.node_tolerance_m},
            {"snap_distance_m", n.snap_distance_m}}}};
}

}  // namespace zw
