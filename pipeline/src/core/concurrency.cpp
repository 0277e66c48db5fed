#include "zonewatch/pipeline/core/concurrency.hpp"

#include <tbb/global_control.h>

namespace zw {

std::size_t allowed_threads() {
  return tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
}

std::launch side_work_launch() { return allowed_threads() > 1 ? std::launch::async : std::launch::deferred; }

std::string gdal_thread_count() { return std::to_string(allowed_threads()); }

}  // namespace zw
