#pragma once
// Short names of the change types, and their stored byte, for the typing tests.
#include <cstdint>

#include "zonewatch/kernels/change_typing.hpp"

namespace zw::kernels {

inline constexpr auto kNone = ChangeType::none;
inline constexpr auto kVegetationLoss = ChangeType::vegetation_loss;
inline constexpr auto kConstruction = ChangeType::construction;
inline constexpr auto kWaterLoss = ChangeType::water_loss;
inline constexpr auto kWaterGain = ChangeType::water_gain;
inline constexpr auto kOther = ChangeType::other;
inline constexpr auto kNodata = ChangeType::nodata;

/// A change type as the class rasters store it.
inline constexpr std::uint8_t stored(ChangeType type) { return static_cast<std::uint8_t>(type); }

}  // namespace zw::kernels
