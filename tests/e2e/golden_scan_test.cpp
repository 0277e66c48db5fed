// Golden results of the bundled sample scan: every hotspot and unit of alerts.gpkg (each
// attribute, and the geometry by digest), the CSV and GeoJSON by digest, the change map's
// pixels, and run.json's grid, detection and counts; the same for a scan of two period
// composites (CBERS-4 seasons), with the composites' pixels. Recorded before the restructure
// of issue 8 (tests/golden/README.md); equal text means the scan finds exactly what it found.
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cbers_season.hpp"
#include "e2e_support.hpp"
#include "golden.hpp"
#include "zonewatch/pipeline/core/sha256.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

/// One line per feature: every attribute in field order, the geometry as a SHA-256 of its ISO WKT.
std::string describe_layer(const fs::path& gpkg, const std::string& layer) {
  std::ostringstream out;
  const auto features = read_layer(gpkg, layer, true);
  out << "layer " << layer << ": " << features.size() << " features\n";
  for (const auto& feature : features) {
    for (const auto& [name, value] : feature) {
      if (name == "@geometry") continue;
      out << name << '=' << value << '|';
    }
    const auto geometry = feature.find("@geometry");
    out << "geometry_sha256=" << (geometry != feature.end() ? sha256_hex(geometry->second) : "none") << '\n';
  }
  return out.str();
}

/// Size, geotransform, and per band a digest of the pixels (as double) and, for a one-byte
/// class band, the histogram of its values.
std::string describe_raster(const fs::path& path) {
  std::ostringstream out;
  Dataset ds = open_dataset(path, GDAL_OF_RASTER | GDAL_OF_READONLY);
  if (!ds) {
    ADD_FAILURE() << path << ": cannot be opened";
    return {};
  }
  out << "raster " << path.filename().string() << ": " << ds->GetRasterXSize() << " x " << ds->GetRasterYSize() << ", "
      << ds->GetRasterCount() << " band(s)\n";
  const Raster first = read_raster(path);
  char buffer[64];
  out << "geotransform";
  for (double v : first.geotransform) {
    std::snprintf(buffer, sizeof buffer, " %.17g", v);
    out << buffer;
  }
  out << " EPSG:" << first.epsg << '\n';
  for (int b = 1; b <= ds->GetRasterCount(); ++b) {
    const Raster r = read_raster(path, b);
    if (ds->GetRasterBand(b)->GetRasterDataType() == GDT_Byte) {
      std::map<long long, long long> histogram;
      for (double v : r.values) ++histogram[static_cast<long long>(v)];
      for (const auto& [value, count] : histogram) out << "band " << b << " value " << value << ": " << count << '\n';
    }
    const std::string bytes(reinterpret_cast<const char*>(r.values.data()), r.values.size() * sizeof(double));
    out << "band " << b << " pixels_sha256=" << sha256_hex(bytes) << '\n';
  }
  return out.str();
}

/// Every hotspot and unit, the CSV and GeoJSON, the given rasters and run.json's grid,
/// detection and counts, as text.
std::string describe_scan(const fs::path& out, const std::vector<std::string>& rasters) {
  std::ostringstream text;
  text << describe_layer(out / "alerts.gpkg", "hotspots");
  text << describe_layer(out / "alerts.gpkg", "units");
  text << "hotspots.csv sha256=" << sha256_file(out / "hotspots.csv") << '\n';
  text << "hotspots.geojson sha256=" << sha256_file(out / "hotspots.geojson") << '\n';
  for (const auto& raster : rasters) text << describe_raster(out / raster);
  const nlohmann::json run = read_json(out / "run.json");
  for (const char* section : {"grid", "detection", "counts"}) {
    text << "run.json " << section << ": " << run.at(section).dump(1) << '\n';
  }
  return text.str();
}

class GoldenSampleScan : public TempFolderTest {};

TEST_F(GoldenSampleScan, FindsWhatItFoundBeforeTheRestructure) {
  const fs::path out = root_ / "out";
  const fs::path config = write_config(sample_config(out), root_ / "sample.yaml");
  const RunResult result = scan(config, root_);
  ASSERT_EQ(result.exit_code, 0) << result;
  expect_golden("sample_scan.txt", describe_scan(out, {"change.tif"}));
}

TEST_F(GoldenSampleScan, PeriodCompositesFindWhatTheyFoundBeforeTheRestructure) {
  if (!cbers_present()) GTEST_SKIP() << kCbers << " is absent: the CBERS-4 AWFI time series (../shared/data) is needed";
  const RunResult result = scan(cbers_season_config(root_, "median"), root_);
  ASSERT_EQ(result.exit_code, 0) << result;
  expect_golden("cbers_season_scan.txt",
                describe_scan(root_ / "out-median", {"change.tif", "composite_before.tif", "composite_after.tif"}));
}

}  // namespace
}  // namespace zw::e2e
