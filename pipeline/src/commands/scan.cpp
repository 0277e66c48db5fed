#include "zonewatch/pipeline/commands/scan.hpp"

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <optional>

#include "zonewatch/kernels/overview.hpp"
#include "zonewatch/pipeline/config/sensor_profile.hpp"
#include "zonewatch/pipeline/core/atomic_output.hpp"
#include "zonewatch/pipeline/core/concurrency.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/progress.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/gdal/geo_util.hpp"
#include "zonewatch/pipeline/gdal/polygonize.hpp"
#include "zonewatch/pipeline/gdal/raster_writer.hpp"
#include "zonewatch/pipeline/grid/tile_distribution.hpp"
#include "zonewatch/pipeline/inputs/scan_inputs.hpp"
#include "zonewatch/pipeline/inputs/units.hpp"
#include "zonewatch/pipeline/monitoring/store.hpp"
#include "zonewatch/pipeline/outputs/change_map.hpp"
#include "zonewatch/pipeline/outputs/outputs.hpp"
#include "zonewatch/pipeline/outputs/qgis_project.hpp"
#include "zonewatch/pipeline/outputs/run_record.hpp"
#include "zonewatch/pipeline/outputs/summary_page.hpp"
#include "zonewatch/pipeline/quality/unit_quality.hpp"
#include "zonewatch/pipeline/stages/composite.hpp"
#include "zonewatch/pipeline/stages/detection.hpp"
#include "zonewatch/pipeline/stages/hotspots.hpp"
#include "zonewatch/pipeline/stages/judge.hpp"
#include "zonewatch/pipeline/stages/source_tracing.hpp"
#include "zonewatch/pipeline/stages/water_quality.hpp"

