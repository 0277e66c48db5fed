// Matching a scan's patches against the store's hotspots: each patch is an alerting hotspot
// seen again, ground a verdict settled, or a new hotspot (inside an approved project or not).
#include "ingest.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw::monitoring_detail {

Ingest::Ingest(const StoreOptions& options, const ScanRecord& record, ScanResults& results, const Judge& judge,
               const GreennessProbe& probe, const HotspotTracer& tracer, MonitoringStore& store)
    : options_(options),
      record_(record),
      results_(results),
      judge_(judge),
      probe_(probe),
      tracer_(tracer),
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
      p.related_index = best_match(*p.geometry, settled);
      p.related = tracked_[static_cast<std::size_t>(p.related_index)].stored.id;
    } else if (p.inside_approval) {
      p.decision = Decision::new_approved;
    } else {
      p.decision = Decision::new_alert;
      if (!closed.empty()) {
        p.related_index = best_match(*p.geometry, closed);
        p.related = tracked_[static_cast<std::size_t>(p.related_index)].stored.id;
      }
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
