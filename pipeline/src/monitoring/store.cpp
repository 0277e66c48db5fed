// The monitoring store (store.hpp): rows <-> features, opening and locking, the schema,
// reading and writing.
#include "zonewatch/pipeline/monitoring/store.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include "zonewatch/pipeline/core/atomic_output.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/core/sha256.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/gdal/geo_util.hpp"
#include "zonewatch/pipeline/monitoring/stored_names.hpp"
#include "zonewatch/pipeline/version.hpp"

namespace zw::monitoring_detail {

enum class Kind { text, real, integer, boolean, date };

struct FieldSpec {
  std::string name;
  Kind kind;
};

/// The fields a row type has, in column order.
struct SchemaVisitor {
  std::vector<FieldSpec> fields;
  void text(const std::string& n, std::string&) { fields.push_back({n, Kind::text}); }
  void real(const std::string& n, double&) { fields.push_back({n, Kind::real}); }
  template <class Int>
  void integer(const std::string& n, Int&) {
    fields.push_back({n, Kind::integer});
  }
  void boolean(const std::string& n, bool&) { fields.push_back({n, Kind::boolean}); }
  void date(const std::string& n, std::string&) { fields.push_back({n, Kind::date}); }
  /// A typed column: its enum's name as text.
  template <class Enum>
  void named(const std::string& n, Enum&) {
    fields.push_back({n, Kind::text});
  }
};

inline int field_index(OGRFeature& feature, const std::string& name) {
  const int index = feature.GetFieldIndex(name.c_str());
  if (index < 0) throw InternalError("monitoring store: field " + name + " missing");
  return index;
}

struct WriteVisitor {
  OGRFeature& f;
  void text(const std::string& n, std::string& v) { f.SetField(field_index(f, n), v.c_str()); }
  void real(const std::string& n, double& v) {
    if (std::isfinite(v)) {
      f.SetField(field_index(f, n), v);
    } else {
      f.SetFieldNull(field_index(f, n));
    }
  }
  template <class Int>
  void integer(const std::string& n, Int& v) {
    f.SetField(field_index(f, n), static_cast<GIntBig>(v));
  }
  void boolean(const std::string& n, bool& v) { f.SetField(field_index(f, n), v ? 1 : 0); }
  void date(const std::string& n, std::string& v) {
    const int index = field_index(f, n);
    if (const auto date = iso_date_fields(v)) {
      f.SetField(index, date->year, static_cast<int>(date->month), static_cast<int>(date->day));
    } else {
      f.SetFieldNull(index);
    }
  }
  template <class Enum>
  void named(const std::string& n, Enum& v) {
    f.SetField(field_index(f, n), std::string(to_string(v)).c_str());
  }
  /// None is the empty text.
  template <class Enum>
  void named(const std::string& n, std::optional<Enum>& v) {
    f.SetField(field_index(f, n), v ? std::string(to_string(*v)).c_str() : "");
  }
};

struct ReadVisitor {
  OGRFeature& f;
  const std::string& store;  // path, for errors
  const char* table;
  [[nodiscard]] bool present(int index) const { return f.IsFieldSetAndNotNull(index); }
  void text(const std::string& n, std::string& v) {
    const int i = field_index(f, n);
    v = present(i) ? f.GetFieldAsString(i) : "";
  }
  void real(const std::string& n, double& v) {
    const int i = field_index(f, n);
    v = present(i) ? f.GetFieldAsDouble(i) : std::numeric_limits<double>::quiet_NaN();
  }
  template <class Int>
  void integer(const std::string& n, Int& v) {
    const int i = field_index(f, n);
    v = present(i) ? static_cast<Int>(f.GetFieldAsInteger64(i)) : Int{};
  }
  void boolean(const std::string& n, bool& v) {
    const int i = field_index(f, n);
    v = present(i) && f.GetFieldAsInteger(i) != 0;
  }
  void date(const std::string& n, std::string& v) {
    const int i = field_index(f, n);
    v.clear();
    int y = 0, m = 0, d = 0, hh = 0, mm = 0, tz = 0;
    float ss = 0;
    if (present(i) && f.GetFieldAsDateTime(i, &y, &m, &d, &hh, &mm, &ss, &tz)) {
      char buffer[16];
      std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", y, m, d);
      v = buffer;
    }
  }
  template <class Enum>
  void named(const std::string& n, Enum& v) {
    std::string stored;
    text(n, stored);
    v = parse_stored<Enum>(stored, {store, table, n});
  }
  template <class Enum>
  void named(const std::string& n, std::optional<Enum>& v) {
    std::string stored;
    text(n, stored);
    v.reset();
    if (!stored.empty()) v = parse_stored<Enum>(stored, {store, table, n});
  }
};

template <class V>
void visit(V& v, StoredScan& s) {
  v.text("scan_id", s.scan_id);
  v.integer("seq", s.seq);
  v.text("name", s.name);
  v.text("ingested_utc", s.ingested_utc);
  v.text("program_version", s.program_version);
  v.text("before_path", s.before.path);
  v.date("before_date", s.before.date);
  v.text("before_sensor", s.before.sensor);
  v.text("after_path", s.after.path);
  v.date("after_date", s.after.date);
  v.text("after_sensor", s.after.sensor);
  v.text("config_dir", s.config_dir);
  v.text("units_path", s.units_path);
  v.text("grid_crs_wkt", s.grid_crs_wkt);
  v.real("grid_resolution", s.grid_resolution);
  v.text("output_dir", s.output_dir);
  v.boolean("outputs_written", s.outputs_written);
  v.integer("patches", s.patches);
  v.integer("new_hotspots", s.new_hotspots);
  v.integer("persisting", s.persisting);
  v.integer("expanded", s.expanded);
  v.integer("suppressed", s.suppressed);
  v.integer("reported", s.reported);
  v.integer("close_proposals", s.close_proposals);
  v.text("inputs_json", s.inputs_json);
  v.text("config_json", s.config_json);
}

template <class V>
void visit(V& v, StoredHotspot& h) {
  v.text("hotspot_id", h.id);
  v.named("status", h.status);
  v.text("status_since", h.status_since);
  v.text("unit_code", h.unit_code);
  v.text("unit_name", h.unit_name);
  v.named("unit_type", h.unit_type);
  v.text("region", h.region);
  v.named("change_type", h.change_type);
  v.named("last_change_type", h.last_change_type);
  v.named("severity", h.severity);
  v.text("rule", h.rule);
  v.real("area_m2", h.area_m2);
  v.real("first_area_m2", h.first_area_m2);
  v.real("last_area_m2", h.last_area_m2);
  v.text("first_scan", h.first_scan);
  v.text("last_scan", h.last_scan);
  v.date("first_seen", h.first_seen);
  v.date("last_seen", h.last_seen);
  v.integer("times_seen", h.times_seen);
  v.real("lon_wgs84", h.lon_wgs84);
  v.real("lat_wgs84", h.lat_wgs84);
  v.real("lon_cgcs2000", h.lon_cgcs2000);
  v.real("lat_cgcs2000", h.lat_cgcs2000);
  v.real("baseline_greenness", h.baseline_greenness);
  v.real("last_greenness", h.last_greenness);
  v.integer("recovered_scans", h.recovered_scans);
  v.boolean("close_proposed", h.close_proposed);
  v.text("close_reason", h.close_reason);
  v.named("verdict", h.verdict);
  v.date("verdict_date", h.verdict_date);
  v.text("inspector", h.inspector);
  v.text("verdict_note", h.verdict_note);
  v.text("approval", h.approval);
  v.integer("rectification_days", h.rectification_days);
  v.date("rectification_due", h.rectification_due);
  v.text("related_hotspot", h.related_hotspot);
}

template <class V>
void visit(V& v, StoredObservation& o) {
  v.text("scan_id", o.scan_id);
  v.text("patch_key", o.patch_key);
  v.text("hotspot_id", o.hotspot_id);
  v.named("event", o.event);
  v.named("status", o.status);
  v.boolean("reported", o.reported);
  v.integer("times_seen", o.times_seen);
  v.named("change_type", o.change_type);
  v.named("severity", o.severity);
  v.date("after_date", o.after_date);
  v.real("area_m2", o.area_m2);
  v.real("added_area_m2", o.added_area_m2);
  v.integer("pixel_count", o.pixel_count);
  v.real("greenness_before", o.greenness_before);
  v.real("greenness_after", o.greenness_after);
  v.real("magnitude", o.magnitude);
  v.text("detail", o.detail);
}

template <class V>
void visit(V& v, StoredEvent& e) {
  v.text("hotspot_id", e.hotspot_id);
  v.text("at_utc", e.at_utc);
  v.named("source", e.source);
  v.text("ref", e.ref);
  v.named("from_status", e.from_status);
  v.named("to_status", e.to_status);
  v.text("detail", e.detail);
}

template <class V>
void visit(V& v, StoredVerdict& r) {
  v.text("import_id", r.import_id);
  v.text("file", r.file);
  v.integer("row", r.row);
  v.text("hotspot_id", r.hotspot_id);
  v.named("verdict", r.verdict);
  v.date("verdict_date", r.verdict_date);
  v.text("inspector", r.inspector);
  v.text("note", r.note);
  v.text("approval", r.approval);
  v.named("from_status", r.from_status);
  v.named("to_status", r.to_status);
  v.text("imported_utc", r.imported_utc);
}

template <class V>
void visit(V& v, StoredDispatch& d) {
  v.text("dispatch_id", d.dispatch_id);
  v.text("at_utc", d.at_utc);
  v.text("region", d.region);
  v.text("out_dir", d.out_dir);
  v.integer("hotspot_count", d.hotspot_count);
  v.text("hotspot_ids", d.hotspot_ids);
}

template <class V>
void visit(V& v, PrecisionRow& p) {
  v.text("dimension", p.dimension);
  v.text("key", p.key);
  v.integer("verified", p.verified);
  v.integer("confirmed", p.confirmed);
  v.integer("false_alarm", p.false_alarm);
  v.integer("legal", p.legal);
  v.real("alert_precision", p.alert_precision);
  v.real("change_precision", p.change_precision);
}

/// A control unit's statistics in one scan (written only).
struct UnitStatsRow {
  std::string scan_id, code, name;
  UnitType type = UnitType::general;
  std::string region;
  double area_m2 = 0, valid_area_m2 = 0, valid_share = 0, changed_area_m2 = 0, changed_share = 0;
  std::array<double, kernels::kChangeTypeCount> changed_by_type{};
  double greenness_before = 0, greenness_after = 0, greenness_change = 0;
  int hotspot_count = 0;
  bool assessable = false, flagged = false;
  std::string flag_reasons;
};

template <class V>
void visit(V& v, UnitStatsRow& u) {
  v.text("scan_id", u.scan_id);
  v.text("unit_code", u.code);
  v.text("unit_name", u.name);
  v.named("unit_type", u.type);
  v.text("region", u.region);
  v.real("area_m2", u.area_m2);
  v.real("valid_area_m2", u.valid_area_m2);
  v.real("valid_share", u.valid_share);
  v.real("changed_area_m2", u.changed_area_m2);
  for (int t = 0; t < kernels::kChangeTypeCount; ++t) {
    const auto type = static_cast<kernels::ChangeType>(t);
    if (!kernels::is_change(type)) continue;
    v.real("changed_" + std::string(kernels::to_string(type)) + "_m2", u.changed_by_type[static_cast<std::size_t>(t)]);
  }
  v.real("changed_share", u.changed_share);
  v.real("greenness_before", u.greenness_before);
  v.real("greenness_after", u.greenness_after);
  v.real("greenness_change", u.greenness_change);
  v.integer("hotspot_count", u.hotspot_count);
  v.boolean("assessable", u.assessable);
  v.boolean("flagged", u.flagged);
  v.text("flag_reasons", u.flag_reasons);
}

struct MetaRow {
  std::string key, value;
};
template <class V>
void visit(V& v, MetaRow& m) {
  v.text("key", m.key);
  v.text("value", m.value);
}

struct ImportRow {
  std::string import_id, file, imported_utc;
  int rows = 0, applied = 0;
};
template <class V>
void visit(V& v, ImportRow& r) {
  v.text("import_id", r.import_id);
  v.text("file", r.file);
  v.text("imported_utc", r.imported_utc);
  v.integer("rows", r.rows);
  v.integer("applied", r.applied);
}

template <class Row>
std::vector<FieldSpec> fields_of() {
  Row row{};
  SchemaVisitor schema;
  visit(schema, row);
  return schema.fields;
}

}  // namespace zw::monitoring_detail

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

