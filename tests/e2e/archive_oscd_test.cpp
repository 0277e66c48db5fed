// OSCD Beihai two dates as two years (see archive_series_support.hpp for the shared checks).
#include "archive_series_support.hpp"

namespace zw::e2e {
namespace {

using namespace series;

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

// ---------------------------------------------------------------------------------------
// 3. OSCD Beihai: two Sentinel-2 dates as two years

/// Tasseled-cap wetness coefficients (blue, green, red, nir, swir1, swir2). Sentinel-2's are a
/// documented stand-in: Landsat 8 OLI's (Baig, Zhang, Shuai & Tong 2014, Table 2).
constexpr std::array<double, 6> kOliWetness{0.1511, 0.1973, 0.3283, 0.3407, -0.7117, -0.4559};
/// Landsat TM's (Crist 1985), for contrast.
constexpr std::array<double, 6> kTmWetness{0.0315, 0.2021, 0.3102, 0.1594, -0.6806, -0.6109};

/// A band file of OSCD date 1 warped bilinearly onto date 1's B02 grid (the 20 m bands), as
/// reflectance (DN x 1e-4, 0 = no data -> NaN).
std::vector<double> beihai_band(const std::string& band, const GridOf& grid) {
  const fs::path path = kBeihai / "imgs_1" / ("T49QCD_20161209T031122_" + band + ".tif");
  Dataset source = open_dataset(path, GDAL_OF_RASTER | GDAL_OF_READONLY);
  if (!source) {
    ADD_FAILURE() << path;
    return {};
  }
  const double x1 = grid.gt[0] + grid.width * grid.gt[1], y1 = grid.gt[3] + grid.height * grid.gt[5];
  std::vector<std::string> args{"-of",
                                "MEM",
                                "-r",
                                "bilinear",
                                "-ot",
                                "Float64",
                                "-srcnodata",
                                "0",
                                "-dstnodata",
                                "nan",
                                "-te",
                                text_of(grid.gt[0]),
                                text_of(y1),
                                text_of(x1),
                                text_of(grid.gt[3]),
                                "-ts",
                                std::to_string(grid.width),
                                std::to_string(grid.height)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  GDALWarpAppOptions* options = GDALWarpAppOptionsNew(argv.data(), nullptr);
  GDALDatasetH handle = GDALDataset::ToHandle(source.get());
  Dataset warped(GDALDataset::FromHandle(GDALWarp("", nullptr, 1, &handle, options, nullptr)));
  GDALWarpAppOptionsFree(options);
  std::vector<double> values(static_cast<std::size_t>(grid.width) * static_cast<std::size_t>(grid.height));
  if (!warped || warped->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, grid.width, grid.height, values.data(), grid.width,
                                                    grid.height, GDT_Float64, 0, 0, nullptr) != CE_None) {
    ADD_FAILURE() << path << ": cannot be warped";
    return {};
  }
  for (double& v : values) v = v == 0.0 ? std::nan("") : v * 1e-4;
  return values;
}

class OscdArchiveTest : public TempFolderTest {
 protected:
  void SetUp() override {
    if (!fs::exists(kBeihai / "imgs_2")) GTEST_SKIP() << kBeihai << " is absent: the OSCD Beihai pair is needed";
    TempFolderTest::SetUp();
  }
};

TEST_F(OscdArchiveTest, TwoDatesAsTwoYearsSelfDescribingWithTheSentinel2Wetness) {
  const GridOf b02 = grid_of(kBeihai / "imgs_1" / "T49QCD_20161209T031122_B02.tif");
  const double half = b02.width / 2.0;
  write_pixel_units(root_ / "units.gpkg", b02,
                    {{"BH-W", "北海西", "priority", "北海", 0, 0, half, double(b02.height)},
                     {"BH-E", "北海东", "key", "北海", half, 0, double(b02.width), double(b02.height)}});
  const fs::path archive = root_ / "beihai.h5";
  const auto archive_year = [&](int year, const std::string& folder, const std::string& date) {
    return run_zonewatch({"archive", "--archive", archive.string(), "--year", std::to_string(year), "--scene",
                          (kBeihai / folder).string(), "--date", date, "--sensor", "sentinel2-l1c", "--units",
                          (root_ / "units.gpkg").string(), "--programme", "北海 OSCD", "--no-progress"},
                         root_);
  };
  RunResult run = archive_year(2016, "imgs_1", "2016-12-09");
  ASSERT_EQ(run.exit_code, 0) << run;
  run = archive_year(2018, "imgs_2", "2018-03-09");
  ASSERT_EQ(run.exit_code, 0) << run;
  const ArchiveContents contents = read_archive(archive);
  const kernels::RseiModel& model = contents.calibration.model;
  // Sentinel-2 L1C without a thermal band: greenness, wetness, dryness.
  EXPECT_TRUE(model.present[0] && model.present[1] && model.present[3]);
  EXPECT_FALSE(model.present[2]);
  EXPECT_EQ(contents.grid.width, b02.width);
  EXPECT_EQ(contents.grid.height, b02.height);
  for (int year : {2016, 2018}) {
    for (const UnitYearIndicators& row : contents.indicators.at(year)) {
      EXPECT_GT(row.valid_area_m2, 0.9 * row.area_m2) << row.unit_code << " " << year;
      EXPECT_FALSE(std::isnan(row.rsei_mean)) << row.unit_code << " " << year;
      EXPECT_FALSE(std::isnan(row.component_means[1])) << row.unit_code << " " << year;
    }
  }

  // Wetness of 2016 (the reference year) recomputed from the bands: the OLI coefficients
  // applied to the reflectances (the 20 m SWIR bands interpolated bilinearly onto the 10 m
  // grid), normalized by the archived 1 %/99 % range. The scene reader's interpolation is its
  // own, so a few pixels may differ; the coefficients show in the bulk.
  std::array<std::vector<double>, 6> bands;
  const std::array<const char*, 6> names{"B02", "B03", "B04", "B08", "B11", "B12"};
  for (std::size_t b = 0; b < 6; ++b) bands[b] = beihai_band(names[b], b02);
  const std::vector<double> stored =
      archived_raster(archive, 2016, "rsei_wetness", contents.grid.width, contents.grid.height);
  const auto raw_wetness = [&](const std::array<double, 6>& c) {
    std::vector<double> w(stored.size(), std::nan(""));
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (std::isnan(stored[i])) continue;  // water and no data carry no RSEI component
      double sum = 0.0;
      for (std::size_t b = 0; b < 6; ++b) sum += c[b] * bands[b][i];
      w[i] = sum;
    }
    return w;
  };
  const auto share_matching = [&](const std::vector<double>& w, double low, double high) {
    std::size_t valid = 0, close = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (std::isnan(w[i])) continue;
      ++valid;
      close += std::abs(std::clamp((w[i] - low) / (high - low), 0.0, 1.0) - stored[i]) <= 2e-3;
    }
    return valid == 0 ? 0.0 : double(close) / double(valid);
  };
  const std::vector<double> oli = raw_wetness(kOliWetness), tm = raw_wetness(kTmWetness);
  // The calibration's range is the 1 %/99 % of this wetness over the land pixels (0.0005 bins).
  EXPECT_NEAR(model.low[1], quantile(oli, 0.01), 2e-3);
  EXPECT_NEAR(model.high[1], quantile(oli, 0.99), 2e-3);
  const double oli_share = share_matching(oli, model.low[1], model.high[1]);
  const double tm_share = share_matching(tm, quantile(tm, 0.01), quantile(tm, 0.99));
  std::printf("OSCD Beihai 2016 wetness: %.4f of land pixels within 0.002 with the OLI stand-in, %.4f with TM\n",
              oli_share, tm_share);
  EXPECT_GT(oli_share, 0.99);
  EXPECT_LT(tm_share, 0.5) << "the check tells coefficient sets apart";

