// Detection's pass 2 for one tile (detection_tile.hpp).
#include "detection_tile.hpp"

#include <algorithm>
#include <limits>

#include "zonewatch/kernels/byte_runs.hpp"
#include "zonewatch/kernels/coverage.hpp"
#include "zonewatch/kernels/difference.hpp"
#include "zonewatch/kernels/indices.hpp"
#include "zonewatch/kernels/morphology.hpp"
#include "zonewatch/kernels/multiscale.hpp"
#include "zonewatch/kernels/shift_tolerant.hpp"
#include "zonewatch/kernels/structure.hpp"
#include "zonewatch/kernels/surface.hpp"
#include "zonewatch/pipeline/stages/water_quality.hpp"

namespace zw {
using kernels::BandRole;
using kernels::ConstTileView;
using kernels::Tile;
using kernels::Window;

namespace {

/// Feature planes of one date.
struct DateFeatures {
  Tile<float> greenness, water, built, bare, brightness;
};

void compute_date_features(const kernels::BandSet& bands, const FeatureSet& features, int width, int height,
                           DateFeatures& out) {
  using kernels::SpectralIndex;
  out.greenness = Tile<float>(width, height, kernels::kUninitialized);
  kernels::compute_index(features.greenness_is_ndvi ? SpectralIndex::ndvi : SpectralIndex::gli, bands,
                         out.greenness.view());
  if (features.has_water) {
    out.water = Tile<float>(width, height, kernels::kUninitialized);
    kernels::compute_index(features.water_is_mndwi ? SpectralIndex::mndwi : SpectralIndex::ndwi, bands,
                           out.water.view());
  }
  if (features.has_built) {
    out.built = Tile<float>(width, height, kernels::kUninitialized);
    kernels::compute_index(SpectralIndex::ndbi, bands, out.built.view());
  }
  if (features.has_bare) {
    out.bare = Tile<float>(width, height, kernels::kUninitialized);
    kernels::compute_index(SpectralIndex::bsi, bands, out.bare.view());
  }
  if (features.has_brightness) {
    out.brightness = Tile<float>(width, height, kernels::kUninitialized);
    kernels::compute_brightness(bands, out.brightness.view());
  }
}

ConstTileView<float> view_or_empty(const Tile<float>& t) {
  return t.values().empty() ? ConstTileView<float>{} : t.view();
}

std::vector<ConstTileView<float>> role_views(const ReflectanceTile& d, const FeatureSet& f) {
  std::vector<ConstTileView<float>> views;
  for (BandRole r : f.roles) views.push_back(d[r].view());
  return views;
}

}  // namespace

void add_overlap(std::vector<std::pair<std::uint32_t, double>>& list, std::uint32_t unit, double area) {
  for (auto& [u, a] : list) {
    if (u == unit) {
      a += area;
      return;
    }
  }
  list.emplace_back(unit, area);
}

TileWork TileClassifier::operator()(TileInput& input, const Window& c) const {
  TileWork work;
  work.index = input.index;
  work.core = c;
  const Window p = input.pair.window;
  const int w = p.width, h = p.height;
  const ReflectanceTile b = date_reflectance(input.pair.before, inputs.before, features);
  const ReflectanceTile a = date_reflectance(input.pair.after, inputs.after, features, &radiometric);
  input.pair = {};
  DateFeatures fb, fa;
  compute_date_features(b.band_set(), features, w, h, fb);
  compute_date_features(a.band_set(), features, w, h, fa);
  Tile<float> magnitude(w, h, kernels::kUninitialized);
  kernels::change_vector_magnitude(role_views(b, features), role_views(a, features), stats.offsets, stats.weights,
                                   magnitude.view());
  if (!scales.empty()) {
    Tile<float> multiscale(w, h, kernels::kUninitialized);
    kernels::multiscale_magnitude(magnitude.view(), scales, multiscale.view());
    magnitude = std::move(multiscale);
  }
  if (structure_max_correlation > 0.0f) {
    Tile<float> correlation(w, h, kernels::kUninitialized);
    kernels::gradient_correlation(fb.brightness.view(), fa.brightness.view(), kStructureRadius, correlation.view());
    kernels::gate_preserved_structure(correlation.view(), structure_max_correlation,
                                      static_cast<float>(stats.seed_level), magnitude.view());
  }
  // The seed test's magnitude: the same, against the best match within the tolerance.
  Tile<float> seed_magnitude;
  if (seed_shift_tolerance > 0) {
    seed_magnitude = Tile<float>(w, h, kernels::kUninitialized);
    kernels::shift_tolerant_magnitude(role_views(b, features), role_views(a, features), stats.offsets, stats.weights,
                                      seed_shift_tolerance, true, seed_magnitude.view());
    if (!scales.empty()) {
      Tile<float> multiscale(w, h, kernels::kUninitialized);
      kernels::multiscale_magnitude(seed_magnitude.view(), scales, multiscale.view());
      seed_magnitude = std::move(multiscale);
    }
  }
  kernels::FeatureTiles ft;
  ft.greenness_before = view_or_empty(fb.greenness);
  ft.greenness_after = view_or_empty(fa.greenness);
  ft.water_before = view_or_empty(fb.water);
  ft.water_after = view_or_empty(fa.water);
  ft.built_before = view_or_empty(fb.built);
  ft.built_after = view_or_empty(fa.built);
  ft.bare_before = view_or_empty(fb.bare);
  ft.bare_after = view_or_empty(fa.bare);
  ft.brightness_before = view_or_empty(fb.brightness);
  ft.brightness_after = view_or_empty(fa.brightness);
  Tile<float> texture, slope;
  if (features.has_texture && !fa.brightness.values().empty()) {
    texture = Tile<float>(w, h, kernels::kUninitialized);
    kernels::local_texture(fa.brightness.view(), rules.texture_radius, texture.view());
    ft.texture_after = texture.view();
  }
  if (features.has_slope && !input.elevation.values().empty()) {
    slope = Tile<float>(w, h, kernels::kUninitialized);
    kernels::slope_degrees(input.elevation.view(), dem_dx_m, dem_dy_m, slope.view());
    ft.slope = slope.view();
  }
  if (features.has_visible) {
    ft.red_before = view_or_empty(b[BandRole::red]);
    ft.green_before = view_or_empty(b[BandRole::green]);
    ft.blue_before = view_or_empty(b[BandRole::blue]);
    ft.red_after = view_or_empty(a[BandRole::red]);
    ft.green_after = view_or_empty(a[BandRole::green]);
    ft.blue_after = view_or_empty(a[BandRole::blue]);
  }
  ft.magnitude = magnitude.view();
  Tile<std::uint8_t> padded_classes(w, h, kernels::kUninitialized);
  kernels::classify_tile(ft, rules, padded_classes.view());
  kernels::open_change_mask(padded_classes.view(), opening_radius);
  kernels::close_change_mask(padded_classes.view(), closing_radius);

  // From here on only the core counts.
  const int ox = c.x0 - p.x0, oy = c.y0 - p.y0;
  work.classes = Tile<std::uint8_t>(c.width, c.height, kernels::kUninitialized);
  for (int y = 0; y < c.height; ++y) {
    std::copy_n(padded_classes.view().row(y + oy) + ox, c.width, work.classes.view().row(y));
  }
  if (inputs.water_quality_pixels != nullptr) {
    (void)mark_water_quality_pixels(*inputs.water_quality_pixels, c, inputs.grid.width,
                                    static_cast<std::uint8_t>(kernels::ChangeType::water_quality),
                                    static_cast<std::uint8_t>(kernels::ChangeType::nodata), work.classes.view());
  }
  kernels::pack_byte_runs(work.classes.view(), work.class_runs);
  work.labels = Tile<std::uint32_t>(c.width, c.height, kernels::kUninitialized);  // label_tile zeroes it
  work.label_count = kernels::label_tile(work.classes.view(), work.labels.view());
  for (const std::uint32_t label : work.labels.values()) {
    if (label != 0) work.changed_labels.push_back(label);
  }
  const auto row_areas = inputs.grid.row_areas_m2(c.y0, c.height);
  const auto gb = fb.greenness.view().sub(ox, oy, c.width, c.height);
  const auto ga = fa.greenness.view().sub(ox, oy, c.width, c.height);
  const auto mag = magnitude.view().sub(ox, oy, c.width, c.height);
  const auto seed_mag =
      seed_magnitude.values().empty() ? ConstTileView<float>{} : seed_magnitude.view().sub(ox, oy, c.width, c.height);
  work.stats = kernels::tile_component_stats(work.classes.view(), work.labels.view(), work.label_count, c,
                                             inputs.grid.width, row_areas, gb, ga, mag, seed_mag);
  // Water-quality pixels were judged by their water body, not by the change magnitude:
  // hysteresis keeps them (an infinite peak is a seed).
  for (auto& component : work.stats) {
    if (component.change_type == static_cast<std::uint8_t>(kernels::ChangeType::water_quality))
      component.peak_magnitude = std::numeric_limits<float>::infinity();
  }
  for (const auto v : work.classes.values()) work.valid += v != static_cast<std::uint8_t>(kernels::ChangeType::nodata);
  add_unit_sums(work, gb, ga);
  if (true_colour_frame != nullptr) draw_true_colour({&b, &a}, input.true_colour, ox, oy, work);
  input.true_colour = {};
  return work;
}

void TileClassifier::draw_true_colour(const std::array<const ReflectanceTile*, 2>& features_reflectance,
                                      const RawTilePair& extra, int ox, int oy, TileWork& work) const {
  const Window& c = work.core;
  for (std::size_t d = 0; d < 2; ++d) {
    const RawSceneTile& raw = d == 0 ? extra.before : extra.after;
    const ReflectanceTile extra_bands =
        to_reflectance_tile(raw, (d == 0 ? inputs.before : inputs.after).profile, kTrueColourRoles);
    kernels::BoxAverage part = true_colour_frame->part(c);
    for (std::size_t plane = 0; plane < kTrueColourRoles.size(); ++plane) {
      const BandRole role = kTrueColourRoles[plane];
      const Tile<float>& padded = (*features_reflectance[d])[role];
      if (!padded.values().empty()) {
        part.accumulate(static_cast<int>(plane), c, padded.view().sub(ox, oy, c.width, c.height));
      } else if (!extra_bands[role].values().empty()) {
        part.accumulate(static_cast<int>(plane), c, extra_bands[role].view());
      }  // else the scene has no such band (no blue, say): the plane stays empty
    }
    work.true_colour[d] = std::move(part);
  }
}

void TileClassifier::add_unit_sums(TileWork& work, ConstTileView<float> greenness_before,
                                   ConstTileView<float> greenness_after) const {
  const Window& c = work.core;
  work.label_overlap.resize(work.label_count + 1);
  // One buffer for every unit's coverage (a unit's part of the core is at most the core), not
  // a zero-filled tile per unit: coverage_fractions writes every cell of its window.
  Tile<float> coverage_cells;
  for (std::size_t u = 0; u < units.size(); ++u) {
    if (!windows_intersect(unit_windows[u], c)) continue;
    const Window iw = intersection(unit_windows[u], c);
    if (coverage_cells.values().empty()) coverage_cells = Tile<float>(c.width, c.height, kernels::kUninitialized);
    const kernels::TileView<float> coverage(coverage_cells.data(), iw.width, iw.height, iw.width);
    kernels::coverage_fractions(units[u].pixel_rings, iw, coverage);
    const int ix = iw.x0 - c.x0, iy = iw.y0 - c.y0;
    UnitPartial partial;
    partial.unit = static_cast<std::uint32_t>(u);
    const auto iw_areas = inputs.grid.row_areas_m2(iw.y0, iw.height);
    partial.zonal.accumulate(coverage, work.classes.view().sub(ix, iy, iw.width, iw.height),
                             greenness_before.sub(ix, iy, iw.width, iw.height),
                             greenness_after.sub(ix, iy, iw.width, iw.height), iw_areas);
    // Changed pixels (label != 0) are few: 64 at a time, a run without any is skipped by one
    // vectorised test.
    constexpr int kChunk = 64;
    for (int y = 0; y < iw.height; ++y) {
      const std::uint32_t* labels = work.labels.view().row(y + iy) + ix;
      const float* cov = coverage.row(y);
      for (int chunk = 0; chunk < iw.width; chunk += kChunk) {
        const int chunk_end = std::min(iw.width, chunk + kChunk);
        std::uint32_t any_label = 0;
        for (int x = chunk; x < chunk_end; ++x) any_label |= labels[x];
        if (any_label == 0) continue;
        for (int x = chunk; x < chunk_end; ++x) {
          if (labels[x] != 0 && cov[x] > 0.0f) {
            add_overlap(work.label_overlap[labels[x]], partial.unit, cov[x] * iw_areas[static_cast<std::size_t>(y)]);
          }
        }
      }
    }
    work.zonal.push_back(std::move(partial));
  }
}

}  // namespace zw
