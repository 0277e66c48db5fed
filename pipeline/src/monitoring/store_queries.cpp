// Reading the monitoring store: its records, typed (store_rows.hpp), by table.
#include <algorithm>
#include <charconv>
#include <string>
#include <system_error>
#include <vector>

#include "store_impl.hpp"

namespace zw {

namespace monitoring_detail {

std::string quote_sql(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace monitoring_detail

using monitoring_detail::quote_sql;

std::vector<StoredScan> MonitoringStore::scans() {
  auto rows = impl_->read_rows<StoredScan>("scans", "");
  std::sort(rows.begin(), rows.end(), [](const StoredScan& a, const StoredScan& b) { return a.seq < b.seq; });
  return rows;
}

std::optional<StoredScan> MonitoringStore::scan(const std::string& scan_id) {
  auto rows = impl_->read_rows<StoredScan>("scans", "scan_id = " + quote_sql(scan_id));
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::vector<StoredHotspot> MonitoringStore::hotspots(const std::string& where) {
  std::vector<std::string> wkts;
  std::vector<std::int64_t> fids;
  auto rows = impl_->read_rows<StoredHotspot>("hotspots", where, &wkts, &fids);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].geometry_wkt = std::move(wkts[i]);
    rows[i].fid = fids[i];
  }
  std::sort(rows.begin(), rows.end(), [](const StoredHotspot& a, const StoredHotspot& b) { return a.id < b.id; });
  return rows;
}

std::optional<StoredHotspot> MonitoringStore::hotspot(const std::string& id) {
  auto rows = hotspots("hotspot_id = " + quote_sql(id));
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::vector<StoredObservation> MonitoringStore::observations(const std::string& scan_id) {
  std::vector<std::string> wkts;
  auto rows = impl_->read_rows<StoredObservation>("observations",
                                                  scan_id.empty() ? "" : "scan_id = " + quote_sql(scan_id), &wkts);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i].geometry_wkt = std::move(wkts[i]);
  return rows;
}

std::vector<StoredEvent> MonitoringStore::events(const std::string& hotspot_id) {
  return impl_->read_rows<StoredEvent>("events", hotspot_id.empty() ? "" : "hotspot_id = " + quote_sql(hotspot_id));
}

std::vector<StoredVerdict> MonitoringStore::verdicts(const std::string& hotspot_id) {
  return impl_->read_rows<StoredVerdict>("verdicts", hotspot_id.empty() ? "" : "hotspot_id = " + quote_sql(hotspot_id));
}

std::vector<StoredDispatch> MonitoringStore::dispatches() { return impl_->read_rows<StoredDispatch>("dispatches", ""); }

std::vector<PrecisionRow> MonitoringStore::precision() { return impl_->read_rows<PrecisionRow>("precision", ""); }

int MonitoringStore::max_hotspot_sequence(const std::string& prefix) {
  // substr, not LIKE: '_' in a unit code would be a LIKE wildcard.
  const std::string where = "substr(hotspot_id, 1, " + std::to_string(prefix.size()) + ") = " + quote_sql(prefix);
  int best = 0;
  OGRLayer& l = impl_->layer("hotspots");
  if (l.SetAttributeFilter(where.c_str()) != OGRERR_NONE) {
    throw InternalError(impl_->path.string() + ": bad filter '" + where + "'" + gdal_error_suffix());
  }
  l.ResetReading();
  for (auto& feature : l) {
    const std::string id = feature->GetFieldAsString("hotspot_id");
    int sequence = 0;
    const char* first = id.data() + prefix.size();
    const auto parsed = std::from_chars(first, id.data() + id.size(), sequence);
    if (parsed.ec == std::errc{} && parsed.ptr == id.data() + id.size()) best = std::max(best, sequence);
  }
  l.SetAttributeFilter(nullptr);
  return best;
}

long long MonitoringStore::count(const std::string& table) {
  return static_cast<long long>(impl_->layer(table.c_str()).GetFeatureCount(TRUE));
}

std::string MonitoringStore::integrity_check() {
  OGRLayer* result = impl_->dataset->ExecuteSQL("PRAGMA integrity_check", nullptr, nullptr);
  if (result == nullptr) return "integrity_check failed to run" + gdal_error_suffix();
  std::string text;
  for (auto& feature : *result) text += std::string(text.empty() ? "" : "; ") + feature->GetFieldAsString(0);
  impl_->dataset->ReleaseResultSet(result);
  return text;
}

}  // namespace zw
