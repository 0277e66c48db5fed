// `zonewatch archive` end to end: the bundled Chongqing pair archived as two years, the
// results identical whatever the tiling, the calibration fixed by the first year; the real
// Landsat 7 and 8 products of ../shared/data/landsat-l1-germany with their thermal bands
// (RSEI with heat); and the documented failures.
#include <cmath>
#include <string>
#include <vector>

#include "e2e_support.hpp"
#include "test_paths.hpp"
#include "zonewatch/pipeline/archive/archive_file.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

const fs::path kGermany = fs::path(ZONEWATCH_SHARED_DATA) / "landsat-l1-germany";

std::vector<std::string> sample_year(const fs::path& archive, int year, int tile_size) {
  const bool before = year == 2017;
  return {"archive",
          "--archive",
          archive.string(),
          "--year",
          std::to_string(year),
          "--scene",
          (kSampleDir / (before ? "before" : "after")).string(),
          "--date",
          before ? "2017-04-14" : "2018-04-02",
          "--sensor",
          "sentinel2-l1c",
          "--units",
          (kSampleDir / "units.gpkg").string(),
          "--units-layer",
          "units",
          "--grid-crs",
          "EPSG:32648",
          "--grid-resolution",
          "10",
          "--tile-size",
          std::to_string(tile_size),
          "--no-progress"};
}

class ArchiveFeedTest : public TempFolderTest {};

TEST_F(ArchiveFeedTest, SampleYearsAreIdenticalWhateverTheTilingAndCalibratedOnce) {
  const fs::path tiled = root_ / "tiled.h5", whole = root_ / "whole.h5";
  for (int year : {2017, 2018}) {
    const RunResult small = run_zonewatch(sample_year(tiled, year, 256), root_);
    ASSERT_EQ(small.exit_code, 0) << small;
    const RunResult large = run_zonewatch(sample_year(whole, year, 4096), root_);
    ASSERT_EQ(large.exit_code, 0) << large;
  }
  const ArchiveContents a = read_archive(tiled), b = read_archive(whole);
  ASSERT_EQ(a.years.size(), 2u);
  EXPECT_EQ(a.calibration.reference_year, 2017);
  const kernels::RseiModel& model = a.calibration.model;
  // Sentinel-2 without a thermal band: greenness, wetness and dryness, no heat.
  EXPECT_TRUE(model.present[0] && model.present[1] && model.present[3]);
  EXPECT_FALSE(model.present[2]);
  EXPECT_GE(model.loadings[0], 0.0);
  EXPECT_GT(model.explained_variance, 0.3);
  EXPECT_LE(model.explained_variance, 1.0);
  EXPECT_LT(a.calibration.soil_ndvi, a.calibration.vegetation_ndvi);

  ASSERT_EQ(a.units.size(), 13u);
  for (int year : {2017, 2018}) {
    const auto& rows = a.indicators.at(year);
    const auto& other = b.indicators.at(year);
    ASSERT_EQ(rows.size(), a.units.size());
    for (std::size_t u = 0; u < rows.size(); ++u) {
      const UnitYearIndicators& r = rows[u];
      SCOPED_TRACE(r.unit_code + " " + std::to_string(year));
      // Exactly the same sums whatever the tiling.
      EXPECT_EQ(r.rsei_mean, other[u].rsei_mean);
      EXPECT_EQ(r.fvc_mean, other[u].fvc_mean);
      EXPECT_EQ(r.water_area_m2, other[u].water_area_m2);
      EXPECT_GT(r.area_m2, 0.0);
      EXPECT_GE(r.rsei_mean, 0.0);
      EXPECT_LE(r.rsei_mean, 1.0);
      EXPECT_GE(r.fvc_mean, 0.0);
      EXPECT_LE(r.fvc_mean, 1.0);
      EXPECT_LE(r.water_area_m2 + r.built_bare_area_m2 + r.vegetation_area_m2, r.valid_area_m2 * (1 + 1e-12));
      EXPECT_TRUE(std::isnan(r.component_means[2]));  // no heat
      EXPECT_EQ(r.hotspots_found, -1);                // no store given
    }
  }
  // The rasters too, pixel for pixel.
  const kernels::Window all{0, 0, a.grid.width, a.grid.height};
  for (const std::string name : {"rsei", "fvc", "land_class"}) {
    const auto x = read_raster_window(tiled, 2018, name, all), y = read_raster_window(whole, 2018, name, all);
    ASSERT_EQ(x.values().size(), y.values().size());
    std::size_t differ = 0, valid = 0;
    for (std::size_t i = 0; i < x.values().size(); ++i) {
      const float p = x.values()[i], q = y.values()[i];
      differ += !(p == q || (std::isnan(p) && std::isnan(q)));
      valid += !std::isnan(p);
    }
    EXPECT_EQ(differ, 0u) << name;
    EXPECT_GT(valid, x.values().size() / 2) << name;
  }
  EXPECT_FALSE(fs::exists(root_ / "composite-2017.tif"));
}

TEST_F(ArchiveFeedTest, BadInvocationsFailWithTheirExitCodes) {
  const fs::path archive = root_ / "a.h5";
  auto args = sample_year(archive, 2017, 0);
  // A new archive without units is a usage error.
  std::vector<std::string> without_units;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--units" || args[i] == "--units-layer") {
      ++i;
      continue;
    }
    without_units.push_back(args[i]);
  }
  RunResult result = run_zonewatch(without_units, root_);
  EXPECT_EQ(result.exit_code, 2) << result;
  EXPECT_NE(result.err.find("--units"), std::string::npos) << result;
  EXPECT_FALSE(fs::exists(archive));

  // A scene that does not exist is bad input, and the archive is not created.
  args[6] = (root_ / "missing").string();
  result = run_zonewatch(args, root_);
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_FALSE(fs::exists(archive));

  // Not an archive.
  write_bytes(archive, "not hdf5");
  result = run_zonewatch(sample_year(archive, 2017, 0), root_);
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_NE(result.err.find(archive.string()), std::string::npos) << result;
  EXPECT_EQ(read_bytes(archive), "not hdf5");
}

