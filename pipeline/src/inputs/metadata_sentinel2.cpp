// Sentinel-2 Level-1C and Level-2A metadata: the MTD_MSIL1C/MTD_MSIL2A XML, processing
// baseline, quantification and offsets per band, and the image file of each band.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <map>

#include <cpl_minixml.h>

#include "metadata_parsing.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/inputs/metadata.hpp"

namespace zw {
namespace fs = std::filesystem;

namespace {

using inputs_detail::attribute_of;
using inputs_detail::date_prefix;
using inputs_detail::elements;
using inputs_detail::first_text;
using inputs_detail::parse_number;
using inputs_detail::parse_xml;
using inputs_detail::text_of;
using inputs_detail::XmlPtr;
using text::upper;

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
      // A resolution too large for an int ("..._99999999999m") is unknown (0), not a crash.
      const auto [end, ec] = std::from_chars(last.data(), last.data() + last.size() - 1, resolution);
      if (ec != std::errc() || end != last.data() + last.size() - 1) resolution = 0;
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
    throw InputError(mtd_path + ": key '" + std::string(quantification_key) + "' is '" + q +
                     "', not a positive number");
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
}  // namespace zw
