#pragma once
// The yearly ecological indicators of the annual assessment. Per pixel: NDVI, fractional
// vegetation cover, the four RSEI components (normalized), RSEI and a land class; per control
// unit: their area-weighted means and the areas of water, built-up or bare land and
// vegetation. The calibration (RSEI normalization and loadings, FVC endmembers) is fitted once,
// on the reference year, by fit_calibration, and every year is computed with it, so that
// values of different years compare (a per-year PCA would make them meaningless).
//
// Both passes stream tiles through the tile engine: read in order, compute in parallel,
// merge unit sums and write rasters in order, so any tiling gives identical results.
#include <array>
#include <optional>
#include <vector>

#include "zonewatch/kernels/ecology.hpp"
#include "zonewatch/kernels/rsei.hpp"
#include "zonewatch/pipeline/archive/archive_contents.hpp"
#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/core/progress.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/inputs/ecology_inputs.hpp"
#include "zonewatch/pipeline/inputs/scene.hpp"
#include "zonewatch/pipeline/inputs/units.hpp"

namespace zw {

class ArchiveYearWriter;

struct YearIndicatorOptions {
  kernels::LandClassOptions land;
  kernels::FvcEndmemberOptions fvc;
  kernels::RseiFitOptions rsei;
  /// Throws ConfigError naming the option when a percentile or threshold is out of range.
  void validate() const;
};

/// One year's observation: a dated scene or a period's composite, with what its sensor adds.
struct YearScene {
  Scene scene;
  /// Tasseled-cap coefficients for the wetness component; none: the sensor has no SWIR or no
  /// published transform, and RSEI goes without wetness.
  std::optional<kernels::TasseledCapSensor> wetness;
  /// The thermal band for the heat component; none: RSEI goes without heat.
  std::optional<ThermalBand> thermal;
};

/// The RSEI components `year` can give: greenness and dryness need red, nir, green, blue and
/// swir1; wetness its tasseled-cap sensor and six bands; heat a thermal band.
[[nodiscard]] std::array<bool, kernels::kRseiComponentCount> available_components(const YearScene& year);

/// The calibration fitted on `year` as the reference year (one pass over the scene). Water
/// (land class) is left out of the fit, as in Xu (2013). InputError naming the scene when no
/// pixel is valid or greenness is not available.
RseiCalibration fit_calibration(const YearScene& year, int reference_year, const AnalysisGrid& grid,
                                const YearIndicatorOptions& options, const ProcessingOptions& processing,
                                const ProgressCallback& progress);

/// The indicators of every unit (in `units` order, hotspot counts left at -1) and the year's
/// rasters written into `writer` (the standard archive rasters). A component the calibration
/// has must be available in `year` (InputError naming the scene and the component otherwise:
/// RSEI with and without heat do not compare).
std::vector<UnitYearIndicators> compute_year_indicators(const YearScene& year, const AnalysisGrid& grid,
                                                        const std::vector<ControlUnit>& units,
                                                        const RseiCalibration& calibration,
                                                        const YearIndicatorOptions& options,
                                                        const ProcessingOptions& processing, ArchiveYearWriter& writer,
                                                        const ProgressCallback& progress);

}  // namespace zw
