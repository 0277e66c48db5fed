#include "zonewatch/kernels/ecology.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace zw::kernels {
namespace {

template <class Out>
void require_band(const BandSet& bands, BandRole role, const TileView<Out>& out, const char* caller) {
  const ConstTileView<float>& band = bands[role];
  if (band.empty()) {
    throw std::invalid_argument(std::string(caller) + ": band '" + std::string(to_string(role)) + "' is missing");
  }
  if (band.width != out.width || band.height != out.height) {
    throw std::invalid_argument(std::string(caller) + ": band '" + std::string(to_string(role)) +
                                "' differs in size from the output tile");
  }
}

template <class Out>
void require_same_size(const ConstTileView<float>& in, const TileView<Out>& out, const char* caller) {
  if (in.width != out.width || in.height != out.height) {
    throw std::invalid_argument(std::string(caller) + ": input differs in size from the output tile");
  }
}

/// Applies a per-pixel function of the given bands (in argument order) over the tile.
template <std::size_t N, class Out, class PixelFunction>
void map_bands(const BandSet& bands, const std::array<BandRole, N>& roles, TileView<Out> out, const char* caller,
               PixelFunction pixel) {
  for (BandRole role : roles) require_band(bands, role, out, caller);
  for (int y = 0; y < out.height; ++y) {
    std::array<const float*, N> in{};
    for (std::size_t i = 0; i < N; ++i) in[i] = bands[roles[i]].row(y);
    Out* dst = out.row(y);
    const auto at = [&]<std::size_t... I>(int x, std::index_sequence<I...>) { return pixel(in[I][x]...); };
    for (int x = 0; x < out.width; ++x) dst[x] = at(x, std::make_index_sequence<N>{});
  }
}

}  // namespace

void compute_fvc(ConstTileView<float> ndvi_values, const FvcEndmembers& endmembers, TileView<float> out) {
  require_same_size(ndvi_values, out, "compute_fvc");
  for (int y = 0; y < out.height; ++y) {
    const float* src = ndvi_values.row(y);
    float* dst = out.row(y);
    for (int x = 0; x < out.width; ++x) dst[x] = fractional_vegetation_cover(src[x], endmembers);
  }
}

FvcEndmembers NdviHistogramAccumulator::finalize(const FvcEndmemberOptions& options) const {
  if (!(options.soil_percentile >= 0.0 && options.soil_percentile < options.vegetation_percentile &&
        options.vegetation_percentile <= 1.0)) {
    throw std::invalid_argument("NdviHistogramAccumulator: need 0 <= soil_percentile < vegetation_percentile <= 1");
  }
  if (histogram_.total() == 0) return {};
  return {histogram_.quantile(options.soil_percentile), histogram_.quantile(options.vegetation_percentile)};
}

void compute_ndbsi(const BandSet& bands, TileView<float> out) {
  using enum BandRole;
  map_bands<5>(bands, {blue, green, red, nir, swir1}, out, "compute_ndbsi", [](auto... v) { return ndbsi(v...); });
}

void compute_wetness(TasseledCapSensor sensor, const BandSet& bands, TileView<float> out) {
  using enum BandRole;
  const WetnessCoefficients coefficients = wetness_coefficients(sensor);
  map_bands<6>(bands, {blue, green, red, nir, swir1, swir2}, out, "compute_wetness",
               [&](auto... v) { return tasseled_cap_wetness(coefficients, v...); });
}

void compute_brightness_temperature(ConstTileView<float> dn, const ThermalCalibration& cal, TileView<float> out) {
  require_same_size(dn, out, "compute_brightness_temperature");
  if (!(cal.k1 > 0.0 && cal.k2 > 0.0)) {
    throw std::invalid_argument("compute_brightness_temperature: thermal constants K1 and K2 must be positive");
  }
  for (int y = 0; y < out.height; ++y) {
    const float* src = dn.row(y);
    float* dst = out.row(y);
    for (int x = 0; x < out.width; ++x) dst[x] = brightness_temperature(src[x], cal);
  }
}

void compute_land_class(const BandSet& bands, const LandClassOptions& options, TileView<std::uint8_t> out) {
  using enum BandRole;
  const auto code = [](LandClass land_class) { return static_cast<std::uint8_t>(land_class); };
  if (bands.has(swir1) && bands.has(blue)) {
    map_bands<5>(bands, {blue, green, red, nir, swir1}, out, "compute_land_class",
                 [&](float b, float g, float r, float n, float s1) {
                   return code(classify_land(mndwi(g, s1), ndvi(n, r), ndbsi(b, g, r, n, s1), options));
                 });
  } else if (bands.has(swir1)) {
    map_bands<4>(bands, {green, red, nir, swir1}, out, "compute_land_class", [&](float g, float r, float n, float s1) {
      return code(classify_land(mndwi(g, s1), ndvi(n, r), kNaN, options));
    });
  } else {
    map_bands<3>(bands, {green, red, nir}, out, "compute_land_class",
                 [&](float g, float r, float n) { return code(classify_land(ndwi(g, n), ndvi(n, r), kNaN, options)); });
  }
}

}  // namespace zw::kernels
