#pragma once
// What detection's classification pass makes of one tile, how it travels between MPI ranks
// (grid/tile_distribution.hpp) and the spill file that keeps its classes and changed labels
// until the change map is written; stages/detection.cpp's, not a public header.
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <utility>
#include <vector>

#include "zonewatch/kernels/box_average.hpp"
#include "zonewatch/kernels/byte_runs.hpp"
#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/kernels/components.hpp"
#include "zonewatch/kernels/tile.hpp"
#include "zonewatch/kernels/zonal.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/grid/tile_distribution.hpp"

namespace zw {

struct UnitPartial {
  std::uint32_t unit = 0;
  kernels::ZonalAccumulator zonal;
};

/// What classification makes of one tile, merged in tile order.
struct TileWork {
  int index = 0;
  kernels::Window core;
  kernels::Tile<std::uint8_t> classes;  // core
  /// `classes` as runs (kernels/byte_runs.hpp): what the spill keeps of them, packed in
  /// parallel so that the serial merge writes kilobytes instead of the tile.
  std::vector<std::uint8_t> class_runs;
  kernels::Tile<std::uint32_t> labels;  // core
  std::uint32_t label_count = 0;
  /// The labels of the changed pixels in raster order: what the spill keeps of `labels`
  /// (every other pixel is 0), a few percent of its size.
  std::vector<std::uint32_t> changed_labels;
  std::vector<kernels::ComponentStats> stats;
  std::vector<UnitPartial> zonal;
  std::vector<std::vector<std::pair<std::uint32_t, double>>> label_overlap;  // by local label
  std::uint64_t valid = 0;
  std::array<kernels::BoxAverage, 2> true_colour;  // the core's cells, before and after (when drawn)
};

/// A classified tile's bytes as computed, so that rank 0 merges exactly what one process would.
/// Inline: out of line, GCC 12 reports a false -Wstringop-overflow in the tile engine's send.
inline void encode_work(ByteWriter& out, const TileWork& work) {
  out.put<std::int32_t>(work.index);
  out.put(work.core);
  // The classes travel as runs and the labels as those of the changed pixels (every other
  // pixel's is 0): a few kilobytes per tile instead of 5 bytes per pixel; rebuilt on arrival.
  out.put_vector(work.class_runs);
  out.put(work.label_count);
  out.put_vector(work.changed_labels);
  out.put_vector(work.stats);
  out.put_vector(work.zonal);
  out.put<std::uint64_t>(work.label_overlap.size());
  for (const auto& overlaps : work.label_overlap) {
    out.put<std::uint64_t>(overlaps.size());
    for (const auto& [unit, area] : overlaps) {
      out.put(unit);
      out.put(area);
    }
  }
  out.put(work.valid);
  for (const auto& box : work.true_colour) {
    out.put(box.raster_width);
    out.put(box.raster_height);
    out.put(box.frame_width);
    out.put(box.frame_height);
    out.put(box.factor);
    out.put(box.planes);
    out.put(box.stride);
    out.put(box.cells);
    out.put_vector(box.sums);
    out.put_vector(box.counts);
  }
}

inline TileWork decode_work(ByteReader& in) {
  TileWork work;
  work.index = in.get<std::int32_t>();
  work.core = in.get<kernels::Window>();
  work.class_runs = in.get_vector<std::uint8_t>();
  work.classes = kernels::Tile<std::uint8_t>(work.core.width, work.core.height, kernels::kUninitialized);
  kernels::unpack_byte_runs(work.class_runs, work.classes.view());
  work.label_count = in.get<std::uint32_t>();
  work.changed_labels = in.get_vector<std::uint32_t>();
  work.labels = kernels::Tile<std::uint32_t>(work.core.width, work.core.height);
  std::size_t next = 0;
  const auto& classes = work.classes.values();
  auto& labels = work.labels.values();
  for (std::size_t i = 0; i < classes.size(); ++i) {
    if (!kernels::is_change(classes[i])) continue;
    if (next == work.changed_labels.size()) throw InternalError("tile distribution: fewer labels than changed pixels");
    labels[i] = work.changed_labels[next++];
  }
  if (next != work.changed_labels.size()) throw InternalError("tile distribution: more labels than changed pixels");
  work.stats = in.get_vector<kernels::ComponentStats>();
  work.zonal = in.get_vector<UnitPartial>();
  work.label_overlap.resize(static_cast<std::size_t>(in.get<std::uint64_t>()));
  for (auto& overlaps : work.label_overlap) {
    overlaps.resize(static_cast<std::size_t>(in.get<std::uint64_t>()));
    for (auto& [unit, area] : overlaps) {
      unit = in.get<std::uint32_t>();
      area = in.get<double>();
    }
  }
  work.valid = in.get<std::uint64_t>();
  for (auto& box : work.true_colour) {
    box.raster_width = in.get<int>();
    box.raster_height = in.get<int>();
    box.frame_width = in.get<int>();
    box.frame_height = in.get<int>();
    box.factor = in.get<double>();
    box.planes = in.get<int>();
    box.stride = in.get<int>();
    box.cells = in.get<kernels::Window>();
    box.sums = in.get_vector<double>();
    box.counts = in.get_vector<std::uint32_t>();
  }
  return work;
}

/// Spill file per tile, in tile order: the classes of every pixel (as runs) and the labels of
/// the changed ones.
class SpillFile {
 public:
  explicit SpillFile(const std::filesystem::path& path) : path_(path) {
    file_ = std::fopen(path.c_str(), "w+b");
    if (file_ == nullptr) throw OutputError(path.string() + ": cannot create spill file");
  }
  ~SpillFile() {
    if (file_ != nullptr) std::fclose(file_);
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  // An empty tile's data() may be null, which fwrite and fread must not be given.
  void write(const void* data, std::size_t bytes) {
    if (bytes == 0) return;
    if (std::fwrite(data, 1, bytes, file_) != bytes) throw OutputError(path_.string() + ": write failed (disk full?)");
  }
  void rewind() { std::rewind(file_); }
  void read(void* data, std::size_t bytes) {
    if (bytes == 0) return;
    if (std::fread(data, 1, bytes, file_) != bytes) throw InternalError(path_.string() + ": spill file read short");
  }

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
};

}  // namespace zw
