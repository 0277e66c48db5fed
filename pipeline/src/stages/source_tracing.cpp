// Source tracing: nearest registered sites per hotspot, upstream first for water hotspots
// (the rules are documented in stages/source_tracing.hpp).
#include "zonewatch/pipeline/stages/source_tracing.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <optional>
#include <unordered_map>

#include <ogr_api.h>
#include <ogr_spatialref.h>

#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/core/log.hpp"
#include "zonewatch/pipeline/core/text_util.hpp"
#include "zonewatch/pipeline/gdal/gdal_env.hpp"
#include "zonewatch/pipeline/gdal/geo_util.hpp"

namespace zw {
namespace {

using Point = std::array<double, 2>;

/// A uniform grid of buckets holding item indices: the spatial index of sites and segments.
class GridIndex {
 public:
  explicit GridIndex(double cell) : cell_(cell > 0 && std::isfinite(cell) ? cell : 1.0) {}

  void insert(int item, const OGREnvelope& e) {
    const auto [x0, y0] = cell_of(e.MinX, e.MinY);
    const auto [x1, y1] = cell_of(e.MaxX, e.MaxY);
    // Items spanning very many cells (a province-sized polygon) are checked for every query.
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > kMaxCellsPerItem) {
      everywhere_.push_back(item);
      return;
    }
    for (std::int64_t y = y0; y <= y1; ++y) {
      for (std::int64_t x = x0; x <= x1; ++x) buckets_[key(x, y)].push_back(item);
    }
  }

  /// Items whose cells meet `e` (each once, in ascending order).
  [[nodiscard]] std::vector<int> query(const OGREnvelope& e) const {
    std::vector<int> items = everywhere_;
    const auto [x0, y0] = cell_of(e.MinX, e.MinY);
    const auto [x1, y1] = cell_of(e.MaxX, e.MaxY);
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > static_cast<std::int64_t>(buckets_.size())) {
      for (const auto& [k, bucket] : buckets_) {
        const std::int64_t x = k >> 32, y = static_cast<std::int32_t>(k & 0xffffffff);
        if (x >= x0 && x <= x1 && y >= y0 && y <= y1) items.insert(items.end(), bucket.begin(), bucket.end());
      }
    } else {
      for (std::int64_t y = y0; y <= y1; ++y) {
        for (std::int64_t x = x0; x <= x1; ++x) {
          const auto bucket = buckets_.find(key(x, y));
          if (bucket != buckets_.end()) items.insert(items.end(), bucket->second.begin(), bucket->second.end());
        }
      }
    }
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    return items;
  }

 private:
  static constexpr std::int64_t kMaxCellsPerItem = 4096;
  [[nodiscard]] std::pair<std::int64_t, std::int64_t> cell_of(double x, double y) const {
    return {static_cast<std::int64_t>(std::floor(x / cell_)), static_cast<std::int64_t>(std::floor(y / cell_))};
  }
  static std::int64_t key(std::int64_t x, std::int64_t y) {
    return (x << 32) ^ static_cast<std::int64_t>(static_cast<std::uint32_t>(y));
  }

  double cell_;
  std::unordered_map<std::int64_t, std::vector<int>> buckets_;
  std::vector<int> everywhere_;
};

OGREnvelope grown(const OGREnvelope& e, double by) {
  OGREnvelope g = e;
  g.MinX -= by;
  g.MinY -= by;
  g.MaxX += by;
  g.MaxY += by;
  return g;
}

double envelope_gap(const OGREnvelope& a, const OGREnvelope& b) {
  const double dx = std::max({0.0, a.MinX - b.MaxX, b.MinX - a.MaxX});
  const double dy = std::max({0.0, a.MinY - b.MaxY, b.MinY - a.MaxY});
  return std::hypot(dx, dy);
}

