// End to end on real data: the catalog over ../shared/data/timeseries/cbers4-awfi (CBERS-4
// AWFI, 4 bands B13-B16 x 14 dates of 2018, one GeoTIFF per band and date, a CMASK per date).
// Discovery groups the 70 files into 14 dated scenes by name, takes the cbers4-awfi profile
// and the CMASK as each scene's quality band, logs what it took and skipped and why, and the
// scene reader excludes the CMASK's cloud pixel (the real masks flag one, on 2018-04-07).
#include <spdlog/sinks/ringbuffer_sink.h>

#include <string>
#include <vector>

#include "e2e_support.hpp"
#include "test_paths.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/inputs/catalog.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

const fs::path kCbers = fs::path(ZONEWATCH_SHARED_DATA) / "timeseries" / "cbers4-awfi";
const std::vector<fs::path> kSensorDirs{fs::path(ZONEWATCH_SOURCE_DIR) / "configs" / "sensors"};
const std::vector<std::string> kDates{"2018-02-02", "2018-02-18", "2018-03-06", "2018-03-22", "2018-04-07",
                                      "2018-04-23", "2018-05-09", "2018-05-25", "2018-06-10", "2018-06-26",
                                      "2018-07-12", "2018-07-28", "2018-08-13", "2018-08-29"};

