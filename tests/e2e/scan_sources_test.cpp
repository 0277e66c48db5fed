// End to end: source tracing on the bundled Chongqing sample. A hand-made registry (a point
// inside each control unit, names that a spreadsheet would run as formulas) is traced to the
// scan's hotspots; the attributes must appear in alerts.gpkg, hotspots.csv, hotspots.geojson
// and run.json, with distances that OGR measures independently.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <ogr_api.h>

#include "e2e_support.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

struct RegistryPoint {
  std::string id, name;
  double x = 0.0, y = 0.0;  // UTM 48N (the sample's grid)
};

class ScanSourcesTest : public TempFolderTest {
 protected:
  /// A point registry in CGCS2000 degrees (as units.gpkg is): one site at a point on the surface
  /// of each unit. Returns the sites in UTM 48N for the checks.
  std::vector<RegistryPoint> write_registry(const fs::path& path) {
    std::vector<RegistryPoint> sites;
    Dataset units = open_dataset(kSampleDir / "units.gpkg", GDAL_OF_VECTOR | GDAL_OF_READONLY);
    EXPECT_TRUE(units);
    if (!units) return sites;
    OGRLayer* unit_layer = units->GetLayerByName("units");
    OGRSpatialReference utm;
    utm.importFromEPSG(32648);
    utm.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRSpatialReference units_srs(*unit_layer->GetSpatialRef());
    units_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> to_utm(OGRCreateCoordinateTransformation(&units_srs, &utm));

    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    Dataset ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    OGRLayer* layer = ds->CreateLayer("permits", &units_srs, wkbPoint, nullptr);
    for (const char* field : {"permit_no", "name", "industry"}) {
      OGRFieldDefn definition(field, OFTString);
      EXPECT_EQ(layer->CreateField(&definition), OGRERR_NONE);
    }
    int n = 0;
    for (auto& unit : *unit_layer) {
      OGRGeometryUniquePtr on_surface(
          OGRGeometry::FromHandle(OGR_G_PointOnSurface(OGRGeometry::ToHandle(unit->GetGeometryRef()))));
      EXPECT_TRUE(on_surface);
      if (!on_surface) continue;
      const OGRPoint point = *on_surface->toPoint();
      RegistryPoint site{"E" + std::to_string(++n), "=1+2 企业" + std::to_string(n), point.getX(), point.getY()};
      OGRFeatureUniquePtr feature(OGRFeature::CreateFeature(layer->GetLayerDefn()));
      feature->SetField("permit_no", site.id.c_str());
      feature->SetField("name", site.name.c_str());
      feature->SetField("industry", "chemicals");
      feature->SetGeometry(&point);
      EXPECT_EQ(layer->CreateFeature(feature.get()), OGRERR_NONE);
      EXPECT_TRUE(to_utm->Transform(1, &site.x, &site.y));
      sites.push_back(site);
    }
    return sites;
  }

  /// The registry section for the layer write_registry made: enterprises within 3 km.
  YAML::Node permits_registry() const {
    YAML::Node permits;
    permits["kind"] = "enterprise";
    permits["path"] = (root_ / "permits.gpkg").string();
    permits["id_field"] = "permit_no";
    permits["name_field"] = "name";
    permits["max_distance_m"] = 3000;
    return permits;
  }
};

