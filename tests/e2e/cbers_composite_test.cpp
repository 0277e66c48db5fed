// End to end on real data: a season of CBERS-4 AWFI scenes (14 dates of 2018, 4 bands, with
// CMASK cloud masks) scanned as two period composites, Feb-Apr (wet season) against
// Jun-Aug (dry season). The catalog finds the scenes and their masks, the composites are
// outputs with a clear-observation count band, and the numbers agree with a median and a
// count computed here from the files themselves.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cbers_season.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

const std::vector<std::string> kWet{"2018-02-02", "2018-02-18", "2018-03-06", "2018-03-22", "2018-04-07", "2018-04-23"};
const std::vector<std::string> kDry{"2018-06-10", "2018-06-26", "2018-07-12", "2018-07-28", "2018-08-13", "2018-08-29"};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

class CbersCompositeTest : public TempFolderTest {
 protected:
  void SetUp() override {
    if (!cbers_present()) {
      GTEST_SKIP() << kCbers << " is absent: the CBERS-4 AWFI time series (../shared/data) is needed";
    }
    TempFolderTest::SetUp();
  }

  fs::path season_config(const std::string& composite) { return cbers_season_config(root_, composite); }
};

TEST_F(CbersCompositeTest, SeasonMediansWithCloudMasks) {
  const RunResult result = scan(season_config("median"), root_);
  ASSERT_EQ(result.exit_code, 0) << result;
  const fs::path out = root_ / "out-median";
  for (const auto& name : kOutputs) EXPECT_TRUE(fs::exists(out / name)) << name;
  ASSERT_TRUE(fs::exists(out / "composite_before.tif"));
  ASSERT_TRUE(fs::exists(out / "composite_after.tif"));

  // The run record names the period, the six scenes of each and the composite's summary.
  const nlohmann::json run = read_json(out / "run.json");
  EXPECT_EQ(run.at("inputs").at("before").at("period"), "2018-02-01..2018-04-30");
  EXPECT_EQ(run.at("inputs").at("before").at("scenes").size(), 6u);
  EXPECT_EQ(run.at("inputs").at("after").at("scenes").size(), 6u);
  EXPECT_EQ(run.at("composites").at("before").at("median_date"), "2018-03-14");
  EXPECT_EQ(run.at("composites").at("after").at("scenes").size(), 6u);
  EXPECT_EQ(run.at("config").at("before").at("composite"), "median");

  // Clear-observation count: six everywhere, except where CMASK flags a cloud on a date of
  // the season (one pixel on 2018-04-07).
  const Raster before_count = read_raster(out / "composite_before.tif", 5);
  const Raster after_count = read_raster(out / "composite_after.tif", 5);
  ASSERT_EQ(before_count.width, 50);
  ASSERT_EQ(before_count.values.size(), 2500u);
  std::vector<double> expected(2500, 6.0);
  for (const auto& date : kWet) {
    const Raster mask = read_raster(cbers_file("CMASK", date));
    for (std::size_t i = 0; i < 2500; ++i) {
      if (mask.values[i] != 0) expected[i] -= 1.0;
    }
  }
  EXPECT_EQ(std::count(expected.begin(), expected.end(), 5.0), 1) << "the CMASK of 2018-04-07 flags one pixel";
  EXPECT_EQ(before_count.values, expected);
  EXPECT_EQ(std::count(after_count.values.begin(), after_count.values.end(), 6.0), 2500);

  // The composite's NIR (B16) is the median of the clear observations, DN for DN.
  std::vector<Raster> nir;
  std::vector<Raster> masks;
  for (const auto& date : kWet) {
    nir.push_back(read_raster(cbers_file("B16", date)));
    masks.push_back(read_raster(cbers_file("CMASK", date)));
  }
  const Raster composite_nir = read_raster(out / "composite_before.tif", 4);
  for (std::size_t i = 0; i < 2500; ++i) {
    std::vector<double> clear;
    for (std::size_t d = 0; d < nir.size(); ++d) {
      if (masks[d].values[i] == 0) clear.push_back(nir[d].values[i]);
    }
    ASSERT_NEAR(composite_nir.values[i], median(clear), 0.51) << "pixel " << i;
  }

  // Wet-season cerrado is far greener than dry-season cerrado.
  const auto mean_ndvi = [](const fs::path& composite) {
    const Raster red = read_raster(composite, 3), nir_band = read_raster(composite, 4);
    double sum = 0.0;
    for (std::size_t i = 0; i < red.values.size(); ++i) {
      sum += (nir_band.values[i] - red.values[i]) / (nir_band.values[i] + red.values[i]);
    }
    return sum / static_cast<double>(red.values.size());
  };
  const double wet = mean_ndvi(out / "composite_before.tif"), dry = mean_ndvi(out / "composite_after.tif");
  EXPECT_GT(wet, 0.7);
  EXPECT_LT(dry, wet - 0.2);
}

TEST_F(CbersCompositeTest, MaxNdviAndBestAvailableComposites) {
  for (const char* name : {"max_ndvi", "best_available"}) {
    const std::string method(name);
    SCOPED_TRACE(method);
    const RunResult result = scan(season_config(method), root_);
    ASSERT_EQ(result.exit_code, 0) << result;
    const fs::path out = root_ / ("out-" + method);
    const Raster red = read_raster(out / "composite_after.tif", 3), nir = read_raster(out / "composite_after.tif", 4);
    // Selection methods keep one date's spectrum per pixel: red and NIR both come from the
    // same observation, one of the six.
    std::vector<Raster> reds, nirs;
    for (const auto& date : kDry) {
      reds.push_back(read_raster(cbers_file("B15", date)));
      nirs.push_back(read_raster(cbers_file("B16", date)));
    }
    std::size_t from_one_date = 0;
    for (std::size_t i = 0; i < 2500; ++i) {
      for (std::size_t d = 0; d < reds.size(); ++d) {
        if (reds[d].values[i] == red.values[i] && nirs[d].values[i] == nir.values[i]) {
          ++from_one_date;
          break;
        }
      }
    }
    EXPECT_EQ(from_one_date, 2500u);
    if (method == "best_available") {
      // Period middle 2018-07-16: 2018-07-12 is the closest date, clear everywhere.
      EXPECT_EQ(nir.values, nirs[2].values);
    }
  }
}

}  // namespace
}  // namespace zw::e2e
