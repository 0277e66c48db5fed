#include "zonewatch/pipeline/inputs/scene.hpp"

#include <algorithm>
#include <cctype>

#include <cpl_string.h>
#include <cpl_vsi.h>

#include "products.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw {
namespace fs = std::filesystem;
using kernels::BandRole;

namespace {

bool is_raster_extension(const std::string& ext) {
  static const std::vector<std::string> known{".tif", ".tiff", ".jp2", ".img", ".vrt", ".png", ".dat", ".bsq", ""};
  return std::find(known.begin(), known.end(), text::lower(ext)) != known.end();
}

/// The file in `dir` whose stem is `token` or ends with `_token` (case-insensitive), as
/// Sentinel-2 (T48RXT_..._B04.jp2) and Landsat (LC08_..._SR_B4.TIF) name their bands.
std::vector<fs::path> match_band_files(const fs::path& dir, const std::string& token) {
  std::vector<fs::path> matches;
  const std::string want = text::lower(token);
  const CPLStringList names(VSIReadDir(dir.c_str()));  // local folders and /vsizip/ alike
  for (int i = 0; i < names.size(); ++i) {
    const fs::path p = dir / names[i];
    VSIStatBufL stat{};
    if (VSIStatL(p.c_str(), &stat) != 0 || !VSI_ISREG(stat.st_mode)) continue;
    if (!is_raster_extension(p.extension().string())) continue;
    if (p.extension().empty()) continue;  // ENVI headers sit beside extension-less data
    const std::string stem = text::lower(p.stem().string());
    if (stem == want || stem.ends_with("_" + want)) matches.push_back(p);
  }
  std::sort(matches.begin(), matches.end());
  return matches;
}

}  // namespace

std::vector<std::string> Scene::files() const {
  std::vector<std::string> result;
  auto add = [&](const std::optional<BandFile>& b) {
    if (b && std::find(result.begin(), result.end(), b->path) == result.end()) result.push_back(b->path);
  };
  for (const auto& b : bands) add(b);
  add(alpha);
  if (quality) add(BandFile{quality->path, quality->band});
  return result;
}

InspectedScene inspect_scene(const std::string& label, const SceneOptions& options) {
  InspectedScene inspected{label, options, {}, nullptr};
  if (!vsi_stat(options.path).exists) {
    if (options.date.empty() || options.sensor.empty())
      throw InputError(options.path + ": " + label + " scene not found");
    return inspected;  // resolve_scene reports it
  }
  init_gdal();
  inputs_detail::Product product = inputs_detail::inspect_product(options.path, label);
  const SceneMetadata& facts = product.metadata;
  inputs_detail::note_date(label, options, facts.date, facts.source);
  inputs_detail::note_sensor(label, options, facts.profile, facts.source);
  SceneOptions& o = inspected.options;
  if (o.date.empty()) o.date = facts.date;
  if (o.sensor.empty()) o.sensor = facts.profile;
  const std::string known =
      " (a Sentinel-2 SAFE folder or MTD_MSIL*.xml, a Landsat *_MTL.txt or a folder with one, "
      "a GF/CBERS raster with its XML)";
  if (o.date.empty()) {
    throw ConfigError(label + ".date: not given, and " + options.path +
                      " has no metadata or file-name date zonewatch reads it from" + known);
  }
  if (o.sensor.empty()) {
    throw ConfigError(label + ".sensor: not given, and " + options.path + " has no metadata naming its sensor" + known);
  }
  inspected.metadata = std::move(product.metadata);
  inspected.product = std::move(product.parsed);
  return inspected;
}

Scene resolve_scene(const std::string& label, const SceneOptions& options, const SensorProfile& profile) {
  inputs_detail::Product product = inputs_detail::read_product_metadata(options.path, label);
  if (product.parsed) inputs_detail::note_date(label, options, product.metadata.date, product.metadata.source);
  return resolve_scene(InspectedScene{label, options, std::move(product.metadata), std::move(product.parsed)}, profile);
}

