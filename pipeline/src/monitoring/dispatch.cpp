// Selecting a packet's stops: the hotspots of a region, and a short driving order through
// them, the most serious first.
#include "zonewatch/pipeline/monitoring/dispatch.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

namespace zw {

// ---------------------------------------------------------------------------------------
// Driving order

double haversine_km(double lon1, double lat1, double lon2, double lat2) {
  constexpr double kEarthRadiusKm = 6371.0088;
  constexpr double kRad = 3.14159265358979323846 / 180.0;
  const double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2.0 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

namespace {

struct Point {
  double lon, lat;
};

double path_length(const std::vector<Point>& points, const std::vector<std::size_t>& path,
                   const std::optional<Point>& origin) {
  double total = 0.0;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const Point& b = points[path[i]];
    if (i == 0) {
      if (origin) total += haversine_km(origin->lon, origin->lat, b.lon, b.lat);
    } else {
      const Point& a = points[path[i - 1]];
      total += haversine_km(a.lon, a.lat, b.lon, b.lat);
    }
  }
  return total;
}

std::vector<std::size_t> nearest_neighbour(const std::vector<Point>& points, const std::vector<std::size_t>& members,
                                           Point from, std::optional<std::size_t> first) {
  std::vector<std::size_t> left = members, path;
  if (first) {
    path.push_back(*first);
    left.erase(std::find(left.begin(), left.end(), *first));
    from = points[*first];
  }
  while (!left.empty()) {
    std::size_t best = 0;
    double best_km = 0.0;
    for (std::size_t i = 0; i < left.size(); ++i) {
      const double km = haversine_km(from.lon, from.lat, points[left[i]].lon, points[left[i]].lat);
      if (i == 0 || km < best_km) best = i, best_km = km;
    }
    path.push_back(left[best]);
    from = points[left[best]];
    left.erase(left.begin() + static_cast<std::ptrdiff_t>(best));
  }
  return path;
}

/// 2-opt on an open path; with an origin the first edge runs from it and the path's first
/// stop may change, without one the first stop stays.
void two_opt(const std::vector<Point>& points, std::vector<std::size_t>& path, const std::optional<Point>& origin) {
  const auto at = [&](std::ptrdiff_t i) -> Point {
    return i < 0 ? *origin : points[path[static_cast<std::size_t>(i)]];
  };
  const auto d = [](Point a, Point b) { return haversine_km(a.lon, a.lat, b.lon, b.lat); };
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(path.size());
  const std::ptrdiff_t first = origin ? 0 : 1;
  bool improved = true;
  for (int round = 0; improved && round < 100; ++round) {
    improved = false;
    for (std::ptrdiff_t i = first; i < n - 1; ++i) {
      for (std::ptrdiff_t k = i + 1; k < n; ++k) {
        const Point a = at(i - 1), b = at(i), c = at(k);
        double delta = d(a, c) - d(a, b);
        if (k + 1 < n) {
          const Point e = at(k + 1);
          delta += d(b, e) - d(c, e);
        }
        if (delta < -1e-9) {
          std::reverse(path.begin() + i, path.begin() + k + 1);
          improved = true;
        }
      }
    }
  }
}

}  // namespace

std::vector<std::size_t> driving_order(const std::vector<RouteStop>& stops,
                                       const std::optional<std::array<double, 2>>& start) {
  std::vector<Point> points;
  for (const RouteStop& s : stops) points.push_back({s.lon, s.lat});
  std::map<Severity, std::vector<std::size_t>, std::greater<>> by_severity;
  for (std::size_t i = 0; i < stops.size(); ++i) by_severity[stops[i].severity].push_back(i);
  std::vector<std::size_t> order;
  std::optional<Point> origin;
  if (start) origin = Point{(*start)[0], (*start)[1]};
  for (auto& [severity, members] : by_severity) {
    std::vector<std::size_t> path;
    if (origin) {
      path = nearest_neighbour(points, members, *origin, std::nullopt);
    } else {
      // No start: the best nearest-neighbour path over every first stop (bounded effort).
      double best = 0.0;
      const std::size_t tries = members.size() <= 300 ? members.size() : 1;
      for (std::size_t t = 0; t < tries; ++t) {
        auto candidate = nearest_neighbour(points, members, points[members[t]], members[t]);
        const double km = path_length(points, candidate, std::nullopt);
        if (path.empty() || km < best) path = std::move(candidate), best = km;
      }
    }
    two_opt(points, path, origin);
    order.insert(order.end(), path.begin(), path.end());
    if (!path.empty()) origin = points[path.back()];
  }
  return order;
}

bool in_region(const StoredHotspot& h, const std::string& region) {
  if (h.region == region) return true;
  if (region.empty()) return false;
  const std::string code = region.starts_with("ZH") ? region : "ZH" + region;
  return h.unit_code.starts_with(code);
}

}  // namespace zw
