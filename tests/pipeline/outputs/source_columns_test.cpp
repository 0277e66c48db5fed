// The source-tracing columns of the hotspot column model: present only with sources:,
// aliased, listed in the README's outputs table, and written escaped (a registry name is
// untrusted text) in hotspots.csv and alerts.gpkg.
#include <filesystem>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/temp_folder.hpp"
#include "support/vector_layers.hpp"
#include "test_paths.hpp"
#include "zonewatch/pipeline/outputs/layer_styles.hpp"
#include "zonewatch/pipeline/outputs/outputs.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kSourceFields{"sources",
                                             "sources_zh",
                                             "source_count",
                                             "nearest_source_id",
                                             "nearest_source_name",
                                             "nearest_source_kind",
                                             "nearest_source_m",
                                             "nearest_source_bearing",
                                             "nearest_source_direction"};

std::vector<std::string> field_names(const std::vector<FieldAlias>& aliases) {
  std::vector<std::string> names;
  for (const FieldAlias& alias : aliases) names.push_back(alias.field);
  return names;
}

TEST(SourceColumns, OnlyTracedScansHaveThemAfterEveryOtherColumn) {
  for (const bool tracked : {false, true}) {
    const auto plain = field_names(hotspot_field_aliases(tracked));
    const auto traced = field_names(hotspot_field_aliases(tracked, true));
    ASSERT_EQ(traced.size(), plain.size() + kSourceFields.size());
    EXPECT_EQ(std::vector<std::string>(traced.begin(), traced.begin() + static_cast<long>(plain.size())), plain);
    EXPECT_EQ(std::vector<std::string>(traced.begin() + static_cast<long>(plain.size()), traced.end()), kSourceFields);
    for (const std::string& field : kSourceFields) {
      EXPECT_EQ(std::count(plain.begin(), plain.end(), field), 0) << field;
    }
  }
}

TEST(SourceColumns, AliasesAreUniqueAndTheReadmeListsEveryOne) {
  const std::string readme = test::read_bytes(fs::path(ZONEWATCH_SOURCE_DIR) / "README.md");
  ASSERT_FALSE(readme.empty());
  std::set<std::string> seen;
  for (const FieldAlias& alias : hotspot_field_aliases(true, true)) {
    EXPECT_FALSE(alias.alias.empty()) << alias.field;
    EXPECT_TRUE(seen.insert(alias.alias).second) << "alias repeated: " << alias.alias;
    const std::string row = "| `" + alias.field + "` | " + alias.alias + " | " + alias.unit + " |";
    EXPECT_NE(readme.find(row), std::string::npos) << "README.md lacks the row starting " << row;
  }
}

class SourceColumnsFiles : public test::TempFolderTest {
 protected:
  static ScanResults results() {
    ScanResults r;
    r.grid_crs_wkt = test::epsg_wkt(32650);
    r.traced = true;
    Hotspot h;
    h.id = "H1";
    h.before_date = "2020-01-01";
    h.after_date = "2021-01-01";
    h.geometry_wkt = "POLYGON ((500000 4000000,500100 4000000,500100 4000100,500000 4000100,500000 4000000))";
    TracedSite site;
    site.registry = "permits";
    site.kind = RegistryKind::enterprise;
    site.id = "E001";
    site.name = "=HYPERLINK(\"http://evil\",\"某化工厂\")";
    site.distance_m = 420.26;
    site.bearing_deg = 44.0;
    h.sources.push_back(site);
    r.hotspots.push_back(h);
    Hotspot none = h;
    none.id = "H2";
    none.sources.clear();
    r.hotspots.push_back(none);
    return r;
  }
};

TEST_F(SourceColumnsFiles, CsvNeutralisesRegistryNamesAndWritesTheNearestSite) {
  write_hotspots_csv(root_ / "hotspots.csv", results());
  const std::string csv = test::read_bytes(root_ / "hotspots.csv");
  EXPECT_NE(csv.find(",E001,\"'=HYPERLINK(\"\"http://evil\"\",\"\"某化工厂\"\")\",enterprise,420.3,44.0,NE"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find("\"E001 =HYPERLINK(\"\"http://evil\"\",\"\"某化工厂\"\") enterprise 420 m NE\""),
            std::string::npos)
      << csv;
  // H2 has no site: empty texts, 0 sites, empty numbers.
  EXPECT_NE(csv.find(",,,0,,,,,,"), std::string::npos) << csv;
}

TEST_F(SourceColumnsFiles, GeoPackageCarriesTheColumnsWithNullsWithoutASite) {
  write_alerts_gpkg(root_ / "alerts.gpkg", results(), nullptr);
  GDALDatasetUniquePtr ds(GDALDataset::Open((root_ / "alerts.gpkg").c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  ASSERT_NE(ds, nullptr);
  OGRLayer* layer = ds->GetLayerByName("hotspots");
  ASSERT_NE(layer, nullptr);
  int rows = 0;
  for (auto& feature : *layer) {
    ++rows;
    const std::string id = feature->GetFieldAsString("hotspot_id");
    if (id == "H1") {
      EXPECT_STREQ(feature->GetFieldAsString("nearest_source_name"), "=HYPERLINK(\"http://evil\",\"某化工厂\")");
      EXPECT_DOUBLE_EQ(feature->GetFieldAsDouble("nearest_source_m"), 420.26);
      EXPECT_EQ(feature->GetFieldAsInteger64("source_count"), 1);
      EXPECT_STREQ(feature->GetFieldAsString("nearest_source_direction"), "NE");
      EXPECT_STREQ(feature->GetFieldAsString("sources_zh"),
                   "E001 =HYPERLINK(\"http://evil\",\"某化工厂\") 排污企业 东北 420 米");
    } else {
      EXPECT_FALSE(feature->IsFieldSetAndNotNull(feature->GetFieldIndex("nearest_source_m")));
      EXPECT_EQ(feature->GetFieldAsInteger64("source_count"), 0);
    }
  }
  EXPECT_EQ(rows, 2);
}

}  // namespace
}  // namespace zw
