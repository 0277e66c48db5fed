// End to end: `zonewatch scan` on the bundled Chongqing Sentinel-2 sample, through the
// binary, with every output read back independently of zonewatch's own code.
#include <signal.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "e2e_support.hpp"
#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/pipeline/version.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

/// One scan of the sample with configs/sample.yaml (absolute paths) shared by the read-only
/// checks below; the command-line variant runs its own.
class SampleScanTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::random_device device;
    suite_root_ = new fs::path(fs::temp_directory_path() /
                               ("zonewatch-e2e-sample-" + std::to_string(::getpid()) + "-" + std::to_string(device())));
    fs::create_directories(*suite_root_);
    out_ = new fs::path(*suite_root_ / "out");
    const fs::path config = write_config(sample_config(*out_), *suite_root_ / "sample.yaml");
    result_ = new RunResult(scan(config, *suite_root_));
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    if (std::getenv("ZONEWATCH_KEEP_TEST_DIRS") == nullptr) fs::remove_all(*suite_root_, ignored);
    delete suite_root_;
    delete out_;
    delete result_;
  }
  void SetUp() override { ASSERT_EQ(result_->exit_code, 0) << *result_; }

  static const fs::path& out() { return *out_; }
  static nlohmann::json run_json() { return read_json(*out_ / "run.json"); }

  static fs::path* suite_root_;
  static fs::path* out_;
  static RunResult* result_;
};

fs::path* SampleScanTest::suite_root_ = nullptr;
fs::path* SampleScanTest::out_ = nullptr;
RunResult* SampleScanTest::result_ = nullptr;

int severity_rank(const std::string& severity) {
  if (severity == "high") return 3;
  if (severity == "medium") return 2;
  if (severity == "low") return 1;
  ADD_FAILURE() << "unknown severity '" << severity << "'";
  return 0;
}

TEST_F(SampleScanTest, WritesAllFiveOutputsAndLeavesNoStagingOrWorkFolder) {
  for (const auto& name : kOutputs) {
    EXPECT_TRUE(fs::is_regular_file(out() / name)) << name;
    EXPECT_GT(fs::file_size(out() / name), 0u) << name;
  }
  EXPECT_TRUE(leftover_folders(out()).empty()) << ::testing::PrintToString(entry_names(out()));
  EXPECT_TRUE(leftover_folders(out().parent_path()).empty());
  EXPECT_NE(result_->out.find("hotspots"), std::string::npos) << *result_;
}

TEST_F(SampleScanTest, RunJsonRecordsVersionConfigAndInputHashes) {
  const nlohmann::json run = run_json();
  EXPECT_EQ(run.at("program"), "zonewatch");
  EXPECT_EQ(run.at("version"), std::string(kVersion));
  EXPECT_FALSE(std::string(kVersion).empty());
  EXPECT_EQ(run.at("config").at("name"), "chongqing-sample");
  EXPECT_EQ(run.at("config").at("output").at("dir"), out().string());

  // Every input file is listed with its size and SHA-256; check them all against sha256sum.
  std::size_t checked = 0;
  for (const char* scene : {"before", "after"}) {
    const auto& files = run.at("inputs").at(scene).at("files");
    EXPECT_EQ(files.size(), 6u) << scene << ": B02 B03 B04 B08 B11 B12";
    for (const auto& file : files) {
      const fs::path path = file.at("path").get<std::string>();
      EXPECT_EQ(path.parent_path(), kSampleDir / scene);
      EXPECT_EQ(file.at("bytes").get<std::uintmax_t>(), fs::file_size(path)) << path;
      const std::string expected = sha256sum(path);
      ASSERT_EQ(expected.size(), 64u) << "sha256sum failed on " << path;
      EXPECT_EQ(file.at("sha256"), expected) << path;
      ++checked;
    }
  }
  const auto& units = run.at("inputs").at("units");
  EXPECT_EQ(units.at("path"), (kSampleDir / "units.gpkg").string());
  EXPECT_EQ(units.at("sha256"), sha256sum(kSampleDir / "units.gpkg"));
  EXPECT_EQ(checked, 12u);
}

