// The monitoring store: matching patches across scans (overlap, adjacency, expansion,
// merging), stable IDs, idempotent re-runs, suppression by verdicts and approved
// projects, recovery proposals.
#include "zonewatch/pipeline/monitoring/store.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "support/store_fixture.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/monitoring/report.hpp"
#include "zonewatch/pipeline/monitoring/verdicts.hpp"

namespace zw::store_test {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

const std::string kUnitA = "ZH50011610001";
const std::string kUnitB = "ZH50011610002";

/// Scan 1 (2018-04): A 100 x 100 m and B 60 x 40 m in unit A, C 50 x 50 m in unit B.
SyntheticScan first_scan() {
  return {"s1",
          "2018-04-02",
          {patch("p-a", kUnitA, 0, 0, 100, 100), patch("p-b", kUnitA, 500, 0, 60, 40),
           patch("p-c", kUnitB, 0, 800, 50, 50)}};
}

std::string id_of(const ScanResults& results, double area) {
  for (const Hotspot& h : results.hotspots) {
    if (std::abs(h.area_m2 - area) < 1e-6) return h.id;
  }
  return {};
}

void write_verdicts(const fs::path& path, const std::string& rows) {
  write_bytes(path, "hotspot_id,verdict,verdict_date,inspector,note,approval\n" + rows);
}

TEST_F(StoreTest, FirstScanCreatesTheStoreAndGivesStableReadableIds) {
  IngestSummary summary;
  const ScanResults results = ingest(first_scan(), &summary);
  EXPECT_TRUE(results.tracked);
  ASSERT_EQ(results.hotspots.size(), 3u);
  // Unit code, after year-month, sequence per unit in report order (largest first).
  EXPECT_EQ(id_of(results, 10000.0), kUnitA + "-201804-0001");
  EXPECT_EQ(id_of(results, 2400.0), kUnitA + "-201804-0002");
  EXPECT_EQ(id_of(results, 2500.0), kUnitB + "-201804-0001");
  for (const Hotspot& h : results.hotspots) {
    EXPECT_EQ(h.status, "new");
    EXPECT_EQ(h.track_event, "new");
    EXPECT_EQ(h.first_seen, "2018-04-02");
    EXPECT_EQ(h.times_seen, 1);
  }
  EXPECT_EQ(summary.new_hotspots, 3);
  EXPECT_EQ(summary.scan_seq, 1);
  EXPECT_FALSE(summary.reused);

  MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  EXPECT_EQ(store.count("scans"), 1);
  EXPECT_EQ(store.count("hotspots"), 3);
  EXPECT_EQ(store.count("observations"), 3);
  EXPECT_EQ(store.count("unit_stats"), 2);
  EXPECT_EQ(store.integrity_check(), "ok");
  const auto a = store.hotspot(kUnitA + "-201804-0001");
  ASSERT_TRUE(a);
  EXPECT_NEAR(a->area_m2, 10000.0, 1e-6);
  EXPECT_NEAR(a->lon_wgs84, 106.33, 0.05);
  EXPECT_NEAR(a->lat_wgs84, 29.39, 0.05);
  EXPECT_NEAR(a->baseline_greenness, 0.70, 1e-9);
  EXPECT_EQ(a->rectification_days, 30);
  EXPECT_EQ(store.events(a->id).size(), 1u);
  // A QGIS user sees a normal GeoPackage with the hotspots layer in the grid CRS.
  GDALDatasetUniquePtr ds(GDALDataset::Open(options_.path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  ASSERT_TRUE(ds);
  EXPECT_STREQ(ds->GetDriver()->GetDescription(), "GPKG");
  OGRLayer* layer = ds->GetLayerByName("hotspots");
  ASSERT_NE(layer, nullptr);
  EXPECT_STREQ(layer->GetSpatialRef()->GetAuthorityCode(nullptr), "32648");
}

TEST_F(StoreTest, OverlappingAndAdjacentPatchesKeepTheirHotspotFarOnesAreNew) {
  const ScanResults s1 = ingest(first_scan());
  const std::string a = id_of(s1, 10000.0), b = id_of(s1, 2400.0);
  IngestSummary summary;
  const ScanResults s2 = ingest({"s2",
                                 "2018-05-03",
                                 {patch("q-a", kUnitA, 10, 10, 90, 90),    // overlaps A, inside it
                                  patch("q-b", kUnitA, 580, 0, 40, 40),    // 20 m east of B: adjacent
                                  patch("q-d", kUnitA, 300, 0, 30, 30)}},  // 140 m from A: new
                                &summary);
  ASSERT_EQ(s2.hotspots.size(), 3u);
  const Hotspot* ha = find(s2, a);
  const Hotspot* hb = find(s2, b);
  ASSERT_NE(ha, nullptr);
  ASSERT_NE(hb, nullptr);
  EXPECT_EQ(ha->track_event, "persisting");
  EXPECT_EQ(ha->times_seen, 2);
  EXPECT_EQ(ha->first_seen, "2018-04-02");
  EXPECT_EQ(ha->status, "new");
  // 20 m gap < 30 m match distance: the same hotspot; all of q-b lies outside B's footprint,
  // so it is recorded as an expansion by its whole area.
  EXPECT_EQ(hb->track_event, "expanded") << "20 m gap < 30 m match distance";
  EXPECT_NEAR(hb->added_area_m2, 1600.0, 1e-3);
  EXPECT_NE(find(s2, kUnitA + "-201805-0001"), nullptr) << "a new month starts a new sequence";
  EXPECT_EQ(summary.persisting, 1);
  EXPECT_EQ(summary.expanded, 1);
  EXPECT_EQ(summary.new_hotspots, 1);
  MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  EXPECT_EQ(store.count("hotspots"), 4) << "no duplicate for A or B";
  EXPECT_EQ(store.hotspot(a)->last_seen, "2018-05-03");
  EXPECT_NEAR(store.hotspot(a)->area_m2, 10000.0, 1e-6) << "footprint unchanged when not expanded";

  // Beyond the match distance: 40 m east of B's grown footprint (which now ends at 620 m).
  options_.match_distance_m = 30.0;
  const ScanResults s3 = ingest({"s3", "2018-06-01", {patch("r-b", kUnitA, 660, 0, 40, 40)}});
  ASSERT_EQ(s3.hotspots.size(), 1u);
  EXPECT_EQ(s3.hotspots[0].id, kUnitA + "-201806-0001");
}

TEST_F(StoreTest, ExpansionRecordsTheAddedAreaAndGrowsTheFootprint) {
  const ScanResults s1 = ingest(first_scan());
  const std::string a = id_of(s1, 10000.0);
  IngestSummary summary;
  // A grown by 50 m to the north: +5000 m2.
  const ScanResults s2 = ingest({"s2", "2018-05-03", {patch("q-a", kUnitA, 0, 0, 100, 150)}}, &summary);
  const Hotspot* h = find(s2, a);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->track_event, "expanded");
  EXPECT_NEAR(h->added_area_m2, 5000.0, 1e-3);
  EXPECT_EQ(summary.expanded, 1);
  MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  const auto stored = store.hotspot(a);
  EXPECT_NEAR(stored->area_m2, 15000.0, 1e-3);
  EXPECT_NEAR(stored->first_area_m2, 10000.0, 1e-6);
  EXPECT_NEAR(stored->last_area_m2, 15000.0, 1e-6);
  const auto events = store.events(a);
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const StoredEvent& e) {
    return e.detail.find("expanded by 5000 m2") != std::string::npos;
  }));
  const auto observations = store.observations("scan-s2");
  ASSERT_EQ(observations.size(), 1u);
  EXPECT_EQ(observations[0].event, SightingEvent::expanded);
  EXPECT_NEAR(observations[0].added_area_m2, 5000.0, 1e-3);

  // A small wobble (100 m2, 0.7 % of the footprint) is not an expansion.
  const ScanResults s3 = ingest({"s3", "2018-06-03", {patch("r-a", kUnitA, 0, 0, 101, 150)}});
  EXPECT_EQ(find(s3, a)->track_event, "persisting");
  EXPECT_NEAR(find(s3, a)->added_area_m2, 150.0, 1e-3);
}

