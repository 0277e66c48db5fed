// End to end: the bad monitoring stores and verdict CSVs catalogued in docs/ERRORS.md
// (issue 15); the scan's bad inputs are in bad_input_catalogue_test.cpp. Each case checks the
// exit code (3 bad input data) and the words of the message the user sees, and that a failed
// import leaves the store as it was.
#include <string>
#include <vector>

#include "monitoring_support.hpp"

namespace zw::e2e {
namespace {

constexpr int kExitInput = 3;

// ---------------------------------------------------------------------------------------
// The monitoring store

class StoreCatalogueTest : public MonitoringTest {
 protected:
  RunResult scan_into_store() { return scan_named("s1", kSampleDir / "after", "2018-04-02"); }
};

TEST_F(StoreCatalogueTest, StoreOfAForeignSchema) {
  {
    Dataset ds(GetGDALDriverManager()->GetDriverByName("GPKG")->Create(store_.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    ds->CreateLayer("roads", nullptr, wkbLineString, nullptr);
  }
  const std::string before = read_bytes(store_);
  const RunResult r = scan_into_store();
  EXPECT_EQ(r.exit_code, kExitInput) << r;
  EXPECT_NE(r.err.find(store_.string()), std::string::npos) << r;
  EXPECT_NE(r.err.find("not a zonewatch monitoring store"), std::string::npos) << r;
  EXPECT_EQ(read_bytes(store_), before);
}

TEST_F(StoreCatalogueTest, StoreOfANewerSchema) {
  ASSERT_EQ(scan_into_store().exit_code, 0);
  {
    Dataset ds = open_dataset(store_, GDAL_OF_VECTOR | GDAL_OF_UPDATE);
    ds->ExecuteSQL("UPDATE store_meta SET value = '99' WHERE key = 'schema_version'", nullptr, nullptr);
  }
  const std::string before = store_snapshot(store_);
  const RunResult r = scan_named("s2", kSampleDir / "after", "2018-05-02");
  EXPECT_EQ(r.exit_code, kExitInput) << r;
  EXPECT_NE(r.err.find(store_.string()), std::string::npos) << r;
  EXPECT_NE(r.err.find("99"), std::string::npos) << r;
  EXPECT_EQ(store_snapshot(store_), before);
}

TEST_F(StoreCatalogueTest, TextFileAsStore) {
  write_bytes(store_, "not a geopackage\n");
  const RunResult r = scan_into_store();
  EXPECT_EQ(r.exit_code, kExitInput) << r;
  EXPECT_NE(r.err.find(store_.string()), std::string::npos) << r;
  EXPECT_EQ(read_bytes(store_), "not a geopackage\n");
}

// ---------------------------------------------------------------------------------------
// Verdict CSVs (verify)

class VerdictCatalogueTest : public StoreCatalogueTest {
 protected:
  void SetUp() override {
    StoreCatalogueTest::SetUp();
    const RunResult s1 = scan_into_store();
    ASSERT_EQ(s1.exit_code, 0) << s1;
    const auto hotspots = read_layer(store_, "hotspots");
    ASSERT_GE(hotspots.size(), 2u);
    id_ = hotspots[0].at("hotspot_id");
    other_ = hotspots[1].at("hotspot_id");
    snapshot_ = store_snapshot(store_);
  }

  /// verify with `csv`; expects exit 3, every `words`, and the store unchanged.
  RunResult expect_refused(const std::string& csv, const std::vector<std::string>& words) {
    const fs::path file = root_ / "verdicts.csv";
    write_bytes(file, csv);
    const RunResult r = run_zonewatch({"verify", "--store", store_.string(), "--results", file.string()}, root_);
    EXPECT_EQ(r.exit_code, kExitInput) << r;
    for (const auto& w : words) EXPECT_NE(r.err.find(w), std::string::npos) << "no '" << w << "'\n" << r;
    EXPECT_EQ(store_snapshot(store_), snapshot_) << "a refused file changed the store";
    return r;
  }

  std::string id_, other_, snapshot_;
};

const std::string kHeader = "hotspot_id,verdict,verdict_date,inspector,note,approval\n";

TEST_F(VerdictCatalogueTest, UnknownHotspotId) {
  expect_refused(kHeader + "ZH99999999999-201804-0001,confirmed,2018-05-10,李四,,\n",
                 {"verdicts.csv", "row 2", "unknown hotspot ID 'ZH99999999999-201804-0001'"});
}

TEST_F(VerdictCatalogueTest, DuplicateRowsAreImportedOnce) {
  const fs::path file = root_ / "verdicts.csv";
  const std::string row = id_ + ",confirmed,2018-05-10,李四,,\n";
  write_bytes(file, kHeader + row + row);
  const RunResult r = run_zonewatch({"verify", "--store", store_.string(), "--results", file.string()}, root_);
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(feature_count(store_, "verdicts"), 1) << r;
}

TEST_F(VerdictCatalogueTest, BadDate) {
  expect_refused(kHeader + id_ + ",confirmed,2018-5-1,李四,,\n", {"row 2", "'2018-5-1' is not a date"});
}

TEST_F(VerdictCatalogueTest, DateInTheFuture) {
  expect_refused(kHeader + id_ + ",confirmed,2099-01-01,李四,,\n", {"row 2", "2099-01-01 is in the future"});
}

TEST_F(VerdictCatalogueTest, SpreadsheetFormulaInAFieldIsKeptAsText) {
  // A formula is data: stored as the text it is (writers neutralise it on export).
  const std::string formula = "=HYPERLINK(\"http://x.example\",\"x\")";
  const fs::path file = root_ / "verdicts.csv";
  write_bytes(file, kHeader + id_ + ",confirmed,2018-05-10,\"=HYPERLINK(\"\"http://x.example\"\",\"\"x\"\")\",,\n");
  const RunResult r = run_zonewatch({"verify", "--store", store_.string(), "--results", file.string()}, root_);
  EXPECT_EQ(r.exit_code, 0) << r;
  const auto verdicts = read_layer(store_, "verdicts");
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_EQ(verdicts[0].at("inspector"), formula);
}

TEST_F(VerdictCatalogueTest, UnknownVerdict) {
  expect_refused(kHeader + id_ + ",maybe,2018-05-10,李四,,\n", {"row 2", "unknown verdict 'maybe'"});
}

TEST_F(VerdictCatalogueTest, GbkEncodedFile) {
  expect_refused("hotspot_id,verdict,inspector\n" + id_ + ",confirmed,\xC0\xEE\xCB\xC4\n", {"verdicts.csv", "UTF-8"});
}

TEST_F(VerdictCatalogueTest, AMillionRowsOfUnknownIdsAreRefusedWithABoundedMessage) {
  std::string csv = kHeader;
  csv.reserve(60'000'000);
  for (int i = 0; i < 1'000'000; ++i)
    csv += "ZH99999999999-201804-" + std::to_string(100000 + i) + ",confirmed,2018-05-10,,,\n";
  const RunResult r =
      expect_refused(csv, {"1000000 of 1000000", "nothing imported", "row 101:", "... and 999900 more rows rejected"});
  EXPECT_EQ(r.err.find("row 102:"), std::string::npos) << "more than the first 100 rows listed";
  EXPECT_LT(r.err.size(), 100'000u) << "the message lists every row";
}

}  // namespace
}  // namespace zw::e2e
