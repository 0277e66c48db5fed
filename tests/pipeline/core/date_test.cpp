// The one date type: ISO and compact forms checked against the calendar, days since the
// epoch and back, ordering, the UTC clock.
#include "zonewatch/pipeline/core/date.hpp"

#include <gtest/gtest.h>

namespace zw {
namespace {

TEST(DateTest, IsoDatesFollowTheCalendar) {
  EXPECT_TRUE(is_iso_date("2024-02-29"));
  EXPECT_FALSE(is_iso_date("2023-02-29"));
  EXPECT_FALSE(is_iso_date("2024-04-31"));
  EXPECT_FALSE(is_iso_date("2023-13-01"));
  EXPECT_FALSE(is_iso_date("2023-1-01"));
  EXPECT_FALSE(is_iso_date("2024-4-01"));
  EXPECT_FALSE(is_iso_date("01/02/2023"));
  EXPECT_FALSE(is_iso_date("20240401"));
  EXPECT_FALSE(is_iso_date("2024-04-01T00:00"));
  EXPECT_FALSE(is_iso_date("+024-04-01"));
  EXPECT_FALSE(is_iso_date(""));
}

TEST(DateTest, CompactDatesFollowTheCalendar) {
  ASSERT_TRUE(Date::parse_compact("20240229"));
  EXPECT_EQ(Date::parse_compact("20240229")->iso(), "2024-02-29");
  EXPECT_FALSE(Date::parse_compact("20230229"));
  EXPECT_FALSE(Date::parse_compact("20241301"));
  EXPECT_FALSE(Date::parse_compact("2024-02-29"));
  EXPECT_FALSE(Date::parse_compact("202402290"));
}

TEST(DateTest, DaysSinceEpochRoundTrip) {
  EXPECT_EQ(Date().iso(), "1970-01-01");
  EXPECT_EQ(Date::parse_iso("1970-01-02")->days(), 1);
  EXPECT_EQ(Date::parse_iso("1969-12-31")->days(), -1);
  EXPECT_EQ(Date::parse_iso("2000-03-01")->days(), 11017);
  for (long long days : {-700000LL, -1LL, 0LL, 59LL, 11016LL, 19782LL, 2932896LL}) {
    const Date date = Date::from_days(days);
    ASSERT_TRUE(Date::parse_iso(date.iso())) << date.iso();
    EXPECT_EQ(Date::parse_iso(date.iso())->days(), days) << date.iso();
  }
  const Date leap = *Date::parse_iso("2024-02-29");
  EXPECT_EQ(leap.year(), 2024);
  EXPECT_EQ(leap.month(), 2u);
  EXPECT_EQ(leap.day(), 29u);
  EXPECT_EQ(leap.compact(), "20240229");
}

TEST(DateTest, DatesOrderByDay) {
  EXPECT_LT(*Date::parse_iso("2023-12-31"), *Date::parse_iso("2024-01-01"));
  EXPECT_EQ(*Date::parse_iso("2024-01-01"), *Date::parse_compact("20240101"));
  EXPECT_EQ(Date::parse_iso("2024-02-28")->plus_days(1).iso(), "2024-02-29");
}

TEST(DateTest, AddDays) {
  EXPECT_EQ(add_days("2018-04-02", 30), "2018-05-02");
  EXPECT_EQ(add_days("2023-12-15", 30), "2024-01-14");
  EXPECT_EQ(add_days("2024-02-28", 1), "2024-02-29");
  EXPECT_EQ(add_days("2024-03-01", -1), "2024-02-29");
  EXPECT_EQ(add_days("1999-12-31", 366), "2000-12-31");
  EXPECT_EQ(add_days("not a date", 1), "not a date");
}

TEST(DateTest, FormOnlyFieldsAcceptEveryDayUpTo31) {
  // The form scan-config scene dates have always been checked against (2023-02-30 passes).
  const auto fields = iso_date_fields("2023-02-30");
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->year, 2023);
  EXPECT_EQ(fields->month, 2u);
  EXPECT_EQ(fields->day, 30u);
  EXPECT_FALSE(iso_date_fields("2023-02-32"));
  EXPECT_FALSE(iso_date_fields("2023-00-10"));
  EXPECT_FALSE(iso_date_fields("2023-1-10"));
}

TEST(DateTest, UtcClock) {
  EXPECT_TRUE(is_iso_date(today_utc()));
  EXPECT_EQ(today_utc(), Date::today_utc().iso());
  const std::string now = now_utc();
  EXPECT_EQ(now.size(), 20u);
  EXPECT_TRUE(is_iso_date(now.substr(0, 10)));
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now.back(), 'Z');
}

}  // namespace
}  // namespace zw
