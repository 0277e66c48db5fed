// Control units: default_type, reading any OGR layer, reprojection onto the analysis grid's
// pixel rings, repair of invalid polygons and the input errors that name file, layer, feature
// and attribute.
#include "zonewatch/pipeline/inputs/units.hpp"

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------
// Loading layers

/// The sample's analysis grid: WGS 84 / UTM 48N, 10 m, origin 623130 E 3258550 N.
AnalysisGrid utm_grid() {
  AnalysisGrid grid;
  OGRSpatialReference srs;
  srs.importFromEPSG(32648);
  char* wkt = nullptr;
  srs.exportToWkt(&wkt);
  grid.crs_wkt = wkt;
  CPLFree(wkt);
  grid.geotransform = {623130.0, 10.0, 0.0, 3258550.0, 0.0, -10.0};
  grid.width = 519;
  grid.height = 789;
  return grid;
}

struct Feature {
  std::string wkt;
  std::map<std::string, std::string> attributes;
};

class UnitsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { GDALAllRegister(); }
  void SetUp() override {
    std::random_device device;
    root_ = fs::temp_directory_path() /
            ("zonewatch-units-test-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  /// A GeoPackage (or a shapefile, by the extension of `file`) with one layer per entry of
  /// `layers` (all with `fields`), CRS `epsg` (0: none).
  fs::path write_layers(const std::string& file, int epsg, const std::vector<std::string>& fields,
                        const std::map<std::string, std::vector<Feature>>& layers) {
    const fs::path path = root_ / file;
    GDALDriver* driver =
        GetGDALDriverManager()->GetDriverByName(path.extension() == ".shp" ? "ESRI Shapefile" : "GPKG");
    GDALDataset* ds = driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr);
    EXPECT_NE(ds, nullptr);
    OGRSpatialReference srs;
    if (epsg != 0) {
      srs.importFromEPSG(epsg);
      srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    }
    for (const auto& [name, features] : layers) {
      OGRLayer* layer = ds->CreateLayer(name.c_str(), epsg != 0 ? &srs : nullptr, wkbUnknown, nullptr);
      EXPECT_NE(layer, nullptr);
      for (const auto& field : fields) {
        OGRFieldDefn definition(field.c_str(), OFTString);
        EXPECT_EQ(layer->CreateField(&definition), OGRERR_NONE);
      }
      for (const auto& f : features) {
        OGRFeatureUniquePtr feature(OGRFeature::CreateFeature(layer->GetLayerDefn()));
        for (const auto& [key, value] : f.attributes) feature->SetField(key.c_str(), value.c_str());
        OGRGeometry* geometry = nullptr;
        EXPECT_EQ(OGRGeometryFactory::createFromWkt(f.wkt.c_str(), nullptr, &geometry), OGRERR_NONE) << f.wkt;
        feature->SetGeometryDirectly(geometry);
        EXPECT_EQ(layer->CreateFeature(feature.get()), OGRERR_NONE);
      }
    }
    GDALClose(ds);
    return path;
  }

  fs::path write_units(const std::string& file, int epsg, const std::vector<Feature>& features,
                       const std::vector<std::string>& fields = {"unit_code", "unit_name", "unit_type", "region"}) {
    return write_layers(file, epsg, fields, {{"units", features}});
  }

  static UnitsOptions options(const fs::path& path) {
    UnitsOptions o;
    o.path = path.string();
    return o;
  }

  template <class F>
  static void expect_input_error(F&& call, const std::vector<std::string>& parts) {
    try {
      call();
      ADD_FAILURE() << "no InputError";
    } catch (const InputError& e) {
      for (const auto& part : parts) {
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << "'" << part << "' not in: " << e.what();
      }
    }
  }

  fs::path root_;
};

Feature unit(const std::string& code, const std::string& type, const std::string& wkt) {
  return {wkt, {{"unit_code", code}, {"unit_name", code + " name"}, {"unit_type", type}, {"region", "重庆市"}}};
}

