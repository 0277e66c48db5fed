// The scene reader: windows of a scene's bands on the analysis grid (read directly where a
// file lies on the grid, through a warped VRT else), their validity masks, and their
// conversion to reflectance by role.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <future>
#include <tuple>
#include <utility>

#include "file_grid.hpp"
#include "zonewatch/kernels/quality.hpp"
#include "zonewatch/pipeline/core/concurrency.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/block_mosaic.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/gdal/tiff_blocks.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"

namespace zw {
using grid_detail::FileGrid;
using grid_detail::read_file_grid;
using grid_detail::same_grid;
using kernels::BandRole;
using kernels::Window;

void raw_to_reflectance(const RawBand& raw, const SensorProfile& profile, const std::vector<std::uint8_t>& valid,
                        kernels::TileView<float> out) {
  const auto scale = static_cast<float>(raw.scale.value_or(profile.scale));
  const auto offset = static_cast<float>(raw.offset.value_or(profile.offset));
  switch (raw.type) {
    case GDT_Byte: kernels::to_reflectance(raw.view<std::uint8_t>(), profile.nodata, scale, offset, out); break;
    case GDT_UInt16: kernels::to_reflectance(raw.view<std::uint16_t>(), profile.nodata, scale, offset, out); break;
    case GDT_Int16: kernels::to_reflectance(raw.view<std::int16_t>(), profile.nodata, scale, offset, out); break;
    case GDT_UInt32: kernels::to_reflectance(raw.view<std::uint32_t>(), profile.nodata, scale, offset, out); break;
    case GDT_Int32: kernels::to_reflectance(raw.view<std::int32_t>(), profile.nodata, scale, offset, out); break;
    case GDT_Float32: kernels::to_reflectance(raw.view<float>(), profile.nodata, scale, offset, out); break;
    case GDT_Float64: kernels::to_reflectance(raw.view<double>(), profile.nodata, scale, offset, out); break;
    default: throw InputError("pixel type " + gdal_type_name(raw.type) + " is not supported");
  }
  if (!valid.empty()) {
    for (int y = 0; y < out.height; ++y) {
      float* row = out.row(y);
      const std::uint8_t* v = valid.data() + static_cast<std::size_t>(y) * out.width;
      for (int x = 0; x < out.width; ++x) {
        if (v[x] == 0) row[x] = kernels::kNaN;
      }
    }
  }
}

RawSceneTile subsample(const RawSceneTile& raw, int x_first, int y_first, int stride) {
  const Window w = raw.window;
  const int width = x_first < w.width ? (w.width - x_first + stride - 1) / stride : 0;
  const int height = y_first < w.height ? (w.height - y_first + stride - 1) / stride : 0;
  RawSceneTile out;
  out.window = {w.x0, w.y0, width, height};
  const auto pick = [&](const std::byte* source, std::size_t element, std::byte* dest) {
    for (int y = 0; y < height; ++y) {
      const std::byte* row = source + (static_cast<std::size_t>(y_first + y * stride) * w.width) * element;
      for (int x = 0; x < width; ++x, dest += element) {
        std::memcpy(dest, row + static_cast<std::size_t>(x_first + x * stride) * element, element);
      }
    }
  };
  const auto count = static_cast<std::size_t>(width) * height;
  for (std::size_t b = 0; b < raw.bands.size(); ++b) {
    const RawBand& in = raw.bands[b];
    if (in.empty()) continue;
    RawBand& band = out.bands[b];
    band.type = in.type;
    band.scale = in.scale;
    band.offset = in.offset;
    band.width = width;
    band.height = height;
    const auto element = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(in.type));
    band.bytes.resize(count * element);
    pick(in.bytes.data(), element, band.bytes.data());
  }
  if (!raw.valid.empty()) {
    out.valid.resize(count);
    pick(reinterpret_cast<const std::byte*>(raw.valid.data()), 1, reinterpret_cast<std::byte*>(out.valid.data()));
  }
  return out;
}

kernels::BandSet ReflectanceTile::band_set() const {
  kernels::BandSet set;
  for (int r = 0; r < kernels::kBandRoleCount; ++r) {
    const auto role = static_cast<BandRole>(r);
    if (has(role)) set[role] = (*this)[role].view();
  }
  return set;
}

