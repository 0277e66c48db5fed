// difference and change_vector_magnitude on tiny hand-computed tiles.
#include "zonewatch/kernels/difference.hpp"

#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "kernels/at_simd_level.hpp"

namespace zw::kernels {
namespace {

TEST(Difference, AfterMinusBeforeWithNaN) {
  const std::vector<float> before{1.0f, 2.0f, kNaN, 4.0f, -0.5f, 0.0f};
  const std::vector<float> after{3.0f, 1.0f, 5.0f, kNaN, 0.25f, kNaN};
  std::vector<float> out(6, -7.0f);
  difference(ConstTileView<float>(before.data(), 3, 2), ConstTileView<float>(after.data(), 3, 2),
             TileView<float>(out.data(), 3, 2));
  EXPECT_FLOAT_EQ(out[0], 2.0f);
  EXPECT_FLOAT_EQ(out[1], -1.0f);
  EXPECT_TRUE(std::isnan(out[2]));
  EXPECT_TRUE(std::isnan(out[3]));
  EXPECT_FLOAT_EQ(out[4], 0.75f);
  EXPECT_TRUE(std::isnan(out[5]));
}

TEST(Difference, InPlaceIntoAfter) {
  const std::vector<float> before{1.0f, 2.0f};
  std::vector<float> after{0.5f, 6.0f};
  const TileView<float> after_view(after.data(), 2, 1);
  difference(ConstTileView<float>(before.data(), 2, 1), after_view, after_view);
  EXPECT_FLOAT_EQ(after[0], -0.5f);
  EXPECT_FLOAT_EQ(after[1], 4.0f);
}

TEST(Difference, StridedSubViews) {
  // 3x3 buffers; the tile is the 2x2 window at (1, 0).
  const std::vector<float> before{9, 1, 2, 9, 3, 4, 9, 9, 9};
  const std::vector<float> after{9, 2, 4, 9, 6, 8, 9, 9, 9};
  constexpr float kSentinel = -42.0f;
  std::vector<float> out(9, kSentinel);
  const TileView<float> whole_out(out.data(), 3, 3);
  difference(ConstTileView<float>(before.data(), 3, 3).sub(1, 0, 2, 2),
             ConstTileView<float>(after.data(), 3, 3).sub(1, 0, 2, 2), whole_out.sub(0, 1, 2, 2));
  EXPECT_FLOAT_EQ(whole_out(0, 1), 1.0f);
  EXPECT_FLOAT_EQ(whole_out(1, 1), 2.0f);
  EXPECT_FLOAT_EQ(whole_out(0, 2), 3.0f);
  EXPECT_FLOAT_EQ(whole_out(1, 2), 4.0f);
  EXPECT_EQ(whole_out(2, 1), kSentinel);
  EXPECT_EQ(whole_out(0, 0), kSentinel);
  EXPECT_EQ(whole_out(2, 2), kSentinel);
}

TEST(Difference, RejectsSizeMismatch) {
  const std::vector<float> plane(6, 1.0f);
  std::vector<float> out(6);
  EXPECT_THROW(difference(ConstTileView<float>(plane.data(), 3, 2), ConstTileView<float>(plane.data(), 2, 3),
                          TileView<float>(out.data(), 3, 2)),
               std::invalid_argument);
}

// Two bands over a 3-pixel row:
//   band 0: before {0, 1, NaN}, after {3, 0, 0}
//   band 1: before {0, 0, 0},   after {4, 2, 0}
struct TwoBandScene {
  std::vector<float> before0{0.0f, 1.0f, kNaN};
  std::vector<float> after0{3.0f, 0.0f, 0.0f};
  std::vector<float> before1{0.0f, 0.0f, 0.0f};
  std::vector<float> after1{4.0f, 2.0f, 0.0f};
  std::array<ConstTileView<float>, 2> before{ConstTileView<float>(before0.data(), 3, 1),
                                             ConstTileView<float>(before1.data(), 3, 1)};
  std::array<ConstTileView<float>, 2> after{ConstTileView<float>(after0.data(), 3, 1),
                                            ConstTileView<float>(after1.data(), 3, 1)};
};

TEST(ChangeVectorMagnitude, UnitWeightsIsEuclideanDistance) {
  const TwoBandScene scene;
  const std::array<float, 2> offsets{0.0f, 0.0f};
  const std::array<float, 2> weights{1.0f, 1.0f};
  std::vector<float> out(3, -7.0f);
  change_vector_magnitude(scene.before, scene.after, offsets, weights, TileView<float>(out.data(), 3, 1));
  EXPECT_FLOAT_EQ(out[0], 5.0f);             // sqrt(3^2 + 4^2)
  EXPECT_FLOAT_EQ(out[1], std::sqrt(5.0f));  // sqrt((-1)^2 + 2^2)
  EXPECT_TRUE(std::isnan(out[2]));           // band 0 before is nodata
}

TEST(ChangeVectorMagnitude, OffsetsAndWeightsApplyPerBand) {
  const TwoBandScene scene;
  const std::array<float, 2> offsets{1.0f, 0.0f};
  const std::array<float, 2> weights{1.5f, 1.0f};
  std::vector<float> out(3, -7.0f);
  change_vector_magnitude(scene.before, scene.after, offsets, weights, TileView<float>(out.data(), 3, 1));
  EXPECT_FLOAT_EQ(out[0], 5.0f);              // ((3 - 1) * 1.5, 4) = (3, 4)
  EXPECT_FLOAT_EQ(out[1], std::sqrt(13.0f));  // ((-1 - 1) * 1.5, 2) = (-3, 2)
  EXPECT_TRUE(std::isnan(out[2]));
}

TEST(ChangeVectorMagnitude, NaNInAnyBandOfEitherDate) {
  const std::vector<float> before0{0.0f, 0.0f};
  const std::vector<float> after0{1.0f, 1.0f};
  const std::vector<float> before1{0.0f, 0.0f};
  const std::vector<float> after1{kNaN, 1.0f};
  const std::array<ConstTileView<float>, 2> before{ConstTileView<float>(before0.data(), 2, 1),
                                                   ConstTileView<float>(before1.data(), 2, 1)};
  const std::array<ConstTileView<float>, 2> after{ConstTileView<float>(after0.data(), 2, 1),
                                                  ConstTileView<float>(after1.data(), 2, 1)};
  const std::array<float, 2> zeros{0.0f, 0.0f};
  const std::array<float, 2> ones{1.0f, 1.0f};
  std::vector<float> out(2, -7.0f);
  change_vector_magnitude(before, after, zeros, ones, TileView<float>(out.data(), 2, 1));
  EXPECT_TRUE(std::isnan(out[0]));
  EXPECT_FLOAT_EQ(out[1], std::sqrt(2.0f));
}

TEST(ChangeVectorMagnitude, StridedSubViews) {
  // One band in 3x2 buffers; the tile is the 2x2 window at (1, 0).
  const std::vector<float> before{9, 0, 0, 9, 1, 1};
  const std::vector<float> after{9, 3, -4, 9, 1, 3};
  const std::array<ConstTileView<float>, 1> before_views{ConstTileView<float>(before.data(), 3, 2).sub(1, 0, 2, 2)};
  const std::array<ConstTileView<float>, 1> after_views{ConstTileView<float>(after.data(), 3, 2).sub(1, 0, 2, 2)};
  const std::array<float, 1> offsets{0.0f};
  const std::array<float, 1> weights{0.5f};
  constexpr float kSentinel = -42.0f;
  std::vector<float> out(6, kSentinel);
  const TileView<float> whole_out(out.data(), 3, 2);
  change_vector_magnitude(before_views, after_views, offsets, weights, whole_out.sub(0, 0, 2, 2));
  EXPECT_FLOAT_EQ(whole_out(0, 0), 1.5f);
  EXPECT_FLOAT_EQ(whole_out(1, 0), 2.0f);
  EXPECT_FLOAT_EQ(whole_out(0, 1), 0.0f);
  EXPECT_FLOAT_EQ(whole_out(1, 1), 1.0f);
  EXPECT_EQ(whole_out(2, 0), kSentinel);
  EXPECT_EQ(whole_out(2, 1), kSentinel);
}

TEST(ChangeVectorMagnitude, NoBandsMeansNothingObserved) {
  std::vector<float> out(2, -7.0f);
  change_vector_magnitude({}, {}, {}, {}, TileView<float>(out.data(), 2, 1));
  EXPECT_TRUE(std::isnan(out[0]));
  EXPECT_TRUE(std::isnan(out[1]));
}

TEST(ChangeVectorMagnitude, RejectsMismatchedLengthsAndSizes) {
  const TwoBandScene scene;
  const std::array<float, 1> one_offset{0.0f};
  const std::array<float, 2> offsets{0.0f, 0.0f};
  const std::array<float, 2> weights{1.0f, 1.0f};
  std::vector<float> out(4);
  EXPECT_THROW(
      change_vector_magnitude(scene.before, scene.after, one_offset, weights, TileView<float>(out.data(), 3, 1)),
      std::invalid_argument);
  EXPECT_THROW(change_vector_magnitude(scene.before, scene.after, offsets, weights, TileView<float>(out.data(), 4, 1)),
               std::invalid_argument);
}

// The z-scored change of one band and one pixel: what the threshold statistics sample and
// the classification maps over tiles.
TEST(ZscoredChange, HandComputedWithNaN) {
  EXPECT_EQ(zscored_change(0.5f, 0.25f, 2.0f), 0.5f);   // (0.5 - 0.25) * 2
  EXPECT_EQ(zscored_change(-1.0f, 1.0f, 0.5f), -1.0f);  // (-1 - 1) * 0.5
  EXPECT_EQ(zscored_change(3.0f, 0.0f, 0.0f), 0.0f);    // a constant band weighs nothing
  EXPECT_TRUE(std::isnan(zscored_change(kNaN, 0.0f, 1.0f)));
}

TEST(ZscoredChangeMagnitude, HandComputedInFloatAndDouble) {
  const std::array<float, 2> offsets{1.0f, 0.0f};
  const std::array<float, 2> weights{1.0f, 2.0f};
  const std::array<float, 2> differences{4.0f, 2.0f};  // z = (3, 4)
  EXPECT_EQ(zscored_change_magnitude<float>(differences, offsets, weights), 5.0f);
  EXPECT_EQ(zscored_change_magnitude<double>(differences, offsets, weights), 5.0);
  const std::array<float, 2> with_nodata{4.0f, kNaN};
  EXPECT_TRUE(std::isnan(zscored_change_magnitude<float>(with_nodata, offsets, weights)));
  EXPECT_TRUE(std::isnan(zscored_change_magnitude<double>(with_nodata, offsets, weights)));
}

TEST(ZscoredChangeMagnitude, DoubleSumsTheSameFloatTermsMoreExactly) {
  // The terms are rounded to float, only their squares are summed in double.
  const std::array<float, 3> differences{0.1f, 0.2f, 0.3f};
  const std::array<float, 3> offsets{0.01f, 0.02f, 0.03f};
  const std::array<float, 3> weights{3.0f, 7.0f, 11.0f};
  double expected = 0.0;
  for (std::size_t i = 0; i < 3; ++i) {
    const double z = static_cast<double>((differences[i] - offsets[i]) * weights[i]);
    expected += z * z;
  }
  EXPECT_EQ(zscored_change_magnitude<double>(differences, offsets, weights), std::sqrt(expected));
}

TEST(ZscoredChangeMagnitude, TileFunctionIsThePerPixelFunctionBitForBit) {
  // change_vector_magnitude maps exactly zscored_change_magnitude<float> over a tile.
  constexpr int kWidth = 37, kHeight = 5;
  constexpr std::size_t kBands = 4;
  std::vector<std::vector<float>> before(kBands), after(kBands);
  unsigned state = 12345;
  const auto next = [&] {
    state = state * 1103515245u + 12345u;
    return static_cast<float>((state >> 8) % 20000) / 10000.0f - 0.5f;
  };
  for (std::size_t b = 0; b < kBands; ++b) {
    for (int i = 0; i < kWidth * kHeight; ++i) {
      before[b].push_back(next());
      after[b].push_back(i % 17 == static_cast<int>(b) ? kNaN : next());
    }
  }
  const std::array<float, kBands> offsets{0.01f, -0.02f, 0.003f, 0.0f};
  const std::array<float, kBands> weights{3.1f, 0.7f, 12.5f, 1.0f};
  std::vector<ConstTileView<float>> before_views, after_views;
  for (std::size_t b = 0; b < kBands; ++b) {
    before_views.emplace_back(before[b].data(), kWidth, kHeight);
    after_views.emplace_back(after[b].data(), kWidth, kHeight);
  }
  std::vector<float> out(static_cast<std::size_t>(kWidth * kHeight));
  change_vector_magnitude(before_views, after_views, offsets, weights, TileView<float>(out.data(), kWidth, kHeight));
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::array<float, kBands> differences{};
    for (std::size_t b = 0; b < kBands; ++b) differences[b] = after[b][i] - before[b][i];
    const float expected = zscored_change_magnitude<float>(differences, offsets, weights);
    if (std::isnan(expected)) {
      EXPECT_TRUE(std::isnan(out[i])) << i;
    } else {
      EXPECT_EQ(out[i], expected) << i;
    }
  }
}

TEST(ChangeVectorMagnitude, Avx2VersionEqualsTheBaselineBitForBit) {
  if (best_simd_level() != SimdLevel::avx2) GTEST_SKIP() << "this CPU has no AVX2: only the baseline runs";
  std::mt19937 random(5);
  std::uniform_real_distribution<float> value(-0.1f, 0.6f);
  for (const int width : {3, 8, 21, 64}) {
    const int height = 5;
    std::vector<Tile<float>> before, after;
    std::vector<ConstTileView<float>> before_views, after_views;
    for (int band = 0; band < 4; ++band) {
      before.emplace_back(width, height);
      after.emplace_back(width, height);
      for (float& v : before.back().values()) v = random() % 17 == 0 ? kNaN : value(random);
      for (float& v : after.back().values()) v = value(random);
    }
    for (std::size_t band = 0; band < before.size(); ++band) {
      before_views.push_back(before[band].view());
      after_views.push_back(after[band].view());
    }
    const std::vector<float> offsets{0.01f, -0.02f, 0.003f, 0.0f}, weights{21.0f, 17.5f, 30.25f, 9.0f};
    Tile<float> fast(width, height), baseline(width, height);
    change_vector_magnitude(before_views, after_views, offsets, weights, fast.view());
    at_simd_level(SimdLevel::baseline,
                  [&] { change_vector_magnitude(before_views, after_views, offsets, weights, baseline.view()); });
    for (std::size_t i = 0; i < fast.values().size(); ++i) {
      ASSERT_EQ(std::bit_cast<std::uint32_t>(fast.values()[i]), std::bit_cast<std::uint32_t>(baseline.values()[i]))
          << "width " << width << ", pixel " << i;
    }
  }
}

}  // namespace
}  // namespace zw::kernels
