// Per-unit environmental quality: stations interpolated hour by hour onto sample points
// inside each unit and averaged over them, gridded layers averaged over the unit, period
// means with valid shares, and the decline rule.
#include "zonewatch/pipeline/quality/unit_quality.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <ogr_api.h>
#include <ogr_geometry.h>

#include "zonewatch/kernels/interpolation.hpp"
#include "zonewatch/pipeline/core/date.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/geo_util.hpp"
#include "zonewatch/pipeline/quality/quality_grid.hpp"

namespace zw {
using nlohmann::json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const char* const kWgs84Wkt =
    R"(GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AXIS["Longitude",EAST],AXIS["Latitude",NORTH],AUTHORITY["EPSG","4326"]])";

json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json statistic_json(const PeriodStatistic& s) {
  return {{"mean", number_or_null(s.mean)}, {"valid_share", s.valid_share}, {"assessable", s.assessable}};
}

PeriodStatistic statistic(double mean, double valid_share, double min_valid_share) {
  return {mean, valid_share, valid_share >= min_valid_share && std::isfinite(mean)};
}

/// A unit's sample points with, for each, the distance to every station (metres).
struct UnitSamples {
  std::vector<std::vector<double>> distances;  // [point][station]
};

/// The unit's hourly values of pollutant `p`: per hour, the mean over the sample points that
/// have a value (each point IDW or its nearest station); NaN when none has.
std::vector<double> unit_hourly(const UnitSamples& samples, const std::vector<std::vector<double>>& station_hours,
                                std::size_t hours, const QualityOptions& o) {
  const std::size_t stations = station_hours.size();
  std::vector<double> out(hours, kNaN);
  std::vector<std::size_t> nearest;
  for (const auto& d : samples.distances) nearest.push_back(kernels::nearest_station(d, o.max_distance_m));
  std::vector<double> values(stations);
  for (std::size_t h = 0; h < hours; ++h) {
    for (std::size_t s = 0; s < stations; ++s) values[s] = station_hours[s][h];
    double sum = 0.0;
    std::size_t n = 0;
    for (std::size_t p = 0; p < samples.distances.size(); ++p) {
      double v = kNaN;
      if (o.method == InterpolationMethod::idw) {
        v = kernels::idw_value(samples.distances[p], values, o.power, o.max_distance_m);
      } else if (nearest[p] != kernels::kNoStation) {
        v = values[nearest[p]];
      }
      if (std::isnan(v)) continue;
      sum += v;
      ++n;
    }
    if (n > 0) out[h] = sum / static_cast<double>(n);
  }
  return out;
}

std::string percent(double share) { return text::fixed(share * 100.0, 1) + " %"; }

}  // namespace

QualityPeriod QualityPeriod::parse(const std::string& text, const std::string& key) {
  const auto dots = text.find("..");
  QualityPeriod p;
  if (dots != std::string::npos) {
    p.first = text.substr(0, dots);
    p.last = text.substr(dots + 2);
  }
  if (!is_iso_date(p.first) || !is_iso_date(p.last) || p.last < p.first) {
    throw ConfigError("key '" + key + "' must be two dates FIRST..LAST (YYYY-MM-DD..YYYY-MM-DD), got '" + text + "'");
  }
  return p;
}

QualityPeriod QualityPeriod::ending_on(const std::string& last, int days) {
  const auto end = Date::parse_iso(last);
  if (!end) throw ConfigError("quality: the scan date '" + last + "' is not a real date YYYY-MM-DD");
  return {end->plus_days(-(days - 1)).iso(), end->iso()};
}

HourIndex QualityPeriod::first_hour() const { return Date::parse_iso(first)->days() * 24; }

std::size_t QualityPeriod::hours() const {
  return static_cast<std::size_t>((Date::parse_iso(last)->days() - Date::parse_iso(first)->days() + 1) * 24);
}

void judge_decline(QualityMeasure& m, const QualityDeclineOptions& rule) {
  const auto limit = rule.limit.find(m.pollutant);
  m.limit = limit == rule.limit.end() ? kNaN : limit->second;
  m.declined = false;
  m.reason.clear();
  m.relative_change = kNaN;
  if (!m.before.assessable || !m.after.assessable || !(m.before.mean > 0.0)) return;
  m.relative_change = m.after.mean / m.before.mean - 1.0;
  if (!(m.relative_change > rule.relative)) return;
  if (std::isfinite(m.limit) && !(m.after.mean > m.limit)) return;
  m.declined = true;
  m.reason = "quality_declined: " + m.pollutant + " mean " + text::fixed(m.before.mean, 1) + " -> " +
             text::fixed(m.after.mean, 1) + " (+" + percent(m.relative_change) + " > +" + percent(rule.relative) +
             (std::isfinite(m.limit) ? ", above the limit " + text::fixed(m.limit, 1) : std::string()) + ")";
}

