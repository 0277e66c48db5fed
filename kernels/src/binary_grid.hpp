#pragma once
// Order-independent sums (zonal accumulators): each summand is rounded to a multiple of
// 1/scale with scale = 2^k; a double holds every such multiple exactly up to 2^(53-k), so the
// sums are exact and do not depend on the order in which tiles are accumulated and merged.
#include <cmath>

namespace zw::kernels {

inline double round_to_binary_grid(double value, double scale) { return std::nearbyint(value * scale) / scale; }

}  // namespace zw::kernels
