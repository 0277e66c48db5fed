#include "zonewatch/pipeline/stages/detection.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>

#include "date_reflectance.hpp"
#include "detection_tile.hpp"
#include "detection_tile_work.hpp"
#include "typing_order.hpp"
#include "zonewatch/kernels/byte_runs.hpp"
#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/kernels/coverage.hpp"
#include "zonewatch/kernels/morphology.hpp"
#include "zonewatch/kernels/multiscale.hpp"
#include "zonewatch/kernels/shift_tolerant.hpp"
#include "zonewatch/kernels/structure.hpp"
#include "zonewatch/kernels/surface.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/progress.hpp"
#include "zonewatch/pipeline/gdal/tiff_blocks.hpp"
#include "zonewatch/pipeline/grid/terrain.hpp"
#include "zonewatch/pipeline/grid/tile_distribution.hpp"
#include "zonewatch/pipeline/grid/tile_engine.hpp"

namespace zw {
namespace fs = std::filesystem;
using kernels::BandRole;
using kernels::Tile;
using kernels::Window;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

nlohmann::json DetectionResult::to_json(RadiometricNormalization normalize) const {
  using nlohmann::json;
  json bands = json::array();
  for (std::size_t i = 0; i < statistics.roles.size(); ++i) {
    bands.push_back({{"band", std::string(kernels::to_string(statistics.roles[i]))},
                     {"mean_difference", statistics.offsets[i]},
                     {"sigma_difference", statistics.weights[i] > 0 ? 1.0 / statistics.weights[i] : 0.0}});
  }
  json record = {
      {"bands", bands},
      {"threshold", statistics.threshold},
      {"seed_level", statistics.seed_level},
      {"grow_level", statistics.grow_level},
      {"scales_px", scales_px},
      {"automatic_threshold",
       std::isfinite(statistics.automatic_threshold) ? json(statistics.automatic_threshold) : json(nullptr)},
      {"sample_pixels", statistics.sample_pixels},
      {"tiles",
       {{"count", plan.count()}, {"width", plan.tile_width}, {"height", plan.tile_height}, {"halo", plan.halo}}}};
  if (normalize != RadiometricNormalization::none) record["radiometric_normalization"] = radiometric.to_json();
  return record;
}

namespace {
// Detection's own progress, 0..1, by pass: normalization (when on) and the statistics
// sample first, most of the time in classifying, the rest in writing the final tiles.
constexpr double kNormalizeEnd = 0.05;
constexpr double kStatisticsEnd = 0.1;
constexpr double kClassifyEnd = 0.9;

/// Largest smoothing sigma in pixels (radius 3 sigma: the halo every tile reads around it).
constexpr float kMaxSigmaPixels = 32.0f;

/// The smoothing sigmas in pixels: `scales` as given, else `mapping_unit_scales` as fractions
/// of the mapping unit's side on the ground (two pixels without a unit), converted with the
/// grid's pixel size, capped at kMaxSigmaPixels with a warning. The neighbourhood follows the
/// smallest change worth mapping, not the pixel.
std::vector<float> smoothing_sigmas_px(const DetectionOptions& options, double pixel_area_m2, spdlog::logger& log) {
  if (!options.scales.empty()) return options.scales;
  const double pixel_size_m = std::sqrt(pixel_area_m2);
  const double unit_side_m =
      options.min_mapping_unit_m2 > 0.0 ? std::sqrt(options.min_mapping_unit_m2) : 2.0 * pixel_size_m;
  std::vector<float> sigmas_m;
  for (const float fraction : options.mapping_unit_scales)
    sigmas_m.push_back(static_cast<float>(fraction * unit_side_m));
  const kernels::PixelSigmas sigmas = kernels::sigmas_in_pixels(sigmas_m, pixel_size_m, kMaxSigmaPixels);
  if (sigmas.capped) {
    log.warn(
        "smoothing scales of up to {:.3g} m (mapping_unit_scales of a {:.3g} m unit side) are more than {:g} "
        "pixels of {:.3g} m: capped at {:g} pixels, as cost and halo grow with the scale",
        *std::max_element(sigmas_m.begin(), sigmas_m.end()), unit_side_m, kMaxSigmaPixels, pixel_size_m,
        kMaxSigmaPixels);
  }
  return sigmas.sigmas;
}
}  // namespace

DetectionResult run_detection(const DetectionInputs& inputs, const DetectionOptions& requested,
                              const ProcessingOptions& processing, const fs::path& work_dir, const FinalTileSink& sink,
                              const ProgressCallback& progress) {
  auto log = logger("detect");
  DetectionResult result;
  const AnalysisGrid& grid = inputs.grid;

  // Neighbourhood evidence assumes a mappable change spans several pixels: the opening
  // removes anything narrower than 2r+1 pixels (and the closing fills no-change gaps as
  // narrow), smoothing dilutes a lone pixel, a seed demands a stronger pixel inside the
  // patch. Where one pixel already covers a (non-zero) minimum mapping unit (30 m Landsat
  // against 400 m2), a single pixel is a mappable change and all of these would contradict
  // the unit: the pixel detector runs there. Its seeds are
  // the pixels at the threshold itself (every one is a mappable change, as before), and
  // hysteresis still grows them through connected pixels down to the noise floor: the
  // weaker rim of a real change is part of it (statistics: grow_level).
  DetectionOptions options = requested;
  const double centre_pixel_m2 = grid.pixel_area_m2(grid.height / 2);
  options.scales = smoothing_sigmas_px(options, centre_pixel_m2, *log);
  const bool pixel_is_mappable = options.min_mapping_unit_m2 > 0.0 && centre_pixel_m2 >= options.min_mapping_unit_m2;
  if (pixel_is_mappable) {
    options.opening_radius = 0;
    options.closing_radius = 0;
    options.scales = {0.0f};
    options.seed_multiple = 1.0;
    options.seed_shift_tolerance = 0;
    options.structure_gate = false;
    log->info(
        "opening, closing, multi-scale magnitude and structure gate skipped, hysteresis seeds at the threshold: "
        "one pixel ({:.0f} m2) already covers the minimum mapping unit ({:.0f} m2)",
        centre_pixel_m2, options.min_mapping_unit_m2);
  }
  result.features = plan_features(inputs.before, inputs.after, options);
  const FeatureSet& features = result.features;

  const std::uint64_t blocks_inflated_before = TiffBlocks::blocks_decoded();
  SceneReader before_reader(inputs.before, grid, features.roles);
  SceneReader after_reader(inputs.after, grid, features.roles);
  if (before_reader.warped() || after_reader.warped()) log->info("resampling bands onto the analysis grid (bilinear)");
  std::optional<TerrainReader> terrain;
  if (features.has_slope) {
    terrain.emplace(options.terrain_dem, grid);
    log->info("terrain: slope from {}{}", options.terrain_dem, terrain->warped() ? " (resampled onto the grid)" : "");
  } else if (rule_enabled(options, kernels::ChangeType::mining)) {
    log->info("no terrain.dem configured: the mining rule (bare ground replacing vegetation on slopes) does not fire");
  }

  auto start = Clock::now();
  if (options.normalize == RadiometricNormalization::irmad) {
    result.radiometric = fit_radiometric_correction(before_reader, after_reader, grid, features.roles,
                                                    progress_part(progress, 0.0, kNormalizeEnd));
    result.seconds["normalize"] = seconds_since(start);
    start = Clock::now();
  }
  const double statistics_start = options.normalize == RadiometricNormalization::irmad ? kNormalizeEnd : 0.0;
  result.statistics =
      estimate_change_statistics(before_reader, after_reader, grid, features, options,
                                 progress_part(progress, statistics_start, kStatisticsEnd), &result.radiometric);
  result.seconds["statistics"] = seconds_since(start);
  const DetectionStatistics& stats = result.statistics;
  log->info("change-magnitude threshold {:.3f} ({} pixels sampled{})", stats.threshold, stats.sample_pixels,
            stats.sample_block_step > 1
                ? ", one block in " + std::to_string(stats.sample_block_step) + " along each axis"
                : "");
  // The structure gate decides the pixels between the grow and the seed level: with none
  // between (a fixed threshold of 0, say) it has nothing to decide and is not computed.
  const bool structure_gate = options.structure_gate && options.hysteresis && stats.seed_level > stats.grow_level;
  // It compares the dates' brightness (the visible bands' mean), a plane computed then even
  // where no typing rule reads it. Set here, as whether the gate has work is known only now.
  if (structure_gate) result.features.has_brightness = true;
  if (options.hysteresis) {
    log->info("hysteresis: seeds at {:.3f}, grown through pixels at or above {:.3f}", stats.seed_level,
              stats.grow_level);
    if (structure_gate) {
      log->info(
          "structure gate: pixels below the seed level whose edges are kept (gradient correlation >= {:g}) are "
          "no change",
          options.structure_max_correlation);
    }
    if (options.seed_shift_tolerance > 0) {
      log->info("seeds tolerate misregistration: compared with the best match within +-{} px of the other date",
                options.seed_shift_tolerance);
    }
  }

  const int opening_radius = options.opening_radius;
  // The single-scale detector ({0}) skips the smoothing pass altogether.
  result.scales_px = options.scales;
  const std::vector<float> scales =
      options.scales.size() == 1 && options.scales[0] == 0.0f ? std::vector<float>{} : options.scales;
  // Typing reads the smoothed magnitude, and the opening and closing read typed pixels: their halos
  // add; the seed magnitude smooths shift-tolerant magnitudes, which read their own halo.
  // Texture and slope are read by the typing beside the smoothed magnitude: the largest of
  // the three halos counts.
  // The structure gate reads its own window beside the smoothed magnitude, like texture.
  const int typing_halo =
      std::max({kernels::multiscale_halo(scales), features.has_texture ? options.typing.texture_radius : 0,
                features.has_slope ? kernels::kSlopeHalo : 0,
                structure_gate ? kernels::gradient_correlation_halo(kStructureRadius) : 0});
  const int halo = kernels::shift_tolerant_halo(options.seed_shift_tolerance) + typing_halo +
                   kernels::morphology_halo(opening_radius, options.closing_radius);
  // The quick-looks' bands the features do not read (read for the tile cores on their own).
  std::vector<BandRole> colour_roles_missing;
  if (inputs.true_colour_frame != nullptr) {
    for (BandRole r : kTrueColourRoles) {
      if (std::find(features.roles.begin(), features.roles.end(), r) == features.roles.end()) {
        colour_roles_missing.push_back(r);
      }
    }
  }
  result.plan =
      plan_tiles(grid.width, grid.height, processing,
                 {.bytes_per_pixel = kBytesPerPixel + (colour_roles_missing.empty() ? 0.0 : kTrueColourBytesPerPixel) +
                                     (structure_gate ? kStructureBytesPerPixel : 0.0),
                  .tokens = default_tile_tokens(),
                  .halo = halo});
  const TilePlan& plan = result.plan;
  log->debug("{} tiles of {}x{} (halo {})", plan.count(), plan.tile_width, plan.tile_height, plan.halo);
  if (inputs.plan_ready) inputs.plan_ready(plan);

  // Units' pixel windows, for picking the units that touch a tile. The first read of the
  // units: they may have been loading beside the statistics pass until now. Resolved here
  // once; the tiles' parallel stage reads this vector, not the future.
  const std::vector<ControlUnit>& units = inputs.units.get();
  std::vector<Window> unit_windows;
  for (const auto& u : units) unit_windows.push_back(kernels::covered_window(u.pixel_rings, grid.width, grid.height));
  std::vector<kernels::ZonalAccumulator> unit_zonal(units.size());
  std::vector<std::vector<std::vector<std::pair<std::uint32_t, double>>>> tile_label_overlap(
      static_cast<std::size_t>(plan.count()));

  kernels::SeamLabeler seams(plan.tiles_x, plan.tiles_y);
  // Under mpirun only rank 0 merges (and so spills); the other ranks classify their tiles
  // and send them to it (grid/tile_distribution.hpp).
  const bool root = is_root_rank();
  std::optional<SpillFile> spill;
  if (root) {
    fs::create_directories(work_dir);
    spill.emplace(work_dir / "classes-labels.spill");
  }

  kernels::TypingRules rules = options.typing;
  rules.magnitude_threshold = static_cast<float>(stats.grow_level);

  const TileClassifier classify{inputs,
                                features,
                                result.radiometric,
                                stats,
                                rules,
                                scales,
                                opening_radius,
                                options.closing_radius,
                                units,
                                unit_windows,
                                options.seed_shift_tolerance,
                                structure_gate ? static_cast<float>(options.structure_max_correlation) : 0.0f,
                                terrain ? terrain->dx_m() : 1.0,
                                terrain ? terrain->dy_m() : 1.0,
                                inputs.true_colour_frame};
  // The quick-looks take red, green and blue from the features' tiles; bands the features do
  // not read come through readers of their own (the features' readers keep exactly their
  // roles: validity and cloud tests depend on the bands read), for the tile's core.
  std::optional<SceneReader> before_colour, after_colour;
  if (inputs.true_colour_frame != nullptr) {
    if (!colour_roles_missing.empty()) {
      before_colour.emplace(inputs.before, grid, colour_roles_missing);
      after_colour.emplace(inputs.after, grid, colour_roles_missing);
    }
    for (auto& box : result.true_colour) box = *inputs.true_colour_frame;
  }
  // Before each tile read, the blocks already decoded that tiles to come read again are
  // marked as used, so that GDAL's cache, which evicts the least recently used blocks first,
  // lets go of the blocks no tile needs any more instead:
  //  - the statistics pass's sample blocks still ahead, as many as the cache holds besides
  //    the seams below: marked first, so that they go first when the cache overflows;
  //  - the seams between tile rows (TilePlan::read_again): a row's tiles read them again
  //    from the one above, and at 21960^2 a tile row's blocks outgrow the cache (6153 block
  //    decodes for 3698 blocks before they were kept, 3773 after; docs/SCALING.md).
  // At 10980^2 this decodes each of the 962 blocks once (1006 with only a third of the cache
  // for the sample blocks and no seams kept).
  std::vector<Window> sample_ahead = change_statistics_sample(grid);
  {
    const auto block_bytes = [&](const std::vector<Window>& windows) {
      return before_reader.block_bytes(windows) + after_reader.block_bytes(windows);
    };
    std::size_t seam_bytes = 0;
    for (int row = 0; row + 1 < plan.tiles_y; ++row) seam_bytes += block_bytes({plan.seam_below(row)});
    const std::size_t reserve = (plan.tiles_y > 1 ? seam_bytes / static_cast<std::size_t>(plan.tiles_y - 1) : 0) +
                                block_bytes({plan.padded(0)});
    const std::size_t budget = block_cache_bytes() > reserve ? block_cache_bytes() - reserve : 0;
    std::size_t kept_bytes = 0, kept = 0;
    for (; kept < sample_ahead.size(); ++kept) {
      kept_bytes += block_bytes({sample_ahead[kept]});
      if (kept_bytes > budget) break;
    }
    sample_ahead.resize(kept);
  }
  start = Clock::now();
  const ProgressCallback classifying = progress_part(progress, kStatisticsEnd, kClassifyEnd);
  int done = 0;
  // The in-order merge alone (other ranks' tiles decoded, seams, unit sums, spill): under
  // mpirun rank 0 does it for every rank's tiles, so its speed bounds how far ranks scale
  // (docs/SCALING.md).
  double merge_seconds = 0.0;
  // The serial read stage: like the merge, its total bounds the pass's wall time however many
  // threads compute. With PairReads in the parallel stage it only keeps blocks cached and
  // reads the terrain; with files GDAL reads, it reads the tiles too.
  double read_seconds = 0.0;
  // Where the scenes are read in the parallel stage (PairReads), the serial stage still keeps
  // the blocks cached that later tiles read again, in tile order.
  const PairReads scene_pairs(before_reader, after_reader);
  std::optional<PairReads> colour_pairs;
  if (before_colour) colour_pairs.emplace(*before_colour, *after_colour);
  run_distributed_tiles(
      plan.count(), default_tile_tokens(),
      [&](int index) {
        const Clock::time_point read_start = Clock::now();
        const Window padded = plan.padded(index);
        if (!sample_ahead.empty()) {  // the read stage is serial: no other thread touches it
          std::erase_if(sample_ahead, [&](const Window& w) { return w.y0 + w.height <= padded.y0; });
          before_reader.keep_cached(sample_ahead);
          after_reader.keep_cached(sample_ahead);
        }
        const std::vector<Window> read_again = plan.read_again(index);
        before_reader.keep_cached(read_again);
        after_reader.keep_cached(read_again);
        TileInput input{index, scene_pairs.start(padded), terrain ? terrain->read(padded) : Tile<float>{}, {}};
        if (colour_pairs) input.true_colour = colour_pairs->start(plan.core(index));
        read_seconds += seconds_since(read_start);
        return input;
      },
      [&](TileInput& input) {
        scene_pairs.finish(input.pair);
        if (colour_pairs) colour_pairs->finish(input.true_colour);
        return classify(input, plan.core(input.index));
      },
      [&](TileWork&& work) {
        const Clock::time_point merge_start = Clock::now();
        const int tx = work.index % plan.tiles_x, ty = work.index / plan.tiles_x;
        // A tile's record: its sizes, its class runs, the label of each changed pixel. The
        // sizes let the finalize pass read it without decoding it (decoded in parallel there).
        const std::array<std::uint64_t, 2> sizes{work.class_runs.size(), work.changed_labels.size()};
        spill->write(sizes.data(), sizeof sizes);
        spill->write(work.class_runs.data(), work.class_runs.size());
        spill->write(work.changed_labels.data(), work.changed_labels.size() * sizeof(std::uint32_t));
        seams.add_tile(tx, ty, work.classes.view(), work.labels.view(), std::move(work.stats));
        for (auto& partial : work.zonal) unit_zonal[partial.unit].merge(partial.zonal);
        if (inputs.true_colour_frame != nullptr) {
          for (std::size_t d = 0; d < 2; ++d) result.true_colour[d].merge(work.true_colour[d]);
        }
        tile_label_overlap[static_cast<std::size_t>(work.index)] = std::move(work.label_overlap);
        result.valid_pixels += work.valid;
        result.components_before_mmu += work.label_count;
        ++done;
        merge_seconds += seconds_since(merge_start);
        if (classifying) classifying(static_cast<double>(done) / plan.count(), "detecting changes");
      },
      encode_work,
      [&](ByteReader& in) {  // rank 0, in the serial stage: part of the merge
        const Clock::time_point decode_start = Clock::now();
        TileWork work = decode_work(in);
        merge_seconds += seconds_since(decode_start);
        return work;
      });
  result.seconds["classify"] = seconds_since(start);
  // No pass reads the inputs' blocks again: their cache's budget goes to the outputs' blocks.
  TiffBlocks::drop_cached();
  // More than the files' blocks means the cache let blocks go that a later tile read again.
  log->debug("{} GeoTIFF blocks inflated by zonewatch (statistics and classification passes)",
             TiffBlocks::blocks_decoded() - blocks_inflated_before);
  result.seconds["classify_read"] = read_seconds;
  if (root) result.seconds["classify_merge"] = merge_seconds;
  if (!root) return result;  // patches, unit sums and final tiles are rank 0's

  // Pass 3: drop small patches, number the rest, stream final tiles.
  start = Clock::now();
  result.patches = options.hysteresis ? seams.finish(options.min_mapping_unit_m2, static_cast<float>(stats.seed_level))
                                      : seams.finish(options.min_mapping_unit_m2);
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
  if (inputs.patches_ready) inputs.patches_ready(result.patches.patches.size());

  // The spill read in order, each tile's relabelling in parallel, the sink in order (the
  // tile engine's pattern; at 10980^2 the relabelling was ~0.1 s of a serial pass).
  spill->rewind();
  const ProgressCallback finalizing = progress_part(progress, kClassifyEnd, 1.0);
  struct SpilledTile {
    int index = 0;
    std::vector<std::uint8_t> class_runs;
    std::vector<std::uint32_t> changed_labels;  // the tile's local label of each changed pixel, in order
  };
  struct FinalTile {
    int index = 0;
    Tile<std::uint8_t> classes;
    Tile<std::uint32_t> labels;
    std::array<std::uint64_t, kernels::kChangeTypeCount> changed_pixels{};
  };
  run_tiles(
      plan.count(), default_tile_tokens(),
      [&](int t) {  // only reads
        SpilledTile spilled{t, {}, {}};
        std::array<std::uint64_t, 2> sizes{};
        spill->read(sizes.data(), sizeof sizes);
        spilled.class_runs.resize(static_cast<std::size_t>(sizes[0]));
        spill->read(spilled.class_runs.data(), spilled.class_runs.size());
        spilled.changed_labels.resize(static_cast<std::size_t>(sizes[1]));
        spill->read(spilled.changed_labels.data(), spilled.changed_labels.size() * sizeof(std::uint32_t));
        return spilled;
      },
      [&](SpilledTile& spilled) {
        const Window c = plan.core(spilled.index);
        FinalTile final_tile{spilled.index,
                             Tile<std::uint8_t>(c.width, c.height, kernels::kUninitialized),
                             Tile<std::uint32_t>(c.width, c.height, kernels::kUninitialized),
                             {}};
        kernels::unpack_byte_runs(spilled.class_runs, final_tile.classes.view());
        auto& ids = final_tile.labels.values();  // every pixel set below
        auto& cls = final_tile.classes.values();
        const auto& local_to_patch = result.patches.local_to_patch[static_cast<std::size_t>(spilled.index)];
        std::size_t next = 0;
        for (std::size_t i = 0; i < ids.size(); ++i) {
          if (!kernels::is_change(cls[i])) {  // only changed pixels get an id
            ids[i] = 0;
            continue;
          }
          if (next == spilled.changed_labels.size()) {
            throw InternalError("detection spill: fewer labels than changed pixels in tile " +
                                std::to_string(spilled.index));
          }
          ids[i] = local_to_patch[spilled.changed_labels[next++]];
          if (ids[i] == 0) {
            cls[i] = static_cast<std::uint8_t>(kernels::ChangeType::none);
          } else {
            ++final_tile.changed_pixels[cls[i]];
          }
        }
        if (next != spilled.changed_labels.size()) {
          throw InternalError("detection spill: more labels than changed pixels in tile " +
                              std::to_string(spilled.index));
        }
        return final_tile;
      },
      [&](FinalTile&& final_tile) {
        for (std::size_t k = 0; k < final_tile.changed_pixels.size(); ++k) {
          result.changed_pixels[k] += final_tile.changed_pixels[k];
        }
        if (sink) sink(plan.core(final_tile.index), final_tile.classes.view(), final_tile.labels.view());
        if (finalizing) finalizing(static_cast<double>(final_tile.index + 1) / plan.count(), "writing change map");
      });
  result.unit_stats.reserve(unit_zonal.size());
  for (const auto& z : unit_zonal) result.unit_stats.push_back(z.finalize());
  result.seconds["finalize"] = seconds_since(start);
  return result;
}

}  // namespace zw
