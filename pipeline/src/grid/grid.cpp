#include "zonewatch/pipeline/grid/grid.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>
#include <utility>

#include <gdal_alg.h>
#include <gdal_utils.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>

#include "file_grid.hpp"
#include "zonewatch/kernels/quality.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/geo_util.hpp"

namespace zw {
using grid_detail::FileGrid;
using grid_detail::read_file_grid;
using kernels::BandRole;
using kernels::Window;

namespace {

constexpr double kPi = 3.14159265358979323846;

bool same_crs(const std::string& file_wkt, const std::string& grid_wkt) {
  if (file_wkt.empty() || grid_wkt.empty()) return file_wkt.empty() && grid_wkt.empty();
  if (file_wkt == grid_wkt) return true;
  const OGRSpatialReference file = geo::srs_from_wkt(file_wkt, "file CRS");
  const OGRSpatialReference grid = geo::srs_from_wkt(grid_wkt, "grid CRS");
  return file.IsSame(&grid) != 0;
}

/// q(φ) of the authalic-latitude formulas, scaled so that area between two latitudes of a
/// cell Δλ wide is a²(1-e²)/2 · Δλ · (q(φ2) - q(φ1)).
double authalic_q(double phi, double e) {
  const double s = std::sin(phi);
  if (e < 1e-12) return 2.0 * s;
  return s / (1.0 - e * e * s * s) + std::log((1.0 + e * s) / (1.0 - e * s)) / (2.0 * e);
}

}  // namespace

namespace grid_detail {

namespace {

/// Drivers whose file is raw pixels described by a separate header: GDAL reads past the end
/// of a short file as zeros instead of failing, so a header that promises more lines or bands
/// than the file holds would silently become nodata.
bool is_raw_format(const char* driver) {
  for (const char* raw : {"ENVI", "EHdr", "GenBin", "PAux", "ISCE", "MFF", "LAN", "BT"}) {
    if (std::strcmp(driver, raw) == 0) return true;
  }
  return false;
}

void check_raw_file_size(GDALDataset& ds, const std::string& path) {
  GDALDriver* driver = ds.GetDriver();
  if (driver == nullptr || !is_raw_format(driver->GetDescription()) || ds.GetRasterCount() == 0) return;
  // An ENVI file with `file compression = 1` is gzip: its size says nothing about its pixels.
  if (const char* compressed = ds.GetMetadataItem("file_compression", "ENVI");
      compressed != nullptr && std::strcmp(compressed, "0") != 0) {
    return;
  }
  VSIStatBufL stat{};
  if (VSIStatL(ds.GetDescription(), &stat) != 0 || VSI_ISDIR(stat.st_mode)) return;
  const GDALDataType type = ds.GetRasterBand(1)->GetRasterDataType();
  const auto pixel_bytes = static_cast<std::uint64_t>(GDALGetDataTypeSizeBytes(type));
  const std::uint64_t promised = static_cast<std::uint64_t>(ds.GetRasterXSize()) *
                                 static_cast<std::uint64_t>(ds.GetRasterYSize()) *
                                 static_cast<std::uint64_t>(ds.GetRasterCount()) * pixel_bytes;
  const auto held = static_cast<std::uint64_t>(stat.st_size);
  if (held < promised) {
    throw InputError(path + ": the " + std::string(driver->GetDescription()) + " header promises " +
                     std::to_string(ds.GetRasterXSize()) + " x " + std::to_string(ds.GetRasterYSize()) + " pixels x " +
                     std::to_string(ds.GetRasterCount()) + " band(s) of " + GDALGetDataTypeName(type) + " (" +
                     std::to_string(promised) + " bytes) but the file holds " + std::to_string(held) +
                     " bytes: truncated, or the header's lines, samples or bands are wrong");
  }
}

}  // namespace

FileGrid read_file_grid(const std::string& path) {
  DatasetPtr ds = open_raster(path);
  check_raw_file_size(*ds, path);
  FileGrid g;
  g.path = path;
  g.width = ds->GetRasterXSize();
  g.height = ds->GetRasterYSize();
  g.has_geotransform = ds->GetGeoTransform(g.gt.data()) == CE_None;
  take_gdal_error();
  if (const OGRSpatialReference* srs = ds->GetSpatialRef(); srs != nullptr) {
    char* wkt = nullptr;
    srs->exportToWkt(&wkt);
    g.wkt = wkt != nullptr ? wkt : "";
    CPLFree(wkt);
  }
  return g;
}

bool same_grid(const FileGrid& f, const AnalysisGrid& g) {
  if (f.width != g.width || f.height != g.height || !same_crs(f.wkt, g.crs_wkt)) return false;
  const double tolerance = 1e-6 * std::max(std::abs(g.geotransform[1]), std::abs(g.geotransform[5]));
  for (int i = 0; i < 6; ++i) {
    if (std::abs(f.gt[i] - g.geotransform[i]) > tolerance) return false;
  }
  return true;
}

}  // namespace grid_detail

double AnalysisGrid::pixel_area_m2(int row) const {
  if (!geographic) {  // projected, or no CRS at all (pixel units of linear_unit_m metres)
    const double a = std::abs(geotransform[1] * geotransform[5] - geotransform[2] * geotransform[4]);
    return a * linear_unit_m * linear_unit_m;
  }
  const OGRSpatialReference srs = geo::srs_from_wkt(crs_wkt, "grid CRS");
  OGRErr err = OGRERR_NONE;
  const double a = srs.GetSemiMajor(&err);
  const double inv_f = srs.GetInvFlattening(&err);
  const double f = inv_f > 0.0 ? 1.0 / inv_f : 0.0;
  const double e2 = f * (2.0 - f);
  const double e = std::sqrt(e2);
  const double lat_top = geotransform[3] + row * geotransform[5];
  const double lat_bottom = lat_top + geotransform[5];
  const double dlon = std::abs(geotransform[1]) * kPi / 180.0;
  const double dq = std::abs(authalic_q(lat_top * kPi / 180.0, e) - authalic_q(lat_bottom * kPi / 180.0, e));
  const double factor = e < 1e-12 ? 0.5 : (1.0 - e2) / 2.0;
  return a * a * factor * dlon * dq;
}

std::vector<double> AnalysisGrid::row_areas_m2(int y0, int rows) const {
  std::vector<double> areas(static_cast<std::size_t>(std::max(rows, 0)));
  if (!geographic) {
    std::fill(areas.begin(), areas.end(), pixel_area_m2(0));
    return areas;
  }
  for (int i = 0; i < rows; ++i) areas[static_cast<std::size_t>(i)] = pixel_area_m2(y0 + i);
  return areas;
}

std::array<double, 2> AnalysisGrid::to_crs(double col, double row) const {
  const auto& g = geotransform;
  return {g[0] + col * g[1] + row * g[2], g[3] + col * g[4] + row * g[5]};
}

std::array<double, 2> AnalysisGrid::to_pixel(double x, double y) const {
  double inverse[6];
  if (!GDALInvGeoTransform(const_cast<double*>(geotransform.data()), inverse)) return {0, 0};
  return {inverse[0] + x * inverse[1] + y * inverse[2], inverse[3] + x * inverse[4] + y * inverse[5]};
}

AnalysisGrid make_analysis_grid(const Scene& before, const GridOptions& options) {
  std::vector<FileGrid> grids;
  for (const auto& file : before.files()) grids.push_back(read_file_grid(file));
  if (grids.empty()) throw InputError(before.options.path + ": before scene has no band to read");
  // Finest band: smallest pixel area.
  const FileGrid* finest = &grids.front();
  for (const auto& g : grids) {
    if (std::abs(g.gt[1] * g.gt[5]) < std::abs(finest->gt[1] * finest->gt[5])) finest = &g;
  }

  AnalysisGrid grid;
  if (options.crs.empty() && options.resolution <= 0.0) {
    grid.crs_wkt = finest->wkt;
    grid.geotransform = finest->gt;
    grid.width = finest->width;
    grid.height = finest->height;
  } else {
    if (finest->wkt.empty()) {
      throw InputError(finest->path +
                       ": has no coordinate reference system, so grid.crs / grid.resolution cannot apply");
    }
    OGRSpatialReference target = options.crs.empty() ? geo::srs_from_wkt(finest->wkt, finest->path)
                                                     : spatial_reference_from_user_input(options.crs, "grid.crs");
    char* target_wkt = nullptr;
    target.exportToWkt(&target_wkt);
    grid.crs_wkt = target_wkt;
    CPLFree(target_wkt);

    DatasetPtr ds = open_raster(finest->path);
    const std::string dst = "DST_SRS=" + grid.crs_wkt;
    char* transformer_options[] = {const_cast<char*>(dst.c_str()), nullptr};
    void* transformer = GDALCreateGenImgProjTransformer2(GDALDataset::ToHandle(ds.get()), nullptr, transformer_options);
    if (transformer == nullptr) {
      throw InputError(finest->path + ": cannot be reprojected to grid.crs" + gdal_error_suffix());
    }
    double gt[6];
    int width = 0, height = 0;
    const CPLErr err = GDALSuggestedWarpOutput(GDALDataset::ToHandle(ds.get()), GDALGenImgProjTransform, transformer,
                                               gt, &width, &height);
    GDALDestroyGenImgProjTransformer(transformer);
    if (err != CE_None) throw InputError(finest->path + ": cannot compute the grid in grid.crs" + gdal_error_suffix());
    const double res = options.resolution > 0.0 ? options.resolution : gt[1];
    // Snap the extent outwards to multiples of the resolution (like gdalwarp -tap), so
    // scans of neighbouring areas share pixel boundaries.
    const double xmin = std::floor(gt[0] / res) * res;
    const double ymax = std::ceil(gt[3] / res) * res;
    const double xmax = std::ceil((gt[0] + width * gt[1]) / res) * res;
    const double ymin = std::floor((gt[3] + height * gt[5]) / res) * res;
    grid.geotransform = {xmin, res, 0.0, ymax, 0.0, -res};
    grid.width = static_cast<int>(std::llround((xmax - xmin) / res));
    grid.height = static_cast<int>(std::llround((ymax - ymin) / res));
  }
  if (grid.width <= 0 || grid.height <= 0) throw InputError(before.options.path + ": empty analysis grid");
  return analysis_grid_from(grid.crs_wkt, grid.geotransform, grid.width, grid.height);
}

AnalysisGrid analysis_grid_from(const std::string& crs_wkt, const std::array<double, 6>& geotransform, int width,
                                int height) {
  AnalysisGrid grid;
  grid.crs_wkt = crs_wkt;
  grid.geotransform = geotransform;
  grid.width = width;
  grid.height = height;
  if (!grid.crs_wkt.empty()) {
    const OGRSpatialReference srs = geo::srs_from_wkt(grid.crs_wkt, "grid CRS");
    grid.geographic = srs.IsGeographic() != 0;
    grid.linear_unit_m = grid.geographic ? 1.0 : srs.GetLinearUnits();
  }
  return grid;
}

namespace {

struct Extent {
  double min_x = 0, min_y = 0, max_x = 0, max_y = 0, pixel = 0;
};

Extent extent_of(const FileGrid& g) {
  Extent e;
  const double xs[4] = {g.gt[0], g.gt[0] + g.width * g.gt[1], g.gt[0] + g.height * g.gt[2],
                        g.gt[0] + g.width * g.gt[1] + g.height * g.gt[2]};
  const double ys[4] = {g.gt[3], g.gt[3] + g.width * g.gt[4], g.gt[3] + g.height * g.gt[5],
                        g.gt[3] + g.width * g.gt[4] + g.height * g.gt[5]};
  e.min_x = *std::min_element(xs, xs + 4);
  e.max_x = *std::max_element(xs, xs + 4);
  e.min_y = *std::min_element(ys, ys + 4);
  e.max_y = *std::max_element(ys, ys + 4);
  e.pixel = std::max(std::hypot(g.gt[1], g.gt[4]), std::hypot(g.gt[2], g.gt[5]));
  return e;
}

/// Same area within one pixel of the coarser file (a panchromatic band may end half a
/// multispectral pixel earlier).
bool same_extent(const Extent& a, const Extent& b) {
  const double tolerance = std::max(a.pixel, b.pixel) * 1.01;
  return std::abs(a.min_x - b.min_x) <= tolerance && std::abs(a.max_x - b.max_x) <= tolerance &&
         std::abs(a.min_y - b.min_y) <= tolerance && std::abs(a.max_y - b.max_y) <= tolerance;
}

std::string describe(const Extent& e) {
  return text::printf_string("x %.10g..%.10g, y %.10g..%.10g", e.min_x, e.max_x, e.min_y, e.max_y);
}

/// The spectral bands of one scene cover one area: a band file cropped or from another tile
/// would otherwise turn the rest of the grid into nodata without a word. The extent most
/// bands share is the scene's; a band that differs is named.
void check_band_extents(const Scene& scene, const std::vector<FileGrid>& grids) {
  std::vector<const FileGrid*> bands;
  for (const auto& band : scene.bands) {
    if (!band) continue;
    for (const auto& g : grids) {
      if (g.path == band->path && g.has_geotransform && std::find(bands.begin(), bands.end(), &g) == bands.end()) {
        bands.push_back(&g);
      }
    }
  }
  if (bands.size() < 2) return;
  std::vector<Extent> extents;
  for (const FileGrid* g : bands) extents.push_back(extent_of(*g));
  std::size_t majority = 0, most = 0;
  for (std::size_t i = 0; i < extents.size(); ++i) {
    std::size_t agreeing = 0;
    for (std::size_t j = 0; j < extents.size(); ++j) {
      if (bands[i]->wkt == bands[j]->wkt && same_extent(extents[i], extents[j])) ++agreeing;
    }
    if (agreeing > most) most = agreeing, majority = i;
  }
  for (std::size_t i = 0; i < extents.size(); ++i) {
    if (bands[i]->wkt != bands[majority]->wkt) continue;  // another CRS: the grid reprojects it
    if (!same_extent(extents[i], extents[majority])) {
      throw InputError(bands[i]->path + ": " + scene.label + " scene band covers " + describe(extents[i]) +
                       " but the scene's other bands (" + bands[majority]->path + ") cover " +
                       describe(extents[majority]) +
                       "; every band of a scene must cover the same area (cropped, or from another tile?)");
    }
  }
}

/// The file's densified outline in the grid's pixel coordinates (into `footprint`, edge by
/// edge) and its bounds {min col, min row, max col, max row}. Both CRSs must be known.
std::array<double, 4> footprint_in_grid(const FileGrid& g, const AnalysisGrid& grid, OGRLinearRing& footprint) {
  OGRSpatialReference src = geo::srs_from_wkt(g.wkt, g.path);
  OGRSpatialReference dst = geo::srs_from_wkt(grid.crs_wkt, "grid CRS");
  std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&src, &dst));
  if (!ct) throw InputError(g.path + ": cannot transform to the analysis grid CRS" + gdal_error_suffix());
  double min_c = 1e300, min_r = 1e300, max_c = -1e300, max_r = -1e300;
  constexpr int kSteps = 20;
  for (int edge = 0; edge < 4; ++edge) {
    for (int i = 0; i < kSteps; ++i) {
      const double t = static_cast<double>(i) / kSteps;
      double col = edge == 0 ? t * g.width : edge == 1 ? g.width : edge == 2 ? (1 - t) * g.width : 0;
      double row = edge == 0 ? 0 : edge == 1 ? t * g.height : edge == 2 ? g.height : (1 - t) * g.height;
      double x = g.gt[0] + col * g.gt[1] + row * g.gt[2];
      double y = g.gt[3] + col * g.gt[4] + row * g.gt[5];
      if (!ct->Transform(1, &x, &y)) continue;
      const auto p = grid.to_pixel(x, y);
      footprint.addPoint(p[0], p[1]);
      min_c = std::min(min_c, p[0]);
      max_c = std::max(max_c, p[0]);
      min_r = std::min(min_r, p[1]);
      max_r = std::max(max_r, p[1]);
    }
  }
  return {min_c, min_r, max_c, max_r};
}

}  // namespace

