#pragma once
// How many threads a run may use, for the work that does not go through the tile engine:
// `--threads N` (or processing.threads) limits TBB with a global_control in main; these
// helpers make the other threads of a run (GDAL's decoders and compressors, the second
// date's decode, the input checksums, the summary page) keep to the same limit, so that
// `--threads 1` runs on one core.
#include <cstddef>
#include <future>
#include <string>

namespace zw {

/// The thread limit in force: the active tbb::global_control's, else the hardware's.
[[nodiscard]] std::size_t allowed_threads();

/// std::launch::async (a thread of its own) when more than one thread is allowed, else
/// std::launch::deferred (run by whoever waits for the result), for std::async.
[[nodiscard]] std::launch side_work_launch();

/// Lowers the calling thread's scheduling priority to the least (nice 19; Linux niceness is
/// per thread), so that it runs on the cores the rest of the run leaves idle. Best effort:
/// a refusal leaves the priority as it was.
void lower_this_thread_priority();

/// std::async for work that nobody waits for until late (the inputs' checksums for the run
/// record): on a thread of its own it runs at the least priority, in the gaps the run's serial
/// steps leave on the other cores, instead of taking a core from the tile engine; deferred
/// (`--threads 1`), it runs at the waiting thread's own priority when its result is needed.
template <class Work>
[[nodiscard]] auto background_async(Work work) {
  const std::launch launch = side_work_launch();
  return std::async(launch, [launch, work = std::move(work)]() mutable {
    if (launch == std::launch::async) lower_this_thread_priority();
    return work();
  });
}

/// GDAL's NUM_THREADS value for the same limit (the GDAL_NUM_THREADS config option and the
/// GeoTIFF writers' NUM_THREADS creation option).
[[nodiscard]] std::string gdal_thread_count();

}  // namespace zw