TEST_F(SampleScanTest, CountsAgreeAcrossRunJsonGeoPackageCsvAndGeoJson) {
  const nlohmann::json counts = run_json().at("counts");
  const auto hotspots = counts.at("hotspots").get<long long>();
  EXPECT_GT(hotspots, 0);
  EXPECT_EQ(feature_count(out() / "alerts.gpkg", "hotspots"), hotspots);
  EXPECT_EQ(feature_count(out() / "alerts.gpkg", "units"), counts.at("units").get<long long>());
  EXPECT_EQ(counts.at("units"), 13);
  EXPECT_EQ(counts.at("units_repaired"), 0);
  EXPECT_EQ(static_cast<long long>(read_csv_table(out() / "hotspots.csv").rows.size()), hotspots);
  const nlohmann::json geojson = read_json(out() / "hotspots.geojson");
  EXPECT_EQ(static_cast<long long>(geojson.at("features").size()), hotspots);

  long long by_severity = 0, by_type = 0;
  for (const auto& [key, value] : counts.at("hotspots_by_severity").items()) by_severity += value.get<long long>();
  for (const auto& [key, value] : counts.at("hotspots_by_type").items()) by_type += value.get<long long>();
  EXPECT_EQ(by_severity, hotspots);
  EXPECT_EQ(by_type, hotspots);
  EXPECT_EQ(counts.at("patches").get<long long>(), hotspots + counts.at("patches_outside_units").get<long long>() +
                                                       counts.at("patches_not_alerting_by_rule").get<long long>());

  // Per-unit hotspot counts add up to the hotspots.
  long long unit_hotspots = 0;
  for (const auto& unit : read_layer(out() / "alerts.gpkg", "units"))
    unit_hotspots += std::stoll(unit.at("hotspot_count"));
  EXPECT_EQ(unit_hotspots, hotspots);
}

TEST_F(SampleScanTest, CsvStartsWithBomAndIsSortedBySeverityThenArea) {
  const std::string bytes = read_bytes(out() / "hotspots.csv");
  ASSERT_TRUE(bytes.starts_with("\xEF\xBB\xBF")) << "no UTF-8 byte-order mark";
  EXPECT_TRUE(bytes.starts_with("\xEF\xBB\xBFhotspot_id,"));
  EXPECT_NE(bytes.find("\r\n"), std::string::npos) << "CRLF line ends";
  const CsvTable table = read_csv_table(out() / "hotspots.csv");
  ASSERT_FALSE(table.rows.empty());
  std::set<std::string> ids;
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const auto& row = table.rows[i];
    EXPECT_EQ(row.size(), table.header.size());
    EXPECT_TRUE(ids.insert(row.at("hotspot_id")).second) << "duplicate id " << row.at("hotspot_id");
    EXPECT_DOUBLE_EQ(std::stod(row.at("area_m2")), 100.0 * std::stod(row.at("pixel_count")))
        << "10 m pixels, row " << i;
    if (i == 0) continue;
    const auto& previous = table.rows[i - 1];
    const int rank = severity_rank(row.at("severity")), previous_rank = severity_rank(previous.at("severity"));
    ASSERT_LE(rank, previous_rank) << "row " << i << " out of severity order";
    if (rank == previous_rank) {
      ASSERT_LE(std::stod(row.at("area_m2")), std::stod(previous.at("area_m2"))) << "row " << i << " out of area order";
    }
  }
  // The CSV and the GeoPackage list the hotspots in the same order.
  const auto layer = read_layer(out() / "alerts.gpkg", "hotspots");
  ASSERT_EQ(layer.size(), table.rows.size());
  for (std::size_t i = 0; i < layer.size(); ++i) EXPECT_EQ(layer[i].at("hotspot_id"), table.rows[i].at("hotspot_id"));
}

TEST_F(SampleScanTest, GeoJsonIsLonLatInCsvOrder) {
  const nlohmann::json geojson = read_json(out() / "hotspots.geojson");
  EXPECT_EQ(geojson.at("type"), "FeatureCollection");
  const CsvTable table = read_csv_table(out() / "hotspots.csv");
  const auto& features = geojson.at("features");
  ASSERT_EQ(features.size(), table.rows.size());
  for (std::size_t i = 0; i < features.size(); ++i) {
    const auto& feature = features[i];
    ASSERT_EQ(feature.at("properties").at("hotspot_id"), table.rows[i].at("hotspot_id")) << i;
    const auto& geometry = feature.at("geometry");
    const std::string type = geometry.at("type");
    ASSERT_TRUE(type == "Polygon" || type == "MultiPolygon") << type;
    const auto& ring = type == "Polygon" ? geometry.at("coordinates")[0] : geometry.at("coordinates")[0][0];
    for (const auto& point : ring) {
      const double lon = point[0], lat = point[1];
      ASSERT_TRUE(lon > 106.26 && lon < 106.33 && lat > 29.37 && lat < 29.46) << "not lon/lat: " << point;
    }
  }
}

