// The scene catalog: periods, discovery in folders (real Landsat germany folder with two
// scenes and a DEM; hand-made Sentinel-2 SAFE, Landsat and per-band products), catalog
// files, product paths in inspect_scene and resolve_scene, quality bands read onto the grid (nearest
// neighbour) and the spectral cloud test, and the profile keys that go with them.
#include "zonewatch/pipeline/inputs/catalog.hpp"

#include <cmath>
#include <string>

#include <gdal_priv.h>
#include <gtest/gtest.h>

#include "support/product_fixtures.hpp"
#include "zonewatch/pipeline/config/sensor_profile.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/grid/grid.hpp"

namespace zw {
namespace {

using namespace fixtures;
using kernels::BandRole;
using kernels::QualityEncoding;
constexpr double kPi = 3.14159265358979323846;

const std::vector<fs::path> kSensorDirs{kSensorsDir};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const SkippedScene* skipped_named(const Discovery& d, const std::string& name) {
  for (const auto& s : d.skipped) {
    if (fs::path(s.path).filename().string() == name) return &s;
  }
  return nullptr;
}

template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected exception not thrown";
  return {};
}

// --- DateRange ---------------------------------------------------------------------------------

TEST(DateRangeTest, ParsesAndContains) {
  const DateRange r = DateRange::parse("2024-06-01..2024-09-30", "before.period");
  EXPECT_EQ(r.first, "2024-06-01");
  EXPECT_EQ(r.last, "2024-09-30");
  EXPECT_TRUE(r.contains("2024-06-01"));
  EXPECT_TRUE(r.contains("2024-09-30"));
  EXPECT_TRUE(r.contains("2024-07-15"));
  EXPECT_FALSE(r.contains("2024-05-31"));
  EXPECT_FALSE(r.contains("2024-10-01"));
  EXPECT_EQ(r.to_string(), "2024-06-01..2024-09-30");
  EXPECT_EQ(DateRange::parse(" 2024-06-01 .. 2024-06-01 ", "x").last, "2024-06-01");
}

TEST(DateRangeTest, BadPeriodsNameTheKey) {
  for (const std::string text :
       {"2024-06-01", "2024-06-01..2024-13-01", "2024-06-01...2024-07-01", "2024-09-30..2024-06-01", "june..july"}) {
    const std::string message = error_of<ConfigError>([&] { (void)DateRange::parse(text, "after.period"); });
    EXPECT_TRUE(message.starts_with("after.period: ")) << message;
  }
}

// --- Profiles ------------------------------------------------------------------------------------

TEST(SensorProfileKeys, EveryShippedProfileLoads) {
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kSensorsDir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++count;
    const SensorProfile p = load_sensor_profile(entry.path().string(), {});
    EXPECT_EQ(p.name, entry.path().stem().string());
  }
  EXPECT_GE(count, 18);
  const SensorProfile cbers = load_sensor_profile("cbers4-awfi", kSensorDirs);
  ASSERT_TRUE(cbers.quality.has_value());
  EXPECT_EQ(cbers.quality->file_token, "CMASK");
  EXPECT_EQ(cbers.quality->encoding, QualityEncoding::cbers_cmask);
  EXPECT_EQ(cbers.cloud_test, CloudTest::spectral);
  EXPECT_EQ(cbers.band(BandRole::blue)->file_token, "B13");
  EXPECT_EQ(cbers.band(BandRole::nir)->file_token, "B16");
  EXPECT_EQ(load_sensor_profile("landsat8-oli", kSensorDirs).quality->encoding, QualityEncoding::landsat_qa_pixel);
  EXPECT_EQ(load_sensor_profile("sentinel2-l2a", kSensorDirs).quality->encoding, QualityEncoding::sentinel2_scl);
  EXPECT_EQ(load_sensor_profile("gf2-pms", kSensorDirs).cloud_test, CloudTest::spectral);
  EXPECT_FALSE(load_sensor_profile("sentinel2-l1c", kSensorDirs).quality.has_value());
}

class ProfileFiles : public TempDirTest {};

