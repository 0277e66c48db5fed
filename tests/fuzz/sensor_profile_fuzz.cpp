// Sensor profiles (config/sensor_profile.cpp): the fuzz input is a profile YAML file, loaded by
// path as `sensor: my-sensor.yaml` in a scan config loads it.
#include "fuzz_support.hpp"
#include "zonewatch/pipeline/config/sensor_profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  zw::fuzz::init();
  const std::string path = zw::fuzz::write_scratch("profile.yaml", zw::fuzz::bytes(data, size));
  zw::fuzz::expect_clean([&] {
    const zw::SensorProfile profile = zw::load_sensor_profile(path, {});
    for (int r = 0; r < zw::kernels::kBandRoleCount; ++r) {
      (void)profile.scale_of(static_cast<zw::kernels::BandRole>(r));
      (void)profile.offset_of(static_cast<zw::kernels::BandRole>(r));
    }
  });
  return 0;
}
