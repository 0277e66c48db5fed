// The assessment's computation on a hand-made archive (assessment_fixture.hpp).
#include "zonewatch/pipeline/assessment/assessment.hpp"

#include <cmath>
#include <fstream>

#include <gtest/gtest.h>

#include "assessment_fixture.hpp"
#include "support/temp_folder.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

const UnitAssessment& unit(const AssessmentResult& r, const std::string& code) {
  for (const UnitAssessment& u : r.units) {
    if (u.unit->code == code) return u;
  }
  throw std::runtime_error("no unit " + code);
}

const GroupSummary& group(const std::vector<GroupSummary>& groups, const std::string& key) {
  for (const GroupSummary& g : groups) {
    if (g.key == key) return g;
  }
  throw std::runtime_error("no group " + key);
}

int count(const GroupSummary& g, ChangeClass c) { return g.class_counts.at(static_cast<std::size_t>(c)); }

class AssessmentTest : public ::testing::Test {
 protected:
  ArchiveContents archive_ = test::make_test_archive();
  AssessmentResult run(AssessmentOptions options = {}) {
    if (options.year == 0) options.year = 2024;
    return assess(archive_, options, "test.h5");
  }
};

TEST_F(AssessmentTest, ValuesChangesAndClassesPerUnit) {
  const AssessmentResult r = run();
  EXPECT_EQ(r.previous_year, 2023);
  EXPECT_EQ(r.baseline_year, 2021) << "default baseline: the first archived year";
  EXPECT_EQ(r.years, (std::vector<int>{2021, 2022, 2023, 2024}));

  const UnitAssessment& p1 = unit(r, "P1");
  EXPECT_DOUBLE_EQ(p1.current.rsei, 0.60);
  EXPECT_DOUBLE_EQ(p1.previous.rsei, 0.66);
  EXPECT_DOUBLE_EQ(p1.baseline.rsei, 0.70);
  EXPECT_NEAR(p1.rsei_points_vs_previous, -6.0, 1e-9);
  EXPECT_NEAR(p1.rsei_points_vs_baseline, -10.0, 1e-9);
  EXPECT_NEAR(p1.fvc_points_vs_previous, -6.0, 1e-9);
  EXPECT_NEAR(p1.fvc_points_vs_baseline, -8.0, 1e-9);
  EXPECT_EQ(p1.change_class, ChangeClass::significantly_worse);
  EXPECT_EQ(p1.class_vs_baseline, ChangeClass::significantly_worse);
  EXPECT_DOUBLE_EQ(p1.current.built_bare_m2, 2300.0);
  EXPECT_DOUBLE_EQ(p1.baseline.built_bare_m2, 2000.0);

  const UnitAssessment& p2 = unit(r, "P2");
  EXPECT_NEAR(p2.rsei_points_vs_previous, 0.5, 1e-9);
  EXPECT_EQ(p2.change_class, ChangeClass::stable);

  const UnitAssessment& k1 = unit(r, "K1");
  EXPECT_EQ(k1.change_class, ChangeClass::stable);
  EXPECT_EQ(k1.hotspots_unrectified(), 2);
}

TEST_F(AssessmentTest, UnitWithoutValidPixelsIsNotAssessedNeverStable) {
  const AssessmentResult r = run();
  const UnitAssessment& g1 = unit(r, "G1");
  EXPECT_EQ(g1.change_class, ChangeClass::not_assessed);
  EXPECT_EQ(g1.class_vs_baseline, ChangeClass::not_assessed);
  EXPECT_TRUE(std::isnan(g1.current.rsei));
  EXPECT_TRUE(std::isnan(g1.current.water_m2)) << "no valid pixel is no information, not zero water";
  EXPECT_TRUE(std::isnan(g1.rsei_points_vs_previous));
  EXPECT_DOUBLE_EQ(g1.previous.rsei, 0.41);
}

