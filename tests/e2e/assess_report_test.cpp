// `zonewatch assess` end to end: a small four-year archive written through the archive API,
// the binary run on it, its outputs and its exit codes for bad requests.
#include <gtest/gtest.h>

#include "e2e_support.hpp"
#include "pipeline/assessment/assessment_fixture.hpp"
#include "zonewatch/pipeline/archive/archive_file.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

class AssessReportTest : public TempFolderTest {
 protected:
  void SetUp() override {
    TempFolderTest::SetUp();
    archive_ = root_ / "programme.h5";
    ArchiveContents contents = test::make_test_archive();
    contents.grid.width = contents.grid.height = 8;  // the assessment reads no raster
    const kernels::Tile<float> rsei(8, 8, 0.5F);
    for (const auto& [year, rows] : contents.indicators) {
      ArchiveYearInfo info = contents.years.at(year);
      info.first_date = std::to_string(year) + "-06-01";
      info.last_date = std::to_string(year) + "-09-30";
      ArchiveYearWriter writer(archive_, contents, info, {standard_archive_raster("rsei")});
      writer.write_tile("rsei", {0, 0, 8, 8}, rsei.view());
      writer.set_indicators(rows);
      writer.commit();
    }
  }
  RunResult assess(std::vector<std::string> extra) {
    std::vector<std::string> args{"--no-progress", "assess", "--archive", archive_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_zonewatch(args, root_);
  }
  fs::path archive_;
};

TEST_F(AssessReportTest, WritesTheReportAndPrintsTheHeadline) {
  const fs::path out = root_ / "out";
  const RunResult run = assess({"--year", "2024", "--out", out.string()});
  ASSERT_EQ(run.exit_code, 0) << run;
  EXPECT_NE(run.out.find("1 of 2 assessed = 50.0 % by count, 75.0 % by area"), std::string::npos) << run;
  EXPECT_NE(run.out.find("Report: " + (out / "report.html").string()), std::string::npos) << run;
  EXPECT_NE(run.out.find("  P1  priority  -6.00 pts"), std::string::npos) << run;
  EXPECT_NE(run.out.find("  K1  key"), std::string::npos) << run;
  EXPECT_EQ(entry_names(out), (std::vector<std::string>{"assessment.gpkg", "assessment.json", "by_region.csv",
                                                        "by_type.csv", "report.html", "units.csv"}));
  EXPECT_EQ(feature_count(out / "assessment.gpkg", "assessment"), 4);
  const auto json = read_json(out / "assessment.json");
  EXPECT_EQ(json.at("baseline_year"), 2021);
  EXPECT_EQ(json.at("previous_year"), 2023);
  EXPECT_EQ(json.at("units").at(0).at("class"), "significantly_worse");
  const std::string html = read_bytes(out / "report.html");
  EXPECT_NE(html.find("青山保护区"), std::string::npos) << "names survive the archive's UTF-8 strings";
  EXPECT_NE(html.find("HJ 192-2015"), std::string::npos);
}

TEST_F(AssessReportTest, BaselineAndConfigApply) {
  const fs::path config = root_ / "assess.yaml";
  write_bytes(config, "classes:\n  stable_max: 7\n  slight_max: 12\n");
  const RunResult run =
      assess({"--year", "2024", "--baseline", "2022", "--config", config.string(), "--out", (root_ / "o").string()});
  ASSERT_EQ(run.exit_code, 0) << run;
  const auto json = read_json(root_ / "o" / "assessment.json");
  EXPECT_EQ(json.at("baseline_year"), 2022);
  EXPECT_EQ(json.at("units").at(0).at("class"), "stable") << "-6 points is within stable_max 7";
  EXPECT_EQ(json.at("headline").at("priority_declined"), 0);
}

TEST_F(AssessReportTest, BadRequestsExitWithTheirCodes) {
  const fs::path out = root_ / "out";
  RunResult run = assess({"--year", "2030", "--out", out.string()});
  EXPECT_EQ(run.exit_code, 2) << run;
  EXPECT_NE(run.err.find(archive_.string() + ": --year 2030 is not archived"), std::string::npos) << run;
  EXPECT_NE(run.err.find("2021, 2022, 2023, 2024"), std::string::npos) << run;

  run = assess({"--year", "2024", "--baseline", "2024", "--out", out.string()});
  EXPECT_EQ(run.exit_code, 2) << run;
  EXPECT_NE(run.err.find("must be earlier"), std::string::npos) << run;

  const fs::path config = root_ / "bad.yaml";
  write_bytes(config, "classes:\n  stabel_max: 2\n");
  run = assess({"--year", "2024", "--config", config.string(), "--out", out.string()});
  EXPECT_EQ(run.exit_code, 2) << run;
  EXPECT_NE(run.err.find("classes.stabel_max"), std::string::npos) << run;

  run = run_zonewatch({"assess", "--archive", (root_ / "missing.h5").string(), "--year", "2024", "--out", out.string()},
                      root_);
  EXPECT_EQ(run.exit_code, 3) << run;
  EXPECT_FALSE(fs::exists(out)) << "nothing written for a failed request";
}

}  // namespace
}  // namespace zw::e2e
