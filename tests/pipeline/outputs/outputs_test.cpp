// Result writers: write into a staging folder, commit, read back with OGR and by parsing the
// files directly.
#include "zonewatch/pipeline/outputs/outputs.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <cpl_conv.h>
#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <nlohmann/json.hpp>

#include "support/temp_folder.hpp"
#include "zonewatch/pipeline/core/atomic_output.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;
using kernels::ChangeType;

class GdalEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { GDALAllRegister(); }
};
[[maybe_unused]] ::testing::Environment* const kGdalEnvironment =
    ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using OutputTestFolder = test::TempFolderTest;
using test::expect_throw_starting_with;
using test::read_bytes;
using test::write_text;

// ------------------------------------------------------------------------------------------
// Writers

std::string utm48n_wkt() {
  OGRSpatialReference srs;
  EXPECT_EQ(srs.importFromEPSG(32648), OGRERR_NONE);
  char* wkt = nullptr;
  EXPECT_EQ(srs.exportToWkt(&wkt), OGRERR_NONE);
  std::string text = wkt != nullptr ? wkt : "";
  CPLFree(wkt);
  return text;
}

/// Latitude on the central meridian of a WGS84 UTM zone at `northing` (northern
/// hemisphere): the footpoint latitude of the inverse transverse Mercator series
/// (Snyder, Map Projections — A Working Manual, eq. 3-26, 7-19), exact at easting 500000.
double utm_central_meridian_latitude(double northing) {
  const double a = 6378137.0, f = 1.0 / 298.257223563, k0 = 0.9996;
  const double e2 = f * (2.0 - f);
  const double e1 = (1.0 - std::sqrt(1.0 - e2)) / (1.0 + std::sqrt(1.0 - e2));
  const double mu = northing / k0 / (a * (1.0 - e2 / 4.0 - 3.0 * e2 * e2 / 64.0 - 5.0 * e2 * e2 * e2 / 256.0));
  const double phi = mu + (3.0 * e1 / 2.0 - 27.0 * std::pow(e1, 3) / 32.0) * std::sin(2.0 * mu) +
                     (21.0 * e1 * e1 / 16.0 - 55.0 * std::pow(e1, 4) / 32.0) * std::sin(4.0 * mu) +
                     (151.0 * std::pow(e1, 3) / 96.0) * std::sin(6.0 * mu) +
                     (1097.0 * std::pow(e1, 4) / 512.0) * std::sin(8.0 * mu);
  return phi * 180.0 / M_PI;
}

std::string square_wkt(double x0, double y0, double side) {
  std::ostringstream wkt;
  wkt.precision(12);
  // Counter-clockwise exterior ring, as RFC 7946 wants it.
  wkt << "POLYGON((" << x0 << ' ' << y0 << ',' << x0 + side << ' ' << y0 << ',' << x0 + side << ' ' << y0 + side << ','
      << x0 << ' ' << y0 + side << ',' << x0 << ' ' << y0 << "))";
  return wkt.str();
}

