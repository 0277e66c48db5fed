#pragma once
// Section parsers shared by the scan config's files (config.cpp, config_detection.cpp,
// config_scenes.cpp); not a public header.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/config/yaml_section.hpp"

namespace zw::config_detail {

/// ConfigError naming the key unless lo <= value <= hi.
void require_range(const YamlSection& s, const std::string& key, double value, double lo, double hi);

/// A path as written in the config: relative ones are relative to `base` (the config file's
/// folder); GDAL virtual paths (/vsi...) and "" are kept as they are.
std::string resolve_path(const std::string& value, const std::filesystem::path& base);

/// The detection section (z-scoring, normalization, threshold, opening, typing).
DetectionOptions parse_detection(YamlSection s);
/// The `terrain` section: the DEM's path (resolved against `base`), empty without one.
std::string parse_terrain(YamlSection s, const std::filesystem::path& base);

/// The rules section: a rule per unit type, and overrides per unit code.
RuleSet parse_rules(YamlSection s);

nlohmann::json rule_json(const UnitRule& r);

/// before/after: a single scene ({path, date, sensor}) or a period ({period, sources, sensor,
/// composite}, filling `period`).
SceneOptions parse_scene_or_period(YamlSection s, const std::filesystem::path& base, PeriodOptions& period);

/// The quality section (config_quality.cpp).
QualityOptions parse_quality(YamlSection s, const std::filesystem::path& base);

/// The sources section (config_sources.cpp).
SourcesOptions parse_sources(YamlSection s, const std::filesystem::path& base);
/// The water_quality section (config_water_quality.cpp); `present`: the section was written
/// (then enabled unless `enabled: false`).
WaterQualityOptions parse_water_quality(YamlSection s, bool present);

}  // namespace zw::config_detail
