// Registry layers and the river network for source tracing: reading points and polygons with
// their attributes, reprojection, orientation of river lines, and the input errors that name
// file, layer, key and field.
#include "zonewatch/pipeline/inputs/registry.hpp"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/temp_folder.hpp"
#include "support/vector_layers.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

using test::epsg_wkt;
using test::WktFeature;
using test::write_vector_layer;

class RegistryTest : public test::TempFolderTest {
 protected:
  RegistryOptions options(const std::string& file) const {
    RegistryOptions o;
    o.name = "permits";
    o.kind = RegistryKind::enterprise;
    o.path = (root_ / file).string();
    o.id_field = "code";
    o.name_field = "name";
    return o;
  }
  /// The error load_registry throws, or "" when it reads the layer.
  std::string registry_error(const RegistryOptions& o) const {
    try {
      (void)load_registry(o, epsg_wkt(32650));
    } catch (const InputError& e) {
      return e.what();
    }
    return {};
  }
};

TEST_F(RegistryTest, ReadsPointsAndPolygonsWithIdNameAndExtraFields) {
  write_vector_layer(root_ / "sites.gpkg", "sites", 32650, {"code", "name", "industry"},
                     {{"POINT (500400 4000050)", {{"code", "E001"}, {"name", "某化工厂"}, {"industry", "chemicals"}}},
                      {"POLYGON ((500000 4001000,500100 4001000,500100 4001100,500000 4001100,500000 4001000))",
                       {{"code", "E002"}, {"name", "=HYPERLINK(\"x\")"}}}});
  RegistryOptions o = options("sites.gpkg");
  o.fields = {"industry"};
  const RegistryLayer layer = load_registry(o, epsg_wkt(32650));
  ASSERT_EQ(layer.sites.size(), 2u);
  EXPECT_EQ(layer.sites[0].id, "E001");
  EXPECT_EQ(layer.sites[0].name, "某化工厂");
  ASSERT_EQ(layer.sites[0].fields.size(), 1u);
  EXPECT_EQ(layer.sites[0].fields[0].first, "industry");
  EXPECT_EQ(layer.sites[0].fields[0].second, "chemicals");
  EXPECT_EQ(layer.sites[1].fields[0].second, "");       // unset: empty text
  EXPECT_EQ(layer.sites[1].name, "=HYPERLINK(\"x\")");  // raw: the outputs escape it
  EXPECT_EQ(wkbFlatten(layer.sites[1].geometry->getGeometryType()), wkbPolygon);
  EXPECT_NE(layer.source.find("sites.gpkg layer sites"), std::string::npos);
}

TEST_F(RegistryTest, ReprojectsToTheTargetCrs) {
  // 117°E 36°N in CGCS2000 is on UTM 50N's central meridian: x = 500000.
  write_vector_layer(root_ / "geo.gpkg", "sites", 4490, {"code", "name"}, {{"POINT (117 36)", {{"code", "M1"}}}});
  const RegistryLayer layer = load_registry(options("geo.gpkg"), epsg_wkt(32650));
  ASSERT_EQ(layer.sites.size(), 1u);
  const OGRPoint* point = layer.sites[0].geometry->toPoint();
  EXPECT_NEAR(point->getX(), 500000.0, 0.01);
  EXPECT_NEAR(point->getY(), 3983948.0, 100.0);
}

TEST_F(RegistryTest, SkipsSitesWithoutGeometryAndCountsThem) {
  write_vector_layer(root_ / "sites.gpkg", "sites", 32650, {"code", "name"},
                     {{"POINT (500400 4000050)", {{"code", "E001"}}}, {"", {{"code", "E002"}}}});
  const RegistryLayer layer = load_registry(options("sites.gpkg"), epsg_wkt(32650));
  EXPECT_EQ(layer.sites.size(), 1u);
  EXPECT_EQ(layer.skipped_without_geometry, 1);
}

TEST_F(RegistryTest, MissingFileNamesIt) {
  const std::string error = registry_error(options("absent.gpkg"));
  EXPECT_NE(error.find("absent.gpkg"), std::string::npos) << error;
}

TEST_F(RegistryTest, UnreadableFileNamesIt) {
  test::write_text(root_ / "broken.gpkg", "not a geopackage at all");
  const std::string error = registry_error(options("broken.gpkg"));
  EXPECT_NE(error.find("broken.gpkg"), std::string::npos) << error;
}

TEST_F(RegistryTest, AbsentIdFieldNamesFieldKeyAndTheFieldsThereAre) {
  write_vector_layer(root_ / "sites.gpkg", "sites", 32650, {"permit_no", "name"},
                     {{"POINT (500400 4000050)", {{"permit_no", "E001"}}}});
  const std::string error = registry_error(options("sites.gpkg"));
  for (const char* part :
       {"sites.gpkg layer sites", "no attribute 'code'", "sources.registries.permits.id_field", "permit_no"}) {
    EXPECT_NE(error.find(part), std::string::npos) << part << " not in: " << error;
  }
}

