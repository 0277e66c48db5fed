#pragma once
// The change-detection stage: from two scenes on an analysis grid to cleaned, typed,
// labelled change patches, tile by tile.
//
//   pass 1 (statistics): on a fixed lattice of sample blocks, band-difference moments
//          (z-scoring) then the change-magnitude histogram (Otsu / k·sigma threshold);
//   pass 2 (classify):   read in order -> features, multi-scale magnitude, typing at the
//          grow level, opening, labelling, zonal sums in parallel -> seam merge and spill
//          to disk in order;
//   pass 3 (finalize):   patches under the minimum mapping unit, and (hysteresis) those
//          without a seed pixel, dropped; final classes and patch ids streamed to sinks in
//          tile order.
// Every global result is merged in tile order, so any tiling gives identical output.
#include <array>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/kernels/box_average.hpp"
#include "zonewatch/kernels/components.hpp"
#include "zonewatch/kernels/zonal.hpp"
#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/grid/tile_engine.hpp"
#include "zonewatch/pipeline/inputs/scene.hpp"
#include "zonewatch/pipeline/inputs/units.hpp"
#include "zonewatch/pipeline/stages/normalization.hpp"

namespace zw {

/// Which spectral features the two scenes can give together.
struct FeatureSet {
  std::vector<kernels::BandRole> roles;  // present in both scenes, used for change vectors
  bool greenness_is_ndvi = false;        // else GLI from RGB
  // Index planes computed per tile: those the bands give AND an enabled rule reads.
  bool has_water = false, water_is_mndwi = false;
  bool has_built = false, has_bare = false;
  bool has_brightness = false;  // the construction rule's fallback for RGB-only imagery
  bool has_visible = false;     // red, green, blue reflectance planes (blue_roof)
  bool has_texture = false;     // texture of the after brightness (dumping)
  bool has_slope = false;       // slope from the configured DEM (mining)
};

/// Bands needed by the enabled typing rules, checked against both scenes (InputError
/// naming the scene file and band when one lacks a band the profile says it should have).
FeatureSet plan_features(const Scene& before, const Scene& after, const DetectionOptions& options);

struct DetectionStatistics {
  std::vector<kernels::BandRole> roles;
  std::vector<float> offsets;        // mean band difference (after - before)
  std::vector<float> weights;        // 1 / sigma of the band difference
  double threshold = 0.0;            // on the change-vector magnitude
  double automatic_threshold = 0.0;  // what otsu / k_sigma gave before the floor
  /// Hysteresis levels on the (multi-scale) magnitude: a patch needs a pixel at seed_level
  /// and holds the pixels at or above grow_level; both equal `threshold` without hysteresis.
  double seed_level = 0.0;
  double grow_level = 0.0;
  std::uint64_t sample_pixels = 0;
  int sample_block_step = 1;  // 1 = every block sampled
};

/// Pass 1: the band-difference centres and weights (z-scoring) and the change-magnitude
/// threshold (and the hysteresis levels), from the statistics lattice of both scenes; `after_correction` (may be null)
/// brings the after date onto the before date; `progress` receives 0..1 of this pass.
/// Throws InputError naming both scenes when no sampled pixel is valid in both.
/// The blocks the change statistics sample (a lattice of 512-px blocks of the grid, every
/// one for a scene of up to 24 megapixels), top row first.
[[nodiscard]] std::vector<kernels::Window> change_statistics_sample(const AnalysisGrid& grid);

DetectionStatistics estimate_change_statistics(SceneReader& before, SceneReader& after, const AnalysisGrid& grid,
                                               const FeatureSet& features, const DetectionOptions& options,
                                               const ProgressCallback& progress,
                                               const RadiometricCorrection* after_correction);

/// What detection hands to the caller at the end, besides the sinks' output.
struct DetectionResult {
  TilePlan plan;
  FeatureSet features;
  DetectionStatistics statistics;
  kernels::PatchTable patches;
  /// Per patch (index = id - 1): (unit index, coverage-weighted area in m²) it overlaps.
  std::vector<std::vector<std::pair<std::uint32_t, double>>> patch_unit_overlap;
  std::vector<kernels::ZonalStats> unit_stats;  // area, valid area, greenness (changed areas: see scan)
  std::uint64_t valid_pixels = 0;
  std::uint64_t components_before_mmu = 0;
  std::array<std::uint64_t, kernels::kChangeTypeCount> changed_pixels{};  // final
  std::map<std::string, double> seconds;                                  // per pass
  std::vector<float> scales_px;       // the smoothing sigmas used, in pixels (mapping_unit_scales on this grid)
  RadiometricCorrection radiometric;  // detection.normalize: irmad (else not applied)
  /// Before and after in true colour (planes red, green, blue: reflectance means over the
  /// cells of DetectionInputs::true_colour_frame), drawn from the tiles classification read;
  /// empty (no planes) when no frame was asked for.
  std::array<kernels::BoxAverage, 2> true_colour;

