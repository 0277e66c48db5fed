#include <algorithm>
#include <cctype>
#include <string>

#include "zonewatch/pipeline/stages/results.hpp"
#include "zonewatch/pipeline/inputs/units.hpp"

namespace zw {

std::string_view to_string(UnitType type) {
  switch (type) {
    case UnitType::priority: return "priority";
    case UnitType::key: return "key";
    case UnitType::general: return "general";
  }
  return "general";
}

std::string_view chinese_name(UnitType type) {
  switch (type) {
    case UnitType::priority: return "优先保护单元";
    case UnitType::key: return "重点管控单元";
    case UnitType::general: return "一般管控单元";
  }
  return "一般管控单元";
}

std::optional<UnitType> unit_type_from_string(std::string_view text) {
  // Trim ASCII whitespace; attribute tables exported from spreadsheets often carry it.
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (UnitType t : {UnitType::priority, UnitType::key, UnitType::general}) {
    if (lower == to_string(t) || text == chinese_name(t)) return t;
  }
  // Short forms used in provincial ledgers.
  if (text == "优先保护" || lower == "priority protection") return UnitType::priority;
  if (text == "重点管控" || lower == "key control") return UnitType::key;
  if (text == "一般管控" || lower == "general control") return UnitType::general;
  return std::nullopt;
}

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::low: return "low";
    case Severity::medium: return "medium";
    case Severity::high: return "high";
  }
  return "low";
}

}  // namespace zw
