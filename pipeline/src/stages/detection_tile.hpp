#pragma once
// Detection's pass 2 for one tile: features, magnitude, typing, opening, labelling,
// component statistics and unit sums of a padded tile pair (detection_tile.cpp);
// stages/detection.cpp's, not a public header.
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "date_reflectance.hpp"
#include "detection_tile_work.hpp"
#include "zonewatch/kernels/box_average.hpp"
#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/kernels/tile.hpp"
#include "zonewatch/pipeline/stages/detection.hpp"

namespace zw {

/// Working set per pixel of a tile in flight: raw bands and reflectance of two dates (up to
/// six bands), about a dozen feature planes, the multi-scale magnitude and its smoothing
/// scratch, classes and labels.
inline constexpr double kBytesPerPixel = 176.0;
/// ... plus, when the quick-looks need bands the features do not read, the core's raw red,
/// green and blue of two dates (up to 4 bytes each) and one date of them as reflectance.
inline constexpr double kTrueColourBytesPerPixel = 36.0;
/// ... plus, with the structure gate, the gradient correlation and its three window sums.
inline constexpr double kStructureBytesPerPixel = 16.0;
/// The structure gate's window: 5 x 5 pixels (50 m at 10 m), about a building block's side.
inline constexpr int kStructureRadius = 2;

/// A padded tile read from both scenes, on its way to classification.
struct TileInput {
  int index = 0;
  RawTilePair pair;
  kernels::Tile<float> elevation;  // the padded window's DEM, when there is one
  RawTilePair true_colour;         // the core's red, green and blue, when quick-looks are drawn
};

/// The roles of a true-colour picture, in plane order.
inline const std::vector<kernels::BandRole> kTrueColourRoles{kernels::BandRole::red, kernels::BandRole::green,
                                                             kernels::BandRole::blue};

/// Adds `area` to `unit`'s entry of `list`, or appends one.
void add_overlap(std::vector<std::pair<std::uint32_t, double>>& list, std::uint32_t unit, double area);

/// The per-tile computation of pass 2: features, typing, opening, labelling, component
/// statistics and unit sums of one padded tile pair; its core is what counts.
struct TileClassifier {
  const DetectionInputs& inputs;
  const FeatureSet& features;
  const RadiometricCorrection& radiometric;
  const DetectionStatistics& stats;
  const kernels::TypingRules& rules;
  const std::vector<float>& scales;  // empty: the single-scale magnitude
  int opening_radius = 0;
  int closing_radius = 0;
  const std::vector<ControlUnit>& units;             // loaded: inputs.units, resolved once
  const std::vector<kernels::Window>& unit_windows;  // per unit, its pixel window
  int seed_shift_tolerance = 0;                      // 0: seeds read the magnitude itself
  float structure_max_correlation = 0.0f;            // 0: no structure gate
  double dem_dx_m = 1.0, dem_dy_m = 1.0;             // pixel size for the slope
  const kernels::BoxAverage* true_colour_frame = nullptr;

  TileWork operator()(TileInput& input, const kernels::Window& c) const;

  /// The core's red, green and blue reflectance summed into the quick-looks' cells: from the
  /// features' reflectance (`features_reflectance`, padded) where they hold the band, else
  /// from `extra` (the core, read for the bands the features lack).
  void draw_true_colour(const std::array<const ReflectanceTile*, 2>& features_reflectance, const RawTilePair& extra,
                        int ox, int oy, TileWork& work) const;

  /// Zonal sums and patch-unit overlaps of the tile core, weighted by exact pixel coverage.
  void add_unit_sums(TileWork& work, kernels::ConstTileView<float> greenness_before,
                     kernels::ConstTileView<float> greenness_after) const;
};

}  // namespace zw
