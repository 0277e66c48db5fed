#include "zonewatch/pipeline/core/huge_pages.hpp"

namespace zw {

std::optional<std::string> huge_page_tunables(std::string_view thp_enabled, std::string_view current_tunables) {
  // The kernel marks the mode in force with brackets: "always [madvise] never".
  if (thp_enabled.find("[madvise]") == std::string_view::npos) return std::nullopt;
  constexpr std::string_view kKey = "glibc.malloc.hugetlb";
  if (current_tunables.find(kKey) != std::string_view::npos) return std::nullopt;
  std::string tunables(current_tunables);
  if (!tunables.empty()) tunables += ':';
  tunables += kKey;
  tunables += "=1";
  return tunables;
}

}  // namespace zw
