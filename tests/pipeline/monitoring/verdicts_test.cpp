// Verdicts back from the field: all-or-nothing import with row-numbered errors, deadlines,
// idempotent re-import, precision and the programme report; and the packet's driving order.
#include "zonewatch/pipeline/monitoring/verdicts.hpp"

#include <algorithm>

#include "support/store_fixture.hpp"
#include "zonewatch/pipeline/core/error.hpp"
#include "zonewatch/pipeline/monitoring/report.hpp"

namespace zw::store_test {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

const std::string kUnit = "ZH50011610001";
const std::string kA = kUnit + "-201804-0001";  // 100 x 100 m, construction
const std::string kB = kUnit + "-201804-0002";  // 60 x 60 m, vegetation loss
const std::string kC = kUnit + "-201804-0003";  // 30 x 30 m, construction

class VerdictsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ingest({"s1",
            "2018-04-02",
            {patch("p-a", kUnit, 0, 0, 100, 100),
             patch("p-b", kUnit, 500, 0, 60, 60, kernels::ChangeType::vegetation_loss),
             patch("p-c", kUnit, 0, 500, 30, 30)}});
  }

  VerifyResult import(const std::string& text, bool dry_run = false) {
    const fs::path csv = root_ / ("verdicts-" + std::to_string(++files_) + ".csv");
    write_bytes(csv, text);
    return import_verdicts({options_.path, csv.string(), dry_run, "2018-05-31"});
  }

  HotspotStatus status(const std::string& id) {
    MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
    return store.hotspot(id)->status;
  }

  int files_ = 0;
};

TEST_F(VerdictsTest, EveryBadRowIsReportedByLineAndNothingIsApplied) {
  const std::string before = read_bytes(options_.path);
  const std::string csv = "hotspot_id,verdict,verdict_date,inspector,note,approval\n"  // row 1
                          + kA +
                          ",confirmed,2018-05-10,李四,,\n"                           // row 2: fine
                          "ZH99999999999-201804-0001,confirmed,2018-05-10,李四,,\n"  // row 3: unknown ID
                          + kB + ",maybe,2018-05-10,李四,,\n"                        // row 4: unknown verdict
                          + kC + ",rectified,2018-05-10,李四,,\n"                    // row 5: new -> rectified
                          + kB + ",legal,2018-05-10,李四,,\n"                        // row 6: legal without approval
                          + kB + ",false_alarm,2019-01-01,李四,,\n"                  // row 7: future date
                          + kB + ",false_alarm,2018-03-01,李四,,\n"                  // row 8: before first seen
                          + kB + ",false_alarm,2018-5-1,李四,,\n";                   // row 9: not a date
  try {
    import(csv);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.exit_code(), 3);
    EXPECT_NE(message.find("verdicts-1.csv: 7 of 8 verdict rows rejected, nothing imported"), std::string::npos)
        << message;
    EXPECT_EQ(message.find("row 2:"), std::string::npos) << message;
    EXPECT_NE(message.find("row 3: unknown hotspot ID 'ZH99999999999-201804-0001'"), std::string::npos) << message;
    EXPECT_NE(message.find("row 4: " + kB + ": unknown verdict 'maybe'"), std::string::npos) << message;
    EXPECT_NE(message.find("row 5: " + kC + ": impossible transition: a rectified verdict on a new hotspot"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("row 6: " + kB + ": a 'legal' verdict needs the approval"), std::string::npos) << message;
    EXPECT_NE(message.find("row 7: " + kB + ": date 2019-01-01 is in the future"), std::string::npos) << message;
    EXPECT_NE(message.find("row 8: " + kB + ": date 2018-03-01 is before the hotspot was first seen"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("row 9: " + kB + ": date '2018-5-1' is not a date"), std::string::npos) << message;
  }
  EXPECT_EQ(read_bytes(options_.path), before) << "nothing was half-applied";
  EXPECT_EQ(status(kA), HotspotStatus::new_);
}

TEST_F(VerdictsTest, RowNumbersFollowTheFileIncludingQuotedLineBreaks) {
  const std::string csv = "hotspot_id,verdict,note\r\n" + kA + ",confirmed,\"two\r\nlines\"\r\n\r\n" + kB +
                          ",closed,\r\n";  // row 5 (row 4 is blank): new -> closed
  try {
    import(csv);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("row 5: " + kB + ": impossible transition"), std::string::npos) << e.what();
  }
}

