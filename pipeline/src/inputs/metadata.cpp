// What the product metadata readers share: reading text files, dates in file names and
// timestamps, numbers and XML. The readers are metadata_landsat.cpp, metadata_sentinel2.cpp and
// metadata_china.cpp.
#include "zonewatch/pipeline/inputs/metadata.hpp"

#include <cctype>
#include <cmath>

#include <cpl_minixml.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include "metadata_parsing.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw {

namespace inputs_detail {

using text::trim;

std::optional<double> parse_number(const std::string& text) {
  const std::string t = trim(text);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end == nullptr || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v;
}

// --- XML helpers (namespace prefixes stripped) ------------------------------------------

XmlPtr parse_xml(const std::string& path) {
  const std::string text = read_text_file(path);
  take_gdal_error();
  XmlPtr root(CPLParseXMLString(text.c_str()));
  if (!root) throw InputError(path + ": not well-formed XML" + gdal_error_suffix());
  CPLStripXMLNamespace(root.get(), nullptr, TRUE);
  return root;
}

namespace {

void collect_elements(const CPLXMLNode* node, std::string_view name, std::vector<const CPLXMLNode*>& out) {
  for (const CPLXMLNode* n = node; n != nullptr; n = n->psNext) {
    if (n->eType != CXT_Element) continue;
    if (name == n->pszValue) out.push_back(n);
    collect_elements(n->psChild, name, out);
  }
}

}  // namespace

std::vector<const CPLXMLNode*> elements(const CPLXMLNode* root, std::string_view name) {
  std::vector<const CPLXMLNode*> out;
  collect_elements(root, name, out);
  return out;
}

std::string text_of(const CPLXMLNode* element) {
  for (const CPLXMLNode* c = element->psChild; c != nullptr; c = c->psNext) {
    if (c->eType == CXT_Text && c->pszValue != nullptr) return trim(c->pszValue);
  }
  return {};
}

std::string attribute_of(const CPLXMLNode* element, std::string_view name) {
  for (const CPLXMLNode* c = element->psChild; c != nullptr; c = c->psNext) {
    if (c->eType == CXT_Attribute && name == c->pszValue && c->psChild != nullptr) return trim(c->psChild->pszValue);
  }
  return {};
}

std::string first_text(const CPLXMLNode* root, std::string_view name) {
  const auto found = elements(root, name);
  return found.empty() ? std::string() : text_of(found.front());
}

std::string date_prefix(const std::string& timestamp) {
  if (timestamp.size() >= 10 && is_iso_date(std::string_view(timestamp).substr(0, 10))) return timestamp.substr(0, 10);
  // "2013/10/14 11:20:54" and "20131014..." appear in some Chinese XML.
  if (timestamp.size() >= 10 && timestamp[4] == '/' && timestamp[7] == '/') {
    std::string d = timestamp.substr(0, 10);
    d[4] = d[7] = '-';
    if (is_iso_date(d)) return d;
  }
  return date_from_name(timestamp);
}

}  // namespace inputs_detail

std::string read_text_file(const std::string& path) {
  GByte* data = nullptr;
  vsi_l_offset size = 0;
  take_gdal_error();
  if (!VSIIngestFile(nullptr, path.c_str(), &data, &size, 64 * 1024 * 1024)) {
    throw InputError(path + ": cannot be read" + gdal_error_suffix());
  }
  std::string text(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
  VSIFree(data);
  return text;
}

std::string date_from_name(std::string_view name) {
  const auto digit = [&](std::size_t i) {
    return i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]));
  };
  for (std::size_t i = 0; i + 8 <= name.size(); ++i) {
    if (i > 0 && digit(i - 1)) continue;  // must start a run of digits
    if (!(digit(i) && digit(i + 1) && digit(i + 2) && digit(i + 3))) continue;
    std::optional<Date> date;
    std::size_t end = 0;
    if (i + 10 <= name.size() && (name[i + 4] == '-' || name[i + 4] == '_') && name[i + 7] == name[i + 4] &&
        digit(i + 5) && digit(i + 6) && digit(i + 8) && digit(i + 9)) {
      std::string iso(name.substr(i, 10));
      iso[4] = iso[7] = '-';
      date = Date::parse_iso(iso);
      end = i + 10;
    } else if (digit(i + 4) && digit(i + 5) && digit(i + 6) && digit(i + 7)) {
      // YYYYMMDD must be a run of exactly 8 digits (not part of a longer number), or be
      // followed by 'T' (YYYYMMDDTHHMMSS).
      if (digit(i + 8)) continue;
      date = Date::parse_compact(name.substr(i, 8));
      end = i + 8;
    } else {
      continue;
    }
    if (digit(end)) continue;
    if (!date || date->year() < 1972 || date->year() > 2099) continue;
    return date->iso();
  }
  return {};
}
}  // namespace zw
