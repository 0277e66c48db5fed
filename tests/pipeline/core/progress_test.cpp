// One bar for a whole command: stages map their own 0..1 into their share; the bar is
// monotone, names the stage at work and reaches 100 % exactly once.
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/progress.hpp"

namespace zw {
namespace {

struct Recorded {
  std::vector<std::pair<double, std::string>> calls;
  ProgressCallback sink() {
    return [this](double fraction, std::string_view stage) { calls.emplace_back(fraction, std::string(stage)); };
  }
};

TEST(ProgressReporter, StagesShareOneMonotoneBarThatEndsOnce) {
  Recorded recorded;
  ProgressReporter progress(recorded.sink(), {{"composite", 1.0}, {"detection", 2.0}, {"outputs", 1.0}});
  const ProgressCallback composite = progress.stage("composite");
  const ProgressCallback detection = progress.stage("detection");
  const ProgressCallback outputs = progress.stage("outputs");
  composite(0.0, "compositing before");
  composite(0.5, "compositing before");
  composite(1.0, "compositing before");
  // A stage that restarts its own count (a second pass) does not move the bar back.
  detection(0.1, "statistics");
  detection(0.05, "statistics");
  detection(0.5, "detecting changes");
  detection(1.0, "writing change map");
  outputs(1.0, "");
  progress.finish();
  progress.finish();
  outputs(1.0, "");

  ASSERT_FALSE(recorded.calls.empty());
  EXPECT_DOUBLE_EQ(recorded.calls[1].first, 0.125);  // half of the first quarter
  EXPECT_DOUBLE_EQ(recorded.calls[2].first, 0.25);
  double last = 0.0;
  int at_end = 0;
  for (const auto& [fraction, stage] : recorded.calls) {
    EXPECT_GE(fraction, last) << stage;
    EXPECT_LE(fraction, 1.0) << stage;
    last = fraction;
    at_end += fraction >= 1.0 ? 1 : 0;
    EXPECT_LT(fraction * 100.0 + 0.5, fraction >= 1.0 ? 101.0 : 100.0) << "100 % shown before the end: " << stage;
  }
  EXPECT_EQ(at_end, 1);
  EXPECT_DOUBLE_EQ(recorded.calls.back().first, 1.0);
  EXPECT_EQ(recorded.calls.back().second, "done");
  EXPECT_DOUBLE_EQ(progress.fraction(), 1.0);
}

TEST(ProgressReporter, NamesTheStageAndWhatItDoes) {
  Recorded recorded;
  ProgressReporter progress(recorded.sink(), {{"detection", 1.0}, {"hotspots", 1.0}});
  progress.stage("detection")(0.2, "statistics");
  progress.stage("hotspots")(0.0, "");
  progress.stage("hotspots")(0.5, "hotspots");
  ASSERT_EQ(recorded.calls.size(), 3u);
  EXPECT_EQ(recorded.calls[0].second, "detection: statistics");
  EXPECT_DOUBLE_EQ(recorded.calls[0].first, 0.1);
  EXPECT_EQ(recorded.calls[1].second, "hotspots");
  EXPECT_DOUBLE_EQ(recorded.calls[1].first, 0.5);
  EXPECT_EQ(recorded.calls[2].second, "hotspots");
  EXPECT_DOUBLE_EQ(recorded.calls[2].first, 0.75);
}

TEST(ProgressReporter, SkippedStagesAndOutOfRangeFractions) {
  Recorded recorded;
  ProgressReporter progress(recorded.sink(), {{"composite", 1.0}, {"detection", 1.0}, {"store", 0.0}});
  // The composite stage is skipped (a single-scene side): detection starts half-way.
  progress.stage("detection")(-1.0, "x");
  progress.stage("detection")(7.0, "x");
  progress.stage("store")(0.5, "");
  progress.finish();
  ASSERT_EQ(recorded.calls.size(), 4u);
  EXPECT_DOUBLE_EQ(recorded.calls[0].first, 0.5);
  EXPECT_DOUBLE_EQ(recorded.calls[1].first, 0.99);
  EXPECT_EQ(recorded.calls[2].second, "store");
  EXPECT_DOUBLE_EQ(recorded.calls[3].first, 1.0);
}

TEST(ProgressReporter, WithoutSinkNothingIsReportedButTheFractionIsKept) {
  ProgressReporter progress({}, {{"a", 1.0}, {"b", 3.0}});
  progress.stage("a")(1.0, "");
  EXPECT_DOUBLE_EQ(progress.fraction(), 0.25);
  progress.finish();
  EXPECT_DOUBLE_EQ(progress.fraction(), 1.0);
}

TEST(ProgressPart, MapsAPartsOwnFractionIntoItsRangeOfTheStage) {
  Recorded recorded;
  const ProgressCallback classify = progress_part(recorded.sink(), 0.1, 0.9);
  classify(0.0, "detecting changes");
  classify(0.5, "detecting changes");
  classify(1.0, "detecting changes");
  ASSERT_EQ(recorded.calls.size(), 3u);
  EXPECT_DOUBLE_EQ(recorded.calls[0].first, 0.1);
  EXPECT_DOUBLE_EQ(recorded.calls[1].first, 0.5);
  EXPECT_DOUBLE_EQ(recorded.calls[2].first, 0.9);
  EXPECT_EQ(recorded.calls[2].second, "detecting changes");
  EXPECT_FALSE(progress_part({}, 0.0, 1.0));  // no sink, no callback
}

TEST(ProgressReporter, RejectsBadStages) {
  EXPECT_THROW(ProgressReporter({}, {}), InternalError);
  EXPECT_THROW(ProgressReporter({}, {{"a", -1.0}}), InternalError);
  EXPECT_THROW(ProgressReporter({}, {{"", 1.0}}), InternalError);
  ProgressReporter progress({}, {{"a", 1.0}});
  EXPECT_THROW((void)progress.stage("b"), InternalError);
}

}  // namespace
}  // namespace zw
