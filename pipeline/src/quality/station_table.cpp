// Station time series from CSV: the column mapping of the quality config applied to wide or
// long tables, every bad cell reported with its file, line and column.
#include "zonewatch/pipeline/quality/station_table.hpp"

#include <glob.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include <ogr_spatialref.h>

#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"

namespace zw {
namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the station file");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A CSV file's header and rows; blank lines skipped.
struct CsvFile {
  std::string path;
  std::vector<std::string> header;
  std::vector<text::CsvRow> rows;

  /// The 0-based index of column `name`, or InputError listing the columns there are.
  [[nodiscard]] std::size_t column(const std::string& name, std::string_view key) const {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it != header.end()) return static_cast<std::size_t>(it - header.begin());
    std::string listing;
    for (const auto& h : header) listing += (listing.empty() ? "" : ", ") + h;
    throw InputError(path + ": no column '" + name + "' (named by quality config key '" + std::string(key) +
                     "'); the columns are: " + listing);
  }
  /// "file:line:column 'name'" for messages (1-based line and column).
  [[nodiscard]] std::string where(const text::CsvRow& row, std::size_t col) const {
    return path + ":" + std::to_string(row.line) + ":" + std::to_string(col + 1) + " ('" + header[col] + "')";
  }
};

CsvFile read_csv_file(const std::string& path) {
  CsvFile file;
  file.path = path;
  bool unterminated = false;
  auto rows = text::parse_csv(read_text(path), &unterminated);
  if (unterminated) throw InputError(path + ": a quoted field is never closed");
  std::erase_if(rows, [](const text::CsvRow& r) { return r.fields.size() == 1 && text::trim(r.fields[0]).empty(); });
  if (rows.empty()) throw InputError(path + ": empty file, expected a header line");
  for (const auto& name : rows.front().fields) file.header.push_back(text::trim(name));
  rows.erase(rows.begin());
  for (const auto& row : rows) {
    if (row.fields.size() != file.header.size()) {
      throw InputError(path + ":" + std::to_string(row.line) + ": " + std::to_string(row.fields.size()) +
                       " fields, the header has " + std::to_string(file.header.size()));
    }
  }
  file.rows = std::move(rows);
  return file;
}