Scene resolve_scene(const InspectedScene& inspected, const SensorProfile& profile) {
  const std::string& label = inspected.label;
  const SceneOptions& options = inspected.options;
  if (inspected.product) {
    // Products with metadata (SAFE, MTL): files, calibration and quality band from it.
    Scene scene = inputs_detail::product_scene(label, options, profile, *inspected.product);
    scene.metadata = inspected.metadata;
    return scene;
  }
  Scene scene;
  scene.label = label;
  scene.options = options;
  scene.metadata = inspected.metadata;
  scene.profile = profile;
  // Through GDAL's virtual file layer: a scene may lie in a /vsizip/ archive.
  VSIStatBufL stat{};
  if (VSIStatL(options.path.c_str(), &stat) != 0) {
    throw InputError(options.path + ": " + label + " scene not found");
  }
  if (VSI_ISDIR(stat.st_mode)) {
    for (int r = 0; r < kernels::kBandRoleCount; ++r) {
      const auto& location = profile.bands[r];
      if (!location) continue;
      if (location->file_token.empty()) {
        scene.missing_reason[r] =
            "profile " + profile.name + " gives no file token for it, and " + options.path + " is a folder";
        continue;
      }
      const auto matches = match_band_files(options.path, location->file_token);
      if (matches.empty()) {
        scene.missing_reason[r] = "no file matching *_" + location->file_token + ".* in " + options.path;
      } else if (matches.size() > 1 && matches[0].stem() != matches[1].stem()) {
        throw InputError(options.path + ": " + label + " scene has several files for band " + location->file_token +
                         ": " + matches[0].string() + ", " + matches[1].string());
      } else {
        // Same stem twice (B04.tif and B04.jp2): prefer the first in name order.
        scene.bands[r] = BandFile{matches.front().string(), 1};
      }
    }
    if (profile.quality && !profile.quality->file_token.empty()) {
      const auto matches = match_band_files(options.path, profile.quality->file_token);
      if (!matches.empty()) {
        scene.quality = QualityBand{matches.front().string(), 1, profile.quality->encoding};
      } else {
        logger("catalog")->warn("{}: {} scene has no *_{}.* quality band: cloud, shadow and snow are not masked",
                                options.path, label, profile.quality->file_token);
      }
    }
    bool any = false;
    for (const auto& b : scene.bands) any = any || b.has_value();
    if (!any) {
      throw InputError(options.path + ": " + label + " scene folder holds no band file that profile " + profile.name +
                       " names (e.g. *_" +
                       [&] {
                         for (const auto& b : profile.bands)
                           if (b && !b->file_token.empty()) return b->file_token;
                         return std::string("B04");
                       }() +
                       ".tif)");
    }
    return scene;
  }

  // A single raster: roles are band indices.
  const DatasetPtr ds = open_raster(options.path);
  const int count = ds->GetRasterCount();
  for (int r = 0; r < kernels::kBandRoleCount; ++r) {
    const auto& location = profile.bands[r];
    if (!location) continue;
    if (location->index <= 0) {
      scene.missing_reason[r] = "profile " + profile.name + " gives no band index for it";
    } else if (location->index > count) {
      scene.missing_reason[r] = "profile " + profile.name + " expects it in band " + std::to_string(location->index) +
                                " but " + options.path + " has " + std::to_string(count) + " band(s)";
    } else {
      scene.bands[r] = BandFile{options.path, location->index};
    }
  }
  if (profile.alpha_band && *profile.alpha_band <= count) {
    scene.alpha = BandFile{options.path, *profile.alpha_band};
  }
  if (profile.quality && profile.quality->index > 0 && profile.quality->index <= count) {
    scene.quality = QualityBand{options.path, profile.quality->index, profile.quality->encoding};
  }
  return scene;
}

void require_bands(const Scene& scene, const std::vector<BandRole>& roles, const std::string& needed_by) {
  for (BandRole role : roles) {
    if (scene.has(role)) continue;
    const int r = static_cast<int>(role);
    std::string reason = scene.missing_reason[r];
    if (reason.empty()) reason = "sensor profile " + scene.profile.name + " does not map it";
    throw InputError(scene.options.path + ": " + scene.label + " scene lacks band " +
                     std::string(kernels::to_string(role)) + " needed by " + needed_by + " (" + reason + ")");
  }
}

}  // namespace zw
