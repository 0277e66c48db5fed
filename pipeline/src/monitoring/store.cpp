// The monitoring store's handle: opening (rolling back a killed writer's journal), the
// writers' lock, creating a new store under a temporary name, and the store's identity
// helpers (its CRS, a scan's ID). Schema, reading and writing: store_schema.cpp,
// store_queries.cpp, store_writes.cpp.
#include "zonewatch/pipeline/monitoring/store.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <cpl_conv.h>
#include <gdal_priv.h>

#include "store_impl.hpp"
#include "zonewatch/pipeline/core/atomic_output.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/core/sha256.hpp"

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