ReflectanceTile to_reflectance_tile(const RawSceneTile& raw, const SensorProfile& profile,
                                    const std::vector<BandRole>& roles) {
  ReflectanceTile out;
  out.window = raw.window;
  for (BandRole role : roles) {
    const RawBand& band = raw.bands[static_cast<std::size_t>(role)];
    if (band.empty()) continue;
    kernels::Tile<float>& tile = out[role];
    tile = kernels::Tile<float>(band.width, band.height, kernels::kUninitialized);
    raw_to_reflectance(band, profile, raw.valid, tile.view());
  }
  return out;
}

// ---------------------------------------------------------------------------------------

struct SceneReader::Source {
  std::string path;
  DatasetPtr dataset;                           // the file
  DatasetPtr warped;                            // its warped VRT onto the grid, or null when it lies on the grid
  std::vector<std::pair<BandRole, int>> roles;  // role -> band index in `dataset`
  int alpha_band = 0;                           // profile alpha band in `dataset` (0 none)
  int warp_alpha_band = 0;                      // alpha band the warp adds (0 none)
  GDALDataType type = GDT_Unknown;
  std::optional<double> nodata;  // quality band: its own nodata value, when it has one
  DatasetPtr selected;           // quality band: a one-band VRT of it, when the file has more
  /// Aggregated sources (pixels much finer than the grid, e.g. a drone orthomosaic): the
  /// file's validity mask padded beyond its edges, and warped onto the grid by averaging:
  /// the share of each grid pixel covered by valid pixels, 0..255 (Float32).
  DatasetPtr coverage_mask;
  DatasetPtr coverage;
  /// The file's blocks decoded without GDAL where it lies on the grid in a layout
  /// TiffBlocks reads (gdal/tiff_blocks.hpp); null: GDAL reads it.
  std::shared_ptr<const DirectRaster> blocks;

  /// The bands this reader takes from `dataset` through `blocks`: the roles', then alpha.
  [[nodiscard]] std::vector<int> direct_bands() const {
    std::vector<int> bands;
    for (const auto& [role, band] : roles) bands.push_back(band);
    if (alpha_band > 0) bands.push_back(alpha_band);
    return bands;
  }

  [[nodiscard]] GDALDataset* readable() const { return warped ? warped.get() : dataset.get(); }
};

namespace {

/// Grid pixels this many times larger than a file's (or more) are aggregated by
/// area-weighted averaging instead of bilinear interpolation, which would sample a few
/// centimetre pixels and ignore the rest.
constexpr double kAggregateRatio = 2.0;
/// An aggregated grid pixel needs at least this share of its area under valid pixels.
constexpr double kMinCoverage = 0.5;

}  // namespace

using grid_detail::nodata_warp_options;
using grid_detail::source_pixels_per_grid_pixel;
using grid_detail::warp_coverage;
using grid_detail::warp_onto_grid;
using grid_detail::warp_quality_band;

