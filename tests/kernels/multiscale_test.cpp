// Multi-scale magnitude: Gaussian weights and smoothing against hand-computed values,
// missing values (NaN, outside the view), and tiled-with-halo results equal to whole-image ones.
#include "zonewatch/kernels/multiscale.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "kernels/at_simd_level.hpp"

namespace zw::kernels {
namespace {

/// exp(-d^2 / (2 sigma^2)) normalised over d = -3 sigma..3 sigma, written out for sigma 1.
double unit_sigma_weight(int d) {
  const double total = 1.0 + 2.0 * (std::exp(-0.5) + std::exp(-2.0) + std::exp(-4.5));
  return std::exp(-0.5 * d * d) / total;
}

TEST(GaussianRadius, ThreeSigmaRoundedUp) {
  EXPECT_EQ(gaussian_radius(0.0f), 0);
  EXPECT_EQ(gaussian_radius(0.5f), 2);
  EXPECT_EQ(gaussian_radius(1.0f), 3);
  EXPECT_EQ(gaussian_radius(2.0f), 6);
  EXPECT_THROW((void)gaussian_radius(-1.0f), std::invalid_argument);
  EXPECT_THROW((void)gaussian_radius(kNaN), std::invalid_argument);
  const std::vector<float> sigmas{0.0f, 2.0f, 1.0f};
  EXPECT_EQ(multiscale_halo(sigmas), 6);
  EXPECT_EQ(multiscale_halo({}), 0);
}

TEST(GaussianWeights, NormalisedSymmetricHandComputed) {
  const std::vector<float> w = gaussian_weights(1.0f);
  ASSERT_EQ(w.size(), 7u);
  for (int d = -3; d <= 3; ++d) EXPECT_NEAR(w[static_cast<std::size_t>(d + 3)], unit_sigma_weight(d), 1e-7) << d;
  EXPECT_NEAR(w[3], 0.3990503, 1e-6);
  EXPECT_EQ(gaussian_weights(0.0f), std::vector<float>{1.0f});
}

TEST(SmoothGaussian, ImpulseSpreadsAsTheOuterProductOfWeights) {
  // 13 x 13 so that every pixel checked has its whole 7 x 7 window inside the view (near
  // the edge the normalisation would rescale the weights).
  Tile<float> in(13, 13, 0.0f), out(13, 13, -1.0f);
  in(6, 6) = 1.0f;
  smooth_gaussian(in.view(), 1.0f, out.view());
  EXPECT_NEAR(out(6, 6), unit_sigma_weight(0) * unit_sigma_weight(0), 1e-7);  // 0.159241
  EXPECT_NEAR(out(7, 6), unit_sigma_weight(1) * unit_sigma_weight(0), 1e-7);
  EXPECT_NEAR(out(8, 8), unit_sigma_weight(2) * unit_sigma_weight(2), 1e-7);
  EXPECT_NEAR(out(9, 3), unit_sigma_weight(3) * unit_sigma_weight(3), 1e-8);
  EXPECT_EQ(out(2, 6), 0.0f);  // four columns away: beyond the 3-sigma truncation
}

TEST(SmoothGaussian, ImageEdgeRenormalisesOverTheInsidePixels) {
  // An impulse in the corner: the corner pixel's window holds only the 4 x 4 inside
  // pixels, so its weight is w0^2 / (sum_{d=0..3} w_d)^2.
  Tile<float> in(8, 8, 0.0f), out(8, 8);
  in(0, 0) = 1.0f;
  smooth_gaussian(in.view(), 1.0f, out.view());
  double half = 0.0;
  for (int d = 0; d <= 3; ++d) half += unit_sigma_weight(d);
  EXPECT_NEAR(out(0, 0), unit_sigma_weight(0) * unit_sigma_weight(0) / (half * half), 1e-7);
}

TEST(SmoothGaussian, MissingNeighboursAreLeftOutNotCountedAsZero) {
  // One row [0, 3, NaN]: each valid pixel averages the valid ones by weight, the NaN stays.
  Tile<float> in(3, 1), out(3, 1);
  in(0, 0) = 0.0f;
  in(1, 0) = 3.0f;
  in(2, 0) = kNaN;
  smooth_gaussian(in.view(), 1.0f, out.view());
  const double w0 = unit_sigma_weight(0), w1 = unit_sigma_weight(1);
  EXPECT_NEAR(out(0, 0), 3.0 * w1 / (w0 + w1), 1e-6);  // 1.13263
  EXPECT_NEAR(out(1, 0), 3.0 * w0 / (w0 + w1), 1e-6);  // 1.86737
  EXPECT_TRUE(std::isnan(out(2, 0)));
}

TEST(SmoothGaussian, ConstantStaysConstantUpToEdgesAndHoles) {
  Tile<float> in(6, 5, 2.5f), out(6, 5);
  in(2, 2) = kNaN;
  in(0, 4) = kNaN;
  smooth_gaussian(in.view(), 2.0f, out.view());
  for (int y = 0; y < 5; ++y) {
    for (int x = 0; x < 6; ++x) {
      if (std::isnan(in(x, y))) {
        EXPECT_TRUE(std::isnan(out(x, y)));
      } else {
        EXPECT_NEAR(out(x, y), 2.5f, 1e-6f) << x << "," << y;
      }
    }
  }
}

TEST(SmoothGaussian, BitIdenticalToThePixelByPixelDefinition) {
  // The definition, pixel by pixel: row sums of valid neighbours' k * v and of their k (in
  // ascending tap order), then the same down the columns, their ratio. The kernel reorders
  // the loops to vectorise them; it must not change a bit, or tilings would disagree.
  // With and without missing pixels: a tile without any takes the kernel's shortcut (one
  // weight row for all rows), which must give the same bits as the definition too.
  std::mt19937 random(7);
  std::uniform_real_distribution<float> value(-3.0f, 40.0f);
  const int width = 37, height = 23;
  for (const bool with_missing : {true, false}) {
    Tile<float> in(width, height);
    for (float& v : in.values()) v = with_missing && random() % 9 == 0 ? kNaN : value(random);
    for (const float sigma : {1.0f, 2.0f, 4.0f}) {
      const std::vector<float> w = gaussian_weights(sigma);
      const int radius = gaussian_radius(sigma);
      Tile<float> row_sum(width, height), row_weight(width, height);
      for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
          float sum = 0.0f, weight = 0.0f;
          for (int d = std::max(-radius, -x); d <= std::min(radius, width - 1 - x); ++d) {
            if (std::isnan(in(x + d, y))) continue;
            sum += w[static_cast<std::size_t>(d + radius)] * in(x + d, y);
            weight += w[static_cast<std::size_t>(d + radius)];
          }
          row_sum(x, y) = sum;
          row_weight(x, y) = weight;
        }
      }
      Tile<float> out(width, height);
      smooth_gaussian(in.view(), sigma, out.view());
      for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
          float sum = 0.0f, weight = 0.0f;
          for (int d = std::max(-radius, -y); d <= std::min(radius, height - 1 - y); ++d) {
            sum += w[static_cast<std::size_t>(d + radius)] * row_sum(x, y + d);
            weight += w[static_cast<std::size_t>(d + radius)] * row_weight(x, y + d);
          }
          const float expected = std::isnan(in(x, y)) ? kNaN : sum / weight;
          if (std::isnan(expected)) {
            EXPECT_TRUE(std::isnan(out(x, y))) << x << "," << y;
          } else {
            EXPECT_EQ(out(x, y), expected) << "sigma " << sigma << " at " << x << "," << y
                                           << (with_missing ? " (with missing pixels)" : " (none missing)");
          }
        }
      }
    }
  }
}

