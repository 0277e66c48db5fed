#pragma once
// Types of ecological-environment control unit (管控单元): the vocabulary of the units' type
// attribute, units.default_type and the rules per type.
#include <optional>
#include <string_view>

namespace zw {

/// The three types of ecological-environment control unit.
enum class UnitType { priority, key, general };

[[nodiscard]] std::string_view to_string(UnitType type);
/// Accepts priority|key|general (any case) and 优先保护单元 / 重点管控单元 / 一般管控单元.
[[nodiscard]] std::optional<UnitType> unit_type_from_string(std::string_view text);
/// The Chinese name of the type, as written in reports.
[[nodiscard]] std::string_view chinese_name(UnitType type);

}  // namespace zw
