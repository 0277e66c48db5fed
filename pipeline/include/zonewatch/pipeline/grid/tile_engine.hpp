#pragma once
// How the grid is walked, apart from what is computed on it: ONE tile planner and ONE tile
// engine, used by every stage that streams a raster (sampling, normalization, detection,
// composite).
//
// The engine is a three-stage TBB pipeline: a serial in-order read stage (GDAL datasets are
// not thread-safe), a parallel compute stage, a serial in-order consume stage. At most
// `tokens` tiles are in flight, which bounds memory; the consume stage sees the tiles in
// index order whatever the threads' timing, so every merge is deterministic and any tiling
// gives identical output.
#include <algorithm>
#include <cstddef>
#include <memory>
#include <mutex>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <tbb/parallel_pipeline.h>

#include "zonewatch/kernels/tile.hpp"
#include "zonewatch/pipeline/config/config.hpp"

// ThreadSanitizer's annotations (its runtime defines them), for the one hand-over it cannot
// see through locks: TBB starting this thread's pipeline stages on its worker threads.
#if defined(__SANITIZE_THREAD__)
#define ZONEWATCH_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ZONEWATCH_TSAN 1
#endif
#endif
#ifdef ZONEWATCH_TSAN
extern "C" void __tsan_acquire(void* address);
extern "C" void __tsan_release(void* address);
#endif

namespace zw {

/// Tiles of the analysis grid; the tile is the unit of memory and scheduling. Tiles are
/// numbered row by row; the last column and row may be narrower (odd edge tiles).
struct TilePlan {
  int tile_width = 0, tile_height = 0;
  int tiles_x = 0, tiles_y = 0;
  int halo = 0;
  int grid_width = 0, grid_height = 0;