TEST(SmoothGaussian, SizeMismatchThrows) {
  Tile<float> in(3, 3, 1.0f), out(3, 2);
  EXPECT_THROW(smooth_gaussian(in.view(), 1.0f, out.view()), std::invalid_argument);
}

TEST(SigmasInPixels, MetresOverThePixelSize) {
  const std::vector<float> metres{0.0f, 10.0f, 20.0f};
  const PixelSigmas ten = sigmas_in_pixels(metres, 10.0, 32.0f);
  EXPECT_EQ(ten.sigmas, (std::vector<float>{0.0f, 1.0f, 2.0f}));  // Sentinel-2: the pixel defaults
  EXPECT_FALSE(ten.capped);
  const PixelSigmas aerial = sigmas_in_pixels(metres, 1.5, 32.0f);
  ASSERT_EQ(aerial.sigmas.size(), 3u);
  EXPECT_EQ(aerial.sigmas[0], 0.0f);
  EXPECT_FLOAT_EQ(aerial.sigmas[1], 10.0f / 1.5f);
  EXPECT_FLOAT_EQ(aerial.sigmas[2], 20.0f / 1.5f);
  EXPECT_FALSE(aerial.capped);
}

TEST(SigmasInPixels, CentimetrePixelsAreCapped) {
  const std::vector<float> metres{0.0f, 10.0f, 20.0f};
  const PixelSigmas drone = sigmas_in_pixels(metres, 0.5, 32.0f);  // 20, 40 pixels
  EXPECT_EQ(drone.sigmas, (std::vector<float>{0.0f, 20.0f, 32.0f}));
  EXPECT_TRUE(drone.capped);
}

