#include "zonewatch/pipeline/inputs/scan_inputs.hpp"

#include <unistd.h>
#include <algorithm>

#include <cpl_vsi.h>

#include "zonewatch/pipeline/config/sensor_profile.hpp"
#include "zonewatch/pipeline/core/concurrency.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/core/sha256.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/inputs/catalog.hpp"

namespace zw {
namespace fs = std::filesystem;
using nlohmann::json;

const Scene& ScanSide::reference() const {
  if (!is_period()) return *scene;
  if (scenes.empty()) throw InternalError(label + " period " + period.text() + ": no scene left");
  const Scene* best = &scenes.front();
  double best_area = make_analysis_grid(*best, GridOptions{}).pixel_area_m2(0);
  for (const Scene& s : scenes) {
    const double area = make_analysis_grid(s, GridOptions{}).pixel_area_m2(0);
    if (area < best_area * (1.0 - 1e-9)) {
      best = &s;
      best_area = area;
    }
  }
  return *best;
}

std::vector<std::string> ScanSide::files() const {
  std::vector<std::string> result;
  auto add = [&](const Scene& s) {
    for (const auto& f : s.files()) result.push_back(f);
  };
  if (scene) add(*scene);
  for (const Scene& s : scenes) add(s);
  return result;
}

json ScanSide::record(const std::function<json(const std::string&)>& file_record) const {
  const auto scene_record = [&](const Scene& s) {
    json files = json::array();
    for (const auto& f : s.files()) files.push_back(file_record(f));
    return json{{"path", s.options.path}, {"date", s.options.date}, {"sensor", s.profile.name}, {"files", files}};
  };
  if (!is_period()) return scene_record(*scene);
  json observations = json::array();
  for (const Scene& s : scenes) observations.push_back(scene_record(s));
  return {{"period", period.text()},
          {"composite", std::string(kernels::to_string(period.composite))},
          {"sources", period.sources},
          {"date", date},
          {"scenes", observations}};
}

ScanSide inspect_scan_side(const std::string& label, const SceneOptions& options, const PeriodOptions& period) {
  ScanSide side;
  side.label = label;
  side.date = options.date;
  side.period = period;
  if (period.enabled()) return side;
  // Without a path there is nothing to inspect: resolve_scan_side reports the scene missing.
  side.inspected = options.path.empty() ? InspectedScene{label, options, {}, nullptr} : inspect_scene(label, options);
  side.date = side.inspected->options.date;
  return side;
}

ScanConfig complete_scan_config(const ScanConfig& config, const ScanSide& before, const ScanSide& after) {
  ScanConfig c = config;
  if (before.inspected) c.before = before.inspected->options;
  if (after.inspected) c.after = after.inspected->options;
  if (!c.before.date.empty() && !c.after.date.empty() && c.after.date < c.before.date) {
    throw ConfigError("after.date: " + c.after.date + " is earlier than before.date " + c.before.date);
  }
  c.resolved = to_json(c);
  return c;
}

void resolve_scan_side(ScanSide& side, const std::vector<fs::path>& sensor_dirs) {
  const std::string& label = side.label;
  const PeriodOptions& period = side.period;
  if (!period.enabled()) {
    const InspectedScene& inspected = *side.inspected;
    side.scene = resolve_scene(inspected, load_sensor_profile(inspected.options.sensor, sensor_dirs));
    return;
  }
  auto log = logger("scan");
  CatalogOptions catalog;
  catalog.sources = period.sources;
  catalog.sensor = period.sensor;
  Discovery found = discover_scenes(catalog, DateRange{period.first, period.last}, sensor_dirs);
  for (const auto& s : found.skipped) {
    log->info("{} period {}: skipped {}: {}", label, period.text(), s.path, s.reason);
    side.skipped.emplace_back(s.path, s.reason);
  }
  if (found.scenes.empty()) {
    std::string sources;
    for (const auto& s : period.sources) sources += (sources.empty() ? "" : ", ") + s;
    std::string why;
    for (std::size_t i = 0; i < found.skipped.size() && i < 3; ++i) {
      why += (i ? "; " : " (") + found.skipped[i].path + ": " + found.skipped[i].reason;
    }
    if (!why.empty()) why += found.skipped.size() > 3 ? "; ...)" : ")";
    throw InputError(sources + ": no usable scene of the " + label + " period " + period.text() + " (" +
                     std::to_string(found.skipped.size()) + " skipped)" + why);
  }
  for (Scene& s : found.scenes) s.label = label;
  side.scenes = std::move(found.scenes);
  log->info("{} period {}: {} scenes to composite ({})", label, period.text(), side.scenes.size(),
            kernels::to_string(period.composite));
}

namespace {

void keep_overlapping(ScanSide& side, const AnalysisGrid& grid) {
  if (!side.is_period()) {
    check_overlap(grid, *side.scene);
    return;
  }
  std::vector<Scene> kept;
  for (Scene& s : side.scenes) {
    try {
      check_overlap(grid, s);
      kept.push_back(std::move(s));
    } catch (const InputError& e) {
      logger("scan")->warn("{} period {}: left out {}: {}", side.label, side.period.text(), s.options.path, e.what());
      side.skipped.emplace_back(s.options.path, e.what());
    }
  }
  side.scenes = std::move(kept);
  if (side.scenes.empty()) {
    const std::string where = side.period.sources.empty() ? side.label : side.period.sources.front();
    throw InputError(where + ": no scene of the " + side.label + " period " + side.period.text() +
                     " overlaps the analysis grid");
  }
}

}  // namespace

AnalysisGrid make_scan_grid(ScanSide& before, ScanSide& after, const GridOptions& options) {
  const bool from_after = options.footprint == "after";
  ScanSide& footprint = from_after ? after : before;
  ScanSide& other = from_after ? before : after;
  AnalysisGrid grid = make_analysis_grid(footprint.reference(), options);
  if (footprint.is_period() && footprint.scenes.size() > 1) {
    // The period's scenes may be tiles side by side (a mosaic): the grid covers them all.
    std::vector<const Scene*> scenes;
    for (const Scene& s : footprint.scenes) scenes.push_back(&s);
    const int reference_width = grid.width, reference_height = grid.height;
    grid = make_mosaic_grid(grid, scenes);
    if (grid.width != reference_width || grid.height != reference_height) {
      logger("scan")->info("{} period {}: {} scenes side by side, grid {} x {} pixels (the finest scene's {} x {})",
                           footprint.label, footprint.period.text(), scenes.size(), grid.width, grid.height,
                           reference_width, reference_height);
    }
  }
  keep_overlapping(footprint, grid);
  keep_overlapping(other, grid);
  return grid;
}

json file_record(const std::string& path) {
  // Through GDAL's virtual file layer: inputs may be /vsizip/, /vsicurl/ ... paths.
  VSIStatBufL stat{};
  const bool known = VSIStatL(path.c_str(), &stat) == 0;
  if (known && VSI_ISDIR(stat.st_mode)) {
    return {{"path", path}, {"bytes", nullptr}, {"sha256", nullptr}};  // a folder dataset (shapefiles)
  }
  return {{"path", path},
          {"bytes", known ? static_cast<std::uint64_t>(stat.st_size) : std::uint64_t{0}},
          {"sha256", sha256_file(path)}};
}

json scan_inputs_record(const ScanSide& before, const ScanSide& after, const ScanConfig& config,
                        const FileRecords& record, bool with_approved_projects) {
  json inputs = json::object();
  for (const auto* side : {&before, &after}) inputs[side->label] = side->record(record);
  inputs["units"] = record(config.units.path);
  if (with_approved_projects && !config.store.approved_projects.path.empty()) {
    inputs["approved_projects"] = record(config.store.approved_projects.path);
  }
  return inputs;
}

InputRecords::InputRecords(const ScanSide& before, const ScanSide& after, const ScanConfig& config) {
  std::vector<std::string> files;
  for (const auto* side : {&before, &after}) {
    for (const auto& f : side->files()) files.push_back(f);
  }
  files.push_back(config.units.path);
  // At the least priority: the checksums are needed only for the run record at the end, and
  // hashing ~1.4 GB took a core from the statistics pass (10980^2: statistics 0.95 -> 0.83 s).
  records_ = background_async([files] {
               std::map<std::string, json> records;
               for (const auto& f : files) {
                 if (records.count(f) == 0) records.emplace(f, file_record(f));
               }
               return records;
             }).share();
}

json InputRecords::operator()(const std::string& path) const {
  const auto& records = records_.get();
  const auto it = records.find(path);
  return it != records.end() ? it->second : file_record(path);
}

}  // namespace zw
