// End to end: the tiling of the analysis grid is an implementation detail. Whole-image,
// 128-pixel and odd-sized tiles must give the same change map, hotspots and unit statistics,
// and a patch crossing a tile seam must stay one hotspot.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "e2e_support.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

class TilingTest : public TempFolderTest {
 protected:
  /// Scans the sample with --tile-size `tile` (and `extra`) into root_/tile-<tile>; returns
  /// the folder.
  fs::path scan_with_tiles(int tile, const std::vector<std::string>& extra = {}) {
    const fs::path out = root_ / ("tile-" + std::to_string(tile));
    const fs::path config = write_config(sample_config(out), root_ / ("sample-" + std::to_string(tile) + ".yaml"));
    std::vector<std::string> args{"--tile-size", std::to_string(tile)};
    args.insert(args.end(), extra.begin(), extra.end());
    const RunResult result = scan(config, root_, args);
    EXPECT_EQ(result.exit_code, 0) << result;
    const nlohmann::json tiles = read_json(out / "run.json").at("detection").at("tiles");
    EXPECT_EQ(tiles.at("width"), std::min(tile, read_json(out / "run.json").at("grid").at("width").get<int>()));
    return out;
  }

  static void expect_same_results(const fs::path& reference, const fs::path& other) {
    SCOPED_TRACE(other.filename().string() + " vs " + reference.filename().string());
    expect_same_raster(reference / "change.tif", other / "change.tif");
    EXPECT_TRUE(read_bytes(reference / "hotspots.csv") == read_bytes(other / "hotspots.csv")) << "hotspots.csv differs";
    const auto units_a = read_layer(reference / "alerts.gpkg", "units", true);
    const auto units_b = read_layer(other / "alerts.gpkg", "units", true);
    ASSERT_EQ(units_a.size(), units_b.size());
    for (std::size_t u = 0; u < units_a.size(); ++u) {
      for (const auto& [field, value] : units_a[u]) {
        EXPECT_EQ(units_b[u].at(field), value) << "unit " << units_a[u].at("code") << " field " << field;
      }
    }
    nlohmann::json counts_a = read_json(reference / "run.json").at("counts");
    nlohmann::json counts_b = read_json(other / "run.json").at("counts");
    // Components are counted per tile before seams are merged; everything else is global.
    counts_a.erase("components");
    counts_b.erase("components");
    EXPECT_EQ(counts_a, counts_b);
    // summary.html's quick-looks are drawn from the tiles: the same pictures, byte for byte.
    const std::vector<std::string> pictures_a = embedded_jpegs(reference / "summary.html");
    ASSERT_EQ(pictures_a.size(), 3u) << "before, after and the map's after quick-look";
    EXPECT_TRUE(pictures_a == embedded_jpegs(other / "summary.html")) << "the quick-looks differ";
  }

  /// The JPEG pictures embedded in a page (data: URIs), in page order.
  static std::vector<std::string> embedded_jpegs(const fs::path& page) {
    const std::string html = read_bytes(page);
    const std::string marker = "data:image/jpeg;base64,";
    std::vector<std::string> pictures;
    for (auto at = html.find(marker); at != std::string::npos; at = html.find(marker, at)) {
      at += marker.size();
      pictures.push_back(html.substr(at, html.find_first_of("\"')", at) - at));
    }
    return pictures;
  }
};

struct PixelBox {
  double col0 = 0, row0 = 0, col1 = 0, row1 = 0;
};

PixelBox pixel_box(const OGRGeometry& geometry, const std::array<double, 6>& gt) {
  OGREnvelope e;
  geometry.getEnvelope(&e);
  return {(e.MinX - gt[0]) / gt[1], (e.MaxY - gt[3]) / gt[5], (e.MaxX - gt[0]) / gt[1], (e.MinY - gt[3]) / gt[5]};
}

/// First multiple of `seam` strictly inside (a, b), or -1.
int seam_inside(double a, double b, int seam) {
  const int k = static_cast<int>(std::floor(a / seam)) + 1;
  return k * seam < b ? k * seam : -1;
}

struct LayerGeometries {
  std::vector<std::string> ids;
  std::vector<double> areas;
  std::vector<std::unique_ptr<OGRGeometry>> geometries;
};

