#include "zonewatch/pipeline/gdal/polygonize.hpp"

#include <array>
#include <cmath>
#include <cstdint>

#include <gdal_alg.h>
#include <ogrsf_frmts.h>

#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw {
namespace fs = std::filesystem;

namespace {

/// Applies the grid's geotransform to pixel-corner coordinates of a patch window whose
/// top-left pixel is (x0, y0), with GDALPolygonize's formula, so vertices equal those a
/// whole-raster pass gives. Returns the ring's area in pixels (shoelace, before transform).
double georeference_ring(OGRLinearRing& ring, int x0, int y0, const std::array<double, 6>& gt) {
  double twice_area = 0.0;
  const int n = ring.getNumPoints();
  for (int i = 0; i < n; ++i) {
    const int j = (i + 1) % n;
    twice_area += ring.getX(i) * ring.getY(j) - ring.getX(j) * ring.getY(i);
  }
  for (int i = 0; i < n; ++i) {
    const double px = x0 + ring.getX(i);
    const double py = y0 + ring.getY(i);
    ring.setPoint(i, gt[0] + px * gt[1] + py * gt[2], gt[3] + px * gt[4] + py * gt[5]);
  }
  return std::abs(twice_area) / 2.0;
}

}  // namespace

std::vector<PatchGeometry> polygonize_whole_raster(const fs::path& patch_raster, std::size_t patch_count,
                                                   const AnalysisGrid& grid) {
  DatasetPtr raster = open_raster(patch_raster.string());
  GDALDriver* memory = GetGDALDriverManager()->GetDriverByName("Memory");
  DatasetPtr vectors(memory->Create("", 0, 0, 0, GDT_Unknown, nullptr));
  OGRSpatialReference srs;
  if (!grid.crs_wkt.empty()) srs.importFromWkt(grid.crs_wkt.c_str());
  OGRLayer* layer = vectors->CreateLayer("patches", grid.crs_wkt.empty() ? nullptr : &srs, wkbPolygon, nullptr);
  OGRFieldDefn field("patch", OFTInteger64);
  layer->CreateField(&field);
  GDALRasterBand* band = raster->GetRasterBand(1);
  char* options[] = {const_cast<char*>("8CONNECTED=8"), nullptr};
  take_gdal_error();
  if (GDALPolygonize(band, band->GetMaskBand(), layer, 0, options, nullptr, nullptr) != CE_None) {
    throw InternalError(patch_raster.string() + ": polygonize failed" + gdal_error_suffix());
  }
  std::vector<PatchGeometry> patches(patch_count);
  layer->ResetReading();
  for (auto& feature : *layer) {
    const auto id = feature->GetFieldAsInteger64(0);
    if (id <= 0 || static_cast<std::size_t>(id) > patch_count) continue;
    const OGRGeometry* g = feature->GetGeometryRef();
    if (g != nullptr && wkbFlatten(g->getGeometryType()) == wkbPolygon) {
      patches[static_cast<std::size_t>(id - 1)].geometry->addGeometry(g);
    }
  }
  return patches;
}

std::vector<PatchGeometry> polygonize_patches(const fs::path& patch_raster,
                                              const std::vector<kernels::ComponentStats>& stats,
                                              const AnalysisGrid& grid) {
  constexpr long long kMaxWindowPixels = 4096LL * 4096LL;  // ~170 MB of window buffers
  for (const kernels::ComponentStats& s : stats) {
    const long long w = s.max_x - s.min_x + 1LL, h = s.max_y - s.min_y + 1LL;
    if (w * h > kMaxWindowPixels) return polygonize_whole_raster(patch_raster, stats.size(), grid);
  }
  DatasetPtr raster = open_raster(patch_raster.string());
  GDALRasterBand* band = raster->GetRasterBand(1);
  GDALDriver* memory_raster = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDriver* memory_vector = GetGDALDriverManager()->GetDriverByName("Memory");
  DatasetPtr vectors(memory_vector->Create("", 0, 0, 0, GDT_Unknown, nullptr));
  char* options[] = {const_cast<char*>("8CONNECTED=8"), nullptr};
  std::vector<PatchGeometry> patches(stats.size());
  std::vector<std::uint32_t> ids;
  std::vector<std::uint8_t> mask;
  for (std::size_t p = 0; p < stats.size(); ++p) {
    const kernels::ComponentStats& s = stats[p];
    const auto id = static_cast<std::uint32_t>(p + 1);
    const int w = s.max_x - s.min_x + 1, h = s.max_y - s.min_y + 1;
    if (s.pixel_count == 0 || w <= 0 || h <= 0 || s.min_x < 0 || s.min_y < 0 || s.max_x >= grid.width ||
        s.max_y >= grid.height) {
      return polygonize_whole_raster(patch_raster, stats.size(), grid);
    }
    const auto n = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
    ids.resize(n);
    mask.resize(n);
    take_gdal_error();
    if (band->RasterIO(GF_Read, s.min_x, s.min_y, w, h, ids.data(), w, h, GDT_UInt32, 0, 0, nullptr) != CE_None) {
      throw InternalError(patch_raster.string() + ": read failed" + gdal_error_suffix());
    }
    for (std::size_t i = 0; i < n; ++i) {
      mask[i] = ids[i] == id ? 1 : 0;
      if (mask[i] == 0) ids[i] = 0;
    }
    DatasetPtr window(memory_raster->Create("", w, h, 1, GDT_UInt32, nullptr));
    DatasetPtr window_mask(memory_raster->Create("", w, h, 1, GDT_Byte, nullptr));
    if (!window || !window_mask ||
        window->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, w, h, ids.data(), w, h, GDT_UInt32, 0, 0, nullptr) !=
            CE_None ||
        window_mask->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, w, h, mask.data(), w, h, GDT_Byte, 0, 0, nullptr) !=
            CE_None) {
      throw InternalError("patch " + std::to_string(id) + ": cannot build its polygonize window" + gdal_error_suffix());
    }
    OGRLayer* layer = vectors->CreateLayer("patch", nullptr, wkbPolygon, nullptr);
    OGRFieldDefn field("patch", OFTInteger64);
    layer->CreateField(&field);
    if (GDALPolygonize(window->GetRasterBand(1), window_mask->GetRasterBand(1), layer, 0, options, nullptr, nullptr) !=
        CE_None) {
      throw InternalError(patch_raster.string() + ": polygonize failed" + gdal_error_suffix());
    }
    double pixels = 0.0;
    layer->ResetReading();
    for (auto& feature : *layer) {
      if (feature->GetFieldAsInteger64(0) != id) continue;
      OGRGeometry* g = feature->GetGeometryRef();
      if (g == nullptr || wkbFlatten(g->getGeometryType()) != wkbPolygon) continue;
      auto* polygon = g->toPolygon();
      for (int r = 0; r < polygon->getNumInteriorRings() + 1; ++r) {
        OGRLinearRing* ring = r == 0 ? polygon->getExteriorRing() : polygon->getInteriorRing(r - 1);
        const double ring_pixels = georeference_ring(*ring, s.min_x, s.min_y, grid.geotransform);
        pixels += r == 0 ? ring_pixels : -ring_pixels;
      }
      patches[p].geometry->addGeometry(polygon);
    }
    vectors->DeleteLayer(0);
    if (std::llround(pixels) != static_cast<long long>(s.pixel_count)) {
      return polygonize_whole_raster(patch_raster, stats.size(), grid);
    }
  }
  return patches;
}

}  // namespace zw
