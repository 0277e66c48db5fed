// End to end: the bundled sample scanned through the binary, its output folder moved
// elsewhere (the project's paths are relative), then opened in real QGIS, headless, by
// tests/e2e/qgis/check_project.py: valid layers, stored styles, Chinese aliases, and the
// severity colours in a rendered map. Skips where QGIS's Python bindings are missing.
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include <cpl_minixml.h>

#include "e2e_support.hpp"

namespace zw::e2e {
namespace {

[[maybe_unused]] ::testing::Environment* const kGdal = ::testing::AddGlobalTestEnvironment(new GdalEnvironment);

const fs::path kCheckScript = kSourceDir / "tests" / "e2e" / "qgis" / "check_project.py";
const fs::path kSystemPython = "/usr/bin/python3";  // the one Debian's python3-qgis installs into

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

CommandResult run_shell(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) result.output += buffer;
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

class QgisProjectTest : public TempFolderTest {};

TEST_F(QgisProjectTest, SampleScanOpensStyledInQgisFromACopiedFolder) {
  const fs::path out = root_ / "out";
  const RunResult scanned = scan(write_config(sample_config(out), root_ / "sample.yaml"), root_);
  ASSERT_EQ(scanned.exit_code, 0) << scanned;
  ASSERT_TRUE(fs::is_regular_file(out / "project.qgs")) << ::testing::PrintToString(entry_names(out));
  EXPECT_NE(scanned.out.find("qgis " + (out / "project.qgs").string()), std::string::npos) << scanned.out;

  // Well-formed, and no path of the folder it was written in.
  const std::string project = read_bytes(out / "project.qgs");
  CPLXMLNode* parsed = CPLParseXMLString(project.c_str());
  EXPECT_NE(parsed, nullptr);
  CPLDestroyXMLNode(parsed);
  EXPECT_EQ(project.find(out.string()), std::string::npos);
  EXPECT_NE(project.find("<datasource>./alerts.gpkg|layername=hotspots</datasource>"), std::string::npos);

  // A copied folder must open just the same.
  const fs::path moved = root_ / "shared copy";
  fs::rename(out, moved);

  if (!fs::exists(kSystemPython)) GTEST_SKIP() << kSystemPython << " is missing; QGIS check not run";
  const fs::path png = moved / "project.png";
  const CommandResult checked =
      run_shell("QT_QPA_PLATFORM=offscreen " + quoted(kSystemPython) + " " + quoted(kCheckScript) + " " +
                quoted(moved / "project.qgs") + " " + quoted(png));
  if (checked.exit_code == 77) GTEST_SKIP() << "QGIS's Python bindings are missing (python3-qgis): " << checked.output;
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("OK"), std::string::npos) << checked.output;
  ASSERT_TRUE(fs::is_regular_file(png)) << checked.output;
  EXPECT_GT(fs::file_size(png), 1000u);
  std::printf("%s", checked.output.c_str());  // the pixel counts, for the log
}

}  // namespace
}  // namespace zw::e2e