/// A square in grid pixel coordinates (col0,row0)-(col1,row1) as UTM WKT.
std::string utm_square(double col0, double row0, double col1, double row1) {
  auto x = [](double col) { return std::to_string(623130.0 + 10.0 * col); };
  auto y = [](double row) { return std::to_string(3258550.0 - 10.0 * row); };
  return "POLYGON ((" + x(col0) + " " + y(row0) + "," + x(col1) + " " + y(row0) + "," + x(col1) + " " + y(row1) + "," +
         x(col0) + " " + y(row1) + "," + x(col0) + " " + y(row0) + "))";
}

TEST_F(UnitsTest, ReadsCodesNamesTypesAndRegionsInLayerOrder) {
  const fs::path path =
      write_units("units.gpkg", 32648,
                  {unit("ZH1", "优先保护单元", utm_square(0, 0, 10, 10)), unit("ZH2", "key", utm_square(10, 0, 20, 10)),
                   unit("ZH3", " General ", utm_square(20, 0, 30, 10))});
  const auto units = load_control_units(options(path), utm_grid());
  ASSERT_EQ(units.size(), 3u);
  EXPECT_EQ(units[0].code, "ZH1");
  EXPECT_EQ(units[0].type, UnitType::priority);
  EXPECT_EQ(units[0].name, "ZH1 name");
  EXPECT_EQ(units[0].region, "重庆市");
  EXPECT_EQ(units[1].type, UnitType::key);
  EXPECT_EQ(units[2].type, UnitType::general);
  for (const auto& u : units) EXPECT_FALSE(u.repaired) << u.code;
}

TEST_F(UnitsTest, SameCrsGivesExactPixelRings) {
  const fs::path path = write_units("units.gpkg", 32648, {unit("ZH1", "key", utm_square(2.5, 3.25, 102.5, 52.75))});
  const auto units = load_control_units(options(path), utm_grid());
  ASSERT_EQ(units.size(), 1u);
  ASSERT_EQ(units[0].pixel_rings.size(), 1u);
  ASSERT_EQ(units[0].pixel_rings[0].rings.size(), 1u);
  const auto& ring = units[0].pixel_rings[0].rings[0];
  const std::vector<double> xs{2.5, 102.5, 102.5, 2.5, 2.5}, ys{3.25, 3.25, 52.75, 52.75, 3.25};
  ASSERT_EQ(ring.x.size(), xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    EXPECT_NEAR(ring.x[i], xs[i], 1e-9) << i;
    EXPECT_NEAR(ring.y[i], ys[i], 1e-9) << i;
  }
}

// Corners of pixel-coordinate rectangle (2.5, 2.5)-(102.5, 52.5) of the UTM grid, as
// longitude/latitude (gdaltransform -s_srs EPSG:32648 -t_srs EPSG:4326, PROJ 9).
constexpr const char* kLonLatRectangle =
    "POLYGON ((106.269912571112 29.4500944381644, 106.280221940483 29.4499956946673, "
    "106.280165309317 29.4454841432523, 106.269856395686 29.4455828686788, "
    "106.269912571112 29.4500944381644))";

void expect_rectangle_ring(const kernels::Ring& ring) {
  const std::vector<double> xs{2.5, 102.5, 102.5, 2.5, 2.5}, ys{2.5, 2.5, 52.5, 52.5, 2.5};
  ASSERT_EQ(ring.x.size(), xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    EXPECT_NEAR(ring.x[i], xs[i], 1e-4) << "vertex " << i;  // 1 mm
    EXPECT_NEAR(ring.y[i], ys[i], 1e-4) << "vertex " << i;
  }
}

TEST_F(UnitsTest, GeographicLayersAreReprojectedOntoTheGrid) {
  // WGS 84 and CGCS2000 (the sample's CRS; PROJ treats the two datums as equal) with
  // longitude/latitude vertices: axis order must not be swapped.
  for (int epsg : {4326, 4490}) {
    SCOPED_TRACE("EPSG:" + std::to_string(epsg));
    const fs::path path =
        write_units("units-" + std::to_string(epsg) + ".gpkg", epsg, {unit("ZH1", "key", kLonLatRectangle)});
    const auto units = load_control_units(options(path), utm_grid());
    ASSERT_EQ(units.size(), 1u);
    ASSERT_EQ(units[0].pixel_rings.size(), 1u);
    expect_rectangle_ring(units[0].pixel_rings[0].rings[0]);
    // The WKT kept for the outputs is in the grid CRS.
    EXPECT_NE(units[0].geometry_wkt.find("623155"), std::string::npos) << units[0].geometry_wkt;
  }
}

