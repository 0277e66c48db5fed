// Ecological indicators: FVC and its endmembers, NDBSI, tasseled-cap wetness, brightness
// temperature and the land class, per pixel and per tile.
#include "zonewatch/kernels/ecology.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace zw::kernels {
namespace {

constexpr float kTolerance = 1e-6f;

// ---------------------------------------------------------------------------------------
// FVC

TEST(FractionalVegetationCover, DimidiatePixelModel) {
  const FvcEndmembers endmembers{0.1, 0.7};
  EXPECT_NEAR(fractional_vegetation_cover(0.4f, endmembers), 0.5f, kTolerance);  // (0.4 - 0.1) / 0.6
  EXPECT_NEAR(fractional_vegetation_cover(0.25f, endmembers), 0.25f, kTolerance);
  EXPECT_EQ(fractional_vegetation_cover(0.05f, endmembers), 0.0f);  // below soil: clamped
  EXPECT_EQ(fractional_vegetation_cover(0.9f, endmembers), 1.0f);   // above vegetation: clamped
}

TEST(FractionalVegetationCover, NaNAndUnusableEndmembersGiveNaN) {
  EXPECT_TRUE(std::isnan(fractional_vegetation_cover(kNaN, FvcEndmembers{0.1, 0.7})));
  EXPECT_TRUE(std::isnan(fractional_vegetation_cover(0.4f, FvcEndmembers{0.7, 0.1})));
  EXPECT_TRUE(std::isnan(fractional_vegetation_cover(0.4f, FvcEndmembers{0.3, 0.3})));
  EXPECT_TRUE(std::isnan(fractional_vegetation_cover(0.4f, FvcEndmembers{})));
}

TEST(FractionalVegetationCover, TileAppliesThePixelFunction) {
  const std::vector<float> ndvi_values{0.1f, 0.4f, kNaN, 0.7f, 1.0f, -0.2f};
  std::vector<float> out(ndvi_values.size(), -1.0f);
  compute_fvc({ndvi_values.data(), 3, 2}, {0.1, 0.7}, {out.data(), 3, 2});
  EXPECT_NEAR(out[0], 0.0f, kTolerance);
  EXPECT_NEAR(out[1], 0.5f, kTolerance);
  EXPECT_TRUE(std::isnan(out[2]));
  EXPECT_NEAR(out[3], 1.0f, kTolerance);
  EXPECT_EQ(out[4], 1.0f);
  EXPECT_EQ(out[5], 0.0f);
  std::vector<float> small(2);
  EXPECT_THROW(compute_fvc({ndvi_values.data(), 3, 2}, {0.1, 0.7}, {small.data(), 2, 1}), std::invalid_argument);
}

TEST(NdviHistogram, EndmembersAreThePercentiles) {
  // 100 values -0.5, -0.49, ..., 0.49: the 5th lies at -0.46, the 95th at 0.44; quantile()
  // interpolates inside the 0.001-wide bin, so the result is within two bin widths.
  std::vector<float> values;
  for (int i = 0; i < 100; ++i) values.push_back(-0.5f + 0.01f * static_cast<float>(i));
  values.push_back(kNaN);  // skipped
  NdviHistogramAccumulator accumulator;
  accumulator.accumulate({values.data(), static_cast<int>(values.size()), 1});
  EXPECT_EQ(accumulator.count(), 100u);
  const FvcEndmembers endmembers = accumulator.finalize();
  EXPECT_NEAR(endmembers.ndvi_soil, -0.46, 0.002);
  EXPECT_NEAR(endmembers.ndvi_vegetation, 0.44, 0.002);

  const FvcEndmembers wide = accumulator.finalize({0.0, 1.0});
  EXPECT_NEAR(wide.ndvi_soil, -0.5, 0.002);
  EXPECT_NEAR(wide.ndvi_vegetation, 0.49, 0.002);
  EXPECT_THROW((void)accumulator.finalize({0.9, 0.1}), std::invalid_argument);
}

TEST(NdviHistogram, EmptyGivesUnusableEndmembersAndMaskSelects) {
  NdviHistogramAccumulator accumulator;
  EXPECT_FALSE(accumulator.finalize().usable());
  const std::vector<float> values{0.8f, -0.3f, 0.2f};
  const std::vector<std::uint8_t> mask{1, 0, 1};
  accumulator.accumulate({values.data(), 3, 1}, {mask.data(), 3, 1});
  EXPECT_EQ(accumulator.count(), 2u);
  EXPECT_NEAR(accumulator.finalize({0.0, 1.0}).ndvi_soil, 0.2, 0.002);  // -0.3 masked out
}

TEST(NdviHistogram, TilingAndMergeOrderDoNotChangeTheResult) {
  constexpr int kWidth = 37;
  constexpr int kHeight = 23;
  std::vector<float> values(static_cast<std::size_t>(kWidth) * kHeight);
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = (i % 17 == 0) ? kNaN : std::sin(0.37f * static_cast<float>(i)) * 0.9f;
  }
  const ConstTileView<float> whole(values.data(), kWidth, kHeight);
  NdviHistogramAccumulator reference;
  reference.accumulate(whole);

