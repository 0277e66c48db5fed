#include "zonewatch/kernels/shift_tolerant.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "zonewatch/kernels/difference.hpp"

namespace zw::kernels {

int shift_tolerant_halo(int radius) {
  if (radius < 0) throw std::invalid_argument("shift_tolerant_halo: radius must not be negative");
  return radius;
}

namespace {

/// Row-wise minimum over shifts of the squared magnitude of (fixed(p) - moving(p + s)),
/// z-scored with `sign` applied to the difference (+1: after - before with `fixed` = after).
/// `best` holds the running minimum of squared sums per pixel (infinity: none yet).
void min_over_shifts(std::span<const ConstTileView<float>> fixed, std::span<const ConstTileView<float>> moving,
                     std::span<const float> offsets, std::span<const float> weights, float sign, int radius,
                     TileView<float> best) {
  const int width = best.width, height = best.height;
  const std::size_t bands = fixed.size();
  std::vector<float> sum(static_cast<std::size_t>(width));
  std::vector<unsigned char> valid(static_cast<std::size_t>(width));
  for (int y = 0; y < height; ++y) {
    float* best_row = best.row(y);
    for (int dy = -radius; dy <= radius; ++dy) {
      const int sy = y + dy;
      if (sy < 0 || sy >= height) continue;
      for (int dx = -radius; dx <= radius; ++dx) {
        const int x_begin = std::max(0, -dx), x_end = std::min(width, width - dx);
        if (x_begin >= x_end) continue;
        std::fill(sum.begin(), sum.end(), 0.0f);
        for (std::size_t b = 0; b < bands; ++b) {
          const float* f = fixed[b].row(y);
          const float* m = moving[b].row(sy);
          const float offset = offsets[b], weight = weights[b];
          for (int x = x_begin; x < x_end; ++x) {
            // The same float expression as change_vector_magnitude for the unshifted pair.
            const float difference = sign > 0.0f ? f[x] - m[x + dx] : m[x + dx] - f[x];
            const float z = zscored_change(difference, offset, weight);
            sum[static_cast<std::size_t>(x)] += z * z;
          }
        }
        for (int x = x_begin; x < x_end; ++x) {
          const float s = sum[static_cast<std::size_t>(x)];
          if (!std::isnan(s) && s < best_row[x]) best_row[x] = s;
        }
      }
    }
  }
}

}  // namespace

void shift_tolerant_magnitude(std::span<const ConstTileView<float>> before, std::span<const ConstTileView<float>> after,
                              std::span<const float> offsets, std::span<const float> weights, int radius,
                              bool symmetric, TileView<float> out) {
  const std::size_t band_count = before.size();
  if (after.size() != band_count || offsets.size() != band_count || weights.size() != band_count) {
    throw std::invalid_argument("shift_tolerant_magnitude: before, after, offsets and weights differ in length");
  }
  if (radius < 0) throw std::invalid_argument("shift_tolerant_magnitude: radius must not be negative");
  for (std::size_t band = 0; band < band_count; ++band) {
    if (before[band].width != out.width || before[band].height != out.height || after[band].width != out.width ||
        after[band].height != out.height) {
      throw std::invalid_argument("shift_tolerant_magnitude: band " + std::to_string(band) +
                                  " differs in size from the output tile");
    }
  }
  const int width = out.width, height = out.height;
  if (width == 0 || height == 0) return;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (int y = 0; y < height; ++y) std::fill_n(out.row(y), width, kInf);
  min_over_shifts(after, before, offsets, weights, 1.0f, radius, out);
  Tile<float> reverse;
  if (symmetric && radius > 0) {
    reverse = Tile<float>(width, height, kUninitialized);
    for (int y = 0; y < height; ++y) std::fill_n(reverse.view().row(y), width, kInf);
    min_over_shifts(before, after, offsets, weights, -1.0f, radius, reverse.view());
  }
  for (int y = 0; y < height; ++y) {
    float* dst = out.row(y);
    const float* rev = reverse.values().empty() ? nullptr : reverse.view().row(y);
    for (int x = 0; x < width; ++x) {
      bool own_valid = band_count > 0;
      for (std::size_t b = 0; b < band_count && own_valid; ++b) {
        own_valid = !std::isnan(before[b].row(y)[x]) && !std::isnan(after[b].row(y)[x]);
      }
      if (!own_valid) {
        dst[x] = kNaN;
        continue;
      }
      float v = dst[x];
      if (rev != nullptr) v = std::max(v, rev[x]);
      dst[x] = std::sqrt(v);
    }
  }
}

}  // namespace zw::kernels