  // Assessed: classes from the archived values and the thresholds.
  const RunResult assessed = assess(archive, 2018, root_ / "out", root_);
  ASSERT_EQ(assessed.exit_code, 0) << assessed;
  expect_classes_follow(contents, root_ / "out", 2018, 2016, 2016, "rsei");
  EXPECT_EQ(feature_count(root_ / "out" / "assessment.gpkg", "assessment"), 2);

  // Self-describing: what h5py sees without zonewatch.
  if (!python_has("h5py, numpy")) GTEST_SKIP() << kPython << " has no h5py: the HDF5 read-back is skipped";
  const nlohmann::json h5 = run_python(root_, "h5dump", kH5Dump, {archive.string()});
  const nlohmann::json& root = h5.at("/").at("attrs");
  EXPECT_EQ(root.at("format"), "zonewatch-assessment-archive");
  EXPECT_EQ(root.at("programme"), "北海 OSCD");
  EXPECT_EQ(root.at("width"), b02.width);
  for (int i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(root.at("geotransform").at(i).get<double>(), b02.gt[i]) << i;
  OGRSpatialReference archived_srs;
  ASSERT_EQ(archived_srs.importFromWkt(root.at("crs_wkt").get<std::string>().c_str()), OGRERR_NONE);
  const char* const kIgnoreAxes[] = {"IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES", nullptr};
  EXPECT_TRUE(archived_srs.IsSame(&b02.srs, kIgnoreAxes)) << root.at("crs_wkt");
  const nlohmann::json& calibration = h5.at("/calibration").at("attrs");
  EXPECT_EQ(calibration.at("rsei_component_present"), (nlohmann::json{1, 1, 0, 1}));
  EXPECT_DOUBLE_EQ(calibration.at("rsei_component_low").at(1).get<double>(), model.low[1]);
  EXPECT_EQ(h5.at("/units/code").at("values"), (nlohmann::json{"BH-W", "BH-E"}));
  EXPECT_EQ(h5.at("/units/name").at("values"), (nlohmann::json{"北海西", "北海东"}));
  EXPECT_NE(h5.at("/units/geometry_wkt").at("values").at(0).get<std::string>().find("POLYGON"), std::string::npos);
  for (const auto& [year, date, folder] : {std::tuple{2016, "2016-12-09", "imgs_1"}, {2018, "2018-03-09", "imgs_2"}}) {
    const std::string group = "/years/" + std::to_string(year);
    SCOPED_TRACE(group);
    const nlohmann::json& info = h5.at(group).at("attrs");
    EXPECT_EQ(info.at("first_date"), date);
    EXPECT_EQ(info.at("last_date"), date);
    EXPECT_EQ(info.at("sensor"), "sentinel2-l1c");
    EXPECT_NE(info.at("scene_paths").dump().find(folder), std::string::npos) << info.at("scene_paths");
    EXPECT_FALSE(info.at("zonewatch_version").get<std::string>().empty());
    EXPECT_FALSE(info.at("created_utc").get<std::string>().empty());
    for (const char* raster : {"ndvi", "fvc", "rsei", "rsei_greenness", "rsei_wetness", "rsei_dryness"}) {
      const nlohmann::json& entry = h5.at(group + "/rasters/" + raster);
      EXPECT_EQ(entry.at("dtype"), "int16") << raster;
      EXPECT_EQ(entry.at("shape"), (nlohmann::json{b02.height, b02.width})) << raster;
      EXPECT_EQ(entry.at("chunks"), (nlohmann::json{256, 256})) << raster;
      EXPECT_DOUBLE_EQ(entry.at("attrs").at("scale_factor").get<double>(), 1e-4) << raster;
      EXPECT_EQ(entry.at("attrs").at("add_offset"), 0) << raster;
      EXPECT_EQ(entry.at("attrs").at("_FillValue"), -32768) << raster;
      EXPECT_FALSE(entry.at("attrs").at("long_name").get<std::string>().empty()) << raster;
      EXPECT_TRUE(entry.at("attrs").contains("units")) << raster;
    }
    EXPECT_FALSE(h5.contains(group + "/rasters/rsei_heat")) << "no thermal band, no heat raster";
    for (const char* column : {"area_m2", "ndvi_mean", "fvc_mean", "rsei_mean", "rsei_wetness_mean"}) {
      const nlohmann::json& entry = h5.at(group + "/units/" + column);
      EXPECT_EQ(entry.at("dtype"), "float64") << column;
      EXPECT_EQ(entry.at("values").size(), 2u) << column;
      EXPECT_TRUE(entry.at("attrs").contains("units")) << column;
    }
  }
}

}  // namespace
}  // namespace zw::e2e
