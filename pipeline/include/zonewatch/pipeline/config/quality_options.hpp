#pragma once
// The scan config's `quality:` section: environmental quality of the control units from
// monitoring-station time series and gridded quality layers, and the rule that flags a
// unit whose quality markedly declined (docs/CONFIG.md, "quality").
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zw {

/// Where station coordinates come from when the measurement table has none.
struct StationsTableOptions {
  std::string file;  // CSV; empty: lon/lat are columns of the measurement files
  std::string id = "station";
  std::string lon = "lon";
  std::string lat = "lat";
  std::string name;  // optional column with a display name
};

/// Which column holds what in the measurement files.
struct StationColumns {
  std::string station = "station";  // wide form: optional ("" = the file's stem is the station)
  /// One timestamp column read with `time_format`, or [year, month, day] / [year, month,
  /// day, hour] columns of integers.
  std::vector<std::string> time{"year", "month", "day", "hour"};
  std::string time_format = "%Y-%m-%d %H:%M:%S";  // strptime-like: %Y %m %d %H %M %S, literals
  std::string pollutant = "pollutant";            // long form only
  std::string value = "value";                    // long form only
  std::string lon, lat;                           // coordinates in the table itself ("" = stations_table)
};

enum class StationFormat { wide, long_form };

struct StationSourceOptions {
  std::vector<std::string> files;  // resolved paths; globs (* ? [..]) expanded when read
  StationFormat format = StationFormat::wide;
  StationColumns columns;
  std::vector<std::string> pollutants;         // wide: column names; long: values of the pollutant column
  std::vector<std::string> missing{"NA", ""};  // cell texts meaning "not measured" (after trimming blanks)
  StationsTableOptions stations_table;
  std::string crs = "EPSG:4326";  // of the station coordinates
  /// The clock the timestamps are on. Only recorded: periods are compared on that clock
  /// (Chinese stations report Beijing time, UTC+8, and so do the periods one writes).
  std::string time_zone = "Asia/Shanghai";

  [[nodiscard]] bool enabled() const { return !files.empty(); }
};

/// A gridded quality layer with a time dimension (NetCDF/HDF5 variable, or a multi-band
/// GeoTIFF whose bands carry a date), averaged per period and then per unit.
struct QualityGridOptions {
  std::string name;      // what the layer measures, as the output names it ("PM2.5")
  std::string path;      // raster or NetCDF/HDF5 file
  std::string variable;  // subdataset (NetCDF variable) name; "" = the file itself
};

enum class InterpolationMethod { idw, nearest };

struct QualityDeclineOptions {
  double relative = 0.10;               // after-period mean above the before-period mean by more than this share
  std::map<std::string, double> limit;  // by pollutant: ... and above this (e.g. GB 3095-2012 grade II annual)
};

struct QualityOptions {
  StationSourceOptions stations;
  std::vector<QualityGridOptions> grids;
  InterpolationMethod method = InterpolationMethod::idw;
  double power = 2.0;                       // IDW exponent
  double max_distance_m = 50000.0;          // stations farther from a sample point take no part
  int sample_points = 16;                   // sample points per unit (a lattice inside the polygon)
  double min_valid_share = 0.75;            // of a period's hours, below: not assessable
  int default_period_days = 365;            // the period ending at the scan's before/after date
  std::string before_period, after_period;  // FIRST..LAST (YYYY-MM-DD..YYYY-MM-DD); "" = default
  QualityDeclineOptions decline;

  [[nodiscard]] bool enabled() const { return stations.enabled() || !grids.empty(); }
};

[[nodiscard]] std::string_view to_string(InterpolationMethod method);

nlohmann::json to_json(const QualityOptions& options);

}  // namespace zw
