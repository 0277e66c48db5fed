#pragma once
// The grid of one raster file, and whether it already lies on the analysis grid: shared by
// the analysis grid (grid.cpp), the scene reader (scene_reader.cpp) and the warps onto the grid
// (scene_warp.cpp); not a public header.
#include <array>
#include <optional>
#include <string>
#include <utility>
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

/// gdal_translate of `dataset` to an in-memory VRT with `args` (besides "-of VRT"); null when
/// GDAL refuses (its message waits in take_gdal_error()).
DatasetPtr translate_to_vrt(GDALDataset* dataset, std::vector<std::string> args);

/// gdalwarp's nodata options: the value in and out, or an alpha band marking pixels
/// outside the file when there is no nodata value.
std::vector<std::string> nodata_warp_options(const std::optional<double>& nodata);

/// How many of `dataset`'s pixels fit across one grid pixel (>1: the file is finer).
double source_pixels_per_grid_pixel(GDALDataset* dataset, const AnalysisGrid& grid);

/// The coverage of each grid pixel by `dataset`'s valid pixels, averaged by area: its mask
/// VRT (padded beyond the file's edge) and the warped coverage VRT reading it (Float32,
/// 0..255); the caller keeps both.
std::pair<DatasetPtr, DatasetPtr> warp_coverage(GDALDataset* dataset, const std::string& path, const AnalysisGrid& grid,
                                                double ratio);

/// A warped VRT of one-band `dataset` (a quality band) onto the grid, nearest neighbour.
DatasetPtr warp_quality_band(GDALDataset* dataset, const std::string& path, const AnalysisGrid& grid,
                             const std::optional<double>& nodata);

}  // namespace zw::grid_detail
