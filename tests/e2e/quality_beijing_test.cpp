// Environmental quality per control unit on real data: the 12 Beijing air-quality stations
// (2013-03..2017-02, hourly) and four units drawn over Beijing's districts, scanned end to end
// (a small synthetic image pair carries the scan; the quality step is what is checked).
// Periods: the default year ending on each scan date, i.e. 2013-03-01..2014-02-28 and
// 2016-03-01..2017-02-28. Expectations come from the station files read here independently.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "e2e_support.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

const fs::path kBeijing = fs::path(ZONEWATCH_SHARED_DATA) / "air-quality-beijing";

struct StationMeans {
  double lon = 0, lat = 0;
  std::map<std::string, std::array<double, 2>> mean;   // pollutant -> before, after
  std::map<std::string, std::array<double, 2>> share;  // valid-hour share
};

/// Period means straight from the CSV files (NA and blank cells left out).
std::map<std::string, StationMeans> independent_means(const std::vector<std::string>& pollutants) {
  std::map<std::string, StationMeans> out;
  const CsvTable stations = read_csv_table(kBeijing / "stations.csv");
  for (const auto& row : stations.rows) {
    StationMeans& s = out[row.at("station")];
    s.lon = std::stod(row.at("lon"));
    s.lat = std::stod(row.at("lat"));
    const CsvTable data = read_csv_table(kBeijing / ("PRSA_Data_" + row.at("station") + "_20130301-20170228.csv"));
    std::map<std::string, std::array<double, 2>> sum, valid;
    for (const auto& r : data.rows) {
      const int year = std::stoi(r.at("year")), month = std::stoi(r.at("month"));
      const int side = (year == 2013 || (year == 2014 && month <= 2))   ? 0
                       : (year == 2017 || (year == 2016 && month >= 3)) ? 1
                                                                        : -1;
      if (side < 0) continue;
      for (const auto& p : pollutants) {
        const std::string v = r.at(p);
        if (v == "NA" || v.find_first_not_of(' ') == std::string::npos) continue;
        sum[p][static_cast<std::size_t>(side)] += std::stod(v);
        valid[p][static_cast<std::size_t>(side)] += 1;
      }
    }
    for (const auto& p : pollutants) {
      for (std::size_t side = 0; side < 2; ++side) {
        s.mean[p][side] = sum[p][side] / valid[p][side];
        s.share[p][side] = valid[p][side] / (365.0 * 24.0);
      }
    }
  }
  return out;
}

/// A 3-band 8-bit image over Beijing in WGS84 (texture plus a little noise per date).
void write_scene(const fs::path& path, int seed) {
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GTiff");
  const int w = 130, h = 120;
  Dataset ds(driver->Create(path.c_str(), w, h, 3, GDT_Byte, nullptr));
  ASSERT_TRUE(ds);
  double gt[6] = {116.10, 0.005, 0.0, 40.40, 0.0, -0.005};
  ds->SetGeoTransform(gt);
  OGRSpatialReference srs;
  srs.importFromEPSG(4326);
  ds->SetSpatialRef(&srs);
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(w) * h);
  for (int b = 1; b <= 3; ++b) {
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        pixels[static_cast<std::size_t>(y) * w + x] =
            static_cast<std::uint8_t>(40 + (x * 7 + y * 13 + b * 17) % 150 + (x * y + seed * b) % 5);
      }
    }
    ASSERT_EQ(ds->GetRasterBand(b)->RasterIO(GF_Write, 0, 0, w, h, pixels.data(), w, h, GDT_Byte, 0, 0, nullptr),
              CE_None);
  }
}

class QualityBeijingTest : public TempFolderTest {
 protected:
  void SetUp() override {
    if (!fs::exists(kBeijing / "stations.csv")) {
      GTEST_SKIP() << "real data absent: " << kBeijing << " (see ../shared/data/README.md)";
    }
    TempFolderTest::SetUp();
    write_scene(root_ / "before.tif", 1);
    write_scene(root_ / "after.tif", 2);
    OGRSpatialReference wgs84;
    wgs84.importFromEPSG(4326);
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    write_rect_units(root_ / "units.gpkg", wgs84, units_);
    YAML::Node c;
    c["before"]["path"] = (root_ / "before.tif").string();
    c["before"]["date"] = "2014-02-28";
    c["before"]["sensor"] = "rgb";
    c["after"]["path"] = (root_ / "after.tif").string();
    c["after"]["date"] = "2017-02-28";
    c["after"]["sensor"] = "rgb";
    c["units"]["path"] = (root_ / "units.gpkg").string();
    c["grid"]["crs"] = "EPSG:32650";
    c["grid"]["resolution"] = 500;
    c["output"]["dir"] = (root_ / "out").string();
    YAML::Node q = c["quality"];
    q["stations"]["files"] = (kBeijing / "PRSA_Data_*_20130301-20170228.csv").string();
    q["stations"]["pollutants"] = std::vector<std::string>{"PM2.5", "NO2", "O3"};
    q["stations"]["stations_table"]["file"] = (kBeijing / "stations.csv").string();
    q["stations"]["stations_table"]["name"] = "name_zh";
    q["max_distance_m"] = 20000;
    q["decline"]["limit"]["PM2.5"] = 35;  // GB 3095-2012 grade II annual means
    q["decline"]["limit"]["NO2"] = 40;
    config_ = write_config(c, root_ / "scan.yaml");
  }

