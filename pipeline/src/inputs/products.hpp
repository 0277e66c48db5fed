#pragma once
// Product recognition and inspection shared by scenes (scene.cpp), the scene catalog
// (catalog.cpp) and products.cpp: metadata file names, a product's metadata read once (date,
// sensor, and for Landsat and Sentinel-2 the parsed MTL/MTD its scene is resolved from), band
// names in file names, and the check that the band files of one scene cover one area; not a
// public header.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "zonewatch/pipeline/inputs/metadata.hpp"
#include "zonewatch/pipeline/inputs/scene.hpp"

namespace zw {

/// The parsed metadata of a Landsat or Sentinel-2 product (declared in scene.hpp).
struct ProductMetadata {
  std::variant<LandsatMetadata, Sentinel2Metadata> parsed;
};

namespace inputs_detail {

std::string join(const std::filesystem::path& dir, const std::string& name);

bool is_mtd_name(const std::string& name);

bool is_mtl_name(const std::string& name);

/// InputError naming the file and band when the band files of one scene do not cover the
/// same area (mixed resolutions are fine: 10 m and 20 m Sentinel-2 bands cover one tile).
void check_same_area(const std::vector<std::pair<std::string, std::string>>& bands);

/// A scene path inspected: what its metadata says, and the parsed metadata of a Landsat or
/// Sentinel-2 product (null for any other path).
struct Product {
  SceneMetadata metadata;
  std::shared_ptr<const ProductMetadata> parsed;
};

/// The XML metadata file beside a raster (same stem, .xml or .XML, or the name + ".xml").
std::optional<std::string> xml_beside(const std::string& path);

/// A Landsat or Sentinel-2 product's metadata (MTL, MTD) when `path` is one (a metadata
/// file, or a folder holding one); nothing for any other path. InputError for a folder holding
/// several Landsat scenes, a SAFE folder without its MTD and broken metadata; `label` names the
/// config key in errors ("before", "scene").
Product read_product_metadata(const std::string& path, const std::string& label);

/// Date and profile of a scene path from its own metadata (MTL, MTD, Chinese-sensor XML) or,
/// failing that, its file name: read_product_metadata, then the XML beside the path and its
/// file name for any other path.
Product inspect_product(const std::string& path, const std::string& label);

/// The scene of a product from its parsed metadata: band files of the roles `profile` maps,
/// per-band scale/offset, nodata and quality band; options.date/sensor, when empty, from it.
Scene product_scene(const std::string& label, const SceneOptions& options, const SensorProfile& profile,
                    const ProductMetadata& product);

/// Warnings when a date or sensor given in `options` differs from what `source` says.
void note_date(const std::string& label, const SceneOptions& options, const std::string& metadata_date,
               const std::string& source);
void note_sensor(const std::string& label, const SceneOptions& options, const std::string& metadata_profile,
                 const std::string& source);

bool is_raster_name(const std::string& name);

/// Normalized band token of a file-name part: B02, B2, BAND2 -> "B2"; B8A -> "B8A";
/// quality-band names as they are ("CMASK", "SCL", "BQA"); "" for anything else.
std::string band_part(const std::string& part);

/// A file-name part that gives a resolution, such as "10m" or "20M".
bool is_resolution_part(const std::string& part);

}  // namespace inputs_detail
}  // namespace zw
