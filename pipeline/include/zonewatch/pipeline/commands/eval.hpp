#pragma once
// `zonewatch eval`: scores the detector against labelled change data (OSCD-style suites,
// or one pair with dense or sparse labels).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/kernels/patch_scoring.hpp"
#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/core/log.hpp"

namespace zw {

struct EvalOptions {
  std::string suite_dir;                             // folder of sites: <site>/imgs_1, imgs_2, change.tif
  std::string before, after, truth, truth_negative;  // one pair
  std::string sensor;                                // profile; default sentinel2-l1c for suites, required for pairs
  std::vector<std::string> change_types;             // counted as change; empty = all
  /// Pixel size in metres of images without georeferencing (areas, the minimum mapping unit
  /// and the smoothing scales need it); 0: one pixel counts as 1 m. Not for georeferenced
  /// images, whose CRS says it.
  double pixel_size_m = 0.0;
  DetectionOptions detection;
  ProcessingOptions processing;
};

/// Binary confusion counts over scored pixels.
struct Confusion {
  std::uint64_t true_positive = 0, false_positive = 0, false_negative = 0, true_negative = 0;

  void merge(const Confusion& o);
  [[nodiscard]] std::uint64_t total() const;
  [[nodiscard]] double precision() const;
  [[nodiscard]] double recall() const;
  [[nodiscard]] double f1() const;
  [[nodiscard]] double kappa() const;
  [[nodiscard]] double overall_accuracy() const;
};

struct SiteScore {
  std::string site;
  Confusion confusion;
  /// Patch-level counts on the final change map (after cleanup and the minimum mapping unit):
  /// the detector's patches of a counted type against 8-connected objects of labelled change.
  kernels::PatchCounts patches;
  double threshold = 0.0;
};

struct EvalReport {
  std::vector<SiteScore> sites;
  Confusion pooled;
  kernels::PatchCounts pooled_patches;  // sums of the sites' counts, as the pixel figures pool
};

EvalReport run_eval(const EvalOptions& options, const ProgressCallback& progress);

/// A table per site (pixel figures, then patch precision, recall and F1), the pooled pixel
/// figures and the pooled patch figures on the last two lines.
std::string format_eval_report(const EvalReport& report);

/// The report as JSON: per site and pooled, the pixel confusion counts and figures and the
/// patch counts and figures.
nlohmann::json eval_report_json(const EvalReport& report);

namespace commands {
/// `zonewatch eval`: the detection section of `config_path` (none: defaults) with `sets`
/// applied, scored as run_eval does; returns the report for the terminal (`json`: as JSON).
std::string eval(EvalOptions options, const std::string& config_path, const std::vector<std::string>& sets,
                 const ProgressCallback& progress, bool json = false);
}  // namespace commands

}  // namespace zw
