#pragma once
// change.tif: one byte per pixel, the change type (kernels::ChangeType) on the analysis
// grid, 255 = no data, with a colour table and category names for GIS viewers.
#include <filesystem>

#include <gdal_priv.h>

#include "zonewatch/pipeline/gdal/raster_writer.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"

namespace zw {

/// The change map's nodata value (kernels::ChangeType::nodata).
[[nodiscard]] double change_map_nodata();

/// A writer for the change map at `path` on `grid`, a Cloud Optimized GeoTIFF once closed
/// (nearest-neighbour overviews), described (nodata, colours, category names, band
/// description).
RasterWriter create_change_map(const std::filesystem::path& path, const AnalysisGrid& grid);

/// Sets the change map's nodata, colour table, category names and description on `band`.
void describe_change_map(GDALRasterBand& band);

}  // namespace zw
