#include "zonewatch/kernels/simd.hpp"

#include <atomic>

#include "simd_dispatch.hpp"

namespace zw::kernels {
namespace {

SimdLevel detect_best_level() {
#if ZW_HAS_AVX2_VERSION
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return SimdLevel::avx2;
#endif
  return SimdLevel::baseline;
}

std::atomic<SimdLevel>& current_level() {
  static std::atomic<SimdLevel> level{best_simd_level()};
  return level;
}

}  // namespace

SimdLevel best_simd_level() {
  static const SimdLevel best = detect_best_level();
  return best;
}

SimdLevel simd_level() { return current_level().load(std::memory_order_relaxed); }

void limit_simd_level(SimdLevel level) {
  current_level().store(level < best_simd_level() ? level : best_simd_level(), std::memory_order_relaxed);
}

}  // namespace zw::kernels
