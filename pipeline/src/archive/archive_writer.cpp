// Writing one year into the assessment archive: clone the archive beside itself, write the
// year into the clone tile by tile, close, sync and rename it over the archive
// (core/atomic_output.hpp), so a killed run never leaves a half-written archive in place.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>

#include "archive_layout.hpp"
#include "zonewatch/pipeline/archive/archive_file.hpp"
#include "zonewatch/pipeline/core/atomic_output.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;
using archive_detail::H5Context;
using archive_detail::H5Id;

constexpr int kDeflateLevel = 4;                        // most of level 9's gain at a fraction of its time
constexpr std::size_t kMaxChunkCacheBytes = 64u << 20;  // per raster, however wide the grid
constexpr std::size_t kChunkCacheSlots = 12421;         // a prime well above the chunks the cache holds
constexpr double kIndexToStored = 10000.0;              // 1 / kArchiveIndexScale, exact

std::string errno_text() { return std::strerror(errno); }

/// Exclusive lock on "<archive>.lock" for one writer's whole life (released by the kernel
/// when a writer is killed): two writers would each clone the same archive and the later
/// rename would drop the other's year.
class ArchiveLock {
 public:
  explicit ArchiveLock(const fs::path& archive) {
    const std::string path = archive.string() + ".lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw OutputError(path + ": cannot create the archive's lock file: " + errno_text());
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
    logger("archive")->info("{}: another zonewatch run is writing the archive; waiting for it", archive.string());
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        const std::string reason = errno_text();
        ::close(fd_);
        throw OutputError(path + ": cannot lock: " + reason);
      }
    }
  }
  ~ArchiveLock() { ::close(fd_); }
  ArchiveLock(const ArchiveLock&) = delete;
  ArchiveLock& operator=(const ArchiveLock&) = delete;

 private:
  int fd_ = -1;
};

/// A file descriptor closed on scope exit.
struct Fd {
  int fd = -1;
  explicit Fd(int value) : fd(value) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

/// Copies `from` to the new file `to`: a reflink clone where the file system shares extents
/// (instant, no space), else copy_file_range, else read/write. The old years' bytes are
/// copied as they are, never decoded.
void clone_or_copy(const fs::path& from, const fs::path& to, const std::string& archive) {
  const Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) throw OutputError(archive + ": cannot read the archive to add a year: " + errno_text());
  struct stat info {};
  if (::fstat(in.fd, &info) != 0) throw OutputError(archive + ": cannot read the archive's size: " + errno_text());
  const Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, info.st_mode & 0777));
  if (out.fd < 0) throw OutputError(to.string() + ": cannot create the archive's working copy: " + errno_text());
  if (::ioctl(out.fd, FICLONE, in.fd) == 0) {
    logger("archive")->debug("{}: cloned (reflink) to {}", archive, to.string());
    return;
  }
  const auto fail = [&] { throw OutputError(to.string() + ": cannot copy the archive: " + errno_text()); };
  off_t copied = 0;
  bool plain = false;
  while (copied < info.st_size && !plain) {
    const ssize_t n =
        ::copy_file_range(in.fd, nullptr, out.fd, nullptr, static_cast<std::size_t>(info.st_size - copied), 0);
    if (n > 0) {
      copied += n;
    } else if (n == 0) {
      break;
    } else if (copied == 0 && (errno == ENOSYS || errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP)) {
      plain = true;
    } else if (errno != EINTR) {
      fail();
    }
  }
  if (plain) {
    std::vector<char> buffer(1u << 20);
    for (;;) {
      const ssize_t n = ::read(in.fd, buffer.data(), buffer.size());
      if (n == 0) break;
      if (n < 0) {
        if (errno == EINTR) continue;
        fail();
      }
      for (ssize_t done = 0; done < n;) {
        const ssize_t w = ::write(out.fd, buffer.data() + done, static_cast<std::size_t>(n - done));
        if (w < 0 && errno != EINTR) fail();
        if (w > 0) done += w;
      }
    }
  }
  logger("archive")->debug("{}: copied to {}", archive, to.string());
}

void sync_path(const fs::path& path, int flags, const std::string& what) {
  const Fd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (fd.fd < 0 || ::fsync(fd.fd) != 0)
    throw OutputError(path.string() + ": cannot sync " + what + ": " + errno_text());
}

std::int16_t encode_index(float value) {
  if (std::isnan(value)) return kArchiveIndexFill;
  const double stored = std::round(static_cast<double>(value) * kIndexToStored);
  return static_cast<std::int16_t>(std::clamp(stored, -32767.0, 32767.0));
}