  // Odd tiles (7 x 5), accumulated separately and merged in reverse order.
  std::vector<NdviHistogramAccumulator> tiles;
  for (int y = 0; y < kHeight; y += 5) {
    for (int x = 0; x < kWidth; x += 7) {
      tiles.emplace_back().accumulate(whole.sub(x, y, std::min(7, kWidth - x), std::min(5, kHeight - y)));
    }
  }
  NdviHistogramAccumulator merged;
  for (auto it = tiles.rbegin(); it != tiles.rend(); ++it) merged.merge(*it);
  EXPECT_EQ(merged.count(), reference.count());
  EXPECT_EQ(merged.finalize().ndvi_soil, reference.finalize().ndvi_soil);
  EXPECT_EQ(merged.finalize().ndvi_vegetation, reference.finalize().ndvi_vegetation);
}

// ---------------------------------------------------------------------------------------
// Dryness

TEST(Ndbsi, HandComputedValue) {
  // blue 0.1, green 0.1, red 0.2, nir 0.2, swir1 0.4:
  // SI = (0.6 - 0.3) / 0.9 = 1/3
  // IBI = (2*0.4/0.6 - (0.2/0.4 + 0.1/0.5)) / (4/3 + 0.7) = (19/30) / (61/30) = 19/61
  // NDBSI = (1/3 + 19/61) / 2 = 59/183
  EXPECT_NEAR(soil_index(0.1f, 0.2f, 0.2f, 0.4f), 1.0f / 3.0f, kTolerance);
  EXPECT_NEAR(index_based_builtup_index(0.1f, 0.2f, 0.2f, 0.4f), 19.0f / 61.0f, kTolerance);
  EXPECT_NEAR(ndbsi(0.1f, 0.1f, 0.2f, 0.2f, 0.4f), 59.0f / 183.0f, kTolerance);
}

TEST(Ndbsi, NaNAndZeroDenominatorsGiveNaN) {
  EXPECT_TRUE(std::isnan(ndbsi(kNaN, 0.1f, 0.2f, 0.2f, 0.4f)));
  EXPECT_TRUE(std::isnan(ndbsi(0.1f, 0.1f, 0.2f, 0.2f, kNaN)));
  EXPECT_TRUE(std::isnan(index_based_builtup_index(0.1f, 0.2f, 0.0f, 0.0f)));  // swir1 + nir == 0
}

TEST(Ndbsi, TileNeedsFiveBands) {
  const std::vector<float> blue{0.1f, kNaN}, green{0.1f, 0.1f}, red{0.2f, 0.2f}, nir{0.2f, 0.2f}, swir1{0.4f, 0.4f};
  BandSet bands;
  bands[BandRole::blue] = {blue.data(), 2, 1};
  bands[BandRole::green] = {green.data(), 2, 1};
  bands[BandRole::red] = {red.data(), 2, 1};
  bands[BandRole::nir] = {nir.data(), 2, 1};
  std::vector<float> out(2);
  EXPECT_THROW(compute_ndbsi(bands, {out.data(), 2, 1}), std::invalid_argument);  // no swir1
  bands[BandRole::swir1] = {swir1.data(), 2, 1};
  compute_ndbsi(bands, {out.data(), 2, 1});
  EXPECT_NEAR(out[0], 59.0f / 183.0f, kTolerance);
  EXPECT_TRUE(std::isnan(out[1]));
}

