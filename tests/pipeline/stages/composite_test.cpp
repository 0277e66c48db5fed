// The composite stage: tiling does not change a byte of the composite, the count band counts
// the clear observations, best_available follows the period's middle day, and the result
// reads back as a scene.
#include "zonewatch/pipeline/stages/composite.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogr_spatialref.h>

#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;
using kernels::BandRole;

constexpr int kWidth = 600, kHeight = 500;

/// Cloud of scene k: a rectangle of nodata (DN 0), different per scene.
bool cloudy(int k, int col, int row) {
  const int x0 = 60 * k, y0 = 40 * k;
  return col >= x0 && col < x0 + 200 && row >= y0 && row < y0 + 150;
}

/// DN of band b (1..4: blue, green, red, nir) of scene k at (col, row).
int dn(int k, int b, int col, int row) {
  const int texture = (col * 7 + row * 13) % 97;
  const int season = (k * 37) % 101;  // not monotonic in k, so the median is not the middle scene
  return b == 4 ? 2500 + 5 * season + texture : 400 + 100 * b + season + texture;
}

class CompositeStageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_gdal(); }
  void SetUp() override {
    std::random_device device;
    root_ = fs::temp_directory_path() /
            ("zonewatch-composite-test-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  /// A 4-band UInt16 stack (blue, green, red, nir; nodata 0) in EPSG:32650.
  fs::path write_scene(int k, double pixel = 10.0, double x_shift = 0.0) {
    const fs::path path = root_ / ("scene-" + std::to_string(k) + ".tif");
    const int width = static_cast<int>(kWidth * 10.0 / pixel), height = static_cast<int>(kHeight * 10.0 / pixel);
    GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
    GDALDataset* ds = gtiff->Create(path.c_str(), width, height, 4, GDT_UInt16, nullptr);
    double gt[6] = {500000.0 + x_shift, pixel, 0.0, 3000000.0, 0.0, -pixel};
    ds->SetGeoTransform(gt);
    OGRSpatialReference srs;
    srs.importFromEPSG(32650);
    ds->SetSpatialRef(&srs);
    std::vector<std::uint16_t> values(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    for (int b = 1; b <= 4; ++b) {
      for (int r = 0; r < height; ++r)
        for (int c = 0; c < width; ++c)
          values[static_cast<std::size_t>(r) * width + c] =
              cloudy(k, c, r) ? 0 : static_cast<std::uint16_t>(dn(k, b, c, r));
      EXPECT_EQ(ds->GetRasterBand(b)->RasterIO(GF_Write, 0, 0, width, height, values.data(), width, height, GDT_UInt16,
                                               0, 0, nullptr),
                CE_None);
    }
    GDALClose(ds);
    return path;
  }

  static SensorProfile profile() {
    SensorProfile p;
    p.name = "stack4";
    const BandRole roles[] = {BandRole::blue, BandRole::green, BandRole::red, BandRole::nir};
    for (int i = 0; i < 4; ++i) {
      BandLocation location;
      location.index = i + 1;
      p.bands[static_cast<int>(roles[i])] = location;
    }
    p.scale = 0.0001;
    p.nodata = 0.0;
    return p;
  }

  Scene scene(int k, const std::string& date, double pixel = 10.0, double x_shift = 0.0) {
    return resolve_scene("before", SceneOptions{write_scene(k, pixel, x_shift).string(), date, "stack4"}, profile());
  }

  std::vector<Scene> season() {
    return {scene(0, "2024-06-05"), scene(1, "2024-06-25"), scene(2, "2024-07-15"), scene(3, "2024-08-04"),
            scene(4, "2024-08-24")};
  }

  /// Every band of a raster, band after band, as Int16.
  static std::vector<std::int16_t> read_all(const fs::path& path, int& bands) {
    DatasetPtr ds = open_raster(path.string());
    bands = ds->GetRasterCount();
    const int w = ds->GetRasterXSize(), h = ds->GetRasterYSize();
    std::vector<std::int16_t> values(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * bands);
    EXPECT_EQ(ds->RasterIO(GF_Read, 0, 0, w, h, values.data(), w, h, GDT_Int16, bands, nullptr, 0, 0, 0, nullptr),
              CE_None);
    return values;
  }

  /// Overview `level` (1 = half size) of band `band`, with its size.
  static std::vector<std::int16_t> read_overview(const fs::path& path, int band, int level, int& width, int& height) {
    DatasetPtr ds = open_raster(path.string());
    GDALRasterBand* overview = ds->GetRasterBand(band)->GetOverview(level - 1);
    if (overview == nullptr) {
      ADD_FAILURE() << path << ": no overview level " << level << " in band " << band;
      return {};
    }
    width = overview->GetXSize();
    height = overview->GetYSize();
    std::vector<std::int16_t> values(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    EXPECT_EQ(overview->RasterIO(GF_Read, 0, 0, width, height, values.data(), width, height, GDT_Int16, 0, 0, nullptr),
              CE_None);
    return values;
  }

  CompositeResult composite(const std::vector<Scene>& scenes, const AnalysisGrid& grid, kernels::CompositeMethod method,
                            int tile_size, const std::string& name) {
    ProcessingOptions processing;
    processing.tile_size = tile_size;
    CompositeOptions options{"before", "2024-06-01", "2024-09-30", method};
    return build_composite(scenes, grid, options, processing, root_ / name, {});
  }

  fs::path root_;
};

TEST_F(CompositeStageTest, TiledAndWholeAreIdentical) {
  std::vector<Scene> scenes = season();
  // One scene on a shifted 20 m grid, so a warped reader takes part too.
  scenes.push_back(scene(5, "2024-09-10", 20.0, 5.0));
  const AnalysisGrid grid = make_analysis_grid(scenes.front(), GridOptions{});
  for (auto method : {kernels::CompositeMethod::median, kernels::CompositeMethod::max_ndvi,
                      kernels::CompositeMethod::best_available}) {
    SCOPED_TRACE(std::string(kernels::to_string(method)));
    const std::string name(kernels::to_string(method));
    const CompositeResult whole = composite(scenes, grid, method, 4096, name + "-whole.tif");
    const CompositeResult tiled = composite(scenes, grid, method, 256, name + "-tiled.tif");
    const CompositeResult odd = composite(scenes, grid, method, 131, name + "-odd.tif");
    EXPECT_EQ(whole.tile_size, std::max(kWidth, kHeight));
    EXPECT_EQ(tiled.tile_size, 256);
    int bands_whole = 0, bands_tiled = 0, bands_odd = 0;
    const auto a = read_all(whole.path, bands_whole);
    const auto b = read_all(tiled.path, bands_tiled);
    const auto c = read_all(odd.path, bands_odd);
    EXPECT_EQ(bands_whole, 5);
    EXPECT_EQ(bands_tiled, 5);
    EXPECT_TRUE(a == b) << "256-px tiles changed the composite";
    EXPECT_TRUE(a == c) << "131-px tiles changed the composite";
    for (int band = 1; band <= 5; ++band) {  // the overviews, averaged tile by tile
      int w = 0, h = 0;
      const auto whole_overview = read_overview(whole.path, band, 1, w, h);
      EXPECT_EQ(read_overview(tiled.path, band, 1, w, h), whole_overview) << "band " << band;
      EXPECT_EQ(read_overview(odd.path, band, 1, w, h), whole_overview) << "band " << band;
    }
    EXPECT_EQ(whole.pixels_without_clear, tiled.pixels_without_clear);
    EXPECT_DOUBLE_EQ(whole.mean_clear_count, tiled.mean_clear_count);
  }
}

TEST_F(CompositeStageTest, CountBandAndMedianMatchHandComputation) {
  const std::vector<Scene> scenes = season();
  const AnalysisGrid grid = make_analysis_grid(scenes.front(), GridOptions{});
  const CompositeResult result = composite(scenes, grid, kernels::CompositeMethod::median, 256, "median.tif");
  ASSERT_EQ(result.roles.size(), 4u);
  EXPECT_EQ(result.count_band, 5);
  EXPECT_EQ(result.median_date, "2024-07-15");
  EXPECT_EQ(result.pixels, static_cast<std::uint64_t>(kWidth) * kHeight);
  int bands = 0;
  const auto values = read_all(result.path, bands);
  const std::size_t plane = static_cast<std::size_t>(kWidth) * kHeight;
  double count_sum = 0.0;
  for (int row = 0; row < kHeight; ++row) {
    for (int col = 0; col < kWidth; ++col) {
      std::vector<int> clear;
      for (int k = 0; k < 5; ++k)
        if (!cloudy(k, col, row)) clear.push_back(k);
      const std::size_t i = static_cast<std::size_t>(row) * kWidth + col;
      ASSERT_EQ(values[4 * plane + i], static_cast<std::int16_t>(clear.size())) << col << "," << row;
      count_sum += static_cast<double>(clear.size());
      if ((col * 31 + row * 17) % 211 != 0) continue;  // spot-check the median
      for (int b = 1; b <= 4; ++b) {
        std::vector<double> v;
        for (int k : clear) v.push_back(dn(k, b, col, row));
        std::sort(v.begin(), v.end());
        const std::size_t m = v.size() / 2;
        const double median = v.size() % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
        EXPECT_NEAR(values[static_cast<std::size_t>(b - 1) * plane + i], median, 0.51) << "band " << b;
      }
    }
  }
  EXPECT_NEAR(result.mean_clear_count, count_sum / static_cast<double>(plane), 1e-9);
  EXPECT_EQ(result.pixels_without_clear, 0u);
}

TEST_F(CompositeStageTest, OverviewsAreMeansOfTheValidPixels) {
  // Scenes 0 and 1 are both cloudy over [60, 200) x [40, 150): nodata there, and blocks on its
  // edge average their valid pixels only.
  const std::vector<Scene> scenes{scene(0, "2024-06-05"), scene(1, "2024-06-25")};
  const AnalysisGrid grid = make_analysis_grid(scenes.front(), GridOptions{});
  const CompositeResult result = composite(scenes, grid, kernels::CompositeMethod::median, 256, "pair.tif");
  ASSERT_GT(result.pixels_without_clear, 0u);
  int bands = 0;
  const auto values = read_all(result.path, bands);
  const std::size_t plane = static_cast<std::size_t>(kWidth) * kHeight;
  for (int band = 1; band <= 5; ++band) {
    int w = 0, h = 0;
    const auto overview = read_overview(result.path, band, 1, w, h);
    ASSERT_EQ(w, kWidth / 2);
    ASSERT_EQ(h, kHeight / 2);
    int nodata_pixels = 0;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        long long sum = 0, count = 0;
        for (int row = 2 * y; row < 2 * y + 2; ++row) {
          for (int col = 2 * x; col < 2 * x + 2; ++col) {
            const std::int16_t v = values[static_cast<std::size_t>(band - 1) * plane +
                                          static_cast<std::size_t>(row) * kWidth + static_cast<std::size_t>(col)];
            if (v == -32768) continue;
            sum += v;
            ++count;
          }
        }
        const auto expected =
            count == 0 ? std::int16_t{-32768}
                       : static_cast<std::int16_t>(std::llround(static_cast<double>(sum) / static_cast<double>(count)));
        nodata_pixels += count == 0 ? 1 : 0;
        ASSERT_EQ(overview[static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)],
                  expected)
            << "band " << band << " overview pixel " << x << ", " << y;
      }
    }
    // The count band is 0, not nodata, where no scene is clear.
    EXPECT_EQ(nodata_pixels, band == 5 ? 0 : 70 * 55) << "band " << band;
  }
}

