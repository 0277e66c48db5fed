// Per-unit quality from stations: IDW and nearest station over sample points inside the
// unit, valid-hour shares, assessability, station attribution and the decline rule.
#include "zonewatch/pipeline/quality/unit_quality.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "support/temp_folder.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Units in WGS84 lon/lat (x = lon), like the station coordinates.
const std::string kWgs84 =
    R"(GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AXIS["Longitude",EAST],AXIS["Latitude",NORTH]])";

std::string box(double x0, double y0, double x1, double y1) {
  return "POLYGON ((" + std::to_string(x0) + " " + std::to_string(y0) + "," + std::to_string(x1) + " " +
         std::to_string(y0) + "," + std::to_string(x1) + " " + std::to_string(y1) + "," + std::to_string(x0) + " " +
         std::to_string(y1) + "," + std::to_string(x0) + " " + std::to_string(y0) + "))";
}

ControlUnit unit(const std::string& code, const std::string& wkt, UnitType type = UnitType::general) {
  ControlUnit u;
  u.code = code;
  u.name = code + " name";
  u.type = type;
  u.geometry_wkt = wkt;
  return u;
}

class UnitQualityTest : public test::TempFolderTest {
 protected:
  /// Stations A (116.00, 40.00) and B (116.10, 40.00), C far away (118, 42); long form, two
  /// days: on 2020-01-01 A = 10, NaN, 30 and B = 20, 40, NaN at hours 0..2; on 2020-01-02
  /// A = 14 and B = 24 at hour 0.
  QualityOptions options() {
    std::ofstream(root_ / "m.csv") << "station,time,pollutant,value\n"
                                      "A,2020-01-01 00,NO2,10\nA,2020-01-01 01,NO2,NA\nA,2020-01-01 02,NO2,30\n"
                                      "B,2020-01-01 00,NO2,20\nB,2020-01-01 01,NO2,40\nB,2020-01-01 02,NO2,NA\n"
                                      "C,2020-01-01 00,NO2,900\n"
                                      "A,2020-01-02 00,NO2,14\nB,2020-01-02 00,NO2,24\n";
    std::ofstream(root_ / "s.csv") << "station,lon,lat\nA,116.0,40.0\nB,116.1,40.0\nC,118,42\n";
    QualityOptions o;
    o.stations.files = {(root_ / "m.csv").string()};
    o.stations.format = StationFormat::long_form;
    o.stations.columns.time = {"time"};
    o.stations.columns.time_format = "%Y-%m-%d %H";
    o.stations.pollutants = {"NO2"};
    o.stations.stations_table.file = (root_ / "s.csv").string();
    o.max_distance_m = 50000.0;
    o.sample_points = 1;
    o.min_valid_share = 0.1;
    return o;
  }
  const QualityPeriod day1{"2020-01-01", "2020-01-01"};
  const QualityPeriod day2{"2020-01-02", "2020-01-02"};
};

TEST_F(UnitQualityTest, PeriodsCountWholeDaysOfHours) {
  EXPECT_EQ(day1.hours(), 24U);
  const QualityPeriod year = QualityPeriod::ending_on("2014-02-28", 365);
  EXPECT_EQ(year.text(), "2013-03-01..2014-02-28");
  EXPECT_EQ(year.hours(), 365U * 24U);
  EXPECT_EQ(QualityPeriod::parse("2016-03-01..2017-02-28", "k").hours(), 365U * 24U);
  EXPECT_THROW((void)QualityPeriod::parse("2016-03-01", "k"), ConfigError);
}

TEST_F(UnitQualityTest, SamplePointsLieInsideTheUnit) {
  // An L-shaped unit: the lattice keeps only cell centres inside it.
  const std::string l_shape = "POLYGON ((0 0,2 0,2 1,1 1,1 2,0 2,0 0))";
  const auto points = unit_sample_points(l_shape, 4);
  ASSERT_GE(points.size(), 4U);
  for (const auto& p : points) EXPECT_FALSE(p[0] > 1.0 && p[1] > 1.0) << p[0] << " " << p[1];
  EXPECT_EQ(unit_sample_points(box(0, 0, 1, 1), 1).size(), 1U);
}

