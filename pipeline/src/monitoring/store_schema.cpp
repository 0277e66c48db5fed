// The monitoring store's schema: its tables (every field from the rows' visit()), their
// indexes, store_meta with the schema version and the CRS, building a new store, and the
// check that an opened store is one this zonewatch reads.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <cpl_string.h>
#include <gdal_priv.h>

#include "store_impl.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/monitoring/lifecycle.hpp"
#include "zonewatch/pipeline/outputs/layer_styles.hpp"
#include "zonewatch/pipeline/version.hpp"

namespace zw {

namespace monitoring_detail {
namespace {

// Schema history (a store at an older version is migrated when it is opened, see
// migrate_store):
//   1  the first store
//   2  unit_stats gains changed_<type>_m2 for dumping, blue_roof, mining, water_quality
//      (issue 12); their rows from before read NULL there (the type did not exist yet)
//   3  hotspots gain the traced sources (sources, sources_zh, source_count, nearest_source_*)
//      and observations the revised_type (issue 12); rows from before read empty / NULL
constexpr int kSchemaVersion = 3;

/// The store's hotspots as QGIS shows them: filled by lifecycle status, labelled by ID.
LayerStyle store_hotspots_style() {
  LayerStyle style;
  style.layer = "hotspots";
  style.name = "zonewatch status";
  style.description = "Hotspots by lifecycle status";
  style.category_field = "status";
  const auto colour = [](HotspotStatus status) -> Rgba {
    switch (status) {
      case HotspotStatus::new_: return {0xe3, 0x1a, 0x1c, 255};
      case HotspotStatus::dispatched: return {0xff, 0x7f, 0x00, 255};
      case HotspotStatus::confirmed: return {0x6a, 0x3d, 0x9a, 255};
      case HotspotStatus::false_alarm: return {0xb2, 0xdf, 0x8a, 255};
      case HotspotStatus::legal: return {0x33, 0xa0, 0x2c, 255};
      case HotspotStatus::rectification_due: return {0xfb, 0x9a, 0x99, 255};
      case HotspotStatus::rectified: return {0x1f, 0x78, 0xb4, 255};
      case HotspotStatus::closed: return {0xa6, 0xa6, 0xa6, 255};
    }
    return {128, 128, 128, 255};
  };
  for (const auto& entry : kHotspotStatusNames.entries()) {
    style.classes.push_back({std::string(entry.chinese) + " " + std::string(entry.name),
                             {{"status", std::string(entry.name)}},
                             {60, 60, 60, 255},
                             0.3,
                             true,
                             colour(entry.value)});
  }
  style.label_expression = "\"hotspot_id\"";
  return style;
}

/// Chinese names of the store hotspots' fields: those shared with alerts.gpkg's hotspots from
/// its column model (one alias per field everywhere), the store's own here; the others keep
/// their English names.
std::vector<FieldAlias> store_hotspot_aliases() {
  static const std::vector<std::pair<std::string, std::string>> store_only{
      {"status_since", "状态起始"}, {"last_seen", "最近发现日期"}, {"verdict", "核查结论"},
      {"verdict_date", "核查日期"}, {"inspector", "核查人"},       {"rectification_due", "整改期限"},
  };
  const std::vector<FieldAlias> scan_aliases = hotspot_field_aliases(/*tracked=*/true, /*traced=*/true);
  std::vector<FieldAlias> aliases;
  for (const FieldSpec& field : fields_of<StoredHotspot>()) {
    std::string alias;
    const auto shared = std::find_if(scan_aliases.begin(), scan_aliases.end(),
                                     [&](const FieldAlias& a) { return a.field == field.name; });
    if (shared != scan_aliases.end()) {
      alias = shared->alias;
    } else {
      const auto own =
          std::find_if(store_only.begin(), store_only.end(), [&](const auto& n) { return n.first == field.name; });
      if (own != store_only.end()) alias = own->second;
    }
    aliases.push_back({field.name, alias, "", ""});
  }
  return aliases;
}

void create_field(OGRLayer& layer, const TableSpec& spec, const FieldSpec& field, const std::filesystem::path& path) {
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
  if (layer.CreateField(&definition) != OGRERR_NONE) {
    throw OutputError(path.string() + ": table " + spec.name + ": cannot create field " + field.name +
                      gdal_error_suffix());
  }
}

/// store_meta's schema_version of an open store; empty when there is none.
std::string stored_schema_version(GDALDataset& ds) {
  OGRLayer* meta = ds.GetLayerByName("store_meta");
  if (meta == nullptr) return "";
  meta->SetAttributeFilter("key = 'schema_version'");
  meta->ResetReading();
  OGRFeatureUniquePtr feature(meta->GetNextFeature());
  const std::string version = feature ? std::string(feature->GetFieldAsString("value")) : std::string();
  meta->SetAttributeFilter(nullptr);
  return version;
}

/// The schema version as a number; 0 for anything that is not a positive integer.
int parse_schema_version(const std::string& text) {
  if (text.empty() || text.size() > 6 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return 0;
  }
  return std::stoi(text);
}

/// Brings the store at `path` (not open elsewhere in this process; the caller holds the
/// writer's lock) from an older schema version to kSchemaVersion in one transaction: every
/// field the tables now have and the store lacks is added (ALTER TABLE ADD COLUMN, rows
/// kept) and schema_version is set. A killed migration leaves the old store as it was.
/// Does nothing to a current store, and leaves a newer or broken one to load_meta's checks.
void migrate_store(const std::filesystem::path& path) {
  const char* const drivers[] = {"GPKG", nullptr};
  take_gdal_error();
  DatasetPtr ds(
      GDALDataset::FromHandle(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers, nullptr, nullptr)));
  if (!ds) {
    throw InputError(path.string() +
                     ": monitoring store of an older schema version needs migrating, but it cannot "
                     "be opened for writing" +
                     gdal_error_suffix());
  }
  const int from = parse_schema_version(stored_schema_version(*ds));
  if (from <= 0 || from >= kSchemaVersion) return;
  if (ds->StartTransaction(FALSE) != OGRERR_NONE) {
    throw OutputError(path.string() + ": cannot start the schema migration's transaction" + gdal_error_suffix());
  }
  std::string added;
  try {
    for (const TableSpec& spec : tables()) {
      OGRLayer* layer = ds->GetLayerByName(spec.name);
      if (layer == nullptr) {
        throw InputError(path.string() + ": monitoring store schema version " + std::to_string(from) + " lacks table " +
                         spec.name + "; cannot migrate it");
      }
      for (const FieldSpec& field : spec.fields) {
        if (layer->GetLayerDefn()->GetFieldIndex(field.name.c_str()) >= 0) continue;
        create_field(*layer, spec, field, path);
        added += (added.empty() ? "" : ", ") + std::string(spec.name) + "." + field.name;
      }
    }
    OGRLayer* meta = ds->GetLayerByName("store_meta");
    meta->SetAttributeFilter("key = 'schema_version'");
    meta->ResetReading();
    OGRFeatureUniquePtr feature(meta->GetNextFeature());
    meta->SetAttributeFilter(nullptr);
    if (!feature) throw InternalError(path.string() + ": store_meta lost its schema_version");
    feature->SetField("value", std::to_string(kSchemaVersion).c_str());
    if (meta->SetFeature(feature.get()) != OGRERR_NONE) {
      throw OutputError(path.string() + ": cannot write the migrated schema_version" + gdal_error_suffix());
    }
    crash_point("store.migrate");
  } catch (...) {
    (void)ds->RollbackTransaction();
    throw;
  }
  if (ds->CommitTransaction() != OGRERR_NONE) {
    const std::string suffix = gdal_error_suffix();
    (void)ds->RollbackTransaction();
    throw OutputError(path.string() + ": cannot commit the schema migration (disk full?)" + suffix);
  }
  take_gdal_error();
  ds.reset();
  const std::string error = take_gdal_error();
  if (!error.empty()) throw OutputError(path.string() + ": cannot complete the schema migration (GDAL: " + error + ")");
  logger("store")->info("{}: migrated the monitoring store from schema version {} to {} (added {})", path.string(),
                        from, kSchemaVersion, added.empty() ? "no fields" : added);
}

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
    for (const FieldSpec& field : spec.fields) create_field(*layer, spec, field, path);
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
  // QGIS opens the store's hotspots coloured by status (aliases: empty ones are skipped).
  std::vector<FieldAlias> aliases = store_hotspot_aliases();
  write_layer_style(*ds, store_hotspots_style(), aliases, path);
  std::erase_if(aliases, [](const FieldAlias& alias) { return alias.alias.empty(); });
  write_field_aliases(*ds, "hotspots", aliases, path);
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
  const auto read_meta = [this](std::string& version) {
    version.clear();
    for (const auto& r : read_rows<monitoring_detail::MetaRow>("store_meta", "")) {
      if (r.key == "crs_wkt") crs_wkt = r.value;
      if (r.key == "schema_version") version = r.value;
    }
    if (version.empty() || crs_wkt.empty()) {
      throw InputError(path.string() + ": not a zonewatch monitoring store (store_meta is incomplete)");
    }
  };
  std::string version;
  read_meta(version);
  const int stored = monitoring_detail::parse_schema_version(version);
  if (stored > 0 && stored < monitoring_detail::kSchemaVersion) {
    // An older store: migrate it through a connection of its own, under the writer's lock
    // (taken here for a reader; a writer holds it already), then reopen it as it was opened.
    const bool update = dataset->GetAccess() == GA_Update;
    dataset.reset();
    monitoring_detail::StoreLock migration_lock;
    if (!lock.held()) migration_lock = monitoring_detail::StoreLock::acquire(path, /*wait=*/true);
    monitoring_detail::migrate_store(path);
    migration_lock.release();
    const char* const drivers[] = {"GPKG", nullptr};
    take_gdal_error();
    dataset.reset(GDALDataset::FromHandle(GDALOpenEx(
        path.c_str(), GDAL_OF_VECTOR | (update ? GDAL_OF_UPDATE : GDAL_OF_READONLY), drivers, nullptr, nullptr)));
    if (!dataset)
      throw InputError(path.string() + ": cannot reopen the migrated monitoring store" + gdal_error_suffix());
    read_meta(version);
  }
  if (version != std::to_string(monitoring_detail::kSchemaVersion)) {
    throw InputError(path.string() + ": monitoring store schema version " + version + ", this zonewatch reads " +
                     std::to_string(monitoring_detail::kSchemaVersion));
  }
  srs = geo::srs_from_wkt(crs_wkt, path.string());
  metres_per_unit = geo::metres_per_unit(srs);
}

}  // namespace zw
