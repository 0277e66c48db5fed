// Landsat Collection 1 and 2 metadata: the MTL text file, band numbers, and the calibration
// to reflectance it gives.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "metadata_parsing.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/inputs/metadata.hpp"

namespace zw {
namespace fs = std::filesystem;

namespace {

constexpr double kPi = 3.14159265358979323846;

using inputs_detail::parse_number;
using text::trim;
using text::upper;

}  // namespace

MtlFile MtlFile::parse(const std::string& text, const std::string& path) {
  MtlFile mtl;
  mtl.path_ = path;
  std::vector<std::string> groups;
  bool any_group = false;
  std::size_t line_no = 0, start = 0;
  while (start <= text.size()) {
    const auto nl = text.find('\n', start);
    const std::string line =
        trim(std::string_view(text).substr(start, nl == std::string::npos ? std::string::npos : nl - start));
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
        throw InputError(path + ": line " + std::to_string(line_no) + ": END_GROUP = " + value + " does not close " +
                         (groups.empty() ? std::string("any group") : "GROUP = " + groups.back()));
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
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return {};
  }
  // Without leading zeros ("B04" -> "4"); not through stoi, which throws on 20 digits.
  const auto first = digits.find_first_not_of('0');
  return first == std::string::npos ? "0" : digits.substr(first);
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
    m.quality_encoding =
        m.mission >= 8 ? kernels::QualityEncoding::landsat_bqa_c1_oli : kernels::QualityEncoding::landsat_bqa_c1_tm_etm;
  } else {
    if (auto q = mtl.find("FILE_NAME_QUALITY_L1_PIXEL", content_groups)) m.quality_file = (dir / *q).string();
    m.quality_encoding = kernels::QualityEncoding::landsat_qa_pixel;
  }
  return m;
}
}  // namespace zw
