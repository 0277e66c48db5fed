// Gridded quality layers: band times (GeoTIFF band metadata, CF units), per-period pixel means
// averaged over pixel centres inside the unit, and a layer without time refused.
#include "zonewatch/pipeline/quality/quality_grid.hpp"

#include <cmath>
#include <string>

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogr_spatialref.h>

#include "support/temp_folder.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/quality/unit_quality.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;

std::string wgs84_wkt() {
  OGRSpatialReference srs;
  srs.importFromEPSG(4326);
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  char* wkt = nullptr;
  srs.exportToWkt(&wkt);
  std::string text(wkt);
  CPLFree(wkt);
  return text;
}

class QualityGridTest : public test::TempFolderTest {
 protected:
  void SetUp() override {
    test::TempFolderTest::SetUp();
    init_gdal();
  }

  /// 4 x 4 pixels of 0.01 degrees from (116.00, 40.04); bands dated by `dates` ("" = none):
  /// band 1 is 10 (nodata -9999 at pixel 0,0), band 2 is 20, band 3 is 30 + column.
  fs::path write_layer(const std::vector<std::string>& dates) {
    const fs::path path = root_ / "layer.tif";
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GTiff");
    GDALDataset* ds = driver->Create(path.c_str(), 4, 4, static_cast<int>(dates.size()), GDT_Float32, nullptr);
    double gt[6] = {116.0, 0.01, 0.0, 40.04, 0.0, -0.01};
    ds->SetGeoTransform(gt);
    OGRSpatialReference srs;
    srs.importFromEPSG(4326);
    ds->SetSpatialRef(&srs);
    for (int b = 1; b <= static_cast<int>(dates.size()); ++b) {
      std::vector<float> pixels(16);
      for (int i = 0; i < 16; ++i)
        pixels[static_cast<std::size_t>(i)] = b == 1 ? 10.0f : b == 2 ? 20.0f : 30.0f + static_cast<float>(i % 4);
      GDALRasterBand* band = ds->GetRasterBand(b);
      if (b == 1) {
        pixels[0] = -9999.0f;
        band->SetNoDataValue(-9999.0);
      }
      EXPECT_EQ(band->RasterIO(GF_Write, 0, 0, 4, 4, pixels.data(), 4, 4, GDT_Float32, 0, 0, nullptr), CE_None);
      if (!dates[static_cast<std::size_t>(b - 1)].empty())
        band->SetMetadataItem("DATE", dates[static_cast<std::size_t>(b - 1)].c_str());
    }
    GDALClose(GDALDataset::ToHandle(ds));
    return path;
  }
};

TEST_F(QualityGridTest, CfTimeUnits) {
  EXPECT_EQ(cf_time_hour(1.5, "days since 1970-01-01"), 36);
  EXPECT_EQ(cf_time_hour(5.0, "hours since 2000-01-01 00:00:00"), hour_index(2000, 1, 1, 5));
  EXPECT_EQ(cf_time_hour(7200.0, "seconds since 2000-01-01T03:00:00Z"), hour_index(2000, 1, 1, 5));
  EXPECT_FALSE(cf_time_hour(1.0, "furlongs since 2000-01-01"));
  EXPECT_FALSE(cf_time_hour(1.0, "days"));
}

TEST_F(QualityGridTest, BandDatesFromMetadata) {
  const QualityGridOptions layer{"PM2.5", write_layer({"2013-06-01", "2013-07-01T05:00:00", "2016-06-01"}).string(),
                                 ""};
  const auto hours = quality_grid_band_hours(layer);
  ASSERT_EQ(hours.size(), 3U);
  EXPECT_EQ(hours[0], hour_index(2013, 6, 1, 0));
  EXPECT_EQ(hours[1], hour_index(2013, 7, 1, 5));
}

TEST_F(QualityGridTest, LayerWithoutTimeIsAnInputError) {
  const QualityGridOptions layer{"PM2.5", write_layer({"2013-06-01", ""}).string(), ""};
  try {
    (void)quality_grid_band_hours(layer);
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("layer.tif: band 2 has no time; expected a time dimension"), std::string::npos) << message;
  }
  const QualityGridOptions missing_variable{"PM2.5", layer.path, "pm25"};
  EXPECT_THROW((void)quality_grid_band_hours(missing_variable), InputError);
}

TEST_F(QualityGridTest, UnitMeanOfPerPixelPeriodMeans) {
  const QualityGridOptions layer{"PM2.5", write_layer({"2013-06-01", "2013-07-01", "2016-06-01"}).string(), ""};
  ControlUnit corner;  // the top-left 2 x 2 pixels
  corner.code = "C";
  corner.geometry_wkt = "POLYGON ((116.0 40.02,116.02 40.02,116.02 40.04,116.0 40.04,116.0 40.02))";
  ControlUnit outside;
  outside.code = "O";
  outside.geometry_wkt = "POLYGON ((100 10,101 10,101 11,100 11,100 10))";
  const std::vector<ControlUnit> units{corner, outside};
  const QualityPeriod before = QualityPeriod::parse("2013-03-01..2014-02-28", "b");
  const QualityPeriod after = QualityPeriod::parse("2016-03-01..2017-02-28", "a");
  const auto b = quality_grid_unit_means(layer, units, wgs84_wkt(), before.first_hour(), before.hours());
  // Pixel (0,0): band 1 is nodata, so its mean is 20; the other three (10 + 20) / 2 = 15.
  EXPECT_DOUBLE_EQ(b[0].mean, (20.0 + 3 * 15.0) / 4.0);
  EXPECT_DOUBLE_EQ(b[0].valid_share, 7.0 / 8.0);
  EXPECT_TRUE(std::isnan(b[1].mean));
  EXPECT_EQ(b[1].valid_share, 0.0);

  QualityOptions o;
  o.grids = {layer};
  o.decline.relative = 0.5;
  const QualityResult r = assess_unit_quality(o, units, wgs84_wkt(), before, after);
  const QualityMeasure& m = r.units[0].measures.at(0);
  EXPECT_EQ(m.source, "grid");
  EXPECT_DOUBLE_EQ(m.after.mean, 30.5);  // columns 0 and 1: 30 and 31
  EXPECT_DOUBLE_EQ(m.after.valid_share, 1.0);
  EXPECT_TRUE(m.declined);  // 16.25 -> 30.5 is +87.7 %
  EXPECT_FALSE(r.units[1].declined);
}

}  // namespace
}  // namespace zw
