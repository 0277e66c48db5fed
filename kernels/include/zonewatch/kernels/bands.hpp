#pragma once
// Spectral band roles and a set of per-role float tiles (reflectance, NaN = nodata).
#include <array>
#include <optional>
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

/// A linear radiometric adjustment of one value: gain * value + offset (NaN stays NaN).
[[nodiscard]] inline float apply_gain_offset(float value, float gain, float offset) { return gain * value + offset; }

/// apply_gain_offset on every value of `values`, in place.
void apply_gain_offset(TileView<float> values, float gain, float offset);

}  // namespace zw::kernels
