#include "zonewatch/pipeline/gdal/block_mosaic.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>

#include <cpl_minixml.h>

#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw {
using kernels::Window;

namespace {

constexpr std::size_t kMostFiles = 100;

/// A whole number of pixels from an XML attribute, or nothing.
std::optional<int> whole_pixels(const CPLXMLNode* node, const char* name) {
  const char* text = CPLGetXMLValue(node, name, nullptr);
  if (text == nullptr) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || value != std::floor(value) || std::abs(value) > 1e9) return std::nullopt;
  return static_cast<int>(value);
}

std::optional<Window> rectangle(const CPLXMLNode* source, const char* element) {
  const CPLXMLNode* rect = CPLGetXMLNode(source, element);
  if (rect == nullptr) return std::nullopt;
  const auto x = whole_pixels(rect, "xOff"), y = whole_pixels(rect, "yOff");
  const auto w = whole_pixels(rect, "xSize"), h = whole_pixels(rect, "ySize");
  if (!x || !y || !w || !h || *w <= 0 || *h <= 0) return std::nullopt;
  return Window{*x, *y, *w, *h};
}

}  // namespace

std::shared_ptr<const BlockMosaic> BlockMosaic::open(GDALDataset& vrt, const std::string& path) {
  GDALDriver* driver = vrt.GetDriver();
  if (driver == nullptr || std::strcmp(driver->GetDescription(), "VRT") != 0) return nullptr;
  char** xml_list = vrt.GetMetadata("xml:VRT");
  if (xml_list == nullptr || xml_list[0] == nullptr) return nullptr;
  const XmlPtr root(CPLParseXMLString(xml_list[0]));
  const CPLXMLNode* dataset = root ? CPLGetXMLNode(root.get(), "=VRTDataset") : nullptr;
  if (dataset == nullptr || vrt.GetRasterCount() < 1) return nullptr;
  const GDALDataType type = vrt.GetRasterBand(1)->GetRasterDataType();
  const Window extent{0, 0, vrt.GetRasterXSize(), vrt.GetRasterYSize()};
  const std::filesystem::path vrt_folder = std::filesystem::path(path).parent_path();

  // Each file opened once for all the bands and places it fills.
  struct OpenedFile {
    std::shared_ptr<const TiffBlocks> blocks;
    int width = 0, height = 0, bands = 0;
    std::vector<GDALDataType> types;
  };
  std::map<std::string, std::optional<OpenedFile>> files;  // nullopt: GDAL must read it
  const auto open_file = [&](const std::string& file_path) -> const std::optional<OpenedFile>& {
    auto [it, added] = files.try_emplace(file_path);
    if (!added) return it->second;
    try {
      DatasetPtr source = open_raster(file_path);
      if (auto blocks = TiffBlocks::open(*source, file_path)) {
        OpenedFile opened{
            std::move(blocks), source->GetRasterXSize(), source->GetRasterYSize(), source->GetRasterCount(), {}};
        for (int b = 1; b <= opened.bands; ++b) opened.types.push_back(source->GetRasterBand(b)->GetRasterDataType());
        it->second = std::move(opened);
      }
    } catch (const Error&) {
      // GDAL's own read of the VRT then says what is wrong with the file.
    }
    return it->second;
  };

  std::vector<Band> bands(static_cast<std::size_t>(vrt.GetRasterCount()));
  std::vector<bool> seen(bands.size(), false);
  for (const CPLXMLNode* node = dataset->psChild; node != nullptr; node = node->psNext) {
    if (node->eType != CXT_Element) continue;
    // A dataset-wide mask or overviews change what GDAL reads or how: left to GDAL.
    if (EQUAL(node->pszValue, "MaskBand") || EQUAL(node->pszValue, "OverviewList")) return nullptr;
    if (!EQUAL(node->pszValue, "VRTRasterBand")) continue;
    if (CPLGetXMLValue(node, "subClass", nullptr) != nullptr) return nullptr;  // derived, warped, ...
    const auto number = whole_pixels(node, "band");
    if (!number || *number < 1 || *number > vrt.GetRasterCount() || seen[static_cast<std::size_t>(*number - 1)]) {
      return nullptr;
    }
    GDALRasterBand* vrt_band = vrt.GetRasterBand(*number);
    if (vrt_band->GetRasterDataType() != type) return nullptr;
    Band& band = bands[static_cast<std::size_t>(*number - 1)];
    seen[static_cast<std::size_t>(*number - 1)] = true;
    int has_nodata = 0;
    const double nodata = vrt_band->GetNoDataValue(&has_nodata);
    band.fill = has_nodata ? nodata : 0.0;
    for (const CPLXMLNode* child = node->psChild; child != nullptr; child = child->psNext) {
      if (child->eType != CXT_Element) continue;
      const char* name = child->pszValue;
      if (EQUAL(name, "NoDataValue") || EQUAL(name, "ColorInterp") || EQUAL(name, "Description") ||
          EQUAL(name, "Metadata") || EQUAL(name, "UnitType") || EQUAL(name, "Histograms")) {
        continue;
      }
      // ComplexSource (scaling, nodata masking, LUTs), averaged or filtered sources, pixel
      // functions, masks and overviews all change what GDAL reads: left to it.
      if (!EQUAL(name, "SimpleSource")) return nullptr;
      const char* file = CPLGetXMLValue(child, "SourceFilename", nullptr);
      const auto source_band = whole_pixels(child, "SourceBand");
      const auto from = rectangle(child, "SrcRect"), to = rectangle(child, "DstRect");
      if (file == nullptr || !source_band || !from || !to || from->width != to->width || from->height != to->height) {
        return nullptr;  // a resampled or implicit rectangle, or a mask band as source
      }
      const bool relative = EQUAL(CPLGetXMLValue(child, "SourceFilename.relativeToVRT", "0"), "1");
      const std::string file_path = relative ? (vrt_folder / file).string() : std::string(file);
      const std::optional<OpenedFile>& opened = open_file(file_path);
      if (!opened || *source_band < 1 || *source_band > opened->bands ||
          opened->types[static_cast<std::size_t>(*source_band - 1)] != type || from->x0 < 0 || from->y0 < 0 ||
          from->x1() > opened->width || from->y1() > opened->height) {
        return nullptr;
      }
      // Each file keeps a handle open while the mosaic lives; GDAL's VRT keeps a pool of
      // 100 instead. Mosaics of more files than that are left to it.
      if (files.size() > kMostFiles) return nullptr;
      // The part inside the VRT (GDAL clips a destination rectangle to the raster).
      const Window inside = kernels::intersection(*to, extent);
      if (inside.empty()) continue;
      const Window clipped_from{from->x0 + inside.x0 - to->x0, from->y0 + inside.y0 - to->y0, inside.width,
                                inside.height};
      band.placements.push_back({opened->blocks, *source_band, clipped_from, inside});
    }
  }
  for (const bool b : seen) {
    if (!b) return nullptr;
  }
  return std::make_shared<const BlockMosaic>(path, type, std::move(bands));
}

