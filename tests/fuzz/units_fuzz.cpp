// Control-unit layers (inputs/units.cpp): the fuzz input becomes a vector layer built with
// OGR's API: its first line names the attributes ("unit_code:s|unit_type:s|unit_name:s|
// region:i": s text, i integer, r real), each further line is a feature "WKT|value|value...".
// The first byte picks the layer's CRS (none, WGS 84, UTM 48N as the grid). The layer is
// written to GDAL's in-memory file system as GeoJSON (load_control_units opens units by path,
// which OGR's Memory driver cannot be reopened by) and loaded onto a 10 m UTM 48N grid.
#include <memory>

#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include "fuzz_support.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"
#include "zonewatch/pipeline/inputs/units.hpp"

namespace {

const zw::AnalysisGrid& utm_grid() {
  static const zw::AnalysisGrid grid = [] {
    zw::AnalysisGrid g;
    OGRSpatialReference srs;
    srs.importFromEPSG(32648);
    char* wkt = nullptr;
    srs.exportToWkt(&wkt);
    g.crs_wkt = wkt;
    CPLFree(wkt);
    g.geotransform = {623130.0, 10.0, 0.0, 3258550.0, 0.0, -10.0};
    g.width = 519;
    g.height = 789;
    return g;
  }();
  return grid;
}

OGRFieldType field_type(const std::string& spec) {
  if (spec.ends_with(":i")) return OFTInteger;
  if (spec.ends_with(":r")) return OFTReal;
  return OFTString;
}

std::string field_name(const std::string& spec) {
  const auto colon = spec.rfind(':');
  return colon == std::string::npos ? spec : spec.substr(0, colon);
}

/// Writes the layer; false when OGR itself refuses the input (not zonewatch's concern).
bool write_layer(const std::string& path, int crs, const std::vector<std::string>& lines) {
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GeoJSON");
  std::unique_ptr<GDALDataset> ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  if (!ds) return false;
  OGRSpatialReference srs;
  if (crs != 0) {
    srs.importFromEPSG(crs);
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  }
  OGRLayer* layer = ds->CreateLayer("units", crs != 0 ? &srs : nullptr, wkbUnknown, nullptr);
  if (layer == nullptr) return false;
  const std::vector<std::string> specs = zw::fuzz::split(lines.empty() ? "" : lines[0], '|');
  for (const auto& spec : specs) {
    OGRFieldDefn field(field_name(spec).c_str(), field_type(spec));
    if (layer->CreateField(&field) != OGRERR_NONE) return false;
  }
  const int field_count = layer->GetLayerDefn()->GetFieldCount();
  for (std::size_t i = 1; i < lines.size() && i < 64; ++i) {
    const std::vector<std::string> parts = zw::fuzz::split(lines[i], '|');
    OGRFeature feature(layer->GetLayerDefn());
    OGRGeometry* geometry = nullptr;
    if (OGRGeometryFactory::createFromWkt(parts[0].c_str(), nullptr, &geometry) == OGRERR_NONE) {
      feature.SetGeometryDirectly(geometry);
    }
    for (int f = 0; f < field_count && static_cast<std::size_t>(f) + 1 < parts.size(); ++f) {
      feature.SetField(f, parts[static_cast<std::size_t>(f) + 1].c_str());
    }
    if (layer->CreateFeature(&feature) != OGRERR_NONE) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  zw::fuzz::init();
  if (size == 0) return 0;
  static constexpr int kCrs[] = {0, 4326, 32648, 32648};
  const int crs = kCrs[data[0] % 4];
  const std::string path = "/vsimem/fuzz/units.geojson";
  VSIUnlink(path.c_str());
  if (write_layer(path, crs, zw::fuzz::split(zw::fuzz::bytes(data + 1, size - 1), '\n'))) {
    zw::fuzz::expect_clean([&] {
      zw::UnitsOptions options;
      options.path = path;
      (void)zw::load_control_units(options, utm_grid());
    });
    zw::fuzz::expect_clean([&] {
      zw::UnitsOptions options;
      options.path = path;
      options.default_type = zw::UnitType::key;
      options.name_field = "";
      options.region_field = "";
      (void)zw::load_control_units(options, utm_grid());
    });
  }
  VSIUnlink(path.c_str());
  return 0;
}
