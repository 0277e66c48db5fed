// to_reflectance: value * scale + offset per pixel type, nodata and non-finite to NaN.
#include "zonewatch/kernels/bands.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "at_simd_level.hpp"
#include "zonewatch/kernels/simd.hpp"

namespace zw::kernels {
namespace {

template <class T>
class ToReflectanceTest : public ::testing::Test {
 protected:
  static std::vector<T> raw(std::initializer_list<int> values) {
    std::vector<T> out;
    for (int v : values) out.push_back(static_cast<T>(v));
    return out;
  }
};

using PixelTypes = ::testing::Types<std::uint8_t, std::uint16_t, std::int16_t, float>;
TYPED_TEST_SUITE(ToReflectanceTest, PixelTypes);

TYPED_TEST(ToReflectanceTest, AppliesScaleThenOffset) {
  const std::vector<TypeParam> input = TestFixture::raw({0, 10, 100, 200});
  std::vector<float> out(4, -7.0f);
  to_reflectance<TypeParam>(ConstTileView<TypeParam>(input.data(), 2, 2), std::nullopt, 0.5f, -1.0f,
                            TileView<float>(out.data(), 2, 2));
  // Without a nodata value, 0 is an ordinary pixel.
  EXPECT_FLOAT_EQ(out[0], -1.0f);
  EXPECT_FLOAT_EQ(out[1], 4.0f);
  EXPECT_FLOAT_EQ(out[2], 49.0f);
  EXPECT_FLOAT_EQ(out[3], 99.0f);
}

TYPED_TEST(ToReflectanceTest, NodataBecomesNaNOthersScaled) {
  const std::vector<TypeParam> input = TestFixture::raw({0, 7, 0, 120, 9, 0});
  std::vector<float> out(6, -7.0f);
  to_reflectance<TypeParam>(ConstTileView<TypeParam>(input.data(), 3, 2), 0.0, 0.01f, 0.0f,
                            TileView<float>(out.data(), 3, 2));
  EXPECT_TRUE(std::isnan(out[0]));
  EXPECT_FLOAT_EQ(out[1], 0.07f);
  EXPECT_TRUE(std::isnan(out[2]));
  EXPECT_FLOAT_EQ(out[3], 1.2f);
  EXPECT_FLOAT_EQ(out[4], 0.09f);
  EXPECT_TRUE(std::isnan(out[5]));
}

TYPED_TEST(ToReflectanceTest, NodataValueAbsentFromTileChangesNothing) {
  const std::vector<TypeParam> input = TestFixture::raw({1, 2, 3});
  std::vector<float> out(3, -7.0f);
  to_reflectance<TypeParam>(ConstTileView<TypeParam>(input.data(), 3, 1), 99.0, 2.0f, 0.5f,
                            TileView<float>(out.data(), 3, 1));
  EXPECT_FLOAT_EQ(out[0], 2.5f);
  EXPECT_FLOAT_EQ(out[1], 4.5f);
  EXPECT_FLOAT_EQ(out[2], 6.5f);
}

TYPED_TEST(ToReflectanceTest, StridedSubViewsReadAndWriteOnlyTheirWindow) {
  // 4x3 input; the 2x2 window at (1, 1) holds 5 6 / 9 10 (values are the buffer index).
  std::vector<TypeParam> input;
  for (int i = 0; i < 12; ++i) input.push_back(static_cast<TypeParam>(i));
  const ConstTileView<TypeParam> whole_input(input.data(), 4, 3);
  // Output window at (2, 1) of a 5x4 buffer pre-filled with a sentinel.
  constexpr float kSentinel = -42.0f;
  std::vector<float> out(20, kSentinel);
  const TileView<float> whole_out(out.data(), 5, 4);
  to_reflectance<TypeParam>(whole_input.sub(1, 1, 2, 2), 6.0, 1.0f, 0.0f, whole_out.sub(2, 1, 2, 2));
  EXPECT_FLOAT_EQ(whole_out(2, 1), 5.0f);
  EXPECT_TRUE(std::isnan(whole_out(3, 1)));  // 6 is nodata
  EXPECT_FLOAT_EQ(whole_out(2, 2), 9.0f);
  EXPECT_FLOAT_EQ(whole_out(3, 2), 10.0f);
  int untouched = 0;
  for (float v : out) untouched += (v == kSentinel) ? 1 : 0;
  EXPECT_EQ(untouched, 16);
}

TEST(ToReflectance, Int16NegativeNodata) {
  const std::vector<std::int16_t> input{-9999, -100, 0, 10000};
  std::vector<float> out(4, -7.0f);
  to_reflectance<std::int16_t>(ConstTileView<std::int16_t>(input.data(), 4, 1), -9999.0, 1e-4f, 0.0f,
                               TileView<float>(out.data(), 4, 1));
  EXPECT_TRUE(std::isnan(out[0]));
  EXPECT_FLOAT_EQ(out[1], -0.01f);
  EXPECT_FLOAT_EQ(out[2], 0.0f);
  EXPECT_FLOAT_EQ(out[3], 1.0f);
}

TEST(ToReflectance, Uint16LargeValuesAndSentinelNodata) {
  const std::vector<std::uint16_t> input{65535, 40000, 1};
  std::vector<float> out(3, -7.0f);
  to_reflectance<std::uint16_t>(ConstTileView<std::uint16_t>(input.data(), 3, 1), 65535.0, 0.0001f, -0.1f,
                                TileView<float>(out.data(), 3, 1));
  EXPECT_TRUE(std::isnan(out[0]));
  EXPECT_FLOAT_EQ(out[1], 3.9f);
  EXPECT_FLOAT_EQ(out[2], -0.0999f);
}

TEST(ToReflectance, IntegerPixelsIgnoreANodataNoPixelTypeValueCanHold) {
  // 0.5 is fractional, 70000 and -1 lie outside uint16, NaN equals nothing: the integer
  // path must not round or wrap them onto a pixel value (0, 4464 = 70000 mod 65536, 65535).
  const std::vector<std::uint16_t> input{0, 4464, 65535, 1};
  for (const double nodata : {0.5, 70000.0, -1.0, std::numeric_limits<double>::quiet_NaN()}) {
    std::vector<float> out(4, -7.0f);
    to_reflectance<std::uint16_t>(ConstTileView<std::uint16_t>(input.data(), 4, 1), nodata, 1.0f, 0.0f,
                                  TileView<float>(out.data(), 4, 1));
    EXPECT_FLOAT_EQ(out[0], 0.0f) << nodata;
    EXPECT_FLOAT_EQ(out[1], 4464.0f) << nodata;
    EXPECT_FLOAT_EQ(out[2], 65535.0f) << nodata;
    EXPECT_FLOAT_EQ(out[3], 1.0f) << nodata;
  }
}

TEST(ToReflectance, Uint32AboveFloatPrecisionRoundsAsTheGeneralPathDid) {
  // 16777217 = 2^24 + 1 has no float; both paths round it once, to 16777216.
  const std::vector<std::uint32_t> input{16777217u, 7u};
  std::vector<float> out(2, -7.0f);
  to_reflectance<std::uint32_t>(ConstTileView<std::uint32_t>(input.data(), 2, 1), 7.0, 1.0f, 0.0f,
                                TileView<float>(out.data(), 2, 1));
  EXPECT_EQ(out[0], 16777216.0f);
  EXPECT_TRUE(std::isnan(out[1]));
}

TEST(ToReflectance, FloatNaNAndInfinityBecomeNaNWithoutNodata) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> input{kNaN, inf, -inf, 0.25f};
  std::vector<float> out(4, -7.0f);
  to_reflectance<float>(ConstTileView<float>(input.data(), 4, 1), std::nullopt, 2.0f, 0.0f,
                        TileView<float>(out.data(), 4, 1));
  EXPECT_TRUE(std::isnan(out[0]));
  EXPECT_TRUE(std::isnan(out[1]));
  EXPECT_TRUE(std::isnan(out[2]));
  EXPECT_FLOAT_EQ(out[3], 0.5f);
}

TEST(ToReflectance, FloatFractionalNodataMatchesExactly) {
  const std::vector<float> input{-3.5f, -3.25f};
  std::vector<float> out(2, -7.0f);
  to_reflectance<float>(ConstTileView<float>(input.data(), 2, 1), -3.5, 1.0f, 0.0f, TileView<float>(out.data(), 2, 1));
  EXPECT_TRUE(std::isnan(out[0]));
  EXPECT_FLOAT_EQ(out[1], -3.25f);
}

TEST(BandRole, NamesRoundTripCaseInsensitively) {
  EXPECT_EQ(to_string(BandRole::swir1), "swir1");
  EXPECT_EQ(band_role_from_string("NIR"), BandRole::nir);
  EXPECT_EQ(band_role_from_string("Blue"), BandRole::blue);
  EXPECT_EQ(band_role_from_string("swir2"), BandRole::swir2);
  EXPECT_EQ(band_role_from_string("thermal"), std::nullopt);
}

TEST(ReflectanceToInt16, HandComputedHalvesAwayFromZeroClampsAndNodata) {
  // 1/32 and 3/32 are exact floats whose x 10000 are halves: they round away from zero.
  const std::vector<float> values{0.0f,
                                  -0.0f,
                                  0.03125f,
                                  -0.03125f,
                                  0.09375f,
                                  0.12344f,
                                  -0.12346f,
                                  3.2767f,
                                  3.27675f,
                                  5.0f,
                                  -5.0f,
                                  kNaN,
                                  std::numeric_limits<float>::infinity(),
                                  -std::numeric_limits<float>::infinity()};
  const std::vector<std::int16_t> expected{0,     0,     313,   -313,   938,    1234,  -1235,
                                           32767, 32767, 32767, -32767, -32768, 32767, -32767};
  std::vector<std::int16_t> out(values.size());
  reflectance_to_int16(values, 10000.0, -32768, out);
  EXPECT_EQ(out, expected);
  std::vector<std::int16_t> short_out(values.size() - 1);
  EXPECT_THROW(reflectance_to_int16(values, 10000.0, -32768, short_out), std::invalid_argument);
}

TEST(ReflectanceToInt16, EqualsStdRoundThenClampForAnyFloat) {
  // The branch-free form against the rule it replaces, on values of every magnitude around
  // the range (reflectance, DN-like, beyond int16) and on exact halves.
  std::mt19937 random(7);
  std::uniform_real_distribution<float> exponent(-12.0f, 4.0f);
  std::uniform_int_distribution<int> sign(0, 1), half(-40000, 40000);
  std::vector<float> values;
  for (int i = 0; i < 200000; ++i) {
    const float magnitude = std::pow(10.0f, exponent(random));
    values.push_back(sign(random) != 0 ? -magnitude : magnitude);
  }
  for (int i = 0; i < 20000; ++i) values.push_back(static_cast<float>((half(random) + 0.5) / 10000.0));
  std::vector<std::int16_t> out(values.size());
  reflectance_to_int16(values, 10000.0, -32768, out);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double rounded = std::round(static_cast<double>(values[i]) * 10000.0);
    ASSERT_EQ(out[i], static_cast<std::int16_t>(std::clamp(rounded, -32767.0, 32767.0))) << values[i];
  }
}

