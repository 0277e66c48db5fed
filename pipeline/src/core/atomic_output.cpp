#include "zonewatch/pipeline/core/atomic_output.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <system_error>
#include <utility>

#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;

using Clock = std::chrono::system_clock;

/// When this process started, from /proc (boot time + start ticks). Falls back to the
/// first call, which precedes every staging folder this process creates.
Clock::time_point process_start_time() {
  static const Clock::time_point start = [] {
    const Clock::time_point first_call = Clock::now();
    std::ifstream self_stat("/proc/self/stat");
    std::string line;
    if (!std::getline(self_stat, line)) return first_call;
    // The command name (field 2) may hold spaces and parentheses; fields after it don't.
    const auto name_end = line.rfind(')');
    if (name_end == std::string::npos) return first_call;
    std::istringstream fields(line.substr(name_end + 1));
    std::string field;
    constexpr int kStartTimeField = 22, kFirstFieldAfterName = 3;
    for (int i = kFirstFieldAfterName; i <= kStartTimeField; ++i) {
      if (!(fields >> field)) return first_call;
    }
    unsigned long long start_ticks = 0;
    if (std::from_chars(field.data(), field.data() + field.size(), start_ticks).ec != std::errc{}) {
      return first_call;
    }
    std::ifstream system_stat("/proc/stat");
    long long boot_seconds = -1;
    while (std::getline(system_stat, line)) {
      if (line.starts_with("btime ")) boot_seconds = std::stoll(line.substr(6));
    }
    const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
    if (boot_seconds < 0 || ticks_per_second <= 0) return first_call;
    // btime is truncated to whole seconds, so this errs early: never after the real start.
    const auto since_boot = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(static_cast<double>(start_ticks) / static_cast<double>(ticks_per_second)));
    return Clock::time_point(std::chrono::seconds(boot_seconds)) + since_boot;
  }();
  return start;
}

bool process_running(long long pid) {
  if (pid <= 0 || pid > std::numeric_limits<pid_t>::max()) return false;
  // EPERM: it exists but belongs to someone else.
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

/// Removes a file and the "-journal" sidecar SQLite (GeoPackage) may leave beside it.
void remove_with_journal(const fs::path& path) {
  std::error_code ignored;
  fs::remove(path, ignored);
  fs::remove(path.string() + "-journal", ignored);
}

std::string random_hex_suffix() {
  std::random_device device;
  const std::uint64_t bits = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  char text[17]{};
  const auto result = std::to_chars(text, text + 16, bits & 0xFFFF'FFFF'FFFFull, 16);
  return std::string(text, result.ptr);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// AtomicFile

AtomicFile::AtomicFile(std::filesystem::path target, std::string what)
    : target_(std::move(target)), what_(std::move(what)) {
  const fs::path folder = target_.has_parent_path() ? target_.parent_path() : fs::path(".");
  temporary_ = folder / ("." + target_.filename().string() + std::string(kTemporaryInfix) +
                         std::to_string(static_cast<long long>(::getpid())) + "-" + random_hex_suffix());
}

AtomicFile::~AtomicFile() {
  if (!committed_) remove_with_journal(temporary_);  // a destructor must not throw
}

void AtomicFile::commit() {
  if (committed_) throw InternalError(target_.string() + ": commit() called twice");
  std::error_code error;
  fs::rename(temporary_, target_, error);
  if (error) throw OutputError(target_.string() + ": cannot move " + what_ + " into place: " + error.message());
  committed_ = true;
}

std::size_t AtomicFile::remove_stale_temporaries(const std::filesystem::path& target) {
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string prefix = "." + target.filename().string() + std::string(kTemporaryInfix);
  const long long own_pid = ::getpid();
  std::vector<fs::path> stale;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const char* first = name.data() + prefix.size();
    long long pid = 0;
    if (std::from_chars(first, name.data() + name.size(), pid).ec != std::errc{}) continue;
    if (pid != own_pid && process_running(pid)) continue;  // another run is writing it now
    stale.push_back(it->path());
  }
  for (const fs::path& path : stale) remove_with_journal(path);
  return stale.size();
}

// ---------------------------------------------------------------------------------------
// OutputStaging

namespace {

/// Finishes the commit of a run killed while renaming its staged files: what is still
/// staged goes onto its final name, so the folder holds that run's complete set.
void roll_forward(const fs::path& staging_dir, const fs::path& final_dir) {
  std::error_code error;
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(staging_dir, error), end; !error && it != end; it.increment(error)) {
    if (it->path().filename() != OutputStaging::kCommitMarker) entries.push_back(it->path());
  }
  std::sort(entries.begin(), entries.end());
  for (const fs::path& entry : entries) {
    std::error_code ignored;  // best effort, like the sweep it belongs to
    fs::rename(entry, final_dir / entry.filename(), ignored);
  }
}

}  // namespace

