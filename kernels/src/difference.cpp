#include "zonewatch/kernels/difference.hpp"

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "simd_dispatch.hpp"

namespace zw::kernels {
namespace {

template <class A, class B>
bool same_size(const TileView<A>& a, const TileView<B>& b) {
  return a.width == b.width && a.height == b.height;
}

/// Written once for both instruction sets (simd_dispatch.hpp).
ZW_ALWAYS_INLINE inline void change_vector_magnitude_loops(std::span<const ConstTileView<float>> before,
                                                           std::span<const ConstTileView<float>> after,
                                                           std::span<const float> offsets,
                                                           std::span<const float> weights, TileView<float> out) {
  const std::size_t band_count = before.size();
  const float empty_sum = band_count == 0 ? kNaN : 0.0f;
  for (int y = 0; y < out.height; ++y) {
    // `out` holds the running sum of squares, so the loop needs no scratch buffer.
    float* sum_of_squares = out.row(y);
    for (int x = 0; x < out.width; ++x) sum_of_squares[x] = empty_sum;
    for (std::size_t band = 0; band < band_count; ++band) {
      const float* before_row = before[band].row(y);
      const float* after_row = after[band].row(y);
      const float offset = offsets[band];
      const float weight = weights[band];
#pragma omp simd
      for (int x = 0; x < out.width; ++x) {
        const float change = zscored_change(after_row[x] - before_row[x], offset, weight);
        sum_of_squares[x] += change * change;
      }
    }
#pragma omp simd
    for (int x = 0; x < out.width; ++x) sum_of_squares[x] = std::sqrt(sum_of_squares[x]);
  }
}

ZW_TARGET_AVX2 void change_vector_magnitude_avx2(std::span<const ConstTileView<float>> before,
                                                 std::span<const ConstTileView<float>> after,
                                                 std::span<const float> offsets, std::span<const float> weights,
                                                 TileView<float> out) {
  change_vector_magnitude_loops(before, after, offsets, weights, out);
}

void change_vector_magnitude_baseline(std::span<const ConstTileView<float>> before,
                                      std::span<const ConstTileView<float>> after, std::span<const float> offsets,
                                      std::span<const float> weights, TileView<float> out) {
  change_vector_magnitude_loops(before, after, offsets, weights, out);
}

}  // namespace

void difference(ConstTileView<float> before, ConstTileView<float> after, TileView<float> out) {
  if (!same_size(before, out) || !same_size(after, out)) {
    throw std::invalid_argument("difference: before, after and out differ in size");
  }
  for (int y = 0; y < out.height; ++y) {
    const float* before_row = before.row(y);
    const float* after_row = after.row(y);
    float* out_row = out.row(y);
#pragma omp simd
    for (int x = 0; x < out.width; ++x) out_row[x] = after_row[x] - before_row[x];
  }
}

void change_vector_magnitude(std::span<const ConstTileView<float>> before, std::span<const ConstTileView<float>> after,
                             std::span<const float> offsets, std::span<const float> weights, TileView<float> out) {
  const std::size_t band_count = before.size();
  if (after.size() != band_count || offsets.size() != band_count || weights.size() != band_count) {
    throw std::invalid_argument(
        "change_vector_magnitude: before, after, offsets and weights "
        "differ in length");
  }
  for (std::size_t band = 0; band < band_count; ++band) {
    if (!same_size(before[band], out) || !same_size(after[band], out)) {
      throw std::invalid_argument("change_vector_magnitude: band " + std::to_string(band) +
                                  " differs in size from the output tile");
    }
  }
  if (use_avx2()) {
    change_vector_magnitude_avx2(before, after, offsets, weights, out);
  } else {
    change_vector_magnitude_baseline(before, after, offsets, weights, out);
  }
}

}  // namespace zw::kernels
