#include "zonewatch/pipeline/gdal/raster_writer.hpp"

#include <ogr_spatialref.h>

#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace fs = std::filesystem;

RasterWriter::RasterWriter(const fs::path& path, const AnalysisGrid& grid, const RasterWriterOptions& options)
    : path_(path), bands_(options.bands), type_(options.type) {
  if (bands_ < 1) throw InternalError(path.string() + ": a raster needs at least one band");
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GTiff");
  std::vector<char*> creation;
  for (const auto& o : options.creation_options) creation.push_back(const_cast<char*>(o.c_str()));
  creation.push_back(nullptr);
  take_gdal_error();
  dataset_.reset(driver->Create(path.c_str(), grid.width, grid.height, bands_, type_, creation.data()));
  if (!dataset_) throw OutputError(path.string() + ": cannot be created" + gdal_error_suffix());
  dataset_->SetGeoTransform(const_cast<double*>(grid.geotransform.data()));
  if (!grid.crs_wkt.empty()) {
    OGRSpatialReference srs;
    srs.importFromWkt(grid.crs_wkt.c_str());
    dataset_->SetSpatialRef(&srs);
  }
  for (const auto& [key, value] : options.metadata) dataset_->SetMetadataItem(key.c_str(), value.c_str());
  for (std::size_t b = 0; b < options.band_info.size() && b < static_cast<std::size_t>(bands_); ++b) {
    const RasterBandInfo& info = options.band_info[b];
    GDALRasterBand* target = dataset_->GetRasterBand(static_cast<int>(b) + 1);
    if (info.nodata) target->SetNoDataValue(*info.nodata);
    if (!info.description.empty()) target->SetDescription(info.description.c_str());
    if (info.scale) target->SetScale(*info.scale);
    if (info.offset) target->SetOffset(*info.offset);
  }
}

GDALRasterBand* RasterWriter::band(int index) {
  if (!dataset_ || index < 1 || index > bands_) {
    throw InternalError(path_.string() + ": no band " + std::to_string(index) + " to write");
  }
  return dataset_->GetRasterBand(index);
}

void RasterWriter::check_type(GDALDataType type) const {
  if (type != type_) {
    throw InternalError(path_.string() + ": " + gdal_type_name(type) + " tile for a " + gdal_type_name(type_) +
                        " raster");
  }
}

void RasterWriter::write_band(const kernels::Window& w, int index, const void* data, std::ptrdiff_t stride,
                              std::size_t pixel_bytes) {
  if (band(index)->RasterIO(GF_Write, w.x0, w.y0, w.width, w.height, const_cast<void*>(data), w.width, w.height, type_,
                            static_cast<GSpacing>(pixel_bytes),
                            static_cast<GSpacing>(stride) * static_cast<GSpacing>(pixel_bytes), nullptr) != CE_None) {
    throw OutputError(path_.string() + ": write failed (disk full?)" + gdal_error_suffix());
  }
}

void RasterWriter::write_all(const kernels::Window& w, const void* data, std::size_t values) {
  if (!dataset_) throw InternalError(path_.string() + ": written after close");
  if (values != static_cast<std::size_t>(w.pixel_count()) * static_cast<std::size_t>(bands_)) {
    throw InternalError(path_.string() + ": " + std::to_string(values) + " values for " + std::to_string(bands_) +
                        " bands of a " + std::to_string(w.width) + "x" + std::to_string(w.height) + " window");
  }
  if (dataset_->RasterIO(GF_Write, w.x0, w.y0, w.width, w.height, const_cast<void*>(data), w.width, w.height, type_,
                         bands_, nullptr, 0, 0, 0, nullptr) != CE_None) {
    throw OutputError(path_.string() + ": write failed (disk full?)" + gdal_error_suffix());
  }
}

void RasterWriter::close() {
  if (!dataset_) return;
  take_gdal_error();
  dataset_->FlushCache(true);
  dataset_.reset();  // GDALClose writes the last blocks and the directory
  const std::string error = take_gdal_error();
  if (!error.empty()) throw OutputError(path_.string() + ": cannot be completed (GDAL: " + error + ")");
}

}  // namespace zw
