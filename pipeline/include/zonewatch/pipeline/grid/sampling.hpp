#pragma once
// The statistics lattice shared by detection's threshold statistics and the IR-MAD
// normalization: every step-th 512-px block of the grid, and a pixel lattice in grid
// coordinates inside those blocks, so that a sample never depends on the tiling. The blocks
// are streamed through the tile engine (tile_engine.hpp), merged in block order.
#include <vector>

#include "zonewatch/kernels/tile.hpp"

namespace zw {

struct SampleLattice {
  std::vector<kernels::Window> windows;
  int block_step = 1;   // every block_step-th block in each direction
  double pixels = 0.0;  // pixels inside the windows

  [[nodiscard]] int count() const { return static_cast<int>(windows.size()); }

  /// The pixel stride inside the windows that keeps about `max_kept` pixels.
  [[nodiscard]] int pixel_stride(double max_kept) const;
};

/// Blocks of 512 px on a lattice coarse enough that at most about `max_read_pixels` are read.
SampleLattice sample_lattice(int width, int height, double max_read_pixels);

/// First index >= 0 on a stride lattice anchored at grid pixel 0, for a window starting at `origin`.
[[nodiscard]] inline int lattice_start(int origin, int stride) { return (stride - origin % stride) % stride; }

}  // namespace zw