SceneReader::SceneReader(const Scene& scene, const AnalysisGrid& grid, const std::vector<BandRole>& roles)
    : scene_(scene) {
  // The spectral cloud test needs the visible, NIR and SWIR bands the scene has, whatever
  // the caller reads; it runs here so that every reader of the scene (detection,
  // composites, recovery checks) sees the same mask.
  spectral_test_ = !scene.quality && scene.profile.cloud_test == CloudTest::spectral;
  std::vector<BandRole> read_roles = roles;
  if (spectral_test_) {
    for (BandRole r : {BandRole::blue, BandRole::green, BandRole::red, BandRole::nir, BandRole::swir1}) {
      if (scene.has(r) && std::find(read_roles.begin(), read_roles.end(), r) == read_roles.end())
        read_roles.push_back(r);
    }
  }
  for (BandRole role : roles) {
    if (scene.has(role)) roles_.push_back(role);
  }
  for (BandRole role : read_roles) {
    if (!scene.has(role)) continue;
    const BandFile& bf = scene.band(role);
    auto it = std::find_if(sources_.begin(), sources_.end(), [&](const auto& s) { return s->path == bf.path; });
    if (it == sources_.end()) {
      auto source = std::make_unique<Source>();
      source->path = bf.path;
      source->dataset = open_raster(bf.path);
      sources_.push_back(std::move(source));
      it = std::prev(sources_.end());
    }
    (*it)->roles.emplace_back(role, bf.band);
  }
  if (scene.alpha) {
    for (auto& s : sources_) {
      if (s->path == scene.alpha->path) s->alpha_band = scene.alpha->band;
    }
  }
  for (auto& s : sources_) {
    GDALRasterBand* first = s->dataset->GetRasterBand(s->roles.front().second);
    s->type = first->GetRasterDataType();
    if (GDALDataTypeIsComplex(s->type)) throw InputError(s->path + ": complex pixels are not supported");
    const FileGrid fg = read_file_grid(s->path);
    if (same_grid(fg, grid)) {
      s->blocks = TiffBlocks::open(*s->dataset, s->path);
      if (!s->blocks) s->blocks = BlockMosaic::open(*s->dataset, s->path);
      continue;
    }
    if (grid.crs_wkt.empty() || fg.wkt.empty()) {
      throw InputError(s->path + ": cannot be aligned with the analysis grid without georeferencing");
    }
    // Warp onto the grid: bilinear for reflectance, or area-weighted averaging where the
    // file is much finer than the grid (drone orthomosaics onto a satellite grid). Without
    // a nodata value the warp adds an alpha band to mark pixels outside the file.
    const double ratio = source_pixels_per_grid_pixel(s->dataset.get(), grid);
    const bool aggregate = ratio >= kAggregateRatio;
    std::vector<std::string> options{"-r", aggregate ? "average" : "bilinear"};
    const auto nodata_options = nodata_warp_options(scene.profile.nodata);
    options.insert(options.end(), nodata_options.begin(), nodata_options.end());
    s->warped = warp_onto_grid(s->dataset.get(), s->path, grid, std::move(options), "");
    if (!scene.profile.nodata) s->warp_alpha_band = s->warped->GetRasterCount();
    if (s->alpha_band > s->warped->GetRasterCount() - (s->warp_alpha_band > 0 ? 1 : 0)) {
      s->alpha_band = 0;  // the warp consumed the source alpha into its own
    }
    if (aggregate) std::tie(s->coverage_mask, s->coverage) = warp_coverage(s->dataset.get(), s->path, grid, ratio);
  }

  if (scene.quality) {
    auto q = std::make_unique<Source>();
    q->path = scene.quality->path;
    q->dataset = open_raster(q->path);
    const int count = q->dataset->GetRasterCount();
    if (scene.quality->band < 1 || scene.quality->band > count) {
      throw InputError(q->path + ": quality band " + std::to_string(scene.quality->band) +
                       " requested but the file has " + std::to_string(count) + " band(s)");
    }
    GDALRasterBand* band = q->dataset->GetRasterBand(scene.quality->band);
    q->type = band->GetRasterDataType();
    if (GDALDataTypeIsComplex(q->type) || GDALDataTypeIsFloating(q->type)) {
      throw InputError(q->path + ": quality band must hold integer flags, not " + gdal_type_name(q->type));
    }
    int has_nodata = 0;
    const double nodata = band->GetNoDataValue(&has_nodata);
    if (has_nodata != 0) q->nodata = nodata;
    q->roles.emplace_back(BandRole::blue, scene.quality->band);  // role unused: the band to read
    const FileGrid fg = read_file_grid(q->path);
    if (!same_grid(fg, grid)) {
      if (grid.crs_wkt.empty() || fg.wkt.empty()) {
        throw InputError(q->path + ": quality band cannot be aligned with the analysis grid without georeferencing");
      }
      GDALDataset* source = q->dataset.get();
      if (count > 1) {
        // A quality band inside a multi-band file: warp a one-band VRT of it.
        q->selected = grid_detail::translate_to_vrt(source, {"-b", std::to_string(scene.quality->band)});
        if (!q->selected) {
          throw InputError(q->path + ": quality band " + std::to_string(scene.quality->band) + " cannot be selected" +
                           gdal_error_suffix());
        }
        source = q->selected.get();
      }
      q->warped = warp_quality_band(source, q->path, grid, q->nodata);
      q->roles.front().second = 1;  // the warped VRT holds just that band
      if (!q->nodata) q->warp_alpha_band = q->warped->GetRasterCount();
    }
    quality_ = std::move(q);
  }
}

SceneReader::~SceneReader() {
  // Warped VRTs reference their source datasets: close them first.
  for (auto& s : sources_) {
    s->warped.reset();
    s->coverage.reset();
    s->coverage_mask.reset();
  }
  if (quality_) quality_->warped.reset();
}

bool SceneReader::warped() const {
  return std::any_of(sources_.begin(), sources_.end(), [](const auto& s) { return s->warped != nullptr; });
}