/// Share of the grid inside a footprint ring in grid pixel coordinates; the share inside
/// its bounding box (an upper bound) where the ring is not a valid polygon.
double grid_share_inside(OGRLinearRing& ring, const AnalysisGrid& grid, const std::array<double, 4>& bounds) {
  const double grid_area = static_cast<double>(grid.width) * grid.height;
  const double box_cols = std::min<double>(bounds[2], grid.width) - std::max(bounds[0], 0.0);
  const double box_rows = std::min<double>(bounds[3], grid.height) - std::max(bounds[1], 0.0);
  const double box_share = box_cols * box_rows / grid_area;
  if (ring.getNumPoints() < 4) return box_share;
  ring.closeRings();
  OGRPolygon footprint;
  footprint.addRing(&ring);
  OGRLinearRing rectangle;
  rectangle.addPoint(0, 0);
  rectangle.addPoint(grid.width, 0);
  rectangle.addPoint(grid.width, grid.height);
  rectangle.addPoint(0, grid.height);
  rectangle.closeRings();
  OGRPolygon whole;
  whole.addRing(&rectangle);
  if (!footprint.IsValid()) return box_share;
  std::unique_ptr<OGRGeometry> inside(footprint.Intersection(&whole));
  take_gdal_error();
  if (inside == nullptr) return box_share;
  const auto* surface = dynamic_cast<const OGRSurface*>(inside.get());
  const auto* collection = dynamic_cast<const OGRMultiSurface*>(inside.get());
  const double area = surface ? surface->get_Area() : collection ? collection->get_Area() : 0.0;
  return std::min(box_share, area / grid_area);
}