TEST_F(SampleScanTest, EveryHotspotBelongsToAControlUnit) {
  std::set<std::string> input_codes;
  for (const auto& unit : read_layer(kSampleDir / "units.gpkg", "units")) input_codes.insert(unit.at("unit_code"));
  ASSERT_EQ(input_codes.size(), 13u);
  std::set<std::string> output_codes;
  for (const auto& unit : read_layer(out() / "alerts.gpkg", "units")) output_codes.insert(unit.at("code"));
  EXPECT_EQ(output_codes, input_codes);

  for (const auto& row : read_csv_table(out() / "hotspots.csv").rows) {
    EXPECT_EQ(input_codes.count(row.at("unit_code")), 1u) << row.at("hotspot_id");
    EXPECT_TRUE(row.at("hotspot_id").starts_with(row.at("unit_code") + "-201804-")) << row.at("hotspot_id");
    // Centroids inside the sample's footprint (106.27-106.32 E, 29.38-29.45 N).
    const double lon = std::stod(row.at("lon_wgs84")), lat = std::stod(row.at("lat_wgs84"));
    EXPECT_TRUE(lon > 106.26 && lon < 106.33 && lat > 29.37 && lat < 29.46) << row.at("hotspot_id");
  }
}

TEST_F(SampleScanTest, ChangeMapLiesOnTheUtmGridWithKnownClasses) {
  const Raster change = read_raster(out() / "change.tif");
  EXPECT_EQ(change.epsg, "32648");
  EXPECT_DOUBLE_EQ(change.geotransform[1], 10.0);
  EXPECT_DOUBLE_EQ(change.geotransform[5], -10.0);
  EXPECT_DOUBLE_EQ(change.geotransform[2], 0.0);
  EXPECT_DOUBLE_EQ(change.geotransform[4], 0.0);
  // Snapped to multiples of the resolution.
  EXPECT_DOUBLE_EQ(std::fmod(change.geotransform[0], 10.0), 0.0);
  EXPECT_DOUBLE_EQ(std::fmod(change.geotransform[3], 10.0), 0.0);

  const nlohmann::json run = run_json();
  EXPECT_EQ(change.width, run.at("grid").at("width"));
  EXPECT_EQ(change.height, run.at("grid").at("height"));
  // About 5 x 7.8 km at 10 m.
  EXPECT_NEAR(change.width, 520, 30);
  EXPECT_NEAR(change.height, 790, 30);

  std::map<int, long long> histogram;
  for (double v : change.values) ++histogram[static_cast<int>(v)];
  for (const auto& [value, count] : histogram) {
    EXPECT_TRUE((value >= 0 && value < kernels::kChangeTypeCount) || value == 255)
        << "value " << value << " x" << count;
  }
  const nlohmann::json counts = run.at("counts");
  EXPECT_EQ(counts.at("pixels").get<long long>(), static_cast<long long>(change.values.size()));
  EXPECT_EQ(counts.at("valid_pixels").get<long long>(), static_cast<long long>(change.values.size()) - histogram[255]);
  for (int t = 1; t < kernels::kChangeTypeCount; ++t) {
    const std::string name(kernels::to_string(static_cast<kernels::ChangeType>(t)));
    EXPECT_EQ(counts.at("changed_pixels").at(name).get<long long>(), histogram[t]) << name;
  }
  EXPECT_GT(histogram[0], histogram[1] + histogram[2] + histogram[3] + histogram[4] + histogram[5])
      << "most of the scene is unchanged";

  Dataset ds = open_dataset(out() / "change.tif", GDAL_OF_RASTER | GDAL_OF_READONLY);
  ASSERT_TRUE(ds);
  int has_nodata = 0;
  EXPECT_EQ(ds->GetRasterBand(1)->GetNoDataValue(&has_nodata), 255.0);
  EXPECT_TRUE(has_nodata);
  EXPECT_EQ(ds->GetRasterBand(1)->GetRasterDataType(), GDT_Byte);
}

