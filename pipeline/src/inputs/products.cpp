// Product recognition and inspection: what a scene path is (Landsat MTL, Sentinel-2 MTD, a
// Chinese-sensor raster with its XML, a date in a file name), what its metadata says, and the
// scenes of Landsat and Sentinel-2 products from their parsed metadata.
#include "products.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>

#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw {
namespace fs = std::filesystem;

namespace inputs_detail {

using text::upper;

std::string join(const fs::path& dir, const std::string& name) { return (dir / name).string(); }

bool is_mtd_name(const std::string& name) {
  const std::string u = upper(name);
  return u == "MTD_MSIL1C.XML" || u == "MTD_MSIL2A.XML";
}

bool is_mtl_name(const std::string& name) { return upper(name).ends_with("_MTL.TXT"); }

// --- Products -------------------------------------------------------------------------

namespace {

enum class ProductKind { none, landsat, sentinel2 };

struct ProductRef {
  ProductKind kind = ProductKind::none;
  std::string metadata;  // MTL or MTD file
};

/// What a path is: a Landsat MTL (file, or folder holding exactly one), a Sentinel-2 MTD (file,
/// or folder holding one), or none of them.
ProductRef detect_product(const std::string& path, const std::string& label) {
  const VsiPathStat st = vsi_stat(path);
  if (!st.exists) return {};
  const std::string name = fs::path(path).filename().string();
  if (!st.is_dir) {
    if (is_mtl_name(name)) return {ProductKind::landsat, path};
    if (is_mtd_name(name)) return {ProductKind::sentinel2, path};
    return {};
  }
  std::vector<std::string> mtl, mtd;
  for (const auto& entry : vsi_list_dir(path)) {
    if (is_mtd_name(entry)) mtd.push_back(entry);
    if (is_mtl_name(entry)) mtl.push_back(entry);
  }
  if (!mtd.empty()) {
    // A folder with both L1C and L2A metadata is unusual; the L2A one wins (sorted last).
    return {ProductKind::sentinel2, join(path, mtd.back())};
  }
  if (mtl.size() == 1) return {ProductKind::landsat, join(path, mtl.front())};
  if (mtl.size() > 1) {
    std::string list;
    for (const auto& m : mtl) list += (list.empty() ? "" : ", ") + m;
    throw InputError(path + ": " + label + " folder holds " + std::to_string(mtl.size()) + " Landsat scenes (" + list +
                     "); point " + label + ".path at one *_MTL.txt");
  }
  if (upper(name).ends_with(".SAFE")) {
    throw InputError(path + ": SAFE folder without MTD_MSIL1C.xml or MTD_MSIL2A.xml");
  }
  return {};
}

struct RasterExtent {
  std::string file;
  int width = 0, height = 0;
  std::array<double, 6> gt{0, 1, 0, 0, 0, 1};
  bool georeferenced = false;
};

RasterExtent raster_extent(const std::string& file) {
  const DatasetPtr ds = open_raster(file);
  RasterExtent e;
  e.file = file;
  e.width = ds->GetRasterXSize();
  e.height = ds->GetRasterYSize();
  e.georeferenced = ds->GetGeoTransform(e.gt.data()) == CE_None;
  take_gdal_error();
  return e;
}

std::string describe(const RasterExtent& e) {
  char res[64];
  std::snprintf(res, sizeof res, "%.6g", std::abs(e.gt[1]));
  return std::to_string(e.width) + "x" + std::to_string(e.height) + " pixels" +
         (e.georeferenced ? std::string(" of ") + res : std::string());
}

}  // namespace

void check_same_area(const std::vector<std::pair<std::string, std::string>>& bands) {
  if (bands.size() < 2) return;
  const RasterExtent ref = raster_extent(bands.front().second);
  for (std::size_t i = 1; i < bands.size(); ++i) {
    const RasterExtent e = raster_extent(bands[i].second);
    bool same = true;
    if (ref.georeferenced && e.georeferenced) {
      const double tolerance =
          std::max({std::abs(ref.gt[1]), std::abs(ref.gt[5]), std::abs(e.gt[1]), std::abs(e.gt[5])});
      same = std::abs(ref.gt[0] - e.gt[0]) <= tolerance && std::abs(ref.gt[3] - e.gt[3]) <= tolerance &&
             std::abs(ref.width * ref.gt[1] - e.width * e.gt[1]) <= tolerance &&
             std::abs(ref.height * ref.gt[5] - e.height * e.gt[5]) <= tolerance;
    } else {
      same = ref.width == e.width && ref.height == e.height;
    }
    if (!same) {
      throw InputError(e.file + ": band " + bands[i].first + " is " + describe(e) +
                       " and does not cover the area of band " + bands.front().first + " (" + ref.file + ", " +
                       describe(ref) + "); the band files of one scene must cover the same area");
    }
  }
}

void note_date(const std::string& label, const SceneOptions& options, const std::string& metadata_date,
               const std::string& source) {
  if (!options.date.empty() && !metadata_date.empty() && options.date != metadata_date) {
    logger("catalog")->warn("{}: {}.date {} differs from the acquisition date {} in {}; using {}", options.path, label,
                            options.date, metadata_date, source, options.date);
  }
}

void note_sensor(const std::string& label, const SceneOptions& options, const std::string& metadata_profile,
                 const std::string& source) {
  if (!options.sensor.empty() && !metadata_profile.empty() && options.sensor != metadata_profile &&
      fs::path(options.sensor).stem().string() != metadata_profile) {
    logger("catalog")->warn("{}: {}.sensor {} differs from profile {} that {} calls for; using {}", options.path, label,
                            options.sensor, metadata_profile, source, options.sensor);
  }
}

namespace {

Scene start_scene(const std::string& label, const SceneOptions& options, const SensorProfile& profile,
                  const std::string& date) {
  Scene scene;
  scene.label = label;
  scene.options = options;
  if (scene.options.date.empty()) scene.options.date = date;
  if (scene.options.sensor.empty()) scene.options.sensor = profile.name;
  scene.profile = profile;
  return scene;
}

void require_some_band(const Scene& scene, const std::string& metadata) {
  if (std::any_of(scene.bands.begin(), scene.bands.end(), [](const auto& b) { return b.has_value(); })) return;
  throw InputError(metadata + ": none of the bands profile " + scene.profile.name + " maps is in the product");
}

Scene landsat_scene(const std::string& label, const SceneOptions& options, const SensorProfile& profile,
                    const LandsatMetadata& m) {
  Scene scene = start_scene(label, options, profile, m.date);
  std::vector<std::pair<std::string, std::string>> files;
  for (int r = 0; r < kernels::kBandRoleCount; ++r) {
    auto& location = scene.profile.bands[static_cast<std::size_t>(r)];
    if (!location) continue;
    const std::string number = landsat_band_number(location->file_token);
    if (number.empty()) {
      scene.missing_reason[r] = "profile " + profile.name + " gives no Landsat band token for it (file: B<n>)";
      continue;
    }
    const auto it = m.band_files.find(number);
    if (it == m.band_files.end()) {
      scene.missing_reason[r] = m.mtl_path + " lists no FILE_NAME_BAND_" + number;
      continue;
    }
    if (!vsi_stat(it->second).exists) {
      throw InputError(m.mtl_path + ": key 'FILE_NAME_BAND_" + number + "' names " + it->second +
                       ", which does not exist");
    }
    scene.bands[static_cast<std::size_t>(r)] = BandFile{it->second, 1};
    const auto [scale, offset] = m.calibration(number);
    location->scale = scale;
    location->offset = offset;
    files.emplace_back("B" + number, it->second);
  }
  require_some_band(scene, m.mtl_path);
  if (!m.quality_file.empty() && vsi_stat(m.quality_file).exists) {
    scene.quality = QualityBand{m.quality_file, 1, m.quality_encoding};
    files.emplace_back(m.collection == 1 ? "BQA" : "QA_PIXEL", m.quality_file);
  } else {
    logger("catalog")->warn("{}: no quality band ({}): cloud, shadow and snow are not masked", m.mtl_path,
                            m.quality_file.empty() ? "the MTL names none" : m.quality_file + " is missing");
  }
  scene.profile.nodata = scene.profile.nodata.value_or(0.0);  // Landsat fill is DN 0 at every level
  check_same_area(files);
  return scene;
}

Scene sentinel2_scene(const std::string& label, const SceneOptions& options, const SensorProfile& profile,
                      const Sentinel2Metadata& m) {
  Scene scene = start_scene(label, options, profile, m.date);
  std::vector<std::pair<std::string, std::string>> files;
  for (int r = 0; r < kernels::kBandRoleCount; ++r) {
    auto& location = scene.profile.bands[static_cast<std::size_t>(r)];
    if (!location) continue;
    const std::string band = upper(location->file_token);
    const auto it = m.band_files.find(band);
    if (band.empty() || it == m.band_files.end()) {
      scene.missing_reason[r] =
          "no image file of band " + (band.empty() ? std::string("(no file token)") : band) + " in " + m.product_dir;
      continue;
    }
    scene.bands[static_cast<std::size_t>(r)] = BandFile{it->second, 1};
    const auto [scale, offset] = m.calibration(band);
    location->scale = scale;
    location->offset = offset;
    files.emplace_back(band, it->second);
  }
  require_some_band(scene, m.mtd_path);
  if (m.nodata) scene.profile.nodata = m.nodata;
  if (m.level == "L2A") {
    if (const auto scl = m.band_files.find("SCL"); scl != m.band_files.end()) {
      scene.quality = QualityBand{scl->second, 1, kernels::QualityEncoding::sentinel2_scl};
      files.emplace_back("SCL", scl->second);
    } else {
      logger("catalog")->warn("{}: no SCL file: cloud, shadow and snow are not masked", m.product_dir);
    }
  }
  check_same_area(files);
  return scene;
}

}  // namespace

std::optional<std::string> xml_beside(const std::string& path) {
  const fs::path p(path);
  for (const std::string& candidate : {fs::path(p).replace_extension(".xml").string(),
                                       fs::path(p).replace_extension(".XML").string(), path + ".xml"}) {
    if (candidate != path && vsi_stat(candidate).exists) return candidate;
  }
  return std::nullopt;
}

Product read_product_metadata(const std::string& path, const std::string& label) {
  const ProductRef ref = detect_product(path, label);
  if (ref.kind == ProductKind::landsat) {
    LandsatMetadata m = read_landsat_mtl(ref.metadata);
    SceneMetadata metadata{m.date, m.profile_name(), ref.metadata};
    return {std::move(metadata), std::make_shared<const ProductMetadata>(ProductMetadata{std::move(m)})};
  }
  if (ref.kind == ProductKind::sentinel2) {
    Sentinel2Metadata m = read_sentinel2_mtd(ref.metadata);
    SceneMetadata metadata{m.date, m.profile_name(), ref.metadata};
    return {std::move(metadata), std::make_shared<const ProductMetadata>(ProductMetadata{std::move(m)})};
  }
  return {};
}

Product inspect_product(const std::string& path, const std::string& label) {
  Product product = read_product_metadata(path, label);
  if (product.parsed) return product;
  SceneMetadata& facts = product.metadata;
  const std::string name = fs::path(path).filename().string();
  if (const auto xml = xml_beside(path)) {
    const ChineseSensorMetadata m = read_chinese_sensor_xml(*xml);
    facts = {m.date, m.profile_name(), *xml};
  }
  if (facts.date.empty()) {
    facts.date = date_from_name(name);
    if (!facts.date.empty() && facts.source.empty()) facts.source = "the file name";
  }
  if (facts.profile.empty()) facts.profile = profile_from_chinese_name(name);
  return product;
}

Scene product_scene(const std::string& label, const SceneOptions& options, const SensorProfile& profile,
                    const ProductMetadata& product) {
  if (const auto* landsat = std::get_if<LandsatMetadata>(&product.parsed)) {
    return landsat_scene(label, options, profile, *landsat);
  }
  return sentinel2_scene(label, options, profile, std::get<Sentinel2Metadata>(product.parsed));
}

// --- Band names in file names -----------------------------------------------------------------

namespace {

const char* const kRasterExtensions[] = {".tif", ".tiff", ".jp2", ".img", ".dat", ".bsq", ".bil", ".vrt"};

}  // namespace

bool is_raster_name(const std::string& name) {
  const std::string ext = text::lower(fs::path(name).extension().string());
  return std::find(std::begin(kRasterExtensions), std::end(kRasterExtensions), ext) != std::end(kRasterExtensions);
}

std::string band_part(const std::string& part) {
  const std::string u = upper(part);
  static const std::set<std::string> quality{"CMASK", "SCL", "BQA", "FMASK", "QA", "CLOUD", "CLOUDMASK"};
  if (quality.count(u) != 0) return u;
  std::size_t i = u.starts_with("BAND") ? 4 : u.starts_with("B") ? 1 : std::string::npos;
  if (i == std::string::npos || i >= u.size()) return {};
  std::size_t j = i;
  while (j < u.size() && std::isdigit(static_cast<unsigned char>(u[j]))) ++j;
  if (j == i) return {};
  const std::string suffix = u.substr(j);
  if (suffix.size() > 1 || (suffix.size() == 1 && !std::isalpha(static_cast<unsigned char>(suffix[0])))) return {};
  // The number without leading zeros ("BAND03" -> "B3"); not through stoi, which throws on 20 digits.
  const auto first = u.find_first_not_of('0', i);
  return "B" + (first >= j ? std::string("0") : u.substr(first, j - first)) + suffix;
}

bool is_resolution_part(const std::string& part) {
  return part.size() >= 2 && (part.back() == 'm' || part.back() == 'M') &&
         std::all_of(part.begin(), part.end() - 1, [](unsigned char c) { return std::isdigit(c) != 0; });
}

}  // namespace inputs_detail

}  // namespace zw
