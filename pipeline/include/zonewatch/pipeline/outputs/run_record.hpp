#pragma once
// run.json: what a scan read, how it was configured, and what each stage found, assembled
// from the stages' results (each section from one result's to_json()).
//   program, version, finished_utc, config     the resolved configuration
//   inputs                                     every input file with its SHA-256
//   grid                                       the analysis grid
//   detection                                  DetectionResult::to_json: statistics, threshold, tiles
//   counts                                     pixels, patches, hotspots, units
//   composites                                 per period side: the composite's summary
//   store                                      the monitoring store's ingest summary
//   quality                                    per-unit environmental quality (QualityResult::to_json)
//   timings_s                                  seconds per stage
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/inputs/scan_inputs.hpp"
#include "zonewatch/pipeline/monitoring/store.hpp"
#include "zonewatch/pipeline/stages/composite.hpp"
#include "zonewatch/pipeline/stages/detection.hpp"
#include "zonewatch/pipeline/stages/hotspots.hpp"
#include "zonewatch/pipeline/stages/judge.hpp"
#include "zonewatch/pipeline/stages/results.hpp"

namespace zw {

/// {crs_wkt, geotransform, width, height}.
nlohmann::json grid_record(const AnalysisGrid& grid);

/// Pixels of the grid, valid and changed pixels by type, components before the minimum
/// mapping unit.
nlohmann::json detection_counts(const DetectionResult& detection, const AnalysisGrid& grid);

/// What the scan reports: {hotspots, hotspots_by_severity (high, medium, low), hotspots_by_type}.
nlohmann::json reported_counts(const ScanResults& reported);

/// A period side's composite: its summary, with the path it has in the output folder, the
/// period, the method and the scenes left out.
nlohmann::json composite_record(const CompositeResult& composite, const ScanSide& side,
                                const std::filesystem::path& output_path);

/// The stages' results a run record is made of.
struct RunRecordParts {
  const ScanConfig& config;
  nlohmann::json inputs;  // ScanSide::record of both sides, "units"
  const AnalysisGrid& grid;
  const DetectionResult& detection;
  const HotspotsResult& hotspots;
  const JudgeResult& judge;
  const ScanResults& reported;  // what the outputs hold (after the store, when tracked)
  std::size_t units = 0, units_repaired = 0;
  std::vector<std::pair<std::string, nlohmann::json>> composites;  // side label -> composite_record
  std::optional<IngestSummary> store;
  std::map<std::string, double> timings;    // seconds by stage
  std::optional<nlohmann::json> quality{};  // QualityResult::to_json, when quality: is configured
};

/// run.json's content; finished_utc is now.
nlohmann::json make_run_record(const RunRecordParts& parts);

/// Writes `record` (2-space indented, final newline). Throws OutputError naming `shown_as`.
void write_run_record(const nlohmann::json& record, const std::filesystem::path& path, const std::string& shown_as);

}  // namespace zw