void check_raster_specs(const std::vector<ArchiveRasterSpec>& rasters, const std::string& where) {
  for (std::size_t i = 0; i < rasters.size(); ++i) {
    const ArchiveRasterSpec& spec = rasters[i];
    if (spec.name.empty() || spec.name.find_first_of("/.") != std::string::npos) {
      throw InternalError(where + "raster name \"" + spec.name + "\" must be non-empty without '/' or '.'");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (rasters[j].name == spec.name) throw InternalError(where + "raster " + spec.name + " given twice");
    }
    const bool classes = spec.kind == ArchiveRasterKind::classes;
    if (classes && (spec.flag_values.size() != spec.flag_meanings.size() ||
                    std::count(spec.flag_values.begin(), spec.flag_values.end(), kArchiveClassFill) > 0)) {
      throw InternalError(where + "raster " + spec.name + ": one flag meaning per class value, 255 is no data");
    }
  }
}

}  // namespace

struct ArchiveYearWriter::State {
  // Destroyed bottom-up: the HDF5 handles close, then the uncommitted working copy is
  // removed, then the lock is released.
  fs::path archive;
  ArchiveLock lock;
  AtomicFile working_copy;
  H5Context context;
  ArchiveGrid grid;
  std::vector<std::string> unit_codes;
  int year = 0;
  std::string year_name;  // "year 2021" in messages
  std::optional<std::vector<UnitYearIndicators>> indicators;
  bool committed = false;

  struct Raster {
    ArchiveRasterSpec spec;
    H5Id dataset;
    long long written_pixels = 0;
  };
  H5Id file, year_group;
  std::map<std::string, Raster, std::less<>> rasters;
  std::vector<std::int16_t> encoded;  // one tile, reused

  explicit State(fs::path path)
      : archive(std::move(path)),
        lock(archive),
        working_copy(archive, "the archive"),
        context(archive.string(), H5Context::Mode::writing) {}

  /// Opens a clone of the existing archive, or creates a new one, ready for `year_info`.
  void open_working_copy(const ArchiveContents& header) {
    std::error_code error;
    if (fs::exists(archive, error)) {
      ArchiveContents archived;
      {
        const H5Context read_context(archive.string(), H5Context::Mode::reading);
        const H5Id existing = archive_detail::open_archive(read_context, archive, false);
        archived = archive_detail::read_header(read_context, existing.get());
      }
      const std::string difference = archive_detail::header_difference(archived, header);
      if (!difference.empty()) throw InputError(archive.string() + ": cannot add " + year_name + ": " + difference);
      clone_or_copy(archive, working_copy.temporary(), archive.string());
      const H5Id access = archive_detail::archive_access_properties(context);
      file = context.own(H5Fopen(working_copy.temporary().c_str(), H5F_ACC_RDWR, access.get()), H5Fclose,
                         "open the archive's working copy");
      if (archived.calibration.reference_year == 0 && header.calibration.reference_year != 0) {
        archive_detail::write_calibration(context, file.get(), header.calibration);
      }
      return;
    }
    const H5Id creation = context.own(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "create file creation properties");
    // Free space is tracked in the file, so replacing a year reuses the old year's space.
    context.check_status(H5Pset_file_space_strategy(creation.get(), H5F_FSPACE_STRATEGY_FSM_AGGR, 1, 1),
                         "set the file space strategy");
    const H5Id access = archive_detail::archive_access_properties(context);
    file = context.own(H5Fcreate(working_copy.temporary().c_str(), H5F_ACC_EXCL, creation.get(), access.get()),
                       H5Fclose, "create the archive");
    archive_detail::write_header(context, file.get(), header);
  }

