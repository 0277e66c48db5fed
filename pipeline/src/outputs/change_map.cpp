#include "zonewatch/pipeline/outputs/change_map.hpp"

#include <string>
#include <vector>

#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"

namespace zw {
using kernels::ChangeType;

ChangeColour change_type_colour(ChangeType type) {
  switch (type) {
    case ChangeType::vegetation_loss: return {34, 139, 34, 255};
    case ChangeType::construction: return {230, 80, 30, 255};
    case ChangeType::water_loss: return {30, 110, 220, 255};
    case ChangeType::water_gain: return {0, 200, 220, 255};
    case ChangeType::other: return {200, 200, 0, 255};
    case ChangeType::dumping: return {150, 90, 40, 255};        // earth brown
    case ChangeType::blue_roof: return {40, 60, 240, 255};      // steel-sheet blue
    case ChangeType::mining: return {120, 60, 150, 255};        // purple, apart from construction's orange
    case ChangeType::water_quality: return {0, 130, 110, 255};  // teal, apart from the water classes
    default: return {};
  }
}

std::string ChangeColour::hex() const { return text::printf_string("#%02x%02x%02x", red, green, blue); }

double change_map_nodata() { return static_cast<double>(ChangeType::nodata); }

RasterWriter create_change_map(const std::filesystem::path& path, const AnalysisGrid& grid) {
  RasterWriterOptions options;
  options.type = GDT_Byte;
  options.creation_options = {"TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512",
                              "BIGTIFF=IF_SAFER"};  // codec: CogOptions
  // Classes: an overview pixel is one of the classes it covers, never an average of them.
  RasterWriter writer(path, grid, options, CogOptions::for_classes());
  describe_change_map(*writer.band());
  return writer;
}

void describe_change_map(GDALRasterBand& band) {
  band.SetNoDataValue(change_map_nodata());
  GDALColorTable colors;
  for (int i = 0; i < 256; ++i) {
    const ChangeColour colour =
        i < kernels::kChangeTypeCount ? change_type_colour(static_cast<ChangeType>(i)) : ChangeColour{};
    const GDALColorEntry entry{colour.red, colour.green, colour.blue, colour.alpha};
    colors.SetColorEntry(i, &entry);
  }
  band.SetColorTable(&colors);
  std::vector<std::string> names(256);
  for (int i = 0; i < kernels::kChangeTypeCount; ++i) {
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
