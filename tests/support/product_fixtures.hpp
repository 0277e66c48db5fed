#pragma once
// Helpers for the metadata and catalog tests: a temp folder per test, text files, and tiny
// GeoTIFFs written with the GDAL API (so fixtures do not go through zonewatch's own code).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>

#include <cpl_conv.h>
#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogr_spatialref.h>
#include "test_paths.hpp"

namespace zw::fixtures {

namespace fs = std::filesystem;

inline const fs::path kSharedData = ZONEWATCH_SHARED_DATA;
inline const fs::path kGermany = kSharedData / "landsat-l1-germany";
inline const fs::path kCbers = kSharedData / "timeseries" / "cbers4-awfi";
inline const fs::path kSensorsDir = fs::path(ZONEWATCH_SOURCE_DIR) / "configs" / "sensors";
inline const std::string kLe07 = "LE07_L1TP_195025_20010730_20170204_01_T1";
inline const std::string kLc08 = "LC08_L1TP_195025_20130707_20170503_01_T1";

inline bool have(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

/// A fresh folder per test, removed afterwards (kept when ZONEWATCH_KEEP_TEST_DIRS is set).
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GDALAllRegister();
    std::random_device device;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::temp_directory_path() /
            ("zonewatch-" + std::string(info->test_suite_name()) + "-" + std::string(info->name()) + "-" +
             std::to_string(::getpid()) + "-" + std::to_string(device()));
    fs::create_directories(root_);
  }
  void TearDown() override {
    if (std::getenv("ZONEWATCH_KEEP_TEST_DIRS") != nullptr) return;
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  fs::path root_;
};

inline void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

/// A GeoTIFF of `bands` bands of `type`, UTM 32N (EPSG:32632) with its top-left corner at
/// (x0, y0) and square pixels of `pixel` m; value(band, x, y) gives the pixels.
inline void write_tif(const fs::path& path, int width, int height, int bands, GDALDataType type,
                      const std::function<double(int, int, int)>& value, double pixel = 30.0, double x0 = 483285.0,
                      double y0 = 5628525.0, const double* nodata = nullptr) {
  fs::create_directories(path.parent_path());
  // GDAL's Create deletes an existing dataset first, with every file it counts as part of
  // it (a Landsat band "owns" the *_MTL.txt beside it): remove just the file instead.
  std::error_code ignored;
  fs::remove(path, ignored);
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GTiff");
  GDALDataset* ds = driver->Create(path.c_str(), width, height, bands, type, nullptr);
  ASSERT_NE(ds, nullptr) << path;
  double gt[6] = {x0, pixel, 0.0, y0, 0.0, -pixel};
  ds->SetGeoTransform(gt);
  OGRSpatialReference srs;
  srs.importFromEPSG(32632);
  ds->SetSpatialRef(&srs);
  std::vector<double> buffer(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
  for (int b = 1; b <= bands; ++b) {
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) buffer[static_cast<std::size_t>(y) * width + x] = value(b, x, y);
    }
    GDALRasterBand* band = ds->GetRasterBand(b);
    if (nodata != nullptr) band->SetNoDataValue(*nodata);
    ASSERT_EQ(band->RasterIO(GF_Write, 0, 0, width, height, buffer.data(), width, height, GDT_Float64, 0, 0, nullptr),
              CE_None);
  }
  GDALClose(GDALDataset::ToHandle(ds));
}

inline void write_constant_tif(const fs::path& path, int size, double value, double pixel = 30.0,
                               GDALDataType type = GDT_UInt16) {
  write_tif(
      path, size, size, 1, type, [value](int, int, int) { return value; }, pixel);
}

/// A Landsat 8 Collection 1 MTL naming `id`'s band files, with the keys zonewatch reads;
/// `drop` removes every line containing that text (to make a malformed file).
inline std::string landsat8_c1_mtl(const std::string& id, const std::string& date = "2013-07-07",
                                   const std::string& drop = "") {
  std::string text =
      "GROUP = L1_METADATA_FILE\n"
      "  GROUP = METADATA_FILE_INFO\n"
      "    LANDSAT_PRODUCT_ID = \"" +
      id +
      "\"\n"
      "    COLLECTION_NUMBER = 01\n"
      "  END_GROUP = METADATA_FILE_INFO\n"
      "  GROUP = PRODUCT_METADATA\n"
      "    DATA_TYPE = \"L1TP\"\n"
      "    SPACECRAFT_ID = \"LANDSAT_8\"\n"
      "    SENSOR_ID = \"OLI_TIRS\"\n"
      "    DATE_ACQUIRED = " +
      date + "\n";
  for (int b = 1; b <= 7; ++b) {
    text += "    FILE_NAME_BAND_" + std::to_string(b) + " = \"" + id + "_B" + std::to_string(b) + ".TIF\"\n";
  }
  text += "    FILE_NAME_BAND_QUALITY = \"" + id +
          "_BQA.TIF\"\n"
          "  END_GROUP = PRODUCT_METADATA\n"
          "  GROUP = IMAGE_ATTRIBUTES\n"
          "    SUN_ELEVATION = 30.00000000\n"
          "  END_GROUP = IMAGE_ATTRIBUTES\n"
          "  GROUP = RADIOMETRIC_RESCALING\n";
  for (int b = 1; b <= 7; ++b) text += "    REFLECTANCE_MULT_BAND_" + std::to_string(b) + " = 2.0000E-05\n";
  for (int b = 1; b <= 7; ++b) text += "    REFLECTANCE_ADD_BAND_" + std::to_string(b) + " = -0.100000\n";
  text +=
      "  END_GROUP = RADIOMETRIC_RESCALING\n"
      "END_GROUP = L1_METADATA_FILE\n"
      "END\n";
  if (!drop.empty()) {
    std::string kept;
    std::size_t start = 0;
    while (start < text.size()) {
      const auto nl = text.find('\n', start);
      const std::string line = text.substr(start, nl - start + 1);
      if (line.find(drop) == std::string::npos) kept += line;
      start = nl + 1;
    }
    text = kept;
  }
  return text;
}

