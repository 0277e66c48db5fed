#pragma once
// The programme report (`zonewatch report`): a store's scans, hotspots by status,
// rectification deadlines passed, closing proposals and the precision of verified alerts.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/pipeline/monitoring/store.hpp"

namespace zw {

struct StoreReport {
  std::string path;
  std::string crs_name;
  std::string today;
  std::vector<StoredScan> scans;
  std::vector<std::pair<HotspotStatus, int>> by_status;  // every status, in lifecycle order
  int hotspots = 0;
  std::vector<StoredHotspot> overdue;          // rectification due before today
  std::vector<StoredHotspot> close_proposals;  // land recovered, awaiting closing
  std::vector<PrecisionRow> precision;         // as the last verify stored it
  int verdicts = 0;
  int dispatches = 0;
};

/// Reads a store (read-only) into a report. `today` empty: today (UTC).
StoreReport build_store_report(const std::string& store_path, const std::string& today = "");
std::string format_store_report(const StoreReport& report);
nlohmann::json to_json(const StoreReport& report);

}  // namespace zw
