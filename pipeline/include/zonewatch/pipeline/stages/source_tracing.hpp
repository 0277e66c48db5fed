#pragma once
// Source tracing (溯源): the registered sites near each hotspot (sources_options.hpp).
//
// For every hotspot polygon and every registry, the sites whose geometry lies within the
// registry's max_distance_m of the polygon (GEOS distance, polygon to point or polygon: 0
// where they touch or one holds the other) are candidates; each registry keeps its
// max_sites best, and the registries' lists are merged in the same order. Best means nearest
// (ties: registry order, then ID), except for water hotspots (change types whose name holds
// "water") when a river network is given: there sites upstream of the hotspot come first,
// each group nearest first.
//
// Upstream rule: the network is a directed graph whose edges are the lines' segments, drawn
// from upstream to downstream (river_network.direction), and whose nodes are the lines'
// vertices, merged within node_tolerance_m (so lines meet at shared end points or at a
// vertex of another line). The hotspot's centroid and each site's point (a polygon site: a
// point on its surface) are snapped to the nearest segment within snap_distance_m; a site
// is upstream when the hotspot's snap point is reachable downstream from the site's snap
// point (the same segment further down, or a segment reachable from the end of the site's).
// A site or hotspot farther than snap_distance_m from every line is off the network: such
// sites are not upstream.
//
// Direction: the azimuth on the WGS84 ellipsoid from the hotspot's centroid to the site's
// point (0 = north, clockwise), with its 8-point name (N, NE, ... / 北, 东北, ...); none
// when both are the same place. Distances are in metres: in the analysis CRS when it is
// projected, else in an azimuthal equidistant projection centred on the hotspots.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ogr_geometry.h>
#include <nlohmann/json.hpp>

#include "zonewatch/pipeline/config/sources_options.hpp"
#include "zonewatch/pipeline/inputs/registry.hpp"
#include "zonewatch/pipeline/stages/results.hpp"

namespace zw {

struct RegistryTraceCount {
  std::string name, source;
  RegistryKind kind = RegistryKind::other;
  std::size_t sites = 0;
  int skipped_without_geometry = 0;
  std::size_t hotspots_with_site = 0;
};

struct SourceTracingResult {
  std::vector<RegistryTraceCount> registries;
  std::size_t hotspots = 0, hotspots_traced = 0;  // traced: at least one site within distance
  std::size_t water_hotspots = 0, water_hotspots_on_network = 0;
  std::size_t river_lines = 0, river_nodes = 0, river_segments = 0;
  std::string measured_in;  // "analysis CRS" or the local projection's PROJ text
  /// Hotspot ID -> its sites, as the outputs write them.
  std::vector<std::pair<std::string, std::vector<TracedSite>>> by_hotspot;

  [[nodiscard]] nlohmann::json to_json() const;
};

/// The registries and river network in one metric CRS, indexed for nearest-site queries.
class SourceTracer {
 public:
  /// `crs_wkt`: the projected CRS the layers are in (distances are its units times
  /// metres per unit).
  SourceTracer(std::vector<RegistryLayer> registries, const std::vector<RiverLine>& river,
               const RiverNetworkOptions& network, const std::string& crs_wkt);
  ~SourceTracer();
  SourceTracer(const SourceTracer&) = delete;
  SourceTracer& operator=(const SourceTracer&) = delete;

  /// The sites near `hotspot` (in the tracer's CRS), best first; `water`: order upstream first.
  [[nodiscard]] std::vector<TracedSite> trace(const OGRGeometry& hotspot, bool water) const;
  /// Whether a point (tracer's CRS) lies within snap distance of the network.
  [[nodiscard]] bool on_network(double x, double y) const;

  [[nodiscard]] std::size_t river_nodes() const;
  [[nodiscard]] std::size_t river_segments() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Loads the registries and the river network of `options` and fills every hotspot's
/// `sources` (their geometry_wkt is in `grid_crs_wkt`). Throws InputError for bad layers.
SourceTracingResult trace_sources(const SourcesOptions& options, const std::string& grid_crs_wkt,
                                  std::vector<Hotspot>& hotspots);

/// Change types traced upstream first: those whose name holds "water" (water_loss,
/// water_gain, and water types added later).
[[nodiscard]] bool is_water_change(kernels::ChangeType type);

/// 8-point compass names of a bearing in degrees: "N", "NE", ... and "北", "东北", ...;
/// "" for NaN.
[[nodiscard]] std::string_view compass_point(double bearing_deg);
[[nodiscard]] std::string_view compass_point_zh(double bearing_deg);

/// The sites as one line of text, "; "-joined: "E001 某化工厂 enterprise 420 m NE upstream"
/// (English) or "E001 某化工厂 排污企业 东北 420 米 上游" (Chinese). Raw text: every output escapes it.
[[nodiscard]] std::string sources_text(const std::vector<TracedSite>& sites);
[[nodiscard]] std::string sources_text_zh(const std::vector<TracedSite>& sites);

}  // namespace zw
