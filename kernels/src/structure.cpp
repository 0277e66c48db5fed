#include "zonewatch/kernels/structure.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <vector>

namespace zw::kernels {

namespace {

/// One row of a date as the gradient reads it: values with NaN and the view's outside as 0,
/// and 1 / 0 for valid / missing, with one missing pixel of padding on each side.
void clean_row(ConstTileView<float> v, int y, float* value, float* valid) {
  const int w = v.width;
  value[0] = value[w + 1] = 0.0f;
  valid[0] = valid[w + 1] = 0.0f;
  if (y < 0 || y >= v.height) {
    std::fill_n(value + 1, w, 0.0f);
    std::fill_n(valid + 1, w, 0.0f);
    return;
  }
  const float* src = v.row(y);
#pragma omp simd
  for (int x = 0; x < w; ++x) {
    const bool present = !std::isnan(src[x]);
    value[x + 1] = present ? src[x] : 0.0f;
    valid[x + 1] = present ? 1.0f : 0.0f;
  }
}

/// Sobel gradient of row y (gx, gy of width w) from the date's clean rows y - 1, y, y + 1 (each
/// w + 2 wide); (0, 0) where the 3x3 neighbourhood holds a missing pixel. Arithmetic only (the
/// missing pixels are 0 and the mask a product), so the loops vectorise.
void sobel_row(const float* const value[3], const float* const valid[3], int w, float* vertical, float* difference,
               float* count, float* gx, float* gy) {
#pragma omp simd
  for (int x = 0; x < w + 2; ++x) {
    vertical[x] = value[0][x] + 2.0f * value[1][x] + value[2][x];
    difference[x] = value[2][x] - value[0][x];
    count[x] = valid[0][x] + valid[1][x] + valid[2][x];
  }
#pragma omp simd
  for (int x = 0; x < w; ++x) {
    // 1 when all nine are present, else 0 (the count is a whole number from 0 to 9).
    const float all_present = std::max(count[x] + count[x + 1] + count[x + 2] - 8.0f, 0.0f);
    gx[x] = (vertical[x + 2] - vertical[x]) * all_present;
    gy[x] = (difference[x] + 2.0f * difference[x + 1] + difference[x + 2]) * all_present;
  }
}

/// out[x] = in[x] + ... + in[x + 2r]: the window sum of the padded row in[-r .. w + r), left to right.
void window_sums(const float* padded, int w, int radius, float* out) {
  std::copy_n(padded, w, out);
  for (int k = 1; k <= 2 * radius; ++k) {
    const float* shifted = padded + k;
#pragma omp simd
    for (int x = 0; x < w; ++x) out[x] += shifted[x];
  }
}

}  // namespace

void gradient_correlation(ConstTileView<float> before, ConstTileView<float> after, int radius, TileView<float> out) {
  if (before.width != out.width || before.height != out.height || after.width != out.width ||
      after.height != out.height) {
    throw std::invalid_argument("gradient_correlation: before, after and out differ in size");
  }
  if (radius < 0) throw std::invalid_argument("gradient_correlation: negative radius");
  const int w = out.width, h = out.height;
  if (w <= 0 || h <= 0) return;
  const auto width = static_cast<std::size_t>(w);
  const auto padded_width = width + 2;
  // Three clean rows per date, rolling: rows y - 1, y, y + 1.
  std::vector<float> rows(2 * 3 * 2 * padded_width);
  auto value_row = [&](int date, int slot) { return rows.data() + ((date * 3 + slot) * 2) * padded_width; };
  auto valid_row = [&](int date, int slot) { return rows.data() + ((date * 3 + slot) * 2 + 1) * padded_width; };
  std::vector<float> vertical(padded_width), difference(padded_width), count(padded_width);
  std::vector<float> gx_before(width), gy_before(width), gx_after(width), gy_after(width);
  // The three products with radius zeros on each side, and their window sums along the row
  // for the last 2 radius + 1 rows (a ring: row y's sums in slot y mod the window's height).
  const auto product_width = width + 2 * static_cast<std::size_t>(radius);
  std::vector<float> cross_row(product_width, 0.0f), before_row(product_width, 0.0f), after_row(product_width, 0.0f);
  const int window = 2 * radius + 1;
  const auto ring = width * static_cast<std::size_t>(window);
  std::vector<float> cross(ring), energy_before(ring), energy_after(ring);
  std::vector<float> sum_cross(width), sum_before(width), sum_after(width);

  const std::array<ConstTileView<float>, 2> dates{before, after};
  for (int date = 0; date < 2; ++date) {
    clean_row(dates[date], -1, value_row(date, 0), valid_row(date, 0));
    clean_row(dates[date], 0, value_row(date, 1), valid_row(date, 1));
  }
  // Row y's sums are ready once row y + radius's products are: the loop runs radius rows ahead.
  for (int y = 0; y < h + radius; ++y) {
    if (y < h) {
      for (int date = 0; date < 2; ++date) {
        const int up = y % 3, mid = (y + 1) % 3, down = (y + 2) % 3;
        clean_row(dates[date], y + 1, value_row(date, down), valid_row(date, down));
        const float* const values[3] = {value_row(date, up), value_row(date, mid), value_row(date, down)};
        const float* const valids[3] = {valid_row(date, up), valid_row(date, mid), valid_row(date, down)};
        sobel_row(values, valids, w, vertical.data(), difference.data(), count.data(),
                  date == 0 ? gx_before.data() : gx_after.data(), date == 0 ? gy_before.data() : gy_after.data());
      }
      float* c = cross_row.data() + radius;
      float* eb = before_row.data() + radius;
      float* ea = after_row.data() + radius;
#pragma omp simd
      for (int x = 0; x < w; ++x) {
        c[x] = gx_before[x] * gx_after[x] + gy_before[x] * gy_after[x];
        eb[x] = gx_before[x] * gx_before[x] + gy_before[x] * gy_before[x];
        ea[x] = gx_after[x] * gx_after[x] + gy_after[x] * gy_after[x];
      }
      const std::size_t slot = static_cast<std::size_t>(y % window) * width;
      window_sums(cross_row.data(), w, radius, cross.data() + slot);
      window_sums(before_row.data(), w, radius, energy_before.data() + slot);
      window_sums(after_row.data(), w, radius, energy_after.data() + slot);
    }
    const int row = y - radius;
    if (row < 0) continue;
    // Rows row - r .. row + r inside the view, top to bottom: the same order in every tiling.
    const int first = std::max(row - radius, 0), last = std::min(row + radius, h - 1);
    std::fill(sum_cross.begin(), sum_cross.end(), 0.0f);
    std::fill(sum_before.begin(), sum_before.end(), 0.0f);
    std::fill(sum_after.begin(), sum_after.end(), 0.0f);
    for (int yy = first; yy <= last; ++yy) {
      const std::size_t slot = static_cast<std::size_t>(yy % window) * width;
      const float* c = cross.data() + slot;
      const float* eb = energy_before.data() + slot;
      const float* ea = energy_after.data() + slot;
#pragma omp simd
      for (int x = 0; x < w; ++x) {
        sum_cross[x] += c[x];
        sum_before[x] += eb[x];
        sum_after[x] += ea[x];
      }
    }
    const float* b = before.row(row);
    const float* a = after.row(row);
    float* dst = out.row(row);
#pragma omp simd
    for (int x = 0; x < w; ++x) {
      // Where either date has no edge in the window its energy and the cross sum are both 0:
      // 0 / sqrt(the smallest normal float) is 0. The clamp keeps an underflowing product in range.
      const float energy = std::max(sum_before[x] * sum_after[x], std::numeric_limits<float>::min());
      const float correlation = std::clamp(sum_cross[x] / std::sqrt(energy), -1.0f, 1.0f);
      // x - x is 0 for a value and NaN for NaN: nodata in either date makes the result NaN.
      dst[x] = (b[x] - b[x]) + (a[x] - a[x]) + correlation;
    }
  }
}

void gate_preserved_structure(ConstTileView<float> correlation, float max_correlation, float strong,
                              TileView<float> magnitude) {
  if (correlation.width != magnitude.width || correlation.height != magnitude.height) {
    throw std::invalid_argument("gate_preserved_structure: correlation and magnitude differ in size");
  }
  for (int y = 0; y < magnitude.height; ++y) {
    const float* c = correlation.row(y);
    float* m = magnitude.row(y);
    for (int x = 0; x < magnitude.width; ++x) m[x] = gate_by_structure(m[x], c[x], max_correlation, strong);
  }
}

}  // namespace zw::kernels
