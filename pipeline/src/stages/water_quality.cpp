#include "zonewatch/pipeline/stages/water_quality.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "water_quality_indices.hpp"
#include "zonewatch/kernels/coverage.hpp"
#include "zonewatch/kernels/indices.hpp"
#include "zonewatch/kernels/threshold.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/progress.hpp"
#include "zonewatch/pipeline/grid/tile_engine.hpp"

namespace zw {

using kernels::BandRole;
using kernels::ConstTileView;
using kernels::Tile;
using kernels::WaterIndex;
using kernels::Window;
using water_detail::idx;
using water_detail::kAllIndices;

namespace {

constexpr int kIndexBins = 400;
// Sums on a fixed binary grid are exact, so they do not depend on the order of merging.
constexpr double kValueQuantum = 1048576.0;  // 2^20 per index unit
constexpr double kAreaQuantum = 65536.0;     // 2^16 per m²

kernels::HistogramAccumulator index_histogram(WaterIndex index) {
  const auto range = kernels::water_index_range(index);
  return kernels::HistogramAccumulator(range.lo, range.hi, kIndexBins);
}

/// Working set per pixel of a tile in flight: raw and reflectance of up to seven bands of two
/// dates, two water-index planes, four index planes per date, classes and labels.
constexpr double kBytesPerPixel = 160.0;

/// What the stage reads and computes, from the bands both scenes hold.
struct Plan {
  kernels::SpectralIndex extraction = kernels::SpectralIndex::mndwi;
  std::vector<BandRole> water_roles;                       // the extraction index's bands
  std::vector<BandRole> all_roles;                         // water + available indices
  std::array<bool, kernels::kWaterIndexCount> computed{};  // available and asked for
};

struct DatePlanes {
  Tile<float> water;
  std::array<Tile<float>, kernels::kWaterIndexCount> index;
};

void compute_planes(const ReflectanceTile& r, const Plan& plan, const kernels::FaiWavelengths& w, bool with_indices,
                    DatePlanes& out) {
  const int width = r.window.width, height = r.window.height;
  const kernels::BandSet bands = r.band_set();
  out.water = Tile<float>(width, height, kernels::kUninitialized);
  kernels::compute_index(plan.extraction, bands, out.water.view());
  if (!with_indices) return;
  for (WaterIndex i : kAllIndices) {
    if (!plan.computed[idx(i)]) continue;
    out.index[idx(i)] = Tile<float>(width, height, kernels::kUninitialized);
    kernels::compute_water_index(i, bands, w, out.index[idx(i)].view());
  }
}

// ---------------------------------------------------------------------------------------
// Pass 1: the thresholds

struct ThresholdWork {
  kernels::HistogramAccumulator before = kernels::water_index_histogram();
  kernels::HistogramAccumulator after = kernels::water_index_histogram();
};

// ---------------------------------------------------------------------------------------
// Pass 2: bodies

struct LabelWork {
  int index = 0;
  Tile<std::uint8_t> classes;
  Tile<std::uint32_t> labels;
  std::uint32_t label_count = 0;
  std::vector<kernels::ComponentStats> stats;
  std::uint64_t water_before = 0, water_after = 0;  // pixels at or above each date's threshold
};

// ---------------------------------------------------------------------------------------
// Pass 3: per body statistics

std::array<kernels::HistogramAccumulator, kernels::kWaterIndexCount> index_histograms() {
  return {index_histogram(WaterIndex::ndti), index_histogram(WaterIndex::ndci), index_histogram(WaterIndex::fai),
          index_histogram(WaterIndex::boi)};
}

struct BodyPartial {
  std::array<kernels::HistogramAccumulator, kernels::kWaterIndexCount> before = index_histograms();
  std::array<kernels::HistogramAccumulator, kernels::kWaterIndexCount> after = index_histograms();
  std::array<std::int64_t, kernels::kWaterIndexCount> sum_before{}, sum_after{};  // quantized
  std::array<std::uint64_t, kernels::kWaterIndexCount> both_valid{};
  std::map<std::uint32_t, std::int64_t> unit_area;  // quantized m²