  /// run.json's detection section: per band the difference's mean and sigma, the threshold
  /// (and the automatic one before its floor, null when none), sample pixels, tiles; the
  /// radiometric normalization when `normalize` applied one.
  [[nodiscard]] nlohmann::json to_json(RadiometricNormalization normalize) const;
};

/// Receives the final classes (ChangeType) and patch ids of each tile core, in tile order.
using FinalTileSink = std::function<void(kernels::Window core, kernels::ConstTileView<std::uint8_t> classes,
                                         kernels::ConstTileView<std::uint32_t> patch_ids)>;

/// The control units detection sums over: loaded, or still loading. The statistics pass does
/// not read them, so a scan loads them beside it (commands/scan.cpp) and detection waits for
/// them only when its classification pass begins.
class DetectionUnits {
 public:
  // Implicit: a caller with the units at hand passes them as they are.
  DetectionUnits(const std::vector<ControlUnit>& loaded) : loaded_(&loaded) {}  // NOLINT(google-explicit-constructor)
  DetectionUnits(std::shared_future<std::vector<ControlUnit>> loading)          // NOLINT(google-explicit-constructor)
      : loading_(std::move(loading)) {}
  /// The units, once loaded (rethrows what the loading threw).
  [[nodiscard]] const std::vector<ControlUnit>& get() const { return loaded_ != nullptr ? *loaded_ : loading_.get(); }

 private:
  const std::vector<ControlUnit>* loaded_ = nullptr;
  std::shared_future<std::vector<ControlUnit>> loading_;
};

struct DetectionInputs {
  const Scene& before;
  const Scene& after;
  const AnalysisGrid& grid;
  DetectionUnits units;  // may be empty
  /// Pixels (ascending row * width + col) the water-quality stage found departing: typed
  /// `water_quality` over whatever else classification made of them (may be null).
  const std::vector<std::uint64_t>* water_quality_pixels = nullptr;
  /// The frame of the summary's quick-looks (an empty accumulator of 3 planes over the grid),
  /// or null: classification then draws both dates in true colour from the tiles it reads,
  /// so that the quick-looks cost no second decode of the scenes.
  const kernels::BoxAverage* true_colour_frame = nullptr;
  /// Called with the tile plan before the sink receives its first tile (the change map's
  /// writer sizes its overviews to the tiles' alignment); may be empty.
  std::function<void(const TilePlan&)> plan_ready = nullptr;
  /// Called with the number of patches (the largest patch id) before the sink receives its
  /// first tile (the patch raster takes the narrowest type that holds the ids); may be empty.
  std::function<void(std::size_t)> patches_ready = nullptr;
};

/// Runs the three passes. `work_dir` holds spill files (removed before returning);
/// `progress` receives 0..1 of the whole stage.
DetectionResult run_detection(const DetectionInputs& inputs, const DetectionOptions& options,
                              const ProcessingOptions& processing, const std::filesystem::path& work_dir,
                              const FinalTileSink& sink, const ProgressCallback& progress);

}  // namespace zw
