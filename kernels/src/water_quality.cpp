#include "zonewatch/kernels/water_quality.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace zw::kernels {

namespace {

void require_band(const BandSet& bands, BandRole role, const TileView<float>& out, const char* caller) {
  const auto& band = bands[role];
  if (band.empty()) {
    throw std::invalid_argument(std::string(caller) + ": band " + std::string(to_string(role)) + " is missing");
  }
  if (band.width != out.width || band.height != out.height) {
    throw std::invalid_argument(std::string(caller) + ": band " + std::string(to_string(role)) +
                                " differs in size from the output");
  }
}

template <class Pixel>
void map_rows(const BandSet& bands, const std::vector<BandRole>& roles, TileView<float> out, Pixel pixel) {
  for (BandRole role : roles) require_band(bands, role, out, "compute_water_index");
  for (int y = 0; y < out.height; ++y) {
    std::array<const float*, 3> in{};
    for (std::size_t i = 0; i < roles.size(); ++i) in[i] = bands[roles[i]].row(y);
    float* dst = out.row(y);
    for (int x = 0; x < out.width; ++x) dst[x] = pixel(in, x);
  }
}

}  // namespace

std::vector<BandRole> water_index_bands(WaterIndex index) {
  using enum BandRole;
  switch (index) {
    case WaterIndex::ndti: return {red, green};
    case WaterIndex::ndci: return {rededge1, red};
    case WaterIndex::fai: return {red, nir, swir1};
    case WaterIndex::boi: return {blue, green, red};
  }
  return {};
}

void compute_water_index(WaterIndex index, const BandSet& bands, const FaiWavelengths& wavelengths,
                         TileView<float> out) {
  const std::vector<BandRole> roles = water_index_bands(index);
  switch (index) {
    case WaterIndex::ndti:
      map_rows(bands, roles, out, [](const auto& in, int x) { return ndti(in[0][x], in[1][x]); });
      return;
    case WaterIndex::ndci:
      map_rows(bands, roles, out, [](const auto& in, int x) { return ndci(in[0][x], in[1][x]); });
      return;
    case WaterIndex::fai:
      map_rows(bands, roles, out,
               [&wavelengths](const auto& in, int x) { return fai(in[0][x], in[1][x], in[2][x], wavelengths); });
      return;
    case WaterIndex::boi:
      map_rows(bands, roles, out, [](const auto& in, int x) { return boi(in[0][x], in[1][x], in[2][x]); });
      return;
  }
  throw std::invalid_argument("compute_water_index: unknown index");
}

HistogramAccumulator water_index_histogram() { return HistogramAccumulator(-1.0, 1.0, 200); }

double water_threshold(const HistogramAccumulator& histogram, double lo, double hi, double fallback) {
  if (!(lo <= fallback && fallback <= hi)) {
    throw std::invalid_argument("water_threshold: need lo <= fallback <= hi");
  }
  const double otsu = otsu_threshold(histogram);
  if (std::isnan(otsu)) return fallback;
  return std::clamp(otsu, lo, hi);
}

void stable_water(ConstTileView<float> index_before, ConstTileView<float> index_after, double threshold_before,
                  double threshold_after, TileView<std::uint8_t> out) {
  if (index_before.width != out.width || index_before.height != out.height || index_after.width != out.width ||
      index_after.height != out.height) {
    throw std::invalid_argument("stable_water: the index planes differ in size from the output");
  }
  const auto tb = static_cast<float>(threshold_before), ta = static_cast<float>(threshold_after);
  for (int y = 0; y < out.height; ++y) {
    const float* b = index_before.row(y);
    const float* a = index_after.row(y);
    std::uint8_t* dst = out.row(y);
    // NaN compares false: no water.
    for (int x = 0; x < out.width; ++x) dst[x] = (b[x] >= tb && a[x] >= ta) ? kWaterPixel : std::uint8_t{0};
  }
}

double robust_spread(const HistogramAccumulator& histogram) {
  if (histogram.total() == 0) return kNaN;
  return (histogram.quantile(0.75) - histogram.quantile(0.25)) / 1.349;
}

DepartureTest test_departure(WaterIndex index, double before_median, double after_median, double before_spread,
                             const DepartureRule& rule) {
  DepartureTest t;
  const double sign = worsening_sign(index);
  t.change = after_median - before_median;
  if (!std::isnan(before_spread)) t.allowed = rule.k * std::max(before_spread, rule.min_spread);
  t.by_change = !std::isnan(t.change) && !std::isnan(t.allowed) && sign * t.change > t.allowed;
  t.by_limit = rule.limit.has_value() && !std::isnan(after_median) && sign * (after_median - *rule.limit) > 0.0;
  return t;
}

bool pixel_departs(WaterIndex index, float after_value, double before_median, const DepartureTest& test,
                   const DepartureRule& rule) {
  if (std::isnan(after_value)) return false;
  const double sign = worsening_sign(index);
  if (test.by_change && sign * (after_value - before_median) > test.allowed) return true;
  return test.by_limit && sign * (after_value - *rule.limit) > 0.0;
}

}  // namespace zw::kernels
