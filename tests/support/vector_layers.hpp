#pragma once
// Hand-made vector layers for tests: a GeoPackage (or any OGR driver) with one layer of WKT
// features and text attributes.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

namespace zw::test {

struct WktFeature {
  std::string wkt;  // "" = no geometry
  std::map<std::string, std::string> attributes;
};

/// Writes `features` as layer `layer` of a new file at `path` (driver by name, "GPKG" by
/// default), CRS `epsg` (0: none), with text fields `fields`.
inline void write_vector_layer(const std::filesystem::path& path, const std::string& layer_name, int epsg,
                               const std::vector<std::string>& fields, const std::vector<WktFeature>& features,
                               OGRwkbGeometryType type = wkbUnknown, const char* driver_name = "GPKG") {
  GDALAllRegister();
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name);
  ASSERT_NE(driver, nullptr);
  GDALDatasetUniquePtr ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  ASSERT_NE(ds, nullptr);
  OGRSpatialReference srs;
  if (epsg != 0) {
    srs.importFromEPSG(epsg);
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  }
  OGRLayer* layer = ds->CreateLayer(layer_name.c_str(), epsg != 0 ? &srs : nullptr, type, nullptr);
  ASSERT_NE(layer, nullptr);
  for (const std::string& field : fields) {
    OGRFieldDefn definition(field.c_str(), OFTString);
    ASSERT_EQ(layer->CreateField(&definition), OGRERR_NONE);
  }
  for (const WktFeature& f : features) {
    OGRFeatureUniquePtr feature(OGRFeature::CreateFeature(layer->GetLayerDefn()));
    for (const auto& [field, value] : f.attributes) feature->SetField(field.c_str(), value.c_str());
    if (!f.wkt.empty()) {
      OGRGeometry* geometry = nullptr;
      ASSERT_EQ(OGRGeometryFactory::createFromWkt(f.wkt.c_str(), epsg != 0 ? &srs : nullptr, &geometry), OGRERR_NONE)
          << f.wkt;
      feature->SetGeometryDirectly(geometry);
    }
    ASSERT_EQ(layer->CreateFeature(feature.get()), OGRERR_NONE);
  }
}

/// WKT of the projected CRS EPSG:`epsg`.
inline std::string epsg_wkt(int epsg) {
  OGRSpatialReference srs;
  srs.importFromEPSG(epsg);
  char* wkt = nullptr;
  srs.exportToWkt(&wkt);
  std::string text = wkt;
  CPLFree(wkt);
  return text;
}

}  // namespace zw::test