std::vector<std::array<double, 2>> unit_sample_points(const std::string& geometry_wkt, int wanted) {
  const auto geometry = geo::from_wkt(geometry_wkt, "unit geometry");
  std::vector<std::array<double, 2>> points;
  if (!geometry || geometry->IsEmpty()) return points;
  OGREnvelope env;
  geometry->getEnvelope(&env);
  for (int k = std::max(1, static_cast<int>(std::ceil(std::sqrt(wanted)))); k <= 64; k *= 2) {
    points.clear();
    for (int j = 0; j < k; ++j) {
      for (int i = 0; i < k; ++i) {
        const double x = env.MinX + (i + 0.5) * (env.MaxX - env.MinX) / k;
        const double y = env.MaxY - (j + 0.5) * (env.MaxY - env.MinY) / k;
        const OGRPoint point(x, y);
        if (geometry->Contains(&point)) points.push_back({x, y});
      }
    }
    if (points.size() >= static_cast<std::size_t>(wanted)) break;
  }
  if (points.empty()) {
    OGRGeometryH surface = OGR_G_PointOnSurface(OGRGeometry::ToHandle(geometry.get()));
    if (surface != nullptr) {
      const auto* point = OGRGeometry::FromHandle(surface)->toPoint();
      points.push_back({point->getX(), point->getY()});
      OGR_G_DestroyGeometry(surface);
    }
  }
  return points;
}

QualityResult assess_unit_quality(const QualityOptions& o, const std::vector<ControlUnit>& units,
                                  const std::string& units_crs_wkt, const QualityPeriod& before,
                                  const QualityPeriod& after) {
  auto log = logger("quality");
  QualityResult result;
  result.before = before;
  result.after = after;
  result.min_valid_share = o.min_valid_share;
  for (const ControlUnit& unit : units) {
    UnitQuality q;
    q.code = unit.code;
    q.name = unit.name;
    q.type = unit.type;
    result.units.push_back(std::move(q));
  }

  if (o.stations.enabled()) {
    const StationTable table = read_station_table(o.stations);
    result.files = table.files;
    const std::string method_name(to_string(o.method));
    result.method =
        method_name + (o.method == InterpolationMethod::idw ? " (power " + text::fixed(o.power, 2) + ", " : " (") +
        "max distance " + text::fixed(o.max_distance_m, 0) + " m, hourly, averaged over a lattice of at least " +
        std::to_string(o.sample_points) + " sample points inside each unit where it fits)";
    const geo::Reprojector to_units(kWgs84Wkt, units_crs_wkt);
    const geo::Reprojector to_wgs84(units_crs_wkt, kWgs84Wkt);

    // Stations: the unit containing each (attribution only; interpolation goes by distance).
    std::vector<OGRGeometryUniquePtr> unit_geometries;
    for (const ControlUnit& unit : units)
      unit_geometries.push_back(geo::from_wkt(unit.geometry_wkt, "unit " + unit.code));
    for (const Station& station : table.stations) {
      StationQuality sq{station.id, station.name, station.lon, station.lat, "", table.pollutants, {}, {}};
      const auto point = to_units(OGRPoint(station.lon, station.lat));
      for (std::size_t u = 0; u < units.size(); ++u) {
        if (unit_geometries[u] && unit_geometries[u]->Contains(point.get())) {
          sq.unit_code = units[u].code;
          result.units[u].stations_inside.push_back(station.id);
          break;
        }
      }
      if (sq.unit_code.empty()) {
        ++result.stations_outside_units;
        log->info("station {} ({:.4f}, {:.4f}) lies in no control unit: not attributed to a unit", station.id,
                  station.lon, station.lat);
      }
      result.stations.push_back(std::move(sq));
    }

    std::vector<UnitSamples> samples(units.size());
    for (std::size_t u = 0; u < units.size(); ++u) {
      const auto points = unit_sample_points(units[u].geometry_wkt, o.sample_points);
      result.units[u].sample_points = points.size();
      for (const auto& xy : points) {
        const auto lonlat = to_wgs84(OGRPoint(xy[0], xy[1]));
        const auto* p = lonlat->toPoint();
        std::vector<double> d;
        for (const Station& s : table.stations) {
          d.push_back(kernels::great_circle_distance_m(p->getX(), p->getY(), s.lon, s.lat));
        }
        samples[u].distances.push_back(std::move(d));
      }
    }

    for (std::size_t p = 0; p < table.pollutants.size(); ++p) {
      std::array<std::vector<std::vector<PeriodStatistic>>, 2> unit_stats;  // [period][unit]
      for (int side = 0; side < 2; ++side) {
        const QualityPeriod& period = side == 0 ? before : after;
        std::vector<std::vector<double>> station_hours;
        for (std::size_t s = 0; s < table.stations.size(); ++s) {
          station_hours.push_back(table.hourly(s, p, period.first_hour(), period.hours()));
          const auto m = kernels::period_mean(station_hours.back(), period.hours());
          auto& target = side == 0 ? result.stations[s].before : result.stations[s].after;
          target.push_back(statistic(m.mean, m.valid_share, o.min_valid_share));
        }
        for (std::size_t u = 0; u < units.size(); ++u) {
          const auto hourly = unit_hourly(samples[u], station_hours, period.hours(), o);
          const auto m = kernels::period_mean(hourly, period.hours());
          QualityMeasure* measure = nullptr;
          if (side == 0) {
            result.units[u].measures.push_back(
                {table.pollutants[p], "stations:" + method_name, {}, {}, kNaN, kNaN, false, ""});
          }
          measure = &result.units[u].measures.back();
          (side == 0 ? measure->before : measure->after) = statistic(m.mean, m.valid_share, o.min_valid_share);
        }
      }
    }
  }

  if (!o.grids.empty()) {
    result.method += std::string(result.method.empty() ? "" : "; ") +
                     "grids: per-pixel period means averaged over the pixel centres inside each unit, on the "
                     "layer's own grid and CRS";
  }
  for (const QualityGridOptions& layer : o.grids) {
    result.files.push_back(layer.path);
    const auto b = quality_grid_unit_means(layer, units, units_crs_wkt, before.first_hour(), before.hours());
    const auto a = quality_grid_unit_means(layer, units, units_crs_wkt, after.first_hour(), after.hours());
    for (std::size_t u = 0; u < units.size(); ++u) {
      QualityMeasure m{layer.name, "grid", {}, {}, kNaN, kNaN, false, ""};
      m.before = statistic(b[u].mean, b[u].valid_share, o.min_valid_share);
      m.after = statistic(a[u].mean, a[u].valid_share, o.min_valid_share);
      result.units[u].measures.push_back(std::move(m));
    }
  }

  for (UnitQuality& unit : result.units) {
    for (QualityMeasure& m : unit.measures) {
      judge_decline(m, o.decline);
      if (!m.declined) continue;
      unit.declined = true;
      unit.reasons += (unit.reasons.empty() ? "" : "; ") + m.reason;
    }
    if (unit.declined) ++result.units_declined;
  }
  log->info("quality {} vs {}: {} of {} units declined", before.text(), after.text(), result.units_declined,
            units.size());
  return result;
}

