#include "zonewatch/pipeline/monitoring/lifecycle.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace zw {

namespace {

constexpr std::array<HotspotStatus, 8> kAllStatuses{
    HotspotStatus::new_,      HotspotStatus::dispatched,        HotspotStatus::confirmed,
    HotspotStatus::false_alarm, HotspotStatus::legal,           HotspotStatus::rectification_due,
    HotspotStatus::rectified, HotspotStatus::closed};

std::string normalized(std::string_view text) {
  // Trim ASCII blanks, lower-case ASCII, '-' and ' ' as '_'; other bytes (Chinese) unchanged.
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '-' || c == ' ') c = '_';
    out += c;
  }
  return out;
}

// Howard Hinnant's days-from-civil and its inverse.
long long days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

void civil_from_days(long long z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(static_cast<long long>(yoe) + era * 400 + (m <= 2 ? 1 : 0));
}

bool parse_date(std::string_view text, int& y, unsigned& m, unsigned& d) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  const auto number = [&](std::size_t offset, std::size_t length, auto& out) {
    const char* first = text.data() + offset;
    const auto result = std::from_chars(first, first + length, out);
    return result.ec == std::errc{} && result.ptr == first + length;
  };
  if (!number(0, 4, y) || !number(5, 2, m) || !number(8, 2, d)) return false;
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr std::array<unsigned, 12> kDays{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > kDays[m - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

std::string format_utc(const char* pattern) {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, pattern, &parts);
  return buffer;
}

}  // namespace

std::string_view to_string(HotspotStatus status) {
  switch (status) {
    case HotspotStatus::new_: return "new";
    case HotspotStatus::dispatched: return "dispatched";
    case HotspotStatus::confirmed: return "confirmed";
    case HotspotStatus::false_alarm: return "false_alarm";
    case HotspotStatus::legal: return "legal";
    case HotspotStatus::rectification_due: return "rectification_due";
    case HotspotStatus::rectified: return "rectified";
    case HotspotStatus::closed: return "closed";
  }
  return "new";
}

std::string_view chinese_name(HotspotStatus status) {
  switch (status) {
    case HotspotStatus::new_: return "新发现";
    case HotspotStatus::dispatched: return "已派发核查";
    case HotspotStatus::confirmed: return "属实";
    case HotspotStatus::false_alarm: return "误报";
    case HotspotStatus::legal: return "合法合规";
    case HotspotStatus::rectification_due: return "整改中";
    case HotspotStatus::rectified: return "已整改";
    case HotspotStatus::closed: return "已销号";
  }
  return "新发现";
}

std::optional<HotspotStatus> hotspot_status_from_string(std::string_view text) {
  const std::string key = normalized(text);
  for (HotspotStatus s : kAllStatuses) {
    if (key == to_string(s)) return s;
  }
  return std::nullopt;
}

bool is_alerting(HotspotStatus status) {
  return status == HotspotStatus::new_ || status == HotspotStatus::dispatched ||
         status == HotspotStatus::confirmed || status == HotspotStatus::rectification_due;
}

bool is_settled(HotspotStatus status) {
  return status == HotspotStatus::false_alarm || status == HotspotStatus::legal ||
         status == HotspotStatus::rectified;
}

bool is_watched_for_recovery(HotspotStatus status) {
  return status == HotspotStatus::confirmed || status == HotspotStatus::rectification_due ||
         status == HotspotStatus::rectified;
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::confirmed: return "confirmed";
    case Verdict::false_alarm: return "false_alarm";
    case Verdict::legal: return "legal";
    case Verdict::rectified: return "rectified";
    case Verdict::closed: return "closed";
  }
  return "confirmed";
}

std::string_view chinese_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::confirmed: return "属实";
    case Verdict::false_alarm: return "误报";
    case Verdict::legal: return "合法合规";
    case Verdict::rectified: return "已整改";
    case Verdict::closed: return "销号";
  }
  return "属实";
}

