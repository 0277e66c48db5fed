// Hotspots found, confirmed and rectified per unit and year, for the annual assessment.
#include "zonewatch/pipeline/monitoring/year_counts.hpp"

#include "support/store_fixture.hpp"
#include "zonewatch/pipeline/monitoring/verdicts.hpp"

namespace zw::store_test {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

const std::string kUnit1 = "ZH50011610001", kUnit2 = "ZH50011610002";

class YearCountsTest : public StoreTest {};

TEST_F(YearCountsTest, CountsBySightingAndVerdictDates) {
  ingest({"s1",
          "2018-04-02",
          {patch("p-a", kUnit1, 0, 0, 100, 100), patch("p-b", kUnit1, 500, 0, 60, 60),
           patch("p-c", kUnit2, 0, 500, 30, 30)}});
  ingest({"s2", "2019-03-02", {patch("p-d", kUnit2, 2000, 2000, 50, 50)}});
  const std::string a = kUnit1 + "-201804-0001", b = kUnit1 + "-201804-0002", d = kUnit2 + "-201903-0001";
  const fs::path csv = root_ / "verdicts.csv";
  write_bytes(csv, "hotspot_id,verdict,verdict_date\n" + a + ",confirmed,2018-05-10\n" + b +
                       ",false_alarm,2018-05-11\n" + a + ",rectified,2019-01-20\n" + d + ",confirmed,2019-04-01\n");
  ASSERT_EQ(import_verdicts({options_.path, csv.string(), false, "2019-05-31"}).applied, 4);

  MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  const auto y2018 = hotspot_counts_by_unit(store, 2018);
  ASSERT_EQ(y2018.size(), 2u);
  EXPECT_EQ(y2018.at(kUnit1).found, 2);
  EXPECT_EQ(y2018.at(kUnit1).confirmed, 1);
  EXPECT_EQ(y2018.at(kUnit1).rectified, 0);
  EXPECT_EQ(y2018.at(kUnit2).found, 1);
  EXPECT_EQ(y2018.at(kUnit2).confirmed, 0);

  const auto y2019 = hotspot_counts_by_unit(store, 2019);
  EXPECT_EQ(y2019.at(kUnit1).found, 0);
  EXPECT_EQ(y2019.at(kUnit1).rectified, 1);  // found in 2018, rectified in 2019
  EXPECT_EQ(y2019.at(kUnit2).found, 1);
  EXPECT_EQ(y2019.at(kUnit2).confirmed, 1);

  EXPECT_TRUE(hotspot_counts_by_unit(store, 2020).empty());
}

}  // namespace
}  // namespace zw::store_test
