#pragma once
// What a hotspot's ground became: its change type revised from its history in the monitoring
// store (issue 12). One scan's pixels cannot tell a mining scar on a gentle slope from a
// building site, nor a dumping ground from a building site before anything is built; later
// scans can:
//   - a mining scar grows into bare ground: whatever bare-surface type the pixels give on the
//     scar or where it grows (also beyond a settled or closed mining hotspot: a licensed mine
//     digging past its footprint) is mining;
//   - a site first typed dumping (bare and rough) that is seen smooth (construction) was built
//     on: its type of record becomes construction;
//   - a site first typed construction that is still seen bare and rough (dumping) stayed
//     uncovered earthworks: its type of record becomes dumping.
// Any other sighting reports the type its pixels gave and keeps the type of record.
#include <string>

#include "zonewatch/kernels/change_typing.hpp"

namespace zw {

/// What the store knew of a hotspot before this scan.
struct TypeHistory {
  kernels::ChangeType first = kernels::ChangeType::other;  // its type of record
  kernels::ChangeType last = kernels::ChangeType::other;   // reported at its last sighting
  std::string id;                                          // its hotspot ID, for the reason
};

struct TypeRevision {
  kernels::ChangeType reported = kernels::ChangeType::other;  // what this scan reports
  kernels::ChangeType record = kernels::ChangeType::other;    // the hotspot's type of record
  std::string reason;  // why, when either differs from what was seen or stored; "" otherwise
  [[nodiscard]] bool revised() const { return !reason.empty(); }
};

/// A hotspot seen again whose pixels gave `seen`.
[[nodiscard]] TypeRevision revise_seen_again(const TypeHistory& before, kernels::ChangeType seen);

/// A new hotspot whose pixels gave `seen`, growing beyond the settled or closed hotspot
/// `related` (ingest's related_hotspot); its type of record is what it reports.
[[nodiscard]] TypeRevision revise_beyond(const TypeHistory& related, kernels::ChangeType seen);

}  // namespace zw
