#include "zonewatch/pipeline/core/huge_pages.hpp"

#include <gtest/gtest.h>

namespace zw {
namespace {

TEST(HugePageTunables, AskedForWhenTheKernelGivesHugePagesOnRequest) {
  EXPECT_EQ(huge_page_tunables("always [madvise] never\n", ""), "glibc.malloc.hugetlb=1");
}

TEST(HugePageTunables, AppendedToTheUsersOwnTunables) {
  EXPECT_EQ(huge_page_tunables("always [madvise] never\n", "glibc.malloc.arena_max=2"),
            "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1");
}

TEST(HugePageTunables, NotWhenTheKernelAlwaysOrNeverGivesThem) {
  EXPECT_EQ(huge_page_tunables("[always] madvise never\n", ""), std::nullopt);
  EXPECT_EQ(huge_page_tunables("always madvise [never]\n", ""), std::nullopt);
  EXPECT_EQ(huge_page_tunables("", ""), std::nullopt);  // no such file (not Linux, or no THP)
}

TEST(HugePageTunables, NotWhenTheTunablesAlreadyNameIt) {
  // The user's opt-out, and the second start (which must not start a third).
  EXPECT_EQ(huge_page_tunables("always [madvise] never\n", "glibc.malloc.hugetlb=0"), std::nullopt);
  EXPECT_EQ(huge_page_tunables("always [madvise] never\n", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"),
            std::nullopt);
}

}  // namespace
}  // namespace zw
