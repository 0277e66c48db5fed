#pragma once
// A GeoTIFF's blocks decoded straight from the file's bytes, for the layouts scenes come in
// (tiled or stripped, DEFLATE or uncompressed, with or without horizontal differencing):
// the bytes of each block read once, inflated by libdeflate into a buffer of our own and
// kept in one process-wide cache of decoded blocks, which SceneReader copies windows out of.
// GDAL's own path (GTiffDataset::MultiThreadedRead, then its block cache) zero-fills a
// buffer per block, builds an in-memory TIFF per block to decode it, spreads the pixels over
// one cached block per band and copies each band out again; without it the bench scan of a
// 10980^2 pair spends 11.0-11.4 CPU-seconds instead of 11.5-11.9 (docs/SCALING.md). Any other layout (other codecs,
// big-endian files, odd bit depths, sparse blocks, files GDAL reaches through a VRT or a subdataset name) returns null
// from open() and is read through GDAL as before.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <gdal_priv.h>

#include "zonewatch/kernels/tile.hpp"

namespace zw {

/// A raster whose blocks zonewatch decodes itself: one GeoTIFF (TiffBlocks) or a VRT mosaic
/// of them (gdal/block_mosaic.hpp). Reads may run on several threads at once.
class DirectRaster {
 public:
  virtual ~DirectRaster() = default;
  /// Copies `window` of each band in `bands` (1-based) into the matching `outs` buffer,
  /// row-major, window.width * window.height values of type() each.
  virtual void read(std::span<const int> bands, kernels::Window window, std::span<std::byte* const> outs) const = 0;
  /// Decoded bytes of the blocks `window` touches for `bands` (what the cache would hold).
  [[nodiscard]] virtual std::size_t cached_bytes(std::span<const int> bands, kernels::Window window) const = 0;
  /// Marks the cached blocks `window` touches for `bands` as just used (none is read).
  virtual void keep_cached(std::span<const int> bands, kernels::Window window) const = 0;
  [[nodiscard]] virtual GDALDataType type() const = 0;
};

class TiffBlocks final : public DirectRaster {
 public:
  /// The file's block reader, or null where its layout needs GDAL. Readers of one path
  /// share one instance (and so its decoded blocks) while any of them holds it. Reads the
  /// block offsets through `dataset` (not thread-safe, like every GDAL call on a dataset).
  static std::shared_ptr<const TiffBlocks> open(GDALDataset& dataset, const std::string& path);

  ~TiffBlocks() override;
  TiffBlocks(const TiffBlocks&) = delete;
  TiffBlocks& operator=(const TiffBlocks&) = delete;

  /// Copies `window` of each band in `bands` (1-based) into the matching `outs` buffer,
  /// row-major, window.width * window.height values of type() each. The blocks not cached
  /// are decoded in parallel (TBB, isolated from the caller's other work). Throws
  /// InputError naming the file and the block when a block cannot be read or inflated.
  void read(std::span<const int> bands, kernels::Window window, std::span<std::byte* const> outs) const override;

  /// Decoded bytes of the blocks `window` touches for `bands` (what the cache would hold).
  [[nodiscard]] std::size_t cached_bytes(std::span<const int> bands, kernels::Window window) const override;
  /// Marks the cached blocks `window` touches for `bands` as just used (none is read), so
  /// that the cache, which lets the least recently used go first, keeps them longer.
  void keep_cached(std::span<const int> bands, kernels::Window window) const override;

  [[nodiscard]] GDALDataType type() const override { return type_; }
  [[nodiscard]] const std::string& path() const { return path_; }

  /// Blocks decoded since the process started, all files (for tests: each block once).
  static std::uint64_t blocks_decoded();
  /// Lets every cached block go (a later read decodes again). For a pass that is done with
  /// its inputs: the cache only gives blocks back when new ones come in, so after the last
  /// read it would keep its whole budget while GDAL's cache fills up beside it with the
  /// outputs' blocks (at 21960^2 the change map's overviews: peak RSS 770 -> 930 MB).
  static void drop_cached();

  struct Layout;  // the file's geometry, codec and block offsets (tiff_blocks.cpp)

 private:
  TiffBlocks(std::string path, std::unique_ptr<Layout> layout, GDALDataType type);
  /// The cache keys (plane, block) of `window` for `bands`, each once.
  [[nodiscard]] std::vector<std::uint64_t> block_keys(std::span<const int> bands, kernels::Window window) const;

  std::string path_;
  std::unique_ptr<Layout> layout_;
  GDALDataType type_ = GDT_Unknown;
  std::uint64_t id_ = 0;  // this file's part of the cache's keys
};

}  // namespace zw
