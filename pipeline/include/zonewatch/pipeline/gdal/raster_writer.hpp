#pragma once
// THE GeoTIFF on the analysis grid: N bands of one type, the grid's geotransform and CRS,
// written tile by tile, closed with GDAL's late errors surfaced. The change map, the patch
// raster and the composites are all written by it. Outputs users open (the change map, the
// composites) are finished as Cloud Optimized GeoTIFFs (CogOptions): the tiles stream into a
// tiled GeoTIFF beside the file, and close() copies that into the COG layout with GDAL's COG
// driver, so memory stays flat however large the raster.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <gdal_priv.h>

#include "zonewatch/kernels/tile.hpp"
#include "zonewatch/pipeline/core/atomic_output.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"

namespace zw {

/// The GDAL type of a pixel type (the types zonewatch writes).
template <class T>
constexpr GDALDataType gdal_type_of() {
  if constexpr (std::is_same_v<T, std::uint8_t>)
    return GDT_Byte;
  else if constexpr (std::is_same_v<T, std::int16_t>)
    return GDT_Int16;
  else if constexpr (std::is_same_v<T, std::uint16_t>)
    return GDT_UInt16;
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return GDT_UInt32;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return GDT_Int32;
  else if constexpr (std::is_same_v<T, float>)
    return GDT_Float32;
  else if constexpr (std::is_same_v<T, double>)
    return GDT_Float64;
  else
    static_assert(sizeof(T) == 0, "no GDAL type for this pixel type");
}

/// The narrowest unsigned type of an id raster whose ids go up to `largest_id` (Byte, UInt16,
/// UInt32): a scan with fewer than 65,536 patches writes half the bytes of UInt32 ids.
[[nodiscard]] GDALDataType narrowest_id_type(std::uint64_t largest_id);

/// How one band of a RasterWriter is described.
struct RasterBandInfo {
  std::string description;  // "" = none
  std::optional<double> nodata;
  std::optional<double> scale, offset;  // set together: value = raw * scale + offset
};

struct RasterWriterOptions {
  int bands = 1;
  GDALDataType type = GDT_Byte;
  std::vector<std::string> creation_options;                  // GTiff creation options, e.g. "COMPRESS=DEFLATE"
  std::vector<RasterBandInfo> band_info;                      // per band, in band order (fewer: the rest undescribed)
  std::vector<std::pair<std::string, std::string>> metadata;  // dataset metadata items
};

/// How close() lays the file out as a Cloud Optimized GeoTIFF: 512 px tiles, overviews down
/// to one tile, compression with a predictor (horizontal for integers, floating point for
/// floats), BIGTIFF=IF_SAFER, all CPUs compressing. Nodata, colour table, band descriptions,
/// scale/offset and metadata are copied from what the writer was told.
struct CogOptions {
  /// GDAL's name of the overview resampling: NEAREST for classes (an overview pixel is one of
  /// the pixels it covers), AVERAGE for reflectance (nodata pixels left out of the mean).
  std::string overview_resampling = "NEAREST";
  /// GDAL's compression name; "" = default_cog_compression().
  std::string compression;
  int block_size = 512;
  /// Compression level (DEFLATE 1-9, ZSTD 1-22); GDAL's default for DEFLATE is 6.
  int level = 6;
  /// Whether the intermediate the tiles stream into is compressed (scratch_compression_options)
  /// or written as it is: on disk, until close() has laid the COG out, it then takes
  /// width x height x bands x the type's size, plus a third for the overviews.
  bool compress_intermediate = true;

  /// Class rasters (the change map): nearest-neighbour overviews, DEFLATE at GDAL's default
  /// level (mostly-zero blocks cost little at any level, and level 1 makes them 11 % larger).
  /// A compressed intermediate: its mostly-zero blocks shrink to almost nothing, and an
  /// uncompressed one was no faster to lay out.
  [[nodiscard]] static CogOptions for_classes() { return {"NEAREST", "", 512, 6, true}; }
  /// Continuous rasters (composite reflectance): averaged overviews, DEFLATE level 1. On
  /// predicted reflectance, level 6 spent 3.8 times the CPU of level 1, and its files were
  /// 2-3 % larger on OSCD's Sentinel-2 bands and 1.7 % smaller on the synthetic bench's noise
  /// (docs/SCALING.md). An uncompressed intermediate: compressing dense reflectance only to
  /// decompress it once cost a 12-scene composite of 10980^2 a tenth of its CPU (its
  /// intermediate is then 1.6 GB, beside the output).
  [[nodiscard]] static CogOptions for_reflectance() { return {"AVERAGE", "", 512, 1, false}; }
};

/// How many overviews the COG driver gives a width x height raster laid out in block_size
/// tiles: halving (rounding up) until the raster fits one tile.
[[nodiscard]] int cog_overview_count(int width, int height, int block_size);

/// DEFLATE: what every GeoTIFF reader decodes (ZSTD is smaller, but older readers lack it).
[[nodiscard]] std::string default_cog_compression();

/// Creation options for a GeoTIFF that zonewatch writes for itself, reads back once and
/// deletes (compressed COG intermediates, id rasters): ZSTD at level 1, the cheapest to write and read,
/// or DEFLATE at level 1 where this GDAL's GeoTIFF driver has no ZSTD.
[[nodiscard]] const std::vector<std::string>& scratch_compression_options();

/// The creation options of a COG's intermediate, from those the caller gave the writer: its
/// compression (and predictor) replaced by scratch_compression_options(), or removed where
/// `cog.compress_intermediate` is false. The delivered COG has the compression of `cog`.
[[nodiscard]] std::vector<std::string> cog_intermediate_options(std::vector<std::string> creation_options,
                                                                const CogOptions& cog);

/// A GeoTIFF on `grid` created (or replaced) at `path`. Every failure throws OutputError
/// naming the file.
///
/// With `cog`, the tiles go to a hidden intermediate GeoTIFF beside `path` (an AtomicFile of
/// `path` that is never committed: the caller's own atomic mechanism, a staging folder or an
/// AtomicFile, still moves `path` into place), and close() writes `path` from it with the COG
/// driver, then deletes it. Without close() (an exception), the intermediate is removed and
/// `path` is never created.
class RasterWriter {
 public:
  RasterWriter(const std::filesystem::path& path, const AnalysisGrid& grid, const RasterWriterOptions& options,
               std::optional<CogOptions> cog = std::nullopt);
  ~RasterWriter();
  RasterWriter(const RasterWriter&) = delete;
  RasterWriter& operator=(const RasterWriter&) = delete;
  RasterWriter(RasterWriter&&) = default;
  RasterWriter& operator=(RasterWriter&&) = default;

