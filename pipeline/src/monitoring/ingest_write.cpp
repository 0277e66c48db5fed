// What an ingest records: the scan, new hotspots, hotspots seen again (merged, grown,
// approved), suppressed sightings, history entries and recovery probes, written in one
// transaction; and what the scan reports from them.
#include <cstdio>
#include <map>
#include <set>

#include "ingest.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/monitoring/type_evolution.hpp"
#include "zonewatch/pipeline/stages/hotspots.hpp"
#include "zonewatch/pipeline/stages/source_tracing.hpp"
#include "zonewatch/pipeline/version.hpp"

namespace zw::monitoring_detail {
namespace {

std::string month_of(const std::string& date) { return date.substr(0, 4) + date.substr(5, 2); }

std::string sequence_text(int sequence) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d", sequence);
  return buffer;
}

std::string type_name(kernels::ChangeType type) { return std::string(kernels::to_string(type)); }

/// The hotspot's traced sources as the store's columns hold them (the scan's hotspot columns).
void set_sources(StoredHotspot& h, const std::vector<TracedSite>& sites) {
  h.sources = sources_text(sites);
  h.sources_zh = sources_text_zh(sites);
  h.source_count = static_cast<int>(sites.size());
  const TracedSite* first = sites.empty() ? nullptr : &sites.front();
  h.nearest_source_id = first ? first->id : "";
  h.nearest_source_name = first ? first->name : "";
  h.nearest_source_kind = first ? std::string(to_string(first->kind)) : "";
  h.nearest_source_m = first ? first->distance_m : kernels::kNaN;
  h.nearest_source_bearing = first ? first->bearing_deg : kernels::kNaN;
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
  static_cast<ScanProvenance&>(scan) = record_;
  static_cast<ScanCounts&>(scan) = summary_;
  scan.reported = static_cast<int>(reported.size());
  scan.scan_id = record_.scan_id;
  scan.ingested_utc = now_;
  scan.program_version = kVersion;
  scan.inputs_json = record_.inputs.dump();
  scan.config_json = record_.config.dump();

  results_.hotspots = std::move(reported);
  sort_for_report(results_.hotspots);
  results_.tracked = true;
  recount_unit_hotspots(results_);
  summary_.reported = static_cast<int>(results_.hotspots.size());
  trace_sources(created);

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

    // A new hotspot; growing beyond a settled or closed one, its type may be revised.
    Hotspot seen = patch;
    TypeRevision revision{patch.change_type, patch.change_type, ""};
    if (p.related_index >= 0) {
      const StoredHotspot& related = tracked_[static_cast<std::size_t>(p.related_index)].stored;
      revision = revise_beyond({related.change_type, related.last_change_type, related.id}, patch.change_type);
    }
    if (revision.reported != patch.change_type) {
      seen.change_type = revision.reported;
      judge_.rate(seen);
      o.revised_type = revision.reported;
    }
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
    h.change_type = revision.record;
    h.last_change_type = revision.reported;
    h.severity = seen.severity;
    h.rule = seen.rule;
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
    const std::string first_sighting = "first seen: " + format("%.0f", patch.area_m2) + " m2 " +
                                       type_name(revision.reported) +
                                       (revision.revised() ? " (" + revision.reason + ")" : "");
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
      if (revision.revised()) o.detail += (o.detail.empty() ? "" : "; ") + revision.reason;
      events.push_back(event(h.id, std::nullopt, HotspotStatus::new_,
                             first_sighting + (p.related.empty() ? "" : "; related to " + p.related)));
      ++summary_.new_hotspots;
      Hotspot out = std::move(seen);
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
  // What the ground became since the store first saw it (type_evolution.hpp).
  const kernels::ChangeType seen = merged.change_type;
  const TypeRevision revision = revise_seen_again({h.change_type, h.last_change_type, h.id}, seen);
  if (revision.reported != seen) {
    merged.change_type = revision.reported;
    judge_.rate(merged);
  }
  if (revision.revised()) {
    const std::string record = revision.record != h.change_type
                                   ? "type of record " + type_name(h.change_type) + " -> " + type_name(revision.record)
                                   : "reported as " + type_name(revision.reported);
    events.push_back(event(h.id, t.from_status, t.from_status, record + ": " + revision.reason));
    h.change_type = revision.record;
  }

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
    if (revision.reported != seen) o.revised_type = revision.reported;
    if (revision.revised()) o.detail += (o.detail.empty() ? "" : "; ") + revision.reason;
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

void Ingest::trace_sources(std::vector<StoredHotspot>& created) {
  if (!tracer_) return;
  tracer_(results_.hotspots);
  std::map<std::string, StoredHotspot*> rows;
  for (StoredHotspot& h : created) rows[h.id] = &h;
  for (Tracked& t : tracked_) {
    if (t.changed) rows[t.stored.id] = &t.stored;
  }
  for (const Hotspot& reported : results_.hotspots) {
    const auto row = rows.find(reported.id);
    if (row == rows.end()) throw InternalError("store: reported hotspot " + reported.id + " has no row to write");
    set_sources(*row->second, reported.sources);
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
