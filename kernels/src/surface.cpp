#include "zonewatch/kernels/surface.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace zw::kernels {

float horn_slope_degrees(const float z[9], double dx, double dy) {
  if (!(dx > 0.0) || !(dy > 0.0)) return kNaN;
  for (int i = 0; i < 9; ++i) {
    if (std::isnan(z[i])) return kNaN;
  }
  const double a = z[0], b = z[1], c = z[2], d = z[3], f = z[5], g = z[6], h = z[7], i = z[8];
  const double dzdx = ((c + 2.0 * f + i) - (a + 2.0 * d + g)) / (8.0 * dx);
  const double dzdy = ((g + 2.0 * h + i) - (a + 2.0 * b + c)) / (8.0 * dy);
  return static_cast<float>(std::atan(std::sqrt(dzdx * dzdx + dzdy * dzdy)) * 180.0 / std::numbers::pi);
}

void slope_degrees(ConstTileView<float> dem, double dx, double dy, TileView<float> out) {
  if (dem.width != out.width || dem.height != out.height) {
    throw std::invalid_argument("slope_degrees: the DEM and the output differ in size");
  }
  for (int y = 0; y < out.height; ++y) {
    float* o = out.row(y);
    for (int x = 0; x < out.width; ++x) {
      if (x == 0 || y == 0 || x == out.width - 1 || y == out.height - 1) {
        o[x] = kNaN;
        continue;
      }
      float z[9];
      for (int j = 0; j < 3; ++j) {
        const float* r = dem.row(y - 1 + j);
        for (int k = 0; k < 3; ++k) z[j * 3 + k] = r[x - 1 + k];
      }
      o[x] = horn_slope_degrees(z, dx, dy);
    }
  }
}

void local_texture(ConstTileView<float> brightness, int radius, TileView<float> out) {
  if (brightness.width != out.width || brightness.height != out.height) {
    throw std::invalid_argument("local_texture: the brightness and the output differ in size");
  }
  if (radius < 1 || radius > 10) throw std::invalid_argument("local_texture: radius must be 1..10");
  const int w = out.width, h = out.height;
  const int side = 2 * radius + 1;
  const int min_valid = (side * side + 1) / 2;
  // Summed directly in window order (no running sums), so that a pixel's value depends only
  // on its window, never on where the tile starts: tiled and whole runs agree to the bit.
  for (int y = 0; y < h; ++y) {
    const float* centre = brightness.row(y);
    float* o = out.row(y);
    for (int x = 0; x < w; ++x) {
      o[x] = kNaN;
      if (std::isnan(centre[x])) continue;
      int n = 0;
      double s = 0.0, q = 0.0;
      for (int j = std::max(0, y - radius); j <= std::min(h - 1, y + radius); ++j) {
        const float* r = brightness.row(j);
        for (int k = std::max(0, x - radius); k <= std::min(w - 1, x + radius); ++k) {
          const double v = r[k];
          if (std::isnan(v)) continue;
          ++n;
          s += v;
          q += v * v;
        }
      }
      if (n < min_valid) continue;
      const double mean = s / n;
      if (!(mean > 0.0)) continue;
      const double variance = std::max(0.0, q / n - mean * mean);
      o[x] = static_cast<float>(std::sqrt(variance) / mean);
    }
  }
}

bool blue_roof_test(float red, float green, float blue, const BlueRoofThresholds& t) {
  const float total = red + green + blue;
  if (!(total > 0.0f)) return false;  // also false for NaN
  const float mean = total / 3.0f;
  return blue / total >= t.min_blue_share && (blue - red) / mean >= t.min_blue_over_red &&
         (blue - green) / mean >= t.min_blue_over_green && mean >= t.min_brightness;
}

}  // namespace zw::kernels
