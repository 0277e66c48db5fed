#include "zonewatch/pipeline/monitoring/year_counts.hpp"

#include <string_view>

namespace zw {
namespace {

bool dated_in(std::string_view date, int year) {
  return date.size() >= 4 && date.substr(0, 4) == std::to_string(year);
}

}  // namespace

std::map<std::string, UnitHotspotCounts> hotspot_counts_by_unit(MonitoringStore& store, int year) {
  std::map<std::string, UnitHotspotCounts> counts;
  std::map<std::string, std::string> unit_of;
  for (const StoredHotspot& hotspot : store.hotspots()) {
    unit_of[hotspot.id] = hotspot.unit_code;
    if (dated_in(hotspot.first_seen, year)) ++counts[hotspot.unit_code].found;
  }
  for (const StoredVerdict& verdict : store.verdicts()) {
    if (!dated_in(verdict.verdict_date, year)) continue;
    const auto unit = unit_of.find(verdict.hotspot_id);
    if (unit == unit_of.end()) continue;
    if (verdict.verdict == Verdict::confirmed) ++counts[unit->second].confirmed;
    if (verdict.verdict == Verdict::rectified) ++counts[unit->second].rectified;
  }
  return counts;
}

}  // namespace zw
