#pragma once
// Per-pixel period composites: from N observations of a tile (the scenes of a season, each
// with its own clear mask), one value per band and the number of clear observations.
//
//   median          per band, the median of the clear observations (mean of the two middle
//                   values for an even count); robust to the clouds and shadows a mask missed
//   max_ndvi        all bands of the clear observation with the highest NDVI (GLI where there
//                   is no NIR band): the greenest state of the season, spectrally consistent
//   best_available  all bands of the clear observation with the highest score (the caller's
//                   per-observation score, e.g. closeness to the season's target day)
//
// Per-pixel math is written once as small inline functions; composite_tile only schedules
// them. Ties between observations go to the lower index (the earlier scene), so the result
// does not depend on anything but the inputs.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "zonewatch/kernels/enum_names.hpp"
#include "zonewatch/kernels/indices.hpp"
#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

enum class CompositeMethod { median, max_ndvi, best_available };

inline constexpr EnumNames kCompositeMethodNames{std::array{
    EnumName<CompositeMethod>{CompositeMethod::median, "median"},
    EnumName<CompositeMethod>{CompositeMethod::max_ndvi, "max_ndvi"},
    EnumName<CompositeMethod>{CompositeMethod::best_available, "best_available"},
}};

[[nodiscard]] std::string_view to_string(CompositeMethod method);
/// "median", "max_ndvi", "best_available" (case-sensitive); nullopt otherwise.
[[nodiscard]] std::optional<CompositeMethod> composite_method_from_string(std::string_view name);

/// One observation of a tile: its bands in the composite's band order (reflectance, NaN =
/// no data) and an optional clear mask. A pixel is clear when every band is finite and the
/// mask (when given) is non-zero there.
struct Observation {
  std::vector<ConstTileView<float>> bands;
  ConstTileView<std::uint8_t> clear;  // empty: clear wherever every band is finite
  float score = 0.0f;                 // best_available: higher wins
};

/// Which composite bands the selection methods read (indices into Observation::bands,
/// -1 = absent). max_ndvi needs red and nir, or red, green and blue (GLI).
struct CompositeSpec {
  CompositeMethod method = CompositeMethod::median;
  int red = -1, nir = -1, green = -1, blue = -1;
};

/// Median of the first `n` values of `values` (reorders them); NaN for n == 0.
[[nodiscard]] float median_in_place(float* values, int n);

/// Greenness used by max_ndvi: NDVI when nir is given, else GLI.
[[nodiscard]] inline float selection_greenness(float red, float nir, float green, float blue, bool has_nir) {
  return has_nir ? ndvi(nir, red) : gli(red, green, blue);
}

/// Index of the best candidate by `key` (higher wins, NaN never wins unless every key is
/// NaN, in which case the first candidate); ties go to the first. -1 for no candidate.
[[nodiscard]] inline int select_highest(const float* keys, const int* candidates, int count) {
  int best = -1;
  float best_key = 0.0f;
  for (int i = 0; i < count; ++i) {
    const float k = keys[candidates[i]];
    if (std::isnan(k)) continue;
    if (best < 0 || k > best_key) {
      best = candidates[i];
      best_key = k;
    }
  }
  if (best < 0 && count > 0) best = candidates[0];
  return best;
}

/// Composites `observations` into `out` (one view per band, same order and count as each
/// observation's bands) and writes the number of clear observations per pixel to
/// `clear_count`. Pixels without a clear observation get NaN in every band and count 0.
/// Throws std::invalid_argument when sizes or band counts disagree, when there are more
/// than 65535 observations, or when max_ndvi lacks the bands it needs.
void composite_tile(std::span<const Observation> observations, const CompositeSpec& spec,
                    std::span<const TileView<float>> out, TileView<std::uint16_t> clear_count);

}  // namespace zw::kernels
