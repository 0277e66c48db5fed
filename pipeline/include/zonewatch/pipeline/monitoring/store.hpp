#pragma once
// The monitoring store: one GeoPackage per monitoring programme (QGIS opens it) holding
// every scan, every hotspot with its history, the units' statistics per scan, the verdicts
// and the dispatches. Hotspots keep a stable ID across scans, so the same bulldozed patch
// reaches an inspector once, and an inspector's verdict changes what later scans report.
//
// Every change is one SQLite transaction, taken under an exclusive lock, so a run killed at
// any point (kill -9 included) leaves the store as it was; a new store is built under a
// temporary name and linked into place complete. The records are typed; their statuses,
// events, sources, verdicts, severities, change and unit types are text only in the file
// (monitoring/stored_names.hpp). Tables (all GeoPackage layers):
//   scans         one row per ingested scan: inputs, config, counts
//   hotspots      polygon layer: the footprint and current state of every hotspot
//   observations  polygon layer: every patch of every scan and the hotspot it became
//   events        every status change and lifecycle note, with its source
//   unit_stats    every control unit's statistics per scan
//   verdicts      every imported field verdict; verdict_imports: every imported file
//   dispatches    every inspector packet written
//   precision     verified share by unit type, change type and region (from the verdicts)
//   store_meta    schema version and the store CRS
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/config/unit_type.hpp"
#include "zonewatch/pipeline/monitoring/lifecycle.hpp"
#include "zonewatch/pipeline/stages/results.hpp"
#include "zonewatch/pipeline/stages/severity.hpp"

