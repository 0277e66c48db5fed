#include "zonewatch/kernels/interpolation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace zw::kernels {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(InterpolationTest, GreatCircleDistanceOfOneDegreeOfLatitude) {
  // One degree along a meridian is R * pi / 180 on the sphere.
  const double expected = 6371008.8 * std::numbers::pi / 180.0;
  EXPECT_NEAR(great_circle_distance_m(116.4, 39.0, 116.4, 40.0), expected, 1e-6);
  // Along a parallel at 60 degrees: half as long (haversine differs from R*cos*dlon by < 1 mm here).
  EXPECT_NEAR(great_circle_distance_m(10.0, 60.0, 10.001, 60.0), expected * 0.001 * 0.5, 1e-3);
  EXPECT_EQ(great_circle_distance_m(116.4, 39.9, 116.4, 39.9), 0.0);
}

TEST(InterpolationTest, IdwWeightsByInverseSquareDistance) {
  const std::vector<double> d{1000.0, 2000.0};
  const std::vector<double> v{10.0, 40.0};
  // w = 1e-6 and 2.5e-7: (10e-6 + 10e-6) / 1.25e-6 = 16.
  EXPECT_DOUBLE_EQ(idw_value(d, v, 2.0), 16.0);
  // power 1: w = 1e-3 and 5e-4: (0.01 + 0.02) / 0.0015 = 20.
  EXPECT_DOUBLE_EQ(idw_value(d, v, 1.0), 20.0);
  // power 0: the plain mean.
  EXPECT_DOUBLE_EQ(idw_value(d, v, 0.0), 25.0);
}

TEST(InterpolationTest, IdwSkipsMissingValuesAndFarStations) {
  const std::vector<double> d{1000.0, 2000.0, 500.0};
  const std::vector<double> v{10.0, 40.0, kNaN};
  EXPECT_DOUBLE_EQ(idw_value(d, v, 2.0), 16.0);          // the NaN station is left out, not zero
  EXPECT_DOUBLE_EQ(idw_value(d, v, 2.0, 1500.0), 10.0);  // only the first is within 1.5 km
  EXPECT_DOUBLE_EQ(idw_value(d, v, 2.0, 2000.0), 16.0);  // the radius is inclusive
  EXPECT_TRUE(std::isnan(idw_value(d, v, 2.0, 600.0)));  // the one within 600 m has no value
  const std::vector<double> all_missing{kNaN, kNaN, kNaN};
  EXPECT_TRUE(std::isnan(idw_value(d, all_missing, 2.0)));
  EXPECT_TRUE(std::isnan(idw_value({}, {}, 2.0)));
}

TEST(InterpolationTest, IdwAtAStationIsThatStationsValue) {
  const std::vector<double> d{0.0, 1000.0, 0.0};
  EXPECT_DOUBLE_EQ(idw_value(d, std::vector<double>{7.0, 100.0, 9.0}, 2.0), 8.0);
  // ... unless it has no value that hour: then the others weigh in.
  EXPECT_DOUBLE_EQ(idw_value(d, std::vector<double>{kNaN, 100.0, kNaN}, 2.0), 100.0);
}

TEST(InterpolationTest, IdwRejectsBadArguments) {
  EXPECT_THROW((void)idw_value(std::vector<double>{1.0}, std::vector<double>{1.0, 2.0}, 2.0), std::invalid_argument);
  EXPECT_THROW((void)idw_value(std::vector<double>{1.0}, std::vector<double>{1.0}, -1.0), std::invalid_argument);
}

TEST(InterpolationTest, NearestStationWithinRadius) {
  const std::vector<double> d{3000.0, 1200.0, 1200.0, 5000.0};
  EXPECT_EQ(nearest_station(d), 1U);  // tie: the lower index
  EXPECT_EQ(nearest_station(d, 1000.0), kNoStation);
  EXPECT_EQ(nearest_station(std::vector<double>{kNaN, 10.0}), 1U);
  EXPECT_EQ(nearest_station({}), kNoStation);
}

TEST(InterpolationTest, PeriodMeanCountsMissingHoursAsInvalidNotZero) {
  const std::vector<double> hours{1.0, kNaN, 3.0};
  // 4 hours in the period, one not even reported: 2 valid of 4.
  const PeriodMean m = period_mean(hours, 4);
  EXPECT_DOUBLE_EQ(m.mean, 2.0);
  EXPECT_EQ(m.valid, 2U);
  EXPECT_EQ(m.steps, 4U);
  EXPECT_DOUBLE_EQ(m.valid_share, 0.5);
  const PeriodMean none = period_mean(std::vector<double>{kNaN, kNaN}, 2);
  EXPECT_TRUE(std::isnan(none.mean));
  EXPECT_EQ(none.valid_share, 0.0);
  EXPECT_EQ(period_mean({}, 0).valid_share, 0.0);
}

}  // namespace
}  // namespace zw::kernels