TEST_F(ProfileFiles, QualityCloudTestAndPerBandKeys) {
  const fs::path p = root_ / "mine.yaml";
  write_text(p,
             "name: mine\nbands:\n  red: {index: 1, scale: 0.5, offset: -1}\n  nir: {index: 2}\n"
             "scale: 0.25\nquality: {index: 3, encoding: nonzero_is_clear}\ncloud_test: spectral\n");
  const SensorProfile profile = load_sensor_profile(p.string(), {});
  EXPECT_DOUBLE_EQ(profile.scale_of(BandRole::red), 0.5);
  EXPECT_DOUBLE_EQ(profile.offset_of(BandRole::red), -1.0);
  EXPECT_DOUBLE_EQ(profile.scale_of(BandRole::nir), 0.25);
  EXPECT_DOUBLE_EQ(profile.offset_of(BandRole::nir), 0.0);
  EXPECT_EQ(profile.quality->index, 3);
  EXPECT_EQ(profile.cloud_test, CloudTest::spectral);

  write_text(p, "name: mine\nbands:\n  red: {index: 1}\nquality: {file: QA, encoding: fmask}\n");
  EXPECT_TRUE(contains(error_of<ConfigError>([&] { (void)load_sensor_profile(p.string(), {}); }), "quality.encoding"));
  write_text(p, "name: mine\nbands:\n  red: {index: 1}\nquality: {encoding: sentinel2_scl}\n");
  EXPECT_TRUE(contains(error_of<ConfigError>([&] { (void)load_sensor_profile(p.string(), {}); }), "'quality'"));
  write_text(p, "name: mine\nbands:\n  red: {index: 1}\ncloud_test: fmask\n");
  EXPECT_TRUE(contains(error_of<ConfigError>([&] { (void)load_sensor_profile(p.string(), {}); }), "cloud_test"));
  // Found by tests/fuzz/sensor_profile: a key that is a list made yaml-cpp throw its own exception.
  write_text(p, "name: mine\nbands:\n  ? [red]\n  : {file: B4}\n");
  const std::string message = error_of<ConfigError>([&] { (void)load_sensor_profile(p.string(), {}); });
  EXPECT_TRUE(message.starts_with(p.string() + ": key 'bands' has a key that is not a name: '[red]'")) << message;
  // Found by tests/fuzz/catalog: a name with a NUL byte found the profiles' folder itself, and
  // YAML::LoadFile on a folder threw std::ios_base::failure.
  EXPECT_TRUE(
      contains(error_of<ConfigError>([&] { (void)load_sensor_profile(std::string("rgb\0x", 5), {kSensorsDir}); }),
               "': a name or path holds a NUL byte"));
  fs::create_directories(root_ / "folder.yaml");
  EXPECT_TRUE(contains(error_of<ConfigError>([&] { (void)load_sensor_profile((root_ / "folder.yaml").string(), {}); }),
                       "folder.yaml: is a folder, not a YAML file"));
  write_text(p, "name: mine\nbands:\n  red: {index: 1, scale: 0}\n");
  EXPECT_TRUE(contains(error_of<ConfigError>([&] { (void)load_sensor_profile(p.string(), {}); }), "bands.red.scale"));
  write_text(p, "name: mine\nbands:\n  red: {index: 1}\nqualty: {index: 2, encoding: sentinel2_scl}\n");
  EXPECT_TRUE(
      contains(error_of<ConfigError>([&] { (void)load_sensor_profile(p.string(), {}); }), "did you mean 'quality'"));
}

// --- The real Landsat germany folder ----------------------------------------------------------

