#include "zonewatch/pipeline/config/sensor_profile.hpp"

#include <cstdlib>

#include <unistd.h>

#include "zonewatch/pipeline/config/yaml_section.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"

#ifndef ZONEWATCH_SOURCE_CONFIGS
#define ZONEWATCH_SOURCE_CONFIGS ""
#endif

namespace zw {
namespace fs = std::filesystem;

namespace {

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

}  // namespace

double SensorProfile::scale_of(kernels::BandRole role) const {
  const auto& b = band(role);
  return b && b->scale ? *b->scale : scale;
}

double SensorProfile::offset_of(kernels::BandRole role) const {
  const auto& b = band(role);
  return b && b->offset ? *b->offset : offset;
}

std::vector<fs::path> sensor_search_dirs(const fs::path& config_dir) {
  std::vector<fs::path> dirs;
  if (!config_dir.empty()) dirs.push_back(config_dir / "sensors");
  if (const char* env = std::getenv("ZONEWATCH_SENSORS_DIR"); env != nullptr && *env != '\0') {
    dirs.emplace_back(env);
  }
  const fs::path exe_dir = executable_dir();
  if (!exe_dir.empty()) dirs.push_back(exe_dir / ".." / "share" / "zonewatch" / "configs" / "sensors");
  if (std::string(ZONEWATCH_SOURCE_CONFIGS).size() > 0) {
    dirs.push_back(fs::path(ZONEWATCH_SOURCE_CONFIGS) / "sensors");
  }
  return dirs;
}

SensorProfile load_sensor_profile(const std::string& name_or_path, const std::vector<fs::path>& search_dirs) {
  if (name_or_path.empty()) throw ConfigError("sensor: no sensor profile given");
  // The file system reads a name only up to a NUL byte ("\0x" would find the folder itself).
  if (name_or_path.find('\0') != std::string::npos) {
    throw ConfigError("sensor profile '" + text::printable(name_or_path) + "': a name or path holds a NUL byte");
  }
  fs::path file;
  const bool is_path = name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml");
  if (is_path) {
    file = name_or_path;
    if (!fs::exists(file)) throw ConfigError("sensor profile " + name_or_path + ": file not found");
  } else {
    for (const auto& dir : search_dirs) {
      std::error_code ec;
      if (fs::exists(dir / (name_or_path + ".yaml"), ec)) {
        file = dir / (name_or_path + ".yaml");
        break;
      }
    }
    if (file.empty()) {
      std::string message = "sensor profile '" + name_or_path + "' not found; looked in:";
      for (const auto& dir : search_dirs) message += " " + dir.string();
      // List the profiles that exist, so a typo is easy to fix.
      std::string known;
      for (const auto& dir : search_dirs) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
          if (entry.path().extension() == ".yaml") known += " " + entry.path().stem().string();
        }
        if (!known.empty()) break;
      }
      if (!known.empty()) message += "; known profiles:" + known;
      throw ConfigError(message);
    }
  }

  // YAML::LoadFile on a folder throws std::ios_base::failure, not a YAML error.
  if (std::error_code ec; fs::is_directory(file, ec)) {
    throw ConfigError("sensor profile " + file.string() + ": is a folder, not a YAML file");
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    throw ConfigError(file.string() + ": not valid YAML: " + e.what());
  }
  YamlSection top(root, file.string(), "");
  SensorProfile profile;
  profile.source = file;
  profile.name = top.get<std::string>("name", file.stem().string());
  profile.description = top.get<std::string>("description", "");
  profile.scale = top.get<double>("scale", 1.0);
  profile.offset = top.get<double>("offset", 0.0);
  profile.nodata = top.optional<double>("nodata");
  profile.alpha_band = top.optional<int>("alpha_band");
  YamlSection bands = top.section("bands");
  for (const std::string& role_name : bands.keys()) {
    const auto role = kernels::band_role_from_string(role_name);
    if (!role) {
      throw ConfigError(file.string() + ": key 'bands." + role_name + "' is not a band role (expected " +
                        std::string(kernels::kBandRoleNames.listing()) + ")");
    }
    YamlSection band = bands.section(role_name);
    BandLocation location;
    location.file_token = band.get<std::string>("file", "");
    location.index = band.get<int>("index", 0);
    location.scale = band.optional<double>("scale");
    location.offset = band.optional<double>("offset");
    location.wavelength_nm = band.optional<double>("wavelength");
    band.finish();
    if (location.scale && *location.scale == 0.0) {
      throw ConfigError(file.string() + ": key 'bands." + role_name + ".scale' must not be 0");
    }
    if (location.wavelength_nm && !(*location.wavelength_nm > 0.0 && *location.wavelength_nm < 20000.0)) {
      throw ConfigError(file.string() + ": key 'bands." + role_name +
                        ".wavelength' must be the band centre in nm (0 < wavelength < 20000)");
    }
    if (location.file_token.empty() && location.index <= 0) {
      throw ConfigError(file.string() + ": key 'bands." + role_name +
                        "' needs 'file' (band token) or 'index' (1-based band number)");
    }
    profile.bands[static_cast<int>(*role)] = location;
  }
  const bool has_quality = top.has("quality");
  YamlSection q = top.section("quality");  // registers the key for "did you mean" hints
  if (has_quality) {
    QualityLocation quality;
    quality.file_token = q.get<std::string>("file", "");
    quality.index = q.get<int>("index", 0);
    const std::string encoding = q.require<std::string>("encoding");
    q.finish();
    const auto parsed = kernels::quality_encoding_from_string(encoding);
    if (!parsed) {
      throw ConfigError(file.string() + ": key 'quality.encoding' is '" + encoding +
                        "'; expected landsat_qa_pixel, landsat_bqa_c1_oli, landsat_bqa_c1_tm_etm, "
                        "sentinel2_scl, cbers_cmask or nonzero_is_clear");
    }
    quality.encoding = *parsed;
    if (quality.file_token.empty() && quality.index <= 0) {
      throw ConfigError(file.string() + ": key 'quality' needs 'file' (band token) or 'index' (1-based band number)");
    }
    profile.quality = quality;
  }
  const std::string cloud_test = top.get<std::string>("cloud_test", "none");
  if (cloud_test == "spectral") {
    profile.cloud_test = CloudTest::spectral;
  } else if (cloud_test != "none") {
    throw ConfigError(file.string() + ": key 'cloud_test' is '" + cloud_test + "'; expected none or spectral");
  }
  if (top.has("tasseled_cap")) {
    const std::string sensor = top.get<std::string>("tasseled_cap", "");
    profile.tasseled_cap = kernels::tasseled_cap_sensor_from_string(sensor);
    if (!profile.tasseled_cap) {
      throw ConfigError(file.string() + ": key 'tasseled_cap' is '" + sensor + "'; expected " +
                        kernels::kTasseledCapSensorNames.listing());
    }
  }
  top.finish();
  if (profile.scale == 0.0) throw ConfigError(file.string() + ": key 'scale' must not be 0");
  bool any = false;
  for (const auto& b : profile.bands) any = any || b.has_value();
  if (!any) throw ConfigError(file.string() + ": key 'bands' lists no band");
  return profile;
}

}  // namespace zw
