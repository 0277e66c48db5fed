// Spectral indices: per-pixel formulas, band bookkeeping, and tile computation.
#include "zonewatch/kernels/indices.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace zw::kernels {
namespace {

constexpr float kTolerance = 1e-6f;

TEST(IndexFormulas, HandComputedValues) {
  EXPECT_FLOAT_EQ(ndvi(0.75f, 0.25f), 0.5f);
  EXPECT_FLOAT_EQ(ndvi(0.25f, 0.25f), 0.0f);
  EXPECT_FLOAT_EQ(ndwi(0.25f, 0.75f), -0.5f);
  EXPECT_NEAR(mndwi(0.5f, 0.25f), 1.0f / 3.0f, kTolerance);
  EXPECT_FLOAT_EQ(ndbi(0.75f, 0.25f), 0.5f);
  // ((0.625 + 0.25) - (0.25 + 0.125)) / (0.875 + 0.375) = 0.5 / 1.25
  EXPECT_FLOAT_EQ(bsi(0.125f, 0.25f, 0.25f, 0.625f), 0.4f);
  // (2 * 0.5 - 0.25 - 0.25) / (2 * 0.5 + 0.25 + 0.25) = 0.5 / 1.5
  EXPECT_NEAR(gli(0.25f, 0.5f, 0.25f), 1.0f / 3.0f, kTolerance);
}

TEST(IndexFormulas, NaNInAnyInputGivesNaN) {
  EXPECT_TRUE(std::isnan(ndvi(kNaN, 0.1f)));
  EXPECT_TRUE(std::isnan(ndvi(0.1f, kNaN)));
  EXPECT_TRUE(std::isnan(bsi(0.1f, 0.1f, kNaN, 0.1f)));
  EXPECT_TRUE(std::isnan(gli(0.1f, 0.2f, kNaN)));
}

TEST(IndexFormulas, ZeroDenominatorGivesNaN) {
  EXPECT_TRUE(std::isnan(ndvi(0.0f, 0.0f)));
  EXPECT_TRUE(std::isnan(ndvi(0.5f, -0.5f)));  // negative reflectance from an offset
  EXPECT_TRUE(std::isnan(gli(0.0f, 0.0f, 0.0f)));
}

TEST(SpectralIndexNames, RoundTripAndUnknown) {
  const std::vector<std::pair<SpectralIndex, std::string_view>> names{
      {SpectralIndex::ndvi, "ndvi"}, {SpectralIndex::ndwi, "ndwi"}, {SpectralIndex::mndwi, "mndwi"},
      {SpectralIndex::ndbi, "ndbi"}, {SpectralIndex::bsi, "bsi"},   {SpectralIndex::gli, "gli"}};
  for (const auto& [index, name] : names) {
    EXPECT_EQ(to_string(index), name);
    EXPECT_EQ(spectral_index_from_string(name), index);
  }
  EXPECT_EQ(spectral_index_from_string("MNDWI"), SpectralIndex::mndwi);
  EXPECT_EQ(spectral_index_from_string("Ndvi"), SpectralIndex::ndvi);
  EXPECT_EQ(spectral_index_from_string("evi"), std::nullopt);
  EXPECT_EQ(spectral_index_from_string(""), std::nullopt);
}

TEST(RequiredBands, ListsTheFormulaInputsInArgumentOrder) {
  using enum BandRole;
  EXPECT_EQ(required_bands(SpectralIndex::ndvi), (std::vector<BandRole>{nir, red}));
  EXPECT_EQ(required_bands(SpectralIndex::ndwi), (std::vector<BandRole>{green, nir}));
  EXPECT_EQ(required_bands(SpectralIndex::mndwi), (std::vector<BandRole>{green, swir1}));
  EXPECT_EQ(required_bands(SpectralIndex::ndbi), (std::vector<BandRole>{swir1, nir}));
  EXPECT_EQ(required_bands(SpectralIndex::bsi), (std::vector<BandRole>{blue, red, nir, swir1}));
  EXPECT_EQ(required_bands(SpectralIndex::gli), (std::vector<BandRole>{red, green, blue}));
}

TEST(CanCompute, NeedsEveryRequiredBand) {
  const std::vector<float> pixel{0.5f};
  const ConstTileView<float> view(pixel.data(), 1, 1);
  BandSet rgb;
  rgb[BandRole::red] = view;
  rgb[BandRole::green] = view;
  rgb[BandRole::blue] = view;
  EXPECT_TRUE(can_compute(SpectralIndex::gli, rgb));
  EXPECT_FALSE(can_compute(SpectralIndex::ndvi, rgb));
  EXPECT_FALSE(can_compute(SpectralIndex::bsi, rgb));
  rgb[BandRole::nir] = view;
  EXPECT_TRUE(can_compute(SpectralIndex::ndvi, rgb));
  EXPECT_TRUE(can_compute(SpectralIndex::ndwi, rgb));
  EXPECT_FALSE(can_compute(SpectralIndex::mndwi, rgb));  // still no SWIR1
  EXPECT_FALSE(can_compute(SpectralIndex::ndvi, BandSet{}));
}

// Distinct, exactly representable reflectances per band, so a swapped argument shows.
struct UniformBands {
  static constexpr int kWidth = 3;
  static constexpr int kHeight = 2;
  std::vector<float> blue = std::vector<float>(kWidth * kHeight, 0.125f);
  std::vector<float> green = std::vector<float>(kWidth * kHeight, 0.5f);
  std::vector<float> red = std::vector<float>(kWidth * kHeight, 0.25f);
  std::vector<float> nir = std::vector<float>(kWidth * kHeight, 0.75f);
  std::vector<float> swir1 = std::vector<float>(kWidth * kHeight, 0.375f);