TEST(GermanyFolder, TwoScenesGroupedByProductIdDemSkipped) {
  if (!have(kGermany)) GTEST_SKIP() << kGermany << " is absent: real-data test skipped";
  const Discovery d =
      discover_scenes({{kGermany.string()}, ""}, DateRange::parse("2000-01-01..2020-12-31", "p"), kSensorDirs);
  ASSERT_EQ(d.scenes.size(), 2u);
  const Scene& le07 = d.scenes[0];
  const Scene& lc08 = d.scenes[1];
  EXPECT_EQ(le07.options.date, "2001-07-30");
  EXPECT_EQ(lc08.options.date, "2013-07-07");
  EXPECT_EQ(le07.label, kLe07);
  EXPECT_EQ(le07.options.sensor, "landsat-tm-etm-l1");
  EXPECT_EQ(lc08.options.sensor, "landsat-oli-l1");
  EXPECT_EQ(le07.profile.name, "landsat-tm-etm-l1");
  for (int r = 0; r < kernels::kBandRoleCount; ++r) {
    if (static_cast<BandRole>(r) == BandRole::rededge1) continue;  // Landsat has no red-edge band
    EXPECT_TRUE(le07.bands[static_cast<std::size_t>(r)].has_value()) << r;
    EXPECT_TRUE(lc08.bands[static_cast<std::size_t>(r)].has_value()) << r;
  }
  EXPECT_EQ(le07.band(BandRole::red).path, (kGermany / (kLe07 + "_B3.TIF")).string());
  EXPECT_EQ(lc08.band(BandRole::red).path, (kGermany / (kLc08 + "_B4.TIF")).string());
  EXPECT_EQ(le07.band(BandRole::swir2).path, (kGermany / (kLe07 + "_B7.TIF")).string());
  ASSERT_TRUE(le07.quality && lc08.quality);
  EXPECT_EQ(le07.quality->path, (kGermany / (kLe07 + "_BQA.TIF")).string());
  EXPECT_EQ(le07.quality->encoding, QualityEncoding::landsat_bqa_c1_tm_etm);
  EXPECT_EQ(lc08.quality->encoding, QualityEncoding::landsat_bqa_c1_oli);
  // Calibration from each MTL: ETM+ band 3 REFLECTANCE_MULT 1.3198E-03, ADD -0.011935.
  const double sine = std::sin(53.87765310 * kPi / 180.0);
  EXPECT_DOUBLE_EQ(le07.profile.scale_of(BandRole::red), 1.3198E-03 / sine);
  EXPECT_DOUBLE_EQ(le07.profile.offset_of(BandRole::red), -0.011935 / sine);
  EXPECT_EQ(le07.profile.nodata, 0.0);
  // The DEM has no date; nothing else is skipped, and no file of either scene is.
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_EQ(fs::path(d.skipped[0].path).filename(), "DEM.TIF");
  EXPECT_TRUE(contains(d.skipped[0].reason, "no acquisition date")) << d.skipped[0].reason;
}

TEST(GermanyFolder, PeriodFilters) {
  if (!have(kGermany)) GTEST_SKIP() << kGermany << " is absent: real-data test skipped";
  const Discovery d =
      discover_scenes({{kGermany.string()}, ""}, DateRange::parse("2010-01-01..2020-12-31", "p"), kSensorDirs);
  ASSERT_EQ(d.scenes.size(), 1u);
  EXPECT_EQ(d.scenes[0].options.date, "2013-07-07");
  const SkippedScene* le07 = skipped_named(d, kLe07 + "_MTL.txt");
  ASSERT_NE(le07, nullptr);
  EXPECT_TRUE(contains(le07->reason, "acquired 2001-07-30, outside the period 2010-01-01..2020-12-31")) << le07->reason;
}

TEST(GermanyFolder, ProductPathsInResolveScene) {
  if (!have(kGermany)) GTEST_SKIP() << kGermany << " is absent: real-data test skipped";
  const SensorProfile oli = load_sensor_profile("landsat-oli-l1", kSensorDirs);
  // The folder holds two scenes: ambiguous.
  const std::string message = error_of<InputError>([&] {
    (void)resolve_scene("before", {kGermany.string(), "", ""}, oli);
  });
  EXPECT_TRUE(contains(message, "holds 2 Landsat scenes")) << message;
  EXPECT_TRUE(contains(message, "before.path")) << message;
  // The MTL file: date, bands and quality from the metadata.
  const Scene s = resolve_scene("after", {(kGermany / (kLc08 + "_MTL.txt")).string(), "", ""}, oli);
  EXPECT_EQ(s.options.date, "2013-07-07");
  EXPECT_EQ(s.options.sensor, "landsat-oli-l1");
  EXPECT_EQ(s.band(BandRole::nir).path, (kGermany / (kLc08 + "_B5.TIF")).string());
  EXPECT_EQ(s.quality->path, (kGermany / (kLc08 + "_BQA.TIF")).string());
  EXPECT_EQ(s.files().size(), 7u);  // six bands and the BQA
  // inspect_scene reads date and profile from the MTL, and says where they came from.
  const InspectedScene i = inspect_scene("before", {(kGermany / (kLe07 + "_MTL.txt")).string(), "", ""});
  EXPECT_EQ(i.options.date, "2001-07-30");
  EXPECT_EQ(i.options.sensor, "landsat-tm-etm-l1");
  EXPECT_EQ(i.metadata.source, (kGermany / (kLe07 + "_MTL.txt")).string());
  EXPECT_NE(i.product, nullptr);
}

// --- Hand-made products -----------------------------------------------------------------------

class HandMadeProducts : public TempDirTest {};

