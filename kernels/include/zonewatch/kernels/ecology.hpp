#pragma once
// Ecological indicators per pixel: fractional vegetation cover, dryness (NDBSI), tasseled-cap
// wetness, brightness temperature and a coarse land class for the area indicators. As in
// indices.hpp the per-pixel math is small inline functions; the tile functions only schedule
// them. NaN (nodata) in any input gives NaN out, and so does a zero denominator.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

#include "zonewatch/kernels/bands.hpp"
#include "zonewatch/kernels/enum_names.hpp"
#include "zonewatch/kernels/indices.hpp"
#include "zonewatch/kernels/threshold.hpp"

namespace zw::kernels {

// ---------------------------------------------------------------------------------------
// Fractional vegetation cover (dimidiate pixel model)

/// NDVI of bare soil and of full vegetation cover.
struct FvcEndmembers {
  double ndvi_soil = kNaN;
  double ndvi_vegetation = kNaN;
  [[nodiscard]] bool usable() const { return ndvi_vegetation > ndvi_soil; }  // false for NaN too
};

/// clamp((ndvi - soil) / (vegetation - soil), 0, 1); NaN for NaN NDVI or unusable endmembers.
[[nodiscard]] inline float fractional_vegetation_cover(float ndvi_value, const FvcEndmembers& endmembers) {
  if (std::isnan(ndvi_value) || !endmembers.usable()) return kNaN;
  const double fvc = (ndvi_value - endmembers.ndvi_soil) / (endmembers.ndvi_vegetation - endmembers.ndvi_soil);
  return static_cast<float>(std::clamp(fvc, 0.0, 1.0));
}

/// FVC of every pixel. Throws std::invalid_argument when `ndvi` and `out` differ in size.
void compute_fvc(ConstTileView<float> ndvi_values, const FvcEndmembers& endmembers, TileView<float> out);

/// Which NDVI percentiles stand for bare soil and full cover. 5 % / 95 % of the valid NDVI is
/// the common choice: the extremes themselves are noise (clouds, shadow, saturated pixels).
struct FvcEndmemberOptions {
  double soil_percentile = 0.05;
  double vegetation_percentile = 0.95;
};

/// NDVI histogram over fixed bins on [-1, 1] (integer counts: any tiling and merge order gives
/// the same endmembers). finalize() reads the endmember percentiles, accurate to a bin width.
class NdviHistogramAccumulator {
 public:
  static constexpr int kDefaultBins = 2000;  // 0.001 NDVI per bin
  explicit NdviHistogramAccumulator(int bins = kDefaultBins) : histogram_(-1.0, 1.0, bins) {}

  void reset() { histogram_.reset(); }
  void accumulate(ConstTileView<float> ndvi_values) { histogram_.accumulate(ndvi_values); }
  /// Only pixels where mask != 0 count (e.g. inside the study area, not water).
  void accumulate(ConstTileView<float> ndvi_values, ConstTileView<std::uint8_t> mask) {
    histogram_.accumulate(ndvi_values, mask);
  }
  void merge(const NdviHistogramAccumulator& other) { histogram_.merge(other.histogram_); }
  [[nodiscard]] std::uint64_t count() const { return histogram_.total(); }
  /// NaN endmembers when nothing was accumulated. Throws std::invalid_argument unless
  /// 0 <= soil_percentile < vegetation_percentile <= 1.
  [[nodiscard]] FvcEndmembers finalize(const FvcEndmemberOptions& options = {}) const;

