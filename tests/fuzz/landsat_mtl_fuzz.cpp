// Landsat MTL text files (inputs/metadata_landsat.cpp): the fuzz input is an *_MTL.txt, read
// from GDAL's in-memory file system as products are read from /vsizip/ archives.
#include "fuzz_support.hpp"
#include "zonewatch/pipeline/inputs/metadata.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  zw::fuzz::init();
  const std::string path = "/vsimem/fuzz/LC08_L1TP_195025_20130707_20170503_01_T1_MTL.txt";
  zw::fuzz::write_vsimem(path, zw::fuzz::bytes(data, size));
  zw::fuzz::expect_clean([&] {
    const zw::LandsatMetadata m = zw::read_landsat_mtl(path);
    (void)m.profile_name();
    for (const auto& entry : m.band_files) {
      zw::fuzz::expect_clean([&] { (void)m.calibration(entry.first); });
    }
  });
  return 0;
}