TEST_F(StoreTest, PatchesOfOneHotspotAreReportedAsOneMergedRow) {
  const ScanResults s1 = ingest(first_scan());
  const std::string a = id_of(s1, 10000.0);
  const ScanResults s2 =
      ingest({"s2", "2018-05-03", {patch("q-1", kUnitA, 0, 0, 40, 100), patch("q-2", kUnitA, 60, 0, 40, 100)}});
  ASSERT_EQ(s2.hotspots.size(), 1u);
  EXPECT_EQ(s2.hotspots[0].id, a);
  EXPECT_NEAR(s2.hotspots[0].area_m2, 8000.0, 1e-6);
  EXPECT_EQ(s2.hotspots[0].pixel_count, 80u);
  // Rated again by the judge for the merged area (each patch alone says "test").
  EXPECT_EQ(s2.hotspots[0].rule, "priority: construction 8000 m2 >= 2000 m2 -> high");
  EXPECT_EQ(s2.hotspots[0].severity, Severity::high);
  EXPECT_EQ(s2.units[0].hotspot_count, 1) << "unit counts follow the reported hotspots";
  MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  EXPECT_EQ(store.count("hotspots"), 3);
  EXPECT_EQ(store.observations("scan-s2").size(), 2u);
}

TEST_F(StoreTest, SequencesContinueWithinAMonthAcrossScans) {
  ingest(first_scan());
  const ScanResults s2 = ingest({"s2", "2018-04-20", {patch("q-e", kUnitA, 0, 400, 30, 30)}});
  ASSERT_EQ(s2.hotspots.size(), 1u);
  EXPECT_EQ(s2.hotspots[0].id, kUnitA + "-201804-0003");
}

