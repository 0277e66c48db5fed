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

/// Band 1 of `band` (a raster or one of its overviews), row after row.
std::vector<std::uint8_t> read_bytes(GDALRasterBand& band) {
  std::vector<std::uint8_t> values(static_cast<std::size_t>(band.GetXSize()) *
                                   static_cast<std::size_t>(band.GetYSize()));
  EXPECT_EQ(band.RasterIO(GF_Read, 0, 0, band.GetXSize(), band.GetYSize(), values.data(), band.GetXSize(),
                          band.GetYSize(), GDT_Byte, 0, 0, nullptr),
            CE_None);
  return values;
}

TEST_F(CogOutputsTest, SampleScanChangeMapOverviewsAreItsOwnPixels) {
  // Taken from the tiles as they are written (kernels::nearest_overviews): level k's pixel
  // (i, j) is the map's pixel (i 2^k + 2^(k-1), j 2^k + 2^(k-1)), clamped to the last
  // column and row, whatever the tiling; forced 96 px tiles (2^5 x 3) split no block of it.
  for (const char* tiles : {"0", "96"}) {
    SCOPED_TRACE(std::string("tile_size ") + tiles);
    const fs::path out = root_ / (std::string("out-") + tiles);
    const RunResult result = scan(write_config(sample_config(out), root_ / "sample.yaml"), root_,
                                  {"--set", std::string("processing.tile_size=") + tiles});
    ASSERT_EQ(result.exit_code, 0) << result;
    GDALDatasetUniquePtr ds(GDALDataset::Open((out / "change.tif").c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    ASSERT_TRUE(ds);
    GDALRasterBand* band = ds->GetRasterBand(1);
    const int width = band->GetXSize(), height = band->GetYSize();
    ASSERT_GT(band->GetOverviewCount(), 0) << width << " x " << height << " px: the sample has no overview";
    const std::vector<std::uint8_t> full = read_bytes(*band);
    for (int level = 1; level <= band->GetOverviewCount(); ++level) {
      GDALRasterBand* overview = band->GetOverview(level - 1);
      const int factor = 1 << level;
      ASSERT_EQ(overview->GetXSize(), (width + factor - 1) / factor);
      ASSERT_EQ(overview->GetYSize(), (height + factor - 1) / factor);
      const std::vector<std::uint8_t> pixels = read_bytes(*overview);
      for (int y = 0; y < overview->GetYSize(); ++y) {
        for (int x = 0; x < overview->GetXSize(); ++x) {
          const int col = std::min(x * factor + factor / 2, width - 1);
          const int row = std::min(y * factor + factor / 2, height - 1);
          ASSERT_EQ(
              pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(overview->GetXSize()) +
                     static_cast<std::size_t>(x)],
              full[static_cast<std::size_t>(row) * static_cast<std::size_t>(width) + static_cast<std::size_t>(col)])
              << "level " << level << " pixel " << x << ", " << y;
        }
      }
    }
  }
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