std::optional<double> parse_number(std::string_view text) {
  double value = 0.0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

/// One measurement before the series are assembled.
struct Reading {
  HourIndex hour = 0;
  std::size_t pollutant = 0;
  double value = kNaN;
  std::size_t file = 0;
  int line = 0;
};

/// Reads cells by the configured mapping, counting missing markers.
class RowReader {
 public:
  RowReader(const CsvFile& file, const StationSourceOptions& options, std::size_t& missing)
      : file_(file), options_(options), missing_(missing) {
    for (const auto& name : options.columns.time) time_columns_.push_back(file.column(name, "stations.columns.time"));
  }

  [[nodiscard]] HourIndex hour(const text::CsvRow& row) const {
    if (time_columns_.size() == 1) {
      const std::string text = text::trim(row.fields[time_columns_[0]]);
      if (const auto h = parse_hour(text, options_.columns.time_format)) return *h;
      throw InputError(file_.where(row, time_columns_[0]) + ": time '" + text + "' does not match the format '" +
                       options_.columns.time_format + "'");
    }
    std::array<int, 4> parts{0, 1, 1, 0};
    for (std::size_t i = 0; i < time_columns_.size(); ++i) {
      const std::string text = text::trim(row.fields[time_columns_[i]]);
      const auto value = parse_int(text);
      if (!value) throw InputError(file_.where(row, time_columns_[i]) + ": '" + text + "' is not an integer");
      parts[i] = *value;
    }
    if (const auto h = hour_index(parts[0], parts[1], parts[2], parts[3])) return *h;
    throw InputError(file_.where(row, time_columns_[0]) + ": " + std::to_string(parts[0]) + "-" +
                     std::to_string(parts[1]) + "-" + std::to_string(parts[2]) + " hour " + std::to_string(parts[3]) +
                     " is not a real date and hour (0..23)");
  }

  [[nodiscard]] double value(const text::CsvRow& row, std::size_t col) const {
    const std::string text = text::trim_blanks(row.fields[col]);
    if (std::find(options_.missing.begin(), options_.missing.end(), text) != options_.missing.end()) {
      ++missing_;
      return kNaN;
    }
    if (const auto v = parse_number(text)) return *v;
    throw InputError(file_.where(row, col) + ": value '" + text +
                     "' is not a number nor a missing marker (key 'quality.stations.missing')");
  }

 private:
  const CsvFile& file_;
  const StationSourceOptions& options_;
  std::size_t& missing_;
  std::vector<std::size_t> time_columns_;
};

using Coordinates = std::map<std::string, Station>;

/// Coordinates from the measurement file itself (first row of each station).
void read_inline_coordinates(const CsvFile& file, std::size_t station_col, const std::string& fixed_station,
                             const StationColumns& cols, Coordinates& out) {
  const std::size_t lon_col = file.column(cols.lon, "stations.columns.lon");
  const std::size_t lat_col = file.column(cols.lat, "stations.columns.lat");
  for (const auto& row : file.rows) {
    const std::string id = fixed_station.empty() ? text::trim(row.fields[station_col]) : fixed_station;
    if (out.contains(id)) continue;
    const auto lon = parse_number(text::trim(row.fields[lon_col]));
    if (!lon) throw InputError(file.where(row, lon_col) + ": longitude '" + row.fields[lon_col] + "' is not a number");
    const auto lat = parse_number(text::trim(row.fields[lat_col]));
    if (!lat) throw InputError(file.where(row, lat_col) + ": latitude '" + row.fields[lat_col] + "' is not a number");
    out[id] = Station{id, id, *lon, *lat, file.path};
  }
}

Coordinates read_stations_table(const StationsTableOptions& t) {
  const CsvFile file = read_csv_file(t.file);
  const std::size_t id_col = file.column(t.id, "stations.stations_table.id");
  const std::size_t lon_col = file.column(t.lon, "stations.stations_table.lon");
  const std::size_t lat_col = file.column(t.lat, "stations.stations_table.lat");
  const bool named = !t.name.empty();
  const std::size_t name_col = named ? file.column(t.name, "stations.stations_table.name") : 0;
  Coordinates out;
  for (const auto& row : file.rows) {
    const std::string id = text::trim(row.fields[id_col]);
    const auto lon = parse_number(text::trim(row.fields[lon_col]));
    if (!lon) throw InputError(file.where(row, lon_col) + ": longitude '" + row.fields[lon_col] + "' is not a number");
    const auto lat = parse_number(text::trim(row.fields[lat_col]));
    if (!lat) throw InputError(file.where(row, lat_col) + ": latitude '" + row.fields[lat_col] + "' is not a number");
    if (out.contains(id)) throw InputError(file.where(row, id_col) + ": station '" + id + "' is listed twice");
    out[id] = Station{id, named ? text::trim(row.fields[name_col]) : id, *lon, *lat, t.file};
  }
  return out;
}

/// Converts every station's coordinates from `crs` to WGS84 lon/lat.
void to_wgs84(std::vector<Station>& stations, const std::string& crs) {
  OGRSpatialReference source, wgs84;
  if (source.SetFromUserInput(crs.c_str()) != OGRERR_NONE) {
    throw InputError("quality.stations.crs: '" + crs + "' is not a coordinate reference system GDAL knows");
  }
  wgs84.importFromEPSG(4326);
  source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  if (source.IsSame(&wgs84)) return;
  std::unique_ptr<OGRCoordinateTransformation> transform(OGRCreateCoordinateTransformation(&source, &wgs84));
  if (!transform) throw InputError("quality.stations.crs: no transformation from '" + crs + "' to WGS84");
  for (auto& s : stations) {
    double x = s.lon, y = s.lat;
    if (!transform->Transform(1, &x, &y)) {
      throw InputError(s.coordinates_source + ": station '" + s.id + "': coordinates do not convert to WGS84");
    }
    s.lon = x;
    s.lat = y;
  }
}

}  // namespace

