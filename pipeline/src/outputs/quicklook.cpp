#include "quicklook.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include <gdal_utils.h>
#include <ogr_spatialref.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "zonewatch/kernels/stretch.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/gdal/geo_util.hpp"

namespace zw {

ImageFrame quicklook_frame(const AnalysisGrid& grid, int long_side) {
  const double factor = std::max(1.0, static_cast<double>(std::max(grid.width, grid.height)) / long_side);
  ImageFrame frame;
  const auto& gt = grid.geotransform;
  frame.geotransform = {gt[0], gt[1] * factor, 0.0, gt[3], 0.0, gt[5] * factor};
  frame.width = std::max(1, static_cast<int>(std::lround(grid.width / factor)));
  frame.height = std::max(1, static_cast<int>(std::lround(grid.height / factor)));
  return frame;
}

ImageFrame chip_frame(const AnalysisGrid& grid, double min_x, double min_y, double max_x, double max_y,
                      double min_margin_m, int max_pixels) {
  const double unit_m = grid.geographic ? 111320.0 : grid.linear_unit_m;
  const double size = std::max(max_x - min_x, max_y - min_y);
  const double side = size + 2.0 * std::max(0.5 * size, min_margin_m / unit_m);
  const double native = std::abs(grid.geotransform[1]);
  const double resolution = std::max(native, side / max_pixels);
  const int n = std::max(8, static_cast<int>(std::ceil(side / resolution)));
  const double cx = (min_x + max_x) / 2.0, cy = (min_y + max_y) / 2.0;
  ImageFrame frame;
  frame.geotransform = {cx - n * resolution / 2.0, resolution, 0.0, cy + n * resolution / 2.0, 0.0, -resolution};
  frame.width = frame.height = n;
  return frame;
}

/// One file of the scene and the planes (0 red, 1 green, 2 blue) its bands fill.
struct TrueColourReader::Source {
  std::string path;
  std::vector<int> bands, planes;  // 1-based band of the file -> plane
  std::optional<double> nodata;    // the profile's, else the file's
  DatasetPtr dataset;
  std::array<double, 6> geotransform{0, 1, 0, 0, 0, 1};
  bool same_crs = false;  // as the grid (or neither has one), north-up
};

namespace {

std::string format_number(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

/// The frame's window of a file that lies in the grid's CRS, north-up like the frame:
/// the frame pixels the file covers and the (fractional) source window under them.
struct DirectWindow {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // frame pixels [x0, x1) x [y0, y1)
  double src_x = 0, src_y = 0, src_width = 0, src_height = 0;
};

std::optional<DirectWindow> direct_window(const std::array<double, 6>& file_gt, int file_width, int file_height,
                                          const ImageFrame& frame) {
  const auto& gt = frame.geotransform;
  const auto frame_range = [](double a, double b, int limit) {
    const double lo = std::min(a, b), hi = std::max(a, b);
    return std::pair{std::clamp(static_cast<int>(std::ceil(lo - 1e-6)), 0, limit),
                     std::clamp(static_cast<int>(std::floor(hi + 1e-6)), 0, limit)};
  };
  DirectWindow w;
  std::tie(w.x0, w.x1) =
      frame_range(frame.column(file_gt[0]), frame.column(file_gt[0] + file_width * file_gt[1]), frame.width);
  std::tie(w.y0, w.y1) =
      frame_range(frame.row(file_gt[3]), frame.row(file_gt[3] + file_height * file_gt[5]), frame.height);
  if (w.x0 >= w.x1 || w.y0 >= w.y1) return std::nullopt;
  const auto file_column = [&](int x) { return (gt[0] + x * gt[1] - file_gt[0]) / file_gt[1]; };
  const auto file_row = [&](int y) { return (gt[3] + y * gt[5] - file_gt[3]) / file_gt[5]; };
  const double sx0 = std::clamp(file_column(w.x0), 0.0, static_cast<double>(file_width));
  const double sx1 = std::clamp(file_column(w.x1), 0.0, static_cast<double>(file_width));
  const double sy0 = std::clamp(file_row(w.y0), 0.0, static_cast<double>(file_height));
  const double sy1 = std::clamp(file_row(w.y1), 0.0, static_cast<double>(file_height));
  w.src_x = sx0, w.src_y = sy0, w.src_width = sx1 - sx0, w.src_height = sy1 - sy0;
  if (!(w.src_width > 0.0) || !(w.src_height > 0.0)) return std::nullopt;
  return w;
}

/// `bands` of `dataset` warped onto `frame` (averaging; GDAL picks the closest overview),
/// read into memory.
DatasetPtr warp_onto_frame(GDALDataset* dataset, const std::string& path, const std::vector<int>& bands,
                           const std::optional<double>& nodata, const std::string& grid_wkt, const ImageFrame& frame) {
  const auto& gt = frame.geotransform;
  std::vector<std::string> args{"-of", "VRT", "-r", "average", "-t_srs", grid_wkt, "-te"};
  for (double v : {gt[0], gt[3] + frame.height * gt[5], gt[0] + frame.width * gt[1], gt[3]}) {
    args.push_back(format_number(v));
  }
  args.insert(args.end(), {"-ts", std::to_string(frame.width), std::to_string(frame.height)});
  if (nodata) args.insert(args.end(), {"-srcnodata", format_number(*nodata), "-dstnodata", format_number(*nodata)});
  // The bands wanted only: a translated VRT of them is the warp's source (gdalwarp -b needs GDAL 3.7).
  std::vector<std::string> pick{"-of", "VRT"};
  for (int band : bands) pick.insert(pick.end(), {"-b", std::to_string(band)});
  const auto argv_of = [](std::vector<std::string>& list) {
    std::vector<char*> argv;
    for (auto& a : list) argv.push_back(a.data());
    argv.push_back(nullptr);
    return argv;
  };
  auto pick_argv = argv_of(pick);
  GDALTranslateOptions* translate_options = GDALTranslateOptionsNew(pick_argv.data(), nullptr);
  DatasetPtr picked(
      GDALDataset::FromHandle(GDALTranslate("", GDALDataset::ToHandle(dataset), translate_options, nullptr)));
  GDALTranslateOptionsFree(translate_options);
  if (!picked) throw InputError(path + ": cannot be read" + gdal_error_suffix());
  auto warp_argv = argv_of(args);
  GDALWarpAppOptions* warp_options = GDALWarpAppOptionsNew(warp_argv.data(), nullptr);
  GDALDatasetH source = GDALDataset::ToHandle(picked.get());
  DatasetPtr warped(GDALDataset::FromHandle(GDALWarp("", nullptr, 1, &source, warp_options, nullptr)));
  GDALWarpAppOptionsFree(warp_options);
  if (!warped) throw InputError(path + ": cannot be warped onto the analysis grid" + gdal_error_suffix());
  // Read now: the warped VRT refers to `picked`, which goes out of scope.
  DatasetPtr copy(
      GetGDALDriverManager()->GetDriverByName("MEM")->CreateCopy("", warped.get(), FALSE, nullptr, nullptr, nullptr));
  if (!copy) throw InputError(path + ": cannot be warped onto the analysis grid" + gdal_error_suffix());
  return copy;
}

}  // namespace

TrueColourReader::TrueColourReader(const Scene& scene, std::string grid_crs_wkt)
    : grid_crs_wkt_(std::move(grid_crs_wkt)) {
  OGRSpatialReference grid_srs;
  if (!grid_crs_wkt_.empty()) grid_srs.importFromWkt(grid_crs_wkt_.c_str());
  const std::array roles{kernels::BandRole::red, kernels::BandRole::green, kernels::BandRole::blue};
  for (int plane = 0; plane < 3; ++plane) {
    const kernels::BandRole role = roles[static_cast<std::size_t>(plane)];
    if (!scene.has(role)) {
      throw InputError(scene.label + " scene: no " + std::string(kernels::to_string(role)) +
                       " band for a true-colour picture");
    }
    const BandFile& file = scene.band(role);
    auto it = std::find_if(sources_.begin(), sources_.end(), [&](const auto& s) { return s->path == file.path; });
    if (it == sources_.end()) {
      auto source = std::make_unique<Source>();
      source->path = file.path;
      source->dataset = open_raster(file.path);
      sources_.push_back(std::move(source));
      it = std::prev(sources_.end());
    }
    Source& source = **it;
    if (file.band < 1 || file.band > source.dataset->GetRasterCount()) {
      throw InputError(file.path + ": band " + std::to_string(file.band) + " requested but the file has " +
                       std::to_string(source.dataset->GetRasterCount()));
    }
    source.bands.push_back(file.band);
    source.planes.push_back(plane);
  }
  for (auto& source : sources_) {
    source->nodata = scene.profile.nodata;
    if (!source->nodata) {
      int has_nodata = 0;
      const double value = source->dataset->GetRasterBand(source->bands.front())->GetNoDataValue(&has_nodata);
      if (has_nodata != 0) source->nodata = value;
    }
    const bool georeferenced = source->dataset->GetGeoTransform(source->geotransform.data()) == CE_None;
    const OGRSpatialReference* file_srs = source->dataset->GetSpatialRef();
    const bool file_has_crs = file_srs != nullptr && !file_srs->IsEmpty();
    const bool north_up = source->geotransform[2] == 0.0 && source->geotransform[4] == 0.0;
    source->same_crs =
        north_up &&
        (grid_crs_wkt_.empty() ? !file_has_crs : georeferenced && file_has_crs && file_srs->IsSame(&grid_srs));
    if (!source->same_crs && (grid_crs_wkt_.empty() || !file_has_crs)) {
      throw InputError(source->path + ": cannot be placed on the analysis grid without georeferencing");
    }
  }
}

TrueColourReader::~TrueColourReader() = default;

TrueColourPlanes TrueColourReader::read(const ImageFrame& frame) {
  TrueColourPlanes planes;
  planes.width = frame.width;
  planes.height = frame.height;
  const std::size_t count = static_cast<std::size_t>(frame.width) * static_cast<std::size_t>(frame.height);
  for (auto& plane : planes.rgb) plane.assign(count, kernels::kNaN);
  for (auto& s : sources_) {
    Source& source = *s;
    GDALDataset* dataset = source.dataset.get();
    std::vector<int> bands = source.bands;
    DirectWindow window{0, 0, frame.width, frame.height, 0, 0, 0, 0};
    DatasetPtr warped;
    // Same-sign axes only: a south-up file is read through the warp.
    const bool direct = source.same_crs && (source.geotransform[1] > 0) == (frame.geotransform[1] > 0) &&
                        (source.geotransform[5] > 0) == (frame.geotransform[5] > 0);
    if (direct) {
      const auto found =
          direct_window(source.geotransform, dataset->GetRasterXSize(), dataset->GetRasterYSize(), frame);
      if (!found) continue;  // the file does not reach into the frame
      window = *found;
    } else {
      warped = warp_onto_frame(dataset, source.path, source.bands, source.nodata, grid_crs_wkt_, frame);
      dataset = warped.get();
      for (std::size_t i = 0; i < bands.size(); ++i) bands[i] = static_cast<int>(i) + 1;
      window.src_width = frame.width;
      window.src_height = frame.height;
    }
    const int width = window.x1 - window.x0, height = window.y1 - window.y0;
    const std::size_t plane_size = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    std::vector<float> buffer(plane_size * bands.size());
    GDALRasterIOExtraArg extra;
    INIT_RASTERIO_EXTRA_ARG(extra);
    extra.eResampleAlg = GRIORA_Average;
    extra.bFloatingPointWindowValidity = TRUE;
    extra.dfXOff = window.src_x;
    extra.dfYOff = window.src_y;
    extra.dfXSize = window.src_width;
    extra.dfYSize = window.src_height;
    const int x_off = static_cast<int>(std::floor(window.src_x)), y_off = static_cast<int>(std::floor(window.src_y));
    const int x_size = std::max(1, static_cast<int>(std::ceil(window.src_x + window.src_width)) - x_off);
    const int y_size = std::max(1, static_cast<int>(std::ceil(window.src_y + window.src_height)) - y_off);
    take_gdal_error();
    // One request for all of the file's bands: a pixel-interleaved file decodes each block once.
    if (dataset->RasterIO(GF_Read, x_off, y_off, x_size, y_size, buffer.data(), width, height, GDT_Float32,
                          static_cast<int>(bands.size()), bands.data(), 0, 0, 0, &extra) != CE_None) {
      throw InputError(source.path + ": cannot be read" + gdal_error_suffix());
    }
    for (std::size_t b = 0; b < bands.size(); ++b) {
      std::vector<float>& out = planes.rgb[static_cast<std::size_t>(source.planes[b])];
      const float* in = buffer.data() + b * plane_size;
      for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
          const float v = in[static_cast<std::size_t>(y) * width + x];
          const bool valid = std::isfinite(v) && !(source.nodata && static_cast<double>(v) == *source.nodata);
          if (valid) out[static_cast<std::size_t>(y + window.y0) * frame.width + (x + window.x0)] = v;
        }
      }
    }
  }
  return planes;
}

