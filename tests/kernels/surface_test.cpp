// Surface features of issue 12's change types: Horn slope against hand-computed windows,
// local texture (coefficient of variation) by hand, NaN handling, tiled-with-halo results
// equal to whole-image ones, and the blue steel-sheet roof test on written-out spectra.
#include "zonewatch/kernels/surface.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

namespace zw::kernels {
namespace {

TEST(HornSlope, HandComputedWindows) {
  const float flat[9] = {7, 7, 7, 7, 7, 7, 7, 7, 7};
  EXPECT_FLOAT_EQ(horn_slope_degrees(flat, 10.0, 10.0), 0.0f);
  // Rising 10 m per 10 m row southwards: dz/dy = ((20 + 40 + 20) - 0) / 80 = 1 -> 45 degrees.
  const float ramp[9] = {0, 0, 0, 10, 10, 10, 20, 20, 20};
  EXPECT_NEAR(horn_slope_degrees(ramp, 10.0, 10.0), 45.0f, 1e-5);
  // The same ramp on 20 m pixels: dz/dy = 0.5 -> atan(0.5) = 26.565 degrees.
  EXPECT_NEAR(horn_slope_degrees(ramp, 20.0, 20.0), 26.56505f, 1e-4);
  // An uneven window, 5 m pixels: dz/dx = ((50 + 60 + 10) - (50 + 60 + 8)) / 40 = 0.05,
  // dz/dy = ((8 + 20 + 10) - (50 + 90 + 50)) / 40 = -3.8, atan(hypot) = 75.2577 degrees.
  const float uneven[9] = {50, 45, 50, 30, 30, 30, 8, 10, 10};
  EXPECT_NEAR(horn_slope_degrees(uneven, 5.0, 5.0), 75.25766f, 1e-4);
  // The centre itself does not enter Horn's formula, a missing neighbour does.
  float centre_odd[9] = {0, 0, 0, 10, 999, 10, 20, 20, 20};
  EXPECT_NEAR(horn_slope_degrees(centre_odd, 10.0, 10.0), 45.0f, 1e-5);
  centre_odd[2] = kNaN;
  EXPECT_TRUE(std::isnan(horn_slope_degrees(centre_odd, 10.0, 10.0)));
  EXPECT_TRUE(std::isnan(horn_slope_degrees(ramp, 0.0, 10.0)));
}

TEST(SlopeDegrees, BorderIsNaNAndTiledWithHaloEqualsWhole) {
  const int w = 23, h = 19;
  std::mt19937 rng(12);
  std::uniform_real_distribution<float> z(100.0f, 400.0f);
  Tile<float> dem(w, h);
  for (float& v : dem.values()) v = z(rng);
  dem.view().row(9)[11] = kNaN;  // a hole in the DEM
  Tile<float> whole(w, h);
  slope_degrees(dem.view(), 30.0, 30.0, whole.view());
  EXPECT_TRUE(std::isnan(whole.view().row(0)[5]));
  EXPECT_TRUE(std::isnan(whole.view().row(7)[w - 1]));
  EXPECT_TRUE(std::isnan(whole.view().row(10)[12]));  // a neighbour of the hole
  EXPECT_FALSE(std::isnan(whole.view().row(5)[5]));
  // A tile core (6..15, 4..13) computed from its padded window alone.
  const int x0 = 6, y0 = 4, cw = 10, ch = 10, halo = kSlopeHalo;
  Tile<float> padded(cw + 2 * halo, ch + 2 * halo);
  slope_degrees(dem.view().sub(x0 - halo, y0 - halo, cw + 2 * halo, ch + 2 * halo), 30.0, 30.0, padded.view());
  for (int y = 0; y < ch; ++y) {
    for (int x = 0; x < cw; ++x) {
      const float a = whole.view().row(y0 + y)[x0 + x], b = padded.view().row(y + halo)[x + halo];
      EXPECT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << x << "," << y;
    }
  }
  Tile<float> small(3, 3);
  EXPECT_THROW(slope_degrees(dem.view(), 30.0, 30.0, small.view()), std::invalid_argument);
}

TEST(LocalTexture, CoefficientOfVariationByHand) {
  Tile<float> b(3, 3);
  for (int i = 0; i < 9; ++i) b.values()[static_cast<std::size_t>(i)] = static_cast<float>(i + 1);
  Tile<float> out(3, 3);
  local_texture(b.view(), 1, out.view());
  // Centre: 1..9, mean 5, variance 285/9 - 25 -> cv 0.516398.
  EXPECT_NEAR(out.view().row(1)[1], 0.5163978f, 1e-6);
  // Top edge (1, 0): {1..6}, mean 3.5, variance 91/6 - 12.25 -> cv 0.487950.
  EXPECT_NEAR(out.view().row(0)[1], 0.4879500f, 1e-6);
  // Corner: 4 of 9 window pixels inside the view, fewer than half -> NaN.
  EXPECT_TRUE(std::isnan(out.view().row(0)[0]));
  // Scale-free: DN imagery (x 1000) gives the same texture.
  Tile<float> dn(3, 3);
  for (int i = 0; i < 9; ++i) dn.values()[static_cast<std::size_t>(i)] = 1000.0f * static_cast<float>(i + 1);
  Tile<float> out_dn(3, 3);
  local_texture(dn.view(), 1, out_dn.view());
  EXPECT_NEAR(out_dn.view().row(1)[1], out.view().row(1)[1], 1e-6);
  // A uniform roof has no texture.
  Tile<float> flat(5, 5, 0.3f);
  Tile<float> out_flat(5, 5);
  local_texture(flat.view(), 2, out_flat.view());
  EXPECT_NEAR(out_flat.view().row(2)[2], 0.0f, 1e-6);
}

TEST(LocalTexture, NaNPixelsAreSkippedOrGiveNaN) {
  Tile<float> b(3, 3);
  for (int i = 0; i < 9; ++i) b.values()[static_cast<std::size_t>(i)] = static_cast<float>(i + 1);
  b.view().row(0)[0] = kNaN;  // the window now holds 2..9: mean 5.5, variance 284/8 - 30.25
  Tile<float> out(3, 3);
  local_texture(b.view(), 1, out.view());
  EXPECT_NEAR(out.view().row(1)[1], static_cast<float>(std::sqrt(284.0 / 8.0 - 30.25) / 5.5), 1e-6);
  EXPECT_TRUE(std::isnan(out.view().row(0)[0]));  // the pixel itself is missing
  Tile<float> zero(3, 3, 0.0f);
  local_texture(zero.view(), 1, out.view());
  EXPECT_TRUE(std::isnan(out.view().row(1)[1]));  // mean 0: no relative texture
  EXPECT_THROW(local_texture(b.view(), 0, out.view()), std::invalid_argument);
  Tile<float> other(2, 3);
  EXPECT_THROW(local_texture(b.view(), 1, other.view()), std::invalid_argument);
}

TEST(LocalTexture, TiledWithHaloEqualsWhole) {
  const int w = 31, h = 27, radius = 2;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> v(0.02f, 0.4f);
  Tile<float> b(w, h);
  for (float& x : b.values()) x = v(rng);
  b.view().row(13)[9] = kNaN;
  Tile<float> whole(w, h);
  local_texture(b.view(), radius, whole.view());
  const int x0 = 5, y0 = 8, cw = 12, ch = 9;
  Tile<float> padded(cw + 2 * radius, ch + 2 * radius);
  local_texture(b.view().sub(x0 - radius, y0 - radius, cw + 2 * radius, ch + 2 * radius), radius, padded.view());
  for (int y = 0; y < ch; ++y) {
    for (int x = 0; x < cw; ++x) {
      const float a = whole.view().row(y0 + y)[x0 + x], c = padded.view().row(y + radius)[x + radius];
      EXPECT_TRUE((std::isnan(a) && std::isnan(c)) || a == c) << x << "," << y;
    }
  }
}

TEST(BlueRoofTest, BlueDominanceAtHighReflectance) {
  const BlueRoofThresholds t;  // share 0.40, (B-R)/m 0.3, (B-G)/m 0.05, m 0.08
  // A blue steel-sheet roof: R 0.12, G 0.20, B 0.25: share 0.439, m 0.19, (B-R)/m 0.684,
  // (B-G)/m 0.263.
  EXPECT_TRUE(blue_roof_test(0.12f, 0.20f, 0.25f, t));
  // Concrete under a hazy top-of-atmosphere sky: R 0.15, G 0.16, B 0.18, share 0.367.
  EXPECT_FALSE(blue_roof_test(0.15f, 0.16f, 0.18f, t));
  // Clear water: blue-dominated but dark (m 0.0567 < 0.08).
  EXPECT_FALSE(blue_roof_test(0.04f, 0.06f, 0.07f, t));
  // Cyan (green as high as blue): (B-G)/m = 0 < 0.05.
  EXPECT_FALSE(blue_roof_test(0.10f, 0.25f, 0.25f, t));
  // DN imagery: the same roof x 1000 passes with the brightness floor off, not on the
  // blue-share test alone with a red roof.
  BlueRoofThresholds dn = t;
  dn.min_brightness = 0.0f;
  EXPECT_TRUE(blue_roof_test(120.0f, 200.0f, 250.0f, dn));
  EXPECT_FALSE(blue_roof_test(250.0f, 120.0f, 100.0f, dn));
  EXPECT_FALSE(blue_roof_test(kNaN, 0.20f, 0.25f, t));
  EXPECT_FALSE(blue_roof_test(0.0f, 0.0f, 0.0f, dn));
}

}  // namespace
}  // namespace zw::kernels
