#pragma once
// Multi-scale change magnitude: the magnitude plane averaged with Gaussian-smoothed copies
// of itself, so that a pixel's evidence includes its neighbourhood (a real change is a
// patch; noise and misregistration edges are single pixels and thin lines).
#include <span>
#include <vector>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// Radius (pixels on each side) of the truncated Gaussian of `sigma` pixels: ceil(3 sigma),
/// 0 for sigma 0. Throws std::invalid_argument for a negative or non-finite sigma.
[[nodiscard]] int gaussian_radius(float sigma);

/// Halo a tile needs so that multiscale_magnitude of its core equals that of the whole
/// image: the largest gaussian_radius of `sigmas` (0 for none).
[[nodiscard]] int multiscale_halo(std::span<const float> sigmas);

/// Sigmas in pixels for `sigmas_m` in metres on a grid of `pixel_size_m` metres, each at most
/// `max_pixels` (the cost and the halo grow with the sigma: a centimetre drone grid would
/// otherwise smooth over thousands of pixels); 0 stays 0. Throws std::invalid_argument for a
/// pixel size that is not positive and finite, or a negative or non-finite sigma.
struct PixelSigmas {
  std::vector<float> sigmas;
  bool capped = false;  // some sigma was reduced to max_pixels
};
[[nodiscard]] PixelSigmas sigmas_in_pixels(std::span<const float> sigmas_m, double pixel_size_m, float max_pixels);

/// The normalised weights w[0..2r] of the truncated Gaussian (w[r] is the centre), summing to 1.
[[nodiscard]] std::vector<float> gaussian_weights(float sigma);

/// Gaussian smoothing that ignores missing values (normalised convolution): out = sum(w v) /
/// sum(w) over the valid (non-NaN) neighbours inside the view, separably, rows then columns.
/// A NaN pixel stays NaN. Outside the view counts as missing, like NaN, so a tile that is
/// not on the image border on some side needs gaussian_radius(sigma) real pixels of halo
/// there; results inside the halo are not meaningful. Sigma 0 copies. `in` and `out` must
/// have the same size (else std::invalid_argument) and may not alias.
void smooth_gaussian(ConstTileView<float> in, float sigma, TileView<float> out);

/// The mean, over `sigmas`, of smooth_gaussian(magnitude, sigma); sigma 0 stands for the
/// magnitude itself. NaN where the magnitude is NaN. With no sigmas, or only {0}, a copy.
/// Same size and halo rules as smooth_gaussian.
void multiscale_magnitude(ConstTileView<float> magnitude, std::span<const float> sigmas, TileView<float> out);

}  // namespace zw::kernels
