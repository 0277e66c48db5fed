#pragma once
// How serious a hotspot is, as the judge rates it; its one name table (English as files
// and the store write it, Chinese as packets and reports show it).
#include <array>
#include <optional>
#include <string_view>

#include "zonewatch/pipeline/core/enum_names.hpp"

namespace zw {

/// Ordered: a higher value is more serious (the report order sorts on it).
enum class Severity { low = 1, medium = 2, high = 3 };

inline constexpr EnumNames kSeverityNames{std::array{
    EnumName<Severity>{Severity::low, "low", "低"},
    EnumName<Severity>{Severity::medium, "medium", "中"},
    EnumName<Severity>{Severity::high, "high", "高"},
}};

/// "low", "medium" or "high".
[[nodiscard]] constexpr std::string_view to_string(Severity severity) { return kSeverityNames.name(severity); }
/// 低, 中 or 高.
[[nodiscard]] constexpr std::string_view chinese_name(Severity severity) { return kSeverityNames.chinese(severity); }
/// The severity whose English name is exactly `text` (as to_string writes it).
[[nodiscard]] constexpr std::optional<Severity> severity_from_string(std::string_view text) {
  return kSeverityNames.parse(text);
}

}  // namespace zw
