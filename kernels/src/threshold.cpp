#include "zonewatch/kernels/threshold.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace zw::kernels {
namespace {

template <class A, class B>
void require_same_size(const TileView<A>& values, const TileView<B>& mask, const char* what) {
  if (values.width != mask.width || values.height != mask.height) {
    throw std::invalid_argument(what);
  }
}

/// Bin of a non-NaN value; out-of-range values (infinities included) clamp to the end bins.
/// The comparison happens in double before the cast, so no out-of-range float→int cast.
[[nodiscard]] inline std::size_t bin_of(double value, double lo, double inv_width, std::size_t bins) {
  const double position = (value - lo) * inv_width;
  if (!(position >= 1.0)) return 0;  // also catches -inf
  if (position >= static_cast<double>(bins)) return bins - 1;
  return static_cast<std::size_t>(position);
}

}  // namespace

// ---------------------------------------------------------------------------------------
// HistogramAccumulator

HistogramAccumulator::HistogramAccumulator(double lo, double hi, int bins) : lo_(lo), hi_(hi), inv_width_(0.0) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi) || bins < 1) {
    throw std::invalid_argument("HistogramAccumulator: need finite lo < hi and bins >= 1");
  }
  inv_width_ = static_cast<double>(bins) / (hi - lo);
  counts_.assign(static_cast<std::size_t>(bins), 0);
}

void HistogramAccumulator::reset() { std::fill(counts_.begin(), counts_.end(), 0); }

void HistogramAccumulator::add(float value) {
  if (std::isnan(value)) return;
  ++counts_[bin_of(value, lo_, inv_width_, counts_.size())];
}

void HistogramAccumulator::accumulate(ConstTileView<float> values) {
  for (int y = 0; y < values.height; ++y) {
    const float* row = values.row(y);
    for (int x = 0; x < values.width; ++x) add(row[x]);
  }
}

void HistogramAccumulator::accumulate(ConstTileView<float> values, ConstTileView<std::uint8_t> mask) {
  require_same_size(values, mask, "HistogramAccumulator: mask differs in size from values");
  for (int y = 0; y < values.height; ++y) {
    const float* row = values.row(y);
    const std::uint8_t* mask_row = mask.row(y);
    for (int x = 0; x < values.width; ++x) {
      if (mask_row[x] != 0) add(row[x]);
    }
  }
}

void HistogramAccumulator::merge(const HistogramAccumulator& other) {
  if (other.lo_ != lo_ || other.hi_ != hi_ || other.counts_.size() != counts_.size()) {
    throw std::invalid_argument("HistogramAccumulator::merge: histograms differ in range or bins");
  }
  for (std::size_t bin = 0; bin < counts_.size(); ++bin) counts_[bin] += other.counts_[bin];
}

std::uint64_t HistogramAccumulator::total() const {
  return std::accumulate(counts_.begin(), counts_.end(), std::uint64_t{0});
}

double HistogramAccumulator::bin_lower_edge(int bin) const {
  return lo_ + (hi_ - lo_) * static_cast<double>(bin) / static_cast<double>(bins());
}

double HistogramAccumulator::bin_center(int bin) const {
  return lo_ + (hi_ - lo_) * (static_cast<double>(bin) + 0.5) / static_cast<double>(bins());
}

double HistogramAccumulator::quantile(double q) const {
  const std::uint64_t count_total = total();
  if (count_total == 0) return std::numeric_limits<double>::quiet_NaN();
  const double target = std::clamp(q, 0.0, 1.0) * static_cast<double>(count_total);
  std::uint64_t below = 0;  // counts in the bins before `bin`
  for (int bin = 0; bin < bins(); ++bin) {
    const std::uint64_t count = counts_[static_cast<std::size_t>(bin)];
    if (count > 0 && static_cast<double>(below + count) >= target) {
      const double fraction_of_bin = std::max(0.0, target - static_cast<double>(below)) / static_cast<double>(count);
      return bin_lower_edge(bin) + fraction_of_bin * (hi_ - lo_) / static_cast<double>(bins());
    }
    below += count;
  }
  return hi_;  // unreachable: the last non-empty bin always reaches the total
}

