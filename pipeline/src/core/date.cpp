#include "zonewatch/pipeline/core/date.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace zw {
namespace {

struct Civil {
  int year = 1970;
  unsigned month = 1, day = 1;
};

// Howard Hinnant's days-from-civil and its inverse (exact for every proleptic Gregorian date).
long long days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

Civil civil_from_days(long long z) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  Civil c;
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp < 10 ? mp + 3 : mp - 9;
  c.year = static_cast<int>(static_cast<long long>(yoe) + era * 400 + (c.month <= 2 ? 1 : 0));
  return c;
}

bool is_calendar_day(int y, unsigned m, unsigned d) {
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr std::array<unsigned, 12> kDays{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > kDays[m - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

/// Exactly `length` decimal digits at `offset` (no sign, no blanks).
template <class T>
bool digits_at(std::string_view text, std::size_t offset, std::size_t length, T& out) {
  const char* first = text.data() + offset;
  for (std::size_t i = 0; i < length; ++i) {
    if (first[i] < '0' || first[i] > '9') return false;
  }
  const auto result = std::from_chars(first, first + length, out);
  return result.ec == std::errc{} && result.ptr == first + length;
}

std::optional<IsoDateFields> fields_at(std::string_view text, std::size_t year_at, std::size_t month_at,
                                       std::size_t day_at) {
  IsoDateFields f;
  if (!digits_at(text, year_at, 4, f.year) || !digits_at(text, month_at, 2, f.month) ||
      !digits_at(text, day_at, 2, f.day)) {
    return std::nullopt;
  }
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > 31) return std::nullopt;
  return f;
}

std::optional<Date> calendar_date(const std::optional<IsoDateFields>& f) {
  if (!f || !is_calendar_day(f->year, f->month, f->day)) return std::nullopt;
  return Date::from_days(days_from_civil(f->year, f->month, f->day));
}

std::tm utc_now_parts() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  return parts;
}

}  // namespace

std::optional<IsoDateFields> iso_date_fields(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  return fields_at(text, 0, 5, 8);
}

std::optional<Date> Date::parse_iso(std::string_view text) { return calendar_date(iso_date_fields(text)); }

std::optional<Date> Date::parse_compact(std::string_view text) {
  if (text.size() != 8) return std::nullopt;
  return calendar_date(fields_at(text, 0, 4, 6));
}

Date Date::from_days(long long days) { return Date(days); }

Date Date::today_utc() {
  const std::tm parts = utc_now_parts();
  return from_days(days_from_civil(parts.tm_year + 1900, static_cast<unsigned>(parts.tm_mon + 1),
                                   static_cast<unsigned>(parts.tm_mday)));
}

int Date::year() const { return civil_from_days(days_).year; }
unsigned Date::month() const { return civil_from_days(days_).month; }
unsigned Date::day() const { return civil_from_days(days_).day; }

std::string Date::iso() const {
  const Civil c = civil_from_days(days_);
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", c.year, c.month, c.day);
  return buffer;
}

std::string Date::compact() const {
  const Civil c = civil_from_days(days_);
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%04d%02u%02u", c.year, c.month, c.day);
  return buffer;
}

bool is_iso_date(std::string_view text) { return Date::parse_iso(text).has_value(); }

std::string add_days(std::string_view date, int days) {
  const auto parsed = Date::parse_iso(date);
  return parsed ? parsed->plus_days(days).iso() : std::string(date);
}

std::string today_utc() { return Date::today_utc().iso(); }

std::string now_utc() {
  const std::tm parts = utc_now_parts();
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

}  // namespace zw