TEST_F(UnitQualityTest, IdwMidwayIsTheMeanOfTheStationsThatMeasured) {
  const QualityOptions o = options();
  // One sample point, midway between A and B: equal weights; C is beyond max_distance_m.
  const std::vector<ControlUnit> units{unit("MID", box(116.04, 39.99, 116.06, 40.01))};
  const QualityResult r = assess_unit_quality(o, units, kWgs84, day1, day2);
  ASSERT_EQ(r.units.size(), 1U);
  ASSERT_EQ(r.units[0].measures.size(), 1U);
  const QualityMeasure& m = r.units[0].measures[0];
  EXPECT_EQ(m.source, "stations:idw");
  // Hours: (10+20)/2, 40 (A missing), 30 (B missing): 85/3 over 3 valid of 24 hours.
  EXPECT_NEAR(m.before.mean, 85.0 / 3.0, 1e-6);
  EXPECT_DOUBLE_EQ(m.before.valid_share, 3.0 / 24.0);
  EXPECT_TRUE(m.before.assessable);
  EXPECT_NEAR(m.after.mean, 19.0, 1e-6);
  EXPECT_DOUBLE_EQ(m.after.valid_share, 1.0 / 24.0);
  EXPECT_FALSE(m.after.assessable);  // 1/24 < 0.1
  EXPECT_FALSE(m.declined);          // not assessable: never flagged
  EXPECT_TRUE(std::isnan(m.relative_change));
  EXPECT_EQ(r.stations_outside_units, 3U);
  EXPECT_NE(r.method.find("idw (power 2.00, max distance 50000 m"), std::string::npos) << r.method;
}

TEST_F(UnitQualityTest, NearestStationKeepsItsMissingHours) {
  QualityOptions o = options();
  o.method = InterpolationMethod::nearest;
  o.sample_points = 9;
  // Around A: every sample point's nearest station is A, whose NaN hour stays NaN.
  const std::vector<ControlUnit> units{unit("A-UNIT", box(115.99, 39.99, 116.01, 40.01)),
                                       unit("FAR", box(10, 10, 11, 11))};
  const QualityResult r = assess_unit_quality(o, units, kWgs84, day1, day2);
  const QualityMeasure& m = r.units[0].measures[0];
  EXPECT_EQ(r.units[0].sample_points, 9U);
  EXPECT_DOUBLE_EQ(m.before.mean, 20.0);
  EXPECT_DOUBLE_EQ(m.before.valid_share, 2.0 / 24.0);
  EXPECT_DOUBLE_EQ(m.after.mean, 14.0);
  ASSERT_EQ(r.units[0].stations_inside, std::vector<std::string>{"A"});
  EXPECT_EQ(r.stations_outside_units, 2U);
  EXPECT_EQ(r.stations[0].unit_code, "A-UNIT");
  EXPECT_DOUBLE_EQ(r.stations[0].before[0].valid_share, 2.0 / 24.0);
  // No station within max_distance_m: nothing valid, not assessable.
  const QualityMeasure& far = r.units[1].measures[0];
  EXPECT_TRUE(std::isnan(far.before.mean));
  EXPECT_EQ(far.before.valid_share, 0.0);
  EXPECT_FALSE(far.before.assessable);
}