  [[nodiscard]] bool station_inside(const StationMeans& s, const RectUnit& u) const {
    return s.lon > u.rect.min_x && s.lon < u.rect.max_x && s.lat > u.rect.min_y && s.lat < u.rect.max_y;
  }

  const std::vector<RectUnit> units_{
      {"ZH-NW", "海淀朝阳北部", "general", "Haidian/Chaoyang", {116.27, 39.95, 116.42, 40.01}},  // Aotizhongxin, Wanliu
      {"ZH-CP", "昌平城区", "general", "Changping", {116.18, 40.17, 116.28, 40.25}},             // Changping
      {"ZH-DC", "东城西城", "key", "Dongcheng/Xicheng", {116.33, 39.87, 116.43, 39.94}},         // 4 stations
      {"ZH-HR", "怀柔城区", "priority", "Huairou", {116.58, 40.29, 116.68, 40.37}},              // Huairou
  };
  fs::path config_;
};

TEST_F(QualityBeijingTest, IdwFlagsTheUnitWhereOzoneRoseAndReportsValidHours) {
  const auto stations = independent_means({"PM2.5", "NO2", "O3"});
  const RunResult run = scan(config_, root_);
  ASSERT_EQ(run.exit_code, 0) << run;
  const nlohmann::json quality = read_json(root_ / "out" / "run.json").at("quality");
  EXPECT_EQ(quality.at("before_period"), "2013-03-01..2014-02-28");
  EXPECT_EQ(quality.at("after_period"), "2016-03-01..2017-02-28");
  EXPECT_NE(quality.at("method").get<std::string>().find("idw (power 2.00, max distance 20000 m"), std::string::npos);

  std::size_t outside = 0;
  for (const auto& station : stations) {
    const auto& s = station.second;  // a plain reference: clang 14 cannot capture a structured binding
    outside += std::none_of(units_.begin(), units_.end(), [&](const RectUnit& u) { return station_inside(s, u); });
  }
  EXPECT_EQ(quality.at("stations_outside_units").get<std::size_t>(), outside);
  EXPECT_EQ(quality.at("stations").size(), stations.size());

  std::map<std::string, nlohmann::json> by_code;
  for (const auto& u : quality.at("units")) by_code[u.at("unit_code")] = u;
  ASSERT_EQ(by_code.size(), 4U);
  const auto measure = [&](const std::string& code, const std::string& pollutant) {
    for (const auto& m : by_code.at(code).at("measures")) {
      if (m.at("pollutant") == pollutant) return m;
    }
    ADD_FAILURE() << code << " has no " << pollutant;
    return nlohmann::json();
  };

  // The data: ozone rose by more than 10 % at both stations inside ZH-NW, and PM2.5 fell at
  // every station.
  for (const char* id : {"Aotizhongxin", "Wanliu"}) {
    EXPECT_GT(stations.at(id).mean.at("O3")[1], 1.10 * stations.at(id).mean.at("O3")[0]) << id;
  }
  for (const auto& [id, s] : stations) EXPECT_LT(s.mean.at("PM2.5")[1], s.mean.at("PM2.5")[0]) << id;

  const auto ozone = measure("ZH-NW", "O3");
  EXPECT_GT(ozone.at("relative_change").get<double>(), 0.10);
  EXPECT_TRUE(ozone.at("declined").get<bool>());
  EXPECT_TRUE(by_code.at("ZH-NW").at("quality_declined").get<bool>());
  EXPECT_NE(by_code.at("ZH-NW").at("reasons").get<std::string>().find("quality_declined: O3"), std::string::npos);
  for (const auto& [code, u] : by_code) {
    const auto pm = measure(code, "PM2.5");
    EXPECT_FALSE(pm.at("declined").get<bool>()) << code;
    EXPECT_LT(pm.at("relative_change").get<double>(), 0.0) << code;
    // Interpolated hours are valid where any station within 20 km measured: at least the
    // best station's share, and within (0.75, 1] for these stations.
    for (const char* side : {"before", "after"}) {
      const double share = pm.at(side).at("valid_share").get<double>();
      EXPECT_GT(share, 0.75) << code << " " << side;
      EXPECT_LE(share, 1.0) << code << " " << side;
      EXPECT_TRUE(pm.at(side).at("assessable").get<bool>());
    }
    // An IDW mean lies within the range of the stations' hourly values; their period means
    // bracket it loosely: check it against the stations' overall range.
    double lo = 1e9, hi = -1e9;
    for (const auto& [id, s] : stations) {
      lo = std::min(lo, s.mean.at("PM2.5")[0]);
      hi = std::max(hi, s.mean.at("PM2.5")[0]);
    }
    const double before = pm.at("before").at("mean").get<double>();
    EXPECT_GT(before, lo - 5.0) << code;
    EXPECT_LT(before, hi + 5.0) << code;
  }

  // The flag reaches the units layer, and quality.csv holds one row per unit and pollutant.
  const auto layer = read_layer(root_ / "out" / "alerts.gpkg", "units");
  bool nw_flagged = false;
  for (const auto& feature : layer) {
    for (const auto& [key, value] : feature) {
      if (value.find("quality_declined: O3") != std::string::npos) nw_flagged = true;
    }
  }
  EXPECT_TRUE(nw_flagged);
  // ... and so do the quality values: per pollutant the period means and change, the verdict
  // and its reasons, equal to run.json's (3 and 4 decimals are the GeoPackage's full doubles).
  ASSERT_EQ(layer.size(), by_code.size());
  for (const auto& feature : layer) {
    const auto& unit = by_code.at(feature.at("code"));
    EXPECT_EQ(feature.at("quality_declined"), unit.at("quality_declined").get<bool>() ? "1" : "0")
        << feature.at("code");
    for (const auto& [pollutant, field] : {std::pair{"PM2.5", "q_pm2_5"}, {"NO2", "q_no2"}, {"O3", "q_o3"}}) {
      const auto m = measure(feature.at("code"), pollutant);
      EXPECT_NEAR(std::stod(feature.at(std::string(field) + "_before")), m.at("before").at("mean").get<double>(), 1e-9)
          << feature.at("code") << " " << pollutant;
      EXPECT_NEAR(std::stod(feature.at(std::string(field) + "_after")), m.at("after").at("mean").get<double>(), 1e-9)
          << feature.at("code") << " " << pollutant;
      EXPECT_NEAR(std::stod(feature.at(std::string(field) + "_change")), m.at("relative_change").get<double>(), 1e-9)
          << feature.at("code") << " " << pollutant;
    }
  }
  EXPECT_NE(std::find_if(layer.begin(), layer.end(),
                         [](const auto& f) {
                           return f.at("code") == "ZH-NW" && f.at("quality_reasons").find("O3") != std::string::npos;
                         }),
            layer.end());
  const std::string csv = read_bytes(root_ / "out" / "quality.csv");
  EXPECT_TRUE(csv.starts_with("\xEF\xBB\xBF"));
  EXPECT_NE(csv.find("\r\n"), std::string::npos);
  const CsvTable table = read_csv_table(root_ / "out" / "quality.csv");
  EXPECT_EQ(table.rows.size(), 12U);
  EXPECT_EQ(table.rows.front().at("before_period"), "2013-03-01..2014-02-28");
  for (const auto& row : table.rows)
    std::cout << "  " << row.at("unit_code") << " " << row.at("pollutant") << " " << row.at("before_mean") << " -> "
              << row.at("after_mean") << " (" << row.at("before_valid_share") << ", " << row.at("after_valid_share")
              << ") " << row.at("quality_declined") << "\n";
}