namespace zw {

struct Scene;
struct AnalysisGrid;
class Judge;

/// Test hook, documented in docs/CONFIG.md: when the environment variable
/// ZONEWATCH_CRASH_POINT equals `point`, the process kills itself with SIGKILL right here,
/// exactly as `kill -9` would. Tests use it to prove that a run killed inside a store
/// transaction (or between the store commit and the outputs) leaves a consistent store.
/// Points: store.create, store.ingest, store.ingested, verify.apply, dispatch.mark.
void crash_point(std::string_view point);

/// What a scan was run on: given by the scan (ScanRecord), kept by the store (StoredScan).
struct ScanProvenance {
  std::string name;
  SceneOptions before, after;
  std::string config_dir;  // where the scan's sensor profiles are looked up
  std::string units_path;
  std::string output_dir;
  std::string grid_crs_wkt;
  double grid_resolution = 0.0;
};

/// What an ingest made of a scan's patches: kept by the store (StoredScan), reported to the
/// caller (IngestSummary).
struct ScanCounts {
  int patches = 0, new_hotspots = 0, persisting = 0, expanded = 0, suppressed = 0, reported = 0, close_proposals = 0;
};

struct StoredScan : ScanProvenance, ScanCounts {
  std::string scan_id;  // SHA-256 of the inputs' SHA-256 and the result-relevant config
  int seq = 0;          // 1, 2, ... in ingest order
  std::string ingested_utc;
  std::string program_version;
  bool outputs_written = false;  // the scan's output folder was completed
  std::string inputs_json;       // inputs with their SHA-256, as in run.json
  std::string config_json;       // the resolved config
};

struct StoredHotspot {
  std::int64_t fid = -1;
  std::string id;  // <unit code>-<YYYYMM of first sighting>-<sequence>
  HotspotStatus status = HotspotStatus::new_;
  std::string status_since;  // UTC time of the last status change
  std::string unit_code, unit_name;
  UnitType unit_type = UnitType::general;
  std::string region;
  // Type of record: the first sighting's, revised when later sightings show what the ground
  // became (type_evolution.hpp: a dumping site built on, a mining scar growing).
  kernels::ChangeType change_type = kernels::ChangeType::other;
  kernels::ChangeType last_change_type = kernels::ChangeType::other;  // reported at the last sighting
  Severity severity = Severity::low;                                  // at the last sighting
  std::string rule;                                                   // at the last sighting
  double area_m2 = 0.0;  // footprint: union of every sighting that expanded it
  double first_area_m2 = 0.0, last_area_m2 = 0.0;
  std::string first_scan, last_scan;  // scan ids
  std::string first_seen, last_seen;  // after dates
  int times_seen = 0;
  double lon_wgs84 = 0.0, lat_wgs84 = 0.0, lon_cgcs2000 = 0.0, lat_cgcs2000 = 0.0;  // footprint centroid
  double baseline_greenness = 0.0;  // greenness before the first sighting (NaN: unknown)
  double last_greenness = 0.0;      // greenness after the last look (NaN: unknown)
  int recovered_scans = 0;
  bool close_proposed = false;
  std::string close_reason;
  std::optional<Verdict> verdict;  // the last verification verdict (confirmed | false_alarm | legal), if any
  std::string verdict_date, inspector, verdict_note, approval;
  int rectification_days = 0;
  std::string rectification_due;  // YYYY-MM-DD, "" = none
  std::string related_hotspot;    // a settled or closed hotspot this one grew out of
  // Registered sites near it (stages/source_tracing.hpp) as last traced: by the last scan
  // that saw it with sources configured; empty, 0 and NaN when none was within distance.
  std::string sources, sources_zh;  // as the scan's hotspot columns write them
  int source_count = 0;
  std::string nearest_source_id, nearest_source_name, nearest_source_kind;
  double nearest_source_m = kernels::kNaN, nearest_source_bearing = kernels::kNaN;
  std::string geometry_wkt;  // footprint in the store CRS
};

/// One patch of one scan and what the store made of it.
struct StoredObservation {
  std::string scan_id;
  std::string patch_key;   // the scan's own ID of the patch (unit code, month, sequence)
  std::string hotspot_id;  // "" when the patch created nothing (never happens today)
  SightingEvent event = SightingEvent::new_;
  HotspotStatus status = HotspotStatus::new_;  // the hotspot's status after this scan
  bool reported = false;                       // in the scan's outputs
  int times_seen = 0;                          // the hotspot's sightings, this scan included
  kernels::ChangeType change_type = kernels::ChangeType::other;
  Severity severity = Severity::low;
  std::string after_date;
  double area_m2 = 0.0, added_area_m2 = 0.0;
  std::int64_t pixel_count = 0;
  double greenness_before = 0.0, greenness_after = 0.0, magnitude = 0.0;
  // The type the hotspot was reported as when the store revised the one its pixels gave
  // (type_evolution.hpp); none when it stood.
  std::optional<kernels::ChangeType> revised_type;
  std::string detail;
  std::string geometry_wkt;  // store CRS
};

struct StoredEvent {
  std::string hotspot_id;
  std::string at_utc;
  HistorySource source = HistorySource::scan;
  std::string ref;                           // scan id, verdict import id or dispatch id
  std::optional<HotspotStatus> from_status;  // none when the hotspot was created
  HotspotStatus to_status = HotspotStatus::new_;
  std::string detail;
};

struct StoredVerdict {
  std::string import_id;  // SHA-256 of the imported file
  std::string file;
  int row = 0;  // line in the file, header = 1
  std::string hotspot_id;
  Verdict verdict = Verdict::confirmed;
  std::string verdict_date, inspector, note, approval;
  HotspotStatus from_status = HotspotStatus::new_, to_status = HotspotStatus::new_;
  std::string imported_utc;
};

struct StoredDispatch {
  std::string dispatch_id;  // D<YYYYMMDD>-<seq>
  std::string at_utc, region, out_dir;
  int hotspot_count = 0;
  std::string hotspot_ids;  // space-separated, in driving order
};

struct PrecisionRow {
  std::string dimension;  // all | unit_type | change_type | region
  std::string key;
  int verified = 0, confirmed = 0, false_alarm = 0, legal = 0;
  double alert_precision = 0.0;   // confirmed / verified: alerts that were violations
  double change_precision = 0.0;  // (confirmed + legal) / verified: alerts that were real change
};

/// An open monitoring store. Reading needs no lock; writing happens only inside
/// transaction(), under an exclusive lock on "<store>.lock" held while the store is open
/// for writing. Every failure throws: InputError for a missing or foreign file, OutputError
/// when writing fails.
class MonitoringStore {
 public:
  enum class Mode { read, write };

