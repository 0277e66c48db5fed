#include "zonewatch/pipeline/inputs/catalog.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <yaml-cpp/yaml.h>

#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/inputs/metadata.hpp"
#include "zonewatch/pipeline/config/yaml_section.hpp"

namespace zw {
namespace fs = std::filesystem;
using kernels::BandRole;

namespace {

using text::trim;
using text::upper;

std::string join(const fs::path& dir, const std::string& name) { return (dir / name).string(); }

bool is_mtd_name(const std::string& name) {
  const std::string u = upper(name);
  return u == "MTD_MSIL1C.XML" || u == "MTD_MSIL2A.XML";
}

bool is_mtl_name(const std::string& name) { return upper(name).ends_with("_MTL.TXT"); }

// --- Products -------------------------------------------------------------------------

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

/// InputError naming the file and band when the band files of one scene do not cover the
/// same area (mixed resolutions are fine: 10 m and 20 m Sentinel-2 bands cover one tile).
void check_same_area(const std::vector<std::pair<std::string, std::string>>& bands) {
  if (bands.size() < 2) return;
  const RasterExtent ref = raster_extent(bands.front().second);
  for (std::size_t i = 1; i < bands.size(); ++i) {
    const RasterExtent e = raster_extent(bands[i].second);
    bool same = true;
    if (ref.georeferenced && e.georeferenced) {
      const double tolerance = std::max({std::abs(ref.gt[1]), std::abs(ref.gt[5]), std::abs(e.gt[1]), std::abs(e.gt[5])});
      same = std::abs(ref.gt[0] - e.gt[0]) <= tolerance && std::abs(ref.gt[3] - e.gt[3]) <= tolerance &&
             std::abs(ref.width * ref.gt[1] - e.width * e.gt[1]) <= tolerance &&
             std::abs(ref.height * ref.gt[5] - e.height * e.gt[5]) <= tolerance;
    } else {
      same = ref.width == e.width && ref.height == e.height;
    }
    if (!same) {
      throw InputError(e.file + ": band " + bands[i].first + " is " + describe(e) + " and does not cover the area of band " +
                       bands.front().first + " (" + ref.file + ", " + describe(ref) +
                       "); the band files of one scene must cover the same area");
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
  note_date(label, options, m.date, m.mtl_path);
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
  note_date(label, options, m.date, m.mtd_path);
  Scene scene = start_scene(label, options, profile, m.date);
  std::vector<std::pair<std::string, std::string>> files;
  for (int r = 0; r < kernels::kBandRoleCount; ++r) {
    auto& location = scene.profile.bands[static_cast<std::size_t>(r)];
    if (!location) continue;
    const std::string band = upper(location->file_token);
    const auto it = m.band_files.find(band);
    if (band.empty() || it == m.band_files.end()) {
      scene.missing_reason[r] = "no image file of band " + (band.empty() ? std::string("(no file token)") : band) +
                                " in " + m.product_dir;
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

/// Date and profile the path's own metadata gives ("" where it gives none).
struct ProductFacts {
  std::string date, profile, source;
};

std::optional<std::string> xml_beside(const std::string& path) {
  const fs::path p(path);
  for (const std::string& candidate :
       {fs::path(p).replace_extension(".xml").string(), fs::path(p).replace_extension(".XML").string(), path + ".xml"}) {
    if (candidate != path && vsi_stat(candidate).exists) return candidate;
  }
  return std::nullopt;
}

ProductFacts inspect_product(const std::string& path, const std::string& label) {
  ProductFacts facts;
  const ProductRef ref = detect_product(path, label);
  if (ref.kind == ProductKind::landsat) {
    const LandsatMetadata m = read_landsat_mtl(ref.metadata);
    return {m.date, m.profile_name(), ref.metadata};
  }
  if (ref.kind == ProductKind::sentinel2) {
    const Sentinel2Metadata m = read_sentinel2_mtd(ref.metadata);
    return {m.date, m.profile_name(), ref.metadata};
  }
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
  return facts;
}

// --- Discovery in folders -------------------------------------------------------------------

const char* const kRasterExtensions[] = {".tif", ".tiff", ".jp2", ".img", ".dat", ".bsq", ".bil", ".vrt"};

bool is_raster_name(const std::string& name) {
  const std::string ext = text::lower(fs::path(name).extension().string());
  return std::find(std::begin(kRasterExtensions), std::end(kRasterExtensions), ext) != std::end(kRasterExtensions);
}

/// Normalized band token of a file-name part: B02, B2, BAND2 -> "B2"; B8A -> "B8A";
/// quality-band names as they are ("CMASK", "SCL", "BQA"); "" for anything else.
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
  return "B" + std::to_string(std::stoi(u.substr(i, j - i))) + suffix;
}

bool is_resolution_part(const std::string& part) {
  return part.size() >= 2 && (part.back() == 'm' || part.back() == 'M') &&
         std::all_of(part.begin(), part.end() - 1, [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto p = text.find(sep, start);
    parts.push_back(text.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) return parts;
    start = p + 1;
  }
}

struct BandMember {
  std::string band;  // normalized token
  std::string file;
};

/// A candidate scene found in a folder.
struct Candidate {
  enum class Kind { landsat, sentinel2, band_group, single_file } kind;
  std::string path;  // MTL, SAFE folder, folder/<group key>, or the raster
  std::string label;
  std::vector<BandMember> members;  // band_group
};

class Discoverer {
 public:
  Discoverer(const CatalogOptions& options, const DateRange& period, const std::vector<fs::path>& sensor_dirs)
      : options_(options), period_(period), sensor_dirs_(sensor_dirs), log_(logger("catalog")) {}

  void walk(const std::string& dir) {
    const std::vector<std::string> names = vsi_list_dir(dir);
    const std::string dir_name = fs::path(dir).filename().string();
    for (const auto& n : names) {
      if (is_mtd_name(n)) {
        consider({Candidate::Kind::sentinel2, dir, product_label(dir), {}});
        return;  // a Sentinel-2 product: its sub-folders are its own
      }
    }
    if (upper(dir_name).ends_with(".SAFE")) {
      skip(dir, "SAFE folder without MTD_MSIL1C.xml or MTD_MSIL2A.xml");
      return;
    }
    std::set<std::string> claimed;
    for (const auto& n : names) {
      if (!is_mtl_name(n)) continue;
      const std::string id = n.substr(0, n.size() - std::string("_MTL.txt").size());
      for (const auto& other : names) {
        if (other.starts_with(id + "_") || other.starts_with(id + ".")) claimed.insert(other);
      }
      consider({Candidate::Kind::landsat, join(dir, n), id, {}});
    }
    std::map<std::string, Candidate> groups;
    std::vector<std::string> subdirs;
    for (const auto& n : names) {
      if (n.starts_with(".") || claimed.count(n) != 0) continue;
      const std::string path = join(dir, n);
      const VsiPathStat st = vsi_stat(path);
      if (st.is_dir) {
        subdirs.push_back(path);
        continue;
      }
      const bool envi = fs::path(n).extension().empty() &&
                        (vsi_stat(path + ".hdr").exists || vsi_stat(path + ".HDR").exists);
      if (!is_raster_name(n) && !envi) continue;  // metadata, headers, overviews, text
      const std::string stem = envi ? n : fs::path(n).stem().string();
      std::string band, key;
      for (const auto& part : split(stem, '_')) {
        const std::string b = band_part(part);
        if (!b.empty() && band.empty()) {
          band = b;
        } else if (!is_resolution_part(part)) {
          key += (key.empty() ? "" : "_") + part;
        }
      }
      if (band.empty()) {
        consider({Candidate::Kind::single_file, path, stem, {}});
        continue;
      }
      auto it = groups.try_emplace(key, Candidate{Candidate::Kind::band_group, join(dir, key), key, {}}).first;
      it->second.members.push_back({band, path});
    }
    for (auto& [key, group] : groups) consider(group);
    for (const auto& sub : subdirs) walk(sub);
  }

  void catalog_file(const std::string& file) {
    const std::string ext = text::lower(fs::path(file).extension().string());
    struct Entry {
      std::string where;  // "<file>: line N" / "<file>: entry N"
      SceneOptions options;
    };
    std::vector<Entry> entries;
    const fs::path base = fs::path(file).parent_path();
    auto absolute = [&](const std::string& p) {
      if (p.empty() || p.starts_with("/vsi") || fs::path(p).is_absolute()) return p;
      return (base / p).lexically_normal().string();
    };
    if (ext == ".csv") {
      const std::string text = read_text_file(file);
      std::size_t line_no = 0;
      for (const auto& raw_line : split(text, '\n')) {
        ++line_no;
        const std::string line = trim(raw_line);
        if (line.empty() || line.starts_with("#")) continue;
        auto fields = split(line, ',');
        for (auto& f : fields) f = trim(f);
        for (auto& f : fields) {
          if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
        }
        if (line_no == 1 && text::lower(fields[0]) == "path") continue;  // header
        const std::string where = file + ": line " + std::to_string(line_no);
        if (fields.size() > 3) throw InputError(where + ": expected path,date,sensor, got " + std::to_string(fields.size()) + " fields");
        fields.resize(3);
        if (fields[0].empty()) throw InputError(where + ": no path");
        entries.push_back({where, SceneOptions{absolute(fields[0]), fields[1], fields[2]}});
      }
    } else {
      YAML::Node root;
      try {
        root = YAML::Load(read_text_file(file));
      } catch (const YAML::Exception& e) {
        throw InputError(file + ": not valid YAML: " + e.what());
      }
      YAML::Node list = root;
      if (root.IsMap()) {
        for (const auto& item : root) {
          const std::string key = item.first.as<std::string>();
          if (key != "scenes") throw InputError(file + ": unknown key '" + key + "' (expected 'scenes')");
        }
        list = root["scenes"];
        if (!list || !list.IsSequence()) throw InputError(file + ": key 'scenes' must be a list of {path, date, sensor}");
      }
      if (!list.IsSequence()) throw InputError(file + ": expected a list of {path, date, sensor} (or scenes: [...])");
      for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string where = file + ": entry " + std::to_string(i + 1);
        try {
          YamlSection s(list[i], file, "scenes[" + std::to_string(i) + "]");
          SceneOptions o;
          o.path = absolute(s.require<std::string>("path"));
          o.date = s.get<std::string>("date", "");
          o.sensor = s.get<std::string>("sensor", "");
          s.finish();
          entries.push_back({where, o});
        } catch (const ConfigError& e) {
          throw InputError(std::string(e.what()));
        }
      }
    }
    log_->info("{}: {} scene(s) listed", file, entries.size());
    for (auto& entry : entries) {
      SceneOptions& o = entry.options;
      try {
        if (!o.date.empty() && !is_iso_date(o.date)) throw InputError("date '" + o.date + "' is not YYYY-MM-DD");
        if (o.sensor.ends_with(".yaml") || o.sensor.ends_with(".yml")) o.sensor = absolute(o.sensor);
        if (!vsi_stat(o.path).exists) throw InputError(o.path + ": not found");
        const ProductFacts facts = inspect_product(o.path, "scene");
        if (o.date.empty()) o.date = facts.date;
        if (o.date.empty()) throw InputError(o.path + ": no date given, and none in its metadata or file name");
        if (!period_.contains(o.date)) {
          skip(o.path, "acquired " + o.date + ", outside the period " + period_.to_string());
          continue;
        }
        if (o.sensor.empty()) o.sensor = !facts.profile.empty() ? facts.profile : options_.sensor;
        if (o.sensor.empty()) throw InputError(o.path + ": no sensor given, and its metadata names none");
        Scene scene = resolve_scene(fs::path(o.path).filename().string(), o, load_sensor_profile(o.sensor, sensor_dirs_));
        take(std::move(scene));
      } catch (const Error& e) {
        throw InputError(entry.where + ": " + e.what());
      }
    }
  }

  Discovery finish() {
    std::stable_sort(discovery_.scenes.begin(), discovery_.scenes.end(), [](const Scene& a, const Scene& b) {
      return a.options.date != b.options.date ? a.options.date < b.options.date : a.options.path < b.options.path;
    });
    log_->info("{} scene(s) taken for {}, {} skipped", discovery_.scenes.size(), period_.to_string(),
               discovery_.skipped.size());
    return std::move(discovery_);
  }

 private:
  static std::string product_label(const std::string& path) {
    std::string name = fs::path(path).filename().string();
    if (upper(name).ends_with(".SAFE")) name = name.substr(0, name.size() - 5);
    return name;
  }

  void skip(const std::string& path, const std::string& reason) {
    log_->info("skipped {}: {}", path, reason);
    discovery_.skipped.push_back({path, reason});
  }

  void take(Scene scene) {
    std::string mask = scene.quality ? "quality band " + fs::path(scene.quality->path).filename().string() + " (" +
                                           std::string(kernels::to_string(scene.quality->encoding)) + ")"
                       : scene.profile.cloud_test == CloudTest::spectral ? std::string("spectral cloud test")
                                                                          : std::string("no cloud mask");
    log_->info("took {}: {} {}, {}", scene.options.path, scene.options.date, scene.profile.name, mask);
    discovery_.scenes.push_back(std::move(scene));
  }

  /// Every role the profile declares must be there for a scene found in a folder.
  static std::string missing_roles(const Scene& scene) {
    std::string missing;
    for (int r = 0; r < kernels::kBandRoleCount; ++r) {
      if (!scene.profile.bands[static_cast<std::size_t>(r)] || scene.bands[static_cast<std::size_t>(r)]) continue;
      missing += (missing.empty() ? "" : "; ") + std::string(kernels::to_string(static_cast<BandRole>(r))) +
                 (scene.missing_reason[r].empty() ? "" : ": " + scene.missing_reason[r]);
    }
    return missing;
  }

  std::string profile_for(const ProductFacts& facts) const {
    return !facts.profile.empty() ? facts.profile : options_.sensor;
  }

  void consider(const Candidate& c) {
    try {
      std::optional<Scene> scene = c.kind == Candidate::Kind::band_group ? band_group_scene(c) : product_scene(c);
      if (!scene) return;
      if (const std::string missing = missing_roles(*scene); !missing.empty()) {
        skip(c.path, "incomplete (" + missing + ")");
        return;
      }
      take(std::move(*scene));
    } catch (const InputError& e) {
      skip(c.path, e.what());
    }
  }

  std::optional<Scene> product_scene(const Candidate& c) {
    const std::string name = fs::path(c.path).filename().string();
    if (c.kind == Candidate::Kind::single_file) {
      const std::string u = upper(name);
      if (u.find("-PAN") != std::string::npos || u.find("_PAN") != std::string::npos) {
        skip(c.path, "panchromatic image (zonewatch uses the multispectral one)");
        return std::nullopt;
      }
    }
    const ProductFacts facts = inspect_product(c.path, "scene");
    if (facts.date.empty()) {
      skip(c.path, "no acquisition date in its metadata or file name");
      return std::nullopt;
    }
    if (!period_.contains(facts.date)) {
      skip(c.path, "acquired " + facts.date + ", outside the period " + period_.to_string());
      return std::nullopt;
    }
    const std::string profile = profile_for(facts);
    if (profile.empty()) {
      skip(c.path, "sensor unknown: nothing in its name or metadata names one; give the catalog a sensor profile "
                   "for generic stacks");
      return std::nullopt;
    }
    const SceneOptions options{c.path, facts.date, profile};
    return resolve_scene(c.label, options, load_sensor_profile(profile, sensor_dirs_));
  }

  std::optional<Scene> band_group_scene(const Candidate& c) {
    // Date and sensor: the XML beside any member, else the group's name.
    ProductFacts facts;
    for (const auto& m : c.members) {
      if (const auto xml = xml_beside(m.file)) {
        const ChineseSensorMetadata meta = read_chinese_sensor_xml(*xml);
        facts = {meta.date, meta.profile_name(), *xml};
        if (!facts.date.empty()) break;
      }
    }
    const std::string key = fs::path(c.path).filename().string();
    if (facts.date.empty()) facts.date = date_from_name(key);
    if (facts.profile.empty()) facts.profile = profile_from_chinese_name(key);
    if (facts.date.empty()) {
      skip(c.path, "no acquisition date in its metadata or file names");
      return std::nullopt;
    }
    if (!period_.contains(facts.date)) {
      skip(c.path, "acquired " + facts.date + ", outside the period " + period_.to_string());
      return std::nullopt;
    }
    const std::string profile_name = profile_for(facts);
    if (profile_name.empty()) {
      skip(c.path, "sensor unknown: nothing in its names or metadata names one; give the catalog a sensor profile");
      return std::nullopt;
    }
    const SensorProfile profile = load_sensor_profile(profile_name, sensor_dirs_);
    Scene scene;
    scene.label = c.label;
    scene.options = SceneOptions{c.path, facts.date, profile_name};
    scene.profile = profile;
    std::vector<std::pair<std::string, std::string>> files;
    auto member = [&](const std::string& token) -> const BandMember* {
      const std::string want = band_part(token).empty() ? upper(token) : band_part(token);
      const BandMember* found = nullptr;
      for (const auto& m : c.members) {
        if (m.band != want) continue;
        if (found != nullptr) {
          throw InputError(m.file + ": a second file for band " + token + " of one scene (the first is " + found->file + ")");
        }
        found = &m;
      }
      return found;
    };
    for (int r = 0; r < kernels::kBandRoleCount; ++r) {
      const auto& location = profile.bands[static_cast<std::size_t>(r)];
      if (!location) continue;
      if (location->file_token.empty()) {
        scene.missing_reason[r] = "profile " + profile.name + " gives no file token for it";
        continue;
      }
      const BandMember* m = member(location->file_token);
      if (m == nullptr) {
        scene.missing_reason[r] = "no file for band " + location->file_token;
        continue;
      }
      scene.bands[static_cast<std::size_t>(r)] = BandFile{m->file, 1};
      files.emplace_back(location->file_token, m->file);
    }
    if (profile.quality && !profile.quality->file_token.empty()) {
      if (const BandMember* m = member(profile.quality->file_token)) {
        scene.quality = QualityBand{m->file, 1, profile.quality->encoding};
        files.emplace_back(profile.quality->file_token, m->file);
      }
    }
    check_same_area(files);
    return scene;
  }

  const CatalogOptions& options_;
  const DateRange& period_;
  const std::vector<fs::path>& sensor_dirs_;
  std::shared_ptr<spdlog::logger> log_;
  Discovery discovery_;
};

}  // namespace

// --- Public API ---------------------------------------------------------------------------

bool DateRange::contains(const std::string& yyyy_mm_dd) const { return first <= yyyy_mm_dd && yyyy_mm_dd <= last; }

DateRange DateRange::parse(const std::string& text, const std::string& where) {
  const auto dots = text.find("..");
  if (dots == std::string::npos) {
    throw ConfigError(where + ": period '" + text + "' must be FIRST..LAST, e.g. 2024-06-01..2024-09-30");
  }
  DateRange range{trim(text.substr(0, dots)), trim(text.substr(dots + 2))};
  for (const auto& d : {range.first, range.last}) {
    if (!is_iso_date(d)) throw ConfigError(where + ": '" + d + "' in period '" + text + "' is not a date YYYY-MM-DD");
  }
  if (range.last < range.first) {
    throw ConfigError(where + ": period '" + text + "' ends (" + range.last + ") before it begins (" + range.first + ")");
  }
  return range;
}

Discovery discover_scenes(const CatalogOptions& options, const DateRange& period,
                          const std::vector<fs::path>& sensor_dirs) {
  init_gdal();
  if (!options.sensor.empty()) (void)load_sensor_profile(options.sensor, sensor_dirs);  // ConfigError up front
  Discoverer discoverer(options, period, sensor_dirs);
  for (const auto& source : options.sources) {
    const VsiPathStat st = vsi_stat(source);
    if (!st.exists) throw InputError(source + ": scene source not found");
    const std::string ext = text::lower(fs::path(source).extension().string());
    if (st.is_dir) {
      discoverer.walk(source);
    } else if (ext == ".csv" || ext == ".yaml" || ext == ".yml") {
      discoverer.catalog_file(source);
    } else {
      throw InputError(source + ": a scene source must be a folder or a catalog file (.csv, .yaml)");
    }
  }
  return discoverer.finish();
}

SceneOptions complete_scene_options(const std::string& label, const SceneOptions& options) {
  if (!vsi_stat(options.path).exists) {
    if (options.date.empty() || options.sensor.empty()) throw InputError(options.path + ": " + label + " scene not found");
    return options;  // resolve_scene reports it
  }
  init_gdal();
  const ProductFacts facts = inspect_product(options.path, label);
  note_date(label, options, facts.date, facts.source);
  note_sensor(label, options, facts.profile, facts.source);
  SceneOptions o = options;
  if (o.date.empty()) o.date = facts.date;
  if (o.sensor.empty()) o.sensor = facts.profile;
  const std::string known = " (a Sentinel-2 SAFE folder or MTD_MSIL*.xml, a Landsat *_MTL.txt or a folder with one, "
                            "a GF/CBERS raster with its XML)";
  if (o.date.empty()) {
    throw ConfigError(label + ".date: not given, and " + options.path +
                      " has no metadata or file-name date zonewatch reads it from" + known);
  }
  if (o.sensor.empty()) {
    throw ConfigError(label + ".sensor: not given, and " + options.path + " has no metadata naming its sensor" + known);
  }
  return o;
}

ScanConfig complete_scan_config(const ScanConfig& config) {
  ScanConfig c = config;
  // A period (before/after given as {period, sources}) has no path: its scenes come from
  // discover_scenes, not from here.
  if (!config.before.path.empty()) c.before = complete_scene_options("before", config.before);
  if (!config.after.path.empty()) c.after = complete_scene_options("after", config.after);
  if (!c.before.date.empty() && !c.after.date.empty() && c.after.date < c.before.date) {
    throw ConfigError("after.date: " + c.after.date + " is earlier than before.date " + c.before.date);
  }
  for (const auto& [key, scene] : {std::pair<const char*, const SceneOptions*>{"before", &c.before}, {"after", &c.after}}) {
    if (!scene->path.empty() && c.resolved.is_object() && c.resolved.contains(key) && c.resolved[key].is_object()) {
      c.resolved[key]["date"] = scene->date;
      c.resolved[key]["sensor"] = scene->sensor;
    }
  }
  return c;
}

std::optional<Scene> resolve_product_scene(const std::string& label, const SceneOptions& options,
                                           const SensorProfile& profile) {
  const ProductRef ref = detect_product(options.path, label);
  switch (ref.kind) {
    case ProductKind::landsat: return landsat_scene(label, options, profile, read_landsat_mtl(ref.metadata));
    case ProductKind::sentinel2: return sentinel2_scene(label, options, profile, read_sentinel2_mtd(ref.metadata));
    case ProductKind::none: break;
  }
  return std::nullopt;
}

}  // namespace zw
