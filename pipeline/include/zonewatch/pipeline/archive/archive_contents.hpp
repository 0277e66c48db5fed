#pragma once
// What an assessment archive holds, as plain values: the grid, the control units, the
// calibration that makes the Remote Sensing Ecological Index comparable across years, and per
// year the per-unit indicators. The HDF5 file (archive/archive_file.hpp) reads and writes
// these; the assessment (commands/assess) works on them without touching HDF5.
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "zonewatch/kernels/rsei.hpp"
#include "zonewatch/pipeline/config/unit_type.hpp"

namespace zw {

inline constexpr double kNotAssessed = std::numeric_limits<double>::quiet_NaN();

/// The analysis grid the yearly rasters are on.
struct ArchiveGrid {
  std::string crs_wkt;
  std::array<double, 6> geotransform{};  // GDAL order: x0, dx, rx, y0, ry, dy
  int width = 0, height = 0;
};

/// A control unit as archived (its geometry in the grid's CRS, WKT).
struct ArchivedUnit {
  std::string code, name, region;
  UnitType type = UnitType::general;
  std::string geometry_wkt;
};

/// The calibration fixed at the reference year and reused for every year: the RSEI model
/// and the FVC endmembers.
struct RseiCalibration {
  int reference_year = 0;  // 0: not calibrated yet
  kernels::RseiModel model;
  double soil_ndvi = 0.0, vegetation_ndvi = 0.0;  // FVC endmembers (dimidiate pixel model)
};

/// Where a year came from.
struct ArchiveYearInfo {
  int year = 0;
  std::string first_date, last_date;     // the observations' date span
  std::vector<std::string> scene_paths;  // as given
  std::string sensor;
  std::string created_utc;  // when this year was archived
};

/// One unit's indicators in one year; kNotAssessed where the year has no valid pixel of it.
/// Means are coverage-weighted over the unit's valid pixels; areas in m2.
struct UnitYearIndicators {
  std::string unit_code;
  double area_m2 = 0.0;
  double valid_area_m2 = 0.0;
  double ndvi_mean = kNotAssessed;
  double fvc_mean = kNotAssessed;   // 0..1
  double rsei_mean = kNotAssessed;  // 0..1, comparable across years
  std::array<double, kernels::kRseiComponentCount> component_means{kNotAssessed, kNotAssessed, kNotAssessed,
                                                                   kNotAssessed};  // normalized 0..1
  double water_area_m2 = 0.0;
  double built_bare_area_m2 = 0.0;
  double vegetation_area_m2 = 0.0;
  // From the monitoring store when one was given for the year; -1 when none was.
  std::int64_t hotspots_found = -1, hotspots_confirmed = -1, hotspots_rectified = -1;
};

/// Everything an archive file holds except its rasters.
struct ArchiveContents {
  std::string programme;  // the monitoring programme's name
  ArchiveGrid grid;
  std::vector<ArchivedUnit> units;
  RseiCalibration calibration;
  std::map<int, ArchiveYearInfo> years;
  std::map<int, std::vector<UnitYearIndicators>> indicators;  // year -> one row per unit, units' order
};

}  // namespace zw