TEST_F(StoreTest, RerunningAnIngestedScanChangesNothingAndGivesTheSameIds) {
  const ScanResults s1 = ingest(first_scan());
  const std::string before = read_bytes(options_.path);
  IngestSummary summary;
  const ScanResults again = ingest(first_scan(), &summary);
  EXPECT_TRUE(summary.reused);
  EXPECT_EQ(summary.new_hotspots, 3);
  EXPECT_EQ(read_bytes(options_.path), before) << "the store file is byte-identical";
  ASSERT_EQ(again.hotspots.size(), s1.hotspots.size());
  for (std::size_t i = 0; i < s1.hotspots.size(); ++i) {
    EXPECT_EQ(again.hotspots[i].id, s1.hotspots[i].id);
    EXPECT_EQ(again.hotspots[i].status, s1.hotspots[i].status);
    EXPECT_EQ(again.hotspots[i].track_event, s1.hotspots[i].track_event);
    EXPECT_EQ(again.hotspots[i].first_seen, s1.hotspots[i].first_seen);
  }
  // An older scan re-run after a newer one still reports what it reported then.
  ingest({"s2", "2018-05-03", {patch("q-a", kUnitA, 0, 0, 100, 150)}});
  const std::string after_s2 = read_bytes(options_.path);
  const ScanResults old = ingest(first_scan());
  EXPECT_EQ(read_bytes(options_.path), after_s2);
  EXPECT_EQ(find(old, id_of(s1, 10000.0))->track_event, "new");
}

TEST_F(StoreTest, LegalAndFalseAlarmVerdictsSuppressAlertsButNotGrowthBeyondThem) {
  const ScanResults s1 = ingest(first_scan());
  const std::string a = id_of(s1, 10000.0), b = id_of(s1, 2400.0);
  const fs::path csv = root_ / "verdicts.csv";
  write_verdicts(csv, a + ",legal,2018-04-20,王工,,渝江环审〔2018〕12号\n" + b + ",false_alarm,2018-04-20,王工,,\n");
  import_verdicts({options_.path, csv.string(), false, "2018-04-30"});

  IngestSummary summary;
  const ScanResults s2 = ingest({"s2",
                                 "2018-05-03",
                                 {patch("q-a", kUnitA, 5, 5, 100, 100),  // inside A's footprint + 30 m
                                  patch("q-b", kUnitA, 500, 0, 60, 40)}},
                                &summary);
  EXPECT_TRUE(s2.hotspots.empty()) << "legal and false-alarm hotspots do not alert again";
  EXPECT_EQ(summary.suppressed, 2);
  MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  const auto observations = store.observations("scan-s2");
  ASSERT_EQ(observations.size(), 2u);
  for (const auto& o : observations) {
    EXPECT_EQ(o.event, SightingEvent::suppressed);
    EXPECT_FALSE(o.reported);
  }
  EXPECT_EQ(store.hotspot(a)->times_seen, 2);

  // Growth well beyond the approved footprint is a new alert, related to the legal one.
  const ScanResults s3 = ingest({"s3", "2018-06-03", {patch("r-a", kUnitA, 0, 0, 200, 100)}});
  ASSERT_EQ(s3.hotspots.size(), 1u);
  EXPECT_EQ(s3.hotspots[0].status, "new");
  MonitoringStore after = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  EXPECT_EQ(after.hotspot(s3.hotspots[0].id)->related_hotspot, a);
}

