// Period composites on small hand-made observation stacks.
#include "zonewatch/kernels/composite.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "kernels/at_simd_level.hpp"

namespace zw::kernels {
namespace {

/// N observations of a w x h tile with `bands` bands, values set per test.
struct Stack {
  int width, height, bands;
  std::vector<std::vector<Tile<float>>> tiles;  // [observation][band]
  std::vector<Tile<std::uint8_t>> masks;

  Stack(int n, int w, int h, int b) : width(w), height(h), bands(b) {
    tiles.resize(static_cast<std::size_t>(n));
    for (auto& obs : tiles)
      for (int i = 0; i < b; ++i) obs.emplace_back(w, h, 0.0f);
  }
  void set(int obs, int x, int y, std::vector<float> values) {
    for (int b = 0; b < bands; ++b) tiles[obs][b](x, y) = values[b];
  }
  std::vector<Observation> observations(const std::vector<float>& scores = {}) const {
    std::vector<Observation> result;
    for (std::size_t o = 0; o < tiles.size(); ++o) {
      Observation obs;
      for (const auto& t : tiles[o]) obs.bands.push_back(t.view());
      if (!masks.empty()) obs.clear = masks[o].view();
      if (!scores.empty()) obs.score = scores[o];
      result.push_back(std::move(obs));
    }
    return result;
  }
};

struct Output {
  std::vector<Tile<float>> bands;
  Tile<std::uint16_t> count;
  std::vector<TileView<float>> views;
  Output(int w, int h, int b) : count(w, h) {
    for (int i = 0; i < b; ++i) bands.emplace_back(w, h, -1.0f);
    for (auto& t : bands) views.push_back(t.view());
  }
};

TEST(MedianInPlace, OddEvenAndEmpty) {
  std::vector<float> odd{5, 1, 4, 2, 3};
  EXPECT_FLOAT_EQ(median_in_place(odd.data(), 5), 3.0f);
  std::vector<float> even{4, 1, 3, 2};
  EXPECT_FLOAT_EQ(median_in_place(even.data(), 4), 2.5f);
  EXPECT_TRUE(std::isnan(median_in_place(even.data(), 0)));
  std::vector<float> many;
  for (int i = 40; i >= 1; --i) many.push_back(static_cast<float>(i));
  EXPECT_FLOAT_EQ(median_in_place(many.data(), 40), 20.5f);
  many.push_back(100.0f);
  EXPECT_FLOAT_EQ(median_in_place(many.data(), 41), 21.0f);
}

TEST(MedianInPlace, EqualsTheSortedMiddleForEveryCountWithTies) {
  // Against std::sort for every count from 1 to past the composite's network cut-off (32), on
  // values with many ties (reflectance is quantised).
  std::mt19937 random(11);
  std::uniform_int_distribution<int> level(0, 6);
  for (int n = 1; n <= 40; ++n) {
    for (int trial = 0; trial < 50; ++trial) {
      std::vector<float> values(static_cast<std::size_t>(n));
      for (float& v : values) v = 0.01f * static_cast<float>(level(random));
      std::vector<float> sorted = values;
      std::sort(sorted.begin(), sorted.end());
      const auto mid = static_cast<std::size_t>(n / 2);
      const float expected = n % 2 == 1 ? sorted[mid] : 0.5f * (sorted[mid - 1] + sorted[mid]);
      EXPECT_EQ(median_in_place(values.data(), n), expected) << "n " << n << " trial " << trial;
    }
  }
}

TEST(CompositeTile, MedianSkipsCloudsAndNoData) {
  // One pixel, one band, five observations: 0.1 0.2 cloud(0.9) NaN 0.3.
  Stack s(5, 1, 1, 1);
  s.set(0, 0, 0, {0.1f});
  s.set(1, 0, 0, {0.2f});
  s.set(2, 0, 0, {0.9f});
  s.set(3, 0, 0, {kNaN});
  s.set(4, 0, 0, {0.3f});
  s.masks.assign(5, Tile<std::uint8_t>(1, 1, 1));
  s.masks[2](0, 0) = 0;  // cloud
  Output out(1, 1, 1);
  const auto obs = s.observations();
  composite_tile(obs, {CompositeMethod::median}, out.views, out.count.view());
  EXPECT_FLOAT_EQ(out.bands[0](0, 0), 0.2f);
  EXPECT_EQ(out.count(0, 0), 3);
}

TEST(CompositeTile, MedianIsPerBandAndNoClearGivesNaN) {
  Stack s(3, 2, 1, 2);
  s.set(0, 0, 0, {0.1f, 0.6f});
  s.set(1, 0, 0, {0.3f, 0.4f});
  s.set(2, 0, 0, {0.2f, 0.5f});
  // Pixel (1, 0): one band missing in every observation -> not clear anywhere.
  for (int o = 0; o < 3; ++o) s.set(o, 1, 0, {0.5f, kNaN});
  Output out(2, 1, 2);
  const auto obs = s.observations();
  composite_tile(obs, {CompositeMethod::median}, out.views, out.count.view());
  EXPECT_FLOAT_EQ(out.bands[0](0, 0), 0.2f);
  EXPECT_FLOAT_EQ(out.bands[1](0, 0), 0.5f);
  EXPECT_EQ(out.count(0, 0), 3);
  EXPECT_TRUE(std::isnan(out.bands[0](1, 0)));
  EXPECT_TRUE(std::isnan(out.bands[1](1, 0)));
  EXPECT_EQ(out.count(1, 0), 0);
}

TEST(CompositeTile, MaxNdviTakesAllBandsOfTheGreenestClearObservation) {
  // Bands: red, nir, green.
  Stack s(3, 1, 1, 3);
  s.set(0, 0, 0, {0.10f, 0.30f, 0.05f});  // NDVI 0.5
  s.set(1, 0, 0, {0.05f, 0.45f, 0.07f});  // NDVI 0.8 but cloudy
  s.set(2, 0, 0, {0.08f, 0.40f, 0.06f});  // NDVI 0.667
  s.masks.assign(3, Tile<std::uint8_t>(1, 1, 1));
  s.masks[1](0, 0) = 0;
  Output out(1, 1, 3);
  CompositeSpec spec{CompositeMethod::max_ndvi};
  spec.red = 0;
  spec.nir = 1;
  spec.green = 2;
  const auto obs = s.observations();
  composite_tile(obs, spec, out.views, out.count.view());
  EXPECT_FLOAT_EQ(out.bands[0](0, 0), 0.08f);
  EXPECT_FLOAT_EQ(out.bands[1](0, 0), 0.40f);
  EXPECT_FLOAT_EQ(out.bands[2](0, 0), 0.06f);
  EXPECT_EQ(out.count(0, 0), 2);
}

TEST(CompositeTile, MaxGreennessUsesGliWithoutNir) {
  // Bands: red, green, blue. GLI favours the observation with the greenest green.
  Stack s(2, 1, 1, 3);
  s.set(0, 0, 0, {0.30f, 0.32f, 0.30f});
  s.set(1, 0, 0, {0.20f, 0.40f, 0.18f});
  Output out(1, 1, 3);
  CompositeSpec spec{CompositeMethod::max_ndvi};
  spec.red = 0;
  spec.green = 1;
  spec.blue = 2;
  const auto obs = s.observations();
  composite_tile(obs, spec, out.views, out.count.view());
  EXPECT_FLOAT_EQ(out.bands[1](0, 0), 0.40f);
}

TEST(CompositeTile, BestAvailableFollowsScoresWithTiesToTheEarlier) {
  Stack s(3, 2, 1, 1);
  for (int o = 0; o < 3; ++o) {
    s.set(o, 0, 0, {0.1f * static_cast<float>(o + 1)});
    s.set(o, 1, 0, {0.1f * static_cast<float>(o + 1)});
  }
  s.masks.assign(3, Tile<std::uint8_t>(2, 1, 1));
  s.masks[2](1, 0) = 0;  // the best-scored one is cloudy at pixel 1
  Output out(2, 1, 1);
  const auto obs = s.observations({0.5f, 0.9f, 0.9f});
  composite_tile(obs, {CompositeMethod::best_available}, out.views, out.count.view());
  EXPECT_FLOAT_EQ(out.bands[0](0, 0), 0.2f);  // tie 0.9/0.9 -> observation 1
  EXPECT_FLOAT_EQ(out.bands[0](1, 0), 0.2f);
  EXPECT_EQ(out.count(0, 0), 3);
  EXPECT_EQ(out.count(1, 0), 2);
}

TEST(CompositeTile, StridedViewsGiveTheSameAsContiguous) {
  // A composite of sub-views equals the corresponding window of the whole composite.
  Stack s(4, 6, 5, 2);
  for (int o = 0; o < 4; ++o)
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 6; ++x)
        s.set(o, x, y, {static_cast<float>((x * 7 + y * 3 + o * 5) % 11), static_cast<float>(o)});
  Output whole(6, 5, 2);
  const auto obs = s.observations();
  composite_tile(obs, {CompositeMethod::median}, whole.views, whole.count.view());
  std::vector<Observation> sub = obs;
  for (auto& o : sub)
    for (auto& b : o.bands) b = b.sub(2, 1, 3, 3);
  Output part(3, 3, 2);
  composite_tile(sub, {CompositeMethod::median}, part.views, part.count.view());
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 3; ++x) {
      EXPECT_FLOAT_EQ(part.bands[0](x, y), whole.bands[0](x + 2, y + 1));
      EXPECT_FLOAT_EQ(part.bands[1](x, y), 1.5f);
    }
}