std::optional<Verdict> verdict_from_string(std::string_view text) {
  struct Name {
    std::string_view text;
    Verdict verdict;
  };
  static constexpr std::array<Name, 24> kNames{{
      {"confirmed", Verdict::confirmed},       {"confirmed_violation", Verdict::confirmed},
      {"violation", Verdict::confirmed},       {"属实", Verdict::confirmed},
      {"确认违法", Verdict::confirmed},        {"违法", Verdict::confirmed},
      {"false_alarm", Verdict::false_alarm},   {"false", Verdict::false_alarm},
      {"误报", Verdict::false_alarm},          {"不属实", Verdict::false_alarm},
      {"legal", Verdict::legal},               {"approved", Verdict::legal},
      {"permitted", Verdict::legal},           {"合法", Verdict::legal},
      {"合法合规", Verdict::legal},            {"合规", Verdict::legal},
      {"已审批", Verdict::legal},              {"rectified", Verdict::rectified},
      {"已整改", Verdict::rectified},          {"整改完成", Verdict::rectified},
      {"closed", Verdict::closed},             {"销号", Verdict::closed},
      {"已销号", Verdict::closed},             {"关闭", Verdict::closed},
  }};
  const std::string key = normalized(text);
  for (const Name& name : kNames) {
    if (key == name.text) return name.verdict;
  }
  return std::nullopt;
}

bool is_verification(Verdict verdict) {
  return verdict == Verdict::confirmed || verdict == Verdict::false_alarm || verdict == Verdict::legal;
}

std::vector<HotspotStatus> statuses_allowing(Verdict verdict) {
  using S = HotspotStatus;
  switch (verdict) {
    // A verification may correct an earlier verification (a permit turns up, a second
    // visit finds the violation after all), but not undo a rectification or a closing.
    case Verdict::confirmed: return {S::new_, S::dispatched, S::false_alarm, S::legal, S::rectified};
    case Verdict::false_alarm:
      return {S::new_, S::dispatched, S::confirmed, S::legal, S::rectification_due};
    case Verdict::legal:
      return {S::new_, S::dispatched, S::confirmed, S::false_alarm, S::rectification_due};
    case Verdict::rectified: return {S::confirmed, S::rectification_due};
    case Verdict::closed: return {S::confirmed, S::rectification_due, S::rectified, S::false_alarm, S::legal};
  }
  return {};
}

std::optional<HotspotStatus> status_after_verdict(HotspotStatus from, Verdict verdict, int rectification_days) {
  const auto allowed = statuses_allowing(verdict);
  if (std::find(allowed.begin(), allowed.end(), from) == allowed.end()) return std::nullopt;
  switch (verdict) {
    case Verdict::confirmed:
      return rectification_days > 0 ? HotspotStatus::rectification_due : HotspotStatus::confirmed;
    case Verdict::false_alarm: return HotspotStatus::false_alarm;
    case Verdict::legal: return HotspotStatus::legal;
    case Verdict::rectified: return HotspotStatus::rectified;
    case Verdict::closed: return HotspotStatus::closed;
  }
  return std::nullopt;
}

HotspotStatus status_after_dispatch(HotspotStatus from) {
  return from == HotspotStatus::new_ ? HotspotStatus::dispatched : from;
}

bool is_iso_date(std::string_view text) {
  int y = 0;
  unsigned m = 0, d = 0;
  return parse_date(text, y, m, d);
}

std::string add_days(std::string_view date, int days) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (!parse_date(date, y, m, d)) return std::string(date);
  civil_from_days(days_from_civil(y, m, d) + days, y, m, d);
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", y, m, d);
  return buffer;
}

std::string today_utc() { return format_utc("%Y-%m-%d"); }
std::string now_utc() { return format_utc("%Y-%m-%dT%H:%M:%SZ"); }

RecoveryCheck check_recovery(double baseline_greenness, double greenness_now, double valid_share,
                             int previous_recovered_scans, const RecoveryOptions& options) {
  RecoveryCheck check;
  check.recovered_scans = previous_recovered_scans;
  char text[160];
  if (!std::isfinite(baseline_greenness) || !std::isfinite(greenness_now) ||
      !(valid_share >= options.min_valid_share)) {
    std::snprintf(text, sizeof text, "not judged: %.0f%% of the footprint observed",
                  100.0 * (std::isfinite(valid_share) ? valid_share : 0.0));
    check.reason = text;
    return check;
  }
  check.counted = true;
  const double floor = baseline_greenness - options.greenness_tolerance;
  if (greenness_now >= floor) {
    check.recovered_scans = previous_recovered_scans + 1;
    std::snprintf(text, sizeof text, "greenness %.3f >= baseline %.3f - %.3f (%d of %d scans)", greenness_now,
                  baseline_greenness, options.greenness_tolerance, check.recovered_scans, options.scans);
  } else {
    check.recovered_scans = 0;
    std::snprintf(text, sizeof text, "greenness %.3f < baseline %.3f - %.3f", greenness_now, baseline_greenness,
                  options.greenness_tolerance);
  }
  check.reason = text;
  check.propose_closing = check.recovered_scans >= options.scans;
  return check;
}

}  // namespace zw
