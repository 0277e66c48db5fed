// End to end on a real drone orthophoto (OpenDroneMap fixture: RGBA, 0.5 m, UTM 15N):
//  - aggregated onto a 10 m grid it is averaged over each grid pixel's area (not sampled
//    bilinearly), and grid pixels less than half covered by valid (alpha) pixels are no data;
//  - two flights (two overlapping crops of the orthophoto, the later one with a new
//    15 m x 15 m grey surface) scanned on a fine grid over the later flight's footprint;
//  - the later flight against a satellite-like period composite, on the flight's grid.
#include <gdal_utils.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "e2e_support.hpp"
#include "test_paths.hpp"
#include "zonewatch/pipeline/config/sensor_profile.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/inputs/scene.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

const fs::path kOrtho = fs::path(ZONEWATCH_SHARED_DATA) / "uav" / "orthophoto.tif";

/// gdalwarp through the C API; fails the test on error.
void warp(const fs::path& src, const fs::path& dst, std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  GDALWarpAppOptions* options = GDALWarpAppOptionsNew(argv.data(), nullptr);
  Dataset in = open_dataset(src, GDAL_OF_RASTER | GDAL_OF_READONLY);
  ASSERT_TRUE(in) << src;
  GDALDatasetH handle = GDALDataset::ToHandle(in.get());
  int usage_error = 0;
  GDALDatasetH out = GDALWarp(dst.c_str(), nullptr, 1, &handle, options, &usage_error);
  GDALWarpAppOptionsFree(options);
  ASSERT_NE(out, nullptr) << dst;
  GDALClose(out);
}

/// Paints a w x h block of an RGB(A) GeoTIFF grey (a new road, roof or cleared plot).
void paint_grey(const fs::path& path, int x0, int y0, int w, int h) {
  Dataset ds = open_dataset(path, GDAL_OF_RASTER | GDAL_OF_UPDATE);
  ASSERT_TRUE(ds);
  std::vector<std::uint8_t> grey(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), 150);
  for (int b = 1; b <= 3; ++b) {
    ASSERT_EQ(ds->GetRasterBand(b)->RasterIO(GF_Write, x0, y0, w, h, grey.data(), w, h, GDT_Byte, 0, 0, nullptr),
              CE_None);
  }
}

/// One priority unit over [x0, x1] x [y0, y1] in EPSG:32615.
void write_units(const fs::path& gpkg, double x0, double y0, double x1, double y1) {
  OGRSpatialReference srs;
  srs.importFromEPSG(32615);
  write_rect_units(gpkg, srs, {{"UAV01", "park", "priority", "MN", {x0, y0, x1, y1}}});
}

class UavTest : public TempFolderTest {
 protected:
  void SetUp() override {
    if (!fs::exists(kOrtho))
      GTEST_SKIP() << kOrtho << " is absent: the drone orthophotos (../shared/data/uav) are needed";
    TempFolderTest::SetUp();
  }
};

