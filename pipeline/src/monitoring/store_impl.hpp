#pragma once
// The open monitoring store (MonitoringStore::Impl) shared by the store's sources: store.cpp
// (opening, locking, transactions), store_schema.cpp (tables, creation, schema version),
// store_queries.cpp (reading) and store_writes.cpp (writing); not a public header.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include "store_rows.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/gdal/geo_util.hpp"
#include "zonewatch/pipeline/monitoring/store.hpp"

namespace zw {

namespace monitoring_detail {

/// An exclusive flock on "<store>.lock", held while the store is open for writing.
class StoreLock {
 public:
  StoreLock() = default;
  /// Waits for another writer when `wait`; otherwise returns a lock that is not held.
  static StoreLock acquire(const std::filesystem::path& store, bool wait);
  StoreLock(StoreLock&& other) noexcept;
  StoreLock& operator=(StoreLock&& other) noexcept;
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;
  ~StoreLock();
  [[nodiscard]] bool held() const { return fd_ >= 0; }
  void release();

 private:
  int fd_ = -1;
};

/// One table of the store: a GeoPackage layer and its fields.
struct TableSpec {
  const char* name;
  bool spatial;
  const char* identifier;
  const char* description;
  std::vector<FieldSpec> fields;
  std::vector<std::string> indexes;  // "[UNIQUE ]column[, column]"
};

/// Every table, in creation order.
const std::vector<TableSpec>& tables();

/// Builds a complete new store, every table and index and store_meta, at `file` (a
/// temporary name: the caller renames it into place).
void create_store_file(const std::filesystem::path& file, const std::filesystem::path& path,
                       const std::string& crs_wkt);

/// `text` as an SQL string literal.
std::string quote_sql(std::string_view text);

}  // namespace monitoring_detail

struct MonitoringStore::Impl {
  std::filesystem::path path;
  Mode mode = Mode::read;
  monitoring_detail::StoreLock lock;
  DatasetPtr dataset;
  std::string crs_wkt;
  OGRSpatialReference srs;
  double metres_per_unit = 1.0;
  bool in_transaction = false;

  OGRLayer& layer(const char* name) const {
    OGRLayer* l = dataset->GetLayerByName(name);
    if (l == nullptr) throw InputError(path.string() + ": not a zonewatch monitoring store (no table " + name + ")");
    return *l;
  }

  void require_transaction(const char* what) const {
    if (mode != Mode::write) throw InternalError(path.string() + ": " + what + " on a store opened read-only");
    if (!in_transaction) throw InternalError(path.string() + ": " + what + " outside a transaction");
  }

  template <class Row>
  std::vector<Row> read_rows(const char* table, const std::string& where, std::vector<std::string>* wkts = nullptr,
                             std::vector<std::int64_t>* fids = nullptr) const {
    OGRLayer& l = layer(table);
    take_gdal_error();
    if (l.SetAttributeFilter(where.empty() ? nullptr : where.c_str()) != OGRERR_NONE) {
      throw InternalError(path.string() + ": table " + table + ": bad filter '" + where + "'" + gdal_error_suffix());
    }
    std::vector<Row> rows;
    const std::string store = path.string();
    l.ResetReading();
    for (auto& feature : l) {
      Row row{};
      monitoring_detail::ReadVisitor reader{*feature, store, table};
      visit(reader, row);
      if (wkts != nullptr) {
        const OGRGeometry* g = feature->GetGeometryRef();
        wkts->push_back(g != nullptr ? geo::to_wkt(*g) : std::string());
      }
      if (fids != nullptr) fids->push_back(feature->GetFID());
      rows.push_back(std::move(row));
    }
    l.SetAttributeFilter(nullptr);
    const std::string error = take_gdal_error();
    if (!error.empty()) throw InputError(path.string() + ": table " + table + ": read failed (GDAL: " + error + ")");
    return rows;
  }

  template <class Row>
  std::int64_t write_row(const char* table, Row row, const std::string& wkt, std::int64_t fid) {
    OGRLayer& l = layer(table);
    OGRFeatureUniquePtr feature(OGRFeature::CreateFeature(l.GetLayerDefn()));
    monitoring_detail::WriteVisitor writer{*feature};
    visit(writer, row);
    if (!wkt.empty()) {
      OGRGeometryUniquePtr g = geo::as_multipolygon(geo::from_wkt(wkt, path.string() + ": table " + table));
      g->assignSpatialReference(l.GetSpatialRef());
      feature->SetGeometryDirectly(g.release());
    }
    take_gdal_error();
    OGRErr error = OGRERR_NONE;
    if (fid >= 0) {
      feature->SetFID(fid);
      error = l.SetFeature(feature.get());
    } else {
      error = l.CreateFeature(feature.get());
    }
    if (error != OGRERR_NONE) {
      throw OutputError(path.string() + ": table " + table + ": cannot write row (disk full?)" + gdal_error_suffix());
    }
    return feature->GetFID();
  }

  /// Reads store_meta: the CRS, and the schema version this zonewatch must read.
  void load_meta();
};

}  // namespace zw
