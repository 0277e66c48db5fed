// What a scene gives the ecological index beyond reflectance: the thermal band with its MTL
// constants, and the tasseled-cap sensor, on the real Landsat 7 and 8 products of
// ../shared/data/landsat-l1-germany (skipped where absent).
#include "zonewatch/pipeline/inputs/ecology_inputs.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_paths.hpp"
#include "zonewatch/pipeline/config/sensor_profile.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;
const fs::path kGermany = fs::path(ZONEWATCH_SHARED_DATA) / "landsat-l1-germany";
const std::string kLe07 = "LE07_L1TP_195025_20010730_20170204_01_T1";
const std::string kLc08 = "LC08_L1TP_195025_20130707_20170503_01_T1";

InspectedScene inspect(const std::string& product) {
  init_gdal();
  return inspect_scene("scene", SceneOptions{(kGermany / (product + "_MTL.txt")).string(), "", ""});
}

SensorProfile profile_of(const InspectedScene& scene) {
  return load_sensor_profile(scene.options.sensor, sensor_search_dirs(fs::current_path()));
}

class EcologyInputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kGermany)) GTEST_SKIP() << kGermany << " is absent: real-data test skipped";
  }
};

TEST_F(EcologyInputsTest, Landsat8Band10WithItsMtlConstants) {
  const InspectedScene scene = inspect(kLc08);
  const auto thermal = find_thermal_band(scene);
  ASSERT_TRUE(thermal.has_value());
  EXPECT_EQ(thermal->band, "10");
  EXPECT_EQ(fs::path(thermal->file.path).filename(), kLc08 + "_B10.TIF");
  // RADIOMETRIC_RESCALING and TIRS_THERMAL_CONSTANTS of the MTL.
  EXPECT_DOUBLE_EQ(thermal->calibration.radiance_mult, 3.3420e-04);
  EXPECT_DOUBLE_EQ(thermal->calibration.radiance_add, 0.1);
  EXPECT_DOUBLE_EQ(thermal->calibration.k1, 774.8853);
  EXPECT_DOUBLE_EQ(thermal->calibration.k2, 1321.0789);
  EXPECT_EQ(tasseled_cap_sensor(scene, profile_of(scene)), kernels::TasseledCapSensor::landsat_oli);
}

TEST_F(EcologyInputsTest, Landsat7LowGainBand6AndEtmCoefficients) {
  const InspectedScene scene = inspect(kLe07);
  const auto thermal = find_thermal_band(scene);
  ASSERT_TRUE(thermal.has_value());
  EXPECT_EQ(thermal->band, "6_VCID_1");
  EXPECT_DOUBLE_EQ(thermal->calibration.radiance_mult, 6.7087e-02);
  EXPECT_DOUBLE_EQ(thermal->calibration.radiance_add, -0.06709);
  EXPECT_DOUBLE_EQ(thermal->calibration.k1, 666.09);
  EXPECT_DOUBLE_EQ(thermal->calibration.k2, 1282.71);
  // One Level-1 profile serves TM and ETM+: the MTL's mission picks the coefficients.
  const SensorProfile profile = profile_of(scene);
  EXPECT_EQ(profile.name, "landsat-tm-etm-l1");
  EXPECT_EQ(tasseled_cap_sensor(scene, profile), kernels::TasseledCapSensor::landsat_etm);
}

TEST_F(EcologyInputsTest, ThermalSceneReadsRadianceUnderOneRole) {
  const InspectedScene inspected = inspect(kLc08);
  const Scene scene = resolve_scene(inspected, profile_of(inspected));
  const Scene thermal = thermal_radiance_scene(scene, *find_thermal_band(inspected));
  for (int r = 0; r < kernels::kBandRoleCount; ++r) {
    EXPECT_EQ(thermal.bands[static_cast<std::size_t>(r)].has_value(), r == static_cast<int>(kThermalRadianceRole));
  }
  EXPECT_DOUBLE_EQ(thermal.profile.scale_of(kThermalRadianceRole), 3.3420e-04);
  EXPECT_DOUBLE_EQ(thermal.profile.offset_of(kThermalRadianceRole), 0.1);
  EXPECT_EQ(thermal.profile.nodata, 0.0);
  EXPECT_TRUE(thermal.quality.has_value());  // the BQA still masks clouds
}

TEST(EcologyInputs, NoThermalBandOutsideLandsatProducts) {
  InspectedScene plain;
  plain.options.path = "/nonexistent/scene.tif";
  EXPECT_FALSE(find_thermal_band(plain).has_value());
  SensorProfile profile;
  EXPECT_FALSE(tasseled_cap_sensor(plain, profile).has_value());
  profile.tasseled_cap = kernels::TasseledCapSensor::sentinel2_msi;
  EXPECT_EQ(tasseled_cap_sensor(plain, profile), kernels::TasseledCapSensor::sentinel2_msi);
}

}  // namespace
}  // namespace zw