TEST_F(HandMadeProducts, FolderWithOneLandsatScene) {
  const std::string id = "LC08_L1TP_123032_20200601_20200610_01_T1";
  write_landsat8_product(root_ / "scene", id, 8, "2020-06-01");
  const InspectedScene i = inspect_scene("after", {(root_ / "scene").string(), "", ""});
  EXPECT_EQ(i.options.date, "2020-06-01");
  EXPECT_EQ(i.options.sensor, "landsat-oli-l1");
  const Scene s = resolve_scene(i, load_sensor_profile(i.options.sensor, kSensorDirs));
  EXPECT_EQ(s.options.date, "2020-06-01");
  EXPECT_EQ(s.metadata.source, (root_ / "scene" / (id + "_MTL.txt")).string());
  EXPECT_EQ(s.metadata.profile, "landsat-oli-l1");
  EXPECT_EQ(s.band(BandRole::blue).path, (root_ / "scene" / (id + "_B2.TIF")).string());
  EXPECT_DOUBLE_EQ(s.profile.scale_of(BandRole::blue), 2.0E-05 / 0.5);  // sin(30 deg) = 0.5
  EXPECT_DOUBLE_EQ(s.profile.offset_of(BandRole::blue), -0.1 / 0.5);
  // A given date is kept.
  EXPECT_EQ(inspect_scene("after", {(root_ / "scene").string(), "2020-06-02", ""}).options.date, "2020-06-02");
}

TEST_F(HandMadeProducts, MismatchedBandSizesNameFileAndBand) {
  const std::string id = "LC08_L1TP_123032_20200601_20200610_01_T1";
  write_landsat8_product(root_, id, 8, "2020-06-01");
  write_tif(root_ / (id + "_B4.TIF"), 6, 8, 1, GDT_UInt16, [](int, int, int) { return 9000.0; });
  const std::string mtl = (root_ / (id + "_MTL.txt")).string();
  const SensorProfile oli = load_sensor_profile("landsat-oli-l1", kSensorDirs);
  const std::string message = error_of<InputError>([&] { (void)resolve_scene("before", {mtl, "", ""}, oli); });
  EXPECT_TRUE(message.starts_with((root_ / (id + "_B4.TIF")).string())) << message;
  EXPECT_TRUE(contains(message, "band B4 is 6x8 pixels")) << message;
  // In a folder, the scene is skipped with that reason.
  const Discovery d =
      discover_scenes({{root_.string()}, ""}, DateRange::parse("2020-01-01..2020-12-31", "p"), kSensorDirs);
  EXPECT_TRUE(d.scenes.empty());
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_TRUE(contains(d.skipped[0].reason, "band B4 is 6x8 pixels")) << d.skipped[0].reason;
}

TEST_F(HandMadeProducts, MtlNamingAMissingFile) {
  const std::string id = "LC08_L1TP_123032_20200601_20200610_01_T1";
  write_landsat8_product(root_, id);
  fs::remove(root_ / (id + "_B5.TIF"));
  const std::string mtl = (root_ / (id + "_MTL.txt")).string();
  const std::string message = error_of<InputError>([&] {
    (void)resolve_scene("before", {mtl, "", ""}, load_sensor_profile("landsat-oli-l1", kSensorDirs));
  });
  EXPECT_TRUE(message.starts_with(mtl)) << message;
  EXPECT_TRUE(contains(message, "FILE_NAME_BAND_5")) << message;
}

/// A Sentinel-2 L2A SAFE product: 10 m bands 4x4, 20 m bands and SCL 2x2 (one SCL pixel
/// covers 2x2 pixels of 10 m): clear vegetation, cloud, cloud shadow, clear soil.
fs::path write_safe(const fs::path& root, const std::string& baseline = "05.10") {
  const fs::path safe = root / "S2B_MSIL2A_20240701T032541_N0510_R018_T48RXT_20240701T070000.SAFE";
  const std::string g = "GRANULE/L2A_T48RXT_A1_20240701T033422/IMG_DATA/";
  std::vector<std::string> images;
  for (const char* b : {"B02", "B03", "B04", "B08"}) {
    const std::string image = g + "R10m/T48RXT_20240701T032541_" + b + "_10m";
    images.push_back(image);
    write_tif(
        safe / (image + ".tif"), 4, 4, 1, GDT_UInt16, [](int, int x, int y) { return 2000.0 + x + 10 * y; }, 10.0);
  }
  for (const char* b : {"B11", "B12"}) {
    const std::string image = g + "R20m/T48RXT_20240701T032541_" + b + "_20m";
    images.push_back(image);
    write_tif(
        safe / (image + ".tif"), 2, 2, 1, GDT_UInt16, [](int, int, int) { return 2500.0; }, 20.0);
  }
  const std::string scl = g + "R20m/T48RXT_20240701T032541_SCL_20m";
  images.push_back(scl);
  write_tif(
      safe / (scl + ".tif"), 2, 2, 1, GDT_Byte,
      [](int, int x, int y) { return y == 0 ? (x == 0 ? 4.0 : 9.0) : (x == 0 ? 3.0 : 5.0); }, 20.0);
  write_text(safe / "MTD_MSIL2A.xml", sentinel2_l2a_mtd(baseline, true, images));
  return safe;
}