QualityResult assess_scan_quality(const QualityOptions& o, const std::string& before_date,
                                  const std::string& after_date, const std::vector<ControlUnit>& units,
                                  const std::string& units_crs_wkt) {
  const QualityPeriod before = o.before_period.empty() ? QualityPeriod::ending_on(before_date, o.default_period_days)
                                                       : QualityPeriod::parse(o.before_period, "quality.before_period");
  const QualityPeriod after = o.after_period.empty() ? QualityPeriod::ending_on(after_date, o.default_period_days)
                                                     : QualityPeriod::parse(o.after_period, "quality.after_period");
  if (after.first <= before.last) {
    throw ConfigError("quality: the after period " + after.text() + " overlaps the before period " + before.text() +
                      " (set keys 'quality.before_period' and 'quality.after_period', or a shorter "
                      "'quality.default_period_days')");
  }
  return assess_unit_quality(o, units, units_crs_wkt, before, after);
}

void flag_declined_units(const QualityResult& quality, std::vector<UnitResult>& units) {
  for (const UnitQuality& q : quality.units) {
    if (!q.declined) continue;
    for (UnitResult& unit : units) {
      if (unit.code != q.code) continue;
      unit.flagged = true;
      unit.flag_reasons += (unit.flag_reasons.empty() ? "" : "; ") + q.reasons;
    }
  }
}

json UnitQuality::to_json() const {
  json measures_json = json::array();
  for (const QualityMeasure& m : measures) {
    measures_json.push_back({{"pollutant", m.pollutant},
                             {"source", m.source},
                             {"before", statistic_json(m.before)},
                             {"after", statistic_json(m.after)},
                             {"relative_change", number_or_null(m.relative_change)},
                             {"limit", number_or_null(m.limit)},
                             {"declined", m.declined}});
  }
  return {{"unit_code", code},
          {"unit_name", name},
          {"unit_type", std::string(zw::to_string(type))},
          {"sample_points", sample_points},
          {"stations_inside", stations_inside},
          {"measures", measures_json},
          {"quality_declined", declined},
          {"reasons", reasons}};
}

json QualityResult::to_json() const {
  json units_json = json::array();
  for (const UnitQuality& u : units) units_json.push_back(u.to_json());
  json stations_json = json::array();
  for (const StationQuality& s : stations) {
    json per = json::object();
    for (std::size_t p = 0; p < s.pollutants.size(); ++p) {
      per[s.pollutants[p]] = {{"before", statistic_json(s.before[p])}, {"after", statistic_json(s.after[p])}};
    }
    stations_json.push_back({{"id", s.id},
                             {"name", s.name},
                             {"lon", s.lon},
                             {"lat", s.lat},
                             {"unit_code", s.unit_code},
                             {"pollutants", per}});
  }
  return {{"method", method},
          {"before_period", before.text()},
          {"after_period", after.text()},
          {"min_valid_share", min_valid_share},
          {"units", units_json},
          {"stations", stations_json},
          {"stations_outside_units", stations_outside_units},
          {"units_declined", units_declined},
          {"files", files}};
}

}  // namespace zw