TEST(CompositeTile, MedianEqualsEachPixelsOwnMedianForEverySeasonLengthAndRowWidth) {
  // Up to 16 observations the median composite runs a network fixed for the season's length
  // on a register of pixels (clouded and NaN observations padded with +inf and -inf in turn),
  // up to 32 the pruned network of 32 on 16 pixels side by side (+inf padding; also the tail
  // of a row past the last full register), more take median_in_place per pixel. Either way
  // each pixel's median and clear count must be those of its own clear values: every season
  // length of the fixed networks, across the others and past them, rows that end in a partial
  // register (4 pixels at the baseline, 8 at AVX2) or group, clouds or no cloud masks at all,
  // NaN in one band (the whole observation drops), quantised values with ties.
  std::mt19937 random(23);
  std::uniform_int_distribution<int> level(0, 9);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  for (const int n : {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 24, 32, 33}) {
    for (const int width : {1, 3, 4, 5, 8, 9, 15, 16, 17, 37}) {
      const int height = 2, bands = 2;
      Stack s(n, width, height, bands);
      const bool masked = n % 3 != 0;  // without masks only NaN drops an observation
      if (masked) s.masks.assign(static_cast<std::size_t>(n), Tile<std::uint8_t>(width, height, 1));
      for (int o = 0; o < n; ++o) {
        for (int y = 0; y < height; ++y) {
          for (int x = 0; x < width; ++x) {
            std::vector<float> values;
            for (int b = 0; b < bands; ++b) values.push_back(0.01f * static_cast<float>(level(random) + 10 * b));
            if (unit(random) < 0.15f) values[static_cast<std::size_t>(level(random)) % 2] = kNaN;
            s.set(o, x, y, values);
            if (masked && unit(random) < 0.2f) s.masks[static_cast<std::size_t>(o)](x, y) = 0;
          }
        }
      }
      Output out(width, height, bands), baseline(width, height, bands);
      const auto obs = s.observations();
      composite_tile(obs, {CompositeMethod::median}, out.views, out.count.view());
      // The AVX2 version where the CPU has it (kernels/simd.hpp) and the baseline: the same bits.
      at_simd_level(SimdLevel::baseline,
                    [&] { composite_tile(obs, {CompositeMethod::median}, baseline.views, baseline.count.view()); });
      for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
          for (int b = 0; b < bands; ++b) {
            ASSERT_EQ(std::bit_cast<std::uint32_t>(out.bands[b](x, y)),
                      std::bit_cast<std::uint32_t>(baseline.bands[b](x, y)))
                << "n " << n << " width " << width << " band " << b << " at " << x << "," << y;
          }
          ASSERT_EQ(out.count(x, y), baseline.count(x, y));
          std::vector<int> clear;
          for (int o = 0; o < n; ++o) {
            bool ok = !masked || s.masks[static_cast<std::size_t>(o)](x, y) != 0;
            for (int b = 0; b < bands; ++b) ok = ok && !std::isnan(s.tiles[o][b](x, y));
            if (ok) clear.push_back(o);
          }
          ASSERT_EQ(out.count(x, y), clear.size()) << "n " << n << " width " << width << " at " << x << "," << y;
          for (int b = 0; b < bands; ++b) {
            std::vector<float> values;
            for (const int o : clear) values.push_back(s.tiles[o][b](x, y));
            const float expected = median_in_place(values.data(), static_cast<int>(values.size()));
            if (clear.empty()) {
              EXPECT_TRUE(std::isnan(out.bands[b](x, y))) << "n " << n << " width " << width;
            } else {
              EXPECT_EQ(out.bands[b](x, y), expected)
                  << "n " << n << " width " << width << " band " << b << " at " << x << "," << y;
            }
          }
        }
      }
    }
  }
}

TEST(CompositeTile, RejectsMismatches) {
  Stack s(2, 2, 2, 2);
  Output wrong_bands(2, 2, 1);
  const auto obs = s.observations();
  EXPECT_THROW(composite_tile(obs, {CompositeMethod::median}, wrong_bands.views, wrong_bands.count.view()),
               std::invalid_argument);
  Output wrong_size(3, 2, 2);
  EXPECT_THROW(composite_tile(obs, {CompositeMethod::median}, wrong_size.views, wrong_size.count.view()),
               std::invalid_argument);
  Output fine(2, 2, 2);
  EXPECT_THROW(composite_tile(obs, {CompositeMethod::max_ndvi}, fine.views, fine.count.view()), std::invalid_argument);
}

TEST(CompositeMethodNames, RoundTrip) {
  for (CompositeMethod m : {CompositeMethod::median, CompositeMethod::max_ndvi, CompositeMethod::best_available}) {
    EXPECT_EQ(composite_method_from_string(to_string(m)), m);
  }
  EXPECT_FALSE(composite_method_from_string("mean").has_value());
}

}  // namespace
}  // namespace zw::kernels
