// Hotspot lifecycle: statuses, verdicts, transitions, dates, recovery.
#include "zonewatch/pipeline/monitoring/lifecycle.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace zw {
namespace {

using S = HotspotStatus;
using V = Verdict;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(LifecycleTest, StatusNamesRoundTripInEnglishAndHaveChineseNames) {
  for (S s : {S::new_, S::dispatched, S::confirmed, S::false_alarm, S::legal, S::rectification_due, S::rectified,
              S::closed}) {
    EXPECT_EQ(hotspot_status_from_string(to_string(s)), s) << to_string(s);
    EXPECT_FALSE(chinese_name(s).empty());
  }
  EXPECT_EQ(hotspot_status_from_string("New"), S::new_);
  EXPECT_EQ(hotspot_status_from_string("rectification-due"), S::rectification_due);
  EXPECT_FALSE(hotspot_status_from_string("open").has_value());
  EXPECT_EQ(to_string(S::new_), "new");
}

TEST(LifecycleTest, VerdictsParseFromEnglishAndChineseWords) {
  EXPECT_EQ(verdict_from_string("confirmed"), V::confirmed);
  EXPECT_EQ(verdict_from_string(" Confirmed "), V::confirmed);
  EXPECT_EQ(verdict_from_string("属实"), V::confirmed);
  EXPECT_EQ(verdict_from_string("确认违法"), V::confirmed);
  EXPECT_EQ(verdict_from_string("false alarm"), V::false_alarm);
  EXPECT_EQ(verdict_from_string("误报"), V::false_alarm);
  EXPECT_EQ(verdict_from_string("legal"), V::legal);
  EXPECT_EQ(verdict_from_string("合法"), V::legal);
  EXPECT_EQ(verdict_from_string("已审批"), V::legal);
  EXPECT_EQ(verdict_from_string("已整改"), V::rectified);
  EXPECT_EQ(verdict_from_string("销号"), V::closed);
  EXPECT_FALSE(verdict_from_string("maybe").has_value());
  EXPECT_FALSE(verdict_from_string("").has_value());
  EXPECT_TRUE(is_verification(V::legal));
  EXPECT_FALSE(is_verification(V::rectified));
}

TEST(LifecycleTest, ValidTransitions) {
  EXPECT_EQ(status_after_dispatch(S::new_), S::dispatched);
  EXPECT_EQ(status_after_dispatch(S::confirmed), S::confirmed);
  EXPECT_EQ(status_after_verdict(S::dispatched, V::confirmed, 30), S::rectification_due);
  EXPECT_EQ(status_after_verdict(S::dispatched, V::confirmed, 0), S::confirmed);
  EXPECT_EQ(status_after_verdict(S::new_, V::false_alarm, 30), S::false_alarm);
  EXPECT_EQ(status_after_verdict(S::dispatched, V::legal, 30), S::legal);
  EXPECT_EQ(status_after_verdict(S::rectification_due, V::rectified, 30), S::rectified);
  EXPECT_EQ(status_after_verdict(S::confirmed, V::rectified, 0), S::rectified);
  EXPECT_EQ(status_after_verdict(S::rectified, V::closed, 30), S::closed);
  EXPECT_EQ(status_after_verdict(S::false_alarm, V::closed, 30), S::closed);
  // Corrections of a verification.
  EXPECT_EQ(status_after_verdict(S::legal, V::confirmed, 30), S::rectification_due);
  EXPECT_EQ(status_after_verdict(S::rectification_due, V::false_alarm, 30), S::false_alarm);
  // A re-inspection finds the rectification undone.
  EXPECT_EQ(status_after_verdict(S::rectified, V::confirmed, 30), S::rectification_due);
}

TEST(LifecycleTest, ImpossibleTransitions) {
  EXPECT_FALSE(status_after_verdict(S::new_, V::rectified, 30));
  EXPECT_FALSE(status_after_verdict(S::dispatched, V::rectified, 30));
  EXPECT_FALSE(status_after_verdict(S::new_, V::closed, 30));
  EXPECT_FALSE(status_after_verdict(S::dispatched, V::closed, 30));
  EXPECT_FALSE(status_after_verdict(S::rectification_due, V::confirmed, 30));  // already confirmed
  EXPECT_FALSE(status_after_verdict(S::rectified, V::false_alarm, 30));
  for (V v : {V::confirmed, V::false_alarm, V::legal, V::rectified, V::closed}) {
    EXPECT_FALSE(status_after_verdict(S::closed, v, 30)) << to_string(v);
    const auto allowed = statuses_allowing(v);
    EXPECT_FALSE(allowed.empty());
    for (S s : allowed) EXPECT_TRUE(status_after_verdict(s, v, 30)) << to_string(s) << " " << to_string(v);
  }
}

TEST(LifecycleTest, AlertingSettledAndWatchedPartitionTheOpenStatuses) {
  for (S s : {S::new_, S::dispatched, S::confirmed, S::rectification_due}) EXPECT_TRUE(is_alerting(s));
  for (S s : {S::false_alarm, S::legal, S::rectified}) {
    EXPECT_TRUE(is_settled(s));
    EXPECT_FALSE(is_alerting(s));
  }
  EXPECT_FALSE(is_alerting(S::closed));
  EXPECT_FALSE(is_settled(S::closed));
  EXPECT_TRUE(is_watched_for_recovery(S::confirmed));
  EXPECT_TRUE(is_watched_for_recovery(S::rectified));
  EXPECT_FALSE(is_watched_for_recovery(S::new_));
}

TEST(LifecycleTest, RecoveryCountsConsecutiveScansBackAtBaseline) {
  RecoveryOptions options;
  options.greenness_tolerance = 0.05;
  options.scans = 2;
  options.min_valid_share = 0.5;
  RecoveryCheck first = check_recovery(0.70, 0.66, 0.9, 0, options);
  EXPECT_TRUE(first.counted);
  EXPECT_EQ(first.recovered_scans, 1);
  EXPECT_FALSE(first.propose_closing);
  RecoveryCheck second = check_recovery(0.70, 0.68, 0.9, first.recovered_scans, options);
  EXPECT_EQ(second.recovered_scans, 2);
  EXPECT_TRUE(second.propose_closing);
  EXPECT_NE(second.reason.find("0.680"), std::string::npos) << second.reason;
  // Not recovered: the count starts over.
  RecoveryCheck relapse = check_recovery(0.70, 0.40, 0.9, 1, options);
  EXPECT_TRUE(relapse.counted);
  EXPECT_EQ(relapse.recovered_scans, 0);
  // Too little observed (clouds), or no greenness: not judged, count unchanged.
  RecoveryCheck cloudy = check_recovery(0.70, 0.69, 0.2, 1, options);
  EXPECT_FALSE(cloudy.counted);
  EXPECT_EQ(cloudy.recovered_scans, 1);
  EXPECT_FALSE(check_recovery(kNaN, 0.69, 0.9, 1, options).counted);
  EXPECT_FALSE(check_recovery(0.7, kNaN, 0.9, 1, options).counted);
}

}  // namespace
}  // namespace zw
