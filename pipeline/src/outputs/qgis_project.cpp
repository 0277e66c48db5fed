// project.qgs: the scan's layers in one QGIS 3 project, styled, with relative paths.
#include "zonewatch/pipeline/outputs/qgis_project.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>
#include <vector>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include "zonewatch/kernels/change_typing.hpp"
#include "zonewatch/pipeline/core/atomic_output.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/outputs/layer_styles.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;

constexpr const char* kQgisVersion = "3.22.16-Białowieża";
constexpr const char* kHotspotsId = "hotspots_zonewatch";
constexpr const char* kUnitsId = "units_zonewatch";
constexpr const char* kChangeMapId = "change_map_zonewatch";

std::string element(std::string_view name, std::string_view text) {
  return "<" + std::string(name) + ">" + text::xml_escape(text) + "</" + std::string(name) + ">";
}

std::string number(double value) { return text::printf_string("%.17g", value); }

/// QGIS's <spatialrefsys>: the WKT is what it reads first; the authority ID and PROJ string
/// help older releases and the CRS selector.
std::string spatial_ref_sys(const QgisProjectContents& contents) {
  if (contents.crs_wkt.empty()) return "<spatialrefsys nativeFormat=\"Wkt\"/>";
  OGRSpatialReference srs;
  std::string authid, proj4, description;
  if (srs.importFromWkt(contents.crs_wkt.c_str()) == OGRERR_NONE) {
    srs.AutoIdentifyEPSG();
    const char* authority = srs.GetAuthorityName(nullptr);
    const char* code = srs.GetAuthorityCode(nullptr);
    if (authority != nullptr && code != nullptr) authid = std::string(authority) + ":" + code;
    char* proj = nullptr;
    if (srs.exportToProj4(&proj) == OGRERR_NONE && proj != nullptr) proj4 = proj;
    CPLFree(proj);
    if (const char* name = srs.GetName()) description = name;
  }
  return "<spatialrefsys nativeFormat=\"Wkt\">" + element("wkt", contents.crs_wkt) + element("proj4", proj4) +
         element("authid", authid) + element("description", description) +
         element("geographicflag", contents.geographic ? "true" : "false") + "</spatialrefsys>";
}

std::string extent_xml(const QgisProjectContents& contents) {
  return "<extent>" + element("xmin", number(contents.extent[0])) + element("ymin", number(contents.extent[1])) +
         element("xmax", number(contents.extent[2])) + element("ymax", number(contents.extent[3])) + "</extent>";
}

struct PaletteEntry {
  int value;
  std::string colour;  // #rrggbb
  int alpha;
  std::string label;
};

