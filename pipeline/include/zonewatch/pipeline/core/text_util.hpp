#pragma once
// Text helpers shared by the pipeline: CSV writing and reading, XML/HTML escaping, base64,
// locale-independent numbers, DMS, trimming and ASCII case.
//
// Untrusted text (unit names, codes, regions, approval numbers, inspectors' notes) stays text:
// every CSV writer goes through csv_text / csv_line (RFC 4180 quoting + formula injection
// neutralised), every KML, GPX and HTML writer through xml_escape, terminal reports through
// printable, and unit codes that become IDs and file names are checked by id_problem.
#include <string>
#include <string_view>
#include <vector>

namespace zw::text {

/// printf into a string of any length; widths count bytes, exactly as printf does.
[[gnu::format(printf, 1, 2)]] std::string printf_string(const char* format, ...);

/// Fixed-point text independent of the global locale; "" for NaN and infinities.
std::string fixed(double value, int decimals);

/// RFC 4180 field: quoted when it holds a separator, quote or line break. Quoting only: for
/// text from outside use csv_text, which also neutralises formulas.
std::string csv_escape(std::string_view field);

/// True for text a spreadsheet reads as a plain number: an optional '-', digits, an optional
/// fraction and an optional exponent ("-3.5", "12", "-1e-3"); nothing else.
bool is_plain_number(std::string_view text);
/// Text a spreadsheet shows instead of running it as a formula (OWASP CSV injection): text
/// starting with = + - @, a tab or a carriage return gets a leading apostrophe ('), except a
/// plain negative number such as "-3.5", which stays a number.
std::string neutralise_formula(std::string_view text);
/// Undoes neutralise_formula on text read back from a CSV: the apostrophe it puts before
/// = + - @, a tab or a carriage return is dropped (a spreadsheet drops it too when it saves
/// the cell); "'-3.5" stays as it is.
std::string restore_formula(std::string_view text);
/// A CSV field for any text: csv_escape(neutralise_formula(text)).
std::string csv_text(std::string_view field);
/// One CSV line (CRLF-terminated) from fields, each written with csv_text (numbers formatted
/// as text, such as "-3.5", stay numbers).
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

/// Escapes &, <, >, " and ' for XML text and attribute values (KML, GPX, HTML), and replaces
/// what XML 1.0 does not allow (control characters other than tab, line feed and carriage
/// return; U+FFFE, U+FFFF) and bytes that are not UTF-8 with U+FFFD, so the document stays
/// well-formed and the tampering visible. Escaped text is safe inside elements and quoted
/// attributes; never put it inside <script> or <style>, or unquoted attributes.
std::string xml_escape(std::string_view text);

/// Text for a terminal: control characters (C0 including tab and line ends, DEL, C1) and bytes
/// that are not UTF-8 become U+FFFD, so untrusted text cannot move the cursor, recolour or
/// retitle the terminal, or break a table line.
std::string printable(std::string_view text);

/// Why `id` cannot be used as (part of) an ID, a file name and a spreadsheet cell: "" when it
/// can, else e.g. "holds a path separator '/'". Refused: bytes that are not UTF-8, control
/// characters, path separators (/ \), characters file names on Windows cannot hold
/// (< > : " | ? *) and a leading formula character (= + - @).
std::string id_problem(std::string_view id);

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
