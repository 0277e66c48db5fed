// The water-quality stage on small hand-made scenes: a lake turning turbid is flagged with
// the area that turned, a stable lake is not, land and a pond under the minimum area are no
// water body, indices the bands cannot give are recorded as not available, and the result
// does not depend on the tiling.
#include "zonewatch/pipeline/stages/water_quality.hpp"

#include <cmath>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <gdal_priv.h>
#include <gtest/gtest.h>

#include "support/synthetic_scene.hpp"
#include "support/temp_folder.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;
using kernels::BandRole;
using kernels::WaterIndex;

constexpr int kWidth = 60, kHeight = 40;

/// Reflectance of one pixel by band: blue, green, red, nir, swir1, rededge1.
using Pixel = std::array<float, 6>;
constexpr Pixel kLand{0.06f, 0.08f, 0.10f, 0.30f, 0.25f, 0.15f};
constexpr Pixel kClearWater{0.05f, 0.06f, 0.03f, 0.01f, 0.01f, 0.025f};
constexpr Pixel kTurbidWater{0.05f, 0.07f, 0.08f, 0.01f, 0.01f, 0.06f};

bool in_lake_a(int c, int r) { return r >= 5 && r < 15 && c >= 5 && c < 25; }   // 200 px, 20000 m2
bool in_lake_b(int c, int r) { return r >= 25 && r < 35 && c >= 5 && c < 25; }  // 200 px
bool in_pond(int c, int r) { return r >= 5 && r < 8 && c >= 40 && c < 43; }     // 9 px: under 1 ha
bool turbid_part(int c, int r) { return in_lake_a(c, r) && c >= 10; }           // 150 px, 15000 m2

class WaterQualityStageTest : public test::TempFolderTest {
 protected:
  static void SetUpTestSuite() { GDALAllRegister(); }

  fs::path write_scene(const std::string& name, const std::function<Pixel(int, int)>& pixel, int bands = 6) {
    const fs::path path = root_ / (name + ".tif");
    test::write_float_scene(path, kWidth, kHeight, bands,
                            [&](int b, int c, int r) { return pixel(c, r)[static_cast<std::size_t>(b)]; });
    return path;
  }

  static SensorProfile profile(bool with_rededge) { return test::test_sensor_profile(with_rededge); }

  static Scene scene(const std::string& label, const fs::path& path, const SensorProfile& p) {
    SceneOptions options;
    options.path = path.string();
    options.date = label == "before" ? "2020-01-01" : "2021-01-01";
    options.sensor = "test";
    return resolve_scene(label, options, p);
  }

  struct Run {
    WaterQualityResult result;
    std::vector<std::uint32_t> ids;  // body ids on the grid, as the sink received them
  };

  Run run(const Scene& before, const Scene& after, const std::vector<ControlUnit>& units, int tile_size,
          const WaterQualityOptions& options = enabled_options()) {
    const AnalysisGrid grid = make_analysis_grid(before, GridOptions{});
    ProcessingOptions processing;
    processing.tile_size = tile_size;
    Run out;
    out.ids.assign(static_cast<std::size_t>(grid.width) * grid.height, 0xFFFFFFFFu);
    out.result = run_water_quality({before, after, grid, units}, options, processing,
                                   [&](kernels::Window core, kernels::ConstTileView<std::uint32_t> ids) {
                                     for (int y = 0; y < core.height; ++y) {
                                       for (int x = 0; x < core.width; ++x) {
                                         out.ids[static_cast<std::size_t>(core.y0 + y) * grid.width + core.x0 + x] =
                                             ids(x, y);
                                       }
                                     }
                                   },
                                   {});
    return out;
  }

  static WaterQualityOptions enabled_options() {
    WaterQualityOptions o;
    o.enabled = true;
    return o;
  }

  void write_pair() {
    before_path_ = write_scene("before", [](int c, int r) {
      return in_lake_a(c, r) || in_lake_b(c, r) || in_pond(c, r) ? kClearWater : kLand;
    });
    after_path_ = write_scene("after", [](int c, int r) {
      if (turbid_part(c, r)) return kTurbidWater;
      if (in_lake_a(c, r) || in_lake_b(c, r) || in_pond(c, r)) return kClearWater;
      // Land that changed (bright new ground): not water, so not judged here.
      if (r >= 20 && c >= 40) return Pixel{0.2f, 0.22f, 0.25f, 0.3f, 0.35f, 0.28f};
      return kLand;
    });
  }

  fs::path before_path_, after_path_;
};