TEST_F(UnitsTest, HolesAndMultiPolygonPartsBecomeRings) {
  const std::string wkt =
      "MULTIPOLYGON (((623130 3258550, 623330 3258550, 623330 3258350, 623130 3258350, 623130 3258550),"
      "(623180 3258500, 623280 3258500, 623280 3258400, 623180 3258400, 623180 3258500)),"
      "((624130 3258550, 624230 3258550, 624230 3258450, 624130 3258550)))";
  const fs::path path = write_units("units.gpkg", 32648, {unit("ZH1", "general", wkt)});
  const auto units = load_control_units(options(path), utm_grid());
  ASSERT_EQ(units.size(), 1u);
  ASSERT_EQ(units[0].pixel_rings.size(), 2u);
  EXPECT_EQ(units[0].pixel_rings[0].rings.size(), 2u) << "exterior and hole";
  EXPECT_EQ(units[0].pixel_rings[1].rings.size(), 1u);
  EXPECT_NEAR(units[0].pixel_rings[0].rings[1].x[0], 5.0, 1e-9);
  EXPECT_NEAR(units[0].pixel_rings[1].rings[0].x[0], 100.0, 1e-9);
}

TEST_F(UnitsTest, LayerWithoutCrsIsTakenToBeInTheGridCrs) {
  // A shapefile without .prj (a GeoPackage always has an SRS, "undefined geographic" at least).
  const fs::path path = write_units("units.shp", 0, {unit("ZH1", "key", utm_square(1, 2, 3, 4))});
  const auto units = load_control_units(options(path), utm_grid());
  ASSERT_EQ(units.size(), 1u);
  EXPECT_NEAR(units[0].pixel_rings[0].rings[0].x[0], 1.0, 1e-9);
  EXPECT_NEAR(units[0].pixel_rings[0].rings[0].y[0], 2.0, 1e-9);
}

TEST_F(UnitsTest, DefaultTypeAppliesWhenTheLayerHasNoTypeAttribute) {
  const fs::path path =
      write_units("units.gpkg", 32648,
                  {{utm_square(0, 0, 5, 5), {{"unit_code", "ZH1"}}}, {utm_square(5, 0, 9, 5), {{"unit_code", "ZH2"}}}},
                  {"unit_code"});
  UnitsOptions o = options(path);
  o.name_field = "";
  o.region_field = "";
  expect_input_error([&] { (void)load_control_units(o, utm_grid()); },
                     {path.string(), "layer units", "no attribute 'unit_type'", "units.fields.type", "unit_code"});
  o.default_type = UnitType::priority;
  const auto units = load_control_units(o, utm_grid());
  ASSERT_EQ(units.size(), 2u);
  for (const auto& u : units) {
    EXPECT_EQ(u.type, UnitType::priority) << u.code;
    EXPECT_EQ(u.name, "");
    EXPECT_EQ(u.region, "");
  }
}

TEST_F(UnitsTest, DefaultTypeDoesNotHideBadTypeValues) {
  // Where the layer has the type attribute, its values are used and must be valid.
  const fs::path path =
      write_units("units.gpkg", 32648,
                  {unit("ZH1", "key", utm_square(0, 0, 5, 5)), unit("ZH2", "reserve", utm_square(5, 0, 9, 5))});
  UnitsOptions o = options(path);
  o.default_type = UnitType::general;
  expect_input_error([&] { (void)load_control_units(o, utm_grid()); }, {"ZH2", "'reserve'"});
}

TEST_F(UnitsTest, CustomFieldNames) {
  const fs::path path = write_units(
      "units.gpkg", 32648, {{utm_square(0, 0, 5, 5), {{"编码", "ZH9"}, {"类型", "一般管控单元"}, {"名称", "测试"}}}},
      {"编码", "类型", "名称"});
  UnitsOptions o = options(path);
  o.code_field = "编码";
  o.type_field = "类型";
  o.name_field = "名称";
  o.region_field = "";
  const auto units = load_control_units(o, utm_grid());
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0].code, "ZH9");
  EXPECT_EQ(units[0].type, UnitType::general);
  EXPECT_EQ(units[0].name, "测试");
}

