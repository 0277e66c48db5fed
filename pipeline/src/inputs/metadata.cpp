#include "zonewatch/pipeline/inputs/metadata.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <memory>

#include <cpl_minixml.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw {
namespace fs = std::filesystem;

namespace {

constexpr double kPi = 3.14159265358979323846;

using text::trim;
using text::upper;

std::optional<double> parse_number(const std::string& text) {
  const std::string t = trim(text);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end == nullptr || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v;
}

// --- XML helpers (namespace prefixes stripped) ------------------------------------------

struct XmlDeleter {
  void operator()(CPLXMLNode* node) const { CPLDestroyXMLNode(node); }
};
using XmlPtr = std::unique_ptr<CPLXMLNode, XmlDeleter>;

XmlPtr parse_xml(const std::string& path) {
  const std::string text = read_text_file(path);
  take_gdal_error();
  XmlPtr root(CPLParseXMLString(text.c_str()));
  if (!root) throw InputError(path + ": not well-formed XML" + gdal_error_suffix());
  CPLStripXMLNamespace(root.get(), nullptr, TRUE);
  return root;
}

void collect_elements(const CPLXMLNode* node, std::string_view name, std::vector<const CPLXMLNode*>& out) {
  for (const CPLXMLNode* n = node; n != nullptr; n = n->psNext) {
    if (n->eType != CXT_Element) continue;
    if (name == n->pszValue) out.push_back(n);
    collect_elements(n->psChild, name, out);
  }
}

std::vector<const CPLXMLNode*> elements(const CPLXMLNode* root, std::string_view name) {
  std::vector<const CPLXMLNode*> out;
  collect_elements(root, name, out);
  return out;
}

/// Text content of an element (its first text child), trimmed.
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

/// Text of the first element named `name` anywhere under root; "" when none.
std::string first_text(const CPLXMLNode* root, std::string_view name) {
  const auto found = elements(root, name);
  return found.empty() ? std::string() : text_of(found.front());
}

/// First 10 characters as a date when they are one ("2017-04-14T03:25:41.026Z").
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

// Sentinel-2 band_id (0-12) order in RADIO_ADD_OFFSET / BOA_ADD_OFFSET.
constexpr std::array<std::string_view, 13> kS2Bands{"B01", "B02", "B03", "B04", "B05", "B06", "B07",
                                                    "B08", "B8A", "B09", "B10", "B11", "B12"};

/// Band name and resolution (metres, 0 unknown) of a Sentinel-2 image file stem:
/// T48RXT_20170414T032541_B02 (L1C), T48RXT_20240701T032541_B02_10m (L2A).
std::pair<std::string, int> s2_band_of(const std::string& stem) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto us = stem.find('_', start);
    parts.push_back(stem.substr(start, us == std::string::npos ? std::string::npos : us - start));
    if (us == std::string::npos) break;
    start = us + 1;
  }
  int resolution = 0;
  if (parts.size() >= 2) {
    const std::string& last = parts.back();
    if (last.size() >= 2 && (last.back() == 'm' || last.back() == 'M') &&
        std::all_of(last.begin(), last.end() - 1, [](unsigned char c) { return std::isdigit(c) != 0; })) {
      resolution = std::stoi(last.substr(0, last.size() - 1));
      parts.pop_back();
    }
  }
  return {upper(parts.back()), resolution};
}

bool is_raster_file_name(const std::string& name) {
  const std::string ext = upper(fs::path(name).extension().string());
  return ext == ".JP2" || ext == ".TIF" || ext == ".TIFF";
}

/// Adds the image files in `dir` to `files`, keeping the finest resolution per band.
void add_s2_images(const std::string& dir, std::map<std::string, std::pair<std::string, int>>& files) {
  for (const auto& name : vsi_list_dir(dir)) {
    if (!is_raster_file_name(name)) continue;
    const auto [band, resolution] = s2_band_of(fs::path(name).stem().string());
    auto it = files.find(band);
    const int r = resolution > 0 ? resolution : 1000;
    if (it == files.end() || r < it->second.second) files[band] = {(fs::path(dir) / name).string(), r};
  }
}

}  // namespace

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
  const auto digit = [&](std::size_t i) { return i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])); };
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

// --- MTL ------------------------------------------------------------------------------

