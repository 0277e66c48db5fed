#include "zonewatch/kernels/zonal.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "binary_grid.hpp"
#include "simd_dispatch.hpp"

namespace zw::kernels {

namespace {

// Summands on binary grids (binary_grid.hpp): exact for areas up to ~1.4e11 m2 and weights up
// to ~5e8 pixels.
constexpr double kAreaScale = 65536.0;       // 2^16, m2
constexpr double kWeightScale = 16777216.0;  // 2^24, coverage fractions
constexpr double kValueScale = 1048576.0;    // 2^20, coverage-weighted greenness

constexpr std::uint8_t kNodataClass = static_cast<std::uint8_t>(ChangeType::nodata);

/// A change type's code: codes outside the ChangeType range (and nodata) are valid or not,
/// but not counted as any change.
inline bool is_counted_change(std::uint8_t change_class) {
  return static_cast<unsigned>(change_class - 1) < static_cast<unsigned>(kChangeTypeCount - 1) &&
         change_class != kNodataClass;
}

}  // namespace

void ZonalAccumulator::reset() { *this = ZonalAccumulator{}; }

void ZonalAccumulator::accumulate(ConstTileView<float> coverage, ConstTileView<std::uint8_t> classes,
                                  ConstTileView<float> greenness_before, ConstTileView<float> greenness_after,
                                  const std::vector<double>& row_area_m2) {
  const int width = coverage.width;
  const int height = coverage.height;
  const auto matches_coverage = [&](auto view) { return view.width == width && view.height == height; };
  if (!matches_coverage(classes)) {
    throw std::invalid_argument("ZonalAccumulator::accumulate: classes differ from coverage");
  }
  const bool has_greenness = !greenness_before.empty() && !greenness_after.empty();
  if (has_greenness && !(matches_coverage(greenness_before) && matches_coverage(greenness_after))) {
    throw std::invalid_argument("ZonalAccumulator::accumulate: greenness differs from coverage");
  }
  if (static_cast<long long>(row_area_m2.size()) < height) {
    throw std::invalid_argument("ZonalAccumulator::accumulate: row_area_m2 shorter than tile");
  }

  for (int y = 0; y < height; ++y) {
    // A unit's window is its bounding box: most rows start and end outside the polygon. Only
    // the span between the row's first and last covered cell is summed (cells outside add
    // nothing either way).
    const float* full_coverage_row = coverage.row(y);
    int begin = 0, end = width;
    while (begin < end && !(full_coverage_row[begin] > 0.0f)) ++begin;
    while (end > begin && !(full_coverage_row[end - 1] > 0.0f)) --end;
    if (begin == end) continue;
    const int span = end - begin;
    const double pixel_area = row_area_m2[static_cast<std::size_t>(y)];
    const float* coverage_row = full_coverage_row + begin;
    const std::uint8_t* class_row = classes.row(y) + begin;
    const float* before_row = has_greenness ? greenness_before.row(y) + begin : nullptr;
    const float* after_row = has_greenness ? greenness_after.row(y) + begin : nullptr;
    if (!accumulate_row_in_lanes(span, pixel_area, coverage_row, class_row, before_row, after_row)) {
      accumulate_row_one_by_one(span, pixel_area, coverage_row, class_row, before_row, after_row);
    }
    // Changes are few: the areas by change type, pixel by pixel, for the changed ones only,
    // found a chunk at a time (a chunk without any is skipped by one vectorised test).
    constexpr int kChunk = 64;
    for (int chunk = 0; chunk < span; chunk += kChunk) {
      const int chunk_end = std::min(span, chunk + kChunk);
      int any_change = 0;
#pragma omp simd reduction(| : any_change)
      for (int x = chunk; x < chunk_end; ++x) any_change |= static_cast<int>(is_counted_change(class_row[x]));
      if (any_change == 0) continue;
      for (int x = chunk; x < chunk_end; ++x) {
        const std::uint8_t change_class = class_row[x];
        const double fraction = coverage_row[x];
        if (!is_counted_change(change_class) || !(fraction > 0.0)) continue;  // NaN is outside the unit
        changed_[change_class] += round_to_binary_grid(fraction * pixel_area, kAreaScale);
      }
    }
  }
}

namespace {

/// One row's summands on their binary grids, summed in vector lanes (ZonalAccumulator::
/// accumulate_row_in_lanes). Written once for both instruction sets (simd_dispatch.hpp).
struct RowSums {
  double area = 0.0, valid_area = 0.0, sum_before = 0.0, sum_after = 0.0, weight = 0.0;
  bool out_of_range = false;
};

ZW_ALWAYS_INLINE inline RowSums row_sums_loops(int width, double pixel_area, const float* coverage,
                                               const std::uint8_t* classes, const float* before, const float* after) {
  // Every summand is an integer here (the binary grid's multiple, before dividing by the
  // scale), so the lanes' partial sums are exact and their order cannot change the total
  // (nor the number of lanes: the AVX2 version sums the baseline's bits).
  // Rounding by adding and subtracting 1.5 x 2^52 needs |x| < 2^51: a row with a summand
  // beyond (absurd pixel areas, an index blown up by a near-zero denominator) goes
  // through round_to_integer's general path instead.
  constexpr double kLimit = 2251799813685248.0;  // 2^51
  constexpr double kShift = 6755399441055744.0;  // 1.5 x 2^52
  double area = 0.0, valid_area = 0.0, sum_before = 0.0, sum_after = 0.0, weight = 0.0;
  int out_of_range = 0;
#pragma omp simd reduction(+ : area, valid_area) reduction(| : out_of_range)
  for (int x = 0; x < width; ++x) {
    // Bitwise & and selects, no branches: the loop vectorises.
    const double fraction = coverage[x];
    const bool inside = fraction > 0.0;  // NaN is outside
    const double scaled = fraction * pixel_area * kAreaScale;
    out_of_range |= static_cast<int>(inside & !(std::fabs(scaled) < kLimit));
    const double units = inside ? (scaled + kShift) - kShift : 0.0;
    area += units;
    valid_area += classes[x] != kNodataClass ? units : 0.0;
  }
  if (before != nullptr) {
#pragma omp simd reduction(+ : sum_before, sum_after, weight) reduction(| : out_of_range)
    for (int x = 0; x < width; ++x) {
      const double fraction = coverage[x];
      const bool counted = static_cast<bool>(static_cast<int>(fraction > 0.0) & static_cast<int>(is_valid(before[x])) &
                                             static_cast<int>(is_valid(after[x])));
      const double b = fraction * before[x] * kValueScale, a = fraction * after[x] * kValueScale;
      const double w = fraction * kWeightScale;
      out_of_range |= static_cast<int>(counted & !((std::fabs(b) < kLimit) & (std::fabs(a) < kLimit)));
      sum_before += counted ? (b + kShift) - kShift : 0.0;
      sum_after += counted ? (a + kShift) - kShift : 0.0;
      weight += counted ? (w + kShift) - kShift : 0.0;
    }
  }
  return {area, valid_area, sum_before, sum_after, weight, out_of_range != 0};
}

ZW_TARGET_AVX2 RowSums row_sums_avx2(int width, double pixel_area, const float* coverage, const std::uint8_t* classes,
                                     const float* before, const float* after) {
  return row_sums_loops(width, pixel_area, coverage, classes, before, after);
}
RowSums row_sums_baseline(int width, double pixel_area, const float* coverage, const std::uint8_t* classes,
                          const float* before, const float* after) {
  return row_sums_loops(width, pixel_area, coverage, classes, before, after);
}

}  // namespace

bool ZonalAccumulator::accumulate_row_in_lanes(int width, double pixel_area, const float* coverage,
                                               const std::uint8_t* classes, const float* before, const float* after) {
  const RowSums sums = use_avx2() ? row_sums_avx2(width, pixel_area, coverage, classes, before, after)
                                  : row_sums_baseline(width, pixel_area, coverage, classes, before, after);
  if (sums.out_of_range) return false;
  area_ += sums.area / kAreaScale;
  valid_area_ += sums.valid_area / kAreaScale;
  sum_before_ += sums.sum_before / kValueScale;
  sum_after_ += sums.sum_after / kValueScale;
  weight_greenness_ += sums.weight / kWeightScale;
  return true;
}

void ZonalAccumulator::accumulate_row_one_by_one(int width, double pixel_area, const float* coverage,
                                                 const std::uint8_t* classes, const float* before, const float* after) {
  for (int x = 0; x < width; ++x) {
    const double fraction = coverage[x];
    if (!(fraction > 0.0)) continue;  // outside the unit (NaN included)
    const double area = round_to_binary_grid(fraction * pixel_area, kAreaScale);
    area_ += area;
    if (classes[x] != kNodataClass) valid_area_ += area;
    if (before != nullptr && is_valid(before[x]) && is_valid(after[x])) {
      sum_before_ += round_to_binary_grid(fraction * before[x], kValueScale);
      sum_after_ += round_to_binary_grid(fraction * after[x], kValueScale);
      weight_greenness_ += round_to_binary_grid(fraction, kWeightScale);
    }
  }
}

void ZonalAccumulator::merge(const ZonalAccumulator& other) {
  area_ += other.area_;
  valid_area_ += other.valid_area_;
  for (std::size_t i = 0; i < changed_.size(); ++i) changed_[i] += other.changed_[i];
  sum_before_ += other.sum_before_;
  sum_after_ += other.sum_after_;
  weight_greenness_ += other.weight_greenness_;
}

ZonalStats ZonalAccumulator::finalize() const {
  ZonalStats stats;
  stats.area_m2 = area_;
  stats.valid_area_m2 = valid_area_;
  stats.valid_share = area_ > 0.0 ? valid_area_ / area_ : 0.0;
  stats.changed_area_m2 = changed_;
  stats.total_changed_area_m2 = 0.0;
  for (int type = 1; type < kChangeTypeCount; ++type) {
    stats.total_changed_area_m2 += changed_[static_cast<std::size_t>(type)];
  }
  stats.changed_share = valid_area_ > 0.0 ? stats.total_changed_area_m2 / valid_area_ : 0.0;
  if (weight_greenness_ > 0.0) {
    stats.mean_greenness_before = sum_before_ / weight_greenness_;
    stats.mean_greenness_after = sum_after_ / weight_greenness_;
    stats.mean_greenness_change = stats.mean_greenness_after - stats.mean_greenness_before;
  }
  return stats;
}

}  // namespace zw::kernels
