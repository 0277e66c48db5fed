#pragma once
// Area-weighted means of several value planes and areas per class code over one zone (a
// control unit), for indicators that are not changes: yearly NDVI, FVC, RSEI and land-cover
// areas. An accumulator per zone: reset, accumulate(tile), merge, finalize.
#include <cstdint>
#include <span>
#include <vector>

#include "zonewatch/kernels/tile.hpp"

namespace zw::kernels {

/// Finalized values of one zone.
struct ZonalMeans {
  double area_m2 = 0.0;               // zone area covered by the grid (coverage-weighted)
  double valid_area_m2 = 0.0;         // ... of which the class plane is not nodata
  std::vector<double> means;          // per plane, over its non-NaN pixels; NaN where it has none
  std::vector<double> class_area_m2;  // per class code 0 .. class_count - 1 (nodata's too)
};

class ZonalMeansAccumulator {
 public:
  /// `plane_count` value planes; class codes below `class_count` are counted, `nodata_class`
  /// marks pixels outside the valid area.
  ZonalMeansAccumulator(int plane_count, int class_count, std::uint8_t nodata_class);

  void reset();

  /// Adds one tile of the zone. `coverage` holds the zone's coverage fractions over the tile;
  /// `planes` (plane_count views, NaN = no value) and `classes` are views over the same
  /// window; `row_area_m2[y]` is the area of one pixel of tile row y. A pixel weighs
  /// coverage x its area. Summands are rounded to multiples of 2^-16 (m2, and m2 x value),
  /// so sums are exact, whatever the tiling and merge order, for zones below ~1.4e11 m2 and
  /// values within [-1, 1]. Throws std::invalid_argument when counts or sizes disagree.
  void accumulate(ConstTileView<float> coverage, std::span<const ConstTileView<float>> planes,
                  ConstTileView<std::uint8_t> classes, const std::vector<double>& row_area_m2);
  /// Throws std::invalid_argument when the two were made for different planes or classes.
  void merge(const ZonalMeansAccumulator& other);
  [[nodiscard]] ZonalMeans finalize() const;

 private:
  int plane_count_;
  int class_count_;
  std::uint8_t nodata_class_;
  double area_ = 0.0;
  double valid_area_ = 0.0;
  std::vector<double> weighted_sums_, weights_, class_areas_;
};

}  // namespace zw::kernels
