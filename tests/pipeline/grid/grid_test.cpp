// The analysis grid: pixel areas (projected and ellipsoidal), the choice of the before
// scene's finest band, grid.crs / grid.resolution with snapping, overlap checks, and the
// reading of bands onto the grid (direct where a file lies on it, bilinear warp else).
#include "zonewatch/pipeline/grid/grid.hpp"

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogr_spatialref.h>

#include "test_paths.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;
using kernels::BandRole;
using kernels::Window;

constexpr double kPi = 3.14159265358979323846;
const fs::path kSourceDir = ZONEWATCH_SOURCE_DIR;

std::string wkt_of(int epsg) {
  OGRSpatialReference srs;
  srs.importFromEPSG(epsg);
  char* wkt = nullptr;
  srs.exportToWkt(&wkt);
  std::string out = wkt;
  CPLFree(wkt);
  return out;
}

// Options built field by field: the structs grow, and -Wmissing-field-initializers is on.
BandLocation file_band(const std::string& token) {
  BandLocation location;
  location.file_token = token;
  return location;
}

SceneOptions scene_options(const fs::path& path, const std::string& date, const std::string& sensor) {
  SceneOptions options;
  options.path = path.string();
  options.date = date;
  options.sensor = sensor;
  return options;
}

GridOptions grid_options(const std::string& crs, double resolution) {
  GridOptions options;
  options.crs = crs;
  options.resolution = resolution;
  return options;
}

// ---------------------------------------------------------------------------------------
// Pixel areas

TEST(PixelAreaTest, ProjectedGridInMetres) {
  AnalysisGrid grid;
  grid.crs_wkt = wkt_of(32648);
  grid.geotransform = {623130.0, 10.0, 0.0, 3258550.0, 0.0, -10.0};
  grid.width = grid.height = 100;
  EXPECT_DOUBLE_EQ(grid.pixel_area_m2(0), 100.0);
  EXPECT_DOUBLE_EQ(grid.pixel_area_m2(99), 100.0);
  const auto rows = grid.row_areas_m2(10, 3);
  EXPECT_EQ(rows, (std::vector<double>{100.0, 100.0, 100.0}));
}

TEST(PixelAreaTest, GridWithoutCrsCountsPixels) {
  AnalysisGrid grid;
  grid.width = grid.height = 10;
  EXPECT_DOUBLE_EQ(grid.pixel_area_m2(0), 1.0);
}

TEST(PixelAreaTest, GridWithoutCrsTakesTheGivenPixelSize) {
  // `eval --pixel-size 1.5` on images without georeferencing: 1.5 m per pixel unit.
  AnalysisGrid grid;
  grid.width = grid.height = 10;
  grid.linear_unit_m = 1.5;
  EXPECT_DOUBLE_EQ(grid.pixel_area_m2(0), 2.25);
  EXPECT_EQ(grid.row_areas_m2(0, 2), (std::vector<double>{2.25, 2.25}));
}

