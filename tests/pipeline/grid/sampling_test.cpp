// The statistics lattice: which blocks are read and which pixels inside them are kept.
#include "zonewatch/pipeline/grid/sampling.hpp"

#include <gtest/gtest.h>

namespace zw {
namespace {

TEST(SampleLatticeTest, SmallGridsAreReadWhole) {
  const SampleLattice lattice = sample_lattice(1000, 600, 24e6);
  EXPECT_EQ(lattice.block_step, 1);
  ASSERT_EQ(lattice.windows.size(), 4u);  // 2 x 2 blocks, the last ones cut at the edge
  EXPECT_EQ(lattice.windows[1].x0, 512);
  EXPECT_EQ(lattice.windows[1].width, 488);
  EXPECT_EQ(lattice.windows[3].height, 88);
  EXPECT_EQ(lattice.pixels, 600000.0);
  EXPECT_EQ(lattice.pixel_stride(1e6), 1);
  EXPECT_EQ(lattice.pixel_stride(600000.0 / 9.0), 3);
}

TEST(SampleLatticeTest, LargeGridsReadEveryStepthBlock) {
  // A Sentinel-2 tile: 120.6 Mpx, so every 3rd block in each direction (<= 24 Mpx read).
  const SampleLattice lattice = sample_lattice(10980, 10980, 24e6);
  EXPECT_EQ(lattice.block_step, 3);
  EXPECT_EQ(lattice.windows.size(), 8u * 8u);  // blocks 0, 3, ..., 21 of 22
  EXPECT_LE(lattice.pixels, 24e6);
  for (const auto& w : lattice.windows) {
    EXPECT_EQ(w.x0 % (3 * 512), 0);
    EXPECT_EQ(w.y0 % (3 * 512), 0);
  }
}

TEST(SampleLatticeTest, PixelLatticeIsAnchoredOnTheGridNotTheWindow) {
  EXPECT_EQ(lattice_start(0, 3), 0);
  EXPECT_EQ(lattice_start(512, 3), 1);   // 513 is the first multiple of 3 from 512
  EXPECT_EQ(lattice_start(1024, 3), 2);  // 1026
  EXPECT_EQ(lattice_start(1536, 3), 0);
  EXPECT_EQ(lattice_start(700, 1), 0);
}

}  // namespace
}  // namespace zw
