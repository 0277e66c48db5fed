// End to end: how often a scan reads its inputs from disk, counted through a GDAL virtual file
// system that wraps the real files (/vsicount/ + the real path). Every input file is read once
// whole for the checksum run.json records, and its image blocks once more for decoding: the
// statistics pass, the classification tiles with their halos and the summary's quick-looks all
// take the same decoded blocks (the quick-looks once decoded the scenes a second time; this
// test fails on such a stage). The sample's GeoTIFFs are decoded by zonewatch's own block reader
// (gdal/tiff_blocks.hpp), which reads them through the same virtual file system, so its reads
// are counted too. At this size the block cache holds the statistics sample; on
// larger scenes the classification pass keeps the sample's blocks and the seams between tile
// rows cached (TilePlan::read_again): at 10980² each block is decoded once, at 21960² 2 % of
// them twice (docs/SCALING.md, counted there by libdeflate's calls).
#include <cpl_vsi.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "e2e_support.hpp"
#include "zonewatch/pipeline/commands/scan.hpp"
#include "zonewatch/pipeline/config/config.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

constexpr const char* kPrefix = "/vsicount/";

/// Bytes read per real path, through every handle.
struct ReadCounts {
  std::mutex mutex;
  std::map<std::string, std::uint64_t> bytes;
};
ReadCounts& read_counts() {
  static ReadCounts counts;
  return counts;
}

struct CountingHandle {
  VSILFILE* file;
  std::string path;
};

/// GDAL 3.6 hands the callbacks the name without the prefix; a name with it is taken too.
std::string real_path(const char* name) {
  const std::string n(name);
  return "/" + (n.starts_with(kPrefix) ? n.substr(std::strlen(kPrefix)) : n);
}

void* count_open(void*, const char* name, const char* access) {
  if (std::strpbrk(access, "wa+") != nullptr) return nullptr;  // read-only
  VSILFILE* file = VSIFOpenL(real_path(name).c_str(), "rb");
  return file == nullptr ? nullptr : new CountingHandle{file, real_path(name)};
}
size_t count_read(void* handle, void* buffer, size_t size, size_t count) {
  auto* h = static_cast<CountingHandle*>(handle);
  const size_t got = VSIFReadL(buffer, size, count, h->file);
  const std::lock_guard<std::mutex> lock(read_counts().mutex);
  read_counts().bytes[h->path] += static_cast<std::uint64_t>(got) * size;
  return got;
}
int count_seek(void* handle, vsi_l_offset offset, int whence) {
  return VSIFSeekL(static_cast<CountingHandle*>(handle)->file, offset, whence);
}
vsi_l_offset count_tell(void* handle) { return VSIFTellL(static_cast<CountingHandle*>(handle)->file); }
int count_eof(void* handle) { return VSIFEofL(static_cast<CountingHandle*>(handle)->file); }
int count_close(void* handle) {
  auto* h = static_cast<CountingHandle*>(handle);
  const int result = VSIFCloseL(h->file);
  delete h;
  return result;
}
int count_stat(void*, const char* name, VSIStatBufL* stat, int flags) {
  return VSIStatExL(real_path(name).c_str(), stat, flags);
}
char** count_read_dir(void*, const char* name, int max_files) {
  return VSIReadDirEx(real_path(name).c_str(), max_files);
}

void install_counting_file_system() {
  static const bool installed = [] {
    VSIFilesystemPluginCallbacksStruct* callbacks = VSIAllocFilesystemPluginCallbacksStruct();
    callbacks->open = count_open;
    callbacks->read = count_read;
    callbacks->seek = count_seek;
    callbacks->tell = count_tell;
    callbacks->eof = count_eof;
    callbacks->close = count_close;
    callbacks->stat = count_stat;
    callbacks->read_dir = count_read_dir;
    callbacks->nBufferSize = 0;  // every read reaches the file: no read-ahead to count
    const bool ok = VSIInstallPluginHandler(kPrefix, callbacks) == 0;
    VSIFreeFilesystemPluginCallbacksStruct(callbacks);
    return ok;
  }();
  ASSERT_TRUE(installed) << "VSIInstallPluginHandler(" << kPrefix << ") failed";
}

class InputReadsTest : public TempFolderTest {};

TEST_F(InputReadsTest, EachInputIsReadOnceForItsChecksumAndOnceForDecoding) {
  install_counting_file_system();
  YAML::Node node = sample_config(root_ / "out");
  for (const char* side : {"before", "after"}) {
    node[side]["path"] = std::string(kPrefix) + fs::absolute(kSampleDir / side).string().substr(1);
  }
  node["processing"]["tile_size"] = 128;  // 5 x 7 tiles with halos: neighbours share blocks
  const fs::path config_path = write_config(node, root_ / "counted.yaml");
  {
    const std::lock_guard<std::mutex> lock(read_counts().mutex);
    read_counts().bytes.clear();
  }
  const ScanSummary summary = run_scan(load_scan_config(config_path, {}), {});
  ASSERT_TRUE(fs::exists(summary.output_dir / "summary.html")) << "the quick-looks are part of what is counted";

  int files = 0;
  const std::lock_guard<std::mutex> lock(read_counts().mutex);
  for (const char* side : {"before", "after"}) {
    for (const auto& entry : fs::directory_iterator(kSampleDir / side)) {
      if (entry.path().extension() != ".tif") continue;
      ++files;
      const std::string path = fs::absolute(entry.path()).string();
      const auto size = static_cast<std::uint64_t>(fs::file_size(entry.path()));
      const std::uint64_t read = read_counts().bytes[path];
      // Once whole for the checksum, once more for the blocks, plus the header and tag
      // directory again each time GDAL opens the file (a few kB). Blue, green and red are
      // also read for the summary's ten hotspot chips, after the tile pass: their windows
      // of 160 px and more are decoded again (here, where a block is a 7-row strip of the
      // whole width and the chips overlap, that is most of the scene once more).
      const std::string name = entry.path().filename().string();
      const bool true_colour = name.ends_with("_B02.tif") || name.ends_with("_B03.tif") || name.ends_with("_B04.tif");
      const std::uint64_t decodes_allowed = true_colour ? 2 : 1;
      EXPECT_GE(read, 2 * size - size / 50) << path << ": some blocks were never decoded?";
      EXPECT_LE(read, (1 + decodes_allowed) * size + 64 * 1024)
          << path << ": read " << static_cast<double>(read) / static_cast<double>(size)
          << " times its size: a stage decodes it again";
    }
  }
  EXPECT_EQ(files, 12) << "the sample's six bands per date";
}

}  // namespace
}  // namespace zw::e2e
