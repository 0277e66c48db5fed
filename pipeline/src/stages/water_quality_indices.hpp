#pragma once
// The water-quality indices in report order: shared by the stage (water_quality.cpp) and its
// run.json record (water_quality_record.cpp); not a public header.
#include <array>

#include "zonewatch/kernels/water_quality.hpp"

namespace zw::water_detail {

inline constexpr std::array<kernels::WaterIndex, kernels::kWaterIndexCount> kAllIndices{
    kernels::WaterIndex::ndti, kernels::WaterIndex::ndci, kernels::WaterIndex::fai, kernels::WaterIndex::boi};
constexpr int idx(kernels::WaterIndex i) { return static_cast<int>(i); }

}  // namespace zw::water_detail
