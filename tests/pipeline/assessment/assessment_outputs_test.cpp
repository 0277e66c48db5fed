// The assessment's files, read back without zonewatch's writers: the GeoPackage with OGR,
// the CSVs as bytes, assessment.json as JSON.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>
#include <nlohmann/json.hpp>

#include "assessment_fixture.hpp"
#include "support/temp_folder.hpp"
#include "zonewatch/pipeline/assessment/assessment.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw {
namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class AssessmentOutputsTest : public test::TempFolderTest {
 protected:
  static void SetUpTestSuite() { init_gdal(); }
  void SetUp() override {
    TempFolderTest::SetUp();
    archive_ = test::make_test_archive();
    archive_.units[1].name = "=HYPERLINK(\"x\"), 绿水";  // a formula, a comma and quotes
    archive_.units[3].name = "<script>x</script>";
    AssessmentOptions options;
    options.year = 2024;
    result_ = assess(archive_, options, "test.h5");
    files_ = write_assessment_outputs(result_, root_ / "out", [this](const auto& gpkg, const std::string& layer) {
      hooked_ = std::filesystem::exists(gpkg) ? layer : "missing";
    });
  }
  ArchiveContents archive_;
  AssessmentResult result_;
  AssessmentFiles files_;
  std::string hooked_;
};

TEST_F(AssessmentOutputsTest, WritesTheSetAndNothingElse) {
  EXPECT_EQ(entry_names(root_ / "out"), (std::vector<std::string>{"assessment.gpkg", "assessment.json", "by_region.csv",
                                                                  "by_type.csv", "report.html", "units.csv"}));
  EXPECT_EQ(hooked_, "assessment") << "the style hook sees the finished GeoPackage before commit";
}

