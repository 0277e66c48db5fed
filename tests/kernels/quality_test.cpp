// Quality bands: hand-made words of every encoding decode to clear / excluded as the product
// documents say; the spectral cloud and shadow test on hand-made reflectances.
#include "zonewatch/kernels/quality.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace zw::kernels {
namespace {

using enum QualityEncoding;

std::vector<std::uint8_t> decode(const std::vector<std::uint16_t>& words, QualityEncoding encoding) {
  std::vector<std::uint8_t> clear(words.size(), 7);
  decode_quality({words.data(), static_cast<int>(words.size()), 1}, encoding,
                 {clear.data(), static_cast<int>(clear.size()), 1});
  return clear;
}

TEST(QualityEncodingNames, RoundTrip) {
  for (QualityEncoding e :
       {landsat_qa_pixel, landsat_bqa_c1_oli, landsat_bqa_c1_tm_etm, sentinel2_scl, cbers_cmask, nonzero_is_clear}) {
    EXPECT_EQ(quality_encoding_from_string(to_string(e)), e);
  }
  EXPECT_EQ(quality_encoding_from_string("SENTINEL2_SCL"), sentinel2_scl);
  EXPECT_FALSE(quality_encoding_from_string("fmask").has_value());
}

TEST(LandsatQaPixel, BitsZeroToFiveExclude) {
  // Real C2 words: 21824 clear land (bits 6, 8, 10, 12, 14: clear, low confidences),
  // 21952 clear water (bit 7), 1 fill, 22280 high-confidence cloud (bits 3 + confidences),
  // 23888 cloud shadow (bit 4), 30048 snow (bit 5), 55052 cirrus + cloud (bits 2, 3).
  const auto clear = decode({21824, 21952, 1, 22280, 23888, 30048, 55052, 21826}, landsat_qa_pixel);
  EXPECT_EQ(clear, (std::vector<std::uint8_t>{1, 1, 0, 0, 0, 0, 0, 0}));  // 21826: dilated cloud (bit 1)
  for (int bit = 0; bit <= 5; ++bit)
    EXPECT_FALSE(is_clear(static_cast<std::uint16_t>(1u << bit), landsat_qa_pixel)) << bit;
  for (int bit = 6; bit <= 15; ++bit)
    EXPECT_TRUE(is_clear(static_cast<std::uint16_t>(1u << bit), landsat_qa_pixel)) << bit;
}

TEST(LandsatBqaC1Oli, ConfidencesAndFlags) {
  // 2720: the clear word of the real LC08 germany scene (low confidence of cloud, shadow,
  // snow and cirrus: bits 5, 7, 9, 11). 1: designated fill. 2800: cloud bit set with high
  // cloud confidence (2720 + 16 + 64). 2976: high shadow confidence (2720 + 256).
  // 3744: high snow confidence (2720 + 1024). 6816: high cirrus confidence (2720 + 4096).
  // 2724: saturation in 1-2 bands (bit 2). 2722: terrain occlusion (bit 1).
  // 2752: medium cloud confidence (bits 5-6 = 10) without the cloud bit stays clear.
  const auto clear = decode({2720, 1, 2800, 2976, 3744, 6816, 2724, 2722, 2752}, landsat_bqa_c1_oli);
  EXPECT_EQ(clear, (std::vector<std::uint8_t>{1, 0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_FALSE(is_clear(2720 | 16, landsat_bqa_c1_oli));         // cloud bit alone
  EXPECT_FALSE(is_clear(2720 | (3u << 2), landsat_bqa_c1_oli));  // saturation in 5+ bands
}

TEST(LandsatBqaC1TmEtm, NoCirrusBitsDroppedPixelExcluded) {
  // 672: the clear word of the real LE07 germany scene (bits 5, 7, 9). Bits 11-12 are unused
  // for TM/ETM+, so a word with them set is not cirrus. 674: dropped pixel (bit 1).
  const auto clear =
      decode({672, 672 | (3u << 11), 674, 1, 672 | 16 | 96, 672 | 384, 672 | 1536, 672 | 4}, landsat_bqa_c1_tm_etm);
  EXPECT_EQ(clear, (std::vector<std::uint8_t>{1, 1, 0, 0, 0, 0, 0, 0}));
  // The same cirrus word is excluded under the OLI rules.
  EXPECT_FALSE(is_clear(static_cast<std::uint16_t>(672 | (3u << 11)), landsat_bqa_c1_oli));
}

TEST(Sentinel2Scl, ClassesFourToSevenAreClear) {
  std::vector<std::uint16_t> classes;
  for (std::uint16_t c = 0; c <= 12; ++c) classes.push_back(c);
  const auto clear = decode(classes, sentinel2_scl);
  //                                          0  1  2  3  4  5  6  7  8  9 10 11 12
  EXPECT_EQ(clear, (std::vector<std::uint8_t>{0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0}));
}

TEST(CbersCmask, FmaskClassesAndLaterClear) {
  // The real files hold 0 (clear land) and 4 (cloud), nodata 255.
  const auto clear = decode({0, 1, 2, 3, 4, 127, 255, 5}, cbers_cmask);
  EXPECT_EQ(clear, (std::vector<std::uint8_t>{1, 1, 0, 0, 0, 1, 0, 0}));
}

TEST(NonzeroIsClear, ZeroExcluded) {
  EXPECT_EQ(decode({0, 1, 255, 65535}, nonzero_is_clear), (std::vector<std::uint8_t>{0, 1, 1, 1}));
}

TEST(DecodeQuality, LargeTilesUseTheSameRulesAndStride) {
  // Over 64 Ki pixels the decoder switches to a lookup table; results must not change.
  const int w = 300, h = 256;
  std::vector<std::uint16_t> words(static_cast<std::size_t>(w) * h);
  for (std::size_t i = 0; i < words.size(); ++i) words[i] = static_cast<std::uint16_t>((i * 7919u) & 0xFFFFu);
  std::vector<std::uint8_t> clear(words.size());
  decode_quality({words.data(), w, h}, landsat_bqa_c1_oli, {clear.data(), w, h});
  for (std::size_t i = 0; i < words.size(); ++i)
    ASSERT_EQ(clear[i], is_clear(words[i], landsat_bqa_c1_oli) ? 1 : 0) << i;
  // Strided views: a 2x2 window of a 4-wide buffer.
  std::vector<std::uint16_t> buffer{4, 0, 9, 9, 5, 8, 9, 9};
  std::vector<std::uint8_t> out(8, 7);
  decode_quality(ConstTileView<std::uint16_t>(buffer.data(), 2, 2, 4), sentinel2_scl,
                 TileView<std::uint8_t>(out.data(), 2, 2, 4));
  EXPECT_EQ(out, (std::vector<std::uint8_t>{1, 0, 7, 7, 1, 0, 7, 7}));
}

TEST(DecodeQuality, SizeMismatchThrows) {
  std::vector<std::uint16_t> words(4);
  std::vector<std::uint8_t> clear(6);
  EXPECT_THROW(decode_quality({words.data(), 2, 2}, sentinel2_scl, {clear.data(), 3, 2}), std::invalid_argument);
}

// --- Spectral test ---------------------------------------------------------------------

struct Pixels {
  std::vector<float> blue, green, red, nir, swir1;
  void add(float b, float g, float r, float n, float s) {
    blue.push_back(b);
    green.push_back(g);
    red.push_back(r);
    nir.push_back(n);
    swir1.push_back(s);
  }
};

std::vector<std::uint8_t> spectral(Pixels& p, bool with_blue = true, bool with_swir = true) {
  const int n = static_cast<int>(p.red.size());
  BandSet bands;
  if (with_blue) bands[BandRole::blue] = ConstTileView<float>(p.blue.data(), n, 1);
  bands[BandRole::green] = ConstTileView<float>(p.green.data(), n, 1);
  bands[BandRole::red] = ConstTileView<float>(p.red.data(), n, 1);
  bands[BandRole::nir] = ConstTileView<float>(p.nir.data(), n, 1);
  if (with_swir) bands[BandRole::swir1] = ConstTileView<float>(p.swir1.data(), n, 1);
  std::vector<std::uint8_t> clear(static_cast<std::size_t>(n), 7);
  spectral_clear_mask(bands, SpectralCloudTest{}, {clear.data(), n, 1});
  return clear;
}

TEST(SpectralCloudTest, TypicalSurfaces) {
  Pixels p;
  p.add(0.45f, 0.46f, 0.47f, 0.50f, 0.40f);   // 0 thick cloud: bright, white, hazy
  p.add(0.04f, 0.07f, 0.05f, 0.35f, 0.18f);   // 1 vegetation
  p.add(0.06f, 0.05f, 0.03f, 0.02f, 0.01f);   // 2 clear water (dark, green > nir)
  p.add(0.01f, 0.02f, 0.015f, 0.08f, 0.05f);  // 3 vegetation in cloud shadow
  p.add(0.10f, 0.14f, 0.20f, 0.25f, 0.32f);   // 4 bare soil
  p.add(0.30f, 0.32f, 0.34f, 0.36f, 0.55f);   // 5 bright rock / sand: nir/swir1 < 0.75
  p.add(0.22f, 0.30f, 0.42f, 0.45f, 0.50f);   // 6 bright red desert: not white
  p.add(0.25f, 0.26f, 0.27f, kNaN, 0.30f);    // 7 no data: left alone
  EXPECT_EQ(spectral(p), (std::vector<std::uint8_t>{0, 1, 1, 0, 1, 1, 1, 1}));
}

TEST(SpectralCloudTest, WithoutSwirOrBlueTheOtherTestsStillWork) {
  Pixels p;
  p.add(0.45f, 0.46f, 0.47f, 0.50f, 0.40f);  // cloud
  p.add(0.30f, 0.32f, 0.34f, 0.36f, 0.55f);  // bright grey rock: cloud without SWIR (documented limit)
  p.add(0.04f, 0.07f, 0.05f, 0.35f, 0.18f);  // vegetation
  EXPECT_EQ(spectral(p, true, false), (std::vector<std::uint8_t>{0, 0, 1}));
  // Without blue there is no HOT: brightness and whiteness decide.
  EXPECT_EQ(spectral(p, false, true), (std::vector<std::uint8_t>{0, 1, 1}));
}

TEST(SpectralCloudTest, TooFewBandsLeavesEverythingClear) {
  std::vector<float> red{0.5f, 0.5f};
  std::vector<float> green{0.5f, 0.5f};
  BandSet bands;
  bands[BandRole::red] = ConstTileView<float>(red.data(), 2, 1);
  bands[BandRole::green] = ConstTileView<float>(green.data(), 2, 1);
  std::vector<std::uint8_t> clear(2, 7);
  spectral_clear_mask(bands, SpectralCloudTest{}, {clear.data(), 2, 1});
  EXPECT_EQ(clear, (std::vector<std::uint8_t>{1, 1}));
}

TEST(SpectralCloudTest, SizeMismatchThrows) {
  std::vector<float> a(4, 0.1f), b(6, 0.1f);
  BandSet bands;
  bands[BandRole::red] = ConstTileView<float>(a.data(), 2, 2);
  bands[BandRole::nir] = ConstTileView<float>(b.data(), 3, 2);
  std::vector<std::uint8_t> clear(4);
  EXPECT_THROW(spectral_clear_mask(bands, SpectralCloudTest{}, {clear.data(), 2, 2}), std::invalid_argument);
}

}  // namespace
}  // namespace zw::kernels
