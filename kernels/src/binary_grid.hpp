#pragma once
// Order-independent sums (zonal accumulators): each summand is rounded to a multiple of
// 1/scale with scale = 2^k; a double holds every such multiple exactly up to 2^(53-k), so the
// sums are exact and do not depend on the order in which tiles are accumulated and merged.
#include <cmath>

namespace zw::kernels {

/// std::nearbyint in the default rounding mode (to nearest, ties to even), bit for bit, but
/// inline: on the SSE2 baseline users build for, GCC calls libm for nearbyint, and these run
/// for every pixel of every unit. Adding and subtracting 1.5 x 2^52 rounds |x| < 2^51 to an
/// integer in the FPU's own mode; copysign restores nearbyint's sign of zero.
inline double round_to_integer(double x) {
  constexpr double kLimit = 2251799813685248.0;            // 2^51
  constexpr double kShift = 6755399441055744.0;            // 1.5 x 2^52
  if (!(std::fabs(x) < kLimit)) return std::nearbyint(x);  // already integral, inf or NaN
  return std::copysign((x + kShift) - kShift, x);
}

inline double round_to_binary_grid(double value, double scale) { return round_to_integer(value * scale) / scale; }

}  // namespace zw::kernels
