#include "zonewatch/pipeline/monitoring/report.hpp"

#include <algorithm>
#include <cstdio>

#include <ogr_spatialref.h>

#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"

namespace zw {

StoreReport build_store_report(const std::string& store_path, const std::string& today) {
  MonitoringStore store = MonitoringStore::open(store_path, MonitoringStore::Mode::read);
  StoreReport report;
  report.path = store_path;
  report.today = today.empty() ? today_utc() : today;
  OGRSpatialReference srs;
  if (srs.importFromWkt(store.crs_wkt().c_str()) == OGRERR_NONE && srs.GetName() != nullptr) {
    report.crs_name = srs.GetName();
    const char* code = srs.GetAuthorityCode(nullptr);
    const char* authority = srs.GetAuthorityName(nullptr);
    if (code != nullptr && authority != nullptr) report.crs_name += std::string(" (") + authority + ":" + code + ")";
  }
  report.scans = store.scans();
  const std::vector<StoredHotspot> hotspots = store.hotspots();
  report.hotspots = static_cast<int>(hotspots.size());
  for (HotspotStatus s : all_hotspot_statuses()) {
    const int n = static_cast<int>(
        std::count_if(hotspots.begin(), hotspots.end(), [s](const StoredHotspot& h) { return h.status == s; }));
    report.by_status.emplace_back(s, n);
  }
  for (const StoredHotspot& h : hotspots) {
    if (h.status == HotspotStatus::rectification_due && !h.rectification_due.empty() &&
        h.rectification_due < report.today) {
      report.overdue.push_back(h);
    }
    if (h.close_proposed && h.status != HotspotStatus::closed) report.close_proposals.push_back(h);
  }
  std::sort(report.overdue.begin(), report.overdue.end(),
            [](const StoredHotspot& a, const StoredHotspot& b) { return a.rectification_due < b.rectification_due; });
  report.precision = store.precision();
  report.verdicts = static_cast<int>(store.count("verdicts"));
  report.dispatches = static_cast<int>(store.count("dispatches"));
  return report;
}

namespace {
std::string percent(double share) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", 100.0 * share);
  return buffer;
}
}  // namespace

std::string format_store_report(const StoreReport& r) {
  std::string out;
  char line[512];
  out += "Monitoring store " + r.path + "\n";
  std::snprintf(line, sizeof line, "  CRS %s; %zu scans, %d hotspots, %d verdicts, %d dispatches; report date %s\n",
                r.crs_name.c_str(), r.scans.size(), r.hotspots, r.verdicts, r.dispatches, r.today.c_str());
  out += line;

  out += "\nScans\n";
  std::snprintf(line, sizeof line, "  %3s  %-20s  %-10s  %-10s  %7s  %5s  %10s  %8s  %10s  %8s  %s\n", "#", "ingested",
                "before", "after", "patches", "new", "persisting", "expanded", "suppressed", "reported", "outputs");
  out += line;
  for (const StoredScan& s : r.scans) {
    std::snprintf(line, sizeof line, "  %3d  %-20s  %-10s  %-10s  %7d  %5d  %10d  %8d  %10d  %8d  %s\n", s.seq,
                  s.ingested_utc.c_str(), s.before.date.c_str(), s.after.date.c_str(), s.patches, s.new_hotspots,
                  s.persisting, s.expanded, s.suppressed, s.reported, s.outputs_written ? "written" : "INCOMPLETE");
    out += line;
  }

  out += "\nHotspots by status\n";
  for (const auto& [status, n] : r.by_status) {
    std::snprintf(line, sizeof line, "  %-18s %s %6d\n", std::string(to_string(status)).c_str(),
                  text::pad_right(std::string(chinese_name(status)), 12).c_str(), n);
    out += line;
  }

  out += "\nRectification overdue (" + std::to_string(r.overdue.size()) + ")\n";
  for (const StoredHotspot& h : r.overdue) {
    // Names, regions and reasons come from outside: no control character reaches the terminal,
    // and printf_string never cuts a long name (with its line end).
    out += text::printf_string("  %-28s due %s  %s %s (%s)\n", text::printable(h.id).c_str(),
                               h.rectification_due.c_str(), text::printable(h.unit_code).c_str(),
                               text::printable(h.unit_name).c_str(), text::printable(h.region).c_str());
  }
  out += "\nProposed for closing: land recovered (" + std::to_string(r.close_proposals.size()) + ")\n";
  for (const StoredHotspot& h : r.close_proposals) {
    out += text::printf_string("  %-28s %-18s %s\n", text::printable(h.id).c_str(),
                               std::string(to_string(h.status)).c_str(), text::printable(h.close_reason).c_str());
  }

  out += "\nPrecision of verified alerts (alert: confirmed / verified; change: (confirmed + legal) / verified)\n";
  if (r.precision.empty()) {
    out += "  no verdicts yet\n";
  } else {
    std::snprintf(line, sizeof line, "  %-12s %-28s %8s %9s %11s %6s %8s %8s\n", "by", "", "verified", "confirmed",
                  "false_alarm", "legal", "alert", "change");
    out += line;
    for (const PrecisionRow& p : r.precision) {
      out += text::printf_string("  %-12s %s %8d %9d %11d %6d %8s %8s\n", p.dimension.c_str(),
                                 text::pad_right(text::printable(p.key), 28).c_str(), p.verified, p.confirmed,
                                 p.false_alarm, p.legal, percent(p.alert_precision).c_str(),
                                 percent(p.change_precision).c_str());
    }
  }
  return out;
}

nlohmann::json to_json(const StoreReport& r) {
  nlohmann::json scans = nlohmann::json::array();
  for (const StoredScan& s : r.scans) {
    scans.push_back({{"seq", s.seq},
                     {"scan_id", s.scan_id},
                     {"ingested_utc", s.ingested_utc},
                     {"before_date", s.before.date},
                     {"after_date", s.after.date},
                     {"patches", s.patches},
                     {"new", s.new_hotspots},
                     {"persisting", s.persisting},
                     {"expanded", s.expanded},
                     {"suppressed", s.suppressed},
                     {"reported", s.reported},
                     {"close_proposals", s.close_proposals},
                     {"outputs_written", s.outputs_written}});
  }
  nlohmann::json statuses = nlohmann::json::object();
  for (const auto& [status, n] : r.by_status) statuses[std::string(to_string(status))] = n;
  const auto ids = [](const std::vector<StoredHotspot>& list, bool due) {
    nlohmann::json out = nlohmann::json::array();
    for (const StoredHotspot& h : list) {
      out.push_back(due ? nlohmann::json{{"hotspot_id", h.id}, {"rectification_due", h.rectification_due}}
                        : nlohmann::json{{"hotspot_id", h.id}, {"reason", h.close_reason}});
    }
    return out;
  };
  nlohmann::json precision = nlohmann::json::array();
  for (const PrecisionRow& p : r.precision) {
    precision.push_back({{"dimension", p.dimension},
                         {"key", p.key},
                         {"verified", p.verified},
                         {"confirmed", p.confirmed},
                         {"false_alarm", p.false_alarm},
                         {"legal", p.legal},
                         {"alert_precision", p.alert_precision},
                         {"change_precision", p.change_precision}});
  }
  return {{"path", r.path},
          {"crs", r.crs_name},
          {"today", r.today},
          {"hotspots", r.hotspots},
          {"verdicts", r.verdicts},
          {"dispatches", r.dispatches},
          {"scans", scans},
          {"by_status", statuses},
          {"rectification_overdue", ids(r.overdue, true)},
          {"close_proposals", ids(r.close_proposals, false)},
          {"precision", precision}};
}

}  // namespace zw
