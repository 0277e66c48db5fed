// Theil–Sen, Mann–Kendall and the ΔEI change classes.
//
// Reference values for the three series below come from SciPy 1.10 (an independent
// implementation), computed with /usr/bin/python3:
//   r = scipy.stats.theilslopes(y, x)                      -> slope, intercept
//   tau, p = scipy.stats.kendalltau(x, y, method="asymptotic")
//   S = tau * sqrt(n0 * (n0 - n2))  (tau-b with x untied; n2 = sum t(t-1)/2 over ties in y)
//   var(S) = (S / z)^2 with z = sqrt(2) * erfcinv(p)   (SciPy's z has no continuity correction)
// The p-values with the continuity correction, (|S| - 1) / sqrt(var), follow from those.
#include "zonewatch/kernels/trend.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace zw::kernels {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> years_from_zero(std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<double>(i);
  return x;
}

TEST(TheilSen, RisingSeriesMatchesScipy) {
  const std::vector<double> y{0.52, 0.55, 0.54, 0.58, 0.61, 0.60, 0.63};
  const TheilSen fit = theil_sen(years_from_zero(y.size()), y);
  EXPECT_EQ(fit.n, 7);
  EXPECT_NEAR(fit.slope, 0.01833333333333333, 1e-15);
  EXPECT_NEAR(fit.intercept, 0.52499999999999991, 1e-15);
}

TEST(TheilSen, TiesAndMissingYearsMatchScipy) {
  const std::vector<double> ties{3.0, 5.0, 5.0, 4.0, 7.0, 7.0, 7.0, 9.0};
  const TheilSen tied = theil_sen(years_from_zero(ties.size()), ties);
  EXPECT_NEAR(tied.slope, 0.66666666666666663, 1e-15);
  EXPECT_NEAR(tied.intercept, 3.666666666666667, 1e-15);

  // The NaN year is skipped; SciPy was given x = 0 1 3 4 5.
  const std::vector<double> falling{0.70, 0.68, kNaN, 0.61, 0.62, 0.55};
  const TheilSen fit = theil_sen(years_from_zero(falling.size()), falling);
  EXPECT_EQ(fit.n, 5);
  EXPECT_NEAR(fit.slope, -0.029999999999999978, 1e-15);
  EXPECT_NEAR(fit.intercept, 0.70999999999999996, 1e-15);
}

TEST(TheilSen, RealYearsAndTooFewPoints) {
  // Slopes per year do not depend on where x starts; the intercept does.
  const std::vector<double> x{2019, 2020, 2021}, y{10, 12, 14};
  const TheilSen fit = theil_sen(x, y);
  EXPECT_DOUBLE_EQ(fit.slope, 2.0);
  EXPECT_DOUBLE_EQ(fit.intercept, 12.0 - 2.0 * 2020.0);

  const std::vector<double> one_x{2020}, one_y{1.0};
  EXPECT_TRUE(std::isnan(theil_sen(one_x, one_y).slope));
  const std::vector<double> nan_y{kNaN, 3.0};
  EXPECT_TRUE(std::isnan(theil_sen(std::vector<double>{1, 2}, nan_y).slope));
  EXPECT_THROW(theil_sen(std::vector<double>{1, 2, 3}, std::vector<double>{1, 2}), std::invalid_argument);
}

TEST(MannKendall, HandWorkedThreeValues) {
  // S = 3 (three rising pairs); var = 3 * 2 * 11 / 18; z = (3 - 1) / sqrt(var).
  const MannKendall test = mann_kendall(std::vector<double>{1.0, 2.0, 3.0});
  EXPECT_EQ(test.n, 3);
  EXPECT_DOUBLE_EQ(test.s, 3.0);
  EXPECT_DOUBLE_EQ(test.variance, 66.0 / 18.0);
  EXPECT_NEAR(test.z, 1.044465935734187, 1e-12);
  EXPECT_NEAR(test.p_value, 0.2962698714842864, 1e-12);
  EXPECT_FALSE(trend_significant(test));
}