std::vector<RgbImage> stretch_2_98(const std::vector<const TrueColourPlanes*>& planes) {
  std::array<kernels::DisplayRange, 3> stretch{};
  for (std::size_t b = 0; b < 3; ++b) {
    std::vector<float> values;
    for (const TrueColourPlanes* p : planes) {
      for (std::size_t i = 0; i < p->rgb[b].size(); ++i) {
        // A pixel counts when all three bands hold data there (edges of a band differ).
        if (std::isfinite(p->rgb[0][i]) && std::isfinite(p->rgb[1][i]) && std::isfinite(p->rgb[2][i])) {
          values.push_back(p->rgb[b][i]);
        }
      }
    }
    stretch[b] = kernels::percentile_range(values);
  }
  std::vector<RgbImage> images;
  for (const TrueColourPlanes* p : planes) {
    RgbImage image;
    image.width = p->width;
    image.height = p->height;
    const std::size_t count = static_cast<std::size_t>(p->width) * static_cast<std::size_t>(p->height);
    image.rgb.assign(count * 3, 48);  // no data: dark grey
    for (std::size_t i = 0; i < count; ++i) {
      if (!(std::isfinite(p->rgb[0][i]) && std::isfinite(p->rgb[1][i]) && std::isfinite(p->rgb[2][i]))) continue;
      for (std::size_t b = 0; b < 3; ++b) {
        image.rgb[i * 3 + b] = stretch[b].to_byte(p->rgb[b][i]);
      }
    }
    images.push_back(std::move(image));
  }
  return images;
}