TEST_F(QualityBeijingTest, NearestStationUnitIsThatStationsRecord) {
  const auto stations = independent_means({"PM2.5", "O3"});
  const RunResult run = scan(config_, root_,
                             {"--out", (root_ / "nearest").string(), "--set", "quality.method=nearest", "--set",
                              "quality.stations.pollutants=[PM2.5, O3]", "--set", "quality.decline.limit={PM2.5: 35}"});
  ASSERT_EQ(run.exit_code, 0) << run;
  const nlohmann::json quality = read_json(root_ / "nearest" / "run.json").at("quality");
  // Every sample point of ZH-CP is nearest to Changping: its means and valid-hour shares are
  // Changping's own, as computed here from the file.
  const StationMeans& changping = stations.at("Changping");
  for (const auto& u : quality.at("units")) {
    if (u.at("unit_code") != "ZH-CP") continue;
    for (const auto& m : u.at("measures")) {
      const std::string p = m.at("pollutant");
      EXPECT_EQ(m.at("source"), "stations:nearest");
      EXPECT_NEAR(m.at("before").at("mean").get<double>(), changping.mean.at(p)[0], 1e-9) << p;
      EXPECT_NEAR(m.at("after").at("mean").get<double>(), changping.mean.at(p)[1], 1e-9) << p;
      EXPECT_NEAR(m.at("before").at("valid_share").get<double>(), changping.share.at(p)[0], 1e-12) << p;
      const double rise = changping.mean.at(p)[1] / changping.mean.at(p)[0] - 1.0;
      EXPECT_EQ(m.at("declined").get<bool>(), rise > 0.10) << p;
    }
    EXPECT_EQ(u.at("stations_inside"), nlohmann::json::array({"Changping"}));
  }
}

TEST_F(QualityBeijingTest, BadStationColumnIsAnInputError) {
  const RunResult run =
      scan(config_, root_, {"--set", "quality.stations.pollutants=[PM25]", "--set", "quality.decline.limit={}"});
  EXPECT_EQ(run.exit_code, 3) << run;
  EXPECT_NE(run.err.find("no column 'PM25'"), std::string::npos) << run;
  EXPECT_NE(run.err.find("PM2.5, PM10"), std::string::npos) << run;
}

}  // namespace
}  // namespace zw::e2e