TEST(PixelAreaTest, GeographicCellAt30NorthMatchesTheEllipsoid) {
  // A 0.001° x 0.001° cell centred on 30° N, WGS 84 (a = 6378137 m, 1/f = 298.257223563).
  // By hand: e² = f(2 - f) = 0.00669437999014; at φ = 30°, sin²φ = 1/4, w = 1 - e² sin²φ;
  //   M = a(1 - e²) / w^1.5 = 6351377.1037 m  (meridian radius of curvature)
  //   N = a / w^0.5         = 6383480.9177 m  (prime vertical radius of curvature)
  //   area ≈ M Δφ · N cosφ Δλ = 110.8518... m · 96.4911... m = 10695.7398 m²
  // (the small-cell product differs from the exact band integral by ~1e-13 relative).
  AnalysisGrid grid;
  grid.crs_wkt = wkt_of(4326);
  grid.geographic = true;
  grid.geotransform = {106.0, 0.001, 0.0, 30.0005, 0.0, -0.001};
  grid.width = grid.height = 10;

  const double a = 6378137.0, f = 1.0 / 298.257223563, e2 = f * (2.0 - f);
  const double phi = 30.0 * kPi / 180.0, d = 0.001 * kPi / 180.0;
  const double w = 1.0 - e2 * std::sin(phi) * std::sin(phi);
  const double m = a * (1.0 - e2) / std::pow(w, 1.5), n = a / std::sqrt(w);
  const double by_hand = m * d * n * std::cos(phi) * d;
  EXPECT_NEAR(m, 6351377.1037, 1e-3);
  EXPECT_NEAR(n, 6383480.9177, 1e-3);
  EXPECT_NEAR(by_hand, 10695.7398, 1e-4);
  EXPECT_NEAR(grid.pixel_area_m2(0), by_hand, 1e-6);  // 1 mm²

  // Not a sphere: the authalic sphere (R = 6371007.2 m) is off by ~0.2 % here.
  const double sphere = 6371007.2 * 6371007.2 * d * (std::sin(30.0005 * kPi / 180) - std::sin(29.9995 * kPi / 180));
  EXPECT_GT(std::abs(grid.pixel_area_m2(0) - sphere), 5.0);

  // Rows grow southwards, towards the equator; row_areas_m2 agrees with pixel_area_m2.
  EXPECT_LT(grid.pixel_area_m2(0), grid.pixel_area_m2(1));
  const auto rows = grid.row_areas_m2(0, 3);
  ASSERT_EQ(rows.size(), 3u);
  for (int r = 0; r < 3; ++r) EXPECT_DOUBLE_EQ(rows[static_cast<std::size_t>(r)], grid.pixel_area_m2(r));
  // The equator cell of the same size: M(0) N(0) Δφ Δλ = a²(1 - e²) d².
  grid.geotransform[3] = 0.0005;
  EXPECT_NEAR(grid.pixel_area_m2(0), a * a * (1.0 - e2) * d * d, 1e-3);
}

// ---------------------------------------------------------------------------------------
// Grid from scenes

class GridTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { GDALAllRegister(); }
  void SetUp() override {
    std::random_device device;
    root_ = fs::temp_directory_path() /
            ("zonewatch-grid-test-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  /// A Float32 GeoTIFF in EPSG:32648 whose pixel (col, row) holds value(col, row).
  fs::path write_band(const std::string& name, double x0, double y0, double pixel, int width, int height,
                      const std::function<float(int, int)>& value, int epsg = 32648) {
    const fs::path path = root_ / "scene" / name;
    fs::create_directories(path.parent_path());
    GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
    GDALDataset* ds = gtiff->Create(path.c_str(), width, height, 1, GDT_Float32, nullptr);
    EXPECT_NE(ds, nullptr);
    double gt[6] = {x0, pixel, 0.0, y0, 0.0, -pixel};
    ds->SetGeoTransform(gt);
    OGRSpatialReference srs;
    srs.importFromEPSG(epsg);
    ds->SetSpatialRef(&srs);
    std::vector<float> pixels(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    for (int r = 0; r < height; ++r) {
      for (int c = 0; c < width; ++c) pixels[static_cast<std::size_t>(r) * width + c] = value(c, r);
    }
    EXPECT_EQ(ds->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, width, height, pixels.data(), width, height, GDT_Float32,
                                             0, 0, nullptr),
              CE_None);
    GDALClose(ds);
    return path;
  }

  /// A folder scene (root_/<folder>) whose profile maps blue->B02, red->B04, swir1->B11.
  Scene scene(const std::optional<double>& nodata = std::nullopt, const std::string& folder = "scene") {
    SensorProfile profile;
    profile.name = "test";
    profile.bands[static_cast<int>(BandRole::blue)] = file_band("B02");
    profile.bands[static_cast<int>(BandRole::red)] = file_band("B04");
    profile.bands[static_cast<int>(BandRole::swir1)] = file_band("B11");
    profile.nodata = nodata;
    return resolve_scene("before", scene_options(root_ / folder, "2020-01-01", "test"), profile);
  }

  /// Red and blue (B04, B02: w x h at 10 m) and SWIR (B11: swir_width x h / 2 at 20 m) of the
  /// linear field below, all from the same corner.
  void write_linear_field_bands(int w, int h, int swir_width);

  fs::path root_;
};

// Linear field sampled at pixel centres: f(X, Y) = 100 + 0.1 (X - 600000) + 0.15 (3300000 - Y).
float field(double x, double y) { return static_cast<float>(100.0 + 0.1 * (x - 600000.0) + 0.15 * (3300000.0 - y)); }
std::function<float(int, int)> sampled(double pixel) {
  return [pixel](int c, int r) { return field(600000.0 + (c + 0.5) * pixel, 3300000.0 - (r + 0.5) * pixel); };
}

void GridTest::write_linear_field_bands(int w, int h, int swir_width) {
  write_band("T_B04.tif", 600000, 3300000, 10, w, h, sampled(10));
  write_band("T_B11.tif", 600000, 3300000, 20, swir_width, h / 2, sampled(20));
  write_band("T_B02.tif", 600000, 3300000, 10, w, h, sampled(10));
}

TEST_F(GridTest, DefaultGridIsTheBeforeScenesFinestBand) {
  // Blue comes first in role order but is 60 m; SWIR 20 m; red 10 m is the finest.
  write_band("T_B02.tif", 600000, 3300000, 60, 7, 5, sampled(60));
  write_band("T_B11.tif", 600000, 3300000, 20, 20, 15, sampled(20));
  write_band("T_B04.tif", 600000, 3300000, 10, 40, 30, sampled(10));
  const AnalysisGrid grid = make_analysis_grid(scene(), GridOptions{});
  EXPECT_EQ(grid.width, 40);
  EXPECT_EQ(grid.height, 30);
  EXPECT_EQ(grid.geotransform, (std::array<double, 6>{600000, 10, 0, 3300000, 0, -10}));
  EXPECT_FALSE(grid.geographic);
  EXPECT_DOUBLE_EQ(grid.pixel_area_m2(0), 100.0);
  OGRSpatialReference srs;
  srs.importFromWkt(grid.crs_wkt.c_str());
  EXPECT_STREQ(srs.GetAuthorityCode(nullptr), "32648");
}

TEST_F(GridTest, ResolutionOverrideSnapsTheExtentOutwards) {
  write_band("T_B04.tif", 600005, 3299995, 10, 40, 30, sampled(10));  // 600005..600405 x 3299695..3299995
  write_band("T_B02.tif", 600005, 3299995, 20, 20, 15, sampled(20));
  write_band("T_B11.tif", 600005, 3299995, 20, 20, 15, sampled(20));
  const AnalysisGrid grid = make_analysis_grid(scene(), grid_options("", 30.0));
  EXPECT_EQ(grid.geotransform, (std::array<double, 6>{600000, 30, 0, 3300000, 0, -30}));
  EXPECT_EQ(grid.width, 14);   // 600000 .. 600420
  EXPECT_EQ(grid.height, 11);  // 3299670 .. 3300000
  EXPECT_DOUBLE_EQ(grid.pixel_area_m2(5), 900.0);
}

TEST_F(GridTest, CrsOverrideReprojectsTheSample) {
  // The sample's bands are in EPSG:4326; grid.crs EPSG:32648 at 10 m covers them, snapped.
  SensorProfile profile;
  profile.name = "red";
  profile.bands[static_cast<int>(BandRole::red)] = file_band("B04");
  const Scene sample = resolve_scene(
      "before", scene_options(kSourceDir / "samples" / "chongqing" / "before", "2017-04-14", "red"), profile);
  const AnalysisGrid grid = make_analysis_grid(sample, grid_options("EPSG:32648", 10.0));
  EXPECT_EQ(grid.geotransform[1], 10.0);
  EXPECT_EQ(grid.geotransform[5], -10.0);
  EXPECT_EQ(std::fmod(grid.geotransform[0], 10.0), 0.0);
  EXPECT_EQ(std::fmod(grid.geotransform[3], 10.0), 0.0);
  EXPECT_NEAR(grid.width, 519, 2);
  EXPECT_NEAR(grid.height, 789, 2);
  EXPECT_NO_THROW(check_overlap(grid, sample));

  // An unknown CRS is a config error naming the key.
  try {
    (void)make_analysis_grid(sample, grid_options("EPSG:999999", 10.0));
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("grid.crs"), std::string::npos) << e.what();
  }
}

