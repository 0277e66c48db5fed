#include "zonewatch/pipeline/stages/detection.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <span>

#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/kernels/coverage.hpp"
#include "zonewatch/kernels/difference.hpp"
#include "zonewatch/kernels/indices.hpp"
#include "zonewatch/kernels/morphology.hpp"
#include "zonewatch/kernels/threshold.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/grid/sampling.hpp"
#include "zonewatch/pipeline/grid/tile_engine.hpp"

namespace zw {
namespace fs = std::filesystem;
using kernels::BandRole;
using kernels::ConstTileView;
using kernels::Tile;
using kernels::TileView;
using kernels::Window;

// ---------------------------------------------------------------------------------------
// Features

namespace {

bool profile_declares(const Scene& s, BandRole r) { return s.profile.band(r).has_value(); }

void require_in_both(const Scene& before, const Scene& after, const std::vector<BandRole>& roles,
                     const std::string& needed_by) {
  require_bands(before, roles, needed_by);
  require_bands(after, roles, needed_by);
}

bool rule_enabled(const DetectionOptions& o, kernels::ChangeType t) {
  return std::find(o.typing.order.begin(), o.typing.order.end(), t) != o.typing.order.end();
}

}  // namespace

FeatureSet plan_features(const Scene& before, const Scene& after, const DetectionOptions& options) {
  using enum BandRole;
  FeatureSet f;
  const bool multispectral = profile_declares(before, nir) || profile_declares(after, nir);
  if (multispectral) {
    require_in_both(before, after, {red, nir}, "the vegetation index (NDVI)");
    f.greenness_is_ndvi = true;
  } else {
    require_in_both(before, after, {red, green, blue}, "the visible-band greenness index (GLI)");
  }
  const bool swir = profile_declares(before, swir1) && profile_declares(after, swir1);
  if (rule_enabled(options, kernels::ChangeType::construction) && swir) {
    require_in_both(before, after, {swir1, nir}, "the construction rule (NDBI)");
  }
  if ((rule_enabled(options, kernels::ChangeType::water_loss) ||
       rule_enabled(options, kernels::ChangeType::water_gain))) {
    if (swir) require_in_both(before, after, {green, swir1}, "the water rules (MNDWI)");
    else if (multispectral) require_in_both(before, after, {green, nir}, "the water rules (NDWI)");
  }
  for (int r = 0; r < kernels::kBandRoleCount; ++r) {
    const auto role = static_cast<BandRole>(r);
    if (before.has(role) && after.has(role)) f.roles.push_back(role);
  }
  auto both = [&](std::initializer_list<BandRole> roles) {
    return std::all_of(roles.begin(), roles.end(), [&](BandRole r) { return before.has(r) && after.has(r); });
  };
  f.has_water = both({green, swir1}) || both({green, nir});
  f.water_is_mndwi = both({green, swir1});
  f.has_built = both({swir1, nir});
  f.has_bare = both({blue, red, nir, swir1});
  return f;
}

namespace {

/// Reflectance of one date over a tile, by feature role; `correction` brings the after
/// date onto the before date.
ReflectanceTile date_reflectance(const RawSceneTile& raw, const Scene& scene, const FeatureSet& features,
                                 const RadiometricCorrection* correction = nullptr) {
  ReflectanceTile bands = to_reflectance_tile(raw, scene.profile, features.roles);
  if (correction != nullptr) correction->apply(bands);
  return bands;
}

/// Feature planes of one date.
struct DateFeatures {
  Tile<float> greenness, water, built, bare, brightness;
};

void compute_date_features(const kernels::BandSet& bands, const FeatureSet& features, int width, int height,
                           DateFeatures& out) {
  using kernels::SpectralIndex;
  out.greenness = Tile<float>(width, height);
  kernels::compute_index(features.greenness_is_ndvi ? SpectralIndex::ndvi : SpectralIndex::gli, bands,
                         out.greenness.view());
  if (features.has_water) {
    out.water = Tile<float>(width, height);
    kernels::compute_index(features.water_is_mndwi ? SpectralIndex::mndwi : SpectralIndex::ndwi, bands,
                           out.water.view());
  }
  if (features.has_built) {
    out.built = Tile<float>(width, height);
    kernels::compute_index(SpectralIndex::ndbi, bands, out.built.view());
  }
  if (features.has_bare) {
    out.bare = Tile<float>(width, height);
    kernels::compute_index(SpectralIndex::bsi, bands, out.bare.view());
  }
  out.brightness = Tile<float>(width, height);
  kernels::compute_brightness(bands, out.brightness.view());
}

ConstTileView<float> view_or_empty(const Tile<float>& t) {
  return t.values().empty() ? ConstTileView<float>{} : t.view();
}

std::vector<ConstTileView<float>> role_views(const ReflectanceTile& d, const FeatureSet& f) {
  std::vector<ConstTileView<float>> views;
  for (BandRole r : f.roles) views.push_back(d[r].view());
  return views;
}

bool windows_intersect(const Window& a, const Window& b) {
  return a.x0 < b.x1() && b.x0 < a.x1() && a.y0 < b.y1() && b.y0 < a.y1();
}

Window intersection(const Window& a, const Window& b) {
  const int x0 = std::max(a.x0, b.x0), y0 = std::max(a.y0, b.y0);
  const int x1 = std::min(a.x1(), b.x1()), y1 = std::min(a.y1(), b.y1());
  return {x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---------------------------------------------------------------------------------------
// Pass 1: statistics on a lattice of sample blocks

constexpr double kMaxSampledPixels = 24e6;   // blocks read for statistics
constexpr double kMaxStoredSamples = 4e6;    // difference vectors kept in memory

/// 1 / Phi^-1(3/4): MAD times this estimates sigma of a normal distribution.
constexpr double kMadToSigma = 1.4826;

/// Median of `values` (mean of the two middle ones for an even count); reorders them.
double median_of(std::vector<float>& values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  const auto mid = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), mid, values.end());
  const double upper = *mid;
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), mid);
  return 0.5 * (lower + upper);
}