TEST_F(WaterQualityStageTest, TurbidLakeIsFlaggedWithTheAreaThatTurnedAndTheStableLakeIsNot) {
  write_pair();
  const SensorProfile p = profile(true);
  const Run r = run(scene("before", before_path_, p), scene("after", after_path_, p), {}, 0);
  const WaterQualityResult& w = r.result;
  EXPECT_EQ(w.extraction, kernels::SpectralIndex::mndwi);
  // Land at MNDWI -0.52, water at +0.71 (+0.75 turbid): Otsu lands between, inside the clamp.
  EXPECT_GE(w.threshold_before, -0.1);
  EXPECT_LE(w.threshold_before, 0.3);
  EXPECT_GE(w.threshold_after, -0.1);
  EXPECT_EQ(w.water_pixels_before, 409u);  // two lakes and the pond
  ASSERT_EQ(w.bodies.size(), 2u);          // the pond is under 1 ha
  EXPECT_EQ(w.components_before_min_area, 3u);
  EXPECT_DOUBLE_EQ(w.stable_water_area_m2, 40000.0);
  for (WaterIndex i : {WaterIndex::ndti, WaterIndex::ndci, WaterIndex::fai, WaterIndex::boi}) {
    EXPECT_TRUE(w.available[static_cast<int>(i)]) << kernels::to_string(i);
  }

  const WaterBody& a = w.bodies[0];  // first pixel in raster order: lake A
  const WaterBody& b = w.bodies[1];
  EXPECT_EQ(a.stats.min_y, 5);
  EXPECT_EQ(b.stats.min_y, 25);
  EXPECT_DOUBLE_EQ(a.stats.area_m2, 20000.0);
  const WaterBodyIndex& ndti = a.indices[static_cast<int>(WaterIndex::ndti)];
  // NDTI clear (0.03 - 0.06) / 0.09 = -1/3; turbid (0.08 - 0.07) / 0.15 = 1/15 (bins 0.005 wide).
  EXPECT_NEAR(ndti.before_median, -1.0 / 3.0, 0.005);
  EXPECT_NEAR(ndti.after_median, 1.0 / 15.0, 0.005);
  EXPECT_NEAR(ndti.before_mean, -1.0 / 3.0, 1e-5);
  EXPECT_NEAR(ndti.after_mean, (150.0 / 15.0 - 50.0 / 3.0) / 200.0, 1e-5);
  EXPECT_DOUBLE_EQ(ndti.valid_share, 1.0);
  EXPECT_NEAR(ndti.allowed, 0.06, 1e-9);  // uniform before: spread 0 floored at 0.02, k = 3
  EXPECT_TRUE(ndti.by_change);
  EXPECT_DOUBLE_EQ(ndti.affected_area_m2, 15000.0);
  // NDCI falls: (0.06 - 0.08) / 0.14 = -0.143 from (0.025 - 0.03) / 0.055 = -0.091.
  EXPECT_FALSE(a.indices[static_cast<int>(WaterIndex::ndci)].departs());
  EXPECT_TRUE(a.flagged);
  EXPECT_DOUBLE_EQ(a.affected_area_m2, 15000.0);
  EXPECT_NE(a.flag_reasons.find("ndti"), std::string::npos);
  EXPECT_EQ(w.departing_pixels.size(), 150u);
  // The departing pixels are the turbid part, in raster order.
  EXPECT_EQ(w.departing_pixels.front(), 5u * kWidth + 10u);
  EXPECT_EQ(w.departing_pixels.back(), 14u * kWidth + 24u);

  EXPECT_FALSE(b.flagged);
  for (const auto& x : b.indices) EXPECT_FALSE(x.departs());
  EXPECT_EQ(w.flagged_bodies(), 1u);

  // Body ids streamed: lake A 1, lake B 2, pond and land 0.
  EXPECT_EQ(r.ids[6u * kWidth + 6u], 1u);
  EXPECT_EQ(r.ids[30u * kWidth + 6u], 2u);
  EXPECT_EQ(r.ids[6u * kWidth + 41u], 0u);
  EXPECT_EQ(r.ids[0], 0u);

  const auto j = w.to_json({});
  EXPECT_EQ(j.at("bodies"), 2);
  EXPECT_EQ(j.at("flagged_bodies"), 1);
  EXPECT_EQ(j.at("water_bodies").at(0).at("indices").at("ndti").at("departs_by_change"), true);
}

