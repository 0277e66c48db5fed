// zonewatch command line: a thin layer over the pipeline. Only this file maps errors to
// exit codes: 0 done, 1 anything else, 2 usage or config error, 3 bad input data.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <tbb/global_control.h>

#include "zonewatch/pipeline/config.hpp"
#include "zonewatch/pipeline/error.hpp"
#include "zonewatch/pipeline/eval.hpp"
#include "zonewatch/pipeline/log.hpp"
#include "zonewatch/pipeline/outputs.hpp"
#include "zonewatch/pipeline/scan.hpp"
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
      overrides.insert(overrides.end(), sets.begin(), sets.end());
      const zw::ScanConfig config = zw::load_scan_config(config_path, overrides);
      if (config.processing.threads > 0 && !parallelism) {
        parallelism.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(config.processing.threads));
      }
      const zw::ScanSummary summary = zw::run_scan(config, progress);
      print_scan_summary(summary, top);
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
