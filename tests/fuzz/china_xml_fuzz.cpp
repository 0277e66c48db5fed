// XML metadata of Chinese sensors, GF-1/2/6 and CBERS-4 (inputs/metadata_china.cpp): the fuzz
// input is the XML beside a scene, in GDAL's in-memory file system.
#include "fuzz_support.hpp"
#include "zonewatch/pipeline/inputs/metadata.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  zw::fuzz::init();
  const std::string path = "/vsimem/fuzz/GF1_WFV3_E106.5_N29.8_20130614_L1A0000034581.xml";
  zw::fuzz::write_vsimem(path, zw::fuzz::bytes(data, size));
  zw::fuzz::expect_clean([&] {
    const zw::ChineseSensorMetadata m = zw::read_chinese_sensor_xml(path);
    (void)m.profile_name();
  });
  return 0;
}
