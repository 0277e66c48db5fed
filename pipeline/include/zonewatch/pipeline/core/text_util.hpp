#pragma once
// Text helpers shared by the pipeline: CSV writing and reading, XML/HTML escaping, base64,
// locale-independent numbers, DMS, trimming and ASCII case.
#include <string>
#include <string_view>
#include <vector>

namespace zw::text {

/// printf into a string of any length; widths count bytes, exactly as printf does.
[[gnu::format(printf, 1, 2)]] std::string printf_string(const char* format, ...);

/// Fixed-point text independent of the global locale; "" for NaN and infinities.
std::string fixed(double value, int decimals);

/// RFC 4180 field: quoted when it holds a separator, quote or line break.
std::string csv_escape(std::string_view field);
/// One CSV line (CRLF-terminated) from fields.
std::string csv_line(const std::vector<std::string>& fields);

/// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF / LF / CR line ends; a UTF-8
/// byte-order mark is skipped). Each row carries the 1-based line on which it starts.
struct CsvRow {
  int line = 0;
  std::vector<std::string> fields;
};
std::vector<CsvRow> parse_csv(std::string_view text, bool* unterminated_quote = nullptr);

/// Byte offset of the first invalid UTF-8 sequence, or npos when the text is valid.
std::size_t invalid_utf8_offset(std::string_view text);

/// Escapes &, <, >, " and ' for XML text and attribute values (KML, GPX, HTML).
std::string xml_escape(std::string_view text);

std::string base64(std::string_view bytes);

/// Degrees as D°MM'SS.S"H, e.g. 29°24'41.5"N.
std::string dms(double degrees, bool latitude);

/// Columns a UTF-8 string takes in a terminal: East Asian wide characters (CJK, Hangul,
/// fullwidth forms) take two, others one.
std::size_t display_width(std::string_view utf8);
/// `utf8` followed by spaces up to `width` terminal columns (printf's %-Ns counts bytes,
/// which misaligns Chinese text).
std::string pad_right(std::string_view utf8, std::size_t width);

/// Trimmed of ASCII white space (blank, tab, line ends, form feed, vertical tab).
std::string trim(std::string_view text);
/// Trimmed of blanks and tabs only (a line end inside a CSV field is kept).
std::string trim_blanks(std::string_view text);
/// ASCII upper case (other bytes unchanged).
std::string upper(std::string_view text);
/// ASCII lower case (other bytes unchanged).
std::string lower(std::string_view text);
/// ASCII lower case (other bytes unchanged) and trimmed of blanks.
std::string lower_trimmed(std::string_view text);

}  // namespace zw::text
