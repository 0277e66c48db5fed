#pragma once
// The water-quality stage: water bodies and how their water changed between the dates.
//
//   pass 1 (threshold): each date's water index (MNDWI, NDWI without SWIR) histogrammed
//          over the whole grid; Otsu's threshold per scene, clamped (kernels/water_quality);
//   pass 2 (bodies):    stable water (water in BOTH dates) labelled per tile and joined
//          across seams; components under water_quality.min_body_area_m2 dropped;
//   pass 3 (indices):   per body and date a histogram of each index the scene can give
//          (NDTI, NDCI, FAI, BOI), its area in each unit; the body ids streamed to a sink
//          (the polygons of the water_bodies layer come from them);
//   -> per body and index: before/after medians, change, valid share, departure by the rule
//          of the unit type the body lies in most;
//   pass 4 (pixels):    in the tiles of departing bodies, the pixels that depart: the
//          `water_quality` change pixels detection adds (DetectionInputs::water_quality).
// Every merge runs in tile order and every sum is integer or on a fixed binary grid, so
// whole-image, tiled and odd-tile runs give identical tables and pixels.
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/kernels/components.hpp"
#include "zonewatch/kernels/indices.hpp"
#include "zonewatch/kernels/water_quality.hpp"
#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/config/water_quality_options.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/inputs/scene.hpp"
#include "zonewatch/pipeline/inputs/units.hpp"

namespace zw {

/// One index of one water body.
struct WaterBodyIndex {
  bool available = false;  // both scenes give the index's bands (else the rest is unset)
  double before_median = kernels::kNaN, after_median = kernels::kNaN;
  double before_mean = kernels::kNaN, after_mean = kernels::kNaN;
  double before_spread = kernels::kNaN;  // IQR / 1.349 of the before pixels
  double change = kernels::kNaN;         // after median - before median
  double allowed = kernels::kNaN;        // the departure the rule allows
  double valid_share = 0.0;              // of the body's pixels, valid in both dates
  bool judged = false;                   // valid_share >= min_valid_share
  bool by_change = false, by_limit = false;
  double affected_area_m2 = 0.0;  // of its pixels that depart (departing bodies only)
  [[nodiscard]] bool departs() const { return by_change || by_limit; }
};

/// One water body: a component of stable water.
struct WaterBody {
  std::uint32_t id = 0;  // 1-based, by first pixel in raster order
  kernels::ComponentStats stats;
  /// The unit it overlaps most (index into the units; -1: none) and that unit's type,
  /// whose rule judged it (general where it lies in no unit).
  int unit = -1;
  UnitType unit_type = UnitType::general;
  std::vector<std::pair<std::uint32_t, double>> unit_overlap;  // (unit index, m²), sorted by unit
  std::array<WaterBodyIndex, kernels::kWaterIndexCount> indices{};
  bool flagged = false;           // an index departs and its pixels cover min_affected_area_m2
  double affected_area_m2 = 0.0;  // of the pixels that depart in any index
  std::string flag_reasons;       // "ndti median +0.40 (from ...) beyond 0.06; ..." ("" when not flagged)
  std::string unit_code;          // of `unit` ("" for none)
  std::string geometry_wkt;       // multipolygon in the grid CRS, where the caller polygonized the bodies
};

struct WaterQualityResult {
  bool ran = false;
  kernels::SpectralIndex extraction = kernels::SpectralIndex::mndwi;  // or ndwi
  double threshold_before = kernels::kNaN, threshold_after = kernels::kNaN;
  double otsu_before = kernels::kNaN, otsu_after = kernels::kNaN;  // before the clamp (NaN: none)
  std::uint64_t water_pixels_before = 0, water_pixels_after = 0, valid_pixels_before = 0, valid_pixels_after = 0;
  double stable_water_area_m2 = 0.0;  // of the bodies
  std::array<bool, kernels::kWaterIndexCount> available{};
  std::array<std::string, kernels::kWaterIndexCount> not_available_reason{};  // "" where available
  kernels::FaiWavelengths wavelengths;
  std::vector<WaterBody> bodies;
  std::uint64_t components_before_min_area = 0;
  /// Global pixel indices (row * grid width + col), ascending, of the departing pixels of
  /// flagged bodies: detection types them `water_quality`.
  std::vector<std::uint64_t> departing_pixels;

  [[nodiscard]] std::size_t flagged_bodies() const;
  /// run.json's water_quality section: extraction, thresholds, indices available (or why
  /// not), counts, and the per-body table.
  [[nodiscard]] nlohmann::json to_json(const std::vector<ControlUnit>& units) const;
};

/// Receives each tile core's body ids (0 = no body), in tile order.
using WaterBodyTileSink = std::function<void(kernels::Window core, kernels::ConstTileView<std::uint32_t> ids)>;

struct WaterQualityInputs {
  const Scene& before;
  const Scene& after;
  const AnalysisGrid& grid;
  const std::vector<ControlUnit>& units;  // may be empty
};

/// Runs the stage (which indices a scene cannot give is logged and recorded, not an
/// error). Throws InputError naming the scenes when neither MNDWI nor NDWI can be computed
/// from both. `progress` receives 0..1.
WaterQualityResult run_water_quality(const WaterQualityInputs& inputs, const WaterQualityOptions& options,
                                     const ProcessingOptions& processing, const WaterBodyTileSink& sink,
                                     const ProgressCallback& progress);

/// Detection's hook: sets `value` in `classes` (the core window `core` of a grid
/// `grid_width` pixels wide) at those of `pixels` (ascending global indices, as
/// WaterQualityResult::departing_pixels) that lie in the window, except where the class is
/// `nodata`. Returns how many it set.
std::size_t mark_water_quality_pixels(const std::vector<std::uint64_t>& pixels, kernels::Window core, int grid_width,
                                      std::uint8_t value, std::uint8_t nodata, kernels::TileView<std::uint8_t> classes);

}  // namespace zw
