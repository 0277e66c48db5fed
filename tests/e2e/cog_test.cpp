// End to end: the rasters a scan leaves for users (change.tif, the period composites) are
// Cloud Optimized GeoTIFFs by GDAL's own validator, validate_cloud_optimized_geotiff.py
// (python3-gdal's samples), run with /usr/bin/python3. Skips with a message where the
// validator or the CBERS-4 series (../shared/data, for the composites) is absent.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "cbers_season.hpp"
#include "e2e_support.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

const fs::path kPython = "/usr/bin/python3";

/// Where Debian's python3-gdal puts the validator (the module, then the documentation copy).
std::optional<fs::path> find_validator() {
  for (const char* candidate :
       {"/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_cloud_optimized_geotiff.py",
        "/usr/share/doc/python3-gdal/examples/validate_cloud_optimized_geotiff.py",
        "/usr/share/gdal/validate_cloud_optimized_geotiff.py"}) {
    if (fs::is_regular_file(candidate)) return fs::path(candidate);
  }
  return std::nullopt;
}

struct Validation {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

/// `python3 validate_cloud_optimized_geotiff.py --full-check=yes <raster>`.
Validation validate(const fs::path& validator, const fs::path& raster) {
  const std::string command =
      kPython.string() + " '" + validator.string() + "' --full-check=yes '" + raster.string() + "' 2>&1";
  Validation result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr) result.output += buffer.data();
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class CogOutputsTest : public TempFolderTest {
 protected:
  void SetUp() override {
    TempFolderTest::SetUp();
    if (!fs::is_regular_file(kPython)) GTEST_SKIP() << kPython << " is absent: cannot run GDAL's COG validator";
    const auto found = find_validator();
    if (!found) {
      GTEST_SKIP() << "validate_cloud_optimized_geotiff.py is absent (Debian: apt-get install python3-gdal)";
    }
    validator_ = *found;
  }

  void expect_valid_cog(const fs::path& raster) {
    ASSERT_TRUE(fs::is_regular_file(raster)) << raster;
    const Validation v = validate(validator_, raster);
    EXPECT_EQ(v.exit_code, 0) << raster << ":\n" << v.output;
    EXPECT_NE(v.output.find("is a valid cloud optimized GeoTIFF"), std::string::npos) << raster << ":\n" << v.output;
    EXPECT_EQ(v.output.find("Warning"), std::string::npos) << raster << ":\n" << v.output;
  }

  fs::path validator_;
};

TEST_F(CogOutputsTest, SampleScanChangeMapIsAValidCog) {
  const fs::path out = root_ / "out";
  const RunResult result = scan(write_config(sample_config(out), root_ / "sample.yaml"), root_);
  ASSERT_EQ(result.exit_code, 0) << result;
  expect_valid_cog(out / "change.tif");
}

TEST_F(CogOutputsTest, PeriodCompositesAndTheirChangeMapAreValidCogs) {
  if (!cbers_present()) GTEST_SKIP() << kCbers << " is absent: the CBERS-4 AWFI time series (../shared/data) is needed";
  const RunResult result = scan(cbers_season_config(root_, "median"), root_);
  ASSERT_EQ(result.exit_code, 0) << result;
  for (const char* name : {"change.tif", "composite_before.tif", "composite_after.tif"}) {
    expect_valid_cog(root_ / "out-median" / name);
  }
}

}  // namespace
}  // namespace zw::e2e
