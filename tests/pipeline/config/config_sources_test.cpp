// The scan config's sources section: registries keyed by name, the river network, defaults,
// paths resolved against the config's folder, and every error naming its key.
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

class ConfigSourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device device;
    root_ = fs::temp_directory_path() /
            ("zonewatch-config-sources-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  ScanConfig load(const std::string& sources) {
    const fs::path path = root_ / "scan.yaml";
    std::ofstream(path) << kScan << sources;
    return load_scan_config(path, {});
  }
  void expect_error(const std::string& sources, const std::vector<std::string>& parts) {
    try {
      (void)load(sources);
      ADD_FAILURE() << "no ConfigError for:\n" << sources;
    } catch (const ConfigError& e) {
      for (const auto& part : parts) {
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << "'" << part << "' not in: " << e.what();
      }
    }
  }
  fs::path root_;
};

constexpr const char* kTwoRegistries = R"(
sources:
  registries:
    permits:
      kind: enterprise
      path: registry/permits.gpkg
      layer: permits
      id_field: permit_no
      name_field: name
      fields: [industry, pollutants]
      max_distance_m: 3000
      max_sites: 2
    outfalls:
      kind: outfall
      path: /data/outfalls.shp
      id_field: code
  river_network:
    path: rivers.gpkg
    direction: upstream
    node_tolerance_m: 2
    snap_distance_m: 300
)";

TEST_F(ConfigSourcesTest, AbsentSectionIsOffAndLeavesTheResolvedConfigAlone) {
  const ScanConfig c = load("");
  EXPECT_FALSE(c.sources.enabled());
  EXPECT_FALSE(c.resolved.contains("sources"));
}

TEST_F(ConfigSourcesTest, ReadsRegistriesInKeyOrderWithDefaultsAndResolvedPaths) {
  const ScanConfig c = load(kTwoRegistries);
  ASSERT_TRUE(c.sources.enabled());
  ASSERT_EQ(c.sources.registries.size(), 2u);
  const RegistryOptions& permits = c.sources.registries[0];
  EXPECT_EQ(permits.name, "permits");
  EXPECT_EQ(permits.kind, RegistryKind::enterprise);
  EXPECT_EQ(permits.path, (root_ / "registry/permits.gpkg").lexically_normal().string());
  EXPECT_EQ(permits.layer, "permits");
  EXPECT_EQ(permits.id_field, "permit_no");
  EXPECT_EQ(permits.name_field, "name");
  EXPECT_EQ(permits.fields, (std::vector<std::string>{"industry", "pollutants"}));
  EXPECT_EQ(permits.max_distance_m, 3000.0);
  EXPECT_EQ(permits.max_sites, 2);
  const RegistryOptions& outfalls = c.sources.registries[1];
  EXPECT_EQ(outfalls.kind, RegistryKind::outfall);
  EXPECT_EQ(outfalls.path, "/data/outfalls.shp");
  EXPECT_EQ(outfalls.name_field, "");
  EXPECT_EQ(outfalls.max_distance_m, 2000.0);
  EXPECT_EQ(outfalls.max_sites, 3);
  EXPECT_TRUE(c.sources.river_network.enabled());
  EXPECT_EQ(c.sources.river_network.direction, "upstream");
  EXPECT_EQ(c.sources.river_network.node_tolerance_m, 2.0);
  EXPECT_EQ(c.sources.river_network.snap_distance_m, 300.0);
  const auto& resolved = c.resolved.at("sources");
  EXPECT_EQ(resolved.at("registries").at("permits").at("kind"), "enterprise");
  EXPECT_EQ(resolved.at("registries").at("outfalls").at("max_sites"), 3);
  EXPECT_EQ(resolved.at("river_network").at("direction"), "upstream");
}

