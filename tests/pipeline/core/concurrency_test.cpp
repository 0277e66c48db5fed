// The thread limit as the work beside the tile engine reads it.
#include "zonewatch/pipeline/core/concurrency.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <tbb/global_control.h>
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

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

TEST(Concurrency, ChunksCoverEveryItemOnceOneChunkPerThread) {
  for (const int threads : {1, 3}) {
    const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    std::vector<int> visits(10, 0);
    std::mutex mutex;
    std::set<std::thread::id> workers;
    int chunks = 0;
    for_each_chunk(visits.size(), [&](std::size_t from, std::size_t to) {
      const std::lock_guard<std::mutex> lock(mutex);
      ++chunks;
      workers.insert(std::this_thread::get_id());
      for (std::size_t i = from; i < to; ++i) ++visits[i];
    });
    EXPECT_EQ(visits, std::vector<int>(10, 1)) << threads;
    EXPECT_EQ(chunks, threads);
    EXPECT_EQ(workers.size(), static_cast<std::size_t>(threads));  // the caller and threads - 1 others
    EXPECT_TRUE(workers.count(std::this_thread::get_id()) == 1);
  }
}

TEST(Concurrency, FewerItemsThanThreadsMakeFewerChunks) {
  const tbb::global_control four(tbb::global_control::max_allowed_parallelism, 4);
  int chunks = 0;
  std::mutex mutex;
  for_each_chunk(2, [&](std::size_t from, std::size_t to) {
    const std::lock_guard<std::mutex> lock(mutex);
    EXPECT_EQ(to - from, 1u);
    ++chunks;
  });
  EXPECT_EQ(chunks, 2);
}

TEST(Concurrency, AChunksErrorReachesTheCallerAfterEveryChunkEnded) {
  const tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
  std::atomic<int> ended{0};
  EXPECT_THROW(for_each_chunk(8,
                              [&](std::size_t from, std::size_t) {
                                if (from != 0) {
                                  ++ended;
                                  throw std::runtime_error("second chunk");
                                }
                                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                                ++ended;
                              }),
               std::runtime_error);
  EXPECT_EQ(ended.load(), 2);
}

}  // namespace
}  // namespace zw
