// Detection's control units may still be loading when it starts (a scan loads them beside
// the statistics pass): detection reads them only once its classification pass begins, with
// the same results as units handed over loaded, and a loading that failed fails detection
// with the loading's own error.
#include <array>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <vector>

#include <gdal_priv.h>
#include <gtest/gtest.h>

#include "support/synthetic_scene.hpp"
#include "support/temp_folder.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/stages/detection.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;

constexpr int kWidth = 60, kHeight = 40;

/// Reflectance of one pixel: blue, green, red, nir, swir1.
using Pixel = std::array<float, 5>;
constexpr Pixel kForest{0.03f, 0.06f, 0.04f, 0.40f, 0.18f};
constexpr Pixel kBareSoil{0.12f, 0.15f, 0.20f, 0.25f, 0.32f};

/// The forest cleared after: a 12 x 10 pixel patch, inside the left unit.
bool cleared(int c, int r) { return c >= 8 && c < 20 && r >= 10 && r < 20; }

class DetectionUnitsTest : public test::TempFolderTest {
 protected:
  static void SetUpTestSuite() { GDALAllRegister(); }

  fs::path write_scene(const std::string& name, int seed, const std::function<Pixel(int, int)>& pixel) {
    const fs::path path = root_ / (name + ".tif");
    test::write_float_scene(path, kWidth, kHeight, 5, [&](int b, int c, int r) {
      // A little noise, another on each date: the differences have a spread to z-score by.
      const float texture = 0.004f * static_cast<float>((c * 7 + r * 13 + seed * (b + 3)) % 5);
      return pixel(c, r)[static_cast<std::size_t>(b)] + texture;
    });
    return path;
  }

  static Scene scene(const std::string& label, const fs::path& path) {
    SceneOptions options;
    options.path = path.string();
    options.date = label == "before" ? "2020-06-01" : "2021-06-01";
    options.sensor = "test";
    return resolve_scene(label, options, test::test_sensor_profile(false));
  }

  /// Two units side by side, the left and the right half of the grid, as pixel rings.
  static std::vector<ControlUnit> halves() {
    std::vector<ControlUnit> units(2);
    for (int u = 0; u < 2; ++u) {
      const double x0 = u * kWidth / 2.0, x1 = x0 + kWidth / 2.0;
      units[static_cast<std::size_t>(u)].code = u == 0 ? "left" : "right";
      units[static_cast<std::size_t>(u)].pixel_rings = {
          kernels::PolygonRings{{kernels::Ring{{x0, x1, x1, x0}, {0.0, 0.0, kHeight, kHeight}}}}};
    }
    return units;
  }

  void SetUp() override {
    test::TempFolderTest::SetUp();
    before_path_ = write_scene("before", 0, [](int, int) { return kForest; });
    after_path_ = write_scene("after", 1, [](int c, int r) { return cleared(c, r) ? kBareSoil : kForest; });
  }

  /// Detection of the pair with `units`; `plan_ready` is called as detection's own is.
  DetectionResult detect(DetectionUnits units, const std::function<void()>& plan_ready = {}) {
    const Scene before = scene("before", before_path_);
    const Scene after = scene("after", after_path_);
    const AnalysisGrid grid = make_analysis_grid(before, GridOptions{});
    DetectionOptions options;
    options.min_mapping_unit_m2 = 0.0;
    ProcessingOptions processing;
    processing.tile_size = 32;  // several tiles: the units' sums are merged across them
    DetectionInputs inputs{before, after, grid, std::move(units)};
    inputs.plan_ready = [&](const TilePlan&) {
      if (plan_ready) plan_ready();
    };
    return run_detection(inputs, options, processing, root_ / "work", {}, {});
  }

  fs::path before_path_, after_path_;
};

TEST_F(DetectionUnitsTest, LoadedUnitsAreTheCallersOwn) {
  const std::vector<ControlUnit> units = halves();
  const DetectionUnits passed(units);
  EXPECT_EQ(&passed.get(), &units);
}

TEST_F(DetectionUnitsTest, UnitsStillLoadingAreReadOnlyOnceTheStatisticsAreDoneWithTheSameResults) {
  const std::vector<ControlUnit> units = halves();
  const DetectionResult reference = detect(units);
  ASSERT_EQ(reference.unit_stats.size(), 2u);
  ASSERT_EQ(reference.patches.patches.size(), 1u) << "the cleared forest is one patch";
  EXPECT_GT(reference.unit_stats[0].total_changed_area_m2, 0.0);
  EXPECT_EQ(reference.unit_stats[1].total_changed_area_m2, 0.0);

  // A deferred future runs its loading when first asked for the units: it records whether
  // detection had planned its tiles (after the statistics pass) by then.
  bool planned = false, loaded_after_planning = false, loaded = false;
  std::shared_future<std::vector<ControlUnit>> loading = std::async(std::launch::deferred, [&] {
                                                           loaded = true;
                                                           loaded_after_planning = planned;
                                                           return halves();
                                                         }).share();
  const DetectionResult deferred = detect(loading, [&] { planned = true; });
  EXPECT_TRUE(loaded);
  EXPECT_TRUE(loaded_after_planning) << "detection waited for the units before its statistics were done";

  ASSERT_EQ(deferred.unit_stats.size(), reference.unit_stats.size());
  for (std::size_t u = 0; u < reference.unit_stats.size(); ++u) {
    EXPECT_EQ(deferred.unit_stats[u].area_m2, reference.unit_stats[u].area_m2) << "unit " << u;
    EXPECT_EQ(deferred.unit_stats[u].valid_area_m2, reference.unit_stats[u].valid_area_m2) << "unit " << u;
    EXPECT_EQ(deferred.unit_stats[u].total_changed_area_m2, reference.unit_stats[u].total_changed_area_m2)
        << "unit " << u;
  }
  EXPECT_EQ(deferred.patch_unit_overlap, reference.patch_unit_overlap);
  EXPECT_EQ(deferred.changed_pixels, reference.changed_pixels);
}

TEST_F(DetectionUnitsTest, ALoadingThatFailedFailsDetectionWithItsOwnError) {
  std::shared_future<std::vector<ControlUnit>> failing =
      std::async(std::launch::deferred, []() -> std::vector<ControlUnit> {
        throw InputError("units.gpkg: feature 7: field 'unit_type' is 'protected-area', expected one of ...");
      }).share();
  try {
    (void)detect(failing);
    FAIL() << "detection ran without its units";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("units.gpkg: feature 7"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zw