TEST_F(HandMadeProducts, SafeFolderWithSclReadOntoTheGrid) {
  const fs::path safe = write_safe(root_);
  const Discovery d =
      discover_scenes({{root_.string()}, ""}, DateRange::parse("2024-06-01..2024-09-30", "p"), kSensorDirs);
  ASSERT_EQ(d.scenes.size(), 1u) << (d.skipped.empty() ? "" : d.skipped[0].reason);
  EXPECT_TRUE(d.skipped.empty());
  const Scene& s = d.scenes[0];
  EXPECT_EQ(s.options.path, safe.string());
  EXPECT_EQ(s.label, "S2B_MSIL2A_20240701T032541_N0510_R018_T48RXT_20240701T070000");
  EXPECT_EQ(s.options.date, "2024-07-01");
  EXPECT_EQ(s.profile.name, "sentinel2-l2a");
  EXPECT_DOUBLE_EQ(s.profile.offset_of(BandRole::red), -0.1);
  ASSERT_TRUE(s.quality.has_value());
  EXPECT_EQ(s.quality->encoding, QualityEncoding::sentinel2_scl);

  // The grid is the 10 m one; the 20 m SCL is read nearest-neighbour and ANDed into valid.
  const AnalysisGrid grid = make_analysis_grid(s, {});
  EXPECT_EQ(grid.width, 4);
  SceneReader reader(s, grid, {BandRole::red, BandRole::swir1});
  EXPECT_TRUE(reader.quality_masked());
  RawSceneTile tile;
  reader.read(grid.full(), tile);
  ASSERT_EQ(tile.valid.size(), 16u);
  const std::vector<std::uint8_t> expected{1, 1, 0, 0,  //
                                           1, 1, 0, 0,  // cloud (9) top right
                                           0, 0, 1, 1,  // shadow (3) bottom left
                                           0, 0, 1, 1};
  EXPECT_EQ(tile.valid, expected);
  // Reflectance with the baseline 05.10 offset: (2000 - 1000) / 10000 at pixel (0, 0).
  kernels::Tile<float> red(4, 4);
  raw_to_reflectance(tile.bands[static_cast<int>(BandRole::red)], s.profile, tile.valid, red.view());
  EXPECT_FLOAT_EQ(red(0, 0), 0.1f);
  EXPECT_FLOAT_EQ(red(1, 1), 0.1011f);
  EXPECT_TRUE(std::isnan(red(3, 0)));
  EXPECT_EQ(s.metadata.source, (safe / "MTD_MSIL2A.xml").string());
  // The same product through inspect_scene: date and sensor from its MTD, read once for the
  // bands too.
  const InspectedScene i = inspect_scene("before", {safe.string(), "", ""});
  EXPECT_EQ(i.options.sensor, "sentinel2-l2a");
  EXPECT_EQ(i.options.date, "2024-07-01");
  const Scene b = resolve_scene(i, load_sensor_profile(i.options.sensor, kSensorDirs));
  EXPECT_EQ(b.files(), s.files());
  EXPECT_DOUBLE_EQ(b.profile.offset_of(BandRole::red), -0.1);
}