namespace zw {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The scan's own id rasters (patches, water bodies), read back once by polygonize and
// deleted. SPARSE_OK: blocks without any id (most of a scene) are not encoded or written at
// all. Scratch compression (ZSTD 1), not LZW: LZW hashes every byte of the mostly-zero
// 32-bit blocks it does encode (6 % of a one-thread 10980^2 scan's CPU, docs/SCALING.md).
std::vector<std::string> id_raster_options() {
  std::vector<std::string> options{"TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "BIGTIFF=IF_SAFER",
                                   "SPARSE_OK=TRUE"};
  const auto& scratch = scratch_compression_options();
  options.insert(options.end(), scratch.begin(), scratch.end());
  return options;
}

/// Temporary folder for spill files, removed however the scan ends. Named like a staging
/// folder (".zonewatch-staging-<pid>-work") so that the next run removes it when this one
/// is killed.
class WorkDir {
 public:
  explicit WorkDir(const fs::path& parent)
      : path_(parent / (std::string(OutputStaging::kStagingPrefix) + std::to_string(::getpid()) + "-work")) {
    std::error_code ec;
    fs::remove_all(path_, ec);
    fs::create_directories(path_, ec);
    if (ec) throw OutputError(path_.string() + ": cannot create work folder: " + ec.message());
  }
  ~WorkDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// One bar for the scan: composites and detection dominate.
ProgressReporter scan_progress(const ProgressCallback& sink, const ScanConfig& config) {
  std::vector<ProgressReporter::Stage> stages;
  if (config.before_period.enabled()) stages.push_back({"composite before", 1.0});
  if (config.after_period.enabled()) stages.push_back({"composite after", 1.0});
  if (config.water_quality.enabled) stages.push_back({"water quality", 1.0});
  stages.push_back({"detection", 3.0});
  stages.push_back({"hotspots", 0.1});
  if (config.store.enabled()) stages.push_back({"store", 0.05});
  stages.push_back({"outputs", 0.05});
  return ProgressReporter(sink, std::move(stages));
}

}  // namespace

ScanSummary run_scan(const ScanConfig& given, const ProgressCallback& progress_sink) {
  init_gdal();
  // Each side's scene path inspected once (scan_inputs.hpp): date and sensor of product
  // folders (SAFE, Landsat MTL) come from their metadata where the config leaves them out,
  // and the config records what the inspection found.
  ScanSide before_side = inspect_scan_side("before", given.before, given.before_period);
  ScanSide after_side = inspect_scan_side("after", given.after, given.after_period);
  const ScanConfig config = complete_scan_config(given, before_side, after_side);
  // GDAL's block cache defaults to 5 % of physical RAM and fills as the scan walks the
  // scenes (and as change.tif / patches.tif are written), so peak memory grew with scene
  // size. Bound it by the share of processing.memory_mb the tile planner leaves free (it
  // plans tiles from 60 %). It has to hold one tile row of input blocks, or blocks that
  // tile halos share are decoded twice. GDAL_CACHEMAX, when set, wins.
  if (CPLGetConfigOption("GDAL_CACHEMAX", nullptr) == nullptr) {
    const auto cache_mb = std::max<std::size_t>(64, config.processing.memory_mb * 2 / 5);
    GDALSetCacheMax64(static_cast<GIntBig>(cache_mb) * 1024 * 1024);
  }
  const Judge judge(JudgeOptions{config.rules});  // bad rules fail before any pixel is read
  ProgressReporter progress = scan_progress(progress_sink, config);
  auto log = logger("scan");
  const auto scan_start = Clock::now();
  std::map<std::string, double> timings;
  auto start = Clock::now();

  // Inputs: each side a scene resolved from its inspection, or a period's scenes to composite.
  const auto sensor_dirs = sensor_search_dirs(config.config_dir);
  resolve_scan_side(before_side, sensor_dirs);
  resolve_scan_side(after_side, sensor_dirs);
  const AnalysisGrid grid = make_scan_grid(before_side, after_side, config.grid);
  log->info("analysis grid {}x{} px, pixel {:.6g} x {:.6g}", grid.width, grid.height, grid.geotransform[1],
            -grid.geotransform[5]);
  timings["inputs"] = seconds_since(start);

  // --since-last: a scheduled run whose after scene is not newer than the store's last scan
  // has nothing to do (unless it is that scan, killed before its outputs). Under mpirun rank 0
  // reads the store and tells the others.
  const bool root = is_root_rank();
  if (config.store.since_last) {
    SinceLastDecision decision;
    if (root) {
      decision = decide_since_last(config.store, config.after.date, [&] {
        return scan_identity(scan_inputs_record(before_side, after_side, config, file_record, true), config.resolved);
      });
      log->info("--since-last: {}", decision.reason);
    }
    decision.skip = broadcast_from_root(
        decision.skip, [](ByteWriter& out, bool skip) { out.put(skip); },
        [](ByteReader& in) { return in.get<bool>(); });
    if (decision.skip) {
      ScanSummary skipped;
      skipped.output_dir = config.output.dir;
      skipped.skipped = true;
      skipped.skip_reason = decision.reason;
      return skipped;
    }
  }

  // The units load beside detection's statistics pass, which does not read them (at 10980^2
  // they took 0.2 s on the main thread alone before any pixel was read: docs/SCALING.md).
  // Detection waits for them before its classification pass; what reads them before that
  // (water quality) waits too. A bad units file fails then, with the same error.
  double units_seconds = 0.0;
  std::size_t repaired = 0;  // both set by the loading, read after units_loading.get()
  const std::shared_future<std::vector<ControlUnit>> units_loading =
      std::async(side_work_launch(), [&] {
        const auto load_start = Clock::now();
        std::vector<ControlUnit> loaded = load_control_units(config.units, grid);
        repaired = static_cast<std::size_t>(
            std::count_if(loaded.begin(), loaded.end(), [](const auto& u) { return u.repaired; }));
        log->info("{} control units ({} repaired)", loaded.size(), repaired);
        units_seconds = seconds_since(load_start);
        return loaded;
      }).share();

  // Under mpirun, ranks other than 0 only classify their share of the detection tiles
  // (grid/tile_distribution.hpp): no output folder, no work folder, no store. Composites are
  // not distributed: with a period side rank 0 runs the whole scan alone.
  std::optional<LocalTilesScope> local_tiles;
  const auto other_rank_done = [&] {
    ScanSummary done;
    done.output_dir = config.output.dir;
    return done;
  };
  if (const int ranks = tile_communicator().size(); ranks > 1) {
    if (before_side.is_period() || after_side.is_period()) {
      if (!root) return other_rank_done();
      log->warn("composites are not distributed over ranks: rank 0 of {} runs this scan alone", ranks);
      local_tiles.emplace();
    } else if (!root) {
      // Every rank finds the water bodies (not distributed): its tiles need the departing pixels.
      std::optional<WaterQualityResult> water;
      if (config.water_quality.enabled) {
        water = run_water_quality({*before_side.scene, *after_side.scene, grid, units_loading.get()},
                                  config.water_quality, config.processing, {}, {});
      }
      // The same inputs as rank 0's (the true-colour frame too: it sizes the tiles).
      const kernels::BoxAverage true_colour_frame = summary_true_colour_frame(grid);
      run_detection({*before_side.scene, *after_side.scene, grid, units_loading,
                     water ? &water->departing_pixels : nullptr, &true_colour_frame},
                    config.detection, config.processing, {}, {}, {});
      return other_rank_done();
    } else {
      log->info("detection tiles distributed over {} ranks; rank 0 merges them and writes the outputs", ranks);
    }
  }
  const InputRecords recorded(before_side, after_side, config);

  // Outputs appear only on success; spill files live beside them on the same disk.
  OutputStaging staging(config.output.dir);
  WorkDir work(staging.staging_dir().parent_path());

  // Composites: periods become scenes (outputs composite_before.tif / composite_after.tif).
  start = Clock::now();
  std::optional<CompositeResult> before_composite, after_composite;
  const auto side_scene = [&](const ScanSide& side, std::optional<CompositeResult>& composite) -> Scene {
    if (!side.is_period()) return *side.scene;
    composite = composite_period(side, grid, config.processing, staging.staged(composite_file_name(side)),
                                 progress.stage("composite " + side.label));
    return composite->scene;
  };
  const Scene before = side_scene(before_side, before_composite);
  const Scene after = side_scene(after_side, after_composite);
  if (before_composite || after_composite) timings["composite"] = seconds_since(start);

  // Water quality: water bodies and their indices, before detection, which types the pixels
  // that depart `water_quality` (stages/water_quality.hpp).
  std::optional<WaterQualityResult> water;
  if (config.water_quality.enabled) {
    start = Clock::now();
    RasterWriter body_map(work.path() / "water_bodies.tif", grid,
                          {1, GDT_UInt32, id_raster_options(), {{"", 0.0, {}, {}}}, {}});
    water = run_water_quality(
        {before, after, grid, units_loading.get()}, config.water_quality, config.processing,
        [&](kernels::Window core, kernels::ConstTileView<std::uint32_t> ids) { body_map.write(core, ids); },
        progress.stage("water quality"));
    body_map.close();
    std::vector<kernels::ComponentStats> body_stats;
    for (const WaterBody& body : water->bodies) body_stats.push_back(body.stats);
    const std::vector<PatchGeometry> body_polygons = polygonize_patches(body_map.path(), body_stats, grid);
    for (std::size_t b = 0; b < body_polygons.size(); ++b) {
      const OGRMultiPolygon& geometry = *body_polygons[b].geometry;
      if (geometry.IsEmpty()) continue;
      water->bodies[b].geometry_wkt =
          geometry.getNumGeometries() == 1 ? geo::to_wkt(*geometry.getGeometryRef(0)) : geo::to_wkt(geometry);
    }
    timings["water_quality"] = seconds_since(start);
  }

  // Detection, streaming the change map and the patch raster.
  start = Clock::now();
  RasterWriter change_map = create_change_map(staging.staged("change.tif"), grid);
  // Created once the patches are counted: ids in the narrowest type that holds them (at
  // 10980^2, UInt16 instead of UInt32 about halved the finalize pass: docs/SCALING.md).
  std::optional<RasterWriter> patch_map;
  // summary.html's quick-looks are drawn from the tiles detection decodes (no second decode).
  const kernels::BoxAverage true_colour_frame = summary_true_colour_frame(grid);
  // The change map's nearest overviews are taken from the tiles as they are written, not by
  // GDAL reading the map back in close() (kernels/overview.hpp).
  int change_overview_levels = 0;
  std::vector<kernels::Tile<std::uint8_t>> change_overviews;
  const DetectionResult detection = run_detection(
      {before, after, grid, units_loading, water ? &water->departing_pixels : nullptr, &true_colour_frame,
       [&](const TilePlan& plan) { change_overview_levels = change_map.provide_overviews(plan.aligned_halvings()); },
       [&](std::size_t patch_count) {
         patch_map.emplace(
             work.path() / "patches.tif", grid,
             RasterWriterOptions{1, narrowest_id_type(patch_count), id_raster_options(), {{"", 0.0, {}, {}}}, {}});
       }},
      config.detection, config.processing, work.path(),
      [&](kernels::Window core, kernels::ConstTileView<std::uint8_t> classes,
          kernels::ConstTileView<std::uint32_t> ids) {
        change_map.write(core, classes);
        kernels::nearest_overviews(classes, change_overview_levels, change_overviews);
        for (int level = 1; level <= change_overview_levels; ++level) {
          const auto& part = change_overviews[static_cast<std::size_t>(level - 1)];
          change_map.write_overview_bands(level, {core.x0 >> level, core.y0 >> level, part.width(), part.height()},
                                          part.values());
        }
        patch_map->write_ids(core, ids);
      },
      progress.stage("detection"));
  const auto close_start = Clock::now();
  change_map.close();  // lays out the COG: overviews, compression (GDAL's threads)
  patch_map->close();
  timings["detect.close_rasters"] = seconds_since(close_start);
  for (const auto& [stage, seconds] : detection.seconds) timings["detect." + stage] = seconds;
  timings["detect"] = seconds_since(start);
  const std::vector<ControlUnit>& units = units_loading.get();
  timings["inputs.units"] = units_seconds;

  // Hotspots, then the judge: severity and rule per hotspot, flags per unit.
  start = Clock::now();
  progress.stage("hotspots")(0.0, "");
  const std::vector<PatchGeometry> polygons = polygonize_patches(patch_map->path(), detection.patches.patches, grid);
  timings["hotspots.polygonize"] = seconds_since(start);
  HotspotsResult spots = build_hotspots(
      {detection.patches.patches, detection.patch_unit_overlap, detection.unit_stats, polygons, units, grid},
      {config.before.date, config.after.date}, judge);
  const JudgeResult judged = judge.run(spots.hotspots, spots.units);
  ScanResults results;
  results.grid_crs_wkt = grid.crs_wkt;
  results.hotspots = std::move(spots.hotspots);
  results.units = std::move(spots.units);
  timings["hotspots"] = seconds_since(start);

  // Environmental quality per unit; a marked decline flags the unit (quality_options.hpp).
  std::optional<QualityResult> quality;
  if (config.quality.enabled()) {
    start = Clock::now();
    quality = assess_scan_quality(config.quality, config.before.date, config.after.date, units, grid.crs_wkt);
    flag_declined_units(*quality, results.units);
    timings["quality"] = seconds_since(start);
  }

  // Source tracing: registered sites near each hotspot. With a store, once it has given the
  // hotspots their IDs and before it records them; otherwise here.
  std::optional<SourceTracingResult> traced;
  const auto trace = [&](std::vector<Hotspot>& hotspots) {
    const auto trace_start = Clock::now();
    traced = trace_sources(config.sources, grid.crs_wkt, hotspots);
    results.traced = true;
    timings["sources"] = seconds_since(trace_start);
  };

  // Monitoring store: stable IDs and lifecycle for the hotspots, in one transaction, before
  // any output appears (a re-run of an ingested scan reuses what the store recorded).
  std::optional<IngestSummary> tracked;
  if (config.store.enabled()) {
    start = Clock::now();
    progress.stage("store")(0.0, "");
    ScanRecord record;
    record.inputs = scan_inputs_record(before_side, after_side, config, recorded, true);
    record.config = config.resolved;
    record.scan_id = scan_identity(record.inputs, config.resolved);
    record.name = config.name;
    // A period side is the composite it became, read from the output folder later.
    record.before =
        before_composite ? composite_scene_options(before_side, *before_composite, config.output.dir) : config.before;
    record.after =
        after_composite ? composite_scene_options(after_side, *after_composite, config.output.dir) : config.after;
    record.config_dir = config.config_dir.string();
    record.units_path = config.units.path;
    record.output_dir = config.output.dir;
    record.grid_crs_wkt = grid.crs_wkt;
    record.grid_resolution = std::abs(grid.geotransform[1]);
    record.rules = config.rules;
    if (!grid.crs_wkt.empty()) {
      const auto centre = grid.to_crs(grid.width / 2.0, grid.height / 2.0);
      const auto lon_lat = geo::GeographicCentroids(grid.crs_wkt).to_wgs84(centre[0], centre[1]);
      record.centre_lon_wgs84 = lon_lat[0];
      record.centre_lat_wgs84 = lon_lat[1];
    }
    HotspotTracer tracer;
    if (config.sources.enabled()) tracer = trace;
    tracked = ingest_scan(config.store, record, results, judge,
                          make_greenness_probe(after, grid, detection.features.greenness_is_ndvi), tracer);
    crash_point("store.ingested");
    timings["store"] = seconds_since(start) - (traced ? timings["sources"] : 0.0);
  }
  if (config.sources.enabled() && !traced) trace(results.hotspots);

  // Outputs. The store has already committed the scan (above): should they fail (a full
  // disk), the error says so, and running the same scan again writes them from what the
  // store recorded (MonitoringTest.KilledRunsLeaveTheStoreAsItWasAndTheNextRunCompletes).
  json run;
  try {
    start = Clock::now();
    progress.stage("outputs")(0.0, "");
    // The summary page (its quick-looks, chips read from the scenes, PNGs to encode) and the
    // GIS files only read the results: the page is written beside them, on a thread of its own
    // (GDAL errors are captured per thread; distinct files and datasets). If a GIS file fails,
    // the future's destructor waits for the page before the staging folder is discarded.
    const CompositeResult* before_c = before_composite ? &*before_composite : nullptr;
    const CompositeResult* after_c = after_composite ? &*after_composite : nullptr;
    const fs::path summary_path = staging.staged("summary.html");
    std::future<double> summary_page = std::async(side_work_launch(), [&] {
      const auto summary_start = Clock::now();
      write_summary_page({config.name,
                          {summary_side(before_side, before_c), summary_side(after_side, after_c)},
                          &results,
                          summary_warnings(units, {before_c, after_c}),
                          make_summary_images(before, after, grid, results, &detection.true_colour)},
                         summary_path, config.output.dir + "/summary.html");
      return seconds_since(summary_start);
    });
    write_alerts_gpkg(staging.staged("alerts.gpkg"), results, quality ? &*quality : nullptr, water ? &*water : nullptr);
    write_hotspots_csv(staging.staged("hotspots.csv"), results);
    write_hotspots_geojson(staging.staged("hotspots.geojson"), results);
    write_qgis_project(staging.staged("project.qgs"), qgis_project_contents(grid, results, config.name));
    if (quality) write_quality_csv(staging.staged("quality.csv"), *quality);
    for (const auto& [side, composite] :
         {std::pair{&before_side, &before_composite}, std::pair{&after_side, &after_composite}}) {
      if (*composite) write_composite_profile(**composite, staging.staged(composite_profile_file_name(*side)));
    }
    timings["outputs"] = seconds_since(start);
    timings["outputs.summary"] = summary_page.get();

    // The run record, from the stages' results.
    start = Clock::now();
    recorded.wait();
    timings["inputs_sha256_wait"] = seconds_since(start);
    RunRecordParts parts{config,   scan_inputs_record(before_side, after_side, config, recorded, false),
                         grid,     detection,
                         spots,    judged,
                         results,  units.size(),
                         repaired, {},
                         tracked,  {}};
    for (const auto& [side, composite] :
         {std::pair{&before_side, &before_composite}, std::pair{&after_side, &after_composite}}) {
      if (!*composite) continue;
      const fs::path final_path = fs::path(config.output.dir) / composite_file_name(*side);
      parts.composites.emplace_back(side->label, composite_record(**composite, *side, final_path));
    }
    timings["total"] = seconds_since(scan_start);
    parts.timings = timings;
    if (quality) parts.quality = quality->to_json();
    run = make_run_record(parts);
    if (traced) run["sources"] = traced->to_json();
    if (water) run["water_quality"] = water->to_json(units);
    write_run_record(run, staging.staged("run.json"), config.output.dir + "/run.json");
    staging.commit();
  } catch (const OutputError& e) {
    if (!tracked) throw;
    throw OutputError(std::string(e.what()) + "; the store " + config.store.path + " has recorded scan " +
                      tracked->scan_id.substr(0, 12) +
                      " with its outputs not written: run the same scan again to write them");
  }
  if (tracked) {
    try {
      mark_scan_outputs_written(config.store, tracked->scan_id, config.output.dir);
    } catch (const Error& e) {
      // The outputs are complete; only --since-last's bookkeeping missed them (it reruns).
      log->warn("{}", e.what());
    }
  }
  log->info("{} hotspots ({} high), {} of {} units flagged; outputs in {}", results.hotspots.size(),
            run["counts"]["hotspots_by_severity"]["high"].get<int>(), judged.units_flagged, units.size(),
            config.output.dir);
  progress.finish();
  ScanSummary summary;
  summary.output_dir = config.output.dir;
  summary.results = std::move(results);
  summary.run = std::move(run);
  return summary;
}

}  // namespace zw
