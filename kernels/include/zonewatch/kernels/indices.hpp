#pragma once
// Spectral indices. Per-pixel math is written once as small inline functions; the tile
// functions below only schedule them. NaN (nodata) in any input gives NaN out, and so
// does a zero denominator.
#include <optional>
#include <string_view>
#include <vector>

#include "zonewatch/kernels/bands.hpp"
#include "zonewatch/kernels/enum_names.hpp"

namespace zw::kernels {

[[nodiscard]] inline float normalized_difference(float a, float b) {
  const float sum = a + b;
  if (std::isnan(sum) || sum == 0.0f) return kNaN;
  return (a - b) / sum;
}

/// Normalized difference vegetation index.
[[nodiscard]] inline float ndvi(float nir, float red) { return normalized_difference(nir, red); }
/// McFeeters' normalized difference water index (green vs NIR).
[[nodiscard]] inline float ndwi(float green, float nir) { return normalized_difference(green, nir); }
/// Xu's modified NDWI (green vs SWIR1): separates water from built-up better than NDWI.
[[nodiscard]] inline float mndwi(float green, float swir1) { return normalized_difference(green, swir1); }
/// Normalized difference built-up index.
[[nodiscard]] inline float ndbi(float swir1, float nir) { return normalized_difference(swir1, nir); }
/// Bare soil index ((SWIR1 + red) - (NIR + blue)) / ((SWIR1 + red) + (NIR + blue)).
[[nodiscard]] inline float bsi(float blue, float red, float nir, float swir1) {
  return normalized_difference(swir1 + red, nir + blue);
}
/// Green leaf index (2G - R - B) / (2G + R + B): a visible-band greenness for RGB-only
/// imagery (drone, aerial), in [-1, 1] like NDVI.
[[nodiscard]] inline float gli(float red, float green, float blue) {
  return normalized_difference(2.0f * green, red + blue);
}

enum class SpectralIndex { ndvi, ndwi, mndwi, ndbi, bsi, gli };

inline constexpr EnumNames kSpectralIndexNames{std::array{
    EnumName<SpectralIndex>{SpectralIndex::ndvi, "ndvi"},
    EnumName<SpectralIndex>{SpectralIndex::ndwi, "ndwi"},
    EnumName<SpectralIndex>{SpectralIndex::mndwi, "mndwi"},
    EnumName<SpectralIndex>{SpectralIndex::ndbi, "ndbi"},
    EnumName<SpectralIndex>{SpectralIndex::bsi, "bsi"},
    EnumName<SpectralIndex>{SpectralIndex::gli, "gli"},
}};

/// Lower-case name ("ndvi", "ndwi", "mndwi", "ndbi", "bsi", "gli").
[[nodiscard]] std::string_view to_string(SpectralIndex index);
/// Inverse of to_string, case-insensitive; nullopt for an unknown name.
[[nodiscard]] std::optional<SpectralIndex> spectral_index_from_string(std::string_view name);

/// Band roles an index needs, in the order of the per-pixel function's arguments.
[[nodiscard]] std::vector<BandRole> required_bands(SpectralIndex index);

/// True when `bands` holds every role `index` needs.
[[nodiscard]] bool can_compute(SpectralIndex index, const BandSet& bands);

/// Computes `index` over a tile. Every present band and `out` must share width and height.
/// Precondition: can_compute(index, bands). Throws std::invalid_argument when a needed band
/// is missing or differs in size from `out` (checked once per call, so it costs nothing).
void compute_index(SpectralIndex index, const BandSet& bands, TileView<float> out);

/// Brightness: the mean of the visible bands (blue, green, red) that `bands` holds, summed in
/// that order; NaN where any of them is NaN, 0 everywhere when it holds none. Throws
/// std::invalid_argument when a present band differs in size from `out`.
void compute_brightness(const BandSet& bands, TileView<float> out);

}  // namespace zw::kernels