TEST_F(UnitsTest, SelfIntersectingPolygonIsRepairedAndMarked) {
  // Bow-tie: the ring crosses itself at (5, 5).
  const std::string bow_tie =
      "POLYGON ((623130 3258550, 623230 3258450, 623230 3258550, 623130 3258450, 623130 3258550))";
  const fs::path path =
      write_units("units.gpkg", 32648, {unit("ZH1", "key", bow_tie), unit("ZH2", "key", utm_square(20, 20, 30, 30))});
  const auto units = load_control_units(options(path), utm_grid());
  ASSERT_EQ(units.size(), 2u);
  EXPECT_TRUE(units[0].repaired);
  EXPECT_FALSE(units[1].repaired);
  EXPECT_EQ(units[0].pixel_rings.size(), 2u) << "two triangles";
  OGRGeometry* repaired = nullptr;
  ASSERT_EQ(OGRGeometryFactory::createFromWkt(units[0].geometry_wkt.c_str(), nullptr, &repaired), OGRERR_NONE);
  std::unique_ptr<OGRGeometry> owner(repaired);
  EXPECT_TRUE(repaired->IsValid());
  EXPECT_NEAR(OGR_G_Area(OGRGeometry::ToHandle(repaired)), 2 * 0.25 * 100.0 * 100.0, 1e-6);
}

TEST_F(UnitsTest, RepairKeepsOnlyPolygonalParts) {
  // A spike (out and back along one line) makes MakeValid return a polygon plus a line; the
  // unit keeps the polygon, and its WKT must stay a (multi)polygon for the outputs.
  const std::string spike =
      "POLYGON ((623130 3258550, 623230 3258550, 623280 3258600, 623230 3258550, 623230 3258450, 623130 3258450, "
      "623130 3258550))";
  const fs::path path = write_units("units.gpkg", 32648, {unit("ZH1", "key", spike)});
  const auto units = load_control_units(options(path), utm_grid());
  ASSERT_EQ(units.size(), 1u);
  EXPECT_TRUE(units[0].repaired);
  ASSERT_EQ(units[0].pixel_rings.size(), 1u);
  EXPECT_TRUE(units[0].geometry_wkt.starts_with("POLYGON") || units[0].geometry_wkt.starts_with("MULTIPOLYGON"))
      << units[0].geometry_wkt;
  OGRGeometry* repaired = nullptr;
  ASSERT_EQ(OGRGeometryFactory::createFromWkt(units[0].geometry_wkt.c_str(), nullptr, &repaired), OGRERR_NONE);
  std::unique_ptr<OGRGeometry> owner(repaired);
  EXPECT_NEAR(OGR_G_Area(OGRGeometry::ToHandle(repaired)), 100.0 * 100.0, 1e-6);
}

TEST_F(UnitsTest, LayerSelection) {
  const fs::path path = write_layers("two.gpkg", 32648, {"unit_code", "unit_name", "unit_type", "region"},
                                     {{"units", {unit("ZH1", "key", utm_square(0, 0, 5, 5))}},
                                      {"roads", {unit("R1", "key", utm_square(0, 0, 5, 5))}}});
  expect_input_error([&] { (void)load_control_units(options(path), utm_grid()); },
                     {path.string(), "several layers", "units.layer"});
  UnitsOptions o = options(path);
  o.layer = "units";
  EXPECT_EQ(load_control_units(o, utm_grid()).front().code, "ZH1");
  o.layer = "zones";
  expect_input_error([&] { (void)load_control_units(o, utm_grid()); }, {path.string(), "no layer 'zones'", "roads"});
}

