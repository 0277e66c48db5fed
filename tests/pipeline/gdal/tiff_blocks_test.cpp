// GeoTIFF blocks decoded without GDAL: every layout it accepts (tiles and strips, DEFLATE and
// none, horizontal differencing, pixel and band interleaving, 8 to 32-bit types, partial edge
// blocks) reads exactly what GDAL reads for random windows and band subsets; every layout it
// does not handle is left to GDAL (null from open); each block is decoded once while the
// cache holds it, also when reads on many threads want it at once; a corrupt block is an
// InputError naming the file and the block, for every read that waited for it too.

#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <latch>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <cpl_vsi.h>
#include <gtest/gtest.h>

#include "support/temp_folder.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/gdal/tiff_blocks.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;
using kernels::Window;

constexpr int kWidth = 77, kHeight = 53, kBands = 3;

class TiffBlocksTest : public test::TempFolderTest {
 protected:
  void SetUp() override {
    TempFolderTest::SetUp();
    init_gdal();
  }

  /// A kWidth x kHeight GeoTIFF of `bands` bands of `type`, random values (smooth along rows
  /// in part, so the predictor has something to do), with GTiff creation `options`.
  fs::path make_tiff(const std::string& name, GDALDataType type, const std::vector<std::string>& options,
                     int bands = kBands) {
    const fs::path path = root_ / name;
    std::vector<const char*> argv;
    for (const auto& o : options) argv.push_back(o.c_str());
    argv.push_back(nullptr);
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GTiff");
    DatasetPtr ds(driver->Create(path.c_str(), kWidth, kHeight, bands, type, const_cast<char**>(argv.data())));
    EXPECT_NE(ds, nullptr) << path;
    std::mt19937 random(static_cast<unsigned>(std::hash<std::string>{}(name)));
    std::uniform_real_distribution<double> noise(-1000.0, 30000.0);
    std::vector<double> values(static_cast<std::size_t>(kWidth) * kHeight);
    for (int b = 1; b <= bands; ++b) {
      for (std::size_t i = 0; i < values.size(); ++i) {
        values[i] = i % 5 == 0 ? noise(random) : static_cast<double>(i % kWidth) * 3.0 + b;
      }
      EXPECT_EQ(ds->GetRasterBand(b)->RasterIO(GF_Write, 0, 0, kWidth, kHeight, values.data(), kWidth, kHeight,
                                               GDT_Float64, 0, 0, nullptr),
                CE_None);
    }
    return path;
  }
};

/// `bands` of `window` as GDAL reads them, band after band, in the file's type.
std::vector<std::byte> gdal_read(GDALDataset& ds, const std::vector<int>& bands, Window window) {
  const GDALDataType type = ds.GetRasterBand(1)->GetRasterDataType();
  const auto size = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(type));
  const auto plane = static_cast<std::size_t>(window.pixel_count()) * size;
  std::vector<std::byte> out(plane * bands.size());
  for (std::size_t b = 0; b < bands.size(); ++b) {
    EXPECT_EQ(
        ds.GetRasterBand(bands[b])->RasterIO(GF_Read, window.x0, window.y0, window.width, window.height,
                                             out.data() + b * plane, window.width, window.height, type, 0, 0, nullptr),
        CE_None);
  }
  return out;
}

std::vector<std::byte> direct_read(const TiffBlocks& blocks, const std::vector<int>& bands, Window window) {
  const auto size = static_cast<std::size_t>(GDALGetDataTypeSizeBytes(blocks.type()));
  const auto plane = static_cast<std::size_t>(window.pixel_count()) * size;
  std::vector<std::byte> out(plane * bands.size());
  std::vector<std::byte*> outs;
  for (std::size_t b = 0; b < bands.size(); ++b) outs.push_back(out.data() + b * plane);
  blocks.read(bands, window, outs);
  return out;
}

struct Layout {
  const char* name;
  GDALDataType type;
  std::vector<std::string> options;
  int bands = kBands;
};