  void create_raster(const ArchiveRasterSpec& spec, hid_t rasters_group) {
    const bool classes = spec.kind == ArchiveRasterKind::classes;
    const hid_t file_type = classes ? H5T_STD_U8LE : H5T_STD_I16LE;
    const std::string what = "raster " + spec.name + " of " + year_name;
    const hsize_t dims[2] = {static_cast<hsize_t>(grid.height), static_cast<hsize_t>(grid.width)};
    const hsize_t chunk[2] = {std::min<hsize_t>(kArchiveChunkSide, dims[0]),
                              std::min<hsize_t>(kArchiveChunkSide, dims[1])};
    const H5Id space = context.own(H5Screate_simple(2, dims, nullptr), H5Sclose, "create a dataspace");
    const H5Id creation = context.own(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "create dataset properties");
    const hid_t dcpl = creation.get();
    context.check_status(H5Pset_chunk(dcpl, 2, chunk), "set the chunks of " + what);
    context.check_status(H5Pset_shuffle(dcpl), "set the shuffle filter of " + what);
    context.check_status(H5Pset_deflate(dcpl, kDeflateLevel), "set the deflate filter of " + what);
    const std::int16_t index_fill = kArchiveIndexFill;
    const std::uint8_t class_fill = kArchiveClassFill;
    context.check_status(H5Pset_fill_value(dcpl, classes ? H5T_NATIVE_UINT8 : H5T_NATIVE_INT16,
                                           classes ? static_cast<const void*>(&class_fill) : &index_fill),
                         "set the fill value of " + what);
    // The cache holds two rows of chunks, so tiles in row order complete each chunk in memory.
    const std::size_t chunk_bytes = chunk[0] * chunk[1] * (classes ? 1 : 2);
    const std::size_t across = (dims[1] + chunk[1] - 1) / chunk[1];
    const std::size_t cache_bytes =
        std::min(kMaxChunkCacheBytes, std::max<std::size_t>(2 * across * chunk_bytes, 1u << 20));
    const H5Id access = context.own(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose, "create dataset access properties");
    context.check_status(H5Pset_chunk_cache(access.get(), kChunkCacheSlots, cache_bytes, 1.0), "size the chunk cache");
    H5Id dataset = context.own(
        H5Dcreate2(rasters_group, spec.name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl, access.get()), H5Dclose,
        "create " + what);
    const hid_t d = dataset.get();
    if (classes) {
      write_integer_attribute(context, d, "_FillValue", kArchiveClassFill, H5T_STD_U8LE);
      std::vector<std::int64_t> values(spec.flag_values.begin(), spec.flag_values.end());
      write_integer_attribute(context, d, "flag_values", std::span<const std::int64_t>(values), H5T_STD_U8LE);
      std::string meanings;
      for (const std::string& meaning : spec.flag_meanings) meanings += (meanings.empty() ? "" : " ") + meaning;
      write_attribute(context, d, "flag_meanings", meanings);
    } else {
      write_attribute(context, d, "scale_factor", kArchiveIndexScale);
      write_attribute(context, d, "add_offset", 0.0);
      write_integer_attribute(context, d, "_FillValue", kArchiveIndexFill, H5T_STD_I16LE);
    }
    write_attribute(context, d, "long_name", spec.long_name);
    if (!spec.units.empty()) write_attribute(context, d, "units", spec.units);
    rasters.emplace(spec.name, Raster{spec, std::move(dataset), 0});
  }

  Raster& raster_for(std::string_view name, ArchiveRasterKind kind, kernels::Window window, int width, int height) {
    const auto it = rasters.find(name);
    const std::string where = archive.string() + ": " + year_name + ": ";
    if (committed) throw InternalError(where + "write_tile() after commit()");
    if (it == rasters.end()) throw InternalError(where + "raster " + std::string(name) + " was not declared");
    if (it->second.spec.kind != kind)
      throw InternalError(where + "raster " + std::string(name) + " written with the wrong type");
    if (window.empty() || window.x0 < 0 || window.y0 < 0 || window.x1() > grid.width || window.y1() > grid.height ||
        width != window.width || height != window.height) {
      throw InternalError(where + "tile of raster " + std::string(name) + " does not fit its window on the grid");
    }
    return it->second;
  }

  void write_window(Raster& raster, kernels::Window window, hid_t memory_type, const void* data) {
    const std::string what = "write raster " + raster.spec.name + " of " + year_name;
    const H5Id file_space = context.own(H5Dget_space(raster.dataset.get()), H5Sclose, what);
    const hsize_t start[2] = {static_cast<hsize_t>(window.y0), static_cast<hsize_t>(window.x0)};
    const hsize_t count[2] = {static_cast<hsize_t>(window.height), static_cast<hsize_t>(window.width)};
    context.check_status(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr), what);
    const H5Id memory_space = context.own(H5Screate_simple(2, count, nullptr), H5Sclose, what);
    context.check_status(
        H5Dwrite(raster.dataset.get(), memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, data), what);
    raster.written_pixels += window.pixel_count();
  }
};

ArchiveYearWriter::ArchiveYearWriter(fs::path archive, const ArchiveContents& header, ArchiveYearInfo year,
                                     std::vector<ArchiveRasterSpec> rasters) {
  const std::string where = archive.string() + ": year " + std::to_string(year.year) + ": ";
  if (year.year < 1 || year.year > 9999) throw InternalError(where + "the year must be 1..9999");
  if (header.grid.width <= 0 || header.grid.height <= 0) throw InternalError(where + "the grid is empty");
  check_raster_specs(rasters, where);
  if (year.created_utc.empty()) year.created_utc = now_utc();

  // Stale working copies of killed writers go first (under the lock: none is in use then).
  auto state = std::make_unique<State>(std::move(archive));
  AtomicFile::remove_stale_temporaries(state->archive);
  state->grid = header.grid;
  for (const ArchivedUnit& unit : header.units) state->unit_codes.push_back(unit.code);
  state->year = year.year;
  state->year_name = "year " + std::to_string(year.year);
  state->open_working_copy(header);

  const H5Context& context = state->context;
  const H5Id years = archive_detail::open_group(context, state->file.get(), archive_detail::kYearsGroup);
  const std::string group_name = archive_detail::year_group_name(year.year);
  if (archive_detail::has_link(context, years.get(), group_name)) {
    logger("archive")->info("{}: replacing {}", state->archive.string(), state->year_name);
    context.check_status(H5Ldelete(years.get(), group_name.c_str(), H5P_DEFAULT), "remove the old " + state->year_name);
  }
  state->year_group = archive_detail::create_group(context, years.get(), group_name);
  archive_detail::write_year_info(context, state->year_group.get(), year);
  const H5Id rasters_group =
      archive_detail::create_group(context, state->year_group.get(), archive_detail::kRastersGroup);
  for (const ArchiveRasterSpec& spec : rasters) state->create_raster(spec, rasters_group.get());
  state_ = std::move(state);
}

