// The judge stage: one unit, one strategy. Severity and its wording by the unit's rule (or
// its override), which change types alert, and each unit's assessable / flagged verdict.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/stages/judge.hpp"

namespace zw {
namespace {

using kernels::ChangeType;

RuleSet rules() {
  RuleSet r;
  UnitRule& priority = r.by_type[static_cast<int>(UnitType::priority)];
  priority.severity_high_m2 = 2000.0;
  priority.severity_medium_m2 = 500.0;
  priority.flag_changed_area_m2 = 1000.0;
  priority.flag_changed_share = 0.005;
  priority.flag_greenness_decline = 0.03;
  UnitRule& general = r.by_type[static_cast<int>(UnitType::general)];
  general.severity_high_m2 = 10000.0;
  general.severity_medium_m2 = 3000.0;
  general.change_types = {ChangeType::construction};
  UnitRule strict = priority;
  strict.severity_high_m2 = 100.0;
  strict.severity_medium_m2 = 50.0;
  r.overrides["ZH001"] = {strict, strict, strict};
  return r;
}

Hotspot hotspot(const std::string& unit, UnitType type, ChangeType change, double area) {
  Hotspot h;
  h.unit_code = unit;
  h.unit_type = type;
  h.change_type = change;
  h.area_m2 = area;
  return h;
}

TEST(Judge, SeverityAndItsWordingByTheUnitsRule) {
  const Judge judge(JudgeOptions{rules()});
  Hotspot h = hotspot("ZH100", UnitType::priority, ChangeType::construction, 12000.4);
  judge.rate(h);
  EXPECT_EQ(h.severity, Severity::high);
  EXPECT_EQ(h.rule, "priority: construction 12000 m2 >= 2000 m2 -> high");
  h = hotspot("ZH100", UnitType::priority, ChangeType::vegetation_loss, 500.0);
  judge.rate(h);
  EXPECT_EQ(h.severity, Severity::medium);
  EXPECT_EQ(h.rule, "priority: vegetation_loss 500 m2 >= 500 m2 -> medium");
  h = hotspot("ZH200", UnitType::general, ChangeType::construction, 2999.0);
  judge.rate(h);
  EXPECT_EQ(h.severity, Severity::low);
  EXPECT_EQ(h.rule, "general: construction 2999 m2 < 3000 m2 -> low");
  // An override by unit code wins over the type's rule, and says so.
  h = hotspot("ZH001", UnitType::general, ChangeType::construction, 120.0);
  judge.rate(h);
  EXPECT_EQ(h.severity, Severity::high);
  EXPECT_EQ(h.rule, "override ZH001: construction 120 m2 >= 100 m2 -> high");
}

TEST(Judge, TypesRatedHighAtAnyArea) {
  RuleSet r = rules();
  r.by_type[static_cast<int>(UnitType::priority)].severity_high_types = {ChangeType::mining};
  const Judge judge(JudgeOptions{r});
  Hotspot h = hotspot("ZH100", UnitType::priority, ChangeType::mining, 400.0);
  judge.rate(h);
  EXPECT_EQ(h.severity, Severity::high);
  EXPECT_EQ(h.rule, "priority: mining 400 m2 -> high (mining is rated high at any area)");
  // Only in the unit types whose rule says so, and only for those types.
  h = hotspot("ZH200", UnitType::general, ChangeType::mining, 400.0);
  judge.rate(h);
  EXPECT_EQ(h.severity, Severity::low);
  h = hotspot("ZH100", UnitType::priority, ChangeType::dumping, 400.0);
  judge.rate(h);
  EXPECT_EQ(h.severity, Severity::low);
  EXPECT_EQ(h.rule, "priority: dumping 400 m2 < 500 m2 -> low");
}

TEST(Judge, WhichChangeTypesAlertInAUnit) {
  const Judge judge(JudgeOptions{rules()});
  EXPECT_TRUE(judge.alerts("ZH100", UnitType::priority, ChangeType::water_gain));
  EXPECT_TRUE(judge.alerts("ZH200", UnitType::general, ChangeType::construction));
  EXPECT_FALSE(judge.alerts("ZH200", UnitType::general, ChangeType::vegetation_loss));
  EXPECT_TRUE(judge.alerts("ZH001", UnitType::general, ChangeType::vegetation_loss)) << "the override alerts on all";
}

UnitResult unit(const std::string& code, UnitType type, double valid_share) {
  UnitResult u;
  u.code = code;
  u.type = type;
  u.stats.area_m2 = 1e6;
  u.stats.valid_area_m2 = 1e6 * valid_share;
  u.stats.valid_share = valid_share;
  return u;
}

TEST(Judge, UnitsAssessableFlaggedAndWhy) {
  const Judge judge(JudgeOptions{rules()});
  UnitResult flagged = unit("ZH100", UnitType::priority, 1.0);
  flagged.stats.changed_area_m2[static_cast<int>(ChangeType::construction)] = 4000.0;
  flagged.stats.changed_area_m2[static_cast<int>(ChangeType::vegetation_loss)] = 2000.0;
  flagged.stats.mean_greenness_change = -0.1;
  judge.assess(flagged);
  EXPECT_DOUBLE_EQ(flagged.stats.total_changed_area_m2, 6000.0);
  EXPECT_DOUBLE_EQ(flagged.stats.changed_share, 0.006);
  EXPECT_TRUE(flagged.assessable);
  EXPECT_TRUE(flagged.flagged);
  EXPECT_EQ(flagged.flag_reasons,
            "changed area 6000 m2 >= 1000; changed share 0.60% >= 0.50%; mean greenness decline 0.100 >= 0.030");

  // Only the change types the unit's rule alerts on count.
  UnitResult general = unit("ZH200", UnitType::general, 1.0);
  general.stats.changed_area_m2[static_cast<int>(ChangeType::construction)] = 100.0;
  general.stats.changed_area_m2[static_cast<int>(ChangeType::water_gain)] = 900000.0;
  judge.assess(general);
  EXPECT_DOUBLE_EQ(general.stats.total_changed_area_m2, 100.0);
  EXPECT_FALSE(general.flagged);
  EXPECT_TRUE(general.flag_reasons.empty());

  // Too few valid pixels: not assessable, never flagged.
  UnitResult cloudy = unit("ZH300", UnitType::priority, 0.2);
  cloudy.stats.changed_area_m2[static_cast<int>(ChangeType::construction)] = 50000.0;
  judge.assess(cloudy);
  EXPECT_FALSE(cloudy.assessable);
  EXPECT_FALSE(cloudy.flagged);
}

TEST(Judge, TheStageRatesSortsAndCounts) {
  const Judge judge(JudgeOptions{rules()});
  std::vector<Hotspot> hotspots{hotspot("ZH100", UnitType::priority, ChangeType::construction, 600.0),
                                hotspot("ZH100", UnitType::priority, ChangeType::construction, 3000.0),
                                hotspot("ZH200", UnitType::general, ChangeType::construction, 100.0)};
  hotspots[0].id = "a";
  hotspots[1].id = "b";
  hotspots[2].id = "c";
  std::vector<UnitResult> units{unit("ZH100", UnitType::priority, 1.0), unit("ZH300", UnitType::priority, 0.1)};
  units[0].stats.changed_area_m2[static_cast<int>(ChangeType::construction)] = 3600.0;
  const JudgeResult result = judge.run(hotspots, units);
  ASSERT_EQ(hotspots.size(), 3u);
  EXPECT_EQ(hotspots[0].id, "b");
  EXPECT_EQ(hotspots[1].id, "a");
  EXPECT_EQ(hotspots[2].id, "c");
  EXPECT_EQ(result.hotspots, 3u);
  EXPECT_EQ(result.units_flagged, 1u);
  EXPECT_EQ(result.units_not_assessable, 1u);
  EXPECT_EQ(result.to_json(), (nlohmann::json{{"units_flagged", 1}, {"units_not_assessable", 1}}));
}

TEST(Judge, OptionsAreValidatedUpFront) {
  RuleSet bad = rules();
  bad.by_type[static_cast<int>(UnitType::key)].severity_medium_m2 = 9e9;
  try {
    const Judge judge(JudgeOptions{bad});
    ADD_FAILURE() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("rules.key.severity"), std::string::npos) << e.what();
  }
  RuleSet share = rules();
  share.overrides["ZH001"][0].flag_changed_share = 1.5;
  EXPECT_THROW(JudgeOptions{share}.validate(), ConfigError);
  EXPECT_NO_THROW(JudgeOptions{rules()}.validate());
}

}  // namespace
}  // namespace zw
