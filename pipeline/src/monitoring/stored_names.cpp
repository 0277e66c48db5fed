#include "zonewatch/pipeline/monitoring/stored_names.hpp"

#include <cstddef>
#include <optional>
#include <string>

#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

[[noreturn]] void unknown_value(std::string_view text, const StoredColumn& where, const std::string& expected) {
  throw InputError(std::string(where.store) + ": table " + std::string(where.table) + ", column " +
                   std::string(where.column) + ": unknown value '" + std::string(text) + "' (expected " + expected +
                   ")");
}

template <class Enum, std::size_t N>
Enum parse_or_throw(const EnumNames<Enum, N>& names, std::string_view text, const StoredColumn& where) {
  if (const std::optional<Enum> value = names.parse(text)) return *value;
  unknown_value(text, where, names.listing());
}

}  // namespace

template <>
HotspotStatus parse_stored<HotspotStatus>(std::string_view text, const StoredColumn& where) {
  return parse_or_throw(kHotspotStatusNames, text, where);
}

template <>
SightingEvent parse_stored<SightingEvent>(std::string_view text, const StoredColumn& where) {
  return parse_or_throw(kSightingEventNames, text, where);
}

template <>
HistorySource parse_stored<HistorySource>(std::string_view text, const StoredColumn& where) {
  return parse_or_throw(kHistorySourceNames, text, where);
}

template <>
Verdict parse_stored<Verdict>(std::string_view text, const StoredColumn& where) {
  return parse_or_throw(kVerdictNames, text, where);
}

template <>
Severity parse_stored<Severity>(std::string_view text, const StoredColumn& where) {
  return parse_or_throw(kSeverityNames, text, where);
}

template <>
kernels::ChangeType parse_stored<kernels::ChangeType>(std::string_view text, const StoredColumn& where) {
  return parse_or_throw(kernels::kChangeTypeNames, text, where);
}

template <>
UnitType parse_stored<UnitType>(std::string_view text, const StoredColumn& where) {
  // The unit types' table is private to config/unit_type.cpp, whose reader also accepts
  // Chinese and spreadsheet spellings: a stored value must be the English name itself.
  const std::optional<UnitType> type = unit_type_from_string(text);
  if (type && to_string(*type) == text) return *type;
  std::string expected;
  for (const UnitType t : {UnitType::priority, UnitType::key, UnitType::general}) {
    expected += (expected.empty() ? "" : ", ") + std::string(to_string(t));
  }
  unknown_value(text, where, expected);
}

}  // namespace zw
