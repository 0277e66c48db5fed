#pragma once
// The scan config's `sources:` section: registry layers (enterprises with discharge permits,
// river outfalls, mines, construction projects) joined to each hotspot by source tracing
// (stages/source_tracing.hpp), and an optional river network that puts upstream sites first
// for water hotspots (docs/CONFIG.md, "sources").
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/pipeline/core/enum_names.hpp"

namespace zw {

/// What a registry lists; one name table (English as written in configs and outputs,
/// Chinese as reports show it).
enum class RegistryKind { enterprise, outfall, mine, construction, other };

inline constexpr EnumNames kRegistryKindNames{std::array{
    EnumName<RegistryKind>{RegistryKind::enterprise, "enterprise", "排污企业"},
    EnumName<RegistryKind>{RegistryKind::outfall, "outfall", "入河排污口"},
    EnumName<RegistryKind>{RegistryKind::mine, "mine", "矿山"},
    EnumName<RegistryKind>{RegistryKind::construction, "construction", "建设项目"},
    EnumName<RegistryKind>{RegistryKind::other, "other", "其他"},
}};

[[nodiscard]] inline std::string_view to_string(RegistryKind kind) { return kRegistryKindNames.name(kind); }
[[nodiscard]] inline std::string_view chinese_name(RegistryKind kind) { return kRegistryKindNames.chinese(kind); }

/// One registry layer: points or polygons, each feature a registered site.
struct RegistryOptions {
  std::string name;  // the key under sources.registries, as outputs and run.json name it
  RegistryKind kind = RegistryKind::other;
  std::string path;                 // any OGR vector source (resolved)
  std::string layer;                // empty: the only layer
  std::string id_field;             // required: the site's registration number
  std::string name_field;           // optional: the site's name ("" = none)
  std::vector<std::string> fields;  // optional extra attributes carried into run.json
  double max_distance_m = 2000.0;   // sites farther from the hotspot polygon are not listed
  int max_sites = 3;                // at most this many sites of this registry per hotspot
};

/// A river network of line geometries. With direction "downstream" (the usual hydrography
/// convention) each line is drawn from upstream to downstream; "upstream" means the reverse.
struct RiverNetworkOptions {
  std::string path;  // empty: no network, no upstream ordering
  std::string layer;
  std::string direction = "downstream";
  double node_tolerance_m = 1.0;    // line ends closer than this are one network node
  double snap_distance_m = 1000.0;  // a hotspot or site farther than this from every line is off the network

  [[nodiscard]] bool enabled() const { return !path.empty(); }
};

struct SourcesOptions {
  std::vector<RegistryOptions> registries;  // in key order
  RiverNetworkOptions river_network;

  [[nodiscard]] bool enabled() const { return !registries.empty(); }
};

nlohmann::json to_json(const SourcesOptions& options);

}  // namespace zw
