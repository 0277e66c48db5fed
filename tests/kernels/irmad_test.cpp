// Covariance accumulator, chi-square survival and IR-MAD normalization on a hand-made pair
// whose after date is a known linear transform of the before date plus real changes.
#include "zonewatch/kernels/irmad.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace zw::kernels {
namespace {

TEST(CovarianceAccumulator, MatchesTwoPassAndMergesExactly) {
  std::mt19937 rng(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<std::array<double, 3>> xs;
  for (int i = 0; i < 1000; ++i) {
    const double a = normal(rng), b = normal(rng);
    xs.push_back({a, 0.5 * a + b, 10.0 + 2.0 * b});
  }
  CovarianceAccumulator whole(3), left(3), right(3);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    whole.add(xs[i].data());
    (i < 317 ? left : right).add(xs[i].data());
  }
  left.merge(right);
  // Two-pass reference.
  std::array<double, 3> mean{};
  for (const auto& x : xs)
    for (int j = 0; j < 3; ++j) mean[j] += x[j] / static_cast<double>(xs.size());
  std::array<double, 9> cov{};
  for (const auto& x : xs)
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c)
        cov[r * 3 + c] += (x[r] - mean[r]) * (x[c] - mean[c]) / static_cast<double>(xs.size());
  const auto cw = whole.covariance(), cm = left.covariance();
  for (int k = 0; k < 9; ++k) {
    EXPECT_NEAR(cw[k], cov[k], 1e-10);
    EXPECT_NEAR(cm[k], cov[k], 1e-10);
  }
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(left.mean()[j], mean[j], 1e-12);
  EXPECT_EQ(left.count(), 1000u);
  EXPECT_THROW(left.merge(CovarianceAccumulator(2)), std::invalid_argument);
}

TEST(CovarianceAccumulator, WeightsActLikeRepetition) {
  CovarianceAccumulator weighted(1), repeated(1);
  const double a = 1.0, b = 4.0;
  weighted.add(&a, 3.0);
  weighted.add(&b, 1.0);
  weighted.add(&b, 0.0);  // ignored
  for (int i = 0; i < 3; ++i) repeated.add(&a);
  repeated.add(&b);
  EXPECT_NEAR(weighted.mean()[0], repeated.mean()[0], 1e-12);
  EXPECT_NEAR(weighted.covariance()[0], repeated.covariance()[0], 1e-12);
  EXPECT_EQ(weighted.count(), 2u);
}

TEST(ChiSquareSurvival, KnownValues) {
  EXPECT_NEAR(chi_square_survival(3.841458820694124, 1), 0.05, 1e-9);
  EXPECT_NEAR(chi_square_survival(5.991464547107979, 2), 0.05, 1e-9);
  EXPECT_NEAR(chi_square_survival(9.487729036781154, 4), 0.05, 1e-9);
  EXPECT_NEAR(chi_square_survival(12.591587243743977, 6), 0.05, 1e-9);
  EXPECT_NEAR(chi_square_survival(2.0, 2), std::exp(-1.0), 1e-12);
  EXPECT_NEAR(chi_square_survival(40.0, 4), 4.32e-8, 1e-9);
  EXPECT_EQ(chi_square_survival(0.0, 3), 1.0);
}

TEST(SymmetricEigen, DiagonalizesA3x3) {
  const std::vector<double> m{4, 1, 2, 1, 3, 0, 2, 0, 5};
  std::vector<double> values, vectors;
  symmetric_eigen(m, 3, values, vectors);
  ASSERT_EQ(values.size(), 3u);
  EXPECT_LE(values[0], values[1]);
  EXPECT_LE(values[1], values[2]);
  for (int k = 0; k < 3; ++k) {
    for (int r = 0; r < 3; ++r) {
      double mv = 0.0;
      for (int c = 0; c < 3; ++c) mv += m[r * 3 + c] * vectors[c * 3 + k];
      EXPECT_NEAR(mv, values[k] * vectors[r * 3 + k], 1e-10);
    }
  }
}

TEST(OrthogonalRegression, RecoversALineWithNoiseOnBothAxes) {
  std::mt19937 rng(3);
  std::normal_distribution<double> truth(0.3, 0.1), noise(0.0, 0.002);
  CovarianceAccumulator xy(2);
  for (int i = 0; i < 20000; ++i) {
    const double t = truth(rng);
    const double p[2] = {t + noise(rng), 0.02 + 1.3 * t + noise(rng)};
    xy.add(p);
  }
  const LineFit fit = orthogonal_regression(xy);
  EXPECT_NEAR(fit.slope, 1.3, 0.01);
  EXPECT_NEAR(fit.intercept, 0.02, 0.003);
  EXPECT_TRUE(std::isnan(orthogonal_regression(CovarianceAccumulator(2)).slope));
}

/// Four correlated bands, like reflectance of a mixed landscape: three land-cover
/// endmembers mixed per pixel plus sensor noise.
struct Pair {
  std::vector<float> before, after;
  std::vector<bool> changed;
};