TEST_F(GridTest, OverlapCheckNamesTheFileOutsideTheGrid) {
  write_band("T_B04.tif", 600000, 3300000, 10, 40, 30, sampled(10));
  const AnalysisGrid grid = make_analysis_grid(scene(), GridOptions{});
  EXPECT_NO_THROW(check_overlap(grid, scene()));
  fs::remove_all(root_ / "scene");
  const fs::path far = write_band("T_B04.tif", 700000, 3300000, 10, 40, 30, sampled(10));
  try {
    check_overlap(grid, scene());
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(far.string() + ": before scene does not overlap", 0), 0u) << e.what();
  }
  // Touching edges only is no overlap.
  fs::remove_all(root_ / "scene");
  write_band("T_B04.tif", 600400, 3300000, 10, 40, 30, sampled(10));
  EXPECT_THROW(check_overlap(grid, scene()), InputError);
}

TEST_F(GridTest, MosaicGridGrowsTheReferenceLatticeOverEveryTile) {
  // The reference tile: 600000..600400 x 3299700..3300000 at 10 m.
  // Each tile is written as root_/scene, then moved to its own folder and resolved there.
  const auto tile = [&](const std::string& folder) {
    fs::rename(root_ / "scene", root_ / folder);
    return scene(std::nullopt, folder);
  };
  write_band("T_B04.tif", 600000, 3300000, 10, 40, 30, sampled(10));
  const Scene reference = tile("reference");
  const AnalysisGrid grid = make_analysis_grid(reference, GridOptions{});
  // A tile to the south-west, 5 m off the lattice (snapped outwards: 599790 .. 600200 x
  // 3299650 .. 3299900), and one in UTM 49N east of the reference (its footprint reprojected).
  write_band("T_B04.tif", 599795, 3299895, 10, 40, 24, sampled(10));
  const Scene south_west = tile("south-west");
  EXPECT_EQ(make_mosaic_grid(grid, {&reference}).geotransform, grid.geotransform);
  const AnalysisGrid two = make_mosaic_grid(grid, {&reference, &south_west});
  EXPECT_EQ(two.geotransform, (std::array<double, 6>{599790, 10, 0, 3300000, 0, -10}));
  EXPECT_EQ(two.width, 61);   // 599790 .. 600400
  EXPECT_EQ(two.height, 35);  // 3299650 .. 3300000
  EXPECT_EQ(two.crs_wkt, grid.crs_wkt);
  EXPECT_NO_THROW(check_overlap(two, south_west));

  // A tile in UTM 49N whose origin is the reference's north-east corner: east of it, its
  // footprint reprojected into 48N (slightly rotated there), as a tile of the next zone is.
  OGRSpatialReference utm48, utm49;
  utm48.importFromEPSG(32648);
  utm49.importFromEPSG(32649);
  utm48.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  utm49.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> to49(OGRCreateCoordinateTransformation(&utm48, &utm49));
  double x = 600400, y = 3300000;
  ASSERT_TRUE(to49->Transform(1, &x, &y));
  write_band("T_B04.tif", x, y, 10, 40, 30, sampled(10), 32649);
  const Scene east = tile("east");
  const AnalysisGrid three = make_mosaic_grid(grid, {&reference, &south_west, &east});
  EXPECT_EQ(three.geotransform[0], 599790);  // the lattice stays: only the extent grows
  EXPECT_EQ(three.geotransform[1], 10);
  EXPECT_GE(three.width, 61 + 40);  // the UTM 49N tile's 400 m, rotated a little
  EXPECT_LE(three.width, 61 + 40 + 3);
  EXPECT_NO_THROW(check_overlap(three, east));
}

TEST_F(GridTest, OverlapCheckReturnsTheShareOfTheGridTheSceneCovers) {
  write_band("T_B04.tif", 600000, 3300000, 10, 40, 30, sampled(10));
  const AnalysisGrid grid = make_analysis_grid(scene(), GridOptions{});
  EXPECT_DOUBLE_EQ(check_overlap(grid, scene()), 1.0);
  // Shifted east by 30 of its 40 columns and south by 15 of its 30 rows: 10 x 15 of 40 x 30.
  fs::remove_all(root_ / "scene");
  write_band("T_B04.tif", 600300, 3299850, 10, 40, 30, sampled(10));
  EXPECT_NEAR(check_overlap(grid, scene()), 150.0 / 1200.0, 1e-9);
}