MtlFile MtlFile::parse(const std::string& text, const std::string& path) {
  MtlFile mtl;
  mtl.path_ = path;
  std::vector<std::string> groups;
  bool any_group = false;
  std::size_t line_no = 0, start = 0;
  while (start <= text.size()) {
    const auto nl = text.find('\n', start);
    const std::string line = trim(std::string_view(text).substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    start = nl == std::string::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    if (line.empty()) continue;
    if (line == "END") break;
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      throw InputError(path + ": line " + std::to_string(line_no) + " is not KEY = VALUE: '" + line + "'");
    }
    const std::string key = trim(std::string_view(line).substr(0, eq));
    std::string value = trim(std::string_view(line).substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (key.empty()) throw InputError(path + ": line " + std::to_string(line_no) + " has no key");
    if (key == "GROUP") {
      groups.push_back(value);
      any_group = true;
    } else if (key == "END_GROUP") {
      if (groups.empty() || groups.back() != value) {
        throw InputError(path + ": line " + std::to_string(line_no) + ": END_GROUP = " + value +
                         " does not close " + (groups.empty() ? std::string("any group") : "GROUP = " + groups.back()));
      }
      groups.pop_back();
    } else {
      mtl.entries_.push_back({groups.empty() ? std::string() : groups.back(), key, value});
    }
  }
  if (!any_group) throw InputError(path + ": not a Landsat MTL file (no GROUP = ... lines)");
  return mtl;
}

MtlFile MtlFile::read(const std::string& path) { return parse(read_text_file(path), path); }

std::optional<std::string> MtlFile::find(const std::string& key, const std::vector<std::string>& groups) const {
  if (groups.empty()) {
    for (const auto& e : entries_) {
      if (e.key == key) return e.value;
    }
    return std::nullopt;
  }
  for (const auto& g : groups) {
    for (const auto& e : entries_) {
      if (e.group == g && e.key == key) return e.value;
    }
  }
  return std::nullopt;
}

std::string MtlFile::require(const std::string& key, const std::vector<std::string>& groups) const {
  if (auto v = find(key, groups)) return *v;
  std::string where = groups.empty() ? key : groups.front() + "." + key;
  for (std::size_t i = 1; i < groups.size(); ++i) where += "' or '" + groups[i] + "." + key;
  throw InputError(path_ + ": key '" + where + "' missing");
}

double MtlFile::require_number(const std::string& key, const std::vector<std::string>& groups) const {
  const std::string text = require(key, groups);
  if (auto v = parse_number(text)) return *v;
  throw InputError(path_ + ": key '" + key + "' is '" + text + "', not a number");
}

std::string landsat_band_number(const std::string& token) {
  std::string t = upper(token);
  if (t.starts_with("SR_")) t = t.substr(3);
  if (t.size() < 2 || t[0] != 'B') return {};
  const std::string digits = t.substr(1);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return {};
  }
  return std::to_string(std::stoi(digits));
}

std::string LandsatMetadata::profile_name() const {
  if (surface_reflectance()) {
    switch (mission) {
      case 4:
      case 5: return "landsat5-tm";
      case 7: return "landsat7-etm";
      case 8: return "landsat8-oli";
      default: return "landsat9-oli";
    }
  }
  return mission >= 8 ? "landsat-oli-l1" : "landsat-tm-etm-l1";
}

std::pair<double, double> LandsatMetadata::calibration(const std::string& band) const {
  if (surface_reflectance()) {
    const std::vector<std::string> groups{"LEVEL2_SURFACE_REFLECTANCE_PARAMETERS"};
    return {mtl.require_number("REFLECTANCE_MULT_BAND_" + band, groups),
            mtl.require_number("REFLECTANCE_ADD_BAND_" + band, groups)};
  }
  const std::vector<std::string> groups{collection == 1 ? "RADIOMETRIC_RESCALING" : "LEVEL1_RADIOMETRIC_RESCALING"};
  const double mult = mtl.require_number("REFLECTANCE_MULT_BAND_" + band, groups);
  const double add = mtl.require_number("REFLECTANCE_ADD_BAND_" + band, groups);
  const double sine = std::sin(sun_elevation_deg * kPi / 180.0);
  return {mult / sine, add / sine};
}