TEST_F(RegistryTest, AbsentExtraFieldNamesIt) {
  write_vector_layer(root_ / "sites.gpkg", "sites", 32650, {"code", "name"},
                     {{"POINT (500400 4000050)", {{"code", "E1"}}}});
  RegistryOptions o = options("sites.gpkg");
  o.fields = {"industry"};
  const std::string error = registry_error(o);
  EXPECT_NE(error.find("no attribute 'industry' (sources.registries.permits.fields)"), std::string::npos) << error;
}

TEST_F(RegistryTest, EmptyIdNamesTheFeature) {
  write_vector_layer(root_ / "sites.gpkg", "sites", 32650, {"code", "name"},
                     {{"POINT (500400 4000050)", {{"name", "x"}}}});
  const std::string error = registry_error(options("sites.gpkg"));
  EXPECT_NE(error.find("feature 1: attribute 'code'"), std::string::npos) << error;
  EXPECT_NE(error.find("is empty"), std::string::npos) << error;
}

TEST_F(RegistryTest, LineGeometriesAreRefused) {
  write_vector_layer(root_ / "lines.gpkg", "sites", 32650, {"code", "name"},
                     {{"LINESTRING (500000 4000000,500100 4000000)", {{"code", "E1"}}}}, wkbLineString);
  const std::string error = registry_error(options("lines.gpkg"));
  EXPECT_NE(error.find("lines.gpkg layer sites"), std::string::npos) << error;
  EXPECT_NE(error.find("expected points or polygons"), std::string::npos) << error;
  // A layer of unknown type holding a line is refused at that feature.
  write_vector_layer(
      root_ / "mixed.gpkg", "sites", 32650, {"code", "name"},
      {{"POINT (500000 4000000)", {{"code", "E1"}}}, {"LINESTRING (500000 4000000,500100 4000000)", {{"code", "E2"}}}});
  const std::string mixed = registry_error(options("mixed.gpkg"));
  EXPECT_NE(mixed.find("feature 2 (E2): geometry is Line String, expected a point or a polygon"), std::string::npos)
      << mixed;
}

TEST_F(RegistryTest, LayerWithoutCrsIsRefused) {
  write_vector_layer(root_ / "nocrs.gpkg", "sites", 0, {"code", "name"},
                     {{"POINT (500400 4000050)", {{"code", "E1"}}}});
  const std::string error = registry_error(options("nocrs.gpkg"));
  EXPECT_NE(error.find("nocrs.gpkg layer sites: has no coordinate reference system"), std::string::npos) << error;
}

TEST_F(RegistryTest, AbsentLayerListsTheLayers) {
  write_vector_layer(root_ / "sites.gpkg", "sites", 32650, {"code", "name"},
                     {{"POINT (500400 4000050)", {{"code", "E1"}}}});
  RegistryOptions o = options("sites.gpkg");
  o.layer = "outfalls";
  const std::string error = registry_error(o);
  EXPECT_NE(error.find("no layer 'outfalls' (sources.registries.permits.layer; layers: sites)"), std::string::npos)
      << error;
}

TEST_F(RegistryTest, RiverLinesAreOrientedUpstreamToDownstream) {
  write_vector_layer(root_ / "rivers.gpkg", "rivers", 32650, {"name"},
                     {{"LINESTRING (0 100,0 50,0 0)", {}}, {"MULTILINESTRING ((10 0,20 0),(30 0,40 0))", {}}});
  RiverNetworkOptions o;
  o.path = (root_ / "rivers.gpkg").string();
  const auto lines = load_river_network(o, epsg_wkt(32650));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].front()[1], 100.0);
  EXPECT_EQ(lines[0].back()[1], 0.0);
  o.direction = "upstream";  // drawn from the mouth up: reversed
  const auto reversed = load_river_network(o, epsg_wkt(32650));
  EXPECT_EQ(reversed[0].front()[1], 0.0);
  EXPECT_EQ(reversed[0].back()[1], 100.0);
}

TEST_F(RegistryTest, RiverNetworkOfPointsIsRefused) {
  write_vector_layer(root_ / "rivers.gpkg", "rivers", 32650, {"name"}, {{"POINT (0 0)", {}}}, wkbPoint);
  RiverNetworkOptions o;
  o.path = (root_ / "rivers.gpkg").string();
  try {
    (void)load_river_network(o, epsg_wkt(32650));
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("rivers.gpkg layer rivers: geometry type Point (sources.river_network), "
                                         "expected lines"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace zw