/// Collects what the "catalog" logger says while alive.
class CatalogLog {
 public:
  CatalogLog() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000)) {
    logger("catalog")->sinks().push_back(sink_);
  }
  ~CatalogLog() {
    auto& sinks = logger("catalog")->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  CatalogLog(const CatalogLog&) = delete;
  CatalogLog& operator=(const CatalogLog&) = delete;
  [[nodiscard]] std::string text() const {
    std::string all;
    for (const auto& line : sink_->last_formatted()) all += line;
    return all;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

class CbersCatalogTest : public TempFolderTest {
 protected:
  void SetUp() override {
    if (!fs::exists(kCbers)) GTEST_SKIP() << kCbers << " is absent: real-data test skipped";
    TempFolderTest::SetUp();
  }
};

TEST_F(CbersCatalogTest, FourteenDatesWithTheirCloudMasks) {
  CatalogLog log;
  const Discovery d =
      discover_scenes({{kCbers.string()}, ""}, DateRange::parse("2018-01-01..2018-12-31", "p"), kSensorDirs);
  ASSERT_EQ(d.scenes.size(), kDates.size());
  EXPECT_TRUE(d.skipped.empty());
  for (std::size_t i = 0; i < kDates.size(); ++i) {
    const Scene& s = d.scenes[i];
    EXPECT_EQ(s.options.date, kDates[i]);
    EXPECT_EQ(s.profile.name, "cbers4-awfi");
    EXPECT_EQ(s.label, "CBERS-4_AWFI_022024_" + kDates[i]);
    EXPECT_EQ(s.band(kernels::BandRole::blue).path,
              (kCbers / ("CBERS-4_AWFI_022024_B13_" + kDates[i] + ".tif")).string());
    EXPECT_EQ(s.band(kernels::BandRole::nir).path,
              (kCbers / ("CBERS-4_AWFI_022024_B16_" + kDates[i] + ".tif")).string());
    ASSERT_TRUE(s.quality.has_value());
    EXPECT_EQ(s.quality->path, (kCbers / ("CBERS-4_AWFI_022024_CMASK_" + kDates[i] + ".tif")).string());
    EXPECT_EQ(s.quality->encoding, kernels::QualityEncoding::cbers_cmask);
  }
  const std::string text = log.text();
  EXPECT_NE(text.find("took " + (kCbers / "CBERS-4_AWFI_022024_2018-04-07").string() +
                      ": 2018-04-07 cbers4-awfi, quality band CBERS-4_AWFI_022024_CMASK_2018-04-07.tif (cbers_cmask)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("14 scene(s) taken for 2018-01-01..2018-12-31, 0 skipped"), std::string::npos) << text;
}

TEST_F(CbersCatalogTest, PeriodTakesItsDatesAndLogsTheRest) {
  CatalogLog log;
  const Discovery d =
      discover_scenes({{kCbers.string()}, ""}, DateRange::parse("2018-03-01..2018-05-31", "p"), kSensorDirs);
  std::vector<std::string> dates;
  for (const auto& s : d.scenes) dates.push_back(s.options.date);
  EXPECT_EQ(dates, (std::vector<std::string>{"2018-03-06", "2018-03-22", "2018-04-07", "2018-04-23", "2018-05-09",
                                             "2018-05-25"}));
  ASSERT_EQ(d.skipped.size(), 8u);
  for (const auto& s : d.skipped)
    EXPECT_NE(s.reason.find("outside the period 2018-03-01..2018-05-31"), std::string::npos) << s.reason;
  const std::string text = log.text();
  EXPECT_NE(text.find("skipped " + (kCbers / "CBERS-4_AWFI_022024_2018-02-02").string() +
                      ": acquired 2018-02-02, outside the period 2018-03-01..2018-05-31"),
            std::string::npos)
      << text;
}

TEST_F(CbersCatalogTest, CmaskExcludesTheCloudPixel) {
  const Discovery d =
      discover_scenes({{kCbers.string()}, ""}, DateRange::parse("2018-04-07..2018-04-07", "p"), kSensorDirs);
  ASSERT_EQ(d.scenes.size(), 1u);
  const Scene& s = d.scenes[0];
  const AnalysisGrid grid = make_analysis_grid(s, {});
  ASSERT_EQ(grid.width, 50);
  SceneReader reader(s, grid, {kernels::BandRole::red, kernels::BandRole::nir});
  EXPECT_TRUE(reader.quality_masked());
  EXPECT_FALSE(reader.spectral_cloud_test());  // the CMASK is there: no spectral guess
  RawSceneTile tile;
  reader.read(grid.full(), tile);
  // The mask read here from the file itself: clear where CMASK is 0 or 1.
  const Raster cmask = read_raster(kCbers / "CBERS-4_AWFI_022024_CMASK_2018-04-07.tif");
  ASSERT_EQ(tile.valid.size(), cmask.values.size());
  int excluded = 0;
  for (std::size_t i = 0; i < cmask.values.size(); ++i) {
    const bool clear = cmask.values[i] == 0.0 || cmask.values[i] == 1.0;
    EXPECT_EQ(tile.valid[i], clear ? 1 : 0) << i;
    excluded += clear ? 0 : 1;
  }
  EXPECT_EQ(excluded, 1);
  EXPECT_EQ(tile.valid[2 * 50 + 30], 0) << "the cloud (CMASK 4) is at column 30, row 2";
  // ... and its reflectance is NaN, its neighbours' are not.
  kernels::Tile<float> red(50, 50);
  raw_to_reflectance(tile.bands[static_cast<int>(kernels::BandRole::red)], s.profile, tile.valid, red.view());
  EXPECT_TRUE(std::isnan(red(30, 2)));
  EXPECT_FALSE(std::isnan(red(29, 2)));
  EXPECT_GT(red(29, 2), 0.0f);
  EXPECT_LT(red(29, 2), 0.5f);
}

TEST_F(CbersCatalogTest, IncompleteScenesAreSkippedWithTheReason) {
  // A copy of two dates, the first without its B16 file.
  for (const std::string date : {"2018-02-02", "2018-02-18"}) {
    for (const std::string band : {"B13", "B14", "B15", "B16", "CMASK"}) {
      if (date == "2018-02-02" && band == "B16") continue;
      const std::string name = "CBERS-4_AWFI_022024_" + band + "_" + date + ".tif";
      fs::copy_file(kCbers / name, root_ / name);
    }
  }
  CatalogLog log;
  const Discovery d =
      discover_scenes({{root_.string()}, ""}, DateRange::parse("2018-01-01..2018-12-31", "p"), kSensorDirs);
  ASSERT_EQ(d.scenes.size(), 1u);
  EXPECT_EQ(d.scenes[0].options.date, "2018-02-18");
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_EQ(d.skipped[0].path, (root_ / "CBERS-4_AWFI_022024_2018-02-02").string());
  EXPECT_NE(d.skipped[0].reason.find("nir: no file for band B16"), std::string::npos) << d.skipped[0].reason;
  EXPECT_NE(log.text().find("skipped " + (root_ / "CBERS-4_AWFI_022024_2018-02-02").string() + ": incomplete"),
            std::string::npos)
      << log.text();
}

}  // namespace
}  // namespace zw::e2e