  /// Opens an existing store. A journal left by a killed writer is rolled back first.
  /// Throws InputError when the file is missing or not a zonewatch store.
  static MonitoringStore open(const std::filesystem::path& path, Mode mode);
  /// Opens for writing, creating the store when missing with `crs_wkt` (a projected CRS
  /// in metres or feet) as the CRS of its geometries.
  static MonitoringStore open_or_create(const std::filesystem::path& path, const std::string& crs_wkt);
  [[nodiscard]] static bool exists(const std::filesystem::path& path);

  MonitoringStore(MonitoringStore&&) noexcept;
  MonitoringStore& operator=(MonitoringStore&&) noexcept;
  ~MonitoringStore();

  [[nodiscard]] const std::filesystem::path& path() const;
  [[nodiscard]] const std::string& crs_wkt() const;
  /// Metres per unit of the store CRS.
  [[nodiscard]] double metres_per_unit() const;

  // ---- reading
  [[nodiscard]] std::vector<StoredScan> scans();  // in ingest order
  [[nodiscard]] std::optional<StoredScan> scan(const std::string& scan_id);
  /// Hotspots, all or those an OGR attribute filter (SQL WHERE) selects, by ID.
  [[nodiscard]] std::vector<StoredHotspot> hotspots(const std::string& where = "");
  [[nodiscard]] std::optional<StoredHotspot> hotspot(const std::string& id);
  [[nodiscard]] std::vector<StoredObservation> observations(const std::string& scan_id);
  [[nodiscard]] std::vector<StoredEvent> events(const std::string& hotspot_id = "");
  [[nodiscard]] std::vector<StoredVerdict> verdicts(const std::string& hotspot_id = "");
  [[nodiscard]] std::vector<StoredDispatch> dispatches();
  [[nodiscard]] std::vector<PrecisionRow> precision();
  /// The highest sequence number among hotspot IDs starting with `prefix` (0 when none).
  [[nodiscard]] int max_hotspot_sequence(const std::string& prefix);
  [[nodiscard]] long long count(const std::string& table);

  // ---- writing: only inside transaction()
  /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
  void transaction(const std::function<void()>& body);
  void insert_scan(StoredScan& scan);  // sets seq
  void set_outputs_written(const std::string& scan_id, const std::string& output_dir);
  void insert_hotspot(StoredHotspot& hotspot);  // sets fid
  void update_hotspot(const StoredHotspot& hotspot);
  void insert_observation(const StoredObservation& observation);
  void insert_event(const StoredEvent& event);
  void insert_unit_stats(const std::string& scan_id, const UnitResult& unit);
  void insert_verdict(const StoredVerdict& verdict);
  void insert_verdict_import(const std::string& import_id, const std::string& file, int rows, int applied);
  void insert_dispatch(const StoredDispatch& dispatch);
  void replace_precision(const std::vector<PrecisionRow>& rows);

  /// SQLite's own check of the file ("ok" when sound).
  [[nodiscard]] std::string integrity_check();

  /// Removes temporary files of store creations killed half-way (best effort).
  static void remove_stale_temporaries(const std::filesystem::path& path);