TEST_F(TiffBlocksTest, EveryAcceptedLayoutReadsWhatGdalReads) {
  const std::vector<Layout> layouts = {
      {"tiled_deflate_u16_pixel", GDT_UInt16, {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=16", "COMPRESS=DEFLATE"}},
      {"tiled_deflate_pred_u16",
       GDT_UInt16,
       {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=32", "COMPRESS=DEFLATE", "PREDICTOR=2"}},
      {"tiled_deflate_pred_i16_band",
       GDT_Int16,
       {"TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=32", "COMPRESS=DEFLATE", "PREDICTOR=2", "INTERLEAVE=BAND"}},
      {"tiled_none_byte", GDT_Byte, {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"}},
      {"strips_deflate_u16", GDT_UInt16, {"COMPRESS=DEFLATE", "BLOCKYSIZE=7"}},
      {"strips_deflate_pred_i32", GDT_Int32, {"COMPRESS=DEFLATE", "PREDICTOR=2", "BLOCKYSIZE=10"}},
      {"strips_none_f32_band", GDT_Float32, {"BLOCKYSIZE=5", "INTERLEAVE=BAND"}},
      {"one_strip_deflate_f32", GDT_Float32, {"COMPRESS=DEFLATE", "BLOCKYSIZE=53"}},
      {"tiled_deflate_pred_byte", GDT_Byte, {"TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=2", "BLOCKXSIZE=48"}},
      // Pixels of 2, 4, 8 and 16 bytes: the predictor's vector paths (others: its scalar loop).
      {"pred_u16_one_band", GDT_UInt16, {"TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=2", "BLOCKXSIZE=32"}, 1},
      {"pred_byte_two_bands", GDT_Byte, {"COMPRESS=DEFLATE", "PREDICTOR=2", "BLOCKYSIZE=9"}, 2},
      {"pred_i16_two_bands", GDT_Int16, {"TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=2"}, 2},
      {"pred_u16_four_bands", GDT_UInt16, {"TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=2", "BLOCKXSIZE=48"}, 4},
      {"pred_u16_four_bands_strips", GDT_UInt16, {"COMPRESS=DEFLATE", "PREDICTOR=2", "BLOCKYSIZE=4"}, 4},
      {"pred_byte_four_bands", GDT_Byte, {"COMPRESS=DEFLATE", "PREDICTOR=2"}, 4},
      {"pred_u32_four_bands", GDT_UInt32, {"TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=2"}, 4},
      {"pred_i32_one_band", GDT_Int32, {"COMPRESS=DEFLATE", "PREDICTOR=2", "BLOCKYSIZE=3"}, 1},
  };
  std::mt19937 random(7);
  for (const Layout& layout : layouts) {
    SCOPED_TRACE(layout.name);
    const fs::path path = make_tiff(std::string(layout.name) + ".tif", layout.type, layout.options, layout.bands);
    DatasetPtr ds = open_raster(path.string());
    const auto blocks = TiffBlocks::open(*ds, path.string());
    ASSERT_NE(blocks, nullptr);
    EXPECT_EQ(blocks->type(), layout.type);
    std::vector<int> all(static_cast<std::size_t>(layout.bands));
    for (int b = 0; b < layout.bands; ++b) all[static_cast<std::size_t>(b)] = b + 1;
    std::vector<std::vector<int>> band_sets = {all, {layout.bands}};
    if (layout.bands > 1) band_sets.push_back({2, 1});
    if (layout.bands > 2) band_sets.push_back({1, layout.bands});
    EXPECT_EQ(direct_read(*blocks, all, {0, 0, kWidth, kHeight}), gdal_read(*ds, all, {0, 0, kWidth, kHeight}));
    for (int trial = 0; trial < 40; ++trial) {
      const int x0 = std::uniform_int_distribution<int>(0, kWidth - 1)(random);
      const int y0 = std::uniform_int_distribution<int>(0, kHeight - 1)(random);
      const int w = std::uniform_int_distribution<int>(1, kWidth - x0)(random);
      const int h = std::uniform_int_distribution<int>(1, kHeight - y0)(random);
      const auto& bands = band_sets[static_cast<std::size_t>(trial) % band_sets.size()];
      const Window window{x0, y0, w, h};
      ASSERT_EQ(direct_read(*blocks, bands, window), gdal_read(*ds, bands, window))
          << "window " << x0 << "," << y0 << " " << w << "x" << h;
    }
  }
}

TEST_F(TiffBlocksTest, LayoutsItDoesNotDecodeAreLeftToGdal) {
  const std::vector<Layout> layouts = {
      {"lzw", GDT_UInt16, {"TILED=YES", "COMPRESS=LZW"}},
      {"zstd", GDT_UInt16, {"TILED=YES", "COMPRESS=ZSTD"}},
      {"big_endian", GDT_UInt16, {"TILED=YES", "COMPRESS=DEFLATE", "ENDIANNESS=BIG"}},
      {"twelve_bits", GDT_UInt16, {"TILED=YES", "COMPRESS=DEFLATE", "NBITS=12"}},
      {"float_predictor", GDT_Float32, {"TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=3"}},
      {"float_horizontal_predictor", GDT_Float32, {"COMPRESS=DEFLATE", "PREDICTOR=2"}},
  };
  for (const Layout& layout : layouts) {
    SCOPED_TRACE(layout.name);
    const fs::path path = make_tiff(std::string(layout.name) + ".tif", layout.type, layout.options);
    DatasetPtr ds = open_raster(path.string());
    EXPECT_EQ(TiffBlocks::open(*ds, path.string()), nullptr);
  }
  // Sparse blocks (never written: GDAL fills them with nodata) and a VRT over a good file.
  const fs::path sparse = root_ / "sparse.tif";
  {
    const char* options[] = {"TILED=YES",        "BLOCKXSIZE=16",  "BLOCKYSIZE=16",
                             "COMPRESS=DEFLATE", "SPARSE_OK=TRUE", nullptr};
    DatasetPtr ds(GetGDALDriverManager()->GetDriverByName("GTiff")->Create(sparse.c_str(), kWidth, kHeight, 1,
                                                                           GDT_UInt16, const_cast<char**>(options)));
    std::vector<std::uint16_t> ones(16 * 16, 1);
    ASSERT_EQ(ds->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, 16, 16, ones.data(), 16, 16, GDT_UInt16, 0, 0, nullptr),
              CE_None);
  }
  DatasetPtr sparse_ds = open_raster(sparse.string());
  EXPECT_EQ(TiffBlocks::open(*sparse_ds, sparse.string()), nullptr);
  const fs::path good = make_tiff("good.tif", GDT_UInt16, {"TILED=YES", "COMPRESS=DEFLATE"});
  const fs::path vrt = root_ / "good.vrt";
  DatasetPtr good_ds = open_raster(good.string());
  DatasetPtr vrt_ds(GetGDALDriverManager()->GetDriverByName("VRT")->CreateCopy(vrt.c_str(), good_ds.get(), FALSE,
                                                                               nullptr, nullptr, nullptr));
  ASSERT_NE(vrt_ds, nullptr);
  EXPECT_EQ(TiffBlocks::open(*vrt_ds, vrt.string()), nullptr);
}

TEST_F(TiffBlocksTest, EachBlockDecodedOnceWhileCachedAndReadersOfOnePathShareThem) {
  const fs::path path =
      make_tiff("once.tif", GDT_UInt16, {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16", "COMPRESS=DEFLATE"});
  DatasetPtr ds = open_raster(path.string());
  DatasetPtr again = open_raster(path.string());
  const auto blocks = TiffBlocks::open(*ds, path.string());
  ASSERT_NE(blocks, nullptr);
  EXPECT_EQ(TiffBlocks::open(*again, path.string()), blocks);
  const std::uint64_t before = TiffBlocks::blocks_decoded();
  // Overlapping windows, as tiles with halos read them: 5 x 4 blocks of 16 px in all.
  for (const Window& w : {Window{0, 0, 40, 30}, Window{30, 0, 47, 30}, Window{0, 20, 77, 33}, Window{10, 10, 50, 40}}) {
    (void)direct_read(*blocks, {1, 2}, w);
  }
  EXPECT_EQ(TiffBlocks::blocks_decoded() - before, 5u * 4u);
  // Once dropped (a pass done with its inputs), a read decodes its blocks again.
  TiffBlocks::drop_cached();
  (void)direct_read(*blocks, {1}, {0, 0, 17, 16});
  EXPECT_EQ(TiffBlocks::blocks_decoded() - before, 5u * 4u + 2u);
  const std::vector<int> two_bands{1, 3};
  EXPECT_EQ(blocks->cached_bytes(two_bands, {0, 0, 17, 16}), 2u * 16u * 16u * kBands * sizeof(std::uint16_t));
}

// The tile engine's parallel stage reads: threads that want one block at the same moment
// get it from one decode, and every one of them reads what GDAL reads.
TEST_F(TiffBlocksTest, ReadsOnManyThreadsAtOnceDecodeEachBlockOnce) {
  const fs::path path =
      make_tiff("threads.tif", GDT_UInt16, {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16", "COMPRESS=DEFLATE"});
  DatasetPtr ds = open_raster(path.string());
  const auto blocks = TiffBlocks::open(*ds, path.string());
  ASSERT_NE(blocks, nullptr);
  const std::vector<int> bands{3, 1};
  const std::vector<Window> windows{{0, 0, 40, 30}, {30, 0, 47, 30}, {0, 20, 77, 33}, {10, 10, 50, 40}, {0, 0, 77, 53}};
  std::vector<std::vector<std::byte>> expected;
  for (const Window& w : windows) expected.push_back(gdal_read(*ds, bands, w));
  constexpr int kThreads = 8, kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    TiffBlocks::drop_cached();
    const std::uint64_t before = TiffBlocks::blocks_decoded();
    std::latch start(kThreads);
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        for (std::size_t k = 0; k < windows.size(); ++k) {
          const std::size_t i = (k + static_cast<std::size_t>(t)) % windows.size();  // each thread its own order
          if (direct_read(*blocks, bands, windows[i]) != expected[i]) ++mismatches;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(mismatches.load(), 0) << "round " << round;
    ASSERT_EQ(TiffBlocks::blocks_decoded() - before, 5u * 4u) << "round " << round;
  }
}

TEST_F(TiffBlocksTest, ACorruptBlockIsAnInputErrorNamingTheFileAndBlock) {
  const fs::path path =
      make_tiff("corrupt.tif", GDT_UInt16, {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16", "COMPRESS=DEFLATE"});
  std::uint64_t offset = 0;
  {
    DatasetPtr ds = open_raster(path.string());
    offset = std::stoull(ds->GetRasterBand(1)->GetMetadataItem("BLOCK_OFFSET_1_0", "TIFF"));
  }
  {
    VSILFILE* file = VSIFOpenL(path.c_str(), "r+b");
    ASSERT_NE(file, nullptr);
    const std::vector<char> garbage(24, '\x5a');
    ASSERT_EQ(VSIFSeekL(file, offset, SEEK_SET), 0);
    ASSERT_EQ(VSIFWriteL(garbage.data(), 1, garbage.size(), file), garbage.size());
    VSIFCloseL(file);
  }
  DatasetPtr ds = open_raster(path.string());
  const auto blocks = TiffBlocks::open(*ds, path.string());
  ASSERT_NE(blocks, nullptr);
  EXPECT_NO_THROW((void)direct_read(*blocks, {1}, {0, 0, 16, 16}));  // block 0,0 is intact
  try {
    (void)direct_read(*blocks, {1}, {0, 0, 40, 16});
    FAIL() << "no error for a corrupt block";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("block 1,0"), std::string::npos) << e.what();
  }
  // Reads on other threads that wait for the corrupt block's decode get its error too (none
  // waits forever), and a later read tries the block again.
  for (int round = 0; round < 10; ++round) {
    constexpr int kThreads = 6;
    std::latch start(kThreads);
    std::atomic<int> named{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        try {
          (void)direct_read(*blocks, {1, 2}, {0, 0, 77, 53});
        } catch (const InputError& e) {
          if (std::string(e.what()).find("block 1,0") != std::string::npos) ++named;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(named.load(), kThreads) << "round " << round;
  }
}

}  // namespace
}  // namespace zw
