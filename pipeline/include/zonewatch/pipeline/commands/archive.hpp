#pragma once
// `zonewatch archive`: one year of a monitoring programme into its assessment archive (HDF5,
// archive/archive_file.hpp): the year's scene, or a period's composite, reduced to yearly
// indicator rasters on the archive's grid and per-unit indicators, with the monitoring
// store's hotspot counts for the year when a store is given. The first year creates the
// archive (grid, units) and fixes the RSEI/FVC calibration; later years reuse both.
#include <string>
#include <vector>

#include "zonewatch/pipeline/archive/archive_contents.hpp"
#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/core/progress.hpp"
#include "zonewatch/pipeline/stages/year_indicators.hpp"

namespace zw {

struct ArchiveCommand {
  std::string archive;    // the HDF5 file; default: beside the store, "<store stem>.assessment.h5"
  std::string store;      // monitoring store: hotspot counts of the year (optional)
  std::string programme;  // name of the programme (new archive); default: the archive's stem
  int year = 0;
  SceneOptions scene;    // a single dated scene, or ...
  PeriodOptions period;  // ... a period of scenes composited per pixel
  UnitsOptions units;    // required for a new archive; checked against an existing one
  GridOptions grid;      // new archive only
  ProcessingOptions processing;
  YearIndicatorOptions indicators;
  bool thermal = true;  // use a Landsat thermal band for the heat component when there is one

  /// UsageError naming the option: no year, no archive or store, neither or both of a scene
  /// and a period.
  void validate() const;
  /// The archive path: `archive`, or derived from `store`.
  [[nodiscard]] std::string archive_path() const;
};

struct ArchiveSummary {
  std::string archive;
  int year = 0;
  bool created = false;         // the archive was new
  bool replaced = false;        // the year was archived before
  bool calibrated = false;      // this year fixed the calibration
  RseiCalibration calibration;  // as archived
  std::vector<int> years;       // archived now
  std::size_t units = 0, assessed_units = 0;
  std::string observations;  // what the year was made of
  double seconds = 0.0;
};

ArchiveSummary run_archive_command(const ArchiveCommand& command, const ProgressCallback& progress);

/// The lines the terminal shows for an archived year.
std::string format_archive_summary(const ArchiveSummary& summary);

namespace commands {
std::string archive(const ArchiveCommand& command, const ProgressCallback& progress);
}  // namespace commands

}  // namespace zw