double otsu_threshold(const HistogramAccumulator& histogram) {
  // Works in bin-index units: the between-class variance only scales by width^2, which
  // does not move its maximum, and integer-valued sums keep ties across empty bins exact.
  const std::vector<std::uint64_t>& counts = histogram.counts();
  const int bins = histogram.bins();
  double count_total = 0.0;
  double index_sum_total = 0.0;
  for (int bin = 0; bin < bins; ++bin) {
    const auto count = static_cast<double>(counts[static_cast<std::size_t>(bin)]);
    count_total += count;
    index_sum_total += count * static_cast<double>(bin);
  }
  if (count_total == 0.0) return std::numeric_limits<double>::quiet_NaN();

  // Split s puts bins [0, s) in the lower class and [s, bins) in the upper one.
  double best_score = -1.0;
  int best_first_split = -1;
  int best_last_split = -1;
  double lower_count = 0.0;
  double lower_index_sum = 0.0;
  for (int split = 1; split < bins; ++split) {
    const auto count = static_cast<double>(counts[static_cast<std::size_t>(split - 1)]);
    lower_count += count;
    lower_index_sum += count * static_cast<double>(split - 1);
    const double upper_count = count_total - lower_count;
    if (lower_count == 0.0 || upper_count == 0.0) continue;
    // N^2 * between-class variance = (N * S0 - n0 * S)^2 / (n0 * n1); N^2 is constant.
    const double imbalance = count_total * lower_index_sum - lower_count * index_sum_total;
    const double score = imbalance * imbalance / (lower_count * upper_count);
    if (score > best_score) {
      best_score = score;
      best_first_split = split;
      best_last_split = split;
    } else if (score == best_score && best_last_split == split - 1) {
      best_last_split = split;  // a tie right after the best run extends it
    }
  }
  if (best_first_split < 0) return std::numeric_limits<double>::quiet_NaN();  // one bin only
  const int split = best_first_split + (best_last_split - best_first_split) / 2;
  return histogram.bin_lower_edge(split);
}

double min_error_threshold(const HistogramAccumulator& histogram) {
  // Kittler & Illingworth (1986): J(s) = P0 ln(var0) + P1 ln(var1) - 2 (P0 ln P0 + P1 ln P1),
  // the error of a two-Gaussian fit, minimised over the split. Bin-index units, as Otsu's: the
  // width only adds a constant. Classes of fewer than two distinct bins have no variance to
  // fit and are skipped, so the criterion cannot run off to an empty or one-bin class.
  const std::vector<std::uint64_t>& counts = histogram.counts();
  const int bins = histogram.bins();
  double total = 0.0, sum_total = 0.0, square_sum_total = 0.0;
  for (int bin = 0; bin < bins; ++bin) {
    const auto count = static_cast<double>(counts[static_cast<std::size_t>(bin)]);
    total += count;
    sum_total += count * bin;
    square_sum_total += count * bin * static_cast<double>(bin);
  }
  if (total == 0.0) return std::numeric_limits<double>::quiet_NaN();
  double best = std::numeric_limits<double>::infinity();
  int best_first_split = -1;
  int best_last_split = -1;
  double n0 = 0.0, s0 = 0.0, q0 = 0.0;
  for (int split = 1; split < bins; ++split) {
    const auto count = static_cast<double>(counts[static_cast<std::size_t>(split - 1)]);
    const double index = split - 1;
    n0 += count;
    s0 += count * index;
    q0 += count * index * index;
    const double n1 = total - n0;
    if (n0 == 0.0 || n1 == 0.0) continue;
    const double mean0 = s0 / n0, mean1 = (sum_total - s0) / n1;
    const double var0 = q0 / n0 - mean0 * mean0;
    const double var1 = (square_sum_total - q0) / n1 - mean1 * mean1;
    // A class within one bin has (numerically) no spread: its Gaussian is not defined.
    if (!(var0 > 1e-6) || !(var1 > 1e-6)) continue;
    const double p0 = n0 / total, p1 = n1 / total;
    const double criterion = p0 * std::log(var0) + p1 * std::log(var1) - 2.0 * (p0 * std::log(p0) + p1 * std::log(p1));
    if (criterion < best) {
      best = criterion;
      best_first_split = split;
      best_last_split = split;
    } else if (criterion == best && best_last_split == split - 1) {
      best_last_split = split;  // empty bins between the classes: the same split, as Otsu's
    }
  }
  if (best_first_split < 0) return std::numeric_limits<double>::quiet_NaN();
  return histogram.bin_lower_edge(best_first_split + (best_last_split - best_first_split) / 2);
}

