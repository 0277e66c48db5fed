// The one GeoTIFF-on-the-grid writer: N bands of one type, georeferenced as the grid, band
// descriptions, nodata, scale, metadata, tile writes by band or all bands, and errors
// naming the file; Cloud Optimized GeoTIFFs checked the way GDAL's
// validate_cloud_optimized_geotiff.py checks them.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <set>

#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/polygonize.hpp"
#include "zonewatch/pipeline/gdal/raster_writer.hpp"
#include "zonewatch/pipeline/outputs/change_map.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;

/// What a change map's band carries, written plainly or as a COG: nodata, description,
/// colour table and class names.
void expect_change_map_band(GDALRasterBand& band) {
  EXPECT_DOUBLE_EQ(band.GetNoDataValue(), change_map_nodata());
  EXPECT_STREQ(band.GetDescription(), "change type");
  ASSERT_NE(band.GetColorTable(), nullptr);
  EXPECT_EQ(band.GetColorTable()->GetColorEntry(2)->c1, 230);
  // Every class's entry is the one colour the pages draw it in (a GeoTIFF colour map has no
  // alpha: GDAL reads every entry back opaque).
  for (int value : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 255}) {
    const GDALColorEntry* entry = band.GetColorTable()->GetColorEntry(value);
    ASSERT_NE(entry, nullptr) << value;
    const auto type = static_cast<kernels::ChangeType>(value);
    const ChangeColour colour = value < kernels::kChangeTypeCount ? change_type_colour(type) : ChangeColour{};
    EXPECT_EQ(entry->c1, colour.red) << value;
    EXPECT_EQ(entry->c2, colour.green) << value;
    EXPECT_EQ(entry->c3, colour.blue) << value;
  }
  EXPECT_EQ(change_type_colour(kernels::ChangeType::vegetation_loss).hex(), "#228b22");
  char** names = band.GetCategoryNames();
  ASSERT_NE(names, nullptr);
  EXPECT_STREQ(names[2], "construction");
  EXPECT_STREQ(names[8], "mining");
  EXPECT_STREQ(names[255], "nodata");
}

class RasterWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    init_gdal();
    std::random_device device;
    root_ = fs::temp_directory_path() /
            ("zonewatch-raster-writer-" + std::to_string(::getpid()) + "-" + std::to_string(device()));
    fs::create_directories(root_);
    grid_.crs_wkt = "";
    grid_.geotransform = {500000.0, 10.0, 0.0, 3300000.0, 0.0, -10.0};
    grid_.width = 6;
    grid_.height = 4;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  fs::path root_;
  AnalysisGrid grid_;
};

TEST_F(RasterWriterTest, BandsOfOneTypeDescribedAndWrittenByTile) {
  const fs::path path = root_ / "stack.tif";
  RasterWriterOptions options;
  options.bands = 3;
  options.type = GDT_Int16;
  options.creation_options = {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16", "COMPRESS=DEFLATE"};
  options.band_info = {{"red", -32768.0, 1e-4, 0.0}, {"nir", -32768.0, 1e-4, 0.0}, {"clear_count", -32768.0, {}, {}}};
  options.metadata = {{"ZONEWATCH_PERIOD", "2018-02-01..2018-04-30"}};
  RasterWriter writer(path, grid_, options);
  // All bands of the left half at once (band-sequential), then band 3 of the right half alone.
  std::vector<std::int16_t> planes(3 * 3 * 4);
  for (std::size_t i = 0; i < planes.size(); ++i) planes[i] = static_cast<std::int16_t>(i);
  writer.write_bands<std::int16_t>({0, 0, 3, 4}, planes);
  std::vector<std::int16_t> right(3 * 4, 7);
  writer.write<std::int16_t>({3, 0, 3, 4}, kernels::ConstTileView<std::int16_t>(right.data(), 3, 4), 3);
  EXPECT_THROW(writer.write<float>({0, 0, 1, 1}, kernels::ConstTileView<float>(nullptr, 1, 1), 1), InternalError);
  EXPECT_THROW(writer.write_bands<std::int16_t>({0, 0, 2, 2}, planes), InternalError);
  writer.close();
  writer.close();

  DatasetPtr ds = open_raster(path.string());
  ASSERT_EQ(ds->GetRasterCount(), 3);
  EXPECT_EQ(ds->GetRasterXSize(), 6);
  double gt[6];
  ds->GetGeoTransform(gt);
  EXPECT_DOUBLE_EQ(gt[0], 500000.0);
  EXPECT_DOUBLE_EQ(gt[5], -10.0);
  EXPECT_STREQ(ds->GetMetadataItem("ZONEWATCH_PERIOD"), "2018-02-01..2018-04-30");
  GDALRasterBand* nir = ds->GetRasterBand(2);
  EXPECT_STREQ(nir->GetDescription(), "nir");
  EXPECT_DOUBLE_EQ(nir->GetNoDataValue(), -32768.0);
  EXPECT_DOUBLE_EQ(nir->GetScale(), 1e-4);
  EXPECT_STREQ(ds->GetRasterBand(3)->GetDescription(), "clear_count");
  std::vector<std::int16_t> band3(24);
  ASSERT_EQ(ds->GetRasterBand(3)->RasterIO(GF_Read, 0, 0, 6, 4, band3.data(), 6, 4, GDT_Int16, 0, 0, nullptr), CE_None);
  EXPECT_EQ(band3[0], 24);  // third plane of the left half
  EXPECT_EQ(band3[4], 7);
  std::vector<std::int16_t> band1(24);
  ASSERT_EQ(ds->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, 6, 4, band1.data(), 6, 4, GDT_Int16, 0, 0, nullptr), CE_None);
  EXPECT_EQ(band1[6 + 2], 5);  // row 1, column 2 of the first plane
}