TEST_F(UavTest, OrthophotoIsAveragedOntoATenMetreGrid) {
  const SensorProfile rgb = load_sensor_profile("rgb", sensor_search_dirs({}));
  const Scene scene = resolve_scene("after", SceneOptions{kOrtho.string(), "2021-06-01", "rgb"}, rgb);
  ASSERT_TRUE(scene.alpha.has_value()) << "the RGBA orthophoto's alpha band is the mask";
  const AnalysisGrid grid = make_analysis_grid(scene, GridOptions{"EPSG:32615", 10.0});
  ASSERT_EQ(grid.width, 12);
  ASSERT_EQ(grid.height, 12);
  SceneReader reader(scene, grid, {kernels::BandRole::red, kernels::BandRole::green, kernels::BandRole::blue});
  EXPECT_TRUE(reader.aggregated());
  RawSceneTile tile;
  reader.read(grid.full(), tile);
  const RawBand& red = tile.bands[static_cast<int>(kernels::BandRole::red)];
  ASSERT_EQ(red.type, GDT_Byte);

  // Reference: every 0.5 m pixel weighted by the area it shares with the 10 m cell,
  // alpha 0 pixels left out; coverage = valid area / cell area.
  Dataset ds = open_dataset(kOrtho, GDAL_OF_RASTER | GDAL_OF_READONLY);
  const int w = ds->GetRasterXSize(), h = ds->GetRasterYSize();
  double gt[6];
  ds->GetGeoTransform(gt);
  std::vector<std::uint8_t> r(static_cast<std::size_t>(w) * h), a(static_cast<std::size_t>(w) * h);
  ASSERT_EQ(ds->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, w, h, r.data(), w, h, GDT_Byte, 0, 0, nullptr), CE_None);
  ASSERT_EQ(ds->GetRasterBand(4)->RasterIO(GF_Read, 0, 0, w, h, a.data(), w, h, GDT_Byte, 0, 0, nullptr), CE_None);
  int compared = 0, masked = 0;
  double bilinear_like_error = 0.0;
  for (int row = 0; row < grid.height; ++row) {
    for (int col = 0; col < grid.width; ++col) {
      const double cx0 = grid.geotransform[0] + col * 10.0, cx1 = cx0 + 10.0;
      const double cy1 = grid.geotransform[3] - row * 10.0, cy0 = cy1 - 10.0;
      double valid_area = 0.0, sum = 0.0;
      for (int y = 0; y < h; ++y) {
        const double py1 = gt[3] + y * gt[5], py0 = py1 + gt[5];
        const double oy = std::min(py1, cy1) - std::max(py0, cy0);
        if (oy <= 0) continue;
        for (int x = 0; x < w; ++x) {
          const double px0 = gt[0] + x * gt[1], px1 = px0 + gt[1];
          const double ox = std::min(px1, cx1) - std::max(px0, cx0);
          if (ox <= 0) continue;
          const std::size_t i = static_cast<std::size_t>(y) * w + x;
          if (a[i] == 0) continue;
          valid_area += ox * oy;
          sum += ox * oy * r[i];
        }
      }
      const double coverage = valid_area / 100.0;
      const std::size_t g = static_cast<std::size_t>(row) * grid.width + col;
      const bool valid = tile.valid.empty() || tile.valid[g] != 0;
      if (coverage > 0.55) {
        ASSERT_TRUE(valid) << "cell " << col << "," << row << " is " << coverage * 100 << " % covered";
        const double mean = sum / valid_area;
        EXPECT_NEAR(static_cast<double>(red.view<std::uint8_t>()(col, row)), mean, 1.0) << "cell " << col << "," << row;
        // What one 0.5 m pixel at the cell centre says: the textures differ by far more.
        const int sx = static_cast<int>((cx0 + 5.0 - gt[0]) / gt[1]),
                  sy = static_cast<int>((cy1 - 5.0 - gt[3]) / gt[5]);
        bilinear_like_error += std::abs(r[static_cast<std::size_t>(sy) * w + sx] - mean);
        ++compared;
      } else if (coverage < 0.45) {
        EXPECT_FALSE(valid) << "cell " << col << "," << row << " is only " << coverage * 100 << " % covered";
        ++masked;
      }
    }
  }
  EXPECT_GE(compared, 80);
  EXPECT_GE(masked, 10);  // the snapped grid reaches past the flight on every side
  EXPECT_GT(bilinear_like_error / compared, 5.0) << "a point sample would not have been the area mean";
}

TEST_F(UavTest, TwoFlightsOnTheLaterFlightsFineGrid) {
  // Earlier flight: columns 0..169 of the orthophoto; later flight: columns 30..211, its own
  // footprint, with a 30 x 30 px (15 m x 15 m) grey surface laid over the lawn.
  const fs::path before = root_ / "flight_2021-05-01.tif", after = root_ / "flight_2021-06-01.tif";
  translate(kOrtho, before, {"-q", "-of", "GTiff", "-srcwin", "0", "0", "170", "212"});
  translate(kOrtho, after, {"-q", "-of", "GTiff", "-srcwin", "30", "0", "182", "212"});
  paint_grey(after, 15, 125, 30, 30);  // orthophoto columns 45..74, rows 125..154
  write_units(root_ / "units.gpkg", 576600, 5188100, 576800, 5188300);
  YAML::Node config;
  config["before"]["path"] = before.string();
  config["before"]["date"] = "2021-05-01";
  config["before"]["sensor"] = "rgb";
  config["after"]["path"] = after.string();
  config["after"]["date"] = "2021-06-01";
  config["after"]["sensor"] = "rgb";
  config["units"]["path"] = (root_ / "units.gpkg").string();
  config["grid"]["footprint"] = "after";
  config["grid"]["resolution"] = 1.0;
  config["detection"]["min_mapping_unit_m2"] = 50;
  config["output"]["dir"] = (root_ / "out").string();
  const RunResult result = scan(write_config(config, root_ / "flights.yaml"), root_);
  ASSERT_EQ(result.exit_code, 0) << result;

  // The grid is the later flight's footprint at 1 m, snapped outwards.
  const Raster change = read_raster(root_ / "out" / "change.tif");
  Dataset later = open_dataset(after, GDAL_OF_RASTER | GDAL_OF_READONLY);
  double gt[6];
  later->GetGeoTransform(gt);
  EXPECT_EQ(change.geotransform[0], std::floor(gt[0]));
  EXPECT_EQ(change.geotransform[3], std::ceil(gt[3]));
  EXPECT_EQ(change.geotransform[1], 1.0);
  EXPECT_EQ(change.width, static_cast<int>(std::ceil(gt[0] + later->GetRasterXSize() * gt[1]) - std::floor(gt[0])));
  EXPECT_EQ(change.epsg, "32615");

  // Where the earlier flight did not fly, there is no data.
  const double before_east = gt[0] - 30 * gt[1] + 170 * gt[1];
  const int first_outside = static_cast<int>(std::ceil(before_east - change.geotransform[0])) + 1;
  std::size_t outside = 0, outside_nodata = 0;
  for (int row = 0; row < change.height; ++row) {
    for (int col = first_outside; col < change.width; ++col) {
      ++outside;
      outside_nodata += change.values[static_cast<std::size_t>(row) * change.width + col] == 255 ? 1 : 0;
    }
  }
  EXPECT_GT(outside, 1000u);
  EXPECT_EQ(outside_nodata, outside);

  // The grey surface is change; the rest of the shared footprint is not.
  const double sx0 = gt[0] + 15 * gt[1], sx1 = gt[0] + 45 * gt[1];
  const double sy1 = gt[3] + 125 * gt[5], sy0 = gt[3] + 155 * gt[5];
  std::size_t inside = 0, inside_changed = 0, elsewhere = 0, elsewhere_changed = 0;
  for (int row = 0; row < change.height; ++row) {
    for (int col = 0; col < first_outside - 2; ++col) {
      const double x = change.geotransform[0] + col + 0.5, y = change.geotransform[3] - row - 0.5;
      const double v = change.values[static_cast<std::size_t>(row) * change.width + col];
      if (v == 255) continue;
      const bool is_change = v >= 1 && v < kernels::kChangeTypeCount;
      if (x > sx0 + 1 && x < sx1 - 1 && y > sy0 + 1 && y < sy1 - 1) {
        ++inside;
        inside_changed += is_change ? 1 : 0;
      } else if (x < sx0 - 2 || x > sx1 + 2 || y < sy0 - 2 || y > sy1 + 2) {
        ++elsewhere;
        elsewhere_changed += is_change ? 1 : 0;
      }
    }
  }
  EXPECT_GT(inside, 150u);
  EXPECT_GT(static_cast<double>(inside_changed), 0.9 * static_cast<double>(inside));
  EXPECT_LT(static_cast<double>(elsewhere_changed), 0.01 * static_cast<double>(elsewhere));
  const auto hotspots = read_layer(root_ / "out" / "alerts.gpkg", "hotspots");
  ASSERT_EQ(hotspots.size(), 1u);
  EXPECT_NEAR(std::stod(hotspots[0].at("area_m2")), 225.0, 60.0);
}

