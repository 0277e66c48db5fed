// VRT mosaics of GeoTIFFs read through zonewatch's own block decoding: what GDAL reads of the
// VRT (sources side by side, a gap filled with the nodata value or 0, a later source
// covering an earlier one, relative paths, rectangles reaching past the VRT's edge), for
// random windows and band subsets; every VRT GDAL would read otherwise is left to it.
#include "zonewatch/pipeline/gdal/block_mosaic.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/temp_folder.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;
using kernels::Window;

constexpr int kTileWidth = 30, kTileHeight = 22, kBands = 3;

class BlockMosaicTest : public test::TempFolderTest {
 protected:
  void SetUp() override {
    TempFolderTest::SetUp();
    init_gdal();
  }

  /// A kTileWidth x kTileHeight UInt16 GeoTIFF of kBands bands, values from `seed`.
  fs::path make_tile(const std::string& name, unsigned seed,
                     const std::vector<std::string>& options = {"TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16",
                                                                "COMPRESS=DEFLATE"}) {
    const fs::path path = root_ / name;
    std::vector<const char*> argv;
    for (const auto& o : options) argv.push_back(o.c_str());
    argv.push_back(nullptr);
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GTiff");
    DatasetPtr ds(
        driver->Create(path.c_str(), kTileWidth, kTileHeight, kBands, GDT_UInt16, const_cast<char**>(argv.data())));
    EXPECT_NE(ds, nullptr);
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> value(1, 60000);
    std::vector<std::uint16_t> pixels(static_cast<std::size_t>(kTileWidth) * kTileHeight);
    for (int b = 1; b <= kBands; ++b) {
      for (auto& v : pixels) v = static_cast<std::uint16_t>(value(random));
      EXPECT_EQ(ds->GetRasterBand(b)->RasterIO(GF_Write, 0, 0, kTileWidth, kTileHeight, pixels.data(), kTileWidth,
                                               kTileHeight, GDT_UInt16, 0, 0, nullptr),
                CE_None);
    }
    return path;
  }

  /// A VRT of `width` x `height` whose bands hold `sources_xml` (a band's children, with
  /// {band} standing for its number).
  fs::path make_vrt(const std::string& name, int width, int height, const std::string& band_xml) {
    std::vector<std::string> bands;
    for (int b = 1; b <= kBands; ++b) {
      std::string xml = band_xml;
      for (std::size_t at = xml.find("{band}"); at != std::string::npos; at = xml.find("{band}")) {
        xml.replace(at, 6, std::to_string(b));
      }
      bands.push_back(xml);
    }
    return make_vrt(name, width, height, bands);
  }
  /// A VRT whose band b holds `band_xml[b - 1]`.
  fs::path make_vrt(const std::string& name, int width, int height, const std::vector<std::string>& band_xml) {
    const fs::path path = root_ / name;
    std::ofstream out(path);
    out << "<VRTDataset rasterXSize=\"" << width << "\" rasterYSize=\"" << height << "\">\n";
    for (std::size_t b = 0; b < band_xml.size(); ++b) {
      out << "<VRTRasterBand dataType=\"UInt16\" band=\"" << b + 1 << "\">" << band_xml[b] << "</VRTRasterBand>\n";
    }
    out << "</VRTDataset>\n";
    return path;
  }
};

std::string simple_source(const std::string& file, bool relative, Window from, Window to,
                          const std::string& band = "{band}") {
  const auto rect = [](const char* tag, Window w) {
    return std::string("<") + tag + " xOff=\"" + std::to_string(w.x0) + "\" yOff=\"" + std::to_string(w.y0) +
           "\" xSize=\"" + std::to_string(w.width) + "\" ySize=\"" + std::to_string(w.height) + "\"/>";
  };
  return "<SimpleSource><SourceFilename relativeToVRT=\"" + std::string(relative ? "1" : "0") + "\">" + file +
         "</SourceFilename><SourceBand>" + band + "</SourceBand>" + rect("SrcRect", from) + rect("DstRect", to) +
         "</SimpleSource>";
}

std::vector<std::uint16_t> gdal_read(GDALDataset& ds, const std::vector<int>& bands, Window w) {
  std::vector<std::uint16_t> out(static_cast<std::size_t>(w.pixel_count()) * bands.size());
  for (std::size_t b = 0; b < bands.size(); ++b) {
    EXPECT_EQ(ds.GetRasterBand(bands[b])->RasterIO(GF_Read, w.x0, w.y0, w.width, w.height,
                                                   out.data() + b * static_cast<std::size_t>(w.pixel_count()), w.width,
                                                   w.height, GDT_UInt16, 0, 0, nullptr),
              CE_None);
  }
  return out;
}

