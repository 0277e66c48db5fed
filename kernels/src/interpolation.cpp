#include "zonewatch/kernels/interpolation.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace zw::kernels {

double great_circle_distance_m(double lon1_deg, double lat1_deg, double lon2_deg, double lat2_deg) {
  constexpr double kEarthRadiusM = 6371008.8;
  constexpr double kRadians = std::numbers::pi / 180.0;
  const double dlat = (lat2_deg - lat1_deg) * kRadians;
  const double dlon = (lon2_deg - lon1_deg) * kRadians;
  const double a = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(lat1_deg * kRadians) *
                                                                 std::cos(lat2_deg * kRadians) * std::sin(dlon / 2) *
                                                                 std::sin(dlon / 2);
  return 2.0 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(a)));
}

double idw_value(std::span<const double> distances_m, std::span<const double> values, double power,
                 double max_distance_m) {
  if (distances_m.size() != values.size())
    throw std::invalid_argument("idw_value: distances and values differ in size");
  if (!(power >= 0.0)) throw std::invalid_argument("idw_value: power must be >= 0");
  double weighted = 0.0, weights = 0.0;
  double at_point = 0.0;
  std::size_t at_point_count = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double d = distances_m[i];
    if (std::isnan(values[i]) || !(d <= max_distance_m)) continue;
    if (d == 0.0) {
      at_point += values[i];
      ++at_point_count;
      continue;
    }
    const double w = 1.0 / std::pow(d, power);
    weighted += w * values[i];
    weights += w;
  }
  if (at_point_count > 0) return at_point / static_cast<double>(at_point_count);
  if (weights == 0.0) return std::numeric_limits<double>::quiet_NaN();
  return weighted / weights;
}

std::size_t nearest_station(std::span<const double> distances_m, double max_distance_m) {
  std::size_t best = kNoStation;
  for (std::size_t i = 0; i < distances_m.size(); ++i) {
    if (!(distances_m[i] <= max_distance_m)) continue;
    if (best == kNoStation || distances_m[i] < distances_m[best]) best = i;
  }
  return best;
}

PeriodMean period_mean(std::span<const double> values, std::size_t period_steps) {
  PeriodMean result;
  result.steps = period_steps;
  double sum = 0.0;
  for (const double v : values) {
    if (std::isnan(v)) continue;
    sum += v;
    ++result.valid;
  }
  if (result.valid > 0) result.mean = sum / static_cast<double>(result.valid);
  if (period_steps > 0) result.valid_share = static_cast<double>(result.valid) / static_cast<double>(period_steps);
  return result;
}

}  // namespace zw::kernels
