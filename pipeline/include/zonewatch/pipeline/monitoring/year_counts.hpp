#pragma once
// A monitoring store's hotspots counted per control unit for one year, for the annual
// assessment: what the field loop found, confirmed and saw rectified in that year.
#include <cstdint>
#include <map>
#include <string>

#include "zonewatch/pipeline/monitoring/store.hpp"

namespace zw {

struct UnitHotspotCounts {
  std::int64_t found = 0;      // hotspots first seen (after date) in the year
  std::int64_t confirmed = 0;  // "confirmed" verdicts dated in the year
  std::int64_t rectified = 0;  // "rectified" verdicts dated in the year
};

/// Per unit code; units without any hotspot are absent (count 0). Verdicts count by their
/// field date, so a hotspot found in one year and rectified in the next counts in each.
std::map<std::string, UnitHotspotCounts> hotspot_counts_by_unit(MonitoringStore& store, int year);

}  // namespace zw
