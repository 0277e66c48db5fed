#pragma once
// Surface features for the change types of issue 12: terrain slope from a DEM (mining is on
// slopes), local texture of brightness (earthworks are rough, new roofs uniform) and the
// blue-dominance test of blue steel-sheet roofs (彩钢棚). Pure per-pixel / windowed math.
#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// Slope in degrees at the centre of a 3 x 3 elevation window by Horn's method (Horn 1981,
/// the one `gdaldem slope` uses): with the window
///     a b c
///     d e f
///     g h i
/// dz/dx = ((c + 2f + i) - (a + 2d + g)) / (8 dx), dz/dy = ((g + 2h + i) - (a + 2b + c)) / (8 dy),
/// slope = atan(sqrt(dz/dx^2 + dz/dy^2)) in degrees. `z` is the window in row-major order,
/// `dx`/`dy` the pixel size in the elevation's unit (metres). NaN when any of the nine is NaN
/// or dx/dy is not positive (gdaldem's default: no slope where a neighbour is missing).
[[nodiscard]] float horn_slope_degrees(const float z[9], double dx, double dy);

/// Halo slope_degrees needs: 1 pixel.
inline constexpr int kSlopeHalo = 1;

/// horn_slope_degrees at every pixel of `dem`; the outermost ring of the view has no full
/// window and is NaN, so a tile needs kSlopeHalo real pixels of halo where it is not on the
/// image border (then its core equals the whole image's). `dem` and `out` must have the same
/// size (else std::invalid_argument).
void slope_degrees(ConstTileView<float> dem, double dx, double dy, TileView<float> out);

/// Local texture: the coefficient of variation (standard deviation / mean) of `brightness` in
/// the (2 radius + 1)² window around each pixel, over the window's valid (non-NaN) pixels
/// inside the view; NaN where the pixel itself is NaN, where fewer than half the window's
/// pixels are valid, or where the window's mean is not positive. Scale-free, so reflectance
/// and DN imagery give the same value. A tile needs `radius` pixels of halo where it is not
/// on the image border. Same size rule as slope_degrees; radius must be 1..10.
void local_texture(ConstTileView<float> brightness, int radius, TileView<float> out);

/// Thresholds of the blue steel-sheet roof test (see blue_roof_test).
struct BlueRoofThresholds {
  float min_blue_share = 0.40f;       // B / (R + G + B)
  float min_blue_over_red = 0.3f;     // (B - R) / mean(R, G, B)
  float min_blue_over_green = 0.05f;  // (B - G) / mean(R, G, B)
  float min_brightness = 0.08f;       // mean(R, G, B) in reflectance; 0 turns the floor off (DN imagery)
};

/// Whether one pixel's visible reflectance looks like a blue steel-sheet roof: blue dominates
/// red and green at high reflectance. With m = (R + G + B) / 3:
///     B / (R + G + B) >= min_blue_share
///     && (B - R) / m >= min_blue_over_red && (B - G) / m >= min_blue_over_green
///     && m >= min_brightness.
/// The differences are relative to the pixel's brightness, so the test reads the same on
/// reflectance and on DN imagery up to the brightness floor. False when any band is NaN or
/// m is not positive.
[[nodiscard]] bool blue_roof_test(float red, float green, float blue, const BlueRoofThresholds& t);

}  // namespace zw::kernels
