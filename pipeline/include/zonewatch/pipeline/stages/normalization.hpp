#pragma once
// detection.normalize: irmad — relative radiometric normalization of the after date onto
// the before date before any feature is computed, so that a different sensor, sun angle or
// atmosphere does not read as change (kernels/irmad.hpp).
//
// Samples both dates on the statistics lattice (512-px blocks, the same blocks detection's
// statistics read, so they come from the cache), runs IR-MAD on them, takes the pixels
// with no-change probability above 0.95 as pseudo-invariant and fits, per band, an
// orthogonal regression after = a + b * before. Detection then reads every after band as
// (after - a) / b. The fit is deterministic and independent of tiling (fixed lattice,
// samples merged in block order).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/kernels/bands.hpp"
#include "zonewatch/kernels/tile.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"

namespace zw {

struct RadiometricCorrection {
  bool applied = false;
  std::string note;  // why not applied, or which bands were left alone
  std::vector<kernels::BandRole> roles;
  std::vector<float> gain, offset;       // after' = gain * after + offset, per role
  std::vector<double> slope, intercept;  // the fits after = intercept + slope * before
  std::vector<double> canonical_correlations;
  std::uint64_t samples = 0;
  std::uint64_t invariant_pixels = 0;
  int iterations = 0;
  bool converged = false;

  /// gain * v + offset (kernels::apply_gain_offset) on `role`'s tile, NaN staying NaN;
  /// nothing when not applied or the role was not fitted.
  void apply(kernels::BandRole role, kernels::TileView<float> values) const;
  /// apply() to every role `tile` holds: the after date's reflectance onto the before date.
  void apply(ReflectanceTile& tile) const;
  [[nodiscard]] nlohmann::json to_json() const;
};

/// Fits the correction of `after` onto `before` over `roles` (the bands detection compares).
/// Never throws for data that cannot be fitted (too few valid or invariant pixels, a
/// constant band, an implausible gain): the correction is then not applied, with a note
/// in the log and in `note`. `progress` receives 0..1 of this pass.
RadiometricCorrection fit_radiometric_correction(SceneReader& before, SceneReader& after, const AnalysisGrid& grid,
                                                 const std::vector<kernels::BandRole>& roles,
                                                 const ProgressCallback& progress);

}  // namespace zw