LayerGeometries hotspot_geometries(const fs::path& gpkg) {
  LayerGeometries out;
  Dataset ds = open_dataset(gpkg, GDAL_OF_VECTOR | GDAL_OF_READONLY);
  OGRLayer* layer = ds ? ds->GetLayerByName("hotspots") : nullptr;
  if (layer == nullptr) {
    ADD_FAILURE() << gpkg << ": no hotspots layer";
    return out;
  }
  for (auto& feature : *layer) {
    out.ids.emplace_back(feature->GetFieldAsString("hotspot_id"));
    out.areas.push_back(feature->GetFieldAsDouble("area_m2"));
    out.geometries.emplace_back(feature->GetGeometryRef()->clone());
  }
  return out;
}

TEST_F(TilingTest, OddTileSizesGiveIdenticalOutputs) {
  const fs::path whole = scan_with_tiles(4096);
  for (int odd : {77, 131}) {
    // One worker thread for one of them: the thread count must not matter either.
    const fs::path tiled = odd == 77 ? scan_with_tiles(odd, {"--threads", "1"}) : scan_with_tiles(odd);
    EXPECT_GT(read_json(tiled / "run.json").at("detection").at("tiles").at("count").get<int>(), 20);
    expect_same_results(whole, tiled);
  }
}

TEST_F(TilingTest, TiledAndWholeImageScansAreIdenticalAndSeamPatchesStayWhole) {
  const fs::path whole = scan_with_tiles(4096);
  EXPECT_EQ(read_json(whole / "run.json").at("detection").at("tiles").at("count"), 1);
  const fs::path tiled = scan_with_tiles(128);
  const nlohmann::json tiles = read_json(tiled / "run.json").at("detection").at("tiles");
  EXPECT_EQ(tiles.at("count").get<int>(), 5 * 7) << "519 x 789 pixels in 128-pixel tiles";
  EXPECT_EQ(tiles.at("width"), 128);
  expect_same_results(whole, tiled);

  // A hotspot of the tiled run whose pixels straddle a 128-pixel seam: it is one hotspot,
  // the same (id, area, outline) as in the whole-image run, and no other hotspot touches it.
  const std::array<double, 6> gt = read_raster(tiled / "change.tif").geotransform;
  const LayerGeometries t = hotspot_geometries(tiled / "alerts.gpkg");
  const LayerGeometries w = hotspot_geometries(whole / "alerts.gpkg");
  ASSERT_EQ(t.ids.size(), w.ids.size());
  int seam_crossers = 0;
  std::size_t largest = t.ids.size();
  for (std::size_t i = 0; i < t.ids.size(); ++i) {
    const PixelBox box = pixel_box(*t.geometries[i], gt);
    const bool crosses = seam_inside(box.col0, box.col1, 128) > 0 || seam_inside(box.row0, box.row1, 128) > 0;
    if (!crosses) continue;
    ++seam_crossers;
    if (largest == t.ids.size() || t.areas[i] > t.areas[largest]) largest = i;
    // Same hotspot in the whole-image run.
    const auto it = std::find(w.ids.begin(), w.ids.end(), t.ids[i]);
    ASSERT_NE(it, w.ids.end()) << t.ids[i];
    const auto j = static_cast<std::size_t>(it - w.ids.begin());
    EXPECT_EQ(w.areas[j], t.areas[i]) << t.ids[i];
    std::unique_ptr<OGRGeometry> difference(t.geometries[i]->SymDifference(w.geometries[j].get()));
    ASSERT_TRUE(difference);
    EXPECT_NEAR(OGR_G_Area(OGRGeometry::ToHandle(difference.get())), 0.0, 1e-6) << t.ids[i] << " outline differs";
  }
  EXPECT_GT(seam_crossers, 5) << "the sample has hotspots across 128-pixel seams";
  ASSERT_LT(largest, t.ids.size());
  // The largest seam-crossing hotspot is not split: no other hotspot shares area with it,
  // and its area is the area of its polygon (10 m pixels).
  int overlapping = 0;
  for (std::size_t i = 0; i < t.ids.size(); ++i) {
    if (i == largest) continue;
    if (!t.geometries[i]->Intersects(t.geometries[largest].get())) continue;
    std::unique_ptr<OGRGeometry> common(t.geometries[i]->Intersection(t.geometries[largest].get()));
    if (common && OGR_G_Area(OGRGeometry::ToHandle(common.get())) > 0.0) ++overlapping;
  }
  EXPECT_EQ(overlapping, 0) << t.ids[largest];
  EXPECT_NEAR(OGR_G_Area(OGRGeometry::ToHandle(t.geometries[largest].get())), t.areas[largest], 1e-6) << t.ids[largest];
  const PixelBox box = pixel_box(*t.geometries[largest], gt);
  EXPECT_GT(box.col1 - box.col0 + box.row1 - box.row0, 2.0) << t.ids[largest];
}

}  // namespace
}  // namespace zw::e2e
