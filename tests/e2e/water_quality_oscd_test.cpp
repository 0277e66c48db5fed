// Water quality on real Sentinel-2 pairs (OSCD Beihai: coast and estuary; Chongqing: the
// Yangtze and Jialing; Abu Dhabi: coast and lagoons): water extraction gives plausible shares
// and thresholds, every index is available from the L1C bands and lies in its range, the
// water bodies reach run.json and alerts.gpkg, and flagged bodies reach the hotspots as
// change type water_quality. Skipped where ../shared/data/oscd is absent.
#include <cmath>
#include <string>
#include <vector>

#include <ogr_spatialref.h>

#include "e2e_support.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

const fs::path kOscd = fs::path(ZONEWATCH_SHARED_DATA) / "oscd";

struct City {
  std::string name;
  std::string date_before, date_after;
  int utm_epsg;
};

const City kBeihai{"beihai", "2016-12-09", "2018-03-09", 32649};
const City kChongqing{"chongqing", "2017-04-14", "2018-04-02", 32648};
const City kAbuDhabi{"abudhabi", "2016-01-20", "2018-03-28", 32639};

/// The first file of a folder whose name ends in `suffix`.
fs::path band_file(const fs::path& folder, const std::string& suffix) {
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().filename().string().ends_with(suffix)) return entry.path();
  }
  return {};
}

class WaterQualityOscdTest : public TempFolderTest {
 protected:
  void SetUp() override {
    if (!fs::exists(kOscd / "beihai" / "imgs_2")) GTEST_SKIP() << kOscd << " is absent: the OSCD pairs are needed";
    TempFolderTest::SetUp();
  }

  /// Two units over the scene in its UTM zone: the west half priority, the east half general.
  void write_units(const City& city, const fs::path& gpkg) {
    Dataset b02 = open_dataset(band_file(kOscd / city.name / "imgs_1", "_B02.tif"));
    ASSERT_TRUE(b02);
    double gt[6];
    ASSERT_EQ(b02->GetGeoTransform(gt), CE_None);
    OGRSpatialReference source, utm;
    source.importFromWkt(b02->GetProjectionRef());
    source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    utm.importFromEPSG(city.utm_epsg);
    utm.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> to_utm(OGRCreateCoordinateTransformation(&source, &utm));
    ASSERT_TRUE(to_utm);
    double xs[4] = {gt[0], gt[0] + gt[1] * b02->GetRasterXSize(), gt[0], gt[0] + gt[1] * b02->GetRasterXSize()};
    double ys[4] = {gt[3], gt[3], gt[3] + gt[5] * b02->GetRasterYSize(), gt[3] + gt[5] * b02->GetRasterYSize()};
    ASSERT_TRUE(to_utm->Transform(4, xs, ys));
    Rect r{*std::min_element(xs, xs + 4), *std::min_element(ys, ys + 4), *std::max_element(xs, xs + 4),
           *std::max_element(ys, ys + 4)};
    const double mid = (r.min_x + r.max_x) / 2.0;
    write_rect_units(gpkg, utm,
                     {{"W-" + city.name, city.name + " west", "priority", city.name, {r.min_x, r.min_y, mid, r.max_y}},
                      {"E-" + city.name, city.name + " east", "general", city.name, {mid, r.min_y, r.max_x, r.max_y}}});
  }