double check_overlap(const AnalysisGrid& grid, const Scene& scene) {
  std::vector<FileGrid> grids;
  for (const auto& file : scene.files()) grids.push_back(read_file_grid(file));
  check_band_extents(scene, grids);
  double covered_share = 0.0;
  for (const FileGrid& g : grids) {
    const std::string& file = g.path;
    if (grid.crs_wkt.empty() || g.wkt.empty()) {
      if (!(grid.crs_wkt.empty() && g.wkt.empty())) {
        throw InputError(file + ": " + scene.label + " scene " +
                         (g.wkt.empty() ? "has no coordinate reference system but the analysis grid has one"
                                        : "is georeferenced but the analysis grid is not"));
      }
      if (g.width != grid.width || g.height != grid.height) {
        throw InputError(file + ": " + scene.label + " scene is " + std::to_string(g.width) + "x" +
                         std::to_string(g.height) + " pixels without georeferencing, the grid " +
                         std::to_string(grid.width) + "x" + std::to_string(grid.height) +
                         "; images without georeferencing must have the same size");
      }
      covered_share = 1.0;
      continue;
    }
    OGRLinearRing footprint;
    const auto [min_c, min_r, max_c, max_r] = footprint_in_grid(g, grid, footprint);
    if (max_c <= 0 || max_r <= 0 || min_c >= grid.width || min_r >= grid.height) {
      throw InputError(file + ": " + scene.label + " scene does not overlap the analysis grid (" +
                       "the before scene's extent)");
    }
    covered_share = std::max(covered_share, grid_share_inside(footprint, grid, {min_c, min_r, max_c, max_r}));
  }
  return covered_share;
}

