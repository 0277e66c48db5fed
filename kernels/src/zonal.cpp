#include "zonewatch/kernels/zonal.hpp"

#include <cmath>
#include <stdexcept>

#include "binary_grid.hpp"

namespace zw::kernels {

namespace {

// Summands on binary grids (binary_grid.hpp): exact for areas up to ~1.4e11 m2 and weights up
// to ~5e8 pixels.
constexpr double kAreaScale = 65536.0;       // 2^16, m2
constexpr double kWeightScale = 16777216.0;  // 2^24, coverage fractions
constexpr double kValueScale = 1048576.0;    // 2^20, coverage-weighted greenness

constexpr std::uint8_t kNodataClass = static_cast<std::uint8_t>(ChangeType::nodata);

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
    const double pixel_area = row_area_m2[static_cast<std::size_t>(y)];
    const float* coverage_row = coverage.row(y);
    const std::uint8_t* class_row = classes.row(y);
    for (int x = 0; x < width; ++x) {
      const double fraction = coverage_row[x];
      if (!(fraction > 0.0)) continue;  // outside the unit (NaN included)
      const double area = round_to_binary_grid(fraction * pixel_area, kAreaScale);
      area_ += area;
      const std::uint8_t change_class = class_row[x];
      if (change_class != kNodataClass) {
        valid_area_ += area;
        // Codes outside the ChangeType range are valid but not counted as any change.
        if (change_class != 0 && change_class < kChangeTypeCount) changed_[change_class] += area;
      }
      if (has_greenness) {
        const float before = greenness_before(x, y);
        const float after = greenness_after(x, y);
        if (is_valid(before) && is_valid(after)) {
          sum_before_ += round_to_binary_grid(fraction * before, kValueScale);
          sum_after_ += round_to_binary_grid(fraction * after, kValueScale);
          weight_greenness_ += round_to_binary_grid(fraction, kWeightScale);
        }
      }
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
