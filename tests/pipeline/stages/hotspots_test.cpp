// The hotspots stage: patches attributed to the unit they overlap most (ties: layer order),
// IDs per unit and after month, centroids in WGS84 / CGCS2000, units' changed areas; and
// the one report order.
#include <cmath>
#include <string>
#include <vector>

#include <cpl_conv.h>
#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogr_spatialref.h>

#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/stages/hotspots.hpp"
#include "zonewatch/pipeline/stages/judge.hpp"

namespace zw {
namespace {

using kernels::ChangeType;

std::string utm48n() {
  OGRSpatialReference srs;
  srs.importFromEPSG(32648);
  char* wkt = nullptr;
  srs.exportToWkt(&wkt);
  std::string out = wkt;
  CPLFree(wkt);
  return out;
}

kernels::ComponentStats patch(ChangeType type, double area) {
  kernels::ComponentStats s;
  s.change_type = static_cast<std::uint8_t>(type);
  s.area_m2 = area;
  s.pixel_count = static_cast<std::uint64_t>(area / 100.0);
  s.sum_greenness_before = 0.8 * static_cast<double>(s.pixel_count);
  s.sum_greenness_after = 0.2 * static_cast<double>(s.pixel_count);
  s.greenness_count = s.pixel_count;
  s.sum_magnitude = 5.0 * static_cast<double>(s.pixel_count);
  return s;
}

PatchGeometry square(double x, double y, double side) {
  PatchGeometry g;
  OGRLinearRing ring;
  ring.addPoint(x, y);
  ring.addPoint(x + side, y);
  ring.addPoint(x + side, y + side);
  ring.addPoint(x, y + side);
  ring.closeRings();
  OGRPolygon polygon;
  polygon.addRing(&ring);
  g.geometry->addGeometry(&polygon);
  return g;
}

ControlUnit unit(const std::string& code, UnitType type) {
  ControlUnit u;
  u.code = code;
  u.name = "unit " + code;
  u.type = type;
  u.region = "R";
  return u;
}

class HotspotsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { GDALAllRegister(); }
};

TEST_F(HotspotsTest, PatchesBecomeHotspotsOfTheUnitTheyOverlapMost) {
  RuleSet rules;
  rules.by_type[static_cast<int>(UnitType::general)].change_types = {ChangeType::construction};
  const Judge judge(JudgeOptions{rules});
  AnalysisGrid grid;
  grid.crs_wkt = utm48n();
  grid.geotransform = {629000.0, 10.0, 0.0, 3254000.0, 0.0, -10.0};
  grid.width = grid.height = 100;
  const std::vector<ControlUnit> units{unit("ZH001", UnitType::priority), unit("ZH002", UnitType::general)};
  const std::vector<kernels::ZonalStats> unit_stats(2);
  const std::vector<kernels::ComponentStats> patches{
      patch(ChangeType::construction, 1000.0),    // mostly in ZH002
      patch(ChangeType::vegetation_loss, 500.0),  // ZH002 does not alert on it
      patch(ChangeType::construction, 300.0),     // outside every unit
      patch(ChangeType::water_gain, 400.0),       // equal overlap: the first unit
      patch(ChangeType::construction, 200.0)};    // ZH001's second
  const std::vector<std::vector<std::pair<std::uint32_t, double>>> overlaps{
      {{0, 100.0}, {1, 900.0}}, {{1, 500.0}}, {}, {{0, 200.0}, {1, 200.0}}, {{0, 200.0}}};
  std::vector<PatchGeometry> polygons;
  for (int p = 0; p < 5; ++p) polygons.push_back(square(629000.0 + 100.0 * p, 3253000.0, 30.0));
  polygons[4] = PatchGeometry{};  // no polygon: no centroid, no geometry

  const HotspotsResult result =
      build_hotspots({patches, overlaps, unit_stats, polygons, units, grid}, {"2018-02-10", "2018-04-26"}, judge);
  EXPECT_EQ(result.patches, 5u);
  EXPECT_EQ(result.patches_outside_units, 1u);
  EXPECT_EQ(result.patches_not_alerting_by_rule, 1u);
  ASSERT_EQ(result.hotspots.size(), 3u);
  const Hotspot& a = result.hotspots[0];
  EXPECT_EQ(a.id, "ZH002-201804-0001");
  EXPECT_EQ(a.unit_code, "ZH002");
  EXPECT_EQ(a.unit_type, UnitType::general);
  EXPECT_EQ(a.before_date, "2018-02-10");
  EXPECT_DOUBLE_EQ(a.mean_greenness_before, 0.8);
  EXPECT_DOUBLE_EQ(a.mean_magnitude, 5.0);
  EXPECT_EQ(a.geometry_wkt.rfind("POLYGON", 0), 0u) << a.geometry_wkt;
  EXPECT_NEAR(a.centroid_lon_wgs84, 106.33, 0.05);
  EXPECT_NEAR(a.centroid_lat_wgs84, 29.41, 0.05);
  EXPECT_NEAR(a.centroid_lon_cgcs2000, a.centroid_lon_wgs84, 1e-5);
  EXPECT_EQ(result.hotspots[1].id, "ZH001-201804-0001");
  EXPECT_EQ(result.hotspots[1].change_type, ChangeType::water_gain);
  EXPECT_EQ(result.hotspots[2].id, "ZH001-201804-0002");
  EXPECT_TRUE(result.hotspots[2].geometry_wkt.empty());
  EXPECT_EQ(result.hotspots[2].centroid_lon_wgs84, 0.0);

  ASSERT_EQ(result.units.size(), 2u);
  EXPECT_EQ(result.units[0].hotspot_count, 2);
  EXPECT_EQ(result.units[1].hotspot_count, 1);
  // Changed areas count every overlap, alerting or not.
  EXPECT_DOUBLE_EQ(result.units[1].stats.changed_area_m2[static_cast<int>(ChangeType::construction)], 900.0);
  EXPECT_DOUBLE_EQ(result.units[1].stats.changed_area_m2[static_cast<int>(ChangeType::vegetation_loss)], 500.0);
  EXPECT_DOUBLE_EQ(result.units[0].stats.changed_area_m2[static_cast<int>(ChangeType::water_gain)], 200.0);
  EXPECT_EQ(result.to_json(),
            (nlohmann::json{{"patches", 5}, {"patches_outside_units", 1}, {"patches_not_alerting_by_rule", 1}}));
}

TEST_F(HotspotsTest, InputsMustAgree) {
  const Judge judge(JudgeOptions{});
  AnalysisGrid grid;
  const std::vector<ControlUnit> units;
  const std::vector<kernels::ZonalStats> unit_stats;
  const std::vector<kernels::ComponentStats> patches{patch(ChangeType::construction, 1000.0)};
  const std::vector<std::vector<std::pair<std::uint32_t, double>>> overlaps;
  const std::vector<PatchGeometry> polygons;
  EXPECT_THROW((void)build_hotspots({patches, overlaps, unit_stats, polygons, units, grid}, {"", "2018-04-26"}, judge),
               InternalError);
  EXPECT_THROW((void)build_hotspots({patches, overlaps, unit_stats, polygons, units, grid}, {"", "April"}, judge),
               ConfigError);
}

TEST(ReportOrder, SeverityThenAreaThenId) {
  const auto h = [](const std::string& id, Severity s, double area) {
    Hotspot x;
    x.id = id;
    x.severity = s;
    x.area_m2 = area;
    return x;
  };
  std::vector<Hotspot> hotspots{h("d", Severity::low, 9000), h("c", Severity::high, 100), h("b", Severity::high, 500),
                                h("a", Severity::high, 100), h("e", Severity::medium, 1)};
  sort_for_report(hotspots);
  std::string order;
  for (const Hotspot& x : hotspots) order += x.id;
  EXPECT_EQ(order, "baced");
  EXPECT_TRUE(report_order_less(hotspots[0], hotspots[1]));
  EXPECT_FALSE(report_order_less(hotspots[1], hotspots[1]));
}

}  // namespace
}  // namespace zw
