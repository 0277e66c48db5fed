// End to end on real data: the Landsat 7 ETM+ (2001-07-30) and Landsat 8 OLI (2013-07-07)
// Collection 1 Level-1 scenes of ../shared/data/landsat-l1-germany, which share one folder.
// The scan points before.path / after.path at the MTL files and gives neither date nor
// sensor: both come from the MTL, TOA reflectance from its REFLECTANCE_MULT/ADD, and the BQA
// bands mask cloud. The real BQAs are clear everywhere (2720 / 672), so a copy of the
// products gets hand-set cloud flags: those pixels must be no data in change.tif, and a unit
// under the cloud must come out "not assessable" instead of being scored.
#include <string>
#include <vector>

#include "e2e_support.hpp"
#include "test_paths.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

const fs::path kGermany = fs::path(ZONEWATCH_SHARED_DATA) / "landsat-l1-germany";
const std::string kLe07 = "LE07_L1TP_195025_20010730_20170204_01_T1";
const std::string kLc08 = "LC08_L1TP_195025_20130707_20170503_01_T1";
constexpr int kSize = 41;                          // the crop is 41 x 41 pixels of 30 m
constexpr double kX0 = 483285.0, kY0 = 5628525.0;  // its top-left corner, UTM 32N

/// Two control units over the crop: the west one covers columns 0-19, the east one 21-40.
void write_units(const fs::path& gpkg) {
  OGRSpatialReference srs;
  srs.importFromEPSG(32632);
  const auto columns = [](double col0, double col1) {
    return Rect{kX0 + 30.0 * col0, kY0 - 30.0 * kSize, kX0 + 30.0 * col1, kY0};
  };
  write_rect_units(
      gpkg, srs,
      {{"GE-W", "GE-W", "general", "DE", columns(0, 20)}, {"GE-E", "GE-E", "general", "DE", columns(21, 41)}});
}

fs::path write_scan_config(const fs::path& root, const fs::path& products) {
  YAML::Node config;
  config["name"] = "germany";
  config["before"]["path"] = (products / (kLe07 + "_MTL.txt")).string();
  config["after"]["path"] = (products / (kLc08 + "_MTL.txt")).string();
  config["units"]["path"] = (root / "units.gpkg").string();
  config["output"]["dir"] = (root / "out").string();
  return write_config(config, root / "germany.yaml");
}

/// Sets the quality word of every pixel where `where(x, y)` to `word` in a copied BQA.
void flag(const fs::path& bqa, std::int16_t word, const std::function<bool(int, int)>& where) {
  Dataset ds = open_dataset(bqa, GDAL_OF_RASTER | GDAL_OF_UPDATE);
  ASSERT_TRUE(ds);
  std::vector<std::int16_t> words(static_cast<std::size_t>(kSize) * kSize);
  GDALRasterBand* band = ds->GetRasterBand(1);
  ASSERT_EQ(band->RasterIO(GF_Read, 0, 0, kSize, kSize, words.data(), kSize, kSize, GDT_Int16, 0, 0, nullptr), CE_None);
  for (int y = 0; y < kSize; ++y) {
    for (int x = 0; x < kSize; ++x) {
      if (where(x, y)) words[static_cast<std::size_t>(y) * kSize + x] = word;
    }
  }
  ASSERT_EQ(band->RasterIO(GF_Write, 0, 0, kSize, kSize, words.data(), kSize, kSize, GDT_Int16, 0, 0, nullptr),
            CE_None);
}

std::map<std::string, std::map<std::string, std::string>> units_by_code(const fs::path& gpkg) {
  std::map<std::string, std::map<std::string, std::string>> units;
  for (auto& row : read_layer(gpkg, "units")) units[row["code"]] = row;
  return units;
}

class LandsatGermanyTest : public TempFolderTest {
 protected:
  void SetUp() override {
    if (!fs::exists(kGermany)) GTEST_SKIP() << kGermany << " is absent: real-data test skipped";
    TempFolderTest::SetUp();
    write_units(root_ / "units.gpkg");
  }
};