TEST_F(StoreTest, AnAlertingNeighbourDoesNotAbsorbASettledHotspot) {
  // Scan 1: B (60 x 40 m at x 500) and, 20 m east of it, E (40 x 40 m at x 580).
  const ScanResults s1 =
      ingest({"s1", "2018-04-02", {patch("p-b", kUnitA, 500, 0, 60, 40), patch("p-e", kUnitA, 580, 0, 40, 40)}});
  const std::string b = id_of(s1, 2400.0), e = id_of(s1, 1600.0);
  ASSERT_FALSE(b.empty());
  ASSERT_FALSE(e.empty());
  const fs::path csv = root_ / "verdicts.csv";
  write_verdicts(csv, b + ",false_alarm,2018-04-20,王工,,\n");
  import_verdicts({options_.path, csv.string(), false, "2018-04-30"});

  // Scan 2 sees both again: B's patch lies within 30 m of E, which is still alerting.
  IngestSummary summary;
  const ScanResults s2 = ingest(
      {"s2", "2018-05-03", {patch("q-b", kUnitA, 500, 0, 60, 40), patch("q-e", kUnitA, 580, 0, 40, 40)}}, &summary);
  ASSERT_EQ(s2.hotspots.size(), 1u) << "the false alarm came back as part of its neighbour";
  EXPECT_EQ(s2.hotspots[0].id, e);
  EXPECT_EQ(s2.hotspots[0].track_event, "persisting");
  EXPECT_EQ(summary.suppressed, 1);
  EXPECT_EQ(summary.expanded, 0);

  // A patch joining both, reaching 100 m beyond B: matched to E on its part outside B, so
  // E grows by that part only (the strip between them and the 100 m beyond), never over B.
  const ScanResults s3 = ingest({"s3", "2018-06-03", {patch("r", kUnitA, 500, 0, 220, 40)}});
  ASSERT_EQ(s3.hotspots.size(), 1u);
  EXPECT_EQ(s3.hotspots[0].id, e);
  EXPECT_EQ(s3.hotspots[0].track_event, "expanded");
  EXPECT_NEAR(s3.hotspots[0].added_area_m2, (220.0 - 60.0 - 40.0) * 40.0, 1e-3);
}

