// The scan config YAML (config/config.cpp, yaml_section.cpp, config_*.cpp): the fuzz input is
// the config file, read as `zonewatch scan --config` and `zonewatch eval --config` read it.
#include "fuzz_support.hpp"
#include "zonewatch/pipeline/config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  zw::fuzz::init();
  const std::string path = zw::fuzz::write_scratch("scan.yaml", zw::fuzz::bytes(data, size));
  zw::fuzz::expect_clean([&] { (void)zw::load_scan_config(path, {}); });
  zw::fuzz::expect_clean([&] { (void)zw::load_detection_options(path, {}); });
  return 0;
}
