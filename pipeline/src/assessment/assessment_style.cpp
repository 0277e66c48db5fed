// The assessment layer as QGIS opens it: filled by change class (red for a marked decline to
// green for a marked improvement, grey where not assessed), labelled with the unit's name,
// the attribute table under Chinese aliases.
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include "assessment_columns.hpp"
#include "zonewatch/pipeline/assessment/assessment.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/outputs/layer_styles.hpp"

namespace zw {
namespace {

Rgba colour_of(std::string_view hex) {
  // "#rrggbb", as class_colour() gives it.
  const auto channel = [&](std::size_t at) {
    return static_cast<std::uint8_t>(std::strtoul(std::string(hex.substr(at, 2)).c_str(), nullptr, 16));
  };
  return {channel(1), channel(3), channel(5), 255};
}

/// Chinese names of the fields a reader looks at first; the others keep their own name.
const std::map<std::string, std::string>& known_aliases() {
  static const std::map<std::string, std::string> aliases{
      {"unit_code", "单元编码"},
      {"unit_name", "单元名称"},
      {"region", "行政区"},
      {"unit_type", "单元类型"},
      {"unit_type_zh", "单元类型(中文)"},
      {"area_m2", "面积(m²)"},
      {"valid_area_m2", "有效面积(m²)"},
      {"class", "变化等级"},
      {"class_zh", "变化等级(中文)"},
      {"class_pts", "变化量(分)"},
      {"class_vs_prev", "较上年等级"},
      {"class_vs_base", "较基准年等级"},
      {"rsei_chg_prev_pts", "RSEI较上年变化(分)"},
      {"rsei_chg_base_pts", "RSEI较基准年变化(分)"},
      {"fvc_chg_prev_pts", "植被覆盖度较上年变化(分)"},
      {"fvc_chg_base_pts", "植被覆盖度较基准年变化(分)"},
      {"trend_p_value", "趋势显著性p值"},
      {"trend_years", "趋势年数"},
      {"trend_significant", "趋势显著"},
      {"hotspots_found", "发现图斑数"},
      {"hotspots_confirmed", "属实图斑数"},
      {"hotspots_rectified", "已整改图斑数"},
  };
  return aliases;
}

}  // namespace

void style_assessment_layer(const std::filesystem::path& gpkg, const std::string& layer) {
  GDALDatasetUniquePtr dataset(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
  if (!dataset) throw OutputError(gpkg.string() + ": cannot open to store the QGIS layer style");
  OGRLayer* ogr_layer = dataset->GetLayerByName(layer.c_str());
  if (ogr_layer == nullptr) throw InternalError(gpkg.string() + ": no layer " + layer + " to style");

  LayerStyle style;
  style.layer = layer;
  style.geometry_column = ogr_layer->GetGeometryColumn();
  style.name = "zonewatch assessment class";
  style.description = "Units filled by the class of their ecological change (HJ 192-2015 grading)";
  style.renderer = LayerStyle::Renderer::categorized;
  style.category_field = "class";
  for (const auto& entry : kernels::kChangeClassNames.entries()) {
    const Rgba fill = colour_of(assessment_detail::class_colour(entry.value));
    style.classes.push_back({assessment_detail::class_label(entry.value),
                             {{"class", std::string(entry.name)}},
                             {64, 64, 64, 255},
                             0.3,
                             true,
                             fill});
  }
  style.label_expression = "\"unit_name\"";

  std::vector<FieldAlias> aliases;
  OGRFeatureDefn* definition = ogr_layer->GetLayerDefn();
  for (int i = 0; i < definition->GetFieldCount(); ++i) {
    const std::string field = definition->GetFieldDefn(i)->GetNameRef();
    const auto known = known_aliases().find(field);
    aliases.push_back({field, known == known_aliases().end() ? field : known->second, "", ""});
  }
  write_layer_style(*dataset, style, aliases, gpkg);
}

}  // namespace zw