namespace {

std::string encode(const RgbImage& image, const std::string& extension, const std::vector<int>& parameters) {
  cv::Mat bgr(image.height, image.width, CV_8UC3);
  for (int y = 0; y < image.height; ++y) {
    auto* row = bgr.ptr<cv::Vec3b>(y);
    for (int x = 0; x < image.width; ++x) {
      const std::size_t i = (static_cast<std::size_t>(y) * image.width + x) * 3;
      row[x] = cv::Vec3b(image.rgb[i + 2], image.rgb[i + 1], image.rgb[i]);
    }
  }
  std::vector<std::uint8_t> bytes;
  if (!cv::imencode(extension, bgr, bytes, parameters)) {
    throw OutputError("summary.html: " + extension + " encoding of a picture failed");
  }
  return {bytes.begin(), bytes.end()};
}

}  // namespace

std::string encode_png(const RgbImage& image) { return encode(image, ".png", {}); }

std::string encode_jpeg(const RgbImage& image, int quality) {
  return encode(image, ".jpg", {cv::IMWRITE_JPEG_QUALITY, quality});
}

namespace {

/// Quick-look size on the long side, and the chips' largest side, in pixels.
constexpr int kQuicklookPixels = 800;
constexpr int kChipPixels = 160;
constexpr int kQuicklookJpegQuality = 85;
/// A chip shows at least this much around its hotspot.
constexpr double kChipMarginMetres = 150.0;
/// Pixels a quick-look cell averages along each side, at least (BoxAverage's stride).
constexpr double kMinSamplesPerCellSide = 4.0;

}  // namespace