LandsatMetadata read_landsat_mtl(const std::string& mtl_path) {
  LandsatMetadata m;
  m.mtl_path = mtl_path;
  m.mtl = MtlFile::read(mtl_path);
  const MtlFile& mtl = m.mtl;

  const double collection = mtl.require_number("COLLECTION_NUMBER");
  if (collection != 1.0 && collection != 2.0) {
    throw InputError(mtl_path + ": key 'COLLECTION_NUMBER' is " + mtl.require("COLLECTION_NUMBER") +
                     "; only Landsat Collection 1 and 2 products are supported");
  }
  m.collection = static_cast<int>(collection);
  const bool c1 = m.collection == 1;
  // Collection 1 keeps most keys in PRODUCT_METADATA, Collection 2 in IMAGE_ATTRIBUTES and
  // PRODUCT_CONTENTS.
  const std::vector<std::string> attribute_groups =
      c1 ? std::vector<std::string>{"PRODUCT_METADATA"} : std::vector<std::string>{"IMAGE_ATTRIBUTES"};
  const std::vector<std::string> content_groups =
      c1 ? std::vector<std::string>{"PRODUCT_METADATA"} : std::vector<std::string>{"PRODUCT_CONTENTS"};

  const std::string spacecraft = mtl.require("SPACECRAFT_ID", attribute_groups);
  if (!spacecraft.starts_with("LANDSAT_") || spacecraft.size() != 9 ||
      std::string_view("45789").find(spacecraft.back()) == std::string_view::npos) {
    throw InputError(mtl_path + ": key 'SPACECRAFT_ID' is '" + spacecraft +
                     "'; supported are LANDSAT_4, LANDSAT_5, LANDSAT_7, LANDSAT_8 and LANDSAT_9");
  }
  m.mission = spacecraft.back() - '0';
  m.sensor_id = mtl.require("SENSOR_ID", attribute_groups);
  m.date = mtl.require("DATE_ACQUIRED", attribute_groups);
  if (!is_iso_date(m.date)) {
    throw InputError(mtl_path + ": key 'DATE_ACQUIRED' is '" + m.date + "', not a date YYYY-MM-DD");
  }
  m.product_id = mtl.find("LANDSAT_PRODUCT_ID").value_or(fs::path(mtl_path).stem().string());
  m.level = c1 ? mtl.require("DATA_TYPE", {"PRODUCT_METADATA"}) : mtl.require("PROCESSING_LEVEL", {"PRODUCT_CONTENTS"});
  if (c1 && m.level.starts_with("L2")) {
    throw InputError(mtl_path + ": key 'DATA_TYPE' is " + m.level +
                     "; Collection 1 Level-2 (ESPA) products are not supported");
  }
  if (!m.surface_reflectance()) {
    m.sun_elevation_deg = mtl.require_number("SUN_ELEVATION", {"IMAGE_ATTRIBUTES"});
    if (!(m.sun_elevation_deg > 0.0 && m.sun_elevation_deg <= 90.0)) {
      throw InputError(mtl_path + ": key 'SUN_ELEVATION' is " + mtl.require("SUN_ELEVATION") +
                       "; TOA reflectance needs the sun above the horizon");
    }
  }

  const fs::path dir = fs::path(mtl_path).parent_path();
  // Band files: FILE_NAME_BAND_<name> in the content group.
  const std::string prefix = "FILE_NAME_BAND_";
  // Probe the band names Landsat uses (1-11, and ETM+'s two thermal gains).
  for (int b = 1; b <= 11; ++b) {
    const std::string name = std::to_string(b);
    if (auto file = mtl.find(prefix + name, content_groups)) m.band_files[name] = (dir / *file).string();
  }
  for (const char* name : {"6_VCID_1", "6_VCID_2"}) {
    if (auto file = mtl.find(prefix + name, content_groups)) m.band_files[name] = (dir / *file).string();
  }
  if (c1) {
    if (auto q = mtl.find("FILE_NAME_BAND_QUALITY", content_groups)) m.quality_file = (dir / *q).string();
    m.quality_encoding = m.mission >= 8 ? kernels::QualityEncoding::landsat_bqa_c1_oli
                                        : kernels::QualityEncoding::landsat_bqa_c1_tm_etm;
  } else {
    if (auto q = mtl.find("FILE_NAME_QUALITY_L1_PIXEL", content_groups)) m.quality_file = (dir / *q).string();
    m.quality_encoding = kernels::QualityEncoding::landsat_qa_pixel;
  }
  return m;
}

// --- Sentinel-2 ---------------------------------------------------------------------------

std::string Sentinel2Metadata::profile_name() const {
  const bool offset = baseline_hundredths >= 400;
  if (level == "L2A") return offset ? "sentinel2-l2a" : "sentinel2-l2a-pre0400";
  return offset ? "sentinel2-l1c-0400" : "sentinel2-l1c";
}

