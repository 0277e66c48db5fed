#pragma once
// The grid of one raster file, and whether it already lies on the analysis grid: shared by
// the analysis grid (grid.cpp) and the scene reader (scene_reader.cpp); not a public header.
#include <array>
#include <string>
#include <vector>

#include "zonewatch/pipeline/grid/grid.hpp"

namespace zw::grid_detail {

struct FileGrid {
  std::string path;
  std::string wkt;
  std::array<double, 6> gt{0, 1, 0, 0, 0, 1};
  bool has_geotransform = false;
  int width = 0, height = 0;
};

FileGrid read_file_grid(const std::string& path);

/// True when the file's pixels are the grid's pixels (same size, CRS and geotransform).
bool same_grid(const FileGrid& f, const AnalysisGrid& g);

/// A warped VRT of `dataset` on the grid: `options` (resampling, nodata handling) plus the
/// grid's CRS, extent and size. Throws InputError "<path>: [<what> ]cannot be warped ...".
DatasetPtr warp_onto_grid(GDALDataset* dataset, const std::string& path, const AnalysisGrid& grid,
                          std::vector<std::string> options, const std::string& what);

}  // namespace zw::grid_detail
