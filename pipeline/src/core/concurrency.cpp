#include "zonewatch/pipeline/core/concurrency.hpp"

#include <sys/resource.h>
#include <tbb/global_control.h>
#include <unistd.h>

namespace zw {

std::size_t allowed_threads() {
  return tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
}

std::launch side_work_launch() { return allowed_threads() > 1 ? std::launch::async : std::launch::deferred; }

void lower_this_thread_priority() {
  constexpr int kLeastPriority = 19;
  // Ignored on failure: the work then competes with the others, as any thread does.
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kLeastPriority);
}

std::string gdal_thread_count() { return std::to_string(allowed_threads()); }

}  // namespace zw
