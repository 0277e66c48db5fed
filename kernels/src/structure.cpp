#include "zonewatch/kernels/structure.hpp"

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <vector>

namespace zw::kernels {

namespace {

struct Gradient {
  float x = 0.0f;
  float y = 0.0f;
};

/// Sobel gradient at (x, y); no edge (0, 0) where the 3x3 neighbourhood leaves the view or
/// holds a NaN.
Gradient sobel(ConstTileView<float> v, int x, int y) {
  if (x < 1 || y < 1 || x + 1 >= v.width || y + 1 >= v.height) return {};
  const float* up = v.row(y - 1) + x;
  const float* mid = v.row(y) + x;
  const float* down = v.row(y + 1) + x;
  const float a = up[-1], b = up[0], c = up[1], d = mid[-1], e = mid[0], f = mid[1], g = down[-1], h = down[0],
              i = down[1];
  // NaN propagates through the sum: one test covers all nine.
  if (std::isnan(a + b + c + d + e + f + g + h + i)) return {};
  return {(c + 2.0f * f + i) - (a + 2.0f * d + g), (g + 2.0f * h + i) - (a + 2.0f * b + c)};
}

/// Sum of row[x - r .. x + r] within [0, width), added left to right.
float window_sum(const float* row, int x, int r, int width) {
  float sum = 0.0f;
  const int first = x - r < 0 ? 0 : x - r;
  const int last = x + r >= width ? width - 1 : x + r;
  for (int i = first; i <= last; ++i) sum += row[i];
  return sum;
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
  const auto plane = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
  // Row sums of the three products over the window's width: cross, before's and after's energy.
  std::vector<float> cross(plane), energy_before(plane), energy_after(plane);
  std::vector<float> row_cross(static_cast<std::size_t>(w)), row_before(static_cast<std::size_t>(w)),
      row_after(static_cast<std::size_t>(w));
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const Gradient gb = sobel(before, x, y);
      const Gradient ga = sobel(after, x, y);
      row_cross[static_cast<std::size_t>(x)] = gb.x * ga.x + gb.y * ga.y;
      row_before[static_cast<std::size_t>(x)] = gb.x * gb.x + gb.y * gb.y;
      row_after[static_cast<std::size_t>(x)] = ga.x * ga.x + ga.y * ga.y;
    }
    const std::size_t base = static_cast<std::size_t>(y) * static_cast<std::size_t>(w);
    for (int x = 0; x < w; ++x) {
      cross[base + static_cast<std::size_t>(x)] = window_sum(row_cross.data(), x, radius, w);
      energy_before[base + static_cast<std::size_t>(x)] = window_sum(row_before.data(), x, radius, w);
      energy_after[base + static_cast<std::size_t>(x)] = window_sum(row_after.data(), x, radius, w);
    }
  }
  const auto at = [w](const std::vector<float>& p, int x, int y) {
    return p[static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)];
  };
  for (int y = 0; y < h; ++y) {
    const int first = y - radius < 0 ? 0 : y - radius;
    const int last = y + radius >= h ? h - 1 : y + radius;
    const float* b = before.row(y);
    const float* a = after.row(y);
    float* dst = out.row(y);
    for (int x = 0; x < w; ++x) {
      if (std::isnan(b[x]) || std::isnan(a[x])) {
        dst[x] = std::nanf("");
        continue;
      }
      float sum_cross = 0.0f, sum_before = 0.0f, sum_after = 0.0f;
      for (int yy = first; yy <= last; ++yy) {
        sum_cross += at(cross, x, yy);
        sum_before += at(energy_before, x, yy);
        sum_after += at(energy_after, x, yy);
      }
      const double energy = static_cast<double>(sum_before) * static_cast<double>(sum_after);
      dst[x] = energy > 0.0 ? static_cast<float>(static_cast<double>(sum_cross) / std::sqrt(energy)) : 0.0f;
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