/// Hand-made results; hotspots deliberately not in report order.
ScanResults sample_results() {
  ScanResults results;
  results.grid_crs_wkt = utm48n_wkt();

  Hotspot vegetation;
  vegetation.id = "ZH50010910001-201804-0001";
  vegetation.change_type = ChangeType::vegetation_loss;
  vegetation.area_m2 = 1500.0;
  vegetation.centroid_lon_wgs84 = 105.00020712345;
  vegetation.centroid_lat_wgs84 = 29.8183456789;
  vegetation.centroid_lon_cgcs2000 = 105.00020712;
  vegetation.centroid_lat_cgcs2000 = 29.81834568;
  vegetation.mean_greenness_before = kNaN;  // must come out NULL
  vegetation.mean_greenness_after = 0.21234;
  vegetation.mean_magnitude = 4.5;
  vegetation.pixel_count = 15;
  vegetation.unit_code = "ZH50010910001";
  vegetation.unit_name = "缙云山国家级自然保护区";
  vegetation.unit_type = UnitType::priority;
  vegetation.unit_region = "重庆市北碚区";
  vegetation.before_date = "2018-04-15";
  vegetation.after_date = "2023-04-20";
  vegetation.severity = Severity::medium;
  vegetation.rule = "priority, area < 2000 m2 -> medium";
  vegetation.geometry_wkt = square_wkt(500000.0, 3300000.0, 40.0);

  Hotspot construction = vegetation;
  construction.id = "ZH50010920002-201804-0002";
  construction.change_type = ChangeType::construction;
  construction.area_m2 = 3200.0;
  construction.centroid_lon_wgs84 = 105.0012;
  construction.centroid_lat_wgs84 = 29.8191;
  construction.mean_greenness_before = 0.55;
  construction.mean_greenness_after = 0.12;
  construction.mean_magnitude = 6.25;
  construction.pixel_count = 32;
  construction.unit_code = "ZH50010920002";
  construction.unit_name = "北碚区城镇开发边界,含\"歇马\"片区";  // comma and quotes: CSV quoting
  construction.unit_type = UnitType::key;
  construction.severity = Severity::high;
  construction.rule = "key: area >= 2000 m2 -> high";
  construction.geometry_wkt =
      "MULTIPOLYGON(((500100 3300100,500180 3300100,500180 3300140,500100 3300140,500100 3300100)))";

  Hotspot water = vegetation;
  water.id = "ZH50010910001-201804-0003";
  water.change_type = ChangeType::water_loss;
  water.area_m2 = 5000.0;
  water.mean_greenness_before = 0.05;
  water.mean_greenness_after = 0.3;
  water.pixel_count = 50;
  water.geometry_wkt = square_wkt(500300.0, 3300300.0, 70.0);
  water.after_date = "";  // unknown: must come out NULL, not an empty string

  results.hotspots = {vegetation, construction, water};

  UnitResult reserve;
  reserve.code = "ZH50010910001";
  reserve.name = "缙云山国家级自然保护区";
  reserve.region = "重庆市北碚区";
  reserve.type = UnitType::priority;
  reserve.geometry_wkt = square_wkt(499000.0, 3299000.0, 2000.0);
  reserve.stats.area_m2 = 4.0e6;
  reserve.stats.valid_area_m2 = 3.8e6;
  reserve.stats.valid_share = 0.95;
  reserve.stats.changed_area_m2[static_cast<std::size_t>(ChangeType::vegetation_loss)] = 1500.0;
  reserve.stats.changed_area_m2[static_cast<std::size_t>(ChangeType::water_loss)] = 5000.0;
  reserve.stats.total_changed_area_m2 = 6500.0;
  reserve.stats.changed_share = 6500.0 / 3.8e6;
  reserve.stats.mean_greenness_before = 0.61;
  reserve.stats.mean_greenness_after = 0.58;
  reserve.stats.mean_greenness_change = -0.03;
  reserve.hotspot_count = 2;
  reserve.flagged = true;
  reserve.flag_reasons = "植被减少 1500 m² in 优先保护单元; 水域减少 5000 m²";

  UnitResult town;
  town.code = "ZH50010920002";
  town.name = "北碚区城镇开发边界,含\"歇马\"片区";
  town.region = "重庆市北碚区";
  town.type = UnitType::key;
  town.geometry_wkt = square_wkt(500050.0, 3300050.0, 500.0);
  town.stats.area_m2 = 250000.0;
  town.stats.valid_area_m2 = 20000.0;
  town.stats.valid_share = 0.08;
  town.stats.changed_area_m2[static_cast<std::size_t>(ChangeType::construction)] = 3200.0;
  town.stats.total_changed_area_m2 = 3200.0;
  town.stats.changed_share = 0.16;
  town.hotspot_count = 1;
  town.assessable = false;  // greenness stays NaN: must come out NULL

  results.units = {reserve, town};
  return results;
}