/// What one statistics block contributes: its valid difference vectors and their moments.
struct SampleBlock {
  std::vector<float> differences;  // valid pixels, roles interleaved
  std::vector<kernels::MomentsAccumulator> moments;
};

DetectionStatistics estimate_statistics(SceneReader& before, SceneReader& after, const AnalysisGrid& grid,
                                        const FeatureSet& features, const DetectionOptions& options,
                                        const ProgressCallback& progress,
                                        const RadiometricCorrection* after_correction = nullptr) {
  DetectionStatistics stats;
  stats.roles = features.roles;
  const std::size_t n_roles = features.roles.size();
  // Every step-th block in each direction: a deterministic lattice, independent of tiling.
  const SampleLattice lattice = sample_lattice(grid.width, grid.height, kMaxSampledPixels);
  stats.sample_block_step = lattice.block_step;
  const int pixel_stride = lattice.pixel_stride(kMaxStoredSamples);

  std::vector<SampleBlock> blocks;
  run_tiles(
      lattice.count(), default_tile_tokens(),
      [&](int index) { return read_pair(before, after, lattice.windows[static_cast<std::size_t>(index)]); },
      [&](RawTilePair& pair) {
        const int w = pair.window.width, h = pair.window.height;
        const ReflectanceTile b = date_reflectance(pair.before, before.scene(), features);
        const ReflectanceTile a = date_reflectance(pair.after, after.scene(), features, after_correction);
        pair.before = {};
        pair.after = {};
        SampleBlock block;
        block.moments.resize(n_roles);
        // Lattice of pixels in grid coordinates, so it does not depend on blocks.
        std::vector<float> diff(n_roles);
        for (int y = lattice_start(pair.window.y0, pixel_stride); y < h; y += pixel_stride) {
          for (int x = lattice_start(pair.window.x0, pixel_stride); x < w; x += pixel_stride) {
            bool valid = true;
            for (std::size_t i = 0; i < n_roles && valid; ++i) {
              const BandRole r = features.roles[i];
              diff[i] = a[r](x, y) - b[r](x, y);
              valid = std::isfinite(diff[i]);
            }
            if (!valid) continue;
            for (std::size_t i = 0; i < n_roles; ++i) {
              block.moments[i].add(diff[i]);
              block.differences.push_back(diff[i]);
            }
          }
        }
        return block;
      },
      [&](SampleBlock&& block) {
        blocks.push_back(std::move(block));
        if (progress) {
          progress(0.1 * static_cast<double>(blocks.size()) / static_cast<double>(lattice.count()), "statistics");
        }
      });

  std::vector<kernels::MomentsAccumulator> moments(n_roles);
  for (const auto& block : blocks) {
    for (std::size_t i = 0; i < n_roles; ++i) moments[i].merge(block.moments[i]);
  }
  stats.sample_pixels = n_roles > 0 ? moments[0].count() : 0;
  if (stats.sample_pixels == 0) {
    throw InputError(before.scene().options.path + " / " + after.scene().options.path +
                     ": no pixel is valid in both scenes (all nodata, or masked everywhere)");
  }
  for (std::size_t i = 0; i < n_roles; ++i) {
    double centre = moments[i].mean();
    double sigma = moments[i].stddev();
    if (options.zscore == ZScore::robust) {
      // Median and MAD of the stored samples. Order statistics of a multiset do not depend
      // on the order the blocks arrived in, so this is as tiling-independent as the moments.
      std::vector<float> values;
      values.reserve(static_cast<std::size_t>(stats.sample_pixels));
      for (const auto& block : blocks) {
        for (std::size_t p = i; p < block.differences.size(); p += n_roles) values.push_back(block.differences[p]);
      }
      const double median = median_of(values);
      for (float& v : values) v = static_cast<float>(std::abs(static_cast<double>(v) - median));
      const double robust_sigma = kMadToSigma * median_of(values);
      centre = median;
      // A band that is constant for more than half of the pixels has MAD 0: keep sigma then.
      if (robust_sigma > 1e-12) sigma = robust_sigma;
    }
    stats.offsets.push_back(static_cast<float>(centre));
    stats.weights.push_back(sigma > 1e-12 ? static_cast<float>(1.0 / sigma) : 0.0f);
  }

  // Magnitude histogram from the stored differences, block by block, merged in order.
  kernels::HistogramAccumulator histogram(0.0, 50.0, 5000);
  kernels::MomentsAccumulator magnitude_moments;
  for (const auto& block : blocks) {
    kernels::HistogramAccumulator partial(0.0, 50.0, 5000);
    kernels::MomentsAccumulator partial_moments;
    const std::size_t count = n_roles > 0 ? block.differences.size() / n_roles : 0;
    const std::span<const float> differences(block.differences);
    for (std::size_t p = 0; p < count; ++p) {
      const double magnitude = kernels::zscored_change_magnitude<double>(differences.subspan(p * n_roles, n_roles),
                                                                         stats.offsets, stats.weights);
      partial.add(static_cast<float>(magnitude));
      partial_moments.add(magnitude);
    }
    histogram.merge(partial);
    magnitude_moments.merge(partial_moments);
  }
  const auto& t = options.threshold;
  switch (t.method) {
    case kernels::ThresholdMethod::fixed: stats.automatic_threshold = t.value; break;
    case kernels::ThresholdMethod::otsu: stats.automatic_threshold = kernels::otsu_threshold(histogram); break;
    case kernels::ThresholdMethod::k_sigma:
      stats.automatic_threshold = kernels::k_sigma_threshold(magnitude_moments, t.k);
      break;
  }
  // The floor: `min`, and `min_median_multiple` times the median magnitude (the typical
  // unchanged pixel; for n bands of pure noise it is about sqrt(n), so an absolute floor
  // alone means less the more bands there are).
  const double median_magnitude = histogram.quantile(0.5);
  const double floor = std::isfinite(median_magnitude) ? std::max(t.min, t.min_median_multiple * median_magnitude) : t.min;
  // Otsu gives NaN on a one-bin histogram (a scene with no change at all): use the floor.
  stats.threshold = t.method == kernels::ThresholdMethod::fixed ? t.value
                    : std::isnan(stats.automatic_threshold)   ? floor
                                                              : std::max(stats.automatic_threshold, floor);
  return stats;
}