TEST_F(GridTest, OverlapCheckNamesTheBandThatCoversAnotherArea) {
  write_band("T_B02.tif", 600000, 3300000, 20, 20, 15, sampled(20));
  write_band("T_B11.tif", 600000, 3300000, 20, 20, 15, sampled(20));
  // Half a 20 m pixel off is one area still (a panchromatic band may end like that) ...
  write_band("T_B04.tif", 600010, 3300000, 10, 40, 30, sampled(10));
  const AnalysisGrid grid = make_analysis_grid(scene(), GridOptions{});
  EXPECT_NO_THROW(check_overlap(grid, scene()));
  // ... a band cropped to its top-left quarter is not, and it is the one named.
  const fs::path cropped = write_band("T_B04.tif", 600000, 3300000, 10, 20, 15, sampled(10));
  try {
    check_overlap(grid, scene());
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(cropped.string() + ": before scene band covers x 600000..600200, y 3299850..3300000", 0),
              0u)
        << message;
    EXPECT_NE(message.find("every band of a scene must cover the same area"), std::string::npos) << message;
  }
}

TEST_F(GridTest, OverlapCheckRefusesARawFileShorterThanItsHeaderPromises) {
  const fs::path tif = write_band("T_B04.tif", 600000, 3300000, 10, 40, 30, sampled(10));
  const fs::path img = root_ / "scene" / "T_B04.img";
  {
    GDALDatasetUniquePtr source(GDALDataset::Open(tif.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    GDALDatasetUniquePtr copy(GetGDALDriverManager()->GetDriverByName("ENVI")->CreateCopy(
        img.c_str(), source.get(), FALSE, nullptr, nullptr, nullptr));
    ASSERT_NE(copy, nullptr);
  }
  fs::remove(tif);
  const AnalysisGrid grid = make_analysis_grid(scene(), GridOptions{});
  EXPECT_NO_THROW(check_overlap(grid, scene()));
  fs::resize_file(img, 40 * 29 * 4);  // one row of Float32 short
  try {
    check_overlap(grid, scene());
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              img.string() +
                  ": the ENVI header promises 40 x 30 pixels x 1 band(s) of Float32 (4800 bytes) but the "
                  "file holds 4640 bytes: truncated, or the header's lines, samples or bands are wrong");
  }
}

// ---------------------------------------------------------------------------------------
// Reading onto the grid

struct ReadBands {
  std::vector<float> red, swir1;
  std::vector<std::uint8_t> valid;
};

ReadBands read_window(SceneReader& reader, Window w) {
  RawSceneTile tile;
  reader.read(w, tile);
  ReadBands out;
  const auto& red = tile.bands[static_cast<int>(BandRole::red)];
  const auto& swir = tile.bands[static_cast<int>(BandRole::swir1)];
  EXPECT_EQ(red.type, GDT_Float32);
  EXPECT_EQ(swir.type, GDT_Float32);
  out.red.assign(reinterpret_cast<const float*>(red.bytes.data()),
                 reinterpret_cast<const float*>(red.bytes.data()) + w.pixel_count());
  out.swir1.assign(reinterpret_cast<const float*>(swir.bytes.data()),
                   reinterpret_cast<const float*>(swir.bytes.data()) + w.pixel_count());
  out.valid = tile.valid;
  return out;
}

TEST_F(GridTest, WarpedTwentyMetreBandMatchesDirectTenMetreRead) {
  // The same linear field sampled at 10 m (red) and at 20 m (SWIR): bilinear upsampling of a
  // linear field is exact, so inside the outer pixel ring the warped SWIR read equals the
  // direct red read; red lies on the grid and is read untouched.
  const int w = 40, h = 30;
  write_linear_field_bands(w, h, w / 2);
  const Scene s = scene(-9999.0);
  const AnalysisGrid grid = make_analysis_grid(s, GridOptions{});
  ASSERT_EQ(grid.width, w);

  SceneReader direct_only(s, grid, {BandRole::red});
  EXPECT_FALSE(direct_only.warped()) << "a band on the grid is read directly";
  SceneReader reader(s, grid, {BandRole::red, BandRole::swir1});
  EXPECT_TRUE(reader.warped());
  const ReadBands full = read_window(reader, grid.full());
  const auto expected_red = sampled(10);
  int compared = 0;
  for (int r = 0; r < h; ++r) {
    for (int c = 0; c < w; ++c) {
      const std::size_t i = static_cast<std::size_t>(r) * w + c;
      EXPECT_EQ(full.red[i], expected_red(c, r)) << c << "," << r;
      if (r == 0 || c == 0 || r == h - 1 || c == w - 1) continue;
      EXPECT_NEAR(full.swir1[i], full.red[i], 1e-3) << c << "," << r;
      ++compared;
    }
  }
  EXPECT_EQ(compared, (w - 2) * (h - 2));
  for (std::size_t i = 0; i < full.valid.size(); ++i) EXPECT_NE(full.valid[i], 0) << i;

  // Reads are independent of the window: odd tiles give the very same values.
  for (const int tile : {7, 13}) {
    for (int y0 = 0; y0 < h; y0 += tile) {
      for (int x0 = 0; x0 < w; x0 += tile) {
        const Window win{x0, y0, std::min(tile, w - x0), std::min(tile, h - y0)};
        const ReadBands part = read_window(reader, win);
        for (int r = 0; r < win.height; ++r) {
          for (int c = 0; c < win.width; ++c) {
            const std::size_t i = static_cast<std::size_t>(win.y0 + r) * w + win.x0 + c;
            const std::size_t j = static_cast<std::size_t>(r) * win.width + c;
            ASSERT_EQ(part.swir1[j], full.swir1[i]) << "tile " << tile << " pixel " << win.x0 + c << "," << win.y0 + r;
            ASSERT_EQ(part.red[j], full.red[i]);
          }
        }
      }
    }
  }
}

TEST_F(GridTest, SampleBlocksAreCountedAndKeptCachedWithoutDecoding) {
  // The classification pass keeps the statistics sample's blocks in GDAL's cache
  // (stages/detection.cpp): block_bytes sizes them in the file's own blocks, and keep_cached
  // only marks blocks the cache already holds, so it decodes nothing.
  const int w = 40, h = 30;
  write_linear_field_bands(w, h, w / 2);
  const Scene s = scene(-9999.0);
  const AnalysisGrid grid = make_analysis_grid(s, GridOptions{});
  int block_width = 0, block_height = 0;
  {
    const DatasetPtr red = open_raster((root_ / "scene" / "T_B04.tif").string());
    red->GetRasterBand(1)->GetBlockSize(&block_width, &block_height);
  }
  const std::size_t block = static_cast<std::size_t>(block_width) * block_height * sizeof(float);
  const std::vector<Window> one_block{{0, 0, 1, 1}}, whole{grid.full()};
  const auto blocks_of_grid =
      static_cast<std::size_t>(((w + block_width - 1) / block_width) * ((h + block_height - 1) / block_height));

  SceneReader reader(s, grid, {BandRole::red, BandRole::swir1});  // swir1 is warped: not counted
  EXPECT_EQ(reader.block_bytes(one_block), block);
  EXPECT_EQ(reader.block_bytes(whole), blocks_of_grid * block);
  EXPECT_EQ(reader.block_bytes({one_block[0], one_block[0]}), 2 * block) << "each window's blocks, in order";

  const GIntBig cached_before = GDALGetCacheUsed64();
  reader.keep_cached(whole);
  EXPECT_EQ(GDALGetCacheUsed64(), cached_before) << "keep_cached decoded a block";
  const ReadBands first = read_window(reader, grid.full());
  EXPECT_GT(GDALGetCacheUsed64(), cached_before) << "the read left nothing in the cache";
  reader.keep_cached(whole);
  EXPECT_EQ(read_window(reader, grid.full()).red, first.red);
}

TEST_F(GridTest, PairReadsMoveToTheParallelStageOnlyWhereZonewatchDecodesEveryFile) {
  const int w = 40, h = 30;
  write_linear_field_bands(w, h, w / 2);
  const Scene s = scene(-9999.0);
  const AnalysisGrid grid = make_analysis_grid(s, GridOptions{});
  SceneReader direct_before(s, grid, {BandRole::red}), direct_after(s, grid, {BandRole::red});
  SceneReader warped_before(s, grid, {BandRole::red, BandRole::swir1});
  SceneReader warped_after(s, grid, {BandRole::red, BandRole::swir1});
  EXPECT_TRUE(direct_before.reads_concurrently()) << "a GeoTIFF on the grid is decoded by zonewatch";
  EXPECT_FALSE(warped_before.reads_concurrently()) << "a warped band is read through GDAL";
  const PairReads direct(direct_before, direct_after), warped(warped_before, warped_after);
  ASSERT_TRUE(direct.in_parallel_stage());
  ASSERT_FALSE(warped.in_parallel_stage());
  const auto red = [](const RawSceneTile& tile) -> const RawBand& {
    return tile.bands[static_cast<int>(BandRole::red)];
  };

  const Window window{3, 5, 21, 17};
  const RawTilePair expected = read_pair(direct_before, direct_after, window);
  ASSERT_FALSE(red(expected.before).empty());
  RawTilePair pair = direct.start(window);
  EXPECT_EQ(pair.window, window);
  EXPECT_TRUE(red(pair.before).empty()) << "the serial stage read pixels";
  EXPECT_TRUE(red(pair.after).empty()) << "the serial stage read pixels";
  direct.finish(pair);
  EXPECT_EQ(red(pair.before).bytes, red(expected.before).bytes);
  EXPECT_EQ(red(pair.after).bytes, red(expected.after).bytes);

  RawTilePair serial = warped.start(window);
  ASSERT_FALSE(red(serial.before).empty()) << "GDAL's files are read in the serial stage";
  const auto read_there = red(serial.after).bytes;
  warped.finish(serial);
  EXPECT_EQ(red(serial.after).bytes, read_there) << "finish read again";
  EXPECT_EQ(red(serial.before).bytes, red(expected.before).bytes);
}

TEST_F(GridTest, WarpMarksPixelsOutsideAFileAsInvalid) {
  // The SWIR file covers only the west half of the grid; without a profile nodata value
  // the warp's alpha marks the east half invalid.
  const int w = 40, h = 30;
  write_linear_field_bands(w, h, w / 4);
  const Scene s = scene();
  const AnalysisGrid grid = make_analysis_grid(s, GridOptions{});
  SceneReader reader(s, grid, {BandRole::red, BandRole::swir1});
  const ReadBands full = read_window(reader, grid.full());
  ASSERT_EQ(full.valid.size(), static_cast<std::size_t>(w * h));
  for (int r = 0; r < h; ++r) {
    EXPECT_NE(full.valid[static_cast<std::size_t>(r) * w + 5], 0) << "row " << r;
    EXPECT_EQ(full.valid[static_cast<std::size_t>(r) * w + 30], 0) << "row " << r;
  }
}

TEST_F(GridTest, ReadReflectanceIsTheRawReadConvertedPerRole) {
  const int w = 40, h = 30;
  write_linear_field_bands(w, h, w / 4);
  const Scene s = scene();
  const AnalysisGrid grid = make_analysis_grid(s, GridOptions{});
  // NIR is not in the scene: the reader keeps only the roles it can read.
  SceneReader reader(s, grid, {BandRole::red, BandRole::nir, BandRole::swir1});
  EXPECT_EQ(reader.roles(), (std::vector<BandRole>{BandRole::red, BandRole::swir1}));
  const Window window{13, 4, 17, 11};  // across the SWIR file's east edge
  const ReflectanceTile tile = reader.read_reflectance(window);
  EXPECT_EQ(tile.window, window);
  EXPECT_FALSE(tile.has(BandRole::blue));  // in the scene, not asked for
  EXPECT_FALSE(tile.has(BandRole::nir));
  RawSceneTile raw;
  reader.read(window, raw);
  EXPECT_EQ(raw.window, window);
  int nodata = 0;
  for (BandRole role : {BandRole::red, BandRole::swir1}) {
    ASSERT_TRUE(tile.has(role));
    kernels::Tile<float> expected(window.width, window.height);
    raw_to_reflectance(raw.bands[static_cast<int>(role)], s.profile, raw.valid, expected.view());
    ASSERT_EQ(tile[role].values().size(), expected.values().size());
    EXPECT_EQ(std::memcmp(tile[role].data(), expected.data(), expected.values().size() * sizeof(float)), 0);
    for (float v : tile[role].values()) nodata += std::isnan(v) ? 1 : 0;
  }
  EXPECT_GT(nodata, 0);  // the pixels outside the SWIR file are NaN in every role
}

}  // namespace
}  // namespace zw