// ---------------------------------------------------------------------------------------
// MomentsAccumulator

namespace {

/// Moments of one tile's valid pixels by two passes: exact-as-double mean, then squared
/// deviations from it (far less cancellation than a single sum-of-squares pass).
struct TileMoments {
  std::uint64_t count = 0;
  double mean = 0.0;
  double m2 = 0.0;
};

template <class IsCounted>
TileMoments tile_moments(ConstTileView<float> values, IsCounted is_counted) {
  TileMoments moments;
  double sum = 0.0;
  std::uint64_t count = 0;
  for (int y = 0; y < values.height; ++y) {
    const float* row = values.row(y);
#pragma omp simd reduction(+ : sum, count)
    for (int x = 0; x < values.width; ++x) {
      if (is_counted(row[x], x, y)) {
        sum += static_cast<double>(row[x]);
        ++count;
      }
    }
  }
  if (count == 0) return moments;
  moments.count = count;
  moments.mean = sum / static_cast<double>(count);
  double m2 = 0.0;
  for (int y = 0; y < values.height; ++y) {
    const float* row = values.row(y);
#pragma omp simd reduction(+ : m2)
    for (int x = 0; x < values.width; ++x) {
      if (is_counted(row[x], x, y)) {
        const double deviation = static_cast<double>(row[x]) - moments.mean;
        m2 += deviation * deviation;
      }
    }
  }
  moments.m2 = m2;
  return moments;
}

}  // namespace

void MomentsAccumulator::reset() {
  count_ = 0;
  mean_ = 0.0;
  m2_ = 0.0;
}

void MomentsAccumulator::add(double value) {
  if (std::isnan(value)) return;
  ++count_;
  const double delta = value - mean_;
  mean_ += delta / static_cast<double>(count_);
  m2_ += delta * (value - mean_);
}

void MomentsAccumulator::merge(const MomentsAccumulator& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    *this = other;
    return;
  }
  const auto count_a = static_cast<double>(count_);
  const auto count_b = static_cast<double>(other.count_);
  const double combined = count_a + count_b;
  const double delta = other.mean_ - mean_;
  mean_ += delta * (count_b / combined);
  m2_ += other.m2_ + delta * delta * (count_a * count_b / combined);
  count_ += other.count_;
}

void MomentsAccumulator::accumulate(ConstTileView<float> values) {
  const TileMoments tile = tile_moments(values, [](float value, int, int) { return !std::isnan(value); });
  MomentsAccumulator part;
  part.count_ = tile.count;
  part.mean_ = tile.mean;
  part.m2_ = tile.m2;
  merge(part);
}

void MomentsAccumulator::accumulate(ConstTileView<float> values, ConstTileView<std::uint8_t> mask) {
  require_same_size(values, mask, "MomentsAccumulator: mask differs in size from values");
  const TileMoments tile =
      tile_moments(values, [&](float value, int x, int y) { return mask.row(y)[x] != 0 && !std::isnan(value); });
  MomentsAccumulator part;
  part.count_ = tile.count;
  part.mean_ = tile.mean;
  part.m2_ = tile.m2;
  merge(part);
}

double MomentsAccumulator::mean() const { return count_ == 0 ? std::numeric_limits<double>::quiet_NaN() : mean_; }

double MomentsAccumulator::variance() const {
  return count_ == 0 ? std::numeric_limits<double>::quiet_NaN() : m2_ / static_cast<double>(count_);
}

double MomentsAccumulator::stddev() const { return std::sqrt(variance()); }

double k_sigma_threshold(const MomentsAccumulator& moments, double k) { return moments.mean() + k * moments.stddev(); }

}  // namespace zw::kernels
