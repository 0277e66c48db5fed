#include "zonewatch/pipeline/monitoring/verdicts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include <ogr_spatialref.h>

#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/core/sha256.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"

namespace zw {
namespace {

enum class Column { hotspot_id, verdict, date, inspector, note, approval };

std::optional<Column> column_for(const std::string& header) {
  static const std::vector<std::pair<std::string, Column>> kNames{
      {"hotspot_id", Column::hotspot_id},
      {"hotspot", Column::hotspot_id},
      {"id", Column::hotspot_id},
      {"图斑编号", Column::hotspot_id},
      {"编号", Column::hotspot_id},
      {"verdict", Column::verdict},
      {"result", Column::verdict},
      {"核查结论", Column::verdict},
      {"结论", Column::verdict},
      {"verdict_date", Column::date},
      {"date", Column::date},
      {"核查日期", Column::date},
      {"日期", Column::date},
      {"inspector", Column::inspector},
      {"核查人", Column::inspector},
      {"核查人员", Column::inspector},
      {"note", Column::note},
      {"notes", Column::note},
      {"verdict_note", Column::note},
      {"备注", Column::note},
      {"approval", Column::approval},
      {"approval_no", Column::approval},
      {"permit", Column::approval},
      {"审批文号", Column::approval},
      {"文号", Column::approval},
  };
  const std::string key = text::lower_trimmed(header);
  for (const auto& [name, column] : kNames) {
    if (key == name) return column;
  }
  return std::nullopt;
}

std::string status_list(const std::vector<HotspotStatus>& statuses) {
  std::string out;
  for (std::size_t i = 0; i < statuses.size(); ++i) out += (i ? ", " : "") + std::string(to_string(statuses[i]));
  return out;
}

struct PlannedVerdict {
  int row = 0;
  std::string hotspot_id;
  Verdict verdict = Verdict::confirmed;
  std::string date, inspector, note, approval;
  HotspotStatus from = HotspotStatus::new_, to = HotspotStatus::new_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot be read (missing?)");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

PrecisionRow precision_row(std::string dimension, std::string key) {
  PrecisionRow row;
  row.dimension = std::move(dimension);
  row.key = std::move(key);
  return row;
}

}  // namespace

std::vector<PrecisionRow> compute_precision(const std::vector<StoredHotspot>& hotspots) {
  std::map<std::pair<std::string, std::string>, PrecisionRow> rows;
  const auto add = [&](const std::string& dimension, const std::string& key, Verdict verdict) {
    auto [it, inserted] = rows.try_emplace({dimension, key}, precision_row(dimension, key));
    PrecisionRow& r = it->second;
    ++r.verified;
    if (verdict == Verdict::confirmed) ++r.confirmed;
    if (verdict == Verdict::false_alarm) ++r.false_alarm;
    if (verdict == Verdict::legal) ++r.legal;
  };
  for (const StoredHotspot& h : hotspots) {
    if (!h.verdict || !is_verification(*h.verdict)) continue;
    add("all", "all", *h.verdict);
    add("unit_type", std::string(to_string(h.unit_type)), *h.verdict);
    add("change_type", std::string(kernels::to_string(h.change_type)), *h.verdict);
    add("region", h.region, *h.verdict);
  }
  std::vector<PrecisionRow> out;
  static const std::vector<std::string> kOrder{"all", "unit_type", "change_type", "region"};
  for (const std::string& dimension : kOrder) {
    for (auto& [key, row] : rows) {
      if (key.first != dimension) continue;
      row.alert_precision = row.verified > 0 ? static_cast<double>(row.confirmed) / row.verified : 0.0;
      row.change_precision = row.verified > 0 ? static_cast<double>(row.confirmed + row.legal) / row.verified : 0.0;
      out.push_back(row);
    }
  }
  return out;
}

VerifyResult import_verdicts(const VerifyOptions& options) {
  auto log = logger("verify");
  const std::string& file = options.results_path;
  const std::string today = options.today.empty() ? today_utc() : options.today;
  const std::string bytes = read_file(file);
  if (const auto bad = text::invalid_utf8_offset(bytes); bad != std::string::npos) {
    throw InputError(file + ": not UTF-8 (byte " + std::to_string(bad) +
                     "); save it as \"CSV UTF-8\" (Excel) or UTF-8 text");
  }
  bool unterminated = false;
  const std::vector<text::CsvRow> table = text::parse_csv(bytes, &unterminated);
  if (unterminated) throw InputError(file + ": a quoted field is never closed");
  if (table.empty()) throw InputError(file + ": empty (expected a header with hotspot_id and verdict)");

  std::map<Column, std::size_t> columns;
  for (std::size_t i = 0; i < table.front().fields.size(); ++i) {
    const auto column = column_for(table.front().fields[i]);
    if (!column) continue;
    if (!columns.emplace(*column, i).second) {
      throw InputError(file + ": row 1: column '" + table.front().fields[i] + "' duplicates another column");
    }
  }
  if (columns.count(Column::hotspot_id) == 0) throw InputError(file + ": row 1: no column hotspot_id (图斑编号)");
  if (columns.count(Column::verdict) == 0) throw InputError(file + ": row 1: no column verdict (核查结论)");

  MonitoringStore store = MonitoringStore::open(
      options.store_path, options.dry_run ? MonitoringStore::Mode::read : MonitoringStore::Mode::write);
  std::map<std::string, StoredHotspot> hotspots;
  for (StoredHotspot& h : store.hotspots()) hotspots.emplace(h.id, std::move(h));
  std::set<std::tuple<std::string, Verdict, std::string>> imported;  // id, verdict, date
  for (const StoredVerdict& v : store.verdicts()) imported.emplace(v.hotspot_id, v.verdict, v.verdict_date);

  VerifyResult result;
  result.import_id = sha256_hex(bytes);
  result.dry_run = options.dry_run;
  std::vector<std::string> errors;
  std::vector<PlannedVerdict> plan;
  std::map<std::string, HotspotStatus> status;  // as the rows so far leave it
  for (const auto& [id, h] : hotspots) status[id] = h.status;

  for (std::size_t r = 1; r < table.size(); ++r) {
    const text::CsvRow& row = table[r];
    const auto cell = [&](Column c) -> std::string {
      const auto it = columns.find(c);
      if (it == columns.end() || it->second >= row.fields.size()) return {};
      // The packet page and zonewatch's CSVs put an apostrophe before a leading formula character.
      return text::restore_formula(text::trim_blanks(row.fields[it->second]));
    };
    const bool blank = std::all_of(row.fields.begin(), row.fields.end(),
                                   [](const std::string& f) { return text::trim_blanks(f).empty(); });
    if (blank) continue;
    const std::string where = "row " + std::to_string(row.line);
    const std::string id = cell(Column::hotspot_id);
    const std::string verdict_text = cell(Column::verdict);
    if (verdict_text.empty()) {
      ++result.without_verdict;
      continue;
    }
    ++result.rows;
    if (id.empty()) {
      errors.push_back(where + ": verdict '" + verdict_text + "' without a hotspot_id");
      continue;
    }
    const auto verdict = verdict_from_string(verdict_text);
    if (!verdict) {
      errors.push_back(
          where + ": " + id + ": unknown verdict '" + verdict_text +
          "' (expected confirmed, false_alarm, legal, rectified, closed or 属实, 误报, 合法, 已整改, 销号)");
      continue;
    }
    const auto found = hotspots.find(id);
    if (found == hotspots.end()) {
      errors.push_back(where + ": unknown hotspot ID '" + id + "' (not in " + options.store_path + ")");
      continue;
    }
    const StoredHotspot& h = found->second;
    PlannedVerdict p;
    p.row = row.line;
    p.hotspot_id = id;
    p.verdict = *verdict;
    p.date = cell(Column::date);
    if (p.date.empty()) p.date = today;
    p.inspector = cell(Column::inspector);
    p.note = cell(Column::note);
    p.approval = cell(Column::approval);
    if (!is_iso_date(p.date)) {
      errors.push_back(where + ": " + id + ": date '" + p.date + "' is not a date YYYY-MM-DD");
      continue;
    }
    if (p.date > today) {
      errors.push_back(where + ": " + id + ": date " + p.date + " is in the future (today is " + today + ")");
      continue;
    }
    if (!h.first_seen.empty() && p.date < h.first_seen) {
      errors.push_back(where + ": " + id + ": date " + p.date + " is before the hotspot was first seen (" +
                       h.first_seen + ")");
      continue;
    }
    if (p.verdict == Verdict::legal && p.approval.empty()) {
      errors.push_back(where + ": " + id +
                       ": a 'legal' verdict needs the approval or permit it rests on in column approval (审批文号)");
      continue;
    }
    const std::string verdict_name(to_string(p.verdict));
    if (imported.count({id, p.verdict, p.date}) != 0) {
      ++result.already_imported;
      continue;
    }
    p.from = status.at(id);
    const auto to = status_after_verdict(p.from, p.verdict, h.rectification_days);
    if (!to) {
      errors.push_back(where + ": " + id + ": impossible transition: a " + verdict_name + " verdict on a " +
                       std::string(to_string(p.from)) + " hotspot (" + verdict_name + " needs status " +
                       status_list(statuses_allowing(p.verdict)) + ")");
      continue;
    }
    p.to = *to;
    status[id] = p.to;
    imported.emplace(id, p.verdict, p.date);
    plan.push_back(std::move(p));
  }

  if (!errors.empty()) {
    std::string message = file + ": " + std::to_string(errors.size()) + " of " + std::to_string(result.rows) +
                          " verdict rows rejected, nothing imported:";
    // The first rows name the problems; a file of a million bad rows must not flood the log.
    constexpr std::size_t kListed = 100;
    for (std::size_t i = 0; i < errors.size() && i < kListed; ++i) message += "\n  " + errors[i];
    if (errors.size() > kListed) {
      message += "\n  ... and " + std::to_string(errors.size() - kListed) + " more rows rejected";
    }
    throw InputError(message);
  }

  const std::string now = now_utc();
  for (const PlannedVerdict& p : plan) {
    StoredHotspot& h = hotspots.at(p.hotspot_id);
    std::string change = p.hotspot_id + ": " + std::string(to_string(p.from)) + " -> " + std::string(to_string(p.to));
    h.status = p.to;
    h.status_since = now;
    if (is_verification(p.verdict)) {
      h.verdict = p.verdict;
      h.verdict_date = p.date;
      h.inspector = p.inspector;
      h.verdict_note = p.note;
      h.approval = p.approval;
      h.rectification_due.clear();
    }
    if (p.to == HotspotStatus::rectification_due) {
      h.rectification_due = add_days(p.date, h.rectification_days);
      change += " (rectification due " + h.rectification_due + ")";
    }
    if (p.to == HotspotStatus::closed || p.to == HotspotStatus::rectified) h.rectification_due.clear();
    if (p.to == HotspotStatus::closed) h.close_proposed = false;
    result.changes.push_back(change);
  }
  result.applied = static_cast<int>(plan.size());
  std::vector<StoredHotspot> all;
  for (const auto& [id, h] : hotspots) all.push_back(h);
  result.precision = compute_precision(all);
  if (options.dry_run) return result;

  store.transaction([&] {
    std::set<std::string> updated;
    for (const PlannedVerdict& p : plan) {
      StoredVerdict v;
      v.import_id = result.import_id;
      v.file = std::filesystem::absolute(file).string();
      v.row = p.row;
      v.hotspot_id = p.hotspot_id;
      v.verdict = p.verdict;
      v.verdict_date = p.date;
      v.inspector = p.inspector;
      v.note = p.note;
      v.approval = p.approval;
      v.from_status = p.from;
      v.to_status = p.to;
      v.imported_utc = now;
      store.insert_verdict(v);
      std::string detail =
          std::string(to_string(v.verdict)) + " (" + p.date + (p.inspector.empty() ? "" : ", " + p.inspector) + ")";
      if (!p.note.empty()) detail += ": " + p.note;
      store.insert_event(
          {p.hotspot_id, now, HistorySource::verify, result.import_id, v.from_status, v.to_status, detail});
      updated.insert(p.hotspot_id);
    }
    for (const std::string& id : updated) store.update_hotspot(hotspots.at(id));
    store.insert_verdict_import(result.import_id, std::filesystem::absolute(file).string(), result.rows,
                                result.applied);
    store.replace_precision(result.precision);
    crash_point("verify.apply");
  });
  log->info("{}: {} verdicts imported, {} already imported, {} rows without a verdict", file, result.applied,
            result.already_imported, result.without_verdict);
  return result;
}

}  // namespace zw
