// Styles and aliases in a GeoPackage: the tables QGIS reads, QML and SLD that parse as XML,
// one default per layer, aliases in gpkg_data_columns, and the README's table in step with
// the column model.
#include "zonewatch/pipeline/outputs/layer_styles.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

#include <cpl_minixml.h>
#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>

#include "support/temp_folder.hpp"
#include "test_paths.hpp"
#include "zonewatch/pipeline/stages/severity.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;

class GdalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { GDALAllRegister(); }
};
[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

using Rows = std::vector<std::map<std::string, std::string>>;

Rows query(GDALDataset& dataset, const std::string& sql) {
  Rows rows;
  OGRLayer* result = dataset.ExecuteSQL(sql.c_str(), nullptr, nullptr);
  if (result == nullptr) return rows;
  for (auto& feature : *result) {
    std::map<std::string, std::string> row;
    for (int i = 0; i < feature->GetFieldCount(); ++i) {
      row[feature->GetFieldDefnRef(i)->GetNameRef()] =
          feature->IsFieldSetAndNotNull(i) ? feature->GetFieldAsString(i) : "";
    }
    rows.push_back(row);
  }
  dataset.ReleaseResultSet(result);
  return rows;
}

/// Parsed XML (GDAL's parser), freed on scope exit; null when the text is not well-formed.
struct Xml {
  explicit Xml(const std::string& text) : root(CPLParseXMLString(text.c_str())) {}
  ~Xml() { CPLDestroyXMLNode(root); }
  Xml(const Xml&) = delete;
  Xml& operator=(const Xml&) = delete;
  CPLXMLNode* root;
  [[nodiscard]] const char* value(const char* path) const { return CPLGetXMLValue(root, path, nullptr); }
};

LayerStyle two_class_style() {
  LayerStyle style;
  style.layer = "patches";
  style.name = "test style";
  style.category_field = "kind";
  style.classes = {{"A <&> \"one\"", {{"kind", "a'1"}}, {1, 2, 3, 255}, 0.5, true, {200, 10, 20, 255}},
                   {"B", {{"kind", "b"}}, {4, 5, 6, 255}, 0.5, false, {}}};
  style.label_expression = "\"name\" || ' 亩'";
  return style;
}

class LayerStylesTest : public test::TempFolderTest {
 protected:
  /// A GeoPackage with one polygon layer `patches` (fields kind, name).
  GDALDatasetUniquePtr make_gpkg() {
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    GDALDatasetUniquePtr dataset(driver->Create((root_ / "t.gpkg").c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    OGRLayer* layer = dataset->CreateLayer("patches", nullptr, wkbMultiPolygon, nullptr);
    for (const char* name : {"kind", "name"}) {
      OGRFieldDefn field(name, OFTString);
      EXPECT_EQ(layer->CreateField(&field), OGRERR_NONE);
    }
    OGRFeatureUniquePtr feature(OGRFeature::CreateFeature(layer->GetLayerDefn()));
    feature->SetField("kind", "b");
    EXPECT_EQ(layer->CreateFeature(feature.get()), OGRERR_NONE);
    return dataset;
  }
  const std::vector<FieldAlias> aliases_{{"kind", "类型", "", "what kind"}, {"name", "名称", "", ""}};
};

TEST_F(LayerStylesTest, WritesTheLayerStylesTableWithOneDefaultPerLayer) {
  GDALDatasetUniquePtr dataset = make_gpkg();
  LayerStyle first = two_class_style();
  first.name = "first";
  write_layer_style(*dataset, first, aliases_, root_ / "t.gpkg");
  write_layer_style(*dataset, two_class_style(), aliases_, root_ / "t.gpkg");

  const Rows rows = query(*dataset,
                          "SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, "
                          "useAsDefault, styleQML, styleSLD FROM layer_styles ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("styleName"), "first");
  EXPECT_EQ(rows[0].at("useAsDefault"), "0");  // unflagged by the second
  EXPECT_EQ(rows[1].at("styleName"), "test style");
  EXPECT_EQ(rows[1].at("useAsDefault"), "1");
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("f_table_name"), "patches");
    EXPECT_EQ(row.at("f_geometry_column"), "geom");
    EXPECT_EQ(row.at("f_table_catalog"), "");
  }
  // Registered as a table, as QGIS does it.
  const Rows contents = query(*dataset, "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'");
  ASSERT_EQ(contents.size(), 1u);
  EXPECT_EQ(contents[0].at("data_type"), "attributes");

  const Xml qml(rows[1].at("styleQML"));
  ASSERT_NE(qml.root, nullptr) << rows[1].at("styleQML");
  EXPECT_STREQ(qml.value("=qgis.renderer-v2.type"), "categorizedSymbol");
  EXPECT_STREQ(qml.value("=qgis.renderer-v2.attr"), "kind");
  EXPECT_STREQ(qml.value("=qgis.renderer-v2.categories.category.value"), "a'1");
  EXPECT_STREQ(qml.value("=qgis.renderer-v2.categories.category.label"), "A <&> \"one\"");
  EXPECT_STREQ(qml.value("=qgis.labelsEnabled"), "1");
  EXPECT_STREQ(qml.value("=qgis.labeling.settings.text-style.fieldName"), "\"name\" || ' 亩'");
  EXPECT_STREQ(qml.value("=qgis.aliases.alias.name"), "类型");
  EXPECT_STREQ(qml.value("=qgis.aliases.alias.field"), "kind");

  const Xml sld(rows[1].at("styleSLD"));
  ASSERT_NE(sld.root, nullptr) << rows[1].at("styleSLD");
  EXPECT_NE(rows[1].at("styleSLD").find("<ogc:Literal>a&#39;1</ogc:Literal>"), std::string::npos);
  EXPECT_NE(rows[1].at("styleSLD").find("#c80a14"), std::string::npos);  // fill 200,10,20
}

TEST_F(LayerStylesTest, WritesAliasesIntoGpkgDataColumnsAndRegistersTheExtensionOnce) {
  GDALDatasetUniquePtr dataset = make_gpkg();
  write_field_aliases(*dataset, "patches", aliases_, root_ / "t.gpkg");
  write_field_aliases(*dataset, "patches", {{"kind", "种类", "", ""}}, root_ / "t.gpkg");  // replaces

  const Rows columns = query(*dataset,
                             "SELECT column_name, name, title, description FROM gpkg_data_columns "
                             "WHERE table_name = 'patches' ORDER BY column_name");
  ASSERT_EQ(columns.size(), 2u);
  EXPECT_EQ(columns[0].at("column_name"), "kind");
  EXPECT_EQ(columns[0].at("name"), "种类");
  EXPECT_EQ(columns[0].at("title"), "种类");
  EXPECT_EQ(columns[1].at("name"), "名称");
  const Rows extensions =
      query(*dataset, "SELECT extension_name, scope FROM gpkg_extensions WHERE table_name = 'gpkg_data_columns'");
  ASSERT_EQ(extensions.size(), 1u);
  EXPECT_EQ(extensions[0].at("extension_name"), "gpkg_schema");
}

TEST(LayerStyleXml, RuleBasedStyleCombinesConditionsAndFilledOnlyWhereAsked) {
  LayerStyle style;
  style.layer = "units";
  style.renderer = LayerStyle::Renderer::rule_based;
  style.classes = {{"flagged key",
                    {{"type", "key"}, {"flagged", "1", FieldEquals::Kind::boolean}},
                    {1, 1, 1, 255},
                    0.8,
                    true,
                    {9, 9, 9, 90}}};
  const std::string qml = layer_style_qml(style, {});
  const Xml parsed(qml);
  ASSERT_NE(parsed.root, nullptr) << qml;
  EXPECT_STREQ(parsed.value("=qgis.renderer-v2.type"), "RuleRenderer");
  EXPECT_STREQ(parsed.value("=qgis.renderer-v2.rules.rule.filter"), "\"type\" = 'key' AND \"flagged\"");
  EXPECT_NE(qml.find("k=\"color\" v=\"9,9,9,90\""), std::string::npos);
  EXPECT_STREQ(parsed.value("=qgis.labelsEnabled"), "0");
  const std::string sld = layer_style_sld(style);
  EXPECT_NE(sld.find("<ogc:And>"), std::string::npos);
  EXPECT_NE(Xml(sld).root, nullptr);
}

TEST(ZonewatchLayerStyles, HotspotsAreCategorizedBySeverityNamesWithTheAgreedColours) {
  const LayerStyle style = hotspots_layer_style();
  EXPECT_EQ(style.category_field, "severity");
  std::map<std::string, std::string> colours;
  for (const StyleClass& style_class : style.classes) {
    ASSERT_EQ(style_class.when.size(), 1u);
    const Rgba& c = style_class.fill;
    colours[style_class.when[0].value] = std::to_string(c.r) + "," + std::to_string(c.g) + "," + std::to_string(c.b);
  }
  EXPECT_EQ(colours.at(std::string(to_string(Severity::high))), "215,25,28");
  EXPECT_EQ(colours.at(std::string(to_string(Severity::medium))), "253,174,97");
  EXPECT_EQ(colours.at(std::string(to_string(Severity::low))), "255,255,191");
  EXPECT_EQ(colours.size(), kSeverityNames.entries().size());
  EXPECT_NE(style.label_expression.find("\"area_mu\""), std::string::npos);
}

TEST(ZonewatchLayerStyles, AliasesAreUniquePerLayerAndNameEveryColumn) {
  for (const auto& aliases : {hotspot_field_aliases(false), hotspot_field_aliases(true), unit_field_aliases()}) {
    std::set<std::string> seen;
    for (const FieldAlias& alias : aliases) {
      EXPECT_FALSE(alias.alias.empty()) << alias.field;
      EXPECT_FALSE(alias.description.empty()) << alias.field;
      // gpkg_data_columns has UNIQUE (table_name, name).
      EXPECT_TRUE(seen.insert(alias.alias).second) << "alias repeated: " << alias.alias;
    }
  }
  std::map<std::string, std::string> hotspot;
  for (const FieldAlias& alias : hotspot_field_aliases(false)) hotspot[alias.field] = alias.alias;
  EXPECT_EQ(hotspot.at("hotspot_id"), "图斑编号");
  EXPECT_EQ(hotspot.at("change_type"), "变化类型");
  EXPECT_EQ(hotspot.at("area_mu"), "面积(亩)");
}

TEST(ZonewatchLayerStyles, ReadmeOutputsTableListsEveryFieldWithItsAliasAndUnit) {
  const std::string readme = test::read_bytes(fs::path(ZONEWATCH_SOURCE_DIR) / "README.md");
  ASSERT_FALSE(readme.empty());
  for (const auto& aliases : {hotspot_field_aliases(true), unit_field_aliases(), water_body_field_aliases()}) {
    for (const FieldAlias& alias : aliases) {
      const std::string row = "| `" + alias.field + "` | " + alias.alias + " | " + alias.unit + " |";
      EXPECT_NE(readme.find(row), std::string::npos) << "README.md lacks the row starting " << row;
    }
  }
}

}  // namespace
}  // namespace zw
