// classify_tile: a tile of feature planes typed as classify_pixel types each pixel, with
// absent planes, strided views, and every rule order.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <random>
#include <stdexcept>
#include <vector>

#include "change_typing_names.hpp"
#include "zonewatch/kernels/change_typing.hpp"

namespace zw::kernels {
namespace {

TEST(ClassifyTile, RgbSceneWithAbsentPlanesAndStridedViews) {
  // 4x2 tile stored at (1, 1) of 6x3 buffers, so every view is a strided sub-view.
  constexpr int kBufferWidth = 6;
  constexpr int kBufferHeight = 3;
  struct Pixel {
    float greenness_before, greenness_after, brightness_before, brightness_after, magnitude;
  };
  const Pixel pixels[8] = {
      {0.4f, 0.1f, 0.1f, 0.3f, kNaN},   // nodata
      {0.4f, 0.1f, 0.1f, 0.3f, 1.0f},   // none: below the magnitude threshold
      {0.4f, 0.1f, 0.1f, 0.3f, 5.0f},   // construction (brighter, less green) before veg loss
      {0.4f, 0.1f, 0.3f, 0.1f, 5.0f},   // vegetation loss (darker)
      {0.1f, 0.05f, 0.3f, 0.1f, 5.0f},  // other: never vegetated, darker
      {kNaN, kNaN, 0.1f, 0.3f, 5.0f},   // other: no greenness
      {0.2f, 0.1f, 0.1f, 0.1f, 3.0f},   // construction: zero brightness rise reaches minimum 0
      {0.5f, 0.45f, 0.2f, 0.1f, 4.0f},  // none: vegetated before and after (persistent)
  };
  const std::vector<std::uint8_t> expected{stored(kNodata),         stored(kNone),  stored(kConstruction),
                                           stored(kVegetationLoss), stored(kOther), stored(kOther),
                                           stored(kConstruction),   stored(kNone)};

  std::vector<std::vector<float>> planes(5, std::vector<float>(kBufferWidth * kBufferHeight, 9.0f));
  for (int i = 0; i < 8; ++i) {
    const auto at = static_cast<std::size_t>((1 + i / 4) * kBufferWidth + 1 + i % 4);
    planes[0][at] = pixels[i].greenness_before;
    planes[1][at] = pixels[i].greenness_after;
    planes[2][at] = pixels[i].brightness_before;
    planes[3][at] = pixels[i].brightness_after;
    planes[4][at] = pixels[i].magnitude;
  }
  const auto tile_of = [&](int plane) {
    return ConstTileView<float>(planes[static_cast<std::size_t>(plane)].data(), kBufferWidth, kBufferHeight)
        .sub(1, 1, 4, 2);
  };
  FeatureTiles features;
  features.greenness_before = tile_of(0);
  features.greenness_after = tile_of(1);
  features.brightness_before = tile_of(2);
  features.brightness_after = tile_of(3);
  features.magnitude = tile_of(4);

  constexpr std::uint8_t kSentinel = 77;
  std::vector<std::uint8_t> out(kBufferWidth * kBufferHeight, kSentinel);
  const TileView<std::uint8_t> whole_out(out.data(), kBufferWidth, kBufferHeight);
  classify_tile(features, TypingRules{}, whole_out.sub(1, 1, 4, 2));
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(whole_out(1 + i % 4, 1 + i / 4), expected[static_cast<std::size_t>(i)]) << "pixel " << i;
  }
  int untouched = 0;
  for (std::uint8_t v : out) untouched += (v == kSentinel) ? 1 : 0;
  EXPECT_EQ(untouched, kBufferWidth * kBufferHeight - 8);
}

TEST(ClassifyTile, NewPlanesReachTheRules) {
  // Pixel 0: a new blue roof; 1: rough bare ground (dumping); 2: the same on a slope
  // (mining); 3: a smooth new surface (construction).
  const std::vector<float> red_before{0.20f, 0.05f, 0.05f, 0.05f}, green_before{0.17f, 0.08f, 0.08f, 0.08f},
      blue_before{0.14f, 0.04f, 0.04f, 0.04f}, red_after{0.12f, 0.2f, 0.2f, 0.2f},
      green_after{0.20f, 0.18f, 0.18f, 0.18f}, blue_after{0.25f, 0.15f, 0.15f, 0.15f};
  const std::vector<float> greenness_before{0.1f, 0.6f, 0.6f, 0.6f}, greenness_after{0.05f, 0.1f, 0.1f, 0.1f};
  const std::vector<float> brightness_before{0.17f, 0.06f, 0.06f, 0.06f}, brightness_after{0.19f, 0.18f, 0.18f, 0.18f};
  const std::vector<float> texture{0.05f, 0.3f, 0.3f, 0.05f}, slope{kNaN, 2.0f, 25.0f, 2.0f};
  const std::vector<float> magnitude(4, 6.0f);
  const auto view = [](const std::vector<float>& plane) { return ConstTileView<float>(plane.data(), 4, 1); };
  FeatureTiles features;
  features.red_before = view(red_before);
  features.green_before = view(green_before);
  features.blue_before = view(blue_before);
  features.red_after = view(red_after);
  features.green_after = view(green_after);
  features.blue_after = view(blue_after);
  features.greenness_before = view(greenness_before);
  features.greenness_after = view(greenness_after);
  features.brightness_before = view(brightness_before);
  features.brightness_after = view(brightness_after);
  features.texture_after = view(texture);
  features.slope = view(slope);
  features.magnitude = view(magnitude);
  std::vector<std::uint8_t> out(4, 77);
  TypingRules with_dumping;
  with_dumping.order = {kWaterLoss,          kWaterGain,    ChangeType::blue_roof, ChangeType::mining,
                        ChangeType::dumping, kConstruction, kVegetationLoss};
  classify_tile(features, with_dumping, TileView<std::uint8_t>(out.data(), 4, 1));
  EXPECT_EQ(out, (std::vector<std::uint8_t>{stored(ChangeType::blue_roof), stored(ChangeType::dumping),
                                            stored(ChangeType::mining), stored(kConstruction)}));
  features.slope = ConstTileView<float>(slope.data(), 2, 2);
  EXPECT_THROW(classify_tile(features, TypingRules{}, TileView<std::uint8_t>(out.data(), 4, 1)), std::invalid_argument);
}

TEST(ClassifyTile, EveryPixelAsClassifyPixelTypesIt) {
  // classify_tile types a row's candidates one rule at a time; every pixel must still come out
  // as classify_pixel types it alone: random features around every rule's thresholds, NaN in
  // some pixels and absent planes, every rule order (with non-rule entries), the
  // pseudo-change tests and report_other on and off.
  std::mt19937 random(5);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  const int width = 37, height = 5;
  const auto pixels = static_cast<std::size_t>(width * height);
  std::array<std::vector<float>, 19> planes;
  for (auto& plane : planes) {
    plane.resize(pixels);
    for (float& v : plane) v = unit(random) < 0.05f ? kNaN : 2.0f * unit(random) - 0.5f;
  }
  for (float& slope : planes[17]) slope *= 40.0f;
  for (float& magnitude : planes[18]) magnitude *= 4.0f;
  const auto view = [&](std::size_t i) { return ConstTileView<float>(planes[i].data(), width, height); };
  std::vector<ChangeType> order{kWaterLoss,         kWaterGain,          ChangeType::blue_roof,
                                ChangeType::mining, ChangeType::dumping, kConstruction,
                                kVegetationLoss,    ChangeType::other,   ChangeType::water_quality};
  for (int trial = 0; trial < 40; ++trial) {
    FeatureTiles features;
    std::array<ConstTileView<float>*, 18> optional{
        &features.greenness_before, &features.greenness_after, &features.water_before,
        &features.water_after,      &features.built_before,    &features.built_after,
        &features.bare_before,      &features.bare_after,      &features.brightness_before,
        &features.brightness_after, &features.red_before,      &features.green_before,
        &features.blue_before,      &features.red_after,       &features.green_after,
        &features.blue_after,       &features.texture_after,   &features.slope};
    for (std::size_t i = 0; i < optional.size(); ++i) {
      if (unit(random) < 0.8f) *optional[i] = view(i);  // else absent: NaN everywhere
    }
    features.magnitude = view(18);
    TypingRules rules;
    std::shuffle(order.begin(), order.end(), random);
    rules.order.assign(order.begin(), order.begin() + 1 + trial % static_cast<int>(order.size()));
    rules.magnitude_threshold = 2.0f * unit(random);
    rules.suppress_stable_water = trial % 2 == 0;
    rules.suppress_persistent_vegetation = trial % 3 != 0;
    rules.report_other = trial % 4 != 0;
    std::vector<std::uint8_t> out(pixels, 77);
    classify_tile(features, rules, TileView<std::uint8_t>(out.data(), width, height));
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        const auto at = [&](const ConstTileView<float>& plane) { return plane.empty() ? kNaN : plane(x, y); };
        PixelFeatures f;
        f.greenness_before = at(features.greenness_before);
        f.greenness_after = at(features.greenness_after);
        f.water_before = at(features.water_before);
        f.water_after = at(features.water_after);
        f.built_before = at(features.built_before);
        f.built_after = at(features.built_after);
        f.bare_before = at(features.bare_before);
        f.bare_after = at(features.bare_after);
        f.brightness_before = at(features.brightness_before);
        f.brightness_after = at(features.brightness_after);
        f.red_before = at(features.red_before);
        f.green_before = at(features.green_before);
        f.blue_before = at(features.blue_before);
        f.red_after = at(features.red_after);
        f.green_after = at(features.green_after);
        f.blue_after = at(features.blue_after);
        f.texture_after = at(features.texture_after);
        f.slope = at(features.slope);
        f.magnitude = at(features.magnitude);
        ASSERT_EQ(out[static_cast<std::size_t>(y * width + x)], stored(classify_pixel(f, rules)))
            << "trial " << trial << " pixel " << x << "," << y;
      }
    }
  }
}

TEST(ClassifyTile, RejectsMissingMagnitudeAndSizeMismatch) {
  const std::vector<float> plane(4, 1.0f);
  std::vector<std::uint8_t> out(4);
  FeatureTiles features;
  EXPECT_THROW(classify_tile(features, TypingRules{}, TileView<std::uint8_t>(out.data(), 2, 2)), std::invalid_argument);
  features.magnitude = ConstTileView<float>(plane.data(), 2, 2);
  features.water_after = ConstTileView<float>(plane.data(), 4, 1);
  EXPECT_THROW(classify_tile(features, TypingRules{}, TileView<std::uint8_t>(out.data(), 2, 2)), std::invalid_argument);
  features.water_after = ConstTileView<float>(plane.data(), 2, 2);
  EXPECT_THROW(classify_tile(features, TypingRules{}, TileView<std::uint8_t>(out.data(), 4, 1)), std::invalid_argument);
  EXPECT_NO_THROW(classify_tile(features, TypingRules{}, TileView<std::uint8_t>(out.data(), 2, 2)));
}

}  // namespace
}  // namespace zw::kernels