TEST_F(CompositeStageTest, BestAvailablePrefersTheMiddleOfThePeriod) {
  const std::vector<Scene> scenes = season();
  const AnalysisGrid grid = make_analysis_grid(scenes.front(), GridOptions{});
  const CompositeResult result = composite(scenes, grid, kernels::CompositeMethod::best_available, 256, "bap.tif");
  int bands = 0;
  const auto values = read_all(result.path, bands);
  // Period middle 2024-07-31: scene 3 (08-04) is closest, then scene 2 (07-15).
  const int clear_col = 590, clear_row = 490;                  // no cloud anywhere
  const int under_cloud_3_col = 350, under_cloud_3_row = 150;  // scene 3's cloud: falls back to scene 2
  ASSERT_TRUE(cloudy(3, under_cloud_3_col, under_cloud_3_row));
  ASSERT_FALSE(cloudy(2, under_cloud_3_col, under_cloud_3_row));
  const auto at = [&](int b, int col, int row) {
    return values[static_cast<std::size_t>(b - 1) * kWidth * kHeight + static_cast<std::size_t>(row) * kWidth + col];
  };
  EXPECT_EQ(at(4, clear_col, clear_row), dn(3, 4, clear_col, clear_row));
  EXPECT_EQ(at(4, under_cloud_3_col, under_cloud_3_row), dn(2, 4, under_cloud_3_col, under_cloud_3_row));
  EXPECT_NEAR(date_score("2024-07-31", "2024-06-01", "2024-09-30"), 1.0f, 0.01f);
  EXPECT_FLOAT_EQ(date_score("2024-06-01", "2024-06-01", "2024-09-30"), 0.0f);
}

