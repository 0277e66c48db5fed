#pragma once
// Product recognition and inspection shared by the scene catalog (catalog.cpp) and products.cpp:
// metadata file names, a product's date and sensor, band names in file names, and the check
// that the band files of one scene cover one area; not a public header.
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace zw::inputs_detail {

std::string join(const std::filesystem::path& dir, const std::string& name);

bool is_mtd_name(const std::string& name);

bool is_mtl_name(const std::string& name);

/// InputError naming the file and band when the band files of one scene do not cover the
/// same area (mixed resolutions are fine: 10 m and 20 m Sentinel-2 bands cover one tile).
void check_same_area(const std::vector<std::pair<std::string, std::string>>& bands);

/// Date and profile the path's own metadata gives ("" where it gives none).
struct ProductFacts {
  std::string date, profile, source;
};

/// The XML metadata file beside a raster (same stem, .xml or .XML, or the name + ".xml").
std::optional<std::string> xml_beside(const std::string& path);

/// Date and profile of a scene path from its own metadata (MTL, MTD, Chinese-sensor XML) or,
/// failing that, its file name; `label` names the config key in errors ("before", "scene").
ProductFacts inspect_product(const std::string& path, const std::string& label);

bool is_raster_name(const std::string& name);

/// Normalized band token of a file-name part: B02, B2, BAND2 -> "B2"; B8A -> "B8A";
/// quality-band names as they are ("CMASK", "SCL", "BQA"); "" for anything else.
std::string band_part(const std::string& part);

/// A file-name part that gives a resolution, such as "10m" or "20M".
bool is_resolution_part(const std::string& part);

}  // namespace zw::inputs_detail