/// The change classes of change.tif's colour table, labelled in Chinese and English.
std::vector<PaletteEntry> change_map_palette(const fs::path& change_map, const fs::path& project) {
  const CPLErrorHandlerPusher quiet(CPLQuietErrorHandler);
  GDALDatasetUniquePtr dataset(GDALDataset::Open(change_map.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
  GDALRasterBand* band = dataset ? dataset->GetRasterBand(1) : nullptr;
  const GDALColorTable* table = band ? band->GetColorTable() : nullptr;
  if (table == nullptr) {
    throw OutputError(project.string() + ": cannot read the colour table of " + change_map.string() +
                      " (the project's change map legend comes from it)");
  }
  std::vector<PaletteEntry> palette;
  for (const auto& entry : kernels::kChangeTypeNames.entries()) {
    if (!kernels::is_change(entry.value)) continue;
    const int value = static_cast<int>(entry.value);
    const GDALColorEntry* colour = value < table->GetColorEntryCount() ? table->GetColorEntry(value) : nullptr;
    if (colour == nullptr) continue;
    palette.push_back({value, text::printf_string("#%02x%02x%02x", colour->c1, colour->c2, colour->c3), colour->c4,
                       std::string(entry.chinese) + " " + std::string(entry.name)});
  }
  return palette;
}

std::string vector_layer_xml(const char* id, const std::string& name, const std::string& layer, const LayerStyle& style,
                             const std::vector<FieldAlias>& aliases, const QgisProjectContents& contents) {
  return "  <maplayer type=\"vector\" geometry=\"Polygon\" wkbType=\"MultiPolygon\" "
         "styleCategories=\"AllStyleCategories\"" +
         std::string(" labelsEnabled=\"") + (style.label_expression.empty() ? "0" : "1") +
         "\" hasScaleBasedVisibilityFlag=\"0\" minScale=\"100000000\" maxScale=\"0\" readOnly=\"0\">\n"
         "   " +
         extent_xml(contents) + "\n   " + element("id", id) + "\n   " +
         element("datasource", "./alerts.gpkg|layername=" + layer) + "\n   " + element("layername", name) +
         "\n   <srs>" + spatial_ref_sys(contents) + "</srs>\n   <provider encoding=\"UTF-8\">ogr</provider>\n" +
         qgis_style_elements(style, aliases) + "  </maplayer>\n";
}

std::string change_map_layer_xml(const std::string& name, const std::vector<PaletteEntry>& palette,
                                 const QgisProjectContents& contents) {
  std::string entries;
  for (const PaletteEntry& entry : palette) {
    entries += "      <paletteEntry value=\"" + std::to_string(entry.value) + "\" color=\"" + entry.colour +
               "\" alpha=\"" + std::to_string(entry.alpha) + "\" label=\"" + text::xml_escape(entry.label) + "\"/>\n";
  }
  return "  <maplayer type=\"raster\" styleCategories=\"AllStyleCategories\" hasScaleBasedVisibilityFlag=\"0\""
         " minScale=\"1e+08\" maxScale=\"0\">\n   " +
         extent_xml(contents) + "\n   " + element("id", kChangeMapId) + "\n   " +
         element("datasource", "./change.tif") + "\n   " + element("layername", name) + "\n   <srs>" +
         spatial_ref_sys(contents) +
         "</srs>\n   <provider>gdal</provider>\n"
         "   <pipe>\n"
         "    <provider><resampling enabled=\"false\" zoomedInResamplingMethod=\"nearestNeighbour\""
         " zoomedOutResamplingMethod=\"nearestNeighbour\" maxOversampling=\"2\"/></provider>\n"
         "    <rasterrenderer type=\"paletted\" band=\"1\" opacity=\"1\" alphaBand=\"-1\" nodataColor=\"\">\n"
         "     <rasterTransparency/>\n"
         "     <colorPalette>\n" +
         entries +
         "     </colorPalette>\n"
         "    </rasterrenderer>\n"
         "    <brightnesscontrast brightness=\"0\" contrast=\"0\" gamma=\"1\"/>\n"
         "    <huesaturation saturation=\"0\" grayscaleMode=\"0\" invertColors=\"0\" colorizeOn=\"0\"/>\n"
         "    <rasterresampler maxOversampling=\"2\"/>\n"
         "   </pipe>\n"
         "   <blendMode>0</blendMode>\n"
         "  </maplayer>\n";
}

std::string tree_layer(const char* id, const std::string& name, const std::string& source, const char* provider) {
  return "  <layer-tree-layer id=\"" + std::string(id) + "\" name=\"" + text::xml_escape(name) + "\" source=\"" +
         text::xml_escape(source) + "\" providerKey=\"" + provider +
         "\" checked=\"Qt::Checked\" expanded=\"1\"><customproperties/></layer-tree-layer>\n";
}

}  // namespace

QgisProjectContents qgis_project_contents(const AnalysisGrid& grid, const ScanResults& results, std::string title) {
  QgisProjectContents contents;
  contents.title = title.empty() ? std::string("zonewatch scan") : std::move(title);
  contents.crs_wkt = grid.crs_wkt;
  contents.geographic = grid.geographic;
  contents.tracked = results.tracked;
  contents.traced = results.traced;
  const auto corner_a = grid.to_crs(0, 0);
  const auto corner_b = grid.to_crs(grid.width, grid.height);
  contents.extent = {std::min(corner_a[0], corner_b[0]), std::min(corner_a[1], corner_b[1]),
                     std::max(corner_a[0], corner_b[0]), std::max(corner_a[1], corner_b[1])};
  return contents;
}

void write_qgis_project(const fs::path& path, const QgisProjectContents& contents) {
  const std::vector<PaletteEntry> palette = change_map_palette(path.parent_path() / "change.tif", path);
  const std::string hotspots_name = "疑似问题图斑 hotspots";
  const std::string units_name = "管控单元 units";
  const std::string change_name = "变化类型 change map";
  const std::string srs = spatial_ref_sys(contents);

  std::string xml = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis projectname=\"" +
                    text::xml_escape(contents.title) + "\" version=\"" + kQgisVersion + "\">\n";
  xml += " <homePath path=\"\"/>\n " + element("title", contents.title) + "\n";
  xml += " <projectCrs>" + srs + "</projectCrs>\n";
  // Drawn bottom up: the change map under the units under the hotspots.
  xml += " <layer-tree-group>\n  <customproperties/>\n";
  xml += tree_layer(kHotspotsId, hotspots_name, "./alerts.gpkg|layername=hotspots", "ogr");
  xml += tree_layer(kUnitsId, units_name, "./alerts.gpkg|layername=units", "ogr");
  xml += tree_layer(kChangeMapId, change_name, "./change.tif", "gdal");
  xml += " </layer-tree-group>\n";
  xml += " <mapcanvas name=\"theMapCanvas\" annotationsVisible=\"1\">\n  " +
         element("units", contents.geographic ? "degrees" : "meters") + "\n  " + extent_xml(contents) +
         "\n  <rotation>0</rotation>\n  <destinationsrs>" + srs + "</destinationsrs>\n </mapcanvas>\n";
  xml += " <projectlayers>\n";
  xml += vector_layer_xml(kHotspotsId, hotspots_name, "hotspots", hotspots_layer_style(),
                          hotspot_field_aliases(contents.tracked, contents.traced), contents);
  xml += vector_layer_xml(kUnitsId, units_name, "units", units_layer_style(), unit_field_aliases(), contents);
  xml += change_map_layer_xml(change_name, palette, contents);
  xml += " </projectlayers>\n";
  // QGIS reads <projectCrs> only where ProjectionsEnabled is set.
  xml +=
      " <properties>\n  <Paths><Absolute type=\"bool\">false</Absolute></Paths>\n"
      "  <SpatialRefSys><ProjectionsEnabled type=\"int\">1</ProjectionsEnabled></SpatialRefSys>\n"
      "  <Measurement><DistanceUnits type=\"QString\">meters</DistanceUnits>"
      "<AreaUnits type=\"QString\">m2</AreaUnits></Measurement>\n </properties>\n";
  xml += "</qgis>\n";

  AtomicFile file(path, "the QGIS project");
  std::ofstream out(file.temporary(), std::ios::binary | std::ios::trunc);
  if (!out) throw OutputError(path.string() + ": cannot open for writing: " + std::strerror(errno));
  out.write(xml.data(), static_cast<std::streamsize>(xml.size()));
  out.close();
  if (!out) throw OutputError(path.string() + ": write failed: " + std::strerror(errno));
  file.commit();
}

}  // namespace zw
