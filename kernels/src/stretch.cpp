#include "zonewatch/kernels/stretch.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace zw::kernels {

std::uint8_t DisplayRange::to_byte(float value) const {
  const double t = (static_cast<double>(value) - low) / (static_cast<double>(high) - low);
  return static_cast<std::uint8_t>(std::lround(255.0 * std::clamp(t, 0.0, 1.0)));
}

DisplayRange percentile_range(std::vector<float>& values, double low_fraction, double high_fraction) {
  if (values.empty()) return {};
  const auto rank = [&](double fraction) {
    return static_cast<std::ptrdiff_t>(fraction * static_cast<double>(values.size() - 1));
  };
  const auto lo = rank(low_fraction);
  const auto hi = rank(high_fraction);
  std::nth_element(values.begin(), values.begin() + lo, values.end());
  const float low = values[static_cast<std::size_t>(lo)];
  std::nth_element(values.begin(), values.begin() + hi, values.end());
  const float high = values[static_cast<std::size_t>(hi)];
  return {low, high > low ? high : low + 1e-6f};
}

}  // namespace zw::kernels
