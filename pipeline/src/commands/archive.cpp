#include "zonewatch/pipeline/commands/archive.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include <ogr_geometry.h>

#include "zonewatch/pipeline/archive/archive_file.hpp"
#include "zonewatch/pipeline/config/sensor_profile.hpp"
#include "zonewatch/pipeline/core/atomic_output.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/inputs/ecology_inputs.hpp"
#include "zonewatch/pipeline/inputs/scan_inputs.hpp"
#include "zonewatch/pipeline/monitoring/store.hpp"
#include "zonewatch/pipeline/monitoring/year_counts.hpp"
#include "zonewatch/pipeline/stages/composite.hpp"

namespace zw {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

AnalysisGrid grid_of(const ArchiveGrid& archived) {
  return analysis_grid_from(archived.crs_wkt, archived.geotransform, archived.width, archived.height);
}

ArchiveGrid archive_grid_of(const AnalysisGrid& grid) {
  return {grid.crs_wkt, grid.geotransform, grid.width, grid.height};
}

/// The archived units as control units on the grid (their geometry is in the grid's CRS).
std::vector<ControlUnit> units_on_grid(const std::vector<ArchivedUnit>& archived, const AnalysisGrid& grid,
                                       const std::string& archive) {
  std::vector<ControlUnit> units;
  for (const ArchivedUnit& a : archived) {
    OGRGeometry* parsed = nullptr;
    if (OGRGeometryFactory::createFromWkt(a.geometry_wkt.c_str(), nullptr, &parsed) != OGRERR_NONE ||
        parsed == nullptr) {
      throw InputError(archive + ": unit " + a.code + ": the archived geometry is not valid WKT");
    }
    const std::unique_ptr<OGRGeometry> geometry(parsed);
    ControlUnit unit;
    unit.code = a.code;
    unit.name = a.name;
    unit.region = a.region;
    unit.type = a.type;
    unit.geometry_wkt = a.geometry_wkt;
    unit.pixel_rings = pixel_rings(*geometry, grid);
    units.push_back(std::move(unit));
  }
  return units;
}

std::vector<ArchivedUnit> archived_units(const std::vector<ControlUnit>& units) {
  std::vector<ArchivedUnit> archived;
  for (const ControlUnit& u : units) archived.push_back({u.code, u.name, u.region, u.type, u.geometry_wkt});
  return archived;
}

/// The tasseled-cap coefficients a sensor profile names, if any.
std::optional<kernels::TasseledCapSensor> wetness_sensor(const SensorProfile& profile) { return profile.tasseled_cap; }

/// The standard rasters a year with these components writes.
std::vector<ArchiveRasterSpec> year_rasters(const kernels::RseiModel& model) {
  std::vector<ArchiveRasterSpec> rasters;
  for (const ArchiveRasterSpec& spec : standard_archive_rasters()) {
    bool wanted = true;
    for (int c = 0; c < kernels::kRseiComponentCount; ++c) {
      static constexpr std::array<const char*, 4> kNames{"rsei_greenness", "rsei_wetness", "rsei_heat", "rsei_dryness"};
      if (spec.name == kNames[static_cast<std::size_t>(c)]) wanted = model.present[static_cast<std::size_t>(c)];
    }
    if (wanted) rasters.push_back(spec);
  }
  return rasters;
}

}  // namespace

void ArchiveCommand::validate() const {
  if (year < 1970 || year > 2200) throw UsageError("archive: --year YYYY is required (1970 .. 2200)");
  if (archive.empty() && store.empty()) throw UsageError("archive: give --archive FILE.h5 (or --store PATH)");
  const bool has_scene = !scene.path.empty();
  if (has_scene == period.enabled()) {
    throw UsageError("archive: give either --scene PATH (one dated scene) or --period FIRST..LAST with --source");
  }
  if (period.enabled() && period.sources.empty()) throw UsageError("archive: --period needs --source DIR");
  indicators.validate();
}

std::string ArchiveCommand::archive_path() const {
  if (!archive.empty()) return archive;
  fs::path path(store);
  return (path.parent_path() / (path.stem().string() + ".assessment.h5")).string();
}