TEST_F(LandsatGermanyTest, DatesSensorsAndMasksFromTheProducts) {
  const RunResult result = scan(write_scan_config(root_, kGermany), root_);
  ASSERT_EQ(result.exit_code, 0) << result;
  const nlohmann::json run = read_json(root_ / "out" / "run.json");
  const auto& before = run.at("inputs").at("before");
  const auto& after = run.at("inputs").at("after");
  EXPECT_EQ(before.at("date"), "2001-07-30");
  EXPECT_EQ(before.at("sensor"), "landsat-tm-etm-l1");
  EXPECT_EQ(after.at("date"), "2013-07-07");
  EXPECT_EQ(after.at("sensor"), "landsat-oli-l1");
  // The resolved config records what was used, not the blanks of the file.
  EXPECT_EQ(run.at("config").at("before").at("date"), "2001-07-30");
  EXPECT_EQ(run.at("config").at("after").at("sensor"), "landsat-oli-l1");
  // Six reflective bands and the BQA of each scene are inputs (hashed in run.json).
  ASSERT_EQ(before.at("files").size(), 7u);
  ASSERT_EQ(after.at("files").size(), 7u);
  bool bqa = false;
  for (const auto& f : after.at("files")) bqa = bqa || f.dump().find(kLc08 + "_BQA.TIF") != std::string::npos;
  EXPECT_TRUE(bqa) << after.dump();
  // The real BQAs flag nothing: every pixel is observed, and both units are assessable
  // with their whole area valid.
  const Raster change = read_raster(root_ / "out" / "change.tif");
  ASSERT_EQ(change.width, kSize);
  EXPECT_EQ(std::count(change.values.begin(), change.values.end(), 255.0), 0);
  const auto units = units_by_code(root_ / "out" / "alerts.gpkg");
  ASSERT_EQ(units.size(), 2u);
  for (const auto& [code, unit] : units) {
    EXPECT_EQ(unit.at("assessable"), "1") << code;
    EXPECT_NEAR(std::stod(unit.at("valid_share")), 1.0, 1e-4) << code;
  }
}

TEST_F(LandsatGermanyTest, CloudFlaggedPixelsAreExcludedAndUnitsNotAssessable) {
  // A copy of both products, with cloud in the BQAs: OLI columns 0-21 (high-confidence
  // cloud, 2800), ETM+ rows 0-2 (cloud bit with high confidence, 672 | 16 | 96).
  const fs::path products = root_ / "products";
  fs::create_directories(products);
  for (const auto& entry : fs::directory_iterator(kGermany)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(kLe07) || name.starts_with(kLc08)) fs::copy_file(entry.path(), products / name);
  }
  flag(products / (kLc08 + "_BQA.TIF"), 2800, [](int x, int) { return x <= 21; });
  flag(products / (kLe07 + "_BQA.TIF"), 672 | 16 | 96, [](int, int y) { return y <= 2; });

  const RunResult result = scan(write_scan_config(root_, products), root_);
  ASSERT_EQ(result.exit_code, 0) << result;
  const Raster change = read_raster(root_ / "out" / "change.tif");
  ASSERT_EQ(change.width, kSize);
  ASSERT_EQ(change.height, kSize);
  for (int y = 0; y < kSize; ++y) {
    for (int x = 0; x < kSize; ++x) {
      const double v = change.values[static_cast<std::size_t>(y) * kSize + x];
      if (x <= 21 || y <= 2) {
        EXPECT_EQ(v, 255.0) << "masked pixel " << x << "," << y << " scored";
      } else {
        EXPECT_NE(v, 255.0) << "clear pixel " << x << "," << y << " lost";
      }
    }
  }
  // West unit entirely under the after scene's cloud: no valid observation, not scored.
  // East unit (columns 21-40): rows 0-2 lost to the before scene's cloud and column 21 to the
  // after scene's, so 38 of 41 rows in 19 of 20 columns are valid.
  const auto units = units_by_code(root_ / "out" / "alerts.gpkg");
  ASSERT_EQ(units.size(), 2u);
  EXPECT_EQ(units.at("GE-W").at("assessable"), "0");
  EXPECT_NEAR(std::stod(units.at("GE-W").at("valid_share")), 0.0, 1e-4);
  EXPECT_EQ(units.at("GE-W").at("flagged"), "0");
  EXPECT_EQ(units.at("GE-E").at("assessable"), "1");
  EXPECT_NEAR(std::stod(units.at("GE-E").at("valid_share")), (38.0 / 41.0) * (19.0 / 20.0), 1e-3);
  EXPECT_EQ(read_json(root_ / "out" / "run.json").at("counts").at("units_not_assessable"), 1);
}

TEST_F(LandsatGermanyTest, TheSharedFolderIsAmbiguousAsAScenePath) {
  YAML::Node config = YAML::LoadFile(write_scan_config(root_, kGermany).string());
  config["before"]["path"] = kGermany.string();
  const RunResult result = scan(write_config(config, root_ / "ambiguous.yaml"), root_);
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_NE(result.err.find("holds 2 Landsat scenes"), std::string::npos) << result;
  EXPECT_FALSE(fs::exists(root_ / "out" / "run.json"));
}

}  // namespace
}  // namespace zw::e2e