/// A point standing for a geometry: the point itself, a multipoint's centroid, a polygon's
/// point on its surface (a concave site's centroid can lie outside it).
Point representative_point(const OGRGeometry& geometry) {
  const auto flat = wkbFlatten(geometry.getGeometryType());
  if (flat == wkbPoint) return {geometry.toPoint()->getX(), geometry.toPoint()->getY()};
  OGRPoint point;
  if (flat == wkbMultiPoint) {
    if (geometry.Centroid(&point) == OGRERR_NONE && !point.IsEmpty()) return {point.getX(), point.getY()};
  } else {
    // The C API's PointOnSurface (GEOS); OGRPolygon::PointOnSurface fails on GDAL 3.6.
    OGRGeometryUniquePtr on_surface(
        OGRGeometry::FromHandle(OGR_G_PointOnSurface(OGRGeometry::ToHandle(const_cast<OGRGeometry*>(&geometry)))));
    if (on_surface && !on_surface->IsEmpty() && wkbFlatten(on_surface->getGeometryType()) == wkbPoint) {
      return {on_surface->toPoint()->getX(), on_surface->toPoint()->getY()};
    }
  }
  OGREnvelope e;
  geometry.getEnvelope(&e);
  return {(e.MinX + e.MaxX) / 2, (e.MinY + e.MaxY) / 2};
}

Point centroid_of(const OGRGeometry& geometry) {
  OGRPoint point;
  if (geometry.Centroid(&point) != OGRERR_NONE || point.IsEmpty()) return representative_point(geometry);
  return {point.getX(), point.getY()};
}

/// Where a point snaps onto the network: segment and position along it (0..1).
struct Snap {
  int segment = -1;
  double t = 0.0;
};

}  // namespace

struct SourceTracer::Impl {
  struct Registry {
    RegistryLayer layer;
    GridIndex index;
    std::vector<OGREnvelope> envelopes;
    std::vector<Point> points;  // representative points
    double max_distance = 0.0;  // in CRS units
  };
  struct Segment {
    int from = 0, to = 0;
    Point a, b;
  };

  std::vector<Registry> registries;
  double metres_per_unit = 1.0;
  std::unique_ptr<OGRCoordinateTransformation> to_wgs84;

  // The river network.
  bool network = false;
  double snap_distance = 0.0;  // CRS units
  std::vector<Point> nodes;
  std::vector<Segment> segments;
  std::vector<std::vector<int>> upstream_of;  // node -> nodes with a segment into it
  GridIndex segment_index{1.0};

  int node_at(const Point& p, GridIndex& node_index, double tolerance) {
    OGREnvelope e;
    e.MinX = e.MaxX = p[0];
    e.MinY = e.MaxY = p[1];
    int best = -1;
    double best_d = tolerance;
    for (const int n : node_index.query(grown(e, tolerance))) {
      const double d = std::hypot(nodes[n][0] - p[0], nodes[n][1] - p[1]);
      if (d <= best_d) {
        best = n;
        best_d = d;
      }
    }
    if (best >= 0) return best;
    nodes.push_back(p);
    node_index.insert(static_cast<int>(nodes.size()) - 1, e);
    return static_cast<int>(nodes.size()) - 1;
  }

  void build_network(const std::vector<RiverLine>& lines, const RiverNetworkOptions& options) {
    network = !lines.empty();
    if (!network) return;
    const double tolerance = options.node_tolerance_m / metres_per_unit;
    snap_distance = options.snap_distance_m / metres_per_unit;
    GridIndex node_index(std::max(tolerance, 0.01 / metres_per_unit));
    for (const RiverLine& line : lines) {
      int previous = node_at(line.front(), node_index, tolerance);
      for (std::size_t i = 1; i < line.size(); ++i) {
        const int next = node_at(line[i], node_index, tolerance);
        if (next != previous) segments.push_back({previous, next, line[i - 1], line[i]});
        previous = next;
      }
    }
    upstream_of.assign(nodes.size(), {});
    for (const Segment& s : segments) upstream_of[static_cast<std::size_t>(s.to)].push_back(s.from);
    segment_index = GridIndex(std::max(snap_distance, 1.0 / metres_per_unit));
    for (std::size_t i = 0; i < segments.size(); ++i) {
      OGREnvelope e;
      e.MinX = std::min(segments[i].a[0], segments[i].b[0]);
      e.MaxX = std::max(segments[i].a[0], segments[i].b[0]);
      e.MinY = std::min(segments[i].a[1], segments[i].b[1]);
      e.MaxY = std::max(segments[i].a[1], segments[i].b[1]);
      segment_index.insert(static_cast<int>(i), e);
    }
  }

