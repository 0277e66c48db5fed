#pragma once
// Sensor profiles: which file or band holds each spectral role, scale/offset, nodata.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "zonewatch/kernels/bands.hpp"
#include "zonewatch/kernels/ecology.hpp"
#include "zonewatch/kernels/quality.hpp"

namespace zw {

struct BandLocation {
  std::string file_token;  // matched as *_<token>.<ext> in one-file-per-band folders
  int index = 0;           // 1-based band in a multi-band raster; 0 = not given
  /// Per-band calibration replacing the profile's scale/offset for this band: from the
  /// product's metadata (Landsat MTL, Sentinel-2 MTD) or from bands.<role>.scale/offset.
  std::optional<double> scale;
  std::optional<double> offset;
  /// Band centre wavelength in nm (`wavelength`), where the profile gives it: the floating
  /// algae index interpolates between red, NIR and SWIR by it.
  std::optional<double> wavelength_nm;
};

/// Where a sensor's quality (cloud / fill) band is and how it is encoded.
struct QualityLocation {
  std::string file_token;  // as BandLocation::file_token
  int index = 0;           // 1-based band in a multi-band raster; 0 = not given
  kernels::QualityEncoding encoding = kernels::QualityEncoding::nonzero_is_clear;
};

/// Cloud screening for scenes without a quality band.
enum class CloudTest { none, spectral };

struct SensorProfile {
  std::string name;
  std::string description;
  std::array<std::optional<BandLocation>, kernels::kBandRoleCount> bands{};
  double scale = 1.0;
  double offset = 0.0;
  std::optional<double> nodata;
  std::optional<int> alpha_band;           // 1-based; 0 in it marks no data (drone orthomosaics)
  std::optional<QualityLocation> quality;  // the product's quality band, when it has one
  CloudTest cloud_test = CloudTest::none;  // used only when a scene has no quality band
  /// Tasseled-cap coefficients for the wetness component of the ecological index
  /// (kernels/ecology.hpp); none for sensors without SWIR bands or a published transform.
  std::optional<kernels::TasseledCapSensor> tasseled_cap;
  std::filesystem::path source;  // the YAML file it came from

  [[nodiscard]] const std::optional<BandLocation>& band(kernels::BandRole role) const {
    return bands[static_cast<int>(role)];
  }
  /// The band's own scale/offset where it has one, else the profile's.
  [[nodiscard]] double scale_of(kernels::BandRole role) const;
  [[nodiscard]] double offset_of(kernels::BandRole role) const;
};

/// Loads a profile by name (searched as <dir>/<name>.yaml in `search_dirs`, in order) or
/// by path (anything ending in .yaml/.yml). Throws ConfigError naming the profile.
SensorProfile load_sensor_profile(const std::string& name_or_path,
                                  const std::vector<std::filesystem::path>& search_dirs);

/// Where sensor profiles are looked for: next to the config (<config dir>/sensors), then
/// $ZONEWATCH_SENSORS_DIR, then the installed and source trees' configs/sensors.
std::vector<std::filesystem::path> sensor_search_dirs(const std::filesystem::path& config_dir);

}  // namespace zw
