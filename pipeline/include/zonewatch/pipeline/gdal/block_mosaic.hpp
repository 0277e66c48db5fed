#pragma once
// A GDAL VRT that places GeoTIFFs side by side on its grid, read through each file's own
// decoded blocks (gdal/tiff_blocks.hpp) instead of through GDAL: a province given as one VRT
// of scene tiles then reads its tiles in the tile engine's parallel stage, as a single
// GeoTIFF does (through GDAL the mosaic's serial read stage was 16.2-16.8 s of a 28.8-31.0 s
// classification pass; docs/SCALING.md). Only VRTs GDAL would read the same way are taken:
// every band made of SimpleSources copying a rectangle of a band of a GeoTIFF TiffBlocks
// reads, unscaled and unresampled, of the band's own type; anything else (ComplexSource,
// resampling, pixel functions, masks, overviews) returns null and GDAL reads it.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <gdal_priv.h>

#include "zonewatch/kernels/tile.hpp"
#include "zonewatch/pipeline/gdal/tiff_blocks.hpp"

namespace zw {

class BlockMosaic final : public DirectRaster {
 public:
  /// The VRT's mosaic reader, or null where GDAL must read it. Opens the source files.
  static std::shared_ptr<const BlockMosaic> open(GDALDataset& vrt, const std::string& path);

  /// As GDAL reads the VRT: each band starts as its nodata value (0 without one), then its
  /// sources are copied in, in the VRT's order (a later source covers an earlier one).
  void read(std::span<const int> bands, kernels::Window window, std::span<std::byte* const> outs) const override;
  [[nodiscard]] std::size_t cached_bytes(std::span<const int> bands, kernels::Window window) const override;
  void keep_cached(std::span<const int> bands, kernels::Window window) const override;
  [[nodiscard]] GDALDataType type() const override { return type_; }

  /// One source rectangle: `from` in band `band` of `file`, copied to `to` in the VRT.
  struct Placement {
    std::shared_ptr<const TiffBlocks> file;
    int band = 0;
    kernels::Window from, to;
  };
  struct Band {
    double fill = 0.0;
    std::vector<Placement> placements;
  };
  /// `bands` by band number - 1; at least one.
  BlockMosaic(std::string path, GDALDataType type, std::vector<Band> bands);

 private:
  /// For each source rectangle `window` reaches, calls visit(first, placement, part of
  /// `window` it covers, that part in the source file, the source bands of bands[first...])
  /// once for all of `bands` where every band has the same sources, else once per band
  /// (`first` its index, one source band). `bands` must be the mosaic's.
  template <class Visit>
  void for_each_part(std::span<const int> bands, kernels::Window window, Visit&& visit) const;
  /// The bands of `bands` this mosaic has, in order.
  [[nodiscard]] std::vector<int> known_bands(std::span<const int> bands) const;

  std::string path_;
  GDALDataType type_ = GDT_Unknown;
  std::vector<Band> bands_;          // by band number - 1
  bool bands_share_places_ = false;  // every band takes the same rectangles of the same files
};

}  // namespace zw