TEST_F(StoreTest, ApprovedProjectsLayerSuppressesPatchesInsideIt) {
  // One approval polygon, in WGS84 (the store reprojects), around where C will appear.
  const fs::path approvals = root_ / "approvals.gpkg";
  {
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    GDALDatasetUniquePtr ds(driver->Create(approvals.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    OGRSpatialReference wgs84;
    wgs84.importFromEPSG(4326);
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRLayer* layer = ds->CreateLayer("approvals", &wgs84, wkbPolygon, nullptr);
    OGRFieldDefn field("approval_no", OFTString);
    layer->CreateField(&field);
    OGRSpatialReference utm;
    utm.importFromEPSG(32648);
    utm.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRGeometry* polygon = nullptr;
    const std::string wkt = rect_wkt(kX0 - 20, kY0 + 780, 90, 90);
    OGRGeometryFactory::createFromWkt(wkt.c_str(), &utm, &polygon);
    polygon->transformTo(&wgs84);
    OGRFeatureUniquePtr feature(OGRFeature::CreateFeature(layer->GetLayerDefn()));
    feature->SetField("approval_no", "渝环准〔2018〕7号 物流园二期");
    feature->SetGeometryDirectly(polygon);
    ASSERT_EQ(layer->CreateFeature(feature.get()), OGRERR_NONE);
  }
  options_.approved_projects.path = approvals.string();
  options_.approved_projects.name_field = "approval_no";
  IngestSummary summary;
  const ScanResults s1 = ingest(first_scan(), &summary);
  EXPECT_EQ(s1.hotspots.size(), 2u) << "C lies inside the approval";
  EXPECT_EQ(summary.approved, 1);
  MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  const auto legal = store.hotspots("status = 'legal'");
  ASSERT_EQ(legal.size(), 1u);
  EXPECT_EQ(legal[0].unit_code, kUnitB);
  EXPECT_EQ(legal[0].approval, "渝环准〔2018〕7号 物流园二期");
  EXPECT_EQ(s1.units[1].hotspot_count, 0);

  options_.approved_projects.name_field = "no_such_field";
  EXPECT_THROW(ingest({"s2", "2018-05-03", {}}), InputError);
}

TEST_F(StoreTest, ConfirmedHotspotWhoseLandRecoversIsProposedForClosing) {
  const ScanResults s1 = ingest(first_scan());
  const std::string a = id_of(s1, 10000.0);
  const fs::path csv = root_ / "verdicts.csv";
  write_verdicts(csv, a + ",confirmed,2018-04-20,王工,推土,\n");
  import_verdicts({options_.path, csv.string(), false, "2018-04-30"});
  int probes = 0;
  const GreennessProbe recovered = [&](const std::string& wkt) {
    ++probes;
    EXPECT_NE(wkt.find("POLYGON"), std::string::npos);
    return FootprintGreenness{0.68, 1.0};
  };
  IngestSummary summary;
  ingest({"s2", "2018-05-03", {}}, &summary, recovered);
  EXPECT_EQ(probes, 1) << "only watched hotspots are probed";
  EXPECT_EQ(summary.close_proposals, 0);
  {
    MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
    EXPECT_EQ(store.hotspot(a)->recovered_scans, 1);
    EXPECT_FALSE(store.hotspot(a)->close_proposed);
  }
  ingest({"s3", "2018-06-03", {}}, &summary, recovered);
  EXPECT_EQ(summary.close_proposals, 1);
  MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  const auto h = store.hotspot(a);
  EXPECT_TRUE(h->close_proposed);
  EXPECT_EQ(h->status, HotspotStatus::rectification_due);
  EXPECT_NE(h->close_reason.find("0.680"), std::string::npos) << h->close_reason;
  const StoreReport report = build_store_report(options_.path, "2018-06-10");
  ASSERT_EQ(report.close_proposals.size(), 1u);
  EXPECT_EQ(report.close_proposals[0].id, a);

  // Change seen there again withdraws the proposal.
  ingest({"s4", "2018-07-03", {patch("t-a", kUnitA, 0, 0, 100, 100)}}, &summary, recovered);
  MonitoringStore later = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  EXPECT_FALSE(later.hotspot(a)->close_proposed);
  EXPECT_EQ(later.hotspot(a)->recovered_scans, 0);
}

TEST_F(StoreTest, ScanIdentityIgnoresWhereResultsGoButNotWhatChangesThem) {
  const nlohmann::json inputs = {
      {"before", {{"path", "/a/before"}, {"files", {{{"path", "/a/b1.tif"}, {"sha256", "11"}}}}}},
      {"after", {{"path", "/a/after"}, {"files", {{{"path", "/a/a1.tif"}, {"sha256", "22"}}}}}},
      {"units", {{"path", "/a/units.gpkg"}, {"sha256", "33"}}}};
  const nlohmann::json config = {{"name", "x"},
                                 {"before", {{"path", "/a/before"}, {"date", "2017-04-14"}}},
                                 {"output", {{"dir", "/out/1"}}},
                                 {"processing", {{"tile_size", 0}}},
                                 {"store", {{"path", "/s.gpkg"}, {"since_last", false}, {"match_distance_m", 30}}},
                                 {"detection", {{"opening_radius", 1}}}};
  const std::string id = scan_identity(inputs, config);
  EXPECT_EQ(id.size(), 64u);
  nlohmann::json moved_inputs = inputs;
  moved_inputs["before"]["path"] = "/elsewhere";
  moved_inputs["before"]["files"][0]["path"] = "/elsewhere/b1.tif";
  nlohmann::json other_output = config;
  other_output["output"]["dir"] = "/out/2";
  other_output["processing"]["tile_size"] = 256;
  other_output["store"]["since_last"] = true;
  other_output["name"] = "y";
  EXPECT_EQ(scan_identity(moved_inputs, other_output), id);
  nlohmann::json other_detection = config;
  other_detection["detection"]["opening_radius"] = 2;
  EXPECT_NE(scan_identity(inputs, other_detection), id);
  nlohmann::json other_matching = config;
  other_matching["store"]["match_distance_m"] = 50;
  EXPECT_NE(scan_identity(inputs, other_matching), id);
  nlohmann::json other_pixels = inputs;
  other_pixels["after"]["files"][0]["sha256"] = "23";
  EXPECT_NE(scan_identity(other_pixels, config), id);
}

TEST_F(StoreTest, SinceLastSkipsScenesNotNewerThanTheLastScan) {
  options_.since_last = true;
  int asked = 0;
  const auto id = [&] {
    ++asked;
    return std::string("scan-s1");
  };
  EXPECT_FALSE(decide_since_last(options_, "2018-04-02", id).skip) << "no store yet";
  ingest(first_scan());
  const SinceLastDecision same = decide_since_last(options_, "2018-04-02", id);
  // The scan's outputs were never marked written: it is the unfinished scan, so it runs.
  EXPECT_FALSE(same.skip) << same.reason;
  EXPECT_EQ(asked, 1);
  mark_scan_outputs_written(options_, "scan-s1", (root_ / "out").string());
  const SinceLastDecision done = decide_since_last(options_, "2018-04-02", id);
  EXPECT_TRUE(done.skip);
  EXPECT_NE(done.reason.find("not newer"), std::string::npos) << done.reason;
  EXPECT_TRUE(decide_since_last(options_, "2018-03-01", id).skip);
  EXPECT_FALSE(decide_since_last(options_, "2018-04-03", id).skip);
}

TEST_F(StoreTest, AFileThatIsNotAStoreIsRefused) {
  write_bytes(options_.path, "not a geopackage");
  EXPECT_THROW(MonitoringStore::open(options_.path, MonitoringStore::Mode::read), InputError);
  EXPECT_THROW(MonitoringStore::open((root_ / "missing.gpkg").string(), MonitoringStore::Mode::read), InputError);
  // A GeoPackage of something else.
  fs::remove(options_.path);
  {
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    GDALDatasetUniquePtr ds(driver->Create(options_.path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    ds->CreateLayer("roads", nullptr, wkbLineString, nullptr);
  }
  try {
    MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a zonewatch monitoring store"), std::string::npos) << e.what();
  }
}

/// Turns the store at `path` into one of schema version 1: unit_stats without the columns
/// of the change types issue 12 added (version 2), hotspots without the traced sources and
/// observations without the revised type (version 3), store_meta saying 1.
void downgrade_to_schema_1(const std::string& path) {
  GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
  ASSERT_TRUE(ds);
  const auto drop = [&](const char* table, const std::string& field) {
    OGRLayer* layer = ds->GetLayerByName(table);
    ASSERT_NE(layer, nullptr) << table;
    const int index = layer->GetLayerDefn()->GetFieldIndex(field.c_str());
    ASSERT_GE(index, 0) << table << "." << field;
    ASSERT_EQ(layer->DeleteField(index), OGRERR_NONE) << table << "." << field;
  };
  for (const char* type : {"dumping", "blue_roof", "mining", "water_quality"}) {
    drop("unit_stats", std::string("changed_") + type + "_m2");
  }
  for (const char* field : {"sources", "sources_zh", "source_count", "nearest_source_id", "nearest_source_name",
                            "nearest_source_kind", "nearest_source_m", "nearest_source_bearing"}) {
    drop("hotspots", field);
  }
  drop("observations", "revised_type");
  OGRLayer* meta = ds->GetLayerByName("store_meta");
  meta->SetAttributeFilter("key = 'schema_version'");
  OGRFeatureUniquePtr version(meta->GetNextFeature());
  ASSERT_TRUE(version);
  version->SetField("value", "1");
  ASSERT_EQ(meta->SetFeature(version.get()), OGRERR_NONE);
}

/// The fields of one table of the store, and its schema_version, read with plain GDAL.
std::set<std::string> field_names(const std::string& path, const char* table, std::string* version = nullptr) {
  GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  std::set<std::string> names;
  if (!ds) return names;
  OGRLayer* layer = ds->GetLayerByName(table);
  if (layer == nullptr) return names;
  for (int i = 0; i < layer->GetLayerDefn()->GetFieldCount(); ++i) {
    names.insert(layer->GetLayerDefn()->GetFieldDefn(i)->GetNameRef());
  }
  if (version != nullptr) {
    OGRLayer* meta = ds->GetLayerByName("store_meta");
    meta->SetAttributeFilter("key = 'schema_version'");
    OGRFeatureUniquePtr feature(meta->GetNextFeature());
    *version = feature ? feature->GetFieldAsString("value") : "";
  }
  return names;
}

TEST_F(StoreTest, AStoreOfSchemaVersion1IsMigratedOnOpeningAndKeepsItsRows) {
  (void)ingest(first_scan());
  downgrade_to_schema_1(options_.path);
  std::string version;
  ASSERT_EQ(field_names(options_.path, "unit_stats", &version).count("changed_mining_m2"), 0u);
  ASSERT_EQ(version, "1");

  {
    // Even a reader migrates it (under the writer's lock), and sees every row it had.
    MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
    EXPECT_EQ(store.count("scans"), 1);
    EXPECT_EQ(store.count("hotspots"), 3);
    EXPECT_EQ(store.count("observations"), 3);
    EXPECT_EQ(store.count("unit_stats"), 2);
    EXPECT_EQ(store.integrity_check(), "ok");
    EXPECT_TRUE(store.hotspot(kUnitA + "-201804-0001"));
  }
  const std::set<std::string> fields = field_names(options_.path, "unit_stats", &version);
  EXPECT_EQ(version, "3");
  EXPECT_EQ(field_names(options_.path, "hotspots").count("nearest_source_m"), 1u);
  EXPECT_EQ(field_names(options_.path, "observations").count("revised_type"), 1u);
  {
    MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
    const auto h = store.hotspot(kUnitA + "-201804-0001");
    EXPECT_EQ(h->source_count, 0) << "rows from before read as untraced";
    EXPECT_TRUE(std::isnan(h->nearest_source_m));
  }
  for (const char* type : {"dumping", "blue_roof", "mining", "water_quality"}) {
    EXPECT_EQ(fields.count(std::string("changed_") + type + "_m2"), 1u) << type;
  }
  EXPECT_EQ(fields.count("changed_construction_m2"), 1u);

  // The migrated store takes the next scan like any other: the hotspot of scan 1 persists.
  IngestSummary summary;
  const ScanResults results = ingest({"s2", "2018-06-02", {patch("p-a2", kUnitA, 0, 0, 100, 100)}}, &summary);
  ASSERT_EQ(results.hotspots.size(), 1u);
  EXPECT_EQ(results.hotspots[0].id, kUnitA + "-201804-0001");
  EXPECT_EQ(summary.scan_seq, 2);
  MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  EXPECT_EQ(store.count("unit_stats"), 4);  // both units, each scan
}

TEST_F(StoreTest, AStoreOfANewerSchemaVersionIsRefusedUntouched) {
  (void)ingest(first_scan());
  {
    GDALDatasetUniquePtr ds(GDALDataset::Open(options_.path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
    OGRLayer* meta = ds->GetLayerByName("store_meta");
    meta->SetAttributeFilter("key = 'schema_version'");
    OGRFeatureUniquePtr version(meta->GetNextFeature());
    version->SetField("value", "99");
    ASSERT_EQ(meta->SetFeature(version.get()), OGRERR_NONE);
  }
  try {
    MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 99"), std::string::npos) << e.what();
  }
  std::string version;
  (void)field_names(options_.path, "unit_stats", &version);
  EXPECT_EQ(version, "99");
}

TEST_F(StoreTest, StoreCrsIsTheProjectedGridCrsOrTheUtmZone) {
  EXPECT_EQ(choose_store_crs(utm48n_wkt(), 106.3, 29.4), utm48n_wkt());
  OGRSpatialReference wgs84;
  wgs84.importFromEPSG(4326);
  char* wkt = nullptr;
  wgs84.exportToWkt(&wkt);
  const std::string chosen = choose_store_crs(wkt, 106.3, 29.4);
  CPLFree(wkt);
  OGRSpatialReference srs;
  srs.importFromWkt(chosen.c_str());
  EXPECT_STREQ(srs.GetAuthorityCode(nullptr), "32648");
  EXPECT_THROW(choose_store_crs("", 0, 0), InputError);
}

}  // namespace
}  // namespace zw::store_test
