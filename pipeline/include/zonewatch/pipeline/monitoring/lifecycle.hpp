#pragma once
// The life of a hotspot across scans and field visits:
//
//   new ──dispatch──▶ dispatched ──verdict──▶ confirmed ──(rule's deadline)──▶ rectification_due
//    │                    │                    │   false_alarm                        │
//    └──────verdict───────┴───────────────────▶│   legal (approved / permitted)       ▼
//                                              └──────────────────────────────▶ rectified ──▶ closed
//
// "Alerting" hotspots (new, dispatched, confirmed, rectification_due) are reported by every
// scan that sees them again, under their stable ID. "Settled" ones (false_alarm, legal,
// rectified) suppress alerts inside their footprint. Closed hotspots are history: change
// seen there again becomes a new hotspot that names the closed one as related.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zonewatch/pipeline/config/config.hpp"

namespace zw {

enum class HotspotStatus {
  new_,               // detected, nobody has looked yet (新发现)
  dispatched,         // in an inspector's packet (已派发)
  confirmed,          // verified: a violation (属实)
  false_alarm,        // verified: nothing wrong on the ground (误报)
  legal,              // verified: approved project or permitted activity (合法)
  rectification_due,  // confirmed with a rectification deadline (整改中)
  rectified,          // the field visit found it rectified (已整改)
  closed,             // done (已销号)
};

/// "new", "dispatched", "confirmed", "false_alarm", "legal", "rectification_due",
/// "rectified", "closed".
[[nodiscard]] std::string_view to_string(HotspotStatus status);
[[nodiscard]] std::string_view chinese_name(HotspotStatus status);
/// Accepts the names above (any case); nullopt otherwise.
[[nodiscard]] std::optional<HotspotStatus> hotspot_status_from_string(std::string_view text);

/// Every status, in lifecycle order (the order above).
[[nodiscard]] std::vector<HotspotStatus> all_hotspot_statuses();

/// Alerting hotspots are reported when seen again and go into inspectors' packets.
[[nodiscard]] bool is_alerting(HotspotStatus status);
/// Settled hotspots suppress alerts inside their footprint.
[[nodiscard]] bool is_settled(HotspotStatus status);
/// Hotspots whose land is watched for recovery (index back to its baseline).
[[nodiscard]] bool is_watched_for_recovery(HotspotStatus status);

/// What an inspector reports back from the field.
enum class Verdict { confirmed, false_alarm, legal, rectified, closed };

[[nodiscard]] std::string_view to_string(Verdict verdict);
[[nodiscard]] std::string_view chinese_name(Verdict verdict);
/// English names (any case, '-' or ' ' for '_') and the usual Chinese words: 属实 / 确认违法,
/// 误报 / 不属实, 合法 / 已审批 / 合规, 已整改 / 整改完成, 销号 / 已销号 / 关闭.
[[nodiscard]] std::optional<Verdict> verdict_from_string(std::string_view text);
/// True for confirmed, false_alarm and legal: the verdicts that judge the detection itself.
[[nodiscard]] bool is_verification(Verdict verdict);

/// The status a verdict moves a hotspot to, or nullopt when the move is impossible (a
/// verdict on a closed hotspot, rectified before anything was confirmed, ...).
/// `rectification_days` > 0 turns "confirmed" into "rectification_due".
[[nodiscard]] std::optional<HotspotStatus> status_after_verdict(HotspotStatus from, Verdict verdict,
                                                                int rectification_days);
/// The statuses from which `verdict` is possible, for error messages.
[[nodiscard]] std::vector<HotspotStatus> statuses_allowing(Verdict verdict);

/// Dispatching moves new hotspots to dispatched and leaves every other status alone.
[[nodiscard]] HotspotStatus status_after_dispatch(HotspotStatus from);

// ---------------------------------------------------------------------------------------
// Recovery

/// One scan's look at a watched hotspot's footprint in the after scene.
struct RecoveryCheck {
  int recovered_scans = 0;  // consecutive scans at baseline, this one included
  bool counted = false;     // false: too few valid pixels to judge, the count is unchanged
  bool propose_closing = false;
  std::string reason;  // human readable, e.g. "greenness 0.61 >= baseline 0.66 - 0.05"
};

/// Judges a footprint's mean greenness after this scan against the hotspot's baseline
/// (its greenness before it was first detected). NaN baseline or measurement: not counted.
[[nodiscard]] RecoveryCheck check_recovery(double baseline_greenness, double greenness_now, double valid_share,
                                           int previous_recovered_scans, const RecoveryOptions& options);

}  // namespace zw
