// zonewatch command line: a thin layer over the pipeline. Only this file maps errors to
// exit codes: 0 done, 1 anything else, 2 usage or config error, 3 bad input data.
#include <malloc.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <tbb/global_control.h>

#include "zonewatch/pipeline/inputs/catalog.hpp"
#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/commands/eval.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/outputs/outputs.hpp"
#include "zonewatch/pipeline/monitoring/dispatch.hpp"
#include "zonewatch/pipeline/commands/scan.hpp"
#include "zonewatch/pipeline/inputs/scan_inputs.hpp"
#include "zonewatch/pipeline/monitoring/verdicts.hpp"
#include "zonewatch/pipeline/version.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitOther = 1;
constexpr int kExitUsage = 2;

/// A one-line progress bar on a terminal; silent when stderr is not a terminal (CI, logs).
zw::ProgressCallback make_progress(bool enabled) {
  if (!enabled || isatty(STDERR_FILENO) == 0) return {};
  auto last = std::make_shared<int>(-1);
  return [last](double fraction, std::string_view stage) {
    const int percent = static_cast<int>(fraction * 100.0 + 0.5);
    if (percent == *last) return;
    *last = percent;
    constexpr int kWidth = 30;
    const int filled = percent * kWidth / 100;
    std::fprintf(stderr, "\r[%s%s] %3d%% %-24.*s", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(kWidth - filled), '.').c_str(), percent,
                 static_cast<int>(stage.size()), stage.data());
    if (percent >= 100) std::fputc('\n', stderr);
    std::fflush(stderr);
  };
}

std::string dms(double degrees, bool latitude) {
  const char hemisphere = latitude ? (degrees >= 0 ? 'N' : 'S') : (degrees >= 0 ? 'E' : 'W');
  double v = std::abs(degrees);
  const int d = static_cast<int>(v);
  v = (v - d) * 60.0;
  const int m = static_cast<int>(v);
  const double s = (v - m) * 60.0;
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%d°%02d'%04.1f\"%c", d, m, s, hemisphere);
  return buffer;
}