TEST_F(SampleScanTest, VersionFlagMatchesRunJson) {
  const RunResult version = run_zonewatch({"--version"}, *suite_root_);
  EXPECT_EQ(version.exit_code, 0) << version;
  EXPECT_NE(version.out.find(kVersion), std::string::npos) << version;
}

// ---------------------------------------------------------------------------------------
// The same scan with no config file: every key on the command line.

/// Dotted key -> YAML text of every leaf of `node`.
void flatten(const YAML::Node& node, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      const std::string key = entry.first.as<std::string>();
      flatten(entry.second, prefix.empty() ? key : prefix + "." + key, out);
    }
    return;
  }
  if (node.IsSequence()) {
    YAML::Emitter emitter;
    emitter << YAML::Flow << node;
    out.emplace_back(prefix, emitter.c_str());
    return;
  }
  out.emplace_back(prefix, node.IsNull() ? std::string("~") : node.as<std::string>());
}

TEST_F(SampleScanTest, EveryKeyOnTheCommandLineGivesTheSameResult) {
  const fs::path root = *suite_root_ / "command-line";
  fs::create_directories(root);
  const fs::path cli_out = root / "out";
  std::vector<std::pair<std::string, std::string>> keys;
  flatten(sample_config(cli_out), "", keys);
  ASSERT_GT(keys.size(), 40u);

  const std::map<std::string, std::string> dedicated{{"before.path", "--before"},
                                                     {"before.date", "--before-date"},
                                                     {"before.sensor", "--before-sensor"},
                                                     {"after.path", "--after"},
                                                     {"after.date", "--after-date"},
                                                     {"after.sensor", "--after-sensor"},
                                                     {"units.path", "--units"},
                                                     {"units.layer", "--units-layer"},
                                                     {"grid.crs", "--grid-crs"},
                                                     {"grid.resolution", "--grid-resolution"},
                                                     {"detection.threshold.method", "--threshold-method"},
                                                     {"detection.threshold.value", "--threshold"},
                                                     {"detection.min_mapping_unit_m2", "--min-mapping-unit"},
                                                     {"processing.memory_mb", "--memory-mb"},
                                                     {"processing.tile_size", "--tile-size"},
                                                     {"output.dir", "--out"}};
  std::vector<std::string> args{"scan", "--no-progress"};
  std::size_t flags = 0;
  for (const auto& [key, value] : keys) {
    if (const auto it = dedicated.find(key); it != dedicated.end()) {
      args.insert(args.end(), {it->second, value});
      ++flags;
    } else {
      args.insert(args.end(), {"--set", key + "=" + value});
    }
  }
  EXPECT_EQ(flags, dedicated.size()) << "every dedicated flag is exercised";
  const RunResult cli = run_zonewatch(args, root);
  ASSERT_EQ(cli.exit_code, 0) << cli;

  EXPECT_EQ(read_bytes(cli_out / "hotspots.csv"), read_bytes(out() / "hotspots.csv"));
  const Raster a = read_raster(out() / "change.tif"), b = read_raster(cli_out / "change.tif");
  EXPECT_EQ(a.geotransform, b.geotransform);
  EXPECT_TRUE(a.values == b.values) << "change maps differ";
  EXPECT_EQ(read_layer(cli_out / "alerts.gpkg", "units", true), read_layer(out() / "alerts.gpkg", "units", true));
  EXPECT_EQ(read_layer(cli_out / "alerts.gpkg", "hotspots", true), read_layer(out() / "alerts.gpkg", "hotspots", true));

  nlohmann::json file_config = run_json().at("config"), cli_config = read_json(cli_out / "run.json").at("config");
  EXPECT_EQ(cli_config.at("output").at("dir"), cli_out.string());
  file_config.erase("output");
  cli_config.erase("output");
  EXPECT_EQ(cli_config, file_config) << "effective configurations differ:\n"
                                     << nlohmann::json::diff(file_config, cli_config).dump(1);
  EXPECT_EQ(read_json(cli_out / "run.json").at("counts"), run_json().at("counts"));
}