TEST_F(AssessmentOutputsTest, GeoPackageReadBackWithOgr) {
  GDALDatasetUniquePtr dataset(GDALDataset::Open(files_.gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  ASSERT_TRUE(dataset);
  OGRLayer* layer = dataset->GetLayerByName("assessment");
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->GetFeatureCount(), 4);
  EXPECT_EQ(wkbFlatten(layer->GetGeomType()), wkbMultiPolygon);
  ASSERT_NE(layer->GetSpatialRef(), nullptr);
  EXPECT_STREQ(layer->GetSpatialRef()->GetAuthorityCode(nullptr), "32648");
  const OGRFeatureDefn* definition = layer->GetLayerDefn();
  for (const char* field :
       {"unit_code", "rsei", "rsei_prev", "rsei_base", "rsei_chg_prev_pts", "fvc_chg_base_pts", "water_m2", "class",
        "class_zh", "trend_rsei_pts_yr", "trend_p_value", "hotspots_confirmed"}) {
    EXPECT_GE(definition->GetFieldIndex(field), 0) << field;
  }
  for (int i = 0; i < definition->GetFieldCount(); ++i) {
    for (const char c : std::string(definition->GetFieldDefn(i)->GetNameRef())) {
      EXPECT_TRUE(static_cast<unsigned char>(c) < 128) << "field names are ASCII";
    }
  }
  std::map<std::string, OGRFeatureUniquePtr> by_code;
  for (auto& feature : *layer) by_code[feature->GetFieldAsString("unit_code")] = std::move(feature);
  ASSERT_EQ(by_code.size(), 4u);
  EXPECT_STREQ(by_code["P1"]->GetFieldAsString("class"), "significantly_worse");
  EXPECT_STREQ(by_code["P1"]->GetFieldAsString("class_zh"), "明显变差");
  EXPECT_NEAR(by_code["P1"]->GetFieldAsDouble("rsei_chg_prev_pts"), -6.0, 1e-9);
  EXPECT_STREQ(by_code["G1"]->GetFieldAsString("class"), "not_assessed");
  EXPECT_TRUE(by_code["G1"]->IsFieldNull(by_code["G1"]->GetFieldIndex("rsei"))) << "NaN is NULL";
  EXPECT_TRUE(by_code["P2"]->IsFieldNull(by_code["P2"]->GetFieldIndex("hotspots_found"))) << "unknown is NULL";
  EXPECT_EQ(by_code["K1"]->GetFieldAsInteger64("hotspots_confirmed"), 3);
  const OGRGeometry* geometry = by_code["P1"]->GetGeometryRef();
  ASSERT_NE(geometry, nullptr);
  EXPECT_NEAR(geometry->toMultiPolygon()->get_Area(), 3e6, 1.0);
}

TEST_F(AssessmentOutputsTest, CsvHasBomCrlfQuotingAndNoFormulas) {
  const std::string units = read_text(files_.units_csv);
  ASSERT_TRUE(units.starts_with("\xEF\xBB\xBF")) << "UTF-8 BOM for Excel";
  EXPECT_NE(units.find("\r\n"), std::string::npos);
  EXPECT_EQ(units.find("\n", 0) - 1, units.find("\r\n")) << "lines end in CRLF";
  // RFC 4180: the name with a comma and quotes is quoted, quotes doubled, and neutralised.
  EXPECT_NE(units.find("\"'=HYPERLINK(\"\"x\"\"), 绿水\""), std::string::npos) << units.substr(0, 2000);
  const auto rows = text::parse_csv(units);
  ASSERT_EQ(rows.size(), 5u);
  const auto& header = rows[0].fields;
  const auto column = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  ASSERT_LT(column("rsei_chg_prev_pts"), header.size());
  EXPECT_EQ(rows[1].fields[column("unit_code")], "P1");
  EXPECT_EQ(rows[1].fields[column("rsei_chg_prev_pts")], "-6.00") << "numbers are not neutralised";
  EXPECT_EQ(rows[1].fields[column("class")], "significantly_worse");
  EXPECT_EQ(rows[4].fields[column("rsei")], "") << "NaN is an empty cell";
  EXPECT_EQ(rows[4].fields[column("hotspots_found")], "") << "unknown is an empty cell";

  const auto by_type = text::parse_csv(read_text(files_.by_type_csv));
  ASSERT_EQ(by_type.size(), 4u);
  EXPECT_EQ(by_type[1].fields[0], "priority");
  EXPECT_EQ(by_type[1].fields[1], "优先保护单元");
  const auto& type_header = by_type[0].fields;
  const auto worse = std::find(type_header.begin(), type_header.end(), "n_significantly_worse") - type_header.begin();
  EXPECT_EQ(by_type[1].fields.at(static_cast<std::size_t>(worse)), "1");
  EXPECT_EQ(text::parse_csv(read_text(files_.by_region_csv)).size(), 3u) << "header and regions A, B";
}

TEST_F(AssessmentOutputsTest, JsonCarriesHeadlineSummariesAndClasses) {
  const auto j = nlohmann::json::parse(read_text(files_.json));
  EXPECT_EQ(j.at("year"), 2024);
  EXPECT_EQ(j.at("headline").at("priority_declined"), 1);
  EXPECT_DOUBLE_EQ(j.at("headline").at("declined_share_area").get<double>(), 0.75);
  EXPECT_EQ(j.at("by_type").size(), 3u);
  EXPECT_EQ(j.at("enforcement").at(0).at("unit_code"), "P1");
  EXPECT_EQ(j.at("units").at(3).at("class"), "not_assessed");
  EXPECT_TRUE(j.at("units").at(3).at("rsei").is_null());
}

TEST_F(AssessmentOutputsTest, ReportIsOfflineAndEscapesNames) {
  const std::string html = read_text(files_.report_html);
  EXPECT_EQ(html.find("http://"), std::string::npos) << "no network reference";
  EXPECT_EQ(html.find("https://"), std::string::npos) << "no network reference";
  EXPECT_EQ(html.find("<script"), std::string::npos) << "a unit name must not become markup";
  EXPECT_NE(html.find("&lt;script&gt;x&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("<svg class=\"map\""), std::string::npos);
  EXPECT_NE(html.find("class=\"unit class-significantly_worse\""), std::string::npos);
  EXPECT_NE(html.find("<svg class=\"chart\""), std::string::npos);
  EXPECT_NE(html.find("HJ 192-2015"), std::string::npos);
  EXPECT_NE(html.find("78.0 %"), std::string::npos) << "explained variance in the methods";
  EXPECT_NE(html.find("heat -0.500"), std::string::npos) << "loadings in the methods";
  EXPECT_NE(html.find("青山保护区"), std::string::npos);
}

TEST_F(AssessmentOutputsTest, AFailedWriteLeavesThePreviousSet) {
  // A unit whose WKT cannot be parsed fails the GeoPackage after report.html was staged.
  ArchiveContents broken = archive_;
  broken.units[0].geometry_wkt = "POLYGON ((broken";
  AssessmentOptions options;
  options.year = 2024;
  const AssessmentResult result = assess(broken, options, "test.h5");
  const std::string before = read_text(files_.report_html);
  EXPECT_THROW(write_assessment_outputs(result, root_ / "out"), OutputError);
  EXPECT_EQ(read_text(files_.report_html), before);
  EXPECT_FALSE(has_staging_folder(root_ / "out"));
}

}  // namespace
}  // namespace zw
