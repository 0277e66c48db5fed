#pragma once
// Global statistics as explicit accumulators: reset, accumulate(tile), merge, finalize.
// Merging in a fixed order (tile index order) keeps results bit-identical however the
// image was tiled and however many threads ran.
#include <cstdint>
#include <vector>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// Fixed-range histogram of `bins` equal bins over [lo, hi). Values below lo go to the first
/// bin, values at or above hi (and +inf) to the last; NaN is skipped. Counts are integers,
/// so merge order cannot change the result.
class HistogramAccumulator {
 public:
  /// Throws std::invalid_argument unless lo < hi (both finite) and bins >= 1.
  HistogramAccumulator(double lo, double hi, int bins);

  void reset();
  void accumulate(ConstTileView<float> values);
  /// Only pixels where mask != 0 are counted. Throws std::invalid_argument when the mask
  /// differs in size from `values`.
  void accumulate(ConstTileView<float> values, ConstTileView<std::uint8_t> mask);
  void add(float value);
  /// Requires the same lo, hi and bin count; throws std::invalid_argument otherwise.
  void merge(const HistogramAccumulator& other);

  [[nodiscard]] double lo() const { return lo_; }
  [[nodiscard]] double hi() const { return hi_; }
  [[nodiscard]] int bins() const { return static_cast<int>(counts_.size()); }
  [[nodiscard]] const std::vector<std::uint64_t>& counts() const { return counts_; }
  [[nodiscard]] std::uint64_t total() const;
  [[nodiscard]] double bin_center(int bin) const;
  [[nodiscard]] double bin_lower_edge(int bin) const;
  /// Value below which `q` (clamped to 0..1) of the counted values lie, interpolated
  /// linearly inside the bin where the cumulative count reaches q * total (so accurate to a
  /// bin width, and never outside [lo, hi]). q = 0 gives the lower edge of the first
  /// non-empty bin, q = 1 the upper edge of the last. NaN when the histogram is empty.
  [[nodiscard]] double quantile(double q) const;

 private:
  double lo_;
  double hi_;
  double inv_width_;
  std::vector<std::uint64_t> counts_;
};

/// Otsu's threshold maximising between-class variance; returns the lower edge of the
/// first bin of the upper class, so `value >= threshold` selects it. When several adjacent
/// splits tie (empty bins between the two classes), the middle one is taken, so the
/// threshold sits halfway across the gap rather than hugging one class.
/// Returns NaN for an empty histogram and for one whose counts all fall in a single bin
/// (no split separates two classes); callers fall back to a fixed threshold then.
[[nodiscard]] double otsu_threshold(const HistogramAccumulator& histogram);

/// Kittler and Illingworth's minimum-error threshold: the split whose two Gaussian classes
/// (own means, variances and priors) fit the histogram best. Unlike Otsu it does not assume
/// equal class variances, which matters when a few changed pixels with a wide spread sit beside
/// many unchanged ones with a narrow one. Lower edge of the upper class's first bin; NaN for an
/// empty histogram or one where no split leaves both classes with a spread.
[[nodiscard]] double min_error_threshold(const HistogramAccumulator& histogram);

/// Count, mean and variance (Chan et al. pairwise update) of the valid (non-NaN) pixels.
/// accumulate() takes each tile in two passes (mean, then squared deviations) and merges
/// the tile's moments in, which is both accurate and vectorisable; add() is Welford's
/// single-value update. The masked overload throws std::invalid_argument on a size mismatch.
class MomentsAccumulator {
 public:
  void reset();
  void accumulate(ConstTileView<float> values);
  void accumulate(ConstTileView<float> values, ConstTileView<std::uint8_t> mask);
  void add(double value);
  void merge(const MomentsAccumulator& other);

  [[nodiscard]] std::uint64_t count() const { return count_; }
  [[nodiscard]] double mean() const;      // NaN when empty
  [[nodiscard]] double variance() const;  // population variance; NaN when empty
  [[nodiscard]] double stddev() const;

 private:
  std::uint64_t count_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;
};

/// mean + k * sigma (population sigma); NaN when no value was accumulated.
[[nodiscard]] double k_sigma_threshold(const MomentsAccumulator& moments, double k);

/// How a change-magnitude threshold is chosen.
enum class ThresholdMethod { fixed, otsu, k_sigma, min_error };

}  // namespace zw::kernels
