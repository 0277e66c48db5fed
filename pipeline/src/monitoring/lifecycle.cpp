#include "zonewatch/pipeline/monitoring/lifecycle.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <utility>

#include "zonewatch/pipeline/core/enum_names.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"

namespace zw {

namespace {

/// Other words inspectors write for a verdict (English ones after normalized()).
constexpr std::array<std::pair<std::string_view, Verdict>, 14> kVerdictSynonyms{{
    {"confirmed_violation", Verdict::confirmed},
    {"violation", Verdict::confirmed},
    {"确认违法", Verdict::confirmed},
    {"违法", Verdict::confirmed},
    {"false", Verdict::false_alarm},
    {"不属实", Verdict::false_alarm},
    {"approved", Verdict::legal},
    {"permitted", Verdict::legal},
    {"合法", Verdict::legal},
    {"合规", Verdict::legal},
    {"已审批", Verdict::legal},
    {"整改完成", Verdict::rectified},
    {"已销号", Verdict::closed},
    {"关闭", Verdict::closed},
}};

/// Trimmed of ASCII blanks, ASCII lower case, '-' and ' ' as '_'; other bytes (Chinese)
/// unchanged.
std::string normalized(std::string_view text) {
  std::string out = text::lower_trimmed(text);
  for (char& c : out) {
    if (c == '-' || c == ' ') c = '_';
  }
  return out;
}

}  // namespace

std::string_view to_string(HotspotStatus status) { return kHotspotStatusNames.name(status); }
std::string_view chinese_name(HotspotStatus status) { return kHotspotStatusNames.chinese(status); }

std::optional<HotspotStatus> hotspot_status_from_string(std::string_view text) {
  return kHotspotStatusNames.parse(normalized(text));
}

std::vector<HotspotStatus> all_hotspot_statuses() {
  std::vector<HotspotStatus> statuses;
  for (const auto& entry : kHotspotStatusNames.entries()) statuses.push_back(entry.value);
  return statuses;
}

bool is_alerting(HotspotStatus status) {
  return status == HotspotStatus::new_ || status == HotspotStatus::dispatched || status == HotspotStatus::confirmed ||
         status == HotspotStatus::rectification_due;
}

bool is_settled(HotspotStatus status) {
  return status == HotspotStatus::false_alarm || status == HotspotStatus::legal || status == HotspotStatus::rectified;
}

bool is_watched_for_recovery(HotspotStatus status) {
  return status == HotspotStatus::confirmed || status == HotspotStatus::rectification_due ||
         status == HotspotStatus::rectified;
}

std::string_view to_string(Verdict verdict) { return kVerdictNames.name(verdict); }
std::string_view chinese_name(Verdict verdict) { return kVerdictNames.chinese(verdict); }

std::optional<Verdict> verdict_from_string(std::string_view text) {
  const std::string key = normalized(text);
  if (const auto verdict = kVerdictNames.parse(key)) return verdict;
  if (const auto verdict = kVerdictNames.parse_chinese(key)) return verdict;
  for (const auto& [synonym, verdict] : kVerdictSynonyms) {
    if (key == synonym) return verdict;
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
    case Verdict::false_alarm: return {S::new_, S::dispatched, S::confirmed, S::legal, S::rectification_due};
    case Verdict::legal: return {S::new_, S::dispatched, S::confirmed, S::false_alarm, S::rectification_due};
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
