// End to end: issue 12's change types (dumping, blue_roof, mining) on a real Sentinel-2 pair,
// OSCD Chongqing (2017-04-14 -> 2018-04-02, L1C). The terrain is synthetic (the data has no
// DEM): a DEM on a coarser grid than the scene, steep (about 20 degrees) in the western half
// and flat in the eastern, so that the mining rule fires only in the west and the DEM is
// resampled onto the analysis grid. Checked: every new type appears in change.tif, run.json
// and the hotspots; mining only on the slope; a tiled run equals the whole run (the texture
// and slope halos); the hotspots travel through the store, a packet and imported verdicts.
// Skips with a message where ../shared/data/oscd/chongqing is absent.
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "archive_series_support.hpp"
#include "monitoring_support.hpp"
#include "zonewatch/kernels/change_typing.hpp"

namespace zw::e2e {
namespace {

using series::grid_of;
using series::GridOf;
using series::PixelUnit;
using series::write_pixel_units;

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

const fs::path kChongqing = series::kData / "oscd" / "chongqing";

/// A DEM of twice the scene's pixel size over the scene: elevation rising 8 m per (20 m)
/// row southwards in the western half (slope atan(8 / 21.5) ~ 20 degrees), flat in the east.
void write_dem(const fs::path& path, const GridOf& scene) {
  const int width = scene.width / 2 + 1, height = scene.height / 2 + 1;
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GTiff");
  Dataset ds(driver->Create(path.c_str(), width, height, 1, GDT_Float32, nullptr));
  ASSERT_TRUE(ds);
  std::array<double, 6> gt = scene.gt;
  gt[1] *= 2.0;
  gt[5] *= 2.0;
  ds->SetGeoTransform(gt.data());
  ds->SetSpatialRef(&scene.srs);
  std::vector<float> z(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
  for (int row = 0; row < height; ++row) {
    for (int col = 0; col < width; ++col) {
      z[static_cast<std::size_t>(row) * width + col] =
          col < width / 2 ? 300.0f + 8.0f * static_cast<float>(row) : 300.0f;
    }
  }
  ASSERT_EQ(ds->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, width, height, z.data(), width, height, GDT_Float32, 0, 0,
                                           nullptr),
            CE_None);
}

class ChangeTypesTest : public TempFolderTest {
 protected:
  void SetUp() override {
    if (!fs::exists(kChongqing / "imgs_2")) {
      GTEST_SKIP() << kChongqing << " is absent (../shared/data is not in the repository): the OSCD Chongqing pair "
                   << "is needed";
    }
    TempFolderTest::SetUp();
    grid_ = grid_of(kChongqing / "imgs_1" / "T48RXT_20170414T032541_B02.tif");
    const double half = grid_.width / 2.0;
    write_pixel_units(root_ / "units.gpkg", grid_,
                      {{"CQ-W", "重庆西", "priority", "重庆", 0, 0, half, double(grid_.height)},
                       {"CQ-E", "重庆东", "key", "重庆", half, 0, double(grid_.width), double(grid_.height)}});
    write_dem(root_ / "dem.tif", grid_);
  }

  fs::path config(const std::string& name, int tile_size, bool dem = true) {
    YAML::Node c;
    c["name"] = name;
    c["before"]["path"] = (kChongqing / "imgs_1").string();
    c["before"]["date"] = "2017-04-14";
    c["before"]["sensor"] = "sentinel2-l1c";
    c["after"]["path"] = (kChongqing / "imgs_2").string();
    c["after"]["date"] = "2018-04-02";
    c["after"]["sensor"] = "sentinel2-l1c";
    c["units"]["path"] = (root_ / "units.gpkg").string();
    if (dem) c["terrain"]["dem"] = (root_ / "dem.tif").string();
    c["processing"]["tile_size"] = tile_size;
    // dumping is opt-in (TypingRules::order): this test exercises it.
    for (const char* type :
         {"water_loss", "water_gain", "blue_roof", "mining", "dumping", "construction", "vegetation_loss"}) {
      c["detection"]["typing"]["order"].push_back(type);
    }
    c["output"]["dir"] = (root_ / name).string();
    return write_config(c, root_ / (name + ".yaml"));
  }