const std::vector<std::string> kHotspotColumns{
    "hotspot_id", "change_type",  "change_type_zh", "area_m2",          "area_ha",         "area_mu",     "lon_wgs84",
    "lat_wgs84",  "lon_cgcs2000", "lat_cgcs2000",   "greenness_before", "greenness_after", "magnitude",   "pixel_count",
    "unit_code",  "unit_name",    "unit_type",      "unit_type_zh",     "region",          "before_date", "after_date",
    "severity",   "rule"};

// Report order: high first, then largest area.
const std::vector<std::string> kExpectedOrder{"ZH50010920002-201804-0002", "ZH50010910001-201804-0003",
                                              "ZH50010910001-201804-0001"};

using OutputWritersTest = OutputTestFolder;

GDALDatasetUniquePtr open_vector(const fs::path& path) {
  GDALDatasetUniquePtr dataset(
      GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
  EXPECT_TRUE(dataset) << path;
  return dataset;
}

TEST_F(OutputWritersTest, GeoPackageHotspotsLayer) {
  const ScanResults results = sample_results();
  {
    OutputStaging staging(root_);
    write_alerts_gpkg(staging.staged("alerts.gpkg"), results);
    staging.commit();
  }
  EXPECT_EQ(entry_names(root_), std::vector<std::string>{"alerts.gpkg"});
  GDALDatasetUniquePtr dataset = open_vector(root_ / "alerts.gpkg");
  ASSERT_TRUE(dataset);
  EXPECT_STREQ(dataset->GetDriver()->GetDescription(), "GPKG");
  OGRLayer* layer = dataset->GetLayerByName("hotspots");
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->GetFeatureCount(), 3);
  EXPECT_EQ(wkbFlatten(layer->GetGeomType()), wkbMultiPolygon);
  ASSERT_NE(layer->GetSpatialRef(), nullptr);
  EXPECT_STREQ(layer->GetSpatialRef()->GetAuthorityCode(nullptr), "32648");

  OGRFeatureDefn* definition = layer->GetLayerDefn();
  ASSERT_EQ(definition->GetFieldCount(), static_cast<int>(kHotspotColumns.size()));
  for (int i = 0; i < definition->GetFieldCount(); ++i) {
    EXPECT_EQ(definition->GetFieldDefn(i)->GetNameRef(), kHotspotColumns[static_cast<std::size_t>(i)]);
  }
  EXPECT_EQ(definition->GetFieldDefn(definition->GetFieldIndex("before_date"))->GetType(), OFTDate);

  std::vector<std::string> ids;
  layer->ResetReading();
  for (const auto& feature : *layer) ids.push_back(feature->GetFieldAsString("hotspot_id"));
  EXPECT_EQ(ids, kExpectedOrder);

  layer->SetAttributeFilter("hotspot_id = 'ZH50010920002-201804-0002'");
  OGRFeatureUniquePtr construction(layer->GetNextFeature());
  ASSERT_TRUE(construction);
  EXPECT_STREQ(construction->GetFieldAsString("change_type"), "construction");
  EXPECT_STREQ(construction->GetFieldAsString("change_type_zh"), "新增建设或裸地");
  EXPECT_STREQ(construction->GetFieldAsString("unit_name"), "北碚区城镇开发边界,含\"歇马\"片区");
  EXPECT_STREQ(construction->GetFieldAsString("unit_type"), "key");
  EXPECT_STREQ(construction->GetFieldAsString("unit_type_zh"), "重点管控单元");
  EXPECT_STREQ(construction->GetFieldAsString("severity"), "high");
  EXPECT_DOUBLE_EQ(construction->GetFieldAsDouble("area_m2"), 3200.0);
  EXPECT_DOUBLE_EQ(construction->GetFieldAsDouble("area_ha"), 0.32);
  EXPECT_DOUBLE_EQ(construction->GetFieldAsDouble("area_mu"), 4.8);  // 3200 m² · 15 / 10000
  EXPECT_DOUBLE_EQ(construction->GetFieldAsDouble("greenness_before"), 0.55);
  EXPECT_EQ(construction->GetFieldAsInteger64("pixel_count"), 32);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, tz = 0;
  float second = 0.0f;
  ASSERT_TRUE(construction->GetFieldAsDateTime(construction->GetFieldIndex("after_date"), &year, &month, &day, &hour,
                                               &minute, &second, &tz));
  EXPECT_EQ(year * 10000 + month * 100 + day, 20230420);
  OGREnvelope envelope;
  ASSERT_NE(construction->GetGeometryRef(), nullptr);
  construction->GetGeometryRef()->getEnvelope(&envelope);
  EXPECT_DOUBLE_EQ(envelope.MinX, 500100.0);
  EXPECT_DOUBLE_EQ(envelope.MaxY, 3300140.0);

  layer->SetAttributeFilter("hotspot_id = 'ZH50010910001-201804-0001'");
  OGRFeatureUniquePtr vegetation(layer->GetNextFeature());
  ASSERT_TRUE(vegetation);
  EXPECT_TRUE(vegetation->IsFieldNull(vegetation->GetFieldIndex("greenness_before")));
  EXPECT_FALSE(vegetation->IsFieldNull(vegetation->GetFieldIndex("greenness_after")));
  EXPECT_STREQ(vegetation->GetFieldAsString("change_type_zh"), "植被减少");
  EXPECT_STREQ(vegetation->GetFieldAsString("unit_name"), "缙云山国家级自然保护区");
  EXPECT_DOUBLE_EQ(vegetation->GetFieldAsDouble("lon_wgs84"), 105.00020712345);
  ASSERT_NE(vegetation->GetGeometryRef(), nullptr);
  EXPECT_EQ(wkbFlatten(vegetation->GetGeometryRef()->getGeometryType()), wkbMultiPolygon);
  EXPECT_DOUBLE_EQ(vegetation->GetGeometryRef()->toMultiPolygon()->get_Area(), 1600.0);

  layer->SetAttributeFilter("hotspot_id = 'ZH50010910001-201804-0003'");
  OGRFeatureUniquePtr water(layer->GetNextFeature());
  ASSERT_TRUE(water);
  EXPECT_TRUE(water->IsFieldNull(water->GetFieldIndex("after_date")));
}

