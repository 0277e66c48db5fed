// Ingesting a scan into the monitoring store: the entry points (whether --since-last runs a
// scan, ingesting it or applying the outcome the store recorded for it before, marking its
// outputs complete) and the greenness probe of footprints. The ingest itself: ingest.hpp.
#include <algorithm>
#include <map>
#include <memory>

#include "ingest.hpp"
#include "zonewatch/kernels/coverage.hpp"
#include "zonewatch/kernels/indices.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/inputs/scene.hpp"
#include "zonewatch/pipeline/inputs/units.hpp"
#include "zonewatch/pipeline/stages/hotspots.hpp"

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
  static_cast<ScanCounts&>(summary) = scan;
  summary.reported = 0;  // counted below from what is reported again

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
    if (o.revised_type && *o.revised_type != merged.change_type) {
      merged.change_type = *o.revised_type;  // as the ingest revised it (type_evolution.hpp)
      judge.rate(merged);
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
                          const Judge& judge, const GreennessProbe& probe, const HotspotTracer& tracer) {
  const std::filesystem::path path(options.path);
  const auto reuse = [&](MonitoringStore& store, const StoredScan& scan) {
    IngestSummary summary = apply_stored(store, scan, record, results, judge);
    if (tracer) tracer(results.hotspots);
    return summary;
  };
  // A scan already in the store is answered read-only, so a re-run changes nothing.
  if (MonitoringStore::exists(path)) {
    MonitoringStore store = MonitoringStore::open(path, MonitoringStore::Mode::read);
    if (const auto scan = store.scan(record.scan_id)) return reuse(store, *scan);
  }
  MonitoringStore store = MonitoringStore::open_or_create(
      path, choose_store_crs(record.grid_crs_wkt, record.centre_lon_wgs84, record.centre_lat_wgs84));
  // Another run may have ingested it while this one waited for the lock.
  if (const auto scan = store.scan(record.scan_id)) return reuse(store, *scan);
  Ingest ingest(options, record, results, judge, probe, tracer, store);
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
