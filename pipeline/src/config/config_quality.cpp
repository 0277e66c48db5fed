// The scan config's quality section (quality_options.hpp): station files and their column
// mapping, gridded layers, interpolation, periods and the decline rule.
#include <algorithm>

#include "config_parsing.hpp"
#include "zonewatch/pipeline/config/quality_options.hpp"
#include "zonewatch/pipeline/config/yaml_section.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/enum_names.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace fs = std::filesystem;

namespace {

constexpr EnumNames kMethodNames{std::array{
    EnumName<InterpolationMethod>{InterpolationMethod::idw, "idw"},
    EnumName<InterpolationMethod>{InterpolationMethod::nearest, "nearest"},
}};

constexpr EnumNames kFormatNames{std::array{
    EnumName<StationFormat>{StationFormat::wide, "wide"},
    EnumName<StationFormat>{StationFormat::long_form, "long"},
}};

using config_detail::require_range;
using config_detail::resolve_path;

/// A list of texts, or one text given as a plain scalar.
std::vector<std::string> text_or_list(YamlSection& s, const std::string& key,
                                      const std::vector<std::string>& fallback) {
  if (!s.has(key)) {
    (void)s.optional<std::string>(key);  // known, even when absent
    return fallback;
  }
  try {
    return s.get<std::vector<std::string>>(key, fallback);
  } catch (const ConfigError&) {
    return {s.require<std::string>(key)};
  }
}

void check_period(const YamlSection& s, const std::string& key, const std::string& text) {
  if (text.empty()) return;
  const auto dots = text.find("..");
  const std::string first = dots == std::string::npos ? "" : text.substr(0, dots);
  const std::string last = dots == std::string::npos ? "" : text.substr(dots + 2);
  if (!is_iso_date(first) || !is_iso_date(last) || last < first) {
    throw ConfigError(s.file() + ": key '" + s.key_path(key) +
                      "' must be two dates FIRST..LAST (YYYY-MM-DD..YYYY-MM-DD, FIRST not after LAST), got '" + text +
                      "'");
  }
}

StationSourceOptions parse_stations(YamlSection s, const fs::path& base) {
  StationSourceOptions o;
  for (const auto& file : text_or_list(s, "files", {})) o.files.push_back(resolve_path(file, base));
  const std::string format = s.get<std::string>("format", "wide");
  const auto parsed_format = kFormatNames.parse(format);
  if (!parsed_format) {
    throw ConfigError(s.file() + ": key '" + s.key_path("format") + "': '" + format +
                      "' is not a table form (expected " + kFormatNames.listing() + ")");
  }
  o.format = *parsed_format;
  YamlSection c = s.section("columns");
  StationColumns& cols = o.columns;
  cols.station = c.get<std::string>("station", cols.station);
  cols.time = text_or_list(c, "time", cols.time);
  if (cols.time.size() != 1 && cols.time.size() != 3 && cols.time.size() != 4) {
    throw ConfigError(c.file() + ": key '" + c.key_path("time") +
                      "' must be one timestamp column or [year, month, day] / [year, month, day, hour] columns");
  }
  cols.time_format = c.get<std::string>("time_format", cols.time_format);
  cols.pollutant = c.get<std::string>("pollutant", cols.pollutant);
  cols.value = c.get<std::string>("value", cols.value);
  cols.lon = c.get<std::string>("lon", "");
  cols.lat = c.get<std::string>("lat", "");
  c.finish();
  o.pollutants = text_or_list(s, "pollutants", {});
  o.missing = text_or_list(s, "missing", o.missing);
  YamlSection t = s.section("stations_table");
  o.stations_table.file = resolve_path(t.get<std::string>("file", ""), base);
  o.stations_table.id = t.get<std::string>("id", o.stations_table.id);
  o.stations_table.lon = t.get<std::string>("lon", o.stations_table.lon);
  o.stations_table.lat = t.get<std::string>("lat", o.stations_table.lat);
  o.stations_table.name = t.get<std::string>("name", "");
  t.finish();
  o.crs = s.get<std::string>("crs", o.crs);
  o.time_zone = s.get<std::string>("time_zone", o.time_zone);
  s.finish();
  if (!o.enabled()) return o;
  if (o.pollutants.empty()) {
    throw ConfigError(s.file() + ": key '" + s.key_path("pollutants") + "' is required: the pollutants to assess");
  }
  if (o.stations_table.file.empty() && (cols.lon.empty() || cols.lat.empty())) {
    throw ConfigError(s.file() + ": key '" + s.key_path("stations_table.file") +
                      "' is required unless the measurement files carry coordinates ('" + c.key_path("lon") +
                      "' and '" + c.key_path("lat") + "')");
  }
  return o;
}

}  // namespace

std::string_view to_string(InterpolationMethod method) { return kMethodNames.name(method); }