TEST_F(AssessmentTest, TheilSenSlopeAndMannKendallPerUnit) {
  const AssessmentResult r = run();
  const UnitAssessment& p1 = unit(r, "P1");
  // Pairwise slopes of 0.70 0.68 0.66 0.60: -0.02 -0.02 -0.0333 -0.02 -0.04 -0.06; median of
  // six = mean of -0.0333 and -0.02 = -0.026667, i.e. -2.667 points a year.
  EXPECT_NEAR(p1.trend_slope_points_per_year, -(0.1 / 3 + 0.02) / 2 * 100, 1e-6);
  EXPECT_EQ(p1.trend_years, 4);
  const std::vector<double> series{0.70, 0.68, 0.66, 0.60};
  EXPECT_DOUBLE_EQ(p1.trend_p_value, kernels::mann_kendall(series).p_value);
  EXPECT_GT(p1.trend_p_value, 0.05) << "four years, all falling: S = -6, not significant at 0.05";
  EXPECT_FALSE(p1.trend_significant);
  // G1 has three valid years of four: still enough for a trend.
  EXPECT_EQ(unit(r, "G1").trend_years, 3);
  EXPECT_TRUE(std::isfinite(unit(r, "G1").trend_slope_points_per_year));

  AssessmentOptions loose;
  loose.trend_alpha = 0.5;
  EXPECT_TRUE(unit(run(loose), "P1").trend_significant) << "alpha is configurable";
}

TEST_F(AssessmentTest, NoTrendWithFewerYearsThanTheMinimum) {
  AssessmentOptions options;
  options.year = 2022;
  const AssessmentResult r = run(options);
  EXPECT_EQ(r.years.size(), 2u);
  for (const UnitAssessment& u : r.units) {
    EXPECT_TRUE(std::isnan(u.trend_slope_points_per_year)) << u.unit->code;
    EXPECT_FALSE(u.trend_significant);
  }
}

TEST_F(AssessmentTest, SummariesPerTypeAndRegion) {
  const AssessmentResult r = run();
  ASSERT_EQ(r.by_type.size(), 3u);
  const GroupSummary& priority = group(r.by_type, "priority");
  EXPECT_EQ(priority.units, 2);
  EXPECT_EQ(priority.assessed, 2);
  EXPECT_EQ(count(priority, ChangeClass::significantly_worse), 1);
  EXPECT_EQ(count(priority, ChangeClass::stable), 1);
  EXPECT_DOUBLE_EQ(priority.area_m2, 4e6);
  EXPECT_NEAR(priority.mean_indicator, (0.60 * 3 + 0.555) / 4, 1e-12) << "area-weighted";
  EXPECT_NEAR(priority.mean_change_points, (-6.0 * 3 + 0.5) / 4, 1e-9);
  ASSERT_EQ(priority.mean_series.size(), 4u);
  EXPECT_NEAR(priority.mean_series.front(), (0.70 * 3 + 0.55) / 4, 1e-12);

  const GroupSummary& general = group(r.by_type, "general");
  EXPECT_EQ(general.units, 1);
  EXPECT_EQ(general.assessed, 0);
  EXPECT_EQ(count(general, ChangeClass::not_assessed), 1);
  EXPECT_TRUE(std::isnan(general.mean_indicator));

  ASSERT_EQ(r.by_region.size(), 2u);
  const GroupSummary& b = group(r.by_region, "B");
  EXPECT_EQ(b.units, 2);
  EXPECT_EQ(b.assessed, 1);
  EXPECT_NEAR(b.mean_indicator, 0.555, 1e-12) << "the unassessed unit does not pull the mean";
  EXPECT_EQ(r.all.units, 4);
  EXPECT_EQ(r.all.assessed, 3);
}

TEST_F(AssessmentTest, HeadlineShareOfPriorityUnitsDeclined) {
  const AssessmentHeadline h = run().headline;
  EXPECT_EQ(h.priority_units, 2);
  EXPECT_EQ(h.priority_assessed, 2);
  EXPECT_EQ(h.priority_declined, 1);
  EXPECT_DOUBLE_EQ(h.declined_share_count, 0.5);
  EXPECT_DOUBLE_EQ(h.declined_share_area, 0.75) << "3 of 4 km2";
}

TEST_F(AssessmentTest, EnforcementListSortedByDecline) {
  const AssessmentResult r = run();
  ASSERT_EQ(r.enforcement.size(), 2u);
  EXPECT_EQ(r.enforcement[0].unit->unit->code, "P1");
  EXPECT_TRUE(r.enforcement[0].declined);
  EXPECT_EQ(r.enforcement[1].unit->unit->code, "K1") << "a key unit with confirmed, unrectified hotspots";
  EXPECT_FALSE(r.enforcement[1].declined);
  EXPECT_EQ(r.enforcement[1].unrectified, 2);
}

