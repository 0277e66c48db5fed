#pragma once
// One name table per enum (value, English name, Chinese name where there is one), so that
// writing a value, reading it back and listing the choices in an error message cannot
// drift apart. Here in kernels (it depends on nothing) so that the kernels' own enums use
// it too; the pipeline has it as zw::EnumNames (pipeline/core/enum_names.hpp):
//
//   constexpr EnumNames kUnitTypeNames{std::array{
//       EnumName<UnitType>{UnitType::priority, "priority", "优先保护单元"}, ...}};
//   kUnitTypeNames.name(UnitType::key);      // "key"
//   kUnitTypeNames.parse("key");             // UnitType::key
//   kUnitTypeNames.listing();                // "priority, key, general"
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace zw::kernels {

template <class Enum>
struct EnumName {
  Enum value;
  std::string_view name;          // English: written to files, accepted on input
  std::string_view chinese = {};  // as reports write it; empty where there is none
};

template <class Enum, std::size_t N>
class EnumNames {
 public:
  constexpr explicit EnumNames(std::array<EnumName<Enum>, N> entries) : entries_(entries) {}

  /// The English name; empty for a value the table does not list.
  [[nodiscard]] constexpr std::string_view name(Enum value) const {
    for (const auto& entry : entries_) {
      if (entry.value == value) return entry.name;
    }
    return {};
  }
  /// The Chinese name; empty for a value without one.
  [[nodiscard]] constexpr std::string_view chinese(Enum value) const {
    for (const auto& entry : entries_) {
      if (entry.value == value) return entry.chinese;
    }
    return {};
  }
  /// The value whose English name is exactly `text`. Callers normalise case and blanks
  /// first where their input allows them.
  [[nodiscard]] constexpr std::optional<Enum> parse(std::string_view text) const {
    for (const auto& entry : entries_) {
      if (entry.name == text) return entry.value;
    }
    return std::nullopt;
  }
  /// The value whose English name equals `text` ignoring ASCII case ("NIR" is nir).
  [[nodiscard]] constexpr std::optional<Enum> parse_any_case(std::string_view text) const {
    for (const auto& entry : entries_) {
      if (equal_ignoring_ascii_case(entry.name, text)) return entry.value;
    }
    return std::nullopt;
  }
  /// The value whose Chinese name is exactly `text`.
  [[nodiscard]] constexpr std::optional<Enum> parse_chinese(std::string_view text) const {
    if (text.empty()) return std::nullopt;
    for (const auto& entry : entries_) {
      if (entry.chinese == text) return entry.value;
    }
    return std::nullopt;
  }
  /// The English names in table order, e.g. "otsu, fixed, k_sigma" for error messages.
  [[nodiscard]] std::string listing(std::string_view separator = ", ") const {
    std::string out;
    for (const auto& entry : entries_) {
      if (!out.empty()) out += separator;
      out += entry.name;
    }
    return out;
  }
  [[nodiscard]] constexpr const std::array<EnumName<Enum>, N>& entries() const { return entries_; }

 private:
  static constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
  static constexpr bool equal_ignoring_ascii_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
  }

  std::array<EnumName<Enum>, N> entries_;
};

}  // namespace zw::kernels