TEST_F(UnitQualityTest, DeclineFlagsUnitsAboveTheRelativeRiseAndTheLimit) {
  QualityOptions o = options();
  o.method = InterpolationMethod::nearest;
  o.min_valid_share = 0.04;  // one hour a day is enough for this test
  const std::vector<ControlUnit> units{unit("A-UNIT", box(115.99, 39.99, 116.01, 40.01))};
  // A: 20 -> 14 is an improvement. Swap the periods: 14 -> 20 is +42.9 %.
  QualityResult r = assess_unit_quality(o, units, kWgs84, day2, QualityPeriod{"2020-01-03", "2020-01-03"});
  EXPECT_FALSE(r.units[0].declined);  // day 3 has no data
  r = assess_unit_quality(o, units, kWgs84, day2, QualityPeriod{"2020-01-01", "2020-01-01"});
  EXPECT_TRUE(r.units[0].declined);
  EXPECT_EQ(r.units_declined, 1U);
  EXPECT_NE(r.units[0].reasons.find("quality_declined: NO2 mean 14.0 -> 20.0 (+42.9 % > +10.0 %)"), std::string::npos)
      << r.units[0].reasons;
  o.decline.limit["NO2"] = 40.0;  // GB 3095-2012 grade II annual NO2: 20 is within it
  r = assess_unit_quality(o, units, kWgs84, day2, QualityPeriod{"2020-01-01", "2020-01-01"});
  EXPECT_FALSE(r.units[0].declined);
  EXPECT_DOUBLE_EQ(r.units[0].measures[0].limit, 40.0);

  std::vector<UnitResult> results(1);
  results[0].code = "A-UNIT";
  results[0].flagged = true;
  results[0].flag_reasons = "changed area";
  o.decline.limit.clear();
  r = assess_unit_quality(o, units, kWgs84, day2, QualityPeriod{"2020-01-01", "2020-01-01"});
  flag_declined_units(r, results);
  EXPECT_EQ(results[0].flag_reasons.substr(0, 30), "changed area; quality_declined");
}

TEST_F(UnitQualityTest, JudgeDeclineOnHandValues) {
  QualityMeasure m{"PM2.5", "grid", {40.0, 1.0, true}, {50.0, 0.9, true}, kNaN, kNaN, false, ""};
  QualityDeclineOptions rule;
  judge_decline(m, rule);
  EXPECT_DOUBLE_EQ(m.relative_change, 0.25);
  EXPECT_TRUE(m.declined);
  rule.relative = 0.25;  // "by more than": exactly +25 % is not
  judge_decline(m, rule);
  EXPECT_FALSE(m.declined);
  rule.relative = 0.10;
  rule.limit["PM2.5"] = 35.0;  // GB 3095-2012 grade II annual PM2.5
  judge_decline(m, rule);
  EXPECT_TRUE(m.declined);
  EXPECT_NE(m.reason.find("above the limit 35.0"), std::string::npos) << m.reason;
  rule.limit["PM2.5"] = 60.0;
  judge_decline(m, rule);
  EXPECT_FALSE(m.declined);
  m.after.assessable = false;
  rule.limit.clear();
  judge_decline(m, rule);
  EXPECT_FALSE(m.declined);
}

TEST_F(UnitQualityTest, OverlappingDefaultPeriodsAreAConfigError) {
  const QualityOptions o = options();
  EXPECT_THROW((void)assess_scan_quality(o, "2020-06-01", "2021-01-01", {}, kWgs84), ConfigError);
  const QualityResult r = assess_scan_quality(o, "2020-01-01", "2021-01-01", {}, kWgs84);
  EXPECT_EQ(r.before.text(), "2019-01-02..2020-01-01");
  EXPECT_EQ(r.after.text(), "2020-01-03..2021-01-01");
}

TEST_F(UnitQualityTest, QualityCsvHasBomCrlfAndOneRowPerMeasure) {
  const std::vector<ControlUnit> units{unit("A-UNIT", box(115.99, 39.99, 116.01, 40.01))};
  const QualityResult r = assess_unit_quality(options(), units, kWgs84, day1, day2);
  const fs::path csv = root_ / "quality.csv";
  write_quality_csv(csv, r);
  std::ifstream in(csv, std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_EQ(text.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_EQ(text.substr(3, 20), "unit_code,unit_name,");
  const auto first_end = text.find("\r\n");
  ASSERT_NE(first_end, std::string::npos);
  const std::string row = text.substr(first_end + 2);
  EXPECT_EQ(row.substr(0, 31), "A-UNIT,A-UNIT name,general,NO2,");
  EXPECT_NE(row.find("\"idw (power 2.00, max distance 50000 m,"), std::string::npos) << row;  // quoted: commas
  EXPECT_TRUE(row.ends_with("\r\n"));
}

}  // namespace
}  // namespace zw
