#pragma once
// What a scan produces, independent of how it is written.
#include <string>
#include <utility>
#include <vector>

#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/kernels/zonal.hpp"
#include "zonewatch/pipeline/config/sources_options.hpp"
#include "zonewatch/pipeline/inputs/units.hpp"
#include "zonewatch/pipeline/stages/severity.hpp"

namespace zw {

/// A registered site near a hotspot (stages/source_tracing.hpp).
struct TracedSite {
  std::string registry;  // the registry's name (sources.registries key)
  RegistryKind kind = RegistryKind::other;
  std::string id, name;                                     // registry attributes: untrusted text
  std::vector<std::pair<std::string, std::string>> fields;  // the registry's extra attributes
  double distance_m = 0.0;                                  // hotspot polygon to site geometry; 0 inside
  double bearing_deg = kernels::kNaN;  // compass bearing hotspot -> site, 0 = north, clockwise; NaN: same place
  bool upstream = false;               // upstream of a water hotspot along the river network
};

/// One typed change patch (疑似问题图斑) attributed to the control unit it overlaps most.
struct Hotspot {
  std::string id;  // e.g. ZH50010510001-201804-0003 (unit code, after year-month, sequence)
  kernels::ChangeType change_type = kernels::ChangeType::other;
  double area_m2 = 0.0;
  double centroid_lon_wgs84 = 0.0, centroid_lat_wgs84 = 0.0;
  double centroid_lon_cgcs2000 = 0.0, centroid_lat_cgcs2000 = 0.0;
  double mean_greenness_before = kernels::kNaN;
  double mean_greenness_after = kernels::kNaN;
  double mean_magnitude = kernels::kNaN;
  std::uint64_t pixel_count = 0;
  std::string unit_code, unit_name, unit_region;
  UnitType unit_type = UnitType::general;
  std::string before_date, after_date;  // YYYY-MM-DD
  Severity severity = Severity::low;
  std::string rule;          // which rule fired, human readable, e.g. "priority: area >= 2000 m2 -> high"
  std::string geometry_wkt;  // polygon/multipolygon in the analysis grid CRS

  // Its life across scans, set when the scan runs with a monitoring store (store.hpp);
  // then `id` is the store's stable hotspot ID and ScanResults::tracked is true.
  std::string status;          // lifecycle status after this scan ("new", "dispatched", ...)
  std::string track_event;     // what this scan did to it: new | persisting | expanded
  std::string first_seen;      // after date of the scan that first saw it, YYYY-MM-DD
  int times_seen = 0;          // scans that saw it, this one included
  double added_area_m2 = 0.0;  // area this scan added to its footprint

  // Source tracing (stages/source_tracing.hpp), when sources: is configured; nearest first,
  // upstream sites first for water hotspots on a river network.
  std::vector<TracedSite> sources;
};

/// One control unit with its statistics and flag.
struct UnitResult {
  std::string code, name, region;
  UnitType type = UnitType::general;
  std::string geometry_wkt;  // analysis grid CRS
  kernels::ZonalStats stats;
  int hotspot_count = 0;
  bool assessable = true;  // enough valid pixels to judge
  bool flagged = false;
  std::string flag_reasons;  // "; "-joined, empty when not flagged
};

struct ScanResults {
  std::string grid_crs_wkt;       // CRS of every geometry_wkt above
  std::vector<Hotspot> hotspots;  // sorted by severity (high first), then area (largest first)
  std::vector<UnitResult> units;  // in layer order
  bool tracked = false;           // hotspots carry the monitoring store's IDs and lifecycle
  bool traced = false;            // hotspots carry their traced sources (Hotspot::sources)
};

/// 1 亩 (mu) = 10000/15 m².
inline constexpr double kSquareMetresPerMu = 10000.0 / 15.0;

}  // namespace zw