// Inputs may be any path GDAL opens: both scene folders and the units inside one zip archive
// give the same results, and run.json hashes the archive members' bytes.
TEST_F(SampleScanTest, InputsInsideAZipArchive) {
  const fs::path root = *suite_root_ / "zip";
  fs::create_directories(root);
  const std::string zip = "/vsizip/" + (root / "inputs.zip").string();
  const auto add = [&](const fs::path& file, const std::string& member) {
    const std::string bytes = read_bytes(file);
    VSILFILE* out_file = VSIFOpenL((zip + "/" + member).c_str(), "wb");
    ASSERT_NE(out_file, nullptr) << member;
    ASSERT_EQ(VSIFWriteL(bytes.data(), 1, bytes.size(), out_file), bytes.size());
    VSIFCloseL(out_file);
  };
  for (const char* scene : {"before", "after"}) {
    for (const auto& entry : fs::directory_iterator(kSampleDir / scene)) {
      add(entry.path(), std::string(scene) + "/" + entry.path().filename().string());
    }
  }
  add(kSampleDir / "units.gpkg", "units/units.gpkg");

  const fs::path zip_out = root / "out";
  YAML::Node config = sample_config(zip_out);
  config["before"]["path"] = zip + "/before";
  config["after"]["path"] = zip + "/after";
  config["units"]["path"] = zip + "/units/units.gpkg";
  const RunResult result = scan(write_config(config, root / "zip.yaml"), root);
  ASSERT_EQ(result.exit_code, 0) << result;
  EXPECT_EQ(read_bytes(zip_out / "hotspots.csv"), read_bytes(out() / "hotspots.csv"));
  EXPECT_TRUE(read_raster(zip_out / "change.tif").values == read_raster(out() / "change.tif").values);

  const nlohmann::json inputs = read_json(zip_out / "run.json").at("inputs");
  const nlohmann::json plain = run_json().at("inputs");
  for (const char* scene : {"before", "after"}) {
    ASSERT_EQ(inputs.at(scene).at("files").size(), plain.at(scene).at("files").size());
    for (std::size_t i = 0; i < plain.at(scene).at("files").size(); ++i) {
      const auto& member = inputs.at(scene).at("files")[i];
      const auto& file = plain.at(scene).at("files")[i];
      EXPECT_TRUE(member.at("path").get<std::string>().starts_with(zip + "/")) << member;
      EXPECT_EQ(member.at("sha256"), file.at("sha256")) << member;
      EXPECT_EQ(member.at("bytes"), file.at("bytes")) << member;
    }
  }
  EXPECT_EQ(inputs.at("units").at("sha256"), plain.at("units").at("sha256"));
}

// ---------------------------------------------------------------------------------------
// A run killed half way leaves hidden staging and work folders; the next run removes them.

class KilledRunTest : public TempFolderTest {};

TEST_F(KilledRunTest, NextRunRemovesTheLeftoversOfAKilledRun) {
  const fs::path out = root_ / "out";
  // Small tiles make the run slow enough to be caught with its folders in place.
  const fs::path config = write_config(sample_config(out), root_ / "sample.yaml");
  const pid_t pid = spawn_zonewatch({"scan", "--no-progress", "--config", config.string(), "--tile-size", "64"});
  ASSERT_GT(pid, 0);
  bool caught = false;
  for (int i = 0; i < 20000 && !caught; ++i) {
    // Caught once the work folder holds the spill file, i.e. detection is under way.
    for (const auto& name : leftover_folders(out)) {
      std::error_code ec;
      for (fs::directory_iterator it(out / name, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().filename() == "classes-labels.spill") caught = true;
      }
    }
    if (!caught) ::usleep(500);
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(caught) << "the scan finished before it could be killed";
  ASSERT_TRUE(WIFSIGNALED(status));
  const auto left = leftover_folders(out);
  ASSERT_GE(left.size(), 2u) << "staging and work folders of the killed run: " << ::testing::PrintToString(left);
  for (const auto& name : kOutputs) EXPECT_FALSE(fs::exists(out / name)) << name << " visible after a killed run";

  // The sweep leaves folders younger than the sweeping process, whose start time it knows to
  // the second only (/proc btime): a run killed within that second is swept by the run after.
  ::usleep(1'200'000);
  const RunResult next = scan(config, root_);
  ASSERT_EQ(next.exit_code, 0) << next;
  EXPECT_TRUE(leftover_folders(out).empty()) << ::testing::PrintToString(entry_names(out));
  for (const auto& name : kOutputs) EXPECT_TRUE(fs::exists(out / name)) << name;
}

}  // namespace
}  // namespace zw::e2e