TEST(ApplyGainOffset, HandComputedWithNaN) {
  EXPECT_EQ(apply_gain_offset(0.5f, 2.0f, -0.25f), 0.75f);
  EXPECT_TRUE(std::isnan(apply_gain_offset(kNaN, 2.0f, 1.0f)));
  // A strided sub-view: only its pixels change, NaN stays NaN.
  std::vector<float> values{1.0f, 2.0f, 3.0f, 4.0f, kNaN, 6.0f};  // 3 x 2
  apply_gain_offset(TileView<float>(values.data(), 3, 2).sub(1, 0, 2, 2), 0.5f, 1.0f);
  EXPECT_EQ(values[0], 1.0f);  // outside the view
  EXPECT_EQ(values[1], 2.0f);  // 0.5 * 2 + 1
  EXPECT_EQ(values[2], 2.5f);  // 0.5 * 3 + 1
  EXPECT_EQ(values[3], 4.0f);  // outside the view
  EXPECT_TRUE(std::isnan(values[4]));
  EXPECT_EQ(values[5], 4.0f);  // 0.5 * 6 + 1
}

TYPED_TEST(ToReflectanceTest, Avx2VersionEqualsTheBaselineBitForBit) {
  // Integer pixels convert in AVX2 where the CPU has it (kernels/simd.hpp): the same bits as
  // the baseline, with and without nodata, over widths with and without a vector remainder.
  if (best_simd_level() != SimdLevel::avx2) GTEST_SKIP() << "this CPU has no AVX2: only the baseline runs";
  std::mt19937 random(5);
  for (const int width : {1, 7, 8, 9, 31, 33, 130}) {
    const int height = 3;
    std::vector<TypeParam> input;
    for (int i = 0; i < width * height; ++i) input.push_back(static_cast<TypeParam>(random() % 120));
    for (const std::optional<double> nodata : {std::optional<double>{}, std::optional<double>{7.0}}) {
      std::vector<float> fast(input.size()), baseline(input.size());
      const ConstTileView<TypeParam> in(input.data(), width, height);
      to_reflectance<TypeParam>(in, nodata, 2.75e-5f, -0.2f, TileView<float>(fast.data(), width, height));
      at_simd_level(SimdLevel::baseline, [&] {
        to_reflectance<TypeParam>(in, nodata, 2.75e-5f, -0.2f, TileView<float>(baseline.data(), width, height));
      });
      for (std::size_t i = 0; i < input.size(); ++i) {
        ASSERT_EQ(std::bit_cast<std::uint32_t>(fast[i]), std::bit_cast<std::uint32_t>(baseline[i]))
            << "width " << width << ", pixel " << i;
      }
    }
  }
}

}  // namespace
}  // namespace zw::kernels
