#pragma once
// Gridded quality layers with a time dimension (a NetCDF/HDF5 variable with CF time, or a
// multi-band GeoTIFF whose bands carry a date): averaged per period, then over each unit by
// pixel centres inside the unit polygon on the layer's own grid and CRS.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zonewatch/pipeline/config/quality_options.hpp"
#include "zonewatch/pipeline/inputs/units.hpp"
#include "zonewatch/pipeline/quality/station_table.hpp"

namespace zw {

/// The hour of a CF time value: `value` in `units` ("days since 1970-01-01",
/// "hours since 1900-01-01 00:00:00", minutes/seconds too). nullopt when the units are not
/// of that form.
std::optional<HourIndex> cf_time_hour(double value, std::string_view units);

/// Per unit, the layer's mean over the period's bands and the unit's pixels, and the share of
/// the unit's pixel-steps with a value.
struct GridPeriodStatistic {
  double mean = 0.0;  // NaN when nothing was valid
  double valid_share = 0.0;
};

/// The hour of every band of the layer (NetCDF_DIM_time with time#units, or a band metadata
/// item TIME / DATE / ACQUISITIONDATE, or a band description, in ISO form). Throws InputError
/// naming the file when a band has none: a layer without a time dimension cannot be averaged
/// per period.
std::vector<HourIndex> quality_grid_band_hours(const QualityGridOptions& layer);

/// Statistics of `layer` per unit (geometries in `units_crs_wkt`) over hours
/// [first_hour, first_hour + hours).
std::vector<GridPeriodStatistic> quality_grid_unit_means(const QualityGridOptions& layer,
                                                         const std::vector<ControlUnit>& units,
                                                         const std::string& units_crs_wkt, HourIndex first_hour,
                                                         std::size_t hours);

}  // namespace zw