// ---------------------------------------------------------------------------------------
// Pass 2: classify, clean, label, zonal sums

/// Working set per pixel of a tile in flight: raw bands and reflectance of two dates (up to
/// six bands), about a dozen feature planes, classes and labels.
constexpr double kBytesPerPixel = 160.0;

struct UnitPartial {
  std::uint32_t unit = 0;
  kernels::ZonalAccumulator zonal;
};

/// A padded tile read from both scenes, on its way to classification.
struct TileInput {
  int index = 0;
  RawTilePair pair;
};

/// What classification makes of one tile, merged in tile order.
struct TileWork {
  int index = 0;
  Window core;
  Tile<std::uint8_t> classes;  // core
  Tile<std::uint32_t> labels;  // core
  std::uint32_t label_count = 0;
  std::vector<kernels::ComponentStats> stats;
  std::vector<UnitPartial> zonal;
  std::vector<std::vector<std::pair<std::uint32_t, double>>> label_overlap;  // by local label
  std::uint64_t valid = 0;
};

void add_overlap(std::vector<std::pair<std::uint32_t, double>>& list, std::uint32_t unit, double area) {
  for (auto& [u, a] : list) {
    if (u == unit) {
      a += area;
      return;
    }
  }
  list.emplace_back(unit, area);
}

