// Scene catalog files (inputs/catalog.cpp): the fuzz input is a catalog, CSV (path,date,sensor
// lines) or YAML (a list, or scenes: [...], of {path, date, sensor}); the first byte picks
// which. It lies in GDAL's in-memory file system beside a Landsat MTL (without its bands) and
// a 4-band stack, so that entries naming them reach product inspection and scene resolution.
#include <memory>

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include "fuzz_support.hpp"
#include "zonewatch/pipeline/inputs/catalog.hpp"

namespace {

constexpr const char* kDir = "/vsimem/fuzz/catalog/";

void write_products() {
  zw::fuzz::write_vsimem(std::string(kDir) + "LC08_L1TP_123032_20200703_20200710_01_T1_MTL.txt",
                         "GROUP = L1_METADATA_FILE\n"
                         "  GROUP = METADATA_FILE_INFO\n"
                         "    COLLECTION_NUMBER = 01\n"
                         "  END_GROUP = METADATA_FILE_INFO\n"
                         "  GROUP = PRODUCT_METADATA\n"
                         "    DATA_TYPE = \"L1TP\"\n"
                         "    SPACECRAFT_ID = \"LANDSAT_8\"\n"
                         "    SENSOR_ID = \"OLI_TIRS\"\n"
                         "    DATE_ACQUIRED = 2020-07-03\n"
                         "    FILE_NAME_BAND_4 = \"LC08_L1TP_123032_20200703_20200710_01_T1_B4.TIF\"\n"
                         "  END_GROUP = PRODUCT_METADATA\n"
                         "  GROUP = IMAGE_ATTRIBUTES\n"
                         "    SUN_ELEVATION = 30.0\n"
                         "  END_GROUP = IMAGE_ATTRIBUTES\n"
                         "END_GROUP = L1_METADATA_FILE\n"
                         "END\n");
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
  std::unique_ptr<GDALDataset> stack(mem->Create("", 4, 4, 4, GDT_UInt16, nullptr));
  double geotransform[6] = {623130.0, 10.0, 0.0, 3258550.0, 0.0, -10.0};
  stack->SetGeoTransform(geotransform);
  OGRSpatialReference srs;
  srs.importFromEPSG(32648);
  stack->SetSpatialRef(&srs);
  for (int b = 1; b <= 4; ++b) (void)stack->GetRasterBand(b)->Fill(1000.0 * b);
  std::unique_ptr<GDALDataset> copy(gtiff->CreateCopy((std::string(kDir) + "stack_2020-06-15.tif").c_str(), stack.get(),
                                                      FALSE, nullptr, nullptr, nullptr));
  if (!copy) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  zw::fuzz::init();
  static const bool products = (write_products(), true);
  (void)products;
  if (size == 0) return 0;
  const bool csv = (data[0] & 1) == 0;
  const std::string path = std::string("/vsimem/fuzz/catalog/scenes") + (csv ? ".csv" : ".yaml");
  zw::fuzz::write_vsimem(path, zw::fuzz::bytes(data + 1, size - 1));
  static const std::vector<std::filesystem::path> sensor_dirs{std::filesystem::path(ZONEWATCH_SOURCE_DIR) / "configs" /
                                                              "sensors"};
  zw::fuzz::expect_clean([&] {
    zw::CatalogOptions options;
    options.sources = {path};
    (void)zw::discover_scenes(options, zw::DateRange{"1972-01-01", "2099-12-31"}, sensor_dirs);
  });
  VSIUnlink(path.c_str());
  return 0;
}
