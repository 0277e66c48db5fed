#pragma once
// Spatial interpolation of station measurements and period means of hourly series, for the
// environmental-quality statistics of control units. Pure math: distances and values in,
// numbers out; a missing measurement is NaN (never zero).
#include <cstddef>
#include <limits>
#include <span>

namespace zw::kernels {

/// Great-circle distance in metres between two WGS84 lon/lat points (haversine on the
/// sphere of the mean Earth radius, 6 371 008.8 m; within 0.5 % of the ellipsoid, ample
/// for weighting stations kilometres apart).
[[nodiscard]] double great_circle_distance_m(double lon1_deg, double lat1_deg, double lon2_deg, double lat2_deg);

/// No search radius.
inline constexpr double kUnlimitedDistance = std::numeric_limits<double>::infinity();

/// Inverse-distance-weighted value at a point from the stations at `distances_m` with
/// `values`: sum(w_i v_i) / sum(w_i), w_i = 1 / d_i^power, over the stations with a value
/// (not NaN) within `max_distance_m` (inclusive). A station at distance 0 gives its value
/// alone (the mean of several there). NaN when no station qualifies. Throws
/// std::invalid_argument when the spans differ in size or power is negative.
[[nodiscard]] double idw_value(std::span<const double> distances_m, std::span<const double> values, double power,
                               double max_distance_m = kUnlimitedDistance);

/// Index of the nearest station within `max_distance_m` (ties: the lower index), or
/// npos when none. Values play no part: the nearest station's missing hour stays missing.
[[nodiscard]] std::size_t nearest_station(std::span<const double> distances_m,
                                          double max_distance_m = kUnlimitedDistance);

inline constexpr std::size_t kNoStation = static_cast<std::size_t>(-1);

/// Mean of a series over a period of `period_steps` steps (hours) of which `values` holds
/// the measured ones (NaN: missing). The valid share is valid / period_steps, so hours a
/// station did not report at all count as missing too.
struct PeriodMean {
  double mean = std::numeric_limits<double>::quiet_NaN();  // NaN when no value is valid
  std::size_t valid = 0;
  std::size_t steps = 0;
  double valid_share = 0.0;
};
[[nodiscard]] PeriodMean period_mean(std::span<const double> values, std::size_t period_steps);

}  // namespace zw::kernels