bool SceneReader::aggregated() const {
  return std::any_of(sources_.begin(), sources_.end(), [](const auto& s) { return s->coverage != nullptr; });
}

ReflectanceTile SceneReader::read_reflectance(Window window) {
  RawSceneTile raw;
  read(window, raw);
  return to_reflectance_tile(raw, scene_.profile, roles_);
}

namespace {

/// Whether alpha value `v` is non-zero once GDAL converts it to Byte (negative values clamp
/// to 0, fractions round): what the GDAL path's Byte read of the alpha band then tests.
template <class T>
std::vector<std::uint8_t> alpha_as_mask(const std::vector<std::byte>& bytes) {
  std::vector<std::uint8_t> mask(bytes.size() / sizeof(T));
  for (std::size_t i = 0; i < mask.size(); ++i) {
    T v;
    std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
    if constexpr (std::is_floating_point_v<T>) {
      mask[i] = v >= T(0.5) ? 1 : 0;  // NaN: 0
    } else {
      mask[i] = v > 0 ? 1 : 0;
    }
  }
  return mask;
}

}  // namespace

void SceneReader::read_direct(const Source& s, Window window, RawSceneTile& out) {
  const auto pixels = static_cast<std::size_t>(window.pixel_count());
  const auto type_size = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(s.type));
  const std::vector<int> bands = s.direct_bands();
  std::vector<std::byte*> outs;
  for (const auto& [role, band] : s.roles) {
    RawBand& raw = out.bands[static_cast<int>(role)];
    raw.type = s.type;
    if (const auto& location = scene_.profile.band(role)) {
      raw.scale = location->scale;
      raw.offset = location->offset;
    }
    raw.width = window.width;
    raw.height = window.height;
    raw.bytes.resize(pixels * type_size);
    outs.push_back(raw.bytes.data());
  }
  std::vector<std::byte> alpha;
  if (s.alpha_band > 0) {
    alpha.resize(pixels * type_size);
    outs.push_back(alpha.data());
  }
  s.blocks->read(bands, window, outs);
  if (alpha.empty()) return;
  std::vector<std::uint8_t> mask;
  switch (s.type) {
    case GDT_Byte: mask = alpha_as_mask<std::uint8_t>(alpha); break;
    case GDT_UInt16: mask = alpha_as_mask<std::uint16_t>(alpha); break;
    case GDT_Int16: mask = alpha_as_mask<std::int16_t>(alpha); break;
    case GDT_UInt32: mask = alpha_as_mask<std::uint32_t>(alpha); break;
    case GDT_Int32: mask = alpha_as_mask<std::int32_t>(alpha); break;
    case GDT_Float32: mask = alpha_as_mask<float>(alpha); break;
    case GDT_Float64: mask = alpha_as_mask<double>(alpha); break;
    default: throw InputError(s.path + ": alpha band of type " + gdal_type_name(s.type) + " is not supported");
  }
  if (out.valid.empty()) out.valid.assign(pixels, 1);
  for (std::size_t i = 0; i < pixels; ++i) {
    if (mask[i] == 0) out.valid[i] = 0;
  }
}

