#pragma once
// The analysis grid every band of both scenes is resampled onto, and the reading of
// scene bands onto it (direct where a file already lies on the grid, GDAL warping else).
#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gdal_priv.h>

#include "zonewatch/kernels/tile.hpp"
#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/inputs/scene.hpp"

namespace zw {

struct AnalysisGrid {
  std::string crs_wkt;  // empty for images without georeferencing (pixel grid)
  std::array<double, 6> geotransform{0, 1, 0, 0, 0, 1};
  int width = 0;
  int height = 0;
  bool geographic = false;
  /// Metres per CRS unit (projected grids); for a grid without a CRS, metres per pixel unit
  /// (1 unless the user gives the images' pixel size, e.g. `eval --pixel-size`).
  double linear_unit_m = 1.0;

  [[nodiscard]] kernels::Window full() const { return {0, 0, width, height}; }
  /// Area in m² of one pixel of grid row `row` (rows differ on geographic grids).
  [[nodiscard]] double pixel_area_m2(int row) const;
  /// Areas of rows y0 .. y0 + rows - 1.
  [[nodiscard]] std::vector<double> row_areas_m2(int y0, int rows) const;
  /// CRS coordinates of a pixel-coordinate point.
  [[nodiscard]] std::array<double, 2> to_crs(double col, double row) const;
  [[nodiscard]] std::array<double, 2> to_pixel(double x, double y) const;
};

/// By default the grid of the before scene's finest band; `options` may set CRS and/or
/// resolution, in which case the before scene's extent is reprojected and snapped.
AnalysisGrid make_analysis_grid(const Scene& before, const GridOptions& options);

/// A mosaic's grid: `reference` (one scene's grid: its CRS, pixel size and lattice) extended to
/// cover every file of `scenes` (scene tiles side by side: several Sentinel-2 tiles or Landsat
/// path/rows of one period), so that a patch across their seams is one patch. `reference`
/// itself when the scenes lie within it, or it has no CRS or a rotated geotransform. Throws
/// InputError naming the file for a scene without CRS, and when the union would exceed a
/// grid's size (scenes of another place among the sources).
AnalysisGrid make_mosaic_grid(const AnalysisGrid& reference, const std::vector<const Scene*>& scenes);

/// A grid given by its CRS (WKT, may be empty), geotransform and size, with the CRS's
/// properties filled in (an archived grid, say).
AnalysisGrid analysis_grid_from(const std::string& crs_wkt, const std::array<double, 6>& geotransform, int width,
                                int height);

/// Throws InputError naming the scene's file when it does not overlap the grid, when its
/// spectral bands do not cover one area, or when a raw-format file (ENVI, EHdr ...) holds
/// fewer bytes than its header promises. Returns the share of the grid the scene's footprint
/// covers (0..1, from its bounding box in grid pixels: an upper bound).
double check_overlap(const AnalysisGrid& grid, const Scene& scene);

/// Below this share of the analysis grid valid in both dates a scan has too little to
/// compare (barely overlapping scenes, or masked almost everywhere).
inline constexpr double kMinOverlapShare = 0.01;

/// Raw pixels of one band over a window, in the file's own data type.
struct RawBand {
  GDALDataType type = GDT_Unknown;
  std::vector<std::byte, kernels::DefaultInitAllocator<std::byte>> bytes;  // RasterIO fills it
  int width = 0, height = 0;
  /// The band's own calibration (product metadata), used instead of the profile's.
  std::optional<double> scale, offset;

  template <class T>
  [[nodiscard]] kernels::ConstTileView<T> view() const {
    return {reinterpret_cast<const T*>(bytes.data()), width, height};
  }
  [[nodiscard]] bool empty() const { return bytes.empty(); }
};

/// One window of a scene: raw bands by role plus a validity mask: alpha, warp coverage, and
/// the quality mask (fill, cloud, shadow, snow, saturation from the scene's quality band,
/// or the spectral cloud test where the profile asks for it and there is none).
struct RawSceneTile {
  kernels::Window window;
  std::array<RawBand, kernels::kBandRoleCount> bands;
  std::vector<std::uint8_t> valid;  // empty: all valid; else 0 = no data
};

/// Every `stride`-th pixel of `raw` in both directions, starting at (x_first, y_first) of
/// the tile: the raw bands and validity of a sample lattice, so that only the sampled pixels
/// are converted to reflectance. The result's window is in lattice units (x0/y0 of `raw`).
RawSceneTile subsample(const RawSceneTile& raw, int x_first, int y_first, int stride);

/// Converts a raw band to float reflectance with the profile's scale, offset and nodata (the
/// band's own scale/offset where it carries them); pixels whose `valid` entry is 0 become NaN.
void raw_to_reflectance(const RawBand& raw, const SensorProfile& profile, const std::vector<std::uint8_t>& valid,
                        kernels::TileView<float> out);

/// Float reflectance of one window of a scene by band role (NaN = no data); roles that were
/// not read hold an empty tile.
struct ReflectanceTile {
  kernels::Window window;
  std::array<kernels::Tile<float>, kernels::kBandRoleCount> bands;

