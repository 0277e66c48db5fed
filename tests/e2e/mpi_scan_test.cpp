// End to end: `mpirun -n N zonewatch scan` writes what the plain binary writes. Ranks split
// the detection tiles (grid/tile_distribution.hpp) and rank 0 merges them in tile order, so
// the alerts (features, attributes, geometry), hotspots.csv/.geojson, change.tif pixels,
// run.json (timings and the finishing time aside) and the monitoring store are identical for
// N = 1, 2, 3 and without mpirun, on the sample and on a synthetic multi-tile scene whose
// changed blocks cross tile seams (so patches span tiles computed by different ranks).
// Skips where mpirun is absent or the binary was built without MPI.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cbers_season.hpp"
#include "e2e_support.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

/// mpirun on PATH, or "" when there is none.
fs::path find_mpirun() {
  const char* path = std::getenv("PATH");
  std::stringstream folders(path != nullptr ? path : "");
  for (std::string folder; std::getline(folders, folder, ':');) {
    const fs::path candidate = fs::path(folder) / "mpirun";
    if (!folder.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

/// When a scan ran, as the store and the GeoPackages record it; everything else is a function
/// of the inputs. Fields by name, and store_meta's created_utc row.
const std::set<std::string> kTimeFields{"status_since", "ingested_utc", "at_utc", "update_time"};

/// The layers of a GeoPackage, every feature with its geometry and attributes as text,
/// without the times in kTimeFields.
std::map<std::string, std::vector<std::map<std::string, std::string>>> read_all_layers(const fs::path& gpkg) {
  std::map<std::string, std::vector<std::map<std::string, std::string>>> layers;
  std::vector<std::string> names;
  {
    Dataset ds = open_dataset(gpkg, GDAL_OF_VECTOR | GDAL_OF_READONLY);
    if (!ds) {
      ADD_FAILURE() << gpkg << ": cannot be opened";
      return layers;
    }
    for (int i = 0; i < ds->GetLayerCount(); ++i) names.emplace_back(ds->GetLayer(i)->GetName());
  }
  EXPECT_FALSE(names.empty()) << gpkg;
  for (const auto& name : names) {
    auto features = read_layer(gpkg, name, true);
    for (auto& feature : features) {
      for (const auto& field : kTimeFields) feature.erase(field);
      if (name == "store_meta" && feature["key"] == "created_utc") feature.erase("value");
    }
    layers[name] = std::move(features);
  }
  return layers;
}

/// Every layer, feature, attribute and geometry of two GeoPackages agree (times aside); the
/// first difference is reported.
void expect_same_layers(const fs::path& reference, const fs::path& other) {
  const auto a = read_all_layers(reference), b = read_all_layers(other);
  ASSERT_EQ(a.size(), b.size()) << other.filename() << ": layer count";
  for (const auto& [name, features] : a) {
    ASSERT_TRUE(b.contains(name)) << other.filename() << ": no layer " << name;
    const auto& others = b.at(name);
    ASSERT_EQ(features.size(), others.size()) << other.filename() << " layer " << name << ": feature count";
    for (std::size_t i = 0; i < features.size(); ++i) {
      for (const auto& [field, value] : features[i]) {
        const auto it = others[i].find(field);
        ASSERT_TRUE(it != others[i].end() && it->second == value)
            << other.filename() << " layer " << name << " feature " << i << " field " << field << ": " << value
            << " vs " << (it == others[i].end() ? "<missing>" : it->second);
      }
      ASSERT_EQ(features[i].size(), others[i].size()) << other.filename() << " layer " << name << " feature " << i;
    }
  }
}

/// run.json without what differs between two runs of the same scan: the finishing time and
/// the timings (the scan's and the composites').
nlohmann::json comparable_run(const fs::path& out) {
  nlohmann::json run = read_json(out / "run.json");
  run.erase("finished_utc");
  run.erase("timings_s");
  if (run.contains("composites")) {
    for (auto& [side, composite] : run["composites"].items()) composite.erase("seconds");
  }
  return run;
}

class MpiScanTest : public TempFolderTest {
 protected:
  void SetUp() override {
    TempFolderTest::SetUp();
    mpirun_ = find_mpirun();
    if (mpirun_.empty()) GTEST_SKIP() << "mpirun is not on PATH (Debian: apt-get install openmpi-bin)";
    const RunResult version = run_zonewatch({"--version"}, root_);
    ASSERT_EQ(version.exit_code, 0) << version;
    if (version.out.find("MPI: yes") == std::string::npos) {
      GTEST_SKIP() << "zonewatch was built without MPI (--version says: " << version.out
                   << "); install libopenmpi-dev and reconfigure";
    }
    // The container runs as root; Open MPI refuses that unless told. Single-copy (CMA) needs
    // ptrace rights a container may lack: plain shared memory is enough here.
    ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
    ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
    ::setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
  }

  /// `zonewatch scan --config config --tile-size tile --store <root>/store.gpkg`, plainly
  /// (ranks 0) or under `mpirun --oversubscribe -n ranks`; the outputs and the store end up
  /// in <root>/runs/<label> (the output folder and the store path are the same for every run,
  /// since run.json and the store record them).
  fs::path run_scan(const fs::path& config, int tile, int ranks) {
    const std::string label = ranks == 0 ? "plain" : "n" + std::to_string(ranks);
    const fs::path out = root_ / "out", store = root_ / "store.gpkg";
    std::vector<std::string> args;
    if (ranks > 0) {
      args = {mpirun_.string(), "--oversubscribe", "--timeout", "500", "-n", std::to_string(ranks)};
    }
    for (const std::string& a :
         {kBinary.string(), std::string("scan"), std::string("--no-progress"), std::string("--config"), config.string(),
          std::string("--tile-size"), std::to_string(tile), std::string("--store"), store.string()}) {
      args.push_back(a);
    }
    const RunResult result = run_program(args, root_);
    EXPECT_EQ(result.exit_code, 0) << label << ": " << result;
    last_log_ = result.err;
    const fs::path kept = root_ / "runs" / label;
    fs::create_directories(kept.parent_path());
    fs::rename(out, kept);
    fs::rename(store, kept / "store.gpkg");
    EXPECT_TRUE(leftover_folders(root_).empty()) << label << ": " << ::testing::PrintToString(entry_names(root_));
    return kept;
  }

  static void expect_identical(const fs::path& reference, const fs::path& other) {
    SCOPED_TRACE(other.filename().string() + " vs " + reference.filename().string());
    expect_same_raster(reference / "change.tif", other / "change.tif");
    EXPECT_TRUE(read_bytes(reference / "hotspots.csv") == read_bytes(other / "hotspots.csv")) << "hotspots.csv differs";
    EXPECT_TRUE(read_bytes(reference / "hotspots.geojson") == read_bytes(other / "hotspots.geojson"))
        << "hotspots.geojson differs";
    expect_same_layers(reference / "alerts.gpkg", other / "alerts.gpkg");
    const nlohmann::json run_diff = nlohmann::json::diff(comparable_run(reference), comparable_run(other));
    EXPECT_TRUE(run_diff.empty()) << "run.json differs: " << run_diff.dump();
    expect_same_layers(reference / "store.gpkg", other / "store.gpkg");
  }

  /// The plain binary's scan against mpirun -n 1, 2 and 3.
  void expect_same_for_every_rank_count(const fs::path& config, int tile) {
    const fs::path plain = run_scan(config, tile, 0);
    const nlohmann::json run = read_json(plain / "run.json");
    EXPECT_GE(run.at("detection").at("tiles").at("count").get<int>(), 6) << "several tiles per rank";
    EXPECT_GT(run.at("counts").at("hotspots").get<int>(), 0) << "something to compare";
    for (int ranks : {1, 2, 3}) {
      expect_identical(plain, run_scan(config, tile, ranks));
      if (ranks > 1) {
        EXPECT_NE(last_log_.find("distributed over " + std::to_string(ranks) + " ranks"), std::string::npos)
            << ranks << " ranks: the tiles were not distributed\n"
            << last_log_;
      }
    }
  }

  fs::path mpirun_;
  std::string last_log_;  // stderr of the last run_scan
};

TEST_F(MpiScanTest, SampleGivesIdenticalOutputsForOneTwoAndThreeRanks) {
  const fs::path config = write_config(sample_config(root_ / "out"), root_ / "sample.yaml");
  expect_same_for_every_rank_count(config, 128);  // 5 x 7 tiles
}

TEST_F(MpiScanTest, WaterQualityAndDumpingGiveIdenticalOutputsOnEveryRankCount) {
  // Every rank runs the water-quality stage over the whole scene (it judges water bodies,
  // not tiles) and rank 0 writes what it found; the dumping rule's texture needs a halo.
  YAML::Node config = sample_config(root_ / "out");
  config["water_quality"]["enabled"] = true;
  YAML::Node order;
  for (const char* type :
       {"water_loss", "water_gain", "blue_roof", "mining", "dumping", "construction", "vegetation_loss"}) {
    order.push_back(type);
  }
  config["detection"]["typing"]["order"] = order;
  const fs::path path = write_config(config, root_ / "sample-water.yaml");
  expect_same_for_every_rank_count(path, 128);
  const nlohmann::json run = read_json(root_ / "runs" / "plain" / "run.json");
  ASSERT_TRUE(run.contains("water_quality")) << "the stage did not run";
  EXPECT_GT(run.at("water_quality").at("bodies").get<int>(), 0) << "no water body to compare";
}

/// A four-band Sentinel-2 stack (sentinel2-stack-4band), `size` px square at 10 m in UTM 50N,
/// vegetation with seeded noise; `cleared` blocks (col, row, width, height) become bare soil.
void write_stack(const fs::path& path, int size, unsigned seed, const std::vector<std::array<int, 4>>& cleared) {
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GTiff");
  Dataset ds(driver->Create(path.c_str(), size, size, 4, GDT_UInt16, nullptr));
  ASSERT_TRUE(ds) << path;
  const double gt[6] = {500000.0, 10.0, 0.0, 3400000.0, 0.0, -10.0};
  ds->SetGeoTransform(const_cast<double*>(gt));
  OGRSpatialReference srs;
  srs.importFromEPSG(32650);
  ds->SetSpatialRef(&srs);
  const std::array<double, 4> vegetation{400, 700, 500, 3000}, soil{2200, 2400, 2800, 3400};
  std::mt19937 random(seed);
  std::normal_distribution<double> noise(0.0, 40.0);
  for (int band = 0; band < 4; ++band) {
    std::vector<std::uint16_t> values(static_cast<std::size_t>(size) * size);
    for (int y = 0; y < size; ++y) {
      for (int x = 0; x < size; ++x) {
        bool bare = false;
        for (const auto& [c, r, w, h] : cleared) bare = bare || (x >= c && x < c + w && y >= r && y < r + h);
        // A gentle gradient keeps the scene from being one class.
        const double base = (bare ? soil : vegetation)[static_cast<std::size_t>(band)] * (0.97 + 0.06 * x / size);
        values[static_cast<std::size_t>(y) * size + x] =
            static_cast<std::uint16_t>(std::clamp(base + noise(random), 1.0, 10000.0));
      }
    }
    ASSERT_EQ(ds->GetRasterBand(band + 1)->RasterIO(GF_Write, 0, 0, size, size, values.data(), size, size, GDT_UInt16,
                                                    0, 0, nullptr),
              CE_None);
    ds->GetRasterBand(band + 1)->SetNoDataValue(0);
  }
}

TEST_F(MpiScanTest, SyntheticSceneWithPatchesAcrossTileSeamsGivesIdenticalOutputs) {
  constexpr int kSize = 320, kTile = 64;  // 5 x 5 tiles: every rank count splits seams
  const fs::path before = root_ / "before.tif", after = root_ / "after.tif";
  write_stack(before, kSize, 1, {});
  // Blocks across seams at 64, 128, 192 and 256 px, one across a four-tile corner, one
  // inside a tile, one long strip across three tiles.
  write_stack(after, kSize, 2,
              {{50, 50, 30, 30}, {120, 100, 20, 100}, {180, 185, 90, 15}, {250, 250, 12, 12}, {200, 58, 16, 16}});
  OGRSpatialReference srs;
  srs.importFromEPSG(32650);
  write_rect_units(root_ / "units.gpkg", srs,
                   {{"U1", "west", "priority", "A", {500000, 3397000, 501600, 3400000}},
                    {"U2", "east", "general", "A", {501600, 3397000, 503200, 3400000}},
                    {"U3", "south", "key", "B", {500000, 3396800, 503200, 3398000}}});
  YAML::Node config = YAML::LoadFile(kSampleConfig.string());
  config["name"] = "synthetic-seams";
  config["before"]["path"] = before.string();
  config["before"]["date"] = "2024-05-01";
  config["before"]["sensor"] = "sentinel2-stack-4band";
  config["after"]["path"] = after.string();
  config["after"]["date"] = "2025-05-01";
  config["after"]["sensor"] = "sentinel2-stack-4band";
  config["units"]["path"] = (root_ / "units.gpkg").string();
  config["grid"]["crs"] = "EPSG:32650";
  config["rules"]["overrides"] = YAML::Node(YAML::NodeType::Map);
  config["output"]["dir"] = (root_ / "out").string();
  const fs::path path = write_config(config, root_ / "synthetic.yaml");
  expect_same_for_every_rank_count(path, kTile);
  // Each block is one hotspot of exactly its pixels, the ones across seams included (their
  // tiles were computed by different ranks and joined on rank 0).
  std::multiset<int> pixels;
  for (const auto& row : read_csv_table(root_ / "runs" / "plain" / "hotspots.csv").rows) {
    pixels.insert(std::stoi(row.at("pixel_count")));
  }
  EXPECT_EQ(pixels, (std::multiset<int>{30 * 30, 20 * 100, 90 * 15, 12 * 12, 16 * 16}));
}

TEST_F(MpiScanTest, PeriodSidesRunOnRankZeroAloneWithTheSameOutputs) {
  if (!cbers_present()) GTEST_SKIP() << "CBERS-4 AWFI season absent: " << kCbers;
  const fs::path config = cbers_season_config(root_, "median");
  YAML::Node node = YAML::LoadFile(config.string());
  node["output"]["dir"] = (root_ / "out").string();
  write_config(node, config);
  const fs::path plain = run_scan(config, 256, 0);
  const fs::path two = run_scan(config, 256, 2);
  EXPECT_NE(last_log_.find("composites are not distributed over ranks: rank 0 of 2 runs this scan alone"),
            std::string::npos)
      << last_log_;
  expect_identical(plain, two);
  for (const char* composite : {"composite_before.tif", "composite_after.tif"}) {
    EXPECT_EQ(read_raster(plain / composite).values, read_raster(two / composite).values) << composite;
  }
}

TEST_F(MpiScanTest, AnErrorOnAnyRankEndsEveryRankWithTheExitCodeOfThePlainBinary) {
  // A before scene that does not exist: input error (exit 3) on every rank.
  const fs::path config = write_config(sample_config(root_ / "out"), root_ / "sample.yaml");
  const RunResult plain = scan(config, root_, {"--before", (root_ / "missing").string()});
  ASSERT_EQ(plain.exit_code, 3) << plain;
  const RunResult ranks =
      run_program({mpirun_.string(), "--oversubscribe", "--timeout", "300", "-n", "2", kBinary.string(), "scan",
                   "--no-progress", "--config", config.string(), "--before", (root_ / "missing").string()},
                  root_);
  EXPECT_EQ(ranks.exit_code, 3) << ranks;
  EXPECT_NE(ranks.err.find((root_ / "missing").string()), std::string::npos) << ranks;
  EXPECT_FALSE(fs::exists(root_ / "out"));
}

}  // namespace
}  // namespace zw::e2e
