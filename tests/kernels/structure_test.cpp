// Gradient correlation of two dates against hand-computed ramps (Sobel of a unit ramp is 8),
// missing values, image edges, tiled-with-halo results equal to whole-image ones, and the
// gate's rule.
#include "zonewatch/kernels/structure.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

namespace zw::kernels {
namespace {

/// A 5 x 5 plane v(x, y) = gx * x + gy * y.
Tile<float> ramp(float gx, float gy) {
  Tile<float> t(5, 5);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 5; ++x) t(x, y) = gx * static_cast<float>(x) + gy * static_cast<float>(y);
  return t;
}

Tile<float> correlation_of(const Tile<float>& before, const Tile<float>& after, int radius) {
  Tile<float> out(before.width(), before.height(), -9.0f);
  gradient_correlation(before.view(), after.view(), radius, out.view());
  return out;
}

TEST(GradientCorrelation, CosineOfTheAngleBetweenTheGradients) {
  // x ramp: Sobel (8, 0); y ramp: (0, 8); diagonal ramp: (8, 8), 45 degrees from both.
  const Tile<float> across = ramp(1.0f, 0.0f), down = ramp(0.0f, 1.0f), diagonal = ramp(1.0f, 1.0f);
  for (int radius : {0, 1, 2}) {
    EXPECT_NEAR(correlation_of(across, across, radius)(2, 2), 1.0f, 1e-6) << radius;
    EXPECT_NEAR(correlation_of(across, down, radius)(2, 2), 0.0f, 1e-6) << radius;
    // 9 window pixels of (8, 0) . (8, 8) over sqrt(9 * 64 * 9 * 128): 1 / sqrt(2).
    EXPECT_NEAR(correlation_of(across, diagonal, radius)(2, 2), 0.70710678f, 1e-6) << radius;
  }
}

TEST(GradientCorrelation, ContrastDoesNotMatterTheDirectionDoes) {
  Tile<float> brighter = ramp(1.0f, 0.0f), inverted = ramp(-1.0f, 0.0f);
  for (float& v : brighter.values()) v = 2.5f * v + 0.3f;  // another gain and offset: the same edges
  EXPECT_NEAR(correlation_of(ramp(1.0f, 0.0f), brighter, 1)(2, 2), 1.0f, 1e-6);
  EXPECT_NEAR(correlation_of(ramp(1.0f, 0.0f), inverted, 1)(2, 2), -1.0f, 1e-6);
}

TEST(GradientCorrelation, NoEdgeInEitherDateIsZero) {
  const Tile<float> flat(5, 5, 0.4f);
  EXPECT_EQ(correlation_of(flat, ramp(1.0f, 0.0f), 1)(2, 2), 0.0f);  // an edge only after: new structure
  EXPECT_EQ(correlation_of(flat, flat, 2)(2, 2), 0.0f);
}

TEST(GradientCorrelation, ImageEdgeHasNoGradientOfItsOwn) {
  const Tile<float> across = ramp(1.0f, 0.0f), diagonal = ramp(1.0f, 1.0f);
  // Radius 0 on the border: the Sobel neighbourhood leaves the view, no edge.
  EXPECT_EQ(correlation_of(across, diagonal, 0)(0, 0), 0.0f);
  EXPECT_EQ(correlation_of(across, diagonal, 0)(4, 2), 0.0f);
  // Radius 1 in the corner: only (1, 1) of the window has a gradient, so its angle counts.
  EXPECT_NEAR(correlation_of(across, diagonal, 1)(0, 0), 0.70710678f, 1e-6);
}

TEST(GradientCorrelation, NodataIsNanAndItsNeighboursHaveNoEdge) {
  Tile<float> before = ramp(1.0f, 0.0f);
  before(2, 2) = kNaN;
  const Tile<float> out = correlation_of(before, ramp(1.0f, 0.0f), 1);
  EXPECT_TRUE(std::isnan(out(2, 2)));
  // (4, 4)'s window is (3..4, 3..4): (3, 3)'s neighbourhood holds the NaN, the rest is border.
  EXPECT_EQ(out(4, 4), 0.0f);
  // (0, 2)'s window holds (1, 1..3), all next to the NaN: no edge left.
  EXPECT_EQ(out(0, 2), 0.0f);
  // (3, 0) keeps (3, 1), whose neighbourhood (2..4, 0..2) holds the NaN too; (4, 0) likewise.
  EXPECT_EQ(out(3, 0), 0.0f);
  Tile<float> after = ramp(1.0f, 0.0f);
  after(0, 0) = kNaN;
  EXPECT_TRUE(std::isnan(correlation_of(ramp(1.0f, 0.0f), after, 1)(0, 0)));
  EXPECT_NEAR(correlation_of(ramp(1.0f, 0.0f), after, 1)(3, 3), 1.0f, 1e-6);
}

TEST(GradientCorrelation, TilesWithHaloEqualTheWholeImageBitForBit) {
  constexpr int kWidth = 41, kHeight = 33, kRadius = 2;
  std::mt19937 random(7);
  std::uniform_real_distribution<float> value(0.0f, 1.0f);
  Tile<float> before(kWidth, kHeight), after(kWidth, kHeight);
  for (std::size_t i = 0; i < before.values().size(); ++i) {
    before.values()[i] = value(random);
    after.values()[i] = value(random) < 0.03f ? kNaN : 0.5f * before.values()[i] + 0.5f * value(random);
  }
  const Tile<float> whole = correlation_of(before, after, kRadius);
  const int halo = gradient_correlation_halo(kRadius);
  EXPECT_EQ(halo, 3);
  for (const int tile : {7, 10, 16}) {  // odd sizes leave ragged last tiles
    for (int y0 = 0; y0 < kHeight; y0 += tile) {
      for (int x0 = 0; x0 < kWidth; x0 += tile) {
        const int px0 = std::max(0, x0 - halo), py0 = std::max(0, y0 - halo);
        const int px1 = std::min(kWidth, x0 + tile + halo), py1 = std::min(kHeight, y0 + tile + halo);
        const auto b = before.view().sub(px0, py0, px1 - px0, py1 - py0);
        const auto a = after.view().sub(px0, py0, px1 - px0, py1 - py0);
        Tile<float> part(px1 - px0, py1 - py0);
        gradient_correlation(b, a, kRadius, part.view());
        for (int y = y0; y < std::min(kHeight, y0 + tile); ++y) {
          for (int x = x0; x < std::min(kWidth, x0 + tile); ++x) {
            const float expected = whole(x, y), got = part(x - px0, y - py0);
            if (std::isnan(expected))
              EXPECT_TRUE(std::isnan(got)) << x << "," << y;
            else
              EXPECT_EQ(got, expected) << "tile " << tile << " at " << x << "," << y;
          }
        }
      }
    }
  }
}

TEST(GradientCorrelation, RefusesMismatchedSizesAndNegativeRadius) {
  Tile<float> a(5, 5, 0.0f), b(5, 4, 0.0f), out(5, 5);
  EXPECT_THROW(gradient_correlation(a.view(), b.view(), 1, out.view()), std::invalid_argument);
  EXPECT_THROW(gradient_correlation(a.view(), a.view(), -1, out.view()), std::invalid_argument);
  EXPECT_THROW(gate_preserved_structure(b.view(), 0.7f, 4.0f, out.view()), std::invalid_argument);
}

TEST(GateByStructure, OnlyWeakChangeWithKeptEdgesIsDropped) {
  EXPECT_EQ(gate_by_structure(3.0f, 0.8f, 0.7f, 4.0f), 0.0f);  // weak, edges kept: no change
  EXPECT_EQ(gate_by_structure(3.0f, 0.7f, 0.7f, 4.0f), 0.0f);  // at the limit counts as kept
  EXPECT_EQ(gate_by_structure(3.0f, 0.6f, 0.7f, 4.0f), 3.0f);  // new edges: change stays
  EXPECT_EQ(gate_by_structure(4.0f, 0.9f, 0.7f, 4.0f), 4.0f);  // a seed stays whatever its edges
  EXPECT_TRUE(std::isnan(gate_by_structure(kNaN, 0.9f, 0.7f, 4.0f)));
  EXPECT_EQ(gate_by_structure(3.0f, kNaN, 0.7f, 4.0f), 3.0f);  // unknown edges: not dropped

  Tile<float> magnitude(3, 1), correlation(3, 1);
  magnitude(0, 0) = 1.0f, magnitude(1, 0) = 2.0f, magnitude(2, 0) = 9.0f;
  correlation(0, 0) = 0.9f, correlation(1, 0) = 0.1f, correlation(2, 0) = 0.95f;
  gate_preserved_structure(correlation.view(), 0.7f, 4.0f, magnitude.view());
  EXPECT_EQ(magnitude(0, 0), 0.0f);
  EXPECT_EQ(magnitude(1, 0), 2.0f);
  EXPECT_EQ(magnitude(2, 0), 9.0f);
}

}  // namespace
}  // namespace zw::kernels
