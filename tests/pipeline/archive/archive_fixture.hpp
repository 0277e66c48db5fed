#pragma once
// Archive contents and rasters for the archive tests: a small grid, three control units with
// Chinese names, a calibration, and per-year rasters whose values follow from (raster, year,
// pixel) so any reader can recompute what a year must hold.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "zonewatch/pipeline/archive/archive_file.hpp"

namespace zw::test {

inline ArchiveContents archive_header(int width, int height) {
  ArchiveContents header;
  header.programme = "渝北区生态环境分区管控年度评估";
  header.grid.crs_wkt = R"(PROJCS["WGS 84 / UTM zone 48N",GEOGCS["WGS 84"],AUTHORITY["EPSG","32648"]])";
  header.grid.geotransform = {600000.0, 10.0, 0.0, 3300000.0, 0.0, -10.0};
  header.grid.width = width;
  header.grid.height = height;
  header.units = {
      {"ZH50011210001", "龙兴镇优先保护单元", "重庆市渝北区", UnitType::priority,
       "POLYGON ((600000 3299800,600200 3299800,600200 3300000,600000 3299800))"},
      {"ZH50011220002", "空港工业园区重点管控单元", "重庆市渝北区", UnitType::key,
       "POLYGON ((600100 3299900,600300 3299900,600300 3300000,600100 3299900))"},
      {"ZH50011230003", "一般管控单元（统景镇）", "重庆市渝北区", UnitType::general,
       "MULTIPOLYGON (((600000 3299700,600100 3299700,600100 3299800,600000 3299700)))"},
  };
  RseiCalibration& calibration = header.calibration;
  calibration.reference_year = 2019;
  calibration.model.present = {true, true, false, true};
  calibration.model.low = {-0.2, -0.35, 0.0, -0.6};
  calibration.model.high = {0.9, 0.12, 0.0, 0.4};
  calibration.model.loadings = {0.61, 0.42, 0.0, -0.67};
  calibration.model.pc1_low = -1.25;
  calibration.model.pc1_high = 1.5;
  calibration.model.explained_variance = 0.78125;
  calibration.soil_ndvi = 0.05;
  calibration.vegetation_ndvi = 0.86;
  return header;
}

inline ArchiveYearInfo archive_year_info(int year) {
  ArchiveYearInfo info;
  info.year = year;
  info.first_date = std::to_string(year) + "-06-01";
  info.last_date = std::to_string(year) + "-09-30";
  info.scene_paths = {"/data/S2A_MSIL2A_" + std::to_string(year) + "0702.SAFE",
                      "/数据/渝北/" + std::to_string(year) + ".tif"};
  info.sensor = "sentinel2-l2a";
  info.created_utc = std::to_string(year + 1) + "-01-15T08:00:00Z";
  return info;
}

/// Indicators that differ per year, with a unit not assessed and a year without a store.
inline std::vector<UnitYearIndicators> archive_indicators(const ArchiveContents& header, int year, double shift = 0.0) {
  std::vector<UnitYearIndicators> rows;
  for (std::size_t i = 0; i < header.units.size(); ++i) {
    UnitYearIndicators row;
    row.unit_code = header.units[i].code;
    row.area_m2 = 20000.0 * static_cast<double>(i + 1);
    row.valid_area_m2 = row.area_m2 * 0.75;
    if (i != 1) {  // the second unit has no valid pixel this year
      row.ndvi_mean = 0.1 * static_cast<double>(i + 1) + 0.01 * (year - 2000) + shift;
      row.fvc_mean = 0.3 + shift;
      row.rsei_mean = 0.55 + 0.001 * year + shift;
      row.component_means = {0.6, 0.4, kNotAssessed, 0.2 + shift};
    }
    row.water_area_m2 = 100.0 * static_cast<double>(i);
    row.built_bare_area_m2 = 250.5;
    row.vegetation_area_m2 = 1e4 / 3.0;
    if (year % 2 == 0) {  // even years had a monitoring store
      row.hotspots_found = static_cast<std::int64_t>(i) + 3;
      row.hotspots_confirmed = 2;
      row.hotspots_rectified = 0;
    }
    rows.push_back(row);
  }
  return rows;
}

/// An index raster's value at a pixel in [-1, 1], NaN on a sparse lattice.
inline float archive_index_value(int raster, int year, int x, int y, int variant = 0) {
  if ((x * 7 + y * 3 + year + raster) % 53 == 0) return kernels::kNaN;
  return static_cast<float>(std::sin(0.013 * x * (raster + 1) + 0.021 * y + 0.7 * year + 0.3 * variant));
}

inline std::uint8_t archive_class_value(int year, int x, int y, int variant = 0) {
  if ((x + 2 * y + year) % 41 == 0) return kArchiveClassFill;
  return static_cast<std::uint8_t>(1 + (x / 3 + y / 5 + year + variant) % 4);
}

/// What a reader must get back for an index value: int16 at 1e-4 steps, decoded.
inline float archive_quantized(float value) {
  if (std::isnan(value)) return kernels::kNaN;
  const double stored = std::clamp(std::round(static_cast<double>(value) * 10000.0), -32767.0, 32767.0);
  return static_cast<float>(stored * kArchiveIndexScale);
}

/// The index rasters the tests write: every standard index.
inline std::vector<std::string> archive_index_names() {
  std::vector<std::string> names;
  for (const ArchiveRasterSpec& spec : standard_archive_rasters()) {
    if (spec.kind == ArchiveRasterKind::scaled_index) names.push_back(spec.name);
  }
  return names;
}

/// Writes one year of every standard raster in tiles of tile_w x tile_h, tiles in reverse order.
inline void write_archive_year(const std::filesystem::path& archive, const ArchiveContents& header, int year,
                               int tile_w, int tile_h, int variant = 0) {
  ArchiveYearWriter writer(archive, header, archive_year_info(year), standard_archive_rasters());
  const auto names = archive_index_names();
  std::vector<kernels::Window> windows;
  for (int y0 = 0; y0 < header.grid.height; y0 += tile_h) {
    for (int x0 = 0; x0 < header.grid.width; x0 += tile_w) {
      windows.push_back({x0, y0, std::min(tile_w, header.grid.width - x0), std::min(tile_h, header.grid.height - y0)});
    }
  }
  for (auto it = windows.rbegin(); it != windows.rend(); ++it) {
    const kernels::Window w = *it;
    for (std::size_t r = 0; r < names.size(); ++r) {
      kernels::Tile<float> tile(w.width, w.height);
      for (int y = 0; y < w.height; ++y) {
        for (int x = 0; x < w.width; ++x) {
          tile(x, y) = archive_index_value(static_cast<int>(r), year, w.x0 + x, w.y0 + y, variant);
        }
      }
      writer.write_tile(names[r], w, tile.view());
    }
    kernels::Tile<std::uint8_t> classes(w.width, w.height);
    for (int y = 0; y < w.height; ++y) {
      for (int x = 0; x < w.width; ++x) classes(x, y) = archive_class_value(year, w.x0 + x, w.y0 + y, variant);
    }
    writer.write_tile("land_class", w, classes.view());
  }
  writer.set_indicators(archive_indicators(header, year, 0.001 * variant));
  writer.commit();
}

/// Empty when raster `r` of `year` reads back exactly as written (bit for bit), else what differs.
inline std::string archive_raster_mismatch(const std::filesystem::path& archive, const ArchiveContents& header,
                                           int year, int r, int variant = 0) {
  const std::string name = archive_index_names()[static_cast<std::size_t>(r)];
  const kernels::Tile<float> tile =
      read_raster_window(archive, year, name, {0, 0, header.grid.width, header.grid.height});
  for (int y = 0; y < tile.height(); ++y) {
    for (int x = 0; x < tile.width(); ++x) {
      const float expected = archive_quantized(archive_index_value(r, year, x, y, variant));
      if (std::bit_cast<std::uint32_t>(tile(x, y)) != std::bit_cast<std::uint32_t>(expected)) {
        return name + " " + std::to_string(year) + " at (" + std::to_string(x) + ", " + std::to_string(y) +
               "): " + std::to_string(tile(x, y)) + " read, " + std::to_string(expected) + " written";
      }
    }
  }
  return {};
}

inline std::string archive_class_mismatch(const std::filesystem::path& archive, const ArchiveContents& header, int year,
                                          int variant = 0) {
  const kernels::Tile<std::uint8_t> tile =
      read_class_window(archive, year, "land_class", {0, 0, header.grid.width, header.grid.height});
  for (int y = 0; y < tile.height(); ++y) {
    for (int x = 0; x < tile.width(); ++x) {
      if (tile(x, y) != archive_class_value(year, x, y, variant)) {
        return "land_class " + std::to_string(year) + " at (" + std::to_string(x) + ", " + std::to_string(y) + ")";
      }
    }
  }
  return {};
}

/// Same values, NaN equal to NaN.
inline bool same_value(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

inline void expect_same_indicators(const std::vector<UnitYearIndicators>& read,
                                   const std::vector<UnitYearIndicators>& written) {
  ASSERT_EQ(read.size(), written.size());
  for (std::size_t i = 0; i < read.size(); ++i) {
    const UnitYearIndicators &a = read[i], &b = written[i];
    EXPECT_EQ(a.unit_code, b.unit_code);
    for (auto [x, y] : {std::pair{a.area_m2, b.area_m2},
                        {a.valid_area_m2, b.valid_area_m2},
                        {a.ndvi_mean, b.ndvi_mean},
                        {a.fvc_mean, b.fvc_mean},
                        {a.rsei_mean, b.rsei_mean},
                        {a.water_area_m2, b.water_area_m2},
                        {a.built_bare_area_m2, b.built_bare_area_m2},
                        {a.vegetation_area_m2, b.vegetation_area_m2}}) {
      EXPECT_TRUE(same_value(x, y)) << b.unit_code << ": " << x << " read, " << y << " written";
    }
    for (int c = 0; c < kernels::kRseiComponentCount; ++c) {
      EXPECT_TRUE(same_value(a.component_means[c], b.component_means[c])) << b.unit_code << " component " << c;
    }
    EXPECT_EQ(a.hotspots_found, b.hotspots_found);
    EXPECT_EQ(a.hotspots_confirmed, b.hotspots_confirmed);
    EXPECT_EQ(a.hotspots_rectified, b.hotspots_rectified);
  }
}

}  // namespace zw::test