  [[nodiscard]] BandSet only(const std::vector<BandRole>& roles) const {
    BandSet set;
    for (BandRole role : roles) set[role] = ConstTileView<float>(plane(role), kWidth, kHeight);
    return set;
  }
  [[nodiscard]] const float* plane(BandRole role) const {
    switch (role) {
      case BandRole::blue: return blue.data();
      case BandRole::green: return green.data();
      case BandRole::red: return red.data();
      case BandRole::nir: return nir.data();
      case BandRole::swir1: return swir1.data();
      default: return nullptr;
    }
  }
};

TEST(ComputeIndex, EachIndexFromOnlyItsRequiredBands) {
  const UniformBands bands;
  const std::vector<std::pair<SpectralIndex, float>> expected{
      {SpectralIndex::ndvi, 0.5f},          // (0.75 - 0.25) / 1.0
      {SpectralIndex::ndwi, -0.2f},         // (0.5 - 0.75) / 1.25
      {SpectralIndex::mndwi, 1.0f / 7.0f},  // (0.5 - 0.375) / 0.875
      {SpectralIndex::ndbi, -1.0f / 3.0f},  // (0.375 - 0.75) / 1.125
      {SpectralIndex::bsi, -1.0f / 6.0f},   // (0.625 - 0.875) / 1.5
      {SpectralIndex::gli, 5.0f / 11.0f},   // (1.0 - 0.375) / 1.375
  };
  for (const auto& [index, value] : expected) {
    SCOPED_TRACE(std::string(to_string(index)));
    const BandSet set = bands.only(required_bands(index));
    ASSERT_TRUE(can_compute(index, set));
    std::vector<float> out(UniformBands::kWidth * UniformBands::kHeight, -7.0f);
    compute_index(index, set, TileView<float>(out.data(), UniformBands::kWidth, UniformBands::kHeight));
    for (float v : out) EXPECT_NEAR(v, value, kTolerance);
  }
}

TEST(ComputeIndex, NdviTileWithNodataAndZeroDenominator) {
  const std::vector<float> nir{0.75f, kNaN, 0.0f, 0.5f, 0.25f, 0.6f};
  const std::vector<float> red{0.25f, 0.1f, 0.0f, kNaN, 0.75f, 0.2f};
  BandSet set;
  set[BandRole::nir] = ConstTileView<float>(nir.data(), 3, 2);
  set[BandRole::red] = ConstTileView<float>(red.data(), 3, 2);
  std::vector<float> out(6, -7.0f);
  compute_index(SpectralIndex::ndvi, set, TileView<float>(out.data(), 3, 2));
  EXPECT_FLOAT_EQ(out[0], 0.5f);
  EXPECT_TRUE(std::isnan(out[1]));
  EXPECT_TRUE(std::isnan(out[2]));
  EXPECT_TRUE(std::isnan(out[3]));
  EXPECT_FLOAT_EQ(out[4], -0.5f);
  EXPECT_FLOAT_EQ(out[5], 0.5f);  // 0.4 / 0.8
}

TEST(ComputeIndex, StridedSubViewsInAndOut) {
  // 4x3 buffers; the 2x2 window at (1, 1) is the tile. Only nir varies inside it.
  constexpr int kBufferWidth = 4;
  std::vector<float> nir(12, 99.0f);
  std::vector<float> red(12, 99.0f);
  const float tile_nir[4] = {0.75f, 0.5f, 0.25f, 0.0f};
  for (int i = 0; i < 4; ++i) {
    const int x = 1 + i % 2;
    const int y = 1 + i / 2;
    nir[static_cast<std::size_t>(y * kBufferWidth + x)] = tile_nir[i];
    red[static_cast<std::size_t>(y * kBufferWidth + x)] = 0.25f;
  }
  BandSet set;
  set[BandRole::nir] = ConstTileView<float>(nir.data(), 4, 3).sub(1, 1, 2, 2);
  set[BandRole::red] = ConstTileView<float>(red.data(), 4, 3).sub(1, 1, 2, 2);
  constexpr float kSentinel = -42.0f;
  std::vector<float> out(5 * 4, kSentinel);
  const TileView<float> whole_out(out.data(), 5, 4);
  compute_index(SpectralIndex::ndvi, set, whole_out.sub(3, 2, 2, 2));
  EXPECT_FLOAT_EQ(whole_out(3, 2), 0.5f);
  EXPECT_NEAR(whole_out(4, 2), 1.0f / 3.0f, kTolerance);  // 0.25 / 0.75
  EXPECT_FLOAT_EQ(whole_out(3, 3), 0.0f);
  EXPECT_FLOAT_EQ(whole_out(4, 3), -1.0f);
  int untouched = 0;
  for (float v : out) untouched += (v == kSentinel) ? 1 : 0;
  EXPECT_EQ(untouched, 16);
}

TEST(ComputeIndex, RejectsMissingBandAndSizeMismatch) {
  const std::vector<float> plane(6, 0.5f);
  const std::vector<float> small(4, 0.5f);
  std::vector<float> out(6);
  BandSet set;
  set[BandRole::nir] = ConstTileView<float>(plane.data(), 3, 2);
  EXPECT_THROW(compute_index(SpectralIndex::ndvi, set, TileView<float>(out.data(), 3, 2)), std::invalid_argument);
  set[BandRole::red] = ConstTileView<float>(small.data(), 2, 2);
  EXPECT_THROW(compute_index(SpectralIndex::ndvi, set, TileView<float>(out.data(), 3, 2)), std::invalid_argument);
  set[BandRole::red] = ConstTileView<float>(plane.data(), 3, 2);
  EXPECT_NO_THROW(compute_index(SpectralIndex::ndvi, set, TileView<float>(out.data(), 3, 2)));
}

TEST(Brightness, MeanOfTheVisibleBandsPresentWithNaN) {
  const std::vector<float> blue{0.1f, 0.2f, kNaN, 0.4f};
  const std::vector<float> green{0.3f, 0.2f, 0.5f, 0.0f};
  const std::vector<float> red{0.5f, 0.2f, 0.5f, 0.8f};
  const std::vector<float> nir{9.0f, 9.0f, 9.0f, 9.0f};  // not visible: ignored
  BandSet set;
  set[BandRole::blue] = ConstTileView<float>(blue.data(), 2, 2);
  set[BandRole::green] = ConstTileView<float>(green.data(), 2, 2);
  set[BandRole::red] = ConstTileView<float>(red.data(), 2, 2);
  set[BandRole::nir] = ConstTileView<float>(nir.data(), 2, 2);
  std::vector<float> out(4, -1.0f);
  compute_brightness(set, TileView<float>(out.data(), 2, 2));
  EXPECT_EQ(out[0], (0.0f + 0.1f + 0.3f + 0.5f) / 3.0f);  // summed blue, green, red, then divided
  EXPECT_EQ(out[1], (0.0f + 0.2f + 0.2f + 0.2f) / 3.0f);
  EXPECT_TRUE(std::isnan(out[2]));
  EXPECT_EQ(out[3], (0.0f + 0.4f + 0.0f + 0.8f) / 3.0f);
}

TEST(Brightness, OnlyTheBandsPresentAndZeroWithoutAny) {
  const std::vector<float> red{0.2f, kNaN};
  const std::vector<float> green{0.4f, 0.1f};
  BandSet set;
  set[BandRole::red] = ConstTileView<float>(red.data(), 2, 1);
  set[BandRole::green] = ConstTileView<float>(green.data(), 2, 1);
  std::vector<float> out(2, -1.0f);
  compute_brightness(set, TileView<float>(out.data(), 2, 1));
  EXPECT_EQ(out[0], (0.0f + 0.4f + 0.2f) / 2.0f);
  EXPECT_TRUE(std::isnan(out[1]));

  const std::vector<float> nir{0.5f, 0.5f};
  BandSet no_visible;
  no_visible[BandRole::nir] = ConstTileView<float>(nir.data(), 2, 1);
  compute_brightness(no_visible, TileView<float>(out.data(), 2, 1));
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], 0.0f);
}

TEST(Brightness, RejectsABandOfAnotherSize) {
  const std::vector<float> plane(6, 0.5f);
  BandSet set;
  set[BandRole::red] = ConstTileView<float>(plane.data(), 3, 2);
  std::vector<float> out(6);
  EXPECT_THROW(compute_brightness(set, TileView<float>(out.data(), 2, 3)), std::invalid_argument);
}

}  // namespace
}  // namespace zw::kernels
