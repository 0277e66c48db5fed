#include "zonewatch/pipeline/commands/dispatch.hpp"

#include <fstream>
#include <map>
#include <utility>

#include <cpl_conv.h>
#include <ogr_spatialref.h>

#include "zonewatch/pipeline/core/atomic_output.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/gdal/geo_util.hpp"
#include "zonewatch/pipeline/monitoring/dispatch.hpp"
#include "zonewatch/pipeline/monitoring/store.hpp"

namespace zw {
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) throw OutputError(path.string() + ": write failed (disk full?)");
}

}  // namespace

DispatchResult run_dispatch(const DispatchOptions& options) {
  init_gdal();
  auto log = logger("dispatch");
  if (options.region.empty()) throw UsageError("--region: empty");
  MonitoringStore store = MonitoringStore::open(
      options.store_path, options.mark_dispatched ? MonitoringStore::Mode::write : MonitoringStore::Mode::read);
  std::vector<StoredHotspot> all = store.hotspots();
  std::vector<StoredHotspot> open;
  bool known = false;
  for (StoredHotspot& h : all) {
    if (!in_region(h, options.region)) continue;
    known = true;
    if (is_alerting(h.status) || (h.close_proposed && h.status != HotspotStatus::closed)) open.push_back(std::move(h));
  }
  if (!known) {
    std::map<std::string, int> regions;
    for (const StoredHotspot& h : all) ++regions[h.region];
    std::string list;
    for (const auto& [name, n] : regions) list += (list.empty() ? "" : ", ") + name + " (" + std::to_string(n) + ")";
    throw UsageError("--region " + options.region + ": no hotspot in " + options.store_path + " belongs to it" +
                     (list.empty() ? " (the store has no hotspots yet)" : "; regions: " + list));
  }

  // Order: severity, then a short drive.
  std::vector<RouteStop> stops;
  for (const StoredHotspot& h : open) stops.push_back({h.lon_wgs84, h.lat_wgs84, h.severity});
  const std::vector<std::size_t> order = driving_order(stops, options.start);

  DispatchResult result;
  const std::string now = now_utc();
  const int sequence = static_cast<int>(store.count("dispatches")) + 1;
  result.dispatch_id = text::printf_string("D%s-%03d", Date::today_utc().compact().c_str(), sequence);

  const geo::Reprojector to_wgs84(store.crs_wkt(), [] {
    OGRSpatialReference wgs84;
    wgs84.importFromEPSG(4326);
    char* wkt = nullptr;
    wgs84.exportToWkt(&wkt);
    std::string out = wkt != nullptr ? wkt : "";
    CPLFree(wkt);
    return out;
  }());
  std::map<std::string, StoredScan> scans;
  for (StoredScan& s : store.scans()) scans.emplace(s.scan_id, std::move(s));
  ChipMaker chips(store.crs_wkt(), store.metres_per_unit(), options.chip_pixels);

  std::vector<PacketHotspot> packet;
  for (std::size_t k = 0; k < order.size(); ++k) {
    PacketHotspot p;
    p.h = open[order[k]];
    p.order = static_cast<int>(k) + 1;
    p.status = options.mark_dispatched ? status_after_dispatch(p.h.status) : p.h.status;
    if (OGRGeometryUniquePtr g = geo::from_wkt(p.h.geometry_wkt, "hotspot " + p.h.id)) {
      p.wgs84 = geo::as_multipolygon(to_wgs84(*g));
    }
    const auto scan = scans.find(p.h.last_scan);
    if (scan == scans.end()) {
      p.chips.problem = "its scan " + p.h.last_scan + " is not in the store";
    } else {
      p.chips = chips.make(p.h, scan->second);
    }
    if (!p.chips.problem.empty()) {
      result.warnings.push_back(p.h.id + ": no image chips: " + p.chips.problem);
      log->warn("{}: no image chips: {}", p.h.id, p.chips.problem);
    }
    if (k > 0) {
      const StoredHotspot& a = packet.back().h;
      result.route_km += haversine_km(a.lon_wgs84, a.lat_wgs84, p.h.lon_wgs84, p.h.lat_wgs84);
    }
    result.hotspot_ids.push_back(p.h.id);
    packet.push_back(std::move(p));
  }

  OutputStaging staging(options.out_dir);
  result.out_dir = staging.final_dir();
  for (const PacketFile& file : packet_files(packet, result.dispatch_id, options.region, now, result.route_km)) {
    write_file(staging.staged(file.name), file.content);
  }
  for (const PacketHotspot& p : packet) result.chips += p.chips.problem.empty() ? 2 : 0;

  if (options.mark_dispatched) {
    store.transaction([&] {
      for (PacketHotspot& p : packet) {
        const HotspotStatus next = status_after_dispatch(p.h.status);
        if (next == p.h.status) continue;
        const HotspotStatus from = p.h.status;
        p.h.status = next;
        p.h.status_since = now;
        store.update_hotspot(p.h);
        store.insert_event(
            {p.h.id, now, HistorySource::dispatch, result.dispatch_id, from, next,
             "in packet " + result.dispatch_id + " (" + options.region + "), stop " + std::to_string(p.order)});
      }
      StoredDispatch d;
      d.dispatch_id = result.dispatch_id;
      d.at_utc = now;
      d.region = options.region;
      d.out_dir = result.out_dir.string();
      d.hotspot_count = static_cast<int>(packet.size());
      for (const std::string& hid : result.hotspot_ids) d.hotspot_ids += (d.hotspot_ids.empty() ? "" : " ") + hid;
      store.insert_dispatch(d);
      crash_point("dispatch.mark");
    });
  }
  staging.commit();
  log->info("{}: packet {} with {} hotspots ({} chips) in {}", text::printable(options.region), result.dispatch_id,
            packet.size(), result.chips, result.out_dir.string());
  return result;
}

std::string format_dispatch_summary(const DispatchResult& result) {
  std::string out =
      text::printf_string("zonewatch dispatch: packet %s, %zu hotspots, %d image chips, route about %.1f km; in %s\n",
                          result.dispatch_id.c_str(), result.hotspot_ids.size(), result.chips, result.route_km,
                          result.out_dir.string().c_str());
  for (std::size_t i = 0; i < result.hotspot_ids.size(); ++i) {
    out += text::printf_string("%4zu  %s\n", i + 1, result.hotspot_ids[i].c_str());
  }
  for (const auto& warning : result.warnings) out += "warning: " + warning + "\n";
  return out;
}

namespace commands {

std::string dispatch(const DispatchOptions& options) { return format_dispatch_summary(run_dispatch(options)); }

}  // namespace commands
}  // namespace zw