  /// One band's tile (any row stride) into window `w`; T must be the writer's type.
  template <class T>
  void write(const kernels::Window& w, kernels::ConstTileView<T> tile, int band = 1) {
    check_type(gdal_type_of<T>());
    write_band(w, band, tile.data, static_cast<std::ptrdiff_t>(tile.stride), sizeof(T), type_);
  }

  /// Ids (patch or water-body numbers) into a writer of an unsigned integer type, narrower
  /// than theirs when every id fits it (narrowest_id_type). An id beyond the type's largest
  /// value is written as that value (GDAL's clamping conversion).
  void write_ids(const kernels::Window& w, kernels::ConstTileView<std::uint32_t> ids);

  /// Every band of window `w` at once, band-sequential and contiguous (band b's pixels
  /// start at b * w.width * w.height); T must be the writer's type.
  template <class T>
  void write_bands(const kernels::Window& w, const std::vector<T>& planes) {
    check_type(gdal_type_of<T>());
    write_all(w, planes.data(), planes.size());
  }

  /// With CogOptions: the caller computes the COG's overviews itself (averaged tile by tile
  /// with kernels::average_overviews, say) instead of GDAL reading the whole raster back to
  /// resample it in close(). Returns the number of levels to write with
  /// write_overview_bands() (level k halves the raster k times, sizes rounded up), every
  /// pixel of every level: cog_overview_count() levels when that is at most `max_levels`
  /// (how many halvings the caller's tiles are aligned for), else 0, and close() has GDAL
  /// compute them as before. Call it before writing any tile.
  [[nodiscard]] int provide_overviews(int max_levels);

  /// Every band of window `w` of overview `level` (1 = half size; `w` in that level's pixels),
  /// band-sequential as for write_bands(); after provide_overviews() returned `level` or more.
  template <class T, class Allocator>
  void write_overview_bands(int level, const kernels::Window& w, const std::vector<T, Allocator>& planes) {
    check_type(gdal_type_of<T>());
    write_overview_all(level, w, planes.data(), planes.size());
  }

  /// GDALClose writes the last blocks and the directory, and with CogOptions the COG is
  /// written from them: errors then (disk full) throw OutputError naming the file. A second
  /// call does nothing.
  void close();

  /// The file the writer makes (with CogOptions, complete only after close()).
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  /// For descriptions this writer has no option for (a colour table).
  [[nodiscard]] GDALRasterBand* band(int index = 1);

 private:
  void check_type(GDALDataType type) const;
  void write_band(const kernels::Window& w, int band, const void* data, std::ptrdiff_t stride, std::size_t pixel_bytes,
                  GDALDataType data_type);
  void write_all(const kernels::Window& w, const void* data, std::size_t values);
  void write_overview_all(int level, const kernels::Window& w, const void* data, std::size_t values);
  /// Throws InternalError after close() or unless `values` fill every band of `w`.
  void check_all_bands(const kernels::Window& w, std::size_t values, const char* what) const;
  /// After band `index` (0: every band) got window `w`: where the windows so far came in
  /// tile order (rows of tiles, left to right, top to bottom), the blocks of the tile rows
  /// now complete leave GDAL's block cache for the file. Otherwise finished blocks linger
  /// there until close(): at 10980^2 the change map and patch ids filled the whole cache
  /// (~410 MB), beside the inputs' decoded blocks, which zonewatch caches itself
  /// (gdal/tiff_blocks.hpp). Out of order, blocks stay cached (a block flushed before it is
  /// complete would be read back and decoded).
  void release_finished_rows(int index, const kernels::Window& w);
  void write_cog();
  void discard_intermediate() noexcept;

  std::filesystem::path path_;
  std::optional<CogOptions> cog_;
  std::unique_ptr<AtomicFile> intermediate_;  // with cog_: where the tiles go before close()
  int bands_ = 1;
  GDALDataType type_ = GDT_Byte;
  int provided_overviews_ = 0;               // levels the caller writes (provide_overviews)
  std::vector<std::uint8_t> narrow_bytes_;   // write_ids' narrowed copy of a tile, reused
  std::vector<std::uint16_t> narrow_words_;  // ditto, for a UInt16 raster
  struct WriteOrder {                        // per band: how far its writes came in tile order
    int row_y0 = 0, row_y1 = 0, next_x = 0;
    int released_block_rows = 0;
    bool in_order = true;
  };
  std::vector<WriteOrder> write_order_;
  DatasetPtr dataset_;
};

}  // namespace zw
