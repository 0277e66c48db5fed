// The monitoring store's schema: its tables (every field from the rows' visit()), their
// indexes, store_meta with the schema version and the CRS, building a new store, and the
// check that an opened store is one this zonewatch reads.
#include <string>
#include <utility>
#include <vector>

#include <cpl_string.h>
#include <gdal_priv.h>

#include "store_impl.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/version.hpp"

namespace zw {

namespace monitoring_detail {
namespace {

constexpr int kSchemaVersion = 1;

}  // namespace

const std::vector<TableSpec>& tables() {
  static const std::vector<TableSpec> specs{
      {"store_meta",
       false,
       "store_meta",
       "zonewatch monitoring store: schema version and CRS",
       fields_of<MetaRow>(),
       {"UNIQUE key"}},
      {"scans",
       false,
       "scans 扫描",
       "Every ingested scan: inputs, config, counts",
       fields_of<StoredScan>(),
       {"UNIQUE scan_id"}},
      {"hotspots",
       true,
       "hotspots 图斑台账",
       "Every hotspot across scans: footprint, status, verdict",
       fields_of<StoredHotspot>(),
       {"UNIQUE hotspot_id", "status", "region"}},
      {"observations",
       true,
       "observations 历次观测",
       "Every patch of every scan and the hotspot it became",
       fields_of<StoredObservation>(),
       {"UNIQUE scan_id, patch_key", "hotspot_id"}},
      {"events",
       false,
       "events 状态变更",
       "Every status change and lifecycle note",
       fields_of<StoredEvent>(),
       {"hotspot_id"}},
      {"unit_stats",
       false,
       "unit_stats 单元统计",
       "Every control unit's statistics per scan",
       fields_of<UnitStatsRow>(),
       {"UNIQUE scan_id, unit_code"}},
      {"verdicts",
       false,
       "verdicts 核查结论",
       "Every imported field verdict",
       fields_of<StoredVerdict>(),
       {"hotspot_id"}},
      {"verdict_imports", false, "verdict_imports", "Every imported verdict file", fields_of<ImportRow>(), {}},
      {"dispatches",
       false,
       "dispatches 派发",
       "Every inspector packet written",
       fields_of<StoredDispatch>(),
       {"UNIQUE dispatch_id"}},
      {"precision",
       false,
       "precision 核查准确率",
       "Verified share by unit type, change type and region",
       fields_of<PrecisionRow>(),
       {}},
  };
  return specs;
}

void create_store_file(const std::filesystem::path& file, const std::filesystem::path& path,
                       const std::string& crs_wkt) {
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
  if (driver == nullptr) throw InternalError("GDAL has no GPKG driver");
  take_gdal_error();
  DatasetPtr ds(driver->Create(file.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  if (!ds) throw OutputError(path.string() + ": cannot create the monitoring store" + gdal_error_suffix());
  OGRSpatialReference srs = geo::srs_from_wkt(crs_wkt, path.string());
  for (const TableSpec& spec : tables()) {
    CPLStringList options;
    options.SetNameValue("IDENTIFIER", spec.identifier);
    options.SetNameValue("DESCRIPTION", spec.description);
    options.SetNameValue("FID", "fid");
    if (spec.spatial) options.SetNameValue("GEOMETRY_NAME", "geom");
    OGRLayer* layer = ds->CreateLayer(spec.name, spec.spatial ? &srs : nullptr,
                                      spec.spatial ? wkbMultiPolygon : wkbNone, options.List());
    if (layer == nullptr) {
      throw OutputError(path.string() + ": cannot create table " + spec.name + gdal_error_suffix());
    }
    for (const FieldSpec& field : spec.fields) {
      OGRFieldType type = OFTString;
      OGRFieldSubType subtype = OFSTNone;
      switch (field.kind) {
        case Kind::text: type = OFTString; break;
        case Kind::real: type = OFTReal; break;
        case Kind::integer: type = OFTInteger64; break;
        case Kind::boolean: type = OFTInteger, subtype = OFSTBoolean; break;
        case Kind::date: type = OFTDate; break;
      }
      OGRFieldDefn definition(field.name.c_str(), type);
      definition.SetSubType(subtype);
      if (layer->CreateField(&definition) != OGRERR_NONE) {
        throw OutputError(path.string() + ": table " + spec.name + ": cannot create field " + field.name +
                          gdal_error_suffix());
      }
    }
    (void)layer->SyncToDisk();  // runs the deferred CREATE TABLE before the indexes
  }
  for (const TableSpec& spec : tables()) {
    int n = 0;
    for (const std::string& index : spec.indexes) {
      const bool unique = index.starts_with("UNIQUE ");
      const std::string columns = unique ? index.substr(7) : index;
      const std::string sql = std::string("CREATE ") + (unique ? "UNIQUE " : "") + "INDEX \"idx_" + spec.name + "_" +
                              std::to_string(++n) + "\" ON \"" + spec.name + "\" (" + columns + ")";
      take_gdal_error();
      ds->ExecuteSQL(sql.c_str(), nullptr, nullptr);
      const std::string error = take_gdal_error();
      if (!error.empty()) throw OutputError(path.string() + ": " + sql + " failed (GDAL: " + error + ")");
    }
  }
  OGRLayer* meta = ds->GetLayerByName("store_meta");
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"schema_version", std::to_string(kSchemaVersion)},
                                                        {"crs_wkt", crs_wkt},
                                                        {"created_utc", now_utc()},
                                                        {"created_by", std::string("zonewatch ") + kVersion}}) {
    OGRFeatureUniquePtr feature(OGRFeature::CreateFeature(meta->GetLayerDefn()));
    feature->SetField("key", key.c_str());
    feature->SetField("value", value.c_str());
    if (meta->CreateFeature(feature.get()) != OGRERR_NONE) {
      throw OutputError(path.string() + ": cannot write store_meta" + gdal_error_suffix());
    }
  }
  take_gdal_error();
  ds.reset();
  const std::string error = take_gdal_error();
  if (!error.empty()) throw OutputError(path.string() + ": cannot complete the new store (GDAL: " + error + ")");
}

}  // namespace monitoring_detail

void MonitoringStore::Impl::load_meta() {
  const auto rows = read_rows<monitoring_detail::MetaRow>("store_meta", "");
  std::string version;
  for (const auto& r : rows) {
    if (r.key == "crs_wkt") crs_wkt = r.value;
    if (r.key == "schema_version") version = r.value;
  }
  if (version.empty() || crs_wkt.empty()) {
    throw InputError(path.string() + ": not a zonewatch monitoring store (store_meta is incomplete)");
  }
  if (version != std::to_string(monitoring_detail::kSchemaVersion)) {
    throw InputError(path.string() + ": monitoring store schema version " + version + ", this zonewatch reads " +
                     std::to_string(monitoring_detail::kSchemaVersion));
  }
  srs = geo::srs_from_wkt(crs_wkt, path.string());
  metres_per_unit = geo::metres_per_unit(srs);
}

}  // namespace zw