  /// Scans `city` with water_quality on (plus `water_quality`'s extra keys); returns run.json.
  nlohmann::json scan_city(const City& city, const YAML::Node& water_quality = YAML::Node(YAML::NodeType::Map)) {
    out_ = root_ / ("out-" + city.name);
    write_units(city, root_ / "units.gpkg");
    YAML::Node config;
    config["name"] = "oscd-" + city.name;
    config["before"]["path"] = (kOscd / city.name / "imgs_1").string();
    config["before"]["date"] = city.date_before;
    config["before"]["sensor"] = "sentinel2-l1c";
    config["after"]["path"] = (kOscd / city.name / "imgs_2").string();
    config["after"]["date"] = city.date_after;
    config["after"]["sensor"] = "sentinel2-l1c";
    config["units"]["path"] = (root_ / "units.gpkg").string();
    config["grid"]["crs"] = "EPSG:" + std::to_string(city.utm_epsg);
    config["grid"]["resolution"] = 10;
    config["output"]["dir"] = out_.string();
    YAML::Node wq = water_quality;
    wq["enabled"] = true;
    config["water_quality"] = wq;
    const fs::path path = write_config(config, root_ / ("scan-" + city.name + ".yaml"));
    const RunResult run = scan(path, root_);
    EXPECT_EQ(run.exit_code, 0) << run;
    if (run.exit_code != 0) return {};
    return read_json(out_ / "run.json");
  }

  /// What every city's water must look like.
  void expect_plausible_water(const nlohmann::json& run, const std::string& city) {
    ASSERT_TRUE(run.contains("water_quality")) << city;
    const nlohmann::json& w = run.at("water_quality");
    EXPECT_EQ(w.at("extraction"), "mndwi") << city;  // L1C has B11
    for (const char* date : {"threshold_before", "threshold_after"}) {
      EXPECT_GE(w.at(date).get<double>(), -0.1) << city << " " << date;
      EXPECT_LE(w.at(date).get<double>(), 0.3) << city << " " << date;
    }
    for (const char* share : {"water_share_before", "water_share_after"}) {
      EXPECT_GT(w.at(share).get<double>(), 0.005) << city << ": these scenes hold rivers or coast";
      EXPECT_LT(w.at(share).get<double>(), 0.9) << city;
    }
    for (const char* index : {"ndti", "ndci", "fai", "boi"}) {
      EXPECT_EQ(w.at("indices").at(index).at("available"), true) << city << " " << index;
    }
    const auto& bodies = w.at("water_bodies");
    EXPECT_GE(bodies.size(), 1u) << city;
    EXPECT_EQ(w.at("bodies").get<std::size_t>(), bodies.size());
    std::size_t flagged = 0;
    double area = 0.0;
    for (const auto& body : bodies) {
      EXPECT_GE(body.at("area_m2").get<double>(), 10000.0) << city;
      area += body.at("area_m2").get<double>();
      flagged += body.at("flagged").get<bool>() ? 1 : 0;
      for (const auto& [index, x] : body.at("indices").items()) {
        const double bound = index == "fai" ? 0.5 : 1.0;
        for (const char* median : {"before_median", "after_median"}) {
          if (x.at(median).is_null()) continue;
          EXPECT_GE(x.at(median).get<double>(), -bound) << city << " " << index;
          EXPECT_LE(x.at(median).get<double>(), bound) << city << " " << index;
        }
        EXPECT_GE(x.at("valid_share").get<double>(), 0.0);
        EXPECT_LE(x.at("valid_share").get<double>(), 1.0);
      }
    }
    EXPECT_NEAR(w.at("stable_water_area_m2").get<double>(), area, 1e-6 * area) << city;
    EXPECT_EQ(w.at("flagged_bodies").get<std::size_t>(), flagged) << city;
    EXPECT_EQ(feature_count(out_ / "alerts.gpkg", "water_bodies"), static_cast<long long>(bodies.size())) << city;
    // Clear water: red below green (NDTI < 0) in most bodies; MNDWI water, so NIR is low
    // and FAI below zero for most.
    std::size_t clear = 0;
    for (const auto& body : bodies) {
      const auto& ndti = body.at("indices").at("ndti").at("before_median");
      if (!ndti.is_null() && ndti.get<double>() < 0.1) ++clear;
    }
    EXPECT_GT(clear, 0u) << city;
  }

  fs::path out_;
};

