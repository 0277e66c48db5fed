// The scan config's water_quality section: off unless written, the defaults (priority units
// stricter), rules per unit type and index, and every error naming its key.
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
using kernels::WaterIndex;

constexpr const char* kScan = R"(
before: {path: scenes/2017, date: 2017-04-14, sensor: sentinel2-l1c}
after: {path: scenes/2018, date: 2018-04-02, sensor: sentinel2-l1c}
units: {path: units.gpkg}
output: {dir: results}
)";

class ConfigWaterQualityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device device;
    root_ = fs::temp_directory_path() /
            ("zonewatch-config-water-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  ScanConfig load(const std::string& section, const std::vector<std::string>& overrides = {}) {
    const fs::path path = root_ / "scan.yaml";
    std::ofstream(path) << kScan << section;
    return load_scan_config(path, overrides);
  }
  void expect_error(const std::string& section, const std::vector<std::string>& parts) {
    try {
      (void)load(section);
      ADD_FAILURE() << "no ConfigError for:\n" << section;
    } catch (const ConfigError& e) {
      for (const auto& part : parts) {
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << "'" << part << "' not in: " << e.what();
      }
    }
  }
  fs::path root_;
};

const kernels::DepartureRule& rule(const ScanConfig& c, UnitType type, WaterIndex index) {
  return c.water_quality.rules[static_cast<int>(type)].indices[static_cast<int>(index)];
}

TEST_F(ConfigWaterQualityTest, AbsentSectionIsOffAndLeavesTheResolvedConfigAlone) {
  const ScanConfig c = load("");
  EXPECT_FALSE(c.water_quality.enabled);
  EXPECT_FALSE(c.resolved.contains("water_quality"));
  // --set turns it on with the defaults.
  const ScanConfig on = load("", {"water_quality.enabled=true"});
  EXPECT_TRUE(on.water_quality.enabled);
  EXPECT_TRUE(on.resolved.contains("water_quality"));
}

TEST_F(ConfigWaterQualityTest, DefaultsAreStricterForPriorityUnits) {
  const ScanConfig c = load("water_quality: {}\n");
  EXPECT_TRUE(c.water_quality.enabled);
  EXPECT_EQ(c.water_quality.indices.size(), 4u);
  EXPECT_DOUBLE_EQ(c.water_quality.threshold_min, -0.1);
  EXPECT_DOUBLE_EQ(c.water_quality.threshold_max, 0.3);
  EXPECT_DOUBLE_EQ(c.water_quality.min_body_area_m2, 10000.0);
  EXPECT_DOUBLE_EQ(rule(c, UnitType::priority, WaterIndex::ndti).k, 2.0);
  EXPECT_DOUBLE_EQ(rule(c, UnitType::general, WaterIndex::ndti).k, 3.0);
  EXPECT_DOUBLE_EQ(rule(c, UnitType::key, WaterIndex::fai).min_spread, 0.005);
  EXPECT_FALSE(rule(c, UnitType::key, WaterIndex::boi).limit.has_value());
  EXPECT_DOUBLE_EQ(c.water_quality.rules[static_cast<int>(UnitType::priority)].min_affected_area_m2, 500.0);
  EXPECT_DOUBLE_EQ(c.water_quality.rules[static_cast<int>(UnitType::general)].min_affected_area_m2, 1000.0);
  EXPECT_EQ(c.resolved.at("water_quality").at("rules").at("priority").at("ndti").at("k"), 2.0);
}

TEST_F(ConfigWaterQualityTest, RulesPerUnitTypeAndIndex) {
  const ScanConfig c = load(R"(water_quality:
  enabled: true
  threshold: {min: 0.0, max: 0.2, fallback: 0.1}
  min_body_area_m2: 5000
  indices: [ndti, BOI]
  rules:
    priority: {min_affected_area_m2: 200, ndci: {k: 1.5, limit: 0.1}}
    general: {boi: {limit: 0.065}}
)");
  EXPECT_DOUBLE_EQ(c.water_quality.threshold_fallback, 0.1);
  EXPECT_DOUBLE_EQ(c.water_quality.min_body_area_m2, 5000.0);
  EXPECT_EQ(c.water_quality.indices, (std::vector<WaterIndex>{WaterIndex::ndti, WaterIndex::boi}));
  EXPECT_TRUE(c.water_quality.computes(WaterIndex::boi));
  EXPECT_FALSE(c.water_quality.computes(WaterIndex::fai));
  EXPECT_DOUBLE_EQ(rule(c, UnitType::priority, WaterIndex::ndci).k, 1.5);
  EXPECT_EQ(rule(c, UnitType::priority, WaterIndex::ndci).limit, 0.1);
  EXPECT_DOUBLE_EQ(rule(c, UnitType::priority, WaterIndex::ndti).k, 2.0);  // default kept
  EXPECT_EQ(rule(c, UnitType::general, WaterIndex::boi).limit, 0.065);
  EXPECT_DOUBLE_EQ(c.water_quality.rules[static_cast<int>(UnitType::priority)].min_affected_area_m2, 200.0);
  EXPECT_FALSE(load("water_quality: {enabled: false}\n").water_quality.enabled);
}

TEST_F(ConfigWaterQualityTest, BadValuesNameTheirKey) {
  expect_error("water_quality: {indices: [ndti, turbidity]}\n", {"water_quality.indices", "turbidity", "ndci"});
  expect_error("water_quality: {indices: []}\n", {"water_quality.indices", "lists no index"});
  expect_error("water_quality: {threshold: {min: 0.3, max: 0.1}}\n", {"water_quality.threshold.max"});
  expect_error("water_quality: {threshold: {fallback: 0.5}}\n", {"water_quality.threshold.fallback"});
  expect_error("water_quality: {min_body_area_m2: -1}\n", {"water_quality.min_body_area_m2"});
  expect_error("water_quality: {rules: {key: {ndti: {k: -2}}}}\n", {"water_quality.rules.key.ndti.k"});
  expect_error("water_quality: {rules: {reserve: {}}}\n", {"water_quality.rules", "reserve"});
  expect_error("water_quality: {rules: {general: {ndti: {limt: 0.1}}}}\n", {"limt"});
  expect_error("water_quality: {threshhold: {min: 0}}\n", {"threshhold"});
}

}  // namespace
}  // namespace zw
