// RSEI: the model fit (percentiles, PCA, sign, bounds), its
// independence of tiling and merge order, and the per-pixel and per-tile index.
#include "zonewatch/kernels/rsei.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace zw::kernels {
namespace {

constexpr std::size_t kGreen = 0, kWet = 1, kHeat = 2, kDry = 3;
constexpr std::array<bool, 4> kAllPresent{true, true, true, true};

/// Components that are all affine in one parameter t: greenness, wetness and heat rise with
/// it, dryness falls.
struct CorrelatedPlanes {
  std::vector<float> green, wet, heat, dry;
  explicit CorrelatedPlanes(int n) {
    for (int i = 0; i < n; ++i) {
      const float t = static_cast<float>(i) / static_cast<float>(n - 1);
      green.push_back(-0.5f + t);
      wet.push_back(-0.2f + 0.4f * t);
      heat.push_back(280.0f + 40.0f * t);
      dry.push_back(0.3f - 0.6f * t);
    }
  }
  RseiComponentViews views(int n) const {
    return {ConstTileView<float>(green.data(), n, 1), ConstTileView<float>(wet.data(), n, 1),
            ConstTileView<float>(heat.data(), n, 1), ConstTileView<float>(dry.data(), n, 1)};
  }
};

TEST(RseiAccumulator, PerfectlyCorrelatedComponentsShareOnePrincipalAxis) {
  constexpr int kN = 1000;
  const CorrelatedPlanes planes(kN);
  RseiAccumulator accumulator(kAllPresent);
  accumulator.accumulate(planes.views(kN));
  EXPECT_EQ(accumulator.count(), static_cast<std::uint64_t>(kN));
  const RseiModel model = accumulator.finalize();

  // 1st / 99th percentiles of a uniform spread, to a bin width.
  EXPECT_NEAR(model.low[kGreen], -0.49, 2e-3);
  EXPECT_NEAR(model.high[kGreen], 0.49, 2e-3);
  EXPECT_NEAR(model.low[kHeat], 280.4, 0.1);
  EXPECT_NEAR(model.high[kHeat], 319.6, 0.1);
  // Normalized, all four move together (dryness against): loadings +-1/sqrt(4), one axis.
  EXPECT_NEAR(model.loadings[kGreen], 0.5, 5e-3);
  EXPECT_NEAR(model.loadings[kWet], 0.5, 5e-3);
  EXPECT_NEAR(model.loadings[kHeat], 0.5, 5e-3);
  EXPECT_NEAR(model.loadings[kDry], -0.5, 5e-3);
  EXPECT_NEAR(model.explained_variance, 1.0, 1e-9);
  EXPECT_NEAR(model.pc1_low, model.loadings[kDry], 1e-15);
  EXPECT_NEAR(model.pc1_high, model.loadings[kGreen] + model.loadings[kWet] + model.loadings[kHeat], 1e-15);

  // The greenest, least dry pixel scores 1, the opposite 0, the middle one about 0.5.
  EXPECT_NEAR(rsei_value({planes.green.back(), planes.wet.back(), planes.heat.back(), planes.dry.back()}, model), 1.0f,
              1e-6f);
  EXPECT_NEAR(rsei_value({planes.green[0], planes.wet[0], planes.heat[0], planes.dry[0]}, model), 0.0f, 1e-6f);
  EXPECT_NEAR(rsei_value({0.0f, 0.0f, 300.0f, 0.0f}, model), 0.5f, 5e-3f);
}

TEST(RseiAccumulator, TwoComponentsWithoutHeatOrWetness) {
  constexpr int kN = 500;
  const CorrelatedPlanes planes(kN);
  RseiComponentViews views = planes.views(kN);
  views[kWet] = {};
  views[kHeat] = {};
  RseiAccumulator accumulator({true, false, false, true});
  accumulator.accumulate(views);
  const RseiModel model = accumulator.finalize();
  EXPECT_EQ(model.present, (std::array<bool, 4>{true, false, false, true}));
  EXPECT_EQ(model.loadings[kWet], 0.0);
  EXPECT_EQ(model.loadings[kHeat], 0.0);
  EXPECT_NEAR(model.loadings[kGreen], 1.0 / std::sqrt(2.0), 5e-3);
  EXPECT_NEAR(model.loadings[kDry], -1.0 / std::sqrt(2.0), 5e-3);
  EXPECT_NEAR(model.explained_variance, 1.0, 1e-9);
  // An absent component's value does not matter, not even NaN.
  EXPECT_NEAR(rsei_value({0.5f, kNaN, kNaN, -0.3f}, model), 1.0f, 1e-6f);
}

TEST(RseiAccumulator, GreennessLoadingIsNeverNegative) {
  // Greenness against everything else: PC1 still points along greenness.
  constexpr int kN = 300;
  CorrelatedPlanes planes(kN);
  for (float& g : planes.green) g = -g;
  RseiAccumulator accumulator(kAllPresent);
  accumulator.accumulate(planes.views(kN));
  const RseiModel model = accumulator.finalize();
  EXPECT_GT(model.loadings[kGreen], 0.4);
  EXPECT_LT(model.loadings[kWet], -0.4);
  EXPECT_GT(model.loadings[kDry], 0.4);
}

TEST(RseiAccumulator, NaNInAnyPresentComponentAndMaskSkipThePixel) {
  const std::vector<float> green{0.1f, 0.2f, 0.3f, kNaN, 0.5f};
  const std::vector<float> wet{0.0f, kNaN, 0.0f, 0.0f, 0.0f};
  const std::vector<float> heat{300.0f, 300.0f, 300.0f, 300.0f, 300.0f};
  const std::vector<float> dry{0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  const std::vector<std::uint8_t> water_excluded{1, 1, 1, 1, 0};
  RseiAccumulator accumulator(kAllPresent);
  const RseiComponentViews views{ConstTileView<float>(green.data(), 5, 1), ConstTileView<float>(wet.data(), 5, 1),
                                 ConstTileView<float>(heat.data(), 5, 1), ConstTileView<float>(dry.data(), 5, 1)};
  accumulator.accumulate(views, {water_excluded.data(), 5, 1});
  EXPECT_EQ(accumulator.count(), 2u);  // pixels 0 and 2

  RseiComponentViews missing = views;
  missing[kHeat] = {};
  EXPECT_THROW(accumulator.accumulate(missing), std::invalid_argument);
  EXPECT_THROW(accumulator.accumulate(views, {water_excluded.data(), 4, 1}), std::invalid_argument);
  EXPECT_THROW(accumulator.merge(RseiAccumulator({true, false, false, true})), std::invalid_argument);
  EXPECT_THROW((void)accumulator.finalize({0.9, 0.1}), std::invalid_argument);
}

TEST(RseiAccumulator, EmptyGivesNoComponentAndNaNIndex) {
  const RseiModel model = RseiAccumulator(kAllPresent).finalize();
  EXPECT_EQ(model.present, (std::array<bool, 4>{}));
  EXPECT_EQ(model.explained_variance, 0.0);
  EXPECT_TRUE(std::isnan(rsei_value({0.5f, 0.0f, 300.0f, 0.0f}, model)));
}

bool same_model(const RseiModel& a, const RseiModel& b) {
  return a.present == b.present && a.low == b.low && a.high == b.high && a.loadings == b.loadings &&
         a.pc1_low == b.pc1_low && a.pc1_high == b.pc1_high && a.explained_variance == b.explained_variance;
}

TEST(RseiAccumulator, TilingAndMergeOrderGiveBitIdenticalModels) {
  constexpr int kWidth = 41;
  constexpr int kHeight = 29;
  constexpr std::size_t kPixels = static_cast<std::size_t>(kWidth) * kHeight;
  std::vector<float> green(kPixels), wet(kPixels), heat(kPixels), dry(kPixels);
  std::vector<std::uint8_t> mask(kPixels);
  for (std::size_t i = 0; i < kPixels; ++i) {
    const auto s = static_cast<float>(i);
    green[i] = 0.6f * std::sin(0.11f * s) + 0.1f * std::cos(1.7f * s);
    wet[i] = 0.3f * std::sin(0.11f * s + 0.5f) - 0.05f;
    heat[i] = 300.0f - 15.0f * std::sin(0.11f * s) + 3.0f * std::sin(2.3f * s);
    dry[i] = (i % 23 == 0) ? kNaN : -0.4f * std::sin(0.11f * s) + 0.2f * std::cos(0.9f * s);
    mask[i] = (i % 31 == 0) ? 0 : 1;
  }
  const auto view = [&](const std::vector<float>& plane) {
    return ConstTileView<float>(plane.data(), kWidth, kHeight);
  };
  const RseiComponentViews whole{view(green), view(wet), view(heat), view(dry)};
  const ConstTileView<std::uint8_t> whole_mask(mask.data(), kWidth, kHeight);

  RseiAccumulator reference(kAllPresent);
  reference.accumulate(whole, whole_mask);
  const RseiModel expected = reference.finalize();
  EXPECT_GT(expected.explained_variance, 0.5);

  std::vector<RseiAccumulator> tiles;
  for (int y = 0; y < kHeight; y += 6) {
    for (int x = 0; x < kWidth; x += 7) {
      const int w = std::min(7, kWidth - x);
      const int h = std::min(6, kHeight - y);
      RseiComponentViews part;
      for (std::size_t c = 0; c < part.size(); ++c) part[c] = whole[c].sub(x, y, w, h);
      tiles.emplace_back(kAllPresent).accumulate(part, whole_mask.sub(x, y, w, h));
    }
  }
  RseiAccumulator reversed(kAllPresent);
  for (auto it = tiles.rbegin(); it != tiles.rend(); ++it) reversed.merge(*it);
  // Pairwise tree: odd tiles into even ones, then the evens in order.
  std::vector<RseiAccumulator> tree = tiles;
  for (std::size_t i = 0; i + 1 < tree.size(); i += 2) tree[i].merge(tree[i + 1]);
  RseiAccumulator paired(kAllPresent);
  for (std::size_t i = 0; i < tree.size(); i += 2) paired.merge(tree[i]);

  EXPECT_EQ(reversed.count(), reference.count());
  EXPECT_TRUE(same_model(reversed.finalize(), expected));
  EXPECT_TRUE(same_model(paired.finalize(), expected));

  reversed.reset();
  EXPECT_EQ(reversed.count(), 0u);
  EXPECT_FALSE(reversed.finalize().present[kGreen]);
}

// ---------------------------------------------------------------------------------------
// Per pixel and per tile

RseiModel green_dry_model() {
  RseiModel model;
  model.present = {true, false, false, true};
  model.low = {0.0, 0.0, 0.0, 0.0};
  model.high = {1.0, 0.0, 0.0, 1.0};
  model.loadings = {1.0 / std::sqrt(2.0), 0.0, 0.0, -1.0 / std::sqrt(2.0)};
  model.pc1_low = -1.0 / std::sqrt(2.0);
  model.pc1_high = 1.0 / std::sqrt(2.0);
  return model;
}

TEST(RseiValue, HandComputed) {
  const RseiModel model = green_dry_model();
  // pc1 = (g - d) / sqrt2; RSEI = (pc1 + 1/sqrt2) / sqrt2 = (g - d + 1) / 2.
  EXPECT_NEAR(rsei_value({1.0f, 0.0f, 0.0f, 0.0f}, model), 1.0f, 1e-6f);
  EXPECT_NEAR(rsei_value({0.5f, 0.0f, 0.0f, 0.5f}, model), 0.5f, 1e-6f);
  EXPECT_NEAR(rsei_value({0.75f, 0.0f, 0.0f, 0.25f}, model), 0.75f, 1e-6f);
  EXPECT_NEAR(rsei_value({2.0f, 0.0f, 0.0f, -3.0f}, model), 1.0f, 1e-6f);  // normalization clamps
  EXPECT_TRUE(std::isnan(rsei_value({kNaN, 0.0f, 0.0f, 0.5f}, model)));
  EXPECT_TRUE(std::isnan(rsei_value({0.5f, 0.0f, 0.0f, kNaN}, model)));
}

TEST(NormalizeComponent, ClampsToUnitRange) {
  RseiModel model;
  model.low[kWet] = 0.2;
  model.high[kWet] = 0.6;
  EXPECT_NEAR(normalize_component(0.4f, model, RseiComponent::wetness), 0.5f, 1e-6f);
  EXPECT_EQ(normalize_component(0.1f, model, RseiComponent::wetness), 0.0f);
  EXPECT_EQ(normalize_component(0.9f, model, RseiComponent::wetness), 1.0f);
  EXPECT_TRUE(std::isnan(normalize_component(kNaN, model, RseiComponent::wetness)));
  EXPECT_EQ(normalize_component(0.4f, model, RseiComponent::heat), 0.0f);  // low == high
}

TEST(ComputeRsei, TileMatchesThePixelFunction) {
  const RseiModel model = green_dry_model();
  const std::vector<float> green{1.0f, 0.5f, kNaN};
  const std::vector<float> dry{0.0f, 0.5f, 0.2f};
  RseiComponentViews views;
  views[kGreen] = {green.data(), 3, 1};
  views[kDry] = {dry.data(), 3, 1};
  std::vector<float> out(3);
  compute_rsei(views, model, {out.data(), 3, 1});
  EXPECT_NEAR(out[0], 1.0f, 1e-6f);
  EXPECT_NEAR(out[1], 0.5f, 1e-6f);
  EXPECT_TRUE(std::isnan(out[2]));
  views[kDry] = {};
  EXPECT_THROW(compute_rsei(views, model, {out.data(), 3, 1}), std::invalid_argument);
}

}  // namespace
}  // namespace zw::kernels