 private:
  HistogramAccumulator histogram_;
};

// ---------------------------------------------------------------------------------------
// Dryness: NDBSI = (SI + IBI) / 2 (Xu 2013, the RSEI dryness component)

/// a / b, NaN for a zero or NaN denominator.
[[nodiscard]] inline float safe_ratio(float a, float b) { return (std::isnan(b) || b == 0.0f) ? kNaN : a / b; }

/// Soil index ((swir1 + red) - (nir + blue)) / ((swir1 + red) + (nir + blue)); same as bsi().
[[nodiscard]] inline float soil_index(float blue, float red, float nir, float swir1) {
  return bsi(blue, red, nir, swir1);
}

/// Index-based built-up index (Xu 2008):
/// (2 swir1/(swir1+nir) - (nir/(nir+red) + green/(green+swir1))) / (same with +).
[[nodiscard]] inline float index_based_builtup_index(float green, float red, float nir, float swir1) {
  const float built = 2.0f * safe_ratio(swir1, swir1 + nir);
  const float vegetation_water = safe_ratio(nir, nir + red) + safe_ratio(green, green + swir1);
  return normalized_difference(built, vegetation_water);
}

[[nodiscard]] inline float ndbsi(float blue, float green, float red, float nir, float swir1) {
  return 0.5f * (soil_index(blue, red, nir, swir1) + index_based_builtup_index(green, red, nir, swir1));
}

/// NDBSI of every pixel; needs blue, green, red, nir and swir1. Throws std::invalid_argument
/// when one is missing or differs in size from `out`.
void compute_ndbsi(const BandSet& bands, TileView<float> out);

// ---------------------------------------------------------------------------------------
// Wetness: third tasseled-cap component, over reflectance of blue, green, red, nir, swir1, swir2

/// Sensor families with published reflectance tasseled-cap coefficients. MODIS (Lobser &
/// Cohen 2007) is left out on purpose: its transform uses seven bands, band 5 (1240 nm) has
/// no role here, and dropping a term changes the component.
enum class TasseledCapSensor : std::uint8_t { landsat_oli, landsat_tm, landsat_etm, sentinel2_msi };

inline constexpr EnumNames kTasseledCapSensorNames{std::array{
    EnumName<TasseledCapSensor>{TasseledCapSensor::landsat_oli, "landsat_oli"},
    EnumName<TasseledCapSensor>{TasseledCapSensor::landsat_tm, "landsat_tm"},
    EnumName<TasseledCapSensor>{TasseledCapSensor::landsat_etm, "landsat_etm"},
    EnumName<TasseledCapSensor>{TasseledCapSensor::sentinel2_msi, "sentinel2_msi"},
}};

[[nodiscard]] constexpr std::string_view to_string(TasseledCapSensor sensor) {
  return kTasseledCapSensorNames.name(sensor);
}
/// Inverse of to_string, case-insensitive; nullopt for an unknown name.
[[nodiscard]] constexpr std::optional<TasseledCapSensor> tasseled_cap_sensor_from_string(std::string_view name) {
  return kTasseledCapSensorNames.parse_any_case(name);
}

/// Wetness coefficients in role order blue, green, red, nir, swir1, swir2.
using WetnessCoefficients = std::array<float, 6>;

[[nodiscard]] constexpr WetnessCoefficients wetness_coefficients(TasseledCapSensor sensor) {
  switch (sensor) {
    // Landsat 8/9 OLI surface or TOA reflectance: Baig, Zhang, Shuai & Tong (2014), Remote
    // Sensing Letters 5(5):423-431, Table 2.
    case TasseledCapSensor::landsat_oli: return {0.1511f, 0.1973f, 0.3283f, 0.3407f, -0.7117f, -0.4559f};
    // Landsat 4/5 TM reflectance factors: Crist (1985), Remote Sensing of Environment 17:301-306.
    case TasseledCapSensor::landsat_tm: return {0.0315f, 0.2021f, 0.3102f, 0.1594f, -0.6806f, -0.6109f};
    // Landsat 7 ETM+ at-satellite reflectance: Huang, Wylie, Yang, Homer & Zylstra (2002),
    // International Journal of Remote Sensing 23(8):1741-1748.
    case TasseledCapSensor::landsat_etm: return {0.2626f, 0.2141f, 0.0926f, 0.0656f, -0.7629f, -0.5388f};
    // Sentinel-2 MSI B2, B3, B4, B8, B11, B12: STAND-IN, to be replaced. Shi & Xu (2019, IEEE
    // JSTARS 12(10)) publish a six-band MSI set (rotated onto the OLI tasseled-cap axes), but its
    // values were not at hand when this was written; Nedkov (2017) needs all 13 bands. Until
    // then the OLI coefficients (Baig et al. 2014) are used: the six MSI bands match the OLI
    // bands spectrally, so wetness is close but not identical to the published MSI component.
    case TasseledCapSensor::sentinel2_msi: return {0.1511f, 0.1973f, 0.3283f, 0.3407f, -0.7117f, -0.4559f};
  }
  return {};
}

[[nodiscard]] inline float tasseled_cap_wetness(const WetnessCoefficients& c, float blue, float green, float red,
                                                float nir, float swir1, float swir2) {
  return c[0] * blue + c[1] * green + c[2] * red + c[3] * nir + c[4] * swir1 + c[5] * swir2;
}

/// Wetness of every pixel; needs all six roles. Throws std::invalid_argument when one is
/// missing or differs in size from `out`.
void compute_wetness(TasseledCapSensor sensor, const BandSet& bands, TileView<float> out);

// ---------------------------------------------------------------------------------------
// Heat: at-sensor brightness temperature from a thermal band's digital numbers

/// Landsat MTL constants of one thermal band: RADIANCE_MULT_BAND_n, RADIANCE_ADD_BAND_n,
/// K1_CONSTANT_BAND_n, K2_CONSTANT_BAND_n.
struct ThermalCalibration {
  double radiance_mult = 0.0;  // W/(m2 sr um) per DN
  double radiance_add = 0.0;   // W/(m2 sr um)
  double k1 = 0.0;             // W/(m2 sr um)
  double k2 = 0.0;             // K
};

/// K2 / ln(K1 / L + 1); NaN for NaN or non-positive radiance.
[[nodiscard]] inline float brightness_temperature_from_radiance(double radiance, const ThermalCalibration& cal) {
  if (!(radiance > 0.0)) return kNaN;
  return static_cast<float>(cal.k2 / std::log(cal.k1 / radiance + 1.0));
}

/// Brightness temperature in kelvin of one DN: radiance L = mult * DN + add, then K2 / ln(K1/L + 1).
[[nodiscard]] inline float brightness_temperature(float dn, const ThermalCalibration& cal) {
  return brightness_temperature_from_radiance(cal.radiance_mult * dn + cal.radiance_add, cal);
}

/// Brightness temperature of every pixel of `dn` (NaN = nodata). Throws std::invalid_argument
/// when sizes differ or unless K1 > 0 and K2 > 0.
void compute_brightness_temperature(ConstTileView<float> dn, const ThermalCalibration& cal, TileView<float> out);

// ---------------------------------------------------------------------------------------
// Land class for the area indicators (water, built/bare, vegetation shares of a unit)

enum class LandClass : std::uint8_t { nodata = 0, water, built_bare, vegetation, other };
inline constexpr int kLandClassCount = 5;

inline constexpr EnumNames kLandClassNames{std::array{
    EnumName<LandClass>{LandClass::nodata, "nodata", "无数据"},
    EnumName<LandClass>{LandClass::water, "water", "水体"},
    EnumName<LandClass>{LandClass::built_bare, "built_bare", "建设用地与裸地"},
    EnumName<LandClass>{LandClass::vegetation, "vegetation", "植被"},
    EnumName<LandClass>{LandClass::other, "other", "其他"},
}};

[[nodiscard]] constexpr std::string_view to_string(LandClass land_class) { return kLandClassNames.name(land_class); }

/// Thresholds, tested in this order: water, vegetation, built/bare, else other.
/// - water: MNDWI > 0 (Xu 2006; NDWI > 0 after McFeeters 1996 where there is no SWIR band):
///   open water is the only common cover reflecting more green than SWIR/NIR.
/// - vegetation: NDVI >= 0.3, the usual lower bound of sparse-but-closed vegetation; soil,
///   rock and built surfaces stay below ~0.2.
/// - built/bare: NDBSI > 0 and NDVI < 0.2: soil and impervious surfaces reflect more in SWIR and
///   red than in NIR and blue; the NDVI cap keeps moist cropland with high SWIR out.
/// Pixels between (NDVI 0.2-0.3 with NDBSI <= 0, or without SWIR) are `other`.
struct LandClassOptions {
  float water_index_min = 0.0f;  // water when MNDWI (or NDWI) > this
  float vegetation_ndvi_min = 0.3f;
  float built_bare_ndbsi_min = 0.0f;  // built/bare when NDBSI > this ...
  float built_bare_ndvi_max = 0.2f;   // ... and NDVI < this
};

/// Class of one pixel. `water_index` is MNDWI or NDWI; NaN water index or NDVI gives nodata;
/// NaN NDBSI (no SWIR band) only rules out built/bare.
[[nodiscard]] inline LandClass classify_land(float water_index, float ndvi_value, float ndbsi_value,
                                             const LandClassOptions& options = {}) {
  if (std::isnan(water_index) || std::isnan(ndvi_value)) return LandClass::nodata;
  if (water_index > options.water_index_min) return LandClass::water;
  if (ndvi_value >= options.vegetation_ndvi_min) return LandClass::vegetation;
  if (ndbsi_value > options.built_bare_ndbsi_min && ndvi_value < options.built_bare_ndvi_max) {
    return LandClass::built_bare;
  }
  return LandClass::other;
}

/// Land class of every pixel (LandClass codes). Needs green, red and nir; uses MNDWI and NDBSI
/// where swir1 (and blue) are present, else NDWI and no built/bare class. Throws
/// std::invalid_argument when a needed band is missing or differs in size from `out`.
void compute_land_class(const BandSet& bands, const LandClassOptions& options, TileView<std::uint8_t> out);

}  // namespace zw::kernels
