#pragma once
// change.tif: one byte per pixel, the change type (kernels::ChangeType) on the analysis
// grid, 255 = no data, with a colour table and category names for GIS viewers.
#include <cstdint>
#include <filesystem>
#include <string>

#include <gdal_priv.h>

#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/pipeline/gdal/raster_writer.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"

namespace zw {

/// The colour of a change type wherever one is drawn (change.tif's colour table, the
/// summary page's map and legend): ColorBrewer-like, green vegetation, orange construction,
/// blue water loss, cyan water gain, olive other; no change and no data transparent black.
struct ChangeColour {
  std::uint8_t red = 0, green = 0, blue = 0, alpha = 0;
  [[nodiscard]] std::string hex() const;  // "#rrggbb"
};
[[nodiscard]] ChangeColour change_type_colour(kernels::ChangeType type);

/// The change map's nodata value (kernels::ChangeType::nodata).
[[nodiscard]] double change_map_nodata();

/// A writer for the change map at `path` on `grid`, a Cloud Optimized GeoTIFF once closed
/// (nearest-neighbour overviews), described (nodata, colours, category names, band
/// description).
RasterWriter create_change_map(const std::filesystem::path& path, const AnalysisGrid& grid);

/// Sets the change map's nodata, colour table, category names and description on `band`.
void describe_change_map(GDALRasterBand& band);

}  // namespace zw