TEST_F(AssessmentTest, ThresholdsIndicatorAndReferenceChangeTheClasses) {
  AssessmentOptions wide;
  wide.stable_max = 7.0;
  wide.slight_max = 12.0;
  EXPECT_EQ(unit(run(wide), "P1").change_class, ChangeClass::stable);
  wide.class_reference = ClassReference::baseline;  // -10 points against 2021
  EXPECT_EQ(unit(run(wide), "P1").change_class, ChangeClass::slightly_worse);
  EXPECT_TRUE(run(wide).enforcement.size() == 1u) << "P1 no longer declined markedly; K1 stays";

  AssessmentOptions fvc;
  fvc.indicator = AssessedIndicator::fvc;
  const AssessmentResult by_fvc = run(fvc);  // kept: unit() refers into it
  const UnitAssessment& k1 = unit(by_fvc, "K1");
  EXPECT_NEAR(k1.class_points, 0.0, 1e-9);
  EXPECT_EQ(k1.change_class, ChangeClass::stable);
}

TEST_F(AssessmentTest, BaselineOption) {
  AssessmentOptions options;
  options.baseline_year = 2022;
  const AssessmentResult r = run(options);
  EXPECT_EQ(r.baseline_year, 2022);
  EXPECT_NEAR(unit(r, "P1").rsei_points_vs_baseline, -8.0, 1e-9);
}

TEST_F(AssessmentTest, OptionsValidatedAgainstTheArchive) {
  AssessmentOptions options;
  options.year = 2030;
  try {
    run(options);
    FAIL() << "an unarchived year was accepted";
  } catch (const UsageError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("test.h5"), std::string::npos) << message;
    EXPECT_NE(message.find("2021, 2022, 2023, 2024"), std::string::npos) << message;
  }
  options.year = 2024;
  options.baseline_year = 2024;
  EXPECT_THROW(run(options), UsageError) << "baseline must be earlier";
  options.baseline_year = 2019;
  EXPECT_THROW(run(options), UsageError) << "baseline not archived";
  options.baseline_year.reset();
  options.year = 2021;
  EXPECT_THROW(run(options), UsageError) << "the first year has nothing to compare with";
  options.year = 2024;
  options.stable_max = 3.0;
  options.slight_max = 2.0;
  EXPECT_THROW(run(options), ConfigError);
}

class AssessmentConfigTest : public test::TempFolderTest {
 protected:
  std::filesystem::path write(const std::string& yaml) {
    const auto path = root_ / "assess.yaml";
    std::ofstream(path) << yaml;
    return path;
  }
};

TEST_F(AssessmentConfigTest, ReadsEveryKey) {
  const AssessmentOptions o =
      load_assessment_config(write("indicator: fvc\nclasses:\n  stable_max: 2\n  slight_max: 5\n  against: baseline\n"
                                   "trend:\n  min_years: 4\n  alpha: 0.1\n"));
  EXPECT_EQ(o.indicator, AssessedIndicator::fvc);
  EXPECT_DOUBLE_EQ(o.stable_max, 2.0);
  EXPECT_DOUBLE_EQ(o.slight_max, 5.0);
  EXPECT_EQ(o.class_reference, ClassReference::baseline);
  EXPECT_EQ(o.trend_min_years, 4);
  EXPECT_DOUBLE_EQ(o.trend_alpha, 0.1);
}

TEST_F(AssessmentConfigTest, UnknownKeysAndBadValuesNameTheKey) {
  const auto message_of = [&](const std::string& yaml) {
    try {
      (void)load_assessment_config(write(yaml));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message_of("classes:\n  stable_maxx: 2\n").find("classes.stable_maxx"), std::string::npos);
  EXPECT_NE(message_of("clases:\n  stable_max: 2\n").find("'clases'"), std::string::npos);
  EXPECT_NE(message_of("indicator: ndwi\n").find("rsei, fvc"), std::string::npos);
  EXPECT_NE(message_of("classes:\n  stable_max: 4\n  slight_max: 3\n").find("classes.slight_max"), std::string::npos);
  EXPECT_NE(message_of("trend:\n  alpha: 1.5\n").find("trend.alpha"), std::string::npos);
  EXPECT_NE(message_of("classes:\n  against: last\n").find("classes.against"), std::string::npos);
  EXPECT_THROW((void)load_assessment_config(root_ / "missing.yaml"), ConfigError);
}

}  // namespace
}  // namespace zw
