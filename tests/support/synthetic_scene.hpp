#pragma once
// Small hand-made scenes for stage tests: a Float32 GeoTIFF of 10 m pixels in UTM zone 49N
// whose values a function gives, and the sensor profile that reads its bands in order.
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogr_spatialref.h>

#include "zonewatch/pipeline/config/sensor_profile.hpp"

namespace zw::test {

/// Writes `path`: `bands` Float32 bands of width x height pixels, band b (0-based) at column
/// c and row r holding value(b, c, r).
inline void write_float_scene(const std::filesystem::path& path, int width, int height, int bands,
                              const std::function<float(int band, int col, int row)>& value) {
  GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
  GDALDataset* ds = gtiff->Create(path.c_str(), width, height, bands, GDT_Float32, nullptr);
  ASSERT_NE(ds, nullptr) << path;
  double gt[6] = {500000.0, 10.0, 0.0, 2400000.0, 0.0, -10.0};
  ds->SetGeoTransform(gt);
  OGRSpatialReference srs;
  srs.importFromEPSG(32649);
  ds->SetSpatialRef(&srs);
  for (int b = 0; b < bands; ++b) {
    std::vector<float> values(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    for (int r = 0; r < height; ++r) {
      for (int c = 0; c < width; ++c)
        values[static_cast<std::size_t>(r) * static_cast<std::size_t>(width) + c] = value(b, c, r);
    }
    EXPECT_EQ(ds->GetRasterBand(b + 1)->RasterIO(GF_Write, 0, 0, width, height, values.data(), width, height,
                                                 GDT_Float32, 0, 0, nullptr),
              CE_None);
  }
  GDALClose(ds);
}

/// The profile of such a scene: blue, green, red, nir and swir1 in bands 1 to 5 (with their
/// Sentinel-2 centre wavelengths), red edge 1 in band 6 when `with_rededge`.
inline SensorProfile test_sensor_profile(bool with_rededge) {
  SensorProfile p;
  p.name = "test";
  const auto band = [&](kernels::BandRole role, int index, std::optional<double> wavelength) {
    BandLocation location;
    location.index = index;
    location.wavelength_nm = wavelength;
    p.bands[static_cast<int>(role)] = location;
  };
  band(kernels::BandRole::blue, 1, 490.0);
  band(kernels::BandRole::green, 2, 560.0);
  band(kernels::BandRole::red, 3, 665.0);
  band(kernels::BandRole::nir, 4, 842.0);
  band(kernels::BandRole::swir1, 5, 1610.0);
  if (with_rededge) band(kernels::BandRole::rededge1, 6, 705.0);
  return p;
}

}  // namespace zw::test
