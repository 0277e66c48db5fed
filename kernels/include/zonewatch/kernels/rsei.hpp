#pragma once
// The Remote Sensing Ecological Index (RSEI, Xu 2013): the first principal component of four
// normalized components (greenness NDVI, wetness from the tasseled cap, heat from a thermal
// band, dryness NDBSI). Its model (normalization and loadings) is fixed once and reused, so
// values of different years compare.
#include <array>

namespace zw::kernels {

/// RSEI components, in loading order.
enum class RseiComponent : int { greenness = 0, wetness, heat, dryness };
inline constexpr int kRseiComponentCount = 4;

/// Fixed normalization and loadings. A component the sensor lacks (heat without a thermal
/// band) has `present` false and loading 0.
struct RseiModel {
  std::array<bool, kRseiComponentCount> present{};
  std::array<double, kRseiComponentCount> low{}, high{};  // component -> (x - low) / (high - low)
  std::array<double, kRseiComponentCount> loadings{};     // first principal component, greenness >= 0
  double pc1_low = 0.0, pc1_high = 1.0;                   // PC1 -> RSEI = (pc1 - low) / (high - low)
  double explained_variance = 0.0;                        // share of the variance PC1 carries
};

}  // namespace zw::kernels
