#include "zonewatch/pipeline/core/text_util.hpp"

#include <charconv>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <system_error>
#include <utility>

namespace zw::text {

std::string printf_string(const char* format, ...) {
  std::va_list arguments;
  va_start(arguments, format);
  std::va_list measuring;
  va_copy(measuring, arguments);
  const int length = std::vsnprintf(nullptr, 0, format, measuring);
  va_end(measuring);
  std::string out;
  if (length > 0) {
    out.resize(static_cast<std::size_t>(length) + 1);
    std::vsnprintf(out.data(), out.size(), format, arguments);
    out.resize(static_cast<std::size_t>(length));
  }
  va_end(arguments);
  return out;
}

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) return {};
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
  if (result.ec != std::errc{}) return {};
  std::string out(buffer, result.ptr);
  if (out.front() == '-' && out.find_first_not_of("-0.") == std::string::npos) out.erase(0, 1);
  return out;
}

std::string csv_escape(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// The characters after which a spreadsheet reads a cell as a formula (OWASP; tab and carriage
/// return because some spreadsheets strip them before looking at the first character).
bool starts_formula(std::string_view text) {
  return !text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos;
}

}  // namespace

bool is_plain_number(std::string_view text) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t first = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    return i > first;
  };
  if (i < text.size() && text[i] == '-') ++i;
  if (!digits()) return false;
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    if (!digits()) return false;
  }
  return i == text.size();
}

std::string neutralise_formula(std::string_view text) {
  if (!starts_formula(text) || is_plain_number(text)) return std::string(text);
  return "'" + std::string(text);
}

std::string restore_formula(std::string_view text) {
  const std::string_view rest = text.empty() ? text : text.substr(1);
  if (text.starts_with('\'') && starts_formula(rest) && !is_plain_number(rest)) text.remove_prefix(1);
  return std::string(text);
}

std::string csv_text(std::string_view field) { return csv_escape(neutralise_formula(field)); }

std::string csv_line(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += ',';
    line += csv_text(fields[i]);
  }
  line += "\r\n";
  return line;
}

std::vector<CsvRow> parse_csv(std::string_view text, bool* unterminated_quote) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  bool quoted = false, any = false;
  int line = 1;
  row.line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n' || (c == '\r' && !(i + 1 < text.size() && text[i + 1] == '\n'))) ++line;
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.fields.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.fields.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row = CsvRow{};
      row.line = ++line;
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (unterminated_quote != nullptr) *unterminated_quote = quoted;
  if (any || !field.empty()) {
    row.fields.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

namespace {

constexpr std::uint32_t kInvalidSequence = 0xFFFFFFFFu;
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

/// The code point at `i` and the bytes it takes; kInvalidSequence (one byte) where the bytes
/// there are not UTF-8 (overlong, surrogate, beyond U+10FFFF, truncated).
std::pair<std::uint32_t, std::size_t> code_point_at(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  std::size_t length = 0;
  std::uint32_t min_code = 0;
  std::uint32_t code = 0;
  if (c < 0x80) return {c, 1};
  if ((c & 0xE0) == 0xC0) {
    length = 2, min_code = 0x80, code = c & 0x1Fu;
  } else if ((c & 0xF0) == 0xE0) {
    length = 3, min_code = 0x800, code = c & 0x0Fu;
  } else if ((c & 0xF8) == 0xF0) {
    length = 4, min_code = 0x10000, code = c & 0x07u;
  } else {
    return {kInvalidSequence, 1};
  }
  if (i + length > text.size()) return {kInvalidSequence, 1};
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0) != 0x80) return {kInvalidSequence, 1};
    code = (code << 6) | (next & 0x3Fu);
  }
  if (code < min_code || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return {kInvalidSequence, 1};
  return {code, length};
}

/// C0 controls, DEL and the C1 controls (U+0080..U+009F, CSI among them).
bool is_control(std::uint32_t code) { return code < 0x20 || (code >= 0x7F && code <= 0x9F); }

}  // namespace

