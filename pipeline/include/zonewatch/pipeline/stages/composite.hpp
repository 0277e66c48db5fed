#pragma once
// The composite stage: the scenes of a period (a season of several satellites, with clouds)
// become one scene on the analysis grid, per pixel from its clear observations only
// (kernels/composite.hpp: median, max_ndvi or best_available).
//
// Tile by tile with tbb::parallel_pipeline: the serial first stage reads the tile's window
// from every scene (the scenes decoded side by side), the parallel stage converts to
// reflectance and composites, the serial last stage writes in tile order. Memory is a few
// tiles of N scenes, whatever the scene size.
//
// Output: a GeoTIFF on the grid, Int16 reflectance x 10000 per composited role (nodata
// -32768) plus a last band with the number of clear observations per pixel (Int16 too:
// GeoTIFF bands share one type), tiled 256 x 256, DEFLATE; and a Scene over it with a
// generated profile, so detection reads it like any scene.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/kernels/composite.hpp"
#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/grid/tile_engine.hpp"
#include "zonewatch/pipeline/inputs/scan_inputs.hpp"
#include "zonewatch/pipeline/inputs/scene.hpp"

namespace zw {

struct CompositeOptions {
  std::string label;        // "before" / "after": messages, the scene's label
  std::string first, last;  // the period (best_available scores by closeness to its middle day)
  kernels::CompositeMethod method = kernels::CompositeMethod::median;
};

struct CompositeResult {
  Scene scene;  // over `path`, profile "composite"
  std::filesystem::path path;
  std::vector<kernels::BandRole> roles;               // composited bands, in raster band order
  int count_band = 0;                                 // 1-based band of the clear-observation count
  std::vector<std::string> scene_paths, scene_dates;  // observations, in input order
  std::string median_date;                            // of the observations' acquisition dates
  std::uint64_t pixels = 0;
  std::uint64_t pixels_without_clear = 0;
  double mean_clear_count = 0.0;
  int tile_size = 0;
  double seconds = 0.0;

  [[nodiscard]] nlohmann::json to_json() const;
};

/// Band roles every one of `scenes` has, in role order.
std::vector<kernels::BandRole> common_roles(const std::vector<Scene>& scenes);

/// best_available's score of an observation dated `date` in the period [first, last]:
/// 1 on the middle day, falling linearly to 0 at the period's ends.
float date_score(const std::string& date, const std::string& first, const std::string& last);

/// Composites `scenes` onto `grid` into the GeoTIFF `path` (created or replaced). Throws
/// InputError naming the scenes when they share no band or none is given, OutputError when
/// the file cannot be written.
CompositeResult build_composite(const std::vector<Scene>& scenes, const AnalysisGrid& grid,
                                const CompositeOptions& options, const ProcessingOptions& processing,
                                const std::filesystem::path& path, const ProgressCallback& progress);

// --- A period side of a scan (inputs/scan_inputs.hpp) ----------------------------------------

/// The composite of a period side: its scenes (found by the catalog, those that overlap
/// `grid`) composited over its period with its method into `path`, labelled as the side.
CompositeResult composite_period(const ScanSide& side, const AnalysisGrid& grid, const ProcessingOptions& processing,
                                 const std::filesystem::path& path, const ProgressCallback& progress);

/// A period side's composite in the output folder, "composite_<label>.tif", and the sensor
/// profile beside it that reads it as a scene, "composite_<label>.yaml".
std::string composite_file_name(const ScanSide& side);
std::string composite_profile_file_name(const ScanSide& side);

/// Writes `composite`'s generated profile (bands by index, scale, nodata) as a sensor
/// profile YAML that load_sensor_profile reads. Throws OutputError naming the file.
void write_composite_profile(const CompositeResult& composite, const std::filesystem::path& path);

/// How a period side is recorded as a scene (the monitoring store's scan record, from which
/// dispatch cuts its chips): the composite and its profile in `output_dir`, dated as the side.
SceneOptions composite_scene_options(const ScanSide& side, const CompositeResult& composite,
                                     const std::filesystem::path& output_dir);

}  // namespace zw