  [[nodiscard]] std::optional<Snap> snap(const Point& p) const {
    if (!network) return std::nullopt;
    OGREnvelope e;
    e.MinX = e.MaxX = p[0];
    e.MinY = e.MaxY = p[1];
    std::optional<Snap> best;
    double best_d = snap_distance;
    for (const int i : segment_index.query(grown(e, snap_distance))) {
      const Segment& s = segments[static_cast<std::size_t>(i)];
      const double dx = s.b[0] - s.a[0], dy = s.b[1] - s.a[1];
      const double length2 = dx * dx + dy * dy;
      double t = length2 > 0 ? ((p[0] - s.a[0]) * dx + (p[1] - s.a[1]) * dy) / length2 : 0.0;
      t = std::clamp(t, 0.0, 1.0);
      const double d = std::hypot(s.a[0] + t * dx - p[0], s.a[1] + t * dy - p[1]);
      if (d <= best_d) {
        best_d = d;
        best = Snap{i, t};
      }
    }
    return best;
  }

  /// Nodes from which the hotspot's snap point is reached downstream (its segment's start, and
  /// every node upstream of that).
  [[nodiscard]] std::vector<char> upstream_nodes(const Snap& hotspot) const {
    std::vector<char> upstream(nodes.size(), 0);
    std::vector<int> stack{segments[static_cast<std::size_t>(hotspot.segment)].from};
    upstream[static_cast<std::size_t>(stack.back())] = 1;
    while (!stack.empty()) {
      const int node = stack.back();
      stack.pop_back();
      for (const int from : upstream_of[static_cast<std::size_t>(node)]) {
        if (upstream[static_cast<std::size_t>(from)] == 0) {
          upstream[static_cast<std::size_t>(from)] = 1;
          stack.push_back(from);
        }
      }
    }
    return upstream;
  }

  [[nodiscard]] bool is_upstream(const Snap& site, const Snap& hotspot, const std::vector<char>& upstream) const {
    if (site.segment == hotspot.segment) return site.t < hotspot.t;
    return upstream[static_cast<std::size_t>(segments[static_cast<std::size_t>(site.segment)].to)] != 0;
  }

  /// Azimuth from a to b on the WGS84 ellipsoid (degrees, 0 = north, clockwise), from the
  /// local meridian and prime-vertical radii of curvature at the mean latitude (within 0.01°
  /// of the geodesic azimuth over tens of kilometres); NaN when they are the same place.
  [[nodiscard]] double bearing(const Point& a, const Point& b) const {
    if (std::hypot(b[0] - a[0], b[1] - a[1]) * metres_per_unit < 0.01) return kernels::kNaN;
    double x[2] = {a[0], b[0]}, y[2] = {a[1], b[1]};
    double degrees = 0.0;
    if (!to_wgs84 || !to_wgs84->Transform(2, x, y)) {
      degrees = std::atan2(b[0] - a[0], b[1] - a[1]) * 180.0 / std::numbers::pi;  // grid north
    } else {
      constexpr double kRad = std::numbers::pi / 180.0;
      constexpr double kA = 6378137.0, kF = 1.0 / 298.257223563, kE2 = kF * (2.0 - kF);
      const double phi = (y[0] + y[1]) / 2.0 * kRad;
      const double w = 1.0 - kE2 * std::sin(phi) * std::sin(phi);
      const double meridian = kA * (1.0 - kE2) / (w * std::sqrt(w));  // M
      const double prime_vertical = kA / std::sqrt(w);                // N
      double dlambda = x[1] - x[0];
      if (dlambda > 180.0) dlambda -= 360.0;
      if (dlambda < -180.0) dlambda += 360.0;
      degrees = std::atan2(dlambda * kRad * prime_vertical * std::cos(phi), (y[1] - y[0]) * kRad * meridian) / kRad;
    }
    degrees = std::fmod(degrees + 360.0, 360.0);
    return degrees >= 359.9999995 ? 0.0 : degrees;
  }
};

