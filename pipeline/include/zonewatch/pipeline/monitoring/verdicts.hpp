#pragma once
// Verdicts back from the field (`zonewatch verify`).
//
// A verdict file is CSV (UTF-8, with or without BOM): the one an inspector packet's page
// exports, the packet's hotspots.csv with its verdict columns filled by hand, or any table
// with the columns below (header names in English or Chinese, any order, others ignored):
//   hotspot_id (图斑编号)   required
//   verdict (核查结论)       confirmed | false_alarm | legal | rectified | closed, or 属实 / 误报 /
//                            合法 / 已整改 / 销号 ...; an empty verdict skips the row
//   verdict_date (核查日期)  YYYY-MM-DD, default today; not in the future, not before the
//                            hotspot was first seen
//   inspector (核查人), note (备注)
//   approval (审批文号)      required for "legal": the approval or permit it rests on
// Every row is checked before anything is written: unknown IDs, bad verdicts or dates and
// impossible transitions are reported by row (the file's line number, header = 1) and then
// nothing is imported. A row already imported (same hotspot, verdict and date) is skipped,
// so a page's cumulative export can be imported again.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zonewatch/pipeline/monitoring/store.hpp"

namespace zw {

struct VerifyOptions {
  std::string store_path;
  std::string results_path;
  bool dry_run = false;  // check every row, write nothing
  std::string today;     // YYYY-MM-DD; empty: today (UTC)
};

struct VerifyResult {
  std::string import_id;  // SHA-256 of the file
  int rows = 0;           // data rows with a verdict
  int applied = 0;
  int already_imported = 0;
  int without_verdict = 0;
  std::vector<std::string> changes;  // "ID: from -> to (...)", in file order
  std::vector<PrecisionRow> precision;
  bool dry_run = false;
};

/// Imports a verdict file into the store in one transaction, or throws InputError (exit 3)
/// listing every rejected row with nothing written.
VerifyResult import_verdicts(const VerifyOptions& options);

/// Verified share of alerts, overall and by unit type, change type (at first sighting) and
/// region, from the hotspots' verification verdicts.
std::vector<PrecisionRow> compute_precision(const std::vector<StoredHotspot>& hotspots);

}  // namespace zw
