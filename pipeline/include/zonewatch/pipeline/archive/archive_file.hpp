#pragma once
// The assessment archive: one HDF5 file per monitoring programme holding the analysis grid,
// the control units, the RSEI/FVC calibration and, per year, index rasters on the grid and
// per-unit indicators. The assessment reads it only through this API; h5py and h5dump read
// it directly, GDAL/QGIS open each raster as an HDF5 subdataset (nodata recognised, but not
// georeferenced: the grid is in root attributes). The layout (format_version 1):
//
//   /                       attributes: format = "zonewatch-assessment-archive",
//                           format_version = 1 (int32), programme, crs_wkt,
//                           geotransform (6 float64, GDAL order), width, height (int32),
//                           rsei_reference_year (int32, 0: not calibrated)
//   /calibration            attributes: rsei_component_names (greenness wetness heat dryness),
//                           rsei_component_present (uint8[4]), rsei_component_low,
//                           rsei_component_high, rsei_pc1_loadings (float64[4]), rsei_pc1_low,
//                           rsei_pc1_high, rsei_pc1_explained_variance, fvc_soil_ndvi,
//                           fvc_vegetation_ndvi (float64)
//   /units/{code,name,region,type,geometry_wkt}
//                           1-D datasets, one element per unit, variable-length UTF-8 strings
//                           (type: priority|key|general; geometry in the grid's CRS)
//   /years/<YYYY>           attributes: first_date, last_date, sensor, created_utc,
//                           zonewatch_version (strings), scene_paths (string array)
//   /years/<YYYY>/rasters/<name>
//                           2-D (height x width) on the grid, chunked 256 x 256, shuffle +
//                           DEFLATE. Indices: int16 with CF attributes scale_factor = 1e-4,
//                           add_offset = 0, _FillValue = -32768, long_name, units.
//                           Classes: uint8 with _FillValue = 255, flag_values, flag_meanings.
//   /years/<YYYY>/units/<indicator>
//                           1-D, one element per unit in the order of /units: float64 with CF units
//                           (NaN = not assessed) or int64 hotspot counts (-1 = no monitoring store)
//
// Appending a year never changes the archive in place: the file is cloned (reflink where the
// file system has it, else copied) beside itself, the year is written into the clone, which
// is closed, synced and renamed over the archive. A process killed at any moment leaves the
// previous archive whole; its leftover clone is removed by the next append.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "zonewatch/kernels/tile.hpp"
#include "zonewatch/pipeline/archive/archive_contents.hpp"

namespace zw {

inline constexpr std::string_view kArchiveFormat = "zonewatch-assessment-archive";
inline constexpr int kArchiveFormatVersion = 1;
inline constexpr double kArchiveIndexScale = 1e-4;  // int16 index rasters: value = stored * 1e-4
inline constexpr std::int16_t kArchiveIndexFill = -32768;
inline constexpr std::uint8_t kArchiveClassFill = 255;
inline constexpr int kArchiveChunkSide = 256;

/// How a yearly raster is stored.
enum class ArchiveRasterKind {
  scaled_index,  // float values (NaN = no data) stored as int16 * 1e-4, clamped to +-3.2767
  classes,       // uint8 classes, 255 = no data
};

/// One raster of a year: its dataset name and CF description.
struct ArchiveRasterSpec {
  std::string name;       // dataset name under /years/<YYYY>/rasters (no '/')
  std::string long_name;  // CF long_name
  std::string units;      // CF units ("1" for a dimensionless index)
  ArchiveRasterKind kind = ArchiveRasterKind::scaled_index;
  std::vector<std::uint8_t> flag_values;   // classes only: the class values ...
  std::vector<std::string> flag_meanings;  // ... and one word each (CF flag_meanings)
};

/// ndvi, fvc, rsei, rsei_greenness, rsei_wetness, rsei_heat, rsei_dryness and land_class
/// (kernels::LandClass: 1 water, 2 built_bare, 3 vegetation, 4 other).
[[nodiscard]] const std::vector<ArchiveRasterSpec>& standard_archive_rasters();
/// One of standard_archive_rasters() by name; InternalError for an unknown name.
[[nodiscard]] const ArchiveRasterSpec& standard_archive_raster(std::string_view name);

/// Everything but the rasters. InputError naming the file when it is missing, not an HDF5
/// file, not a zonewatch archive, of a newer format_version, or damaged.
[[nodiscard]] ArchiveContents read_archive(const std::filesystem::path& archive);
/// The archived years, ascending.
[[nodiscard]] std::vector<int> archived_years(const std::filesystem::path& archive);
/// The raster names of one year, in name order. InputError when the year is not archived.
[[nodiscard]] std::vector<std::string> archived_rasters(const std::filesystem::path& archive, int year);

/// A window of one year's raster, decoded by its own scale_factor/add_offset: indices as
/// floats with NaN for no data; class rasters as their class values with NaN for 255.
/// InputError when the year or raster is missing or the window leaves the grid.
[[nodiscard]] kernels::Tile<float> read_raster_window(const std::filesystem::path& archive, int year,
                                                      std::string_view raster, kernels::Window window);
/// A window of a class raster, as stored (255 = no data).
[[nodiscard]] kernels::Tile<std::uint8_t> read_class_window(const std::filesystem::path& archive, int year,
                                                            std::string_view raster, kernels::Window window);

/// Writes one year into an archive, creating the archive with the first year, replacing the
/// year if it is already archived. Rasters are fed tile by tile (any tiling, any order), so
/// memory stays flat: about two rows of 256-px chunks per raster.
///
///   ArchiveYearWriter writer(path, header, year_info, {standard_archive_raster("ndvi"), ...});
///   for each tile: writer.write_tile("ndvi", window, ndvi_view); ...
///   writer.set_indicators(rows);
///   writer.commit();  // without it the archive stays as it was
///
/// One writer per archive at a time: a second one (in any process) waits on
/// "<archive>.lock" until the first is done.
class ArchiveYearWriter {
 public:
  /// `header` gives the programme, grid, units and calibration (its years are ignored).
  /// A new archive is created with them; an existing one must hold the same programme, grid
  /// and units (InputError naming the file and what differs) and the same calibration unless
  /// it has none yet (then the header's is stored). Pixels never written read as no data.
  ArchiveYearWriter(std::filesystem::path archive, const ArchiveContents& header, ArchiveYearInfo year,
                    std::vector<ArchiveRasterSpec> rasters);
  ~ArchiveYearWriter();
  ArchiveYearWriter(const ArchiveYearWriter&) = delete;
  ArchiveYearWriter& operator=(const ArchiveYearWriter&) = delete;
  ArchiveYearWriter(ArchiveYearWriter&&) = delete;
  ArchiveYearWriter& operator=(ArchiveYearWriter&&) = delete;

  /// Writes `values` (window.width x window.height) into an index raster at `window`.
  void write_tile(std::string_view raster, kernels::Window window, kernels::ConstTileView<float> values);
  /// Writes classes into a class raster at `window`.
  void write_tile(std::string_view raster, kernels::Window window, kernels::ConstTileView<std::uint8_t> classes);
  /// One row per unit, in the order of the header's units (unit_code checked).
  void set_indicators(std::vector<UnitYearIndicators> rows);
  /// Completes the year and puts the new archive in place atomically. OutputError when the
  /// file cannot be written, synced or renamed (the old archive then stays as it was).
  void commit();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace zw