SourceTracer::SourceTracer(std::vector<RegistryLayer> registries, const std::vector<RiverLine>& river,
                           const RiverNetworkOptions& network, const std::string& crs_wkt)
    : impl_(std::make_unique<Impl>()) {
  OGRSpatialReference srs = geo::srs_from_wkt(crs_wkt, "source tracing CRS");
  impl_->metres_per_unit = geo::metres_per_unit(srs);
  OGRSpatialReference wgs84;
  wgs84.SetWellKnownGeogCS("WGS84");
  wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  impl_->to_wgs84.reset(OGRCreateCoordinateTransformation(&srs, &wgs84));
  take_gdal_error();
  for (RegistryLayer& layer : registries) {
    const double max_distance = layer.options.max_distance_m / impl_->metres_per_unit;
    Impl::Registry r{
        std::move(layer), GridIndex(std::max(max_distance, 1.0 / impl_->metres_per_unit)), {}, {}, max_distance};
    for (std::size_t i = 0; i < r.layer.sites.size(); ++i) {
      OGREnvelope e;
      r.layer.sites[i].geometry->getEnvelope(&e);
      r.envelopes.push_back(e);
      r.points.push_back(representative_point(*r.layer.sites[i].geometry));
      r.index.insert(static_cast<int>(i), e);
    }
    impl_->registries.push_back(std::move(r));
  }
  impl_->build_network(river, network);
}

SourceTracer::~SourceTracer() = default;

std::size_t SourceTracer::river_nodes() const { return impl_->nodes.size(); }
std::size_t SourceTracer::river_segments() const { return impl_->segments.size(); }
bool SourceTracer::on_network(double x, double y) const { return impl_->snap({x, y}).has_value(); }

std::vector<TracedSite> SourceTracer::trace(const OGRGeometry& hotspot, bool water) const {
  const Impl& m = *impl_;
  OGREnvelope hotspot_envelope;
  hotspot.getEnvelope(&hotspot_envelope);
  const Point centre = centroid_of(hotspot);
  // Upstream ordering only where the hotspot itself is on the network.
  std::optional<Snap> hotspot_snap = water ? m.snap(centre) : std::nullopt;
  std::vector<char> upstream;
  if (hotspot_snap) upstream = m.upstream_nodes(*hotspot_snap);

  struct Candidate {
    TracedSite site;
    std::size_t registry = 0, index = 0;
  };
  const auto better = [&](const Candidate& a, const Candidate& b) {
    if (hotspot_snap && a.site.upstream != b.site.upstream) return a.site.upstream;
    if (a.site.distance_m != b.site.distance_m) return a.site.distance_m < b.site.distance_m;
    if (a.registry != b.registry) return a.registry < b.registry;
    return a.site.id < b.site.id;
  };
  std::vector<Candidate> merged;
  for (std::size_t r = 0; r < m.registries.size(); ++r) {
    const Impl::Registry& registry = m.registries[r];
    // Candidates by their envelope gap, a lower bound of the distance: without the upstream
    // rule, measuring stops once the gap exceeds the max_sites-th best distance found (the
    // result is the same as measuring all of them).
    const auto limit = static_cast<std::size_t>(registry.layer.options.max_sites);
    std::vector<std::pair<double, std::size_t>> by_gap;
    for (const int i : registry.index.query(grown(hotspot_envelope, registry.max_distance))) {
      const auto index = static_cast<std::size_t>(i);
      const double gap = envelope_gap(hotspot_envelope, registry.envelopes[index]);
      if (gap <= registry.max_distance) by_gap.emplace_back(gap, index);
    }
    std::sort(by_gap.begin(), by_gap.end());
    std::vector<Candidate> candidates;
    std::vector<double> nearest;  // the best `limit` distances so far, ascending
    for (const auto& [gap, index] : by_gap) {
      if (!hotspot_snap && nearest.size() >= limit && gap > nearest.back()) break;
      const RegistrySite& site = registry.layer.sites[index];
      const double distance = hotspot.Distance(site.geometry.get());
      if (distance < 0 || distance > registry.max_distance) continue;  // < 0: GEOS failed
      nearest.insert(std::upper_bound(nearest.begin(), nearest.end(), distance), distance);
      if (nearest.size() > limit) nearest.pop_back();
      Candidate c;
      c.registry = r;
      c.index = index;
      c.site.id = site.id;
      c.site.distance_m = distance * m.metres_per_unit;
      if (hotspot_snap) {
        const auto site_snap = m.snap(registry.points[index]);
        c.site.upstream = site_snap && m.is_upstream(*site_snap, *hotspot_snap, upstream);
      }
      candidates.push_back(std::move(c));
    }
    std::sort(candidates.begin(), candidates.end(), better);
    if (candidates.size() > limit) candidates.resize(limit);
    for (Candidate& c : candidates) {
      const RegistrySite& site = registry.layer.sites[c.index];
      c.site.registry = registry.layer.options.name;
      c.site.kind = registry.layer.options.kind;
      c.site.name = site.name;
      c.site.fields = site.fields;
      c.site.bearing_deg = m.bearing(centre, registry.points[c.index]);
    }
    merged.insert(merged.end(), std::make_move_iterator(candidates.begin()), std::make_move_iterator(candidates.end()));
  }
  std::stable_sort(merged.begin(), merged.end(), better);
  std::vector<TracedSite> sites;
  sites.reserve(merged.size());
  for (Candidate& c : merged) sites.push_back(std::move(c.site));
  return sites;
}