ArchiveSummary run_archive_command(const ArchiveCommand& command, const ProgressCallback& progress) {
  const auto start = Clock::now();
  command.validate();
  init_gdal();
  auto log = logger("archive");
  ArchiveSummary summary;
  summary.archive = fs::absolute(command.archive_path()).string();
  summary.year = command.year;
  summary.created = !fs::exists(summary.archive);

  std::optional<ArchiveContents> existing;
  if (!summary.created) existing = read_archive(summary.archive);
  summary.replaced = existing && existing->years.count(command.year) > 0;

  // The year's observations: one scene, or a period's scenes.
  SceneOptions scene_options = command.scene;
  if (command.period.enabled() && scene_options.date.empty()) scene_options.date = command.period.last;
  ScanSide side = inspect_scan_side("scene", scene_options, command.period);
  resolve_scan_side(side, sensor_search_dirs(fs::current_path()));

  AnalysisGrid grid;
  if (existing) {
    grid = grid_of(existing->grid);
    if (side.is_period()) {
      std::vector<Scene> overlapping;
      for (Scene& scene : side.scenes) {
        try {
          check_overlap(grid, scene);
          overlapping.push_back(std::move(scene));
        } catch (const InputError& e) {
          side.skipped.emplace_back(scene.options.path, e.what());
        }
      }
      side.scenes = std::move(overlapping);
      if (side.scenes.empty())
        throw InputError(summary.archive + ": no scene of the period overlaps the archive's grid");
    } else {
      check_overlap(grid, *side.scene);
    }
  } else {
    grid = make_scan_grid(side, side, command.grid);
  }

  // Units: an existing archive's own, unless given (then they must match: the writer checks).
  std::vector<ControlUnit> units;
  if (!command.units.path.empty()) {
    units = load_control_units(command.units, grid);
  } else if (existing) {
    units = units_on_grid(existing->units, grid, summary.archive);
  } else {
    throw UsageError("archive: a new archive needs --units (the control units layer)");
  }
  if (units.empty()) throw InputError(command.units.path + ": the units layer holds no unit");

  ArchiveYearInfo info;
  info.year = command.year;
  info.created_utc = utc_now();
  YearScene year;
  std::optional<AtomicFile> composite_file;
  if (side.is_period()) {
    // The composite is an intermediate: a temporary beside the archive, never committed.
    composite_file.emplace(
        fs::path(summary.archive).parent_path() / ("composite-" + std::to_string(command.year) + ".tif"),
        "the year's composite");
    const CompositeResult composite = composite_period(side, grid, command.processing, composite_file->temporary(),
                                                       progress_part(progress, 0.0, 0.4));
    year.scene = composite.scene;
    year.wetness = wetness_sensor(side.scenes.front().profile);
    for (const Scene& s : side.scenes) {
      if (wetness_sensor(s.profile) != year.wetness) year.wetness.reset();  // mixed sensors: no common transform
    }
    info.scene_paths = composite.scene_paths;
    info.first_date = *std::min_element(composite.scene_dates.begin(), composite.scene_dates.end());
    info.last_date = *std::max_element(composite.scene_dates.begin(), composite.scene_dates.end());
    info.sensor = side.scenes.front().profile.name + " (" + std::string(kernels::to_string(command.period.composite)) +
                  " composite of " + std::to_string(side.scenes.size()) + " scenes)";
    summary.observations = info.sensor + " " + command.period.text();
  } else {
    year.scene = *side.scene;
    year.wetness = tasseled_cap_sensor(*side.inspected, side.scene->profile);
    if (command.thermal) year.thermal = find_thermal_band(*side.inspected);
    info.scene_paths = {side.scene->options.path};
    info.first_date = info.last_date = side.scene->options.date;
    info.sensor = side.scene->profile.name;
    summary.observations = info.sensor + " " + info.first_date;
  }
  if (!info.first_date.empty() && std::stoi(info.first_date.substr(0, 4)) != command.year &&
      std::stoi(info.last_date.substr(0, 4)) != command.year) {
    log->warn("{}: observations dated {}..{} archived as year {}", summary.archive, info.first_date, info.last_date,
              command.year);
  }

  ArchiveContents header;
  header.programme = existing
                         ? existing->programme
                         : (command.programme.empty() ? fs::path(summary.archive).stem().string() : command.programme);
  header.grid = existing ? existing->grid : archive_grid_of(grid);
  header.units = archived_units(units);
  const ProgressCallback indicators_progress = progress_part(progress, side.is_period() ? 0.4 : 0.0, 1.0);
  if (existing && existing->calibration.reference_year != 0) {
    header.calibration = existing->calibration;
  } else {
    header.calibration = fit_calibration(year, command.year, grid, command.indicators, command.processing,
                                         progress_part(indicators_progress, 0.0, 0.4));
    summary.calibrated = true;
  }

  ArchiveYearWriter writer(summary.archive, header, info, year_rasters(header.calibration.model));
  std::vector<UnitYearIndicators> rows =
      compute_year_indicators(year, grid, units, header.calibration, command.indicators, command.processing, writer,
                              progress_part(indicators_progress, summary.calibrated ? 0.4 : 0.0, 1.0));
  if (!command.store.empty()) {
    MonitoringStore store = MonitoringStore::open(command.store, MonitoringStore::Mode::read);
    const auto counts = hotspot_counts_by_unit(store, command.year);
    for (UnitYearIndicators& row : rows) {
      const auto found = counts.find(row.unit_code);
      const UnitHotspotCounts c = found == counts.end() ? UnitHotspotCounts{} : found->second;
      row.hotspots_found = c.found;
      row.hotspots_confirmed = c.confirmed;
      row.hotspots_rectified = c.rectified;
    }
  }
  summary.units = rows.size();
  summary.assessed_units = static_cast<std::size_t>(
      std::count_if(rows.begin(), rows.end(), [](const UnitYearIndicators& r) { return !std::isnan(r.rsei_mean); }));
  writer.set_indicators(std::move(rows));
  writer.commit();
  summary.calibration = header.calibration;
  summary.years = archived_years(summary.archive);
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  log->info("{}: year {} archived ({} of {} units assessed) in {:.1f} s", summary.archive, command.year,
            summary.assessed_units, summary.units, summary.seconds);
  return summary;
}

std::string format_archive_summary(const ArchiveSummary& summary) {
  std::string years;
  for (int y : summary.years) years += (years.empty() ? "" : " ") + std::to_string(y);
  std::string out = text::printf_string("zonewatch archive: year %d %s %s (%s)\n", summary.year,
                                        summary.replaced ? "replaced in" : (summary.created ? "created" : "added to"),
                                        summary.archive.c_str(), summary.observations.c_str());
  out += text::printf_string("  %zu of %zu units assessed; archived years: %s\n", summary.assessed_units, summary.units,
                             years.c_str());
  const kernels::RseiModel& model = summary.calibration.model;
  out += text::printf_string("  RSEI calibrated on %d%s: PC1 explains %.1f %% of the variance\n",
                             summary.calibration.reference_year, summary.calibrated ? " (this year)" : "",
                             100.0 * model.explained_variance);
  return out;
}

namespace commands {
std::string archive(const ArchiveCommand& command, const ProgressCallback& progress) {
  return format_archive_summary(run_archive_command(command, progress));
}
}  // namespace commands

}  // namespace zw
