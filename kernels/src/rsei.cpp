#include "zonewatch/kernels/rsei.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "zonewatch/kernels/irmad.hpp"

namespace zw::kernels {
namespace {

constexpr int kCount = kRseiComponentCount;

// Values are quantized to 2^-20 of their component's range. Values more than one range below
// or two above are clamped there, so |q| <= 2^21 and a cross product stays below 2^42: the
// 64-bit sums and the 128-bit cross sums, and n * cross sum in finalize(), stay exact for up
// to 2^42 (4e12) pixels.
constexpr double kGridSteps = 1048576.0;  // 2^20
constexpr double kGridStepsSquared = kGridSteps * kGridSteps;
constexpr long long kGridMin = -(1LL << 20);
constexpr long long kGridMax = 1LL << 21;

long long quantize(float value, const RseiComponentRange& range) {
  const double position = (value - range.lo) / (range.hi - range.lo);
  return std::clamp(std::llround(position * kGridSteps), kGridMin, kGridMax);
}

constexpr std::size_t index(int component) { return static_cast<std::size_t>(component); }

}  // namespace

// ---------------------------------------------------------------------------------------
// RseiAccumulator

RseiAccumulator::RseiAccumulator(std::array<bool, kRseiComponentCount> present, int bins)
    : present_(present),
      histograms_{HistogramAccumulator(kRseiComponentRanges[0].lo, kRseiComponentRanges[0].hi, bins),
                  HistogramAccumulator(kRseiComponentRanges[1].lo, kRseiComponentRanges[1].hi, bins),
                  HistogramAccumulator(kRseiComponentRanges[2].lo, kRseiComponentRanges[2].hi, bins),
                  HistogramAccumulator(kRseiComponentRanges[3].lo, kRseiComponentRanges[3].hi, bins)} {}

void RseiAccumulator::reset() {
  for (auto& histogram : histograms_) histogram.reset();
  count_ = 0;
  sums_.fill(0);
  cross_sums_.fill(0);
}

void RseiAccumulator::accumulate(const RseiComponentViews& components, ConstTileView<std::uint8_t> mask) {
  int width = -1;
  int height = -1;
  std::array<int, kCount> used{};  // indices of the present components
  int used_count = 0;
  for (int c = 0; c < kCount; ++c) {
    if (!present_[index(c)]) continue;
    const ConstTileView<float>& view = components[index(c)];
    if (view.empty()) {
      throw std::invalid_argument("RseiAccumulator::accumulate: present component " + std::to_string(c) +
                                  " has no plane");
    }
    if (width < 0) {
      width = view.width;
      height = view.height;
    } else if (view.width != width || view.height != height) {
      throw std::invalid_argument("RseiAccumulator::accumulate: component planes differ in size");
    }
    used[index(used_count++)] = c;
  }
  if (used_count == 0) return;
  const bool masked = !mask.empty();
  if (masked && (mask.width != width || mask.height != height)) {
    throw std::invalid_argument("RseiAccumulator::accumulate: mask differs in size from the component planes");
  }

  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      if (masked && mask(x, y) == 0) continue;
      std::array<float, kCount> value{};
      bool valid = true;
      for (int u = 0; u < used_count && valid; ++u) {
        const int c = used[index(u)];
        value[index(c)] = components[index(c)](x, y);
        valid = !std::isnan(value[index(c)]);
      }
      if (!valid) continue;
      std::array<long long, kCount> q{};
      for (int u = 0; u < used_count; ++u) {
        const int c = used[index(u)];
        histograms_[index(c)].add(value[index(c)]);
        q[index(c)] = quantize(value[index(c)], kRseiComponentRanges[index(c)]);
        sums_[index(c)] += q[index(c)];
      }
      for (int a = 0; a < used_count; ++a) {
        for (int b = a; b < used_count; ++b) {
          const int i = used[index(a)];
          const int j = used[index(b)];
          cross_sums_[index(i * kCount + j)] += static_cast<WideSum>(q[index(i)]) * q[index(j)];
        }
      }
      ++count_;
    }
  }
}

void RseiAccumulator::merge(const RseiAccumulator& other) {
  if (other.present_ != present_) {
    throw std::invalid_argument("RseiAccumulator::merge: accumulators differ in their present components");
  }
  for (std::size_t c = 0; c < histograms_.size(); ++c) histograms_[c].merge(other.histograms_[c]);
  count_ += other.count_;
  for (std::size_t c = 0; c < sums_.size(); ++c) sums_[c] += other.sums_[c];
  for (std::size_t k = 0; k < cross_sums_.size(); ++k) cross_sums_[k] += other.cross_sums_[k];
}

