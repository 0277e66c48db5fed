// Ingesting a scan into the monitoring store: matching the scan's patches against the
// store's hotspots, merging, suppressing, creating, probing for recovery, all written in
// one transaction; and applying a stored outcome when the same scan runs again.
#include "zonewatch/pipeline/monitoring/store.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <ogrsf_frmts.h>

#include "zonewatch/kernels/coverage.hpp"
#include "zonewatch/kernels/indices.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/gdal/geo_util.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/inputs/scene.hpp"
#include "zonewatch/pipeline/inputs/units.hpp"
#include "zonewatch/pipeline/stages/hotspots.hpp"
#include "zonewatch/pipeline/stages/judge.hpp"
#include "zonewatch/pipeline/version.hpp"

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
  OgrPtr geometry;  // store CRS
};

/// One scan matched against the store's hotspots and recorded (store.hpp: ingest_scan).
class Ingest {
 public:
  Ingest(const StoreOptions& options, const ScanRecord& record, ScanResults& results, const Judge& judge,
         const GreennessProbe& probe, MonitoringStore& store);

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

namespace zw::monitoring_detail {

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

OGREnvelope grown(OGREnvelope e, double by) {
  e.MinX -= by;
  e.MinY -= by;
  e.MaxX += by;
  e.MaxY += by;
  return e;
}

OgrPtr valid(OgrPtr g) {
  if (g && !g->IsValid()) {
    OgrPtr repaired(g->MakeValid());
    if (repaired) return geo::as_multipolygon(std::move(repaired));
  }
  return g;
}

OgrPtr union_of(const OGRGeometry& a, const OGRGeometry& b) {
  OgrPtr u(a.Union(&b));
  if (!u) throw InternalError("store: geometry union failed" + gdal_error_suffix());
  return geo::as_multipolygon(std::move(u));
}

double area_of(const OGRGeometry& g) {
  const auto flat = wkbFlatten(g.getGeometryType());
  if (flat == wkbPolygon) return g.toPolygon()->get_Area();
  if (flat == wkbMultiPolygon || flat == wkbGeometryCollection) return g.toGeometryCollection()->get_Area();
  return 0.0;
}

/// Area of `patch` outside `cover` (both in the same CRS).
double area_outside(const OGRGeometry& patch, const OGRGeometry* cover) {
  if (cover == nullptr || cover->IsEmpty()) return area_of(patch);
  OgrPtr rest(patch.Difference(cover));
  if (!rest) throw InternalError("store: geometry difference failed" + gdal_error_suffix());
  return area_of(*rest);
}

namespace {

double weighted_mean(const std::vector<const Hotspot*>& patches, double Hotspot::*member) {
  double sum = 0.0, weight = 0.0;
  for (const Hotspot* p : patches) {
    const double v = p->*member;
    if (!std::isfinite(v)) continue;
    sum += v * static_cast<double>(p->pixel_count);
    weight += static_cast<double>(p->pixel_count);
  }
  return weight > 0 ? sum / weight : kernels::kNaN;
}

}  // namespace

Hotspot merge_patches(std::vector<const Hotspot*> patches, const geo::GeographicCentroids& centroids,
                      const Judge& judge) {
  std::stable_sort(patches.begin(), patches.end(),
                   [](const Hotspot* a, const Hotspot* b) { return a->area_m2 > b->area_m2; });
  Hotspot merged = *patches.front();
  if (patches.size() == 1) return merged;
  merged.area_m2 = 0.0;
  merged.pixel_count = 0;
  OgrPtr geometry;
  for (const Hotspot* p : patches) {
    merged.area_m2 += p->area_m2;
    merged.pixel_count += p->pixel_count;
    OgrPtr g = geo::from_wkt(p->geometry_wkt, "patch " + p->id);
    if (!g) continue;
    geometry = geometry ? union_of(*geometry, *g) : geo::as_multipolygon(std::move(g));
  }
  merged.mean_greenness_before = weighted_mean(patches, &Hotspot::mean_greenness_before);
  merged.mean_greenness_after = weighted_mean(patches, &Hotspot::mean_greenness_after);
  merged.mean_magnitude = weighted_mean(patches, &Hotspot::mean_magnitude);
  if (geometry) {
    merged.geometry_wkt = geo::to_wkt(*geometry);
    const auto c = centroids(*geometry);
    merged.centroid_lon_wgs84 = c[0];
    merged.centroid_lat_wgs84 = c[1];
    merged.centroid_lon_cgcs2000 = c[2];
    merged.centroid_lat_cgcs2000 = c[3];
  }
  judge.rate(merged);
  return merged;
}

void recount_unit_hotspots(ScanResults& results) {
  std::map<std::string, int> counts;
  for (const Hotspot& h : results.hotspots) ++counts[h.unit_code];
  for (UnitResult& u : results.units) u.hotspot_count = counts.count(u.code) != 0 ? counts[u.code] : 0;
}

std::vector<Approval> load_approvals(const ApprovedProjectsOptions& options, const std::string& store_crs,
                                     double tolerance) {
  std::vector<Approval> approvals;
  if (options.path.empty()) return approvals;
  DatasetPtr ds = open_vector(options.path);
  OGRLayer* layer = nullptr;
  if (!options.layer.empty()) {
    layer = ds->GetLayerByName(options.layer.c_str());
    if (layer == nullptr)
      throw InputError(options.path + ": no layer '" + options.layer + "' (store.approved_projects.layer)");
  } else {
    if (ds->GetLayerCount() != 1) {
      throw InputError(options.path + ": has " + std::to_string(ds->GetLayerCount()) +
                       " layers; set store.approved_projects.layer");
    }
    layer = ds->GetLayer(0);
  }
  const std::string where = options.path + " layer " + layer->GetName();
  int name_index = -1;
  if (!options.name_field.empty()) {
    name_index = layer->GetLayerDefn()->GetFieldIndex(options.name_field.c_str());
    if (name_index < 0) {
      throw InputError(where + ": no attribute '" + options.name_field + "' (store.approved_projects.name_field)");
    }
  }
  const OGRSpatialReference* source = layer->GetSpatialRef();
  if (source == nullptr) throw InputError(where + ": has no CRS; approved projects need one");
  char* source_wkt = nullptr;
  source->exportToWkt(&source_wkt);
  const geo::Reprojector to_store(source_wkt != nullptr ? source_wkt : "", store_crs);
  CPLFree(source_wkt);
  layer->ResetReading();
  for (auto& feature : *layer) {
    const OGRGeometry* g = feature->GetGeometryRef();
    if (g == nullptr || g->IsEmpty()) continue;
    OgrPtr projected = valid(geo::as_multipolygon(to_store(*g)));
    if (!projected || projected->IsEmpty()) {
      throw InputError(where + ", feature " + std::to_string(feature->GetFID()) + ": not a polygon");
    }
    OgrPtr area(tolerance > 0 ? projected->Buffer(tolerance, 8) : projected->clone());
    if (!area) throw InputError(where + ", feature " + std::to_string(feature->GetFID()) + ": cannot be buffered");
    Approval approval;
    approval.name = name_index >= 0 && feature->IsFieldSetAndNotNull(name_index)
                        ? feature->GetFieldAsString(name_index)
                        : "feature " + std::to_string(feature->GetFID());
    area->getEnvelope(&approval.envelope);
    approval.area = std::move(area);
    approvals.push_back(std::move(approval));
  }
  logger("store")->info("{}: {} approved projects", where, approvals.size());
  return approvals;
}

}  // namespace zw::monitoring_detail

namespace zw::monitoring_detail {

Ingest::Ingest(const StoreOptions& options, const ScanRecord& record, ScanResults& results, const Judge& judge,
               const GreennessProbe& probe, MonitoringStore& store)
    : options_(options),
      record_(record),
      results_(results),
      judge_(judge),
      probe_(probe),
      store_(store),
      to_store_(record.grid_crs_wkt, store.crs_wkt()),
      to_grid_(store.crs_wkt(), record.grid_crs_wkt),
      grid_centroids_(record.grid_crs_wkt),
      store_centroids_(store.crs_wkt()),
      unit_(store.metres_per_unit()),
      distance_(options.match_distance_m / store.metres_per_unit()),
      index_(std::max(1000.0 / store.metres_per_unit(), 8.0 * distance_)) {}

void Ingest::load() {
  for (StoredHotspot& h : store_.hotspots()) {
    Tracked t;
    t.footprint =
        valid(geo::as_multipolygon(geo::from_wkt(h.geometry_wkt, store_.path().string() + ": hotspot " + h.id)));
    t.from_status = h.status;
    t.stored = std::move(h);
    if (t.footprint && !t.footprint->IsEmpty()) {
      OGREnvelope e;
      t.footprint->getEnvelope(&e);
      index_.insert(static_cast<int>(tracked_.size()), grown(e, distance_));
    }
    tracked_.push_back(std::move(t));
  }
  approvals_ = load_approvals(options_.approved_projects, store_.crs_wkt(), distance_);
  summary_.patches = static_cast<int>(results_.hotspots.size());
}

void Ingest::plan() {
  plans_.resize(results_.hotspots.size());
  for (std::size_t i = 0; i < results_.hotspots.size(); ++i) {
    const Hotspot& patch = results_.hotspots[i];
    PatchPlan& p = plans_[i];
    OgrPtr g = geo::from_wkt(patch.geometry_wkt, "patch " + patch.id);
    if (!g) throw InternalError("store: patch " + patch.id + " has no geometry");
    p.geometry = valid(geo::as_multipolygon(to_store_(*g)));
    OGREnvelope e;
    p.geometry->getEnvelope(&e);

    std::vector<int> alerting, settled, closed;
    for (int c : index_.query(e)) {
      const Tracked& t = tracked_[static_cast<std::size_t>(c)];
      const double d = p.geometry->Distance(t.footprint.get());
      if (d < 0 || d > distance_) continue;
      if (is_alerting(t.stored.status))
        alerting.push_back(c);
      else if (is_settled(t.stored.status))
        settled.push_back(c);
      else
        closed.push_back(c);
    }

    // Inside approved projects (grown by the match distance)?
    OgrPtr approved_cover;
    for (const Approval& a : approvals_) {
      if (!a.envelope.Intersects(e) || !a.area->Intersects(p.geometry.get())) continue;
      approved_cover = approved_cover ? union_of(*approved_cover, *a.area) : OgrPtr(a.area->clone());
      if (p.approval.empty()) p.approval = a.name;
    }
    if (approved_cover) {
      p.inside_approval = m2(area_outside(*p.geometry, approved_cover.get())) < options_.expansion_min_area_m2;
    }

    // A verdict settles the ground it covers: a patch that overlaps a settled hotspot
    // more than any alerting one and stays within the settled footprints (grown by the
    // match distance) is suppressed even when an alerting hotspot lies nearby; any other
    // patch near an alerting hotspot is matched on its part outside the settled
    // footprints, so no alerting neighbour grows over a false alarm or a legal project.
    OgrPtr settled_cover, settled_footprints;
    if (!settled.empty()) {
      settled_cover = approved_cover ? OgrPtr(approved_cover->clone()) : nullptr;
      for (int c : settled) {
        const OGRGeometry& footprint = *tracked_[static_cast<std::size_t>(c)].footprint;
        OgrPtr grown_footprint(footprint.Buffer(distance_, 8));
        if (!grown_footprint) throw InternalError("store: footprint buffer failed" + gdal_error_suffix());
        settled_cover = settled_cover ? union_of(*settled_cover, *grown_footprint)
                                      : geo::as_multipolygon(std::move(grown_footprint));
        settled_footprints = settled_footprints ? union_of(*settled_footprints, footprint) : OgrPtr(footprint.clone());
      }
    }
    std::vector<int> open = alerting;
    open.insert(open.end(), settled.begin(), settled.end());
    const int best_open = open.empty() ? -1 : best_match(*p.geometry, open);
    const bool settled_ground = best_open >= 0 &&
                                is_settled(tracked_[static_cast<std::size_t>(best_open)].stored.status) &&
                                m2(area_outside(*p.geometry, settled_cover.get())) < options_.expansion_min_area_m2;

    if (settled_ground) {
      p.decision = Decision::settled;
      p.hotspot = best_open;
    } else if (!alerting.empty()) {
      if (settled_footprints && p.geometry->Intersects(settled_footprints.get())) {
        OgrPtr outside(p.geometry->Difference(settled_footprints.get()));
        if (!outside) throw InternalError("store: geometry difference failed" + gdal_error_suffix());
        if (!outside->IsEmpty()) p.geometry = valid(geo::as_multipolygon(std::move(outside)));
      }
      p.decision = Decision::existing;
      p.hotspot = best_match(*p.geometry, alerting);
      for (int c : alerting) {
        if (c != p.hotspot) p.adjoining.push_back(c);
      }
    } else if (!settled.empty()) {
      p.decision = Decision::new_alert;
      p.related = tracked_[static_cast<std::size_t>(best_match(*p.geometry, settled))].stored.id;
    } else if (p.inside_approval) {
      p.decision = Decision::new_approved;
    } else {
      p.decision = Decision::new_alert;
      if (!closed.empty()) p.related = tracked_[static_cast<std::size_t>(best_match(*p.geometry, closed))].stored.id;
    }
  }
}

int Ingest::best_match(const OGRGeometry& patch, const std::vector<int>& candidates) const {
  int best = -1;
  double best_overlap = -1.0, best_distance = 0.0;
  for (int c : candidates) {
    const Tracked& t = tracked_[static_cast<std::size_t>(c)];
    double overlap = 0.0;
    if (patch.Intersects(t.footprint.get())) {
      OgrPtr common(patch.Intersection(t.footprint.get()));
      overlap = common ? area_of(*common) : 0.0;
    }
    const double distance = patch.Distance(t.footprint.get());
    const bool better =
        best < 0 || overlap > best_overlap ||
        (overlap == best_overlap &&
         (distance < best_distance ||
          (distance == best_distance && t.stored.id < tracked_[static_cast<std::size_t>(best)].stored.id)));
    if (better) {
      best = c;
      best_overlap = overlap;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace zw::monitoring_detail

namespace zw::monitoring_detail {
namespace {

std::string month_of(const std::string& date) { return date.substr(0, 4) + date.substr(5, 2); }

std::string sequence_text(int sequence) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d", sequence);
  return buffer;
}

}  // namespace

IngestSummary Ingest::run() {
  auto log = logger("store");
  load();
  plan();
  now_ = now_utc();
  std::vector<Hotspot> reported;
  std::vector<StoredObservation> observations;
  std::vector<StoredEvent> events;
  std::vector<StoredHotspot> created;
  build(reported, observations, events, created);
  probe_recovery(events);

  StoredScan scan;
  scan.scan_id = record_.scan_id;
  scan.name = record_.name;
  scan.ingested_utc = now_;
  scan.program_version = kVersion;
  scan.before = record_.before;
  scan.after = record_.after;
  scan.config_dir = record_.config_dir;
  scan.units_path = record_.units_path;
  scan.grid_crs_wkt = record_.grid_crs_wkt;
  scan.grid_resolution = record_.grid_resolution;
  scan.output_dir = record_.output_dir;
  scan.patches = summary_.patches;
  scan.new_hotspots = summary_.new_hotspots;
  scan.persisting = summary_.persisting;
  scan.expanded = summary_.expanded;
  scan.suppressed = summary_.suppressed;
  scan.reported = static_cast<int>(reported.size());
  scan.close_proposals = summary_.close_proposals;
  scan.inputs_json = record_.inputs.dump();
  scan.config_json = record_.config.dump();

  results_.hotspots = std::move(reported);
  sort_for_report(results_.hotspots);
  results_.tracked = true;
  recount_unit_hotspots(results_);
  summary_.reported = static_cast<int>(results_.hotspots.size());

  store_.transaction([&] {
    store_.insert_scan(scan);
    for (StoredHotspot& h : created) store_.insert_hotspot(h);
    for (Tracked& t : tracked_) {
      if (t.changed) store_.update_hotspot(t.stored);
    }
    for (const StoredObservation& o : observations) store_.insert_observation(o);
    for (const StoredEvent& e : events) store_.insert_event(e);
    for (const UnitResult& u : results_.units) store_.insert_unit_stats(record_.scan_id, u);
    crash_point("store.ingest");
  });
  summary_.scan_seq = scan.seq;
  log->info("{}: scan {} ingested as #{}: {} new, {} persisting, {} expanded, {} suppressed, {} proposed for closing",
            store_.path().string(), record_.scan_id.substr(0, 12), scan.seq, summary_.new_hotspots, summary_.persisting,
            summary_.expanded, summary_.suppressed, summary_.close_proposals);
  return summary_;
}

StoredObservation Ingest::observation(const Hotspot& patch, const PatchPlan& p) const {
  StoredObservation o;
  o.scan_id = record_.scan_id;
  o.patch_key = patch.id;
  o.change_type = patch.change_type;
  o.severity = patch.severity;
  o.after_date = record_.after.date;
  o.area_m2 = patch.area_m2;
  o.pixel_count = static_cast<std::int64_t>(patch.pixel_count);
  o.greenness_before = patch.mean_greenness_before;
  o.greenness_after = patch.mean_greenness_after;
  o.magnitude = patch.mean_magnitude;
  o.geometry_wkt = geo::to_wkt(*p.geometry);
  return o;
}

StoredEvent Ingest::event(const std::string& hotspot_id, std::optional<HotspotStatus> from, HotspotStatus to,
                          const std::string& detail) const {
  return {hotspot_id, now_, HistorySource::scan, record_.scan_id, from, to, detail};
}

int Ingest::rectification_days(const std::string& unit_code, UnitType unit_type) const {
  return record_.rules.for_unit(unit_code, unit_type).rectification_days;
}

void Ingest::set_status(Tracked& t, HotspotStatus status, std::vector<StoredEvent>& events, const std::string& detail) {
  const HotspotStatus from = t.stored.status;
  t.stored.status = status;
  t.stored.status_since = now_;
  t.changed = true;
  events.push_back(event(t.stored.id, from, status, detail));
}

void Ingest::build(std::vector<Hotspot>& reported, std::vector<StoredObservation>& observations,
                   std::vector<StoredEvent>& events, std::vector<StoredHotspot>& created) {
  const std::string month = month_of(record_.after.date);
  std::map<std::string, int> next_sequence;  // per ID prefix
  // Existing alerting hotspots seen again: group their patches.
  std::map<int, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < plans_.size(); ++i) {
    if (plans_[i].decision == Decision::existing) groups[plans_[i].hotspot].push_back(i);
  }
  std::set<int> group_done;

  for (std::size_t i = 0; i < plans_.size(); ++i) {
    const Hotspot& patch = results_.hotspots[i];
    PatchPlan& p = plans_[i];
    StoredObservation o = observation(patch, p);

    if (p.decision == Decision::existing) {
      if (group_done.count(p.hotspot) != 0) continue;  // written with its group
      group_done.insert(p.hotspot);
      build_group(p.hotspot, groups[p.hotspot], reported, observations, events);
      continue;
    }

    if (p.decision == Decision::settled) {
      Tracked& t = tracked_[static_cast<std::size_t>(p.hotspot)];
      if (!t.touched) {
        t.touched = true;
        t.stored.times_seen += 1;
        t.stored.last_scan = record_.scan_id;
        t.stored.last_seen = record_.after.date;
        t.stored.last_change_type = o.change_type;
        t.stored.last_area_m2 = 0.0;
        if (t.stored.close_proposed) {
          events.push_back(
              event(t.stored.id, t.from_status, t.from_status, "close proposal withdrawn: change seen again"));
        }
        t.stored.recovered_scans = 0;
        t.stored.close_proposed = false;
        t.stored.close_reason.clear();
        t.changed = true;
      }
      t.stored.last_area_m2 += patch.area_m2;
      o.hotspot_id = t.stored.id;
      o.event = SightingEvent::suppressed;
      o.status = t.stored.status;
      o.times_seen = t.stored.times_seen;
      o.detail = "inside the footprint of " + std::string(to_string(t.stored.status)) + " hotspot " + t.stored.id;
      ++summary_.suppressed;
      observations.push_back(std::move(o));
      continue;
    }

    // A new hotspot.
    StoredHotspot h;
    const std::string prefix = patch.unit_code + "-" + month + "-";
    auto [it, inserted] = next_sequence.try_emplace(prefix, 0);
    if (inserted) it->second = store_.max_hotspot_sequence(prefix);
    h.id = prefix + sequence_text(++it->second);
    h.status_since = now_;
    h.unit_code = patch.unit_code;
    h.unit_name = patch.unit_name;
    h.unit_type = patch.unit_type;
    h.region = patch.unit_region;
    h.change_type = h.last_change_type = o.change_type;
    h.severity = o.severity;
    h.rule = patch.rule;
    h.area_m2 = m2(area_of(*p.geometry));
    h.first_area_m2 = h.last_area_m2 = patch.area_m2;
    h.first_scan = h.last_scan = record_.scan_id;
    h.first_seen = h.last_seen = record_.after.date;
    h.times_seen = 1;
    const auto c = store_centroids_(*p.geometry);
    h.lon_wgs84 = c[0], h.lat_wgs84 = c[1], h.lon_cgcs2000 = c[2], h.lat_cgcs2000 = c[3];
    h.baseline_greenness = patch.mean_greenness_before;
    h.last_greenness = patch.mean_greenness_after;
    h.rectification_days = rectification_days(h.unit_code, h.unit_type);
    h.related_hotspot = p.related;
    h.geometry_wkt = o.geometry_wkt;
    o.hotspot_id = h.id;
    o.times_seen = 1;
    const std::string first_sighting =
        "first seen: " + format("%.0f", patch.area_m2) + " m2 " + std::string(kernels::to_string(o.change_type));
    if (p.decision == Decision::new_approved) {
      h.status = HotspotStatus::legal;
      h.approval = p.approval;
      o.event = SightingEvent::suppressed;
      o.detail = "inside approved project " + p.approval;
      events.push_back(
          event(h.id, std::nullopt, HotspotStatus::legal, first_sighting + "; inside approved project " + p.approval));
      ++summary_.suppressed;
      ++summary_.approved;
    } else {
      h.status = HotspotStatus::new_;
      o.event = SightingEvent::new_;
      o.reported = true;
      if (!p.related.empty()) o.detail = "beyond the footprint of " + p.related;
      events.push_back(event(h.id, std::nullopt, HotspotStatus::new_,
                             first_sighting + (p.related.empty() ? "" : "; related to " + p.related)));
      ++summary_.new_hotspots;
      Hotspot out = patch;
      out.id = h.id;
      out.status = std::string(to_string(HotspotStatus::new_));
      out.track_event = std::string(to_string(SightingEvent::new_));
      out.first_seen = h.first_seen;
      out.times_seen = 1;
      out.added_area_m2 = patch.area_m2;
      reported.push_back(std::move(out));
    }
    o.status = h.status;
    o.added_area_m2 = patch.area_m2;
    observations.push_back(std::move(o));
    created.push_back(std::move(h));
  }
}

void Ingest::build_group(int index, const std::vector<std::size_t>& members, std::vector<Hotspot>& reported,
                         std::vector<StoredObservation>& observations, std::vector<StoredEvent>& events) {
  Tracked& t = tracked_[static_cast<std::size_t>(index)];
  t.touched = true;
  t.changed = true;
  StoredHotspot& h = t.stored;

  bool all_approved = true;
  std::string approval;
  OgrPtr sighting;
  std::vector<const Hotspot*> patches;
  for (std::size_t i : members) {
    const PatchPlan& p = plans_[i];
    all_approved = all_approved && p.inside_approval;
    if (approval.empty()) approval = p.approval;
    sighting = sighting ? union_of(*sighting, *p.geometry) : OgrPtr(p.geometry->clone());
    patches.push_back(&results_.hotspots[i]);
  }
  Hotspot merged = merge_patches(patches, grid_centroids_, judge_);
  // The hotspot keeps the unit it was first attributed to (its ID names it).
  merged.unit_code = h.unit_code;
  merged.unit_name = h.unit_name;
  merged.unit_region = h.region;
  merged.unit_type = h.unit_type;
  if (patches.size() > 1) judge_.rate(merged);

  const double footprint_area = m2(area_of(*t.footprint));
  OgrPtr grown_footprint = union_of(*t.footprint, *sighting);
  const double added = std::max(0.0, m2(area_of(*grown_footprint)) - footprint_area);
  const bool expanded =
      added >= options_.expansion_min_area_m2 && added >= options_.expansion_min_share * footprint_area;

  h.times_seen += 1;
  h.last_scan = record_.scan_id;
  h.last_seen = record_.after.date;
  h.last_change_type = merged.change_type;
  h.severity = merged.severity;
  h.rule = merged.rule;
  h.last_area_m2 = merged.area_m2;
  h.last_greenness = merged.mean_greenness_after;
  h.rectification_days = rectification_days(h.unit_code, h.unit_type);
  if (h.close_proposed) {
    events.push_back(event(h.id, t.from_status, t.from_status, "close proposal withdrawn: change seen again"));
  }
  h.recovered_scans = 0;
  h.close_proposed = false;
  h.close_reason.clear();
  if (expanded) {
    t.footprint = std::move(grown_footprint);
    h.geometry_wkt = geo::to_wkt(*t.footprint);
    h.area_m2 = m2(area_of(*t.footprint));
    const auto c = store_centroids_(*t.footprint);
    h.lon_wgs84 = c[0], h.lat_wgs84 = c[1], h.lon_cgcs2000 = c[2], h.lat_cgcs2000 = c[3];
    events.push_back(event(h.id, t.from_status, t.from_status,
                           "expanded by " + format("%.0f", added) + " m2 to " + format("%.0f", h.area_m2) + " m2"));
  }

  const bool approve = all_approved && (h.status == HotspotStatus::new_ || h.status == HotspotStatus::dispatched);
  if (approve) {
    h.approval = approval;
    set_status(t, HotspotStatus::legal, events, "inside approved project " + approval);
    ++summary_.suppressed;
    ++summary_.approved;
  } else if (expanded) {
    ++summary_.expanded;
  } else {
    ++summary_.persisting;
  }
  const SightingEvent track_event = approve    ? SightingEvent::suppressed
                                    : expanded ? SightingEvent::expanded
                                               : SightingEvent::persisting;

  for (std::size_t i : members) {
    StoredObservation o = observation(results_.hotspots[i], plans_[i]);
    o.hotspot_id = h.id;
    o.event = track_event;
    o.status = h.status;
    o.reported = !approve;
    o.added_area_m2 = added;
    o.times_seen = h.times_seen;
    if (approve) o.detail = "inside approved project " + approval;
    observations.push_back(std::move(o));
    // Other alerting hotspots the patch joined: noted, left as they are.
    for (int other : plans_[i].adjoining) {
      StoredObservation a = observation(results_.hotspots[i], plans_[i]);
      const Tracked& neighbour = tracked_[static_cast<std::size_t>(other)];
      a.patch_key += "/" + neighbour.stored.id;
      a.hotspot_id = neighbour.stored.id;
      a.event = SightingEvent::adjoining;
      a.status = neighbour.stored.status;
      a.times_seen = neighbour.stored.times_seen;
      a.detail = "the patch is reported as " + h.id;
      observations.push_back(std::move(a));
    }
  }
  if (!approve) {
    merged.id = h.id;
    merged.status = std::string(to_string(h.status));
    merged.track_event = std::string(to_string(track_event));
    merged.first_seen = h.first_seen;
    merged.times_seen = h.times_seen;
    merged.added_area_m2 = added;
    reported.push_back(std::move(merged));
  }
}

void Ingest::probe_recovery(std::vector<StoredEvent>& events) {
  if (!probe_) return;
  for (Tracked& t : tracked_) {
    if (t.touched || !is_watched_for_recovery(t.stored.status) || !t.footprint || t.footprint->IsEmpty()) continue;
    const FootprintGreenness g = probe_(geo::to_wkt(*to_grid_(*t.footprint)));
    const RecoveryCheck check =
        check_recovery(t.stored.baseline_greenness, g.mean, g.valid_share, t.stored.recovered_scans, options_.recovery);
    if (!check.counted) continue;
    t.stored.last_greenness = g.mean;
    t.stored.recovered_scans = check.recovered_scans;
    t.changed = true;
    if (check.propose_closing && !t.stored.close_proposed) {
      t.stored.close_proposed = true;
      t.stored.close_reason = check.reason;
      events.push_back(event(t.stored.id, t.from_status, t.from_status, "proposed for closing: " + check.reason));
      ++summary_.close_proposals;
    }
  }
}

}  // namespace zw::monitoring_detail

namespace zw {

using monitoring_detail::Ingest;
using monitoring_detail::OgrPtr;

namespace {

using monitoring_detail::merge_patches;
using monitoring_detail::recount_unit_hotspots;

/// The same scan again: rebuild what it reported from the store, touching nothing.
IngestSummary apply_stored(MonitoringStore& store, const StoredScan& scan, const ScanRecord& record,
                           ScanResults& results, const Judge& judge) {
  IngestSummary summary;
  summary.store_path = store.path().string();
  summary.scan_id = scan.scan_id;
  summary.scan_seq = scan.seq;
  summary.reused = true;
  summary.patches = scan.patches;
  summary.new_hotspots = scan.new_hotspots;
  summary.persisting = scan.persisting;
  summary.expanded = scan.expanded;
  summary.suppressed = scan.suppressed;
  summary.close_proposals = scan.close_proposals;

  std::map<std::string, StoredObservation> by_patch;
  for (StoredObservation& o : store.observations(scan.scan_id)) by_patch.emplace(o.patch_key, std::move(o));
  std::map<std::string, std::vector<const Hotspot*>> groups;
  std::map<std::string, const StoredObservation*> group_observation;
  std::vector<std::string> order;
  for (const Hotspot& patch : results.hotspots) {
    const auto it = by_patch.find(patch.id);
    if (it == by_patch.end() || it->second.pixel_count != static_cast<std::int64_t>(patch.pixel_count)) {
      throw InternalError(store.path().string() + ": scan " + scan.scan_id.substr(0, 12) + " (#" +
                          std::to_string(scan.seq) + ") was ingested with other patches than this run found (" +
                          patch.id + "); the detection is not reproducible");
    }
    const StoredObservation& o = it->second;
    // Suppressed patches are not reported; summary.approved stays 0 for a reused scan.
    if (!o.reported) continue;
    if (groups.find(o.hotspot_id) == groups.end()) order.push_back(o.hotspot_id);
    groups[o.hotspot_id].push_back(&patch);
    group_observation[o.hotspot_id] = &o;
  }
  const geo::GeographicCentroids centroids(record.grid_crs_wkt);
  std::vector<Hotspot> reported;
  for (const std::string& id : order) {
    const StoredObservation& o = *group_observation[id];
    Hotspot merged = merge_patches(groups[id], centroids, judge);
    if (groups[id].size() > 1 || o.event != SightingEvent::new_) {
      if (const auto stored = store.hotspot(id)) {
        merged.unit_code = stored->unit_code;
        merged.unit_name = stored->unit_name;
        merged.unit_region = stored->region;
        merged.unit_type = stored->unit_type;
        if (groups[id].size() > 1) judge.rate(merged);
        merged.first_seen = stored->first_seen;
      }
    } else {
      merged.first_seen = record.after.date;
    }
    merged.id = id;
    merged.status = std::string(to_string(o.status));
    merged.track_event = std::string(to_string(o.event));
    merged.times_seen = o.times_seen;
    merged.added_area_m2 = o.added_area_m2;
    reported.push_back(std::move(merged));
  }
  results.hotspots = std::move(reported);
  sort_for_report(results.hotspots);
  results.tracked = true;
  recount_unit_hotspots(results);
  summary.reported = static_cast<int>(results.hotspots.size());
  logger("store")->info("{}: scan {} is already in the store (#{}, {}); its recorded outcome is reused",
                        store.path().string(), scan.scan_id.substr(0, 12), scan.seq, scan.ingested_utc);
  return summary;
}

}  // namespace

nlohmann::json IngestSummary::to_json() const {
  return {{"path", store_path},       {"scan_id", scan_id},
          {"scan_seq", scan_seq},     {"reused", reused},
          {"patches", patches},       {"new", new_hotspots},
          {"persisting", persisting}, {"expanded", expanded},
          {"suppressed", suppressed}, {"suppressed_approved_projects", approved},
          {"reported", reported},     {"close_proposals", close_proposals}};
}

SinceLastDecision decide_since_last(const StoreOptions& options, const std::string& after_date,
                                    const std::function<std::string()>& scan_id) {
  SinceLastDecision decision;
  if (!options.since_last) return decision;
  if (!MonitoringStore::exists(options.path)) {
    decision.reason = options.path + ": no store yet, so no previous scan";
    return decision;
  }
  MonitoringStore store = MonitoringStore::open(options.path, MonitoringStore::Mode::read);
  const std::vector<StoredScan> scans = store.scans();
  if (scans.empty()) {
    decision.reason = options.path + ": no previous scan";
    return decision;
  }
  const auto latest = std::max_element(scans.begin(), scans.end(), [](const StoredScan& a, const StoredScan& b) {
    return a.after.date < b.after.date || (a.after.date == b.after.date && a.seq < b.seq);
  });
  if (after_date > latest->after.date) {
    decision.reason = "after scene " + after_date + " is newer than the last scan's " + latest->after.date;
    return decision;
  }
  std::string id;
  for (const StoredScan& s : scans) {
    if (s.outputs_written) continue;
    if (id.empty()) id = scan_id();
    if (s.scan_id == id) {
      decision.reason =
          "scan #" + std::to_string(s.seq) + " was ingested but its outputs were never completed; finishing it";
      return decision;
    }
  }
  decision.skip = true;
  decision.reason = "after scene " + after_date + " is not newer than the last scan's (#" +
                    std::to_string(latest->seq) + ", after " + latest->after.date + "); nothing to do";
  return decision;
}

IngestSummary ingest_scan(const StoreOptions& options, const ScanRecord& record, ScanResults& results,
                          const Judge& judge, const GreennessProbe& probe) {
  const std::filesystem::path path(options.path);
  // A scan already in the store is answered read-only, so a re-run changes nothing.
  if (MonitoringStore::exists(path)) {
    MonitoringStore store = MonitoringStore::open(path, MonitoringStore::Mode::read);
    if (const auto scan = store.scan(record.scan_id)) return apply_stored(store, *scan, record, results, judge);
  }
  MonitoringStore store = MonitoringStore::open_or_create(
      path, choose_store_crs(record.grid_crs_wkt, record.centre_lon_wgs84, record.centre_lat_wgs84));
  // Another run may have ingested it while this one waited for the lock.
  if (const auto scan = store.scan(record.scan_id)) return apply_stored(store, *scan, record, results, judge);
  Ingest ingest(options, record, results, judge, probe, store);
  IngestSummary summary = ingest.run();
  summary.store_path = options.path;
  summary.scan_id = record.scan_id;
  return summary;
}

void mark_scan_outputs_written(const StoreOptions& options, const std::string& scan_id, const std::string& output_dir) {
  {
    MonitoringStore store = MonitoringStore::open(options.path, MonitoringStore::Mode::read);
    const auto scan = store.scan(scan_id);
    if (!scan) throw InternalError(options.path + ": scan " + scan_id + " is not in the store");
    if (scan->outputs_written) return;
  }
  MonitoringStore store = MonitoringStore::open(options.path, MonitoringStore::Mode::write);
  store.transaction([&] { store.set_outputs_written(scan_id, output_dir); });
}

// ---------------------------------------------------------------------------------------

GreennessProbe make_greenness_probe(const Scene& after, const AnalysisGrid& grid, bool ndvi) {
  using kernels::BandRole;
  const std::vector<BandRole> roles = ndvi ? std::vector<BandRole>{BandRole::red, BandRole::nir}
                                           : std::vector<BandRole>{BandRole::red, BandRole::green, BandRole::blue};
  for (BandRole role : roles) {
    if (!after.has(role)) return {};  // no greenness from this scene
  }
  auto reader = std::make_shared<SceneReader>(after, grid, roles);
  return [reader, grid, ndvi](const std::string& wkt) -> FootprintGreenness {
    FootprintGreenness out{kernels::kNaN, 0.0};
    OgrPtr g = geo::as_multipolygon(geo::from_wkt(wkt, "footprint"));
    if (!g || g->IsEmpty()) return out;
    const kernels::MultiPolygonRings rings = pixel_rings(*g, grid);
    const kernels::Window window = kernels::covered_window(rings, grid.width, grid.height);
    if (window.empty()) return out;
    kernels::Tile<double> fractions(window.width, window.height);
    kernels::coverage_fractions(rings, window, fractions.view());
    const ReflectanceTile bands = reader->read_reflectance(window);
    // A plain coverage-weighted mean, not kernels::ZonalAccumulator: that one takes float
    // coverage and rounds its summands to fixed grids, which would change stored greenness.
    double sum = 0.0, valid = 0.0, total = 0.0;
    for (int y = 0; y < window.height; ++y) {
      for (int x = 0; x < window.width; ++x) {
        const double f = fractions(x, y);
        if (f <= 0) continue;
        total += f;
        const auto at = [&](BandRole r) { return bands[r](x, y); };
        const float value = ndvi ? kernels::ndvi(at(BandRole::nir), at(BandRole::red))
                                 : kernels::gli(at(BandRole::red), at(BandRole::green), at(BandRole::blue));
        if (!kernels::is_valid(value)) continue;
        sum += f * value;
        valid += f;
      }
    }
    if (valid > 0) out.mean = sum / valid;
    out.valid_share = total > 0 ? valid / total : 0.0;
    return out;
  };
}

}  // namespace zw
