// End to end: summary.html of a real scan of the bundled Chongqing sample: written with the
// other outputs, quick-looks embedded, counts equal to hotspots.csv, offline, and rendered
// by headless Chromium (skipped where it is not installed).
#include <cstdlib>
#include <map>
#include <optional>
#include <regex>
#include <string>

#include "e2e_support.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

class SummaryPageScanTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::random_device device;
    root_ = new fs::path(fs::temp_directory_path() /
                         ("zonewatch-e2e-summary-" + std::to_string(::getpid()) + "-" + std::to_string(device())));
    fs::create_directories(*root_);
    const fs::path config = write_config(sample_config(*root_ / "out"), *root_ / "sample.yaml");
    result_ = new RunResult(scan(config, *root_));
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    if (std::getenv("ZONEWATCH_KEEP_TEST_DIRS") == nullptr) fs::remove_all(*root_, ignored);
    delete root_;
    delete result_;
  }
  void SetUp() override { ASSERT_EQ(result_->exit_code, 0) << *result_; }

  static fs::path out() { return *root_ / "out"; }
  static std::string page() { return read_bytes(out() / "summary.html"); }

  static fs::path* root_;
  static RunResult* result_;
};

fs::path* SummaryPageScanTest::root_ = nullptr;
RunResult* SummaryPageScanTest::result_ = nullptr;

/// data-count of every row of the page's counts table `group`, by data-key.
std::map<std::string, int> page_counts(const std::string& html, const std::string& group) {
  std::map<std::string, int> counts;
  const std::size_t begin = html.find("data-group=\"" + group + "\"");
  if (begin == std::string::npos) return counts;
  const std::string table = html.substr(begin, html.find("</table>", begin) - begin);
  const std::regex row("data-key=\"([^\"]*)\" data-count=\"([0-9]+)\"");
  for (auto it = std::sregex_iterator(table.begin(), table.end(), row); it != std::sregex_iterator(); ++it) {
    const int n = std::stoi((*it)[2].str());
    if (n > 0) counts[(*it)[1].str()] = n;
  }
  return counts;
}

TEST_F(SummaryPageScanTest, IsWrittenWithTheOtherOutputsAndEmbedsBothQuicklooks) {
  ASSERT_TRUE(fs::is_regular_file(out() / "summary.html"));
  EXPECT_TRUE(leftover_folders(out()).empty()) << ::testing::PrintToString(entry_names(out()));
  const std::string html = page();
  for (const char* side : {"before", "after"}) {
    EXPECT_NE(html.find("<img class=\"quicklook\" alt=\"" + std::string(side) +
                        " quick-look\" src=\"data:image/jpeg;base64,"),
              std::string::npos)
        << side;
  }
  EXPECT_NE(html.find("<image x=\"0\" y=\"0\""), std::string::npos) << "the map lies over the after quick-look";
  EXPECT_NE(html.find("2017-04-14"), std::string::npos);
  EXPECT_NE(html.find("2018-04-02"), std::string::npos);
  EXPECT_NE(html.find("sentinel2-l1c"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

TEST_F(SummaryPageScanTest, CountsEqualThoseOfHotspotsCsv) {
  const CsvTable csv = read_csv_table(out() / "hotspots.csv");
  ASSERT_GT(csv.rows.size(), 10u);
  const std::string html = page();
  EXPECT_NE(html.find("<b id=\"hotspot-total\">" + std::to_string(csv.rows.size()) + "</b>"), std::string::npos);
  for (const auto& [group, column] : std::map<std::string, std::string>{{"change_type", "change_type"},
                                                                        {"severity", "severity"},
                                                                        {"unit_type", "unit_type"},
                                                                        {"region", "region"}}) {
    std::map<std::string, int> expected;
    for (const auto& row : csv.rows) ++expected[row.at(column)];
    EXPECT_EQ(page_counts(html, group), expected) << group;
  }
  // Chips for the ten largest: two embedded pictures each.
  std::size_t chips = 0;
  for (std::size_t at = html.find("<img class=\"chip\""); at != std::string::npos;
       at = html.find("<img class=\"chip\"", at + 1)) {
    ++chips;
  }
  EXPECT_EQ(chips, 2 * std::min<std::size_t>(10, csv.rows.size()));
}

TEST_F(SummaryPageScanTest, FlaggedUnitsOfTheLayerAreListed) {
  const auto units = read_layer(out() / "alerts.gpkg", "units");
  const std::string html = page();
  std::size_t flagged = 0;
  for (const auto& unit : units) {
    if (unit.at("flagged") != "1") continue;
    ++flagged;
    EXPECT_NE(html.find(unit.at("code")), std::string::npos) << unit.at("code");
  }
  EXPECT_NE(html.find("Flagged units (" + std::to_string(flagged) + " / " + std::to_string(units.size()) + ")"),
            std::string::npos);
}

std::optional<std::string> find_chromium() {
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
    if (fs::exists(candidate)) return std::string(candidate);
  }
  return std::nullopt;
}

TEST_F(SummaryPageScanTest, HeadlessChromiumRendersIt) {
  const auto chromium = find_chromium();
  if (!chromium) GTEST_SKIP() << "chromium is not installed: summary.html is not rendered";
  const fs::path screenshot = out() / "summary-screenshot.png";
  const std::string command = "'" + *chromium +
                              "' --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions "
                              "--hide-scrollbars --window-size=1200,2400 --screenshot='" +
                              screenshot.string() + "' 'file://" + (out() / "summary.html").string() +
                              "' >/dev/null 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  ASSERT_TRUE(fs::is_regular_file(screenshot)) << command;
  EXPECT_GT(fs::file_size(screenshot), 50'000u) << "a blank page compresses to a few KB";
  const Dataset png = open_dataset(screenshot, GDAL_OF_RASTER | GDAL_OF_READONLY);
  ASSERT_TRUE(png);
  EXPECT_EQ(png->GetRasterXSize(), 1200);
  // Many distinct colours: the quick-looks are drawn, not only text on white.
  std::vector<std::uint8_t> red(static_cast<std::size_t>(png->GetRasterXSize()) * png->GetRasterYSize());
  ASSERT_EQ(png->GetRasterBand(1)->RasterIO(GF_Read, 0, 0, png->GetRasterXSize(), png->GetRasterYSize(), red.data(),
                                            png->GetRasterXSize(), png->GetRasterYSize(), GDT_Byte, 0, 0),
            CE_None);
  std::set<std::uint8_t> levels(red.begin(), red.end());
  EXPECT_GT(levels.size(), 128u);
}

}  // namespace
}  // namespace zw::e2e
