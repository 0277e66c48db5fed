// zonewatch command line: a thin layer over the pipeline. Only this file maps errors to
// exit codes: 0 done, 1 anything else, 2 usage or config error, 3 bad input data.
#include <malloc.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tbb/global_control.h>
#include <CLI/CLI.hpp>

#include "zonewatch/pipeline/commands/archive.hpp"
#include "zonewatch/pipeline/commands/assess.hpp"
#include "zonewatch/pipeline/commands/composite.hpp"
#include "zonewatch/pipeline/commands/dispatch.hpp"
#include "zonewatch/pipeline/commands/eval.hpp"
#include "zonewatch/pipeline/commands/report.hpp"
#include "zonewatch/pipeline/commands/scan.hpp"
#include "zonewatch/pipeline/commands/scan_summary.hpp"
#include "zonewatch/pipeline/commands/verify.hpp"
#include "zonewatch/pipeline/config/config.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/huge_pages.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/grid/tile_distribution.hpp"
#include "zonewatch/pipeline/inputs/catalog.hpp"
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

/// The exit code of a failed command. Under mpirun with several ranks the others are waiting
/// for this one (or it for them): MPI_Abort ends them all with the same code, after this rank
/// logged why.
int end_all_ranks(int exit_code) {
  zw::Communicator& ranks = zw::tile_communicator();
  if (ranks.size() > 1) ranks.abort(exit_code);
  return exit_code;
}