std::pair<double, double> Sentinel2Metadata::calibration(const std::string& band) const {
  const auto it = add_offset.find(upper(band));
  const double add = it == add_offset.end() ? 0.0 : it->second;
  return {1.0 / quantification, add / quantification};
}

Sentinel2Metadata read_sentinel2_mtd(const std::string& mtd_path) {
  Sentinel2Metadata m;
  m.mtd_path = mtd_path;
  m.product_dir = fs::path(mtd_path).parent_path().string();
  const XmlPtr root = parse_xml(mtd_path);
  const std::string file_name = upper(fs::path(mtd_path).filename().string());

  const std::string product_type = first_text(root.get(), "PRODUCT_TYPE");
  if (product_type.find("2A") != std::string::npos || file_name.find("MSIL2A") != std::string::npos) {
    m.level = "L2A";
  } else if (product_type.find("1C") != std::string::npos || file_name.find("MSIL1C") != std::string::npos) {
    m.level = "L1C";
  } else {
    throw InputError(mtd_path + ": key 'PRODUCT_TYPE' is '" + product_type +
                     "'; expected a Sentinel-2 Level-1C or Level-2A product (S2MSI1C / S2MSI2A)");
  }
  m.spacecraft = first_text(root.get(), "SPACECRAFT_NAME");

  std::string start = first_text(root.get(), "PRODUCT_START_TIME");
  if (start.empty()) start = first_text(root.get(), "DATATAKE_SENSING_START");
  if (start.empty()) throw InputError(mtd_path + ": key 'PRODUCT_START_TIME' missing");
  m.date = date_prefix(start);
  if (m.date.empty()) throw InputError(mtd_path + ": key 'PRODUCT_START_TIME' is '" + start + "', not a date");

  m.baseline = first_text(root.get(), "PROCESSING_BASELINE");
  if (m.baseline.empty()) throw InputError(mtd_path + ": key 'PROCESSING_BASELINE' missing");
  const bool shaped = m.baseline.size() == 5 && m.baseline[2] == '.' &&
                      std::isdigit(static_cast<unsigned char>(m.baseline[0])) &&
                      std::isdigit(static_cast<unsigned char>(m.baseline[1])) &&
                      std::isdigit(static_cast<unsigned char>(m.baseline[3])) &&
                      std::isdigit(static_cast<unsigned char>(m.baseline[4]));
  if (shaped) m.baseline_hundredths = std::stoi(m.baseline.substr(0, 2)) * 100 + std::stoi(m.baseline.substr(3, 2));
  if (!shaped || m.baseline_hundredths < 200 || m.baseline_hundredths >= 600) {
    throw InputError(mtd_path + ": key 'PROCESSING_BASELINE' is '" + m.baseline +
                     "', not a known processing baseline (02.00 to 05.xx); zonewatch does not guess the "
                     "radiometric offset of an unknown one");
  }

  const char* quantification_key = m.level == "L2A" ? "BOA_QUANTIFICATION_VALUE" : "QUANTIFICATION_VALUE";
  const std::string q = first_text(root.get(), quantification_key);
  if (q.empty()) throw InputError(mtd_path + ": key '" + std::string(quantification_key) + "' missing");
  const auto qv = parse_number(q);
  if (!qv || *qv <= 0.0) {
    throw InputError(mtd_path + ": key '" + std::string(quantification_key) + "' is '" + q + "', not a positive number");
  }
  m.quantification = *qv;

  const char* offset_key = m.level == "L2A" ? "BOA_ADD_OFFSET" : "RADIO_ADD_OFFSET";
  for (const CPLXMLNode* e : elements(root.get(), offset_key)) {
    const std::string id = attribute_of(e, "band_id");
    const auto index = parse_number(id);
    const auto value = parse_number(text_of(e));
    if (!index || *index < 0 || *index >= static_cast<double>(kS2Bands.size()) || !value) {
      throw InputError(mtd_path + ": key '" + std::string(offset_key) + "' (band_id '" + id + "') is '" + text_of(e) +
                       "', not a band offset");
    }
    m.add_offset[std::string(kS2Bands[static_cast<std::size_t>(*index)])] = *value;
  }
  if (m.baseline_hundredths >= 400 && m.add_offset.empty()) {
    throw InputError(mtd_path + ": key '" + std::string(offset_key) + "' missing; processing baseline " + m.baseline +
                     " products carry it (04.00 and later)");
  }

  for (const CPLXMLNode* sv : elements(root.get(), "Special_Values")) {
    if (first_text(sv, "SPECIAL_VALUE_TEXT") == "NODATA") {
      m.nodata = parse_number(first_text(sv, "SPECIAL_VALUE_INDEX"));
    }
  }

  // Image files: the IMAGE_FILE list (paths relative to the product, no extension).
  std::map<std::string, std::pair<std::string, int>> files;
  for (const CPLXMLNode* e : elements(root.get(), "IMAGE_FILE")) {
    const std::string relative = text_of(e);
    if (relative.empty()) continue;
    for (const char* ext : {".jp2", ".tif", ".TIF", ".tiff"}) {
      const std::string candidate = (fs::path(m.product_dir) / (relative + ext)).string();
      if (!vsi_stat(candidate).exists) continue;
      const auto [band, resolution] = s2_band_of(fs::path(relative).filename().string());
      const int r = resolution > 0 ? resolution : 1000;
      auto it = files.find(band);
      if (it == files.end() || r < it->second.second) files[band] = {candidate, r};
      break;
    }
  }
  if (files.empty()) {
    // Exported or re-packed products: GRANULE/*/IMG_DATA[/R10m ...], or bands beside the MTD.
    const std::string granules = (fs::path(m.product_dir) / "GRANULE").string();
    for (const auto& g : vsi_list_dir(granules)) {
      const std::string img = (fs::path(granules) / g / "IMG_DATA").string();
      add_s2_images(img, files);
      for (const char* sub : {"R10m", "R20m", "R60m"}) add_s2_images((fs::path(img) / sub).string(), files);
    }
    if (files.empty()) add_s2_images(m.product_dir, files);
  }
  for (const auto& [band, file] : files) m.band_files[band] = file.first;
  return m;
}