TEST_F(VerdictsTest, AppliesVerdictsWithDeadlinesAndReimportIsANoOp) {
  // Chinese headers, a BOM, CRLF, a quoted note with a comma, a row without a verdict.
  const std::string csv = "\xEF\xBB\xBF图斑编号,核查结论,核查日期,核查人,备注,审批文号,其他列\r\n" + kA +
                          ",属实,2018-05-10,李四,\"推土, 未批先建\",,x\r\n" + kB + ",误报,2018-05-11,李四,云影,,\r\n" +
                          kC + ",合法,2018-05-12,李四,,渝江环审〔2018〕12号,\r\n" + kUnit + "-201804-0009,,,,,,\r\n";
  const VerifyResult result = import(csv);
  EXPECT_EQ(result.rows, 3);
  EXPECT_EQ(result.applied, 3);
  EXPECT_EQ(result.without_verdict, 1);
  ASSERT_EQ(result.changes.size(), 3u);
  EXPECT_EQ(result.changes[0], kA + ": new -> rectification_due (rectification due 2018-06-09)");
  MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  const auto a = store.hotspot(kA);
  EXPECT_EQ(a->status, HotspotStatus::rectification_due);
  EXPECT_EQ(a->verdict, Verdict::confirmed);
  EXPECT_EQ(a->verdict_date, "2018-05-10");
  EXPECT_EQ(a->inspector, "李四");
  EXPECT_EQ(a->verdict_note, "推土, 未批先建");
  EXPECT_EQ(a->rectification_due, "2018-06-09");
  EXPECT_EQ(store.hotspot(kB)->status, HotspotStatus::false_alarm);
  EXPECT_EQ(store.hotspot(kC)->status, HotspotStatus::legal);
  EXPECT_EQ(store.hotspot(kC)->approval, "渝江环审〔2018〕12号");
  EXPECT_EQ(store.count("verdicts"), 3);
  EXPECT_EQ(store.count("verdict_imports"), 1);
  const auto events = store.events(kA);
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const StoredEvent& e) {
    return e.source == HistorySource::verify && e.from_status == HotspotStatus::new_ &&
           e.to_status == HotspotStatus::rectification_due;
  }));

  const VerifyResult again = import(csv);
  EXPECT_EQ(again.applied, 0);
  EXPECT_EQ(again.already_imported, 3);

  // Rectified, then closed, in one file, in order.
  const VerifyResult follow_up =
      import("hotspot_id,verdict,verdict_date\n" + kA + ",rectified,2018-05-20\n" + kA + ",closed,2018-05-30\n");
  EXPECT_EQ(follow_up.applied, 2);
  EXPECT_EQ(status(kA), HotspotStatus::closed);
}

TEST_F(VerdictsTest, PrecisionByUnitTypeChangeTypeAndRegionAndTheReport) {
  import("hotspot_id,verdict,verdict_date,approval\n" + kA + ",confirmed,2018-05-10,\n" + kB +
         ",false_alarm,2018-05-10,\n" + kC + ",legal,2018-05-10,渝环准〔2018〕7号\n");
  MonitoringStore store = MonitoringStore::open(options_.path, MonitoringStore::Mode::read);
  const auto rows = store.precision();
  const auto row = [&](const std::string& dimension, const std::string& key) {
    const auto it = std::find_if(rows.begin(), rows.end(),
                                 [&](const PrecisionRow& p) { return p.dimension == dimension && p.key == key; });
    EXPECT_NE(it, rows.end()) << dimension << " " << key;
    return it == rows.end() ? PrecisionRow{} : *it;
  };
  const PrecisionRow all = row("all", "all");
  EXPECT_EQ(all.verified, 3);
  EXPECT_EQ(all.confirmed, 1);
  EXPECT_EQ(all.false_alarm, 1);
  EXPECT_EQ(all.legal, 1);
  EXPECT_NEAR(all.alert_precision, 1.0 / 3.0, 1e-9);
  EXPECT_NEAR(all.change_precision, 2.0 / 3.0, 1e-9);
  const PrecisionRow construction = row("change_type", "construction");
  EXPECT_EQ(construction.verified, 2);
  EXPECT_NEAR(construction.alert_precision, 0.5, 1e-9);
  const PrecisionRow vegetation = row("change_type", "vegetation_loss");
  EXPECT_EQ(vegetation.false_alarm, 1);
  EXPECT_NEAR(vegetation.alert_precision, 0.0, 1e-9);
  EXPECT_EQ(row("unit_type", "priority").verified, 3);
  EXPECT_EQ(row("region", "重庆市江津区").verified, 3);

  const StoreReport report = build_store_report(options_.path, "2018-07-01");
  EXPECT_EQ(report.hotspots, 3);
  EXPECT_EQ(report.verdicts, 3);
  ASSERT_EQ(report.overdue.size(), 1u);
  EXPECT_EQ(report.overdue[0].id, kA);
  const auto count = [&](HotspotStatus s) {
    for (const auto& [status, n] : report.by_status) {
      if (status == s) return n;
    }
    return -1;
  };
  EXPECT_EQ(report.by_status.size(), all_hotspot_statuses().size());
  EXPECT_EQ(count(HotspotStatus::rectification_due), 1);
  EXPECT_EQ(count(HotspotStatus::false_alarm), 1);
  EXPECT_EQ(count(HotspotStatus::legal), 1);
  EXPECT_EQ(count(HotspotStatus::new_), 0);
  const std::string text = format_store_report(report);
  EXPECT_NE(text.find("Rectification overdue (1)"), std::string::npos) << text;
  EXPECT_NE(text.find(kA), std::string::npos);
  EXPECT_NE(text.find("33.3%"), std::string::npos) << text;
  EXPECT_NE(text.find("66.7%"), std::string::npos) << text;
  const nlohmann::json json = to_json(report);
  EXPECT_EQ(json["by_status"]["legal"], 1);
  EXPECT_EQ(json["scans"].size(), 1u);
}

TEST_F(VerdictsTest, DryRunAndBadFilesWriteNothing) {
  const std::string before = read_bytes(options_.path);
  const VerifyResult dry = import("hotspot_id,verdict\n" + kA + ",confirmed\n", /*dry_run=*/true);
  EXPECT_EQ(dry.applied, 1);
  EXPECT_TRUE(dry.dry_run);
  EXPECT_EQ(read_bytes(options_.path), before);
  EXPECT_THROW(import("hotspot_id,note\n" + kA + ",x\n"), InputError);               // no verdict column
  EXPECT_THROW(import("\xB9\xFA,verdict\n"), InputError);                            // GBK, not UTF-8
  EXPECT_THROW(import("hotspot_id,verdict\n" + kA + ",\"confirmed\n"), InputError);  // open quote
  EXPECT_THROW(import_verdicts({options_.path, (root_ / "missing.csv").string(), false, ""}), InputError);
  EXPECT_EQ(read_bytes(options_.path), before);
}

}  // namespace
}  // namespace zw::store_test