TEST_F(ScanSourcesTest, TracedSitesAppearInTheGeoPackageCsvGeoJsonAndRunJson) {
  const std::vector<RegistryPoint> sites = write_registry(root_ / "permits.gpkg");
  ASSERT_GT(sites.size(), 5u);
  YAML::Node config = sample_config(root_ / "out");
  YAML::Node permits = permits_registry();
  permits["fields"].push_back("industry");
  permits["max_sites"] = 2;
  config["sources"]["registries"]["permits"] = permits;
  const RunResult result = scan(write_config(config, root_ / "scan.yaml"), root_);
  ASSERT_EQ(result.exit_code, 0) << result;

  // alerts.gpkg: every hotspot has the columns; those with a site list at most 2, nearest
  // first, at the distance OGR measures from the polygon to the point.
  const auto hotspots = read_layer(root_ / "out" / "alerts.gpkg", "hotspots", true);
  ASSERT_FALSE(hotspots.empty());
  std::map<std::string, const RegistryPoint*> by_id;
  for (const RegistryPoint& s : sites) by_id[s.id] = &s;
  std::map<std::string, std::map<std::string, std::string>> gpkg_by_hotspot;
  int traced = 0;
  for (const auto& h : hotspots) {
    for (const char* field :
         {"sources", "sources_zh", "source_count", "nearest_source_id", "nearest_source_name", "nearest_source_kind",
          "nearest_source_m", "nearest_source_bearing", "nearest_source_direction"}) {
      ASSERT_TRUE(h.contains(field)) << field;
    }
    gpkg_by_hotspot[h.at("hotspot_id")] = h;
    if (h.at("source_count") == "0") {
      EXPECT_EQ(h.at("nearest_source_m"), "<null>");
      continue;
    }
    ++traced;
    EXPECT_LE(std::stoi(h.at("source_count")), 2);
    EXPECT_EQ(h.at("nearest_source_kind"), "enterprise");
    ASSERT_TRUE(by_id.contains(h.at("nearest_source_id"))) << h.at("nearest_source_id");
    EXPECT_EQ(h.at("nearest_source_name"), by_id.at(h.at("nearest_source_id"))->name);
    OGRGeometry* polygon = nullptr;
    ASSERT_EQ(OGRGeometryFactory::createFromWkt(h.at("@geometry").c_str(), nullptr, &polygon), OGRERR_NONE);
    OGRGeometryUniquePtr owned(polygon);
    double nearest = 1e300;
    for (const RegistryPoint& s : sites) {
      const OGRPoint p(s.x, s.y);
      nearest = std::min(nearest, polygon->Distance(&p));
    }
    const RegistryPoint& listed = *by_id.at(h.at("nearest_source_id"));
    const OGRPoint listed_point(listed.x, listed.y);
    const double distance = std::stod(h.at("nearest_source_m"));
    EXPECT_NEAR(distance, polygon->Distance(&listed_point), 0.5) << h.at("hotspot_id");
    EXPECT_NEAR(distance, nearest, 0.5) << h.at("hotspot_id") << ": a nearer site exists";
    EXPECT_LE(distance, 3000.0);
    // The listed text starts with the nearest site: "E3 =1+2 企业3 enterprise 420 m NE".
    EXPECT_EQ(h.at("sources").rfind(listed.id + " " + listed.name + " enterprise ", 0), 0u) << h.at("sources");
    EXPECT_NE(h.at("sources_zh").find("排污企业"), std::string::npos) << h.at("sources_zh");
    // Direction: the centroid -> site bearing, within a degree of the grid bearing (UTM
    // convergence near 106.5°E, 29.4°N is under a degree).
    if (distance > 0.0) {
      OGRPoint centroid;
      ASSERT_EQ(polygon->Centroid(&centroid), OGRERR_NONE);
      double grid = std::atan2(listed.x - centroid.getX(), listed.y - centroid.getY()) * 180.0 / M_PI;
      if (grid < 0) grid += 360.0;
      const double bearing = std::stod(h.at("nearest_source_bearing"));
      EXPECT_LT(std::min(std::abs(bearing - grid), 360.0 - std::abs(bearing - grid)), 1.0) << h.at("hotspot_id");
    }
  }
  EXPECT_GT(traced, 0) << "no hotspot within 3 km of a registered site";

  // hotspots.csv: the same values, names neutralised (a leading apostrophe before "=").
  const CsvTable csv = read_csv_table(root_ / "out" / "hotspots.csv");
  ASSERT_EQ(csv.rows.size(), hotspots.size());
  int neutralised = 0;
  for (const auto& row : csv.rows) {
    const auto& gpkg = gpkg_by_hotspot.at(row.at("hotspot_id"));
    EXPECT_EQ(row.at("nearest_source_id"), gpkg.at("nearest_source_id"));
    EXPECT_EQ(row.at("source_count"), gpkg.at("source_count"));
    if (gpkg.at("source_count") == "0") continue;
    EXPECT_EQ(row.at("nearest_source_name"), "'" + gpkg.at("nearest_source_name"));
    EXPECT_NEAR(std::stod(row.at("nearest_source_m")), std::stod(gpkg.at("nearest_source_m")), 0.051);
    EXPECT_EQ(row.at("nearest_source_direction"), gpkg.at("nearest_source_direction"));
    ++neutralised;
  }
  EXPECT_EQ(neutralised, traced);

  // hotspots.geojson carries them as properties.
  const nlohmann::json geojson = read_json(root_ / "out" / "hotspots.geojson");
  for (const auto& feature : geojson.at("features")) {
    const auto& properties = feature.at("properties");
    const auto& gpkg = gpkg_by_hotspot.at(properties.at("hotspot_id").get<std::string>());
    EXPECT_EQ(properties.at("source_count").get<long long>(), std::stoll(gpkg.at("source_count")));
  }

  // run.json: the registry, the counts and every hotspot's sites with the extra field.
  const nlohmann::json run = read_json(root_ / "out" / "run.json");
  const auto& sources = run.at("sources");
  EXPECT_EQ(sources.at("registries").at(0).at("sites").get<std::size_t>(), sites.size());
  EXPECT_EQ(sources.at("hotspots_traced").get<int>(), traced);
  EXPECT_EQ(sources.at("by_hotspot").size(), hotspots.size());
  EXPECT_TRUE(run.at("config").contains("sources"));
  EXPECT_TRUE(run.at("timings_s").contains("sources"));
  for (const auto& [id, listed] : sources.at("by_hotspot").items()) {
    if (listed.empty()) continue;
    EXPECT_EQ(listed.at(0).at("id"), gpkg_by_hotspot.at(id).at("nearest_source_id"));
    EXPECT_EQ(listed.at(0).at("fields").at("industry"), "chemicals");
  }
}

