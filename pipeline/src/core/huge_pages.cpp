#include "zonewatch/pipeline/core/huge_pages.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace zw {

std::size_t huge_page_heap_bytes(std::string_view thp_enabled, std::string_view overcommit_mode,
                                 std::string_view glibc_tunables, std::size_t physical_bytes) {
  // The kernel marks the mode in force with brackets: "always [madvise] never".
  if (thp_enabled.find("[madvise]") == std::string_view::npos) return 0;
  if (overcommit_mode.starts_with('2')) return 0;
  if (glibc_tunables.find("glibc.malloc.hugetlb") != std::string_view::npos) return 0;
  constexpr std::size_t kMostBytes = std::size_t{2} << 30;
  return std::min(kMostBytes, physical_bytes / 4);
}

HugePageHeap reserve_huge_page_heap([[maybe_unused]] std::size_t bytes) {
#if defined(__GLIBC__)
  constexpr std::size_t kMostPad = 0x7fffffff;  // M_TOP_PAD is an int
  if (bytes == 0 || mallopt(M_TOP_PAD, static_cast<int>(std::min(bytes, kMostPad))) == 0) return {};
  // The next growth of the heap takes the pad with it: small allocations (always from the
  // heap, whatever the mmap threshold) until the break moves, then freed.
  const auto* before = static_cast<const char*>(sbrk(0));
  std::vector<void*> probes;
  constexpr std::size_t kProbe = 4096, kMostProbes = 16384;  // up to 64 MiB of free heap to use up
  while (sbrk(0) == before && probes.size() < kMostProbes) {
    void* probe = std::malloc(kProbe);
    if (probe == nullptr) break;
    probes.push_back(probe);
  }
  const bool grew = sbrk(0) != before;
  for (void* probe : probes) std::free(probe);
  // Freeing may trim the heap's top back to the pad (below M_TRIM_THRESHOLD's default): the
  // break after it bounds what is mapped.
  const auto* after = static_cast<const char*>(sbrk(0));
  if (!grew || after <= before) return {};
  constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
  const std::uintptr_t from = (reinterpret_cast<std::uintptr_t>(before) + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t to = reinterpret_cast<std::uintptr_t>(after) & ~(kHugePage - 1);
  if (to <= from) return {};
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the heap's own addresses, rounded to pages
  auto* begin = reinterpret_cast<void*>(from);
  if (madvise(begin, to - from, MADV_HUGEPAGE) != 0) return {};
  return {begin, to - from};
#else
  return {};
#endif
}

}  // namespace zw