kernels::BoxAverage summary_true_colour_frame(const AnalysisGrid& grid) {
  const ImageFrame frame = quicklook_frame(grid, kQuicklookPixels);
  // A cell is a frame pixel: the frame's pixel size in grid pixels, as quicklook_frame lays it out.
  // A cell of a large scene averages a lattice of at least 4 x 4 of its pixels, not all of them:
  // the picture is the same to the eye (a 10980 px scene: 21 of 188 pixels per cell, smoothing
  // enough) for a ninth of the additions over every tile.
  const double factor = frame.geotransform[1] / grid.geotransform[1];
  const int stride = std::max(1, static_cast<int>(factor / kMinSamplesPerCellSide));
  return {grid.width, grid.height, frame.width, frame.height, factor, 3, stride};
}

SummaryImages make_summary_images(const Scene& before, const Scene& after, const AnalysisGrid& grid,
                                  const ScanResults& results, const std::array<kernels::BoxAverage, 2>* drawn) {
  auto log = logger("summary");
  SummaryImages images;
  images.frame = quicklook_frame(grid, kQuicklookPixels);
  std::array<std::unique_ptr<TrueColourReader>, 2> readers;
  std::array<TrueColourPlanes, 2> quicklooks;
  for (std::size_t s = 0; s < 2; ++s) {
    const Scene& scene = s == 0 ? before : after;
    try {
      readers[s] = std::make_unique<TrueColourReader>(scene, grid.crs_wkt);
      if (drawn != nullptr && (*drawn)[s].planes == 3) {
        const kernels::BoxAverage& box = (*drawn)[s];
        quicklooks[s].width = box.frame_width;
        quicklooks[s].height = box.frame_height;
        for (int plane = 0; plane < 3; ++plane) quicklooks[s].rgb[static_cast<std::size_t>(plane)] = box.means(plane);
      } else {
        quicklooks[s] = readers[s]->read(images.frame);
      }
      const RgbImage picture = stretch_2_98({&quicklooks[s]}).front();
      (s == 0 ? images.before_jpeg : images.after_jpeg) = encode_jpeg(picture, kQuicklookJpegQuality);
    } catch (const Error& e) {
      readers[s].reset();
      images.problems.push_back(scene.label + " quick-look: " + e.what());
      log->warn("summary.html: no {} quick-look: {}", scene.label, e.what());
    }
  }
  if (!readers[0] || !readers[1]) return images;
  for (const Hotspot* hotspot : largest_hotspots(results)) {
    try {
      const OGRGeometryUniquePtr footprint = geo::from_wkt(hotspot->geometry_wkt, "hotspot " + hotspot->id);
      if (!footprint || footprint->IsEmpty()) continue;
      OGREnvelope e;
      footprint->getEnvelope(&e);
      SummaryImages::Chips chips;
      chips.frame = chip_frame(grid, e.MinX, e.MinY, e.MaxX, e.MaxY, kChipMarginMetres, kChipPixels);
      const TrueColourPlanes before_planes = readers[0]->read(chips.frame);
      const TrueColourPlanes after_planes = readers[1]->read(chips.frame);
      const std::vector<RgbImage> pictures = stretch_2_98({&before_planes, &after_planes});
      chips.before_png = encode_png(pictures[0]);
      chips.after_png = encode_png(pictures[1]);
      images.chips.emplace(hotspot->id, std::move(chips));
    } catch (const Error& e) {
      images.problems.push_back("chips of " + hotspot->id + ": " + e.what());
    }
  }
  return images;
}

}  // namespace zw
