// The before and after sections of a scan config: a single scene ({path, date, sensor}) or a
// period whose scenes are found in its sources and composited; and paths relative to the config.
#include "config_parsing.hpp"
#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/config/yaml_section.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw::config_detail {
namespace fs = std::filesystem;

std::string resolve_path(const std::string& value, const fs::path& base) {
  if (value.empty() || value.starts_with("/vsi")) return value;
  fs::path p(value);
  return p.is_absolute() ? p.lexically_normal().string() : (base / p).lexically_normal().string();
}

namespace {

void check_date(const YamlSection& s, const std::string& key, const std::string& date) {
  if (!iso_date_fields(date)) {
    throw ConfigError(s.file() + ": key '" + s.key_path(key) + "' must be a date YYYY-MM-DD, got '" + date + "'");
  }
  // No scene is taken in the future: a typo in the year (2099 for 2019) would date the
  // hotspots and the store's history wrongly. YYYY-MM-DD text orders like the dates.
  if (const std::string today = today_utc(); date > today) {
    throw ConfigError(s.file() + ": key '" + s.key_path(key) + "' is " + date + ", in the future (today is " + today +
                      ")");
  }
}

SceneOptions parse_scene(YamlSection s, const fs::path& base) {
  SceneOptions o;
  o.path = resolve_path(s.require<std::string>("path"), base);
  // date and sensor may be left out for products whose metadata gives them (a Sentinel-2
  // SAFE folder, a Landsat MTL): the scan fills them in (complete_scan_config, scan_inputs.hpp).
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
  if (period.sensor.ends_with(".yaml") || period.sensor.ends_with(".yml"))
    period.sensor = resolve_path(period.sensor, base);
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

}  // namespace

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

}  // namespace zw::config_detail
