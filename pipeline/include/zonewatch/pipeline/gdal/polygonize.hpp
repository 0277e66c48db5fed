#pragma once
// Polygons of labelled change patches (8-connected, as labelled), from the patch-id raster
// detection writes (0 = no patch, id p + 1 = patch p).
#include <cstddef>
#include <filesystem>
#include <memory>
#include <vector>

#include <ogr_geometry.h>

#include "zonewatch/kernels/components.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"

namespace zw {

/// One patch's polygons in the grid CRS (empty when the raster holds none of its pixels).
struct PatchGeometry {
  std::unique_ptr<OGRMultiPolygon> geometry = std::make_unique<OGRMultiPolygon>();
};

/// Polygons of every patch of `stats` (index = id - 1). Patches cover a small share of a
/// scene, so each is polygonized over its own bounding box instead of scanning every
/// background pixel (seconds for a Sentinel-2 tile); vertices equal a whole-raster pass.
/// Falls back to polygonize_whole_raster when a patch's box is too large to hold or its
/// polygons do not cover its pixel count. Throws InternalError naming the raster.
std::vector<PatchGeometry> polygonize_patches(const std::filesystem::path& patch_raster,
                                              const std::vector<kernels::ComponentStats>& stats,
                                              const AnalysisGrid& grid);

/// Polygons of patch ids 1..patch_count from one GDALPolygonize pass over the whole raster
/// (memory bounded by a raster row).
std::vector<PatchGeometry> polygonize_whole_raster(const std::filesystem::path& patch_raster, std::size_t patch_count,
                                                   const AnalysisGrid& grid);

}  // namespace zw