/// The per-tile computation of pass 2: features, typing, opening, labelling, component
/// statistics and unit sums of one padded tile pair; its core is what counts.
struct TileClassifier {
  const DetectionInputs& inputs;
  const FeatureSet& features;
  const RadiometricCorrection& radiometric;
  const DetectionStatistics& stats;
  const kernels::TypingRules& rules;
  int opening_radius = 0;
  const std::vector<Window>& unit_windows;  // per unit, its pixel window

  TileWork operator()(TileInput& input, const Window& c) const {
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
    Tile<float> magnitude(w, h);
    kernels::change_vector_magnitude(role_views(b, features), role_views(a, features), stats.offsets, stats.weights,
                                     magnitude.view());
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
    ft.magnitude = magnitude.view();
    Tile<std::uint8_t> padded_classes(w, h);
    kernels::classify_tile(ft, rules, padded_classes.view());
    kernels::open_change_mask(padded_classes.view(), opening_radius);

    // From here on only the core counts.
    const int ox = c.x0 - p.x0, oy = c.y0 - p.y0;
    work.classes = Tile<std::uint8_t>(c.width, c.height);
    for (int y = 0; y < c.height; ++y) {
      std::copy_n(padded_classes.view().row(y + oy) + ox, c.width, work.classes.view().row(y));
    }
    work.labels = Tile<std::uint32_t>(c.width, c.height);
    work.label_count = kernels::label_tile(work.classes.view(), work.labels.view());
    const auto row_areas = inputs.grid.row_areas_m2(c.y0, c.height);
    const auto gb = fb.greenness.view().sub(ox, oy, c.width, c.height);
    const auto ga = fa.greenness.view().sub(ox, oy, c.width, c.height);
    const auto mag = magnitude.view().sub(ox, oy, c.width, c.height);
    work.stats = kernels::tile_component_stats(work.classes.view(), work.labels.view(), work.label_count, c,
                                               inputs.grid.width, row_areas, gb, ga, mag);
    for (const auto v : work.classes.values()) work.valid += v != static_cast<std::uint8_t>(kernels::ChangeType::nodata);
    add_unit_sums(work, gb, ga);
    return work;
  }

  /// Zonal sums and patch-unit overlaps of the tile core, weighted by exact pixel coverage.
  void add_unit_sums(TileWork& work, ConstTileView<float> greenness_before, ConstTileView<float> greenness_after) const {
    const Window& c = work.core;
    work.label_overlap.resize(work.label_count + 1);
    Tile<float> coverage;
    for (std::size_t u = 0; u < inputs.units.size(); ++u) {
      if (!windows_intersect(unit_windows[u], c)) continue;
      const Window iw = intersection(unit_windows[u], c);
      coverage = Tile<float>(iw.width, iw.height);
      kernels::coverage_fractions(inputs.units[u].pixel_rings, iw, coverage.view());
      const int ix = iw.x0 - c.x0, iy = iw.y0 - c.y0;
      UnitPartial partial;
      partial.unit = static_cast<std::uint32_t>(u);
      const auto iw_areas = inputs.grid.row_areas_m2(iw.y0, iw.height);
      partial.zonal.accumulate(coverage.view(), work.classes.view().sub(ix, iy, iw.width, iw.height),
                               greenness_before.sub(ix, iy, iw.width, iw.height),
                               greenness_after.sub(ix, iy, iw.width, iw.height), iw_areas);
      for (int y = 0; y < iw.height; ++y) {
        const std::uint32_t* labels = work.labels.view().row(y + iy) + ix;
        const float* cov = coverage.view().row(y);
        for (int x = 0; x < iw.width; ++x) {
          if (labels[x] != 0 && cov[x] > 0.0f) {
            add_overlap(work.label_overlap[labels[x]], partial.unit, cov[x] * iw_areas[static_cast<std::size_t>(y)]);
          }
        }
      }
      work.zonal.push_back(std::move(partial));
    }
  }
};