void print_scan_summary(const zw::ScanSummary& summary, std::size_t top) {
  const auto& r = summary.results;
  std::size_t flagged = 0;
  for (const auto& u : r.units) flagged += u.flagged ? 1 : 0;
  std::printf("zonewatch scan: %zu hotspots, %zu of %zu units flagged\n", r.hotspots.size(), flagged, r.units.size());
  std::printf("outputs in %s: alerts.gpkg hotspots.csv hotspots.geojson change.tif run.json\n",
              summary.output_dir.string().c_str());
  if (summary.run.contains("store")) {
    const auto& store = summary.run["store"];
    std::printf("store %s: scan #%d%s: %d new, %d persisting, %d expanded, %d suppressed, %d proposed for closing\n",
                store.value("path", "").c_str(), store.value("scan_seq", 0),
                store.value("reused", false) ? " (already ingested, reused)" : "", store.value("new", 0),
                store.value("persisting", 0), store.value("expanded", 0), store.value("suppressed", 0),
                store.value("close_proposals", 0));
  }
  if (r.hotspots.empty()) return;
  std::printf("\n%-28s %-8s %-16s %10s %8s  %-22s %s\n", "hotspot", "severity", "change", "area m2", "mu", "location",
              "unit");
  for (std::size_t i = 0; i < std::min(top, r.hotspots.size()); ++i) {
    const auto& h = r.hotspots[i];
    std::printf("%-28s %-8s %-16s %10.0f %8.1f  %-22s %s %s\n", h.id.c_str(), std::string(zw::to_string(h.severity)).c_str(),
                std::string(zw::kernels::to_string(h.change_type)).c_str(), h.area_m2, h.area_m2 / zw::kSquareMetresPerMu,
                (dms(h.centroid_lat_wgs84, true) + " " + dms(h.centroid_lon_wgs84, false)).c_str(), h.unit_code.c_str(),
                h.unit_name.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // Tile buffers are allocated and freed once per tile. Above glibc's default mmap
  // threshold each is a fresh mapping that the kernel faults in and zeroes again; kept in
  // the heap they are reused (the benchmark scan's system time halves).
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  // One arena: tiles are allocated by the reading stage and freed by whichever worker
  // finishes them, and with an arena per thread each arena kept its own high-water mark,
  // so peak memory grew with scene size (706 -> 927 MiB from 30 to 120 Mpx); with one
  // arena it stays at the tile budget (709 -> 726 MiB), at the same speed.
  mallopt(M_ARENA_MAX, 1);
#endif
  CLI::App app{"zonewatch: change-detection monitoring of ecological-environment control units (生态环境分区管控)\n"
               "Exit codes: 0 done, 1 other failure, 2 usage or config error, 3 bad input data."};
  app.set_version_flag("--version", std::string("zonewatch ") + zw::kVersion);
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the command, as in "zonewatch scan --log-level debug"
  std::string log_level = "info";
  std::string log_format = "text";
  bool no_progress = false;
  int threads = 0;
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical or off")->capture_default_str();
  app.add_option("--log-format", log_format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  app.add_flag("--no-progress", no_progress, "No progress bar even on a terminal");
  app.add_option("--threads", threads, "Worker threads (0 = all cores)")->check(CLI::NonNegativeNumber);

  // ---- scan
  auto* scan = app.add_subcommand("scan", "Scan two dated scenes over control units and write alerts");
  std::string config_path;
  std::vector<std::string> sets;
  struct Flag {
    std::string value;
    std::string key;
  };
  std::vector<std::unique_ptr<Flag>> flags;
  auto key_option = [&](const std::string& name, const std::string& key, const std::string& help) {
    flags.push_back(std::make_unique<Flag>(Flag{"", key}));
    scan->add_option(name, flags.back()->value, help + " (config key " + key + ")");
  };
  scan->add_option("-c,--config", config_path, "Scan configuration (YAML); see docs/CONFIG.md");
  key_option("--before", "before.path", "Before scene: raster or folder of band files");
  key_option("--before-date", "before.date", "Before scene date YYYY-MM-DD");
  key_option("--before-sensor", "before.sensor", "Before scene sensor profile");
  key_option("--after", "after.path", "After scene: raster or folder of band files");
  key_option("--after-date", "after.date", "After scene date YYYY-MM-DD");
  key_option("--after-sensor", "after.sensor", "After scene sensor profile");
  key_option("--units", "units.path", "Control units vector layer (GeoPackage, Shapefile, GeoJSON)");
  key_option("--units-layer", "units.layer", "Layer name in the units source");
  key_option("--grid-crs", "grid.crs", "Analysis grid CRS, e.g. EPSG:32648");
  key_option("--grid-resolution", "grid.resolution", "Analysis grid pixel size in CRS units");
  key_option("--threshold-method", "detection.threshold.method", "otsu, fixed or k_sigma");
  key_option("--threshold", "detection.threshold.value", "Fixed change-magnitude threshold");
  key_option("--min-mapping-unit", "detection.min_mapping_unit_m2", "Smallest patch kept, m²");
  key_option("--memory-mb", "processing.memory_mb", "Tile memory budget in MiB");
  key_option("--tile-size", "processing.tile_size", "Tile side in pixels (0 = plan from memory)");
  key_option("-o,--out", "output.dir", "Output folder");
  key_option("--store", "store.path", "Monitoring store (GeoPackage): stable hotspot IDs and lifecycle across scans");
  bool since_last = false;
  scan->add_flag("--since-last", since_last,
                 "With a store: do nothing unless the after scene is newer than the store's last scan "
                 "(config key store.since_last)");
  scan->add_option("--set", sets, "Any config key: --set detection.opening_radius=2 (repeatable)");
  std::size_t top = 10;
  scan->add_option("--top", top, "Hotspots to print at the end")->capture_default_str();

  // ---- eval
  auto* eval = app.add_subcommand("eval", "Score the detector against labelled change data");
  zw::EvalOptions eval_options;
  std::string eval_config;
  std::vector<std::string> eval_sets;
  eval->add_option("--suite", eval_options.suite_dir, "Folder of OSCD-style sites (imgs_1, imgs_2, dates.txt, change.tif)");
  eval->add_option("--before", eval_options.before, "Before image (one pair)");
  eval->add_option("--after", eval_options.after, "After image (one pair)");
  eval->add_option("--truth", eval_options.truth, "Raster marking changed pixels (non-zero)");
  eval->add_option("--truth-negative", eval_options.truth_negative,
                   "Raster marking pixels known unchanged; then only labelled pixels are scored");
  eval->add_option("--sensor", eval_options.sensor, "Sensor profile of the images");
  eval->add_option("--change-types", eval_options.change_types,
                   "Change types counted as change (default: all)")->delimiter(',');
  eval->add_option("-c,--config", eval_config, "Take the detection section of this scan config");
  eval->add_option("--set", eval_sets, "Detection key override, e.g. --set detection.threshold.min=3");

  // ---- composite: one period's per-pixel composite alone
  auto* composite = app.add_subcommand("composite", "Composite the clear observations of a period's scenes into one "
                                                    "GeoTIFF (bands + clear-observation count)");
  zw::CompositeCommand composite_command;
  std::string composite_period, composite_method = "median";
  composite->add_option("--period", composite_period, "FIRST..LAST, e.g. 2024-06-01..2024-09-30")->required();
  composite->add_option("--source", composite_command.period.sources,
                        "Folder of scenes or catalog file (repeatable)")->required();
  composite->add_option("--sensor", composite_command.period.sensor, "Profile for products whose metadata names none");
  composite->add_option("--method", composite_method, "median, max_ndvi or best_available")
      ->check(CLI::IsMember({"median", "max_ndvi", "best_available"}))
      ->capture_default_str();
  composite->add_option("--grid-crs", composite_command.grid.crs, "Grid CRS (default: the finest scene's)");
  composite->add_option("--grid-resolution", composite_command.grid.resolution, "Grid pixel size in CRS units");
  composite->add_option("--memory-mb", composite_command.processing.memory_mb, "Tile memory budget in MiB")
      ->check(CLI::Range(64, 1 << 20))
      ->capture_default_str();
  composite->add_option("--tile-size", composite_command.processing.tile_size, "Tile side in pixels (0 = plan from memory)");
  composite->add_option("-o,--out", composite_command.out, "Output GeoTIFF")->required();

  // ---- dispatch, verify, report: the monitoring store's field loop
  auto* dispatch = app.add_subcommand("dispatch", "Write an inspector packet (KML, GPX, CSV, image chips, offline "
                                                  "page) for the open hotspots of a region");
  zw::DispatchOptions dispatch_options;
  std::vector<double> dispatch_start;
  bool no_mark = false;
  dispatch->add_option("--store", dispatch_options.store_path, "Monitoring store (GeoPackage)")->required();
  dispatch->add_option("--region", dispatch_options.region,
                       "Region attribute of the units (重庆市江津区) or the code their unit codes start with (500116)")
      ->required();
  dispatch->add_option("-o,--out", dispatch_options.out_dir, "Packet folder")->required();
  dispatch->add_option("--start", dispatch_start, "Where the drive starts: LON,LAT (WGS84)")
      ->delimiter(',')
      ->expected(2);
  dispatch->add_option("--chip-size", dispatch_options.chip_pixels, "Image chip side in pixels")
      ->check(CLI::Range(64, 2048))
      ->capture_default_str();
  dispatch->add_flag("--no-mark", no_mark, "Leave the hotspots' status alone (a copy of a packet, a preview)");

  auto* verify = app.add_subcommand("verify", "Import field verdicts (CSV) into the monitoring store");
  zw::VerifyOptions verify_options;
  verify->add_option("--store", verify_options.store_path, "Monitoring store (GeoPackage)")->required();
  verify->add_option("--results", verify_options.results_path,
                     "Verdict CSV: exported by the packet page, or the packet's hotspots.csv filled in")
      ->required();
  verify->add_flag("--dry-run", verify_options.dry_run, "Check every row and report, import nothing");

  auto* report_command = app.add_subcommand("report", "Print the monitoring store's scans, statuses, deadlines and precision");
  std::string report_store;
  bool report_json = false;
  report_command->add_option("--store", report_store, "Monitoring store (GeoPackage)")->required();
  report_command->add_flag("--json", report_json, "JSON instead of text");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  try {
    zw::configure_logging(log_level, log_format == "json" ? zw::LogFormat::json : zw::LogFormat::text);
    std::optional<tbb::global_control> parallelism;
    if (threads > 0) parallelism.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    const auto progress = make_progress(!no_progress);

    if (scan->parsed()) {
      std::vector<std::string> overrides;
      for (const auto& f : flags) {
        if (!f->value.empty()) overrides.push_back(f->key + "=" + f->value);
      }
      if (threads > 0) overrides.push_back("processing.threads=" + std::to_string(threads));
      if (since_last) overrides.push_back("store.since_last=true");
      overrides.insert(overrides.end(), sets.begin(), sets.end());
      const zw::ScanConfig config = zw::load_scan_config(config_path, overrides);
      if (config.processing.threads > 0 && !parallelism) {
        parallelism.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(config.processing.threads));
      }
      const zw::ScanSummary summary = zw::run_scan(config, progress);
      if (summary.skipped) {
        std::printf("zonewatch scan: nothing to do: %s\n", summary.skip_reason.c_str());
        return kExitOk;
      }
      print_scan_summary(summary, top);
      return kExitOk;
    }
    if (composite->parsed()) {
      const zw::DateRange range = zw::DateRange::parse(composite_period, "--period");
      composite_command.period.first = range.first;
      composite_command.period.last = range.last;
      composite_command.period.composite = *zw::kernels::composite_method_from_string(composite_method);
      const zw::CompositeResult result = zw::run_composite_command(composite_command, progress);
      std::printf("zonewatch composite: %s composite of %zu scenes, %.2f clear observations per pixel, %llu pixels "
                  "without any; %s (band %d = clear count)\n",
                  composite_method.c_str(), result.scene_paths.size(), result.mean_clear_count,
                  static_cast<unsigned long long>(result.pixels_without_clear), result.path.string().c_str(),
                  result.count_band);
      return kExitOk;
    }
    if (dispatch->parsed()) {
      if (!dispatch_start.empty()) {
        if (dispatch_start[0] < -180 || dispatch_start[0] > 180 || dispatch_start[1] < -90 || dispatch_start[1] > 90) {
          throw zw::UsageError("--start: expected LON,LAT in degrees, got " + std::to_string(dispatch_start[0]) + "," +
                               std::to_string(dispatch_start[1]));
        }
        dispatch_options.start = std::array<double, 2>{dispatch_start[0], dispatch_start[1]};
      }
      dispatch_options.mark_dispatched = !no_mark;
      const zw::DispatchResult result = zw::run_dispatch(dispatch_options);
      std::printf("zonewatch dispatch: packet %s, %zu hotspots, %d image chips, route about %.1f km; in %s\n",
                  result.dispatch_id.c_str(), result.hotspot_ids.size(), result.chips, result.route_km,
                  result.out_dir.string().c_str());
      for (std::size_t i = 0; i < result.hotspot_ids.size(); ++i) {
        std::printf("%4zu  %s\n", i + 1, result.hotspot_ids[i].c_str());
      }
      for (const auto& warning : result.warnings) std::printf("warning: %s\n", warning.c_str());
      return kExitOk;
    }
    if (verify->parsed()) {
      const zw::VerifyResult result = zw::import_verdicts(verify_options);
      std::printf("zonewatch verify: %d verdict rows: %d %s, %d already imported; %d rows without a verdict\n",
                  result.rows, result.applied, result.dry_run ? "would be imported (dry run)" : "imported",
                  result.already_imported, result.without_verdict);
      for (const auto& change : result.changes) std::printf("  %s\n", change.c_str());
      for (const auto& p : result.precision) {
        if (p.dimension != "all") continue;
        std::printf("precision: %d verified, %.1f%% confirmed violations, %.1f%% real change\n", p.verified,
                    100.0 * p.alert_precision, 100.0 * p.change_precision);
      }
      return kExitOk;
    }
    if (report_command->parsed()) {
      const zw::StoreReport store_report = zw::build_store_report(report_store);
      if (report_json) {
        std::printf("%s\n", zw::to_json(store_report).dump(2).c_str());
      } else {
        std::fputs(zw::format_store_report(store_report).c_str(), stdout);
      }
      return kExitOk;
    }
    if (eval->parsed()) {
      eval_options.detection = zw::load_detection_options(eval_config, eval_sets);
      const zw::EvalReport report = zw::run_eval(eval_options, progress);
      std::fputs(zw::format_eval_report(report).c_str(), stdout);
      return kExitOk;
    }
    return kExitUsage;
  } catch (const zw::Error& e) {
    zw::logger("")->error("{}", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    zw::logger("")->error("internal error: {}", e.what());
    return kExitOther;
  }
}