namespace zw {
namespace fs = std::filesystem;

void crash_point(std::string_view point) {
  static const char* const requested = std::getenv("ZONEWATCH_CRASH_POINT");
  if (requested != nullptr && point == requested) {
    ::kill(::getpid(), SIGKILL);
    ::pause();  // SIGKILL cannot be caught; this is never reached
  }
}

namespace monitoring_detail {

StoreLock StoreLock::acquire(const fs::path& store, bool wait) {
  StoreLock lock;
  const fs::path path = store.string() + ".lock";
  lock.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock.fd_ < 0) {
    throw OutputError(path.string() + ": cannot create the store's lock file: " + std::strerror(errno));
  }
  if (::flock(lock.fd_, LOCK_EX | LOCK_NB) == 0) return lock;
  if (errno != EWOULDBLOCK || !wait) {
    lock.release();
    return lock;
  }
  logger("store")->info("{}: another zonewatch run is writing to the store; waiting for it", store.string());
  while (::flock(lock.fd_, LOCK_EX) != 0) {
    if (errno != EINTR) throw OutputError(path.string() + ": cannot lock: " + std::strerror(errno));
  }
  return lock;
}

StoreLock::StoreLock(StoreLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

StoreLock& StoreLock::operator=(StoreLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

StoreLock::~StoreLock() { release(); }

void StoreLock::release() {
  if (fd_ >= 0) ::close(fd_);  // closing drops the flock
  fd_ = -1;
}

}  // namespace monitoring_detail

namespace {

using monitoring_detail::StoreLock;

DatasetPtr open_gpkg(const fs::path& path, bool update) {
  const char* const drivers[] = {"GPKG", nullptr};
  take_gdal_error();
  GDALDatasetH handle = GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | (update ? GDAL_OF_UPDATE : GDAL_OF_READONLY), drivers,
                                   nullptr, nullptr);
  if (handle == nullptr) {
    throw InputError(path.string() + ": cannot be opened as a monitoring store (GeoPackage)" + gdal_error_suffix());
  }
  return DatasetPtr(GDALDataset::FromHandle(handle));
}

bool journal_left_behind(const fs::path& path) {
  std::error_code ec;
  for (const char* suffix : {"-journal", "-wal"}) {
    const fs::path journal = path.string() + suffix;
    if (fs::exists(journal, ec) && fs::file_size(journal, ec) > 0) return true;
  }
  return false;
}

}  // namespace

MonitoringStore::MonitoringStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MonitoringStore::MonitoringStore(MonitoringStore&&) noexcept = default;
MonitoringStore& MonitoringStore::operator=(MonitoringStore&&) noexcept = default;
MonitoringStore::~MonitoringStore() {
  if (impl_ && impl_->in_transaction && impl_->dataset) (void)impl_->dataset->RollbackTransaction();
  if (impl_) impl_->dataset.reset();  // close before the lock goes
}

bool MonitoringStore::exists(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

const fs::path& MonitoringStore::path() const { return impl_->path; }
const std::string& MonitoringStore::crs_wkt() const { return impl_->crs_wkt; }
double MonitoringStore::metres_per_unit() const { return impl_->metres_per_unit; }

MonitoringStore MonitoringStore::open(const fs::path& path, Mode mode) {
  init_gdal();
  if (!exists(path)) throw InputError(path.string() + ": monitoring store not found");
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->mode = mode;
  if (mode == Mode::write) {
    impl->lock = StoreLock::acquire(path, /*wait=*/true);
  } else if (journal_left_behind(path)) {
    // A writer was killed mid-transaction: SQLite rolls its journal back on the first
    // read-write access, which a read-only connection cannot do. Do it now, unless a live
    // writer holds the lock (then the journal is its own and not left behind).
    StoreLock recovery = StoreLock::acquire(path, /*wait=*/false);
    if (recovery.held()) {
      DatasetPtr ds = open_gpkg(path, /*update=*/true);
      if (OGRLayer* meta = ds->GetLayerByName("store_meta"); meta != nullptr) (void)meta->GetFeatureCount(TRUE);
      ds.reset();
      logger("store")->info("{}: rolled back a transaction left by a killed run", path.string());
    }
  }
  impl->dataset = open_gpkg(path, mode == Mode::write);
  impl->load_meta();
  return MonitoringStore(std::move(impl));
}

void MonitoringStore::remove_stale_temporaries(const fs::path& path) {
  (void)AtomicFile::remove_stale_temporaries(path);
}

MonitoringStore MonitoringStore::open_or_create(const fs::path& path, const std::string& crs_wkt) {
  init_gdal();
  auto log = logger("store");
  {
    std::error_code ec;
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
    if (ec) throw OutputError(path.parent_path().string() + ": cannot create the store's folder: " + ec.message());
  }
  StoreLock lock = StoreLock::acquire(path, /*wait=*/true);
  if (!exists(path)) {
    remove_stale_temporaries(path);
    if (crs_wkt.empty()) throw InternalError(path.string() + ": a new store needs a CRS");
    // Built complete under a temporary name, then renamed into place: a killed creation
    // leaves no store at all rather than half a schema.
    AtomicFile file(path, "the new store");
    monitoring_detail::create_store_file(file.temporary(), path, crs_wkt);
    crash_point("store.create");
    file.commit();
    log->info("{}: created monitoring store", path.string());
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->mode = Mode::write;
  impl->lock = std::move(lock);
  impl->dataset = open_gpkg(path, /*update=*/true);
  impl->load_meta();
  return MonitoringStore(std::move(impl));
}

// ---------------------------------------------------------------------------------------

std::string choose_store_crs(const std::string& grid_crs_wkt, double lon_wgs84, double lat_wgs84) {
  if (grid_crs_wkt.empty()) {
    throw InputError("store: the scenes have no georeferencing; a monitoring store needs map coordinates");
  }
  OGRSpatialReference grid = geo::srs_from_wkt(grid_crs_wkt, "grid");
  if (grid.IsProjected()) return grid_crs_wkt;
  // Geographic grid: distances and areas need metres, so the store takes the UTM zone.
  const int zone = std::clamp(static_cast<int>(std::floor((lon_wgs84 + 180.0) / 6.0)) + 1, 1, 60);
  OGRSpatialReference utm;
  utm.importFromEPSG((lat_wgs84 >= 0 ? 32600 : 32700) + zone);
  char* wkt = nullptr;
  utm.exportToWkt(&wkt);
  std::string out = wkt != nullptr ? wkt : "";
  CPLFree(wkt);
  return out;
}

std::string scan_identity(const nlohmann::json& inputs, const nlohmann::json& resolved_config) {
  nlohmann::json config = resolved_config;
  // Where results go and how they are computed do not change what they are.
  for (const char* key : {"name", "output", "processing"}) config.erase(key);
  if (config.contains("store")) {
    config["store"].erase("path");
    config["store"].erase("since_last");
  }
  for (const char* scene : {"before", "after"}) {
    if (config.contains(scene)) config[scene].erase("path");
  }
  if (config.contains("units")) config["units"].erase("path");
  if (config.contains("store") && config["store"].contains("approved_projects")) {
    config["store"]["approved_projects"].erase("path");
  }
  // Inputs by content only: their SHA-256, not their paths.
  nlohmann::json content = nlohmann::json::object();
  for (const auto& [key, value] : inputs.items()) {
    nlohmann::json hashes = nlohmann::json::array();
    if (value.contains("files")) {
      for (const auto& file : value["files"]) hashes.push_back(file.value("sha256", ""));
    } else {
      hashes.push_back(value.value("sha256", ""));
    }
    content[key] = hashes;
  }
  return sha256_hex(nlohmann::json{{"inputs", content}, {"config", config}}.dump());
}

}  // namespace zw

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