  [[nodiscard]] int count() const { return tiles_x * tiles_y; }
  [[nodiscard]] kernels::Window core(int index) const;
  /// The core grown by the halo, clipped to the grid.
  [[nodiscard]] kernels::Window padded(int index) const;
  /// The rows that tile row `row`'s padded tiles share with the next row's (their halos
  /// across the seam), across the grid; empty after the last row. Later rows start lower, so
  /// what they share with row `row` lies within it.
  [[nodiscard]] kernels::Window seam_below(int row) const;
  /// Pixels read for the tiles before tile `index` (in tile order) that the tiles from `index`
  /// on read again: the seam below its row, across the grid (the next row reads it), and the
  /// seam above it from this tile's left edge on (the rest of its row reads it). Besides
  /// these, tile `index` shares columns with tile `index - 1`, the last one read (and, where
  /// tiles are less than twice the halo high, rows with the row above the previous one).
  /// Readers keep their decoded blocks cached, so that each block is decoded once.
  [[nodiscard]] std::vector<kernels::Window> read_again(int index) const;
  /// How many times the grid can be halved with no pixel of that level's 2^k blocks in two
  /// tiles (for overviews computed tile by tile): tiles start on multiples of the tile size,
  /// so its factors of 2; any number (30) along an axis with a single tile.
  [[nodiscard]] int aligned_halvings() const;
};

/// What a stage's tiles cost, for sizing them from the memory budget.
struct TileCost {
  double bytes_per_pixel = 0.0;  // working set per pixel of one tile in flight
  int tokens = 1;                // tiles in flight at once (the engine's token count)
  int halo = 0;                  // pixels read around each core on every side
  int multiple = 64;             // the planned side is rounded down to a multiple of this,
  int min_side = 128;            // then clamped to [min_side, max_side]
  int max_side = 4096;
};

/// Plans tiles whose working set (`cost.tokens` padded tiles in flight) fits 60 % of
/// `options.memory_mb`, unless `options.tile_size` > 0 forces the side. A side larger than
/// the grid is cut to the grid.
TilePlan plan_tiles(int grid_width, int grid_height, const ProcessingOptions& options, const TileCost& cost);

/// Two tiles in flight per worker thread: one being computed while the next is read.
[[nodiscard]] int default_tile_tokens();

/// Under ThreadSanitizer: what a thread did before tsan_release(a) happens before what a
/// thread does after a later tsan_acquire(a); elsewhere they do nothing. For hand-overs that
/// TBB synchronises inside libtbb, where TSan cannot see them.
inline void tsan_release([[maybe_unused]] void* address) {
#ifdef ZONEWATCH_TSAN
  __tsan_release(address);
#endif
}
inline void tsan_acquire([[maybe_unused]] void* address) {
#ifdef ZONEWATCH_TSAN
  __tsan_acquire(address);
#endif
}

namespace tile_engine_detail {

/// Owns the tiles in flight between two stages of the pipeline, which pass them on as plain
/// pointers: a cancelled pipeline (an exception in any stage) frees what it still holds, and
/// the lock that hands a tile over tells ThreadSanitizer that the stage that made it happened
/// before the one that takes it (TBB's own queues are in libtbb, which TSan cannot see into).
template <class T>
class TilesInFlight {
 public:
  T* add(T&& value) {
    auto owned = std::make_unique<T>(std::move(value));
    T* raw = owned.get();
    const std::lock_guard<std::mutex> lock(mutex_);
    live_.emplace(raw, std::move(owned));
    return raw;
  }
  /// Takes the lock once: what this thread did before is then seen by the next taker.
  void settle() { const std::lock_guard<std::mutex> lock(mutex_); }
  std::unique_ptr<T> take(T* raw) {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto it = live_.find(raw);
    std::unique_ptr<T> owned = std::move(it->second);
    live_.erase(it);
    return owned;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<T*, std::unique_ptr<T>> live_;
};

}  // namespace tile_engine_detail

/// Runs `count` tiles through read -> compute -> consume:
///   read(int index) -> Input        serial, in index order;
///   compute(Input&) -> Output       in parallel;
///   consume(Output&&)               serial, in index order.
/// At most `tokens` tiles are in flight. An exception thrown by any stage cancels the
/// pipeline and propagates to the caller.
template <class Read, class Compute, class Consume>
void run_tiles(int count, int tokens, Read&& read, Compute&& compute, Consume&& consume) {
  using Input = std::invoke_result_t<Read&, int>;
  using Output = std::invoke_result_t<Compute&, Input&>;
  static_assert(!std::is_void_v<Output>, "compute must return what consume receives");
  if (count <= 0) return;
  int next = 0;
  tile_engine_detail::TilesInFlight<Input> inputs;
  tile_engine_detail::TilesInFlight<Output> outputs;
  // TBB runs each serial stage one call at a time, possibly on different threads; these
  // locks, never contended, let ThreadSanitizer see that order too.
  std::mutex read_turn, consume_turn;
  int started = 0;  // its address: every stage call follows this frame's set-up
  const auto read_next = [&](tbb::flow_control& fc) -> Input* {
    tsan_acquire(&started);
    const std::lock_guard<std::mutex> turn(read_turn);
    if (next >= count) {
      fc.stop();
      return nullptr;
    }
    return inputs.add(read(next++));
  };
  const auto compute_one = [&](Input* input) {
    tsan_acquire(&started);
    return outputs.add(compute(*inputs.take(input)));
  };
  const auto consume_one = [&](Output* output) {
    tsan_acquire(&started);
    const std::lock_guard<std::mutex> turn(consume_turn);
    consume(std::move(*outputs.take(output)));
  };
  // Once the pipeline has ended, this thread takes every lock once, so that TSan sees the
  // workers' last calls end before this frame's memory is reused (TBB's waiting is in libtbb).
  const auto settle = [&] {
    const std::scoped_lock all(read_turn, consume_turn);
    inputs.settle();
    outputs.settle();
  };
  tsan_release(&started);
  using tbb::filter_mode;
  try {
    tbb::parallel_pipeline(static_cast<std::size_t>(std::max(1, tokens)),
                           tbb::make_filter<void, Input*>(filter_mode::serial_in_order, read_next) &
                               tbb::make_filter<Input*, Output*>(filter_mode::parallel, compute_one) &
                               tbb::make_filter<Output*, void>(filter_mode::serial_in_order, consume_one));
  } catch (...) {
    settle();
    throw;
  }
  settle();
}

}  // namespace zw
