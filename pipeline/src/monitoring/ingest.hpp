#pragma once
// Ingesting one scan into the monitoring store, shared by its sources: ingest_geometry.cpp
// (footprints, approved projects, merging a hotspot's patches), ingest_match.cpp (which
// hotspot each patch is), ingest_write.cpp (what the store records, in one transaction) and
// ingest.cpp (the entry points, and a scan ingested before); not a public header.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <ogrsf_frmts.h>

#include "zonewatch/pipeline/gdal/geo_util.hpp"
#include "zonewatch/pipeline/monitoring/store.hpp"
#include "zonewatch/pipeline/stages/judge.hpp"

namespace zw::monitoring_detail {

using OgrPtr = OGRGeometryUniquePtr;

/// `value` printed with a printf `pattern` such as "%.0f".
std::string format(const char* pattern, double value);

/// Envelopes bucketed on a square lattice: which footprints may lie near a patch.
class EnvelopeIndex {
 public:
  explicit EnvelopeIndex(double cell) : cell_(cell > 0 ? cell : 1.0) {}
  void insert(int id, const OGREnvelope& e) {
    for_cells(e, [&](long long key) { buckets_[key].push_back(id); });
  }
  [[nodiscard]] std::vector<int> query(const OGREnvelope& e) const {
    std::vector<int> found;
    for_cells(e, [&](long long key) {
      const auto it = buckets_.find(key);
      if (it != buckets_.end()) found.insert(found.end(), it->second.begin(), it->second.end());
    });
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    return found;
  }

 private:
  template <class F>
  void for_cells(const OGREnvelope& e, F&& f) const {
    const auto x0 = static_cast<long long>(std::floor(e.MinX / cell_));
    const auto x1 = static_cast<long long>(std::floor(e.MaxX / cell_));
    const auto y0 = static_cast<long long>(std::floor(e.MinY / cell_));
    const auto y1 = static_cast<long long>(std::floor(e.MaxY / cell_));
    for (long long x = x0; x <= x1; ++x) {
      for (long long y = y0; y <= y1; ++y) f((x << 32) ^ (y & 0xFFFFFFFFll));
    }
  }
  double cell_;
  std::unordered_map<long long, std::vector<int>> buckets_;
};

/// `e` grown by `by` on every side.
OGREnvelope grown(OGREnvelope e, double by);
/// `g` repaired when it is not valid.
OgrPtr valid(OgrPtr g);
OgrPtr union_of(const OGRGeometry& a, const OGRGeometry& b);
double area_of(const OGRGeometry& g);
/// Area of `patch` outside `cover` (both in the same CRS).
double area_outside(const OGRGeometry& patch, const OGRGeometry* cover);

/// One reported hotspot from the scan's patches that make it up (grid CRS).
Hotspot merge_patches(std::vector<const Hotspot*> patches, const geo::GeographicCentroids& centroids,
                      const Judge& judge);

/// Units' hotspot counts from the hotspots the scan reports.
void recount_unit_hotspots(ScanResults& results);

/// An approved project (准入 / 审批) polygon in the store CRS, grown by the match distance.
struct Approval {
  std::string name;
  OgrPtr area;
  OGREnvelope envelope;
};

/// The approved projects layer (store.approved_projects) in the store CRS, grown by `tolerance`.
std::vector<Approval> load_approvals(const ApprovedProjectsOptions& options, const std::string& store_crs,
                                     double tolerance);

/// A hotspot of the store while a scan is matched against it.
struct Tracked {
  StoredHotspot stored;
  OgrPtr footprint;                                 // store CRS
  bool touched = false;                             // seen by this scan
  bool changed = false;                             // to be written
  HotspotStatus from_status = HotspotStatus::new_;  // before this scan
};

enum class Decision { existing, settled, new_alert, new_approved };

struct PatchPlan {
  Decision decision = Decision::new_alert;
  int hotspot = -1;            // index into the tracked hotspots (existing, settled)
  std::vector<int> adjoining;  // further alerting hotspots the patch touches
  bool inside_approval = false;
  std::string approval;
  std::string related;
  int related_index = -1;  // into the tracked hotspots, with `related`
  OgrPtr geometry;         // store CRS
};

/// One scan matched against the store's hotspots and recorded (store.hpp: ingest_scan).
class Ingest {
 public:
  Ingest(const StoreOptions& options, const ScanRecord& record, ScanResults& results, const Judge& judge,
         const GreennessProbe& probe, const HotspotTracer& tracer, MonitoringStore& store);

  /// Matches, builds the records and writes them in one transaction.
  IngestSummary run();

 private:
  // Matching (ingest_match.cpp).
  void load();
  void plan();
  /// The candidate the patch overlaps most; then the nearest; then the oldest ID.
  [[nodiscard]] int best_match(const OGRGeometry& patch, const std::vector<int>& candidates) const;

  // What the store records (ingest_write.cpp).
  void build(std::vector<Hotspot>& reported, std::vector<StoredObservation>& observations,
             std::vector<StoredEvent>& events, std::vector<StoredHotspot>& created);
  void build_group(int index, const std::vector<std::size_t>& members, std::vector<Hotspot>& reported,
                   std::vector<StoredObservation>& observations, std::vector<StoredEvent>& events);
  void probe_recovery(std::vector<StoredEvent>& events);
  /// Traces the reported hotspots' sources and copies them into the rows the store writes.
  void trace_sources(std::vector<StoredHotspot>& created);
  [[nodiscard]] StoredObservation observation(const Hotspot& patch, const PatchPlan& p) const;
  /// An entry of a hotspot's history from this scan; no `from` for a hotspot it creates.
  [[nodiscard]] StoredEvent event(const std::string& hotspot_id, std::optional<HotspotStatus> from, HotspotStatus to,
                                  const std::string& detail) const;
  [[nodiscard]] int rectification_days(const std::string& unit_code, UnitType unit_type) const;
  void set_status(Tracked& t, HotspotStatus status, std::vector<StoredEvent>& events, const std::string& detail);

  [[nodiscard]] double m2(double area) const { return area * unit_ * unit_; }

  const StoreOptions& options_;
  const ScanRecord& record_;
  ScanResults& results_;
  const Judge& judge_;
  const GreennessProbe& probe_;
  const HotspotTracer& tracer_;
  MonitoringStore& store_;
  geo::Reprojector to_store_, to_grid_;
  geo::GeographicCentroids grid_centroids_, store_centroids_;
  double unit_;      // metres per store CRS unit
  double distance_;  // match distance in store CRS units
  EnvelopeIndex index_;
  std::vector<Tracked> tracked_;
  std::vector<Approval> approvals_;
  std::vector<PatchPlan> plans_;
  std::string now_;
  IngestSummary summary_;
};

}  // namespace zw::monitoring_detail
