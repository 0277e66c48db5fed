#pragma once
// The Remote Sensing Ecological Index (RSEI, Xu 2013): the first principal component of four
// normalized components (greenness NDVI, wetness from the tasseled cap, heat from a thermal
// band, dryness NDBSI). Its model (normalization and loadings) is fixed once and reused, so
// values of different years compare.
#include <array>
#include <cstdint>

#include "zonewatch/kernels/threshold.hpp"
#include "zonewatch/kernels/tile.hpp"

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

/// Fixed physical range of each component's histogram and moment grid, in component order:
/// greenness (NDVI) and dryness (NDBSI) [-1, 1], wetness [-1, 1] reflectance units, heat
/// [200, 350] K (brightness or land-surface temperature). Values outside still count: the
/// histogram puts them in its end bins, the moments clamp them to one range below / two above.
struct RseiComponentRange {
  double lo;
  double hi;
};
inline constexpr std::array<RseiComponentRange, kRseiComponentCount> kRseiComponentRanges{
    {{-1.0, 1.0}, {-1.0, 1.0}, {200.0, 350.0}, {-1.0, 1.0}}};

/// The four component planes of one tile, indexed by RseiComponent; an absent component has
/// an empty view.
using RseiComponentViews = std::array<ConstTileView<float>, kRseiComponentCount>;

/// How finalize() normalizes: component -> (x - low) / (high - low) with low/high these
/// percentiles of the component (1 % / 99 % cuts off clouds, shadows and sensor extremes).
struct RseiFitOptions {
  double low_percentile = 0.01;
  double high_percentile = 0.99;
};

/// Fits an RseiModel from many tiles: exact and order-independent (any tiling, any merge order
/// gives bit-identical models). A pixel counts where every present component is valid (not
/// NaN) and, when a mask is given, mask != 0 (callers mask water out, as Xu does, so water
/// does not dominate wetness). State is integers only: per-component histograms (for the
/// percentiles) and sums of values quantized to 2^-20 of their range, with 128-bit sums of
/// their cross products (for the covariance).
class RseiAccumulator {
 public:
  static constexpr int kDefaultBins = 4000;  // 0.0005 NDVI, 0.0375 K per bin

  /// `present`: the components the sensor provides (heat is absent without a thermal band).
  /// Throws std::invalid_argument unless bins >= 1.
  explicit RseiAccumulator(std::array<bool, kRseiComponentCount> present, int bins = kDefaultBins);

  void reset();
  /// Throws std::invalid_argument when a present component's view is empty or a view or the
  /// mask (when not empty) differs in size from the first present component.
  void accumulate(const RseiComponentViews& components, ConstTileView<std::uint8_t> mask = {});
  /// Throws std::invalid_argument unless both have the same present set and bin count.
  void merge(const RseiAccumulator& other);

  [[nodiscard]] std::uint64_t count() const { return count_; }
  /// The model: low/high from the percentiles; the covariance of the normalized components
  /// from the raw moments (normalization is affine, so its clamp is ignored here); PC1 from
  /// symmetric_eigen (irmad.hpp, Jacobi rotations); signs such that greenness loads >= 0 (if
  /// greenness loads 0, dryness <= 0); pc1_low/pc1_high = sums of the negative/positive
  /// loadings (PC1's range over the unit cube); explained_variance = largest eigenvalue /
  /// trace. With no counted pixel every component is absent; with no variance loadings stay 0
  /// and pc1_low == pc1_high == 0 (rsei_value gives NaN). Throws std::invalid_argument unless
  /// 0 <= low_percentile < high_percentile <= 1.
  [[nodiscard]] RseiModel finalize(const RseiFitOptions& options = {}) const;

 private:
  __extension__ typedef __int128 WideSum;  // exact cross-product sums (GCC and Clang)
  std::array<bool, kRseiComponentCount> present_;
  std::array<HistogramAccumulator, kRseiComponentCount> histograms_;
  std::uint64_t count_ = 0;
  std::array<long long, kRseiComponentCount> sums_{};
  std::array<WideSum, kRseiComponentCount * kRseiComponentCount> cross_sums_{};
};

/// clamp((x - low) / (high - low), 0, 1) of `component`; NaN for NaN; 0 where high <= low (a
/// constant component, which carries loading 0).
[[nodiscard]] inline float normalize_component(float value, const RseiModel& model, RseiComponent component) {
  const auto i = static_cast<std::size_t>(component);
  if (std::isnan(value)) return kNaN;
  const double span = model.high[i] - model.low[i];
  if (!(span > 0.0)) return 0.0f;
  const double normalized = (value - model.low[i]) / span;
  return static_cast<float>(normalized < 0.0 ? 0.0 : (normalized > 1.0 ? 1.0 : normalized));
}

/// RSEI in [0, 1] of one pixel's components (by RseiComponent; absent ones are ignored); NaN
/// when a present component is NaN or the model has no spread (pc1_high <= pc1_low).
[[nodiscard]] inline float rsei_value(const std::array<float, kRseiComponentCount>& components,
                                      const RseiModel& model) {
  if (!(model.pc1_high > model.pc1_low)) return kNaN;
  double pc1 = 0.0;
  for (int c = 0; c < kRseiComponentCount; ++c) {
    const auto i = static_cast<std::size_t>(c);
    if (!model.present[i]) continue;
    const float normalized = normalize_component(components[i], model, static_cast<RseiComponent>(c));
    if (std::isnan(normalized)) return kNaN;
    pc1 += model.loadings[i] * normalized;
  }
  const double rsei = (pc1 - model.pc1_low) / (model.pc1_high - model.pc1_low);
  return static_cast<float>(rsei < 0.0 ? 0.0 : (rsei > 1.0 ? 1.0 : rsei));
}

/// RSEI of every pixel. Throws std::invalid_argument when a component the model has present
/// is empty or differs in size from `out`.
void compute_rsei(const RseiComponentViews& components, const RseiModel& model, TileView<float> out);

}  // namespace zw::kernels
