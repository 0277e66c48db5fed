#include "zonewatch/kernels/multiscale.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

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

void smooth_gaussian(ConstTileView<float> in, float sigma, TileView<float> out) {
  require_same_size(in, out, "smooth_gaussian: input and output differ in size");
  const int width = in.width, height = in.height;
  if (in.empty()) return;
  const int radius = gaussian_radius(sigma);
  if (radius == 0) {
    for (int y = 0; y < height; ++y) std::copy_n(in.row(y), width, out.row(y));
    return;
  }
  const std::vector<float> w = gaussian_weights(sigma);
  // Row pass: weighted sums of valid values and of their weights, per pixel. Every output
  // pixel sums its neighbours in the same order whatever the view, so a core with enough
  // halo gets bit-identical values in any tiling.
  // Taps outer, pixels inner (so the compiler vectorises it): each pixel still adds its taps
  // in ascending order, and a NaN neighbour adds k * 0 to both sums, which leaves them as a
  // skipped neighbour would (they start at +0), so results are bit-identical to a per-pixel loop.
  Tile<float> row_values(width, height), row_weights(width, height);
  std::vector<float> present(static_cast<std::size_t>(width)), valid(static_cast<std::size_t>(width));
  for (int y = 0; y < height; ++y) {
    const float* src = in.row(y);
    for (int x = 0; x < width; ++x) {
      const bool nan = std::isnan(src[x]);
      present[static_cast<std::size_t>(x)] = nan ? 0.0f : src[x];
      valid[static_cast<std::size_t>(x)] = nan ? 0.0f : 1.0f;
    }
    float* values = row_values.view().row(y);
    float* weights = row_weights.view().row(y);
    for (int d = -radius; d <= radius; ++d) {
      const float k = w[static_cast<std::size_t>(d + radius)];
      const int x_begin = std::max(0, -d), x_end = std::min(width, width - d);
      const float* source_values = present.data();
      const float* source_valid = valid.data();
      for (int x = x_begin; x < x_end; ++x) {
        values[x] += k * source_values[x + d];
        weights[x] += k * source_valid[x + d];
      }
    }
  }
  // Column pass over both sums; the ratio normalises by the valid weight.
  std::vector<float> sum(static_cast<std::size_t>(width)), weight(static_cast<std::size_t>(width));
  for (int y = 0; y < height; ++y) {
    std::fill(sum.begin(), sum.end(), 0.0f);
    std::fill(weight.begin(), weight.end(), 0.0f);
    const int d_begin = std::max(-radius, -y), d_end = std::min(radius, height - 1 - y);
    for (int d = d_begin; d <= d_end; ++d) {
      const float k = w[static_cast<std::size_t>(d + radius)];
      const float* values = row_values.view().row(y + d);
      const float* weights = row_weights.view().row(y + d);
      for (int x = 0; x < width; ++x) {
        sum[static_cast<std::size_t>(x)] += k * values[x];
        weight[static_cast<std::size_t>(x)] += k * weights[x];
      }
    }
    const float* src = in.row(y);
    float* dst = out.row(y);
    for (int x = 0; x < width; ++x) {
      dst[x] = std::isnan(src[x]) ? kNaN : sum[static_cast<std::size_t>(x)] / weight[static_cast<std::size_t>(x)];
    }
  }
}

void multiscale_magnitude(ConstTileView<float> magnitude, std::span<const float> sigmas, TileView<float> out) {
  require_same_size(magnitude, out, "multiscale_magnitude: input and output differ in size");
  const int width = magnitude.width, height = magnitude.height;
  if (magnitude.empty()) return;
  if (sigmas.empty()) {
    for (int y = 0; y < height; ++y) std::copy_n(magnitude.row(y), width, out.row(y));
    return;
  }
  for (int y = 0; y < height; ++y) std::fill_n(out.row(y), width, 0.0f);
  Tile<float> smoothed(width, height, kUninitialized);
  for (const float sigma : sigmas) {
    smooth_gaussian(magnitude, sigma, smoothed.view());
    for (int y = 0; y < height; ++y) {
      const float* s = smoothed.view().row(y);
      float* dst = out.row(y);
      for (int x = 0; x < width; ++x) dst[x] += s[x];
    }
  }
  const float scale = 1.0f / static_cast<float>(sigmas.size());
  for (int y = 0; y < height; ++y) {
    float* dst = out.row(y);
    for (int x = 0; x < width; ++x) dst[x] *= scale;
  }
}

}  // namespace zw::kernels
