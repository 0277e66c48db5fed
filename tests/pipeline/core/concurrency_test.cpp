// The thread limit as the work beside the tile engine reads it.
#include "zonewatch/pipeline/core/concurrency.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <tbb/global_control.h>
#include <unistd.h>

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

int this_thread_priority() { return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())); }

TEST(Concurrency, BackgroundWorkOnItsOwnThreadRunsAtTheLeastPriority) {
  const tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
  const int caller = this_thread_priority();
  auto work = background_async([] { return std::pair{gettid(), this_thread_priority()}; });
  const auto [thread, priority] = work.get();
  EXPECT_NE(thread, gettid());
  EXPECT_EQ(priority, 19);
  EXPECT_EQ(this_thread_priority(), caller);  // the caller's own priority is untouched
}

TEST(Concurrency, DeferredBackgroundWorkKeepsTheWaitingThreadsPriority) {
  const tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
  const int caller = this_thread_priority();
  auto work = background_async([] { return std::pair{gettid(), this_thread_priority()}; });
  const auto [thread, priority] = work.get();
  EXPECT_EQ(thread, gettid());  // run by the waiting thread
  EXPECT_EQ(priority, caller);
  EXPECT_EQ(this_thread_priority(), caller);
}

}  // namespace
}  // namespace zw