namespace {

/// Whether two bands take the same rectangles of the same files, in the same order.
bool same_places(const BlockMosaic::Band& a, const BlockMosaic::Band& b) {
  return std::equal(a.placements.begin(), a.placements.end(), b.placements.begin(), b.placements.end(),
                    [](const BlockMosaic::Placement& x, const BlockMosaic::Placement& y) {
                      return x.file == y.file && x.from == y.from && x.to == y.to;
                    });
}

}  // namespace

BlockMosaic::BlockMosaic(std::string path, GDALDataType type, std::vector<Band> bands)
    : path_(std::move(path)),
      type_(type),
      bands_(std::move(bands)),
      bands_share_places_(std::all_of(bands_.begin(), bands_.end(),
                                      [&](const Band& band) { return same_places(band, bands_.front()); })) {}

std::vector<int> BlockMosaic::known_bands(std::span<const int> bands) const {
  std::vector<int> known;
  for (int band : bands) {
    if (band >= 1 && static_cast<std::size_t>(band) <= bands_.size()) known.push_back(band);
  }
  return known;
}

template <class Visit>
void BlockMosaic::for_each_part(std::span<const int> bands, Window window, Visit&& visit) const {
  // The usual mosaic: every band's sources are the same rectangles of the same files, and a
  // block of a pixel-interleaved file holds all its bands: one visit per source for all the
  // bands (one read, one cache lookup per block). Otherwise a visit per band and source.
  const auto visit_group = [&](std::size_t first, std::size_t count) {
    const auto group = bands.subspan(first, count);
    const std::vector<Placement>& placements = bands_[static_cast<std::size_t>(group[0] - 1)].placements;
    std::vector<int> in_file(count);
    for (std::size_t i = 0; i < placements.size(); ++i) {
      const Placement& p = placements[i];
      const Window part = kernels::intersection(window, p.to);
      if (part.empty()) continue;
      for (std::size_t b = 0; b < count; ++b) {
        in_file[b] = bands_[static_cast<std::size_t>(group[b] - 1)].placements[i].band;
      }
      visit(first, p, part,
            Window{p.from.x0 + part.x0 - p.to.x0, p.from.y0 + part.y0 - p.to.y0, part.width, part.height},
            std::span<const int>(in_file));
    }
  };
  if (bands.empty()) return;
  if (bands_share_places_) {
    visit_group(0, bands.size());
  } else {
    for (std::size_t b = 0; b < bands.size(); ++b) visit_group(b, 1);
  }
}

