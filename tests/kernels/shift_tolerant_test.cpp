// Misregistration-tolerant magnitude: shifted edges read as no change, appearing and
// disappearing objects as change (the symmetric form), radius 0 is the plain magnitude,
// NaN handling, and a tile core with a halo equal to the whole image.
#include "zonewatch/kernels/shift_tolerant.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "zonewatch/kernels/difference.hpp"

namespace zw::kernels {
namespace {

/// One band, offset 0, weight 1: the magnitude is |after - best-matching before|.
Tile<float> one_band(const Tile<float>& before, const Tile<float>& after, int radius, bool symmetric) {
  const std::array<ConstTileView<float>, 1> b{before.view()}, a{after.view()};
  const std::array<float, 1> offsets{0.0f}, weights{1.0f};
  Tile<float> out(before.width(), before.height(), -1.0f);
  shift_tolerant_magnitude(b, a, offsets, weights, radius, symmetric, out.view());
  return out;
}

Tile<float> from_rows(int width, int height, std::initializer_list<float> values) {
  Tile<float> t(width, height);
  std::copy(values.begin(), values.end(), t.values().begin());
  return t;
}

TEST(ShiftTolerantMagnitude, EdgeShiftedByOnePixelIsNoChange) {
  // A step edge moved one pixel to the left between the dates: the plain magnitude is 10
  // at x = 1, the shift-tolerant one 0 everywhere (both directions find a match).
  const Tile<float> before = from_rows(5, 1, {0, 0, 10, 10, 10});
  const Tile<float> after = from_rows(5, 1, {0, 10, 10, 10, 10});
  const Tile<float> plain = one_band(before, after, 0, false);
  EXPECT_EQ(plain(1, 0), 10.0f);
  for (const bool symmetric : {false, true}) {
    const Tile<float> tolerant = one_band(before, after, 1, symmetric);
    for (int x = 0; x < 5; ++x) EXPECT_EQ(tolerant(x, 0), 0.0f) << x << " symmetric " << symmetric;
  }
}

TEST(ShiftTolerantMagnitude, AppearingObjectIsChangeEitherWay) {
  // A bright pixel appears: no before pixel near it matches 10, so the centre keeps 10;
  // its neighbours match the unchanged zeros.
  Tile<float> before(3, 3, 0.0f), after(3, 3, 0.0f);
  after(1, 1) = 10.0f;
  for (const bool symmetric : {false, true}) {
    const Tile<float> out = one_band(before, after, 1, symmetric);
    EXPECT_EQ(out(1, 1), 10.0f) << symmetric;
    EXPECT_EQ(out(0, 0), 0.0f) << symmetric;
    EXPECT_EQ(out(2, 1), 0.0f) << symmetric;
  }
}

TEST(ShiftTolerantMagnitude, DisappearingObjectNeedsTheSymmetricForm) {
  // A bright pixel disappears: the after pixel (0) matches a before neighbour (0), so the
  // one-way minimum is 0; the before pixel (10) matches nothing after, so the symmetric
  // form keeps 10.
  Tile<float> before(3, 3, 0.0f), after(3, 3, 0.0f);
  before(1, 1) = 10.0f;
  EXPECT_EQ(one_band(before, after, 1, false)(1, 1), 0.0f);
  EXPECT_EQ(one_band(before, after, 1, true)(1, 1), 10.0f);
}

TEST(ShiftTolerantMagnitude, ZScoresWithTheChangeSignInBothDirections) {
  // Two bands, offsets 1 and -2, weights 0.5 and 0.25. Before (0, 0) everywhere, after
  // (3, 6) at the centre: z = ((3 - 1) * 0.5, (6 + 2) * 0.25) = (1, 2), |z| = sqrt(5).
  // A neighbour (after = before = 0): z = (-0.5, 0.5) against itself, but against the
  // centre's after in the reverse direction z = (1, 2): the minimum is sqrt(0.5).
  Tile<float> b0(3, 3, 0.0f), b1(3, 3, 0.0f), a0(3, 3, 0.0f), a1(3, 3, 0.0f);
  a0(1, 1) = 3.0f;
  a1(1, 1) = 6.0f;
  const std::array<ConstTileView<float>, 2> b{b0.view(), b1.view()}, a{a0.view(), a1.view()};
  const std::array<float, 2> offsets{1.0f, -2.0f}, weights{0.5f, 0.25f};
  Tile<float> out(3, 3);
  shift_tolerant_magnitude(b, a, offsets, weights, 1, true, out.view());
  EXPECT_NEAR(out(1, 1), std::sqrt(5.0f), 1e-6);
  EXPECT_NEAR(out(0, 0), std::sqrt(0.5f), 1e-6);
}

TEST(ShiftTolerantMagnitude, RadiusZeroIsThePlainMagnitudeAndNeverExceedsIt) {
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  const int w = 17, h = 11;
  std::vector<Tile<float>> before(3, Tile<float>(w, h)), after(3, Tile<float>(w, h));
  for (int band = 0; band < 3; ++band) {
    for (auto& v : before[static_cast<std::size_t>(band)].values()) v = noise(rng);
    for (auto& v : after[static_cast<std::size_t>(band)].values()) v = noise(rng);
  }
  after[1](4, 5) = kNaN;
  std::vector<ConstTileView<float>> b, a;
  for (int band = 0; band < 3; ++band) {
    b.push_back(before[static_cast<std::size_t>(band)].view());
    a.push_back(after[static_cast<std::size_t>(band)].view());
  }
  const std::array<float, 3> offsets{0.1f, -0.2f, 0.0f}, weights{1.0f, 0.5f, 2.0f};
  Tile<float> plain(w, h), zero(w, h), one(w, h);
  change_vector_magnitude(b, a, offsets, weights, plain.view());
  shift_tolerant_magnitude(b, a, offsets, weights, 0, true, zero.view());
  shift_tolerant_magnitude(b, a, offsets, weights, 1, true, one.view());
  int smaller = 0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      if (std::isnan(plain(x, y))) {
        EXPECT_TRUE(std::isnan(zero(x, y)) && std::isnan(one(x, y))) << x << "," << y;
        continue;
      }
      EXPECT_EQ(zero(x, y), plain(x, y)) << x << "," << y;
      EXPECT_LE(one(x, y), plain(x, y)) << x << "," << y;
      smaller += one(x, y) < plain(x, y);
    }
  }
  EXPECT_TRUE(std::isnan(one(4, 5)));  // the pixel itself is missing in one band
  EXPECT_GT(smaller, w * h / 2);       // on noise, some shift nearly always matches better
}