TEST(MannKendall, MatchesScipyWithTiesAndGaps) {
  const MannKendall rising = mann_kendall(std::vector<double>{0.52, 0.55, 0.54, 0.58, 0.61, 0.60, 0.63});
  EXPECT_DOUBLE_EQ(rising.s, 17.0);
  EXPECT_NEAR(rising.variance, 44.333333333333333, 1e-9);
  EXPECT_NEAR(rising.p_value, 0.016260936780450302, 1e-12);
  EXPECT_TRUE(trend_significant(rising));
  EXPECT_FALSE(trend_significant(rising, 0.01));

  // Two tie groups (5 5 and 7 7 7) lower the variance from 65.33 to 60.67.
  const MannKendall tied = mann_kendall(std::vector<double>{3.0, 5.0, 5.0, 4.0, 7.0, 7.0, 7.0, 9.0});
  EXPECT_DOUBLE_EQ(tied.s, 20.0);
  EXPECT_NEAR(tied.variance, 60.666666666666667, 1e-9);
  EXPECT_NEAR(tied.p_value, 0.014712699585038774, 1e-12);

  const MannKendall falling = mann_kendall(std::vector<double>{0.70, 0.68, kNaN, 0.61, 0.62, 0.55});
  EXPECT_EQ(falling.n, 5);
  EXPECT_DOUBLE_EQ(falling.s, -8.0);
  EXPECT_NEAR(falling.variance, 16.666666666666667, 1e-9);
  EXPECT_NEAR(falling.z, -1.7146428199482247, 1e-12);
  EXPECT_NEAR(falling.p_value, 0.08641073297370007, 1e-12);
}

TEST(MannKendall, NoTestBelowThreeValuesOrWithoutChange) {
  const MannKendall short_series = mann_kendall(std::vector<double>{1.0, kNaN, 2.0});
  EXPECT_EQ(short_series.n, 2);
  EXPECT_DOUBLE_EQ(short_series.p_value, 1.0);
  EXPECT_FALSE(trend_significant(short_series, 0.99));

  const MannKendall flat = mann_kendall(std::vector<double>{4.0, 4.0, 4.0, 4.0});
  EXPECT_DOUBLE_EQ(flat.s, 0.0);
  EXPECT_DOUBLE_EQ(flat.z, 0.0);
  EXPECT_DOUBLE_EQ(flat.p_value, 1.0);
}

TEST(DeltaClass, FollowsHj192Bounds) {
  EXPECT_EQ(delta_class(0.0), ChangeClass::stable);
  EXPECT_EQ(delta_class(1.0), ChangeClass::stable);  // |Δ| <= 1
  EXPECT_EQ(delta_class(-1.0), ChangeClass::stable);
  EXPECT_EQ(delta_class(1.01), ChangeClass::slightly_better);
  EXPECT_EQ(delta_class(-3.0), ChangeClass::slightly_worse);  // 1 < |Δ| <= 3
  EXPECT_EQ(delta_class(3.5), ChangeClass::significantly_better);
  EXPECT_EQ(delta_class(-8.2), ChangeClass::significantly_worse);
  EXPECT_EQ(delta_class(kNaN), ChangeClass::not_assessed);
  EXPECT_EQ(delta_class(-4.0, 2.0, 5.0), ChangeClass::slightly_worse);
  EXPECT_EQ(delta_class(0.5, 0.0, 0.0), ChangeClass::significantly_better);
  EXPECT_THROW(delta_class(1.0, 3.0, 1.0), std::invalid_argument);
  EXPECT_THROW(delta_class(1.0, -1.0, 1.0), std::invalid_argument);
}

TEST(DeltaClass, NamesRoundTrip) {
  for (const auto& entry : kChangeClassNames.entries()) {
    EXPECT_EQ(kChangeClassNames.parse(entry.name), entry.value);
    EXPECT_FALSE(entry.chinese.empty());
  }
  EXPECT_EQ(chinese_name(ChangeClass::significantly_worse), "明显变差");
  EXPECT_EQ(to_string(ChangeClass::slightly_better), "slightly_better");
}

}  // namespace
}  // namespace zw::kernels
