#pragma once
// Scan configuration: one options struct per stage, each validated up front. The scan
// config is only their composition; every stage receives just its own struct.
#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/kernels/composite.hpp"
#include "zonewatch/kernels/threshold.hpp"
#include "zonewatch/pipeline/config/quality_options.hpp"
#include "zonewatch/pipeline/config/sources_options.hpp"
#include "zonewatch/pipeline/config/unit_type.hpp"
#include "zonewatch/pipeline/config/water_quality_options.hpp"

namespace zw {

struct SceneOptions {
  std::string path;    // raster, or folder of one file per band
  std::string date;    // YYYY-MM-DD
  std::string sensor;  // profile name or path
};

/// A season of scenes composited per pixel instead of one scene: before/after given as
/// {period, sources, sensor, composite} (composite.hpp).
struct PeriodOptions {
  std::string first, last;           // YYYY-MM-DD, inclusive; empty: a single scene, not a period
  std::vector<std::string> sources;  // folders (searched recursively) or catalog files
  std::string sensor;                // optional profile for products whose metadata names none
  kernels::CompositeMethod composite = kernels::CompositeMethod::median;

  [[nodiscard]] bool enabled() const { return !first.empty(); }
  [[nodiscard]] std::string text() const { return first + ".." + last; }
};

struct UnitsOptions {
  std::string path;
  std::string layer;  // empty: the only layer
  std::string code_field = "unit_code";
  std::string name_field = "unit_name";
  std::string type_field = "unit_type";
  std::string region_field = "region";
  /// Type for every unit when the layer has no type attribute (a layer of reserves, say);
  /// only used when set, so a layer that lacks the type attribute is otherwise an error.
  std::optional<UnitType> default_type;
};

struct GridOptions {
  std::string crs;          // empty: the before scene's finest band CRS
  double resolution = 0.0;  // 0: the before scene's finest band resolution
  /// Whose extent (and, without crs/resolution, grid) the analysis grid takes: "before"
  /// or "after" (a drone flight's footprint, scanned on its own fine grid).
  std::string footprint = "before";
};

struct ThresholdOptions {
  kernels::ThresholdMethod method = kernels::ThresholdMethod::otsu;
  double value = 3.0;                // fixed
  double k = 2.0;                    // k_sigma
  double min = 2.0;                  // floor for the automatic methods
  double min_median_multiple = 2.0;  // ... and this times the median magnitude (0 = off)
};

/// How band differences are z-scored (centred and scaled) before the change-vector magnitude.
enum class ZScore {
  robust,   // median and 1.4826 * MAD: real changes (a few % of pixels) do not inflate the scale
  moments,  // mean and standard deviation (classic CVA z-scores)
};

/// Relative radiometric normalization of the after date onto the before date (irmad.hpp).
enum class RadiometricNormalization {
  none,
  irmad,  // pseudo-invariant pixels by IR-MAD, then per-band orthogonal regression
};

struct DetectionOptions {
  ZScore zscore = ZScore::robust;
  RadiometricNormalization normalize = RadiometricNormalization::none;
  ThresholdOptions threshold;
  /// Gaussian sigmas whose smoothed magnitudes are averaged into the magnitude that is
  /// thresholded, as fractions of the side of the minimum mapping unit (sqrt of
  /// min_mapping_unit_m2; two pixels when that is 0): the neighbourhood follows the smallest
  /// change worth mapping, whatever the pixel size (400 m2 at 10 m: {0, 1, 2} pixels; at
  /// 1.5 m: {0, 6.7, 13.3}). 0 is the pixel's own magnitude, {0} the single-scale detector.
  std::vector<float> mapping_unit_scales = {0.0f, 0.5f, 1.0f};
  /// Sigmas in pixels, used as given instead of mapping_unit_scales; empty: from those.
  std::vector<float> scales;
  /// Seeds at threshold x seed_multiple, grown through 8-connected pixels of one class at
  /// or above seed level x grow_fraction; off: every pixel at or above the threshold.
  bool hysteresis = true;
  double seed_multiple = 2.0;
  double grow_fraction = 0.5;
  /// Hysteresis seeds tolerate misregistration: the seed test reads the magnitude of each
  /// pixel against the best-matching pixel within +-this many pixels of the other date,
  /// both ways (kernels/shift_tolerant), smoothed like the magnitude; 0 = off.
  int seed_shift_tolerance = 0;
  /// Weak change whose edges are kept is no change: a pixel below the hysteresis seed level
  /// whose two dates' brightness gradients correlate at or above structure_max_correlation
  /// over a 5 x 5 window (kernels/structure.hpp) is dropped, so a colour change inside kept
  /// outlines (a repainted roof, a crop, a deeper shadow) neither makes nor extends a patch.
  /// Seeds stay whatever their edges. Needs hysteresis; skipped where the pixel detector runs.
  bool structure_gate = true;
  double structure_max_correlation = 0.6;
  int opening_radius = 1;
  /// After the opening, a binary closing of this radius fills no-change holes and gaps
  /// narrower than 2r+1 pixels inside and between patches (kernels/morphology.hpp); 0 = off.
  /// 3 was chosen by leave-one-city-out on OSCD (docs/CONFIG.md, fifth round).
  int closing_radius = 3;
  double min_mapping_unit_m2 = 400.0;
  kernels::TypingRules typing;
  /// The config's `terrain` section: a DEM (any GDAL raster, elevation in metres) read onto
  /// the analysis grid per tile for the mining rule's slope; empty: no DEM, mining does not fire.
  std::string terrain_dem;
};

/// "One unit, one strategy": how a unit of a type (or one unit, by code) is judged.
struct UnitRule {
  double flag_changed_area_m2 = 5000.0;
  double flag_changed_share = 0.02;
  double flag_greenness_decline = 0.05;
  double severity_high_m2 = 5000.0;
  double severity_medium_m2 = 1000.0;
  double min_valid_share = 0.5;  // below: "not assessable"
  /// Days an inspector's "confirmed" verdict gives for rectification (整改期限); 0 = no
  /// deadline (the hotspot stays "confirmed" instead of "rectification_due").
  int rectification_days = 0;
  std::vector<kernels::ChangeType> change_types = all_change_types();  // types that alert
  /// Types rated high whatever their area (severity.high_types), e.g. mining in priority units.
  std::vector<kernels::ChangeType> severity_high_types;