TEST_F(OutputWritersTest, GeoPackageUnitsLayer) {
  const fs::path path = root_ / "alerts.gpkg";
  write_alerts_gpkg(path, sample_results());
  GDALDatasetUniquePtr dataset = open_vector(path);
  ASSERT_TRUE(dataset);
  EXPECT_EQ(dataset->GetLayerCount(), 3);  // hotspots, units and QGIS's layer_styles table
  OGRLayer* layer = dataset->GetLayerByName("units");
  ASSERT_NE(layer, nullptr);
  EXPECT_EQ(layer->GetFeatureCount(), 2);
  OGRFeatureDefn* definition = layer->GetLayerDefn();
  for (const char* field : {"code",
                            "name",
                            "type",
                            "type_zh",
                            "region",
                            "area_m2",
                            "valid_area_m2",
                            "valid_share",
                            "changed_area_m2",
                            "changed_vegetation_loss_m2",
                            "changed_construction_m2",
                            "changed_water_loss_m2",
                            "changed_water_gain_m2",
                            "changed_other_m2",
                            "changed_dumping_m2",
                            "changed_blue_roof_m2",
                            "changed_mining_m2",
                            "changed_water_quality_m2",
                            "changed_share",
                            "greenness_before",
                            "greenness_after",
                            "greenness_change",
                            "hotspot_count",
                            "assessable",
                            "flagged",
                            "flag_reasons"}) {
    EXPECT_GE(definition->GetFieldIndex(field), 0) << field;
  }
  EXPECT_EQ(definition->GetFieldDefn(definition->GetFieldIndex("flagged"))->GetSubType(), OFSTBoolean);

  layer->ResetReading();
  OGRFeatureUniquePtr reserve(layer->GetNextFeature());
  OGRFeatureUniquePtr town(layer->GetNextFeature());
  ASSERT_TRUE(reserve && town);
  EXPECT_STREQ(reserve->GetFieldAsString("code"), "ZH50010910001");  // layer order kept
  EXPECT_STREQ(reserve->GetFieldAsString("type_zh"), "优先保护单元");
  EXPECT_DOUBLE_EQ(reserve->GetFieldAsDouble("changed_area_m2"), 6500.0);
  EXPECT_DOUBLE_EQ(reserve->GetFieldAsDouble("changed_vegetation_loss_m2"), 1500.0);
  EXPECT_DOUBLE_EQ(reserve->GetFieldAsDouble("changed_water_loss_m2"), 5000.0);
  EXPECT_DOUBLE_EQ(reserve->GetFieldAsDouble("changed_construction_m2"), 0.0);
  EXPECT_DOUBLE_EQ(reserve->GetFieldAsDouble("greenness_change"), -0.03);
  EXPECT_EQ(reserve->GetFieldAsInteger("flagged"), 1);
  EXPECT_EQ(reserve->GetFieldAsInteger("assessable"), 1);
  EXPECT_EQ(reserve->GetFieldAsInteger("hotspot_count"), 2);
  EXPECT_STREQ(reserve->GetFieldAsString("flag_reasons"), "植被减少 1500 m² in 优先保护单元; 水域减少 5000 m²");
  ASSERT_NE(reserve->GetGeometryRef(), nullptr);
  EXPECT_DOUBLE_EQ(reserve->GetGeometryRef()->toMultiPolygon()->get_Area(), 4.0e6);

  EXPECT_STREQ(town->GetFieldAsString("name"), "北碚区城镇开发边界,含\"歇马\"片区");
  EXPECT_EQ(town->GetFieldAsInteger("assessable"), 0);
  EXPECT_EQ(town->GetFieldAsInteger("flagged"), 0);
  for (const char* field : {"greenness_before", "greenness_after", "greenness_change"}) {
    EXPECT_TRUE(town->IsFieldNull(town->GetFieldIndex(field))) << field;
  }
}

