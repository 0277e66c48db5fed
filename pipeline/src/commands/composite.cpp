#include "zonewatch/pipeline/commands/composite.hpp"

#include <algorithm>
#include <filesystem>
#include <utility>

#include <cpl_conv.h>
#include <gdal.h>

#include "zonewatch/pipeline/config/sensor_profile.hpp"
#include "zonewatch/pipeline/core/atomic_output.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/inputs/scan_inputs.hpp"

namespace zw {
namespace fs = std::filesystem;

CompositeResult run_composite_command(const CompositeCommand& command, const ProgressCallback& progress) {
  init_gdal();
  // As run_scan: bound GDAL's block cache by the share of memory_mb the tiles leave free.
  if (CPLGetConfigOption("GDAL_CACHEMAX", nullptr) == nullptr) {
    const auto cache_mb = std::max<std::size_t>(64, command.processing.memory_mb * 2 / 5);
    GDALSetCacheMax64(static_cast<GIntBig>(cache_mb) * 1024 * 1024);
  }
  if (command.out.empty()) throw UsageError("composite: --out FILE.tif is required");
  const fs::path out = fs::absolute(command.out);
  SceneOptions options;
  options.date = command.period.last;
  options.sensor = command.period.sensor;
  ScanSide side = inspect_scan_side("period", options, command.period);
  resolve_scan_side(side, sensor_search_dirs(fs::current_path()));
  // The period is the footprint side and the only side: its scenes that miss the grid drop out.
  const AnalysisGrid grid = make_scan_grid(side, side, command.grid);
  logger("composite")
      ->info("grid {}x{} px, pixel {:.6g} x {:.6g}", grid.width, grid.height, grid.geotransform[1],
             -grid.geotransform[5]);
  AtomicFile file(out, "the composite");
  CompositeResult result = composite_period(side, grid, command.processing, file.temporary(), progress);
  file.commit();
  result.path = out;
  SceneOptions final_options = result.scene.options;
  final_options.path = out.string();
  result.scene = resolve_scene(result.scene.label, final_options, result.scene.profile);
  return result;
}

std::string format_composite_summary(const CompositeCommand& command, const CompositeResult& result) {
  return text::printf_string(
      "zonewatch composite: %s composite of %zu scenes, %.2f clear observations per pixel, %llu pixels "
      "without any; %s (band %d = clear count)\n",
      std::string(kernels::to_string(command.period.composite)).c_str(), result.scene_paths.size(),
      result.mean_clear_count, static_cast<unsigned long long>(result.pixels_without_clear),
      result.path.string().c_str(), result.count_band);
}

namespace commands {

std::string composite(const CompositeCommand& command, const ProgressCallback& progress) {
  return format_composite_summary(command, run_composite_command(command, progress));
}

}  // namespace commands
}  // namespace zw