void BlockMosaic::read(std::span<const int> bands, Window window, std::span<std::byte* const> outs) const {
  for (int band : bands) {
    if (band < 1 || static_cast<std::size_t>(band) > bands_.size()) {
      throw InputError(path_ + ": band " + std::to_string(band) + " requested but the mosaic has " +
                       std::to_string(bands_.size()));
    }
  }
  const auto value_bytes = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(type_));
  const auto out_row = static_cast<std::size_t>(window.width) * value_bytes;
  for (std::size_t b = 0; b < bands.size(); ++b) {
    // The band's nodata value (0 without one) where no source covers it, as GDAL fills; not
    // needed where one source covers the whole window.
    const Band& band = bands_[static_cast<std::size_t>(bands[b] - 1)];
    const bool covered = std::any_of(band.placements.begin(), band.placements.end(),
                                     [&](const Placement& p) { return kernels::intersection(window, p.to) == window; });
    if (!covered) {
      GDALCopyWords64(&band.fill, GDT_Float64, 0, outs[b], type_, static_cast<int>(value_bytes), window.pixel_count());
    }
  }
  std::vector<std::byte> part_pixels;
  std::vector<std::byte*> part_outs;
  for_each_part(bands, window,
                [&](std::size_t first, const Placement& p, const Window& part, const Window& in_file,
                    std::span<const int> in_file_bands) {
                  const auto group_outs = outs.subspan(first, in_file_bands.size());
                  if (part == window) {  // the window inside one source: read straight into the outputs
                    p.file->read(in_file_bands, in_file, group_outs);
                    return;
                  }
                  const auto part_bytes = static_cast<std::size_t>(part.pixel_count()) * value_bytes;
                  part_pixels.resize(part_bytes * in_file_bands.size());
                  part_outs.clear();
                  for (std::size_t b = 0; b < in_file_bands.size(); ++b) {
                    part_outs.push_back(part_pixels.data() + b * part_bytes);
                  }
                  p.file->read(in_file_bands, in_file, part_outs);
                  const auto part_row = static_cast<std::size_t>(part.width) * value_bytes;
                  for (std::size_t b = 0; b < in_file_bands.size(); ++b) {
                    for (int y = 0; y < part.height; ++y) {
                      std::memcpy(group_outs[b] + static_cast<std::size_t>(part.y0 - window.y0 + y) * out_row +
                                      static_cast<std::size_t>(part.x0 - window.x0) * value_bytes,
                                  part_outs[b] + static_cast<std::size_t>(y) * part_row, part_row);
                    }
                  }
                });
}

std::size_t BlockMosaic::cached_bytes(std::span<const int> bands, Window window) const {
  std::size_t bytes = 0;
  for_each_part(known_bands(bands), window,
                [&](std::size_t, const Placement& p, const Window&, const Window& in_file,
                    std::span<const int> in_file_bands) { bytes += p.file->cached_bytes(in_file_bands, in_file); });
  return bytes;
}

void BlockMosaic::keep_cached(std::span<const int> bands, Window window) const {
  for_each_part(known_bands(bands), window,
                [&](std::size_t, const Placement& p, const Window&, const Window& in_file,
                    std::span<const int> in_file_bands) { p.file->keep_cached(in_file_bands, in_file); });
}

}  // namespace zw