TEST_F(OutputWritersTest, GeoPackageReplacesAnExistingFile) {
  const fs::path path = root_ / "alerts.gpkg";
  write_text(path, "not a geopackage");
  write_alerts_gpkg(path, sample_results());
  write_alerts_gpkg(path, sample_results());
  GDALDatasetUniquePtr dataset = open_vector(path);
  ASSERT_TRUE(dataset);
  EXPECT_EQ(dataset->GetLayerByName("hotspots")->GetFeatureCount(), 3);
}

/// RFC 4180 parser: quoted fields may hold separators, doubled quotes and line breaks.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      ++i;
    } else {
      field += c;
    }
  }
  EXPECT_TRUE(field.empty() && row.empty()) << "last line must end with CRLF";
  return rows;
}

TEST_F(OutputWritersTest, CsvHasBomQuotingSortOrderAndFixedPrecision) {
  ScanResults results = sample_results();
  const std::vector<Hotspot> input_order = results.hotspots;
  {
    OutputStaging staging(root_);
    write_hotspots_csv(staging.staged("hotspots.csv"), results);
    staging.commit();
  }
  EXPECT_EQ(results.hotspots[0].id, input_order[0].id) << "input must not be reordered";

  const std::string bytes = read_bytes(root_ / "hotspots.csv");
  ASSERT_GE(bytes.size(), 3u);
  EXPECT_EQ(bytes.substr(0, 3), "\xEF\xBB\xBF");
  const auto rows = parse_csv(bytes.substr(3));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0], kHotspotColumns);
  const auto column = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(kHotspotColumns.begin(), kHotspotColumns.end(), name) -
                                    kHotspotColumns.begin());
  };
  for (std::size_t i = 0; i < kExpectedOrder.size(); ++i) {
    ASSERT_EQ(rows[i + 1].size(), kHotspotColumns.size());
    EXPECT_EQ(rows[i + 1][column("hotspot_id")], kExpectedOrder[i]);
  }
  const auto& construction = rows[1];
  EXPECT_EQ(construction[column("unit_name")], "北碚区城镇开发边界,含\"歇马\"片区");
  EXPECT_NE(bytes.find("\"北碚区城镇开发边界,含\"\"歇马\"\"片区\""), std::string::npos);
  EXPECT_EQ(construction[column("area_m2")], "3200.0");
  EXPECT_EQ(construction[column("area_mu")], "4.800");
  EXPECT_EQ(construction[column("lon_wgs84")], "105.001200");
  EXPECT_EQ(construction[column("severity")], "high");
  EXPECT_EQ(construction[column("pixel_count")], "32");
  EXPECT_EQ(construction[column("change_type_zh")], "新增建设或裸地");
  EXPECT_EQ(construction[column("before_date")], "2018-04-15");

  const auto& vegetation = rows[3];
  EXPECT_EQ(vegetation[column("greenness_before")], "") << "NaN must be an empty cell";
  EXPECT_EQ(vegetation[column("greenness_after")], "0.2123");
  EXPECT_EQ(vegetation[column("lon_wgs84")], "105.000207");
  EXPECT_EQ(vegetation[column("lat_wgs84")], "29.818346");
  EXPECT_EQ(vegetation[column("area_m2")], "1500.0");
  EXPECT_EQ(vegetation[column("rule")], "priority, area < 2000 m2 -> medium");
  EXPECT_EQ(vegetation[column("unit_type_zh")], "优先保护单元");

  // OGR's CSV driver reads it too, BOM and all.
  GDALDatasetUniquePtr dataset = open_vector(root_ / "hotspots.csv");
  ASSERT_TRUE(dataset);
  OGRLayer* layer = dataset->GetLayer(0);
  EXPECT_EQ(layer->GetFeatureCount(), 3);
  EXPECT_EQ(layer->GetLayerDefn()->GetFieldIndex("hotspot_id"), 0);
  OGRFeatureUniquePtr first(layer->GetNextFeature());
  ASSERT_TRUE(first);
  EXPECT_STREQ(first->GetFieldAsString("unit_name"), "北碚区城镇开发边界,含\"歇马\"片区");
}