  void merge(const BodyPartial& o) {
    for (int i = 0; i < kernels::kWaterIndexCount; ++i) {
      before[i].merge(o.before[i]);
      after[i].merge(o.after[i]);
      sum_before[i] += o.sum_before[i];
      sum_after[i] += o.sum_after[i];
      both_valid[i] += o.both_valid[i];
    }
    for (const auto& [unit, area] : o.unit_area) unit_area[unit] += area;
  }
};

struct StatsWork {
  int index = 0;
  Window core;
  Tile<std::uint32_t> ids;                      // body id per pixel, 0 = none
  std::map<std::uint32_t, BodyPartial> bodies;  // by body id
};

struct DepartWork {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> pixels;  // (global pixel, body id)
  /// Quantized area of departing pixels per body: per index and in any index.
  std::map<std::uint32_t, std::array<std::int64_t, kernels::kWaterIndexCount + 1>> area;
};

std::int64_t quantize(double value, double quantum) { return std::llround(value * quantum); }

/// Labels and maps to body ids (0 where none) the stable water of a core tile.
Tile<std::uint32_t> body_ids(const DatePlanes& b, const DatePlanes& a, const WaterQualityResult& r,
                             const std::vector<std::uint32_t>& local_to_body) {
  const int w = b.water.width(), h = b.water.height();
  Tile<std::uint8_t> classes(w, h, kernels::kUninitialized);
  kernels::stable_water(b.water.view(), a.water.view(), r.threshold_before, r.threshold_after, classes.view());
  Tile<std::uint32_t> ids(w, h, kernels::kUninitialized);
  kernels::label_tile(classes.view(), ids.view());
  for (auto& id : ids.values()) id = id == 0 ? 0 : local_to_body[id];
  return ids;
}

std::string not_available(WaterIndex index, const Scene& before, const Scene& after) {
  std::string missing;
  for (BandRole role : kernels::water_index_bands(index)) {
    for (const Scene* s : {&before, &after}) {
      if (s->has(role)) continue;
      if (!missing.empty()) missing += ", ";
      missing += std::string(kernels::to_string(role)) + " in the " + s->label + " scene";
      const std::string& why = s->missing_reason[static_cast<int>(role)];
      if (!why.empty()) missing += " (" + why + ")";
    }
  }
  return "no " + missing;
}

}  // namespace

WaterQualityResult run_water_quality(const WaterQualityInputs& inputs, const WaterQualityOptions& options,
                                     const ProcessingOptions& processing, const WaterBodyTileSink& sink,
                                     const ProgressCallback& progress) {
  auto log = logger("water");
  const Scene& before = inputs.before;
  const Scene& after = inputs.after;
  const AnalysisGrid& grid = inputs.grid;
  WaterQualityResult result;
  result.ran = true;

  // What the scenes give.
  const auto both = [&](const std::vector<BandRole>& roles) {
    return std::all_of(roles.begin(), roles.end(), [&](BandRole r) { return before.has(r) && after.has(r); });
  };
  Plan plan;
  if (both({BandRole::green, BandRole::swir1})) {
    plan.extraction = kernels::SpectralIndex::mndwi;
  } else if (both({BandRole::green, BandRole::nir})) {
    plan.extraction = kernels::SpectralIndex::ndwi;
  } else {
    throw InputError("water_quality: " + before.options.path + " and " + after.options.path +
                     " do not both hold green and SWIR1 (MNDWI) or green and NIR (NDWI): water cannot be extracted");
  }
  result.extraction = plan.extraction;
  plan.water_roles = kernels::required_bands(plan.extraction);
  plan.all_roles = plan.water_roles;
  const auto wavelength = [&](BandRole role, float fallback) {
    const auto& band = before.profile.band(role);
    return band && band->wavelength_nm ? static_cast<float>(*band->wavelength_nm) : fallback;
  };
  bool wavelengths_given = true;
  for (BandRole role : {BandRole::red, BandRole::nir, BandRole::swir1}) {
    for (const Scene* s : {&before, &after}) {
      const auto& band = s->profile.band(role);
      wavelengths_given = wavelengths_given && band && band->wavelength_nm;
    }
  }
  result.wavelengths = {wavelength(BandRole::red, 0.0f), wavelength(BandRole::nir, 0.0f),
                        wavelength(BandRole::swir1, 0.0f)};
  for (WaterIndex i : kAllIndices) {
    std::string reason;
    if (!options.computes(i)) {
      reason = "not in water_quality.indices";
    } else if (!both(kernels::water_index_bands(i))) {
      reason = not_available(i, before, after);
    } else if (i == WaterIndex::fai && !wavelengths_given) {
      reason = "the sensor profiles give no wavelength for red, nir and swir1 (bands.<role>.wavelength)";
    }
    result.available[idx(i)] = reason.empty();
    result.not_available_reason[idx(i)] = reason;
    plan.computed[idx(i)] = reason.empty();
    if (!reason.empty()) {
      log->info("{} not available: {}", kernels::to_string(i), reason);
      continue;
    }
    for (BandRole role : kernels::water_index_bands(i)) {
      if (std::find(plan.all_roles.begin(), plan.all_roles.end(), role) == plan.all_roles.end())
        plan.all_roles.push_back(role);
    }
  }

  const TilePlan tiles = plan_tiles(grid.width, grid.height, processing,
                                    {.bytes_per_pixel = kBytesPerPixel, .tokens = default_tile_tokens(), .halo = 0});
  const int tokens = default_tile_tokens();
  const int count = tiles.count();

  // Pass 1: each scene's water threshold.
  {
    SceneReader rb(before, grid, plan.water_roles), ra(after, grid, plan.water_roles);
    ThresholdWork total;
    const ProgressCallback part = progress_part(progress, 0.0, 0.2);
    run_tiles(
        count, tokens, [&](int t) { return read_pair(rb, ra, tiles.core(t)); },
        [&](RawTilePair& pair) {
          DatePlanes b, a;
          compute_planes(to_reflectance_tile(pair.before, before.profile, plan.water_roles), plan, {}, false, b);
          compute_planes(to_reflectance_tile(pair.after, after.profile, plan.water_roles), plan, {}, false, a);
          ThresholdWork work;
          work.before.accumulate(b.water.view());
          work.after.accumulate(a.water.view());
          return work;
        },
        [&, done = 0](ThresholdWork&& work) mutable {
          total.before.merge(work.before);
          total.after.merge(work.after);
          if (part) part(static_cast<double>(++done) / count, "water thresholds");
        });
    result.otsu_before = kernels::otsu_threshold(total.before);
    result.otsu_after = kernels::otsu_threshold(total.after);
    result.threshold_before = kernels::water_threshold(total.before, options.threshold_min, options.threshold_max,
                                                       options.threshold_fallback);
    result.threshold_after =
        kernels::water_threshold(total.after, options.threshold_min, options.threshold_max, options.threshold_fallback);
    result.valid_pixels_before = total.before.total();
    result.valid_pixels_after = total.after.total();
    log->info("water ({}): threshold {:.3f} before (Otsu {:.3f}), {:.3f} after (Otsu {:.3f})",
              kernels::to_string(plan.extraction), result.threshold_before, result.otsu_before, result.threshold_after,
              result.otsu_after);
  }

  // Pass 2: stable-water bodies.
  kernels::PatchTable bodies;
  {
    SceneReader rb(before, grid, plan.water_roles), ra(after, grid, plan.water_roles);
    kernels::SeamLabeler seams(tiles.tiles_x, tiles.tiles_y);
    const ProgressCallback part = progress_part(progress, 0.2, 0.4);
    run_tiles(
        count, tokens,
        [&](int t) {
          RawTilePair pair = read_pair(rb, ra, tiles.core(t));
          return std::pair{t, std::move(pair)};
        },
        [&](std::pair<int, RawTilePair>& in) {
          const Window c = tiles.core(in.first);
          DatePlanes b, a;
          compute_planes(to_reflectance_tile(in.second.before, before.profile, plan.water_roles), plan, {}, false, b);
          compute_planes(to_reflectance_tile(in.second.after, after.profile, plan.water_roles), plan, {}, false, a);
          LabelWork work;
          work.index = in.first;
          work.classes = Tile<std::uint8_t>(c.width, c.height, kernels::kUninitialized);
          kernels::stable_water(b.water.view(), a.water.view(), result.threshold_before, result.threshold_after,
                                work.classes.view());
          const auto tb = static_cast<float>(result.threshold_before);
          const auto ta = static_cast<float>(result.threshold_after);
          for (const float v : b.water.values()) work.water_before += v >= tb;
          for (const float v : a.water.values()) work.water_after += v >= ta;
          work.labels = Tile<std::uint32_t>(c.width, c.height, kernels::kUninitialized);
          work.label_count = kernels::label_tile(work.classes.view(), work.labels.view());
          work.stats = kernels::tile_component_stats(work.classes.view(), work.labels.view(), work.label_count, c,
                                                     grid.width, grid.row_areas_m2(c.y0, c.height), {}, {}, {});
          return work;
        },
        [&](LabelWork&& work) {
          seams.add_tile(work.index % tiles.tiles_x, work.index / tiles.tiles_x, work.classes.view(),
                         work.labels.view(), std::move(work.stats));
          result.water_pixels_before += work.water_before;
          result.water_pixels_after += work.water_after;
          if (part) part(static_cast<double>(work.index + 1) / count, "water bodies");
        });
    // Every merged component (whatever the tiling), then those under the minimum area dropped
    // and the rest renumbered in the same (raster) order.
    bodies = seams.finish(0.0);
    result.components_before_min_area = bodies.patches.size();
    std::vector<std::uint32_t> renumbered(bodies.patches.size() + 1, 0);
    std::vector<kernels::ComponentStats> kept;
    for (std::size_t n = 0; n < bodies.patches.size(); ++n) {
      if (bodies.patches[n].area_m2 < options.min_body_area_m2) continue;
      kept.push_back(bodies.patches[n]);
      renumbered[n + 1] = static_cast<std::uint32_t>(kept.size());
    }
    bodies.patches = std::move(kept);
    for (auto& local : bodies.local_to_patch) {
      for (auto& id : local) id = renumbered[id];
    }
  }
  result.bodies.resize(bodies.patches.size());
  for (std::size_t b = 0; b < bodies.patches.size(); ++b) {
    result.bodies[b].id = static_cast<std::uint32_t>(b + 1);
    result.bodies[b].stats = bodies.patches[b];
    result.stable_water_area_m2 += bodies.patches[b].area_m2;
  }
  log->info("{} water bodies of at least {:.0f} m2 ({:.0f} m2 of stable water)", result.bodies.size(),
            options.min_body_area_m2, result.stable_water_area_m2);

  std::vector<Window> unit_windows;
  for (const auto& u : inputs.units)
    unit_windows.push_back(kernels::covered_window(u.pixel_rings, grid.width, grid.height));

  // Pass 3: per body, each index's histograms and the body's area in each unit.
  std::vector<BodyPartial> partials(result.bodies.size());
  {
    SceneReader rb(before, grid, plan.all_roles), ra(after, grid, plan.all_roles);
    const ProgressCallback part = progress_part(progress, 0.4, 0.8);
    run_tiles(
        count, tokens,
        [&](int t) {
          RawTilePair pair = read_pair(rb, ra, tiles.core(t));
          return std::pair{t, std::move(pair)};
        },
        [&](std::pair<int, RawTilePair>& in) {
          const int t = in.first;
          const Window c = tiles.core(t);
          DatePlanes b, a;
          compute_planes(to_reflectance_tile(in.second.before, before.profile, plan.all_roles), plan,
                         result.wavelengths, true, b);
          compute_planes(to_reflectance_tile(in.second.after, after.profile, plan.all_roles), plan, result.wavelengths,
                         true, a);
          in.second = {};
          StatsWork work;
          work.index = t;
          work.core = c;
          work.ids = body_ids(b, a, result, bodies.local_to_patch[static_cast<std::size_t>(t)]);
          const auto& ids = work.ids.values();
          for (std::size_t p = 0; p < ids.size(); ++p) {
            if (ids[p] == 0) continue;
            BodyPartial& body = work.bodies[ids[p]];
            for (WaterIndex i : kAllIndices) {
              if (!plan.computed[idx(i)]) continue;
              const float vb = b.index[idx(i)].values()[p], va = a.index[idx(i)].values()[p];
              if (!std::isnan(vb)) {
                body.before[idx(i)].add(vb);
                body.sum_before[idx(i)] += quantize(vb, kValueQuantum);
              }
              if (!std::isnan(va)) {
                body.after[idx(i)].add(va);
                body.sum_after[idx(i)] += quantize(va, kValueQuantum);
              }
              if (!std::isnan(vb) && !std::isnan(va)) ++body.both_valid[idx(i)];
            }
          }
          // Area of each body in each unit, weighted by exact pixel coverage.
          if (!work.bodies.empty()) {
            for (std::size_t u = 0; u < inputs.units.size(); ++u) {
              if (!kernels::windows_intersect(unit_windows[u], c)) continue;
              const Window iw = kernels::intersection(unit_windows[u], c);
              Tile<float> coverage(iw.width, iw.height);
              kernels::coverage_fractions(inputs.units[u].pixel_rings, iw, coverage.view());
              const auto areas = grid.row_areas_m2(iw.y0, iw.height);
              for (int y = 0; y < iw.height; ++y) {
                const std::uint32_t* row = work.ids.view().row(y + iw.y0 - c.y0) + (iw.x0 - c.x0);
                const float* cov = coverage.view().row(y);
                for (int x = 0; x < iw.width; ++x) {
                  if (row[x] == 0 || cov[x] <= 0.0f) continue;
                  work.bodies[row[x]].unit_area[static_cast<std::uint32_t>(u)] +=
                      quantize(cov[x] * areas[static_cast<std::size_t>(y)], kAreaQuantum);
                }
              }
            }
          }
          return work;
        },
        [&](StatsWork&& work) {
          for (auto& [id, partial] : work.bodies) partials[id - 1].merge(partial);
          if (sink) sink(work.core, work.ids.view());
          if (part) part(static_cast<double>(work.index + 1) / count, "water quality");
        });
  }

  // Per body: medians, change, the rule of its unit type.
  std::vector<bool> departs_any(result.bodies.size(), false);
  for (std::size_t n = 0; n < result.bodies.size(); ++n) {
    WaterBody& body = result.bodies[n];
    const BodyPartial& p = partials[n];
    for (const auto& [unit, area] : p.unit_area)
      body.unit_overlap.emplace_back(unit, static_cast<double>(area) / kAreaQuantum);
    double best = 0.0;
    for (const auto& [unit, area] : body.unit_overlap) {
      if (area > best) {  // equal overlap: the lower unit index (layer order), as hotspots do
        best = area;
        body.unit = static_cast<int>(unit);
      }
    }
    if (body.unit >= 0) {
      body.unit_type = inputs.units[static_cast<std::size_t>(body.unit)].type;
      body.unit_code = inputs.units[static_cast<std::size_t>(body.unit)].code;
    }
    const WaterQualityRule& rule = options.rules[static_cast<int>(body.unit_type)];
    for (WaterIndex i : kAllIndices) {
      WaterBodyIndex& x = body.indices[idx(i)];
      if (!plan.computed[idx(i)]) continue;
      x.available = true;
      const auto& hb = p.before[idx(i)];
      const auto& ha = p.after[idx(i)];
      x.valid_share = body.stats.pixel_count > 0
                          ? static_cast<double>(p.both_valid[idx(i)]) / static_cast<double>(body.stats.pixel_count)
                          : 0.0;
      if (hb.total() > 0) {
        x.before_median = hb.quantile(0.5);
        x.before_mean = static_cast<double>(p.sum_before[idx(i)]) / kValueQuantum / static_cast<double>(hb.total());
        x.before_spread = kernels::robust_spread(hb);
      }
      if (ha.total() > 0) {
        x.after_median = ha.quantile(0.5);
        x.after_mean = static_cast<double>(p.sum_after[idx(i)]) / kValueQuantum / static_cast<double>(ha.total());
      }
      x.judged = x.valid_share >= options.min_valid_share;
      const kernels::DepartureTest test =
          kernels::test_departure(i, x.before_median, x.after_median, x.before_spread, rule.indices[idx(i)]);
      x.change = test.change;
      x.allowed = test.allowed;
      if (x.judged) {
        x.by_change = test.by_change;
        x.by_limit = test.by_limit;
      }
      departs_any[n] = departs_any[n] || x.departs();
    }
  }

  // Pass 4: the departing pixels of departing bodies, in the tiles they touch.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> departing;
  std::vector<std::array<std::int64_t, kernels::kWaterIndexCount + 1>> affected(result.bodies.size());
  if (std::find(departs_any.begin(), departs_any.end(), true) != departs_any.end()) {
    std::vector<bool> tile_needed(static_cast<std::size_t>(count), false);
    for (std::size_t n = 0; n < result.bodies.size(); ++n) {
      if (!departs_any[n]) continue;
      const auto& s = result.bodies[n].stats;
      const Window box{s.min_x, s.min_y, s.max_x - s.min_x + 1, s.max_y - s.min_y + 1};
      for (int t = 0; t < count; ++t)
        tile_needed[static_cast<std::size_t>(t)] =
            tile_needed[static_cast<std::size_t>(t)] || kernels::windows_intersect(box, tiles.core(t));
    }
    SceneReader rb(before, grid, plan.all_roles), ra(after, grid, plan.all_roles);
    const ProgressCallback part = progress_part(progress, 0.8, 1.0);
    run_tiles(
        count, tokens,
        [&](int t) {
          std::pair<int, RawTilePair> in{t, {}};
          if (tile_needed[static_cast<std::size_t>(t)]) in.second = read_pair(rb, ra, tiles.core(t));
          return in;
        },
        [&](std::pair<int, RawTilePair>& in) {
          DepartWork work;
          const int t = in.first;
          if (!tile_needed[static_cast<std::size_t>(t)]) return work;
          const Window c = tiles.core(t);
          DatePlanes b, a;
          compute_planes(to_reflectance_tile(in.second.before, before.profile, plan.all_roles), plan,
                         result.wavelengths, true, b);
          compute_planes(to_reflectance_tile(in.second.after, after.profile, plan.all_roles), plan, result.wavelengths,
                         true, a);
          in.second = {};
          const Tile<std::uint32_t> ids = body_ids(b, a, result, bodies.local_to_patch[static_cast<std::size_t>(t)]);
          const auto areas = grid.row_areas_m2(c.y0, c.height);
          for (int y = 0; y < c.height; ++y) {
            for (int x = 0; x < c.width; ++x) {
              const std::size_t p = static_cast<std::size_t>(y) * static_cast<std::size_t>(c.width) + x;
              const std::uint32_t id = ids.values()[p];
              if (id == 0 || !departs_any[id - 1]) continue;
              const WaterBody& body = result.bodies[id - 1];
              const WaterQualityRule& rule = options.rules[static_cast<int>(body.unit_type)];
              bool any = false;
              const std::int64_t area = quantize(areas[static_cast<std::size_t>(y)], kAreaQuantum);
              for (WaterIndex i : kAllIndices) {
                const WaterBodyIndex& xi = body.indices[idx(i)];
                if (!xi.departs()) continue;
                kernels::DepartureTest test;
                test.allowed = xi.allowed;
                test.by_change = xi.by_change;
                test.by_limit = xi.by_limit;
                if (kernels::pixel_departs(i, a.index[idx(i)].values()[p], xi.before_median, test,
                                           rule.indices[idx(i)])) {
                  work.area[id][static_cast<std::size_t>(idx(i))] += area;
                  any = true;
                }
              }
              if (any) {
                work.area[id][kernels::kWaterIndexCount] += area;
                work.pixels.emplace_back(static_cast<std::uint64_t>(c.y0 + y) * static_cast<std::uint64_t>(grid.width) +
                                             static_cast<std::uint64_t>(c.x0 + x),
                                         id);
              }
            }
          }
          return work;
        },
        [&, done = 0](DepartWork&& work) mutable {
          departing.insert(departing.end(), work.pixels.begin(), work.pixels.end());
          for (const auto& [id, sums] : work.area) {
            for (std::size_t k = 0; k < sums.size(); ++k) affected[id - 1][k] += sums[k];
          }
          if (part) part(static_cast<double>(++done) / count, "water quality departures");
        });
  }
  for (std::size_t n = 0; n < result.bodies.size(); ++n) {
    WaterBody& body = result.bodies[n];
    const WaterQualityRule& rule = options.rules[static_cast<int>(body.unit_type)];
    for (WaterIndex i : kAllIndices) {
      WaterBodyIndex& x = body.indices[idx(i)];
      x.affected_area_m2 = static_cast<double>(affected[n][static_cast<std::size_t>(idx(i))]) / kAreaQuantum;
      if (!x.departs()) continue;
      if (!body.flag_reasons.empty()) body.flag_reasons += "; ";
      const auto& r = rule.indices[idx(i)];
      if (x.by_change) {
        body.flag_reasons += fmt::format("{} median {:+.3f} (from {:.3f} to {:.3f}) beyond {:.3f}",
                                         kernels::to_string(i), x.change, x.before_median, x.after_median, x.allowed);
      } else {
        body.flag_reasons += fmt::format("{} median {:.3f} {} limit {:.3f}", kernels::to_string(i), x.after_median,
                                         kernels::worsening_sign(i) > 0 ? "above" : "below", r.limit.value_or(0.0));
      }
    }
    body.affected_area_m2 = static_cast<double>(affected[n][kernels::kWaterIndexCount]) / kAreaQuantum;
    body.flagged = departs_any[n] && body.affected_area_m2 >= rule.min_affected_area_m2 && body.affected_area_m2 > 0.0;
    if (!body.flagged) body.flag_reasons.clear();
  }
  for (const auto& [pixel, id] : departing) {
    if (result.bodies[id - 1].flagged) result.departing_pixels.push_back(pixel);
  }
  std::sort(result.departing_pixels.begin(), result.departing_pixels.end());
  log->info("{} of {} water bodies flagged ({} departing pixels)", result.flagged_bodies(), result.bodies.size(),
            result.departing_pixels.size());
  return result;
}

std::size_t mark_water_quality_pixels(const std::vector<std::uint64_t>& pixels, Window core, int grid_width,
                                      std::uint8_t value, std::uint8_t nodata,
                                      kernels::TileView<std::uint8_t> classes) {
  if (pixels.empty() || core.width <= 0 || core.height <= 0) return 0;
  const auto width = static_cast<std::uint64_t>(grid_width);
  const std::uint64_t first = static_cast<std::uint64_t>(core.y0) * width;
  const std::uint64_t last = static_cast<std::uint64_t>(core.y0 + core.height) * width;  // exclusive
  std::size_t set = 0;
  for (auto it = std::lower_bound(pixels.begin(), pixels.end(), first); it != pixels.end() && *it < last; ++it) {
    const auto y = static_cast<int>(*it / width) - core.y0;
    const auto x = static_cast<int>(*it % width) - core.x0;
    if (x < 0 || x >= core.width) continue;
    std::uint8_t& cls = classes.row(y)[x];
    if (cls == nodata) continue;
    cls = value;
    ++set;
  }
  return set;
}

}  // namespace zw
