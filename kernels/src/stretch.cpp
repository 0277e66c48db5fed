#include "zonewatch/kernels/stretch.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include "zonewatch/kernels/order_statistics.hpp"

namespace zw::kernels {

std::uint8_t DisplayRange::to_byte(float value) const {
  const double t = (static_cast<double>(value) - low) / (static_cast<double>(high) - low);
  return static_cast<std::uint8_t>(std::lround(255.0 * std::clamp(t, 0.0, 1.0)));
}

DisplayRange percentile_range(std::span<const float> values, double low_fraction, double high_fraction) {
  if (values.empty()) return {};
  const auto rank = [&](double fraction) {
    return static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1));
  };
  const std::vector<float> bounds = order_statistics(values, std::array{rank(low_fraction), rank(high_fraction)});
  const float low = bounds[0], high = bounds[1];
  return {low, high > low ? high : low + 1e-6f};
}

}  // namespace zw::kernels
