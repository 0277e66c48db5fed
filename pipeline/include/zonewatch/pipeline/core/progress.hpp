#pragma once
// One progress bar for a whole command. The command lists its stages with a weight each
// (their rough share of the run time); every stage receives an ordinary ProgressCallback
// that maps the stage's own 0..1 into its share of the bar, so the terminal shows one bar
// going from 0 to 100 % once, labelled with the stage at work.
#include <string>
#include <string_view>
#include <vector>

#include "zonewatch/pipeline/core/log.hpp"

namespace zw {

/// `progress` seen by one part of a stage: the part reports its own 0..1 and `progress`
/// receives from + fraction * (to - from). Empty when `progress` is.
[[nodiscard]] ProgressCallback progress_part(const ProgressCallback& progress, double from, double to);

class ProgressReporter {
 public:
  struct Stage {
    std::string name;
    double weight = 1.0;  // relative share of the bar; stages of weight 0 are shown, not counted
  };

  /// `sink` receives the command's overall fraction (may be empty: nothing is reported).
  /// Throws InternalError for an unnamed stage, a negative weight or no weight at all.
  ProgressReporter(ProgressCallback sink, std::vector<Stage> stages);

  /// The callback for stage `name` (InternalError when not listed). Its fraction is clamped
  /// to [0, 1]; the bar never goes back, so a stage that restarts its own count (passes of
  /// one stage) only holds the bar until it passes its earlier best.
  [[nodiscard]] ProgressCallback stage(std::string_view name);

  /// The bar at 100 %, once, whatever the stages reported (stages that were skipped count
  /// as done). Later calls and later stage reports do nothing.
  void finish();

  /// The overall fraction reached so far (below 0.99 until finish(), then 1).
  [[nodiscard]] double fraction() const { return reported_; }

 private:
  void report(std::size_t stage, double fraction, std::string_view detail);

  ProgressCallback sink_;
  std::vector<Stage> stages_;
  std::vector<double> starts_;  // overall fraction where each stage begins
  double total_ = 0.0;
  double reported_ = 0.0;
  bool finished_ = false;
};

}  // namespace zw
