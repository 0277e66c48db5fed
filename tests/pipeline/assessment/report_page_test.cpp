// report.html in a real browser: headless Chromium renders the page (Chinese unit names,
// inline SVG map and charts) to a screenshot kept in the test's output folder
// (<build>/tests/test-output/assessment/). Skips where Chromium is not installed.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include <gtest/gtest.h>

#include "assessment_fixture.hpp"
#include "zonewatch/pipeline/assessment/assessment.hpp"

namespace zw {
namespace {

namespace fs = std::filesystem;

std::optional<fs::path> find_chromium() {
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
    if (fs::exists(candidate)) return fs::path(candidate);
  }
  return std::nullopt;
}

TEST(AssessmentReportPage, RendersInHeadlessChromium) {
  const auto chromium = find_chromium();
  if (!chromium) GTEST_SKIP() << "chromium is not installed: report.html is not rendered (apt-get install chromium)";
  const ArchiveContents archive = test::make_test_archive();
  AssessmentOptions options;
  options.year = 2024;
  const AssessmentResult result = assess(archive, options, "test.h5");
  const std::string html = assessment_report_html(result);
  ASSERT_NE(html.find("青山保护区"), std::string::npos) << "a Chinese unit name is on the page";

  const fs::path folder = fs::current_path() / "test-output" / "assessment";
  fs::create_directories(folder);
  const fs::path page = folder / "report.html", png = folder / "report.png";
  std::ofstream(page, std::ios::binary) << html;
  fs::remove(png);
  const std::string command = "'" + chromium->string() +
                              "' --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions "
                              "--hide-scrollbars --window-size=1200,2400 --screenshot='" +
                              png.string() + "' 'file://" + page.string() + "' >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(fs::exists(png)) << "headless Chromium wrote no screenshot (exit status " << status << ")";
  EXPECT_GT(fs::file_size(png), 20000u) << "a rendered page with a map, tables and charts, not a blank image";
  std::ifstream in(png, std::ios::binary);
  char signature[8] = {};
  in.read(signature, 8);
  EXPECT_EQ(std::string(signature + 1, 3), "PNG");
  std::printf("screenshot: %s (%ju bytes)\n", png.c_str(), static_cast<std::uintmax_t>(fs::file_size(png)));
}

}  // namespace
}  // namespace zw
