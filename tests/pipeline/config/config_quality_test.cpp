// The scan config's quality section: defaults, the column mapping, paths, and every error
// naming its key.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;

constexpr const char* kScan = R"(
before: {path: scenes/2014, date: 2014-02-28, sensor: rgb}
after: {path: scenes/2017, date: 2017-02-28, sensor: rgb}
units: {path: units.gpkg}
output: {dir: results}
)";

class ConfigQualityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device device;
    root_ = fs::temp_directory_path() /
            ("zonewatch-config-quality-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  ScanConfig load(const std::string& quality, const std::vector<std::string>& overrides = {}) {
    const fs::path path = root_ / "scan.yaml";
    std::ofstream(path) << kScan << quality;
    return load_scan_config(path, overrides);
  }
  void expect_error(const std::string& quality, const std::vector<std::string>& parts) {
    try {
      (void)load(quality);
      ADD_FAILURE() << "no ConfigError for:\n" << quality;
    } catch (const ConfigError& e) {
      for (const auto& part : parts) {
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << "'" << part << "' not in: " << e.what();
      }
    }
  }
  fs::path root_;
};

TEST_F(ConfigQualityTest, AbsentSectionIsOffAndLeavesTheResolvedConfigAlone) {
  const ScanConfig c = load("");
  EXPECT_FALSE(c.quality.enabled());
  EXPECT_FALSE(c.resolved.contains("quality"));
}

TEST_F(ConfigQualityTest, WideStationsWithDefaults) {
  const ScanConfig c = load(R"(
quality:
  stations:
    files: data/PRSA_Data_*.csv
    pollutants: [PM2.5, O3]
    stations_table: {file: data/stations.csv, name: name_zh}
  decline: {limit: {PM2.5: 35}}
)");
  const QualityOptions& q = c.quality;
  EXPECT_TRUE(q.enabled());
  EXPECT_EQ(q.stations.files, std::vector<std::string>{(root_ / "data" / "PRSA_Data_*.csv").string()});
  EXPECT_EQ(q.stations.format, StationFormat::wide);
  EXPECT_EQ(q.stations.columns.time, (std::vector<std::string>{"year", "month", "day", "hour"}));
  EXPECT_EQ(q.stations.missing, (std::vector<std::string>{"NA", ""}));
  EXPECT_EQ(q.stations.stations_table.file, (root_ / "data" / "stations.csv").string());
  EXPECT_EQ(q.stations.stations_table.name, "name_zh");
  EXPECT_EQ(q.stations.crs, "EPSG:4326");
  EXPECT_EQ(q.method, InterpolationMethod::idw);
  EXPECT_EQ(q.power, 2.0);
  EXPECT_EQ(q.min_valid_share, 0.75);
  EXPECT_EQ(q.decline.relative, 0.10);
  EXPECT_EQ(q.decline.limit.at("PM2.5"), 35.0);
  EXPECT_EQ(c.resolved["quality"]["method"], "idw");
  EXPECT_EQ(c.resolved["quality"]["stations"]["pollutants"][1], "O3");
}

TEST_F(ConfigQualityTest, LongStationsWithTimestampAndExplicitPeriods) {
  const ScanConfig c = load(R"(
quality:
  stations:
    files: [a.csv, b.csv]
    format: long
    columns: {station: site, time: datetime, time_format: "%Y/%m/%d %H", pollutant: species, value: conc, lon: x, lat: y}
    pollutants: [NO2]
    missing: ["-999"]
  method: nearest
  max_distance_m: 20000
  before_period: 2015-03-01..2016-02-29
  after_period: 2016-03-01..2017-02-28
)",
                            {"quality.sample_points=4"});
  const QualityOptions& q = c.quality;
  EXPECT_EQ(q.stations.format, StationFormat::long_form);
  EXPECT_EQ(q.stations.columns.time, std::vector<std::string>{"datetime"});
  EXPECT_EQ(q.stations.columns.time_format, "%Y/%m/%d %H");
  EXPECT_EQ(q.stations.columns.lon, "x");
  EXPECT_EQ(q.stations.missing, std::vector<std::string>{"-999"});
  EXPECT_EQ(q.method, InterpolationMethod::nearest);
  EXPECT_EQ(q.max_distance_m, 20000.0);
  EXPECT_EQ(q.sample_points, 4);
  EXPECT_EQ(q.before_period, "2015-03-01..2016-02-29");
}

TEST_F(ConfigQualityTest, GridsByName) {
  const ScanConfig c = load("quality:\n  grids:\n    PM2.5: {path: pm25.nc, variable: pm25}\n");
  ASSERT_EQ(c.quality.grids.size(), 1U);
  EXPECT_EQ(c.quality.grids[0].name, "PM2.5");
  EXPECT_EQ(c.quality.grids[0].path, (root_ / "pm25.nc").string());
  EXPECT_EQ(c.quality.grids[0].variable, "pm25");
}

TEST_F(ConfigQualityTest, ErrorsNameTheKey) {
  const std::string stations =
      "quality:\n  stations: {files: a.csv, pollutants: [NO2], stations_table: {file: s.csv}}\n";
  expect_error(stations + "  methd: idw\n", {"unknown key 'quality.methd'", "did you mean 'quality.method'"});
  expect_error(stations + "  method: kriging\n", {"quality.method", "'kriging'", "idw, nearest"});
  expect_error(stations + "  min_valid_share: 1.5\n", {"quality.min_valid_share", "between 0"});
  expect_error(stations + "  before_period: 2015-03-01\n", {"quality.before_period", "FIRST..LAST"});
  expect_error(stations + "  before_period: 2015-03-01..2016-02-29\n  after_period: 2016-01-01..2016-12-31\n",
               {"quality.after_period", "must start after"});
  expect_error(stations + "  decline: {limit: {PM10: 70}}\n", {"quality.decline.limit.PM10", "no station pollutant"});
  expect_error("quality:\n  stations: {files: a.csv, pollutants: [NO2], formt: wide}\n",
               {"unknown key 'quality.stations.formt'"});
  expect_error("quality:\n  stations: {files: a.csv, format: tall, pollutants: [NO2]}\n",
               {"quality.stations.format", "wide, long"});
  expect_error("quality:\n  stations: {files: a.csv}\n", {"quality.stations.pollutants", "required"});
  expect_error("quality:\n  stations: {files: a.csv, pollutants: [NO2]}\n", {"quality.stations.stations_table.file"});
  expect_error(
      "quality:\n  stations: {files: a.csv, pollutants: [NO2], columns: {time: [y, m]}, "
      "stations_table: {file: s.csv}}\n",
      {"quality.stations.columns.time"});
  expect_error("quality:\n  stations: {pollutants: [NO2]}\n", {"quality.stations.files", "nothing to read"});
}

}  // namespace
}  // namespace zw
