#include "zonewatch/pipeline/core/huge_pages.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace zw {
namespace {

constexpr std::size_t kGiB = std::size_t{1} << 30;
constexpr const char* kOnRequest = "always [madvise] never\n";

TEST(HugePageHeap, AQuarterOfMemoryAtMostTwoGibWhereTheKernelGivesThemOnRequest) {
  EXPECT_EQ(huge_page_heap_bytes(kOnRequest, "0\n", "", 4 * kGiB), kGiB);
  EXPECT_EQ(huge_page_heap_bytes(kOnRequest, "1\n", "glibc.malloc.arena_max=2", 64 * kGiB), 2 * kGiB);
}

TEST(HugePageHeap, NoneWhenTheKernelAlwaysOrNeverGivesThem) {
  EXPECT_EQ(huge_page_heap_bytes("[always] madvise never\n", "0\n", "", 16 * kGiB), 0u);
  EXPECT_EQ(huge_page_heap_bytes("always madvise [never]\n", "0\n", "", 16 * kGiB), 0u);
  EXPECT_EQ(huge_page_heap_bytes("", "0\n", "", 16 * kGiB), 0u);  // no such file (not Linux, or no THP)
}

TEST(HugePageHeap, NoneUnderStrictOvercommit) { EXPECT_EQ(huge_page_heap_bytes(kOnRequest, "2\n", "", 16 * kGiB), 0u); }

TEST(HugePageHeap, NoneWhenTheUsersTunablesNameGlibcsOwn) {
  EXPECT_EQ(huge_page_heap_bytes(kOnRequest, "0\n", "glibc.malloc.hugetlb=0", 16 * kGiB), 0u);
  EXPECT_EQ(huge_page_heap_bytes(kOnRequest, "0\n", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1", 16 * kGiB), 0u);
}

/// The VmFlags of the mapping of /proc/self/smaps that holds `address` ("" when none does).
std::string mapping_flags(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const auto where = reinterpret_cast<std::uintptr_t>(address);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    std::uintptr_t from = 0, to = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> from >> dash >> to && dash == '-') {
      inside = from <= where && where < to;
    } else if (inside && line.starts_with("VmFlags:")) {
      return line;
    }
  }
  return "";
}

TEST(HugePageHeap, TheReservedHeapIsMarkedForHugePages) {
  const HugePageHeap heap = reserve_huge_page_heap(std::size_t{64} << 20);
  if (heap.bytes == 0) GTEST_SKIP() << "the heap did not grow: not glibc's malloc (a sanitizer's?)";
  EXPECT_GE(heap.bytes, std::size_t{60} << 20);  // the pad, less the rounding to 2 MiB pages
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(heap.begin) % (std::uintptr_t{2} << 20), 0u);
  const auto* last = static_cast<const char*>(heap.begin) + heap.bytes - 1;
  EXPECT_NE(mapping_flags(heap.begin).find(" hg"), std::string::npos) << mapping_flags(heap.begin);
  EXPECT_NE(mapping_flags(last).find(" hg"), std::string::npos) << mapping_flags(last);
}

TEST(HugePageHeap, NothingReservedForNoBytes) { EXPECT_EQ(reserve_huge_page_heap(0).bytes, 0u); }

}  // namespace
}  // namespace zw
