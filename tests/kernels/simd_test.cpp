// The kernels' SIMD level: limited and restored, never above what the CPU has.
#include "zonewatch/kernels/simd.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

#include "kernels/at_simd_level.hpp"

namespace zw::kernels {
namespace {

TEST(SimdLevel, StartsAtTheBestAndIsLimitedAndRestored) {
  EXPECT_EQ(simd_level(), best_simd_level());
  at_simd_level(SimdLevel::baseline, [] { EXPECT_EQ(simd_level(), SimdLevel::baseline); });
  EXPECT_EQ(simd_level(), best_simd_level());
  // Asking for more than the CPU has gives what it has.
  limit_simd_level(SimdLevel::avx2);
  EXPECT_EQ(simd_level(), best_simd_level());
  EXPECT_THROW(at_simd_level(SimdLevel::baseline, [] { throw std::runtime_error("kernel failed"); }),
               std::runtime_error);
  EXPECT_EQ(simd_level(), best_simd_level());
}

}  // namespace
}  // namespace zw::kernels
