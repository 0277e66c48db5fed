#pragma once
// Golden results: text recorded under tests/golden/ before the restructure (issue 8) and
// compared byte for byte afterwards, so that a change of what zonewatch finds cannot pass
// unnoticed. `ZONEWATCH_UPDATE_GOLDEN=1 ctest -R Golden` rewrites them; the diff then says
// what changed, and the commit that changes them says why.
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "e2e_support.hpp"

namespace zw::e2e {

inline const fs::path kGoldenDir = kSourceDir / "tests" / "golden";

/// The first line where two texts differ, for a readable failure message.
inline std::string first_difference(const std::string& expected, const std::string& actual) {
  std::istringstream a(expected), b(actual);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, la));
    const bool more_b = static_cast<bool>(std::getline(b, lb));
    if (!more_a && !more_b) return "texts are equal";
    if (!more_a || !more_b || la != lb) {
      return "line " + std::to_string(line) + ":\n  golden: " + (more_a ? la : "<end>") +
             "\n  now:    " + (more_b ? lb : "<end>");
    }
  }
}

/// Compares `actual` with tests/golden/<name>, or writes it there under ZONEWATCH_UPDATE_GOLDEN=1.
inline void expect_golden(const std::string& name, const std::string& actual) {
  const fs::path path = kGoldenDir / name;
  if (const char* update = std::getenv("ZONEWATCH_UPDATE_GOLDEN"); update != nullptr && std::string(update) == "1") {
    fs::create_directories(path.parent_path());
    write_bytes(path, actual);
    std::fprintf(stderr, "golden: wrote %s\n", path.c_str());
    return;
  }
  ASSERT_TRUE(fs::exists(path)) << path << " is missing: record it with ZONEWATCH_UPDATE_GOLDEN=1";
  const std::string expected = read_bytes(path);
  EXPECT_TRUE(expected == actual) << path << " differs at " << first_difference(expected, actual);
}

}  // namespace zw::e2e