  static std::vector<kernels::ChangeType> all_change_types();

  [[nodiscard]] bool alerts_on(kernels::ChangeType type) const;
};

struct RuleSet {
  std::array<UnitRule, 3> by_type{};  // indexed by UnitType
  /// By unit code: the override applied on top of each type's rule (the unit's type is
  /// only known once the units are read; parsing all three validates the keys up front).
  std::map<std::string, std::array<UnitRule, 3>> overrides;

  [[nodiscard]] const UnitRule& for_unit(const std::string& code, UnitType type) const;
};

struct ProcessingOptions {
  std::size_t memory_mb = 1024;
  int tile_size = 0;  // 0: plan from memory_mb
  int threads = 0;    // 0: all cores
};

struct OutputOptions {
  std::string dir;
};

/// Approved projects / permitted activities (准入 / 审批台账): patches inside them do not alert.
struct ApprovedProjectsOptions {
  std::string path;        // any OGR vector layer; empty: none
  std::string layer;       // empty: the only layer
  std::string name_field;  // attribute naming the approval (文号 / project), "" = none
};

/// When a confirmed hotspot's land counts as recovered (proposed for closing).
struct RecoveryOptions {
  double greenness_tolerance = 0.05;  // mean greenness in the footprint >= baseline - this
  int scans = 2;                      // ... in this many consecutive scans
  double min_valid_share = 0.5;       // share of the footprint with valid pixels to judge
};

/// The monitoring store (store.hpp): hotspots that live across scans.
struct StoreOptions {
  std::string path;                      // GeoPackage; empty: scans are not tracked
  double match_distance_m = 30.0;        // a patch within this of a hotspot is that hotspot
  double expansion_min_area_m2 = 400.0;  // added area that makes a hotspot "expanded" ...
  double expansion_min_share = 0.1;      // ... and share of its footprint it must reach
  ApprovedProjectsOptions approved_projects;
  RecoveryOptions recovery;
  bool since_last = false;  // skip unless the after scene is newer than the last scan's

  [[nodiscard]] bool enabled() const { return !path.empty(); }
};

struct ScanConfig {
  std::string name;
  SceneOptions before, after;
  /// Set (enabled()) where before/after is a period: before/after.date is then the
  /// period's last day and before/after.path is empty.
  PeriodOptions before_period, after_period;
  UnitsOptions units;
  GridOptions grid;
  DetectionOptions detection;
  RuleSet rules;
  ProcessingOptions processing;
  OutputOptions output;
  StoreOptions store;
  QualityOptions quality;  // environmental quality per unit (quality_options.hpp); off unless configured
  SourcesOptions sources;  // registries traced to each hotspot (sources_options.hpp); off unless configured
  WaterQualityOptions
      water_quality;  // water bodies and their quality (water_quality_options.hpp); off unless configured
  std::filesystem::path config_dir;  // relative paths were resolved against it
  nlohmann::json resolved;           // the effective configuration, for run.json: to_json(*this)
};

/// Reads a scan config from `path` (may be empty: everything from overrides), applies
/// `overrides` ("dotted.key=value", from the command line) and validates every stage's
/// options. Throws ConfigError naming the file and key.
ScanConfig load_scan_config(const std::filesystem::path& path, const std::vector<std::string>& overrides);

/// Detection options alone (for `zonewatch eval`): the `detection` section of a scan
/// config file, or the defaults when `path` is empty; `overrides` as above.
DetectionOptions load_detection_options(const std::filesystem::path& path, const std::vector<std::string>& overrides);

nlohmann::json to_json(const DetectionOptions& options);

/// The effective configuration as run.json records it (ScanConfig::resolved): every section
/// with its defaults, paths resolved; before/after as {path, date, sensor} or
/// {period, sources, sensor, composite}.
nlohmann::json to_json(const ScanConfig& config);

}  // namespace zw
