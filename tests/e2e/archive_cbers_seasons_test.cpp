// CBERS-4 AWFI season composites archived as years (see archive_series_support.hpp for the shared checks).
#include "archive_series_support.hpp"

namespace zw::e2e {
namespace {

using namespace series;

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

// ---------------------------------------------------------------------------------------
// 1. CBERS-4 AWFI: three season composites of 2018 archived as three years

struct Season {
  int label;                       // the "year" it is archived as
  std::string period;              // FIRST..LAST
  std::vector<std::string> dates;  // the stack's dates inside it
};

const std::vector<Season> kSeasons{
    {2016, "2018-02-01..2018-03-31", {"2018-02-02", "2018-02-18", "2018-03-06", "2018-03-22"}},
    {2017, "2018-04-01..2018-05-31", {"2018-04-07", "2018-04-23", "2018-05-09", "2018-05-25"}},
    {2018,
     "2018-06-01..2018-08-31",
     {"2018-06-10", "2018-06-26", "2018-07-12", "2018-07-28", "2018-08-13", "2018-08-29"}},
};

// Aligned quadrants, one unit over them all with half and quarter pixels at its edges.
const std::vector<PixelUnit> kCbersUnits{
    {"CB-NW", "西北", "priority", "north", 0, 0, 25, 25},
    {"CB-NE", "东北", "key", "north", 25, 0, 50, 25},
    {"CB-S", "南部", "general", "south", 3.5, 25.5, 46.25, 49.75},
    {"CB-C", "中部", "priority", "south", 12.5, 12.5, 37.5, 37.5},
};

/// NDVI per pixel of a season's median composite of the clear observations (CMASK 0 clear
/// land, 1 clear water, 127 clear in the later collection), in the composite's arithmetic:
/// reflectance float(DN) x 1e-4f, the median of an even count the float mean of the middle
/// two, stored as round(reflectance x 10000) in Int16, NDVI in float from the stored values.
/// (With four or six dates half the medians fall between two DNs, and float decides which
/// way they round: computing in double would differ by one DN there.)
std::vector<double> season_ndvi(const Season& season) {
  std::vector<Raster> red, nir, mask;
  for (const auto& date : season.dates) {
    red.push_back(read_raster(cbers_file("B15", date)));
    nir.push_back(read_raster(cbers_file("B16", date)));
    mask.push_back(read_raster(cbers_file("CMASK", date)));
  }
  constexpr float kScale = 1e-4f;
  const auto stored_median = [&](std::vector<float> v) {
    if (v.empty()) return std::nanf("");
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    const float median = v.size() % 2 == 1 ? v[m] : 0.5f * (v[m - 1] + v[m]);
    return static_cast<float>(std::round(static_cast<double>(median) * 10000.0)) * kScale;
  };
  std::vector<double> ndvi(red.front().values.size());
  for (std::size_t i = 0; i < ndvi.size(); ++i) {
    std::vector<float> r, n;
    for (std::size_t d = 0; d < red.size(); ++d) {
      const double m = mask[d].values[i];
      const bool clear = m == 0 || m == 1 || m == 127;
      if (clear && red[d].values[i] != -9999 && nir[d].values[i] != -9999) {
        r.push_back(static_cast<float>(red[d].values[i]) * kScale);
        n.push_back(static_cast<float>(nir[d].values[i]) * kScale);
      }
    }
    const float a = stored_median(r), b = stored_median(n);
    ndvi[i] = (b - a) / (b + a);
  }
  return ndvi;
}

class CbersSeasonArchiveTest : public TempFolderTest {
 protected:
  void SetUp() override {
    if (!cbers_present()) GTEST_SKIP() << kCbers << " is absent: the CBERS-4 AWFI time series is needed";
    TempFolderTest::SetUp();
  }
};

TEST_F(CbersSeasonArchiveTest, SeasonsArchivedAsYearsMatchTheBandsAndClassesFollowTheThresholds) {
  const GridOf scene = grid_of(cbers_file("B13", "2018-02-02"));
  ASSERT_EQ(scene.width, 50);
  write_pixel_units(root_ / "units.gpkg", scene, kCbersUnits);
  const fs::path archive = root_ / "cbers.h5";
  for (const Season& season : kSeasons) {
    std::vector<std::string> args{
        "archive",  "--archive",   archive.string(), "--year",        std::to_string(season.label),
        "--period", season.period, "--source",       kCbers.string(), "--no-progress"};
    if (season.label == kSeasons.front().label) {  // later years take the archive's own units
      for (const std::string& a :
           std::vector<std::string>{"--units", (root_ / "units.gpkg").string(), "--programme", "CBERS-4 AWFI 2018"}) {
        args.push_back(a);
      }
    }
    const RunResult run = run_zonewatch(args, root_);
    ASSERT_EQ(run.exit_code, 0) << run;
    EXPECT_NE(run.out.find(std::to_string(season.dates.size()) + " scenes"), std::string::npos) << run;
  }
  const ArchiveContents contents = read_archive(archive);
  ASSERT_EQ(archived_years(archive), (std::vector<int>{2016, 2017, 2018}));
  ASSERT_EQ(contents.units.size(), kCbersUnits.size());
  // The archive's grid is the scene's own: no resampling between the bands and the rasters.
  EXPECT_EQ(contents.grid.width, 50);
  EXPECT_EQ(contents.grid.height, 50);
  for (int i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(contents.grid.geotransform[i], scene.gt[i]) << i;
  // Four bands, no SWIR and no thermal: RSEI from greenness alone.
  const kernels::RseiModel& model = contents.calibration.model;
  EXPECT_EQ(contents.calibration.reference_year, 2016);
  EXPECT_TRUE(model.present[0]);
  EXPECT_FALSE(model.present[1] || model.present[2] || model.present[3]);
  const double soil = contents.calibration.soil_ndvi, vegetation = contents.calibration.vegetation_ndvi;

  // 64 m nominal: 63.997 x 64.002 m in the files' Albers equal-area CRS.
  const double pixel_area = std::abs(scene.gt[1] * scene.gt[5]);
  for (const Season& season : kSeasons) {
    SCOPED_TRACE(season.period);
    const std::vector<double> ndvi = season_ndvi(season);
    // Pixel by pixel: the archived NDVI is the composite's, to its int16 x 1e-4 storage.
    const std::vector<double> stored = archived_raster(archive, season.label, "ndvi", 50, 50);
    for (std::size_t i = 0; i < ndvi.size(); ++i) ASSERT_NEAR(stored[i], ndvi[i], 5.01e-5) << "pixel " << i;
    std::vector<double> fvc(ndvi.size());
    for (std::size_t i = 0; i < ndvi.size(); ++i) fvc[i] = std::clamp((ndvi[i] - soil) / (vegetation - soil), 0.0, 1.0);

    if (season.label == 2016) {
      // FVC endmembers: the 5 % and 95 % NDVI of the reference year's land (not water, not
      // no data), to the histogram's 0.001 bins.
      const std::vector<double> land = archived_raster(archive, 2016, "land_class", 50, 50);
      std::vector<double> land_ndvi;
      for (std::size_t i = 0; i < ndvi.size(); ++i) {
        if (!std::isnan(land[i]) && land[i] != 1.0) land_ndvi.push_back(ndvi[i]);
      }
      ASSERT_GT(land_ndvi.size(), 2000u);
      EXPECT_NEAR(soil, quantile(land_ndvi, 0.05), 0.003);
      EXPECT_NEAR(vegetation, quantile(land_ndvi, 0.95), 0.003);
    }
    const auto& rows = contents.indicators.at(season.label);
    for (std::size_t u = 0; u < kCbersUnits.size(); ++u) {
      const PixelUnit& unit = kCbersUnits[u];
      SCOPED_TRACE(unit.code);
      ASSERT_EQ(rows[u].unit_code, unit.code);
      const double area = (unit.c1 - unit.c0) * (unit.r1 - unit.r0) * pixel_area;
      EXPECT_NEAR(rows[u].area_m2, area, 1e-8 * area);
      EXPECT_NEAR(rows[u].valid_area_m2, area, 1e-8 * area) << "clear everywhere after compositing";
      // Sums of float pixel values quantized to 2^-16: equal to ~1e-6.
      EXPECT_NEAR(rows[u].ndvi_mean, unit_mean(unit, ndvi, 50, 50), 2e-6);
      EXPECT_NEAR(rows[u].fvc_mean, unit_mean(unit, fvc, 50, 50), 2e-6);
    }
  }
  // Wet season (Feb-Mar) to dry season (Jun-Aug): the cerrado browns.
  for (std::size_t u = 0; u < kCbersUnits.size(); ++u) {
    EXPECT_LT(contents.indicators.at(2018)[u].ndvi_mean, contents.indicators.at(2016)[u].ndvi_mean - 0.1);
  }

  // The last "year" assessed against the first (RSEI, classes against the previous year by
  // default), then by FVC against the baseline.
  const RunResult rsei_run = assess(archive, 2018, root_ / "rsei", root_, {"--baseline", "2016"});
  ASSERT_EQ(rsei_run.exit_code, 0) << rsei_run;
  expect_classes_follow(contents, root_ / "rsei", 2018, 2017, 2016, "rsei");
  const auto rsei_units = assessed_units(root_ / "rsei");
  for (std::size_t u = 0; u < kCbersUnits.size(); ++u) {
    const std::string& code = kCbersUnits[u].code;
    EXPECT_EQ(rsei_units.at(code).at("class"), rsei_units.at(code).at("class_vs_previous")) << code;
    // Three years: the trend is the median of the three pairwise slopes, and Mann-Kendall's
    // S is +-1 or +-3 with variance 3*2*11/18.
    std::array<double, 3> y{};
    for (int i = 0; i < 3; ++i) y[i] = contents.indicators.at(2016 + i)[u].rsei_mean;
    std::array<double, 3> slopes{y[1] - y[0], y[2] - y[1], (y[2] - y[0]) / 2.0};
    std::sort(slopes.begin(), slopes.end());
    EXPECT_NEAR(number(rsei_units.at(code).at("trend_slope_points_per_year")), slopes[1] * 100.0, 1e-9) << code;
    const auto sign = [](double d) { return double((d > 0) - (d < 0)); };
    const double s = sign(y[1] - y[0]) + sign(y[2] - y[0]) + sign(y[2] - y[1]);
    const double z = s == 0 ? 0.0 : (s - sign(s)) / std::sqrt(3.0 * 2.0 * 11.0 / 18.0);
    EXPECT_NEAR(number(rsei_units.at(code).at("trend_p_value")), std::erfc(std::abs(z) / std::sqrt(2.0)), 1e-12)
        << code;
  }
  write_bytes(root_ / "fvc.yaml", "indicator: fvc\nclasses:\n  against: baseline\n");
  const RunResult fvc_run = assess(archive, 2018, root_ / "fvc", root_, {"--config", (root_ / "fvc.yaml").string()});
  ASSERT_EQ(fvc_run.exit_code, 0) << fvc_run;
  expect_classes_follow(contents, root_ / "fvc", 2018, 2017, 2016, "fvc");
  for (const auto& [code, unit] : assessed_units(root_ / "fvc")) {
    EXPECT_EQ(unit.at("class"), unit.at("class_vs_baseline")) << code;
    EXPECT_EQ(unit.at("class"), "significantly_worse") << code << ": wet to dry season";
  }

  // Wet to dry season is a marked decline everywhere by the HJ 192-2015 thresholds; wider
  // classes (a config's) spread the same changes over all three grades of decline.
  write_bytes(root_ / "wide.yaml", "classes:\n  stable_max: 15\n  slight_max: 45\n");
  const RunResult wide_run = assess(archive, 2018, root_ / "wide", root_, {"--config", (root_ / "wide.yaml").string()});
  ASSERT_EQ(wide_run.exit_code, 0) << wide_run;
  expect_classes_follow(contents, root_ / "wide", 2018, 2017, 2016, "rsei", 15.0, 45.0);
  std::set<std::string> wide_classes;
  for (const auto& [code, unit] : assessed_units(root_ / "wide")) wide_classes.insert(unit.at("class"));
  EXPECT_EQ(wide_classes, (std::set<std::string>{"stable", "slightly_worse", "significantly_worse"}));

  // The file read back by h5py.
  if (!python_has("h5py, numpy")) GTEST_SKIP() << kPython << " has no h5py: the HDF5 read-back is skipped";
  const nlohmann::json h5 = run_python(root_, "h5dump", kH5Dump, {archive.string()});
  const nlohmann::json& root = h5.at("/").at("attrs");
  EXPECT_EQ(root.at("format"), "zonewatch-assessment-archive");
  EXPECT_EQ(root.at("format_version"), 1);
  EXPECT_EQ(root.at("programme"), "CBERS-4 AWFI 2018");
  EXPECT_EQ(root.at("width"), 50);
  EXPECT_EQ(root.at("height"), 50);
  EXPECT_EQ(root.at("rsei_reference_year"), 2016);
  for (int i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(root.at("geotransform").at(i).get<double>(), scene.gt[i]) << i;
  OGRSpatialReference archived_srs;
  ASSERT_EQ(archived_srs.importFromWkt(root.at("crs_wkt").get<std::string>().c_str()), OGRERR_NONE);
  EXPECT_TRUE(archived_srs.IsSame(&scene.srs)) << root.at("crs_wkt");  // the scene's Albers equal-area CRS
  const nlohmann::json& calibration = h5.at("/calibration").at("attrs");
  EXPECT_EQ(calibration.at("rsei_component_names"), (nlohmann::json{"greenness", "wetness", "heat", "dryness"}));
  EXPECT_EQ(calibration.at("rsei_component_present"), (nlohmann::json{1, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(calibration.at("fvc_soil_ndvi").get<double>(), soil);
  std::vector<std::string> codes, types;
  for (const PixelUnit& u : kCbersUnits) {
    codes.push_back(u.code);
    types.push_back(u.type);
  }
  EXPECT_EQ(h5.at("/units/code").at("values"), nlohmann::json(codes));
  EXPECT_EQ(h5.at("/units/type").at("values"), nlohmann::json(types));
  EXPECT_EQ(h5.at("/units/name").at("values").at(0), "西北");
  for (const Season& season : kSeasons) {
    const std::string year = "/years/" + std::to_string(season.label);
    SCOPED_TRACE(year);
    const nlohmann::json& info = h5.at(year).at("attrs");
    EXPECT_EQ(info.at("first_date"), season.dates.front());
    EXPECT_EQ(info.at("last_date"), season.dates.back());
    EXPECT_NE(info.at("sensor").get<std::string>().find("cbers4-awfi"), std::string::npos) << info.at("sensor");
    EXPECT_NE(info.at("sensor").get<std::string>().find(std::to_string(season.dates.size()) + " scenes"),
              std::string::npos)
        << info.at("sensor");
    // The rasters a four-band year has: NDVI, FVC, RSEI, its one component and the classes.
    std::vector<std::string> rasters;
    for (const auto& [name, entry] : h5.items()) {
      if (name.starts_with(year + "/rasters/")) rasters.push_back(name.substr(year.size() + 9));
    }
    EXPECT_EQ(rasters, (std::vector<std::string>{"fvc", "land_class", "ndvi", "rsei", "rsei_greenness"}));
    const nlohmann::json& ndvi = h5.at(year + "/rasters/ndvi");
    EXPECT_EQ(ndvi.at("dtype"), "int16");
    EXPECT_EQ(ndvi.at("shape"), (nlohmann::json{50, 50}));
    EXPECT_EQ(ndvi.at("compression"), "gzip");
    EXPECT_TRUE(ndvi.at("shuffle").get<bool>());
    EXPECT_DOUBLE_EQ(ndvi.at("attrs").at("scale_factor").get<double>(), 1e-4);
    EXPECT_EQ(ndvi.at("attrs").at("_FillValue"), -32768);
    EXPECT_FALSE(ndvi.at("attrs").at("long_name").get<std::string>().empty());
    const nlohmann::json& classes = h5.at(year + "/rasters/land_class");
    EXPECT_EQ(classes.at("dtype"), "uint8");
    EXPECT_EQ(classes.at("attrs").at("flag_values"), (nlohmann::json{1, 2, 3, 4}));
    EXPECT_NE(classes.at("attrs").at("flag_meanings").get<std::string>().find("water"), std::string::npos);
    // The unit columns h5py reads are the values zonewatch reads.
    const nlohmann::json& means = h5.at(year + "/units/ndvi_mean").at("values");
    for (std::size_t u = 0; u < kCbersUnits.size(); ++u) {
      EXPECT_EQ(means.at(u).get<double>(), contents.indicators.at(season.label)[u].ndvi_mean);
    }
    EXPECT_EQ(h5.at(year + "/units/hotspots_found").at("values").at(0), -1) << "no monitoring store given";
  }
}

}  // namespace
}  // namespace zw::e2e
