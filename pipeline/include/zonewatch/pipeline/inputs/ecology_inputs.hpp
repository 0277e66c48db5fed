#pragma once
// What a scene gives the Remote Sensing Ecological Index beyond its reflectance bands: the
// thermal band of a Landsat Level-1 product for the heat component (its file, and the
// radiance rescaling and K1/K2 constants of its MTL that turn digital numbers into at-sensor
// brightness temperature), and the tasseled-cap coefficients for the wetness component.
#include <optional>
#include <string>

#include "zonewatch/kernels/ecology.hpp"
#include "zonewatch/pipeline/inputs/scene.hpp"

namespace zw {

struct ThermalBand {
  BandFile file;
  std::string band;  // the MTL's band name: "10" (OLI/TIRS), "6_VCID_1" (ETM+), "6" (TM)
  kernels::ThermalCalibration calibration;
};

/// The thermal band of a Landsat Level-1 product (TIRS band 10; ETM+ band 6 low gain, which
/// does not saturate over hot bare ground; TM band 6) with RADIANCE_MULT/ADD and K1/K2 from
/// its MTL. Nothing for other scenes, Level-2 products (their surface temperature band is
/// not read yet) and products without a thermal band (OLI-only). InputError naming the MTL
/// and key when the band is listed but a constant is missing.
std::optional<ThermalBand> find_thermal_band(const InspectedScene& scene);

/// The tasseled-cap coefficients of the scene's sensor: the profile's `tasseled_cap`, except
/// that a Landsat product's MTL tells TM, ETM+ and OLI apart (one Level-1 profile serves
/// Landsat 4, 5 and 7). None where the profile names none.
std::optional<kernels::TasseledCapSensor> tasseled_cap_sensor(const InspectedScene& scene,
                                                              const SensorProfile& profile);

/// The band role under which thermal_radiance_scene() carries the thermal band.
inline constexpr kernels::BandRole kThermalRadianceRole = kernels::BandRole::nir;

/// A scene that reads only `thermal`, as at-sensor radiance (DN x RADIANCE_MULT +
/// RADIANCE_ADD, DN 0 = fill) under kThermalRadianceRole, with `scene`'s quality band, so that
/// a SceneReader puts it on the grid like any band.
Scene thermal_radiance_scene(const Scene& scene, const ThermalBand& thermal);

}  // namespace zw
