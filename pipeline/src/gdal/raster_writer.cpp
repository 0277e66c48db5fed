#include "zonewatch/pipeline/gdal/raster_writer.hpp"

#include <limits>

#include <algorithm>
#include <chrono>
#include <system_error>

#include <ogr_spatialref.h>

#include "zonewatch/pipeline/core/concurrency.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"

namespace zw {
namespace fs = std::filesystem;

namespace {

/// A NULL-terminated option list over `options` (which must outlive it).
std::vector<char*> option_list(const std::vector<std::string>& options) {
  std::vector<char*> list;
  for (const auto& o : options) list.push_back(const_cast<char*>(o.c_str()));
  list.push_back(nullptr);
  return list;
}

GDALDriver* cog_driver() { return GetGDALDriverManager()->GetDriverByName("COG"); }

}  // namespace

std::string default_cog_compression() {
  // DEFLATE rather than ZSTD: a little larger, but every QGIS, ArcGIS and browser GeoTIFF
  // reader a bureau or its web server meets decodes it.
  return "DEFLATE";
}

const std::vector<std::string>& scratch_compression_options() {
  static const std::vector<std::string> options = [] {
    GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
    const char* listed = gtiff != nullptr ? gtiff->GetMetadataItem(GDAL_DMD_CREATIONOPTIONLIST) : nullptr;
    const bool zstd = listed != nullptr && std::string(listed).find("<Value>ZSTD</Value>") != std::string::npos;
    return zstd ? std::vector<std::string>{"COMPRESS=ZSTD", "ZSTD_LEVEL=1"}
                : std::vector<std::string>{"COMPRESS=DEFLATE", "ZLEVEL=1"};
  }();
  return options;
}

std::vector<std::string> cog_intermediate_options(std::vector<std::string> creation_options, const CogOptions& cog) {
  // The intermediate is read back once by close() and deleted: scratch compression or none,
  // whatever compression the caller named (DEFLATE at its default level cost as much CPU as
  // the COG itself; ZSTD 1 encodes and decodes faster than DEFLATE 1).
  const bool compress = cog.compress_intermediate;
  std::erase_if(creation_options, [compress](const std::string& o) {
    return o.starts_with("COMPRESS=") || o.starts_with("ZLEVEL=") || o.starts_with("ZSTD_LEVEL=") ||
           (!compress && o.starts_with("PREDICTOR="));  // a predictor needs a codec
  });
  if (compress) {
    const auto& scratch = scratch_compression_options();
    creation_options.insert(creation_options.end(), scratch.begin(), scratch.end());
  }
  return creation_options;
}

int cog_overview_count(int width, int height, int block_size) {
  int levels = 0;
  while (width > block_size || height > block_size) {
    width = (width + 1) / 2;
    height = (height + 1) / 2;
    ++levels;
  }
  return levels;
}

RasterWriter::RasterWriter(const fs::path& path, const AnalysisGrid& grid, const RasterWriterOptions& options,
                           std::optional<CogOptions> cog)
    : path_(path), cog_(std::move(cog)), bands_(options.bands), type_(options.type) {
  if (bands_ < 1) throw InternalError(path.string() + ": a raster needs at least one band");
  if (cog_ && !cog_driver()) throw OutputError(path.string() + ": this GDAL has no COG driver (GDAL >= 3.1 has one)");
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GTiff");
  const std::vector<std::string> creation_options =
      cog_ ? cog_intermediate_options(options.creation_options, *cog_) : options.creation_options;
  const std::vector<char*> creation = option_list(creation_options);
  // With COG: the tiles stream into a hidden GeoTIFF in the same folder, laid out by close().
  if (cog_) intermediate_ = std::make_unique<AtomicFile>(path, "the tiled intermediate");
  const fs::path& written = cog_ ? intermediate_->temporary() : path;
  take_gdal_error();
  dataset_.reset(
      driver->Create(written.c_str(), grid.width, grid.height, bands_, type_, const_cast<char**>(creation.data())));
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

RasterWriter::~RasterWriter() {
  // Not closed (an exception): no half-made COG, no intermediate left behind.
  if (dataset_) {
    dataset_.reset();
    (void)take_gdal_error();
  }
  discard_intermediate();
}

void RasterWriter::discard_intermediate() noexcept {
  if (!intermediate_) return;
  std::error_code ignored;  // GTiff keeps what the TIFF has no tag for (category names) in a sidecar
  fs::remove(intermediate_->temporary().string() + ".aux.xml", ignored);
  intermediate_.reset();  // never committed: removes the intermediate itself
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

GDALDataType narrowest_id_type(std::uint64_t largest_id) {
  if (largest_id <= std::numeric_limits<std::uint8_t>::max()) return GDT_Byte;
  if (largest_id <= std::numeric_limits<std::uint16_t>::max()) return GDT_UInt16;
  return GDT_UInt32;
}

void RasterWriter::write_ids(const kernels::Window& w, kernels::ConstTileView<std::uint32_t> ids) {
  if (type_ != GDT_Byte && type_ != GDT_UInt16 && type_ != GDT_UInt32) {
    throw InternalError(path_.string() + ": ids written to a raster of " + GDALGetDataTypeName(type_) +
                        ", not an unsigned integer type");
  }
  if (type_ == GDT_UInt32) {
    write_band(w, 1, ids.data, static_cast<std::ptrdiff_t>(ids.stride), sizeof(std::uint32_t), GDT_UInt32);
    return;
  }
  // Narrowed here, in a loop that vectorises, and handed to GDAL in the raster's own type:
  // GDAL's general conversion (GDALCopyWords) took ~1.6 ns per id, the finalize pass's
  // largest serial cost at 10980^2 (docs/SCALING.md). Clamped as GDAL clamps.
  const auto narrow = [&]<class Narrow>(std::vector<Narrow>& narrowed) {
    constexpr auto largest = static_cast<std::uint32_t>(std::numeric_limits<Narrow>::max());
    narrowed.resize(static_cast<std::size_t>(w.width) * static_cast<std::size_t>(w.height));
    Narrow* out = narrowed.data();
    for (int y = 0; y < ids.height; ++y, out += ids.width) {
      const std::uint32_t* in = ids.row(y);
      for (int x = 0; x < ids.width; ++x) out[x] = static_cast<Narrow>(std::min(in[x], largest));
    }
    write_band(w, 1, narrowed.data(), ids.width, sizeof(Narrow), type_);
  };
  if (type_ == GDT_Byte) {
    narrow(narrow_bytes_);
  } else {
    narrow(narrow_words_);
  }
}

void RasterWriter::write_band(const kernels::Window& w, int index, const void* data, std::ptrdiff_t stride,
                              std::size_t pixel_bytes, GDALDataType data_type) {
  if (band(index)->RasterIO(GF_Write, w.x0, w.y0, w.width, w.height, const_cast<void*>(data), w.width, w.height,
                            data_type, static_cast<GSpacing>(pixel_bytes),
                            static_cast<GSpacing>(stride) * static_cast<GSpacing>(pixel_bytes), nullptr) != CE_None) {
    throw OutputError(path_.string() + ": write failed (disk full?)" + gdal_error_suffix());
  }
  release_finished_rows(index, w);
}

void RasterWriter::release_finished_rows(int index, const kernels::Window& w) {
  if (write_order_.empty()) write_order_.resize(static_cast<std::size_t>(bands_));
  const int width = dataset_->GetRasterXSize(), height = dataset_->GetRasterYSize();
  for (int b = index == 0 ? 1 : index; b <= (index == 0 ? bands_ : index); ++b) {
    WriteOrder& order = write_order_[static_cast<std::size_t>(b - 1)];
    if (!order.in_order) continue;
    const bool row_start = order.next_x == 0 && w.x0 == 0 && w.y0 == order.row_y0;
    const bool row_next = order.next_x > 0 && w.x0 == order.next_x && w.y0 == order.row_y0 && w.y1() == order.row_y1;
    if (!row_start && !row_next) {
      order.in_order = false;
      continue;
    }
    if (row_start) order.row_y1 = w.y1();
    order.next_x = w.x1();
    if (order.next_x < width) continue;
    // Tile row complete: its block rows, and any above, are finished.
    GDALRasterBand* target = band(b);
    int block_width = 0, block_height = 0;
    target->GetBlockSize(&block_width, &block_height);
    const int finished =
        order.row_y1 >= height ? (height + block_height - 1) / block_height : order.row_y1 / block_height;
    const int blocks_x = (width + block_width - 1) / block_width;
    for (int by = order.released_block_rows; by < finished; ++by) {
      for (int bx = 0; bx < blocks_x; ++bx) {
        if (target->FlushBlock(bx, by) != CE_None) {
          throw OutputError(path_.string() + ": write failed (disk full?)" + gdal_error_suffix());
        }
      }
    }
    order.released_block_rows = std::max(order.released_block_rows, finished);
    order.row_y0 = order.row_y1;
    order.next_x = 0;
  }
}

void RasterWriter::check_all_bands(const kernels::Window& w, std::size_t values, const char* what) const {
  if (!dataset_) throw InternalError(path_.string() + ": written after close");
  if (values != static_cast<std::size_t>(w.pixel_count()) * static_cast<std::size_t>(bands_)) {
    throw InternalError(path_.string() + ": " + std::to_string(values) + " values for " + std::to_string(bands_) +
                        " bands of a " + std::to_string(w.width) + "x" + std::to_string(w.height) + " " + what);
  }
}

void RasterWriter::write_all(const kernels::Window& w, const void* data, std::size_t values) {
  check_all_bands(w, values, "window");
  if (dataset_->RasterIO(GF_Write, w.x0, w.y0, w.width, w.height, const_cast<void*>(data), w.width, w.height, type_,
                         bands_, nullptr, 0, 0, 0, nullptr) != CE_None) {
    throw OutputError(path_.string() + ": write failed (disk full?)" + gdal_error_suffix());
  }
  release_finished_rows(0, w);
}

int RasterWriter::provide_overviews(int max_levels) {
  if (!cog_ || !dataset_) return 0;
  const int levels = cog_overview_count(dataset_->GetRasterXSize(), dataset_->GetRasterYSize(), cog_->block_size);
  if (levels == 0 || levels > max_levels) return 0;
  std::vector<int> factors;
  for (int k = 1; k <= levels; ++k) factors.push_back(1 << k);
  take_gdal_error();
  // "NONE": the levels are created (sizes rounded up, as the caller's halvings) and left for
  // the caller to fill.
  if (dataset_->BuildOverviews("NONE", levels, factors.data(), 0, nullptr, nullptr, nullptr) != CE_None) {
    throw OutputError(path_.string() + ": overviews cannot be added to the tiled intermediate (disk full?)" +
                      gdal_error_suffix());
  }
  provided_overviews_ = levels;
  return levels;
}

void RasterWriter::write_overview_all(int level, const kernels::Window& w, const void* data, std::size_t values) {
  check_all_bands(w, values, "overview window");
  if (level < 1 || level > provided_overviews_) {
    throw InternalError(path_.string() + ": no overview level " + std::to_string(level) + " to write (" +
                        std::to_string(provided_overviews_) + " provided)");
  }
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  const auto band_bytes =
      static_cast<std::size_t>(w.pixel_count()) * static_cast<std::size_t>(GDALGetDataTypeSizeBytes(type_));
  for (int b = 1; b <= bands_; ++b) {
    GDALRasterBand* overview = band(b)->GetOverview(level - 1);
    if (overview == nullptr || w.x0 < 0 || w.y0 < 0 || w.x1() > overview->GetXSize() || w.y1() > overview->GetYSize()) {
      throw InternalError(path_.string() + ": overview window outside level " + std::to_string(level));
    }
    if (overview->RasterIO(GF_Write, w.x0, w.y0, w.width, w.height,
                           const_cast<std::uint8_t*>(bytes + static_cast<std::size_t>(b - 1) * band_bytes), w.width,
                           w.height, type_, 0, 0, nullptr) != CE_None) {
      throw OutputError(path_.string() + ": overview write failed (disk full?)" + gdal_error_suffix());
    }
  }
}

void RasterWriter::close() {
  if (!dataset_) return;
  take_gdal_error();
  dataset_->FlushCache(true);
  dataset_.reset();  // GDALClose writes the last blocks and the directory
  const std::string error = take_gdal_error();
  if (!error.empty()) throw OutputError(path_.string() + ": cannot be completed (GDAL: " + error + ")");
  if (cog_) write_cog();
}

void RasterWriter::write_cog() {
  const CogOptions& cog = *cog_;
  const std::string compression = cog.compression.empty() ? default_cog_compression() : cog.compression;
  // PREDICTOR=YES: horizontal differencing (2) for integers, floating point (3) for floats.
  std::vector<std::string> options{"COMPRESS=" + compression,
                                   "PREDICTOR=YES",
                                   "BLOCKSIZE=" + std::to_string(cog.block_size),
                                   "LEVEL=" + std::to_string(cog.level),
                                   "OVERVIEW_RESAMPLING=" + cog.overview_resampling,
                                   "BIGTIFF=IF_SAFER",
                                   "NUM_THREADS=" + gdal_thread_count()};
  // The caller's overviews (provide_overviews) are copied; otherwise GDAL reads the whole
  // intermediate once more to compute them.
  options.emplace_back(provided_overviews_ > 0 ? "OVERVIEWS=FORCE_USE_EXISTING" : "OVERVIEWS=IGNORE_EXISTING");
  const std::vector<char*> list = option_list(options);
  const auto start = std::chrono::steady_clock::now();
  take_gdal_error();
  {
    // Not open_raster: failing to read back our own intermediate is an output error, not bad input.
    DatasetPtr source(GDALDataset::FromHandle(
        GDALOpenEx(intermediate_->temporary().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
    if (!source) throw OutputError(path_.string() + ": tiled intermediate cannot be read back" + gdal_error_suffix());
    DatasetPtr copy(cog_driver()->CreateCopy(path_.c_str(), source.get(), FALSE, const_cast<char**>(list.data()),
                                             nullptr, nullptr));
    if (!copy) {
      const std::string reason = gdal_error_suffix();
      std::error_code ignored;
      fs::remove(path_, ignored);
      throw OutputError(path_.string() + ": cannot be written as a Cloud Optimized GeoTIFF" + reason);
    }
  }  // closing the COG writes its last bytes
  const std::string error = take_gdal_error();
  discard_intermediate();
  if (!error.empty()) {
    std::error_code ignored;
    fs::remove(path_, ignored);
    throw OutputError(path_.string() + ": Cloud Optimized GeoTIFF cannot be completed (GDAL: " + error + ")");
  }
  logger("raster")->debug("{}: Cloud Optimized GeoTIFF ({}, {} overviews) written in {:.2f} s",
                          path_.filename().string(), compression,
                          provided_overviews_ > 0 ? std::string("caller-computed") : cog.overview_resampling,
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace zw
