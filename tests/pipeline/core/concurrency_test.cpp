// The thread limit as the work beside the tile engine reads it.
#include "zonewatch/pipeline/core/concurrency.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

namespace zw {
namespace {

TEST(Concurrency, OneThreadRunsSideWorkInTheWaitingThread) {
  const tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
  EXPECT_EQ(allowed_threads(), 1u);
  EXPECT_EQ(side_work_launch(), std::launch::deferred);
  EXPECT_EQ(gdal_thread_count(), "1");
}

TEST(Concurrency, MoreThreadsRunSideWorkOnItsOwnThread) {
  const tbb::global_control three(tbb::global_control::max_allowed_parallelism, 3);
  EXPECT_EQ(allowed_threads(), 3u);
  EXPECT_EQ(side_work_launch(), std::launch::async);
  EXPECT_EQ(gdal_thread_count(), "3");
}

TEST(Concurrency, TheLimitEndsWithItsControl) {
  const std::size_t unlimited = allowed_threads();
  {
    const tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    EXPECT_EQ(allowed_threads(), 1u);
  }
  EXPECT_EQ(allowed_threads(), unlimited);
}

}  // namespace
}  // namespace zw
