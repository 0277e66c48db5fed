#include "zonewatch/pipeline/inputs/ecology_inputs.hpp"

#include <array>
#include <variant>
#include <vector>

#include "products.hpp"
#include "zonewatch/pipeline/inputs/metadata.hpp"

namespace zw {

std::optional<ThermalBand> find_thermal_band(const InspectedScene& scene) {
  if (!scene.product) return std::nullopt;
  const auto* landsat = std::get_if<LandsatMetadata>(&scene.product->parsed);
  if (landsat == nullptr || landsat->surface_reflectance()) return std::nullopt;
  // In order of preference; the first the product lists is used.
  constexpr std::array<const char*, 3> kThermalBands{"10", "6_VCID_1", "6"};
  for (const char* name : kThermalBands) {
    const auto file = landsat->band_files.find(name);
    if (file == landsat->band_files.end()) continue;
    const MtlFile& mtl = landsat->mtl;
    const bool c1 = landsat->collection == 1;
    const std::vector<std::string> rescaling{c1 ? "RADIOMETRIC_RESCALING" : "LEVEL1_RADIOMETRIC_RESCALING"};
    // Collection 1 keeps K1/K2 in TIRS_THERMAL_CONSTANTS (Landsat 8) or THERMAL_CONSTANTS
    // (Landsat 4-7), Collection 2 in LEVEL1_THERMAL_CONSTANTS.
    const std::vector<std::string> constants =
        c1 ? std::vector<std::string>{"TIRS_THERMAL_CONSTANTS", "THERMAL_CONSTANTS"}
           : std::vector<std::string>{"LEVEL1_THERMAL_CONSTANTS"};
    const std::string band = name;
    ThermalBand thermal;
    thermal.file = BandFile{file->second, 1};
    thermal.band = band;
    thermal.calibration.radiance_mult = mtl.require_number("RADIANCE_MULT_BAND_" + band, rescaling);
    thermal.calibration.radiance_add = mtl.require_number("RADIANCE_ADD_BAND_" + band, rescaling);
    thermal.calibration.k1 = mtl.require_number("K1_CONSTANT_BAND_" + band, constants);
    thermal.calibration.k2 = mtl.require_number("K2_CONSTANT_BAND_" + band, constants);
    return thermal;
  }
  return std::nullopt;
}

std::optional<kernels::TasseledCapSensor> tasseled_cap_sensor(const InspectedScene& scene,
                                                              const SensorProfile& profile) {
  if (!profile.tasseled_cap || !scene.product) return profile.tasseled_cap;
  const auto* landsat = std::get_if<LandsatMetadata>(&scene.product->parsed);
  if (landsat == nullptr) return profile.tasseled_cap;
  if (landsat->mission == 4 || landsat->mission == 5) return kernels::TasseledCapSensor::landsat_tm;
  if (landsat->mission == 7) return kernels::TasseledCapSensor::landsat_etm;
  return kernels::TasseledCapSensor::landsat_oli;
}

Scene thermal_radiance_scene(const Scene& scene, const ThermalBand& thermal) {
  Scene out = scene;
  out.bands = {};
  out.missing_reason = {};
  out.bands[static_cast<int>(kThermalRadianceRole)] = thermal.file;
  out.profile.bands = {};
  BandLocation location;
  location.index = thermal.file.band;
  location.scale = thermal.calibration.radiance_mult;
  location.offset = thermal.calibration.radiance_add;
  out.profile.bands[static_cast<int>(kThermalRadianceRole)] = location;
  out.profile.nodata = 0.0;  // Level-1 fill
  out.profile.name += " (thermal radiance)";
  return out;
}

}  // namespace zw
