// Per-pixel cost of the detector's hot kernels on one tile, in ns per pixel (median of
// repeated runs on one thread). Whole-scan figures come from scripts/bench.sh; this isolates
// a kernel so a change to it can be judged without the scan's I/O noise.
// Usage: zonewatch_kernel_bench [tile_side (default 1024)] [repeats (default 15)]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "zonewatch/kernels/bands.hpp"
#include "zonewatch/kernels/box_average.hpp"
#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/kernels/composite.hpp"
#include "zonewatch/kernels/coverage.hpp"
#include "zonewatch/kernels/difference.hpp"
#include "zonewatch/kernels/morphology.hpp"
#include "zonewatch/kernels/multiscale.hpp"
#include "zonewatch/kernels/simd.hpp"
#include "zonewatch/kernels/structure.hpp"
#include "zonewatch/kernels/tile.hpp"
#include "zonewatch/kernels/zonal.hpp"

namespace {

using namespace zw::kernels;

/// A smooth field plus noise, so the kernels see values like a scene's, not white noise.
Tile<float> field(int side, unsigned seed, float scale, float missing_share) {
  std::mt19937 random(seed);
  std::normal_distribution<float> noise(0.0f, 0.05f * scale);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  Tile<float> t(side, side);
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      const float v =
          scale * (0.5f + 0.25f * std::sin(0.013f * static_cast<float>(x)) * std::cos(0.011f * static_cast<float>(y))) +
          noise(random);
      t(x, y) = unit(random) < missing_share ? kNaN : v;
    }
  }
  return t;
}

void report(const char* name, int side, int repeats, const std::function<void()>& run) {
  run();  // warm caches and page in the outputs
  std::vector<double> ns_per_pixel;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    run();
    const std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
    ns_per_pixel.push_back(took.count() / (static_cast<double>(side) * side));
  }
  std::sort(ns_per_pixel.begin(), ns_per_pixel.end());
  std::printf("%-44s %8.2f ns/px  (min %.2f, max %.2f)\n", name, ns_per_pixel[ns_per_pixel.size() / 2],
              ns_per_pixel.front(), ns_per_pixel.back());
}

}  // namespace

