#pragma once
// Shared by the fuzz targets (docs/FUZZING.md): quiet set-up, the input as text or as a file,
// and the one rule every target follows: zonewatch's own errors are expected rejections of
// bad input; anything else (std::out_of_range, yaml-cpp or GDAL exceptions, InternalError,
// ASan/UBSan reports) escapes and is a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <cpl_vsi.h>

#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw::fuzz {

/// Logging off (the parsers log what they skip), GDAL drivers registered, once per process.
inline void init() {
  static const bool done = [] {
    configure_logging("off", LogFormat::text);
    init_gdal();
    return true;
  }();
  (void)done;
}

inline std::string bytes(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Replaces the file at `path` in GDAL's in-memory file system (/vsimem/...) with `content`;
/// false when GDAL refuses the path.
inline bool try_write_vsimem(const std::string& path, std::string_view content) {
  VSILFILE* f = VSIFOpenL(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool written = content.empty() || VSIFWriteL(content.data(), 1, content.size(), f) == content.size();
  return VSIFCloseL(f) == 0 && written;
}

/// As try_write_vsimem, for paths the target chose: failing is a bug of the target.
inline void write_vsimem(const std::string& path, std::string_view content) {
  if (!try_write_vsimem(path, content)) std::abort();
}

/// A scratch folder of this process (for readers that take local paths only), removed at exit.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    const auto d = std::filesystem::temp_directory_path() / ("zonewatch-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(
          std::filesystem::temp_directory_path() / ("zonewatch-fuzz-" + std::to_string(::getpid())), ignored);
    });
    return d;
  }();
  return dir;
}

/// Writes `content` to `name` in the scratch folder and returns its path.
inline std::string write_scratch(const std::string& name, std::string_view content) {
  const auto path = scratch_dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) std::abort();
  return path.string();
}

/// `text` cut at every `separator` (empty pieces kept).
inline std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto at = text.find(separator, start);
    parts.emplace_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

/// Runs `parse`; zonewatch's errors for bad input are the expected outcome and are swallowed.
/// InternalError (a broken invariant) and every other exception escape: libFuzzer reports
/// them as a crash ("deadly signal" after std::terminate), the replayer names the input.
template <class F>
void expect_clean(F&& parse) {
  try {
    parse();
  } catch (const InternalError&) {
    throw;
  } catch (const Error&) {
  }
}

}  // namespace zw::fuzz
