// Water-quality indices, water extraction and the departure rule, against hand-computed values.
#include "zonewatch/kernels/water_quality.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace zw::kernels {
namespace {

constexpr float kTol = 1e-6f;

TEST(WaterQualityFormulas, HandComputedValues) {
  // NDTI: (0.06 - 0.04) / (0.06 + 0.04) = 0.2
  EXPECT_NEAR(ndti(0.06f, 0.04f), 0.2f, kTol);
  // clear water: red below green, (0.02 - 0.06) / 0.08 = -0.5
  EXPECT_NEAR(ndti(0.02f, 0.06f), -0.5f, kTol);
  // NDCI: (0.09 - 0.03) / (0.09 + 0.03) = 0.5
  EXPECT_NEAR(ndci(0.09f, 0.03f), 0.5f, kTol);
  // BOI: (0.05 - 0.03) / (0.02 + 0.05 + 0.03) = 0.2
  EXPECT_NEAR(boi(0.02f, 0.05f, 0.03f), 0.2f, kTol);
  // black water: flat and dark, (0.021 - 0.020) / (0.019 + 0.021 + 0.020) = 0.001 / 0.06
  EXPECT_NEAR(boi(0.019f, 0.021f, 0.020f), 0.001f / 0.06f, 1e-5f);
}

TEST(WaterQualityFormulas, FloatingAlgaeIndexInterpolatesTheBaselineByWavelength) {
  const FaiWavelengths s2{665.0f, 842.0f, 1610.0f};
  // baseline = 0.05 + (0.01 - 0.05) * (842 - 665) / (1610 - 665) = 0.05 - 0.04 * 177 / 945
  const float baseline = 0.05f - 0.04f * (177.0f / 945.0f);
  EXPECT_NEAR(fai(0.05f, 0.20f, 0.01f, s2), 0.20f - baseline, kTol);
  // NIR on the red-SWIR line: FAI = 0 (here red = swir, so the line is flat)
  EXPECT_NEAR(fai(0.03f, 0.03f, 0.03f, s2), 0.0f, kTol);
  // Landsat-8 OLI's centres move the baseline: (865 - 655) / (1609 - 655)
  const FaiWavelengths oli{655.0f, 865.0f, 1609.0f};
  EXPECT_NEAR(fai(0.05f, 0.20f, 0.01f, oli), 0.20f - (0.05f - 0.04f * (210.0f / 954.0f)), kTol);
  // degenerate wavelengths
  EXPECT_TRUE(std::isnan(fai(0.05f, 0.2f, 0.01f, FaiWavelengths{700.0f, 842.0f, 700.0f})));
}

TEST(WaterQualityFormulas, NaNAndZeroDenominatorGiveNaN) {
  EXPECT_TRUE(std::isnan(ndti(kNaN, 0.1f)));
  EXPECT_TRUE(std::isnan(ndti(0.0f, 0.0f)));
  EXPECT_TRUE(std::isnan(ndci(0.1f, kNaN)));
  EXPECT_TRUE(std::isnan(ndci(0.05f, -0.05f)));
  EXPECT_TRUE(std::isnan(fai(0.1f, kNaN, 0.1f, FaiWavelengths{})));
  EXPECT_TRUE(std::isnan(boi(0.1f, 0.1f, kNaN)));
  EXPECT_TRUE(std::isnan(boi(0.0f, 0.0f, 0.0f)));
}

TEST(WaterQualityFormulas, NamesDirectionsAndBands) {
  EXPECT_EQ(to_string(WaterIndex::ndti), "ndti");
  EXPECT_EQ(water_index_from_string("FAI"), WaterIndex::fai);
  EXPECT_EQ(water_index_from_string("turbidity"), std::nullopt);
  EXPECT_EQ(worsening_sign(WaterIndex::ndti), 1);
  EXPECT_EQ(worsening_sign(WaterIndex::boi), -1);
  EXPECT_EQ(water_index_bands(WaterIndex::ndci), (std::vector<BandRole>{BandRole::rededge1, BandRole::red}));
  EXPECT_EQ(water_index_bands(WaterIndex::fai), (std::vector<BandRole>{BandRole::red, BandRole::nir, BandRole::swir1}));
}

TEST(WaterQualityTiles, ComputeEachIndexOverATileWithNaN) {
  // 3x1 tile: a turbid pixel, a nodata pixel, a clear pixel.
  Tile<float> blue(3, 1), green(3, 1), red(3, 1), nir(3, 1), swir(3, 1), re(3, 1);
  blue.values() = {0.04f, kNaN, 0.05f};
  green.values() = {0.08f, 0.05f, 0.06f};
  red.values() = {0.12f, 0.05f, 0.02f};
  nir.values() = {0.05f, 0.01f, 0.01f};
  swir.values() = {0.01f, 0.01f, 0.005f};
  re.values() = {0.10f, kNaN, 0.03f};
  BandSet bands;
  bands[BandRole::blue] = blue.view();
  bands[BandRole::green] = green.view();
  bands[BandRole::red] = red.view();
  bands[BandRole::nir] = nir.view();
  bands[BandRole::swir1] = swir.view();
  bands[BandRole::rededge1] = re.view();
  Tile<float> out(3, 1);
  const FaiWavelengths w{};

  compute_water_index(WaterIndex::ndti, bands, w, out.view());
  EXPECT_NEAR(out.values()[0], 0.2f, kTol);  // (0.12 - 0.08) / 0.20
  EXPECT_NEAR(out.values()[1], 0.0f, kTol);
  EXPECT_NEAR(out.values()[2], -0.5f, kTol);  // (0.02 - 0.06) / 0.08

  compute_water_index(WaterIndex::ndci, bands, w, out.view());
  EXPECT_NEAR(out.values()[0], -0.02f / 0.22f, kTol);
  EXPECT_TRUE(std::isnan(out.values()[1]));
  EXPECT_NEAR(out.values()[2], 0.2f, kTol);  // (0.03 - 0.02) / 0.05

  compute_water_index(WaterIndex::boi, bands, w, out.view());
  EXPECT_NEAR(out.values()[0], -0.04f / 0.24f, kTol);
  EXPECT_TRUE(std::isnan(out.values()[1]));
  EXPECT_NEAR(out.values()[2], 0.04f / 0.13f, kTol);

  compute_water_index(WaterIndex::fai, bands, w, out.view());
  const float r = 177.0f / 945.0f;
  EXPECT_NEAR(out.values()[0], 0.05f - (0.12f + (0.01f - 0.12f) * r), kTol);
  EXPECT_NEAR(out.values()[2], 0.01f - (0.02f + (0.005f - 0.02f) * r), kTol);
}

TEST(WaterQualityTiles, MissingOrMismatchedBandThrows) {
  Tile<float> red(2, 1, 0.1f), green(2, 1, 0.1f), wide(3, 1, 0.1f), out(2, 1);
  BandSet bands;
  bands[BandRole::red] = red.view();
  bands[BandRole::green] = green.view();
  EXPECT_THROW(compute_water_index(WaterIndex::ndci, bands, FaiWavelengths{}, out.view()), std::invalid_argument);
  bands[BandRole::green] = wide.view();
  EXPECT_THROW(compute_water_index(WaterIndex::ndti, bands, FaiWavelengths{}, out.view()), std::invalid_argument);
}

TEST(WaterExtraction, OtsuSeparatesWaterAndIsClamped) {
  // Land around -0.4, water around 0.5: Otsu falls in the gap, inside the clamp.
  HistogramAccumulator h = water_index_histogram();
  for (int i = 0; i < 300; ++i) h.add(-0.4f + 0.001f * static_cast<float>(i % 50));
  for (int i = 0; i < 100; ++i) h.add(0.5f + 0.001f * static_cast<float>(i % 50));
  const double t = water_threshold(h, -0.1, 0.3, 0.0);
  EXPECT_GT(t, -0.1);
  EXPECT_LE(t, 0.3);
  // Only land classes (-0.6 and -0.3): Otsu splits them near -0.45, the clamp raises it.
  HistogramAccumulator land = water_index_histogram();
  for (int i = 0; i < 100; ++i) land.add(-0.6f);
  for (int i = 0; i < 100; ++i) land.add(-0.3f);
  EXPECT_DOUBLE_EQ(water_threshold(land, -0.1, 0.3, 0.0), -0.1);
  // Empty: the fallback.
  EXPECT_DOUBLE_EQ(water_threshold(water_index_histogram(), -0.1, 0.3, 0.05), 0.05);
  EXPECT_THROW((void)water_threshold(h, 0.2, 0.1, 0.15), std::invalid_argument);
}

TEST(WaterExtraction, StableWaterNeedsBothDatesAndSkipsNaN) {
  Tile<float> before(4, 1), after(4, 1);
  before.values() = {0.4f, 0.4f, -0.2f, kNaN};
  after.values() = {0.2f, 0.05f, 0.5f, 0.5f};
  Tile<std::uint8_t> out(4, 1);
  stable_water(before.view(), after.view(), 0.1, 0.1, out.view());
  EXPECT_EQ(std::vector<std::uint8_t>(out.values().begin(), out.values().end()),
            (std::vector<std::uint8_t>{kWaterPixel, 0, 0, 0}));
  // Per-date thresholds: the after scene's lower one keeps pixel 1.
  stable_water(before.view(), after.view(), 0.1, 0.0, out.view());
  EXPECT_EQ(std::vector<std::uint8_t>(out.values().begin(), out.values().end()),
            (std::vector<std::uint8_t>{kWaterPixel, kWaterPixel, 0, 0}));
  Tile<std::uint8_t> small(3, 1);
  EXPECT_THROW(stable_water(before.view(), after.view(), 0.1, 0.1, small.view()), std::invalid_argument);
}

TEST(WaterDeparture, ByChangeByLimitAndDirection) {
  HistogramAccumulator h(-1.0, 1.0, 2000);                                        // 0.001 wide bins
  for (int i = 0; i < 1000; ++i) h.add(-0.2f + 0.0001f * static_cast<float>(i));  // uniform -0.2..-0.1
  // IQR of a uniform over 0.1 is 0.05: spread = 0.05 / 1.349
  EXPECT_NEAR(robust_spread(h), 0.05 / 1.349, 0.002);
  EXPECT_TRUE(std::isnan(robust_spread(HistogramAccumulator(-1.0, 1.0, 10))));

  const DepartureRule rule{3.0, 0.02, std::nullopt};
  // spread 0.01 is floored at 0.02: allowed 0.06
  DepartureTest t = test_departure(WaterIndex::ndti, -0.3, -0.2, 0.01, rule);
  EXPECT_NEAR(t.allowed, 0.06, 1e-12);
  EXPECT_NEAR(t.change, 0.1, 1e-12);
  EXPECT_TRUE(t.by_change);
  EXPECT_FALSE(t.by_limit);
  EXPECT_FALSE(test_departure(WaterIndex::ndti, -0.3, -0.25, 0.01, rule).departs());
  // A fall in NDTI is clearer water, not a departure; a fall in BOI is blacker water.
  EXPECT_FALSE(test_departure(WaterIndex::ndti, -0.2, -0.3, 0.01, rule).departs());
  EXPECT_TRUE(test_departure(WaterIndex::boi, 0.2, 0.1, 0.01, rule).by_change);
  // Limits: above for NDCI, below for BOI; NaN medians never depart by change.
  const DepartureRule ndci_limit{3.0, 0.02, 0.1};
  EXPECT_TRUE(test_departure(WaterIndex::ndci, 0.12, 0.13, 0.01, ndci_limit).by_limit);
  EXPECT_FALSE(test_departure(WaterIndex::ndci, 0.12, 0.13, 0.01, ndci_limit).by_change);
  const DepartureRule boi_limit{3.0, 0.02, 0.065};
  EXPECT_TRUE(test_departure(WaterIndex::boi, 0.07, 0.05, 0.01, boi_limit).by_limit);
  EXPECT_FALSE(test_departure(WaterIndex::boi, 0.07, 0.08, 0.01, boi_limit).by_limit);
  EXPECT_FALSE(test_departure(WaterIndex::ndti, kNaN, 0.5, kNaN, rule).departs());
  EXPECT_TRUE(test_departure(WaterIndex::ndci, kNaN, 0.5, kNaN, ndci_limit).by_limit);
}

TEST(WaterDeparture, PixelsOfADepartingBody) {
  const DepartureRule rule{3.0, 0.02, std::nullopt};
  const DepartureTest t = test_departure(WaterIndex::ndti, -0.3, -0.2, 0.01, rule);  // allowed 0.06
  EXPECT_TRUE(pixel_departs(WaterIndex::ndti, -0.2f, -0.3, t, rule));
  EXPECT_FALSE(pixel_departs(WaterIndex::ndti, -0.25f, -0.3, t, rule));
  EXPECT_FALSE(pixel_departs(WaterIndex::ndti, kNaN, -0.3, t, rule));
  const DepartureRule boi_limit{3.0, 0.02, 0.065};
  const DepartureTest b = test_departure(WaterIndex::boi, 0.07, 0.05, 0.01, boi_limit);  // by limit only
  EXPECT_TRUE(pixel_departs(WaterIndex::boi, 0.06f, 0.07, b, boi_limit));
  EXPECT_FALSE(pixel_departs(WaterIndex::boi, 0.07f, 0.07, b, boi_limit));
}

}  // namespace
}  // namespace zw::kernels