int main(int argc, char** argv) {
  const int side = argc > 1 ? std::max(64, std::atoi(argv[1])) : 1024;
  const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 15;
  std::printf("tile %dx%d, median of %d runs, one thread\n", side, side, repeats);

  const Tile<float> magnitude = field(side, 1, 6.0f, 0.0f);
  const Tile<float> magnitude_holes = field(side, 2, 6.0f, 0.01f);
  // Clouds: a tenth of the rows cross a masked blob, the rest are clean.
  Tile<float> magnitude_cloud = field(side, 3, 6.0f, 0.0f);
  for (int y = side / 2; y < side / 2 + side / 10; ++y) {
    for (int x = side / 3; x < side / 2; ++x) magnitude_cloud(x, y) = kNaN;
  }
  Tile<float> out(side, side);
  for (const float sigma : {1.0f, 2.0f}) {
    const std::string name = "smooth_gaussian sigma " + std::to_string(static_cast<int>(sigma));
    report((name + ", no nodata").c_str(), side, repeats,
           [&] { smooth_gaussian(magnitude.view(), sigma, out.view()); });
    report((name + ", a cloud over 10 % of rows").c_str(), side, repeats,
           [&] { smooth_gaussian(magnitude_cloud.view(), sigma, out.view()); });
    report((name + ", 1 % nodata everywhere").c_str(), side, repeats,
           [&] { smooth_gaussian(magnitude_holes.view(), sigma, out.view()); });
  }
  const std::vector<float> scales{0.0f, 1.0f, 2.0f};
  report("multiscale_magnitude {0, 1, 2}, a cloud", side, repeats,
         [&] { multiscale_magnitude(magnitude_cloud.view(), scales, out.view()); });

  constexpr int kBands = 6;
  std::vector<Tile<float>> before, after;
  std::vector<ConstTileView<float>> before_views, after_views;
  for (int b = 0; b < kBands; ++b) {
    before.push_back(field(side, 10u + static_cast<unsigned>(b), 0.3f, 0.0f));
    after.push_back(field(side, 20u + static_cast<unsigned>(b), 0.3f, 0.0f));
  }
  for (int b = 0; b < kBands; ++b) {
    before_views.push_back(before[static_cast<std::size_t>(b)].view());
    after_views.push_back(after[static_cast<std::size_t>(b)].view());
  }
  const std::vector<float> offsets(kBands, 0.0f), weights(kBands, 20.0f);
  report("change_vector_magnitude, 6 bands", side, repeats,
         [&] { change_vector_magnitude(before_views, after_views, offsets, weights, out.view()); });
  // The kernels with an AVX2 version (kernels/simd.hpp), again at the SSE2 baseline: what
  // the dispatch gains on this CPU.
  if (best_simd_level() == SimdLevel::avx2) {
    limit_simd_level(SimdLevel::baseline);
    report("  the same at the SSE2 baseline: smooth_gaussian sigma 2, no nodata", side, repeats,
           [&] { smooth_gaussian(magnitude.view(), 2.0f, out.view()); });
    report("  the same at the SSE2 baseline: multiscale_magnitude {0, 1, 2}, a cloud", side, repeats,
           [&] { multiscale_magnitude(magnitude_cloud.view(), scales, out.view()); });
    report("  the same at the SSE2 baseline: change_vector_magnitude, 6 bands", side, repeats,
           [&] { change_vector_magnitude(before_views, after_views, offsets, weights, out.view()); });
    limit_simd_level(SimdLevel::avx2);
  }

  report("gradient_correlation radius 2 (structure gate)", side, repeats,
         [&] { gradient_correlation(before_views[0], after_views[0], 2, out.view()); });

  const Tile<float> greenness_before = field(side, 30, 0.6f, 0.0f), greenness_after = field(side, 31, 0.6f, 0.0f);
  const Tile<float> water_before = field(side, 32, 0.4f, 0.0f), water_after = field(side, 33, 0.4f, 0.0f);
  const Tile<float> built_before = field(side, 34, 0.4f, 0.0f), built_after = field(side, 35, 0.4f, 0.0f);
  FeatureTiles features;
  features.greenness_before = greenness_before.view();
  features.greenness_after = greenness_after.view();
  features.water_before = water_before.view();
  features.water_after = water_after.view();
  features.built_before = built_before.view();
  features.built_after = built_after.view();
  features.magnitude = magnitude.view();
  // The threshold at the 95th percentile: 5 % candidates, as in a scan with real change.
  std::vector<float> sorted_magnitude(magnitude.values().begin(), magnitude.values().end());
  std::nth_element(sorted_magnitude.begin(), sorted_magnitude.begin() + sorted_magnitude.size() * 95 / 100,
                   sorted_magnitude.end());
  TypingRules rules;
  rules.magnitude_threshold = sorted_magnitude[sorted_magnitude.size() * 95 / 100];
  Tile<std::uint8_t> classes(side, side);
  report("classify_tile (greenness, water, built), 5 % candidates", side, repeats,
         [&] { classify_tile(features, rules, classes.view()); });
  // scripts/bench.sh's peer rule: no magnitude gate (every valid pixel a candidate), vegetation loss alone.
  TypingRules peer_rule;
  peer_rule.magnitude_threshold = 0.0f;
  peer_rule.order = {ChangeType::vegetation_loss};
  peer_rule.report_other = false;
  peer_rule.suppress_persistent_vegetation = false;
  peer_rule.suppress_stable_water = false;
  Tile<std::uint8_t> peer_classes(side, side);
  report("classify_tile, every pixel a candidate, vegetation loss only", side, repeats,
         [&] { classify_tile(features, peer_rule, peer_classes.view()); });
  // Cleanup of those classes, on a fresh copy each run (the copy is in the figure).
  report("open_change_mask radius 1 (incl. copy)", side, repeats, [&] {
    Tile<std::uint8_t> cleaned = classes;
    open_change_mask(cleaned.view(), 1);
  });
  report("close_change_mask radius 3 (incl. copy)", side, repeats, [&] {
    Tile<std::uint8_t> cleaned = classes;
    close_change_mask(cleaned.view(), 3);
  });

  Tile<float> coverage(side, side);
  for (float& v : coverage.values()) v = 1.0f;
  const std::vector<double> row_area(static_cast<std::size_t>(side), 100.0);
  ZonalAccumulator zonal;
  report("ZonalAccumulator::accumulate (full cover)", side, repeats, [&] {
    zonal.accumulate(coverage.view(), classes.view(), greenness_before.view(), greenness_after.view(), row_area);
  });

  // A band's digital numbers to reflectance (every band of every date of every tile).
  std::vector<std::uint16_t> digital_numbers(static_cast<std::size_t>(side) * side);
  std::mt19937 numbers(12);
  for (auto& v : digital_numbers) v = static_cast<std::uint16_t>(numbers() % 4000 + 1);
  Tile<float> converted(side, side);
  report("to_reflectance uint16 with nodata", side, repeats, [&] {
    to_reflectance<std::uint16_t>({digital_numbers.data(), side, side}, 0.0, 1e-4f, -0.1f, converted.view());
  });

  // A unit's exact coverage: a wavy ring of 400 vertices filling most of the tile, so that
  // most cells are whole and every row crosses the boundary twice (zonal statistics' case).
  MultiPolygonRings unit(1);
  Ring& boundary = unit.front().rings.emplace_back();
  for (int i = 0; i < 400; ++i) {
    const double angle = 2.0 * 3.14159265358979 * i / 400.0;
    const double radius = side * (0.42 + 0.03 * std::sin(17.0 * angle));
    boundary.x.push_back(side / 2.0 + radius * std::cos(angle));
    boundary.y.push_back(side / 2.0 + radius * std::sin(angle));
  }
  Tile<float> fractions(side, side);
  report("coverage_fractions (a 400-vertex unit)", side, repeats, [&] {
    coverage_fractions(unit, {0, 0, side, side}, fractions.view());
  });

  const Window whole{0, 0, side, side};
  BoxAverage frame(side, side, side / 8, side / 8, 8.0, 1);
  report("BoxAverage::accumulate (factor 8)", side, repeats, [&] { frame.accumulate(0, whole, magnitude.view()); });

  // A long series' median, per pixel (more than 32 observations: the composite's fallback).
  constexpr int kObservations = 11, kLongSeries = 40;
  std::vector<float> observations(static_cast<std::size_t>(side) * side * kObservations);
  std::mt19937 season(40);
  std::uniform_int_distribution<int> reflectance(300, 3000);
  for (float& v : observations) v = 1e-4f * static_cast<float>(reflectance(season));
  std::vector<float> long_scratch(kLongSeries);
  float sink = 0.0f;
  report("median_in_place, 40 observations", side, repeats, [&] {
    for (std::size_t p = 0; p < static_cast<std::size_t>(side) * side; ++p) {
      std::copy_n(
          observations.begin() + static_cast<std::ptrdiff_t>(p * kObservations % (observations.size() - kLongSeries)),
          kLongSeries, long_scratch.begin());
      sink += median_in_place(long_scratch.data(), kLongSeries);
    }
  });
  // The whole median composite of a season: 12 observations of 4 bands, 10 % of them
  // clouded (per observation and pixel), ns per output pixel (all four bands).
  constexpr int kSeason = 12, kSeasonBands = 4;
  std::vector<std::vector<Tile<float>>> season_bands(kSeason);
  std::vector<Tile<std::uint8_t>> season_clear;
  std::vector<Observation> stack(kSeason);
  std::uniform_real_distribution<float> cloud(0.0f, 1.0f);
  for (int o = 0; o < kSeason; ++o) {
    for (int b = 0; b < kSeasonBands; ++b) {
      season_bands[o].push_back(field(side, 50U + static_cast<unsigned>(o * kSeasonBands + b), 0.3f, 0.0f));
    }
    season_clear.emplace_back(side, side);
    for (std::uint8_t& c : season_clear.back().values()) c = cloud(season) < 0.1f ? 0 : 1;
  }
  for (int o = 0; o < kSeason; ++o) {
    for (const auto& t : season_bands[o]) stack[o].bands.push_back(t.view());
    stack[o].clear = season_clear[o].view();
  }
  std::vector<Tile<float>> composite_out;
  std::vector<TileView<float>> composite_views;
  for (int b = 0; b < kSeasonBands; ++b) composite_out.emplace_back(side, side);
  for (auto& t : composite_out) composite_views.push_back(t.view());
  Tile<std::uint16_t> clear_count(side, side);
  report("composite_tile median, 12 observations x 4 bands", side, repeats,
         [&] { composite_tile(stack, {CompositeMethod::median}, composite_views, clear_count.view()); });
  if (best_simd_level() == SimdLevel::avx2) {
    limit_simd_level(SimdLevel::baseline);
    report("  the same at the SSE2 baseline: composite_tile median", side, repeats,
           [&] { composite_tile(stack, {CompositeMethod::median}, composite_views, clear_count.view()); });
    limit_simd_level(SimdLevel::avx2);
  }
  for (const auto& t : composite_out) sink += t(side / 2, side / 2);
  std::printf("(median checksum %g)\n", static_cast<double>(sink));
  return 0;
}