std::vector<std::uint16_t> mosaic_read(const BlockMosaic& mosaic, const std::vector<int>& bands, Window w) {
  std::vector<std::uint16_t> out(static_cast<std::size_t>(w.pixel_count()) * bands.size(), 0xdead);
  std::vector<std::byte*> outs;
  for (std::size_t b = 0; b < bands.size(); ++b) {
    outs.push_back(reinterpret_cast<std::byte*>(out.data() + b * static_cast<std::size_t>(w.pixel_count())));
  }
  mosaic.read(bands, w, outs);
  return out;
}

TEST_F(BlockMosaicTest, ReadsWhatGdalReadsOfTheVrt) {
  make_tile("a.tif", 1);
  make_tile("b.tif", 2);
  const fs::path c = make_tile("c.tif", 3);
  make_tile("d.tif", 4, {"COMPRESS=DEFLATE", "PREDICTOR=2", "INTERLEAVE=BAND"});  // strips, band-interleaved
  // A 70 x 50 grid: a and b side by side with a 5-px gap, c below a, d below b reaching past
  // the right edge and overlapping c by 4 px (d drawn last, so it covers c there); the rest
  // of the grid, no source: the nodata value 7 (or 0 without one).
  const std::string sources = simple_source("a.tif", true, {0, 0, 30, 22}, {0, 0, 30, 22}) +
                              simple_source("b.tif", true, {0, 0, 30, 22}, {35, 0, 30, 22}) +
                              simple_source(c.string(), false, {2, 1, 28, 21}, {0, 24, 28, 21}) +
                              simple_source("d.tif", true, {0, 0, 30, 22}, {24, 26, 30, 22}) +
                              simple_source("b.tif", true, {0, 0, 30, 22}, {60, 40, 30, 22});
  for (const bool nodata : {true, false}) {
    SCOPED_TRACE(nodata ? "nodata 7" : "no nodata");
    const fs::path vrt =
        make_vrt(nodata ? "with.vrt" : "without.vrt", 70, 50, (nodata ? "<NoDataValue>7</NoDataValue>" : "") + sources);
    DatasetPtr ds = open_raster(vrt.string());
    const auto mosaic = BlockMosaic::open(*ds, vrt.string());
    ASSERT_NE(mosaic, nullptr);
    EXPECT_EQ(mosaic->type(), GDT_UInt16);
    const std::vector<int> all{1, 2, 3};
    EXPECT_EQ(mosaic_read(*mosaic, all, {0, 0, 70, 50}), gdal_read(*ds, all, {0, 0, 70, 50}));
    std::mt19937 random(nodata ? 11 : 12);
    for (int k = 0; k < 60; ++k) {
      const int x0 = std::uniform_int_distribution<int>(0, 69)(random);
      const int y0 = std::uniform_int_distribution<int>(0, 49)(random);
      const Window w{x0, y0, std::uniform_int_distribution<int>(1, 70 - x0)(random),
                     std::uniform_int_distribution<int>(1, 50 - y0)(random)};
      const std::vector<int> bands = k % 3 == 0 ? std::vector<int>{3, 1} : std::vector<int>{2};
      ASSERT_EQ(mosaic_read(*mosaic, bands, w), gdal_read(*ds, bands, w))
          << "window " << w.x0 << "," << w.y0 << " " << w.width << "x" << w.height;
    }
    // The blocks behind a window, once per block for the bands asked (a and b: 2 x 2 blocks).
    EXPECT_GT(mosaic->cached_bytes(all, {0, 0, 70, 22}), 0u);
  }
}

