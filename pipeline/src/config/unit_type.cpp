#include "zonewatch/pipeline/config/unit_type.hpp"

#include <array>
#include <string>

#include "zonewatch/pipeline/core/enum_names.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"

namespace zw {
namespace {

constexpr EnumNames kUnitTypeNames{std::array{
    EnumName<UnitType>{UnitType::priority, "priority", "优先保护单元"},
    EnumName<UnitType>{UnitType::key, "key", "重点管控单元"},
    EnumName<UnitType>{UnitType::general, "general", "一般管控单元"},
}};

}  // namespace

std::string_view to_string(UnitType type) { return kUnitTypeNames.name(type); }
std::string_view chinese_name(UnitType type) { return kUnitTypeNames.chinese(type); }

std::optional<UnitType> unit_type_from_string(std::string_view text) {
  // Attribute tables exported from spreadsheets often carry blanks around the value.
  const std::string trimmed = text::trim(text);
  const std::string lower = text::lower(trimmed);
  if (const auto type = kUnitTypeNames.parse(lower)) return type;
  if (const auto type = kUnitTypeNames.parse_chinese(trimmed)) return type;
  // Short forms used in provincial ledgers.
  if (trimmed == "优先保护" || lower == "priority protection") return UnitType::priority;
  if (trimmed == "重点管控" || lower == "key control") return UnitType::key;
  if (trimmed == "一般管控" || lower == "general control") return UnitType::general;
  return std::nullopt;
}

}  // namespace zw