void SceneReader::read(Window window, RawSceneTile& out) {
  const auto pixels = static_cast<std::size_t>(window.pixel_count());
  out.window = window;
  out.valid.clear();
  for (auto& b : out.bands) b = RawBand{};
  auto mark_invalid = [&](const std::vector<std::uint8_t>& mask) {
    if (out.valid.empty()) out.valid.assign(pixels, 1);
    for (std::size_t i = 0; i < pixels; ++i) {
      if (mask[i] == 0) out.valid[i] = 0;
    }
  };
  for (auto& s : sources_) {
    GDALDataset* ds = s->readable();
    const int type_size = GDALGetDataTypeSizeBytes(s->type);
    if (s->blocks) {
      read_direct(*s, window, out);
      continue;
    }
    for (const auto& [role, band] : s->roles) {
      RawBand& raw = out.bands[static_cast<int>(role)];
      raw.type = s->type;
      if (const auto& location = scene_.profile.band(role)) {
        raw.scale = location->scale;
        raw.offset = location->offset;
      }
      raw.width = window.width;
      raw.height = window.height;
      raw.bytes.resize(pixels * static_cast<std::size_t>(type_size));
      take_gdal_error();
      if (ds->GetRasterBand(band)->RasterIO(GF_Read, window.x0, window.y0, window.width, window.height,
                                            raw.bytes.data(), window.width, window.height, s->type, 0, 0,
                                            nullptr) != CE_None) {
        throw InputError(s->path + ": read failed at pixel " + std::to_string(window.x0) + "," +
                         std::to_string(window.y0) + " (file truncated or corrupt?)" + gdal_error_suffix());
      }
    }
    for (int mask_band : {s->alpha_band, s->warp_alpha_band}) {
      if (mask_band <= 0) continue;
      std::vector<std::uint8_t> mask(pixels);
      if (ds->GetRasterBand(mask_band)->RasterIO(GF_Read, window.x0, window.y0, window.width, window.height,
                                                 mask.data(), window.width, window.height, GDT_Byte, 0, 0,
                                                 nullptr) != CE_None) {
        throw InputError(s->path + ": read of the alpha band failed" + gdal_error_suffix());
      }
      mark_invalid(mask);
    }
    if (s->coverage) {
      std::vector<float> share(pixels);
      if (s->coverage->GetRasterBand(1)->RasterIO(GF_Read, window.x0, window.y0, window.width, window.height,
                                                  share.data(), window.width, window.height, GDT_Float32, 0, 0,
                                                  nullptr) != CE_None) {
        throw InputError(s->path + ": read of its coverage failed" + gdal_error_suffix());
      }
      std::vector<std::uint8_t> mask(pixels);
      for (std::size_t i = 0; i < pixels; ++i) mask[i] = share[i] >= 255.0 * kMinCoverage ? 1 : 0;
      mark_invalid(mask);
    }
  }
  if (quality_) mask_quality(window, out);
  if (spectral_test_) mask_spectral_clouds(out);
}

void SceneReader::mask_quality(Window window, RawSceneTile& out) {
  const auto pixels = static_cast<std::size_t>(window.pixel_count());
  GDALDataset* ds = quality_->readable();
  std::vector<std::int32_t> words(pixels);
  take_gdal_error();
  if (ds->GetRasterBand(quality_->roles.front().second)
          ->RasterIO(GF_Read, window.x0, window.y0, window.width, window.height, words.data(), window.width,
                     window.height, GDT_Int32, 0, 0, nullptr) != CE_None) {
    throw InputError(quality_->path + ": read of the quality band failed at pixel " + std::to_string(window.x0) + "," +
                     std::to_string(window.y0) + gdal_error_suffix());
  }
  std::vector<std::uint16_t> qa(pixels);
  std::vector<std::uint8_t> clear(pixels);
  for (std::size_t i = 0; i < pixels; ++i) qa[i] = static_cast<std::uint16_t>(std::clamp(words[i], 0, 65535));
  kernels::decode_quality({qa.data(), window.width, window.height}, scene_.quality->encoding,
                          {clear.data(), window.width, window.height});
  for (std::size_t i = 0; i < pixels; ++i) {
    // The band's own fill value, and anything that is not a 16-bit word, is no observation.
    if ((quality_->nodata && static_cast<double>(words[i]) == *quality_->nodata) || words[i] < 0 || words[i] > 65535) {
      clear[i] = 0;
    }
  }
  if (quality_->warp_alpha_band > 0) {
    std::vector<std::uint8_t> alpha(pixels);
    if (ds->GetRasterBand(quality_->warp_alpha_band)
            ->RasterIO(GF_Read, window.x0, window.y0, window.width, window.height, alpha.data(), window.width,
                       window.height, GDT_Byte, 0, 0, nullptr) != CE_None) {
      throw InputError(quality_->path + ": read of the quality band's coverage failed" + gdal_error_suffix());
    }
    for (std::size_t i = 0; i < pixels; ++i) {
      if (alpha[i] == 0) clear[i] = 0;
    }
  }
  if (out.valid.empty()) out.valid.assign(pixels, 1);
  for (std::size_t i = 0; i < pixels; ++i) out.valid[i] &= clear[i];
}

void SceneReader::mask_spectral_clouds(RawSceneTile& out) {
  const int width = out.window.width, height = out.window.height;
  if (std::all_of(out.bands.begin(), out.bands.end(), [](const RawBand& b) { return b.empty(); })) return;
  const ReflectanceTile reflectance = to_reflectance_tile(
      out, scene_.profile, {BandRole::blue, BandRole::green, BandRole::red, BandRole::nir, BandRole::swir1});
  const kernels::BandSet set = reflectance.band_set();
  const auto pixels = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  std::vector<std::uint8_t> clear(pixels);
  kernels::spectral_clear_mask(set, kernels::SpectralCloudTest{}, {clear.data(), width, height});
  if (out.valid.empty()) out.valid.assign(pixels, 1);
  for (std::size_t i = 0; i < pixels; ++i) out.valid[i] &= clear[i];
}

