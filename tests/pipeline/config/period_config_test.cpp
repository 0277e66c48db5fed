// Config keys of periods, grid footprints and radiometric normalization: parsing, defaults,
// the resolved record, and every error naming its key.
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

class PeriodConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device device;
    root_ = fs::temp_directory_path() /
            ("zonewatch-period-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  ScanConfig load(const std::string& sides, const std::string& extra = "",
                  const std::vector<std::string>& overrides = {}) {
    const fs::path path = root_ / "scan.yaml";
    std::ofstream(path) << sides << "units: {path: units.gpkg}\noutput: {dir: out}\n" << extra;
    return load_scan_config(path, overrides);
  }

  void expect_error(const std::string& sides, const std::string& extra, const std::vector<std::string>& parts) {
    try {
      (void)load(sides, extra);
      ADD_FAILURE() << "no ConfigError for:\n" << sides << extra;
    } catch (const ConfigError& e) {
      for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
  }

  fs::path root_;
};

constexpr const char* kPeriods = R"(
before:
  period: 2024-06-01..2024-09-30
  sources: [s2, /data/catalog.csv]
  composite: max_ndvi
after:
  period: 2025-06-01..2025-09-30
  sources: s2
)";

TEST_F(PeriodConfigTest, PeriodsParseWithTheirDefaults) {
  const ScanConfig c = load(kPeriods);
  ASSERT_TRUE(c.before_period.enabled());
  EXPECT_EQ(c.before_period.first, "2024-06-01");
  EXPECT_EQ(c.before_period.last, "2024-09-30");
  EXPECT_EQ(c.before_period.sources, (std::vector<std::string>{(root_ / "s2").string(), "/data/catalog.csv"}));
  EXPECT_EQ(c.before_period.composite, kernels::CompositeMethod::max_ndvi);
  EXPECT_EQ(c.after_period.sources, (std::vector<std::string>{(root_ / "s2").string()}));  // a plain string
  EXPECT_EQ(c.after_period.composite, kernels::CompositeMethod::median);
  EXPECT_TRUE(c.after_period.sensor.empty());
  // The sides' dates are the periods' last days; there is no path.
  EXPECT_EQ(c.before.date, "2024-09-30");
  EXPECT_EQ(c.after.date, "2025-09-30");
  EXPECT_TRUE(c.before.path.empty());
  EXPECT_EQ(c.resolved["before"]["period"], "2024-06-01..2024-09-30");
  EXPECT_EQ(c.resolved["before"]["composite"], "max_ndvi");
  EXPECT_EQ(c.resolved["after"]["sources"].size(), 1u);
}

TEST_F(PeriodConfigTest, APeriodAgainstASingleScene) {
  const ScanConfig c = load(
      "before: {period: 2024-06-01..2024-09-30, sources: [s2], sensor: sentinel2-stack-4band}\n"
      "after: {path: flight.tif, date: 2025-07-01, sensor: rgb}\n",
      "grid: {footprint: after, resolution: 0.5}\n");
  EXPECT_TRUE(c.before_period.enabled());
  EXPECT_FALSE(c.after_period.enabled());
  EXPECT_EQ(c.before_period.sensor, "sentinel2-stack-4band");
  EXPECT_EQ(c.after.path, (root_ / "flight.tif").string());
  EXPECT_EQ(c.grid.footprint, "after");
  EXPECT_EQ(c.resolved["grid"]["footprint"], "after");
}

TEST_F(PeriodConfigTest, DefaultsAreSingleScenesBeforeFootprintAndNoNormalization) {
  const ScanConfig c = load(
      "before: {path: a.tif, date: 2024-06-01, sensor: rgb}\nafter: {path: b.tif, date: 2025-06-01, sensor: rgb}\n");
  EXPECT_FALSE(c.before_period.enabled());
  EXPECT_FALSE(c.after_period.enabled());
  EXPECT_EQ(c.grid.footprint, "before");
  EXPECT_EQ(c.detection.normalize, RadiometricNormalization::none);
  EXPECT_EQ(c.resolved["detection"]["normalize"], "none");
  const ScanConfig n = load(
      "before: {path: a.tif, date: 2024-06-01, sensor: rgb}\nafter: {path: b.tif, date: 2025-06-01, sensor: rgb}\n", "",
      {"detection.normalize=irmad"});
  EXPECT_EQ(n.detection.normalize, RadiometricNormalization::irmad);
  EXPECT_EQ(load_detection_options({}, {"detection.normalize=irmad"}).normalize, RadiometricNormalization::irmad);
}

TEST_F(PeriodConfigTest, ErrorsNameTheirKey) {
  const std::string after = "after: {path: b.tif, date: 2025-06-01, sensor: rgb}\n";
  expect_error("before: {period: 2024-06-01..2024-09-31, sources: [s2]}\n" + after, "",
               {"before.period", "FIRST..LAST"});
  expect_error("before: {period: 2024-06-01, sources: [s2]}\n" + after, "", {"before.period"});
  expect_error("before: {period: 2024-09-01..2024-06-01, sources: [s2]}\n" + after, "", {"before.period", "is after"});
  expect_error("before: {period: 2024-06-01..2024-09-30}\n" + after, "", {"before.sources", "required"});
  expect_error("before: {period: 2024-06-01..2024-09-30, sources: []}\n" + after, "", {"before.sources"});
  expect_error("before: {period: 2024-06-01..2024-09-30, sources: [s2], composite: mean}\n" + after, "",
               {"before.composite", "median, max_ndvi, best_available"});
  expect_error("before: {period: 2024-06-01..2024-09-30, sources: [s2], path: a.tif}\n" + after, "",
               {"before.path", "before.period"});
  expect_error("before: {path: a.tif, date: 2024-06-01, sensor: rgb, sources: [s2]}\n" + after, "",
               {"before.sources", "before.period"});
  expect_error("before: {period: 2024-06-01..2024-09-30, sources: [s2], sorces: [x]}\n" + after, "",
               {"before.sorces", "before.sources"});
  expect_error(
      "before: {period: 2024-06-01..2024-09-30, sources: [s2]}\n"
      "after: {period: 2024-09-01..2024-10-31, sources: [s2]}\n",
      "", {"after.period", "overlaps"});
  expect_error("before: {path: a.tif, date: 2024-06-01, sensor: rgb}\n" + after, "grid: {footprint: drone}\n",
               {"grid.footprint", "before, after"});
  expect_error("before: {path: a.tif, date: 2024-06-01, sensor: rgb}\n" + after, "detection: {normalize: histogram}\n",
               {"detection.normalize", "none, irmad"});
}

}  // namespace
}  // namespace zw
