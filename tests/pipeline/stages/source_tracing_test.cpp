// Source tracing on hand-made layers in UTM 50N near its central meridian (grid north is true
// north there): distances hotspot polygon to site, bearings and their compass names, the
// per-registry limit and the merge, nothing within distance, a polygon holding the hotspot,
// and upstream-first ordering on a river network with a tributary.
#include "zonewatch/pipeline/stages/source_tracing.hpp"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/temp_folder.hpp"
#include "support/vector_layers.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/gdal/geo_util.hpp"

namespace zw {
namespace {

using test::epsg_wkt;

/// The hotspot: a 100 m square, centroid (500050, 4000050).
constexpr const char* kHotspot =
    "POLYGON ((500000 4000000,500100 4000000,500100 4000100,500000 4000100,500000 4000000))";

RegistrySite site(const std::string& id, const std::string& wkt, const std::string& name = "") {
  RegistrySite s;
  s.id = id;
  s.name = name;
  OGRGeometry* g = nullptr;
  EXPECT_EQ(OGRGeometryFactory::createFromWkt(wkt.c_str(), nullptr, &g), OGRERR_NONE) << wkt;
  s.geometry.reset(g);
  return s;
}

RegistryLayer registry(const std::string& name, RegistryKind kind, std::vector<RegistrySite> sites,
                       double max_distance_m = 2000.0, int max_sites = 3) {
  RegistryLayer layer;
  layer.options.name = name;
  layer.options.kind = kind;
  layer.options.max_distance_m = max_distance_m;
  layer.options.max_sites = max_sites;
  layer.sites = std::move(sites);
  return layer;
}

std::vector<RegistryLayer> one(RegistryLayer layer) {
  std::vector<RegistryLayer> layers;
  layers.push_back(std::move(layer));
  return layers;
}

OGRGeometryUniquePtr hotspot() { return geo::from_wkt(kHotspot, "hotspot"); }

std::vector<std::string> ids(const std::vector<TracedSite>& sites) {
  std::vector<std::string> out;
  for (const TracedSite& s : sites) out.push_back(s.id);
  return out;
}

TEST(SourceTracing, NearestSitesWithDistanceToThePolygonAndBearingFromItsCentroid) {
  std::vector<RegistrySite> sites;
  sites.push_back(site("E1", "POINT (500400 4000050)", "某化工厂"));  // 300 m east of the edge
  sites.push_back(site("E2", "POINT (500050 4000500)"));              // 400 m north
  sites.push_back(site("E3", "POINT (500400 4000500)"));              // 300/400 from the NE corner: 500 m
  sites.push_back(site("E4", "POINT (507000 4000050)"));              // 6900 m: beyond max_distance
  sites.push_back(site("E5", "POINT (500020 4000020)"));              // inside the hotspot: 0 m
  const SourceTracer tracer(one(registry("permits", RegistryKind::enterprise, std::move(sites), 2000.0, 5)), {}, {},
                            epsg_wkt(32650));
  const auto traced = tracer.trace(*hotspot(), false);
  ASSERT_EQ(ids(traced), (std::vector<std::string>{"E5", "E1", "E2", "E3"}));
  EXPECT_DOUBLE_EQ(traced[0].distance_m, 0.0);
  EXPECT_NEAR(traced[0].bearing_deg, 225.0, 0.1);  // centroid -> (500020, 4000020): south-west
  EXPECT_NEAR(traced[1].distance_m, 300.0, 1e-6);
  EXPECT_NEAR(traced[1].bearing_deg, 90.0, 0.1);
  EXPECT_EQ(compass_point(traced[1].bearing_deg), "E");
  EXPECT_EQ(compass_point_zh(traced[1].bearing_deg), "东");
  EXPECT_NEAR(traced[2].distance_m, 400.0, 1e-6);
  EXPECT_NEAR(traced[2].bearing_deg, 0.0, 0.1);
  EXPECT_NEAR(traced[3].distance_m, 500.0, 1e-6);
  EXPECT_NEAR(traced[3].bearing_deg, std::atan2(350.0, 450.0) * 180.0 / M_PI, 0.1);  // 37.9°
  EXPECT_EQ(compass_point(traced[3].bearing_deg), "NE");
  EXPECT_EQ(traced[1].registry, "permits");
  EXPECT_EQ(traced[1].kind, RegistryKind::enterprise);
  EXPECT_EQ(traced[1].name, "某化工厂");
  EXPECT_EQ(sources_text({traced[1]}), "E1 某化工厂 enterprise 300 m E");
  EXPECT_EQ(sources_text_zh({traced[1]}), "E1 某化工厂 排污企业 东 300 米");
}

TEST(SourceTracing, EachRegistryKeepsItsMaxSitesThenTheListsMergeNearestFirst) {
  std::vector<RegistrySite> permits;
  permits.push_back(site("E1", "POINT (500400 4000050)"));  // 300
  permits.push_back(site("E2", "POINT (500050 4000500)"));  // 400
  permits.push_back(site("E3", "POINT (500400 4000500)"));  // 500
  std::vector<RegistrySite> mines;
  mines.push_back(site("M1", "POINT (500050 3999650)"));  // 350 south
  mines.push_back(site("M2", "POINT (499500 4000050)"));  // 500 west
  std::vector<RegistryLayer> layers;
  layers.push_back(registry("permits", RegistryKind::enterprise, std::move(permits), 2000.0, 2));
  layers.push_back(registry("mines", RegistryKind::mine, std::move(mines), 400.0, 3));  // M2 is too far
  const SourceTracer tracer(std::move(layers), {}, {}, epsg_wkt(32650));
  const auto traced = tracer.trace(*hotspot(), false);
  EXPECT_EQ(ids(traced), (std::vector<std::string>{"E1", "M1", "E2"}));
  EXPECT_EQ(traced[1].kind, RegistryKind::mine);
  EXPECT_EQ(compass_point(traced[1].bearing_deg), "S");
}

TEST(SourceTracing, NothingWithinDistanceGivesNoSite) {
  std::vector<RegistrySite> sites;
  sites.push_back(site("E1", "POINT (500400 4000050)"));  // 300 m
  const SourceTracer tracer(one(registry("permits", RegistryKind::enterprise, std::move(sites), 299.0)), {}, {},
                            epsg_wkt(32650));
  EXPECT_TRUE(tracer.trace(*hotspot(), false).empty());
  EXPECT_EQ(sources_text({}), "");
}

TEST(SourceTracing, PolygonSitesAreMeasuredToTheirBoundaryAndHoldingTheHotspotIsZero) {
  std::vector<RegistrySite> sites;
  // A project area centred on the hotspot, and a construction site 200 m north of it.
  sites.push_back(
      site("C1", "POLYGON ((499050 3999050,501050 3999050,501050 4001050,499050 4001050,499050 3999050))", "矿区"));
  sites.push_back(site("C2", "POLYGON ((500000 4000300,500200 4000300,500200 4000400,500000 4000400,500000 4000300))"));
  const SourceTracer tracer(one(registry("projects", RegistryKind::construction, std::move(sites))), {}, {},
                            epsg_wkt(32650));
  const auto traced = tracer.trace(*hotspot(), false);
  ASSERT_EQ(ids(traced), (std::vector<std::string>{"C1", "C2"}));
  EXPECT_DOUBLE_EQ(traced[0].distance_m, 0.0);
  EXPECT_NEAR(traced[1].distance_m, 200.0, 1e-6);
  // C2's point on its surface is (500100, 4000350): bearing atan2(50, 300) from the centroid.
  EXPECT_NEAR(traced[1].bearing_deg, std::atan2(50.0, 300.0) * 180.0 / M_PI, 0.05);
  // C1's point on surface is its centre, the hotspot's centroid: the same place, no direction.
  EXPECT_FALSE(std::isfinite(traced[0].bearing_deg));
  EXPECT_EQ(compass_point(traced[0].bearing_deg), "");
  EXPECT_EQ(sources_text({traced[0]}), "C1 矿区 construction 0 m");
}

/// A river flowing south past the hotspot, drawn as two lines meeting at (500050, 4005000),
/// where a tributary from the east joins; a separate stream flows east further south.
std::vector<RiverLine> rivers() {
  return {{{500050, 4010000}, {500050, 4005000}},
          {{500050, 4005000}, {500050, 4000050}, {500050, 3990000}},
          {{510000, 4005000}, {505000, 4005000}, {500050.4, 4005000}},  // ends 0.4 m off: within tolerance
          {{505000, 3995000}, {515000, 3995000}}};
}

std::vector<RegistrySite> river_sites() {
  std::vector<RegistrySite> sites;
  sites.push_back(site("UP", "POINT (500300 4002000)"));     // by the main river, 1.9 km upstream
  sites.push_back(site("DOWN", "POINT (500150 3999800)"));   // by the main river, 200 m downstream: the nearest
  sites.push_back(site("TRIB", "POINT (505000 4005100)"));   // by the tributary
  sites.push_back(site("OTHER", "POINT (505100 3995050)"));  // by the separate stream
  sites.push_back(site("FAR", "POINT (502000 4000050)"));    // 1.9 km from any river: off the network
  return sites;
}

TEST(SourceTracing, WaterHotspotsListUpstreamSitesFirst) {
  RiverNetworkOptions network;
  network.path = "rivers";
  network.snap_distance_m = 500.0;
  const SourceTracer tracer(one(registry("outfalls", RegistryKind::outfall, river_sites(), 10000.0, 5)), rivers(),
                            network, epsg_wkt(32650));
  EXPECT_EQ(tracer.river_nodes(), 8u);  // the tributary's end merged into the junction
  const auto water = tracer.trace(*hotspot(), true);
  EXPECT_EQ(ids(water), (std::vector<std::string>{"UP", "TRIB", "DOWN", "FAR", "OTHER"}));
  EXPECT_TRUE(water[0].upstream);
  EXPECT_TRUE(water[1].upstream);
  EXPECT_FALSE(water[2].upstream);
  EXPECT_FALSE(water[3].upstream);
  EXPECT_FALSE(water[4].upstream);
  EXPECT_EQ(sources_text({water[0]}), "UP outfall 1910 m N upstream");
  EXPECT_EQ(sources_text_zh({water[0]}), "UP 入河排污口 北 1910 米 上游");
  // Other hotspots: nearest first, nobody upstream.
  const auto land = tracer.trace(*hotspot(), false);
  EXPECT_EQ(ids(land), (std::vector<std::string>{"DOWN", "FAR", "UP", "TRIB", "OTHER"}));
  for (const TracedSite& s : land) EXPECT_FALSE(s.upstream) << s.id;
}

TEST(SourceTracing, UpstreamChoiceAppliesBeforeTheSiteLimit) {
  RiverNetworkOptions network;
  network.path = "rivers";
  network.snap_distance_m = 500.0;
  const SourceTracer tracer(one(registry("outfalls", RegistryKind::outfall, river_sites(), 10000.0, 1)), rivers(),
                            network, epsg_wkt(32650));
  EXPECT_EQ(ids(tracer.trace(*hotspot(), true)), (std::vector<std::string>{"UP"}));
  EXPECT_EQ(ids(tracer.trace(*hotspot(), false)), (std::vector<std::string>{"DOWN"}));
}

TEST(SourceTracing, WithoutANodeToleranceTheTributaryIsNotJoined) {
  RiverNetworkOptions network;
  network.path = "rivers";
  network.snap_distance_m = 500.0;
  network.node_tolerance_m = 0.0;
  const SourceTracer tracer(one(registry("outfalls", RegistryKind::outfall, river_sites(), 10000.0, 5)), rivers(),
                            network, epsg_wkt(32650));
  EXPECT_EQ(tracer.river_nodes(), 9u);
  const auto water = tracer.trace(*hotspot(), true);
  EXPECT_EQ(ids(water), (std::vector<std::string>{"UP", "DOWN", "FAR", "TRIB", "OTHER"}));
  EXPECT_FALSE(water[3].upstream);
}

TEST(SourceTracing, WaterChangeTypesAreThoseNamedWater) {
  EXPECT_TRUE(is_water_change(kernels::ChangeType::water_loss));
  EXPECT_TRUE(is_water_change(kernels::ChangeType::water_gain));
  EXPECT_FALSE(is_water_change(kernels::ChangeType::construction));
  EXPECT_FALSE(is_water_change(kernels::ChangeType::vegetation_loss));
}

TEST(SourceTracing, CompassPointsSplitTheCircleIntoEightSectors) {
  EXPECT_EQ(compass_point(0.0), "N");
  EXPECT_EQ(compass_point(22.49), "N");
  EXPECT_EQ(compass_point(22.5), "NE");
  EXPECT_EQ(compass_point(135.0), "SE");
  EXPECT_EQ(compass_point(180.0), "S");
  EXPECT_EQ(compass_point(250.0), "W");
  EXPECT_EQ(compass_point(337.5), "N");
  EXPECT_EQ(compass_point(-45.0), "NW");
  EXPECT_EQ(compass_point_zh(315.0), "西北");
  EXPECT_EQ(compass_point_zh(100.0), "东");
  EXPECT_EQ(compass_point(std::nan("")), "");
}

/// trace_sources on files: registry and rivers in CGCS2000 degrees, hotspots on the UTM grid.
class TraceSourcesTest : public test::TempFolderTest {
 protected:
  /// WKT of UTM 50N points in CGCS2000 lon/lat.
  static std::string geographic_wkt(const std::string& type, const std::vector<std::array<double, 2>>& points) {
    OGRSpatialReference utm, geographic;
    utm.importFromEPSG(32650);
    geographic.importFromEPSG(4490);
    utm.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    geographic.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> to_geo(OGRCreateCoordinateTransformation(&utm, &geographic));
    std::string wkt = type + " (";
    for (std::size_t i = 0; i < points.size(); ++i) {
      double x = points[i][0], y = points[i][1];
      EXPECT_TRUE(to_geo->Transform(1, &x, &y));
      wkt += (i ? "," : "") + text_of(x) + " " + text_of(y);
    }
    return wkt + ")";
  }
  static std::string text_of(double v) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.10f", v);
    return buffer;
  }
};

TEST_F(TraceSourcesTest, ReadsTheLayersReprojectsAndFillsTheHotspots) {
  test::write_vector_layer(root_ / "outfalls.gpkg", "outfalls", 4490, {"code", "name"},
                           {{geographic_wkt("POINT", {{500300, 4002000}}), {{"code", "UP"}, {"name", "上游排口"}}},
                            {geographic_wkt("POINT", {{500150, 3999800}}), {{"code", "DOWN"}}}});
  test::write_vector_layer(root_ / "rivers.gpkg", "rivers", 4490, {},
                           {{geographic_wkt("LINESTRING", {{500050, 4010000}, {500050, 3990000}}), {}}});
  SourcesOptions options;
  RegistryOptions outfalls;
  outfalls.name = "outfalls";
  outfalls.kind = RegistryKind::outfall;
  outfalls.path = (root_ / "outfalls.gpkg").string();
  outfalls.id_field = "code";
  outfalls.name_field = "name";
  outfalls.max_distance_m = 5000.0;
  options.registries.push_back(outfalls);
  options.river_network.path = (root_ / "rivers.gpkg").string();
  options.river_network.snap_distance_m = 500.0;

  std::vector<Hotspot> hotspots(3);
  hotspots[0].id = "W1";
  hotspots[0].change_type = kernels::ChangeType::water_loss;
  hotspots[0].geometry_wkt = kHotspot;
  hotspots[1].id = "V1";
  hotspots[1].change_type = kernels::ChangeType::vegetation_loss;
  hotspots[1].geometry_wkt = kHotspot;
  hotspots[2].id = "FAR";
  hotspots[2].change_type = kernels::ChangeType::construction;
  hotspots[2].geometry_wkt = "POLYGON ((600000 4000000,600100 4000000,600100 4000100,600000 4000000))";
  const SourceTracingResult result = trace_sources(options, epsg_wkt(32650), hotspots);

  EXPECT_EQ(ids(hotspots[0].sources), (std::vector<std::string>{"UP", "DOWN"}));
  EXPECT_TRUE(hotspots[0].sources[0].upstream);
  EXPECT_NEAR(hotspots[0].sources[0].distance_m, 1910.5, 0.5);  // reprojection round trip: well under 1 m
  EXPECT_EQ(hotspots[0].sources[0].name, "上游排口");
  EXPECT_EQ(ids(hotspots[1].sources), (std::vector<std::string>{"DOWN", "UP"}));
  EXPECT_NEAR(hotspots[1].sources[0].distance_m, std::hypot(50.0, 200.0), 0.5);
  EXPECT_TRUE(hotspots[2].sources.empty());

  EXPECT_EQ(result.hotspots, 3u);
  EXPECT_EQ(result.hotspots_traced, 2u);
  EXPECT_EQ(result.water_hotspots, 1u);
  EXPECT_EQ(result.water_hotspots_on_network, 1u);
  EXPECT_EQ(result.river_lines, 1u);
  ASSERT_EQ(result.registries.size(), 1u);
  EXPECT_EQ(result.registries[0].sites, 2u);
  EXPECT_EQ(result.registries[0].hotspots_with_site, 2u);
  const nlohmann::json json = result.to_json();
  EXPECT_EQ(json.at("by_hotspot").at("W1").at(0).at("id"), "UP");
  EXPECT_EQ(json.at("by_hotspot").at("W1").at(0).at("direction"), "N");
  EXPECT_EQ(json.at("by_hotspot").at("W1").at(0).at("upstream"), true);
  EXPECT_EQ(json.at("by_hotspot").at("FAR").size(), 0u);
  EXPECT_EQ(json.at("measured_in"), "analysis CRS");
}

TEST_F(TraceSourcesTest, AGeographicGridIsMeasuredInMetresAllTheSame) {
  test::write_vector_layer(root_ / "outfalls.gpkg", "outfalls", 4490, {"code"},
                           {{geographic_wkt("POINT", {{500400, 4000050}}), {{"code", "E1"}}}});
  SourcesOptions options;
  RegistryOptions permits;
  permits.name = "permits";
  permits.kind = RegistryKind::enterprise;
  permits.path = (root_ / "outfalls.gpkg").string();
  permits.id_field = "code";
  options.registries.push_back(permits);
  std::vector<Hotspot> hotspots(1);
  hotspots[0].id = "H";
  hotspots[0].geometry_wkt = geographic_wkt(
      "POLYGON (", {{500000, 4000000}, {500100, 4000000}, {500100, 4000100}, {500000, 4000100}, {500000, 4000000}});
  hotspots[0].geometry_wkt += ")";
  hotspots[0].centroid_lon_wgs84 = 117.0;
  hotspots[0].centroid_lat_wgs84 = 36.1;
  const SourceTracingResult result = trace_sources(options, epsg_wkt(4490), hotspots);
  ASSERT_EQ(hotspots[0].sources.size(), 1u);
  EXPECT_NEAR(hotspots[0].sources[0].distance_m, 300.0, 1.0);
  EXPECT_EQ(compass_point(hotspots[0].sources[0].bearing_deg), "E");
  EXPECT_EQ(result.measured_in, "local azimuthal equidistant projection");
}

}  // namespace
}  // namespace zw
