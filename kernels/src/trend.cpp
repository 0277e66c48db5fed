#include "zonewatch/kernels/trend.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <vector>

namespace zw::kernels {
namespace {

/// Median of `values` (reordered); NaN when empty.
double median_of(std::vector<double>& values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  const std::size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle), values.end());
  const double upper = values[middle];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle));
  return 0.5 * (lower + upper);
}

int sign_of(double value) { return (value > 0.0) - (value < 0.0); }

}  // namespace

TheilSen theil_sen(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size()) throw std::invalid_argument("theil_sen: x and y differ in length");
  std::vector<double> xs, ys;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(y[i]) || std::isnan(x[i])) continue;
    xs.push_back(x[i]);
    ys.push_back(y[i]);
  }
  TheilSen result;
  result.n = static_cast<int>(xs.size());
  std::vector<double> slopes;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    for (std::size_t j = i + 1; j < xs.size(); ++j) {
      if (xs[j] != xs[i]) slopes.push_back((ys[j] - ys[i]) / (xs[j] - xs[i]));
    }
  }
  if (slopes.empty()) return result;
  result.slope = median_of(slopes);
  // Conover's intercept through the medians, as scipy.stats.theilslopes and most tools give it.
  result.intercept = median_of(ys) - result.slope * median_of(xs);
  return result;
}

MannKendall mann_kendall(std::span<const double> y) {
  std::vector<double> values;
  for (double v : y) {
    if (!std::isnan(v)) values.push_back(v);
  }
  MannKendall result;
  result.n = static_cast<int>(values.size());
  if (values.size() < 3) return result;
  long long s = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (std::size_t j = i + 1; j < values.size(); ++j) s += sign_of(values[j] - values[i]);
  }
  // Tie correction: each group of t equal values removes t(t-1)(2t+5) from n(n-1)(2n+5).
  std::sort(values.begin(), values.end());
  const auto n = static_cast<double>(values.size());
  double ties = 0.0;
  for (std::size_t start = 0; start < values.size();) {
    std::size_t end = start;
    while (end < values.size() && values[end] == values[start]) ++end;
    const auto t = static_cast<double>(end - start);
    ties += t * (t - 1.0) * (2.0 * t + 5.0);
    start = end;
  }
  result.s = static_cast<double>(s);
  result.variance = (n * (n - 1.0) * (2.0 * n + 5.0) - ties) / 18.0;
  if (s != 0 && result.variance > 0.0) {
    result.z = (result.s - sign_of(result.s)) / std::sqrt(result.variance);
  }
  result.p_value = std::erfc(std::fabs(result.z) / std::sqrt(2.0));
  return result;
}

ChangeClass delta_class(double delta_points, double stable_max, double slight_max) {
  if (!(stable_max >= 0.0 && stable_max <= slight_max)) {
    throw std::invalid_argument("delta_class: expected 0 <= stable_max <= slight_max");
  }
  if (std::isnan(delta_points)) return ChangeClass::not_assessed;
  const double size = std::fabs(delta_points);
  if (size <= stable_max) return ChangeClass::stable;
  if (size <= slight_max) return delta_points > 0 ? ChangeClass::slightly_better : ChangeClass::slightly_worse;
  return delta_points > 0 ? ChangeClass::significantly_better : ChangeClass::significantly_worse;
}

}  // namespace zw::kernels