TEST_F(WaterQualityStageTest, TilingDoesNotChangeTheResult) {
  write_pair();
  const SensorProfile p = profile(true);
  const Scene before = scene("before", before_path_, p), after = scene("after", after_path_, p);
  const Run whole = run(before, after, {}, 0);
  for (int tile : {16, 7, 23}) {
    const Run tiled = run(before, after, {}, tile);
    EXPECT_EQ(tiled.result.to_json({}).dump(), whole.result.to_json({}).dump()) << "tile " << tile;
    EXPECT_EQ(tiled.result.departing_pixels, whole.result.departing_pixels) << "tile " << tile;
    EXPECT_EQ(tiled.ids, whole.ids) << "tile " << tile;
  }
}

TEST_F(WaterQualityStageTest, IndicesTheScenesCannotGiveAreRecordedNotAvailable) {
  write_pair();
  const SensorProfile p = profile(false);  // no red-edge band: no NDCI
  const Run r = run(scene("before", before_path_, p), scene("after", after_path_, p), {}, 0);
  const auto ndci = static_cast<int>(WaterIndex::ndci);
  EXPECT_FALSE(r.result.available[ndci]);
  EXPECT_NE(r.result.not_available_reason[ndci].find("rededge1"), std::string::npos);
  EXPECT_FALSE(r.result.bodies[0].indices[ndci].available);
  EXPECT_TRUE(std::isnan(r.result.bodies[0].indices[ndci].before_median));  // not computed, not NaN-flagged
  EXPECT_TRUE(r.result.bodies[0].flagged);                                  // NDTI still judges it
  EXPECT_EQ(r.result.to_json({}).at("indices").at("ndci").at("available"), false);
}

TEST_F(WaterQualityStageTest, AConfiguredLimitFlagsAnUnchangedLakeAndAStricterUnitTypeRuleApplies) {
  write_pair();
  const SensorProfile p = profile(true);
  WaterQualityOptions o = enabled_options();
  // BOI of clear water here is (0.06 - 0.03) / 0.14 = 0.214: a limit of 0.25 calls it black.
  for (auto& rule : o.rules) rule.indices[static_cast<int>(WaterIndex::boi)].limit = 0.25;
  const Run r = run(scene("before", before_path_, p), scene("after", after_path_, p), {}, 0, o);
  const WaterBody& b = r.result.bodies[1];
  EXPECT_TRUE(b.indices[static_cast<int>(WaterIndex::boi)].by_limit);
  EXPECT_TRUE(b.flagged);
  EXPECT_DOUBLE_EQ(b.affected_area_m2, 20000.0);

  // A general unit over lake B whose rule asks for more affected area than the lake has.
  WaterQualityOptions strict = o;
  strict.rules[static_cast<int>(UnitType::general)].min_affected_area_m2 = 30000.0;
  ControlUnit unit;
  unit.code = "U1";
  unit.type = UnitType::general;
  kernels::PolygonRings lower_half;
  lower_half.rings.push_back(kernels::Ring{{0.0, 60.0, 60.0, 0.0}, {20.0, 20.0, 40.0, 40.0}});
  unit.pixel_rings = {lower_half};
  const Run s = run(scene("before", before_path_, p), scene("after", after_path_, p), {unit}, 0, strict);
  EXPECT_EQ(s.result.bodies[1].unit, 0);
  EXPECT_FALSE(s.result.bodies[1].flagged);
}

TEST_F(WaterQualityStageTest, ScenesWithoutGreenCannotGiveWater) {
  const fs::path path = write_scene(
      "rgb", [](int, int) { return kLand; }, 1);
  SensorProfile p;
  p.name = "test";
  BandLocation red;
  red.index = 1;
  p.bands[static_cast<int>(BandRole::red)] = red;
  const Scene s = scene("before", path, p);
  EXPECT_THROW((void)run(s, s, {}, 0), InputError);
}

TEST(MarkWaterQualityPixels, SetsThePixelsInTheCoreExceptNodata) {
  // Grid 10 wide; core x 2..5, y 1..2.
  kernels::Tile<std::uint8_t> classes(4, 2, 0);
  classes(1, 1) = 255;
  const std::vector<std::uint64_t> pixels{3, 12, 15, 19, 22, 23, 25, 40};
  // 12 -> (2,1) in; 15 -> (5,1) in; 19 -> (9,1) out; 22 -> (2,2) in; 23 -> (3,2) nodata; 25 -> (5,2) in
  EXPECT_EQ(mark_water_quality_pixels(pixels, {2, 1, 4, 2}, 10, 9, 255, classes.view()), 4u);
  EXPECT_EQ(classes(0, 0), 9);
  EXPECT_EQ(classes(3, 0), 9);
  EXPECT_EQ(classes(0, 1), 9);
  EXPECT_EQ(classes(1, 1), 255);
  EXPECT_EQ(classes(3, 1), 9);
  EXPECT_EQ(classes(1, 0), 0);
}

}  // namespace
}  // namespace zw