/// Spill file of classes and labels per tile, written and read back in tile order.
class SpillFile {
 public:
  explicit SpillFile(const fs::path& path) : path_(path) {
    file_ = std::fopen(path.c_str(), "w+b");
    if (file_ == nullptr) throw OutputError(path.string() + ": cannot create spill file");
  }
  ~SpillFile() {
    if (file_ != nullptr) std::fclose(file_);
    std::error_code ec;
    fs::remove(path_, ec);
  }
  SpillFile(const SpillFile&) = delete;
  SpillFile& operator=(const SpillFile&) = delete;

  void write(const void* data, std::size_t bytes) {
    if (std::fwrite(data, 1, bytes, file_) != bytes) throw OutputError(path_.string() + ": write failed (disk full?)");
  }
  void rewind() { std::rewind(file_); }
  void read(void* data, std::size_t bytes) {
    if (std::fread(data, 1, bytes, file_) != bytes) throw InternalError(path_.string() + ": spill file read short");
  }

 private:
  fs::path path_;
  std::FILE* file_ = nullptr;
};

}  // namespace

DetectionResult run_detection(const DetectionInputs& inputs, const DetectionOptions& options,
                              const ProcessingOptions& processing, const fs::path& work_dir,
                              const FinalTileSink& sink, const ProgressCallback& progress) {
  auto log = logger("detect");
  DetectionResult result;
  const AnalysisGrid& grid = inputs.grid;
  result.features = plan_features(inputs.before, inputs.after, options);
  const FeatureSet& features = result.features;

  SceneReader before_reader(inputs.before, grid, features.roles);
  SceneReader after_reader(inputs.after, grid, features.roles);
  if (before_reader.warped() || after_reader.warped()) log->info("resampling bands onto the analysis grid (bilinear)");

  auto start = Clock::now();
  if (options.normalize == RadiometricNormalization::irmad) {
    result.radiometric = fit_radiometric_correction(before_reader, after_reader, grid, features.roles, progress);
    result.seconds["normalize"] = seconds_since(start);
    start = Clock::now();
  }
  result.statistics = estimate_statistics(before_reader, after_reader, grid, features, options, progress,
                                          &result.radiometric);
  result.seconds["statistics"] = seconds_since(start);
  const DetectionStatistics& stats = result.statistics;
  log->info("change-magnitude threshold {:.3f} ({} pixels sampled{})", stats.threshold, stats.sample_pixels,
            stats.sample_block_step > 1 ? ", every " + std::to_string(stats.sample_block_step) + "th block" : "");

  // The opening removes anything narrower than 2r+1 pixels. Where one pixel already covers
  // a (non-zero) minimum mapping unit (30 m Landsat against 400 m2), a single pixel is a
  // mappable change, and the opening would contradict the unit: skip it there.
  const double centre_pixel_m2 = grid.pixel_area_m2(grid.height / 2);
  const bool pixel_is_mappable = options.min_mapping_unit_m2 > 0.0 && centre_pixel_m2 >= options.min_mapping_unit_m2;
  const int opening_radius = pixel_is_mappable ? 0 : options.opening_radius;
  if (opening_radius != options.opening_radius) {
    log->info("morphological opening skipped: one pixel ({:.0f} m2) already covers the minimum mapping unit ({:.0f} m2)",
              centre_pixel_m2, options.min_mapping_unit_m2);
  }
  const int halo = kernels::morphology_halo(opening_radius);
  result.plan = plan_tiles(grid.width, grid.height, processing,
                           {.bytes_per_pixel = kBytesPerPixel, .tokens = default_tile_tokens(), .halo = halo});
  const TilePlan& plan = result.plan;
  log->debug("{} tiles of {}x{} (halo {})", plan.count(), plan.tile_width, plan.tile_height, plan.halo);

  // Units' pixel windows, for picking the units that touch a tile.
  std::vector<Window> unit_windows;
  for (const auto& u : inputs.units) unit_windows.push_back(kernels::covered_window(u.pixel_rings, grid.width, grid.height));
  std::vector<kernels::ZonalAccumulator> unit_zonal(inputs.units.size());
  std::vector<std::vector<std::vector<std::pair<std::uint32_t, double>>>> tile_label_overlap(
      static_cast<std::size_t>(plan.count()));

  kernels::SeamLabeler seams(plan.tiles_x, plan.tiles_y);
  fs::create_directories(work_dir);
  SpillFile spill(work_dir / "classes-labels.spill");

  kernels::TypingRules rules = options.typing;
  rules.magnitude_threshold = static_cast<float>(stats.threshold);

  const TileClassifier classify{inputs, features, result.radiometric, stats, rules, opening_radius, unit_windows};
  start = Clock::now();
  int done = 0;
  run_tiles(
      plan.count(), default_tile_tokens(),
      [&](int index) { return TileInput{index, read_pair(before_reader, after_reader, plan.padded(index))}; },
      [&](TileInput& input) { return classify(input, plan.core(input.index)); },
      [&](TileWork&& work) {
        const int tx = work.index % plan.tiles_x, ty = work.index / plan.tiles_x;
        spill.write(work.classes.data(), work.classes.values().size());
        spill.write(work.labels.data(), work.labels.values().size() * sizeof(std::uint32_t));
        seams.add_tile(tx, ty, work.classes.view(), work.labels.view(), std::move(work.stats));
        for (auto& partial : work.zonal) unit_zonal[partial.unit].merge(partial.zonal);
        tile_label_overlap[static_cast<std::size_t>(work.index)] = std::move(work.label_overlap);
        result.valid_pixels += work.valid;
        result.components_before_mmu += work.label_count;
        ++done;
        if (progress) progress(0.1 + 0.7 * done / plan.count(), "detecting changes");
      });
  result.seconds["classify"] = seconds_since(start);

  // Pass 3: drop small patches, number the rest, stream final tiles.
  start = Clock::now();
  result.patches = seams.finish(options.min_mapping_unit_m2);
  result.patch_unit_overlap.resize(result.patches.patches.size());
  for (std::size_t t = 0; t < tile_label_overlap.size(); ++t) {
    const auto& local_to_patch = result.patches.local_to_patch[t];
    for (std::size_t label = 1; label < tile_label_overlap[t].size(); ++label) {
      const std::uint32_t patch = local_to_patch[label];
      if (patch == 0) continue;
      for (const auto& [unit, area] : tile_label_overlap[t][label]) {
        add_overlap(result.patch_unit_overlap[patch - 1], unit, area);
      }
    }
  }
  tile_label_overlap.clear();
  for (auto& overlaps : result.patch_unit_overlap) std::sort(overlaps.begin(), overlaps.end());

  spill.rewind();
  for (int t = 0; t < plan.count(); ++t) {
    const Window c = plan.core(t);
    Tile<std::uint8_t> classes(c.width, c.height);
    Tile<std::uint32_t> labels(c.width, c.height);
    spill.read(classes.data(), classes.values().size());
    spill.read(labels.data(), labels.values().size() * sizeof(std::uint32_t));
    const auto& local_to_patch = result.patches.local_to_patch[static_cast<std::size_t>(t)];
    auto& ids = labels.values();
    auto& cls = classes.values();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] != 0) {
        ids[i] = local_to_patch[ids[i]];
        if (ids[i] == 0) cls[i] = static_cast<std::uint8_t>(kernels::ChangeType::none);
      }
      if (kernels::is_change(cls[i])) ++result.changed_pixels[cls[i]];
    }
    if (sink) sink(c, classes.view(), labels.view());
    if (progress) progress(0.8 + 0.1 * (t + 1) / plan.count(), "writing change map");
  }
  result.unit_stats.reserve(unit_zonal.size());
  for (const auto& z : unit_zonal) result.unit_stats.push_back(z.finalize());
  result.seconds["finalize"] = seconds_since(start);
  return result;
}

}  // namespace zw
