// Inspector packets: driving order, the packet's files read back with GDAL's own KML, GPX
// and CSV drivers, status marking in the store, region errors. The synthetic scans carry
// no imagery, so chips are reported missing (the e2e test covers chips and the page).
#include "zonewatch/pipeline/commands/dispatch.hpp"
#include "zonewatch/pipeline/monitoring/dispatch.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "support/store_fixture.hpp"
#include "zonewatch/pipeline/core/error.hpp"

namespace zw::store_test {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

const std::string kUnitA = "ZH50011610001";
const std::string kUnitB = "ZH50011610002";

TEST(DrivingOrderTest, SeverityFirstThenAShortPath) {
  // Along a road at 29.4 N: high stops at 106.30, 106.34, 106.32; medium at 106.31, 106.35.
  constexpr Severity kHigh = Severity::high, kMedium = Severity::medium;
  const std::vector<RouteStop> stops{{106.30, 29.4, kHigh},
                                     {106.34, 29.4, kHigh},
                                     {106.31, 29.4, kMedium},
                                     {106.32, 29.4, kHigh},
                                     {106.35, 29.4, kMedium}};
  const auto order = driving_order(stops, std::nullopt);
  ASSERT_EQ(order.size(), 5u);
  EXPECT_EQ(std::vector<std::size_t>(order.begin(), order.begin() + 3), (std::vector<std::size_t>{0, 3, 1}))
      << "high stops first, in road order from one end";
  EXPECT_EQ(std::vector<std::size_t>(order.begin() + 3, order.end()), (std::vector<std::size_t>{4, 2}))
      << "then the medium ones, starting nearest to where the high ones ended";
  // With a start in the east the high stops are driven east to west.
  const auto from_east = driving_order(stops, std::array<double, 2>{106.40, 29.4});
  EXPECT_EQ(std::vector<std::size_t>(from_east.begin(), from_east.begin() + 3), (std::vector<std::size_t>{1, 3, 0}));
  EXPECT_TRUE(driving_order({}, std::nullopt).empty());
  EXPECT_NEAR(haversine_km(106.3, 29.4, 106.3, 30.4), 111.2, 0.2);
}

TEST(DrivingOrderTest, TwoOptRemovesCrossings) {
  // Four corners of a square plus its centre, all one severity: the path must not zigzag.
  std::vector<RouteStop> stops{
      {0.0, 0.0, Severity::low}, {0.1, 0.1, Severity::low}, {0.1, 0.0, Severity::low}, {0.0, 0.1, Severity::low}};
  const auto order = driving_order(stops, std::array<double, 2>{-0.05, 0.0});
  double km = haversine_km(-0.05, 0.0, stops[order[0]].lon, stops[order[0]].lat);
  for (std::size_t i = 1; i < order.size(); ++i) {
    km += haversine_km(stops[order[i - 1]].lon, stops[order[i - 1]].lat, stops[order[i]].lon, stops[order[i]].lat);
  }
  EXPECT_LT(km, 5.56 + 3 * 11.12 + 0.1) << "start -> corner, then three sides of the square";
}

class DispatchTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    // A 100 x 100 m and a 60 x 40 m hotspot in unit A, 50 x 50 m in unit B.
    ingest({"s1",
            "2018-04-02",
            {patch("p-a", kUnitA, 0, 0, 100, 100), patch("p-b", kUnitA, 500, 0, 60, 40),
             patch("p-c", kUnitB, 0, 800, 50, 50)}});
    options.store_path = options_.path;
    options.region = "500116";
    options.out_dir = (root_ / "packet").string();
  }

  long long features(const std::string& file, const std::string& layer) {
    GDALDatasetUniquePtr ds(GDALDataset::Open((root_ / "packet" / file).c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    if (!ds) return -1;
    OGRLayer* l = ds->GetLayerByName(layer.c_str());
    return l == nullptr ? -2 : static_cast<long long>(l->GetFeatureCount(TRUE));
  }

  DispatchOptions options;
};

TEST_F(DispatchTest, PacketFilesOpenInGisToolsAndHotspotsBecomeDispatched) {
  const DispatchResult result = run_dispatch(options);
  ASSERT_EQ(result.hotspot_ids.size(), 3u);
  EXPECT_EQ(result.dispatch_id.size(), std::string("D20260101-001").size());
  EXPECT_TRUE(result.dispatch_id.ends_with("-001"));
  // Severity first: the two high hotspots (>= 2000 m2) before the medium ... none is low.
  MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  std::vector<Severity> severities;
  for (const auto& id : result.hotspot_ids) severities.push_back(store.hotspot(id)->severity);
  EXPECT_TRUE(std::is_sorted(severities.begin(), severities.end(), std::greater<>()));
  EXPECT_GT(result.route_km, 0.0);
  // No imagery behind the synthetic scans: every hotspot is reported without chips.
  EXPECT_EQ(result.chips, 0);
  EXPECT_EQ(result.warnings.size(), 3u);

  // GDAL's KML and GPX drivers read the packet back.
  EXPECT_EQ(features("hotspots.gpx", "waypoints"), 3);
  EXPECT_EQ(features("hotspots.gpx", "route_points"), 3);
  GDALDatasetUniquePtr kml(
      GDALDataset::Open((root_ / "packet" / "hotspots.kml").c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  ASSERT_TRUE(kml);
  long long placemarks = 0;
  for (auto* layer : kml->GetLayers()) placemarks += layer->GetFeatureCount(TRUE);
  EXPECT_EQ(placemarks, 3);
  // The CSV: BOM, driving order, empty verdict columns for `zonewatch verify`.
  const std::string csv = read_bytes(root_ / "packet" / "hotspots.csv");
  ASSERT_TRUE(csv.starts_with("\xEF\xBB\xBF"));
  EXPECT_NE(csv.find("verdict,verdict_date,inspector,note,approval"), std::string::npos);
  std::size_t at = 0;
  for (const auto& id : result.hotspot_ids) {
    const std::size_t found = csv.find(id, at);
    ASSERT_NE(found, std::string::npos) << id << " missing or out of driving order";
    at = found;
  }
  // The page is self-contained.
  const std::string html = read_bytes(root_ / "packet" / "index.html");
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  for (const auto& id : result.hotspot_ids) EXPECT_NE(html.find("data-id=\"" + id + "\""), std::string::npos) << id;

  // The store: dispatched, one dispatch row, one event per hotspot.
  for (const auto& id : result.hotspot_ids) {
    EXPECT_EQ(store.hotspot(id)->status, HotspotStatus::dispatched) << id;
    const auto events = store.events(id);
    EXPECT_TRUE(std::any_of(events.begin(), events.end(), [&](const StoredEvent& e) {
      return e.source == HistorySource::dispatch && e.ref == result.dispatch_id &&
             e.from_status == HotspotStatus::new_ && e.to_status == HotspotStatus::dispatched;
    })) << id;
  }
  ASSERT_EQ(store.dispatches().size(), 1u);
  EXPECT_EQ(store.dispatches()[0].hotspot_count, 3);

  // A second packet numbers on, and dispatched hotspots stay in it until verified.
  options.out_dir = (root_ / "packet-2").string();
  const DispatchResult second = run_dispatch(options);
  EXPECT_TRUE(second.dispatch_id.ends_with("-002"));
  EXPECT_EQ(second.hotspot_ids.size(), 3u);
}

TEST_F(DispatchTest, NoMarkLeavesTheStoreAlone) {
  options.mark_dispatched = false;
  const DispatchResult result = run_dispatch(options);
  ASSERT_EQ(result.hotspot_ids.size(), 3u);
  MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  for (const auto& id : result.hotspot_ids) EXPECT_EQ(store.hotspot(id)->status, HotspotStatus::new_) << id;
  EXPECT_TRUE(store.dispatches().empty());
  EXPECT_TRUE(fs::exists(root_ / "packet" / "index.html"));
}

TEST_F(DispatchTest, RegionByNameOrCodeAndAnUnknownOneNamesTheRegionsThereAre) {
  options.region = "重庆市江津区";
  EXPECT_EQ(run_dispatch(options).hotspot_ids.size(), 3u);
  options.region = "ZH500107";
  options.out_dir = (root_ / "packet-x").string();
  try {
    (void)run_dispatch(options);
    ADD_FAILURE() << "a region without hotspots was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--region ZH500107"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("重庆市江津区 (3)"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(root_ / "packet-x")) << "a refused packet left a folder";
  options.store_path = (root_ / "missing.gpkg").string();
  EXPECT_THROW((void)run_dispatch(options), InputError);
}

TEST_F(StoreTest, TracedSourcesAreStoredAndShownInEveryPacketFile) {
  // A tracer standing in for the source-tracing stage: one registered site per hotspot, its
  // name untrusted text.
  const HotspotTracer tracer = [](std::vector<Hotspot>& hotspots) {
    for (Hotspot& h : hotspots) {
      TracedSite site;
      site.registry = "enterprises";
      site.kind = RegistryKind::enterprise;
      site.id = "E-" + h.id.substr(h.id.size() - 4);
      site.name = "化工厂<b>&\"";
      site.distance_m = 420.0;
      site.bearing_deg = 45.0;
      h.sources = {site};
    }
  };
  const ScanResults s1 = ingest({"s1", "2018-04-02", {patch("p-a", kUnitA, 0, 0, 100, 100)}}, nullptr, {}, tracer);
  ASSERT_EQ(s1.hotspots.size(), 1u);
  const std::string id = s1.hotspots[0].id;
  {
    MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
    const auto h = store.hotspot(id);
    EXPECT_EQ(h->source_count, 1);
    EXPECT_EQ(h->nearest_source_id, "E-0001");
    EXPECT_EQ(h->nearest_source_name, "化工厂<b>&\"");
    EXPECT_EQ(h->nearest_source_kind, "enterprise");
    EXPECT_NEAR(h->nearest_source_m, 420.0, 1e-9);
    EXPECT_NEAR(h->nearest_source_bearing, 45.0, 1e-9);
    EXPECT_NE(h->sources.find("E-0001"), std::string::npos) << h->sources;
    EXPECT_NE(h->sources_zh.find("东北"), std::string::npos) << h->sources_zh;
  }
  // Seen again by a scan that traces nothing: the last trace stays.
  (void)ingest({"s2", "2018-05-03", {patch("q-a", kUnitA, 0, 0, 100, 100)}});
  EXPECT_EQ(MonitoringStore::open(options_.path, MonitoringStore::Mode::read).hotspot(id)->source_count, 1)
      << "an untraced sighting dropped the sources";

  DispatchOptions options;
  options.store_path = options_.path;
  options.region = "500116";
  options.out_dir = (root_ / "packet").string();
  ASSERT_EQ(run_dispatch(options).hotspot_ids.size(), 1u);
  const std::string kml = read_bytes(root_ / "packet" / "hotspots.kml");
  const std::string gpx = read_bytes(root_ / "packet" / "hotspots.gpx");
  const std::string csv = read_bytes(root_ / "packet" / "hotspots.csv");
  const std::string html = read_bytes(root_ / "packet" / "index.html");
  for (const auto* file : {&kml, &gpx, &html}) {
    EXPECT_NE(file->find("E-0001 化工厂&lt;b&gt;&amp;"), std::string::npos)
        << "escaped site in " << file->substr(0, 60);
    EXPECT_EQ(file->find("化工厂<b>"), std::string::npos) << "raw markup in " << file->substr(0, 60);
  }
  EXPECT_NE(kml.find("Sources 疑似污染源"), std::string::npos);
  EXPECT_NE(csv.find("sources,source_count,nearest_source_id,nearest_source_m"), std::string::npos);
  EXPECT_NE(csv.find(",1,E-0001,420,"), std::string::npos) << csv;
}

}  // namespace
}  // namespace zw::store_test
