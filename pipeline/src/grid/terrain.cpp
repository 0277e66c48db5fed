#include "zonewatch/pipeline/grid/terrain.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>

#include "file_grid.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {

TerrainReader::TerrainReader(const std::string& dem_path, const AnalysisGrid& grid) : path_(dem_path) {
  dataset_ = open_raster(path_);
  if (dataset_->GetRasterCount() < 1) throw InputError(path_ + ": the DEM has no raster band");
  const grid_detail::FileGrid file = grid_detail::read_file_grid(path_);
  if (!grid_detail::same_grid(file, grid)) {
    if (grid.crs_wkt.empty() || file.wkt.empty()) {
      throw InputError(path_ + ": the DEM cannot be aligned with the analysis grid without georeferencing");
    }
    std::vector<std::string> options{"-r", "bilinear", "-ot", "Float32", "-dstnodata", "nan"};
    int has_nodata = 0;
    const double nodata = dataset_->GetRasterBand(1)->GetNoDataValue(&has_nodata);
    if (has_nodata != 0) {
      char buffer[64];
      std::snprintf(buffer, sizeof buffer, "%.17g", nodata);
      options.insert(options.end(), {"-srcnodata", buffer});
    }
    warped_ = grid_detail::warp_onto_grid(dataset_.get(), path_, grid, std::move(options), "the DEM");
  }
  const double px = std::abs(grid.geotransform[1]), py = std::abs(grid.geotransform[5]);
  if (grid.geographic) {
    // Degrees: metres of a degree of latitude, and of longitude at the grid's centre.
    constexpr double kMetresPerDegree = 111320.0;
    const double lat = grid.to_crs(grid.width / 2.0, grid.height / 2.0)[1];
    dy_m_ = py * kMetresPerDegree;
    dx_m_ = px * kMetresPerDegree * std::cos(lat * std::numbers::pi / 180.0);
  } else {
    dx_m_ = px * grid.linear_unit_m;
    dy_m_ = py * grid.linear_unit_m;
  }
}

kernels::Tile<float> TerrainReader::read(kernels::Window window) {
  kernels::Tile<float> out(window.width, window.height, kernels::kNaN);
  GDALDataset* source = warped_ ? warped_.get() : dataset_.get();
  GDALRasterBand* band = source->GetRasterBand(1);
  // A DEM on the grid is read where it reaches (the grid may be larger than the file).
  const int x0 = std::max(window.x0, 0), y0 = std::max(window.y0, 0);
  const int x1 = std::min(window.x1(), band->GetXSize()), y1 = std::min(window.y0 + window.height, band->GetYSize());
  if (x1 <= x0 || y1 <= y0) return out;
  take_gdal_error();
  const CPLErr err = band->RasterIO(
      GF_Read, x0, y0, x1 - x0, y1 - y0, out.view().row(y0 - window.y0) + (x0 - window.x0), x1 - x0, y1 - y0,
      GDT_Float32, 0, static_cast<GSpacing>(out.view().stride) * static_cast<GSpacing>(sizeof(float)), nullptr);
  if (err != CE_None) throw InputError(path_ + ": cannot read the DEM" + gdal_error_suffix());
  int has_nodata = 0;
  const double nodata = band->GetNoDataValue(&has_nodata);
  if (has_nodata != 0 && !std::isnan(nodata)) {
    const auto value = static_cast<float>(nodata);
    for (float& v : out.values()) {
      if (v == value) v = kernels::kNaN;
    }
  }
  return out;
}

}  // namespace zw