/// A complete Landsat 8 C1 product (MTL, bands 1-7 and BQA, size x size px of 30 m) in `dir`.
inline void write_landsat8_product(const fs::path& dir, const std::string& id, int size = 8,
                                   const std::string& date = "2013-07-07") {
  write_text(dir / (id + "_MTL.txt"), landsat8_c1_mtl(id, date));
  for (int b = 1; b <= 7; ++b) {
    write_tif(dir / (id + "_B" + std::to_string(b) + ".TIF"), size, size, 1, GDT_UInt16,
              [b](int, int x, int y) { return 8000.0 + 1000.0 * b + x + y; });
  }
  write_constant_tif(dir / (id + "_BQA.TIF"), size, 2720.0);
}

/// MTD_MSIL2A.xml with the keys zonewatch reads; `baseline` and `offsets` as given, and
/// IMAGE_FILE entries for `images` (paths relative to the product, without extension).
inline std::string sentinel2_l2a_mtd(const std::string& baseline, bool offsets, const std::vector<std::string>& images,
                                     const std::string& start = "2024-07-01T03:25:41.026Z") {
  std::string text =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<n1:Level-2A_User_Product xmlns:n1=\"https://psd-14.sentinel2.eo.esa.int/PSD/User_Product_Level-2A.xsd\">\n"
      "<n1:General_Info><Product_Info>\n"
      "<PRODUCT_START_TIME>" +
      start +
      "</PRODUCT_START_TIME>\n"
      "<PROCESSING_BASELINE>" +
      baseline +
      "</PROCESSING_BASELINE>\n"
      "<PRODUCT_TYPE>S2MSI2A</PRODUCT_TYPE>\n"
      "<Datatake datatakeIdentifier=\"x\"><SPACECRAFT_NAME>Sentinel-2B</SPACECRAFT_NAME></Datatake>\n"
      "<Product_Organisation><Granule_List><Granule granuleIdentifier=\"g\" imageFormat=\"JPEG2000\">\n";
  for (const auto& image : images) text += "<IMAGE_FILE>" + image + "</IMAGE_FILE>\n";
  text +=
      "</Granule></Granule_List></Product_Organisation>\n"
      "</Product_Info>\n"
      "<Product_Image_Characteristics>\n"
      "<Special_Values><SPECIAL_VALUE_TEXT>NODATA</SPECIAL_VALUE_TEXT><SPECIAL_VALUE_INDEX>0</SPECIAL_VALUE_INDEX></"
      "Special_Values>\n"
      "<Special_Values><SPECIAL_VALUE_TEXT>SATURATED</SPECIAL_VALUE_TEXT><SPECIAL_VALUE_INDEX>65535</"
      "SPECIAL_VALUE_INDEX></Special_Values>\n"
      "<QUANTIFICATION_VALUES_LIST><BOA_QUANTIFICATION_VALUE unit=\"none\">10000</BOA_QUANTIFICATION_VALUE>"
      "<AOT_QUANTIFICATION_VALUE unit=\"none\">1000.0</AOT_QUANTIFICATION_VALUE></QUANTIFICATION_VALUES_LIST>\n";
  if (offsets) {
    text += "<BOA_ADD_OFFSET_VALUES_LIST>\n";
    for (int b = 0; b <= 12; ++b)
      text += "<BOA_ADD_OFFSET band_id=\"" + std::to_string(b) + "\">-1000</BOA_ADD_OFFSET>\n";
    text += "</BOA_ADD_OFFSET_VALUES_LIST>\n";
  }
  text +=
      "</Product_Image_Characteristics>\n"
      "</n1:General_Info>\n"
      "</n1:Level-2A_User_Product>\n";
  return text;
}

}  // namespace zw::fixtures