/// The whole of a small system file ("" when it cannot be read).
std::string read_system_file(const char* path) {
  std::ifstream file(path);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

/// Reserves the heap for transparent huge pages where the kernel gives them on request
/// (core/huge_pages.hpp); after the malloc settings, so that the reservation is what the
/// heap keeps.
void use_huge_pages() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
  const std::size_t physical = pages > 0 && page_size > 0 ? static_cast<std::size_t>(pages) * page_size : 0;
  (void)zw::reserve_huge_page_heap(zw::huge_page_heap_bytes(
      read_system_file("/sys/kernel/mm/transparent_hugepage/enabled"),
      read_system_file("/proc/sys/vm/overcommit_memory"), tunables != nullptr ? tunables : "", physical));
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
  use_huge_pages();
  // Under mpirun (a build with MPI): one rank per process, finalized when main returns.
  std::optional<zw::MpiSession> mpi;
  try {
    mpi.emplace(argc, argv);
  } catch (const zw::Error& e) {
    std::fprintf(stderr, "zonewatch: %s\n", e.what());
    return e.exit_code();
  }
  CLI::App app{
      "zonewatch: change-detection monitoring of ecological-environment control units (生态环境分区管控)\n"
      "Exit codes: 0 done, 1 other failure, 2 usage or config error, 3 bad input data."};
  app.set_version_flag("--version", std::string("zonewatch ") + zw::kVersion + "\nMPI: " + zw::mpi_description());
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the command, as in "zonewatch scan --log-level debug"
  std::string log_level = "info";
  std::string log_format = "text";
  bool no_progress = false;
  int threads = 0;
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical or off")->capture_default_str();
  app.add_option("--log-format", log_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
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
  key_option("--threshold-method", "detection.threshold.method", "otsu, min_error, fixed or k_sigma");
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
  eval->add_option("--suite", eval_options.suite_dir,
                   "Folder of OSCD-style sites (imgs_1, imgs_2, dates.txt, change.tif)");
  eval->add_option("--before", eval_options.before, "Before image (one pair)");
  eval->add_option("--after", eval_options.after, "After image (one pair)");
  eval->add_option("--truth", eval_options.truth, "Raster marking changed pixels (non-zero)");
  eval->add_option("--truth-negative", eval_options.truth_negative,
                   "Raster marking pixels known unchanged; then only labelled pixels are scored");
  eval->add_option("--sensor", eval_options.sensor, "Sensor profile of the images");
  eval->add_option("--pixel-size", eval_options.pixel_size_m,
                   "Pixel size in metres of images without georeferencing (default: 1 m per pixel)")
      ->check(CLI::PositiveNumber);
  eval->add_option("--change-types", eval_options.change_types, "Change types counted as change (default: all)")
      ->delimiter(',');
  eval->add_option("-c,--config", eval_config, "Take the detection section of this scan config");
  eval->add_option("--set", eval_sets, "Detection key override, e.g. --set detection.threshold.min=3");
  bool eval_json = false;
  eval->add_flag("--json", eval_json, "JSON instead of text (pixel and patch figures per site and pooled)");

  // ---- composite: one period's per-pixel composite alone
  auto* composite = app.add_subcommand("composite",
                                       "Composite the clear observations of a period's scenes into one "
                                       "GeoTIFF (bands + clear-observation count)");
  zw::CompositeCommand composite_command;
  std::string composite_period, composite_method = "median";
  composite->add_option("--period", composite_period, "FIRST..LAST, e.g. 2024-06-01..2024-09-30")->required();
  composite->add_option("--source", composite_command.period.sources, "Folder of scenes or catalog file (repeatable)")
      ->required();
  composite->add_option("--sensor", composite_command.period.sensor, "Profile for products whose metadata names none");
  composite->add_option("--method", composite_method, "median, max_ndvi or best_available")
      ->check(CLI::IsMember({"median", "max_ndvi", "best_available"}))
      ->capture_default_str();
  composite->add_option("--grid-crs", composite_command.grid.crs, "Grid CRS (default: the finest scene's)");
  composite->add_option("--grid-resolution", composite_command.grid.resolution, "Grid pixel size in CRS units");
  composite->add_option("--memory-mb", composite_command.processing.memory_mb, "Tile memory budget in MiB")
      ->check(CLI::Range(64, 1 << 20))
      ->capture_default_str();
  composite->add_option("--tile-size", composite_command.processing.tile_size,
                        "Tile side in pixels (0 = plan from memory)");
  composite->add_option("-o,--out", composite_command.out, "Output GeoTIFF")->required();

  // ---- archive: one year of the annual assessment's indicators into its HDF5 archive
  auto* archive = app.add_subcommand("archive",
                                     "Archive one year's ecological indicators (NDVI, FVC, RSEI, land areas) per "
                                     "unit into the programme's HDF5 assessment archive");
  zw::ArchiveCommand archive_command;
  std::string archive_period, archive_method = "median", archive_default_type;
  bool archive_no_thermal = false;
  archive->add_option("--archive", archive_command.archive, "Assessment archive (HDF5), created with the first year");
  archive->add_option("--store", archive_command.store,
                      "Monitoring store: hotspots found, confirmed and rectified in the year (and, without "
                      "--archive, the archive beside it: <store>.assessment.h5)");
  archive->add_option("--year", archive_command.year, "The year archived (replaced if archived before)")->required();
  archive->add_option("--scene", archive_command.scene.path, "The year's scene: raster, folder or product");
  archive->add_option("--date", archive_command.scene.date, "The scene's date YYYY-MM-DD (if its metadata has none)");
  archive->add_option("--sensor", archive_command.scene.sensor, "Sensor profile (if the metadata names none)");
  archive->add_option("--period", archive_period, "Instead of --scene: FIRST..LAST, composited per pixel");
  archive->add_option("--source", archive_command.period.sources,
                      "The period's folder of scenes or catalog (repeatable)");
  archive->add_option("--method", archive_method, "The period's composite: median, max_ndvi or best_available")
      ->check(CLI::IsMember({"median", "max_ndvi", "best_available"}))
      ->capture_default_str();
  archive->add_option("--units", archive_command.units.path, "Control units layer (required for a new archive)");
  archive->add_option("--units-layer", archive_command.units.layer, "Layer name in the units source");
  archive->add_option("--unit-type", archive_default_type, "Type of every unit when the layer has no type attribute");
  archive->add_option("--code-field", archive_command.units.code_field, "Units attribute with the unit code")
      ->capture_default_str();
  archive->add_option("--name-field", archive_command.units.name_field, "Units attribute with the name ('' = none)")
      ->capture_default_str();
  archive->add_option("--type-field", archive_command.units.type_field, "Units attribute with the unit type")
      ->capture_default_str();
  archive
      ->add_option("--region-field", archive_command.units.region_field, "Units attribute with the region ('' = none)")
      ->capture_default_str();
  archive->add_option("--programme", archive_command.programme, "Name of the monitoring programme (new archive)");
  archive->add_option("--grid-crs", archive_command.grid.crs, "Grid CRS of a new archive (default: the scene's)");
  archive->add_option("--grid-resolution", archive_command.grid.resolution, "Grid pixel size of a new archive");
  archive->add_option("--memory-mb", archive_command.processing.memory_mb, "Tile memory budget in MiB")
      ->check(CLI::Range(64, 1 << 20))
      ->capture_default_str();
  archive->add_option("--tile-size", archive_command.processing.tile_size,
                      "Tile side in pixels (0 = plan from memory)");
  archive->add_flag("--no-thermal", archive_no_thermal,
                    "RSEI without the heat component even where a thermal band exists");

  // ---- dispatch, verify, report: the monitoring store's field loop
  auto* dispatch = app.add_subcommand("dispatch",
                                      "Write an inspector packet (KML, GPX, CSV, image chips, offline "
                                      "page) for the open hotspots of a region");
  zw::DispatchOptions dispatch_options;
  std::vector<double> dispatch_start;
  bool no_mark = false;
  dispatch->add_option("--store", dispatch_options.store_path, "Monitoring store (GeoPackage)")->required();
  dispatch
      ->add_option("--region", dispatch_options.region,
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
  verify
      ->add_option("--results", verify_options.results_path,
                   "Verdict CSV: exported by the packet page, or the packet's hotspots.csv filled in")
      ->required();
  verify->add_flag("--dry-run", verify_options.dry_run, "Check every row and report, import nothing");

  auto* report_command =
      app.add_subcommand("report", "Print the monitoring store's scans, statuses, deadlines and precision");
  std::string report_store;
  bool report_json = false;
  report_command->add_option("--store", report_store, "Monitoring store (GeoPackage)")->required();
  report_command->add_flag("--json", report_json, "JSON instead of text");

  // ---- assess: the annual effectiveness assessment of an archived year
  auto* assess = app.add_subcommand("assess",
                                    "Annual effectiveness assessment of the control units: report.html, "
                                    "assessment.gpkg, CSV tables, assessment.json");
  zw::commands::AssessCommand assess_command;
  std::optional<int> assess_baseline;
  assess->add_option("--archive", assess_command.archive, "Assessment archive (HDF5)")->required();
  assess->add_option("--year", assess_command.year, "Year to assess (archived)")->required();
  assess->add_option("--baseline", assess_baseline, "Baseline year (default: the first archived year)");
  assess->add_option("-c,--config", assess_command.config,
                     "Assessment config (YAML): classes, indicator, trend; see docs/CONFIG.md");
  assess->add_option("-o,--out", assess_command.out, "Output folder")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  // Ranks other than 0 only compute tiles for rank 0: they log warnings and errors, no progress.
  const bool root = zw::is_root_rank();
  std::optional<zw::LocalTilesScope> local_tiles;
  try {
    const bool chatty = log_level == "trace" || log_level == "debug" || log_level == "info";
    zw::configure_logging(root || !chatty ? log_level : "warn",
                          log_format == "json" ? zw::LogFormat::json : zw::LogFormat::text);
    // The run's thread limit: TBB's, and GDAL's threads kept to it (core/concurrency.hpp).
    std::optional<tbb::global_control> parallelism;
    const auto limit_threads = [&parallelism](int n) {
      parallelism.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(n));
      zw::limit_gdal_threads();
    };
    if (threads > 0) limit_threads(threads);
    const auto progress = make_progress(!no_progress && root);
    // Only scan distributes its tiles; any other command runs on rank 0 alone.
    if (zw::tile_communicator().size() > 1 && !scan->parsed()) {
      if (!root) return kExitOk;
      local_tiles.emplace();
    }

    if (scan->parsed()) {
      std::vector<std::string> overrides;
      for (const auto& f : flags) {
        if (!f->value.empty()) overrides.push_back(f->key + "=" + f->value);
      }
      if (threads > 0) overrides.push_back("processing.threads=" + std::to_string(threads));
      if (since_last) overrides.push_back("store.since_last=true");
      overrides.insert(overrides.end(), sets.begin(), sets.end());
      const zw::ScanConfig config = zw::load_scan_config(config_path, overrides);
      if (config.processing.threads > 0 && !parallelism) limit_threads(config.processing.threads);
      const zw::ScanSummary summary = zw::run_scan(config, progress);
      if (root) std::fputs(zw::format_scan_summary(summary, top).c_str(), stdout);
      return kExitOk;
    }
    if (composite->parsed()) {
      const zw::DateRange range = zw::DateRange::parse(composite_period, "--period");
      composite_command.period.first = range.first;
      composite_command.period.last = range.last;
      composite_command.period.composite = *zw::kernels::composite_method_from_string(composite_method);
      std::fputs(zw::commands::composite(composite_command, progress).c_str(), stdout);
      return kExitOk;
    }
    if (archive->parsed()) {
      if (!archive_period.empty()) {
        const zw::DateRange range = zw::DateRange::parse(archive_period, "--period");
        archive_command.period.first = range.first;
        archive_command.period.last = range.last;
        archive_command.period.sensor = archive_command.scene.sensor;
        archive_command.period.composite = *zw::kernels::composite_method_from_string(archive_method);
      }
      if (!archive_default_type.empty()) {
        archive_command.units.default_type = zw::unit_type_from_string(archive_default_type);
        if (!archive_command.units.default_type) {
          throw zw::UsageError("--unit-type: expected priority, key or general, got " + archive_default_type);
        }
      }
      archive_command.thermal = !archive_no_thermal;
      std::fputs(zw::commands::archive(archive_command, progress).c_str(), stdout);
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
      std::fputs(zw::commands::dispatch(dispatch_options).c_str(), stdout);
      return kExitOk;
    }
    if (verify->parsed()) {
      std::fputs(zw::commands::verify(verify_options).c_str(), stdout);
      return kExitOk;
    }
    if (report_command->parsed()) {
      std::fputs(zw::commands::report(report_store, report_json).c_str(), stdout);
      return kExitOk;
    }
    if (assess->parsed()) {
      assess_command.baseline = assess_baseline;
      std::fputs(zw::commands::assess(assess_command).c_str(), stdout);
      return kExitOk;
    }
    if (eval->parsed()) {
      std::fputs(zw::commands::eval(eval_options, eval_config, eval_sets, progress, eval_json).c_str(), stdout);
      return kExitOk;
    }
    return kExitUsage;
  } catch (const zw::Error& e) {
    zw::logger("")->error("{}", e.what());
    return end_all_ranks(e.exit_code());
  } catch (const std::exception& e) {
    zw::logger("")->error("internal error: {}", e.what());
    return end_all_ranks(kExitOther);
  }
}
