#pragma once
// Transparent huge pages for the tile buffers. A scan touches about its memory budget once
// (GDAL's block cache, the tiles in flight); in 4 KiB pages that is ~200,000 page faults
// at 10980^2, a tenth of a one-thread run's CPU on a virtual machine. glibc's malloc asks
// the kernel for 2 MiB pages when the glibc.malloc.hugetlb tunable is set (glibc >= 2.35),
// and tunables are read only at start-up, so main() starts itself once more with it set.
#include <optional>
#include <string>
#include <string_view>

namespace zw {

/// The GLIBC_TUNABLES value that adds glibc.malloc.hugetlb=1 to `current_tunables`, given
/// the contents of /sys/kernel/mm/transparent_hugepage/enabled. Nothing when the kernel
/// already gives huge pages to every mapping ("[always]"), never does ("[never]", or the file
/// is missing: empty), or the tunables already name glibc.malloc.hugetlb (a user's own
/// choice, `glibc.malloc.hugetlb=0` to opt out, or the second start).
[[nodiscard]] std::optional<std::string> huge_page_tunables(std::string_view thp_enabled,
                                                            std::string_view current_tunables);

}  // namespace zw