bool is_water_change(kernels::ChangeType type) {
  return kernels::to_string(type).find("water") != std::string_view::npos;
}

namespace {

constexpr std::array<std::string_view, 8> kCompass{"N", "NE", "E", "SE", "S", "SW", "W", "NW"};
constexpr std::array<std::string_view, 8> kCompassZh{"北", "东北", "东", "东南", "南", "西南", "西", "西北"};

std::size_t compass_sector(double bearing_deg) {
  const double normalised = std::fmod(std::fmod(bearing_deg, 360.0) + 360.0, 360.0);
  return static_cast<std::size_t>(std::floor((normalised + 22.5) / 45.0)) % 8;
}

}  // namespace

std::string_view compass_point(double bearing_deg) {
  return std::isfinite(bearing_deg) ? kCompass[compass_sector(bearing_deg)] : std::string_view{};
}

std::string_view compass_point_zh(double bearing_deg) {
  return std::isfinite(bearing_deg) ? kCompassZh[compass_sector(bearing_deg)] : std::string_view{};
}

std::string sources_text(const std::vector<TracedSite>& sites) {
  std::string text;
  for (const TracedSite& s : sites) {
    if (!text.empty()) text += "; ";
    text += s.id;
    if (!s.name.empty()) text += " " + s.name;
    text += " " + std::string(to_string(s.kind)) + " " + text::fixed(s.distance_m, 0) + " m";
    if (const auto point = compass_point(s.bearing_deg); !point.empty()) text += " " + std::string(point);
    if (s.upstream) text += " upstream";
  }
  return text;
}

std::string sources_text_zh(const std::vector<TracedSite>& sites) {
  std::string text;
  for (const TracedSite& s : sites) {
    if (!text.empty()) text += "; ";
    text += s.id;
    if (!s.name.empty()) text += " " + s.name;
    text += " " + std::string(chinese_name(s.kind));
    if (const auto point = compass_point_zh(s.bearing_deg); !point.empty()) text += " " + std::string(point);
    text += " " + text::fixed(s.distance_m, 0) + " 米";
    if (s.upstream) text += " 上游";
  }
  return text;
}

nlohmann::json SourceTracingResult::to_json() const {
  nlohmann::json registry_list = nlohmann::json::array();
  for (const RegistryTraceCount& r : registries) {
    registry_list.push_back({{"name", r.name},
                             {"kind", std::string(to_string(r.kind))},
                             {"source", r.source},
                             {"sites", r.sites},
                             {"skipped_without_geometry", r.skipped_without_geometry},
                             {"hotspots_with_site", r.hotspots_with_site}});
  }
  nlohmann::json hotspot_sites = nlohmann::json::object();
  for (const auto& [id, sites] : by_hotspot) {
    nlohmann::json list = nlohmann::json::array();
    for (const TracedSite& s : sites) {
      nlohmann::json fields = nlohmann::json::object();
      for (const auto& [field, value] : s.fields) fields[field] = value;
      list.push_back(
          {{"registry", s.registry},
           {"kind", std::string(to_string(s.kind))},
           {"id", s.id},
           {"name", s.name},
           {"fields", fields},
           {"distance_m", std::round(s.distance_m * 10.0) / 10.0},
           {"bearing_deg", std::isfinite(s.bearing_deg) ? nlohmann::json(std::round(s.bearing_deg * 10.0) / 10.0)
                                                        : nlohmann::json(nullptr)},
           {"direction", std::string(compass_point(s.bearing_deg))},
           {"upstream", s.upstream}});
    }
    hotspot_sites[id] = list;
  }
  return {{"registries", registry_list},
          {"hotspots", hotspots},
          {"hotspots_traced", hotspots_traced},
          {"water_hotspots", water_hotspots},
          {"water_hotspots_on_network", water_hotspots_on_network},
          {"river_network", {{"lines", river_lines}, {"nodes", river_nodes}, {"segments", river_segments}}},
          {"measured_in", measured_in},
          {"by_hotspot", hotspot_sites}};
}

