#pragma once
// The CBERS-4 AWFI season of ../shared/data/timeseries: a wet-season period (Feb-Apr 2018)
// against a dry-season one (Jun-Aug), one control unit over the scene; shared by the
// composite end-to-end test and the golden results.
#include <algorithm>
#include <string>
#include <vector>

#include "e2e_support.hpp"

namespace zw::e2e {

inline const fs::path kCbers = fs::path(ZONEWATCH_SHARED_DATA) / "timeseries" / "cbers4-awfi";

inline fs::path cbers_file(const std::string& band, const std::string& date) {
  return kCbers / ("CBERS-4_AWFI_022024_" + band + "_" + date + ".tif");
}

inline bool cbers_present() { return fs::exists(cbers_file("B16", "2018-02-02")); }

/// One control unit covering the footprint of `raster`, in its CRS.
inline void write_units_over(const fs::path& raster, const fs::path& gpkg) {
  Dataset image = open_dataset(raster, GDAL_OF_RASTER | GDAL_OF_READONLY);
  ASSERT_TRUE(image);
  double gt[6];
  image->GetGeoTransform(gt);
  const double x0 = gt[0], y0 = gt[3], x1 = gt[0] + image->GetRasterXSize() * gt[1],
               y1 = gt[3] + image->GetRasterYSize() * gt[5];
  write_rect_units(gpkg, *image->GetSpatialRef(),
                   {{"CB001",
                     "cerrado",
                     "priority",
                     "BA",
                     {std::min(x0, x1), std::min(y0, y1), std::max(x0, x1), std::max(y0, y1)}}});
}

/// A scan config of the two seasons composited with `composite`, written under `root`;
/// outputs go to root/out-<composite>.
inline fs::path cbers_season_config(const fs::path& root, const std::string& composite) {
  write_units_over(cbers_file("B13", "2018-02-02"), root / "units.gpkg");
  YAML::Node config;
  config["name"] = "cbers-season";
  config["before"]["period"] = "2018-02-01..2018-04-30";
  config["before"]["sources"].push_back(kCbers.string());
  config["before"]["composite"] = composite;
  config["after"]["period"] = "2018-06-01..2018-08-31";
  config["after"]["sources"].push_back(kCbers.string());
  config["after"]["composite"] = composite;
  config["units"]["path"] = (root / "units.gpkg").string();
  config["output"]["dir"] = (root / ("out-" + composite)).string();
  return write_config(config, root / ("season-" + composite + ".yaml"));
}

}  // namespace zw::e2e
