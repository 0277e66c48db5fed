// Change types revised from a hotspot's history: the rules by themselves, then through an
// ingest (reported type, type of record, history entry, observation, a re-run).
#include "zonewatch/pipeline/monitoring/type_evolution.hpp"

#include <algorithm>

#include "support/store_fixture.hpp"
#include "zonewatch/pipeline/monitoring/verdicts.hpp"

namespace zw::store_test {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

using kernels::ChangeType;

const std::string kUnit = "ZH50011610001";

TEST(TypeEvolutionTest, BareGroundOnOrBeyondAMiningScarIsMining) {
  for (const ChangeType seen :
       {ChangeType::construction, ChangeType::vegetation_loss, ChangeType::dumping, ChangeType::other}) {
    const TypeRevision again = revise_seen_again({ChangeType::mining, ChangeType::mining, "M-1"}, seen);
    EXPECT_EQ(again.reported, ChangeType::mining) << kernels::to_string(seen);
    EXPECT_EQ(again.record, ChangeType::mining);
    EXPECT_NE(again.reason.find("mining scar M-1"), std::string::npos) << again.reason;
    const TypeRevision beyond = revise_beyond({ChangeType::construction, ChangeType::mining, "M-2"}, seen);
    EXPECT_EQ(beyond.reported, ChangeType::mining) << "the last sighting was mining";
    EXPECT_EQ(beyond.record, ChangeType::mining);
  }
  // Mining seen as mining needs no reason; water and roofs on a scar stay what they are.
  EXPECT_FALSE(revise_seen_again({ChangeType::mining, ChangeType::mining, "M"}, ChangeType::mining).revised());
  for (const ChangeType seen : {ChangeType::water_gain, ChangeType::water_loss, ChangeType::blue_roof}) {
    const TypeRevision r = revise_seen_again({ChangeType::mining, ChangeType::mining, "M"}, seen);
    EXPECT_EQ(r.reported, seen);
    EXPECT_EQ(r.record, ChangeType::mining);
    EXPECT_FALSE(r.revised());
  }
}

TEST(TypeEvolutionTest, DumpingBuiltOnIsConstructionAndConstructionLeftRoughIsDumping) {
  const TypeRevision built =
      revise_seen_again({ChangeType::dumping, ChangeType::dumping, "D"}, ChangeType::construction);
  EXPECT_EQ(built.reported, ChangeType::construction);
  EXPECT_EQ(built.record, ChangeType::construction);
  EXPECT_TRUE(built.revised());
  const TypeRevision rough =
      revise_seen_again({ChangeType::construction, ChangeType::construction, "C"}, ChangeType::dumping);
  EXPECT_EQ(rough.reported, ChangeType::dumping);
  EXPECT_EQ(rough.record, ChangeType::dumping);
  EXPECT_TRUE(rough.revised());
  // Anything else reports what was seen and keeps the type of record.
  const TypeRevision plain =
      revise_seen_again({ChangeType::vegetation_loss, ChangeType::vegetation_loss, "V"}, ChangeType::construction);
  EXPECT_EQ(plain.reported, ChangeType::construction);
  EXPECT_EQ(plain.record, ChangeType::vegetation_loss);
  EXPECT_FALSE(plain.revised());
  const TypeRevision beyond = revise_beyond({ChangeType::dumping, ChangeType::dumping, "D"}, ChangeType::construction);
  EXPECT_EQ(beyond.reported, ChangeType::construction);
  EXPECT_EQ(beyond.record, ChangeType::construction);
  EXPECT_FALSE(beyond.revised()) << "a new hotspot beside a dumping site is its own";
}

bool has_event(MonitoringStore& store, const std::string& id, const std::string& text) {
  const auto events = store.events(id);
  return std::any_of(events.begin(), events.end(),
                     [&](const StoredEvent& e) { return e.detail.find(text) != std::string::npos; });
}

TEST_F(StoreTest, AScarGrowingIntoFlatGroundIsReportedAsMiningAndARerunAgrees) {
  const ScanResults s1 = ingest({"s1", "2018-04-02", {patch("p-m", kUnit, 0, 0, 100, 100, ChangeType::mining)}});
  ASSERT_EQ(s1.hotspots.size(), 1u);
  const std::string id = s1.hotspots[0].id;
  // The next scan sees the scar grown by 50 m on flat ground, where the slope rule gives construction.
  const SyntheticScan second{"s2", "2018-05-03", {patch("q-m", kUnit, 0, 0, 100, 150, ChangeType::construction)}};
  const ScanResults s2 = ingest(second);
  ASSERT_EQ(s2.hotspots.size(), 1u);
  EXPECT_EQ(s2.hotspots[0].id, id);
  EXPECT_EQ(s2.hotspots[0].track_event, "expanded");
  EXPECT_EQ(s2.hotspots[0].change_type, ChangeType::mining);
  {
    MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
    const auto h = store.hotspot(id);
    EXPECT_EQ(h->change_type, ChangeType::mining);
    EXPECT_EQ(h->last_change_type, ChangeType::mining);
    EXPECT_TRUE(has_event(store, id, "reported as mining: typed construction by its pixels, on the mining scar"));
    const auto observations = store.observations("scan-s2");
    ASSERT_EQ(observations.size(), 1u);
    EXPECT_EQ(observations[0].change_type, ChangeType::construction) << "what the pixels gave";
    ASSERT_TRUE(observations[0].revised_type);
    EXPECT_EQ(*observations[0].revised_type, ChangeType::mining);
  }
  // The same scan again reports what the store made of it.
  IngestSummary summary;
  const ScanResults again = ingest(second, &summary);
  EXPECT_TRUE(summary.reused);
  ASSERT_EQ(again.hotspots.size(), 1u);
  EXPECT_EQ(again.hotspots[0].change_type, ChangeType::mining);
}

TEST_F(StoreTest, ADumpingSiteBuiltOnBecomesConstructionOfRecord) {
  const ScanResults s1 = ingest({"s1", "2018-04-02", {patch("p-d", kUnit, 0, 0, 80, 80, ChangeType::dumping)}});
  const std::string id = s1.hotspots.at(0).id;
  const ScanResults s2 = ingest({"s2", "2018-05-03", {patch("q-d", kUnit, 0, 0, 80, 80, ChangeType::construction)}});
  ASSERT_EQ(s2.hotspots.size(), 1u);
  EXPECT_EQ(s2.hotspots[0].change_type, ChangeType::construction);
  MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  EXPECT_EQ(store.hotspot(id)->change_type, ChangeType::construction) << "its type of record is revised";
  EXPECT_TRUE(has_event(store, id, "type of record dumping -> construction"));
  EXPECT_FALSE(store.observations("scan-s2").at(0).revised_type) << "reported as seen: nothing to replay";
}

TEST_F(StoreTest, ALicensedMineDiggingBeyondItsFootprintIsANewMiningHotspot) {
  const ScanResults s1 = ingest({"s1", "2018-04-02", {patch("p-m", kUnit, 0, 0, 100, 100, ChangeType::mining)}});
  const std::string mine = s1.hotspots.at(0).id;
  const fs::path csv = root_ / "verdicts.csv";
  write_bytes(csv, "hotspot_id,verdict,verdict_date,inspector,note,approval\n" + mine +
                       ",legal,2018-04-20,王工,采矿许可,C5000002010\n");
  import_verdicts({options_.path, csv.string(), false, "2018-04-30"});
  // Bare ground 100 m beyond the licensed pit, typed vegetation loss by its pixels.
  const ScanResults s2 =
      ingest({"s2", "2018-06-03", {patch("r-m", kUnit, 0, 0, 200, 100, ChangeType::vegetation_loss)}});
  ASSERT_EQ(s2.hotspots.size(), 1u);
  EXPECT_EQ(s2.hotspots[0].change_type, ChangeType::mining);
  EXPECT_EQ(s2.hotspots[0].status, "new");
  MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  const auto h = store.hotspot(s2.hotspots[0].id);
  EXPECT_EQ(h->related_hotspot, mine);
  EXPECT_EQ(h->change_type, ChangeType::mining);
  EXPECT_TRUE(has_event(store, h->id, "growing beyond the mining scar " + mine));
}

}  // namespace
}  // namespace zw::store_test