// --- Chinese sensors ----------------------------------------------------------------------

std::string ChineseSensorMetadata::profile_name() const {
  const std::string sat = upper(satellite), sen = upper(sensor);
  if ((sat == "GF1" || sat == "GF6") && sen.starts_with("WFV")) return sat == "GF1" ? "gf1-wfv" : "gf6-wfv";
  if (sat == "GF2" && (sen.starts_with("PMS") || sen == "MSS")) return "gf2-pms";
  if (sat == "CBERS4" || sat == "CBERS-4") {
    if (sen.find("AWFI") != std::string::npos || sen == "WFI") return "cbers4-awfi";
    if (sen.find("MUX") != std::string::npos) return "cbers4-mux";
  }
  return {};
}

ChineseSensorMetadata read_chinese_sensor_xml(const std::string& xml_path) {
  const XmlPtr root = parse_xml(xml_path);
  ChineseSensorMetadata m;
  m.satellite = upper(first_text(root.get(), "SatelliteID"));
  m.sensor = upper(first_text(root.get(), "SensorID"));
  if (m.satellite.empty()) {
    // CBERS (INPE): <satellite><name>CBERS</name><number>4</number><instrument>AWFI</instrument>
    for (const CPLXMLNode* s : elements(root.get(), "satellite")) {
      const std::string name = upper(first_text(s, "name"));
      if (name.empty()) continue;
      m.satellite = name + upper(first_text(s, "number"));
      m.sensor = upper(first_text(s, "instrument"));
      break;
    }
  }
  for (const char* key : {"CenterTime", "StartTime", "ImagingTime", "ReceiveTime"}) {
    const std::string t = first_text(root.get(), key);
    if (!t.empty() && !(m.date = date_prefix(t)).empty()) break;
  }
  if (m.date.empty()) {
    for (const CPLXMLNode* v : elements(root.get(), "viewing")) {
      for (const char* key : {"center", "begin"}) {
        const std::string t = first_text(v, key);
        if (!t.empty() && !(m.date = date_prefix(t)).empty()) break;
      }
      if (!m.date.empty()) break;
    }
  }
  return m;
}

std::string profile_from_chinese_name(std::string_view file_name) {
  std::string name = upper(std::string(file_name));
  std::replace(name.begin(), name.end(), '-', '_');
  if (name.starts_with("GF1_WFV")) return "gf1-wfv";
  if (name.starts_with("GF6_WFV")) return "gf6-wfv";
  if (name.starts_with("GF2_PMS")) return "gf2-pms";
  if (name.starts_with("CBERS_4_AWFI") || name.starts_with("CBERS4_AWFI") || name.starts_with("CBERS_4_WFI")) {
    return "cbers4-awfi";
  }
  if (name.starts_with("CBERS_4_MUX") || name.starts_with("CBERS4_MUX")) return "cbers4-mux";
  return {};
}

}  // namespace zw