TEST_F(BlockMosaicTest, BandsWithSourcesOfTheirOwnAndWindowsInsideOneSource) {
  make_tile("a.tif", 5);
  make_tile("b.tif", 6, {"COMPRESS=DEFLATE", "INTERLEAVE=BAND"});
  // Band 1: a, and b beside it; band 2: b's band 2 alone, shifted; band 3: b's band 1, under
  // a part of a's band 3. No two bands take the same rectangles: each is read on its own.
  const fs::path vrt =
      make_vrt("own.vrt", 60, 30,
               std::vector<std::string>{"<NoDataValue>7</NoDataValue>" +
                                            simple_source("a.tif", true, {0, 0, 30, 22}, {0, 0, 30, 22}, "1") +
                                            simple_source("b.tif", true, {0, 0, 30, 22}, {30, 0, 30, 22}, "1"),
                                        simple_source("b.tif", true, {0, 0, 30, 22}, {10, 4, 30, 22}, "2"),
                                        simple_source("b.tif", true, {0, 0, 30, 22}, {0, 0, 30, 22}, "1") +
                                            simple_source("a.tif", true, {5, 5, 20, 10}, {2, 3, 20, 10}, "3")});
  DatasetPtr ds = open_raster(vrt.string());
  const auto mosaic = BlockMosaic::open(*ds, vrt.string());
  ASSERT_NE(mosaic, nullptr);
  const std::vector<int> all{1, 2, 3};
  // The whole grid; a window inside one source of every band (read straight into the
  // output); one inside a's part of band 3, over b; one across every edge.
  for (const Window w : {Window{0, 0, 60, 30}, Window{12, 5, 8, 8}, Window{4, 4, 10, 6}, Window{20, 2, 25, 24}}) {
    EXPECT_EQ(mosaic_read(*mosaic, all, w), gdal_read(*ds, all, w))
        << "window " << w.x0 << "," << w.y0 << " " << w.width << "x" << w.height;
  }
  std::mt19937 random(13);
  for (int k = 0; k < 40; ++k) {
    const int x0 = std::uniform_int_distribution<int>(0, 59)(random);
    const int y0 = std::uniform_int_distribution<int>(0, 29)(random);
    const Window w{x0, y0, std::uniform_int_distribution<int>(1, std::min(12, 60 - x0))(random),
                   std::uniform_int_distribution<int>(1, std::min(12, 30 - y0))(random)};
    const std::vector<int> bands = k % 2 == 0 ? std::vector<int>{3, 1} : all;
    ASSERT_EQ(mosaic_read(*mosaic, bands, w), gdal_read(*ds, bands, w))
        << "window " << w.x0 << "," << w.y0 << " " << w.width << "x" << w.height;
  }
}

TEST_F(BlockMosaicTest, VrtsGdalReadsOtherwiseAreLeftToIt) {
  make_tile("a.tif", 1);
  make_tile("lzw.tif", 2, {"TILED=YES", "COMPRESS=LZW"});
  const auto refused = [&](const std::string& name, const std::string& band_xml) {
    const fs::path vrt = make_vrt(name, 40, 30, band_xml);
    DatasetPtr ds = open_raster(vrt.string());
    EXPECT_EQ(BlockMosaic::open(*ds, vrt.string()), nullptr) << name;
  };
  refused("resampled.vrt", simple_source("a.tif", true, {0, 0, 30, 22}, {0, 0, 15, 11}));
  refused("lzw.vrt", simple_source("lzw.tif", true, {0, 0, 30, 22}, {0, 0, 30, 22}));
  refused("scaled.vrt",
          "<ComplexSource><SourceFilename relativeToVRT=\"1\">a.tif</SourceFilename><SourceBand>{band}</SourceBand>"
          "<ScaleRatio>2</ScaleRatio><SrcRect xOff=\"0\" yOff=\"0\" xSize=\"30\" ySize=\"22\"/>"
          "<DstRect xOff=\"0\" yOff=\"0\" xSize=\"30\" ySize=\"22\"/></ComplexSource>");
  refused("fractional.vrt", simple_source("a.tif", true, {0, 0, 30, 22}, {0, 0, 30, 22}) +
                                "<SimpleSource><SourceFilename relativeToVRT=\"1\">a.tif</SourceFilename>"
                                "<SourceBand>1</SourceBand><SrcRect xOff=\"0.5\" yOff=\"0\" xSize=\"10\" ySize=\"10\"/>"
                                "<DstRect xOff=\"0\" yOff=\"0\" xSize=\"10\" ySize=\"10\"/></SimpleSource>");
  // A plain GeoTIFF is TiffBlocks' to read, not a mosaic.
  DatasetPtr tiff = open_raster((root_ / "a.tif").string());
  EXPECT_EQ(BlockMosaic::open(*tiff, (root_ / "a.tif").string()), nullptr);
}

}  // namespace
}  // namespace zw