TEST_F(OutputWritersTest, GeoJsonIsRfc7946InWgs84LonLat) {
  {
    OutputStaging staging(root_);
    write_hotspots_geojson(staging.staged("hotspots.geojson"), sample_results());
    staging.commit();
  }
  const fs::path path = root_ / "hotspots.geojson";
  const nlohmann::json document = nlohmann::json::parse(read_bytes(path));
  EXPECT_EQ(document.at("type"), "FeatureCollection");
  EXPECT_FALSE(document.contains("crs")) << "RFC 7946 removed the crs member";
  const auto& features = document.at("features");
  ASSERT_EQ(features.size(), 3u);
  for (std::size_t i = 0; i < features.size(); ++i) {
    EXPECT_EQ(features[i].at("type"), "Feature");
    EXPECT_EQ(features[i].at("properties").at("hotspot_id"), kExpectedOrder[i]);
    EXPECT_EQ(features[i].at("properties").size(), kHotspotColumns.size());
    // The driver writes single-part multipolygons as Polygon; both are fine for readers.
    const std::string geometry_type = features[i].at("geometry").at("type");
    EXPECT_TRUE(geometry_type == "Polygon" || geometry_type == "MultiPolygon") << geometry_type;
  }

  EXPECT_TRUE(features[1].at("properties").at("after_date").is_null());
  const auto& vegetation = features[2];
  const auto& properties = vegetation.at("properties");
  EXPECT_TRUE(properties.at("greenness_before").is_null());
  EXPECT_DOUBLE_EQ(properties.at("greenness_after").get<double>(), 0.21234);
  EXPECT_EQ(properties.at("unit_name"), "缙云山国家级自然保护区");
  EXPECT_EQ(properties.at("change_type_zh"), "植被减少");
  EXPECT_EQ(properties.at("before_date"), "2018-04-15");
  EXPECT_EQ(properties.at("pixel_count"), 15);

  // UTM 48N (500000, 3300000) lies on the central meridian 105°E.
  const double expected_lon = 105.0;
  const double expected_lat = utm_central_meridian_latitude(3300000.0);
  ASSERT_NEAR(expected_lat, 29.8304673, 1e-6);  // cross-check: PROJ gives 29.8304673
  std::vector<const nlohmann::json*> positions;
  const std::function<void(const nlohmann::json&)> collect = [&](const nlohmann::json& node) {
    if (node.is_array() && !node.empty() && node[0].is_number()) {
      positions.push_back(&node);
    } else {
      for (const auto& child : node) collect(child);
    }
  };
  collect(vegetation.at("geometry").at("coordinates"));
  ASSERT_EQ(positions.size(), 5u);  // one closed square ring
  bool found_corner = false;
  for (const nlohmann::json* position : positions) {
    ASSERT_EQ(position->size(), 2u);
    const double lon = (*position)[0].get<double>(), lat = (*position)[1].get<double>();
    EXPECT_GT(lon, 104.9);  // lon first: 105, not 29.8
    EXPECT_LT(lat, 30.0);
    for (const double value : {lon, lat}) {  // at most 7 decimals
      EXPECT_NEAR(value * 1e7, std::round(value * 1e7), 1e-4) << value;
    }
    if (std::abs(lon - expected_lon) < 1e-5 && std::abs(lat - expected_lat) < 1e-5) {
      found_corner = true;
    }
  }
  EXPECT_TRUE(found_corner) << "no vertex near " << expected_lon << ", " << expected_lat;

  // QGIS reads GeoJSON through this same driver.
  GDALDatasetUniquePtr dataset = open_vector(path);
  ASSERT_TRUE(dataset);
  OGRLayer* layer = dataset->GetLayer(0);
  EXPECT_EQ(layer->GetFeatureCount(), 3);
  ASSERT_NE(layer->GetSpatialRef(), nullptr);
  EXPECT_TRUE(layer->GetSpatialRef()->IsGeographic());
}

