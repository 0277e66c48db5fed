// A scan whose sides are period composites, tracked in a monitoring store, then
// `zonewatch dispatch`: the packet holds a before and an after chip for every hotspot. The
// store records each period side as the composite the scan wrote into its output folder
// (with the sensor profile that reads it), so dispatch cuts chips from the composites as it
// does from single scenes. Real data: the CBERS-4 AWFI season of ../shared/data/timeseries,
// with a square of bright bare ground painted into the after period's scenes.
#include <cstdint>
#include <string>
#include <vector>

#include "cbers_season.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

const std::vector<std::string> kAfterDates{"2018-06-10", "2018-06-26"};

class DispatchPeriodTest : public TempFolderTest {
 protected:
  void SetUp() override {
    if (!cbers_present()) {
      GTEST_SKIP() << kCbers << " is absent: the CBERS-4 AWFI time series (../shared/data) is needed";
    }
    TempFolderTest::SetUp();
  }

  /// The after period's scenes copied to `folder`, a 12 x 12 pixel square of every band
  /// made bright (bare ground where there was cerrado).
  static void copy_painted_after_scenes(const fs::path& folder) {
    fs::create_directories(folder);
    for (const auto& date : kAfterDates) {
      for (const char* band : {"B13", "B14", "B15", "B16", "CMASK"}) {
        const fs::path copy = folder / cbers_file(band, date).filename();
        fs::copy_file(cbers_file(band, date), copy);
        fs::permissions(copy, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::add);
        if (std::string(band) == "CMASK") continue;
        Dataset ds = open_dataset(copy, GDAL_OF_RASTER | GDAL_OF_UPDATE);
        ASSERT_TRUE(ds) << copy;
        std::vector<std::int16_t> square(12 * 12, 3000);
        ASSERT_EQ(
            ds->GetRasterBand(1)->RasterIO(GF_Write, 20, 20, 12, 12, square.data(), 12, 12, GDT_Int16, 0, 0, nullptr),
            CE_None)
            << copy;
      }
    }
  }
};

TEST_F(DispatchPeriodTest, PacketHoldsChipsOfPeriodComposites) {
  const fs::path after_scenes = root_ / "after-scenes";
  copy_painted_after_scenes(after_scenes);
  write_units_over(cbers_file("B13", "2018-02-02"), root_ / "units.gpkg");
  YAML::Node config;
  config["name"] = "cbers-period-dispatch";
  config["before"]["period"] = "2018-02-01..2018-02-28";
  config["before"]["sources"].push_back(kCbers.string());
  config["after"]["period"] = "2018-06-01..2018-06-30";
  config["after"]["sources"].push_back(after_scenes.string());
  config["units"]["path"] = (root_ / "units.gpkg").string();
  config["output"]["dir"] = (root_ / "out").string();
  config["store"]["path"] = (root_ / "store.gpkg").string();
  const RunResult scanned = scan(write_config(config, root_ / "scan.yaml"), root_);
  ASSERT_EQ(scanned.exit_code, 0) << scanned;
  const auto hotspots = read_csv_table(root_ / "out" / "hotspots.csv").rows;
  ASSERT_FALSE(hotspots.empty()) << "the painted square is no hotspot";
  // Each period side is recorded as the composite in the output folder.
  const auto scans = read_layer(root_ / "store.gpkg", "scans");
  ASSERT_EQ(scans.size(), 1u);
  EXPECT_EQ(scans[0].at("before_path"), (root_ / "out" / "composite_before.tif").string());
  EXPECT_EQ(scans[0].at("after_path"), (root_ / "out" / "composite_after.tif").string());
  EXPECT_EQ(scans[0].at("after_date"), "2018/06/30");  // an OGR date: the period's last day
  EXPECT_TRUE(fs::exists(root_ / "out" / "composite_after.yaml"));

  const fs::path packet = root_ / "packet";
  const RunResult dispatched = run_zonewatch(
      {"dispatch", "--store", (root_ / "store.gpkg").string(), "--region", "BA", "--out", packet.string()}, root_);
  ASSERT_EQ(dispatched.exit_code, 0) << dispatched;
  EXPECT_EQ(dispatched.err.find("no image chips"), std::string::npos) << dispatched;
  const auto rows = read_csv_table(packet / "hotspots.csv").rows;
  ASSERT_EQ(rows.size(), hotspots.size());
  for (const auto& row : rows) {
    const std::string& id = row.at("hotspot_id");
    for (const char* side : {"-before.png", "-after.png"}) {
      const fs::path chip = packet / (id + side);
      ASSERT_TRUE(fs::exists(chip)) << chip;
      EXPECT_EQ(read_bytes(chip).substr(1, 3), "PNG") << chip;
    }
  }
}

}  // namespace
}  // namespace zw::e2e