  GridOf grid_;
};

TEST_F(ChangeTypesTest, EachNewTypeAppearsWhereItShouldAndTilingChangesNothing) {
  const RunResult whole = scan(config("whole", 0), root_, {"--store", (root_ / "store.gpkg").string()});
  ASSERT_EQ(whole.exit_code, 0) << whole;
  EXPECT_NE(whole.err.find("terrain: slope from"), std::string::npos) << whole;
  const nlohmann::json run = read_json(root_ / "whole" / "run.json");
  const nlohmann::json& pixels = run.at("counts").at("changed_pixels");
  std::cerr << "changed pixels by type: " << pixels.dump() << "\n";
  for (const char* type : {"dumping", "blue_roof", "mining", "construction"}) {
    EXPECT_GT(pixels.at(type).get<long long>(), 0) << type;
  }
  EXPECT_EQ(pixels.at("water_quality").get<long long>(), 0) << "no pixel rule assigns water_quality";

  // Mining only on the slope (west); change.tif holds the classes where run.json says.
  const Raster change = read_raster(root_ / "whole" / "change.tif");
  std::map<int, long long> west, east;
  for (int row = 0; row < change.height; ++row) {
    for (int col = 0; col < change.width; ++col) {
      const int v = static_cast<int>(change.values[static_cast<std::size_t>(row) * change.width + col]);
      ++(col < change.width / 2 - 2 ? west : east)[v];
    }
  }
  EXPECT_GT(west[static_cast<int>(kernels::ChangeType::mining)], 0);
  EXPECT_EQ(east[static_cast<int>(kernels::ChangeType::mining)], 0) << "mining on flat ground";
  for (const char* type : {"dumping", "blue_roof", "mining"}) {
    const int value = static_cast<int>(*kernels::change_type_from_string(type));
    EXPECT_EQ(west[value] + east[value], pixels.at(type).get<long long>()) << type;
  }

  // The hotspots carry the types; a mine in the priority unit is high at any size.
  const auto hotspots = read_csv_table(root_ / "whole" / "hotspots.csv").rows;
  std::map<std::string, int> by_type;
  for (const auto& h : hotspots) {
    ++by_type[h.at("change_type")];
    if (h.at("change_type") == "mining") {
      EXPECT_EQ(h.at("unit_type"), "priority") << h.at("hotspot_id");
      EXPECT_EQ(h.at("severity"), "high") << h.at("hotspot_id");
      EXPECT_EQ(h.at("change_type_zh"), "矿山开采");
    }
  }
  std::cerr << "hotspots by type:";
  for (const auto& [type, n] : by_type) std::cerr << " " << type << " " << n;
  std::cerr << "\n";
  for (const char* type : {"dumping", "blue_roof", "mining"}) EXPECT_GT(by_type[type], 0) << type;
  // The units layer has a column per type.
  const auto units = read_layer(root_ / "whole" / "alerts.gpkg", "units");
  ASSERT_EQ(units.size(), 2u);
  for (const auto& u : units) EXPECT_GT(std::stod(u.at("changed_dumping_m2")), 0.0) << u.at("code");

  // Tiles of 128 px with their texture and slope halos: the same change map.
  const RunResult tiled = scan(config("tiled", 128), root_);
  ASSERT_EQ(tiled.exit_code, 0) << tiled;
  expect_same_raster(root_ / "whole" / "change.tif", root_ / "tiled" / "change.tif");

  // Without the DEM the mining rule does not fire (and says so); the rest stays typed.
  const RunResult flat = scan(config("nodem", 0, /*dem=*/false), root_);
  ASSERT_EQ(flat.exit_code, 0) << flat;
  EXPECT_NE(flat.err.find("no terrain.dem configured"), std::string::npos) << flat;
  const nlohmann::json flat_run = read_json(root_ / "nodem" / "run.json");
  EXPECT_EQ(flat_run.at("counts").at("changed_pixels").at("mining").get<long long>(), 0);
  EXPECT_GT(flat_run.at("counts").at("changed_pixels").at("dumping").get<long long>(), 0);

  // The store, a packet and verdicts on the new types.
  const fs::path store = root_ / "store.gpkg";
  const RunResult dispatched = run_zonewatch(
      {"dispatch", "--store", store.string(), "--region", "重庆", "--out", (root_ / "packet").string()}, root_);
  ASSERT_EQ(dispatched.exit_code, 0) << dispatched;
  const auto packet = read_csv_table(root_ / "packet" / "hotspots.csv").rows;
  std::map<std::string, std::string> first_of_type;
  for (const auto& row : packet) first_of_type.emplace(row.at("change_type"), row.at("hotspot_id"));
  for (const char* type : {"dumping", "blue_roof", "mining"}) {
    ASSERT_TRUE(first_of_type.contains(type)) << type << " is not in the packet";
  }
  write_bytes(root_ / "verdicts.csv", "hotspot_id,verdict,verdict_date,inspector,note,approval\n" +
                                          first_of_type.at("mining") + ",confirmed,2018-04-20,李检查,,\n" +
                                          first_of_type.at("dumping") + ",false_alarm,2018-04-20,李检查,,\n" +
                                          first_of_type.at("blue_roof") + ",confirmed,2018-04-20,李检查,,\n");
  const RunResult verified =
      run_zonewatch({"verify", "--store", store.string(), "--results", (root_ / "verdicts.csv").string()}, root_);
  ASSERT_EQ(verified.exit_code, 0) << verified;
  std::map<std::string, std::string> status;
  for (const auto& h : read_layer(store, "hotspots")) status[h.at("hotspot_id")] = h.at("status");
  EXPECT_EQ(status.at(first_of_type.at("mining")), "rectification_due");
  EXPECT_EQ(status.at(first_of_type.at("dumping")), "false_alarm");
  EXPECT_EQ(status.at(first_of_type.at("blue_roof")), "rectification_due");
  const RunResult report = run_zonewatch({"report", "--store", store.string(), "--json"}, root_);
  ASSERT_EQ(report.exit_code, 0) << report;
  std::set<std::string> precision_types;
  const nlohmann::json report_json = nlohmann::json::parse(report.out);
  for (const auto& row : report_json.at("precision")) {
    if (row.at("dimension") == "change_type") precision_types.insert(row.at("key").get<std::string>());
  }
  for (const char* type : {"dumping", "blue_roof", "mining"}) EXPECT_TRUE(precision_types.contains(type)) << type;
}

}  // namespace
}  // namespace zw::e2e
