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
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/core/enum_names.hpp"

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

/// English names as the store and the outputs write them; Chinese ones as packets and reports show them.
inline constexpr EnumNames kHotspotStatusNames{std::array{
    EnumName<HotspotStatus>{HotspotStatus::new_, "new", "新发现"},
    EnumName<HotspotStatus>{HotspotStatus::dispatched, "dispatched", "已派发核查"},
    EnumName<HotspotStatus>{HotspotStatus::confirmed, "confirmed", "属实"},
    EnumName<HotspotStatus>{HotspotStatus::false_alarm, "false_alarm", "误报"},
    EnumName<HotspotStatus>{HotspotStatus::legal, "legal", "合法合规"},
    EnumName<HotspotStatus>{HotspotStatus::rectification_due, "rectification_due", "整改中"},
    EnumName<HotspotStatus>{HotspotStatus::rectified, "rectified", "已整改"},
    EnumName<HotspotStatus>{HotspotStatus::closed, "closed", "已销号"},
}};

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

inline constexpr EnumNames kVerdictNames{std::array{
    EnumName<Verdict>{Verdict::confirmed, "confirmed", "属实"},
    EnumName<Verdict>{Verdict::false_alarm, "false_alarm", "误报"},
    EnumName<Verdict>{Verdict::legal, "legal", "合法合规"},
    EnumName<Verdict>{Verdict::rectified, "rectified", "已整改"},
    EnumName<Verdict>{Verdict::closed, "closed", "销号"},
}};

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
// A hotspot's history

/// What one scan made of a hotspot it saw (an observation's event; a reported hotspot's
/// track_event): new, persisting, expanded, suppressed (inside a settled hotspot or an
/// approved project), or adjoining (the patch touched it but is reported as another hotspot).
enum class SightingEvent { new_, persisting, expanded, suppressed, adjoining };

inline constexpr EnumNames kSightingEventNames{std::array{
    EnumName<SightingEvent>{SightingEvent::new_, "new"},
    EnumName<SightingEvent>{SightingEvent::persisting, "persisting"},
    EnumName<SightingEvent>{SightingEvent::expanded, "expanded"},
    EnumName<SightingEvent>{SightingEvent::suppressed, "suppressed"},
    EnumName<SightingEvent>{SightingEvent::adjoining, "adjoining"},
}};

/// "new", "persisting", "expanded", "suppressed" or "adjoining".
[[nodiscard]] constexpr std::string_view to_string(SightingEvent event) { return kSightingEventNames.name(event); }
/// The event whose name is exactly `text` (as to_string writes it).
[[nodiscard]] constexpr std::optional<SightingEvent> sighting_event_from_string(std::string_view text) {
  return kSightingEventNames.parse(text);
}

/// Which command changed a hotspot: the source of an entry in its history.
enum class HistorySource {
  scan,      // ingesting a scan (ref: the scan ID)
  verify,    // importing verdicts (ref: the verdict import ID)
  dispatch,  // an inspector packet (ref: the dispatch ID)
};

inline constexpr EnumNames kHistorySourceNames{std::array{
    EnumName<HistorySource>{HistorySource::scan, "scan"},
    EnumName<HistorySource>{HistorySource::verify, "verify"},
    EnumName<HistorySource>{HistorySource::dispatch, "dispatch"},
}};

/// "scan", "verify" or "dispatch".
[[nodiscard]] constexpr std::string_view to_string(HistorySource source) { return kHistorySourceNames.name(source); }
/// The source whose name is exactly `text` (as to_string writes it).
[[nodiscard]] constexpr std::optional<HistorySource> history_source_from_string(std::string_view text) {
  return kHistorySourceNames.parse(text);
}

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