namespace {

/// The CRS distances are measured in: the analysis CRS when projected, else an azimuthal
/// equidistant projection centred on the hotspots (WKT, and "" for the analysis CRS).
std::string local_metric_crs(const OGRSpatialReference& grid, const std::vector<Hotspot>& hotspots) {
  if (grid.IsProjected()) return {};
  double lon = 0.0, lat = 0.0;
  for (const Hotspot& h : hotspots) {
    lon += h.centroid_lon_wgs84;
    lat += h.centroid_lat_wgs84;
  }
  if (!hotspots.empty()) {
    lon /= static_cast<double>(hotspots.size());
    lat /= static_cast<double>(hotspots.size());
  }
  OGRSpatialReference local;
  const std::string proj = "+proj=aeqd +lat_0=" + text::fixed(lat, 6) + " +lon_0=" + text::fixed(lon, 6) +
                           " +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs";
  if (local.importFromProj4(proj.c_str()) != OGRERR_NONE) {
    throw InternalError("source tracing: cannot build the local projection '" + proj + "'" + gdal_error_suffix());
  }
  char* wkt = nullptr;
  local.exportToWkt(&wkt);
  std::string text = wkt != nullptr ? wkt : "";
  CPLFree(wkt);
  return text;
}

}  // namespace

SourceTracingResult trace_sources(const SourcesOptions& options, const std::string& grid_crs_wkt,
                                  std::vector<Hotspot>& hotspots) {
  init_gdal();
  auto log = logger("sources");
  if (grid_crs_wkt.empty()) {
    throw InputError("sources: the analysis grid has no CRS; registry distances cannot be measured");
  }
  const OGRSpatialReference grid_srs = geo::srs_from_wkt(grid_crs_wkt, "analysis grid CRS");
  const std::string local = local_metric_crs(grid_srs, hotspots);
  const std::string& crs = local.empty() ? grid_crs_wkt : local;
  SourceTracingResult result;
  result.measured_in = local.empty() ? "analysis CRS" : "local azimuthal equidistant projection";

  std::vector<RegistryLayer> layers;
  for (const RegistryOptions& registry : options.registries) {
    layers.push_back(load_registry(registry, crs));
    RegistryTraceCount count;
    count.name = registry.name;
    count.kind = registry.kind;
    count.source = layers.back().source;
    count.sites = layers.back().sites.size();
    count.skipped_without_geometry = layers.back().skipped_without_geometry;
    result.registries.push_back(count);
  }
  std::vector<RiverLine> river;
  if (options.river_network.enabled()) river = load_river_network(options.river_network, crs);
  const SourceTracer tracer(std::move(layers), river, options.river_network, crs);
  result.river_lines = river.size();
  result.river_nodes = tracer.river_nodes();
  result.river_segments = tracer.river_segments();

  const geo::Reprojector to_local(grid_crs_wkt, crs);
  for (Hotspot& hotspot : hotspots) {
    OGRGeometryUniquePtr geometry = geo::from_wkt(hotspot.geometry_wkt, "hotspot " + hotspot.id);
    if (!geometry) continue;
    if (!to_local.identity()) geometry = to_local(*geometry);
    const bool water = is_water_change(hotspot.change_type) && options.river_network.enabled();
    hotspot.sources = tracer.trace(*geometry, water);
    ++result.hotspots;
    if (water) {
      ++result.water_hotspots;
      const Point centre = centroid_of(*geometry);
      if (tracer.on_network(centre[0], centre[1])) ++result.water_hotspots_on_network;
    }
    if (!hotspot.sources.empty()) ++result.hotspots_traced;
    for (RegistryTraceCount& count : result.registries) {
      if (std::any_of(hotspot.sources.begin(), hotspot.sources.end(),
                      [&](const TracedSite& s) { return s.registry == count.name; })) {
        ++count.hotspots_with_site;
      }
    }
    result.by_hotspot.emplace_back(hotspot.id, hotspot.sources);
  }
  log->info("{} of {} hotspots have a registered site within distance", result.hotspots_traced, result.hotspots);
  return result;
}

}  // namespace zw