// ---------------------------------------------------------------------------------------
// Wetness

TEST(Wetness, OliCoefficientsByHand) {
  const WetnessCoefficients oli = wetness_coefficients(TasseledCapSensor::landsat_oli);
  // 0.1*0.1511 + 0.2*0.1973 + 0.3*0.3283 + 0.4*0.3407 - 0.5*0.7117 - 0.6*0.4559 = -0.34005
  EXPECT_NEAR(tasseled_cap_wetness(oli, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f), -0.34005f, kTolerance);
  EXPECT_TRUE(std::isnan(tasseled_cap_wetness(oli, 0.1f, kNaN, 0.3f, 0.4f, 0.5f, 0.6f)));
}

TEST(Wetness, EverySensorHasItsOwnTableAndName) {
  // Crist 1985 TM and Huang 2002 ETM+ differ from OLI; a uniform 0.1 reflectance gives
  // 0.1 * (sum of the coefficients).
  const auto uniform = [](TasseledCapSensor sensor) {
    return tasseled_cap_wetness(wetness_coefficients(sensor), 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f);
  };
  EXPECT_NEAR(uniform(TasseledCapSensor::landsat_oli), -0.01502f, kTolerance);
  EXPECT_NEAR(uniform(TasseledCapSensor::landsat_tm), -0.05883f, kTolerance);
  EXPECT_NEAR(uniform(TasseledCapSensor::landsat_etm), -0.06668f, kTolerance);
  for (const auto& entry : kTasseledCapSensorNames.entries()) {
    EXPECT_EQ(tasseled_cap_sensor_from_string(to_string(entry.value)), entry.value);
  }
  EXPECT_EQ(tasseled_cap_sensor_from_string("LANDSAT_OLI"), TasseledCapSensor::landsat_oli);
  EXPECT_EQ(tasseled_cap_sensor_from_string("modis"), std::nullopt);
}

