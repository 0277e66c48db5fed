#pragma once
// The statistics lattice shared by detection's threshold statistics and the IR-MAD
// normalization: every step-th 512-px block of the grid, and a pixel lattice in grid
// coordinates inside those blocks, so that a sample never depends on the tiling; and the
// pipeline that reads those blocks from both scenes in order, processes them in parallel
// and hands the results on in block order (deterministic merges).
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include "zonewatch/kernels/tile.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"

namespace zw {

struct SampleLattice {
  std::vector<kernels::Window> windows;
  int block_step = 1;   // every block_step-th block in each direction
  double pixels = 0.0;  // pixels inside the windows

  /// The pixel stride inside the windows that keeps about `max_kept` pixels.
  [[nodiscard]] int pixel_stride(double max_kept) const;
};

/// Blocks of 512 px on a lattice coarse enough that at most about `max_read_pixels` are read.
SampleLattice sample_lattice(int width, int height, double max_read_pixels);

/// First index >= 0 on a stride lattice anchored at grid pixel 0, for a window starting at `origin`.
[[nodiscard]] inline int lattice_start(int origin, int stride) { return (stride - origin % stride) % stride; }

/// One window read from both scenes.
struct BlockPair {
  kernels::Window window;
  RawSceneTile before, after;
};

/// Reads every window from `before` and `after` in order (GDAL datasets are not
/// thread-safe), runs `process(BlockPair&)` on the blocks in parallel, and calls
/// `consume(result)` in window order.
template <class Process, class Consume>
void stream_block_pairs(SceneReader& before, SceneReader& after, const std::vector<kernels::Window>& windows,
                        Process process, Consume consume) {
  using Result = std::invoke_result_t<Process&, BlockPair&>;
  std::size_t next = 0;
  tbb::parallel_pipeline(
      static_cast<std::size_t>(2 * tbb::this_task_arena::max_concurrency()),
      tbb::make_filter<void, std::shared_ptr<BlockPair>>(
          tbb::filter_mode::serial_in_order,
          [&](tbb::flow_control& fc) -> std::shared_ptr<BlockPair> {
            if (next >= windows.size()) {
              fc.stop();
              return nullptr;
            }
            auto block = std::make_shared<BlockPair>();
            block->window = windows[next++];
            before.read(block->window, block->before);
            after.read(block->window, block->after);
            return block;
          }) &
          tbb::make_filter<std::shared_ptr<BlockPair>, std::shared_ptr<Result>>(
              tbb::filter_mode::parallel,
              [&](std::shared_ptr<BlockPair> block) { return std::make_shared<Result>(process(*block)); }) &
          tbb::make_filter<std::shared_ptr<Result>, void>(
              tbb::filter_mode::serial_in_order, [&](std::shared_ptr<Result> result) { consume(std::move(*result)); }));
}

}  // namespace zw
