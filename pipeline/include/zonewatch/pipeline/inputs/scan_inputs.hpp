#pragma once
// The two sides of a scan — before and after — each a single scene or the scenes of a
// period (found by the catalog; stages/composite.hpp composites them per pixel); the scan
// config completed from the single scenes' metadata; and the analysis grid the sides share
// (grid.footprint).
//
// A single scene's path is inspected once (inspect_scan_side: its product metadata read, its
// date and sensor found), the config takes date and sensor from that (complete_scan_config),
// and its bands are resolved from the same inspection (resolve_scan_side).
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/inputs/scene.hpp"

namespace zw {

struct ScanSide {
  std::string label;                                         // "before" / "after"
  std::string date;                                          // the scene's date, or the period's last day
  std::optional<InspectedScene> inspected;                   // a single scene's path, inspected
  std::optional<Scene> scene;                                // a single scene, resolved from `inspected`
  PeriodOptions period;                                      // enabled(): a period
  std::vector<Scene> scenes;                                 // the period's scenes, by date, that overlap the grid
  std::vector<std::pair<std::string, std::string>> skipped;  // period scenes left out: path, reason

  [[nodiscard]] bool is_period() const { return period.enabled(); }
  /// The scene whose grid the analysis grid takes when this side is the footprint: the
  /// single scene, or the period's finest scene (smallest pixel area; earliest on ties).
  [[nodiscard]] const Scene& reference() const;
  /// Every file the side reads.
  [[nodiscard]] std::vector<std::string> files() const;
  /// The side as run.json and the monitoring store record it: {path, date, sensor, files}
  /// for a scene; {period, composite, sources, date, scenes: [{path, date, sensor, files}]}
  /// for a period. `file_record` gives each file's record (path, bytes, sha256).
  [[nodiscard]] nlohmann::json record(const std::function<nlohmann::json(const std::string&)>& file_record) const;
};

/// A side as the config gives it: a single scene's path inspected (inspect_scene: date and
/// sensor from its metadata where `options` leaves them out; errors as inspect_scene's), or a
/// period, whose scenes resolve_scan_side finds. A side without a path is left to
/// resolve_scan_side to report.
ScanSide inspect_scan_side(const std::string& label, const SceneOptions& options, const PeriodOptions& period);

/// The config with before/after as the sides' inspections complete them (date and sensor
/// filled in), the after date checked against the before date (ConfigError "after.date: ..."),
/// and `resolved` rebuilt from it (to_json(ScanConfig)).
ScanConfig complete_scan_config(const ScanConfig& config, const ScanSide& before, const ScanSide& after);

/// The single scene resolved from its inspection with its sensor profile (ConfigError for an
/// unknown one), or a period's scenes (discover_scenes over its sources and dates; skipped
/// products are logged). InputError when a period finds no scene.
void resolve_scan_side(ScanSide& side, const std::vector<std::filesystem::path>& sensor_dirs);

/// The analysis grid from the footprint side (grid.footprint: before, or after for a drone
/// flight scanned on its own fine grid): a period's grid is its finest scene's, extended over
/// all its scenes (make_mosaic_grid: tiles side by side are one mosaic); checks that the other side overlaps it
/// (InputError otherwise). Period scenes that do not overlap are dropped into `skipped`; InputError when none is left.
AnalysisGrid make_scan_grid(ScanSide& before, ScanSide& after, const GridOptions& options);

/// An input file as run.json records it: {path, bytes, sha256} (bytes and sha256 null for a
/// folder dataset), through GDAL's virtual file layer.
nlohmann::json file_record(const std::string& path);
using FileRecords = std::function<nlohmann::json(const std::string&)>;

/// The scan's inputs as run.json lists them: each side's record and the units' file; with
/// the approved-projects layer too when `with_approved_projects` (what a monitoring store
/// identifies a scan by).
nlohmann::json scan_inputs_record(const ScanSide& before, const ScanSide& after, const ScanConfig& config,
                                  const FileRecords& record, bool with_approved_projects);

/// file_record of every file of both sides and the units, computed on a thread of its own
/// while the scan runs (over a gigabyte for a Sentinel-2 tile pair). A file not among them
/// is hashed when asked for.
class InputRecords {
 public:
  InputRecords(const ScanSide& before, const ScanSide& after, const ScanConfig& config);
  [[nodiscard]] nlohmann::json operator()(const std::string& path) const;
  void wait() const { records_.wait(); }

 private:
  std::shared_future<std::map<std::string, nlohmann::json>> records_;
};

}  // namespace zw
