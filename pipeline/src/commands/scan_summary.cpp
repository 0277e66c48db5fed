#include "zonewatch/pipeline/commands/scan_summary.hpp"

#include <algorithm>

#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/inputs/units.hpp"

namespace zw {

std::string format_scan_summary(const ScanSummary& summary, std::size_t top) {
  if (summary.skipped) return "zonewatch scan: nothing to do: " + summary.skip_reason + "\n";
  const auto& r = summary.results;
  std::size_t flagged = 0;
  for (const auto& u : r.units) flagged += u.flagged ? 1 : 0;
  std::string out = text::printf_string("zonewatch scan: %zu hotspots, %zu of %zu units flagged\n", r.hotspots.size(),
                                        flagged, r.units.size());
  out += text::printf_string(
      "outputs in %s: summary.html alerts.gpkg hotspots.csv hotspots.geojson change.tif project.qgs run.json\n",
      summary.output_dir.string().c_str());
  out += text::printf_string("read first in a browser: %s\n", (summary.output_dir / "summary.html").string().c_str());
  // The project opens every layer styled; QGIS also styles alerts.gpkg opened alone.
  out += text::printf_string("open in QGIS: qgis %s\n", (summary.output_dir / "project.qgs").string().c_str());
  if (summary.run.contains("store")) {
    const auto& store = summary.run["store"];
    out += text::printf_string(
        "store %s: scan #%d%s: %d new, %d persisting, %d expanded, %d suppressed, %d proposed for closing\n",
        store.value("path", "").c_str(), store.value("scan_seq", 0),
        store.value("reused", false) ? " (already ingested, reused)" : "", store.value("new", 0),
        store.value("persisting", 0), store.value("expanded", 0), store.value("suppressed", 0),
        store.value("close_proposals", 0));
  }
  if (r.hotspots.empty()) return out;
  out += text::printf_string("\n%-28s %-8s %-16s %10s %8s  %-22s %s\n", "hotspot", "severity", "change", "area m2",
                             "mu", "location", "unit");
  for (std::size_t i = 0; i < std::min(top, r.hotspots.size()); ++i) {
    const auto& h = r.hotspots[i];
    out += text::printf_string(
        "%-28s %-8s %-16s %10.0f %8.1f  %-22s %s %s\n", h.id.c_str(), std::string(to_string(h.severity)).c_str(),
        std::string(kernels::to_string(h.change_type)).c_str(), h.area_m2, h.area_m2 / kSquareMetresPerMu,
        (text::dms(h.centroid_lat_wgs84, true) + " " + text::dms(h.centroid_lon_wgs84, false)).c_str(),
        text::printable(h.unit_code).c_str(), text::printable(h.unit_name).c_str());
  }
  return out;
}

}  // namespace zw