namespace {

/// Calls `visit(band, block_x, block_y)` for every block of `band` that `window` touches.
template <class Visit>
void for_each_block(GDALRasterBand* band, const Window& window, Visit&& visit) {
  int block_width = 0, block_height = 0;
  band->GetBlockSize(&block_width, &block_height);
  if (block_width <= 0 || block_height <= 0 || window.empty()) return;
  for (int by = window.y0 / block_height; by <= (window.y0 + window.height - 1) / block_height; ++by) {
    for (int bx = window.x0 / block_width; bx <= (window.x0 + window.width - 1) / block_width; ++bx) {
      visit(band, bx, by);
    }
  }
}

}  // namespace

std::size_t block_cache_bytes() { return static_cast<std::size_t>(std::max<GIntBig>(0, GDALGetCacheMax64())); }

std::size_t SceneReader::block_bytes(const std::vector<Window>& windows) const {
  std::size_t bytes = 0;
  for (const auto& s : sources_) {
    if (s->warped) continue;
    if (s->blocks) {
      const std::vector<int> bands = s->direct_bands();
      for (const Window& window : windows) bytes += s->blocks->cached_bytes(bands, window);
      continue;
    }
    for (const auto& [role, band_index] : s->roles) {
      GDALRasterBand* band = s->dataset->GetRasterBand(band_index);
      int block_width = 0, block_height = 0;
      band->GetBlockSize(&block_width, &block_height);
      const auto block = static_cast<std::size_t>(block_width) * static_cast<std::size_t>(block_height) *
                         static_cast<std::size_t>(GDALGetDataTypeSizeBytes(band->GetRasterDataType()));
      for (const Window& window : windows)
        for_each_block(band, window, [&](GDALRasterBand*, int, int) { bytes += block; });
    }
  }
  return bytes;
}

void SceneReader::keep_cached(const std::vector<Window>& windows) const {
  for (const auto& s : sources_) {
    if (s->warped) continue;
    if (s->blocks) {
      const std::vector<int> bands = s->direct_bands();
      for (const Window& window : windows) s->blocks->keep_cached(bands, window);
      continue;
    }
    for (const auto& [role, band_index] : s->roles) {
      GDALRasterBand* band = s->dataset->GetRasterBand(band_index);
      for (const Window& window : windows) {
        for_each_block(band, window, [](GDALRasterBand* b, int bx, int by) {
          // Only a block the cache holds; TryGetLockedBlockRef never reads.
          if (GDALRasterBlock* block = b->TryGetLockedBlockRef(bx, by)) {
            block->Touch();
            block->DropLock();
          }
        });
      }
    }
  }
}

bool SceneReader::reads_concurrently() const {
  return quality_ == nullptr && std::all_of(sources_.begin(), sources_.end(), [](const auto& s) { return s->blocks; });
}

RawTilePair read_pair(SceneReader& before, SceneReader& after, Window window, PairReading how) {
  RawTilePair pair;
  pair.window = window;
  if (&before == &after || how == PairReading::in_this_thread) {
    before.read(window, pair.before);
    after.read(window, pair.after);
    return pair;
  }
  // The read stage is serial, and where a window is one block per file (the statistics
  // lattice) GDAL's own threads cannot split it: the two dates decode side by side instead.
  // Each has its own files and GDAL handles, and GDAL errors are captured per thread. A
  // thread of its own, not a TBB task: the workers are busy computing earlier tiles, and a
  // task would wait for one (tbb::parallel_invoke measured no gain). If `before` throws, the
  // future's destructor waits for `after` before `pair` goes.
  auto after_read = std::async(side_work_launch(), [&] { after.read(window, pair.after); });
  before.read(window, pair.before);
  after_read.get();
  return pair;
}

RawTilePair PairReads::start(Window window) const {
  if (!in_parallel_) return read_pair(before_, after_, window, PairReading::side_by_side);
  RawTilePair pair;
  pair.window = window;
  return pair;
}

void PairReads::finish(RawTilePair& pair) const {
  if (in_parallel_) pair = read_pair(before_, after_, pair.window, PairReading::in_this_thread);
}

}  // namespace zw
