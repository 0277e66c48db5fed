// `--set KEY=VALUE` overrides (config.cpp load_with_overrides, yaml_section.cpp set_yaml_path):
// each line of the fuzz input is one override, applied on top of a small valid scan config
// (so that the overridden values reach the section parsers) and on their own.
#include "fuzz_support.hpp"
#include "zonewatch/pipeline/config/config.hpp"

namespace {

constexpr std::string_view kBase = R"(name: fuzz
before: {path: /vsimem/before, date: 2017-04-14, sensor: sentinel2-l1c}
after: {path: /vsimem/after, date: 2018-04-02, sensor: sentinel2-l1c}
units: {path: /vsimem/units.gpkg}
output: {dir: /vsimem/out}
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  zw::fuzz::init();
  static const std::string base = zw::fuzz::write_scratch("base.yaml", kBase);
  std::vector<std::string> overrides = zw::fuzz::split(zw::fuzz::bytes(data, size), '\n');
  if (!overrides.empty() && overrides.back().empty()) overrides.pop_back();
  zw::fuzz::expect_clean([&] { (void)zw::load_scan_config(base, overrides); });
  zw::fuzz::expect_clean([&] { (void)zw::load_scan_config("", overrides); });
  zw::fuzz::expect_clean([&] { (void)zw::load_detection_options("", overrides); });
  return 0;
}