TEST_F(RasterWriterTest, FinishedTileRowsLeaveGdalsCacheWhenWrittenInTileOrder) {
  // 100 x 70 px in 16 px blocks, written as 24 x 20 tiles (no tile edge on a block edge but
  // the raster's): in tile order every block leaves GDAL's cache once its tile row is done,
  // out of order every block stays until close(); the file is the same either way.
  AnalysisGrid grid = grid_;
  grid.width = 100;
  grid.height = 70;
  std::vector<std::uint16_t> source(static_cast<std::size_t>(grid.width) * grid.height);
  for (std::size_t i = 0; i < source.size(); ++i) source[i] = static_cast<std::uint16_t>(i * 7919u);
  std::vector<kernels::Window> tiles;
  for (int y = 0; y < grid.height; y += 20)
    for (int x = 0; x < grid.width; x += 24)
      tiles.push_back({x, y, std::min(24, grid.width - x), std::min(20, grid.height - y)});
  const auto write = [&](const fs::path& path, const std::vector<kernels::Window>& order) {
    RasterWriterOptions options;
    options.type = GDT_UInt16;
    options.creation_options = {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16", "COMPRESS=DEFLATE"};
    RasterWriter writer(path, grid, options);
    const GIntBig cached_before = GDALGetCacheUsed64();
    const kernels::ConstTileView<std::uint16_t> whole(source.data(), grid.width, grid.height);
    for (const kernels::Window& w : order) writer.write<std::uint16_t>(w, whole.sub(w.x0, w.y0, w.width, w.height));
    const GIntBig cached = GDALGetCacheUsed64() - cached_before;
    writer.close();
    std::vector<std::uint16_t> back(source.size());
    EXPECT_EQ(open_raster(path.string())
                  ->RasterIO(GF_Read, 0, 0, grid.width, grid.height, back.data(), grid.width, grid.height, GDT_UInt16,
                             1, nullptr, 0, 0, 0, nullptr),
              CE_None);
    EXPECT_EQ(back, source) << path;
    return cached;
  };
  EXPECT_EQ(write(root_ / "in_order.tif", tiles), 0);
  const std::vector<kernels::Window> reversed(tiles.rbegin(), tiles.rend());
  // All 7 x 5 blocks' pixels (GDAL counts a little per block beside them).
  EXPECT_GE(write(root_ / "reversed.tif", reversed), GIntBig{7} * 5 * 16 * 16 * 2);
}

TEST_F(RasterWriterTest, ScratchCompressionIsOneThisGdalWritesAndReads) {
  // The id rasters and COG intermediates take it; a codec this GDAL lacks would fail every
  // scan at its first write. Debian's GDAL has ZSTD, which is the one to take then.
  const std::vector<std::string>& scratch = scratch_compression_options();
  ASSERT_EQ(scratch.size(), 2u);
  const std::string codec = scratch[0].substr(std::string("COMPRESS=").size());
  const char* listed = GetGDALDriverManager()->GetDriverByName("GTiff")->GetMetadataItem(GDAL_DMD_CREATIONOPTIONLIST);
  ASSERT_NE(listed, nullptr);
  const bool has_zstd = std::string(listed).find("<Value>ZSTD</Value>") != std::string::npos;
  EXPECT_EQ(codec, has_zstd ? "ZSTD" : "DEFLATE");

  const fs::path path = root_ / "ids.tif";
  RasterWriterOptions options;
  options.type = GDT_UInt32;
  options.creation_options = {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"};
  options.creation_options.insert(options.creation_options.end(), scratch.begin(), scratch.end());
  RasterWriter writer(path, grid_, options);
  std::vector<std::uint32_t> ids(24);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::uint32_t>(i * 1000003u);
  writer.write<std::uint32_t>(grid_.full(), kernels::ConstTileView<std::uint32_t>(ids.data(), 6, 4));
  writer.close();
  DatasetPtr ds = open_raster(path.string());
  EXPECT_STREQ(ds->GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE"), codec.c_str());
  std::vector<std::uint32_t> back(24);
  ASSERT_EQ(ds->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, 6, 4, back.data(), 6, 4, GDT_UInt32, 0, 0, nullptr), CE_None);
  EXPECT_EQ(back, ids);
}

TEST(CogIntermediateOptionsTest, ClassesAreCompressedAsScratchReflectanceIsWrittenAsItIs) {
  // The caller's codec never reaches the intermediate: the change map's (mostly-zero classes)
  // takes the scratch codec, the composite's (dense reflectance) none, and then no predictor,
  // which GeoTIFF defines only with a codec. Every other option is kept, in order.
  const std::vector<std::string> caller{"TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=2", "ZLEVEL=6", "INTERLEAVE=BAND"};
  const std::vector<std::string>& scratch = scratch_compression_options();

  std::vector<std::string> expected_classes{"TILED=YES", "PREDICTOR=2", "INTERLEAVE=BAND"};
  expected_classes.insert(expected_classes.end(), scratch.begin(), scratch.end());
  EXPECT_EQ(cog_intermediate_options(caller, CogOptions::for_classes()), expected_classes);

  EXPECT_EQ(cog_intermediate_options(caller, CogOptions::for_reflectance()),
            (std::vector<std::string>{"TILED=YES", "INTERLEAVE=BAND"}));
  EXPECT_FALSE(CogOptions::for_reflectance().compress_intermediate);
  EXPECT_TRUE(CogOptions::for_classes().compress_intermediate);
}

TEST(NarrowestIdTypeTest, TheSmallestUnsignedTypeHoldingTheLargestId) {
  EXPECT_EQ(narrowest_id_type(0), GDT_Byte);
  EXPECT_EQ(narrowest_id_type(255), GDT_Byte);
  EXPECT_EQ(narrowest_id_type(256), GDT_UInt16);
  EXPECT_EQ(narrowest_id_type(65535), GDT_UInt16);
  EXPECT_EQ(narrowest_id_type(65536), GDT_UInt32);
  EXPECT_EQ(narrowest_id_type(4294967295u), GDT_UInt32);
}

/// The band type of the raster at `path` and its values in window `w`, read as uint32.
std::pair<GDALDataType, std::vector<std::uint32_t>> read_ids(const fs::path& path, const kernels::Window& w) {
  DatasetPtr ds = open_raster(path.string());
  std::vector<std::uint32_t> ids(static_cast<std::size_t>(w.pixel_count()));
  EXPECT_EQ(ds->GetRasterBand(1)->RasterIO(GF_Read, w.x0, w.y0, w.width, w.height, ids.data(), w.width, w.height,
                                           GDT_UInt32, 0, 0, nullptr),
            CE_None);
  return {ds->GetRasterBand(1)->GetRasterDataType(), ids};
}

TEST_F(RasterWriterTest, IdsAreNarrowedToTheWritersType) {
  // Ids up to 65535 into a UInt16 raster, by tile with a row stride wider than the tile.
  const fs::path path = root_ / "ids.tif";
  RasterWriter writer(path, grid_,
                      {1, narrowest_id_type(65535), {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"}, {}, {}});
  std::vector<std::uint32_t> ids(8 * 4);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::uint32_t>(i * 2113 % 65536);
  writer.write_ids({0, 0, 6, 4}, kernels::ConstTileView<std::uint32_t>(ids.data(), 6, 4, 8));
  writer.close();
  const auto [type, back] = read_ids(path, {0, 0, 6, 4});
  EXPECT_EQ(type, GDT_UInt16);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 6; ++x) {
      EXPECT_EQ(back[static_cast<std::size_t>(y * 6 + x)], ids[static_cast<std::size_t>(y * 8 + x)]) << x << "," << y;
    }
  }
  // Not into a raster of another kind of type.
  RasterWriter floats(root_ / "floats.tif", grid_, {1, GDT_Float32, {}, {}, {}});
  EXPECT_THROW(floats.write_ids({0, 0, 6, 4}, kernels::ConstTileView<std::uint32_t>(ids.data(), 6, 4, 8)),
               InternalError);
}

TEST_F(RasterWriterTest, IdsBeyondANarrowTypeAreClampedAsGdalClamps) {
  // A Byte raster, ids on both sides of 255, a tile at an offset with a wider row stride:
  // write_ids narrows them itself, and must write what GDAL's conversion wrote (255 for
  // anything above).
  const fs::path path = root_ / "byte_ids.tif";
  AnalysisGrid grid = grid_;
  grid.width = 12;
  grid.height = 6;
  RasterWriter writer(path, grid, {1, narrowest_id_type(255), {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"}, {}, {}});
  std::vector<std::uint32_t> ids(9 * 3);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::uint32_t>(i * 37);  // 0 .. 962
  ids[4] = 4294967295u;
  writer.write_ids({2, 1, 7, 3}, kernels::ConstTileView<std::uint32_t>(ids.data(), 7, 3, 9));
  writer.close();
  const auto [type, back] = read_ids(path, {2, 1, 7, 3});
  EXPECT_EQ(type, GDT_Byte);
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 7; ++x) {
      const std::uint32_t id = ids[static_cast<std::size_t>(y * 9 + x)];
      std::uint8_t narrowed = 0;
      GDALCopyWords64(&id, GDT_UInt32, 0, &narrowed, GDT_Byte, 0, 1);
      EXPECT_EQ(back[static_cast<std::size_t>(y * 7 + x)], std::min<std::uint32_t>(id, 255u)) << x << "," << y;
      EXPECT_EQ(back[static_cast<std::size_t>(y * 7 + x)], narrowed) << x << "," << y;
    }
  }
}

TEST_F(RasterWriterTest, ErrorsNameTheFile) {
  const fs::path path = root_ / "missing-folder" / "x.tif";
  try {
    RasterWriter writer(path, grid_, {});
    ADD_FAILURE() << "no OutputError";
  } catch (const OutputError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  EXPECT_THROW(RasterWriter(root_ / "y.tif", grid_, RasterWriterOptions{0, GDT_Byte, {}, {}, {}}), InternalError);
}

TEST_F(RasterWriterTest, ChangeMapIsDescribed) {
  const fs::path path = root_ / "change.tif";
  RasterWriter writer = create_change_map(path, grid_);
  std::vector<std::uint8_t> classes(24, 2);
  classes[0] = 255;
  writer.write<std::uint8_t>(grid_.full(), kernels::ConstTileView<std::uint8_t>(classes.data(), 6, 4));
  writer.close();
  DatasetPtr ds = open_raster(path.string());
  GDALRasterBand* band = ds->GetRasterBand(1);
  EXPECT_EQ(band->GetRasterDataType(), GDT_Byte);
  expect_change_map_band(*band);
}

TEST_F(RasterWriterTest, PatchesArePolygonizedByWindowAsByTheWholeRaster) {
  // Two patches: an L of 3 pixels (id 1) and a 2x2 square with a diagonal neighbour (id 2,
  // 8-connected).
  const fs::path path = root_ / "patches.tif";
  RasterWriter writer(path, grid_, {1, GDT_UInt32, {}, {{"", 0.0, {}, {}}}, {}});
  std::vector<std::uint32_t> ids{1, 1, 0, 0, 0, 0,  //
                                 1, 0, 0, 2, 2, 0,  //
                                 0, 0, 0, 2, 2, 0,  //
                                 0, 0, 0, 0, 0, 2};
  writer.write<std::uint32_t>(grid_.full(), kernels::ConstTileView<std::uint32_t>(ids.data(), 6, 4));
  writer.close();
  std::vector<kernels::ComponentStats> stats(2);
  stats[0].pixel_count = 3;
  stats[0].min_x = 0, stats[0].min_y = 0, stats[0].max_x = 1, stats[0].max_y = 1;
  stats[1].pixel_count = 5;
  stats[1].min_x = 3, stats[1].min_y = 1, stats[1].max_x = 5, stats[1].max_y = 3;
  const auto by_window = polygonize_patches(path, stats, grid_);
  const auto whole = polygonize_whole_raster(path, 2, grid_);
  ASSERT_EQ(by_window.size(), 2u);
  ASSERT_EQ(whole.size(), 2u);
  for (std::size_t p = 0; p < 2; ++p) {
    EXPECT_NEAR(by_window[p].geometry->get_Area(), whole[p].geometry->get_Area(), 1e-6);
    EXPECT_TRUE(by_window[p].geometry->Equals(whole[p].geometry.get())) << p;
  }
  EXPECT_NEAR(by_window[0].geometry->get_Area(), 300.0, 1e-6);
  EXPECT_NEAR(by_window[1].geometry->get_Area(), 500.0, 1e-6);
  // A patch whose pixel count its window does not match falls back to the whole raster.
  stats[1].pixel_count = 4;
  const auto fallback = polygonize_patches(path, stats, grid_);
  EXPECT_NEAR(fallback[1].geometry->get_Area(), 500.0, 1e-6);
}

// ---------------------------------------------------------------------------------------
// Cloud Optimized GeoTIFFs

/// What validate_cloud_optimized_geotiff.py checks, on an opened file: the COG driver's
/// layout, 512 px tiles in the full resolution and every overview, overviews present.
void expect_cog_layout(GDALDataset& ds, int min_overviews) {
  const char* layout = ds.GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE");
  ASSERT_NE(layout, nullptr) << "no LAYOUT in IMAGE_STRUCTURE: not written by the COG driver";
  EXPECT_STREQ(layout, "COG");
  for (int b = 1; b <= ds.GetRasterCount(); ++b) {
    GDALRasterBand* band = ds.GetRasterBand(b);
    int bx = 0, by = 0;
    band->GetBlockSize(&bx, &by);
    EXPECT_EQ(bx, 512) << "band " << b;
    EXPECT_EQ(by, 512) << "band " << b;
    EXPECT_GE(band->GetOverviewCount(), min_overviews) << "band " << b;
    for (int o = 0; o < band->GetOverviewCount(); ++o) {
      band->GetOverview(o)->GetBlockSize(&bx, &by);
      EXPECT_EQ(bx, 512) << "band " << b << " overview " << o;
      EXPECT_EQ(by, 512) << "band " << b << " overview " << o;
    }
  }
  const char* compression = ds.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE");
  ASSERT_NE(compression, nullptr);
  EXPECT_EQ(std::string(compression), default_cog_compression());
  const char* predictor = ds.GetMetadataItem("PREDICTOR", "IMAGE_STRUCTURE");
  ASSERT_NE(predictor, nullptr) << "no predictor";
}

/// Nothing but `names` in `folder`: no intermediate, no sidecar of one.
void expect_only(const fs::path& folder, std::set<std::string> names) {
  std::set<std::string> found;
  for (const auto& entry : fs::directory_iterator(folder)) found.insert(entry.path().filename().string());
  EXPECT_EQ(found, names);
}

class CogWriterTest : public RasterWriterTest {
 protected:
  void SetUp() override {
    RasterWriterTest::SetUp();
    grid_.crs_wkt = "";
    grid_.width = 1500;
    grid_.height = 1100;
  }
};

TEST_F(CogWriterTest, ChangeMapIsACogWithNearestOverviews) {
  const fs::path path = root_ / "change.tif";
  RasterWriter writer = create_change_map(path, grid_);
  // Class stripes 3 px wide (1, 2, 4, 5) and nodata in the first rows, written in 500 px tiles:
  // an averaged overview would show 3 between 2 and 4; a nearest one only the classes.
  const std::array<std::uint8_t, 4> classes{1, 2, 4, 5};
  for (int y0 = 0; y0 < grid_.height; y0 += 500) {
    for (int x0 = 0; x0 < grid_.width; x0 += 500) {
      const kernels::Window w{x0, y0, std::min(500, grid_.width - x0), std::min(500, grid_.height - y0)};
      std::vector<std::uint8_t> tile(static_cast<std::size_t>(w.width) * static_cast<std::size_t>(w.height));
      for (int y = 0; y < w.height; ++y) {
        for (int x = 0; x < w.width; ++x) {
          tile[static_cast<std::size_t>(y * w.width + x)] =
              y0 + y < 10 ? std::uint8_t{255} : classes[static_cast<std::size_t>(((x0 + x) / 3) % 4)];
        }
      }
      writer.write<std::uint8_t>(w, kernels::ConstTileView<std::uint8_t>(tile.data(), w.width, w.height));
    }
  }
  EXPECT_FALSE(fs::exists(path)) << "the COG appears only on close()";
  writer.close();
  writer.close();
  expect_only(root_, {"change.tif", "change.tif.aux.xml"});

  DatasetPtr ds = open_raster(path.string());
  expect_cog_layout(*ds, 1);
  EXPECT_STREQ(ds->GetMetadataItem("PREDICTOR", "IMAGE_STRUCTURE"), "2");
  GDALRasterBand* band = ds->GetRasterBand(1);
  expect_change_map_band(*band);

  std::vector<std::uint8_t> full(static_cast<std::size_t>(grid_.width) * static_cast<std::size_t>(grid_.height));
  ASSERT_EQ(band->RasterIO(GF_Read, 0, 0, grid_.width, grid_.height, full.data(), grid_.width, grid_.height, GDT_Byte,
                           0, 0, nullptr),
            CE_None);
  EXPECT_EQ(full[0], 255);
  EXPECT_EQ(full[static_cast<std::size_t>(20 * grid_.width + 7)], 4);  // column 7: stripe 2

  for (int o = 0; o < band->GetOverviewCount(); ++o) {
    GDALRasterBand* overview = band->GetOverview(o);
    const int w = overview->GetXSize(), h = overview->GetYSize();
    std::vector<std::uint8_t> pixels(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
    ASSERT_EQ(overview->RasterIO(GF_Read, 0, 0, w, h, pixels.data(), w, h, GDT_Byte, 0, 0, nullptr), CE_None);
    const std::set<std::uint8_t> seen(pixels.begin(), pixels.end());
    for (std::uint8_t v : seen) {
      EXPECT_TRUE(v == 1 || v == 2 || v == 4 || v == 5 || v == 255) << "overview " << o << " has " << int(v);
    }
    EXPECT_GE(seen.size(), 3u) << "overview " << o;
  }
}

TEST_F(CogWriterTest, FloatRasterIsACogWithAveragedOverviewsAndDescriptions) {
  const fs::path path = root_ / "composite.tif";
  RasterWriterOptions options;
  options.bands = 2;
  options.type = GDT_Float32;
  options.creation_options = {"TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=DEFLATE"};
  options.band_info = {{"red", -9999.0, {}, {}}, {"nir", -9999.0, {}, {}}};
  options.metadata = {{"ZONEWATCH_PERIOD", "2018-02-01..2018-04-30"}};
  RasterWriter writer(path, grid_, options, CogOptions::for_reflectance());
  // Columns alternate 0.1 and 0.3: an averaged 2x overview is 0.2 everywhere.
  std::vector<float> planes(2 * static_cast<std::size_t>(grid_.width) * static_cast<std::size_t>(grid_.height));
  for (std::size_t i = 0; i < planes.size(); ++i) {
    planes[i] = (i % static_cast<std::size_t>(grid_.width)) % 2 == 0 ? 0.1f : 0.3f;
  }
  planes[0] = -9999.0f;
  writer.write_bands<float>(grid_.full(), planes);
  writer.close();
  expect_only(root_, {"composite.tif"});

  DatasetPtr ds = open_raster(path.string());
  expect_cog_layout(*ds, 1);
  EXPECT_STREQ(ds->GetMetadataItem("PREDICTOR", "IMAGE_STRUCTURE"), "3");
  EXPECT_STREQ(ds->GetMetadataItem("ZONEWATCH_PERIOD"), "2018-02-01..2018-04-30");
  GDALRasterBand* nir = ds->GetRasterBand(2);
  EXPECT_STREQ(nir->GetDescription(), "nir");
  EXPECT_DOUBLE_EQ(nir->GetNoDataValue(), -9999.0);
  float value = 0.0f;
  ASSERT_EQ(ds->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, 1, 1, &value, 1, 1, GDT_Float32, 0, 0, nullptr), CE_None);
  EXPECT_EQ(value, -9999.0f);
  GDALRasterBand* overview = nir->GetOverview(0);
  ASSERT_EQ(overview->RasterIO(GF_Read, 10, 10, 1, 1, &value, 1, 1, GDT_Float32, 0, 0, nullptr), CE_None);
  EXPECT_NEAR(value, 0.2f, 1e-6);
}

TEST_F(CogWriterTest, ManyBandInt16CompositeBecomesACog) {
  // As the composites: 4 reflectance bands and the clear count, Int16, band-interleaved
  // DEFLATE intermediate, copied with init_gdal's GDAL_NUM_THREADS=ALL_CPUS. (GDAL 3.6's
  // threaded decoding reports "Bad value 4 for ExtraSamples" on its worker threads for 5+
  // bands, then decodes them itself: the pixels must still be exact.)
  const fs::path path = root_ / "composite_before.tif";
  RasterWriterOptions options;
  options.bands = 5;
  options.type = GDT_Int16;
  options.creation_options = {"TILED=YES",   "BLOCKXSIZE=512",  "BLOCKYSIZE=512",   "COMPRESS=DEFLATE",
                              "PREDICTOR=2", "INTERLEAVE=BAND", "BIGTIFF=IF_SAFER", "NUM_THREADS=ALL_CPUS"};
  for (const char* name : {"blue", "green", "red", "nir", "clear_count"}) {
    options.band_info.push_back({name, -32768.0, {}, {}});
  }
  RasterWriter writer(path, grid_, options, CogOptions::for_reflectance());
  const std::size_t pixels = static_cast<std::size_t>(grid_.width) * static_cast<std::size_t>(grid_.height);
  std::vector<std::int16_t> planes(5 * pixels);
  std::mt19937 random(42);  // reflectance-like noise: blocks that compress like real ones
  std::normal_distribution<float> noise(0.0f, 60.0f);
  for (std::size_t i = 0; i < planes.size(); ++i) {
    planes[i] = static_cast<std::int16_t>(1500.0f + 300.0f * static_cast<float>(i / pixels) + noise(random));
  }
  writer.write_bands<std::int16_t>(grid_.full(), planes);
  EXPECT_NO_THROW(writer.close());
  expect_only(root_, {"composite_before.tif"});
  DatasetPtr ds = open_raster(path.string());
  expect_cog_layout(*ds, 1);
  EXPECT_STREQ(ds->GetRasterBand(5)->GetDescription(), "clear_count");
  std::vector<std::int16_t> band4(pixels);
  ASSERT_EQ(ds->GetRasterBand(4)->RasterIO(GF_Read, 0, 0, grid_.width, grid_.height, band4.data(), grid_.width,
                                           grid_.height, GDT_Int16, 0, 0, nullptr),
            CE_None);
  EXPECT_TRUE(std::equal(band4.begin(), band4.end(), planes.begin() + static_cast<std::ptrdiff_t>(3 * pixels)));
}

TEST(CogOverviewCountTest, HalvesUntilOneBlockHoldsTheRaster) {
  EXPECT_EQ(cog_overview_count(10980, 10980, 512), 5);  // 5490, 2745, 1373, 687, 344
  EXPECT_EQ(cog_overview_count(1500, 1100, 512), 2);    // 750 x 550, 375 x 275
  EXPECT_EQ(cog_overview_count(513, 10, 512), 1);
  EXPECT_EQ(cog_overview_count(512, 512, 512), 0);
  EXPECT_EQ(cog_overview_count(6, 4, 512), 0);
}

/// A 2-band Int16 COG writer like the composites' (reflectance and a count).
RasterWriter int16_cog_writer(const fs::path& path, const AnalysisGrid& grid) {
  RasterWriterOptions options;
  options.bands = 2;
  options.type = GDT_Int16;
  options.creation_options = {"TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "PREDICTOR=2", "INTERLEAVE=BAND"};
  options.band_info = {{"red", -32768.0, {}, {}}, {"clear_count", -32768.0, {}, {}}};
  return RasterWriter(path, grid, options, CogOptions::for_reflectance());
}

TEST_F(CogWriterTest, CallersOverviewsAreTheCogsOverviews) {
  const fs::path path = root_ / "composite.tif";
  RasterWriter writer = int16_cog_writer(path, grid_);
  ASSERT_EQ(writer.provide_overviews(30), 2);
  const std::size_t pixels = static_cast<std::size_t>(grid_.width) * static_cast<std::size_t>(grid_.height);
  writer.write_bands<std::int16_t>(grid_.full(), std::vector<std::int16_t>(2 * pixels, 1000));
  // Each level in two halves, each level and band a value no resampling of 1000 gives.
  for (int level = 1; level <= 2; ++level) {
    const int w = (grid_.width + (1 << level) - 1) >> level, h = (grid_.height + (1 << level) - 1) >> level;
    for (const kernels::Window half : {kernels::Window{0, 0, w / 2, h}, kernels::Window{w / 2, 0, w - w / 2, h}}) {
      const auto n = static_cast<std::size_t>(half.pixel_count());
      std::vector<std::int16_t> planes(2 * n, static_cast<std::int16_t>(100 * level + 1));
      std::fill(planes.begin() + static_cast<std::ptrdiff_t>(n), planes.end(),
                static_cast<std::int16_t>(100 * level + 2));
      writer.write_overview_bands<std::int16_t>(level, half, planes);
    }
  }
  EXPECT_THROW(writer.write_overview_bands<std::int16_t>(3, {0, 0, 1, 1}, std::vector<std::int16_t>(2, 0)),
               InternalError);
  EXPECT_THROW(writer.write_overview_bands<std::int16_t>(1, {0, 0, 751, 1}, std::vector<std::int16_t>(2 * 751, 0)),
               InternalError);
  writer.close();
  expect_only(root_, {"composite.tif"});
  DatasetPtr ds = open_raster(path.string());
  expect_cog_layout(*ds, 2);
  for (int b = 1; b <= 2; ++b) {
    GDALRasterBand* band = ds->GetRasterBand(b);
    ASSERT_EQ(band->GetOverviewCount(), 2);
    for (int level = 1; level <= 2; ++level) {
      GDALRasterBand* overview = band->GetOverview(level - 1);
      EXPECT_EQ(overview->GetXSize(), level == 1 ? 750 : 375);
      EXPECT_EQ(overview->GetYSize(), level == 1 ? 550 : 275);
      std::vector<std::int16_t> values(static_cast<std::size_t>(overview->GetXSize()) *
                                       static_cast<std::size_t>(overview->GetYSize()));
      ASSERT_EQ(overview->RasterIO(GF_Read, 0, 0, overview->GetXSize(), overview->GetYSize(), values.data(),
                                   overview->GetXSize(), overview->GetYSize(), GDT_Int16, 0, 0, nullptr),
                CE_None);
      const std::set<std::int16_t> seen(values.begin(), values.end());
      EXPECT_EQ(seen, std::set<std::int16_t>{static_cast<std::int16_t>(100 * level + b)})
          << "band " << b << " level " << level;
    }
  }
}

TEST_F(CogWriterTest, OverviewsNotAlignedWithTheTilesAreLeftToGdal) {
  const fs::path path = root_ / "composite.tif";
  RasterWriter writer = int16_cog_writer(path, grid_);
  EXPECT_EQ(writer.provide_overviews(1), 0);  // two levels needed
  EXPECT_THROW(writer.write_overview_bands<std::int16_t>(1, {0, 0, 1, 1}, std::vector<std::int16_t>(2, 0)),
               InternalError);
  const std::size_t pixels = static_cast<std::size_t>(grid_.width) * static_cast<std::size_t>(grid_.height);
  writer.write_bands<std::int16_t>(grid_.full(), std::vector<std::int16_t>(2 * pixels, 1000));
  writer.close();
  DatasetPtr ds = open_raster(path.string());
  expect_cog_layout(*ds, 2);
  std::int16_t corner = 0;
  ASSERT_EQ(
      ds->GetRasterBand(1)->GetOverview(1)->RasterIO(GF_Read, 0, 0, 1, 1, &corner, 1, 1, GDT_Int16, 0, 0, nullptr),
      CE_None);
  EXPECT_EQ(corner, 1000);  // GDAL's average
}

TEST_F(CogWriterTest, WriterDroppedBeforeCloseLeavesNothing) {
  const fs::path path = root_ / "change.tif";
  {
    RasterWriter writer = create_change_map(path, grid_);
    std::vector<std::uint8_t> tile(100, 1);
    writer.write<std::uint8_t>({0, 0, 10, 10}, kernels::ConstTileView<std::uint8_t>(tile.data(), 10, 10));
    RasterWriter moved = std::move(writer);  // a moved-from writer owns nothing
  }
  expect_only(root_, {});
}

TEST_F(CogWriterTest, SmallRasterIsACogWithoutOverviews) {
  grid_.width = 6;
  grid_.height = 4;
  const fs::path path = root_ / "change.tif";
  RasterWriter writer = create_change_map(path, grid_);
  std::vector<std::uint8_t> classes(24, 2);
  writer.write<std::uint8_t>(grid_.full(), kernels::ConstTileView<std::uint8_t>(classes.data(), 6, 4));
  writer.close();
  DatasetPtr ds = open_raster(path.string());
  EXPECT_STREQ(ds->GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE"), "COG");
  EXPECT_EQ(ds->GetRasterBand(1)->GetOverviewCount(), 0);
}

}  // namespace
}  // namespace zw