TEST_F(ScanSourcesTest, WithAStoreTheTracedSitesAreKeptWithTheHotspotsUnderTheirStoreIds) {
  ASSERT_GT(write_registry(root_ / "permits.gpkg").size(), 5u);
  YAML::Node config = sample_config(root_ / "out");
  config["sources"]["registries"]["permits"] = permits_registry();
  config["store"]["path"] = (root_ / "store.gpkg").string();
  const RunResult result = scan(write_config(config, root_ / "scan.yaml"), root_);
  ASSERT_EQ(result.exit_code, 0) << result;

  // The scan's outputs carry the store's IDs; the store holds the same sites for each.
  std::map<std::string, std::map<std::string, std::string>> stored;
  for (const auto& h : read_layer(root_ / "store.gpkg", "hotspots")) stored[h.at("hotspot_id")] = h;
  const auto reported = read_layer(root_ / "out" / "alerts.gpkg", "hotspots");
  ASSERT_FALSE(reported.empty());
  int traced = 0;
  for (const auto& h : reported) {
    ASSERT_TRUE(stored.contains(h.at("hotspot_id"))) << h.at("hotspot_id");
    const auto& s = stored.at(h.at("hotspot_id"));
    for (const char* field :
         {"sources", "sources_zh", "source_count", "nearest_source_id", "nearest_source_name", "nearest_source_kind"}) {
      EXPECT_EQ(s.at(field), h.at(field)) << h.at("hotspot_id") << " " << field;
    }
    if (h.at("source_count") == "0") {
      EXPECT_EQ(s.at("nearest_source_m"), "<null>");
      continue;
    }
    ++traced;
    // alerts.gpkg rounds distances to 0.1 m; the store keeps them whole.
    EXPECT_NEAR(std::stod(s.at("nearest_source_m")), std::stod(h.at("nearest_source_m")), 0.051);
  }
  EXPECT_GT(traced, 0);
}

TEST_F(ScanSourcesTest, ARegistryWithoutItsIdFieldFailsWithAnInputErrorNamingFileAndKey) {
  (void)write_registry(root_ / "permits.gpkg");
  YAML::Node config = sample_config(root_ / "out");
  YAML::Node permits = permits_registry();
  permits["id_field"] = "licence";
  config["sources"]["registries"]["permits"] = permits;
  const RunResult result = scan(write_config(config, root_ / "scan.yaml"), root_);
  EXPECT_EQ(result.exit_code, 3) << result;
  EXPECT_NE(result.err.find("permits.gpkg layer permits: no attribute 'licence' (sources.registries.permits.id_field)"),
            std::string::npos)
      << result;
  EXPECT_FALSE(fs::exists(root_ / "out" / "alerts.gpkg"));
}

}  // namespace
}  // namespace zw::e2e
