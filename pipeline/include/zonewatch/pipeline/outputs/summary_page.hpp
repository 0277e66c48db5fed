#pragma once
// summary.html: one self-contained, offline page per scan for the supervisor (images as data:
// URIs, maps as inline SVG, no network resource), Chinese and English labels: the scenes and
// their quick-looks, hotspot counts by change type, severity, unit type and region, the
// flagged units and why, a map of units and hotspots over the after quick-look, the ten
// largest hotspots with before/after chips, and what was skipped or not assessable.
#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "zonewatch/kernels/box_average.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/inputs/scan_inputs.hpp"
#include "zonewatch/pipeline/inputs/units.hpp"
#include "zonewatch/pipeline/stages/composite.hpp"
#include "zonewatch/pipeline/stages/results.hpp"

namespace zw {

/// A north-up picture box in the grid's CRS: pixel (0, 0) is its top-left corner.
struct ImageFrame {
  std::array<double, 6> geotransform{0, 1, 0, 0, 0, 1};
  int width = 0, height = 0;

  [[nodiscard]] double column(double x) const { return (x - geotransform[0]) / geotransform[1]; }
  [[nodiscard]] double row(double y) const { return (y - geotransform[3]) / geotransform[5]; }
};

/// One side of the scan as the page describes it.
struct SummarySide {
  std::string label;                 // "before" / "after"
  std::string date;                  // the scene's date, or the period's last day
  std::string sensor;                // sensor profile(s)
  std::string period;                // "2024-06-01..2024-09-30 median", empty for a single scene
  std::vector<std::string> sources;  // the scene path, or each composited scene
  std::vector<std::pair<std::string, std::string>> skipped;  // scenes the catalog left out: path, reason
};

/// The pictures the page embeds, made from the scenes (make_summary_images) or by hand.
struct SummaryImages {
  ImageFrame frame;                     // of both quick-looks, in the grid's CRS
  std::string before_jpeg, after_jpeg;  // quick-looks; empty where none could be read
  std::vector<std::string> problems;    // why a picture is missing
  struct Chips {
    ImageFrame frame;
    std::string before_png, after_png;
  };
  std::map<std::string, Chips> chips;  // by hotspot id: the largest hotspots
};

struct SummaryPage {
  std::string name;  // the scan's name (config `name`)
  std::array<SummarySide, 2> sides;
  const ScanResults* results = nullptr;
  std::vector<std::string> warnings;  // repaired units, composite pixels without a clear view, ...
  SummaryImages images;
};

/// How many of the largest hotspots get chips.
inline constexpr std::size_t kSummaryChipCount = 10;

/// The hotspots with chips: the `kSummaryChipCount` largest by area (ties by id).
std::vector<const Hotspot*> largest_hotspots(const ScanResults& results);

/// A side from the scan's inputs (composite: its result where the side is a period).
SummarySide summary_side(const ScanSide& side, const CompositeResult* composite);

/// What the page warns of beyond the results: repaired unit geometries, composite pixels
/// without any clear observation.
std::vector<std::string> summary_warnings(const std::vector<ControlUnit>& units,
                                          const std::vector<const CompositeResult*>& composites);

/// An empty accumulator on the quick-looks' frame over `grid` (planes red, green, blue), for
/// detection to draw both dates into from the tiles it reads anyway (DetectionInputs).
kernels::BoxAverage summary_true_colour_frame(const AnalysisGrid& grid);

/// Quick-looks of both scenes over the whole grid and chips of the largest hotspots. The
/// quick-looks come from `drawn` (before, after: summary_true_colour_frame's accumulators as
/// detection filled them) where given, else they are read from the scenes. A scene that cannot
/// be read gives a problem on the page, not an exception.
SummaryImages make_summary_images(const Scene& before, const Scene& after, const AnalysisGrid& grid,
                                  const ScanResults& results,
                                  const std::array<kernels::BoxAverage, 2>* drawn = nullptr);

/// The page's HTML (UTF-8). Every text from the inputs is escaped.
std::string render_summary_page(const SummaryPage& page);

/// Writes render_summary_page() to `path`. Throws OutputError naming `shown_as` on failure.
void write_summary_page(const SummaryPage& page, const std::filesystem::path& path, const std::string& shown_as);

}  // namespace zw