 private:
  struct Impl;
  explicit MonitoringStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The CRS a new store takes for a scan on a grid in `grid_crs_wkt` around (lon, lat):
/// the grid CRS when it is projected, else the WGS 84 UTM zone of the point. Throws
/// InputError for a grid without georeferencing.
std::string choose_store_crs(const std::string& grid_crs_wkt, double lon_wgs84, double lat_wgs84);

/// The identity of a scan: SHA-256 over the inputs' SHA-256 and the parts of the resolved
/// config that change results (not output.dir, store.path, store.since_last, name,
/// processing): re-running the same scan gives the same ID.
std::string scan_identity(const nlohmann::json& inputs, const nlohmann::json& resolved_config);

// ---------------------------------------------------------------------------------------
// Ingesting a scan

/// Greenness of a footprint (WKT in the scan's grid CRS) in the scan's after scene.
struct FootprintGreenness {
  double mean = 0.0;         // NaN when nothing valid
  double valid_share = 0.0;  // of the footprint's area
};
using GreennessProbe = std::function<FootprintGreenness(const std::string& grid_wkt)>;

/// What the scan tells the store about itself.
struct ScanRecord : ScanProvenance {
  std::string scan_id;
  double centre_lon_wgs84 = 0.0, centre_lat_wgs84 = 0.0;  // picks a new store's UTM zone
  RuleSet rules;                                          // rectification deadlines per unit
  nlohmann::json inputs, config;
};

/// Run before detection: whether `--since-last` lets this scan run.
struct SinceLastDecision {
  bool skip = false;
  std::string reason;  // why it runs or is skipped, for the log
};
/// Skips when the store holds a scan whose after date is not older than `after_date` (a
/// period's last day when the after side is a period), unless that scan is this very scan
/// with its outputs never completed (a killed run to finish). A missing store never skips.
/// `scan_id` is asked for only when the store's latest scan might be this scan unfinished.
SinceLastDecision decide_since_last(const StoreOptions& options, const std::string& after_date,
                                    const std::function<std::string()>& scan_id);

struct IngestSummary : ScanCounts {
  std::string store_path;
  std::string scan_id;
  int scan_seq = 0;
  bool reused = false;  // the scan was already in the store: its stored outcome was applied
  int approved = 0;     // suppressed by the approved-projects layer
  [[nodiscard]] nlohmann::json to_json() const;
};

/// Fills hotspots' traced sources (Hotspot::sources) once the store has given them their IDs.
using HotspotTracer = std::function<void(std::vector<Hotspot>&)>;

/// Matches the scan's patches (results.hotspots, with the scan's own IDs, geometry in the
/// grid CRS) against the store's hotspots and records the scan, in one transaction:
///   - a patch within options.match_distance_m of an alerting hotspot is that hotspot
///     (persisting, or expanded when it adds at least expansion_min_area_m2 and
///     expansion_min_share of the footprint); several patches of one hotspot are merged;
///   - a patch within a settled hotspot (legal, false alarm, rectified) or inside an
///     approved project (grown by the match distance) is suppressed; one reaching beyond by
///     the expansion thresholds is a new hotspot related to the settled one;
///   - any other patch is a new hotspot, ID <unit code>-<YYYYMM>-<next free sequence>;
///   - watched hotspots (confirmed, rectification due, rectified) not seen are probed for
///     recovery and proposed for closing after options.recovery.scans recovered scans.
/// A hotspot merged from several patches is rated again by `judge` (severity, rule); so is
/// one whose type the store revises from its history (type_evolution.hpp).
/// Then results.hotspots holds what the scan reports (stable IDs, lifecycle fields,
/// suppressed patches removed) in report order, units' hotspot counts follow,
/// results.tracked is set. A scan already in the store is not ingested again: its stored
/// outcome is applied.
/// `tracer`, when given, fills the reported hotspots' sources (stages/source_tracing.hpp)
/// before the transaction, so the store records them with the hotspots it writes.
IngestSummary ingest_scan(const StoreOptions& options, const ScanRecord& record, ScanResults& results,
                          const Judge& judge, const GreennessProbe& probe, const HotspotTracer& tracer = {});

/// Mean greenness (NDVI, or GLI for visible-band imagery) of footprints in a scan's after
/// scene, weighted by the exact share of each pixel inside the footprint.
GreennessProbe make_greenness_probe(const Scene& after, const AnalysisGrid& grid, bool ndvi);

/// After the scan's outputs are in place: marks the scan complete (a no-op when it is).
void mark_scan_outputs_written(const StoreOptions& options, const std::string& scan_id, const std::string& output_dir);

}  // namespace zw
