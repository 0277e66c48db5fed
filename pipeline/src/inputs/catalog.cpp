// The scene catalog: finding the scenes of a period in folders and catalog files, grouping
// band files into scenes, and saying what it took and what it skipped.
#include "zonewatch/pipeline/inputs/catalog.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <yaml-cpp/yaml.h>

#include "products.hpp"
#include "zonewatch/pipeline/config/yaml_section.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/inputs/metadata.hpp"

namespace zw {
namespace fs = std::filesystem;
using kernels::BandRole;

namespace {

using inputs_detail::band_part;
using inputs_detail::check_same_area;
using inputs_detail::inspect_product;
using inputs_detail::is_mtd_name;
using inputs_detail::is_mtl_name;
using inputs_detail::is_raster_name;
using inputs_detail::is_resolution_part;
using inputs_detail::join;
using inputs_detail::note_date;
using inputs_detail::Product;
using inputs_detail::xml_beside;
using text::trim;
using text::upper;

// --- Discovery in folders -------------------------------------------------------------------

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
      const bool envi =
          fs::path(n).extension().empty() && (vsi_stat(path + ".hdr").exists || vsi_stat(path + ".HDR").exists);
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
        if (fields.size() > 3)
          throw InputError(where + ": expected path,date,sensor, got " + std::to_string(fields.size()) + " fields");
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
          // A key may be a list or mapping in YAML; as<std::string>() would throw yaml-cpp's own exception.
          const std::string key = item.first.IsScalar() ? item.first.Scalar() : YAML::Dump(item.first);
          if (!item.first.IsScalar() || key != "scenes")
            throw InputError(file + ": unknown key '" + key + "' (expected 'scenes')");
        }
        list = root["scenes"];
        if (!list || !list.IsSequence())
          throw InputError(file + ": key 'scenes' must be a list of {path, date, sensor}");
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
        const Product product = inspect_product(o.path, "scene");
        const SceneMetadata& facts = product.metadata;
        if (o.date.empty()) o.date = facts.date;
        if (o.date.empty()) throw InputError(o.path + ": no date given, and none in its metadata or file name");
        if (!period_.contains(o.date)) {
          skip(o.path, "acquired " + o.date + ", outside the period " + period_.to_string());
          continue;
        }
        if (o.sensor.empty()) o.sensor = !facts.profile.empty() ? facts.profile : options_.sensor;
        if (o.sensor.empty()) throw InputError(o.path + ": no sensor given, and its metadata names none");
        const std::string label = fs::path(o.path).filename().string();
        const SensorProfile profile = load_sensor_profile(o.sensor, sensor_dirs_);
        if (product.parsed) note_date(label, o, facts.date, facts.source);
        take(resolve_scene(InspectedScene{label, o, facts, product.parsed}, profile));
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
      if (static_cast<BandRole>(r) == BandRole::rededge1) continue;  // optional: only NDCI needs it
      missing += (missing.empty() ? "" : "; ") + std::string(kernels::to_string(static_cast<BandRole>(r))) +
                 (scene.missing_reason[r].empty() ? "" : ": " + scene.missing_reason[r]);
    }
    return missing;
  }

  std::string profile_for(const SceneMetadata& facts) const {
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
    const Product product = inspect_product(c.path, "scene");
    const SceneMetadata& facts = product.metadata;
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
      skip(c.path,
           "sensor unknown: nothing in its name or metadata names one; give the catalog a sensor profile "
           "for generic stacks");
      return std::nullopt;
    }
    const SceneOptions options{c.path, facts.date, profile};
    return resolve_scene(InspectedScene{c.label, options, facts, product.parsed},
                         load_sensor_profile(profile, sensor_dirs_));
  }

  std::optional<Scene> band_group_scene(const Candidate& c) {
    // Date and sensor: the XML beside any member, else the group's name.
    SceneMetadata facts;
    for (const auto& m : c.members) {
      if (const auto xml = xml_beside(m.file)) {
        const ChineseSensorMetadata meta = read_chinese_sensor_xml(*xml);
        facts = {meta.date, meta.profile_name(), *xml};
        if (!facts.date.empty()) break;
      }
    }
    const std::string key = fs::path(c.path).filename().string();
    if (facts.date.empty()) {
      facts.date = date_from_name(key);
      if (!facts.date.empty() && facts.source.empty()) facts.source = "the file name";
    }
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
    scene.metadata = facts;
    scene.profile = profile;
    std::vector<std::pair<std::string, std::string>> files;
    auto member = [&](const std::string& token) -> const BandMember* {
      const std::string want = band_part(token).empty() ? upper(token) : band_part(token);
      const BandMember* found = nullptr;
      for (const auto& m : c.members) {
        if (m.band != want) continue;
        if (found != nullptr) {
          throw InputError(m.file + ": a second file for band " + token + " of one scene (the first is " + found->file +
                           ")");
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
    throw ConfigError(where + ": period '" + text + "' ends (" + range.last + ") before it begins (" + range.first +
                      ")");
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

}  // namespace zw
