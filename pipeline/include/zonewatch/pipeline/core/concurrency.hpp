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

/// GDAL's NUM_THREADS value for the same limit (the GDAL_NUM_THREADS config option and the
/// GeoTIFF writers' NUM_THREADS creation option).
[[nodiscard]] std::string gdal_thread_count();

}  // namespace zw
