#include "zonewatch/kernels/multiscale.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "simd_dispatch.hpp"

namespace zw::kernels {

namespace {

void require_same_size(ConstTileView<float> a, TileView<float> b, const char* message) {
  if (a.width != b.width || a.height != b.height) throw std::invalid_argument(message);
}

}  // namespace

int gaussian_radius(float sigma) {
  if (!std::isfinite(sigma) || sigma < 0.0f) {
    throw std::invalid_argument("gaussian_radius: sigma must be finite and not negative");
  }
  return static_cast<int>(std::ceil(3.0f * sigma));
}

int multiscale_halo(std::span<const float> sigmas) {
  int halo = 0;
  for (const float s : sigmas) halo = std::max(halo, gaussian_radius(s));
  return halo;
}

PixelSigmas sigmas_in_pixels(std::span<const float> sigmas_m, double pixel_size_m, float max_pixels) {
  if (!std::isfinite(pixel_size_m) || !(pixel_size_m > 0.0)) {
    throw std::invalid_argument("sigmas_in_pixels: the pixel size must be positive and finite");
  }
  PixelSigmas out;
  for (const float sigma_m : sigmas_m) {
    if (!std::isfinite(sigma_m) || sigma_m < 0.0f) {
      throw std::invalid_argument("sigmas_in_pixels: a sigma must be finite and not negative");
    }
    const double pixels = static_cast<double>(sigma_m) / pixel_size_m;
    out.capped = out.capped || pixels > static_cast<double>(max_pixels);
    out.sigmas.push_back(static_cast<float>(std::min(pixels, static_cast<double>(max_pixels))));
  }
  return out;
}

std::vector<float> gaussian_weights(float sigma) {
  const int radius = gaussian_radius(sigma);
  std::vector<float> weights(static_cast<std::size_t>(2 * radius + 1), 1.0f);
  if (radius == 0) return weights;
  double total = 0.0;
  std::vector<double> exact(weights.size());
  for (int d = -radius; d <= radius; ++d) {
    exact[static_cast<std::size_t>(d + radius)] = std::exp(-0.5 * d * d / (static_cast<double>(sigma) * sigma));
    total += exact[static_cast<std::size_t>(d + radius)];
  }
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<float>(exact[i] / total);
  return weights;
}

namespace {

/// Normalised-convolution Gaussian smoothing, streamed: `emit(y, row)` receives each output
/// row in order (NaN where the input is NaN) and may consume it in place. Only the 2r + 1
/// rows of row sums the column pass reads are kept (a ring), so the working set stays in
/// cache and no tile-sized buffer is allocated (fresh memory costs its pages' zeroing).
///
/// Every output pixel sums its neighbours in the same order whatever the view, so a core with
/// enough halo gets bit-identical values in any tiling. Taps outer, pixels inner (so the
/// compiler vectorises it): each pixel still adds its taps in ascending order, and a NaN
/// neighbour adds k * 0 to both sums, which leaves them as a skipped neighbour would (they
/// start at +0), so results are bit-identical to a per-pixel loop.
///
/// Written once for both instruction sets (simd_dispatch.hpp): always inlined, lambdas too.
template <class Emit>
ZW_ALWAYS_INLINE inline void stream_smooth_gaussian(ConstTileView<float> in, float sigma, Emit&& emit) {
  const int width = in.width, height = in.height;
  const int radius = gaussian_radius(sigma);
  const std::vector<float> w = gaussian_weights(sigma);
  const auto width_size = static_cast<std::size_t>(width);
  auto add_taps = [&](const float* source, float* sums) ZW_ALWAYS_INLINE {
    for (int d = -radius; d <= radius; ++d) {
      const float k = w[static_cast<std::size_t>(d + radius)];
      const int x_begin = std::max(0, -d), x_end = std::min(width, width - d);
      for (int x = x_begin; x < x_end; ++x) sums[x] += k * source[x + d];
    }
  };
  // The weight sums of a row without missing pixels are the same for every such row (k * 1
  // over the taps inside the tile): summed once, in the same order, and shared. Only rows
  // with a missing pixel (clouds, scene edges) get weight sums of their own.
  std::vector<float> clean_row_weights(width_size, 0.0f);
  add_taps(std::vector<float>(width_size, 1.0f).data(), clean_row_weights.data());
  const int ring = 2 * radius + 1;
  std::vector<float> ring_values(static_cast<std::size_t>(ring) * width_size);
  std::vector<float> ring_weights(static_cast<std::size_t>(ring) * width_size);
  std::vector<char> ring_clean(static_cast<std::size_t>(ring), 1);
  auto slot = [&](int row) ZW_ALWAYS_INLINE { return static_cast<std::size_t>(row % ring); };
  std::vector<float> present(width_size), valid(width_size);
  auto row_pass = [&](int y) ZW_ALWAYS_INLINE {
    const float* src = in.row(y);
    float* values = ring_values.data() + slot(y) * width_size;
    std::fill_n(values, width, 0.0f);
    int missing = 0;  // an int reduction, so that the scan vectorises
#pragma omp simd reduction(| : missing)
    for (int x = 0; x < width; ++x) missing |= static_cast<int>(std::isnan(src[x]));
    ring_clean[slot(y)] = missing != 0 ? 0 : 1;
    if (missing == 0) {
      add_taps(src, values);
      return;
    }
    for (int x = 0; x < width; ++x) {
      const bool nan = std::isnan(src[x]);
      present[static_cast<std::size_t>(x)] = nan ? 0.0f : src[x];
      valid[static_cast<std::size_t>(x)] = nan ? 0.0f : 1.0f;
    }
    add_taps(present.data(), values);
    float* weights = ring_weights.data() + slot(y) * width_size;
    std::fill_n(weights, width, 0.0f);
    add_taps(valid.data(), weights);
  };
  auto row_weights = [&](int row) ZW_ALWAYS_INLINE {
    return ring_clean[slot(row)] != 0 ? clean_row_weights.data() : ring_weights.data() + slot(row) * width_size;
  };
  // Column pass over both sums; the ratio normalises by the valid weight. Where every row in
  // reach is clean the column weight depends only on which taps fall inside the tile, so it
  // is summed again only when that range changes or a row with missing pixels is in reach.
  std::vector<float> sum(width_size), weight(width_size);
  int clean_d_begin = 1, clean_d_end = 0;  // the tap range `weight` holds for clean rows; none yet
  int rows_done = 0;                       // rows whose row pass has run
  for (int y = 0; y < height; ++y) {
    const int d_begin = std::max(-radius, -y), d_end = std::min(radius, height - 1 - y);
    for (; rows_done <= y + d_end; ++rows_done) row_pass(rows_done);
    std::fill(sum.begin(), sum.end(), 0.0f);
    bool all_clean = true;
    for (int d = d_begin; d <= d_end; ++d) all_clean = all_clean && ring_clean[slot(y + d)] != 0;
    const bool sum_weights = !all_clean || d_begin != clean_d_begin || d_end != clean_d_end;
    if (sum_weights) std::fill(weight.begin(), weight.end(), 0.0f);
    for (int d = d_begin; d <= d_end; ++d) {
      const float k = w[static_cast<std::size_t>(d + radius)];
      const float* values = ring_values.data() + slot(y + d) * width_size;
      for (int x = 0; x < width; ++x) sum[static_cast<std::size_t>(x)] += k * values[x];
      if (sum_weights) {
        const float* weights = row_weights(y + d);
        for (int x = 0; x < width; ++x) weight[static_cast<std::size_t>(x)] += k * weights[x];
      }
    }
    clean_d_begin = all_clean ? d_begin : 1;
    clean_d_end = all_clean ? d_end : 0;
    const float* src = in.row(y);
    float* ratio = sum.data();
    const float* total_weight = weight.data();
    // Divided everywhere, then NaN kept where the input is NaN (a valid pixel's own tap makes
    // its weight positive; elsewhere the quotient is discarded). The choice is a bit mask, not
    // a conditional: GCC left the conditional form a scalar loop with a branch and a scalar
    // division per pixel (a third of this kernel's time in the scan's profile).
    constexpr auto nan_bits = std::bit_cast<std::uint32_t>(kNaN);
    for (int x = 0; x < width; ++x) {
      const float quotient = ratio[x] / total_weight[x];
      const float value = src[x];
      const std::uint32_t keep = 0u - static_cast<std::uint32_t>(value == value);  // all ones unless NaN
      ratio[x] = std::bit_cast<float>((std::bit_cast<std::uint32_t>(quotient) & keep) | (nan_bits & ~keep));
    }
    emit(y, sum.data());
  }
}

ZW_ALWAYS_INLINE inline void smooth_gaussian_loops(ConstTileView<float> in, float sigma, TileView<float> out) {
  stream_smooth_gaussian(in, sigma,
                         [&](int y, const float* row) ZW_ALWAYS_INLINE { std::copy_n(row, in.width, out.row(y)); });
}

ZW_ALWAYS_INLINE inline void multiscale_loops(ConstTileView<float> magnitude, std::span<const float> sigmas,
                                              TileView<float> out) {
  const int width = magnitude.width, height = magnitude.height;
  // out = (((0 + s_0) + s_1) + ...) * (1 / n), one rounding per operation in this order
  // whatever the loop structure: the first scale initialises, the last one scales as it adds,
  // each smoothed row as it comes out of the smoothing (no smoothed copy of the tile).
  const float scale = 1.0f / static_cast<float>(sigmas.size());
  for (std::size_t i = 0; i < sigmas.size(); ++i) {
    const bool first = i == 0, last = i + 1 == sigmas.size();
    auto fold = [&](int y, const float* s) ZW_ALWAYS_INLINE {
      float* dst = out.row(y);
      if (first && last) {
        for (int x = 0; x < width; ++x) dst[x] = (0.0f + s[x]) * scale;
      } else if (first) {
        for (int x = 0; x < width; ++x) dst[x] = 0.0f + s[x];
      } else if (last) {
        for (int x = 0; x < width; ++x) dst[x] = (dst[x] + s[x]) * scale;
      } else {
        for (int x = 0; x < width; ++x) dst[x] += s[x];
      }
    };
    if (gaussian_radius(sigmas[i]) == 0) {
      for (int y = 0; y < height; ++y) fold(y, magnitude.row(y));  // sigma 0: the magnitude itself
    } else {
      stream_smooth_gaussian(magnitude, sigmas[i], fold);
    }
  }
}

ZW_TARGET_AVX2 void smooth_gaussian_avx2(ConstTileView<float> in, float sigma, TileView<float> out) {
  smooth_gaussian_loops(in, sigma, out);
}
void smooth_gaussian_baseline(ConstTileView<float> in, float sigma, TileView<float> out) {
  smooth_gaussian_loops(in, sigma, out);
}
ZW_TARGET_AVX2 void multiscale_avx2(ConstTileView<float> magnitude, std::span<const float> sigmas,
                                    TileView<float> out) {
  multiscale_loops(magnitude, sigmas, out);
}
void multiscale_baseline(ConstTileView<float> magnitude, std::span<const float> sigmas, TileView<float> out) {
  multiscale_loops(magnitude, sigmas, out);
}

}  // namespace

void smooth_gaussian(ConstTileView<float> in, float sigma, TileView<float> out) {
  require_same_size(in, out, "smooth_gaussian: input and output differ in size");
  if (in.empty()) return;
  if (gaussian_radius(sigma) == 0) {
    for (int y = 0; y < in.height; ++y) std::copy_n(in.row(y), in.width, out.row(y));
    return;
  }
  if (use_avx2()) {
    smooth_gaussian_avx2(in, sigma, out);
  } else {
    smooth_gaussian_baseline(in, sigma, out);
  }
}

void multiscale_magnitude(ConstTileView<float> magnitude, std::span<const float> sigmas, TileView<float> out) {
  require_same_size(magnitude, out, "multiscale_magnitude: input and output differ in size");
  if (magnitude.empty()) return;
  if (sigmas.empty()) {
    for (int y = 0; y < magnitude.height; ++y) std::copy_n(magnitude.row(y), magnitude.width, out.row(y));
    return;
  }
  for (const float sigma : sigmas) (void)gaussian_radius(sigma);  // refuses a negative or NaN sigma up front
  if (use_avx2()) {
    multiscale_avx2(magnitude, sigmas, out);
  } else {
    multiscale_baseline(magnitude, sigmas, out);
  }
}

}  // namespace zw::kernels