OutputStaging::OutputStaging(std::filesystem::path final_dir) {
  std::error_code error;
  final_dir_ = fs::absolute(final_dir, error);
  if (error) final_dir_ = std::move(final_dir);
  const std::string where = final_dir_.string() + ": ";

  fs::create_directories(final_dir_, error);
  if (error) throw OutputError(where + "cannot create output folder: " + error.message());
  if (!fs::is_directory(final_dir_, error)) throw OutputError(where + "output path is not a folder");

  remove_stale_staging_folders(final_dir_);

  const std::string name_prefix =
      std::string(kStagingPrefix) + std::to_string(static_cast<long long>(::getpid())) + "-";
  constexpr int kMaxAttempts = 16;  // a collision of 48 random bits is already unlikely
  for (int attempt = 0; attempt < kMaxAttempts && staging_dir_.empty(); ++attempt) {
    const fs::path candidate = final_dir_ / (name_prefix + random_hex_suffix());
    if (fs::create_directory(candidate, error)) {
      staging_dir_ = candidate;
    } else if (error) {
      throw OutputError(where + "cannot create staging folder (is the folder writable?): " + error.message());
    }
  }
  if (staging_dir_.empty()) throw OutputError(where + "cannot find a free staging folder name");
}

OutputStaging::~OutputStaging() {
  if (staging_dir_.empty()) return;
  std::error_code ignored;  // a destructor must not throw; a leftover is swept next run
  fs::remove_all(staging_dir_, ignored);
}

std::filesystem::path OutputStaging::staged(std::string file_name) {
  const fs::path name_path(file_name);
  if (committed_) {
    throw InternalError(staging_dir_.string() + ": staged(\"" + file_name + "\") after commit()");
  }
  if (file_name.empty() || file_name == "." || file_name == ".." || name_path.filename() != name_path) {
    throw InternalError(staging_dir_.string() + ": staged file name \"" + file_name + "\" must be a bare file name");
  }
  if (std::find(staged_names_.begin(), staged_names_.end(), file_name) == staged_names_.end()) {
    staged_names_.push_back(file_name);
  }
  return staging_dir_ / name_path;
}

void OutputStaging::commit() {
  if (committed_) throw InternalError(staging_dir_.string() + ": commit() called twice");
  std::error_code error;

  // Check everything before moving anything, so a failed commit leaves the folder as it was.
  for (const std::string& name : staged_names_) {
    if (!fs::exists(staging_dir_ / name, error)) {
      throw OutputError((final_dir_ / name).string() + ": output was never written");
    }
  }
  // Every entry, not only the names handed out: some drivers write sidecar files
  // (a shapefile's .dbf/.shx/.prj) next to the file they were given.
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(staging_dir_, error), end; !error && it != end; it.increment(error)) {
    entries.push_back(it->path());
  }
  if (error) {
    throw OutputError(staging_dir_.string() + ": cannot list staging folder: " + error.message());
  }
  std::sort(entries.begin(), entries.end());

  // From here the set is decided: the marker tells the next run in this folder to finish
  // the renames should this process die between two of them (roll forward, never a mix
  // of two runs' files left behind for good).
  const fs::path marker = staging_dir_ / std::string(kCommitMarker);
  {
    std::ofstream(marker).put('\n');
    if (!fs::exists(marker, error)) {
      throw OutputError(staging_dir_.string() + ": cannot write the commit marker (disk full?)");
    }
  }
  for (const fs::path& entry : entries) {
    const fs::path target = final_dir_ / entry.filename();
    fs::rename(entry, target, error);
    if (error) {
      throw OutputError(target.string() + ": cannot move staged output into place: " + error.message());
    }
  }
  committed_ = true;
  // The outputs are in place; failing to remove the now empty folder must not fail the run.
  fs::remove_all(staging_dir_, error);
}

std::size_t OutputStaging::remove_stale_staging_folders(const std::filesystem::path& final_dir) {
  const Clock::time_point process_start = process_start_time();
  const long long own_pid = ::getpid();
  std::vector<fs::path> stale;
  std::error_code error;
  for (fs::directory_iterator it(final_dir, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(kStagingPrefix)) continue;
    const std::string_view rest = std::string_view(name).substr(kStagingPrefix.size());
    long long pid = 0;
    const auto parsed = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    if (parsed.ec != std::errc{} || parsed.ptr == rest.data() + rest.size() || *parsed.ptr != '-') {
      continue;  // not a name we make
    }
    struct stat info {};
    if (::lstat(it->path().c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) continue;
    const Clock::time_point modified = Clock::time_point(std::chrono::duration_cast<Clock::duration>(
        std::chrono::seconds(info.st_mtim.tv_sec) + std::chrono::nanoseconds(info.st_mtim.tv_nsec)));
    if (modified >= process_start) continue;  // made by this process or a younger one
    // A live owner is another run writing to the same folder right now. Our own pid on an
    // old folder means the pid was reused (a container restarts at the same pid).
    if (pid != own_pid && process_running(pid)) continue;
    stale.push_back(it->path());
  }
  std::size_t removed = 0;
  for (const fs::path& folder : stale) {
    std::error_code ignored;
    if (fs::exists(folder / std::string(kCommitMarker), ignored)) roll_forward(folder, final_dir);
    if (fs::remove_all(folder, ignored) != static_cast<std::uintmax_t>(-1) && !ignored) ++removed;
  }
  return removed;
}

}  // namespace zw