AnalysisGrid make_mosaic_grid(const AnalysisGrid& reference, const std::vector<const Scene*>& scenes) {
  const auto& gt = reference.geotransform;
  // Without georeferencing nothing lies side by side; a rotated grid is not extended.
  if (reference.crs_wkt.empty() || gt[2] != 0.0 || gt[4] != 0.0) return reference;
  // In the reference grid's pixel coordinates: its lattice stays, only its extent grows.
  struct SceneBounds {
    const Scene* scene;
    std::array<double, 4> box;  // min col, min row, max col, max row
  };
  std::vector<SceneBounds> placed;
  std::array<double, 4> all{0, 0, static_cast<double>(reference.width), static_cast<double>(reference.height)};
  double covered_pixels = static_cast<double>(reference.width) * reference.height;
  for (const Scene* scene : scenes) {
    std::array<double, 4> box{1e300, 1e300, -1e300, -1e300};
    for (const auto& file : scene->files()) {
      const FileGrid g = read_file_grid(file);
      if (g.wkt.empty()) throw InputError(file + ": " + scene->label + " scene has no coordinate reference system");
      OGRLinearRing footprint;
      const auto bounds = footprint_in_grid(g, reference, footprint);
      if (bounds[0] > bounds[2]) {
        throw InputError(file + ": " + scene->label + " scene cannot be placed on the analysis grid (no corner " +
                         "transforms to its CRS)");
      }
      box = {std::min(box[0], bounds[0]), std::min(box[1], bounds[1]), std::max(box[2], bounds[2]),
             std::max(box[3], bounds[3])};
    }
    all = {std::min(all[0], box[0]), std::min(all[1], box[1]), std::max(all[2], box[2]), std::max(all[3], box[3])};
    covered_pixels += (box[2] - box[0]) * (box[3] - box[1]);
    placed.push_back({scene, box});
  }
  // Tiles of one area span about the area they cover (an L-shaped province: 4 tiles' box for
  // 3 tiles); a scene of another place among the sources would make the grid mostly empty,
  // and the scan hours long: name the scene farthest from the reference instead.
  constexpr double kMaxEmptyFactor = 16.0;
  const double span_pixels = (all[2] - all[0]) * (all[3] - all[1]);
  if (span_pixels > kMaxEmptyFactor * covered_pixels && !placed.empty()) {
    const auto distance = [&](const SceneBounds& b) {
      return std::hypot(0.5 * (b.box[0] + b.box[2]) - 0.5 * reference.width,
                        0.5 * (b.box[1] + b.box[3]) - 0.5 * reference.height);
    };
    const SceneBounds& farthest = *std::max_element(
        placed.begin(), placed.end(), [&](const auto& a, const auto& b) { return distance(a) < distance(b); });
    throw InputError(farthest.scene->options.path + ": " + farthest.scene->label + " scene lies " +
                     text::printf_string("%.0f", distance(farthest)) +
                     " pixels from the period's finest scene: side by side the scenes would span " +
                     text::printf_string("%.0f x %.0f", all[2] - all[0], all[3] - all[1]) +
                     " pixels of the analysis grid, more than " + text::printf_string("%.0f", kMaxEmptyFactor) +
                     " times what they cover (a scene of another place among the sources?)");
  }
  // A footprint on the lattice lands on whole pixels up to rounding: no extra pixel for that.
  constexpr double kOnLattice = 1e-6;
  const double first_col = std::min(0.0, std::floor(all[0] + kOnLattice));
  const double first_row = std::min(0.0, std::floor(all[1] + kOnLattice));
  const double end_col = std::max(static_cast<double>(reference.width), std::ceil(all[2] - kOnLattice));
  const double end_row = std::max(static_cast<double>(reference.height), std::ceil(all[3] - kOnLattice));
  const double width = end_col - first_col, height = end_row - first_row;
  if (width > std::numeric_limits<int>::max() || height > std::numeric_limits<int>::max()) {
    throw InputError(scenes.front()->options.path + ": the " + scenes.front()->label + " scenes side by side span " +
                     text::printf_string("%.0f x %.0f", width, height) + " pixels, more than a grid can hold");
  }
  if (width == reference.width && height == reference.height) return reference;
  return analysis_grid_from(reference.crs_wkt,
                            {gt[0] + first_col * gt[1], gt[1], 0.0, gt[3] + first_row * gt[5], 0.0, gt[5]},
                            static_cast<int>(width), static_cast<int>(height));
}

}  // namespace zw