TEST_F(WaterQualityOscdTest, BeihaiCoastAndEstuary) { expect_plausible_water(scan_city(kBeihai), "beihai"); }

TEST_F(WaterQualityOscdTest, ChongqingRivers) { expect_plausible_water(scan_city(kChongqing), "chongqing"); }

TEST_F(WaterQualityOscdTest, AbuDhabiCoastAndLagoons) { expect_plausible_water(scan_city(kAbuDhabi), "abudhabi"); }

TEST_F(WaterQualityOscdTest, FlaggedBodiesReachChangeMapHotspotsAndTheGeoPackage) {
  // An NDTI limit every water pixel exceeds: every body departs, all its pixels with it, so
  // the flagged bodies become water_quality patches and hotspots in both units.
  YAML::Node wq(YAML::NodeType::Map);
  for (const char* type : {"priority", "key", "general"}) wq["rules"][type]["ndti"]["limit"] = -1.0;
  const nlohmann::json run = scan_city(kChongqing, wq);
  ASSERT_TRUE(run.contains("water_quality"));
  const nlohmann::json& w = run.at("water_quality");
  ASSERT_GE(w.at("flagged_bodies").get<int>(), 1);
  EXPECT_EQ(w.at("flagged_bodies"), w.at("bodies"));
  const auto departing = w.at("departing_pixels").get<double>();
  const Raster change = read_raster(out_ / "change.tif");
  double typed = 0;
  for (double v : change.values) typed += v == 9.0 ? 1.0 : 0.0;
  EXPECT_LE(typed, departing);
  EXPECT_GE(typed, 0.95 * departing) << "the departing pixels are typed water_quality in change.tif";

  const CsvTable csv = read_csv_table(out_ / "hotspots.csv");
  std::size_t water_rows = 0;
  for (const auto& row : csv.rows) {
    if (row.at("change_type") != "water_quality") continue;
    ++water_rows;
    EXPECT_EQ(row.at("change_type_zh"), "水质异常");
    EXPECT_TRUE(row.at("unit_code") == "W-chongqing" || row.at("unit_code") == "E-chongqing") << row.at("unit_code");
  }
  EXPECT_GE(water_rows, 1u);
  std::size_t gpkg_rows = 0;
  for (const auto& feature : read_layer(out_ / "alerts.gpkg", "hotspots", false)) {
    gpkg_rows += feature.at("change_type") == "water_quality" ? 1 : 0;
  }
  EXPECT_EQ(gpkg_rows, water_rows);
  for (const auto& body : read_layer(out_ / "alerts.gpkg", "water_bodies", true)) {
    EXPECT_EQ(body.at("flagged"), "1");
    EXPECT_EQ(body.at("ndti_departs"), "1");
    EXPECT_EQ(body.count("@geometry"), 1u) << "a water body without its polygon";
  }
}

TEST_F(WaterQualityOscdTest, WholeImageAndOddTilesGiveTheSameWaterAndChangeMap) {
  YAML::Node wq(YAML::NodeType::Map);
  const nlohmann::json whole = scan_city(kBeihai, wq);
  const fs::path whole_out = out_;
  fs::rename(whole_out, root_ / "whole");
  // processing.tile_size through the config: odd tiles for every stage.
  out_ = root_ / "out-beihai";
  YAML::Node config = YAML::LoadFile((root_ / "scan-beihai.yaml").string());
  config["processing"]["tile_size"] = 97;
  const RunResult run = scan(write_config(config, root_ / "scan-beihai-97.yaml"), root_);
  ASSERT_EQ(run.exit_code, 0) << run;
  const nlohmann::json tiled = read_json(out_ / "run.json");
  ASSERT_TRUE(whole.contains("water_quality"));
  EXPECT_EQ(tiled.at("water_quality"), whole.at("water_quality"));
  expect_same_raster(root_ / "whole" / "change.tif", out_ / "change.tif");
}

}  // namespace
}  // namespace zw::e2e
