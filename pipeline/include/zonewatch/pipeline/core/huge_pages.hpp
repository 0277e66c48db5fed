#pragma once
// Transparent huge pages for the tile buffers. A scan touches about its memory budget once
// (GDAL's block cache, the tiles in flight); in 4 KiB pages that is ~200,000 page faults
// at 10980^2, a tenth of a one-thread run's CPU on a virtual machine. Where the kernel gives
// 2 MiB pages on request ("[madvise]"), main() reserves the heap's address space up front
// and asks for them over it: glibc's malloc keeps the reservation (M_TOP_PAD, nothing is
// touched until used) and every later allocation from the heap lands in it.
#include <cstddef>
#include <string_view>

namespace zw {

/// How much heap to reserve for huge pages, given the contents of
/// /sys/kernel/mm/transparent_hugepage/enabled and /proc/sys/vm/overcommit_memory, the
/// GLIBC_TUNABLES variable and the machine's physical memory: a quarter of it, at most
/// 2 GiB. Nothing when the kernel already gives huge pages to every mapping ("[always]") or
/// never does ("[never]", or no such file: empty), under strict overcommit ("2": the
/// reservation would count against the commit limit), or when the tunables name
/// glibc.malloc.hugetlb (the user's own choice; `glibc.malloc.hugetlb=0` opts out).
[[nodiscard]] std::size_t huge_page_heap_bytes(std::string_view thp_enabled, std::string_view overcommit_mode,
                                               std::string_view glibc_tunables, std::size_t physical_bytes);

/// The part of the heap marked for huge pages.
struct HugePageHeap {
  const void* begin = nullptr;
  std::size_t bytes = 0;
};

/// Grows glibc's heap by `bytes` of address space and marks it MADV_HUGEPAGE; the pad stays
/// in force, so that trimming keeps it. Nothing marked (bytes 0) where the heap did not grow:
/// another allocator (a sanitizer's), or not glibc. For main(), before any threads.
HugePageHeap reserve_huge_page_heap(std::size_t bytes);

}  // namespace zw
