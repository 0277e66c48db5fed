#include "zonewatch/pipeline/outputs/change_map.hpp"

#include <array>
#include <string>
#include <vector>

#include "zonewatch/kernels/change_typing.hpp"

namespace zw {
using kernels::ChangeType;

double change_map_nodata() { return static_cast<double>(ChangeType::nodata); }

RasterWriter create_change_map(const std::filesystem::path& path, const AnalysisGrid& grid) {
  RasterWriterOptions options;
  options.type = GDT_Byte;
  options.creation_options = {"TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=DEFLATE", "BIGTIFF=IF_SAFER"};
  // Classes: an overview pixel is one of the classes it covers, never an average of them.
  RasterWriter writer(path, grid, options, CogOptions::for_classes());
  describe_change_map(*writer.band());
  return writer;
}

void describe_change_map(GDALRasterBand& band) {
  band.SetNoDataValue(change_map_nodata());
  GDALColorTable colors;
  const std::array<GDALColorEntry, 6> entries{{{0, 0, 0, 0},
                                               {34, 139, 34, 255},    // vegetation loss
                                               {230, 80, 30, 255},    // construction / bare soil
                                               {30, 110, 220, 255},   // water loss
                                               {0, 200, 220, 255},    // water gain
                                               {200, 200, 0, 255}}};  // other
  for (int i = 0; i < 256; ++i) {
    const GDALColorEntry none{0, 0, 0, 0};
    colors.SetColorEntry(i, i < 6 ? &entries[static_cast<std::size_t>(i)] : &none);
  }
  band.SetColorTable(&colors);
  std::vector<std::string> names(256);
  for (int i = 0; i < 6; ++i) {
    names[static_cast<std::size_t>(i)] = std::string(kernels::to_string(static_cast<ChangeType>(i)));
  }
  names[255] = "nodata";
  std::vector<char*> list;
  for (auto& n : names) list.push_back(n.data());
  list.push_back(nullptr);
  band.SetCategoryNames(list.data());
  band.SetDescription("change type");
}

}  // namespace zw