std::optional<HourIndex> hour_index(int year, int month, int day, int hour) {
  if (hour < 0 || hour > 23 || year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) {
    return std::nullopt;
  }
  const auto date = Date::parse_iso(text::printf_string("%04d-%02d-%02d", year, month, day));
  if (!date) return std::nullopt;
  return date->days() * 24 + hour;
}

std::optional<HourIndex> parse_hour(std::string_view text, std::string_view format) {
  int fields[6] = {-1, -1, -1, 0, 0, 0};  // Y m d H M S
  std::size_t at = 0;
  for (std::size_t f = 0; f < format.size(); ++f) {
    if (format[f] != '%' || f + 1 == format.size()) {
      if (at >= text.size() || text[at] != format[f]) return std::nullopt;
      ++at;
      continue;
    }
    const char spec = format[++f];
    if (spec == '%') {
      if (at >= text.size() || text[at] != '%') return std::nullopt;
      ++at;
      continue;
    }
    const std::string_view specs = "YmdHMS";
    const auto index = specs.find(spec);
    if (index == std::string_view::npos) return std::nullopt;
    const std::size_t width = spec == 'Y' ? 4 : 2;
    std::size_t digits = 0;
    int value = 0;
    // Up to `width` digits: "2013-3-1 0:00" reads like "2013-03-01 00:00".
    while (digits < width && at < text.size() && text[at] >= '0' && text[at] <= '9') {
      value = value * 10 + (text[at] - '0');
      ++at;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    fields[index] = value;
  }
  if (at != text.size() || fields[0] < 0 || fields[1] < 0 || fields[2] < 0) return std::nullopt;
  if (fields[4] != 0 || fields[5] != 0) return std::nullopt;  // hourly series: on the hour
  return hour_index(fields[0], fields[1], fields[2], fields[3]);
}

std::vector<std::string> expand_file_patterns(const std::vector<std::string>& patterns) {
  std::vector<std::string> files;
  for (const std::string& pattern : patterns) {
    if (pattern.find_first_of("*?[") == std::string::npos) {
      if (!fs::is_regular_file(pattern)) throw InputError(pattern + ": station file not found");
      files.push_back(pattern);
      continue;
    }
    glob_t found{};
    const int rc = ::glob(pattern.c_str(), 0, nullptr, &found);
    std::vector<std::string> matched;
    for (std::size_t i = 0; rc == 0 && i < found.gl_pathc; ++i) matched.emplace_back(found.gl_pathv[i]);
    ::globfree(&found);
    if (matched.empty()) throw InputError(pattern + ": no station file matches this pattern");
    std::sort(matched.begin(), matched.end());
    files.insert(files.end(), matched.begin(), matched.end());
  }
  return files;
}

std::vector<double> StationTable::hourly(std::size_t station, std::size_t p, HourIndex first, std::size_t count) const {
  std::vector<double> out(count, kNaN);
  const StationSeries& s = series.at(station);
  auto it = std::lower_bound(s.hours.begin(), s.hours.end(), first);
  for (; it != s.hours.end() && *it < first + static_cast<HourIndex>(count); ++it) {
    const auto i = static_cast<std::size_t>(it - s.hours.begin());
    out[static_cast<std::size_t>(*it - first)] = s.values[p][i];
  }
  return out;
}

StationTable read_station_table(const StationSourceOptions& options) {
  StationTable table;
  table.pollutants = options.pollutants;
  table.files = expand_file_patterns(options.files);
  const StationColumns& cols = options.columns;
  const bool wide = options.format == StationFormat::wide;
  const bool inline_coordinates = options.stations_table.file.empty();
  std::map<std::string, std::vector<Reading>> readings;
  Coordinates coordinates;

  for (std::size_t f = 0; f < table.files.size(); ++f) {
    const CsvFile file = read_csv_file(table.files[f]);
    const RowReader reader(file, options, table.missing_values);
    // Wide tables may hold one station per file without a station column: the file's stem names it.
    const bool station_from_name = wide && (cols.station.empty() || std::find(file.header.begin(), file.header.end(),
                                                                              cols.station) == file.header.end());
    const std::string fixed_station = station_from_name ? fs::path(file.path).stem().string() : "";
    const std::size_t station_col = station_from_name ? 0 : file.column(cols.station, "stations.columns.station");
    if (inline_coordinates) read_inline_coordinates(file, station_col, fixed_station, cols, coordinates);
    std::vector<std::size_t> value_cols;
    std::size_t pollutant_col = 0;
    if (wide) {
      for (const auto& p : options.pollutants) value_cols.push_back(file.column(p, "stations.pollutants"));
    } else {
      pollutant_col = file.column(cols.pollutant, "stations.columns.pollutant");
      value_cols.push_back(file.column(cols.value, "stations.columns.value"));
    }
    for (const auto& row : file.rows) {
      const std::string station = station_from_name ? fixed_station : text::trim(row.fields[station_col]);
      const HourIndex hour = reader.hour(row);
      auto& out = readings[station];
      if (wide) {
        for (std::size_t p = 0; p < value_cols.size(); ++p) {
          out.push_back({hour, p, reader.value(row, value_cols[p]), f, row.line});
        }
      } else {
        const std::string pollutant = text::trim(row.fields[pollutant_col]);
        const auto it = std::find(options.pollutants.begin(), options.pollutants.end(), pollutant);
        if (it == options.pollutants.end()) continue;  // a pollutant not asked for
        out.push_back({hour, static_cast<std::size_t>(it - options.pollutants.begin()),
                       reader.value(row, value_cols[0]), f, row.line});
      }
      ++table.rows;
    }
  }
  if (!inline_coordinates) coordinates = read_stations_table(options.stations_table);

  for (auto& [id, list] : readings) {
    if (list.empty()) continue;  // long form: rows of pollutants not asked for only
    const auto located = coordinates.find(id);
    if (located == coordinates.end()) {
      const std::string where = inline_coordinates ? "its measurement file" : options.stations_table.file;
      throw InputError(table.files[list.front().file] + ":" + std::to_string(list.front().line) + ": station '" + id +
                       "' has no coordinates in " + where + " (key 'quality.stations.stations_table')");
    }
    std::stable_sort(list.begin(), list.end(), [](const Reading& a, const Reading& b) {
      return std::tie(a.hour, a.pollutant) < std::tie(b.hour, b.pollutant);
    });
    StationSeries series;
    series.values.assign(options.pollutants.size(), {});
    for (std::size_t i = 0; i < list.size(); ++i) {
      const Reading& r = list[i];
      if (i > 0 && list[i - 1].hour == r.hour && list[i - 1].pollutant == r.pollutant) {
        throw InputError(table.files[r.file] + ":" + std::to_string(r.line) + ": station '" + id + "', " +
                         options.pollutants[r.pollutant] + ": this hour was already given at " +
                         table.files[list[i - 1].file] + ":" + std::to_string(list[i - 1].line));
      }
      if (series.hours.empty() || series.hours.back() != r.hour) {
        series.hours.push_back(r.hour);
        for (auto& v : series.values) v.push_back(kNaN);
      }
      series.values[r.pollutant].back() = r.value;
    }
    table.stations.push_back(located->second);
    table.series.push_back(std::move(series));
  }
  to_wgs84(table.stations, options.crs);
  logger("quality")->info("{} stations, {} rows from {} files ({} missing values)", table.stations.size(), table.rows,
                          table.files.size(), table.missing_values);
  return table;
}

}  // namespace zw
