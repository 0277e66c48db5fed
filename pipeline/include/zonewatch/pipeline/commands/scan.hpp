#pragma once
// `zonewatch scan`: scenes and control units in; change map, typed hotspots, flagged
// units and the run record out, all appearing in the output folder at once on success.
#include <filesystem>

#include <nlohmann/json.hpp>

#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/stages/results.hpp"

namespace zw {

struct ScanSummary {
  std::filesystem::path output_dir;
  ScanResults results;
  nlohmann::json run;       // what run.json holds
  bool skipped = false;     // --since-last found nothing newer: nothing was read or written
  std::string skip_reason;  // why, for the user
};

ScanSummary run_scan(const ScanConfig& config, const ProgressCallback& progress);

}  // namespace zw
