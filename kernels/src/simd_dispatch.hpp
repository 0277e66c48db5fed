#pragma once
// How a kernel carries an AVX2 version of its loops (kernels/simd.hpp): the loops are written
// once, in a function marked ZW_ALWAYS_INLINE (lambdas inside it too), and instantiated twice,
// in a ZW_TARGET_AVX2 function and in a plain one; use_avx2() picks between them. Compiling
// one function for AVX2 (GCC and Clang's target attribute) rather than a whole file with
// -mavx2 keeps AVX2 code out of the inline functions the linker shares with baseline code.
#include "zonewatch/kernels/simd.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ZW_HAS_AVX2_VERSION 1
#define ZW_TARGET_AVX2 __attribute__((target("avx2")))
#else
#define ZW_HAS_AVX2_VERSION 0
#define ZW_TARGET_AVX2
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ZW_ALWAYS_INLINE __attribute__((always_inline))
#else
#define ZW_ALWAYS_INLINE
#endif

namespace zw::kernels {

inline bool use_avx2() { return ZW_HAS_AVX2_VERSION != 0 && simd_level() == SimdLevel::avx2; }

}  // namespace zw::kernels
