#include "zonewatch/kernels/zonal_means.hpp"

#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>

#include "binary_grid.hpp"

namespace zw::kernels {
namespace {

// m2 and m2 x value to 2^-16: exact up to 2^37 (~1.4e11) (binary_grid.hpp).
constexpr double kGridScale = 65536.0;

}  // namespace

ZonalMeansAccumulator::ZonalMeansAccumulator(int plane_count, int class_count, std::uint8_t nodata_class)
    : plane_count_(plane_count), class_count_(class_count), nodata_class_(nodata_class) {
  if (plane_count < 0 || class_count < 0 || class_count > 256) {
    throw std::invalid_argument("ZonalMeansAccumulator: plane_count >= 0 and 0 <= class_count <= 256 expected");
  }
  reset();
}

void ZonalMeansAccumulator::reset() {
  area_ = valid_area_ = 0.0;
  weighted_sums_.assign(static_cast<std::size_t>(plane_count_), 0.0);
  weights_.assign(static_cast<std::size_t>(plane_count_), 0.0);
  class_areas_.assign(static_cast<std::size_t>(class_count_), 0.0);
}

void ZonalMeansAccumulator::accumulate(ConstTileView<float> coverage, std::span<const ConstTileView<float>> planes,
                                       ConstTileView<std::uint8_t> classes, const std::vector<double>& row_area_m2) {
  const int width = coverage.width, height = coverage.height;
  if (static_cast<int>(planes.size()) != plane_count_) {
    throw std::invalid_argument("ZonalMeansAccumulator::accumulate: wrong number of planes");
  }
  for (const auto& plane : planes) {
    if (plane.width != width || plane.height != height) {
      throw std::invalid_argument("ZonalMeansAccumulator::accumulate: a plane differs from coverage");
    }
  }
  if (classes.width != width || classes.height != height) {
    throw std::invalid_argument("ZonalMeansAccumulator::accumulate: classes differ from coverage");
  }
  if (static_cast<long long>(row_area_m2.size()) < height) {
    throw std::invalid_argument("ZonalMeansAccumulator::accumulate: row_area_m2 shorter than tile");
  }
  for (int y = 0; y < height; ++y) {
    const double pixel_area = row_area_m2[static_cast<std::size_t>(y)];
    const float* coverage_row = coverage.row(y);
    const std::uint8_t* class_row = classes.row(y);
    for (int x = 0; x < width; ++x) {
      const double fraction = coverage_row[x];
      if (!(fraction > 0.0)) continue;  // outside the zone (NaN included)
      const double weight = fraction * pixel_area;
      const double area = round_to_binary_grid(weight, kGridScale);
      area_ += area;
      const std::uint8_t code = class_row[x];
      if (code != nodata_class_) valid_area_ += area;
      if (code < class_count_) class_areas_[code] += area;
      for (std::size_t p = 0; p < planes.size(); ++p) {
        const float value = planes[p](x, y);
        if (std::isnan(value)) continue;
        weighted_sums_[p] += round_to_binary_grid(weight * value, kGridScale);
        weights_[p] += area;
      }
    }
  }
}

void ZonalMeansAccumulator::merge(const ZonalMeansAccumulator& other) {
  if (other.plane_count_ != plane_count_ || other.class_count_ != class_count_ ||
      other.nodata_class_ != nodata_class_) {
    throw std::invalid_argument("ZonalMeansAccumulator::merge: accumulators of different shapes");
  }
  area_ += other.area_;
  valid_area_ += other.valid_area_;
  for (std::size_t p = 0; p < weights_.size(); ++p) {
    weighted_sums_[p] += other.weighted_sums_[p];
    weights_[p] += other.weights_[p];
  }
  for (std::size_t c = 0; c < class_areas_.size(); ++c) class_areas_[c] += other.class_areas_[c];
}

ZonalMeans ZonalMeansAccumulator::finalize() const {
  ZonalMeans result;
  result.area_m2 = area_;
  result.valid_area_m2 = valid_area_;
  result.means.resize(weights_.size());
  for (std::size_t p = 0; p < weights_.size(); ++p) {
    result.means[p] = weights_[p] > 0.0 ? weighted_sums_[p] / weights_[p] : std::numeric_limits<double>::quiet_NaN();
  }
  result.class_area_m2 = class_areas_;
  return result;
}

}  // namespace zw::kernels
