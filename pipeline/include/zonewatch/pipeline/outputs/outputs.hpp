#pragma once
// Result writers (GeoPackage, CSV, GeoJSON) and the staging folder that makes a run's
// outputs appear all at once or not at all. Every failure throws zw::OutputError whose
// message starts with the folder or file concerned.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/pipeline/stages/results.hpp"

namespace zw {

/// The Chinese name of a change type as written in reports and attribute tables,
/// e.g. vegetation_loss -> 植被减少.
[[nodiscard]] std::string_view chinese_name(kernels::ChangeType type);

/// Writes a run's outputs into a hidden folder inside the final output folder and moves
/// them onto their final names only on commit(), so a crashed or failed run never leaves
/// half-written files where users (or a scheduler polling the folder) would see them.
///
///   OutputStaging staging(out_dir);
///   write_hotspots_csv(staging.staged("hotspots.csv"), results);
///   staging.commit();  // without this, the destructor discards everything
class OutputStaging {
 public:
  /// Creates `final_dir` if missing, removes stale staging folders of killed runs and makes
  /// this run's staging folder `.zonewatch-staging-<pid>-<random>` inside it.
  /// Throws OutputError when the folder cannot be created or written.
  explicit OutputStaging(std::filesystem::path final_dir);
  /// Without commit(), removes the staging folder and everything in it.
  ~OutputStaging();

  OutputStaging(const OutputStaging&) = delete;
  OutputStaging& operator=(const OutputStaging&) = delete;
  OutputStaging(OutputStaging&&) = delete;
  OutputStaging& operator=(OutputStaging&&) = delete;

  /// The path to write the output `file_name` (a bare file name, no folders) to.
  /// Asking twice for one name gives the same path. Throws InternalError for a name with
  /// a folder part or after commit().
  [[nodiscard]] std::filesystem::path staged(std::string file_name);

  /// Renames every file in the staging folder onto its final name in the output folder
  /// (atomic per file, an existing file of that name is replaced), then removes the
  /// staging folder. Throws OutputError when a name handed out by staged() was never
  /// written or a rename fails; what was not yet moved stays staged and is discarded by
  /// the destructor.
  void commit();

  [[nodiscard]] const std::filesystem::path& final_dir() const { return final_dir_; }
  [[nodiscard]] const std::filesystem::path& staging_dir() const { return staging_dir_; }
  [[nodiscard]] bool committed() const { return committed_; }

  /// Removes staging folders in `final_dir` left by runs that were killed: older than the
  /// current process and owned by a process id that is no longer running (or by this
  /// process id, reused after a container restart). Best effort: folders that cannot be
  /// removed are left alone. Returns how many were removed.
  static std::size_t remove_stale_staging_folders(const std::filesystem::path& final_dir);

  /// Prefix of every staging folder name.
  static constexpr std::string_view kStagingPrefix = ".zonewatch-staging-";

 private:
  std::filesystem::path final_dir_;
  std::filesystem::path staging_dir_;
  std::vector<std::string> staged_names_;
  bool committed_ = false;
};

/// GeoPackage with layer `hotspots` (one polygon per hotspot, severity then area order)
/// and layer `units` (every control unit with its statistics and flag), both in
/// ScanResults::grid_crs_wkt. NaN values are written as NULL. Replaces an existing file.
void write_alerts_gpkg(const std::filesystem::path& path, const ScanResults& results);

/// The hotspots table as UTF-8 CSV with a byte-order mark (so Excel shows Chinese),
/// RFC 4180 quoting and CRLF line ends; the hotspots layer's columns without geometry,
/// rows by severity (high first) then area (largest first). NaN cells are empty.
void write_hotspots_csv(const std::filesystem::path& path, const ScanResults& results);

/// The hotspots as an RFC 7946 GeoJSON FeatureCollection in WGS84 (longitude, latitude;
/// 7 decimals), same properties and order as the CSV. NaN properties are null.
void write_hotspots_geojson(const std::filesystem::path& path, const ScanResults& results);

}  // namespace zw