ArchiveYearWriter::~ArchiveYearWriter() = default;

void ArchiveYearWriter::write_tile(std::string_view raster, kernels::Window window,
                                   kernels::ConstTileView<float> values) {
  archive_detail::silence_hdf5_errors();  // tiles may come from a worker thread
  State& state = *state_;
  State::Raster& target =
      state.raster_for(raster, ArchiveRasterKind::scaled_index, window, values.width, values.height);
  state.encoded.resize(static_cast<std::size_t>(window.pixel_count()));
  std::int16_t* out = state.encoded.data();
  for (int y = 0; y < values.height; ++y) {
    const float* row = values.row(y);
    for (int x = 0; x < values.width; ++x) *out++ = encode_index(row[x]);
  }
  state.write_window(target, window, H5T_NATIVE_INT16, state.encoded.data());
}

void ArchiveYearWriter::write_tile(std::string_view raster, kernels::Window window,
                                   kernels::ConstTileView<std::uint8_t> classes) {
  archive_detail::silence_hdf5_errors();  // tiles may come from a worker thread
  State& state = *state_;
  State::Raster& target = state.raster_for(raster, ArchiveRasterKind::classes, window, classes.width, classes.height);
  if (classes.stride == classes.width) {
    state.write_window(target, window, H5T_NATIVE_UINT8, classes.data);
    return;
  }
  std::vector<std::uint8_t> packed;
  packed.reserve(static_cast<std::size_t>(window.pixel_count()));
  for (int y = 0; y < classes.height; ++y) packed.insert(packed.end(), classes.row(y), classes.row(y) + classes.width);
  state.write_window(target, window, H5T_NATIVE_UINT8, packed.data());
}

void ArchiveYearWriter::set_indicators(std::vector<UnitYearIndicators> rows) {
  archive_detail::silence_hdf5_errors();  // tiles may come from a worker thread
  State& state = *state_;
  const std::string where = state.archive.string() + ": " + state.year_name + ": ";
  if (rows.size() != state.unit_codes.size()) {
    throw InternalError(where + std::to_string(rows.size()) + " indicator rows for " +
                        std::to_string(state.unit_codes.size()) + " units");
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].unit_code != state.unit_codes[i]) {
      throw InternalError(where + "indicator row " + std::to_string(i + 1) + " is for unit " + rows[i].unit_code +
                          ", expected " + state.unit_codes[i] + " (the units' order)");
    }
  }
  state.indicators = std::move(rows);
}

void ArchiveYearWriter::commit() {
  archive_detail::silence_hdf5_errors();  // tiles may come from a worker thread
  State& state = *state_;
  const std::string where = state.archive.string() + ": " + state.year_name + ": ";
  if (state.committed) throw InternalError(where + "commit() called twice");
  if (!state.indicators) throw InternalError(where + "commit() without set_indicators()");
  const long long grid_pixels = static_cast<long long>(state.grid.width) * state.grid.height;
  for (const auto& [name, raster] : state.rasters) {
    if (raster.written_pixels < grid_pixels) {
      logger("archive")->warn("{}raster {} was written for {} of {} pixels; the rest reads as no data", where, name,
                              raster.written_pixels, grid_pixels);
    }
  }
  archive_detail::write_indicators(state.context, state.year_group.get(), *state.indicators);
  state.rasters.clear();
  state.year_group.reset();
  state.context.check_status(state.file.close(), "close the archive's working copy");
  sync_path(state.working_copy.temporary(), O_RDONLY, "the archive's working copy");
  state.working_copy.commit();
  state.committed = true;
  // The rename is durable once the folder is synced; the archive is complete either way.
  try {
    const fs::path folder = state.archive.has_parent_path() ? state.archive.parent_path() : fs::path(".");
    sync_path(folder, O_RDONLY | O_DIRECTORY, "the archive's folder");
  } catch (const OutputError& error) {
    logger("archive")->warn("{}", error.what());
  }
}

}  // namespace zw
