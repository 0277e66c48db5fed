#pragma once
// The reflectance of one date of a change over a tile: shared by detection's statistics and
// classification passes; not a public header.
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/stages/detection.hpp"
#include "zonewatch/pipeline/stages/normalization.hpp"

namespace zw {

/// Reflectance of one date over a tile, by feature role; `correction` brings the after
/// date onto the before date.
inline ReflectanceTile date_reflectance(const RawSceneTile& raw, const Scene& scene, const FeatureSet& features,
                                        const RadiometricCorrection* correction = nullptr) {
  ReflectanceTile bands = to_reflectance_tile(raw, scene.profile, features.roles);
  if (correction != nullptr) correction->apply(bands);
  return bands;
}

}  // namespace zw