TEST_F(HandMadeProducts, SafeFolderWithJpeg2000BandsAsDelivered) {
  // Real SAFE products hold JPEG 2000 images: the same product with every band turned
  // into a lossless .jp2 (GeoJP2 georeferencing) reads to the same mask and values.
  const fs::path safe = write_safe(root_);
  GDALDriver* jp2 = GetGDALDriverManager()->GetDriverByName("JP2OpenJPEG");
  if (jp2 == nullptr) GTEST_SKIP() << "GDAL has no JP2OpenJPEG driver";
  int converted = 0;
  for (const auto& entry : fs::recursive_directory_iterator(safe)) {
    if (entry.path().extension() != ".tif") continue;
    GDALDatasetUniquePtr tif(GDALDataset::Open(entry.path().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    ASSERT_TRUE(tif);
    fs::path target = entry.path();
    target.replace_extension(".jp2");
    const char* options[] = {"REVERSIBLE=YES", "QUALITY=100", nullptr};
    GDALDatasetUniquePtr copy(
        jp2->CreateCopy(target.c_str(), tif.get(), TRUE, const_cast<char**>(options), nullptr, nullptr));
    ASSERT_TRUE(copy) << target;
    ++converted;
  }
  for (const auto& entry : fs::recursive_directory_iterator(safe)) {
    if (entry.path().extension() == ".tif") fs::remove(entry.path());
  }
  ASSERT_EQ(converted, 7);
  const Discovery d =
      discover_scenes({{root_.string()}, ""}, DateRange::parse("2024-06-01..2024-09-30", "p"), kSensorDirs);
  ASSERT_EQ(d.scenes.size(), 1u) << (d.skipped.empty() ? "" : d.skipped[0].reason);
  const Scene& s = d.scenes[0];
  ASSERT_TRUE(s.quality.has_value());
  const AnalysisGrid grid = make_analysis_grid(s, {});
  EXPECT_EQ(grid.width, 4);
  EXPECT_DOUBLE_EQ(grid.geotransform[1], 10.0);
  SceneReader reader(s, grid, {BandRole::red, BandRole::swir1});
  RawSceneTile tile;
  reader.read(grid.full(), tile);
  const std::vector<std::uint8_t> expected{1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1};
  EXPECT_EQ(tile.valid, expected);
  kernels::Tile<float> red(4, 4);
  raw_to_reflectance(tile.bands[static_cast<int>(BandRole::red)], s.profile, tile.valid, red.view());
  EXPECT_FLOAT_EQ(red(0, 0), 0.1f);
  EXPECT_FLOAT_EQ(red(1, 1), 0.1011f);
}

TEST_F(HandMadeProducts, UnknownBaselineIsSkippedWithTheReason) {
  write_safe(root_, "07.01");
  const Discovery d =
      discover_scenes({{root_.string()}, ""}, DateRange::parse("2024-06-01..2024-09-30", "p"), kSensorDirs);
  EXPECT_TRUE(d.scenes.empty());
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_TRUE(contains(d.skipped[0].reason, "PROCESSING_BASELINE")) << d.skipped[0].reason;
  EXPECT_TRUE(contains(d.skipped[0].reason, "MTD_MSIL2A.xml")) << d.skipped[0].reason;
}

TEST_F(HandMadeProducts, GenericStacksNeedADateAndASensor) {
  const auto stack = [](int b, int, int) { return 1000.0 * b; };
  write_tif(root_ / "stacks" / "site_2024-07-01.tif", 3, 3, 4, GDT_UInt16, stack);
  write_tif(root_ / "stacks" / "site_20240815.tif", 3, 3, 4, GDT_UInt16, stack);
  write_tif(root_ / "stacks" / "site_overview.tif", 3, 3, 4, GDT_UInt16, stack);
  write_text(root_ / "stacks" / "notes.txt", "not a raster\n");
  const DateRange summer = DateRange::parse("2024-06-01..2024-09-30", "p");
  const Discovery d = discover_scenes({{root_.string()}, "sentinel2-stack-4band"}, summer, kSensorDirs);
  ASSERT_EQ(d.scenes.size(), 2u);
  EXPECT_EQ(d.scenes[0].options.date, "2024-07-01");
  EXPECT_EQ(d.scenes[1].options.date, "2024-08-15");
  EXPECT_EQ(d.scenes[0].band(BandRole::nir).band, 4);
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_EQ(fs::path(d.skipped[0].path).filename(), "site_overview.tif");
  EXPECT_TRUE(contains(d.skipped[0].reason, "no acquisition date"));
  // Without a sensor nothing says what the stacks are.
  const Discovery unknown = discover_scenes({{root_.string()}, ""}, summer, kSensorDirs);
  EXPECT_TRUE(unknown.scenes.empty());
  ASSERT_EQ(unknown.skipped.size(), 3u);
  EXPECT_TRUE(contains(unknown.skipped[0].reason, "sensor unknown")) << unknown.skipped[0].reason;
  // A profile that does not exist is a config error, up front.
  EXPECT_THROW((void)discover_scenes({{root_.string()}, "no-such-sensor"}, summer, kSensorDirs), ConfigError);
  EXPECT_THROW((void)discover_scenes({{(root_ / "absent").string()}, ""}, summer, kSensorDirs), InputError);
}

TEST_F(HandMadeProducts, PerBandGroupsByNameIncompleteOnesSkipped) {
  // CBERS-4 AWFI named the Brazil Data Cube way: two dates, the second without B16.
  for (const char* date : {"2018-02-02", "2018-02-18"}) {
    for (const char* band : {"B13", "B14", "B15", "B16", "CMASK"}) {
      if (std::string(date) == "2018-02-18" && std::string(band) == "B16") continue;
      write_tif(
          root_ / ("CBERS-4_AWFI_022024_" + std::string(band) + "_" + date + ".tif"), 3, 3, 1, GDT_Int16,
          [](int, int, int) { return 500.0; }, 64.0);
    }
  }
  const Discovery d =
      discover_scenes({{root_.string()}, ""}, DateRange::parse("2018-01-01..2018-12-31", "p"), kSensorDirs);
  ASSERT_EQ(d.scenes.size(), 1u);
  EXPECT_EQ(d.scenes[0].options.date, "2018-02-02");
  EXPECT_EQ(d.scenes[0].profile.name, "cbers4-awfi");
  EXPECT_EQ(d.scenes[0].label, "CBERS-4_AWFI_022024_2018-02-02");
  ASSERT_TRUE(d.scenes[0].quality.has_value());
  EXPECT_TRUE(d.scenes[0].quality->path.ends_with("CBERS-4_AWFI_022024_CMASK_2018-02-02.tif"));
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_TRUE(contains(d.skipped[0].reason, "nir: no file for band B16")) << d.skipped[0].reason;
}

TEST_F(HandMadeProducts, CatalogFilesListScenes) {
  write_landsat8_product(root_ / "a", "LC08_L1TP_123032_20200601_20200610_01_T1", 8, "2020-06-01");
  write_landsat8_product(root_ / "b", "LC08_L1TP_123032_20200703_20200710_01_T1", 8, "2020-07-03");
  write_tif(root_ / "c" / "stack.tif", 8, 8, 4, GDT_UInt16, [](int b, int, int) { return 1000.0 * b; });
  write_text(root_ / "list.csv",
             "path,date,sensor\n"
             "# comment\n"
             "b/LC08_L1TP_123032_20200703_20200710_01_T1_MTL.txt,,\n"
             "a,,landsat-oli-l1\n"
             "c/stack.tif,2020-06-15,sentinel2-stack-4band\n"
             "c/stack.tif,2021-06-15,sentinel2-stack-4band\n");
  const DateRange period = DateRange::parse("2020-01-01..2020-12-31", "p");
  const Discovery d = discover_scenes({{(root_ / "list.csv").string()}, ""}, period, kSensorDirs);
  ASSERT_EQ(d.scenes.size(), 3u);
  EXPECT_EQ(d.scenes[0].options.date, "2020-06-01");
  EXPECT_EQ(d.scenes[1].options.date, "2020-06-15");
  EXPECT_EQ(d.scenes[1].profile.name, "sentinel2-stack-4band");
  EXPECT_EQ(d.scenes[2].options.date, "2020-07-03");
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_TRUE(contains(d.skipped[0].reason, "2021-06-15, outside the period"));

  write_text(root_ / "list.yaml",
             "scenes:\n"
             "  - {path: a}\n"
             "  - {path: c/stack.tif, date: 2020-06-15, sensor: sentinel2-stack-4band}\n");
  EXPECT_EQ(discover_scenes({{(root_ / "list.yaml").string()}, ""}, period, kSensorDirs).scenes.size(), 2u);

  // Catalog entries are explicit: a broken one is an error naming the file and line.
  write_text(root_ / "bad.csv", "a,,\nmissing/scene.tif,2020-06-01,sentinel2-stack-4band\n");
  std::string message = error_of<InputError>([&] {
    (void)discover_scenes({{(root_ / "bad.csv").string()}, ""}, period, kSensorDirs);
  });
  EXPECT_TRUE(message.starts_with((root_ / "bad.csv").string() + ": line 2: ")) << message;
  EXPECT_TRUE(contains(message, "not found")) << message;
  write_text(root_ / "bad.csv", "a,2020-06-01,landsat-oli-l1,extra\n");
  message = error_of<InputError>([&] {
    (void)discover_scenes({{(root_ / "bad.csv").string()}, ""}, period, kSensorDirs);
  });
  EXPECT_TRUE(contains(message, "line 1: expected path,date,sensor")) << message;
  write_text(root_ / "bad.yaml", "scenes:\n  - {path: a, dat: 2020-06-01}\n");
  message = error_of<InputError>([&] {
    (void)discover_scenes({{(root_ / "bad.yaml").string()}, ""}, period, kSensorDirs);
  });
  EXPECT_TRUE(contains(message, "dat")) << message;
  // Found by tests/fuzz/catalog: keys that are lists made yaml-cpp throw its own exception.
  write_text(root_ / "bad.yaml", "? [scenes]\n: []\n");
  message = error_of<InputError>([&] {
    (void)discover_scenes({{(root_ / "bad.yaml").string()}, ""}, period, kSensorDirs);
  });
  EXPECT_TRUE(message.starts_with((root_ / "bad.yaml").string() + ": unknown key")) << message;
  write_text(root_ / "bad.yaml", "scenes:\n  - {path: a, [x]: 1}\n");
  message = error_of<InputError>([&] {
    (void)discover_scenes({{(root_ / "bad.yaml").string()}, ""}, period, kSensorDirs);
  });
  EXPECT_TRUE(contains(message, "key 'scenes[0]' has a key that is not a name")) << message;
}

TEST_F(HandMadeProducts, InspectSceneWithoutMetadataIsAConfigError) {
  write_tif(root_ / "plain.tif", 2, 2, 4, GDT_UInt16, [](int, int, int) { return 1.0; });
  std::string message = error_of<ConfigError>([&] {
    (void)inspect_scene("before", {(root_ / "plain.tif").string(), "", "rgb"});
  });
  EXPECT_TRUE(message.starts_with("before.date: ")) << message;
  message = error_of<ConfigError>([&] {
    (void)inspect_scene("after", {(root_ / "plain.tif").string(), "2024-01-01", ""});
  });
  EXPECT_TRUE(message.starts_with("after.sensor: ")) << message;
  message = error_of<InputError>([&] { (void)inspect_scene("after", {(root_ / "absent.tif").string(), "", ""}); });
  EXPECT_TRUE(contains(message, "absent.tif: after scene not found")) << message;
  // Everything given: unchanged.
  const SceneOptions o{(root_ / "plain.tif").string(), "2024-01-01", "rgb"};
  const SceneOptions c = inspect_scene("after", o).options;
  EXPECT_EQ(c.date, o.date);
  EXPECT_EQ(c.sensor, o.sensor);
}

TEST_F(HandMadeProducts, SpectralCloudTestWhereThereIsNoQualityBand) {
  // GF-1 WFV DNs (/1023): a cloud, vegetation, vegetation in cloud shadow, bare soil.
  const std::vector<std::array<double, 4>> pixels{
      {480, 490, 500, 520}, {45, 70, 50, 360}, {10, 20, 15, 80}, {100, 140, 200, 260}};
  const fs::path file = root_ / "GF1_WFV3_E115.6_N27.9_20130614_L1A0000042321.tiff";
  write_tif(file, 4, 1, 4, GDT_UInt16,
            [&](int b, int x, int) { return pixels[static_cast<std::size_t>(x)][static_cast<std::size_t>(b - 1)]; });
  const InspectedScene i = inspect_scene("before", {file.string(), "", ""});
  EXPECT_EQ(i.options.sensor, "gf1-wfv");
  EXPECT_EQ(i.options.date, "2013-06-14");
  EXPECT_EQ(i.metadata.source, "the file name");
  EXPECT_EQ(i.product, nullptr);
  const Scene s = resolve_scene(i, load_sensor_profile(i.options.sensor, kSensorDirs));
  EXPECT_EQ(s.metadata.date, "2013-06-14");
  EXPECT_FALSE(s.quality.has_value());
  const AnalysisGrid grid = make_analysis_grid(s, {});
  // Asked only for red: the test still reads what it needs.
  SceneReader reader(s, grid, {BandRole::red});
  EXPECT_TRUE(reader.spectral_cloud_test());
  RawSceneTile tile;
  reader.read(grid.full(), tile);
  EXPECT_EQ(tile.valid, (std::vector<std::uint8_t>{0, 1, 0, 1}));
}

}  // namespace
}  // namespace zw
