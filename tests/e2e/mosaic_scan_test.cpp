// End to end: a period whose scenes are tiles side by side (a mosaic: several Sentinel-2
// tiles or Landsat path/rows of one date) is scanned on one grid covering them all, and a
// patch across the tiles' seam is one patch. The sample's scenes are cut into two
// overlapping tiles per date (left/right before, top/bottom after, so the seams cross) and
// listed in catalog files; the scan must equal the scan of the uncut scenes listed the same
// way, pixel for pixel and hotspot for hotspot.
#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "e2e_support.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

struct SampleScene {
  std::string folder, date;
};
const SampleScene kBefore{"before", "2017-04-14"};
const SampleScene kAfter{"after", "2018-04-02"};

/// A window of the 10 m bands in pixels. The 20 m bands get the same area plus one of their
/// pixels on each side (within the scene): resampled onto the 10 m grid, a band's pixels next
/// to its file's edge lack their neighbours beyond it, and where tiles overlap the composite
/// would mix such an edge value in. The margin keeps this test about the mosaic itself.
struct Cut {
  std::string name;
  int col0, row0, cols, rows;
};

class MosaicScanTest : public TempFolderTest {
 protected:
  /// The sample scene's band files cut to `cut`, into root_/<scene>-<cut>/; returns the folder.
  fs::path cut_scene(const SampleScene& scene, const Cut& cut) {
    const fs::path folder = root_ / (scene.folder + "-" + cut.name);
    fs::create_directories(folder);
    int full_width = 0;
    for (const auto& entry : fs::directory_iterator(kSampleDir / scene.folder)) {
      if (entry.path().string().ends_with("_B02.tif")) full_width = read_raster(entry.path()).width;
    }
    EXPECT_GT(full_width, 0) << "no B02 in " << (kSampleDir / scene.folder);
    for (const auto& entry : fs::directory_iterator(kSampleDir / scene.folder)) {
      if (entry.path().extension() != ".tif") continue;
      const Dataset band = open_dataset(entry.path());
      const int scale = full_width / band->GetRasterXSize();  // 1 for 10 m bands, 2 for 20 m
      const int margin = scale > 1 ? 1 : 0;
      const int col0 = std::max(0, cut.col0 / scale - margin), row0 = std::max(0, cut.row0 / scale - margin);
      const int col1 = std::min(band->GetRasterXSize(), (cut.col0 + cut.cols + scale - 1) / scale + margin);
      const int row1 = std::min(band->GetRasterYSize(), (cut.row0 + cut.rows + scale - 1) / scale + margin);
      translate(entry.path(), folder / entry.path().filename(),
                {"-q", "-of", "GTiff", "-srcwin", std::to_string(col0), std::to_string(row0),
                 std::to_string(col1 - col0), std::to_string(row1 - row0)});
    }
    return folder;
  }

  /// A catalog file listing `folders` as scenes of `scene`'s date.
  fs::path write_catalog(const std::string& name, const SampleScene& scene, const std::vector<fs::path>& folders) {
    std::string text = "path,date,sensor\n";
    for (const auto& f : folders) text += f.string() + "," + scene.date + ",sentinel2-l1c\n";
    const fs::path path = root_ / (name + ".csv");
    write_bytes(path, text);
    return path;
  }

  /// The sample scan with period sides read from the catalogs, on the scenes' native grid
  /// (the finest band's), into root_/<name>.
  fs::path scan_catalogs(const std::string& name, const fs::path& before_catalog, const fs::path& after_catalog) {
    const fs::path out = root_ / name;
    YAML::Node config = sample_config(out);
    config.remove("grid");
    for (const auto& [side, catalog, date] :
         {std::tuple{"before", before_catalog, kBefore.date}, std::tuple{"after", after_catalog, kAfter.date}}) {
      YAML::Node period;
      period["period"] = date + ".." + date;
      period["sources"].push_back(catalog.string());
      config[side] = period;
    }
    const RunResult result = scan(write_config(config, root_ / (name + ".yaml")), root_, {"--tile-size", "256"});
    EXPECT_EQ(result.exit_code, 0) << result;
    return out;
  }
};

