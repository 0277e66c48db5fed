#pragma once
// True-colour pictures of a scene for the scan's summary page: a quick-look of the whole
// analysis grid (~800 px on the long side) and small chips around hotspots. Read through
// GDAL's RasterIO into a downsampling buffer (overviews used where the file has them), so a
// 10980² scene costs a few MB, never the raster at full resolution.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/outputs/summary_page.hpp"

namespace zw {

/// The red, green and blue bands of a scene over one frame, NaN where there is no data.
struct TrueColourPlanes {
  int width = 0, height = 0;
  std::array<std::vector<float>, 3> rgb;
};

/// An 8-bit RGB picture, row by row.
struct RgbImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;
};

/// The frame that shows the whole grid with `long_side` pixels on its longer side (never
/// finer than the grid itself).
ImageFrame quicklook_frame(const AnalysisGrid& grid, int long_side);

/// A square frame around a box in grid CRS: the box with a margin of half its size, at least
/// `min_margin_m`, at the grid's resolution or coarser so that it has at most `max_pixels`.
ImageFrame chip_frame(const AnalysisGrid& grid, double min_x, double min_y, double max_x, double max_y,
                      double min_margin_m, int max_pixels);

/// Reads the red, green and blue bands of one scene onto frames in the grid's CRS; the band
/// files are opened once. Files in the grid's CRS are read directly (RasterIO, averaging);
/// others through a warped VRT. Throws InputError naming the scene when a band is missing or
/// a file cannot be placed on the grid.
class TrueColourReader {
 public:
  TrueColourReader(const Scene& scene, std::string grid_crs_wkt);
  ~TrueColourReader();
  TrueColourReader(const TrueColourReader&) = delete;
  TrueColourReader& operator=(const TrueColourReader&) = delete;

  [[nodiscard]] TrueColourPlanes read(const ImageFrame& frame);

 private:
  struct Source;
  std::string grid_crs_wkt_;
  std::vector<std::unique_ptr<Source>> sources_;  // the files of the red, green and blue bands
};

/// Each picture stretched linearly from the 2nd to the 98th percentile of every band, the
/// percentiles taken over all of `planes` together (chips of two dates share one stretch,
/// so colour differences are real). No-data pixels are dark grey.
std::vector<RgbImage> stretch_2_98(const std::vector<const TrueColourPlanes*>& planes);

/// PNG bytes of an image (OpenCV imgcodecs). Throws OutputError when encoding fails.
std::string encode_png(const RgbImage& image);
/// JPEG bytes of an image: a natural scene's quick-look is several times smaller than as PNG.
std::string encode_jpeg(const RgbImage& image, int quality);

}  // namespace zw
