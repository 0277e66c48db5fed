#pragma once
// `zonewatch composite`: one period's per-pixel composite alone, written to a GeoTIFF
// (bands + clear-observation count) that appears complete or not at all.
#include <string>

#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/stages/composite.hpp"

namespace zw {

struct CompositeCommand {
  PeriodOptions period;
  GridOptions grid;
  ProcessingOptions processing;
  std::string out;  // the GeoTIFF, replaced atomically
};

/// The grid as a scan's with the period as its footprint side. UsageError without `out`,
/// InputError when the period finds no usable scene.
CompositeResult run_composite_command(const CompositeCommand& command, const ProgressCallback& progress);

/// The line the terminal shows for a finished composite.
std::string format_composite_summary(const CompositeCommand& command, const CompositeResult& result);

namespace commands {
/// Builds the composite and returns the summary for the terminal.
std::string composite(const CompositeCommand& command, const ProgressCallback& progress);
}  // namespace commands

}  // namespace zw
