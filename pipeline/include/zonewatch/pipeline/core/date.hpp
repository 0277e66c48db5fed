#pragma once
// One calendar date type (proleptic Gregorian, no time zone) and the UTC clock. Dates are
// typed inside zonewatch and text only at the file boundary: ISO YYYY-MM-DD is what every
// output writes, compact YYYYMMDD is what product file names carry.
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace zw {

class Date {
 public:
  /// 1970-01-01.
  constexpr Date() = default;

  /// A real calendar date in YYYY-MM-DD form (2024-02-29, not 2023-02-29 nor 2024-2-29).
  [[nodiscard]] static std::optional<Date> parse_iso(std::string_view text);
  /// A real calendar date in YYYYMMDD form (20240229).
  [[nodiscard]] static std::optional<Date> parse_compact(std::string_view text);
  /// The date `days` after 1970-01-01 (negative: before).
  [[nodiscard]] static Date from_days(long long days);
  /// Today in UTC.
  [[nodiscard]] static Date today_utc();

  /// Days since 1970-01-01.
  [[nodiscard]] constexpr long long days() const { return days_; }
  [[nodiscard]] int year() const;
  [[nodiscard]] unsigned month() const;
  [[nodiscard]] unsigned day() const;
  /// YYYY-MM-DD.
  [[nodiscard]] std::string iso() const;
  /// YYYYMMDD.
  [[nodiscard]] std::string compact() const;
  [[nodiscard]] Date plus_days(long long days) const { return from_days(days_ + days); }

  constexpr auto operator<=>(const Date&) const = default;

 private:
  constexpr explicit Date(long long days) : days_(days) {}
  long long days_ = 0;
};

/// The fields of YYYY-MM-DD text with month 01..12 and day 01..31, NOT checked against the
/// month's length: the form that scan-config scene dates and output date fields have always
/// accepted (2023-02-30 included). Real dates: Date::parse_iso.
struct IsoDateFields {
  int year = 0;
  unsigned month = 0, day = 0;
};
[[nodiscard]] std::optional<IsoDateFields> iso_date_fields(std::string_view text);

/// True for a real calendar date in YYYY-MM-DD form.
[[nodiscard]] bool is_iso_date(std::string_view text);
/// `date` plus `days` (may be negative) as YYYY-MM-DD; `date` itself when it is not one.
[[nodiscard]] std::string add_days(std::string_view date, int days);
/// Today's date in UTC as YYYY-MM-DD.
[[nodiscard]] std::string today_utc();
/// Now in UTC as YYYY-MM-DDTHH:MM:SSZ.
[[nodiscard]] std::string now_utc();

}  // namespace zw