TEST_F(ArchiveFeedTest, SampleScriptArchivesTwoYearsAndAssessesTheSecond) {
  const fs::path out = root_ / "assessment-sample";
  const std::string command = "ZONEWATCH='" + kBinary.string() + "' bash '" +
                              (kSourceDir / "scripts" / "assess_sample.sh").string() + "' '" + out.string() + "' > '" +
                              (root_ / "log.txt").string() + "' 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << read_bytes(root_ / "log.txt");
  EXPECT_EQ(archived_years(out / "archive.h5"), (std::vector<int>{2017, 2018}));
  for (const char* name :
       {"report.html", "assessment.gpkg", "units.csv", "by_type.csv", "by_region.csv", "assessment.json"}) {
    EXPECT_TRUE(fs::exists(out / "assessment" / name)) << name;
  }
  EXPECT_EQ(feature_count(out / "assessment" / "assessment.gpkg", "assessment"), 13);
  // QGIS opens the layer filled by class: its default style is stored in the GeoPackage.
  const auto styles = read_layer(out / "assessment" / "assessment.gpkg", "layer_styles");
  ASSERT_EQ(styles.size(), 1u);
  EXPECT_EQ(styles[0].at("f_table_name"), "assessment");
  EXPECT_EQ(styles[0].at("useAsDefault"), "1");
  EXPECT_NE(styles[0].at("styleQML").find("significantly_worse"), std::string::npos);
  EXPECT_NE(styles[0].at("styleQML").find("变化等级"), std::string::npos);
  const nlohmann::json assessment = read_json(out / "assessment" / "assessment.json");
  EXPECT_NE(assessment.dump().find("2018"), std::string::npos);
  EXPECT_NE(read_bytes(root_ / "log.txt").find("report.html"), std::string::npos);
}

class ArchiveGermanyTest : public TempFolderTest {
 protected:
  void SetUp() override {
    if (!fs::exists(kGermany)) GTEST_SKIP() << kGermany << " is absent: real-data test skipped";
    TempFolderTest::SetUp();
    OGRSpatialReference srs;
    srs.importFromEPSG(32632);
    constexpr double kX0 = 483285.0, kY0 = 5628525.0;  // the 41 x 41 crop of 30 m pixels
    write_rect_units(root_ / "units.gpkg", srs,
                     {{"GE-W", "西单元", "priority", "DE", {kX0, kY0 - 1230.0, kX0 + 600.0, kY0}},
                      {"GE-E", "东单元", "general", "DE", {kX0 + 630.0, kY0 - 1230.0, kX0 + 1230.0, kY0}}});
  }
  RunResult archive_year(int year, const std::string& product, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"archive",
                                  "--archive",
                                  (root_ / "germany.h5").string(),
                                  "--year",
                                  std::to_string(year),
                                  "--scene",
                                  (kGermany / (product + "_MTL.txt")).string(),
                                  "--units",
                                  (root_ / "units.gpkg").string(),
                                  "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_zonewatch(args, root_);
  }
};

TEST_F(ArchiveGermanyTest, ThermalBandsGiveTheHeatComponent) {
  const RunResult first = archive_year(2001, "LE07_L1TP_195025_20010730_20170204_01_T1");
  ASSERT_EQ(first.exit_code, 0) << first;
  const RunResult second = archive_year(2013, "LC08_L1TP_195025_20130707_20170503_01_T1");
  ASSERT_EQ(second.exit_code, 0) << second;
  const ArchiveContents archive = read_archive(root_ / "germany.h5");
  const kernels::RseiModel& model = archive.calibration.model;
  EXPECT_EQ(archive.calibration.reference_year, 2001);
  ASSERT_TRUE(model.present[2]) << "heat";
  // A July afternoon in central Germany: at-sensor brightness temperatures of a few
  // hundred kelvin, not raw digital numbers or radiance.
  EXPECT_GT(model.low[2], 270.0);
  EXPECT_LT(model.high[2], 330.0);
  EXPECT_LT(model.low[2], model.high[2]);
  // Heat lowers ecological quality: its loading has the sign opposite to greenness.
  EXPECT_LT(model.loadings[2] * model.loadings[0], 0.0);
  for (int year : {2001, 2013}) {
    for (const UnitYearIndicators& row : archive.indicators.at(year)) {
      EXPECT_FALSE(std::isnan(row.component_means[2])) << row.unit_code << " " << year;
      EXPECT_FALSE(std::isnan(row.rsei_mean)) << row.unit_code << " " << year;
    }
  }
  EXPECT_EQ(archive.units.at(0).name, "西单元");

  // RSEI calibrated with heat cannot be continued without it.
  const RunResult without = archive_year(2014, "LC08_L1TP_195025_20130707_20170503_01_T1", {"--no-thermal"});
  EXPECT_EQ(without.exit_code, 3) << without;
  EXPECT_NE(without.err.find("heat"), std::string::npos) << without;
  EXPECT_EQ(archived_years(root_ / "germany.h5"), (std::vector<int>{2001, 2013}));
}

}  // namespace
}  // namespace zw::e2e
