// summary.html: the page rendered from hand-made results (escaping, no network resource,
// counts), and its pictures read from a hand-made GeoTIFF (downsampled, stretched, nodata).
#include "zonewatch/pipeline/outputs/summary_page.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <gdal_utils.h>
#include <gtest/gtest.h>
#include <ogr_spatialref.h>

#include "support/temp_folder.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;
using kernels::ChangeType;

std::string square_wkt(double x0, double y0, double side) {
  const auto n = [](double v) { return std::to_string(v); };
  return "POLYGON((" + n(x0) + " " + n(y0) + "," + n(x0 + side) + " " + n(y0) + "," + n(x0 + side) + " " +
         n(y0 + side) + "," + n(x0) + " " + n(y0 + side) + "," + n(x0) + " " + n(y0) + "))";
}

Hotspot hotspot(const std::string& id, ChangeType type, Severity severity, UnitType unit_type,
                const std::string& region, double area_m2) {
  Hotspot h;
  h.id = id;
  h.change_type = type;
  h.severity = severity;
  h.unit_type = unit_type;
  h.unit_region = region;
  h.unit_code = "U-" + id;
  h.unit_name = "单元 " + id;
  h.area_m2 = area_m2;
  h.rule = "rule of " + id;
  h.geometry_wkt = square_wkt(500100.0, 3296100.0, 40.0);
  return h;
}

/// Three hotspots (two construction/high in 江津区, one vegetation loss/low elsewhere), a
/// flagged unit whose name holds a script tag, a unit without enough valid data.
ScanResults sample_results() {
  ScanResults r;
  r.hotspots.push_back(hotspot("A-1", ChangeType::construction, Severity::high, UnitType::key, "重庆市江津区", 5000));
  r.hotspots.push_back(
      hotspot("A-2", ChangeType::construction, Severity::high, UnitType::priority, "重庆市江津区", 300));
  r.hotspots.push_back(
      hotspot("B-1", ChangeType::vegetation_loss, Severity::low, UnitType::general, "重庆市九龙坡区", 1200));
  UnitResult flagged;
  flagged.code = "ZH001";
  flagged.name = "<script>alert(1)</script>单元";
  flagged.type = UnitType::priority;
  flagged.flagged = true;
  flagged.flag_reasons = "construction 5300 m2 in a priority unit; changed share 4.1 % > 2 %";
  flagged.geometry_wkt = square_wkt(500000.0, 3296000.0, 1000.0);
  UnitResult unassessable;
  unassessable.code = "ZH002";
  unassessable.name = "云下单元";
  unassessable.assessable = false;
  unassessable.stats.valid_share = 0.12;
  r.units = {flagged, unassessable};
  return r;
}

SummaryPage sample_page(const ScanResults& results) {
  SummaryPage page;
  page.name = "test <scan>";
  page.sides[0] = {"before", "2017-04-14", "sentinel2-l1c", "", {"/data/before"}, {}};
  page.sides[1] = {"after",
                   "2018-04-02",
                   "sentinel2-l2a",
                   "2018-03-01..2018-04-30 median",
                   {"2018-03-05  /data/a1", "2018-04-02  /data/a2"},
                   {{"/data/cloudy.SAFE", "no clear pixel in the period"}}};
  page.results = &results;
  page.warnings = {"单元几何已修复 unit geometry repaired (MakeValid): ZH003"};
  page.images.frame = {{500000.0, 10.0, 0.0, 3300000.0, 0.0, -10.0}, 400, 400};
  return page;
}

/// The data-count of the row `key` of the counts table `group`, or -1.
int count_in(const std::string& html, const std::string& group, const std::string& key) {
  const std::size_t table = html.find("data-group=\"" + group + "\"");
  if (table == std::string::npos) return -1;
  const std::size_t end = html.find("</table>", table);
  const std::string row = "data-key=\"" + key + "\" data-count=\"";
  const std::size_t at = html.find(row, table);
  if (at == std::string::npos || at > end) return -1;
  return std::stoi(html.substr(at + row.size()));
}

