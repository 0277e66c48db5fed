#pragma once
// Runs a kernel at a given SIMD level (kernels/simd.hpp) and restores the level after, also
// when the kernel throws: tests compare a kernel's AVX2 and baseline versions bit for bit.
#include "zonewatch/kernels/simd.hpp"

namespace zw::kernels {

template <class Run>
void at_simd_level(SimdLevel level, Run&& run) {
  struct Restore {
    SimdLevel previous;
    ~Restore() { limit_simd_level(previous); }
  } restore{simd_level()};
  limit_simd_level(level);
  run();
}

}  // namespace zw::kernels
