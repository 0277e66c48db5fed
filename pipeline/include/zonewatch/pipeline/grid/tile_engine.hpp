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
#include <type_traits>
#include <utility>

#include <tbb/parallel_pipeline.h>

#include "zonewatch/kernels/tile.hpp"
#include "zonewatch/pipeline/config/config.hpp"

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
  const auto read_next = [&](tbb::flow_control& fc) -> std::shared_ptr<Input> {
    if (next >= count) {
      fc.stop();
      return nullptr;
    }
    return std::make_shared<Input>(read(next++));
  };
  const auto compute_one = [&](std::shared_ptr<Input> input) { return std::make_shared<Output>(compute(*input)); };
  const auto consume_one = [&](std::shared_ptr<Output> output) { consume(std::move(*output)); };
  using tbb::filter_mode;
  tbb::parallel_pipeline(
      static_cast<std::size_t>(std::max(1, tokens)),
      tbb::make_filter<void, std::shared_ptr<Input>>(filter_mode::serial_in_order, read_next) &
          tbb::make_filter<std::shared_ptr<Input>, std::shared_ptr<Output>>(filter_mode::parallel, compute_one) &
          tbb::make_filter<std::shared_ptr<Output>, void>(filter_mode::serial_in_order, consume_one));
}

}  // namespace zw