TEST_F(MosaicScanTest, TilesSideBySideGiveTheScanOfTheWholeScenes) {
  const fs::path whole = scan_catalogs("whole", write_catalog("before-whole", kBefore, {kSampleDir / "before"}),
                                       write_catalog("after-whole", kAfter, {kSampleDir / "after"}));
  const int width = read_json(whole / "run.json").at("grid").at("width").get<int>();
  const int height = read_json(whole / "run.json").at("grid").at("height").get<int>();
  ASSERT_EQ(width, 544);  // the sample's 10 m band, uncut
  ASSERT_EQ(height, 730);

  // Before: a west and an east tile overlapping by 60 columns; after: a top and a bottom tile
  // overlapping by 40 rows. The east tile is the grid's reference (the finest scene, the
  // first by path on ties), so the grid grows westwards: its origin moves.
  const fs::path before_left = cut_scene(kBefore, {"west", 0, 0, 302, height});
  const fs::path before_right = cut_scene(kBefore, {"east", 242, 0, width - 242, height});
  const fs::path after_top = cut_scene(kAfter, {"top", 0, 0, width, 386});
  const fs::path after_bottom = cut_scene(kAfter, {"bottom", 0, 346, width, height - 346});
  const fs::path mosaic = scan_catalogs("mosaic", write_catalog("before-tiles", kBefore, {before_right, before_left}),
                                        write_catalog("after-tiles", kAfter, {after_top, after_bottom}));

  const nlohmann::json run = read_json(mosaic / "run.json");
  EXPECT_EQ(run.at("grid").at("width"), width);
  EXPECT_EQ(run.at("grid").at("height"), height);
  EXPECT_EQ(run.at("grid").at("geotransform"), read_json(whole / "run.json").at("grid").at("geotransform"));
  EXPECT_EQ(run.at("inputs").at("before").at("scenes").size(), 2u);
  EXPECT_EQ(run.at("inputs").at("after").at("scenes").size(), 2u);

  expect_same_raster(whole / "composite_before.tif", mosaic / "composite_before.tif");
  expect_same_raster(whole / "composite_after.tif", mosaic / "composite_after.tif");
  expect_same_raster(whole / "change.tif", mosaic / "change.tif");
  const CsvTable hotspots = read_csv_table(whole / "hotspots.csv");
  ASSERT_FALSE(hotspots.rows.empty()) << "the sample scan found no hotspot to compare";
  EXPECT_TRUE(read_bytes(whole / "hotspots.csv") == read_bytes(mosaic / "hotspots.csv")) << "hotspots.csv differs";
  const auto units_whole = read_layer(whole / "alerts.gpkg", "units", true);
  const auto units_mosaic = read_layer(mosaic / "alerts.gpkg", "units", true);
  ASSERT_EQ(units_whole.size(), units_mosaic.size());
  for (std::size_t u = 0; u < units_whole.size(); ++u) {
    for (const auto& [field, value] : units_whole[u]) {
      EXPECT_EQ(units_mosaic[u].at(field), value) << "unit " << units_whole[u].at("code") << " field " << field;
    }
  }
}

TEST_F(MosaicScanTest, ATileOfAnotherPlaceIsNamedWhenTheMosaicWouldBeTooLarge) {
  // A tile moved 100 degrees east (another continent) by its geotransform: the union would
  // be millions of pixels wide at the sample's pixel size.
  const fs::path left = cut_scene(kBefore, {"left", 0, 0, 302, 730});
  const fs::path far = cut_scene(kBefore, {"far", 242, 0, 302, 730});
  for (const auto& entry : fs::directory_iterator(far)) {
    Dataset band = open_dataset(entry.path(), GDAL_OF_RASTER | GDAL_OF_UPDATE);
    ASSERT_TRUE(band) << entry.path();
    double gt[6];
    ASSERT_EQ(band->GetGeoTransform(gt), CE_None);
    gt[0] += 100.0;
    ASSERT_EQ(band->SetGeoTransform(gt), CE_None);
  }
  YAML::Node config = sample_config(root_ / "out");
  config.remove("grid");
  config["before"] = YAML::Node();
  config["before"]["period"] = kBefore.date + ".." + kBefore.date;
  config["before"]["sources"].push_back(write_catalog("tiles", kBefore, {left, far}).string());
  const RunResult result = scan(write_config(config, root_ / "far.yaml"), root_);
  EXPECT_EQ(result.exit_code, 3) << result;  // bad input data
  EXPECT_NE(result.err.find("side by side the scenes would span"), std::string::npos) << result;
  EXPECT_FALSE(fs::exists(root_ / "out" / "change.tif"));
}

}  // namespace
}  // namespace zw::e2e