TEST_F(OutputWritersTest, WriteFailuresThrowOutputErrorNamingTheFile) {
  write_text(root_ / "blocker", "a regular file");
  const ScanResults results = sample_results();
  const fs::path gpkg = root_ / "blocker" / "alerts.gpkg";
  const fs::path csv = root_ / "blocker" / "hotspots.csv";
  const fs::path geojson = root_ / "blocker" / "hotspots.geojson";
  expect_throw_starting_with<OutputError>([&] { write_alerts_gpkg(gpkg, results); }, gpkg.string());
  expect_throw_starting_with<OutputError>([&] { write_hotspots_csv(csv, results); }, csv.string());
  expect_throw_starting_with<OutputError>([&] { write_hotspots_geojson(geojson, results); }, geojson.string());
}

TEST_F(OutputWritersTest, BadGeometryThrowsAndLeavesNoPartialFile) {
  ScanResults results = sample_results();
  results.hotspots[1].geometry_wkt = "POLYGON((not numbers))";
  const fs::path path = root_ / "alerts.gpkg";
  expect_throw_starting_with<OutputError>([&] { write_alerts_gpkg(path, results); }, path.string());
  EXPECT_FALSE(fs::exists(path));
}

TEST(OutputNamesTest, ChineseChangeTypeNames) {
  EXPECT_EQ(chinese_name(ChangeType::vegetation_loss), "植被减少");
  EXPECT_EQ(chinese_name(ChangeType::construction), "新增建设或裸地");
  EXPECT_EQ(chinese_name(ChangeType::water_loss), "水域减少");
  EXPECT_EQ(chinese_name(ChangeType::water_gain), "水域增加");
  EXPECT_EQ(chinese_name(ChangeType::other), "其他变化");
}

}  // namespace
}  // namespace zw
