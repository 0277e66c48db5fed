#pragma once
// `zonewatch report`: the monitoring store's scans, statuses, deadlines and precision.
#include <string>

namespace zw::commands {

/// The store's report (monitoring/report.hpp) as text, or as indented JSON with `json`.
std::string report(const std::string& store_path, bool json);

}  // namespace zw::commands
