#pragma once
// Spectral band roles and a set of per-role float tiles (reflectance, NaN = nodata).
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "zonewatch/kernels/enum_names.hpp"
#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// rededge1: the first red-edge band (Sentinel-2 B5, 705 nm), read only by the water-quality
/// stage (NDCI); last so that the other roles keep their numbers.
enum class BandRole : int { blue = 0, green, red, nir, swir1, swir2, rededge1 };
inline constexpr int kBandRoleCount = 7;

inline constexpr EnumNames kBandRoleNames{std::array{
    EnumName<BandRole>{BandRole::blue, "blue"},
    EnumName<BandRole>{BandRole::green, "green"},
    EnumName<BandRole>{BandRole::red, "red"},
    EnumName<BandRole>{BandRole::nir, "nir"},
    EnumName<BandRole>{BandRole::swir1, "swir1"},
    EnumName<BandRole>{BandRole::swir2, "swir2"},
    EnumName<BandRole>{BandRole::rededge1, "rededge1"},
}};

[[nodiscard]] constexpr std::string_view to_string(BandRole r) { return kBandRoleNames.name(r); }
/// Inverse of to_string, case-insensitive; nullopt for an unknown name.
[[nodiscard]] constexpr std::optional<BandRole> band_role_from_string(std::string_view name) {
  return kBandRoleNames.parse_any_case(name);
}

/// One date's bands for one tile; absent roles have an empty view.
struct BandSet {
  std::array<ConstTileView<float>, kBandRoleCount> bands{};

  [[nodiscard]] const ConstTileView<float>& operator[](BandRole r) const { return bands[static_cast<int>(r)]; }
  [[nodiscard]] ConstTileView<float>& operator[](BandRole r) { return bands[static_cast<int>(r)]; }
  [[nodiscard]] bool has(BandRole r) const { return !(*this)[r].empty(); }
};

/// Raw digital numbers of any pixel type to float reflectance: value * scale + offset.
/// Pixels equal to nodata (when given) or non-finite become NaN.
template <class T>
void to_reflectance(ConstTileView<T> raw, std::optional<double> nodata, float scale, float offset, TileView<float> out);

/// Reflectance back to scaled integers, as the composites store it: value * scale rounded
/// half away from zero (std::round's rule), clamped to [-32767, 32767]; NaN becomes
/// `nodata`. Branch-free, so that loops over it vectorise: the value is clamped to +-32768
/// before the conversion to an integer, where its fraction is exact.
[[nodiscard]] inline std::int16_t reflectance_to_int16(float value, double scale, std::int16_t nodata) {
  const bool missing = value != value;
  const double scaled = missing ? 0.0 : static_cast<double>(value) * scale;
  const double clamped = std::min(std::max(scaled, -32768.0), 32768.0);
  const auto whole = static_cast<std::int32_t>(clamped);
  const double fraction = clamped - static_cast<double>(whole);
  const std::int32_t rounded = whole + (fraction >= 0.5 ? 1 : 0) - (fraction <= -0.5 ? 1 : 0);
  return missing ? nodata : static_cast<std::int16_t>(std::min(std::max(rounded, -32767), 32767));
}

/// reflectance_to_int16 on every value of `values` into `out` (of the same size).
void reflectance_to_int16(std::span<const float> values, double scale, std::int16_t nodata,
                          std::span<std::int16_t> out);

/// A linear radiometric adjustment of one value: gain * value + offset (NaN stays NaN).
[[nodiscard]] inline float apply_gain_offset(float value, float gain, float offset) { return gain * value + offset; }

/// apply_gain_offset on every value of `values`, in place.
void apply_gain_offset(TileView<float> values, float gain, float offset);

}  // namespace zw::kernels
