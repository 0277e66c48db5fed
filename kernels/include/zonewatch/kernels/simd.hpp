#pragma once
// Which vector instructions the kernels' hottest loops use. Users build for the x86-64
// baseline (SSE2, four floats at a time); the smoothing, change-magnitude, composite-median,
// zonal-sum and integer-to-reflectance loops also have an AVX2 version (eight), picked at run
// time where the CPU has AVX2, as OpenCV's dispatch does. Both versions give the same bits:
// AVX2 without FMA (a fused multiply-add rounds once where the baseline rounds twice) and no
// rounded sum reordered (the zonal lanes add integers on a binary grid, exactly, in any
// order). Limiting the level is for tests (the versions compared) and for measuring what
// AVX2 gains.
namespace zw::kernels {

enum class SimdLevel { baseline, avx2 };

/// The best level this CPU and this build support.
[[nodiscard]] SimdLevel best_simd_level();

/// The level the kernels use now: best_simd_level() unless limited.
[[nodiscard]] SimdLevel simd_level();

/// From now on the kernels use at most `level` (never more than best_simd_level()), in every
/// thread. Not meant to be called while kernels run.
void limit_simd_level(SimdLevel level);

}  // namespace zw::kernels