TEST(SummaryPageTest, EscapesTextAndLoadsNothingFromTheNetwork) {
  const ScanResults results = sample_results();
  const std::string html = render_summary_page(sample_page(results));
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;单元"), std::string::npos);
  EXPECT_NE(html.find("test &lt;scan&gt;"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
}

TEST(SummaryPageTest, CountsHotspotsByChangeTypeSeverityUnitTypeAndRegion) {
  const ScanResults results = sample_results();
  const std::string html = render_summary_page(sample_page(results));
  EXPECT_NE(html.find("<b id=\"hotspot-total\">3</b>"), std::string::npos);
  EXPECT_EQ(count_in(html, "change_type", "construction"), 2);
  EXPECT_EQ(count_in(html, "change_type", "vegetation_loss"), 1);
  EXPECT_EQ(count_in(html, "change_type", "water_gain"), 0);
  EXPECT_EQ(count_in(html, "severity", "high"), 2);
  EXPECT_EQ(count_in(html, "severity", "medium"), 0);
  EXPECT_EQ(count_in(html, "severity", "low"), 1);
  EXPECT_EQ(count_in(html, "unit_type", "key"), 1);
  EXPECT_EQ(count_in(html, "unit_type", "priority"), 1);
  EXPECT_EQ(count_in(html, "unit_type", "general"), 1);
  EXPECT_EQ(count_in(html, "region", "重庆市江津区"), 2);
  EXPECT_EQ(count_in(html, "region", "重庆市九龙坡区"), 1);
  // Chinese names from the name tables.
  EXPECT_NE(html.find("新增建设或裸地"), std::string::npos);
  EXPECT_NE(html.find("优先保护单元"), std::string::npos);
  // 5300 m2 of construction = 0.53 ha.
  EXPECT_NE(html.find("0.53</td>"), std::string::npos);
}

TEST(SummaryPageTest, ListsFlaggedUnitsWithReasonsAndWhatWasSkipped) {
  const ScanResults results = sample_results();
  const std::string html = render_summary_page(sample_page(results));
  EXPECT_NE(html.find("Flagged units (1 / 2)"), std::string::npos);
  EXPECT_NE(html.find("changed share 4.1 % &gt; 2 %"), std::string::npos);
  EXPECT_NE(html.find("ZH002 云下单元 (有效数据 valid 12.0 %)"), std::string::npos);
  EXPECT_NE(html.find("/data/cloudy.SAFE: no clear pixel in the period"), std::string::npos);
  EXPECT_NE(html.find("2018-03-01..2018-04-30 median"), std::string::npos);
  EXPECT_NE(html.find("ZH003"), std::string::npos);
}

TEST(SummaryPageTest, MapDrawsUnitsAndHotspotsInTheQuicklookPixels) {
  const ScanResults results = sample_results();
  const std::string html = render_summary_page(sample_page(results));
  // The flagged unit's corner (500000, 3296000) is pixel (0, 400); (501000, 3297000) is (100, 300).
  EXPECT_NE(html.find("class=\"unit flagged\" d=\"M0.0 400.0 L100.0 400.0 L100.0 300.0 L0.0 300.0 Z"),
            std::string::npos);
  std::size_t hotspot_paths = 0;
  for (std::size_t at = html.find("class=\"hotspot\""); at != std::string::npos;
       at = html.find("class=\"hotspot\"", at + 1)) {
    ++hotspot_paths;
  }
  EXPECT_EQ(hotspot_paths, 3u);
}

TEST(SummaryPageTest, LargestHotspotsAreTheTenLargestByArea) {
  ScanResults results;
  for (int i = 0; i < 14; ++i) {
    results.hotspots.push_back(
        hotspot("H" + std::to_string(i), ChangeType::other, Severity::low, UnitType::key, "", 100.0 * ((i * 5) % 14)));
  }
  const auto largest = largest_hotspots(results);
  ASSERT_EQ(largest.size(), kSummaryChipCount);
  for (std::size_t i = 1; i < largest.size(); ++i) EXPECT_GE(largest[i - 1]->area_m2, largest[i]->area_m2);
  EXPECT_EQ(largest.front()->area_m2, 1300.0);
  EXPECT_EQ(largest.back()->area_m2, 400.0);
}

/// A 3-band UInt16 GeoTIFF, 1600 x 400 px of 10 m in UTM 48N: 100 in the west half, 200 in
/// the east half, nodata 0 over its top-left 100 x 100 px.
class SummaryImagesTest : public test::TempFolderTest {
 protected:
  void SetUp() override {
    test::TempFolderTest::SetUp();
    init_gdal();
    path_ = root_ / "scene.tif";
    GDALDataset* ds = GetGDALDriverManager()->GetDriverByName("GTiff")->Create(path_.c_str(), kWidth, kHeight, 3,
                                                                               GDT_UInt16, nullptr);
    ASSERT_NE(ds, nullptr);
    double gt[6] = {500000.0, 10.0, 0.0, 3300000.0, 0.0, -10.0};
    ds->SetGeoTransform(gt);
    OGRSpatialReference srs;
    srs.importFromEPSG(32648);
    ds->SetSpatialRef(&srs);
    std::vector<std::uint16_t> values(static_cast<std::size_t>(kWidth) * kHeight);
    for (int y = 0; y < kHeight; ++y) {
      for (int x = 0; x < kWidth; ++x) {
        values[static_cast<std::size_t>(y) * kWidth + x] = x < 100 && y < 100 ? 0 : x < kWidth / 2 ? 100 : 200;
      }
    }
    for (int b = 1; b <= 3; ++b) {
      ds->GetRasterBand(b)->SetNoDataValue(0);
      ASSERT_EQ(ds->GetRasterBand(b)->RasterIO(GF_Write, 0, 0, kWidth, kHeight, values.data(), kWidth, kHeight,
                                               GDT_UInt16, 0, 0),
                CE_None);
    }
    GDALClose(ds);
    char* wkt = nullptr;
    srs.exportToWkt(&wkt);
    grid_.crs_wkt = wkt;
    CPLFree(wkt);
    grid_.geotransform = {500000.0, 10.0, 0.0, 3300000.0, 0.0, -10.0};
    grid_.width = kWidth;
    grid_.height = kHeight;
    for (const auto& [label, s] : {std::pair{"before", &before_}, std::pair{"after", &after_}}) {
      s->label = label;
      s->profile.nodata = 0.0;
      for (kernels::BandRole role : {kernels::BandRole::blue, kernels::BandRole::green, kernels::BandRole::red}) {
        s->bands[static_cast<std::size_t>(role)] = BandFile{path_.string(), 1 + static_cast<int>(role)};
      }
    }
  }

  /// A PNG's or JPEG's pixels, read back through GDAL: [band][y * width + x].
  static std::vector<std::vector<std::uint8_t>> decode(const std::string& png, int& width, int& height) {
    const std::string name = "/vsimem/summary_page_test.img";
    VSIFCloseL(VSIFileFromMemBuffer(name.c_str(), reinterpret_cast<GByte*>(const_cast<char*>(png.data())),
                                    static_cast<vsi_l_offset>(png.size()), FALSE));
    DatasetPtr ds(GDALDataset::Open(name.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    EXPECT_NE(ds, nullptr);
    std::vector<std::vector<std::uint8_t>> bands;
    if (ds) {
      width = ds->GetRasterXSize();
      height = ds->GetRasterYSize();
      for (int b = 1; b <= ds->GetRasterCount(); ++b) {
        bands.emplace_back(static_cast<std::size_t>(width) * height);
        EXPECT_EQ(ds->GetRasterBand(b)->RasterIO(GF_Read, 0, 0, width, height, bands.back().data(), width, height,
                                                 GDT_Byte, 0, 0),
                  CE_None);
      }
    }
    ds.reset();
    VSIUnlink(name.c_str());
    return bands;
  }

  static constexpr int kWidth = 1600, kHeight = 400;
  fs::path path_;
  AnalysisGrid grid_;
  Scene before_, after_;
};

TEST_F(SummaryImagesTest, QuicklookIsDownsampledToTheLongSideStretchedAndMasked) {
  ScanResults results;
  results.hotspots.push_back(hotspot("A-1", ChangeType::construction, Severity::high, UnitType::key, "", 1600));
  const SummaryImages images = make_summary_images(before_, after_, grid_, results);
  EXPECT_TRUE(images.problems.empty()) << images.problems.front();
  EXPECT_EQ(images.frame.width, 800);
  EXPECT_EQ(images.frame.height, 200);
  EXPECT_DOUBLE_EQ(images.frame.geotransform[1], 20.0);
  int width = 0, height = 0;
  const auto rgb = decode(images.after_jpeg, width, height);
  ASSERT_EQ(rgb.size(), 3u);
  ASSERT_EQ(width, 800);
  ASSERT_EQ(height, 200);
  const auto at = [&](std::size_t band, int x, int y) { return rgb[band][static_cast<std::size_t>(y) * width + x]; };
  for (std::size_t b = 0; b < 3; ++b) {
    // JPEG keeps flat areas within a few levels.
    EXPECT_NEAR(at(b, 10, 10), 48, 4) << "nodata is dark grey";
    EXPECT_NEAR(at(b, 100, 150), 0, 4) << "the 2nd percentile (100) is black";
    EXPECT_NEAR(at(b, 700, 150), 255, 4) << "the 98th percentile (200) is white";
  }
  // One chip pair for the one hotspot; at most 160 px, at least 150 m around it.
  ASSERT_EQ(images.chips.count("A-1"), 1u);
  const auto& chip = images.chips.at("A-1");
  EXPECT_LE(chip.frame.width, 160);
  EXPECT_GE(chip.frame.width * chip.frame.geotransform[1], 40.0 + 300.0);
  int chip_width = 0, chip_height = 0;
  EXPECT_EQ(decode(chip.before_png, chip_width, chip_height).size(), 3u);
  EXPECT_EQ(chip_width, chip.frame.width);
}

TEST_F(SummaryImagesTest, QuicklooksDrawnFromTilesLookAsTheOnesReadFromTheScene) {
  // As detection draws them: tile by tile (three strips here), reflectance of the grid's pixels.
  std::array<kernels::BoxAverage, 2> drawn{summary_true_colour_frame(grid_), summary_true_colour_frame(grid_)};
  EXPECT_EQ(drawn[0].frame_width, 800);
  EXPECT_EQ(drawn[0].frame_height, 200);
  const std::vector<kernels::BandRole> rgb_roles{kernels::BandRole::red, kernels::BandRole::green,
                                                 kernels::BandRole::blue};
  for (std::size_t d = 0; d < 2; ++d) {
    SceneReader reader(d == 0 ? before_ : after_, grid_, rgb_roles);
    for (int y0 = 0; y0 < kHeight; y0 += 150) {
      const kernels::Window strip{0, y0, kWidth, std::min(150, kHeight - y0)};
      RawSceneTile raw;
      reader.read(strip, raw);
      const ReflectanceTile bands = to_reflectance_tile(raw, (d == 0 ? before_ : after_).profile, rgb_roles);
      kernels::BoxAverage part = drawn[d].part(strip);
      for (std::size_t plane = 0; plane < 3; ++plane) {
        part.accumulate(static_cast<int>(plane), strip, bands[rgb_roles[plane]].view());
      }
      drawn[d].merge(part);
    }
  }
  ScanResults results;
  const SummaryImages from_tiles = make_summary_images(before_, after_, grid_, results, &drawn);
  const SummaryImages read = make_summary_images(before_, after_, grid_, results);
  ASSERT_TRUE(from_tiles.problems.empty()) << from_tiles.problems.front();
  int width = 0, height = 0, read_width = 0, read_height = 0;
  const auto tiles_rgb = decode(from_tiles.after_jpeg, width, height);
  const auto read_rgb = decode(read.after_jpeg, read_width, read_height);
  ASSERT_EQ(tiles_rgb.size(), 3u);
  ASSERT_EQ(width, read_width);
  ASSERT_EQ(height, read_height);
  for (std::size_t b = 0; b < 3; ++b) {
    std::size_t far = 0;
    for (std::size_t i = 0; i < tiles_rgb[b].size(); ++i) far += std::abs(tiles_rgb[b][i] - read_rgb[b][i]) > 4;
    EXPECT_EQ(far, 0u) << "band " << b << ": pixels more than 4 levels apart";
    EXPECT_NEAR(tiles_rgb[b][static_cast<std::size_t>(10 * width + 10)], 48, 4) << "nodata is dark grey";
    EXPECT_NEAR(tiles_rgb[b][static_cast<std::size_t>(150 * width + 700)], 255, 4) << "the east half is white";
  }
}

TEST_F(SummaryImagesTest, AMissingBandIsAProblemOnThePageNotAnError) {
  after_.bands[static_cast<std::size_t>(kernels::BandRole::red)].reset();
  const SummaryImages images = make_summary_images(before_, after_, grid_, ScanResults{});
  EXPECT_FALSE(images.before_jpeg.empty());
  EXPECT_TRUE(images.after_jpeg.empty());
  ASSERT_EQ(images.problems.size(), 1u);
  EXPECT_NE(images.problems.front().find("after"), std::string::npos) << images.problems.front();
  EXPECT_NE(images.problems.front().find("red"), std::string::npos) << images.problems.front();
}

TEST_F(SummaryImagesTest, AFileInAnotherCrsIsWarpedOntoTheQuicklook) {
  // The same grid expressed in the scene's CRS, but the scene reprojected to WGS 84.
  const fs::path geographic = root_ / "wgs84.tif";
  {
    DatasetPtr source(GDALDataset::Open(path_.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    ASSERT_NE(source, nullptr);
    std::vector<std::string> args{"-t_srs", "EPSG:4326", "-r", "near"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    GDALWarpAppOptions* options = GDALWarpAppOptionsNew(argv.data(), nullptr);
    GDALDatasetH handle = GDALDataset::ToHandle(source.get());
    GDALDatasetH warped = GDALWarp(geographic.c_str(), nullptr, 1, &handle, options, nullptr);
    GDALWarpAppOptionsFree(options);
    ASSERT_NE(warped, nullptr);
    GDALClose(warped);
  }
  for (auto& band : after_.bands) {
    if (band) band->path = geographic.string();
  }
  const SummaryImages images = make_summary_images(before_, after_, grid_, ScanResults{});
  EXPECT_TRUE(images.problems.empty()) << images.problems.front();
  int width = 0, height = 0;
  const auto rgb = decode(images.after_jpeg, width, height);
  ASSERT_EQ(rgb.size(), 3u);
  EXPECT_EQ(width, 800);
  EXPECT_LT(rgb[0][static_cast<std::size_t>(150) * width + 200], 40);
  EXPECT_GT(rgb[0][static_cast<std::size_t>(150) * width + 600], 215);
}

}  // namespace
}  // namespace zw