TEST_F(ConfigSourcesTest, UnknownKeysAreNamedWithASuggestion) {
  expect_error(
      "sources:\n  registries:\n    permits: {kind: enterprise, path: p.gpkg, id_field: id, max_distanse_m: 5}\n",
      {"unknown key 'sources.registries.permits.max_distanse_m'", "did you mean",
       "sources.registries.permits.max_distance_m"});
  expect_error("sources:\n  registrys: {}\n", {"unknown key 'sources.registrys'"});
  expect_error(
      "sources:\n  registries:\n    p: {kind: mine, path: p.gpkg, id_field: id}\n  river_network: {path: r.gpkg, "
      "tolerance: 3}\n",
      {"unknown key 'sources.river_network.tolerance'"});
}

TEST_F(ConfigSourcesTest, MissingOrEmptyPathIsNamed) {
  expect_error("sources:\n  registries:\n    permits: {kind: enterprise, id_field: id}\n",
               {"key 'sources.registries.permits.path' is required"});
  expect_error("sources:\n  registries:\n    permits: {kind: enterprise, path: '', id_field: id}\n",
               {"key 'sources.registries.permits.path' must not be empty"});
  expect_error(
      "sources:\n  registries:\n    p: {kind: mine, path: p.gpkg, id_field: id}\n  river_network: {layer: rivers}\n",
      {"key 'sources.river_network.path' is required"});
}

TEST_F(ConfigSourcesTest, BadDistancesAndLimitsAreNamed) {
  expect_error(
      "sources:\n  registries:\n    permits: {kind: enterprise, path: p.gpkg, id_field: id, max_distance_m: -5}\n",
      {"key 'sources.registries.permits.max_distance_m' must be between"});
  expect_error(
      "sources:\n  registries:\n    permits: {kind: enterprise, path: p.gpkg, id_field: id, max_distance_m: far}\n",
      {"key 'sources.registries.permits.max_distance_m' must be a number, got 'far'"});
  expect_error("sources:\n  registries:\n    permits: {kind: enterprise, path: p.gpkg, id_field: id, max_sites: 0}\n",
               {"key 'sources.registries.permits.max_sites' must be between"});
  expect_error(
      "sources:\n  registries:\n    p: {kind: mine, path: p.gpkg, id_field: id}\n  river_network: {path: r.gpkg, "
      "snap_distance_m: -1}\n",
      {"key 'sources.river_network.snap_distance_m' must be between"});
}

TEST_F(ConfigSourcesTest, KindIdFieldAndDirectionAreChecked) {
  expect_error("sources:\n  registries:\n    permits: {kind: factory, path: p.gpkg, id_field: id}\n",
               {"key 'sources.registries.permits.kind': 'factory' is not a registry kind",
                "enterprise, outfall, mine, construction, other"});
  expect_error("sources:\n  registries:\n    permits: {path: p.gpkg, id_field: id}\n",
               {"key 'sources.registries.permits.kind' is required"});
  expect_error("sources:\n  registries:\n    permits: {kind: mine, path: p.gpkg}\n",
               {"key 'sources.registries.permits.id_field' is required"});
  expect_error(
      "sources:\n  registries:\n    p: {kind: mine, path: p.gpkg, id_field: id}\n  river_network: {path: r.gpkg, "
      "direction: north}\n",
      {"key 'sources.river_network.direction': 'north'", "downstream"});
}

TEST_F(ConfigSourcesTest, ARiverNetworkWithoutRegistriesOrAListIsRefused) {
  expect_error("sources:\n  river_network: {path: r.gpkg}\n", {"key 'sources.registries' must list at least one"});
  expect_error("sources:\n  registries:\n    - {kind: mine, path: p.gpkg, id_field: id}\n",
               {"key 'sources.registries' must be a mapping"});
}

TEST_F(ConfigSourcesTest, EvalAcceptsAScanConfigWithSources) {
  const fs::path path = root_ / "scan.yaml";
  std::ofstream(path) << kScan << kTwoRegistries;
  EXPECT_NO_THROW((void)load_detection_options(path, {}));
}

}  // namespace
}  // namespace zw
