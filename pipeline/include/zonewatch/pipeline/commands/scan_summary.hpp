#pragma once
// What the terminal shows after `zonewatch scan` (the scan itself: scan.hpp).
#include <cstddef>
#include <string>

#include "zonewatch/pipeline/commands/scan.hpp"

namespace zw {

/// Counts, output files, the store's ingest summary and the first `top` hotspots as a
/// table; or the reason a --since-last scan did nothing.
std::string format_scan_summary(const ScanSummary& summary, std::size_t top);

}  // namespace zw