// Geometries are placed on several threads: many units keep their layer order and each its
// own rings (reprojected through one transformation per thread), and of a bad geometry and
// a bad attribute later in the layer the earlier feature gives the error, as it did when
// every feature was done before the next was read.
TEST_F(UnitsTest, ManyUnitsKeepLayerOrderAndTheFirstBadFeatureGivesTheError) {
  constexpr int kUnits = 400;
  std::vector<Feature> features;
  for (int i = 0; i < kUnits; ++i) {
    const double col = (i % 20) * 25.0, row = (i / 20) * 25.0;
    features.push_back(unit("ZH" + std::to_string(i), "key", utm_square(col, row, col + 10 + i % 7, row + 10)));
  }
  const fs::path path = write_units("many.gpkg", 32648, features);
  const auto units = load_control_units(options(path), utm_grid());
  ASSERT_EQ(units.size(), static_cast<std::size_t>(kUnits));
  for (int i = 0; i < kUnits; ++i) {
    EXPECT_EQ(units[static_cast<std::size_t>(i)].code, "ZH" + std::to_string(i));
    ASSERT_EQ(units[static_cast<std::size_t>(i)].pixel_rings.size(), 1u);
    const auto bounds = units[static_cast<std::size_t>(i)].pixel_rings[0].bounds();  // min x, min y, max x, max y
    EXPECT_NEAR(bounds[0], (i % 20) * 25.0, 1e-6) << "unit " << i;
    EXPECT_NEAR(bounds[1], (i / 20) * 25.0, 1e-6) << "unit " << i;
    EXPECT_NEAR(bounds[2] - bounds[0], 10.0 + i % 7, 1e-6) << "unit " << i;
  }

  // Reprojected from geographic coordinates: every unit through a transformation of its thread.
  std::vector<Feature> geographic(kUnits, unit("", "key", kLonLatRectangle));
  for (int i = 0; i < kUnits; ++i)
    geographic[static_cast<std::size_t>(i)].attributes["unit_code"] = "G" + std::to_string(i);
  const auto reprojected = load_control_units(options(write_units("many-4326.gpkg", 4326, geographic)), utm_grid());
  ASSERT_EQ(reprojected.size(), static_cast<std::size_t>(kUnits));
  for (const auto& u : reprojected) expect_rectangle_ring(u.pixel_rings[0].rings[0]);

  // Unit 150's polygon is a line (invalid; its repair keeps no area), unit 300 repeats a code.
  features[150].wkt = "POLYGON ((623130 3258550,623230 3258550,623330 3258550,623130 3258550))";
  features[300].attributes["unit_code"] = "ZH7";
  const fs::path bad = write_units("bad.gpkg", 32648, features);
  expect_input_error([&] { (void)load_control_units(options(bad), utm_grid()); }, {"feature 151 (ZH150)", "area"});
  features[150] = unit("ZH150", "key", utm_square(0, 0, 5, 5));
  const fs::path duplicate = write_units("duplicate.gpkg", 32648, features);
  expect_input_error([&] { (void)load_control_units(options(duplicate), utm_grid()); }, {"feature 301 (ZH7)", "twice"});
}

TEST_F(UnitsTest, BadFeaturesNameFileLayerFeatureAndAttribute) {
  {
    const fs::path path = write_units("empty-code.gpkg", 32648, {unit("", "key", utm_square(0, 0, 5, 5))});
    expect_input_error([&] { (void)load_control_units(options(path), utm_grid()); },
                       {path.string(), "layer units feature 1", "'unit_code'", "empty"});
  }
  {
    const fs::path path = write_units(
        "twice.gpkg", 32648, {unit("ZH1", "key", utm_square(0, 0, 5, 5)), unit("ZH1", "key", utm_square(5, 5, 9, 9))});
    expect_input_error([&] { (void)load_control_units(options(path), utm_grid()); }, {"feature 2 (ZH1)", "twice"});
  }
  {
    const fs::path path =
        write_units("line.gpkg", 32648, {unit("ZH1", "key", "LINESTRING (623130 3258550, 623230 3258450)")});
    expect_input_error([&] { (void)load_control_units(options(path), utm_grid()); },
                       {"(ZH1)", "Line String", "expected Polygon or MultiPolygon"});
  }
  {
    const fs::path path = write_units("type.gpkg", 32648, {unit("ZH7", "保护区", utm_square(0, 0, 5, 5))});
    expect_input_error([&] { (void)load_control_units(options(path), utm_grid()); },
                       {path.string(), "(ZH7)", "'unit_type'", "'保护区'", "优先保护单元"});
  }
  {
    const fs::path path = write_units("none.gpkg", 32648, {});
    expect_input_error([&] { (void)load_control_units(options(path), utm_grid()); },
                       {path.string(), "no control unit"});
  }
  expect_input_error([&] { (void)load_control_units(options(root_ / "absent.gpkg"), utm_grid()); },
                     {(root_ / "absent.gpkg").string(), "not found"});
}

}  // namespace
}  // namespace zw