TEST(ShiftTolerantMagnitude, MissingNeighboursAreSkipped) {
  // The only neighbour that would match is NaN: the centre keeps its own magnitude.
  const Tile<float> before = from_rows(3, 1, {kNaN, 0, 0});
  const Tile<float> after = from_rows(3, 1, {0, 5, 0});
  Tile<float> before_match = before;
  before_match(0, 0) = 5.0f;
  EXPECT_EQ(one_band(before, after, 1, false)(1, 0), 5.0f);
  EXPECT_EQ(one_band(before_match, after, 1, false)(1, 0), 0.0f);
  EXPECT_TRUE(std::isnan(one_band(before, after, 1, false)(0, 0)));
}

TEST(ShiftTolerantMagnitude, CoreWithHaloEqualsWholeImage) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> value(0.0f, 5.0f);
  const int w = 20, h = 14, radius = 1, halo = shift_tolerant_halo(radius);
  Tile<float> before(w, h), after(w, h);
  for (auto& v : before.values()) v = value(rng);
  for (auto& v : after.values()) v = value(rng);
  before(9, 6) = kNaN;
  const std::array<float, 1> offsets{0.3f}, weights{0.7f};
  Tile<float> whole(w, h);
  {
    const std::array<ConstTileView<float>, 1> b{before.view()}, a{after.view()};
    shift_tolerant_magnitude(b, a, offsets, weights, radius, true, whole.view());
  }
  // Core x 6..13, y 4..9, read with the halo on every side.
  const int cx = 6, cy = 4, cw = 8, ch = 6;
  const int px = cx - halo, py = cy - halo, pw = cw + 2 * halo, ph = ch + 2 * halo;
  const std::array<ConstTileView<float>, 1> b{before.view().sub(px, py, pw, ph)}, a{after.view().sub(px, py, pw, ph)};
  Tile<float> padded(pw, ph);
  shift_tolerant_magnitude(b, a, offsets, weights, radius, true, padded.view());
  for (int y = 0; y < ch; ++y) {
    for (int x = 0; x < cw; ++x) {
      const float expected = whole(cx + x, cy + y), got = padded(x + halo, y + halo);
      if (std::isnan(expected)) {
        EXPECT_TRUE(std::isnan(got));
      } else {
        EXPECT_EQ(got, expected) << x << "," << y;
      }
    }
  }
}

TEST(ShiftTolerantMagnitude, RejectsBadArguments) {
  Tile<float> t(3, 3, 0.0f), small(2, 3, 0.0f), out(3, 3);
  const std::array<ConstTileView<float>, 1> one{t.view()}, wrong{small.view()};
  const std::array<float, 1> offsets{0.0f}, weights{1.0f};
  const std::array<float, 2> two{0.0f, 0.0f};
  EXPECT_THROW(shift_tolerant_magnitude(one, one, offsets, weights, -1, true, out.view()), std::invalid_argument);
  EXPECT_THROW(shift_tolerant_magnitude(one, wrong, offsets, weights, 1, true, out.view()), std::invalid_argument);
  EXPECT_THROW(shift_tolerant_magnitude(one, one, two, weights, 1, true, out.view()), std::invalid_argument);
  EXPECT_THROW((void)shift_tolerant_halo(-1), std::invalid_argument);
  EXPECT_EQ(shift_tolerant_halo(2), 2);
}

}  // namespace
}  // namespace zw::kernels
