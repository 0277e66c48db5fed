#include "zonewatch/pipeline/commands/scan.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <functional>
#include <future>
#include <optional>
#include <map>
#include <unistd.h>

#include <gdal_alg.h>
#include <ogrsf_frmts.h>

#include "zonewatch/pipeline/inputs/catalog.hpp"
#include "zonewatch/pipeline/stages/detection.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/outputs/outputs.hpp"
#include "zonewatch/pipeline/inputs/scan_inputs.hpp"
#include "zonewatch/pipeline/inputs/scene.hpp"
#include "zonewatch/pipeline/config/sensor_profile.hpp"
#include "zonewatch/pipeline/core/sha256.hpp"
#include "zonewatch/pipeline/monitoring/store.hpp"
#include "zonewatch/pipeline/inputs/units.hpp"
#include "zonewatch/pipeline/version.hpp"

namespace zw {
namespace fs = std::filesystem;
using kernels::ChangeType;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

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

/// Polygons of every patch id in `patch_raster` (8-connected, as labelled), from one
/// GDALPolygonize pass over the whole raster.
std::vector<PatchGeometry> polygonize_whole_raster(const fs::path& patch_raster, std::size_t patch_count,
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

/// Applies the grid's geotransform to pixel-corner coordinates of a patch window whose
/// top-left pixel is (x0, y0), with GDALPolygonize's formula, so vertices equal those a
/// whole-raster pass gives. Returns the ring's area in pixels (shoelace, before transform).
double georeference_ring(OGRLinearRing& ring, int x0, int y0, const std::array<double, 6>& gt) {
  double twice_area = 0.0;
  const int n = ring.getNumPoints();
  for (int i = 0; i < n; ++i) {
    const int j = (i + 1) % n;
    twice_area += ring.getX(i) * ring.getY(j) - ring.getX(j) * ring.getY(i);
  }
  for (int i = 0; i < n; ++i) {
    const double px = x0 + ring.getX(i);
    const double py = y0 + ring.getY(i);
    ring.setPoint(i, gt[0] + px * gt[1] + py * gt[2], gt[3] + px * gt[4] + py * gt[5]);
  }
  return std::abs(twice_area) / 2.0;
}

/// Polygons of every patch id in `patch_raster` (8-connected, as labelled). Patches cover
/// a small share of a scene, so each is polygonized over its own bounding box instead of
/// scanning every background pixel of the raster (seconds for a Sentinel-2 tile). Falls
/// back to the whole-raster pass (memory bounded by a raster row) when a patch's box is
/// too large to hold (kMaxWindowPixels: ~170 MB of buffers), or if a patch's polygons do
/// not cover its pixel count.
std::vector<PatchGeometry> polygonize_patches(const fs::path& patch_raster,
                                              const std::vector<kernels::ComponentStats>& stats,
                                              const AnalysisGrid& grid) {
  constexpr long long kMaxWindowPixels = 4096LL * 4096LL;
  for (const kernels::ComponentStats& s : stats) {
    const long long w = s.max_x - s.min_x + 1LL, h = s.max_y - s.min_y + 1LL;
    if (w * h > kMaxWindowPixels) return polygonize_whole_raster(patch_raster, stats.size(), grid);
  }
  DatasetPtr raster = open_raster(patch_raster.string());
  GDALRasterBand* band = raster->GetRasterBand(1);
  GDALDriver* memory_raster = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDriver* memory_vector = GetGDALDriverManager()->GetDriverByName("Memory");
  DatasetPtr vectors(memory_vector->Create("", 0, 0, 0, GDT_Unknown, nullptr));
  char* options[] = {const_cast<char*>("8CONNECTED=8"), nullptr};
  std::vector<PatchGeometry> patches(stats.size());
  std::vector<std::uint32_t> ids;
  std::vector<std::uint8_t> mask;
  for (std::size_t p = 0; p < stats.size(); ++p) {
    const kernels::ComponentStats& s = stats[p];
    const auto id = static_cast<std::uint32_t>(p + 1);
    const int w = s.max_x - s.min_x + 1, h = s.max_y - s.min_y + 1;
    if (s.pixel_count == 0 || w <= 0 || h <= 0 || s.min_x < 0 || s.min_y < 0 || s.max_x >= grid.width ||
        s.max_y >= grid.height) {
      return polygonize_whole_raster(patch_raster, stats.size(), grid);
    }
    const auto n = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
    ids.resize(n);
    mask.resize(n);
    take_gdal_error();
    if (band->RasterIO(GF_Read, s.min_x, s.min_y, w, h, ids.data(), w, h, GDT_UInt32, 0, 0, nullptr) != CE_None) {
      throw InternalError(patch_raster.string() + ": read failed" + gdal_error_suffix());
    }
    for (std::size_t i = 0; i < n; ++i) {
      mask[i] = ids[i] == id ? 1 : 0;
      if (mask[i] == 0) ids[i] = 0;
    }
    DatasetPtr window(memory_raster->Create("", w, h, 1, GDT_UInt32, nullptr));
    DatasetPtr window_mask(memory_raster->Create("", w, h, 1, GDT_Byte, nullptr));
    if (!window || !window_mask ||
        window->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, w, h, ids.data(), w, h, GDT_UInt32, 0, 0, nullptr) !=
            CE_None ||
        window_mask->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, w, h, mask.data(), w, h, GDT_Byte, 0, 0,
                                                nullptr) != CE_None) {
      throw InternalError("patch " + std::to_string(id) + ": cannot build its polygonize window" + gdal_error_suffix());
    }
    OGRLayer* layer = vectors->CreateLayer("patch", nullptr, wkbPolygon, nullptr);
    OGRFieldDefn field("patch", OFTInteger64);
    layer->CreateField(&field);
    if (GDALPolygonize(window->GetRasterBand(1), window_mask->GetRasterBand(1), layer, 0, options, nullptr,
                       nullptr) != CE_None) {
      throw InternalError(patch_raster.string() + ": polygonize failed" + gdal_error_suffix());
    }
    double pixels = 0.0;
    layer->ResetReading();
    for (auto& feature : *layer) {
      if (feature->GetFieldAsInteger64(0) != id) continue;
      OGRGeometry* g = feature->GetGeometryRef();
      if (g == nullptr || wkbFlatten(g->getGeometryType()) != wkbPolygon) continue;
      auto* polygon = g->toPolygon();
      for (int r = 0; r < polygon->getNumInteriorRings() + 1; ++r) {
        OGRLinearRing* ring = r == 0 ? polygon->getExteriorRing() : polygon->getInteriorRing(r - 1);
        const double ring_pixels = georeference_ring(*ring, s.min_x, s.min_y, grid.geotransform);
        pixels += r == 0 ? ring_pixels : -ring_pixels;
      }
      patches[p].geometry->addGeometry(polygon);
    }
    vectors->DeleteLayer(0);
    if (std::llround(pixels) != static_cast<long long>(s.pixel_count)) {
      return polygonize_whole_raster(patch_raster, stats.size(), grid);
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

/// Severity by area under the unit's rule, and the rule that fired in words.
void judge_hotspot(Hotspot& h, const RuleSet& rules) {
  const UnitRule& rule = rules.for_unit(h.unit_code, h.unit_type);
  h.severity = severity_for(h.area_m2, rule);
  const bool overridden = rules.overrides.count(h.unit_code) != 0;
  h.rule = std::string(overridden ? "override " + h.unit_code : std::string(to_string(h.unit_type))) + ": " +
           std::string(kernels::to_string(h.change_type)) + " " + format_number(h.area_m2, 0) + " m2" +
           (h.severity == Severity::high     ? " >= " + format_number(rule.severity_high_m2, 0) + " m2 -> high"
            : h.severity == Severity::medium ? " >= " + format_number(rule.severity_medium_m2, 0) + " m2 -> medium"
                                             : " < " + format_number(rule.severity_medium_m2, 0) + " m2 -> low");
}

/// The scan's inputs with their SHA-256, as run.json lists them, plus the approved-projects
/// layer a monitoring store uses; what a scan's identity in the store is computed from.
json store_inputs(const ScanSide& before, const ScanSide& after, const ScanConfig& config,
                  const std::function<json(const std::string&)>& record) {
  json inputs = json::object();
  for (const auto* side : {&before, &after}) inputs[side->label] = side->record(record);
  inputs["units"] = record(config.units.path);
  if (!config.store.approved_projects.path.empty()) {
    inputs["approved_projects"] = record(config.store.approved_projects.path);
  }
  return inputs;
}

}  // namespace

ScanSummary run_scan(const ScanConfig& given, const ProgressCallback& progress) {
  init_gdal();
  // Date and sensor of product folders (SAFE, Landsat MTL) from their metadata, where the
  // config leaves them out.
  const ScanConfig config = complete_scan_config(given);
  // GDAL's block cache defaults to 5 % of physical RAM and fills as the scan walks the
  // scenes (and as change.tif / patches.tif are written), so peak memory grew with scene
  // size. Bound it by the share of processing.memory_mb the tile planner leaves free (it
  // plans tiles from 60 %). It has to hold one tile row of input blocks, or blocks that
  // tile halos share are decoded twice. GDAL_CACHEMAX, when set, wins.
  if (CPLGetConfigOption("GDAL_CACHEMAX", nullptr) == nullptr) {
    const auto cache_mb = std::max<std::size_t>(64, config.processing.memory_mb * 2 / 5);
    GDALSetCacheMax64(static_cast<GIntBig>(cache_mb) * 1024 * 1024);
  }
  auto log = logger("scan");
  const auto scan_start = Clock::now();
  std::map<std::string, double> timings;
  auto start = Clock::now();

  const auto sensor_dirs = sensor_search_dirs(config.config_dir);
  // Each side a scene, or a period's scenes to composite (scan_inputs.hpp).
  ScanSide before_side = resolve_scan_side("before", config.before, config.before_period, sensor_dirs);
  ScanSide after_side = resolve_scan_side("after", config.after, config.after_period, sensor_dirs);
  const AnalysisGrid grid = make_scan_grid(before_side, after_side, config.grid);
  log->info("analysis grid {}x{} px, pixel {:.6g} x {:.6g}", grid.width, grid.height, grid.geotransform[1],
            -grid.geotransform[5]);
  const std::vector<ControlUnit> units = load_control_units(config.units, grid);
  const auto repaired = std::count_if(units.begin(), units.end(), [](const auto& u) { return u.repaired; });
  log->info("{} control units ({} repaired)", units.size(), repaired);
  timings["inputs"] = seconds_since(start);

  // Monitoring store, --since-last: a scheduled run whose after scene is not newer than the
  // store's last scan has nothing to do (unless it is that scan, killed before its outputs).
  if (config.store.since_last) {
    const SinceLastDecision decision = decide_since_last(config.store, config.after.date, [&] {
      return scan_identity(store_inputs(before_side, after_side, config, file_record), config.resolved);
    });
    log->info("--since-last: {}", decision.reason);
    if (decision.skip) {
      ScanSummary skipped;
      skipped.output_dir = config.output.dir;
      skipped.skipped = true;
      skipped.skip_reason = decision.reason;
      return skipped;
    }
  }

  // SHA-256 of the inputs for run.json: over a gigabyte for a Sentinel-2 tile pair, so hash
  // them on a thread of their own while the scan runs instead of after it.
  std::vector<std::string> input_files;
  for (const auto* side : {&before_side, &after_side}) {
    for (const auto& f : side->files()) input_files.push_back(f);
  }
  input_files.push_back(config.units.path);
  const std::shared_future<std::map<std::string, json>> input_records = std::async(std::launch::async, [input_files] {
    std::map<std::string, json> records;
    for (const auto& f : input_files) {
      if (records.count(f) == 0) records.emplace(f, file_record(f));
    }
    return records;
  }).share();

  // Outputs appear only on success; spill files live beside them on the same disk.
  OutputStaging staging(config.output.dir);
  WorkDir work(staging.staging_dir().parent_path());
  const fs::path change_path = staging.staged("change.tif");
  const fs::path patch_raster_path = work.path() / "patches.tif";

  GridRasterWriter change_map(change_path, grid, GDT_Byte,
                              {"TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=DEFLATE",
                               "BIGTIFF=IF_SAFER"});
  describe_change_map(change_map.band());
  // SPARSE_OK: blocks without any patch (most of a scene) are not encoded or written at all.
  GridRasterWriter patch_map(patch_raster_path, grid, GDT_UInt32,
                             {"TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=LZW", "BIGTIFF=IF_SAFER",
                              "SPARSE_OK=TRUE"});
  patch_map.band()->SetNoDataValue(0);

  // Periods become composites (outputs composite_before.tif / composite_after.tif).
  std::optional<CompositeResult> before_composite, after_composite;
  start = Clock::now();
  const auto composite_path = [&](const ScanSide& side) {
    return side.is_period() ? staging.staged("composite_" + side.label + ".tif") : fs::path();
  };
  const Scene before = scene_for_detection(before_side, grid, config.processing, composite_path(before_side), progress,
                                           before_composite);
  const Scene after = scene_for_detection(after_side, grid, config.processing, composite_path(after_side), progress,
                                          after_composite);
  if (before_composite || after_composite) timings["composite"] = seconds_since(start);

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
  const auto polygonize_start = Clock::now();
  std::vector<PatchGeometry> geometries = polygonize_patches(patch_raster_path, patches, grid);
  timings["hotspots.polygonize"] = seconds_since(polygonize_start);
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
    judge_hotspot(h, config.rules);
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

  // Monitoring store: stable IDs and lifecycle for the hotspots, in one transaction, before
  // any output appears (a re-run of an ingested scan reuses what the store recorded).
  std::optional<IngestSummary> tracked;
  if (config.store.enabled()) {
    start = Clock::now();
    if (progress) progress(0.94, "monitoring store");
    const std::map<std::string, json>& records = input_records.get();
    ScanRecord record;
    record.inputs = store_inputs(before_side, after_side, config, [&](const std::string& f) {
      const auto it = records.find(f);
      return it != records.end() ? it->second : file_record(f);
    });
    record.config = config.resolved;
    record.scan_id = scan_identity(record.inputs, config.resolved);
    record.name = config.name;
    record.before = config.before;
    record.after = config.after;
    record.config_dir = config.config_dir.string();
    record.units_path = config.units.path;
    record.output_dir = config.output.dir;
    record.grid_crs_wkt = grid.crs_wkt;
    record.grid_resolution = std::abs(grid.geotransform[1]);
    record.rules = config.rules;
    if (geo.to_wgs84) {
      const auto centre = grid.to_crs(grid.width / 2.0, grid.height / 2.0);
      double x = centre[0], y = centre[1];
      if (geo.to_wgs84->Transform(1, &x, &y)) record.centre_lon_wgs84 = x, record.centre_lat_wgs84 = y;
    }
    tracked = ingest_scan(config.store, record, results, [&](Hotspot& h) { judge_hotspot(h, config.rules); },
                          make_greenness_probe(after, grid, detection.features.greenness_is_ndvi));
    crash_point("store.ingested");
    timings["store"] = seconds_since(start);
  }

  start = Clock::now();
  if (progress) progress(0.96, "writing outputs");
  write_alerts_gpkg(staging.staged("alerts.gpkg"), results);
  write_hotspots_csv(staging.staged("hotspots.csv"), results);
  write_hotspots_geojson(staging.staged("hotspots.geojson"), results);
  timings["outputs"] = seconds_since(start);

  // The run record.
  start = Clock::now();
  const std::map<std::string, json> records = input_records.get();
  timings["inputs_sha256_wait"] = seconds_since(start);
  json inputs = json::object();
  for (const auto* side : {&before_side, &after_side}) {
    inputs[side->label] = side->record([&](const std::string& f) { return records.at(f); });
  }
  inputs["units"] = records.at(config.units.path);
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
  if (tracked) run["store"] = tracked->to_json();
  if (config.detection.normalize != RadiometricNormalization::none) {
    run["detection"]["radiometric_normalization"] = detection.radiometric.to_json();
  }
  for (const auto& [side, composite] : {std::pair{&before_side, &before_composite}, std::pair{&after_side, &after_composite}}) {
    if (!composite->has_value()) continue;
    json record = (*composite)->to_json();
    record["path"] = (fs::path(config.output.dir) / ("composite_" + side->label + ".tif")).string();
    record["period"] = side->period.text();
    record["composite"] = std::string(kernels::to_string(side->period.composite));
    json skipped = json::array();
    for (const auto& [path, reason] : side->skipped) skipped.push_back({{"path", path}, {"reason", reason}});
    record["skipped"] = skipped;
    run["composites"][side->label] = record;
  }
  {
    std::ofstream out(staging.staged("run.json"));
    out << run.dump(2) << '\n';
    if (!out) throw OutputError((config.output.dir + "/run.json") + ": write failed");
  }
  staging.commit();
  if (tracked) {
    try {
      mark_scan_outputs_written(config.store, tracked->scan_id, config.output.dir);
    } catch (const Error& e) {
      // The outputs are complete; only --since-last's bookkeeping missed them (it reruns).
      log->warn("{}", e.what());
    }
  }
  log->info("{} hotspots ({} high), {} of {} units flagged; outputs in {}", results.hotspots.size(),
            by_severity["high"], flagged, units.size(), config.output.dir);
  if (progress) progress(1.0, "done");
  ScanSummary summary;
  summary.output_dir = config.output.dir;
  summary.results = std::move(results);
  summary.run = std::move(run);
  return summary;
}

}  // namespace zw
