// Landsat 7/8 thermal heat component (see archive_series_support.hpp for the shared checks).
#include "archive_series_support.hpp"

namespace zw::e2e {
namespace {

using namespace series;

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

// ---------------------------------------------------------------------------------------
// 4. Landsat 7 and 8 with their thermal bands: RSEI heat from the brightness temperature

const fs::path kGermany = kData / "landsat-l1-germany";

/// `KEY = value` of a Landsat MTL file, read here without zonewatch's parser.
double mtl_number(const fs::path& mtl, const std::string& key) {
  std::istringstream lines(read_bytes(mtl));
  for (std::string line; std::getline(lines, line);) {
    const auto start = line.find_first_not_of(' ');
    if (start == std::string::npos || line.compare(start, key.size() + 3, key + " = ") != 0) continue;
    return std::stod(line.substr(start + key.size() + 3));
  }
  ADD_FAILURE() << mtl << ": no " << key;
  return std::nan("");
}

/// Brightness temperature (K) per pixel of a thermal band: L = mult x DN + add from the MTL,
/// T = K2 / ln(K1 / L + 1); NaN for no data.
std::vector<double> brightness_temperature(const std::string& product, const std::string& band) {
  const fs::path mtl = kGermany / (product + "_MTL.txt");
  const double mult = mtl_number(mtl, "RADIANCE_MULT_BAND_" + band), add = mtl_number(mtl, "RADIANCE_ADD_BAND_" + band);
  const double k1 = mtl_number(mtl, "K1_CONSTANT_BAND_" + band), k2 = mtl_number(mtl, "K2_CONSTANT_BAND_" + band);
  const Raster dn = read_raster(kGermany / (product + "_B" + band + ".TIF"));
  std::vector<double> kelvin(dn.values.size(), std::nan(""));
  for (std::size_t i = 0; i < kelvin.size(); ++i) {
    const double radiance = mult * dn.values[i] + add;
    if (dn.values[i] != -32768 && dn.values[i] != 0 && radiance > 0) kelvin[i] = k2 / std::log(k1 / radiance + 1.0);
  }
  return kelvin;
}

class LandsatThermalArchiveTest : public TempFolderTest {
 protected:
  void SetUp() override {
    if (!fs::exists(kGermany)) GTEST_SKIP() << kGermany << " is absent: the Landsat 7/8 L1 products are needed";
    TempFolderTest::SetUp();
  }
};

TEST_F(LandsatThermalArchiveTest, HeatIsTheBrightnessTemperatureFromTheMtlConstants) {
  const std::string l7 = "LE07_L1TP_195025_20010730_20170204_01_T1", l8 = "LC08_L1TP_195025_20130707_20170503_01_T1";
  const GridOf scene = grid_of(kGermany / (l7 + "_B3.TIF"));
  ASSERT_EQ(scene.width, 41);
  const std::vector<PixelUnit> units{{"GE-W", "西", "priority", "DE", 0, 0, 20, 41},
                                     {"GE-E", "东", "key", "DE", 20.5, 0.5, 41, 40.5}};
  write_pixel_units(root_ / "units.gpkg", scene, units);
  const fs::path archive = root_ / "germany.h5";
  for (const auto& [year, product] : {std::pair{2001, l7}, std::pair{2013, l8}}) {
    const RunResult run = run_zonewatch(
        {"archive", "--archive", archive.string(), "--year", std::to_string(year), "--scene",
         (kGermany / (product + "_MTL.txt")).string(), "--units", (root_ / "units.gpkg").string(), "--no-progress"},
        root_);
    ASSERT_EQ(run.exit_code, 0) << run;
  }
  const ArchiveContents contents = read_archive(archive);
  const kernels::RseiModel& model = contents.calibration.model;
  ASSERT_TRUE(model.present[2]) << "heat";
  const std::map<int, std::vector<double>> kelvin{{2001, brightness_temperature(l7, "6_VCID_1")},
                                                  {2013, brightness_temperature(l8, "10")}};
  // The calibration's range: 1 % and 99 % of the reference year's land brightness
  // temperatures (0.0375 K bins).
  const std::vector<double> heat_2001 = archived_raster(archive, 2001, "rsei_heat", 41, 41);
  std::vector<double> land_kelvin;
  for (std::size_t i = 0; i < heat_2001.size(); ++i) {
    if (!std::isnan(heat_2001[i])) land_kelvin.push_back(kelvin.at(2001)[i]);
  }
  ASSERT_GT(land_kelvin.size(), 1500u);
  EXPECT_NEAR(model.low[2], quantile(land_kelvin, 0.01), 0.1);
  EXPECT_NEAR(model.high[2], quantile(land_kelvin, 0.99), 0.1);
  for (const auto& [year, t] : kelvin) {
    SCOPED_TRACE(year);
    // Both years normalized by the reference year's range, pixel for pixel (int16 x 1e-4).
    const std::vector<double> stored = archived_raster(archive, year, "rsei_heat", 41, 41);
    std::vector<double> expected(stored.size(), std::nan(""));
    std::size_t valid = 0;
    for (std::size_t i = 0; i < stored.size(); ++i) {
      if (std::isnan(stored[i])) continue;  // water or no data
      ++valid;
      expected[i] = std::clamp((t[i] - model.low[2]) / (model.high[2] - model.low[2]), 0.0, 1.0);
      ASSERT_NEAR(stored[i], expected[i], 5.1e-5) << "pixel " << i << ": " << t[i] << " K";
    }
    EXPECT_GT(valid, stored.size() * 9 / 10);
    for (std::size_t u = 0; u < units.size(); ++u) {
      EXPECT_NEAR(contents.indicators.at(year)[u].component_means[2], unit_mean(units[u], expected, 41, 41), 1e-5)
          << units[u].code;
    }
  }
  // Assessed: 2013 against 2001, classes from the archived RSEI.
  const RunResult run = assess(archive, 2013, root_ / "out", root_);
  ASSERT_EQ(run.exit_code, 0) << run;
  expect_classes_follow(contents, root_ / "out", 2013, 2001, 2001, "rsei");
}

}  // namespace
}  // namespace zw::e2e
