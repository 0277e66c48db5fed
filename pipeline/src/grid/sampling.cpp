#include "zonewatch/pipeline/grid/sampling.hpp"

#include <algorithm>
#include <cmath>

namespace zw {

namespace {
constexpr int kSampleBlock = 512;
}  // namespace

int SampleLattice::pixel_stride(double max_kept) const {
  return std::max(1, static_cast<int>(std::ceil(std::sqrt(pixels / max_kept))));
}

SampleLattice sample_lattice(int width, int height, double max_read_pixels) {
  SampleLattice lattice;
  const int blocks_x = (width + kSampleBlock - 1) / kSampleBlock;
  const int blocks_y = (height + kSampleBlock - 1) / kSampleBlock;
  const double total = static_cast<double>(width) * height;
  lattice.block_step = std::max(1, static_cast<int>(std::ceil(std::sqrt(total / max_read_pixels))));
  for (int by = 0; by < blocks_y; by += lattice.block_step) {
    for (int bx = 0; bx < blocks_x; bx += lattice.block_step) {
      const int x0 = bx * kSampleBlock, y0 = by * kSampleBlock;
      lattice.windows.push_back({x0, y0, std::min(kSampleBlock, width - x0), std::min(kSampleBlock, height - y0)});
      lattice.pixels += static_cast<double>(lattice.windows.back().pixel_count());
    }
  }
  return lattice;
}

}  // namespace zw
