#pragma once
// A hand-made archive for the assessment tests: four years (2021..2024) and four units in
// the grid CRS (UTM 48N, 1 km squares side by side):
//   P1 priority, region A, 3 km2: RSEI 0.70 0.68 0.66 0.60 (falls 6 points in 2024)
//   P2 priority, region B, 1 km2: RSEI 0.55 0.56 0.55 0.555 (stable)
//   K1 key,      region A, 1 km2: RSEI stable, 3 confirmed hotspots of which 1 rectified
//   G1 general,  region B, 1 km2: no valid pixel in 2024 (not assessable)
#include <cmath>
#include <string>
#include <vector>

#include <ogr_spatialref.h>

#include "zonewatch/pipeline/archive/archive_contents.hpp"

namespace zw::test {

inline std::string utm48_wkt() {
  OGRSpatialReference srs;
  srs.importFromEPSG(32648);
  char* wkt = nullptr;
  srs.exportToWkt(&wkt);
  std::string text = wkt;
  CPLFree(wkt);
  return text;
}

/// A square of `side_km` with its lower-left corner `x_km` east of the grid origin.
inline std::string square_wkt(double x_km, double side_km) {
  const double x0 = 500000 + x_km * 1000, y0 = 3300000, s = side_km * 1000;
  const auto p = [](double x, double y) { return std::to_string(x) + " " + std::to_string(y); };
  return "POLYGON ((" + p(x0, y0) + ", " + p(x0 + s, y0) + ", " + p(x0 + s, y0 + s) + ", " + p(x0, y0 + s) + ", " +
         p(x0, y0) + "))";
}

struct UnitSeries {
  ArchivedUnit unit;
  double area_m2;
  std::vector<double> rsei, fvc;  // per year; NaN: no valid pixel that year
};

inline ArchiveContents make_test_archive() {
  const double nan = std::nan("");
  const std::vector<UnitSeries> series{
      {{"P1", "青山保护区", "A", UnitType::priority, square_wkt(0, std::sqrt(3.0))},
       3e6,
       {0.70, 0.68, 0.66, 0.60},
       {0.80, 0.79, 0.78, 0.72}},
      {{"P2", "绿水单元", "B", UnitType::priority, square_wkt(3, 1)},
       1e6,
       {0.55, 0.56, 0.55, 0.555},
       {0.6, 0.6, 0.6, 0.6}},
      {{"K1", "工业园区", "A", UnitType::key, square_wkt(5, 1)}, 1e6, {0.50, 0.51, 0.50, 0.505}, {0.4, 0.41, 0.4, 0.4}},
      {{"G1", "一般单元", "B", UnitType::general, square_wkt(7, 1)},
       1e6,
       {0.40, 0.42, 0.41, nan},
       {0.5, 0.5, 0.5, nan}},
  };
  ArchiveContents a;
  a.programme = "测试 test programme";
  a.grid.crs_wkt = utm48_wkt();
  a.grid.geotransform = {500000, 10, 0, 3310000, 0, -10};
  a.grid.width = a.grid.height = 1000;
  a.calibration.reference_year = 2021;
  a.calibration.model.present = {true, true, true, true};
  a.calibration.model.loadings = {0.6, 0.4, -0.5, -0.48};
  a.calibration.model.explained_variance = 0.78;
  a.calibration.soil_ndvi = 0.05;
  a.calibration.vegetation_ndvi = 0.85;
  for (const UnitSeries& s : series) a.units.push_back(s.unit);
  for (int i = 0; i < 4; ++i) {
    const int year = 2021 + i;
    a.years[year].year = year;
    for (const UnitSeries& s : series) {
      UnitYearIndicators row;
      row.unit_code = s.unit.code;
      row.area_m2 = s.area_m2;
      const bool valid = !std::isnan(s.rsei[i]);
      row.valid_area_m2 = valid ? s.area_m2 : 0.0;
      row.rsei_mean = s.rsei[i];
      row.fvc_mean = s.fvc[i];
      row.ndvi_mean = valid ? s.fvc[i] * 0.8 + 0.05 : nan;
      row.water_area_m2 = valid ? 1000.0 : 0.0;
      row.built_bare_area_m2 = valid ? 2000.0 + 100.0 * i : 0.0;
      row.vegetation_area_m2 = valid ? s.area_m2 - 3000.0 : 0.0;
      if (s.unit.code == "K1" && year == 2024) {
        row.hotspots_found = 4, row.hotspots_confirmed = 3, row.hotspots_rectified = 1;
      }
      a.indicators[year].push_back(row);
    }
  }
  return a;
}

}  // namespace zw::test
