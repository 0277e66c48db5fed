#pragma once
// The terrain: a DEM (config `terrain.dem`) read onto the analysis grid window by window,
// for the mining rule's slope (kernels/surface.hpp computes it with a 1-pixel halo).
#include <string>

#include "zonewatch/kernels/tile.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"

namespace zw {

/// Reads elevation on the analysis grid: the DEM's first band, bilinear where it is not on
/// the grid already (gdalwarp), as float metres. Not thread-safe, like SceneReader: read from
/// one serial stage. Throws InputError naming the DEM when it cannot be opened, has no
/// georeferencing, or does not overlap the grid.
class TerrainReader {
 public:
  TerrainReader(const std::string& dem_path, const AnalysisGrid& grid);

  /// Elevation over `window` (grid pixels); NaN where the DEM has no data or does not reach.
  [[nodiscard]] kernels::Tile<float> read(kernels::Window window);
  /// The grid's pixel size in metres across (x) and down (y), as the slope needs it; on a
  /// geographic grid at the grid's centre latitude (one value for the whole grid, so that
  /// tiled and whole runs agree).
  [[nodiscard]] double dx_m() const { return dx_m_; }
  [[nodiscard]] double dy_m() const { return dy_m_; }
  [[nodiscard]] bool warped() const { return static_cast<bool>(warped_); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
  DatasetPtr dataset_, warped_;
  double dx_m_ = 1.0, dy_m_ = 1.0;
};

}  // namespace zw