TEST(Wetness, TileUsesTheSensorTable) {
  std::vector<std::vector<float>> planes{{0.1f, 0.1f}, {0.2f, 0.1f}, {0.3f, 0.1f},
                                         {0.4f, 0.1f}, {0.5f, 0.1f}, {0.6f, kNaN}};
  BandSet bands;
  for (int role = 0; role <= static_cast<int>(BandRole::swir2); ++role) {  // the six the table weighs
    bands.bands[static_cast<std::size_t>(role)] = {planes[static_cast<std::size_t>(role)].data(), 2, 1};
  }
  std::vector<float> out(2);
  compute_wetness(TasseledCapSensor::landsat_oli, bands, {out.data(), 2, 1});
  EXPECT_NEAR(out[0], -0.34005f, kTolerance);
  EXPECT_TRUE(std::isnan(out[1]));
  bands[BandRole::swir2] = {};
  EXPECT_THROW(compute_wetness(TasseledCapSensor::landsat_oli, bands, {out.data(), 2, 1}), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------
// Brightness temperature

// Landsat 8 band 10 constants as an MTL file lists them.
constexpr ThermalCalibration kBand10{3.3420e-04, 0.1, 774.8853, 1321.0789};

TEST(BrightnessTemperature, LandsatBand10ByHand) {
  // L = 3.342e-4 * 30000 + 0.1 = 10.126; BT = 1321.0789 / ln(774.8853 / 10.126 + 1) = 303.655 K
  EXPECT_NEAR(brightness_temperature(30000.0f, kBand10), 303.655f, 1e-3f);
  EXPECT_NEAR(brightness_temperature_from_radiance(10.126, kBand10), 303.655f, 1e-3f);
}

TEST(BrightnessTemperature, NonPositiveRadianceAndNaNGiveNaN) {
  EXPECT_TRUE(std::isnan(brightness_temperature(kNaN, kBand10)));
  EXPECT_TRUE(std::isnan(brightness_temperature_from_radiance(0.0, kBand10)));
  EXPECT_TRUE(std::isnan(brightness_temperature(-1000.0f, kBand10)));  // L = -0.234
}

TEST(BrightnessTemperature, TileAndConstantsChecked) {
  const std::vector<float> dn{30000.0f, kNaN, 0.0f};
  std::vector<float> out(3);
  compute_brightness_temperature({dn.data(), 3, 1}, kBand10, {out.data(), 3, 1});
  EXPECT_NEAR(out[0], 303.655f, 1e-3f);
  EXPECT_TRUE(std::isnan(out[1]));
  EXPECT_FALSE(std::isnan(out[2]));  // DN 0 still has radiance 0.1 (the offset)
  EXPECT_THROW(compute_brightness_temperature({dn.data(), 3, 1}, {1.0, 0.0, 0.0, 1.0}, {out.data(), 3, 1}),
               std::invalid_argument);
}

// ---------------------------------------------------------------------------------------
// Land class

TEST(LandClass, ThresholdsInOrder) {
  EXPECT_EQ(classify_land(0.3f, 0.5f, -0.2f), LandClass::water);  // water wins over vegetation
  EXPECT_EQ(classify_land(-0.4f, 0.3f, 0.1f), LandClass::vegetation);
  EXPECT_EQ(classify_land(-0.4f, 0.1f, 0.05f), LandClass::built_bare);
  EXPECT_EQ(classify_land(-0.4f, 0.25f, 0.05f), LandClass::other);  // NDVI between 0.2 and 0.3
  EXPECT_EQ(classify_land(-0.4f, 0.1f, -0.05f), LandClass::other);  // NDBSI <= 0
  EXPECT_EQ(classify_land(-0.4f, 0.1f, kNaN), LandClass::other);    // no SWIR: no built/bare
  EXPECT_EQ(classify_land(kNaN, 0.5f, 0.1f), LandClass::nodata);
  EXPECT_EQ(classify_land(0.3f, kNaN, 0.1f), LandClass::nodata);
  LandClassOptions strict;
  strict.water_index_min = 0.5f;
  EXPECT_EQ(classify_land(0.3f, 0.5f, -0.2f, strict), LandClass::vegetation);
  EXPECT_EQ(to_string(LandClass::built_bare), "built_bare");
  EXPECT_EQ(kLandClassNames.chinese(LandClass::water), "水体");
}

TEST(LandClass, TileUsesMndwiWithSwirAndNdwiWithout) {
  // Pixel 0: water (green 0.3 > swir1 0.05, and > nir 0.1). Pixel 1: vegetation (NDVI 0.6).
  // Pixel 2: bare soil (NDVI ~0.07, NDBSI > 0). Pixel 3: nodata.
  const std::vector<float> blue{0.05f, 0.03f, 0.1f, 0.1f};
  const std::vector<float> green{0.3f, 0.06f, 0.12f, 0.1f};
  const std::vector<float> red{0.05f, 0.04f, 0.2f, kNaN};
  const std::vector<float> nir{0.1f, 0.16f, 0.23f, 0.2f};
  const std::vector<float> swir1{0.05f, 0.1f, 0.35f, 0.3f};
  BandSet bands;
  bands[BandRole::blue] = {blue.data(), 4, 1};
  bands[BandRole::green] = {green.data(), 4, 1};
  bands[BandRole::red] = {red.data(), 4, 1};
  bands[BandRole::nir] = {nir.data(), 4, 1};
  bands[BandRole::swir1] = {swir1.data(), 4, 1};
  std::vector<std::uint8_t> out(4, 99);
  compute_land_class(bands, {}, {out.data(), 4, 1});
  const auto code = [](LandClass c) { return static_cast<std::uint8_t>(c); };
  EXPECT_EQ(out, (std::vector<std::uint8_t>{code(LandClass::water), code(LandClass::vegetation),
                                            code(LandClass::built_bare), code(LandClass::nodata)}));

  bands[BandRole::swir1] = {};  // NDWI instead of MNDWI, and no built/bare class
  compute_land_class(bands, {}, {out.data(), 4, 1});
  EXPECT_EQ(out, (std::vector<std::uint8_t>{code(LandClass::water), code(LandClass::vegetation), code(LandClass::other),
                                            code(LandClass::nodata)}));
  bands[BandRole::nir] = {};
  EXPECT_THROW(compute_land_class(bands, {}, {out.data(), 4, 1}), std::invalid_argument);
}

}  // namespace
}  // namespace zw::kernels
