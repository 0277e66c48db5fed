// `zonewatch --version` and CHANGELOG.md agree: the newest released section of the changelog
// (Keep a Changelog: "## [x.y.z] - YYYY-MM-DD", after "## [Unreleased]") is the version the
// binary reports, so that a release cannot forget one or the other.
#include <regex>
#include <sstream>
#include <string>

#include "e2e_support.hpp"

namespace zw::e2e {
namespace {

/// The version of the first "## [x.y.z]" heading, or "" when there is none.
std::string newest_released_version(const std::string& changelog) {
  std::istringstream lines(changelog);
  const std::regex heading(R"(^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}\s*$)");
  std::smatch match;
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_match(line, match, heading)) return match[1];
  }
  return {};
}

class VersionTest : public TempFolderTest {};

TEST_F(VersionTest, BinaryReportsTheNewestReleaseOfTheChangelog) {
  const std::string changelog = read_bytes(kSourceDir / "CHANGELOG.md");
  ASSERT_FALSE(changelog.empty()) << "CHANGELOG.md is missing or empty";
  const std::string version = newest_released_version(changelog);
  ASSERT_FALSE(version.empty()) << "CHANGELOG.md has no '## [x.y.z] - YYYY-MM-DD' section";
  const RunResult result = run_zonewatch({"--version"}, root_);
  ASSERT_EQ(result.exit_code, 0) << result;
  // The version line, then whether the build can run under mpirun.
  const std::string first_line = result.out.substr(0, result.out.find('\n'));
  EXPECT_EQ(first_line, "zonewatch " + version) << "CHANGELOG.md's newest release is " << version;
  EXPECT_TRUE(std::regex_match(result.out.substr(first_line.size()), std::regex(R"(\nMPI: (no|yes \(.+\))\n)")))
      << result.out;
}

TEST(ChangelogHeadings, AreFoundOnlyInKeepAChangelogForm) {
  EXPECT_EQ(newest_released_version("# Changelog\n## [Unreleased]\n## [1.2.3] - 2026-01-02\n## [1.2.2] - 2025-12-01\n"),
            "1.2.3");
  EXPECT_EQ(newest_released_version("## [1.2.3]\n## 1.2.2 - 2025-12-01\n"), "");
}

}  // namespace
}  // namespace zw::e2e
