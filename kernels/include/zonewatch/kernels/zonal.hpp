#pragma once
// Zonal statistics per control unit, weighting each pixel by the fraction of it inside
// the unit polygon. An accumulator per unit: reset, accumulate(tile), merge, finalize.
#include <array>
#include <cstdint>
#include <vector>

#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// Finalized statistics of one unit.
struct ZonalStats {
  double area_m2 = 0.0;                                    // unit area covered by the grid (coverage-weighted)
  double valid_area_m2 = 0.0;                              // ... of which valid in both dates
  double valid_share = 0.0;                                // valid_area / area (0 when area is 0)
  std::array<double, kChangeTypeCount> changed_area_m2{};  // by ChangeType (index 0 unused)
  double total_changed_area_m2 = 0.0;
  double changed_share = 0.0;  // total changed / valid area
  double mean_greenness_before = kNaN;
  double mean_greenness_after = kNaN;
  double mean_greenness_change = kNaN;  // after - before, over pixels valid in both
};

class ZonalAccumulator {
 public:
  void reset();

  /// Adds one tile's worth of pixels of one unit.
  /// `coverage` holds the unit's coverage fractions over `window`; `classes` (ChangeType),
  /// `greenness_before`/`after` (may be empty) are views over the same window;
  /// `row_area_m2[y]` is the area of one pixel of window row y.
  /// A pixel counts with weight coverage (x its area for the areas); it is valid unless its
  /// class is nodata; greenness means use pixels where both dates are non-NaN. Summands
  /// are rounded to fixed binary grids (areas 2^-16 m2, weights 2^-24, weighted greenness
  /// 2^-20) so sums are exact and tiling/merge order cannot change them. Throws
  /// std::invalid_argument when sizes disagree.
  void accumulate(ConstTileView<float> coverage, ConstTileView<std::uint8_t> classes,
                  ConstTileView<float> greenness_before, ConstTileView<float> greenness_after,
                  const std::vector<double>& row_area_m2);
  void merge(const ZonalAccumulator& other);
  [[nodiscard]] ZonalStats finalize() const;

 private:
  /// One row's areas and greenness sums, all pixels at once; false (nothing added) where a
  /// summand is too large for that (then accumulate_row_one_by_one adds the row).
  bool accumulate_row_in_lanes(int width, double pixel_area, const float* coverage, const std::uint8_t* classes,
                               const float* before, const float* after);
  void accumulate_row_one_by_one(int width, double pixel_area, const float* coverage, const std::uint8_t* classes,
                                 const float* before, const float* after);

  double area_ = 0.0;
  double valid_area_ = 0.0;
  std::array<double, kChangeTypeCount> changed_{};
  double sum_before_ = 0.0, sum_after_ = 0.0, weight_greenness_ = 0.0;
};

}  // namespace zw::kernels