namespace config_detail {

QualityOptions parse_quality(YamlSection s, const fs::path& base) {
  QualityOptions o;
  o.stations = parse_stations(s.section("stations"), base);
  YamlSection g = s.section("grids");
  for (const std::string& name : g.keys()) {
    YamlSection layer = g.section(name);
    QualityGridOptions grid;
    grid.name = name;
    grid.path = resolve_path(layer.require<std::string>("path"), base);
    grid.variable = layer.get<std::string>("variable", "");
    layer.finish();
    o.grids.push_back(std::move(grid));
  }
  g.finish();
  const std::string method = s.get<std::string>("method", "idw");
  const auto parsed = kMethodNames.parse(method);
  if (!parsed) {
    throw ConfigError(s.file() + ": key '" + s.key_path("method") + "': '" + method +
                      "' is not an interpolation method (expected " + kMethodNames.listing() + ")");
  }
  o.method = *parsed;
  o.power = s.get<double>("power", o.power);
  require_range(s, "power", o.power, 0.0, 10.0);
  o.max_distance_m = s.get<double>("max_distance_m", o.max_distance_m);
  require_range(s, "max_distance_m", o.max_distance_m, 1.0, 2.0e7);
  o.sample_points = s.get<int>("sample_points", o.sample_points);
  require_range(s, "sample_points", o.sample_points, 1, 1024);
  o.min_valid_share = s.get<double>("min_valid_share", o.min_valid_share);
  require_range(s, "min_valid_share", o.min_valid_share, 0.0, 1.0);
  o.default_period_days = s.get<int>("default_period_days", o.default_period_days);
  require_range(s, "default_period_days", o.default_period_days, 1, 3660);
  o.before_period = s.get<std::string>("before_period", "");
  check_period(s, "before_period", o.before_period);
  o.after_period = s.get<std::string>("after_period", "");
  check_period(s, "after_period", o.after_period);
  if (!o.before_period.empty() && !o.after_period.empty() &&
      o.after_period.substr(0, 10) <= o.before_period.substr(o.before_period.size() - 10)) {
    throw ConfigError(s.file() + ": key '" + s.key_path("after_period") + "' (" + o.after_period +
                      ") must start after '" + s.key_path("before_period") + "' (" + o.before_period + ") ends");
  }
  YamlSection d = s.section("decline");
  o.decline.relative = d.get<double>("relative", o.decline.relative);
  require_range(d, "relative", o.decline.relative, 0.0, 100.0);
  YamlSection limits = d.section("limit");
  for (const std::string& pollutant : limits.keys()) {
    o.decline.limit[pollutant] = limits.require<double>(pollutant);
  }
  limits.finish();
  d.finish();
  s.finish();
  for (const auto& [pollutant, limit] : o.decline.limit) {
    const bool measured = std::find(o.stations.pollutants.begin(), o.stations.pollutants.end(), pollutant) !=
                              o.stations.pollutants.end() ||
                          std::any_of(o.grids.begin(), o.grids.end(),
                                      [&wanted = pollutant](const auto& layer) { return layer.name == wanted; });
    if (!measured) {
      throw ConfigError(s.file() + ": key '" + limits.key_path(pollutant) +
                        "': no station pollutant or grid of that name (key '" + s.key_path("stations.pollutants") +
                        "' or '" + s.key_path("grids") + "')");
    }
  }
  if (s.has("stations") || s.has("grids")) {
    if (!o.enabled()) {
      throw ConfigError(s.file() + ": key '" + s.key_path("stations.files") + "' or '" + s.key_path("grids") +
                        "' is required: the quality section has nothing to read");
    }
  }
  return o;
}

}  // namespace config_detail

nlohmann::json to_json(const QualityOptions& o) {
  nlohmann::json grids = nlohmann::json::object();
  for (const auto& g : o.grids) grids[g.name] = {{"path", g.path}, {"variable", g.variable}};
  const auto& st = o.stations;
  return {{"stations",
           {{"files", st.files},
            {"format", std::string(kFormatNames.name(st.format))},
            {"columns",
             {{"station", st.columns.station},
              {"time", st.columns.time},
              {"time_format", st.columns.time_format},
              {"pollutant", st.columns.pollutant},
              {"value", st.columns.value},
              {"lon", st.columns.lon},
              {"lat", st.columns.lat}}},
            {"pollutants", st.pollutants},
            {"missing", st.missing},
            {"stations_table",
             {{"file", st.stations_table.file},
              {"id", st.stations_table.id},
              {"lon", st.stations_table.lon},
              {"lat", st.stations_table.lat},
              {"name", st.stations_table.name}}},
            {"crs", st.crs},
            {"time_zone", st.time_zone}}},
          {"grids", grids},
          {"method", std::string(to_string(o.method))},
          {"power", o.power},
          {"max_distance_m", o.max_distance_m},
          {"sample_points", o.sample_points},
          {"min_valid_share", o.min_valid_share},
          {"default_period_days", o.default_period_days},
          {"before_period", o.before_period},
          {"after_period", o.after_period},
          {"decline", {{"relative", o.decline.relative}, {"limit", o.decline.limit}}}};
}

}  // namespace zw
