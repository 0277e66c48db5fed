#include "zonewatch/pipeline/core/progress.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {
constexpr double kBeforeFinish = 0.99;
}  // namespace

ProgressCallback progress_part(const ProgressCallback& progress, double from, double to) {
  if (!progress) return {};
  return [progress, from, to](double fraction, std::string_view detail) {
    progress(from + fraction * (to - from), detail);
  };
}

ProgressReporter::ProgressReporter(ProgressCallback sink, std::vector<Stage> stages)
    : sink_(std::move(sink)), stages_(std::move(stages)) {
  for (const Stage& s : stages_) {
    if (s.name.empty()) throw InternalError("progress: a stage without a name");
    if (!(s.weight >= 0.0) || !std::isfinite(s.weight)) {
      throw InternalError("progress: stage " + s.name + " has a negative weight");
    }
    starts_.push_back(total_);
    total_ += s.weight;
  }
  if (!(total_ > 0.0)) throw InternalError("progress: no stage has a weight");
}

ProgressCallback ProgressReporter::stage(std::string_view name) {
  const auto it = std::find_if(stages_.begin(), stages_.end(), [&](const Stage& s) { return s.name == name; });
  if (it == stages_.end()) throw InternalError("progress: no stage " + std::string(name));
  const auto index = static_cast<std::size_t>(it - stages_.begin());
  return [this, index](double fraction, std::string_view detail) { report(index, fraction, detail); };
}

void ProgressReporter::report(std::size_t stage, double fraction, std::string_view detail) {
  if (finished_) return;
  const double own = std::isfinite(fraction) ? std::clamp(fraction, 0.0, 1.0) : 0.0;
  // Below 100 % (as a terminal rounds it) until finish(): the bar's end comes once.
  const double overall = std::min((starts_[stage] + own * stages_[stage].weight) / total_, kBeforeFinish);
  if (overall < reported_) return;
  reported_ = overall;
  if (!sink_) return;
  const std::string& name = stages_[stage].name;
  if (detail.empty() || detail == name) {
    sink_(overall, name);
  } else {
    sink_(overall, name + ": " + std::string(detail));
  }
}

void ProgressReporter::finish() {
  if (finished_) return;
  finished_ = true;
  reported_ = 1.0;
  if (sink_) sink_(1.0, "done");
}

}  // namespace zw
