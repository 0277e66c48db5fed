#pragma once
// Monitoring-station time series (air quality and the like) read from CSV files in wide form
// (a column per pollutant) or long form (station, time, pollutant, value), with the
// stations' coordinates from the same files or a separate stations table.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zonewatch/pipeline/config/quality_options.hpp"

namespace zw {

/// Hours since 1970-01-01T00:00 on the table's own clock (no time-zone conversion).
using HourIndex = long long;

struct Station {
  std::string id;
  std::string name;                // from the stations table's name column; else the id
  double lon = 0.0, lat = 0.0;     // WGS84 degrees (converted from StationSourceOptions::crs)
  std::string coordinates_source;  // file the coordinates came from
};

/// One station's measurements: `hours` ascending and unique, values[pollutant][i] the
/// value at hours[i] (NaN: missing).
struct StationSeries {
  std::vector<HourIndex> hours;
  std::vector<std::vector<double>> values;
};

struct StationTable {
  std::vector<std::string> pollutants;  // as configured, in order
  std::vector<Station> stations;        // sorted by id
  std::vector<StationSeries> series;    // parallel to stations
  std::vector<std::string> files;       // measurement files read (globs expanded)
  std::size_t rows = 0;                 // data rows read
  std::size_t missing_values = 0;       // cells given as a missing marker

  /// The station's values of pollutant `p` for the hours [first, first + count): NaN where
  /// the station reported nothing or a missing marker.
  [[nodiscard]] std::vector<double> hourly(std::size_t station, std::size_t p, HourIndex first,
                                           std::size_t count) const;
};

/// Reads every measurement file of `options` and the stations' coordinates. Throws
/// InputError naming the file (and line and column where there is one): no file matches a
/// pattern, a column that does not exist (listing those that do), a time or value that does
/// not parse (quoting it), the same station and hour given twice, a station without
/// coordinates, coordinates that do not convert to WGS84.
StationTable read_station_table(const StationSourceOptions& options);

/// Expands shell patterns (* ? [...]) in `patterns`, each sorted; a plain path is kept as it
/// is. Throws InputError for a pattern that matches nothing or a plain path that is missing.
std::vector<std::string> expand_file_patterns(const std::vector<std::string>& patterns);

/// `text` read with a strptime-like `format` (%Y %m %d %H %M %S, %% and literal characters;
/// minutes and seconds must be 0: the series is hourly). nullopt when it does not match or
/// is not a real date and time.
std::optional<HourIndex> parse_hour(std::string_view text, std::string_view format);

/// The hour index of a calendar date and hour; nullopt for a date that does not exist or
/// an hour outside 0..23.
std::optional<HourIndex> hour_index(int year, int month, int day, int hour);

}  // namespace zw
