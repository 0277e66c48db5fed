// Writing the monitoring store: one transaction at a time, rows written through the
// records' visit() (store_rows.hpp).
#include <functional>
#include <string>
#include <vector>

#include "store_impl.hpp"
#include "zonewatch/pipeline/core/date.hpp"

namespace zw {

using monitoring_detail::quote_sql;

void MonitoringStore::transaction(const std::function<void()>& body) {
  Impl& s = *impl_;
  if (s.mode != Mode::write) throw InternalError(s.path.string() + ": transaction on a store opened read-only");
  if (s.in_transaction) throw InternalError(s.path.string() + ": nested transaction");
  take_gdal_error();
  if (s.dataset->StartTransaction(FALSE) != OGRERR_NONE) {
    throw OutputError(s.path.string() + ": cannot start a transaction" + gdal_error_suffix());
  }
  s.in_transaction = true;
  try {
    body();
  } catch (...) {
    (void)s.dataset->RollbackTransaction();
    s.in_transaction = false;
    throw;
  }
  take_gdal_error();
  if (s.dataset->CommitTransaction() != OGRERR_NONE) {
    const std::string suffix = gdal_error_suffix();
    (void)s.dataset->RollbackTransaction();
    s.in_transaction = false;
    throw OutputError(s.path.string() + ": cannot commit (disk full?)" + suffix);
  }
  s.in_transaction = false;
}

void MonitoringStore::insert_scan(StoredScan& scan) {
  impl_->require_transaction("insert_scan");
  scan.seq = static_cast<int>(count("scans")) + 1;
  impl_->write_row("scans", scan, "", -1);
}

void MonitoringStore::set_outputs_written(const std::string& scan_id, const std::string& output_dir) {
  impl_->require_transaction("set_outputs_written");
  std::vector<std::int64_t> fids;
  auto rows = impl_->read_rows<StoredScan>("scans", "scan_id = " + quote_sql(scan_id), nullptr, &fids);
  if (rows.empty()) throw InternalError(impl_->path.string() + ": scan " + scan_id + " not found");
  rows.front().outputs_written = true;
  rows.front().output_dir = output_dir;
  impl_->write_row("scans", rows.front(), "", fids.front());
}

void MonitoringStore::insert_hotspot(StoredHotspot& hotspot) {
  impl_->require_transaction("insert_hotspot");
  hotspot.fid = impl_->write_row("hotspots", hotspot, hotspot.geometry_wkt, -1);
}

void MonitoringStore::update_hotspot(const StoredHotspot& hotspot) {
  impl_->require_transaction("update_hotspot");
  if (hotspot.fid < 0) throw InternalError(impl_->path.string() + ": update of hotspot " + hotspot.id + " without fid");
  impl_->write_row("hotspots", hotspot, hotspot.geometry_wkt, hotspot.fid);
}

void MonitoringStore::insert_observation(const StoredObservation& observation) {
  impl_->require_transaction("insert_observation");
  impl_->write_row("observations", observation, observation.geometry_wkt, -1);
}

void MonitoringStore::insert_event(const StoredEvent& event) {
  impl_->require_transaction("insert_event");
  impl_->write_row("events", event, "", -1);
}

void MonitoringStore::insert_unit_stats(const std::string& scan_id, const UnitResult& unit) {
  impl_->require_transaction("insert_unit_stats");
  monitoring_detail::UnitStatsRow row;
  row.scan_id = scan_id;
  row.code = unit.code;
  row.name = unit.name;
  row.type = unit.type;
  row.region = unit.region;
  row.area_m2 = unit.stats.area_m2;
  row.valid_area_m2 = unit.stats.valid_area_m2;
  row.valid_share = unit.stats.valid_share;
  row.changed_area_m2 = unit.stats.total_changed_area_m2;
  row.changed_by_type = unit.stats.changed_area_m2;
  row.changed_share = unit.stats.changed_share;
  row.greenness_before = unit.stats.mean_greenness_before;
  row.greenness_after = unit.stats.mean_greenness_after;
  row.greenness_change = unit.stats.mean_greenness_change;
  row.hotspot_count = unit.hotspot_count;
  row.assessable = unit.assessable;
  row.flagged = unit.flagged;
  row.flag_reasons = unit.flag_reasons;
  impl_->write_row("unit_stats", row, "", -1);
}

void MonitoringStore::insert_verdict(const StoredVerdict& verdict) {
  impl_->require_transaction("insert_verdict");
  impl_->write_row("verdicts", verdict, "", -1);
}

void MonitoringStore::insert_verdict_import(const std::string& import_id, const std::string& file, int rows,
                                            int applied) {
  impl_->require_transaction("insert_verdict_import");
  impl_->write_row("verdict_imports", monitoring_detail::ImportRow{import_id, file, now_utc(), rows, applied}, "", -1);
}

void MonitoringStore::insert_dispatch(const StoredDispatch& dispatch) {
  impl_->require_transaction("insert_dispatch");
  impl_->write_row("dispatches", dispatch, "", -1);
}

void MonitoringStore::replace_precision(const std::vector<PrecisionRow>& rows) {
  impl_->require_transaction("replace_precision");
  OGRLayer& layer = impl_->layer("precision");
  std::vector<GIntBig> fids;
  layer.ResetReading();
  for (auto& feature : layer) fids.push_back(feature->GetFID());
  for (GIntBig fid : fids) {
    if (layer.DeleteFeature(fid) != OGRERR_NONE) {
      throw OutputError(impl_->path.string() + ": table precision: cannot delete row" + gdal_error_suffix());
    }
  }
  for (const PrecisionRow& row : rows) impl_->write_row("precision", row, "", -1);
}

}  // namespace zw