Pair make_pair(int n, const std::array<double, 4>& gain, const std::array<double, 4>& offset, double changed_share) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::normal_distribution<double> noise(0.0, 0.003);
  const double endmembers[3][4] = {{0.04, 0.07, 0.05, 0.40},   // vegetation
                                   {0.12, 0.15, 0.18, 0.25},   // soil
                                   {0.20, 0.21, 0.22, 0.24}};  // built-up
  Pair pair;
  for (int i = 0; i < n; ++i) {
    double w[3] = {uniform(rng), uniform(rng), uniform(rng)};
    const double sum = w[0] + w[1] + w[2];
    const bool changed = uniform(rng) < changed_share;
    double w_after[3] = {w[0], w[1], w[2]};
    if (changed) {  // vegetation cleared to soil or built-up
      w_after[1] += 0.7 * w[0];
      w_after[2] += 0.3 * w[0];
      w_after[0] = 0.0;
    }
    for (int b = 0; b < 4; ++b) {
      double x = 0.0, y = 0.0;
      for (int e = 0; e < 3; ++e) {
        x += w[e] / sum * endmembers[e][b];
        y += w_after[e] / sum * endmembers[e][b];
      }
      pair.before.push_back(static_cast<float>(x + noise(rng)));
      pair.after.push_back(static_cast<float>(offset[b] + gain[b] * y + noise(rng)));
    }
    pair.changed.push_back(changed);
  }
  return pair;
}

TEST(Irmad, RecoversKnownGainAndOffsetDespiteChange) {
  // After = offset + gain * before (a different sensor and sun), with 15 % of the pixels
  // really changed; the fit must see through both.
  const std::array<double, 4> gain{1.15, 0.9, 1.25, 0.8}, offset{0.02, -0.01, 0.015, 0.03};
  const Pair pair = make_pair(40000, gain, offset, 0.15);
  const RadiometricFit fit = fit_radiometric_normalization(pair.before, pair.after, 4);
  EXPECT_TRUE(fit.irmad.converged) << fit.irmad.iterations << " iterations";
  ASSERT_EQ(fit.bands.size(), 4u);
  for (int b = 0; b < 4; ++b) {
    SCOPED_TRACE("band " + std::to_string(b));
    EXPECT_NEAR(fit.bands[b].fit.slope, gain[b], 0.02 * gain[b]);
    EXPECT_NEAR(fit.bands[b].fit.intercept, offset[b], 0.006);
    EXPECT_NEAR(fit.bands[b].gain, 1.0 / gain[b], 0.02 / gain[b]);
  }
  // Changed pixels are seldom pseudo-invariant, unchanged ones mostly are.
  std::size_t changed = 0, changed_invariant = 0, unchanged = 0, unchanged_invariant = 0;
  for (std::size_t i = 0; i < pair.changed.size(); ++i) {
    const bool invariant = fit.irmad.no_change_probability[i] > 0.95f;
    if (pair.changed[i]) {
      ++changed;
      changed_invariant += invariant ? 1 : 0;
    } else {
      ++unchanged;
      unchanged_invariant += invariant ? 1 : 0;
    }
  }
  // P(no change) > 0.95 means a chi-square below its 5th percentile: a small, clean share.
  EXPECT_EQ(fit.invariant_pixels, changed_invariant + unchanged_invariant);
  EXPECT_GT(unchanged_invariant, 100u);
  EXPECT_LT(static_cast<double>(changed_invariant) / static_cast<double>(changed),
            0.1 * static_cast<double>(unchanged_invariant) / static_cast<double>(unchanged))
      << changed_invariant << " of " << changed << " changed, " << unchanged_invariant << " of " << unchanged
      << " unchanged pixels invariant";
}

TEST(Irmad, IsIndependentOfChunking) {
  const Pair pair = make_pair(5000, {1.1, 1.0, 0.9, 1.2}, {0.0, 0.01, 0.0, -0.01}, 0.1);
  IrmadOptions small;
  small.chunk = 97;
  const RadiometricFit a = fit_radiometric_normalization(pair.before, pair.after, 4);
  const RadiometricFit b = fit_radiometric_normalization(pair.before, pair.after, 4, small);
  for (int k = 0; k < 4; ++k) {
    EXPECT_NEAR(a.irmad.canonical_correlations[k], b.irmad.canonical_correlations[k], 1e-9);
    EXPECT_NEAR(a.bands[k].gain, b.bands[k].gain, 1e-6);
  }
}

TEST(Irmad, RejectsBadInput) {
  const std::vector<float> four(8, 0.1f), three(6, 0.1f);
  EXPECT_THROW((void)irmad(four, three, 2), std::invalid_argument);
  EXPECT_THROW((void)irmad(four, four, 2), std::invalid_argument);  // 4 samples < 2*2+1
  std::vector<float> constant(200, 0.1f), varying;
  for (int i = 0; i < 200; ++i) varying.push_back(static_cast<float>(i % 17) * 0.01f);
  EXPECT_THROW((void)irmad(constant, varying, 2), std::invalid_argument);
}

}  // namespace
}  // namespace zw::kernels