TEST_F(CompositeStageTest, CompositeReadsBackAsAScene) {
  const std::vector<Scene> scenes = season();
  const AnalysisGrid grid = make_analysis_grid(scenes.front(), GridOptions{});
  const CompositeResult result = composite(scenes, grid, kernels::CompositeMethod::median, 256, "scene.tif");
  const Scene& s = result.scene;
  EXPECT_EQ(s.label, "before");
  EXPECT_EQ(s.options.date, "2024-09-30");
  EXPECT_EQ(s.profile.name, "composite");
  for (BandRole r : {BandRole::blue, BandRole::green, BandRole::red, BandRole::nir}) EXPECT_TRUE(s.has(r));
  EXPECT_FALSE(s.has(BandRole::swir1));
  SceneReader reader(s, grid, {BandRole::red});
  EXPECT_FALSE(reader.warped());
  RawSceneTile raw;
  reader.read({10, 20, 4, 3}, raw);
  kernels::Tile<float> red(4, 3);
  raw_to_reflectance(raw.bands[static_cast<int>(BandRole::red)], s.profile, raw.valid, red.view());
  // Pixel (10, 20) is clear in scenes 1..4 only (scene 0's cloud): an even median.
  std::vector<double> v;
  for (int k = 1; k < 5; ++k) v.push_back(dn(k, 3, 10, 20));
  std::sort(v.begin(), v.end());
  EXPECT_NEAR(red(0, 0), 0.5 * (v[1] + v[2]) * 1e-4, 0.6e-4);
}

TEST_F(CompositeStageTest, RejectsEmptyAndBandlessPeriods) {
  const std::vector<Scene> scenes = season();
  const AnalysisGrid grid = make_analysis_grid(scenes.front(), GridOptions{});
  EXPECT_THROW((void)composite({}, grid, kernels::CompositeMethod::median, 256, "empty.tif"), InputError);
  SensorProfile only_swir;
  only_swir.name = "swir";
  BandLocation location;
  location.index = 1;
  only_swir.bands[static_cast<int>(BandRole::swir1)] = location;
  const Scene odd = resolve_scene("before", SceneOptions{write_scene(7).string(), "2024-07-01", "swir"}, only_swir);
  EXPECT_THROW((void)composite({scenes.front(), odd}, grid, kernels::CompositeMethod::median, 256, "none.tif"),
               InputError);
}

}  // namespace
}  // namespace zw