std::size_t invalid_utf8_offset(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto [code, length] = code_point_at(text, i);
    if (code == kInvalidSequence) return i;
    i += length;
  }
  return std::string_view::npos;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto [code, length] = code_point_at(text, i);
    switch (code) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\t':
      case '\n':
      case '\r': out += static_cast<char>(code); break;
      default:
        if (code == kInvalidSequence || is_control(code) || code == 0xFFFE || code == 0xFFFF) {
          out += kReplacement;
        } else {
          out.append(text.substr(i, length));
        }
    }
    i += length;
  }
  return out;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto [code, length] = code_point_at(text, i);
    if (code == kInvalidSequence || is_control(code)) {
      out += kReplacement;
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

std::string id_problem(std::string_view id) {
  if (const auto bad = invalid_utf8_offset(id); bad != std::string_view::npos) {
    return "is not UTF-8 (byte " + std::to_string(bad) + ")";
  }
  for (std::size_t i = 0; i < id.size();) {
    const auto [code, length] = code_point_at(id, i);
    if (is_control(code)) return printf_string("holds the control character U+%04X", static_cast<unsigned>(code));
    if (code == '/' || code == '\\') return printf_string("holds a path separator '%c'", static_cast<char>(code));
    if (code < 0x80 && std::string_view("<>:\"|?*").find(static_cast<char>(code)) != std::string_view::npos) {
      return printf_string("holds '%c', which file names on Windows cannot hold", static_cast<char>(code));
    }
    i += length;
  }
  if (starts_formula(id)) {
    return printf_string("starts with '%c', which spreadsheets run as a formula", id.front());
  }
  return {};
}

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string dms(double degrees, bool latitude) {
  if (!std::isfinite(degrees)) return {};
  const char hemisphere = latitude ? (degrees >= 0 ? 'N' : 'S') : (degrees >= 0 ? 'E' : 'W');
  // Round to 0.1" first so 59.96" never prints as 60.0".
  const long long tenths = std::llround(std::abs(degrees) * 36000.0);
  const long long d = tenths / 36000;
  const long long m = (tenths / 600) % 60;
  const double s = static_cast<double>(tenths % 600) / 10.0;
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%lld°%02lld'%04.1f\"%c", d, m, s, hemisphere);
  return buffer;
}

std::size_t display_width(std::string_view utf8) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    const auto byte = static_cast<unsigned char>(utf8[i]);
    std::uint32_t code = byte;
    std::size_t length = 1;
    if (byte >= 0xF0 && i + 3 < utf8.size()) {
      code = ((byte & 0x07u) << 18) | ((static_cast<unsigned char>(utf8[i + 1]) & 0x3Fu) << 12) |
             ((static_cast<unsigned char>(utf8[i + 2]) & 0x3Fu) << 6) |
             (static_cast<unsigned char>(utf8[i + 3]) & 0x3Fu);
      length = 4;
    } else if (byte >= 0xE0 && i + 2 < utf8.size()) {
      code = ((byte & 0x0Fu) << 12) | ((static_cast<unsigned char>(utf8[i + 1]) & 0x3Fu) << 6) |
             (static_cast<unsigned char>(utf8[i + 2]) & 0x3Fu);
      length = 3;
    } else if (byte >= 0xC0 && i + 1 < utf8.size()) {
      code = ((byte & 0x1Fu) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3Fu);
      length = 2;
    }
    const bool wide = (code >= 0x1100 && code <= 0x115F) || (code >= 0x2E80 && code <= 0xA4CF) ||
                      (code >= 0xAC00 && code <= 0xD7A3) || (code >= 0xF900 && code <= 0xFAFF) ||
                      (code >= 0xFE30 && code <= 0xFE4F) || (code >= 0xFF00 && code <= 0xFF60) ||
                      (code >= 0xFFE0 && code <= 0xFFE6) || (code >= 0x20000 && code <= 0x3FFFD);
    width += wide ? 2 : 1;
    i += length;
  }
  return width;
}

std::string pad_right(std::string_view utf8, std::size_t width) {
  std::string out(utf8);
  const std::size_t used = display_width(utf8);
  if (used < width) out.append(width - used, ' ');
  return out;
}

namespace {

std::string_view trimmed_of(std::string_view text, std::string_view characters) {
  const auto first = text.find_first_not_of(characters);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(characters) - first + 1);
}

}  // namespace

std::string trim(std::string_view text) { return std::string(trimmed_of(text, " \t\n\v\f\r")); }

std::string trim_blanks(std::string_view text) { return std::string(trimmed_of(text, " \t")); }

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string lower_trimmed(std::string_view text) { return lower(trim_blanks(text)); }

}  // namespace zw::text