TEST_F(UavTest, LaterFlightAgainstASatelliteComposite) {
  // Two satellite-like 10 m scenes of May (the orthophoto averaged), composited as the
  // before period; the later flight (painted) is the after scene and gives the grid.
  const fs::path satellite = root_ / "satellite";
  fs::create_directories(satellite);
  for (const char* date : {"2021-05-03", "2021-05-18"}) {
    warp(kOrtho, satellite / ("S_" + std::string(date) + ".tif"),
         {"-q", "-of", "GTiff", "-r", "average", "-tr", "10", "10", "-tap", "-dstalpha"});
  }
  const fs::path flight = root_ / "flight.tif";
  translate(kOrtho, flight, {"-q", "-of", "GTiff"});
  paint_grey(flight, 45, 125, 30, 30);
  write_units(root_ / "units.gpkg", 576600, 5188100, 576800, 5188300);
  YAML::Node config;
  config["before"]["period"] = "2021-05-01..2021-05-31";
  config["before"]["sources"].push_back(satellite.string());
  config["before"]["sensor"] = "rgb";
  config["after"]["path"] = flight.string();
  config["after"]["date"] = "2021-06-01";
  config["after"]["sensor"] = "rgb";
  config["units"]["path"] = (root_ / "units.gpkg").string();
  config["grid"]["footprint"] = "after";
  config["grid"]["resolution"] = 2.0;
  config["output"]["dir"] = (root_ / "out").string();
  const RunResult result = scan(write_config(config, root_ / "flight-vs-satellite.yaml"), root_);
  ASSERT_EQ(result.exit_code, 0) << result;
  const fs::path composite = root_ / "out" / "composite_before.tif";
  ASSERT_TRUE(fs::exists(composite));
  const Raster count = read_raster(composite, 4);  // red, green, blue, count
  const Raster change = read_raster(root_ / "out" / "change.tif");
  EXPECT_EQ(count.width, change.width);
  EXPECT_EQ(count.geotransform, change.geotransform);
  EXPECT_EQ(change.geotransform[1], 2.0);
  // Both May scenes are clear wherever the satellite grid saw the flight.
  EXPECT_GT(std::count(count.values.begin(), count.values.end(), 2.0), static_cast<long>(count.values.size() / 2));
  const nlohmann::json run = read_json(root_ / "out" / "run.json");
  EXPECT_EQ(run.at("composites").at("before").at("scenes").size(), 2u);
  EXPECT_EQ(run.at("inputs").at("after").at("path"), flight.string());
}

}  // namespace
}  // namespace zw::e2e