TEST(SigmasInPixels, RejectsBadInput) {
  const std::vector<float> metres{10.0f};
  EXPECT_THROW((void)sigmas_in_pixels(metres, 0.0, 32.0f), std::invalid_argument);
  EXPECT_THROW((void)sigmas_in_pixels(metres, std::nan(""), 32.0f), std::invalid_argument);
  const std::vector<float> negative{-1.0f};
  EXPECT_THROW((void)sigmas_in_pixels(negative, 10.0, 32.0f), std::invalid_argument);
}

TEST(MultiscaleMagnitude, MeanOfTheScales) {
  Tile<float> in(9, 9, 0.0f), out(9, 9);
  in(4, 4) = 1.0f;
  const std::vector<float> single{0.0f};
  multiscale_magnitude(in.view(), single, out.view());
  EXPECT_EQ(out(4, 4), 1.0f);
  EXPECT_EQ(out(3, 4), 0.0f);
  const std::vector<float> two{0.0f, 1.0f};
  multiscale_magnitude(in.view(), two, out.view());
  EXPECT_NEAR(out(4, 4), (1.0 + unit_sigma_weight(0) * unit_sigma_weight(0)) / 2.0, 1e-7);
  EXPECT_NEAR(out(3, 4), unit_sigma_weight(1) * unit_sigma_weight(0) / 2.0, 1e-7);
}

TEST(MultiscaleMagnitude, TiledWithHaloEqualsWholeImage) {
  const int width = 41, height = 29;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> value(0.0f, 8.0f);
  Tile<float> image(width, height);
  for (auto& v : image.values()) v = value(rng);
  for (int i = 0; i < 40; ++i) image(static_cast<int>(rng() % width), static_cast<int>(rng() % height)) = kNaN;
  const std::vector<float> sigmas{0.0f, 1.0f, 2.0f};
  Tile<float> whole(width, height);
  multiscale_magnitude(image.view(), sigmas, whole.view());

  const int halo = multiscale_halo(sigmas);
  const int tile = 11;  // odd edge tiles on both axes
  for (int y0 = 0; y0 < height; y0 += tile) {
    for (int x0 = 0; x0 < width; x0 += tile) {
      const int px0 = std::max(0, x0 - halo), py0 = std::max(0, y0 - halo);
      const int px1 = std::min(width, x0 + tile + halo), py1 = std::min(height, y0 + tile + halo);
      Tile<float> padded(px1 - px0, py1 - py0);
      multiscale_magnitude(image.view().sub(px0, py0, px1 - px0, py1 - py0), sigmas, padded.view());
      for (int y = y0; y < std::min(height, y0 + tile); ++y) {
        for (int x = x0; x < std::min(width, x0 + tile); ++x) {
          const float a = whole(x, y), b = padded(x - px0, y - py0);
          if (std::isnan(a)) {
            EXPECT_TRUE(std::isnan(b)) << x << "," << y;
          } else {
            EXPECT_EQ(a, b) << x << "," << y;  // bit-identical, not merely close
          }
        }
      }
    }
  }
}

TEST(MultiscaleMagnitude, Avx2VersionEqualsTheBaselineBitForBit) {
  // The AVX2 loops (kernels/simd.hpp) must give the baseline's bits, or results would depend
  // on the CPU: widths with and without a vector remainder, holes, a cloud band of rows.
  if (best_simd_level() != SimdLevel::avx2) GTEST_SKIP() << "this CPU has no AVX2: only the baseline runs";
  std::mt19937 random(11);
  std::uniform_real_distribution<float> value(0.0f, 25.0f);
  for (const int width : {1, 7, 8, 9, 33, 130}) {
    const int height = 29;
    Tile<float> in(width, height);
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) in(x, y) = (y >= 10 && y < 13) || random() % 13 == 0 ? kNaN : value(random);
    }
    const std::vector<float> sigmas{0.0f, 1.0f, 2.0f, 3.5f};
    Tile<float> fast(width, height), baseline(width, height);
    multiscale_magnitude(in.view(), sigmas, fast.view());
    at_simd_level(SimdLevel::baseline, [&] { multiscale_magnitude(in.view(), sigmas, baseline.view()); });
    Tile<float> fast_smooth(width, height), baseline_smooth(width, height);
    smooth_gaussian(in.view(), 2.0f, fast_smooth.view());
    at_simd_level(SimdLevel::baseline, [&] { smooth_gaussian(in.view(), 2.0f, baseline_smooth.view()); });
    for (std::size_t i = 0; i < in.values().size(); ++i) {
      ASSERT_EQ(std::bit_cast<std::uint32_t>(fast.values()[i]), std::bit_cast<std::uint32_t>(baseline.values()[i]))
          << "width " << width << ", pixel " << i;
      ASSERT_EQ(std::bit_cast<std::uint32_t>(fast_smooth.values()[i]),
                std::bit_cast<std::uint32_t>(baseline_smooth.values()[i]))
          << "width " << width << ", pixel " << i;
    }
  }
}

}  // namespace
}  // namespace zw::kernels
