// Warping files onto the analysis grid: a warped VRT per file that does not lie on it
// (bilinear, or area-weighted averaging for much finer files with their coverage), and the
// quality band's nearest-neighbour warp; the scene reader's and the DEM's.
#include <cmath>
#include <cstdio>

#include <gdal_alg.h>
#include <gdal_utils.h>

#include "file_grid.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw::grid_detail {

namespace {

std::vector<std::string> grid_warp_extent(const AnalysisGrid& grid) {
  std::vector<std::string> args{"-t_srs", grid.crs_wkt, "-te"};
  const auto& gt = grid.geotransform;
  for (double v : {gt[0], gt[3] + grid.height * gt[5], gt[0] + grid.width * gt[1], gt[3]}) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.17g", v);
    args.emplace_back(buffer);
  }
  args.insert(args.end(), {"-ts", std::to_string(grid.width), std::to_string(grid.height)});
  return args;
}

}  // namespace

DatasetPtr warp_onto_grid(GDALDataset* dataset, const std::string& path, const AnalysisGrid& grid,
                          std::vector<std::string> options, const std::string& what) {
  const auto extent = grid_warp_extent(grid);
  options.insert(options.begin(), {"-of", "VRT"});
  options.insert(options.end(), extent.begin(), extent.end());
  std::vector<char*> argv;
  for (auto& a : options) argv.push_back(a.data());
  argv.push_back(nullptr);
  GDALWarpAppOptions* warp_options = GDALWarpAppOptionsNew(argv.data(), nullptr);
  GDALDatasetH source_handle = GDALDataset::ToHandle(dataset);
  int usage_error = 0;
  take_gdal_error();
  GDALDatasetH out = GDALWarp("", nullptr, 1, &source_handle, warp_options, &usage_error);
  GDALWarpAppOptionsFree(warp_options);
  if (out == nullptr) {
    throw InputError(path + ": " + (what.empty() ? "" : what + " ") + "cannot be warped onto the analysis grid" +
                     gdal_error_suffix());
  }
  return DatasetPtr(GDALDataset::FromHandle(out));
}

/// gdalwarp's nodata options: the value in and out, or an alpha band marking pixels
/// outside the file when there is no nodata value.
std::vector<std::string> nodata_warp_options(const std::optional<double>& nodata) {
  if (!nodata) return {"-dstalpha"};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", *nodata);
  return {"-srcnodata", buffer, "-dstnodata", buffer};
}

/// How many of `dataset`'s pixels fit across one grid pixel (>1: the file is finer).
double source_pixels_per_grid_pixel(GDALDataset* dataset, const AnalysisGrid& grid) {
  const std::string dst = "DST_SRS=" + grid.crs_wkt;
  char* transformer_options[] = {const_cast<char*>(dst.c_str()), nullptr};
  void* transformer = GDALCreateGenImgProjTransformer2(GDALDataset::ToHandle(dataset), nullptr, transformer_options);
  if (transformer == nullptr) return 1.0;
  double gt[6];
  int width = 0, height = 0;
  const CPLErr err = GDALSuggestedWarpOutput(GDALDataset::ToHandle(dataset), GDALGenImgProjTransform, transformer, gt,
                                             &width, &height);
  GDALDestroyGenImgProjTransformer(transformer);
  take_gdal_error();
  if (err != CE_None || !(std::abs(gt[1]) > 0.0)) return 1.0;
  return std::min(std::abs(grid.geotransform[1]), std::abs(grid.geotransform[5])) / std::abs(gt[1]);
}

DatasetPtr translate_to_vrt(GDALDataset* dataset, std::vector<std::string> args) {
  args.insert(args.begin(), {"-of", "VRT"});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  GDALTranslateOptions* options = GDALTranslateOptionsNew(argv.data(), nullptr);
  int usage_error = 0;
  take_gdal_error();
  DatasetPtr out(GDALDataset::FromHandle(GDALTranslate("", GDALDataset::ToHandle(dataset), options, &usage_error)));
  GDALTranslateOptionsFree(options);
  return out;
}

/// The coverage of each grid pixel by `dataset`'s valid pixels (its mask band: alpha,
/// nodata or all valid), averaged by area: the mask padded with invalid pixels beyond the
/// file's edge (so a grid pixel half outside the file counts half), then warped with -r
/// average.
std::pair<DatasetPtr, DatasetPtr> warp_coverage(GDALDataset* dataset, const std::string& path, const AnalysisGrid& grid,
                                                double ratio) {
  const int pad = static_cast<int>(std::ceil(ratio)) + 2;
  const int w = dataset->GetRasterXSize(), h = dataset->GetRasterYSize();
  std::vector<std::string> translate{"-b",
                                     "mask",
                                     "-colorinterp",
                                     "gray",
                                     "-srcwin",
                                     std::to_string(-pad),
                                     std::to_string(-pad),
                                     std::to_string(w + 2 * pad),
                                     std::to_string(h + 2 * pad)};
  DatasetPtr mask = translate_to_vrt(dataset, std::move(translate));
  if (!mask) throw InputError(path + ": cannot read its validity mask" + gdal_error_suffix());
  DatasetPtr coverage = warp_onto_grid(
      mask.get(), path, grid,
      {"-r", "average", "-ot", "Float32", "-srcnodata", "None", "-dstnodata", "None", "-wo", "INIT_DEST=0"},
      "its coverage");
  // The warped VRT reads the mask VRT, which reads the file: the caller keeps all three.
  return {std::move(mask), std::move(coverage)};
}

/// A warped VRT of one-band `dataset` (the quality band; gdalwarp -b needs GDAL 3.7) onto
/// the grid with nearest-neighbour resampling (quality words must not be interpolated);
/// pixels outside the file get the band's nodata value, or 0 in an added alpha band.
DatasetPtr warp_quality_band(GDALDataset* dataset, const std::string& path, const AnalysisGrid& grid,
                             const std::optional<double>& nodata) {
  std::vector<std::string> options{"-r", "near"};
  const auto nodata_options = nodata_warp_options(nodata);
  options.insert(options.end(), nodata_options.begin(), nodata_options.end());
  return warp_onto_grid(dataset, path, grid, std::move(options), "quality band");
}

}  // namespace zw::grid_detail
