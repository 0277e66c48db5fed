// The typed columns of the monitoring store: every value of every name table round-trips
// through its name, and a store holding any other text is refused with an error that names
// the table, the column and the value.
#include "zonewatch/pipeline/monitoring/stored_names.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <set>
#include <string>

#include "support/store_fixture.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/monitoring/report.hpp"

namespace zw::store_test {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

constexpr StoredColumn kWhere{"/data/store.gpkg", "observations", "event"};

/// The InputError parse_stored<Enum> throws for `text` (empty when it throws none).
template <class Enum>
std::string refusal(std::string_view text) {
  try {
    (void)parse_stored<Enum>(text, kWhere);
  } catch (const InputError& e) {
    return e.what();
  }
  return {};
}

/// Every value of `names`: to_string gives its name, the name parses back to it, the store
/// reads it back, and no two values share a name.
template <class Enum, std::size_t N>
void expect_round_trip(const EnumNames<Enum, N>& names) {
  std::set<std::string_view> seen;
  for (const auto& entry : names.entries()) {
    EXPECT_FALSE(entry.name.empty());
    EXPECT_TRUE(seen.insert(entry.name).second) << entry.name << " names two values";
    EXPECT_EQ(to_string(entry.value), entry.name);
    EXPECT_EQ(names.parse(entry.name), entry.value) << entry.name;
    EXPECT_EQ(parse_stored<Enum>(to_string(entry.value), kWhere), entry.value) << entry.name;
  }
}

TEST(StoredNamesTest, SightingEventsRoundTrip) {
  expect_round_trip(kSightingEventNames);
  EXPECT_EQ(kSightingEventNames.listing(), "new, persisting, expanded, suppressed, adjoining");
  for (const auto& entry : kSightingEventNames.entries()) {
    EXPECT_EQ(sighting_event_from_string(entry.name), entry.value);
  }
  EXPECT_FALSE(sighting_event_from_string("approved").has_value());
  EXPECT_FALSE(sighting_event_from_string("New").has_value()) << "names are exact";
}

TEST(StoredNamesTest, HistorySourcesRoundTrip) {
  expect_round_trip(kHistorySourceNames);
  EXPECT_EQ(kHistorySourceNames.listing(), "scan, verify, dispatch");
  for (const auto& entry : kHistorySourceNames.entries()) {
    EXPECT_EQ(history_source_from_string(entry.name), entry.value);
  }
  EXPECT_FALSE(history_source_from_string("import").has_value());
}

TEST(StoredNamesTest, VerdictsAndStatusesRoundTrip) {
  expect_round_trip(kVerdictNames);
  expect_round_trip(kHotspotStatusNames);
  EXPECT_EQ(kVerdictNames.listing(), "confirmed, false_alarm, legal, rectified, closed");
  for (const auto& entry : kVerdictNames.entries()) {
    EXPECT_EQ(verdict_from_string(entry.name), entry.value);
    EXPECT_FALSE(entry.chinese.empty());
  }
  EXPECT_EQ(all_hotspot_statuses().size(), kHotspotStatusNames.entries().size());
}

TEST(StoredNamesTest, SeveritiesChangeAndUnitTypesRoundTrip) {
  expect_round_trip(kSeverityNames);
  expect_round_trip(kernels::kChangeTypeNames);
  for (const UnitType type : {UnitType::priority, UnitType::key, UnitType::general}) {
    EXPECT_EQ(parse_stored<UnitType>(to_string(type), kWhere), type) << to_string(type);
  }
  // Severity order comes from the enum: more serious is greater.
  EXPECT_LT(Severity::low, Severity::medium);
  EXPECT_LT(Severity::medium, Severity::high);
}

TEST(StoredNamesTest, AnUnknownValueIsAnErrorNamingTheValueTableAndColumn) {
  const std::string message = refusal<SightingEvent>("approved");
  ASSERT_FALSE(message.empty()) << "an unknown event was read";
  EXPECT_NE(message.find("'approved'"), std::string::npos) << message;
  EXPECT_NE(message.find("/data/store.gpkg"), std::string::npos) << message;
  EXPECT_NE(message.find("table observations"), std::string::npos) << message;
  EXPECT_NE(message.find("column event"), std::string::npos) << message;
  EXPECT_NE(message.find("expected new, persisting, expanded, suppressed, adjoining"), std::string::npos) << message;

  EXPECT_NE(refusal<HistorySource>("import").find("'import'"), std::string::npos);
  EXPECT_NE(refusal<Verdict>("maybe").find("'maybe'"), std::string::npos);
  EXPECT_NE(refusal<HotspotStatus>("open").find("'open'"), std::string::npos);
  EXPECT_NE(refusal<Severity>("urgent").find("'urgent'"), std::string::npos);
  EXPECT_NE(refusal<kernels::ChangeType>("landslide").find("'landslide'"), std::string::npos);
  EXPECT_NE(refusal<UnitType>("special").find("'special'"), std::string::npos);
  EXPECT_NE(refusal<UnitType>("special").find("expected priority, key, general"), std::string::npos);
  // Only the names as written: no other case, blanks or Chinese, and no empty text.
  EXPECT_FALSE(refusal<HotspotStatus>("New").empty());
  EXPECT_FALSE(refusal<HotspotStatus>("").empty());
  EXPECT_FALSE(refusal<Verdict>("属实").empty());
  EXPECT_FALSE(refusal<kernels::ChangeType>("Construction").empty());
  EXPECT_FALSE(refusal<UnitType>("优先保护单元").empty());
  EXPECT_FALSE(refusal<UnitType>(" key").empty());
}

/// Runs one SQL statement on the store file, as another tool might.
void execute(const std::string& path, const std::string& sql) {
  GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
  ASSERT_TRUE(ds);
  ds->ExecuteSQL(sql.c_str(), nullptr, nullptr);
}

/// The InputError message of `read` (empty when it throws none).
template <class Read>
std::string read_error(Read&& read) {
  try {
    read();
  } catch (const InputError& e) {
    return e.what();
  }
  return {};
}

TEST_F(StoreTest, AStoreHoldingAnUnknownValueIsRefusedNotDefaulted) {
  ingest({"s1", "2018-04-02", {patch("p-a", "ZH50011610001", 0, 0, 100, 100)}});
  {
    MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
    ASSERT_EQ(store.hotspots().size(), 1u);
    const StoredHotspot h = store.hotspots().front();
    EXPECT_EQ(h.severity, Severity::high);
    EXPECT_EQ(h.change_type, kernels::ChangeType::construction);
    EXPECT_EQ(h.unit_type, UnitType::priority);
    EXPECT_FALSE(h.verdict.has_value()) << "no verdict is the empty text";
    const auto events = store.events(h.id);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].source, HistorySource::scan);
    EXPECT_FALSE(events[0].from_status.has_value()) << "a created hotspot has no status before";
    EXPECT_EQ(events[0].to_status, HotspotStatus::new_);
    const auto observations = store.observations("scan-s1");
    ASSERT_EQ(observations.size(), 1u);
    EXPECT_EQ(observations[0].event, SightingEvent::new_);
  }
  execute(options_.path, "UPDATE hotspots SET severity = 'urgent'");
  std::string message = read_error([&] {
    MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
    (void)store.hotspots();
  });
  EXPECT_NE(message.find("table hotspots, column severity: unknown value 'urgent'"), std::string::npos) << message;
  EXPECT_NE(message.find(options_.path), std::string::npos) << message;
  // The report reads the store too: it refuses rather than counting the hotspot as low.
  EXPECT_FALSE(read_error([&] { (void)build_store_report(options_.path); }).empty());

  execute(options_.path, "UPDATE hotspots SET severity = 'high'");
  execute(options_.path, "UPDATE events SET source = 'import'");
  message = read_error([&] {
    MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
    (void)store.events();
  });
  EXPECT_NE(message.find("table events, column source: unknown value 'import'"), std::string::npos) << message;

  execute(options_.path, "UPDATE observations SET event = 'approved'");
  message = read_error([&] {
    MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
    (void)store.observations("scan-s1");
  });
  EXPECT_NE(message.find("table observations, column event: unknown value 'approved'"), std::string::npos) << message;
}

}  // namespace
}  // namespace zw::store_test