RseiModel RseiAccumulator::finalize(const RseiFitOptions& options) const {
  if (!(options.low_percentile >= 0.0 && options.low_percentile < options.high_percentile &&
        options.high_percentile <= 1.0)) {
    throw std::invalid_argument("RseiAccumulator: need 0 <= low_percentile < high_percentile <= 1");
  }
  RseiModel model;
  model.pc1_low = 0.0;
  model.pc1_high = 0.0;  // no spread until loadings say otherwise: rsei_value gives NaN
  if (count_ == 0) return model;

  for (int c = 0; c < kCount; ++c) {
    if (!present_[index(c)]) continue;
    model.present[index(c)] = true;
    model.low[index(c)] = histograms_[index(c)].quantile(options.low_percentile);
    model.high[index(c)] = histograms_[index(c)].quantile(options.high_percentile);
  }

  // Covariance of the quantized positions, exact up to the final conversion:
  // (n * sum_ij - sum_i * sum_j) / n^2, then scaled by the affine map grid -> normalized.
  const auto n = static_cast<WideSum>(count_);
  const double n_squared = static_cast<double>(count_) * static_cast<double>(count_);
  std::array<std::array<double, kCount>, kCount> covariance{};
  for (int i = 0; i < kCount; ++i) {
    for (int j = i; j < kCount; ++j) {
      if (!model.present[index(i)] || !model.present[index(j)]) continue;
      const double span_i = model.high[index(i)] - model.low[index(i)];
      const double span_j = model.high[index(j)] - model.low[index(j)];
      if (!(span_i > 0.0) || !(span_j > 0.0)) continue;  // constant component: no variance
      const WideSum numerator = n * cross_sums_[index(i * kCount + j)] -
                                static_cast<WideSum>(sums_[index(i)]) * static_cast<WideSum>(sums_[index(j)]);
      const double range_i = kRseiComponentRanges[index(i)].hi - kRseiComponentRanges[index(i)].lo;
      const double range_j = kRseiComponentRanges[index(j)].hi - kRseiComponentRanges[index(j)].lo;
      const double value =
          static_cast<double>(numerator) / n_squared / kGridStepsSquared * (range_i / span_i) * (range_j / span_j);
      covariance[index(i)][index(j)] = value;
      covariance[index(j)][index(i)] = value;
    }
  }

  double trace = 0.0;
  for (int c = 0; c < kCount; ++c) trace += covariance[index(c)][index(c)];
  if (!(trace > 0.0)) return model;

  // Absent components have zero rows and columns; Jacobi never rotates them in.
  std::vector<double> matrix;
  for (const auto& row : covariance) matrix.insert(matrix.end(), row.begin(), row.end());
  std::vector<double> eigenvalues;
  std::vector<double> eigenvectors;
  symmetric_eigen(std::move(matrix), kCount, eigenvalues, eigenvectors);  // ascending
  const std::size_t first = kCount - 1;
  for (int c = 0; c < kCount; ++c) {
    model.loadings[index(c)] = model.present[index(c)] ? eigenvectors[index(c * kCount) + first] : 0.0;
  }
  const auto greenness = index(static_cast<int>(RseiComponent::greenness));
  const auto dryness = index(static_cast<int>(RseiComponent::dryness));
  const bool flip =
      model.loadings[greenness] < 0.0 || (model.loadings[greenness] == 0.0 && model.loadings[dryness] > 0.0);
  if (flip) {
    for (double& loading : model.loadings) loading = -loading;
  }
  for (double loading : model.loadings) {
    if (loading < 0.0) model.pc1_low += loading;
    if (loading > 0.0) model.pc1_high += loading;
  }
  model.explained_variance = std::clamp(eigenvalues[first] / trace, 0.0, 1.0);
  return model;
}

// ---------------------------------------------------------------------------------------
// Per tile

void compute_rsei(const RseiComponentViews& components, const RseiModel& model, TileView<float> out) {
  for (int c = 0; c < kCount; ++c) {
    if (!model.present[index(c)]) continue;
    const ConstTileView<float>& view = components[index(c)];
    if (view.empty() || view.width != out.width || view.height != out.height) {
      throw std::invalid_argument("compute_rsei: component " + std::to_string(c) +
                                  " is missing or differs in size from the output tile");
    }
  }
  for (int y = 0; y < out.height; ++y) {
    float* dst = out.row(y);
    for (int x = 0; x < out.width; ++x) {
      std::array<float, kCount> values{};
      for (int c = 0; c < kCount; ++c) {
        if (model.present[index(c)]) values[index(c)] = components[index(c)](x, y);
      }
      dst[x] = rsei_value(values, model);
    }
  }
}

}  // namespace zw::kernels
