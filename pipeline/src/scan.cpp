#include "zonewatch/pipeline/scan.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <unistd.h>

#include <gdal_alg.h>
#include <ogrsf_frmts.h>

#include "zonewatch/pipeline/detection.hpp"
#include "zonewatch/pipeline/error.hpp"
#include "zonewatch/pipeline/gdal_env.hpp"
#include "zonewatch/pipeline/grid.hpp"
#include "zonewatch/pipeline/outputs.hpp"
#include "zonewatch/pipeline/scene.hpp"
#include "zonewatch/pipeline/sensor_profile.hpp"
#include "zonewatch/pipeline/sha256.hpp"
#include "zonewatch/pipeline/units.hpp"
#include "zonewatch/pipeline/version.hpp"

namespace zw {
namespace fs = std::filesystem;
using kernels::ChangeType;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

/// Temporary folder for spill files, removed however the scan ends.
class WorkDir {
 public:
  explicit WorkDir(const fs::path& parent)
      : path_(parent / (".zonewatch-work-" + std::to_string(::getpid()))) {
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

/// A GeoTIFF on the analysis grid written tile by tile.
class GridRasterWriter {
 public:
  GridRasterWriter(const fs::path& path, const AnalysisGrid& grid, GDALDataType type,
                   const std::vector<std::string>& creation_options)
      : path_(path) {
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GTiff");
    std::vector<char*> options;
    for (const auto& o : creation_options) options.push_back(const_cast<char*>(o.c_str()));
    options.push_back(nullptr);
    take_gdal_error();
    dataset_.reset(driver->Create(path.c_str(), grid.width, grid.height, 1, type, options.data()));
    if (!dataset_) throw OutputError(path.string() + ": cannot be created" + gdal_error_suffix());
    dataset_->SetGeoTransform(const_cast<double*>(grid.geotransform.data()));
    if (!grid.crs_wkt.empty()) {
      OGRSpatialReference srs;
      srs.importFromWkt(grid.crs_wkt.c_str());
      dataset_->SetSpatialRef(&srs);
    }
  }
  GDALRasterBand* band() { return dataset_->GetRasterBand(1); }
  template <class T>
  void write(kernels::Window w, kernels::ConstTileView<T> tile, GDALDataType type) {
    if (band()->RasterIO(GF_Write, w.x0, w.y0, w.width, w.height, const_cast<T*>(tile.data), w.width, w.height,
                         type, static_cast<GSpacing>(sizeof(T)), static_cast<GSpacing>(tile.stride * sizeof(T)),
                         nullptr) != CE_None) {
      throw OutputError(path_.string() + ": write failed (disk full?)" + gdal_error_suffix());
    }
  }
  void close() {
    if (!dataset_) return;
    take_gdal_error();
    dataset_->FlushCache(true);
    dataset_.reset();  // GDALClose writes the last blocks and the directory
    const std::string error = take_gdal_error();
    if (!error.empty()) {
      throw OutputError(path_.string() + ": cannot be completed" + (error.empty() ? "" : " (GDAL: " + error + ")"));
    }
  }
  GDALDataset* dataset() { return dataset_.get(); }

 private:
  fs::path path_;
  DatasetPtr dataset_;
};

void describe_change_map(GDALRasterBand* band) {
  band->SetNoDataValue(static_cast<double>(ChangeType::nodata));
  GDALColorTable colors;
  const std::array<GDALColorEntry, 6> entries{{{0, 0, 0, 0},
                                               {34, 139, 34, 255},   // vegetation loss
                                               {230, 80, 30, 255},   // construction / bare soil
                                               {30, 110, 220, 255},  // water loss
                                               {0, 200, 220, 255},   // water gain
                                               {200, 200, 0, 255}}};  // other
  for (int i = 0; i < 256; ++i) {
    const GDALColorEntry none{0, 0, 0, 0};
    colors.SetColorEntry(i, i < 6 ? &entries[static_cast<std::size_t>(i)] : &none);
  }
  band->SetColorTable(&colors);
  std::vector<std::string> names(256);
  for (int i = 0; i < 6; ++i) names[static_cast<std::size_t>(i)] = std::string(kernels::to_string(static_cast<ChangeType>(i)));
  names[255] = "nodata";
  std::vector<char*> list;
  for (auto& n : names) list.push_back(n.data());
  list.push_back(nullptr);
  band->SetCategoryNames(list.data());
  band->SetDescription("change type");
}

struct PatchGeometry {
  std::unique_ptr<OGRMultiPolygon> geometry = std::make_unique<OGRMultiPolygon>();
};

/// Polygons of every patch id in `patch_raster` (8-connected, as labelled).
std::vector<PatchGeometry> polygonize_patches(const fs::path& patch_raster, std::size_t patch_count,
                                              const AnalysisGrid& grid) {
  DatasetPtr raster = open_raster(patch_raster.string());
  GDALDriver* memory = GetGDALDriverManager()->GetDriverByName("Memory");
  DatasetPtr vectors(memory->Create("", 0, 0, 0, GDT_Unknown, nullptr));
  OGRSpatialReference srs;
  if (!grid.crs_wkt.empty()) srs.importFromWkt(grid.crs_wkt.c_str());
  OGRLayer* layer = vectors->CreateLayer("patches", grid.crs_wkt.empty() ? nullptr : &srs, wkbPolygon, nullptr);
  OGRFieldDefn field("patch", OFTInteger64);
  layer->CreateField(&field);
  GDALRasterBand* band = raster->GetRasterBand(1);
  char* options[] = {const_cast<char*>("8CONNECTED=8"), nullptr};
  take_gdal_error();
  if (GDALPolygonize(band, band->GetMaskBand(), layer, 0, options, nullptr, nullptr) != CE_None) {
    throw InternalError(patch_raster.string() + ": polygonize failed" + gdal_error_suffix());
  }
  std::vector<PatchGeometry> patches(patch_count);
  layer->ResetReading();
  for (auto& feature : *layer) {
    const auto id = feature->GetFieldAsInteger64(0);
    if (id <= 0 || static_cast<std::size_t>(id) > patch_count) continue;
    const OGRGeometry* g = feature->GetGeometryRef();
    if (g != nullptr && wkbFlatten(g->getGeometryType()) == wkbPolygon) {
      patches[static_cast<std::size_t>(id - 1)].geometry->addGeometry(g);
    }
  }
  return patches;
}

std::string to_wkt(const OGRGeometry& g) {
  char* wkt = nullptr;
  g.exportToWkt(&wkt, wkbVariantIso);
  std::string out = wkt != nullptr ? wkt : "";
  CPLFree(wkt);
  return out;
}

struct GeographicTransforms {
  std::unique_ptr<OGRCoordinateTransformation> to_wgs84, to_cgcs2000;
};

GeographicTransforms make_geographic_transforms(const AnalysisGrid& grid) {
  GeographicTransforms t;
  if (grid.crs_wkt.empty()) return t;
  OGRSpatialReference source;
  source.importFromWkt(grid.crs_wkt.c_str());
  source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  OGRSpatialReference wgs84, cgcs2000;
  wgs84.importFromEPSG(4326);
  cgcs2000.importFromEPSG(4490);
  wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  cgcs2000.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  t.to_wgs84.reset(OGRCreateCoordinateTransformation(&source, &wgs84));
  t.to_cgcs2000.reset(OGRCreateCoordinateTransformation(&source, &cgcs2000));
  return t;
}

json file_record(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return {{"path", path}, {"bytes", ec ? 0 : size}, {"sha256", sha256_file(path)}};
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buffer;
}

Severity severity_for(double area, const UnitRule& rule) {
  if (area >= rule.severity_high_m2) return Severity::high;
  if (area >= rule.severity_medium_m2) return Severity::medium;
  return Severity::low;
}

std::string format_number(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

}  // namespace

ScanSummary run_scan(const ScanConfig& config, const ProgressCallback& progress) {
  init_gdal();
  auto log = logger("scan");
  const auto scan_start = Clock::now();
  std::map<std::string, double> timings;
  auto start = Clock::now();

  const auto sensor_dirs = sensor_search_dirs(config.config_dir);
  const Scene before = resolve_scene("before", config.before, load_sensor_profile(config.before.sensor, sensor_dirs));
  const Scene after = resolve_scene("after", config.after, load_sensor_profile(config.after.sensor, sensor_dirs));
  const AnalysisGrid grid = make_analysis_grid(before, config.grid);
  check_overlap(grid, after);
  log->info("analysis grid {}x{} px, pixel {:.6g} x {:.6g}", grid.width, grid.height, grid.geotransform[1],
            -grid.geotransform[5]);
  const std::vector<ControlUnit> units = load_control_units(config.units, grid);
  const auto repaired = std::count_if(units.begin(), units.end(), [](const auto& u) { return u.repaired; });
  log->info("{} control units ({} repaired)", units.size(), repaired);
  timings["inputs"] = seconds_since(start);

  // Outputs appear only on success; spill files live beside them on the same disk.
  OutputStaging staging(config.output.dir);
  WorkDir work(staging.staging_dir().parent_path());
  const fs::path change_path = staging.staged("change.tif");
  const fs::path patch_raster_path = work.path() / "patches.tif";

  GridRasterWriter change_map(change_path, grid, GDT_Byte,
                              {"TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=DEFLATE",
                               "BIGTIFF=IF_SAFER"});
  describe_change_map(change_map.band());
  GridRasterWriter patch_map(patch_raster_path, grid, GDT_UInt32,
                             {"TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=LZW", "BIGTIFF=IF_SAFER"});
  patch_map.band()->SetNoDataValue(0);

  start = Clock::now();
  const DetectionResult detection = run_detection(
      {before, after, grid, units}, config.detection, config.processing, work.path(),
      [&](kernels::Window core, kernels::ConstTileView<std::uint8_t> classes,
          kernels::ConstTileView<std::uint32_t> ids) {
        change_map.write(core, classes, GDT_Byte);
        patch_map.write(core, ids, GDT_UInt32);
      },
      progress);
  change_map.close();
  patch_map.close();
  for (const auto& [stage, seconds] : detection.seconds) timings["detect." + stage] = seconds;
  timings["detect"] = seconds_since(start);

  // Patches -> polygons -> hotspots attributed to the unit they overlap most.
  start = Clock::now();
  if (progress) progress(0.92, "building hotspots");
  const auto& patches = detection.patches.patches;
  std::vector<PatchGeometry> geometries = polygonize_patches(patch_raster_path, patches.size(), grid);
  const GeographicTransforms geo = make_geographic_transforms(grid);

  ScanResults results;
  results.grid_crs_wkt = grid.crs_wkt;
  std::vector<std::array<double, kernels::kChangeTypeCount>> unit_changed(units.size());
  std::vector<int> unit_hotspots(units.size(), 0);
  std::vector<int> unit_sequence(units.size(), 0);
  std::size_t outside_units = 0, suppressed_by_rule = 0;
  const std::string after_month = config.after.date.substr(0, 4) + config.after.date.substr(5, 2);

  for (std::size_t p = 0; p < patches.size(); ++p) {
    const auto& patch = patches[p];
    const auto& overlaps = detection.patch_unit_overlap[p];
    for (const auto& [unit, area] : overlaps) unit_changed[unit][patch.change_type] += area;
    if (overlaps.empty()) {
      ++outside_units;
      continue;
    }
    // Most overlap wins; equal overlap goes to the lower unit index (layer order).
    std::uint32_t best = overlaps.front().first;
    double best_area = overlaps.front().second;
    for (const auto& [unit, area] : overlaps) {
      if (area > best_area) {
        best = unit;
        best_area = area;
      }
    }
    const ControlUnit& unit = units[best];
    const UnitRule& rule = config.rules.for_unit(unit.code, unit.type);
    const auto type = static_cast<ChangeType>(patch.change_type);
    if (!rule.alerts_on(type)) {
      ++suppressed_by_rule;
      continue;
    }
    Hotspot h;
    h.change_type = type;
    h.area_m2 = patch.area_m2;
    h.pixel_count = patch.pixel_count;
    h.mean_greenness_before = patch.greenness_count > 0 ? patch.sum_greenness_before / static_cast<double>(patch.greenness_count) : kernels::kNaN;
    h.mean_greenness_after = patch.greenness_count > 0 ? patch.sum_greenness_after / static_cast<double>(patch.greenness_count) : kernels::kNaN;
    h.mean_magnitude = patch.pixel_count > 0 ? patch.sum_magnitude / static_cast<double>(patch.pixel_count) : kernels::kNaN;
    h.unit_code = unit.code;
    h.unit_name = unit.name;
    h.unit_region = unit.region;
    h.unit_type = unit.type;
    h.before_date = config.before.date;
    h.after_date = config.after.date;
    h.severity = severity_for(h.area_m2, rule);
    const bool overridden = config.rules.overrides.count(unit.code) != 0;
    h.rule = std::string(overridden ? "override " + unit.code : std::string(to_string(unit.type))) + ": " +
             std::string(kernels::to_string(type)) + " " + format_number(h.area_m2, 0) + " m2" +
             (h.severity == Severity::high     ? " >= " + format_number(rule.severity_high_m2, 0) + " m2 -> high"
              : h.severity == Severity::medium ? " >= " + format_number(rule.severity_medium_m2, 0) + " m2 -> medium"
                                               : " < " + format_number(rule.severity_medium_m2, 0) + " m2 -> low");
    h.id = unit.code + "-" + after_month + "-";
    char sequence[16];
    std::snprintf(sequence, sizeof sequence, "%04d", ++unit_sequence[best]);
    h.id += sequence;
    ++unit_hotspots[best];

    OGRMultiPolygon& geometry = *geometries[p].geometry;
    if (!geometry.IsEmpty()) {
      OGRPoint centroid;
      if (geometry.Centroid(&centroid) == OGRERR_NONE) {
        double x = centroid.getX(), y = centroid.getY();
        h.centroid_lon_wgs84 = x;
        h.centroid_lat_wgs84 = y;
        if (geo.to_wgs84) {
          double lx = x, ly = y;
          geo.to_wgs84->Transform(1, &lx, &ly);
          h.centroid_lon_wgs84 = lx;
          h.centroid_lat_wgs84 = ly;
        }
        h.centroid_lon_cgcs2000 = h.centroid_lon_wgs84;
        h.centroid_lat_cgcs2000 = h.centroid_lat_wgs84;
        if (geo.to_cgcs2000) {
          geo.to_cgcs2000->Transform(1, &x, &y);
          h.centroid_lon_cgcs2000 = x;
          h.centroid_lat_cgcs2000 = y;
        }
      }
      h.geometry_wkt = geometry.getNumGeometries() == 1 ? to_wkt(*geometry.getGeometryRef(0)) : to_wkt(geometry);
    }
    results.hotspots.push_back(std::move(h));
  }
  std::stable_sort(results.hotspots.begin(), results.hotspots.end(), [](const Hotspot& a, const Hotspot& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    return a.area_m2 > b.area_m2;
  });

  // Units: statistics, judged by their own rule.
  std::size_t flagged = 0, not_assessable = 0;
  for (std::size_t u = 0; u < units.size(); ++u) {
    const ControlUnit& unit = units[u];
    const UnitRule& rule = config.rules.for_unit(unit.code, unit.type);
    UnitResult r;
    r.code = unit.code;
    r.name = unit.name;
    r.region = unit.region;
    r.type = unit.type;
    r.geometry_wkt = unit.geometry_wkt;
    r.stats = detection.unit_stats[u];
    r.stats.changed_area_m2 = unit_changed[u];
    r.stats.total_changed_area_m2 = 0.0;
    for (ChangeType t : rule.change_types) r.stats.total_changed_area_m2 += unit_changed[u][static_cast<int>(t)];
    r.stats.changed_share = r.stats.valid_area_m2 > 0 ? r.stats.total_changed_area_m2 / r.stats.valid_area_m2 : 0.0;
    r.hotspot_count = unit_hotspots[u];
    r.assessable = r.stats.valid_share >= rule.min_valid_share;
    std::vector<std::string> reasons;
    if (!r.assessable) {
      ++not_assessable;
    } else {
      if (r.stats.total_changed_area_m2 >= rule.flag_changed_area_m2) {
        reasons.push_back("changed area " + format_number(r.stats.total_changed_area_m2, 0) + " m2 >= " +
                          format_number(rule.flag_changed_area_m2, 0));
      }
      if (r.stats.changed_share >= rule.flag_changed_share) {
        reasons.push_back("changed share " + format_number(100.0 * r.stats.changed_share, 2) + "% >= " +
                          format_number(100.0 * rule.flag_changed_share, 2) + "%");
      }
      if (std::isfinite(r.stats.mean_greenness_change) && -r.stats.mean_greenness_change >= rule.flag_greenness_decline) {
        reasons.push_back("mean greenness decline " + format_number(-r.stats.mean_greenness_change, 3) + " >= " +
                          format_number(rule.flag_greenness_decline, 3));
      }
    }
    r.flagged = !reasons.empty();
    flagged += r.flagged ? 1 : 0;
    for (std::size_t i = 0; i < reasons.size(); ++i) r.flag_reasons += (i ? "; " : "") + reasons[i];
    results.units.push_back(std::move(r));
  }
  timings["hotspots"] = seconds_since(start);

  start = Clock::now();
  if (progress) progress(0.96, "writing outputs");
  write_alerts_gpkg(staging.staged("alerts.gpkg"), results);
  write_hotspots_csv(staging.staged("hotspots.csv"), results);
  write_hotspots_geojson(staging.staged("hotspots.geojson"), results);
  timings["outputs"] = seconds_since(start);

  // The run record.
  json inputs = json::object();
  for (const auto* scene : {&before, &after}) {
    json files = json::array();
    for (const auto& f : scene->files()) files.push_back(file_record(f));
    inputs[scene->label] = {{"path", scene->options.path}, {"date", scene->options.date},
                            {"sensor", scene->profile.name}, {"files", files}};
  }
  inputs["units"] = file_record(config.units.path);
  std::map<std::string, int> by_severity{{"high", 0}, {"medium", 0}, {"low", 0}};
  std::map<std::string, int> by_type;
  for (const auto& h : results.hotspots) {
    ++by_severity[std::string(to_string(h.severity))];
    ++by_type[std::string(kernels::to_string(h.change_type))];
  }
  json changed_pixels = json::object();
  for (int t = 1; t < kernels::kChangeTypeCount; ++t) {
    changed_pixels[std::string(kernels::to_string(static_cast<ChangeType>(t)))] = detection.changed_pixels[static_cast<std::size_t>(t)];
  }
  json band_stats = json::array();
  for (std::size_t i = 0; i < detection.statistics.roles.size(); ++i) {
    band_stats.push_back({{"band", std::string(kernels::to_string(detection.statistics.roles[i]))},
                          {"mean_difference", detection.statistics.offsets[i]},
                          {"sigma_difference", detection.statistics.weights[i] > 0 ? 1.0 / detection.statistics.weights[i] : 0.0}});
  }
  timings["total"] = seconds_since(scan_start);
  json run = {
      {"program", "zonewatch"},
      {"version", kVersion},
      {"finished_utc", utc_now()},
      {"config", config.resolved},
      {"inputs", inputs},
      {"grid",
       {{"crs_wkt", grid.crs_wkt},
        {"geotransform", grid.geotransform},
        {"width", grid.width},
        {"height", grid.height}}},
      {"detection",
       {{"bands", band_stats},
        {"threshold", detection.statistics.threshold},
        {"automatic_threshold", std::isfinite(detection.statistics.automatic_threshold) ? json(detection.statistics.automatic_threshold) : json(nullptr)},
        {"sample_pixels", detection.statistics.sample_pixels},
        {"tiles", {{"count", detection.plan.count()}, {"width", detection.plan.tile_width}, {"height", detection.plan.tile_height}, {"halo", detection.plan.halo}}}}},
      {"counts",
       {{"pixels", static_cast<std::uint64_t>(grid.width) * static_cast<std::uint64_t>(grid.height)},
        {"valid_pixels", detection.valid_pixels},
        {"changed_pixels", changed_pixels},
        {"components", detection.components_before_mmu},
        {"patches", patches.size()},
        {"patches_outside_units", outside_units},
        {"patches_not_alerting_by_rule", suppressed_by_rule},
        {"hotspots", results.hotspots.size()},
        {"hotspots_by_severity", by_severity},
        {"hotspots_by_type", by_type},
        {"units", units.size()},
        {"units_repaired", repaired},
        {"units_flagged", flagged},
        {"units_not_assessable", not_assessable}}},
      {"timings_s", timings}};
  {
    std::ofstream out(staging.staged("run.json"));
    out << run.dump(2) << '\n';
    if (!out) throw OutputError((config.output.dir + "/run.json") + ": write failed");
  }
  staging.commit();
  log->info("{} hotspots ({} high), {} of {} units flagged; outputs in {}", results.hotspots.size(),
            by_severity["high"], flagged, units.size(), config.output.dir);
  if (progress) progress(1.0, "done");
  return {config.output.dir, std::move(results), std::move(run)};
}

}  // namespace zw