  [[nodiscard]] bool has(kernels::BandRole role) const { return !(*this)[role].values().empty(); }
  [[nodiscard]] kernels::Tile<float>& operator[](kernels::BandRole role) {
    return bands[static_cast<std::size_t>(role)];
  }
  [[nodiscard]] const kernels::Tile<float>& operator[](kernels::BandRole role) const {
    return bands[static_cast<std::size_t>(role)];
  }
  /// Views of the roles present, as the kernels take them.
  [[nodiscard]] kernels::BandSet band_set() const;
};

/// The reflectance of `roles` in a raw tile (raw_to_reflectance of each, masked by the
/// tile's validity); a role the tile does not hold stays empty. Thread-safe: the parallel
/// half of reading, for stages that read in a serial stage and convert in parallel.
ReflectanceTile to_reflectance_tile(const RawSceneTile& raw, const SensorProfile& profile,
                                    const std::vector<kernels::BandRole>& roles);

/// One window read from the two scenes of a change (same grid window in both).
struct RawTilePair {
  kernels::Window window;
  RawSceneTile before, after;
};

/// Reads windows of the analysis grid from a scene. Not thread-safe (GDAL datasets are
/// not): use one reader per thread, or read from one serial pipeline stage.
class SceneReader {
 public:
  SceneReader(const Scene& scene, const AnalysisGrid& grid, const std::vector<kernels::BandRole>& roles);
  ~SceneReader();
  SceneReader(const SceneReader&) = delete;
  SceneReader& operator=(const SceneReader&) = delete;

  void read(kernels::Window window, RawSceneTile& out);
  /// read() then to_reflectance_tile() of the roles this reader was opened for: one window of
  /// the scene as reflectance by role, for callers that read and compute in one thread.
  [[nodiscard]] ReflectanceTile read_reflectance(kernels::Window window);
  /// Bytes of the file blocks holding `windows` in the bands this reader reads (what the block
  /// cache keeps of them once decoded: zonewatch's own for the GeoTIFFs gdal/tiff_blocks.hpp
  /// decodes, GDAL's for the rest); 0 for files warped onto the grid, whose blocks this
  /// reader does not address.
  [[nodiscard]] std::size_t block_bytes(const std::vector<kernels::Window>& windows) const;
  /// Marks the blocks of `windows` that the block cache holds as just used, so that the cache,
  /// which evicts the least recently used blocks first, keeps them for a later read; decodes
  /// nothing. Files warped onto the grid are left alone.
  void keep_cached(const std::vector<kernels::Window>& windows) const;
  /// The roles this reader was opened for, present in the scene, in the order given.
  [[nodiscard]] const std::vector<kernels::BandRole>& roles() const { return roles_; }
  [[nodiscard]] const Scene& scene() const { return scene_; }
  /// True when at least one file had to be warped onto the grid.
  [[nodiscard]] bool warped() const;
  /// True when a file much finer than the grid (a drone orthomosaic) is aggregated onto it
  /// by area-weighted averaging ('-r average') instead of bilinear interpolation; grid
  /// pixels less than half covered by its valid pixels (alpha, nodata, edge) are no data.
  [[nodiscard]] bool aggregated() const;
  /// True when the scene's quality band is read (scene().quality), and when the spectral
  /// cloud test is applied instead (no quality band, profile cloud_test: spectral).
  [[nodiscard]] bool quality_masked() const { return quality_ != nullptr; }
  [[nodiscard]] bool spectral_cloud_test() const { return spectral_test_; }
  /// True when read() may run on several threads at once: every file is read from zonewatch's
  /// own decoded blocks (gdal/tiff_blocks.hpp) and no quality band goes through GDAL, whose
  /// datasets are not thread-safe. Tile pipelines then read in their parallel stage.
  [[nodiscard]] bool reads_concurrently() const;

 private:
  struct Source;
  Scene scene_;
  std::vector<kernels::BandRole> roles_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::unique_ptr<Source> quality_;  // the quality band, on the grid (nearest neighbour)
  bool spectral_test_ = false;
  void read_direct(const Source& source, kernels::Window window, RawSceneTile& out);
  void mask_quality(kernels::Window window, RawSceneTile& out);
  void mask_spectral_clouds(RawSceneTile& out);
};

/// The most the block caches hold together, in bytes (GDAL_CACHEMAX, or what the scan set):
/// GDAL's and the decoded GeoTIFF blocks' (gdal/tiff_blocks.hpp) share it.
[[nodiscard]] std::size_t block_cache_bytes();

/// Where read_pair runs: in a tile pipeline's serial read stage, which reads the two dates
/// side by side (a thread for `after`); or in its parallel stage, where other tiles keep the
/// threads busy and the dates are read one after the other.
enum class PairReading { side_by_side, in_this_thread };

/// Reads `window` from both scenes (the read of two-date tile pipelines).
RawTilePair read_pair(SceneReader& before, SceneReader& after, kernels::Window window,
                      PairReading how = PairReading::side_by_side);

/// A two-date read split over the tile engine's stages. Where both readers read concurrently
/// (SceneReader::reads_concurrently), the serial read stage hands on only the window and the
/// parallel stage reads: decoding then scales with the threads (on 16 cores the serial read
/// stage had held the 10980^2 scan's classification at 2.3 times its one-thread speed).
/// Otherwise the serial stage reads, the two dates side by side.
class PairReads {
 public:
  PairReads(SceneReader& before, SceneReader& after)
      : before_(before), after_(after), in_parallel_(before.reads_concurrently() && after.reads_concurrently()) {}
  /// The serial stage's part: the pair's pixels, or only its window.
  [[nodiscard]] RawTilePair start(kernels::Window window) const;
  /// The parallel stage's part: reads `pair`'s window where start() did not.
  void finish(RawTilePair& pair) const;
  [[nodiscard]] bool in_parallel_stage() const { return in_parallel_; }

 private:
  SceneReader& before_;
  SceneReader& after_;
  bool in_parallel_;
};

}  // namespace zw
